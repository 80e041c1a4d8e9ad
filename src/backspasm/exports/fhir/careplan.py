"""The FHIR CarePlan of an episode: its activities are the planned sessions.

Owned by the plan work (one-to-one completion); the rest of the Bundle is in the package's
other modules. ``subject`` is the Patient reference; times are written in ``episode.tz``.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from backspasm.exports.data import CareDone, EpisodeRecord, SessionLike
from backspasm.exports.fhir.codes import SESSION_KIND_SYSTEM, fhir_datetime
from backspasm.knowledge import Knowledge, load_knowledge

__all__ = ["careplan", "session_status"]

_DONE_WINDOW = timedelta(minutes=90)


def session_status(session: SessionLike, care: Sequence[CareDone], now: datetime,
                   kb: Knowledge | None = None) -> str:
    """FHIR activity status: completed if the diary has it (its care kind, plan.yaml), else
    by time."""
    vocabulary = (kb or load_knowledge()).vocabulary
    done_as = {session.kind, vocabulary.care_kind_of.get(session.kind)}
    for c in care:
        if c.kind in done_as and abs(c.start - session.start) <= _DONE_WINDOW:
            return "completed"
    if now < session.start:
        return "scheduled"
    if now < session.end:
        return "in-progress"
    return "not-started"


def careplan(episode: EpisodeRecord, *, kb: Knowledge, now: datetime,
             subject: dict[str, str]) -> dict[str, Any]:
    """The CarePlan resource (without ``id``) for ``episode``'s planned sessions."""
    tz = episode.tz
    sessions = sorted(episode.sessions, key=lambda s: s.start)
    ended = episode.ended
    if ended is not None:  # H22: an ended episode plans nothing after its end
        sessions = [s for s in sessions if s.start < ended]
    from backspasm.exports.ics import session_texts

    cal = session_texts(kb)
    activities: list[dict[str, Any]] = []
    for s in sessions:
        status = session_status(s, episode.care, now if ended is None else max(now, ended), kb)
        if ended is not None and status in ("scheduled", "in-progress"):
            status = "stopped"  # the episode ended during this session
        detail: dict[str, Any] = {
            "code": {
                "coding": [{"system": SESSION_KIND_SYSTEM, "code": s.kind}],
                "text": cal[s.kind]["title"] if s.kind in cal else s.kind,
            },
            "status": status,
            "scheduledPeriod": {
                "start": fhir_datetime(s.start.astimezone(tz)),
                "end": fhir_datetime(s.end.astimezone(tz)),
            },
        }
        if s.kind in cal:
            detail["description"] = cal[s.kind]["start_text"]
        activities.append({"detail": detail})
    fhir_text = kb.data["exports"]["fhir"]
    period: dict[str, str] = {"start": fhir_datetime(episode.onset.astimezone(tz))}
    if episode.ended is not None:
        period["end"] = fhir_datetime(episode.ended.astimezone(tz))
    elif sessions:
        period["end"] = fhir_datetime(sessions[-1].end.astimezone(tz))
    plan: dict[str, Any] = {
        "resourceType": "CarePlan",
        "status": "completed" if episode.ended is not None else "active",
        "intent": "plan",
        "title": fhir_text["careplan_title"],
        "description": " ".join(fhir_text["careplan_description"].split()),
        "subject": subject,
        "period": period,
        "created": fhir_datetime(now.astimezone(tz)),
        "note": [
            {
                "text": "Sources: "
                + ", ".join(kb.sources[s]["title"] for s in fhir_text["careplan_sources"])
            }
        ],
    }
    if activities:
        plan["activity"] = activities
    return plan
