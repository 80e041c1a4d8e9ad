"""Static assets, served from memory (web/assets.py): hashed names cached for a year,
plain names for a day, ETag and 304, gzip, HEAD, content types, 404 for anything else."""

from __future__ import annotations

import re

import pytest

from backspasm.web.app import STATIC_DIR
from backspasm.web.assets import Assets, hashed_name
from web_helpers import make_client


@pytest.fixture
def client(tmp_path):
    return make_client(tmp_path)


def _linked(html: str) -> list[str]:
    return re.findall(r'(?:href|src)="(/static/[^"]+)"', html)


def test_pages_link_to_hashed_asset_names(client):
    urls = _linked(client.get("/").text)
    assets = client.app.state.assets
    assert {assets.url("bs.css"), assets.url("app.js"), assets.url("icons/icon.svg")} <= set(urls)
    for url in urls:
        assert re.fullmatch(r"/static/[\w/-]+\.[0-9a-f]{10}\.\w+", url), url
    assert assets.url("timer.js") in _linked(client.get("/timer/ice").text)


def test_a_hashed_name_is_cached_for_a_year_as_immutable(client):
    url = client.app.state.assets.url("bs.css")
    r = client.get(url)
    assert r.status_code == 200
    assert r.headers["cache-control"] == "public, max-age=31536000, immutable"
    assert r.content == (STATIC_DIR / "bs.css").read_bytes()
    assert r.headers["content-type"] == "text/css; charset=utf-8"


def test_the_hash_follows_the_content(tmp_path):
    folder = tmp_path / "static"
    folder.mkdir()
    (folder / "a.css").write_text("body { color: red }")
    before = Assets(folder).url("a.css")
    (folder / "a.css").write_text("body { color: blue }")
    after = Assets(folder).url("a.css")
    assert before != after and after == "/static/" + hashed_name("a.css", b"body { color: blue }")


def test_a_plain_name_is_served_too_and_cached_for_a_day(client):
    r = client.get("/static/bs.css")
    assert r.status_code == 200
    assert r.headers["cache-control"] == "public, max-age=86400"
    assert r.content == (STATIC_DIR / "bs.css").read_bytes()


@pytest.mark.parametrize("encoding", ["identity", "gzip"])
def test_etag_answers_304_and_the_body_again_when_it_changed(client, encoding):
    h = {"accept-encoding": encoding}
    first = client.get("/static/app.js", headers=h)
    etag = first.headers["etag"]
    again = client.get("/static/app.js", headers={**h, "if-none-match": etag})
    assert again.status_code == 304 and again.content == b""
    assert again.headers["etag"] == etag
    assert "max-age" in again.headers["cache-control"]
    assert client.get("/static/app.js",
                      headers={**h, "if-none-match": 'W/"other"'}).status_code == 200
    since = client.get("/static/app.js",
                       headers={**h, "if-modified-since": first.headers["last-modified"]})
    assert since.status_code == 304


def test_gzip_only_when_the_browser_accepts_it(client):
    raw = (STATIC_DIR / "bs.css").read_bytes()
    plain = client.get("/static/bs.css", headers={"accept-encoding": "identity"})
    assert "content-encoding" not in plain.headers and plain.content == raw
    assert plain.headers["vary"] == "Accept-Encoding"
    zipped = client.get("/static/bs.css", headers={"accept-encoding": "br, gzip"})
    assert zipped.headers["content-encoding"] == "gzip"
    assert int(zipped.headers["content-length"]) < len(raw)
    assert zipped.content == raw  # httpx decodes it
    assert zipped.headers["etag"] != plain.headers["etag"]
    refused = client.get("/static/bs.css", headers={"accept-encoding": "gzip;q=0"})
    assert "content-encoding" not in refused.headers
    png = client.get("/static/icons/icon-192.png", headers={"accept-encoding": "gzip"})
    assert png.headers["content-type"] == "image/png" and "content-encoding" not in png.headers


def test_head_has_the_headers_and_no_body(client):
    r = client.head("/static/bs.css", headers={"accept-encoding": "identity"})
    assert r.status_code == 200 and r.content == b""
    assert int(r.headers["content-length"]) == len((STATIC_DIR / "bs.css").read_bytes())


@pytest.mark.parametrize("path", ["/static/missing.css", "/static/../app.py",
                                  "/static/%2e%2e/app.py", "/static/..%2fapp.py",
                                  "/static/", "/static/icons", "/static/bs.0000000000.css"])
def test_anything_else_under_static_is_the_404_page(client, path):
    r = client.get(path)
    assert r.status_code == 404
    assert r.headers["content-type"].startswith("text/html")
    assert r.headers["cache-control"] == "no-store"


def test_other_methods_are_refused(client):
    r = client.post("/static/bs.css")
    assert r.status_code == 405 and r.headers["allow"] == "GET, HEAD"


def test_assets_still_pass_the_host_check(client):
    r = client.get("/static/bs.css", headers={"host": "evil.example"})
    assert r.status_code == 400


def test_the_service_worker_keeps_the_hashed_urls_pages_use(client):
    sw = client.get("/sw.js").text
    assets = client.app.state.assets
    for name in ("bs.css", "app.js", "timer.js", "icons/icon.svg"):
        assert f'"{assets.url(name)}"' in sw
    assert '"/static/bs.css"' not in sw


def test_every_static_file_is_served_with_its_own_bytes(client):
    for path in STATIC_DIR.rglob("*"):
        if path.is_file():
            name = path.relative_to(STATIC_DIR).as_posix()
            r = client.get(client.app.state.assets.url(name),
                           headers={"accept-encoding": "gzip"})
            assert r.status_code == 200 and r.content == path.read_bytes(), name
