"""The longest care session the diary accepts: one check for the CLI, the web and the API.

Pure. The maxima are the protocol's, read from ``plan.yaml`` ``session_kinds`` timing
``max_minutes`` (ice 20, heat 30, a contrast shower its most rounds: 10 x 3 minutes).
A diary entry of 600 minutes of ice would say the person did something the protocol
forbids, and would feed the report and the trends as if it were fine (H28).
"""

from __future__ import annotations

from typing import Any

from backspasm.core.plan import PlanError, session_kind

__all__ = ["TIMED_CARE", "max_care_minutes", "check_care_minutes"]

#: Diary care kind → the plan's session kind whose timing limits it. The diary says
#: "contrast" where the plan says "contrast_shower" (two spellings kept by older data).
TIMED_CARE = {"ice": "ice", "heat": "heat", "contrast": "contrast_shower"}


def max_care_minutes(kb: Any, care_kind: str) -> int | None:
    """The protocol's longest session for a diary care kind, or ``None`` if it has none."""
    plan_kind = TIMED_CARE.get(care_kind) if isinstance(care_kind, str) else None
    if plan_kind is None:
        return None
    timing = session_kind(kb, plan_kind)["timing"]
    if "max_rounds" in timing:  # a contrast shower: its most rounds of hot then cold
        rounds = timing["max_rounds"]["value"]
        seconds = timing["hot_seconds"]["value"] + timing["cold_seconds"]["value"]
        return int(max(timing["max_minutes"]["value"], rounds * seconds / 60))
    return int(timing["max_minutes"]["value"])


def check_care_minutes(kb: Any, care_kind: str, minutes: Any) -> None:
    """Raise ``PlanError("minutes", …)`` when ``minutes`` is longer than the protocol allows
    for ``care_kind``. Other checks (whole number, at least 1) stay with the store."""
    top = max_care_minutes(kb, care_kind)
    if top is None or minutes is None or isinstance(minutes, bool):
        return
    if isinstance(minutes, int | float) and minutes > top:
        raise PlanError("minutes", f"at most {top} minutes for {care_kind}, the longest "
                        "session the protocol allows", minutes)
