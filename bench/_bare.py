"""The bare baselines ``bench_speed.py`` starts under uvicorn with the options of
``backspasm serve``: ``hello`` (FastAPI, one JSON route) and ``static`` (plain Starlette
``StaticFiles`` over the app's own static folder, so it serves the same CSS file)."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from starlette.applications import Starlette
from starlette.responses import PlainTextResponse
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

STATIC_DIR = Path(__file__).resolve().parents[1] / "src" / "backspasm" / "web" / "static"

hello = FastAPI()


@hello.get("/")
async def root() -> dict[str, str]:
    return {"hello": "world"}


async def _index(_request: object) -> PlainTextResponse:
    return PlainTextResponse("static")


static = Starlette(routes=[Route("/", _index),
                           Mount("/static", StaticFiles(directory=STATIC_DIR))])
