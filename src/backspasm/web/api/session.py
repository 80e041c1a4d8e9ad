"""JSON API: ``GET /api/v1/session``, the signed-in account and its CSRF token."""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.responses import JSONResponse

from backspasm.web.auth import SignInRequired
from backspasm.web.errors import problem_response

router = APIRouter()


@router.get(
    "/api/v1/session",
    tags=["api"],
    summary="The signed-in account and its CSRF token",
    description=(
        "Multi-user mode: the e-mail address of the signed-in account and the CSRF token that "
        "every POST, PUT or DELETE with the session cookie must send in `X-CSRF-Token`. "
        "Personal mode: no accounts (`multi_user` false)."),
    responses={200: {"description": "The session.", "content": {"application/json": {
        "schema": {"type": "object", "properties": {
            "multi_user": {"type": "boolean"}, "email": {"type": ["string", "null"]},
            "csrf_token": {"type": ["string", "null"]}}}}}},
        401: problem_response("Multi-user mode, and no signed-in session."),
        403: problem_response("A request from another web site."),
        422: problem_response("Invalid input.")},
)
def api_session(request: Request) -> JSONResponse:
    if not request.app.state.settings.multi_user:
        return JSONResponse({"multi_user": False, "email": None, "csrf_token": None})
    user = getattr(request.state, "user", None)
    if user is None:
        raise SignInRequired()
    return JSONResponse({"multi_user": True, "email": user.email,
                         "csrf_token": request.state.csrf_token})
