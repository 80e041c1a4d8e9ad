"""The longest care session the diary accepts: one check for the CLI, the web and the API.

Pure. The maxima are the protocol's, read from ``plan.yaml`` ``session_kinds`` timing
``max_minutes`` (ice 20, heat 30, a contrast shower its most rounds: 10 x 3 minutes).
A diary entry of 600 minutes of ice would say the person did something the protocol
forbids, and would feed the report and the trends as if it were fine (H28).
"""

from __future__ import annotations

from backspasm.core.plan import PlanError, session_kind
from backspasm.knowledge import Knowledge

__all__ = ["max_care_minutes", "check_care_minutes"]


def max_care_minutes(kb: Knowledge, care_kind: object) -> int | None:
    """The protocol's longest session for a diary care kind, or ``None`` if it has none.
    The session kind whose timing limits a care kind is the one that names it as its
    ``care_kind`` in plan.yaml (``Knowledge.vocabulary``)."""
    plan_kind = kb.vocabulary.session_of_care(care_kind) if isinstance(care_kind, str) else None
    if plan_kind is None:
        return None
    timing = session_kind(kb, plan_kind)["timing"]
    if "max_rounds" in timing:  # a contrast shower: its most rounds of hot then cold
        rounds = timing["max_rounds"]["value"]
        seconds = timing["hot_seconds"]["value"] + timing["cold_seconds"]["value"]
        return int(max(timing["max_minutes"]["value"], rounds * seconds / 60))
    return int(timing["max_minutes"]["value"])


def check_care_minutes(kb: Knowledge, care_kind: object, minutes: object) -> None:
    """Raise ``PlanError("minutes", …)`` when ``minutes`` is longer than the protocol allows
    for ``care_kind``. Other checks (whole number, at least 1) stay with the store."""
    top = max_care_minutes(kb, care_kind)
    if top is None or minutes is None or isinstance(minutes, bool):
        return
    if isinstance(minutes, int | float) and minutes > top:
        raise PlanError("minutes", f"at most {top} minutes for {care_kind}, the longest "
                        "session the protocol allows", minutes)
