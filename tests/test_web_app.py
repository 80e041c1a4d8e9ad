"""The web app's frame: security headers, errors, static files, manifest, service worker,
OpenAPI and its self-hosted docs."""

from __future__ import annotations

import json
import re

import pytest

from backspasm.web.security import CSP
from web_helpers import make_client


@pytest.fixture
def client(tmp_path):
    return make_client(tmp_path)


PAGES = ["/", "/learn", "/plan", "/timer/ice", "/api/docs", "/api/openapi.json",
         "/static/bs.css", "/sw.js", "/manifest.webmanifest", "/no-such-page"]


@pytest.mark.parametrize("path", PAGES)
def test_every_response_has_the_security_headers(client, path):
    r = client.get(path)
    assert r.headers["content-security-policy"] == CSP
    assert "script-src 'self'" in CSP and "unsafe-inline" not in CSP
    assert "frame-ancestors 'none'" in CSP
    assert r.headers["x-content-type-options"] == "nosniff"
    assert r.headers["referrer-policy"] == "same-origin"


#: Every page with its stylesheet and scripts, uncompressed (issue 4's budget for a phone).
PAGE_BUDGET = 60 * 1024


@pytest.mark.parametrize("path", ["/", "/learn", "/plan", "/timer/ice", "/timer/contrast",
                                  "/api/docs", "/privacy", "/settings"])
def test_every_page_with_its_css_and_js_is_within_the_budget(client, path):
    client.post("/plan/onset", data={"hours": "30"})  # /plan with its sessions
    html = client.get(path).content
    assets = set(re.findall(rb'(?:href|src)="(/static/[^"]+)"', html))
    assert assets, "no stylesheet or script linked: has the page changed?"
    total = len(html) + sum(len(client.get(a.decode()).content) for a in assets)
    assert total <= PAGE_BUDGET, f"{path}: {total:,} bytes"


def test_api_errors_have_the_security_headers_too(client):
    r = client.post("/api/v1/triage", content=b"{", headers={"content-type": "application/json"})
    assert r.status_code == 422
    assert r.headers["content-security-policy"] == CSP


@pytest.mark.parametrize("path", ["/", "/learn", "/plan", "/timer/ice", "/timer/heat",
                                  "/timer/contrast", "/api/docs"])
def test_pages_have_no_inline_script_or_style_and_no_third_party_urls(client, path):
    html = client.get(path).text
    assert re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html) is None, "inline script"
    assert "<style" not in html and " style=" not in html
    assert re.search(r"\bon[a-z]+=\"", html) is None, "inline event handler"
    # Every asset the page loads comes from the app itself.
    for url in re.findall(r'(?:src|href)="([^"]+)"', html):
        if url.startswith(("http://", "https://", "//")):
            assert re.search(r'<a [^>]*href="' + re.escape(url), html), f"loads {url}"


def test_pages_show_sources_and_review_date(client):
    html = client.get("/learn").text
    assert "Content last reviewed" in html
    assert client.app.state.kb.last_reviewed in html
    assert 'id="src-S-HOME"' in html


def test_static_assets_are_cacheable_but_pages_are_not(client):
    assert "max-age" in client.get("/static/bs.css").headers["cache-control"]
    assert client.get("/").headers["cache-control"] == "no-store"


def test_service_worker_is_served_from_the_root_scope(client):
    r = client.get("/sw.js")
    assert r.status_code == 200
    assert "javascript" in r.headers["content-type"]
    assert "/plan" in r.text or "plan|timer" in r.text
    app_js = client.app.state.assets.url("app.js")  # pages link to the hashed name
    assert client.get("/").text.count(f'src="{app_js}"') == 1
    assert "serviceWorker.register(\"/sw.js\"" in client.get(app_js).text


def test_manifest_is_valid_and_its_icons_exist(client):
    r = client.get("/manifest.webmanifest")
    assert r.headers["content-type"].startswith("application/manifest+json")
    manifest = json.loads(r.text)
    assert manifest["start_url"] == "/plan" and manifest["display"] == "standalone"
    for icon in manifest["icons"]:
        assert client.get(icon["src"]).status_code == 200


def test_unknown_page_is_a_plain_404_page(client):
    r = client.get("/no-such-page")
    assert r.status_code == 404
    assert r.headers["content-type"].startswith("text/html")
    assert "could not find" in r.text


def test_unknown_api_path_is_problem_json(client):
    r = client.get("/api/v1/nothing")
    assert r.status_code == 404
    assert r.headers["content-type"] == "application/problem+json"
    assert r.json()["status"] == 404


def test_openapi_is_served_and_swagger_cdn_is_not(client):
    spec = client.get("/api/openapi.json").json()
    assert "/api/v1/triage" in spec["paths"] and "/api/v1/plan" in spec["paths"]
    assert client.get("/docs").status_code == 404
    assert client.get("/redoc").status_code == 404
    docs = client.get("/api/docs").text
    assert "cdn" not in docs.lower()
    assert "POST /api/v1/triage" in docs and "422" in docs


def test_every_api_operation_documents_its_4xx_as_problem_json(client):
    spec = client.get("/api/openapi.json").json()
    for path, methods in spec["paths"].items():
        if not path.startswith("/api/"):
            continue
        for method, op in methods.items():
            codes = {c for c in op["responses"] if c.startswith("4")}
            assert "422" in codes, f"{method} {path}"
            for code in codes:
                assert "application/problem+json" in op["responses"][code]["content"], (
                    f"{method} {path} {code}")


def test_html_pages_are_not_in_the_openapi_document(client):
    spec = client.get("/api/openapi.json").json()
    assert all(p.startswith("/api/") for p in spec["paths"])


def test_learn_page_renders_every_education_section_with_sources(client):
    html = client.get("/learn").text
    edu = client.app.state.kb["education"]
    # A person we know nothing about sees every section but those only for some people.
    general = [s for s in edu["sections"] if "only_if" not in s]
    for section in general:
        assert f'id="{section["id"]}"' in html
        assert section["title"].replace("'", "&#39;") in html
    # One "Sources" disclosure lists every source the sections cite (no inline "Sources:").
    assert html.count("data-sources") == 1 and "Sources:" not in html
    for section in general:
        for sid in section.get("sources", []):
            assert f'id="src-{sid}"' in html, sid
    # The content date and the review status are on the page.
    meta = client.app.state.kb["meta"]
    assert f'datetime="{meta["last_reviewed"]}"' in html and meta["review"]["status"] in html


def test_api_docs_show_each_request_schema_exactly_as_the_openapi_document_has_it(client):
    import html as html_lib
    import json

    page = client.get("/api/docs").text
    shown = [json.loads(html_lib.unescape(m))
             for m in re.findall(r"<pre><code>(.*?)</code></pre>", page, re.S)]
    spec = client.get("/api/openapi.json").json()
    bodies = [v["schema"] for methods in spec["paths"].values() for op in methods.values()
              for v in op.get("requestBody", {}).get("content", {}).values()]
    assert shown and shown == bodies
    assert "<script" not in "".join(re.findall(r"<pre>.*?</pre>", page, re.S))


def test_no_two_routers_share_a_path():
    """The routers are matched in an order chosen for speed (web/app.py router_modules):
    that is safe only while no path of one router is matched by a route of another."""
    import re

    from backspasm.web.app import router_modules

    routes = [(module.__name__, route) for module in router_modules()
              for route in module.router.routes]
    for owner, route in routes:
        sample = re.sub(r"\{[^}]+\}", "1", route.path)
        for other, candidate in routes:
            if other != owner:
                same_method = set(route.methods) & set(candidate.methods)
                assert not (same_method and candidate.path_regex.match(sample)), (
                    owner, route.path, other, candidate.path)
