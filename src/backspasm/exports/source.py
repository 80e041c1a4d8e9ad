"""Read one episode from the diary store into the exporters' value objects.

The only module of :mod:`backspasm.exports` that touches the store; the exporters
themselves stay pure. Raises :class:`ExportError` (or the store's ``StoreError``, e.g.
``NotFoundError`` for an unknown episode) with the field named.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from backspasm.exports.data import (
    CareDone,
    EpisodeRecord,
    ExportError,
    LaterWarning,
    MedicineDose,
    PainPoint,
    TriageSnapshot,
    fired_rule,
    resolve_tz,
)

if TYPE_CHECKING:
    from backspasm.knowledge import Knowledge
    from backspasm.store import Profile, Store
    from backspasm.store.lite import LiteStore

__all__ = ["load_episode", "plan_sessions", "calendar_for", "Calendar", "EMERGENCY_LEVELS"]

from backspasm.core.triage import EMERGENCY_LEVELS


def _reasons(kb: Knowledge, rec: Any) -> list[dict[str, Any]]:
    """The saved triage's reasons, worded as triage words them ("not sure" read back as
    not sure, never as a fact): ``core.triage.explain`` on the saved answers."""
    from backspasm.core.answers import AnswersError, parse_answers
    from backspasm.core.triage import explain

    try:
        answers = parse_answers(dict(rec.answers), default_now=rec.at)
    except AnswersError:  # an answer this knowledge no longer knows: judge without them
        answers = parse_answers({}, default_now=rec.at)
    return [r.to_dict() for r in explain(kb, rec.rules, answers, rec.unsure)]


def _snapshot(kb: Knowledge, rec: Any) -> TriageSnapshot:
    """A saved triage as the exports show it: every fired rule, the questions skipped."""
    from backspasm.core.diary_warnings import not_asked

    reasons = _reasons(kb, rec)
    return TriageSnapshot(rec.at, dict(rec.answers), rec.level, reasons, tuple(rec.unsure),
                          rules=tuple(fired_rule(r) for r in reasons),
                          not_asked=not_asked(kb, rec.answers, at=rec.at, unsure=rec.unsure),
                          knowledge_version=rec.knowledge_version)


def later_warnings(kb: Knowledge, episodes: Any, pain: Any, triages: Any, *,
                   since: datetime, until: datetime | None,
                   region: str | None) -> tuple[LaterWarning, ...]:
    """The warnings ``status`` gave at each pain entry of the episode
    (``core.diary_warnings``), as export value objects."""
    from backspasm.core.diary_warnings import diary_warnings

    return tuple(
        LaterWarning(w.at, w.level, w.previous_level, w.pain,
                     tuple(fired_rule(r) for r in w.reasons))
        for w in diary_warnings(kb, episodes=episodes, pain=pain, triages=triages,
                                since=since, until=until, region=region)
    )


def plan_sessions(
    kb: Knowledge, profile: Profile, onset: datetime, *, now: datetime, days: int | None = None,
    done: Any = (),
) -> list[Any]:
    """Every session of the plan (``core.plan.make_plan``) for this profile, from the onset,
    following ``done`` (the episode's care taken, ``(kind, start, end)``), each with its
    status at ``now``: the same times as the plan page and ``backspasm plan``."""
    from backspasm.core.plan import PlanError, make_plan

    try:
        plan = make_plan(
            kb,
            onset=onset,
            now=max(now, onset),
            tz=profile.tz,
            wake=profile.wake,
            sleep=profile.sleep,
            days=days,
            done=list(done),
        )
    except PlanError as exc:
        raise ExportError(exc.field, str(exc).split(": ", 1)[-1]) from None
    return list(plan.sessions)


AHEAD = ("due", "upcoming")


def load_episode(
    store: Store | LiteStore,
    profile_id: int,
    episode_id: int | None,
    *,
    kb: Knowledge,
    now: datetime,
    whole_plan: bool = True,
) -> tuple[EpisodeRecord, Any]:
    """The episode (the given one, else the open one, else the latest) and its profile.

    ``whole_plan`` gives every session from the onset (for the report and FHIR), each with
    its status at ``now``, following the care logged; otherwise only the sessions due or
    still to come.
    """
    from backspasm.core.trends import windows

    # From before the onset too: the warnings' trend window reaches back (later_warnings).
    data = store.episode_data(profile_id, episode_id, reach=windows(kb).pain_since)
    profile, episode = data.profile, data.episode
    tz = resolve_tz(profile.tz, "profile time zone", kb)
    if episode is None:
        raise ExportError("episode", refusal(kb, "no_episode"))
    end = episode.ended_at
    pain_read = data.pain
    pain = [PainPoint(p.at, p.score, p.note) for p in pain_read if p.at >= episode.onset]
    care, meds = [], []
    for c in data.care:
        if c.kind == "medicine":
            meds.append(MedicineDose(c.medicine or "", c.start, c.note))
        else:
            stop = c.start + timedelta(minutes=c.minutes) if c.minutes else None
            care.append(CareDone(c.kind, c.start, stop, c.note))
    triages = data.triages
    # Every check saved in the episode: the latest is the report's, the earlier ones are
    # listed too (a later "no" must not hide an earlier emergency from the doctor).
    checks = [_snapshot(kb, rec) for rec in triages
              if rec.at >= episode.onset and (end is None or rec.at <= end)]
    snapshot = checks[-1] if checks else None
    sessions = plan_sessions(kb, profile, episode.onset, now=now,
                             done=[(c.kind, c.start, c.end) for c in care])
    if not whole_plan:  # the plan also lists the sessions already past: keep due and upcoming
        sessions = [s for s in sessions if s.status in AHEAD]
    from backspasm.status import profile_region

    region = profile_region(kb, profile).id
    record = EpisodeRecord(
        id=str(episode.id),
        onset=episode.onset,
        tz=tz,
        ended=end,
        trigger=episode.trigger,
        pain=pain,
        care=care,
        medicines=meds,
        triage=snapshot,
        earlier=tuple(checks[:-1]),
        sessions=sessions,
        region=region,
        name=profile.name or None,
        birth_date=profile.birth_date,
        warnings=later_warnings(kb, data.episodes,
                                pain_read,
                                triages, since=episode.onset, until=end, region=region),
    )
    return record, profile


def refusal(kb: Any, key: str) -> str:
    """Why a file cannot be made now (exports.yaml ``refusals``), shown after its field."""
    return str(kb.data["exports"]["refusals"][key])


@dataclass(frozen=True)
class Calendar:
    """What a calendar may hold now: the sessions ahead, or none and ``refusal`` saying why."""

    sessions: list[Any]
    tz: ZoneInfo
    episode_uid: str
    refusal: ExportError | None = None


def calendar_for(
    store: Store,
    profile_id: int,
    *,
    kb: Knowledge,
    now: datetime,
    days: int | None = None,
    episode_id: int | None = None,
) -> Calendar:
    """The one rule for every calendar (CLI file, web download, subscription feed; H22).

    Reminders exist only for the future sessions of the episode that is still open, and
    never after an emergency result inside it. Otherwise the sessions are empty and
    ``refusal`` names the problem: the feed then serves an empty (still valid) calendar,
    so subscribed apps drop the events; a one-off download raises the refusal.
    """
    profile = store.get_profile(profile_id)
    tz = resolve_tz(profile.tz, "profile time zone", kb)
    if episode_id is not None:
        episode = store.get_episode(profile_id, episode_id)  # NotFoundError if not theirs
    else:
        episode = store.current_episode(profile_id)

    def refuse(field: str, expected: str) -> Calendar:
        return Calendar([], tz, f"bs-{profile.pseudonym}-none", ExportError(field, expected))

    from backspasm.status import diary_guidance

    # What may be shown is decided once, in core.guidance, for every door (H4, H22).
    shown = diary_guidance(store, profile_id).show
    if shown == "emergency":
        return refuse("plan", refusal(kb, "emergency"))
    if episode is None:
        if shown == "episode_ended":
            return refuse("episode", refusal(kb, "episode_ended"))
        return refuse("episode", refusal(kb, "no_episode"))
    if episode.ended_at is not None:
        return refuse("episode", refusal(kb, "episode_ended"))
    care = [(c.kind, c.start, None if not c.minutes else c.start + timedelta(minutes=c.minutes))
            for c in store.care_entries(profile_id, since=episode.onset)]
    # Due and upcoming sessions, the page's times (issue 13): a due one stays until done.
    sessions = [s for s in plan_sessions(kb, profile, episode.onset, now=now, days=days,
                                         done=care) if s.status in AHEAD and s.planned]
    if not sessions:
        return refuse("plan", refusal(kb, "plan_over"))
    return Calendar(sessions, tz, f"bs-{profile.pseudonym}-{episode.id}")
