"""Where a person stands now, from their diary: one function the CLI and the web share.

It reads the store once (:meth:`Store.overview <backspasm.store.Store.overview>`, one
transaction, which a page may share: :func:`status_of`), derives the diary facts
(core/trends.py), re-runs triage over them merged with the last saved answers, and adds the
phase and the next planned session.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from backspasm.knowledge import Knowledge
    from backspasm.store import Overview, Profile, Store

__all__ = ["status_report", "status_of", "status_since", "diary_guidance", "profile_region",
           "diary_easing", "diary_plan", "care_done", "episode_window", "keep_triage"]


def profile_region(kb: Knowledge, profile: Profile, override: str | None = None) -> Any:
    """The region a profile sees (``core.region.choose_region``): ``override``, else the
    one chosen, else the one of its time zone."""
    from backspasm.core.region import choose_region

    return choose_region(kb, override=override, profile_region=profile.region, tz=profile.tz)


def keep_triage(store: Store, profile_id: int, answers: dict[str, Any], *, level: str,
                rules: list[str], knowledge_version: str, unsure: list[str],
                at: datetime) -> None:
    """Keep a confirmed triage result in the diary, the same from every door (the web's
    confirm, ``triage --save``): the result; and, unless it is an emergency, the episode it
    describes (opened at the answered onset, with its trigger, when none is open) and the
    pain given, as an entry at ``at`` (the same score within 10 minutes is not written
    twice: a confirm sent again)."""
    from datetime import timedelta

    from backspasm.core.answers import parse_datetime
    from backspasm.knowledge.vocabulary import EMERGENCY_LEVELS

    store.save_triage(profile_id, answers=answers, level=level, rules=rules,
                      knowledge_version=knowledge_version, at=at, unsure=unsure)
    if level in EMERGENCY_LEVELS:
        return
    onset = answers.get("onset")
    when = parse_datetime(onset) if isinstance(onset, str) else None
    if when is not None and store.current_episode(profile_id) is None:
        store.start_episode(profile_id, onset=when, trigger=answers.get("trigger"))
    pain = answers.get("pain_now")
    if isinstance(pain, int) and not isinstance(pain, bool):
        recent = store.pain_entries(profile_id, since=at - timedelta(minutes=10),
                                    until=at + timedelta(seconds=1))
        if not any(p.score == pain for p in recent):
            store.log_pain(profile_id, score=pain, at=at)  # the first entry of the episode


def diary_guidance(store: Store, profile_id: int, *, on_screen: Any = None,
                   extra_levels: Any = ()) -> Any:
    """What may be shown now (``core.guidance.guidance``) from the diary: its latest saved
    triage, ``on_screen`` (a ``Seen`` not saved yet, e.g. a web journey's result), the
    levels judged now (``extra_levels``) and whether an episode is open."""
    latest = store.latest_triage(profile_id)
    episode = store.current_episode(profile_id)
    had = episode is not None or bool(store.episodes(profile_id))
    return _guidance(latest, episode_open=episode is not None, had_episode=had,
                     on_screen=on_screen, extra_levels=extra_levels)


def overview_guidance(data: Overview, *, on_screen: Any = None, extra_levels: Any = ()) -> Any:
    """:func:`diary_guidance` from a diary already read (``Store.overview``)."""
    current = data.current
    return _guidance(data.latest_triage, episode_open=current is not None,
                     had_episode=current is not None or bool(data.episodes),
                     on_screen=on_screen, extra_levels=extra_levels)


def _guidance(latest: Any, *, episode_open: bool, had_episode: bool, on_screen: Any = None,
              extra_levels: Any = ()) -> Any:
    from backspasm.core.guidance import Seen, guidance

    saved = None if latest is None else Seen(
        latest.level, latest.at, tuple(latest.rules), dict(latest.answers),
        tuple(getattr(latest, "unsure", ()) or ()))
    return guidance([saved, on_screen], episode_open=episode_open, had_episode=had_episode,
                    extra_levels=extra_levels)


def status_since(kb: Knowledge, now: datetime) -> datetime:
    """How far back ``status`` reads pain entries (``pain_since`` of ``Store.overview``)."""
    from backspasm.core.trends import windows

    return now - windows(kb).pain_since


def status_report(store: Store, profile: Profile, kb: Knowledge, now: datetime) -> dict[str, Any]:
    """Everything ``backspasm status`` and the web Diary show, as a JSON-ready dict, read in
    one transaction (:func:`status_of` over ``store.overview``).

    ``care_card`` is the card of the current level; ``rose`` says whether the diary raised
    the level above the last saved triage, and ``new_reasons`` why.
    """
    return status_of(store.overview(profile.id, pain_since=status_since(kb, now), now=now,
                                    window=episode_window(now)), kb, now)


def episode_window(now: datetime) -> Any:
    """The ``window`` of ``Store.overview`` that reads the open episode's care entries (from
    its onset up to ``now``), which :func:`diary_plan` follows; without an open episode, none."""
    from datetime import timedelta

    def window(episodes: list[Any]) -> tuple[datetime, datetime]:
        current = next((e for e in episodes if e.ended_at is None), None)
        return (now, now) if current is None else (current.onset, now + timedelta(seconds=1))

    return window


def care_done(data: Overview, now: datetime) -> list[tuple[str, datetime, datetime | None]]:
    """The open episode's care taken up to ``now``, as ``core.plan.make_plan`` reads it
    (``done``), from an overview read with :func:`episode_window` (or a window that covers
    the episode up to now). Raises ``ValueError`` when the overview's window does not."""
    from datetime import timedelta

    ep = data.current
    if ep is None:
        return []
    if not _covers(data, now):
        raise ValueError("the overview's care entries do not cover the open episode")
    return [(c.kind, c.start, None if not c.minutes else c.start + timedelta(minutes=c.minutes))
            for c in data.care if ep.onset <= c.start <= now]


def _covers(data: Overview, now: datetime) -> bool:
    ep = data.current
    return ep is None or (data.window is not None and data.window[0] <= ep.onset
                          and data.window[1] > now)


def diary_easing(data: Overview, kb: Knowledge, now: datetime, *,
                 facts: Any = None) -> bool | None:
    """Whether the pain is easing, for the stretching step (``core.plan.is_easing``), from
    the diary's latest pain and trend as ``status`` judges them (an overview read with a
    ``pain_since`` not later than :func:`status_since`); ``facts``: the diary's facts at
    ``now`` when the caller has them already (:func:`status_of`)."""
    from backspasm.core.plan import is_easing

    if facts is None:
        facts = _facts(data, kb, now)
    return is_easing(kb, facts.pain_now, facts.pain_trend)


def diary_plan(data: Overview, kb: Knowledge, now: datetime, *, days: int | None = None,
               person: Any = None, region: str | None = None, with_care: bool = True,
               facts: Any = None) -> Any:
    """The open episode's plan at ``now`` (``core.plan.make_plan``) from the diary read
    once: the profile's zone and waking hours, the care taken (:func:`care_done`) and the
    easing (:func:`diary_easing`). Every door that shows a diary's plan calls this.
    ``with_care=False`` leaves the care out (an overview whose window is another episode);
    ``facts``: as for :func:`diary_easing`.
    Raises ``ValueError`` without an open episode and ``PlanError`` for a bad profile."""
    from backspasm.core.plan import make_plan

    ep = data.current
    if ep is None:
        raise ValueError("no open episode")
    p = data.profile
    return make_plan(kb, onset=ep.onset, now=max(now, ep.onset), tz=p.tz, wake=p.wake,
                     sleep=p.sleep, days=days, easing=diary_easing(data, kb, now, facts=facts),
                     person=person, region=region,
                     done=care_done(data, now) if with_care else ())


def _facts(data: Overview, kb: Knowledge, now: datetime) -> Any:
    from backspasm.core.trends import diary_facts, windows

    w = windows(kb)
    pain_since = now - w.pain_since
    if data.pain_since > pain_since:
        raise ValueError("the overview's pain entries do not reach back far enough")
    status = data.status_data(now - w.episodes)
    recent = [p for p in status.recent_pain if p.at >= pain_since]
    episodes = list(status.recent_episodes)
    if status.episode is not None and status.episode not in episodes:
        episodes.append(status.episode)
    if status.latest_pain is not None and status.latest_pain not in recent:
        recent.append(status.latest_pain)
    return diary_facts(kb, episodes=episodes, pain=recent, now=now)


def status_of(data: Overview, kb: Knowledge, now: datetime) -> dict[str, Any]:
    """:func:`status_report` from a diary already read (``Store.overview`` with a
    ``pain_since`` not later than :func:`status_since`): no database access."""
    from backspasm.core.answers import AnswersError
    from backspasm.core.plan import PlanError
    from backspasm.core.trends import reassess, windows

    facts = _facts(data, kb, now)
    profile = data.profile
    status = data.status_data(now - windows(kb).episodes)
    saved = status.latest_triage
    region_choice = profile_region(kb, profile)
    region = region_choice.id
    try:
        r = reassess(kb, facts=facts, saved_answers=saved.answers if saved else None,
                     saved_level=saved.level if saved else None,
                     saved_rules=saved.rules if saved else (), region=region,
                     saved_unsure=getattr(saved, "unsure", ()) if saved else ())
    except AnswersError:  # answers saved under an older contract: judge the diary alone
        r = reassess(kb, facts=facts, region=region)
    out: dict[str, Any] = {
        "now": now.isoformat(),
        "timezone": profile.tz,
        "episode": None,
        "phase": None,
        "next_session": None,
        "pain": {"latest": facts.pain_now, "trend": facts.pain_trend,
                 "mean_last_24h": facts.mean_last, "mean_previous_24h": facts.mean_before},
        "episodes_recent": facts.episodes_recent,
        "level": r.result.level,
        "previous_level": r.previous_level,
        "rose": r.rose,
        "new_reasons": [x.to_dict() for x in r.new_reasons],
        "care_card": dict(r.result.care_card),
        "knowledge_version": kb.version,
        # What may be shown (core.guidance): "emergency" means the card and no plan.
        "shows": _guidance(saved, episode_open=status.episode is not None,
                           had_episode=bool(data.episodes),
                           extra_levels=[r.result.level]).show,
        "region": region_choice.to_dict(),
    }
    ep = status.episode
    if ep is None:
        return out
    out["episode"] = {"id": ep.id, "onset": ep.onset.isoformat(), "trigger": ep.trigger,
                      "hours_since_onset": round(facts.hours_since_onset or 0, 1)}
    if out["shows"] != "plan":
        return out  # no self-care plan beside an emergency (core.guidance decides)
    # An overview read for another episode's page: the times without the care taken.
    try:
        plan = diary_plan(data, kb, now, region=region, with_care=_covers(data, now),
                          facts=facts)
    except PlanError:
        return out
    out["phase"] = plan.phase
    ahead = [s for s in plan.sessions if s.status in ("due", "upcoming")]
    if ahead:
        out["next_session"] = ahead[0].to_dict()
    return out
