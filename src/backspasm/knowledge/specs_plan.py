"""Specs for plan.yaml (phases, steps, session kinds, scheduler settings) and education.yaml."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from backspasm.knowledge.schema import (
    Any_,
    Bool,
    Enum,
    ListOf,
    MapOf,
    NonEmptyStr,
    Num,
    Obj,
    OneOf,
    Str,
    as_list,
    as_map,
)
from backspasm.knowledge.vocabulary import PHASES as PHASE_IDS
from backspasm.knowledge.vocabulary import SESSION_KINDS

if TYPE_CHECKING:
    from backspasm.knowledge import Knowledge

SOURCES = ListOf(NonEmptyStr(), min_items=1)

SETTING = Obj(
    required={
        "value": OneOf(Num, NonEmptyStr(), name="number or text"),
        "origin": Enum("source", "ours"),
        "sources": SOURCES,
    },
    optional={"note": Str},
)

EVIDENCE = Obj(required={"text": NonEmptyStr(), "sources": SOURCES})

STEP = Obj(
    required={
        "id": NonEmptyStr(),
        "title": NonEmptyStr(),
        "phases": ListOf(Enum(*PHASE_IDS), min_items=1),
        "timing": NonEmptyStr(),
        "text": NonEmptyStr(),
        "sources": SOURCES,
    },
    optional={
        "evidence": ListOf(EVIDENCE),
        "requires_easing": Bool,
        "avoid_if": Any_,  # a condition over PERSON_FIELDS (checked in check_plan)
        "only_if": Any_,
        "notes": Str,  # for developers and reviewers; never shown
    },
)

#: The answer fields that fit advice to the person (pregnancy, age, fragile bones). A step,
#: stretch or Learn section may name only these in `avoid_if` / `only_if`.
PERSON_FIELDS = ("pregnant", "age", "osteoporosis_or_steroids")
_FIT = {"avoid_if": Any_, "only_if": Any_}

TIMING = Obj(
    required={"minutes": SETTING, "max_minutes": SETTING},
    optional={
        "gap_minutes": SETTING,
        "per_day": SETTING,
        "min_start_gap_minutes": SETTING,
        "rounds": SETTING,
        "max_rounds": SETTING,
        "hot_seconds": SETTING,
        "cold_seconds": SETTING,
    },
)

SESSION_KIND = Obj(
    required={
        "kind": Enum(*SESSION_KINDS),
        "title": NonEmptyStr(),
        "phase": Enum(*PHASE_IDS),
        "timing": TIMING,
        "start_text": NonEmptyStr(),
        "end_text": NonEmptyStr(),
        "sources": SOURCES,
    },
    optional={
        "hot_text": NonEmptyStr(),
        "cold_text": NonEmptyStr(),
        "care_kind": NonEmptyStr(),  # one of care_kinds (checked in check_plan)
        "timer": NonEmptyStr(),
    },
)

_SETTINGS = (
    "acute_hours",
    "rest_days_max",
    "wake",
    "sleep",
    "horizon_days",
    "horizon_days_max",
    "easing_pain_at_most",
    "easing_trend",
)

PLAN = Obj(
    required={
        "settings": Obj(required={k: SETTING for k in _SETTINGS}),
        "phases": ListOf(
            Obj(
                required={
                    "id": Enum(*PHASE_IDS),
                    "title": NonEmptyStr(),
                    "summary": NonEmptyStr(),
                    "sources": SOURCES,
                }
            ),
            min_items=2,
        ),
        "care_kinds": ListOf(NonEmptyStr(), min_items=1),
        "session_kinds": ListOf(SESSION_KIND, min_items=len(SESSION_KINDS)),
        "steps": ListOf(STEP, min_items=1),
        # Region id -> words filled into step texts for that region ({paracetamol} ...).
        "region_words": MapOf(MapOf(NonEmptyStr())),
        "region_words_sources": SOURCES,
    }
)

STRETCH = Obj(
    required={
        "id": NonEmptyStr(),
        "title": NonEmptyStr(),
        "position": Enum("on_back", "hands_and_knees"),
        "how": ListOf(NonEmptyStr(), min_items=1),
        # Shown as "Do not do this stretch if:" (texts a person reads).
        "stop_if": ListOf(NonEmptyStr(), min_items=1),
        "sources": SOURCES,
    },
    optional={**_FIT, "bends_forward": Bool, "notes": Str},
)

SECTION = Obj(
    required={"id": NonEmptyStr(), "title": NonEmptyStr(), "sources": SOURCES},
    optional={
        "paragraphs": ListOf(NonEmptyStr(), min_items=1),
        "items_title": NonEmptyStr(),
        "items": ListOf(NonEmptyStr(), min_items=1),
        "stretches": ListOf(STRETCH, min_items=1),
        **_FIT,
        "notes": Str,
    },
)

EDUCATION = Obj(
    required={"sections": ListOf(SECTION, min_items=1)},
    optional={"title": NonEmptyStr(), "intro": NonEmptyStr()},
)

FILES = {"plan": PLAN, "education": EDUCATION}

_HHMM = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")

# What the scheduler and the timer read from each session kind's timing.
_NEEDS = {
    "ice": ("gap_minutes",),
    "heat": ("per_day", "min_start_gap_minutes"),
    "contrast_shower": ("per_day", "rounds", "max_rounds", "hot_seconds", "cold_seconds"),
    "check_in": (),
}


def _dupes(ids: list[str]) -> list[str]:
    return sorted({i for i in ids if ids.count(i) > 1})


def _positive(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and value > 0


def check_plan(kb: Knowledge) -> list[str]:
    """Cross-field checks the schema cannot express."""
    plan = kb.data["plan"]
    problems: list[str] = []
    s = plan["settings"]
    for key in ("wake", "sleep"):
        v = s[key]["value"]
        if not (isinstance(v, str) and _HHMM.match(v)):
            problems.append(f"plan.yaml: settings.{key}.value: expected HH:MM, got {v!r}")
    if not problems and s["sleep"]["value"] <= s["wake"]["value"]:
        problems.append("plan.yaml: settings.sleep.value: expected a time after settings.wake")
    for key in ("acute_hours", "rest_days_max", "horizon_days", "horizon_days_max"):
        v = s[key]["value"]
        if not (isinstance(v, int) and not isinstance(v, bool) and v > 0):
            problems.append(f"plan.yaml: settings.{key}.value: expected a whole number above 0")
    if isinstance(s["horizon_days"]["value"], int) and isinstance(
        s["horizon_days_max"]["value"], int
    ):
        if s["horizon_days"]["value"] > s["horizon_days_max"]["value"]:
            problems.append("plan.yaml: settings.horizon_days: more than horizon_days_max")
    if not isinstance(s["easing_pain_at_most"]["value"], int) or not (
        0 <= s["easing_pain_at_most"]["value"] <= 10
    ):
        problems.append("plan.yaml: settings.easing_pain_at_most.value: expected 0 to 10")
    if s["easing_trend"]["value"] not in ("better", "same", "worse"):
        problems.append("plan.yaml: settings.easing_trend.value: expected better, same or worse")

    phases = [p["id"] for p in plan["phases"]]
    problems += [f"plan.yaml: phases: duplicate id {d!r}" for d in _dupes(phases)]
    problems += [f"plan.yaml: phases: missing phase {p!r}" for p in PHASE_IDS if p not in phases]

    kinds = [k["kind"] for k in plan["session_kinds"]]
    problems += [f"plan.yaml: session_kinds: duplicate kind {d!r}" for d in _dupes(kinds)]
    problems += [
        f"plan.yaml: session_kinds: missing kind {k!r}" for k in SESSION_KINDS if k not in kinds
    ]
    problems += _check_vocabulary(plan)
    for k in plan["session_kinds"]:
        where = f"plan.yaml: session_kinds (kind {k['kind']!r})"
        timing = k["timing"]
        for name in ("minutes", "max_minutes", *_NEEDS.get(k["kind"], ())):
            if name not in timing:
                problems.append(f"{where}: timing.{name} is required for this kind")
            elif not _positive(timing[name]["value"]):
                problems.append(f"{where}: timing.{name}.value: expected a number above 0")
        if problems:
            continue
        if timing["minutes"]["value"] > timing["max_minutes"]["value"]:
            problems.append(f"{where}: timing.minutes is more than timing.max_minutes")
        if k["kind"] == "contrast_shower":
            for text in ("hot_text", "cold_text"):
                if text not in k:
                    problems.append(f"{where}: {text} is required for this kind")
            rounds = timing["rounds"]["value"]
            per_round = timing["hot_seconds"]["value"] + timing["cold_seconds"]["value"]
            if abs(rounds * per_round - timing["minutes"]["value"] * 60) > 1e-9:
                problems.append(
                    f"{where}: timing.minutes must equal rounds x (hot_seconds + cold_seconds)"
                )
            if rounds > timing["max_rounds"]["value"]:
                problems.append(f"{where}: timing.rounds is more than timing.max_rounds")

    steps = [st["id"] for st in plan["steps"]]
    problems += [f"plan.yaml: steps: duplicate id {d!r}" for d in _dupes(steps)]
    for phase in PHASE_IDS:
        if not any(phase in st["phases"] for st in plan["steps"]):
            problems.append(f"plan.yaml: steps: no step for phase {phase!r}")

    problems += _check_thresholds(kb)
    problems += _check_fit(kb)
    problems += _check_region_words(kb)

    edu = kb.data["education"]
    ids = [sec["id"] for sec in edu["sections"]]
    ids += [st["id"] for sec in edu["sections"] for st in sec.get("stretches", [])]
    problems += [f"education.yaml: duplicate id {d!r}" for d in _dupes(ids)]
    for sec in edu["sections"]:
        if not any(k in sec for k in ("paragraphs", "items", "stretches")):
            problems.append(f"education.yaml: sections (id {sec['id']!r}): no content")
    return problems


_SLUG = re.compile(r"^[a-z][a-z_]*$")


def _check_vocabulary(plan: dict[str, Any]) -> list[str]:
    """Care kinds are unique words; a session kind's care kind is one of them and its
    timer slug is a word no other kind uses."""
    care: list[str] = plan["care_kinds"]
    problems = [f"plan.yaml: care_kinds: duplicate kind {d!r}" for d in _dupes(care)]
    problems += [f"plan.yaml: care_kinds: {c!r} is not a lower-case word" for c in care
                 if not _SLUG.match(c)]
    timers: list[str] = []
    for k in plan["session_kinds"]:
        where = f"plan.yaml: session_kinds (kind {k['kind']!r})"
        if "care_kind" in k and k["care_kind"] not in care:
            problems.append(f"{where}: care_kind {k['care_kind']!r} is not one of care_kinds")
        if "timer" in k:
            timers.append(k["timer"])
            if not _SLUG.match(k["timer"]):
                problems.append(f"{where}: timer {k['timer']!r} is not a lower-case word")
    problems += [f"plan.yaml: session_kinds: duplicate timer {d!r}" for d in _dupes(timers)]
    return problems


def _check_region_words(kb: Knowledge) -> list[str]:
    """Every region has every region word, and the step texts use only those words."""
    words = kb.data["plan"]["region_words"]
    regions = [r["id"] for r in kb.data["regions"]["regions"]]
    names = {k for w in words.values() for k in w}
    problems = [f"plan.yaml: region_words: no words for region {r!r}" for r in regions
                if r not in words]
    for r, w in words.items():
        if r not in regions:
            problems.append(f"plan.yaml: region_words: {r!r} is not a region in regions.yaml")
        problems += [f"plan.yaml: region_words.{r}: missing {n!r}" for n in sorted(names - set(w))]
    return problems


def _person_fields(cond: Any) -> set[str]:
    ((op, arg),) = cond.items()
    if op in ("all", "any"):
        return set[str]().union(*(_person_fields(c) for c in arg))
    if op == "not":
        return _person_fields(arg)
    return {arg} if op == "flag" else {arg[0]}


def fit_problems(item: dict[str, Any], where: str, thresholds: set[str]) -> list[str]:
    """Problems of an item's `avoid_if` / `only_if`: the rules' condition language, over
    the person fields only (so the property tests cover every filter)."""
    from backspasm.knowledge.specs_triage import condition_problems

    problems: list[str] = []
    for key in ("avoid_if", "only_if"):
        if key not in item:
            continue
        found = condition_problems(item[key], f"{where}.{key}", thresholds)
        if not found:
            others = _person_fields(item[key]) - set(PERSON_FIELDS)
            found = [
                f"{where}.{key}: {f!r} is not a person field ({', '.join(PERSON_FIELDS)})"
                for f in sorted(others)
            ]
        problems += found
    return problems


def _check_fit(kb: Knowledge) -> list[str]:
    thresholds = {t["id"] for t in kb.data["thresholds"]["thresholds"]}
    problems: list[str] = []
    for st in kb.data["plan"]["steps"]:
        problems += fit_problems(st, f"plan.yaml: steps (id {st['id']!r})", thresholds)
    for sec in kb.data["education"]["sections"]:
        problems += fit_problems(sec, f"education.yaml: sections (id {sec['id']!r})", thresholds)
        for st in sec.get("stretches", []):
            where = f"education.yaml: stretches (id {st['id']!r})"
            problems += fit_problems(st, where, thresholds)
            if st.get("bends_forward") and "avoid_if" not in st:
                problems.append(f"{where}: a bending-forward stretch needs an avoid_if")
            if st["position"] == "on_back" and not any(
                "pregnant" in t and "dizzy" in t for t in st["stop_if"]
            ):
                problems.append(
                    f"{where}: a stretch on your back needs the pregnancy dizziness note"
                )
    return problems


# Numbers that triage (thresholds.yaml) and the plan must agree on, so that the 72-hour
# rule and the switch from ice to heat never disagree: plan setting -> (threshold id, map).
def _same(v: object) -> object:
    return v


def _hour(v: object) -> object:
    """A whole hour "07:00" as 7; anything else as it is."""
    text = str(v)
    return int(text.split(":")[0]) if text.endswith(":00") else v


_SHARED: dict[str, tuple[str, Callable[[object], object]]] = {
    "acute_hours": ("acute_hours", _same),
    "rest_days_max": ("rest_days", _same),
    "easing_pain_at_most": ("easing_pain", _same),
    "wake": ("wake_hour", _hour),
    "sleep": ("sleep_hour", _hour),
}


def _check_thresholds(kb: Knowledge) -> list[str]:
    file = as_map(kb.data.get("thresholds"))
    items = as_list(file.get("thresholds")) if file is not None else None
    if items is None:
        return []
    values = {t.get("id"): t.get("value") for t in map(as_map, items) if t is not None}
    problems: list[str] = []
    for key, (tid, convert) in _SHARED.items():
        if tid in values:
            ours = convert(kb.data["plan"]["settings"][key]["value"])
            if ours != values[tid]:
                problems.append(
                    f"plan.yaml: settings.{key} ({ours!r}) disagrees with "
                    f"thresholds.yaml {tid} ({values[tid]!r})"
                )
    return problems


CHECKS = [check_plan]
