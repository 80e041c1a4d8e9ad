"""Static assets served from memory: every file under ``static/`` is read once when the app
is built, with its content type, ETag and a gzip copy, and answered without touching the
disk or a worker thread.

Each file is served under its own name (``/static/bs.css``, cached for a day) and under a
name that carries a hash of its content (``/static/bs.3f9c2a1d7e.css``, cached for a year
as ``immutable``: a changed file gets a new name). Pages link to the hashed names through
the ``static_url`` template function, so a browser never keeps a stale stylesheet.

Why not Starlette's ``StaticFiles``: it resolves, opens, reads and closes the file in a
worker thread on every request, which made a 13 KB stylesheet cost about five times a
bare "hello" route (bench/bench_speed.py). The files are few and small (about 30 KB).
"""

from __future__ import annotations

import gzip
import hashlib
import mimetypes
from dataclasses import dataclass
from email.utils import formatdate, parsedate_to_datetime
from pathlib import Path

from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Receive, Scope, Send

PREFIX = "/static/"
#: Plain names: a browser may keep them for a day.
DAY = b"public, max-age=86400"
#: Hashed names never change content.
YEAR_IMMUTABLE = b"public, max-age=31536000, immutable"
#: Content types worth compressing (the icons' PNGs are compressed already).
_COMPRESSIBLE = ("text/", "application/javascript", "application/json",
                 "application/manifest+json", "image/svg+xml")
_TYPES = {".css": "text/css; charset=utf-8", ".js": "text/javascript; charset=utf-8",
          ".svg": "image/svg+xml", ".png": "image/png",
          ".webmanifest": "application/manifest+json"}
_HASH_LEN = 10


@dataclass(frozen=True)
class Variant:
    """One encoding of a file: its body, ETag and the headers of a 200 and of a 304."""

    body: bytes
    etag: bytes
    headers: list[tuple[bytes, bytes]]
    not_modified: list[tuple[bytes, bytes]]


@dataclass(frozen=True)
class Asset:
    """One file: as it is, gzipped (``None`` when that is not smaller), and its time."""

    plain: Variant
    gzipped: Variant | None
    last_modified: float


def hashed_name(name: str, body: bytes) -> str:
    """``bs.css`` → ``bs.<10 hex digits of sha256>.css``."""
    stem, dot, ext = name.rpartition(".")
    digest = hashlib.sha256(body).hexdigest()[:_HASH_LEN]
    return f"{stem}.{digest}.{ext}" if dot else f"{name}.{digest}"


def _content_type(name: str) -> str:
    suffix = Path(name).suffix
    return _TYPES.get(suffix) or mimetypes.guess_type(name)[0] or "application/octet-stream"


def _make(body: bytes, ctype: str, mtime: float, cache: bytes) -> Asset:
    tag = hashlib.sha256(body).hexdigest()[:20].encode()
    compressible = ctype.startswith(_COMPRESSIBLE) and len(body) > 256
    gz = gzip.compress(body, 9, mtime=0) if compressible else None
    if gz is not None and len(gz) >= len(body):
        gz = None
    vary = [(b"vary", b"Accept-Encoding")] if gz is not None else []
    common = [(b"content-type", ctype.encode()), (b"cache-control", cache),
              (b"last-modified", formatdate(mtime, usegmt=True).encode()), *vary]

    def variant(data: bytes, etag: bytes, encoding: list[tuple[bytes, bytes]]) -> Variant:
        return Variant(data, etag, [*common, (b"etag", etag), *encoding,
                                    (b"content-length", str(len(data)).encode())],
                       [(b"cache-control", cache), (b"etag", etag), *vary])

    plain = variant(body, b'"' + tag + b'"', [])
    zipped = None if gz is None else variant(gz, b'"' + tag + b'-gz"',
                                             [(b"content-encoding", b"gzip")])
    return Asset(plain, zipped, mtime)


class Assets:
    """Every file under ``directory``, by its name under ``/static/`` (plain and hashed)."""

    def __init__(self, directory: Path) -> None:
        self.files: dict[str, Asset] = {}
        self.hashed: dict[str, str] = {}  # plain name → hashed name
        for path in sorted(directory.rglob("*")):
            if not path.is_file():
                continue
            name = path.relative_to(directory).as_posix()
            body = path.read_bytes()
            ctype, mtime = _content_type(name), path.stat().st_mtime
            fingerprinted = hashed_name(name, body)
            self.files[name] = _make(body, ctype, mtime, DAY)
            self.files[fingerprinted] = _make(body, ctype, mtime, YEAR_IMMUTABLE)
            self.hashed[name] = fingerprinted

    def url(self, name: str) -> str:
        """The hashed URL of ``name`` (``KeyError`` for a file that is not there, so a
        template cannot link to a missing asset)."""
        return PREFIX + self.hashed[name]


def _wants_gzip(value: bytes) -> bool:
    for part in value.split(b","):
        coding, _, params = part.strip().partition(b";")
        if coding.strip().lower() in (b"gzip", b"*"):
            q = params.strip().lower()
            return not (q.startswith(b"q=") and q[2:].strip(b"0.") == b"")
    return False


def _not_modified(variant: Variant, last_modified: float, if_none_match: bytes | None,
                  if_modified_since: bytes | None) -> bool:
    if if_none_match is not None:
        if if_none_match.strip() == b"*":
            return True
        return variant.etag in {t.strip().removeprefix(b"W/") for t in if_none_match.split(b",")}
    if if_modified_since is not None:
        try:
            since = parsedate_to_datetime(if_modified_since.decode("latin-1")).timestamp()
        except (TypeError, ValueError, IndexError, OverflowError):
            return False
        return int(last_modified) <= since
    return False


async def send_asset(asset: Asset, scope: Scope, send: Send) -> None:
    """Answer a GET or HEAD for ``asset``: the gzip copy when the browser accepts it, a
    304 when the browser's copy is current (``If-None-Match``, else ``If-Modified-Since``),
    the body (none for HEAD)."""
    inm = ims = accept = None
    for key, value in scope["headers"]:
        if key == b"if-none-match":
            inm = value
        elif key == b"if-modified-since":
            ims = value
        elif key == b"accept-encoding":
            accept = value
    variant = asset.plain
    if asset.gzipped is not None and accept is not None and _wants_gzip(accept):
        variant = asset.gzipped
    if (inm is not None or ims is not None) and _not_modified(
            variant, asset.last_modified, inm, ims):
        await send({"type": "http.response.start", "status": 304,
                    "headers": list(variant.not_modified)})
        await send({"type": "http.response.body", "body": b""})
        return
    await send({"type": "http.response.start", "status": 200,
                "headers": list(variant.headers)})
    await send({"type": "http.response.body",
                "body": b"" if scope["method"] == "HEAD" else variant.body})


class StaticAssets:
    """Pure ASGI middleware: a GET or HEAD of a known asset is answered here, before the
    app's routing; anything else under ``/static/`` goes on to :class:`StaticMount` (404,
    405 through the app's error pages)."""

    def __init__(self, app: ASGIApp, *, assets: Assets) -> None:
        self.app = app
        self.files = assets.files

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] in ("GET", "HEAD"):
            path: str = scope["path"]
            if path.startswith(PREFIX):
                asset = self.files.get(path[len(PREFIX):])
                if asset is not None:
                    await send_asset(asset, scope, send)
                    return
        await self.app(scope, receive, send)


class StaticMount:
    """The ``/static`` mount behind :class:`StaticAssets`: what reaches it is a miss (404)
    or another method (405), raised so the app's error handlers answer."""

    def __init__(self, assets: Assets) -> None:
        self.files = assets.files

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["method"] not in ("GET", "HEAD"):
            raise HTTPException(status_code=405, headers={"Allow": "GET, HEAD"})
        name = scope["path"][len(PREFIX):]
        asset = self.files.get(name)
        if asset is None:
            raise HTTPException(status_code=404)
        await send_asset(asset, scope, send)
