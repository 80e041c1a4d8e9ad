"""Errors: ``application/problem+json`` (RFC 9457) under /api, a plain page elsewhere.

Bad input never becomes a 500: request validation errors, HTTP errors and our own
:class:`BadInput` are all turned into 4xx answers that name the field.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.requests import ClientDisconnect
from starlette.responses import JSONResponse, Response

from backspasm.knowledge.messages import words

PROBLEM = "application/problem+json"

def title(status: int) -> str:
    """The title of an error answer: pages.yaml ``http.<status>``, or ``http.other``."""
    group = words("pages")["http"]
    return group.get(str(status), group["other"])


class BadInput(Exception):
    """Input that names a field and what was expected there (→ 422)."""

    def __init__(self, field: str, expected: str, message: str | None = None, *,
                 status: int = 422) -> None:
        self.field = field
        self.expected = expected
        self.status = status
        super().__init__(message or f"{field}: expected {expected}")


#: The problem document as an OpenAPI schema, for every documented 4xx.
PROBLEM_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["type", "title", "status", "detail"],
    "properties": {
        "type": {"type": "string", "example": "about:blank"},
        "title": {"type": "string", "example": "Invalid input"},
        "status": {"type": "integer", "example": 422},
        "detail": {"type": "string", "example": "age: expected an integer from 0 to 120"},
        "field": {"type": "string", "example": "age"},
        "expected": {"type": "string", "example": "an integer from 0 to 120"},
    },
}


def problem_response(description: str) -> dict[str, Any]:
    """An OpenAPI ``responses`` entry for a problem+json answer."""
    return {"description": description, "content": {PROBLEM: {"schema": PROBLEM_SCHEMA}}}


def problem(status: int, detail: str, **extra: Any) -> JSONResponse:
    body = {"type": "about:blank", "title": title(status), "status": status,
            "detail": detail}
    body.update({k: v for k, v in extra.items() if v is not None})
    return JSONResponse(body, status_code=status, media_type=PROBLEM)


def is_api(request: Request) -> bool:
    return request.url.path.startswith("/api/")


def _validation_field(errors: list[Any]) -> tuple[str, str]:
    if not errors:
        return "body", "valid input"
    err = errors[0]
    loc = [str(x) for x in err.get("loc", ()) if x not in ("body", "query", "path", "form")]
    return (".".join(loc) or "body"), str(err.get("msg", "valid input"))


def install(app: FastAPI) -> None:
    """Register the handlers on ``app``."""
    from backspasm.store import ConflictError, NotFoundError, StoreError
    from backspasm.web.templating import render_error

    async def bad_input(request: Request, exc: BadInput) -> Response:
        if is_api(request):
            return problem(exc.status, str(exc), field=exc.field, expected=exc.expected)
        return render_error(request, exc.status, str(exc))

    async def validation(request: Request, exc: RequestValidationError) -> Response:
        field, msg = _validation_field(list(exc.errors()))
        detail = f"{field}: {msg}"
        if is_api(request):
            return problem(422, detail, field=field, expected=msg)
        return render_error(request, 422, detail)

    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        detail = exc.detail if isinstance(exc.detail, str) else title(exc.status_code)
        if is_api(request):
            resp = problem(exc.status_code, detail)
        else:
            resp = render_error(request, exc.status_code, detail)
        for k, v in (exc.headers or {}).items():
            resp.headers[k] = v
        if exc.status_code == 405:  # every method of the path, not only the first route's
            from backspasm.web.api.contract import allowed_methods

            methods = allowed_methods(request.app, request.scope)
            if methods:
                resp.headers["allow"] = ", ".join(methods)
        return resp

    async def store_error(request: Request, exc: StoreError) -> Response:
        status = 404 if isinstance(exc, NotFoundError) else 409 if isinstance(
            exc, ConflictError) else 422
        if is_api(request):
            return problem(status, str(exc), field=exc.field, expected=exc.expected)
        return render_error(request, status, str(exc))

    async def client_gone(request: Request, exc: ClientDisconnect) -> Response:
        # The client hung up while sending its body: nobody is left to answer, and it
        # is not a server error worth a traceback in the log.
        return Response(status_code=400)

    app.add_exception_handler(ClientDisconnect, client_gone)  # type: ignore[arg-type]
    app.add_exception_handler(StoreError, store_error)  # type: ignore[arg-type]
    app.add_exception_handler(BadInput, bad_input)  # type: ignore[arg-type]
    app.add_exception_handler(RequestValidationError, validation)  # type: ignore[arg-type]
    app.add_exception_handler(StarletteHTTPException, http_error)  # type: ignore[arg-type]
