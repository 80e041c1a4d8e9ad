"""Model-based tests of the web journey (hypothesis stateful testing, issue 8).

A person answers (including "I'm not sure"), goes back, changes any answer listed on
"Check your answers", confirms ("See my result"), wanders to other pages, in any order,
through the real app and its HTTP client, on SQLite and PostgreSQL. After every step the
page shown must agree with the pure engine (``core.flow.next_step`` / ``core.triage``)
run on the answers held at that moment: the emergency page exactly when the engine says
emergency, never a result page beside one, and no redirect loop.

The model holds what the person said (``apply_answer``), keeping only what still counts
(``relevant_answers``); the server must hold exactly that.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, event, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from backspasm.core.answers import parse_answers
from backspasm.core.flow import (
    Outcome,
    Question,
    apply_answer,
    next_step,
    question,
    questions,
    relevant_answers,
)
from backspasm.core.triage import triage
from backspasm.knowledge import load_knowledge
from backspasm.web.app import create_app
from backspasm.web.deps import get_now
from backspasm.web.journey import COOKIE
from backspasm.web.settings import Settings
from backspasm.web.views import CARD_STYLE
from web_helpers import LOCAL_URL, follow, question_id

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
KB = load_knowledge()
#: Numbers worth trying: both sides of every threshold the rules and routes use.
NUMBERS = {"age": ["15", "30", "49", "50", "70"], "pain_now": ["0", "3", "7", "10"],
           "onset": ["0", "20", "72", "80", "400"], "episodes_past_3_months": ["1", "2", "3"]}
ELSEWHERE = ["/plan", "/timer/ice", "/", "/learn"]
#: What a person with no warning signs answers.
HARMLESS = {"age": "40", "pain_now": "3", "onset": "20", "episodes_past_3_months": "1",
            "leg_symptoms": "none", "leg_weakness": "none", "pain_trend": "same",
            "trigger": "lifting"}


def form_values(q: Question) -> list[str]:
    """Every valid form value worth trying for ``q`` ("not sure" included where offered)."""
    if q.options:
        return [o.value for o in q.options]
    return NUMBERS.get(q.id, [str(q.minimum), str(q.maximum)])


def engine_page(answers: dict[str, Any], unsure: frozenset[str]) -> str:
    """What the pure engine says a person holding these answers must see next."""
    result = triage(parse_answers(answers, default_now=NOW), KB, unsure=unsure)
    step = next_step(answers, KB, now=NOW, unsure=unsure)
    if result.emergency:
        assert isinstance(step, Outcome), "the flow asked on past an emergency"
        return "emergency"
    return f"q:{step.id}" if isinstance(step, Question) else "check"


def page_of(response: Any) -> str:
    """The kind of page a response shows, checked against what that page must contain."""
    path = response.url.path
    html = response.text
    if (qid := question_id(response.url)) is not None:
        assert f">{question(KB, qid).text}<" in html.replace("&#39;", "'")
        return f"q:{qid}"
    if path == "/triage/stop":
        assert "bs-card--emergency" in html and 'href="tel:' in html
        assert "bs-card--selfcare" not in html and 'href="/plan"' not in html.split("<main")[1]
        return "emergency"
    if path == "/triage/check":
        assert "Check your answers" in html
        return "check"
    if path == "/triage/result":
        assert "bs-card--emergency" not in html
        return "result"
    return path


class Journey(RuleBasedStateMachine):
    """One person's journey; ``client`` is set on a subclass (one app per database)."""

    client: TestClient

    @initialize()
    def start(self) -> None:
        response, _ = follow(self.client, "POST", "/triage/start", data={"csrf_token": ""})
        self.answers: dict[str, Any] = {}
        self.unsure: frozenset[str] = frozenset()
        self.confirmed = False
        self.changing = False
        self.show(response)
        assert self.page == "q:chest_pain"

    # -- what the person does ----------------------------------------------------------
    @precondition(lambda self: self.page.startswith("q:"))
    @rule(data=st.data())
    def answer(self, data: st.DataObject) -> None:
        q = question(KB, self.page[2:])
        self.give(q, data.draw(st.sampled_from(form_values(q)), label=f"answer {q.id}"))

    @precondition(lambda self: self.page.startswith("q:"))
    @rule()
    def answer_the_rest_with_no_signs(self) -> None:
        """Straight through to "Check your answers" (where the changes start)."""
        while self.page.startswith("q:"):
            self.give(question(KB, self.page[2:]), HARMLESS.get(self.page[2:], "no"))

    def give(self, q: Question, value: str) -> None:
        form = {"answer": value, "csrf_token": "", **({"change": "1"} if self.changing else {})}
        response, _ = follow(self.client, "POST", f"/triage/q/{q.id}", data=form)
        answers, unsure = apply_answer(self.answers, self.unsure, q, value, now=NOW)
        self.answers, self.unsure = relevant_answers(answers, KB, now=NOW, unsure=unsure)
        self.confirmed = False
        self.show(response)
        assert self.page == engine_page(self.answers, self.unsure)
        self.changing = self.changing and self.page.startswith("q:")

    @precondition(lambda self: self.page.startswith("q:"))
    @rule()
    def bad_answer(self) -> None:
        qid = self.page[2:]
        response = self.client.post(f"/triage/q/{qid}", data={"answer": "maybe"})
        assert response.status_code == 422 and "There is a problem" in response.text
        self.check_server_holds_the_model()

    @precondition(lambda self: self.page.startswith("q:") or self.page == "check")
    @rule()
    def back(self) -> None:
        link = re.search(r'class="bs-back" href="([^"]+)"', self.html)
        assert link is not None, "no back link"
        self.go("GET", link.group(1))

    @precondition(lambda self: self.page == "check")
    @rule(data=st.data())
    def change(self, data: st.DataObject) -> None:
        link = data.draw(st.sampled_from(self.change_links()), label="change link")
        event(f"change {question_id(link)}")  # --hypothesis-show-statistics lists them
        self.go("GET", link)

    def change_links(self) -> list[str]:
        links = re.findall(r'href="(/triage/q/\w+\?change=1)"', self.html)
        assert links, "check your answers without a change link"
        return links

    @precondition(lambda self: self.page == "check")
    @rule(data=st.data())
    def change_an_answer(self, data: st.DataObject) -> None:
        """Change link, then a new answer (and any follow-up it opens) in one step."""
        self.change(data)
        while self.page.startswith("q:"):
            self.answer(data)

    @precondition(lambda self: self.page == "emergency")
    @rule()
    def change_last_answer(self) -> None:
        link = re.search(r'href="(/triage/q/\w+)">Change your last answer', self.html)
        assert link is not None
        self.go("GET", link.group(1))

    @rule()
    def see_my_result(self) -> None:
        response, _ = follow(self.client, "POST", "/triage/check", data={"csrf_token": ""})
        expected = engine_page(self.answers, self.unsure)
        self.show(response)
        if expected == "check":
            self.confirmed = True
            expected = "result"
        assert self.page == expected

    @rule(url=st.sampled_from(["/triage/result", "/triage/check", "/triage/next",
                               "/triage/stop", *ELSEWHERE]))
    def visit(self, url: str) -> None:
        self.go("GET", url)

    # -- what must hold ----------------------------------------------------------------
    def go(self, method: str, url: str) -> None:
        response, _ = follow(self.client, method, url)
        self.show(response)
        expected = engine_page(self.answers, self.unsure)
        if url.startswith("/triage/q/"):
            assert self.page == f"q:{question_id(url)}"  # a question you asked to see
        elif url.startswith("/triage/"):
            if expected == "check" and self.confirmed and url == "/triage/result":
                expected = "result"
            assert self.page == expected, (url, self.answers, sorted(self.unsure))
        self.changing = "change=1" in url or (self.changing and self.page.startswith("q:"))

    def show(self, response: Any) -> None:
        self.html = response.text
        self.page = page_of(response)
        if self.page == "result":
            level = triage(parse_answers(self.answers, default_now=NOW), KB,
                           unsure=self.unsure).level
            assert f"bs-card--{CARD_STYLE[level][0]}" in self.html, level

    @invariant()
    def check_server_holds_the_model(self) -> None:
        if not hasattr(self, "answers"):
            return
        pid = self.client.app.state.diary.local_profile_id()
        held = self.client.app.state.journeys.load(self.client.cookies.get(COOKIE), str(pid),
                                                   NOW)
        assert held is not None
        assert (held.answers, frozenset(held.unsure)) == (self.answers, self.unsure)


@pytest.mark.parametrize("backend", ["sqlite", pytest.param("postgres",
                                                            marks=pytest.mark.postgres)])
def test_the_web_journey_agrees_with_the_engine_after_every_step(backend, request, tmp_path):
    url = (f"sqlite:///{tmp_path / 'web.db'}" if backend == "sqlite"
           else request.getfixturevalue("postgres_url"))
    app = create_app(Settings(database_url=url, timezone="Europe/London"))
    app.dependency_overrides[get_now] = lambda: NOW
    with TestClient(app, base_url=LOCAL_URL) as client:
        machine = type("JourneyOn" + backend.title(), (Journey,), {"client": client})
        run_state_machine_as_test(machine, settings=settings(
            max_examples=20 if backend == "sqlite" else 10, stateful_step_count=40,
            derandomize=True, deadline=None, database=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much]))


def test_every_change_link_with_every_answer_agrees_with_the_engine(tmp_path):
    """Deterministic cover of every question's Change link: from "Check your answers" with
    no signs (once under 50, once over 50 with a weak leg, so every follow-up is listed),
    change each answer to each value it can take, then back again."""
    app = create_app(Settings(database_url=f"sqlite:///{tmp_path / 'web.db'}",
                              timezone="Europe/London"))
    app.dependency_overrides[get_now] = lambda: NOW
    changed: set[str] = set()
    with TestClient(app, base_url=LOCAL_URL) as client:
        person = type("Person", (Journey,), {"client": client})()
        for base in ({}, {"age": "60", "leg_weakness": "one_leg"}):
            person.start()
            while person.page.startswith("q:"):
                qid = person.page[2:]
                person.give(question(KB, qid), base.get(qid, HARMLESS.get(qid, "no")))
            assert person.page == "check"
            for link in person.change_links():
                q = question(KB, question_id(link))
                before = person.answers.get(q.id)
                for value in form_values(q):
                    for answer in (value, _form_value(q, before)):
                        person.go("GET", link)
                        person.give(q, answer)
                        while person.page.startswith("q:"):  # a follow-up it opened
                            person.give(question(KB, person.page[2:]), "no")
                        person.check_server_holds_the_model()
                    assert person.page == "check", (q.id, value)
                changed.add(q.id)
    assert changed == {q.id for q in questions(KB)}


def _form_value(q: Question, value: Any) -> str:
    """The form value that gives the stored answer ``value`` back."""
    if q.kind == "yes_no":
        return "yes" if value else "no"
    if q.kind == "hours_ago":
        return str(round((NOW - parse_answers({"onset": value}, default_now=NOW)
                          .values["onset"]).total_seconds() / 3600))
    return str(value)
