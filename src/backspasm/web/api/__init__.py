"""JSON API routers (``/api/v1/...``) and the API contract."""
