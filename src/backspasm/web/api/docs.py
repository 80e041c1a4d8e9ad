"""``GET /api/docs``: the API reference, rendered here from the OpenAPI document (no CDN,
no script)."""

from __future__ import annotations

import json

from fastapi import APIRouter, Request
from markupsafe import Markup
from starlette.responses import HTMLResponse

from backspasm.web.templating import render

router = APIRouter()


def _pre(schema: object) -> Markup:
    """The schema as JSON for a ``<pre>``: escaped for element content only (quotes need no
    escaping there; Jinja's ``&#34;`` for each would make the page half as large again)."""
    text = json.dumps(schema, separators=(", ", ": "))
    return Markup(text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;"))


@router.get("/api/docs", include_in_schema=False, response_class=HTMLResponse)
def api_docs(request: Request) -> HTMLResponse:
    """The API reference, rendered here from the OpenAPI document (no CDN, no script)."""
    spec = request.app.openapi()
    ops = []
    for path, methods in spec.get("paths", {}).items():
        for method, op in methods.items():
            body = op.get("requestBody", {}).get("content", {})
            ops.append({
                "method": method.upper(), "path": path, "summary": op.get("summary", ""),
                "description": op.get("description", ""),
                "params": op.get("parameters", []),
                "body": {ct: _pre(v.get("schema", {})) for ct, v in body.items()},
                "responses": [
                    (code, r.get("description", ""), ", ".join(r.get("content", {})))
                    for code, r in sorted(op.get("responses", {}).items())],
            })
    return render(request, "api_docs.html", {"spec": spec, "ops": ops})
