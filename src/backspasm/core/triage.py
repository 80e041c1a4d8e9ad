"""The triage engine: validated answers → the most urgent level and every rule that fired.

Pure: no I/O and no clock; ``answers.now`` is the moment judged. Rules are data
(rules.yaml); :func:`compile_condition` turns a condition tree into a closure once per
loaded knowledge, so each evaluation only walks closures.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any, cast

from backspasm.core.answers import Answers, AnswersError
from backspasm.knowledge import Knowledge, KnowledgeError
from backspasm.knowledge.conditions import answer_fields
from backspasm.knowledge.vocabulary import EMERGENCY_LEVELS, LEVELS, level_rank

if TYPE_CHECKING:
    from backspasm.knowledge.records import RegionRecord

__all__ = [
    "LEVELS",
    "EMERGENCY_LEVELS",
    "Reason",
    "Sign",
    "TriageResult",
    "compile_condition",
    "condition_flags",
    "emergency_signs",
    "explain",
    "facts_of",
    "level_rank",
    "triage",
    "unsure_reading",
]

_RANK = {level: level_rank(level) for level in LEVELS}

Condition = Callable[[Mapping[str, Any]], bool]


def compile_condition(cond: Mapping[str, Any], thresholds: Mapping[str, float]) -> Condition:
    """A closure over a facts mapping. A leaf on a missing fact is false."""
    ((op, arg),) = cond.items()
    if op in ("all", "any"):
        parts = tuple(compile_condition(c, thresholds) for c in arg)
        if len(parts) == 1:
            return parts[0]
        if len(parts) == 2:  # the common case, without a generator per call
            a, b = parts
            return (lambda f: a(f) and b(f)) if op == "all" else (lambda f: a(f) or b(f))
        if op == "all":
            return lambda f: all(p(f) for p in parts)
        return lambda f: any(p(f) for p in parts)
    if op == "not":
        inner = compile_condition(arg, thresholds)
        return lambda f: not inner(f)
    if op == "flag":
        name = arg
        return lambda f: f.get(name) is True
    name, operand = arg
    if op == "equals":
        return lambda f: name in f and f[name] == operand
    if op == "one_of":
        allowed = frozenset(operand)
        return lambda f: f.get(name) in allowed
    limit = thresholds[operand["threshold"]] if isinstance(operand, dict) else operand
    if op == "at_least":
        return lambda f: (x := f.get(name)) is not None and x >= limit
    if op == "more_than":
        return lambda f: (x := f.get(name)) is not None and x > limit
    if op == "at_most":
        return lambda f: (x := f.get(name)) is not None and x <= limit
    if op == "less_than":
        return lambda f: (x := f.get(name)) is not None and x < limit
    raise ValueError(f"unknown operator {op!r}")  # the loader rejects these first


def condition_flags(cond: Mapping[str, Any]) -> frozenset[str]:
    """The yes/no fields a condition tree reads with ``flag`` (the ones "not sure" can set)."""
    ((op, arg),) = cond.items()
    if op in ("all", "any"):
        return frozenset[str]().union(*(condition_flags(c) for c in arg))
    if op == "not":
        return condition_flags(arg)
    return frozenset({arg}) if op == "flag" else frozenset()


@dataclass(frozen=True)
class Reason:
    """One rule that fired. ``unsure`` names the "not sure" answers it fired on: then
    ``text`` reads them back as what they are (never the rule's statement of fact)."""

    rule: str
    level: str
    text: str
    sources: tuple[str, ...]
    unsure: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "rule": self.rule,
            "level": self.level,
            "text": self.text,
            "sources": list(self.sources),
            "unsure": list(self.unsure),
        }


@dataclass(frozen=True)
class Sign:
    """One emergency sign for the list shown to a person: the ``sign`` phrase of an
    emergency rule, its level (ambulance or emergency department) and its sources."""

    rule: str
    level: str
    text: str
    sources: tuple[str, ...]


def emergency_signs(kb: Knowledge) -> tuple[Sign, ...]:
    """Every rule at ``emergency_ambulance`` or ``emergency``, most urgent first (file order
    within a level): the list of emergency signs is generated from the rules, so it can
    never leave one out. The loader refuses an emergency rule without a ``sign``."""
    return kb.compile("core.triage.signs", _build_signs)


def _build_signs(kb: Knowledge) -> tuple[Sign, ...]:
    signs: list[Sign] = []
    for r in kb.rules:
        if r["level"] not in EMERGENCY_LEVELS:
            continue
        if "sign" not in r:  # refused at load time (specs_triage.check_rules); never skipped
            raise KnowledgeError(f"rules.yaml: rule {r['id']!r}: an emergency rule needs a sign")
        signs.append(Sign(r["id"], r["level"], r["sign"], tuple(r["sources"])))
    return tuple(sorted(signs, key=lambda s: _RANK[s.level]))


@dataclass(frozen=True)
class _Rule:
    reason: Reason
    test: Condition
    flags: frozenset[str]


@dataclass(frozen=True)
class _Compiled:
    rules: tuple[_Rule, ...]
    thresholds: Mapping[str, float]
    cards: Mapping[tuple[str, str], Mapping[str, Any]]  # (region, level) -> card
    default_region: str
    unsure_note: str
    #: The read-back of one "not sure" answer: the template, and each question's phrase.
    unsure_reason: str
    unsure_phrases: Mapping[str, str]
    #: (phase, easing, person) -> self-care steps, filled on first use (pure data).
    advice: dict[tuple[Any, ...], tuple[Mapping[str, Any], ...]] = field(
        default_factory=dict[tuple[Any, ...], tuple[Mapping[str, Any], ...]]
    )


def _fill(text: str, region: RegionRecord) -> str:
    return text.format(
        emergency_number=region["emergency_number"],
        emergency_department=region["emergency_department"],
        urgent_help=region["urgent_help"],
        region_name=region["name"],
    )


def _build(kb: Knowledge) -> _Compiled:
    thresholds = {k: float(v) for k, v in kb.thresholds.items()}
    rules = [
        _Rule(
            Reason(r["id"], r["level"], r["text"], tuple(r["sources"])),
            compile_condition(r["when"], thresholds),
            condition_flags(r["when"]),
        )
        for r in kb.rules
    ]
    rules.sort(key=lambda r: _RANK[r.reason.level])  # stable: file order within a level
    cards: dict[tuple[str, str], Mapping[str, Any]] = {}
    for region in kb.regions.records.values():
        for card in kb.care_cards["levels"]:
            cards[(region["id"], card["id"])] = {
                "level": card["id"],
                "emergency": card["emergency"],
                "label": _fill(card["label"], region),
                "heading": _fill(card["heading"], region),
                "summary": _fill(card["summary"], region),
                "do_now": [_fill(t, region) for t in card["do_now"]],
                "region": region["id"],
                "emergency_number": region["emergency_number"],
                "urgent_help": region["urgent_help"],
                "sources": list(card["sources"]),
            }
    return _Compiled(
        rules=tuple(rules),
        thresholds=thresholds,
        cards=cards,
        default_region=kb.regions.default,
        unsure_note=kb.care_cards["unsure_note"],
        unsure_reason=kb.care_cards["unsure_reason"],
        unsure_phrases={
            q["id"]: q["unsure_text"] for q in kb.questions["questions"] if "unsure_text" in q
        },
    )


def compiled(kb: Knowledge) -> _Compiled:
    """The compiled rule base of ``kb`` (built once per loaded knowledge)."""
    return kb.compile("core.triage", _build)


@dataclass(frozen=True)
class TriageResult:
    """The outcome of triage. :meth:`to_dict` is the spec's output object plus extras."""

    level: str
    reasons: tuple[Reason, ...]
    knowledge_version: str
    care_card: Mapping[str, Any]
    unsure: tuple[str, ...] = ()
    phase: str | None = None
    hours_since_onset: float | None = None
    advice: tuple[Mapping[str, Any], ...] | None = None
    fired: frozenset[str] = field(default=frozenset(), repr=False)

    @property
    def emergency(self) -> bool:
        return self.level in EMERGENCY_LEVELS

    def to_dict(self, *, copy: bool = True) -> dict[str, Any]:
        """The result as JSON-ready data. ``copy=False`` (for encoding at once, never to be
        changed): the care card and advice as the compiled knowledge holds them, shared
        with other results, instead of a fresh copy of each."""
        plain = _plain if copy else _shared
        out: dict[str, Any] = {
            "level": self.level,
            "reasons": [r.to_dict() for r in self.reasons],
            "knowledge_version": self.knowledge_version,
            "care_card": plain(self.care_card),
            "unsure": list(self.unsure),
        }
        if not self.emergency:
            out["phase"] = self.phase
            out["hours_since_onset"] = (
                None if self.hours_since_onset is None else round(self.hours_since_onset, 2)
            )
            out["advice"] = [plain(a) for a in self.advice or ()]
        return out


_SCALARS = (str, int, float, bool, type(None))


def _shared(value: Any) -> Any:
    """``value`` itself: what :func:`_plain` would copy, for reading only."""
    return value


def _plain(value: Any) -> Any:
    """A fresh JSON-ready copy (advice steps are shared between results)."""
    kind = type(cast(object, value))
    if kind is dict:  # the common cases first: the ABC checks below cost ~1 µs each
        return {k: _plain(v) for k, v in cast("dict[str, Any]", value).items()}
    if kind in _SCALARS:
        return value
    if kind is list or kind is tuple:
        return [_plain(v) for v in cast("Sequence[Any]", value)]
    if isinstance(value, Mapping):
        return {k: _plain(v) for k, v in cast("Mapping[str, Any]", value).items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in cast("Sequence[Any]", value)]
    return value


def _check_unsure(unsure: Iterable[str]) -> tuple[str, ...]:
    fields = answer_fields()
    out: list[str] = []
    for name in unsure:
        info = fields.get(name)
        if info is None or info.kind != "boolean":
            raise AnswersError(str(name), "a yes/no answer field to mark as 'not sure'", name)
        out.append(name)
    order = list(fields)
    return tuple(sorted(set(out), key=order.index))


def facts_of(answers: Answers, unsure: Iterable[str] = ()) -> dict[str, Any]:
    """The facts rules see: the answers, derived facts, and 'not sure' counted as yes."""
    facts = dict(answers.values)
    hours = answers.hours_since_onset
    if hours is not None:
        facts["hours_since_onset"] = hours
    for name in unsure:
        facts[name] = True
    return facts


def unsure_reading(kb: Knowledge, name: str) -> str:
    """How a "not sure" answer to ``name`` is read back: "You were not sure whether ..."
    (care_cards.yaml ``unsure_reason`` filled with the question's ``unsure_text``)."""
    c = compiled(kb)
    return c.unsure_reason.format(what=c.unsure_phrases.get(name, name))


def _reason(
    kb: Knowledge, rule: _Rule, facts: Mapping[str, Any], unsure: Iterable[str]
) -> Reason:
    """The reason of a rule that fired on ``facts``. When it fired only because of "not
    sure" answers, its text reads those back instead of stating them as facts."""
    doubt = tuple(f for f in unsure if f in rule.flags)
    if not doubt or rule.test({k: v for k, v in facts.items() if k not in doubt}):
        return rule.reason
    text = " ".join(unsure_reading(kb, f) for f in doubt)
    return replace(rule.reason, text=text, unsure=doubt)


def explain(
    kb: Knowledge, rule_ids: Iterable[str], answers: Answers, unsure: Iterable[str] = ()
) -> tuple[Reason, ...]:
    """The reasons for rules that fired earlier (a saved triage), worded as :func:`triage`
    words them. Rule ids no longer in the knowledge, and "not sure" marks on fields that
    are not yes/no answers, are left out (an old record must still export)."""
    by_id = {r.reason.rule: r for r in compiled(kb).rules}
    fields = answer_fields()
    unsure_fields = tuple(f for f in fields if f in set(unsure) and fields[f].kind == "boolean")
    facts = facts_of(answers, unsure_fields)
    return tuple(_reason(kb, by_id[rid], facts, unsure_fields) for rid in rule_ids
                 if rid in by_id)


def _phase_and_advice(
    kb: Knowledge, answers: Answers, facts: Mapping[str, Any], region: str
) -> tuple[str, tuple[Mapping[str, Any], ...]]:
    """The plan phase at ``answers.now`` and its self-care steps, from the plan engine (one
    source of truth for the 72-hour switch). Without an onset we assume the acute phase."""
    from backspasm.core.fit import person_facts
    from backspasm.core.plan import is_easing, phase_at, steps_for_phase

    onset = answers.get("onset")
    phase = "acute" if onset is None else phase_at(kb, onset, answers.now)
    easing = bool(is_easing(kb, facts.get("pain_now"), facts.get("pain_trend")))
    person = person_facts(facts)  # "not sure" is already yes in the facts
    key = (phase, easing, region, tuple(sorted(person.items())))
    cache = compiled(kb).advice
    if key not in cache:
        cache[key] = tuple(
            steps_for_phase(kb, phase, easing=easing, person=person, region=region)
        )
    return phase, cache[key]


def triage(
    answers: Answers,
    kb: Knowledge,
    *,
    region: str | None = None,
    unsure: Iterable[str] = frozenset(),
) -> TriageResult:
    """Judge ``answers``: the most urgent level among the rules that fire, every fired rule
    (most urgent first), the care card for ``region``, and self-care advice unless it is an
    emergency. ``unsure`` names yes/no fields answered "I'm not sure": they count as yes."""
    c = compiled(kb)
    region_id = (region or c.default_region).upper()
    if (region_id, "self_care") not in c.cards:
        regions = sorted({r for r, _ in c.cards})
        raise AnswersError("region", "one of " + ", ".join(regions), region)
    unsure_fields = _check_unsure(unsure) if unsure else ()
    facts = facts_of(answers, unsure_fields)
    reasons = tuple(_reason(kb, r, facts, unsure_fields) for r in c.rules if r.test(facts))
    level = reasons[0].level if reasons else "self_care"
    card = dict(c.cards[(region_id, level)])
    card["unsure_note"] = c.unsure_note if unsure_fields else None
    hours = answers.hours_since_onset
    phase = advice = None
    if level not in EMERGENCY_LEVELS:
        phase, advice = _phase_and_advice(kb, answers, facts, region_id)
    return TriageResult(
        level=level,
        reasons=reasons,
        knowledge_version=kb.version,
        care_card=card,
        unsure=unsure_fields,
        phase=phase,
        hours_since_onset=hours,
        advice=advice,
        fired=frozenset(r.rule for r in reasons),
    )
