"""The start page and the question pages are rendered once and kept (templating.render's
``cache_key``): what is kept must change with everything the page shows: the region and how
it was chosen, the knowledge, the answer already given, and never be shared where a page
carries something of one person (a CSRF token, a signed-in user)."""

from __future__ import annotations

import shutil
from typing import Any

from backspasm.knowledge import KNOWLEDGE_DIR, load_knowledge
from web_helpers import make_client, question_id, text_of


def _cached(client) -> dict:
    kept = getattr(client.app.state, "page_cache", None)
    return {} if kept is None else kept[1]


def test_the_start_page_follows_a_region_change_after_it_was_kept(tmp_path):
    client = make_client(tmp_path, timezone="America/New_York")
    first = client.get("/")
    assert 'href="tel:911"' in first.text and "chosen from your time zone" in text_of(first.text)
    assert client.get("/").text == first.text  # kept, same page
    assert _cached(client)
    # the same region, now chosen: the "chosen from your time zone" line goes
    client.post("/settings", data={"tz": "America/New_York", "wake": "07:00",
                                   "sleep": "22:00", "region": "US"})
    chosen = client.get("/")
    assert 'href="tel:911"' in chosen.text
    assert "chosen from your time zone" not in text_of(chosen.text)
    # another region: its number
    client.post("/settings", data={"tz": "America/New_York", "wake": "07:00",
                                   "sleep": "22:00", "region": "GB"})
    gb = client.get("/")
    assert 'href="tel:999"' in gb.text and 'href="tel:911"' not in gb.text


def test_the_kept_start_page_is_rebuilt_for_new_knowledge(tmp_path):
    client = make_client(tmp_path, timezone="Europe/London")
    app: Any = client.app
    before = client.get("/").text
    kb = app.state.kb
    assert kb["web"]["start"]["heading"] in before
    copy = tmp_path / "knowledge"
    shutil.copytree(KNOWLEDGE_DIR, copy)
    web = copy / "web.yaml"
    heading = kb["web"]["start"]["heading"]
    web.write_text(web.read_text("utf-8").replace(f'"{heading}"', '"A changed heading"', 1),
                   "utf-8")
    changed = load_knowledge(str(copy))
    assert changed.version != kb.version  # a hash of the files
    app.state.kb = changed
    after = client.get("/").text
    assert "A changed heading" in after and heading not in after
    about = client.get("/about").text  # the version is on the About page, kept per knowledge
    assert changed.version in about and kb.version not in about


def test_a_question_page_shows_the_answer_given_when_changing_it(tmp_path):
    client = make_client(tmp_path, timezone="Europe/London")
    r = client.post("/triage/start", data={"csrf_token": ""})
    qid = question_id(r.url)
    assert qid is not None
    fresh = client.get(f"/triage/q/{qid}")
    assert " checked" not in fresh.text
    for given in ("yes", "no"):
        client.post(f"/triage/q/{qid}", data={"answer": given})
        page = client.get(f"/triage/q/{qid}?change=1")
        assert f'value="{given}" checked' in page.text
        assert 'name="change" value="1"' in page.text
        assert 'href="/triage/check"' in page.text  # back to "Check your answers"


def test_a_refused_answer_is_never_kept(tmp_path):
    client = make_client(tmp_path, timezone="Europe/London")
    r = client.post("/triage/start", data={"csrf_token": ""})
    qid = question_id(r.url)
    bad = client.post(f"/triage/q/{qid}", data={"answer": "maybe"})
    assert bad.status_code == 422 and "There is a problem" in bad.text
    assert all(status == 200 for _name, _path, status, _key in _cached(client))
    assert "There is a problem" not in client.get(f"/triage/q/{qid}").text


def test_pages_with_a_csrf_token_are_not_kept(tmp_path):
    """Multi-user mode: every visitor has their own form token, so nothing is kept."""
    client = make_client(tmp_path, timezone="Europe/London", multi_user=True)
    assert 'href="tel:999"' in client.get("/").text
    client.cookies.clear()
    assert 'href="tel:999"' in client.get("/").text
    assert _cached(client) == {}


def test_two_people_never_get_each_others_token_or_journey_from_a_kept_page(tmp_path):
    """One server, two browsers (signed out, then signed in): every start and question
    page carries the form token of the browser that asked, and a question page the answer
    of that browser's own journey, however often the pages were shown before."""
    from test_web_auth import TOKEN, csrf, sign_up
    from web_helpers import client_for

    ann = make_client(tmp_path, timezone="Europe/London", multi_user=True)
    bob = client_for(ann.app)
    ann.post("/triage/start", data={"csrf_token": csrf(ann, "/")})
    bob.post("/triage/start", data={"csrf_token": csrf(bob, "/")})
    ann.post("/triage/q/chest_pain", data={"answer": "no", "csrf_token": csrf(ann, "/")})

    def tokens(client) -> set[str]:
        seen = set()
        for path in ("/", "/", "/triage/q/chest_pain?change=1", "/triage/q/chest_pain?change=1"):
            page = client.get(path)
            assert page.status_code == 200, path
            seen |= set(TOKEN.findall(page.text))
        return seen

    def chosen(client) -> str:  # the answer the change page shows as already given
        return "checked" if 'value="no" checked' in client.get(
            "/triage/q/chest_pain?change=1").text else "none"

    for signed_in in (False, True):  # then a session's token, and the journey claimed
        if signed_in:
            sign_up(ann, "ann@example.com")
            sign_up(bob, "bob@example.com")
        a, b = tokens(ann), tokens(bob)
        assert len(a) == 1 and len(b) == 1 and a.isdisjoint(b), (a, b)
        assert a == {csrf(ann, "/")} and b == {csrf(bob, "/")}
        assert chosen(ann) == "checked" and chosen(bob) == "none"
    assert _cached(ann) == {}
