"""A typical two-week episode written into a real diary database, for the report tests.

The person answers every question the flow asks (under 50: the tummy-pain question is
skipped on purpose), one leg hurts (a rule fires), the pain rises from 4 to 10 on the
second day (``status`` then says "get help today"), and eases over two weeks. Ibuprofen
"400 mg" three times a day and paracetamol "1 g" once; ice, then heat, and stretches,
with their minutes; a few pain notes.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

from backspasm.core.answers import format_datetime
from backspasm.core.flow import Question, next_step
from backspasm.core.triage import triage
from backspasm.knowledge import load_knowledge

ONSET = datetime(2026, 3, 2, 13, 15, tzinfo=UTC)
TRIAGE_AT = ONSET + timedelta(hours=2)
#: The pain scores, four a day (at onset + 1, 5, 9, 13 hours each day).
SCORES = [4, 4, 5, 4,  6, 8, 10, 10,  9, 8, 8, 7,  7, 7, 6, 6,  6, 5, 6, 5,
          5, 5, 4, 4,  4, 4, 4, 3,  3, 3, 4, 3,  3, 3, 3, 2,  3, 2, 2, 2,
          2, 2, 2, 2,  2, 1, 2, 1,  1, 1, 1, 1,  1, 1, 0, 1]
#: The moment the pain first reached 10 (day 2, onset + 24 + 9 hours).
RISE_AT = ONSET + timedelta(hours=24 + 9)
NOTES = {0: "Bent to lift a box", 6: "Could not get up from the floor", 30: "Walked to the shop"}
NAME = "Alex Morgan"
BIRTH = date(1979, 5, 14)
SPECIAL = {"age": 41, "leg_symptoms": "one_leg", "pain_now": 4, "episodes_past_3_months": 1,
           "trigger": "lifting", "pain_trend": "same"}


def full_answers(at: datetime, onset: datetime, **special: Any) -> dict[str, Any]:
    """Every question the flow asks answered: "no" / "none" unless given in ``special``."""
    kb = load_knowledge()
    values = {**SPECIAL, **special}
    answers: dict[str, Any] = {}
    while isinstance(step := next_step(answers, kb, now=at), Question):
        if step.id in values:
            answers[step.id] = values[step.id]
        elif step.kind == "yes_no":
            answers[step.id] = False
        elif step.kind == "hours_ago":
            answers[step.id] = format_datetime(onset)
        else:
            answers[step.id] = "none"
    return answers


def write_two_weeks(store: Any, tz: str, *, with_person: bool = True) -> tuple[int, int]:
    """The episode in ``store`` for a new profile in ``tz``; returns (profile, episode) ids."""
    kb = load_knowledge()
    p = store.ensure_profile(f"two-weeks-{tz}", tz=tz)
    if with_person and hasattr(p, "birth_date"):
        store.update_profile(p.id, name=NAME, birth_date=BIRTH)
    ep = store.start_episode(p.id, onset=ONSET, trigger="lifting")
    answers = full_answers(TRIAGE_AT, ONSET)
    from backspasm.core.answers import parse_answers

    result = triage(parse_answers(answers, default_now=TRIAGE_AT), kb)
    store.save_triage(p.id, answers=answers, level=result.level,
                      rules=[r.rule for r in result.reasons], knowledge_version=kb.version,
                      at=TRIAGE_AT)
    for i, score in enumerate(SCORES):
        at = ONSET + timedelta(hours=24 * (i // 4) + (1, 5, 9, 13)[i % 4])
        store.log_pain(p.id, score=score, at=at, note=NOTES.get(i))
    for d in range(14):
        day = ONSET + timedelta(days=d)
        for h in (0, 6, 12):
            store.log_care(p.id, kind="medicine", start=day + timedelta(hours=h, minutes=5),
                           medicine="Ibuprofen", note="400 mg")
        store.log_care(p.id, kind="medicine", start=day + timedelta(hours=3),
                       medicine="Paracetamol", note="1 g")
        for h in (1, 7, 11):
            store.log_care(p.id, kind="ice" if d < 3 else "heat",
                           start=day + timedelta(hours=h, minutes=30), minutes=20)
        if d >= 3:
            store.log_care(p.id, kind="stretch", start=day + timedelta(hours=4), minutes=10)
    store.end_episode(p.id, at=ONSET + timedelta(days=14))
    return p.id, ep.id
