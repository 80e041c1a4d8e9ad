"""The question flow: answers so far → the next question, or the outcome.

Pure. Nodes and routes are data (questions.yaml); route conditions use the rule language.
After every answer the answers so far are triaged, so the flow stops at the first answer
that makes the result an emergency: an emergency never waits behind routine questions.
"I'm not sure" (offered where it is an honest answer) counts as yes.

:func:`journey_state` is the one decision every door follows after each answer or change:
it drops the answers a change took off the route, and says what to show next (a question,
the emergency card, or the answers to check).

``answers`` here is the contract's JSON form (a dict, date-times as RFC 3339 strings), so
a web session can keep it as it is; ``unsure`` is the set of fields answered "not sure".
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from backspasm.core.answers import AnswersError, parse_answers
from backspasm.core.form_values import NOT_SURE, FormAnswer, parse_form_value
from backspasm.core.triage import Condition, TriageResult, compile_condition, facts_of, triage

if TYPE_CHECKING:  # types only: importing them costs start-up time
    from backspasm.knowledge import Knowledge
    from backspasm.knowledge.records import Route

__all__ = [
    "NOT_SURE", "FormAnswer", "JourneyState", "Option", "Outcome", "Question", "Unit",
    "apply_answer", "is_emergency_now", "journey_state", "next_question", "next_step",
    "notices", "parse_form_value", "path", "question", "questions", "relevant_answers", "route",
]

RESULT = "result"


@dataclass(frozen=True)
class Option:
    value: str
    label: str


@dataclass(frozen=True)
class Unit:
    """A unit an ``hours_ago`` answer may be given in: ``hours`` hours each."""

    value: str
    label: str
    hours: int


@dataclass(frozen=True)
class Question:
    """One question: ``id`` is the answer field it fills."""

    id: str
    kind: str  # yes_no | choice | number | hours_ago
    section: str
    text: str
    why: str
    hint: str | None
    options: tuple[Option, ...]
    not_sure: bool
    minimum: int | None
    maximum: int | None
    number: int  # 1-based position in questions.yaml
    #: ``hours_ago``: the units a person may answer in, hours first.
    units: tuple[Unit, ...] = ()

    @property
    def field(self) -> str:
        return self.id

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "field": self.id,
            "kind": self.kind,
            "section": self.section,
            "text": self.text,
            "hint": self.hint,
            "why": self.why,
            "options": [{"value": o.value, "label": o.label} for o in self.options],
            "not_sure": self.not_sure,
            "min": self.minimum,
            "max": self.maximum,
            "units": [{"value": u.value, "label": u.label, "hours": u.hours}
                      for u in self.units],
        }


@dataclass(frozen=True)
class Outcome:
    """The end of the flow. ``stopped_early`` when an emergency ended it before every
    question on the route was answered; :attr:`emergency` whether it is one at all."""

    result: TriageResult
    stopped_early: bool

    @property
    def emergency(self) -> bool:
        """The emergency card and nothing else, however the answers got here."""
        return self.result.emergency


@dataclass(frozen=True)
class _Flow:
    start: str
    questions: Mapping[str, Question]
    routes: Mapping[str, tuple[tuple[Condition | None, str], ...]]
    #: A question with ``when`` in questions.yaml is asked only when it holds (its age).
    asked_when: Mapping[str, Condition]
    #: A question's ``notice``: shown after it is answered, when the condition holds.
    notices: Mapping[str, tuple[Condition, dict[str, Any]]]


def _build(kb: Knowledge) -> _Flow:
    data = kb.questions
    thresholds = kb.thresholds
    choices = data["choices"]
    qs: dict[str, Question] = {}
    routes: dict[str, tuple[tuple[Condition | None, str], ...]] = {}
    asked_when: dict[str, Condition] = {}
    notices: dict[str, tuple[Condition, dict[str, Any]]] = {}
    for i, q in enumerate(data["questions"], start=1):
        if q["kind"] == "yes_no":
            opts = [Option("yes", choices["yes"]), Option("no", choices["no"])]
            if q.get("not_sure"):
                opts.append(Option(NOT_SURE, choices["not_sure"]))
        else:
            opts = [Option(o["value"], o["label"]) for o in q.get("options", [])]
        qs[q["id"]] = Question(
            id=q["id"],
            kind=q["kind"],
            section=q["section"],
            text=q["text"],
            why=q["why"],
            hint=q.get("hint"),
            options=tuple(opts),
            not_sure=bool(q.get("not_sure")),
            minimum=q.get("min"),
            maximum=q.get("max"),
            number=i,
            units=tuple(Unit(u["value"], u["label"], u["hours"]) for u in q.get("units", [])),
        )
        if "when" in q:
            asked_when[q["id"]] = compile_condition(q["when"], thresholds)
        if "notice" in q:
            n = q["notice"]
            notices[q["id"]] = (compile_condition(n["when"], thresholds), dict(n))
        nxt = q["next"]
        raw_routes: list[Route] = [{"to": nxt}] if isinstance(nxt, str) else nxt
        routes[q["id"]] = tuple(
            (compile_condition(r["if"], thresholds) if "if" in r else None, r["to"])
            for r in raw_routes
        )
    return _Flow(data["start"], qs, routes, asked_when, notices)


def _flow(kb: Knowledge) -> _Flow:
    return kb.compile("core.flow", _build)


def questions(kb: Knowledge) -> tuple[Question, ...]:
    """Every question, in file order."""
    return tuple(_flow(kb).questions.values())


def question(kb: Knowledge, qid: str) -> Question:
    """The question with id ``qid``; raises AnswersError if there is none."""
    try:
        return _flow(kb).questions[qid]
    except KeyError:
        raise AnswersError("question", "a known question id", qid) from None


def _walk(
    answers: Mapping[str, Any], kb: Knowledge, now: datetime, unsure: Iterable[str],
    region: str | None, through: bool = False,
) -> tuple[list[Question], Question | Outcome]:
    """The questions on the route and the next step. ``through``: go on past unanswered
    questions too (routed as if answered "no"), for the whole route ahead."""
    parsed = parse_answers(answers, default_now=now)
    unsure_set = frozenset(unsure)
    asked, ahead = _route(answers, parsed, kb, unsure_set, through)
    result = triage(parsed, kb, region=region, unsure=unsure_set)
    if ahead is None:
        return asked, Outcome(result, stopped_early=False)
    if result.emergency:
        return asked, Outcome(result, stopped_early=True)
    return asked, ahead


def _route(answers: Mapping[str, Any], parsed: Any, kb: Knowledge, unsure_set: frozenset[str],
           through: bool) -> tuple[list[Question], Question | None]:
    """The questions on the route and the first one not answered (``None``: the route is
    complete, or ``through``). The route depends on the answers alone, not on triage."""
    flow = _flow(kb)
    facts = facts_of(parsed, unsure_set)
    asked: list[Question] = []
    qid = flow.start
    while qid != RESULT:
        q = flow.questions[qid]
        if qid in flow.asked_when and not flow.asked_when[qid](facts):
            qid = next(to for cond, to in flow.routes[qid] if cond is None or cond(facts))
            continue  # cannot apply to this person (e.g. their age): not asked
        if qid not in answers and qid not in unsure_set and not through:
            return asked, q
        asked.append(q)
        qid = next(to for cond, to in flow.routes[qid] if cond is None or cond(facts))
    return asked, None


def _reachable(flow: _Flow, qid: str) -> set[str]:
    """``qid`` and every question a route may lead to from it (the flow has no loops)."""
    seen: set[str] = set()
    stack = [qid]
    while stack:
        x = stack.pop()
        if x != RESULT and x not in seen:
            seen.add(x)
            stack += [to for _, to in flow.routes[x]]
    return seen


def relevant_answers(
    answers: Mapping[str, Any], kb: Knowledge, *, now: datetime, unsure: Iterable[str] = frozenset()
) -> tuple[dict[str, Any], frozenset[str]]:
    """The answers and "not sure" marks that still count, as new objects.

    An answer counts when its question is on the route the answers take, or, past the
    first question not answered yet, when a route may still lead to it. An answer that a
    change took off the route (a follow-up whose trigger was changed to "no") is dropped:
    it can neither fire a rule nor come back unasked. Raises AnswersError."""
    flow = _flow(kb)
    unsure_set = frozenset(unsure)
    facts = facts_of(parse_answers(answers, default_now=now), unsure_set)
    keep: set[str] = set()
    qid = flow.start
    while qid != RESULT:
        skipped = qid in flow.asked_when and not flow.asked_when[qid](facts)
        if not skipped and qid not in answers and qid not in unsure_set:
            keep |= _reachable(flow, qid)
            break
        if not skipped:
            keep.add(qid)
        qid = next(to for cond, to in flow.routes[qid] if cond is None or cond(facts))
    kept = {k: v for k, v in answers.items() if k in keep or k not in flow.questions}
    return kept, frozenset(f for f in unsure_set if f in keep)


@dataclass(frozen=True)
class JourneyState:
    """Where a journey stands after its latest answer or change (see :func:`journey_state`).

    ``answers``/``unsure`` are the ones that still count (keep these, not the old ones);
    ``asked`` the questions answered along the route, in order; ``step`` the next question
    or the outcome. :attr:`page` is what a door shows: ``"question"`` (``step``),
    ``"emergency"`` (the emergency card: nothing else) or ``"check"`` (the answers to
    confirm before the result)."""

    answers: dict[str, Any]
    unsure: frozenset[str]
    asked: tuple[Question, ...]
    step: Question | Outcome

    @property
    def emergency(self) -> bool:
        return isinstance(self.step, Outcome) and self.step.emergency

    @property
    def page(self) -> str:
        if isinstance(self.step, Question):
            return "question"
        return "emergency" if self.step.emergency else "check"


def journey_state(
    answers: Mapping[str, Any],
    kb: Knowledge,
    *,
    now: datetime,
    unsure: Iterable[str] = frozenset(),
    region: str | None = None,
) -> JourneyState:
    """The one decision after every answer and every change, in any order: drop what no
    longer counts, re-run the flow, and say what to show. An emergency in the answers that
    count always wins, answered fresh or by a change. Raises AnswersError."""
    kept, kept_unsure = relevant_answers(answers, kb, now=now, unsure=unsure)
    asked, step = _walk(kept, kb, now, kept_unsure, region)
    return JourneyState(kept, kept_unsure, tuple(asked), step)


def next_step(
    answers: Mapping[str, Any],
    kb: Knowledge,
    *,
    now: datetime,
    unsure: Iterable[str] = frozenset(),
    region: str | None = None,
) -> Question | Outcome:
    """The next question to ask, or the outcome (at once if the answers are an emergency).

    Raises AnswersError if ``answers`` break the contract."""
    return _walk(answers, kb, now, unsure, region)[1]


def next_question(
    answers: Mapping[str, Any], kb: Knowledge, *, now: datetime, unsure: Iterable[str] = frozenset()
) -> Question | None:
    """The next question, or None when the flow has ended (result or emergency)."""
    step = next_step(answers, kb, now=now, unsure=unsure)
    return step if isinstance(step, Question) else None


def is_emergency_now(
    answers: Mapping[str, Any], kb: Knowledge, *, now: datetime, unsure: Iterable[str] = frozenset()
) -> bool:
    """True when the answers so far already make the result an emergency."""
    return triage(parse_answers(answers, default_now=now), kb, unsure=frozenset(unsure)).emergency


def path(
    answers: Mapping[str, Any], kb: Knowledge, *, now: datetime, unsure: Iterable[str] = frozenset()
) -> list[Question]:
    """The questions answered along the current route, in order ("check your answers")."""
    parsed = parse_answers(answers, default_now=now)  # no triage: the route alone
    return _route(answers, parsed, kb, frozenset(unsure), through=False)[0]


def route(
    answers: Mapping[str, Any], kb: Knowledge, *, now: datetime, unsure: Iterable[str] = frozenset()
) -> list[Question]:
    """Every question on the route these answers take, answered or still ahead (those
    ahead routed as if answered "no"): how many questions a person will see."""
    parsed = parse_answers(answers, default_now=now)  # no triage: the route alone
    return _route(answers, parsed, kb, frozenset(unsure), through=True)[0]


def notices(
    answers: Mapping[str, Any], kb: Knowledge, *, now: datetime, unsure: Iterable[str] = frozenset()
) -> list[dict[str, Any]]:
    """The questions.yaml ``notice`` of each answered question whose condition holds (a
    child is told to involve an adult and a doctor), in route order; ``after`` names the
    question."""
    flow, unsure_set = _flow(kb), frozenset(unsure)
    facts = facts_of(parse_answers(answers, default_now=now), unsure_set)
    return [{**flow.notices[q.id][1], "after": q.id}
            for q in path(answers, kb, now=now, unsure=unsure_set)
            if q.id in flow.notices and flow.notices[q.id][0](facts)]


def apply_answer(
    answers: Mapping[str, Any],
    unsure: Iterable[str],
    q: Question,
    raw: str,
    *,
    now: datetime,
) -> tuple[dict[str, Any], frozenset[str]]:
    """New (answers, unsure) with the form value for ``q`` applied; the inputs are unchanged."""
    parsed = parse_form_value(q, raw, now=now)
    new_answers = dict(answers)
    new_unsure = set(unsure) - {q.id}
    if parsed.not_sure:
        new_answers.pop(q.id, None)
        new_unsure.add(q.id)
    else:
        new_answers[q.id] = parsed.value
    return new_answers, frozenset(new_unsure)
