"""Diary → facts that feed triage, and a re-run of triage with them. Pure: no I/O, no clock.

From the diary (plain value objects with ``onset``/``ended_at`` and ``at``/``score``):
hours since the current episode's onset and the latest pain (for "lasting over 72 hours"),
episodes started in the look-back window (for "frequent spasms"), and the pain trend (the
mean of the last window against the window before it). These fill ``onset``, ``pain_now``,
``pain_trend`` and ``episodes_past_3_months`` in the person's latest saved answers; triage
runs again and :class:`Reassessment` says whether the level rose, and which rules are new.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol

from backspasm.core.answers import format_datetime, parse_answers, parse_datetime
from backspasm.core.triage import Reason, TriageResult, level_rank, triage
from backspasm.knowledge import Knowledge

__all__ = [
    "DiaryFacts",
    "Reassessment",
    "Windows",
    "diary_facts",
    "merge_answers",
    "reassess",
    "windows",
]

class PainLike(Protocol):
    @property
    def at(self) -> datetime: ...
    @property
    def score(self) -> int: ...


class EpisodeLike(Protocol):
    @property
    def onset(self) -> datetime: ...
    @property
    def ended_at(self) -> datetime | None: ...


@dataclass(frozen=True)
class Windows:
    """The look-back windows, all named thresholds in the knowledge."""

    trend: timedelta  # length of each of the two trend windows
    trend_change: float  # points of change that count as better/worse
    episodes: timedelta  # "in the last 3 months"

    @property
    def pain_since(self) -> timedelta:
        """How far back the pain entries must reach to compute the trend."""
        return 2 * self.trend


def _threshold(kb: Knowledge, name: str) -> float:
    if name in kb.thresholds:
        return float(kb.thresholds[name])
    raise KeyError(f"thresholds.yaml has no threshold {name!r}")


def windows(kb: Knowledge) -> Windows:
    """The windows from the knowledge thresholds."""
    return Windows(
        trend=timedelta(hours=_threshold(kb, "trend_window_hours")),
        trend_change=_threshold(kb, "trend_change_points"),
        episodes=timedelta(days=_threshold(kb, "frequent_window_days")),
    )


@dataclass(frozen=True)
class DiaryFacts:
    """What the diary says at ``now``. ``None`` means the diary cannot tell."""

    now: datetime
    onset: datetime | None
    pain_now: int | None
    pain_trend: str | None
    episodes_recent: int
    mean_last: float | None
    mean_before: float | None
    #: The diary has episodes but none is open: any older onset is over.
    episode_over: bool = False

    @property
    def hours_since_onset(self) -> float | None:
        return None if self.onset is None else (self.now - self.onset).total_seconds() / 3600


def _mean(scores: list[int]) -> float | None:
    return sum(scores) / len(scores) if scores else None


def diary_facts(
    kb: Knowledge,
    *,
    episodes: Iterable[EpisodeLike],
    pain: Iterable[PainLike],
    now: datetime,
) -> DiaryFacts:
    """Derive the triage facts from the diary at ``now`` (entries after ``now`` are ignored)."""
    w = windows(kb)
    eps = [e for e in episodes if e.onset <= now]
    entries = sorted((p for p in pain if p.at <= now), key=lambda p: p.at)
    open_eps = [e for e in eps if e.ended_at is None or e.ended_at > now]
    current = max(open_eps, key=lambda e: e.onset) if open_eps else None
    # Pain "now": the latest entry of the current episode; without one, a recent entry.
    since = current.onset if current is not None else now - w.pain_since
    latest = next((p for p in reversed(entries) if p.at >= since), None)
    last = [p.score for p in entries if now - w.trend < p.at <= now]
    before = [p.score for p in entries if now - w.pain_since < p.at <= now - w.trend]
    m_last, m_before = _mean(last), _mean(before)
    trend = None
    if m_last is not None and m_before is not None:
        delta = m_last - m_before
        trend = ("worse" if delta >= w.trend_change
                 else "better" if delta <= -w.trend_change else "same")
    return DiaryFacts(
        now=now,
        onset=None if current is None else current.onset,
        pain_now=None if latest is None else latest.score,
        pain_trend=trend,
        episodes_recent=sum(1 for e in eps if now - w.episodes <= e.onset),
        mean_last=m_last,
        mean_before=m_before,
        episode_over=bool(eps) and current is None,
    )


def merge_answers(saved: Mapping[str, Any] | None, facts: DiaryFacts) -> dict[str, Any]:
    """The saved answers (contract JSON) with the diary's facts filled in, judged at ``now``.

    The diary wins where it knows (it is newer); the episode count is the larger of the two
    (the person may have had episodes before they kept a diary)."""
    out = {k: v for k, v in (saved or {}).items() if k != "now"}
    out["now"] = format_datetime(facts.now)
    if facts.onset is not None:
        out["onset"] = format_datetime(facts.onset)
    elif facts.episode_over:
        out.pop("onset", None)
    if "onset" in out:
        # Saved answers from an earlier moment may carry an onset the diary knows nothing
        # about; keep it only if it is not after now.
        when = parse_datetime(str(out["onset"]))
        if when is None or when > facts.now:
            out.pop("onset")
    if facts.pain_now is not None:
        out["pain_now"] = facts.pain_now
    if facts.pain_trend is not None:
        out["pain_trend"] = facts.pain_trend
    counted = max(facts.episodes_recent, int(out.get("episodes_past_3_months") or 0))
    if counted >= 1:
        out["episodes_past_3_months"] = counted
    return out


@dataclass(frozen=True)
class Reassessment:
    """Triage again with the diary. ``rose``: more urgent than the saved result."""

    result: TriageResult
    answers: dict[str, Any]
    facts: DiaryFacts
    previous_level: str
    rose: bool
    #: Rules that fire now and did not fire in the saved result (most urgent first).
    new_reasons: tuple[Reason, ...]


def reassess(
    kb: Knowledge,
    *,
    facts: DiaryFacts,
    saved_answers: Mapping[str, Any] | None = None,
    saved_level: str | None = None,
    saved_rules: Sequence[str] = (),
    region: str | None = None,
    saved_unsure: Iterable[str] = (),
) -> Reassessment:
    """Merge the diary facts into the saved answers and run triage at ``facts.now``.

    ``saved_unsure`` are the yes/no fields answered "not sure": they count as yes again, so
    the re-check is never lower than the saved level for that reason (hazard H23/H17).
    Without a saved result the baseline is self-care with no rules fired.
    Raises ``AnswersError`` if the saved answers no longer parse."""
    merged = merge_answers(saved_answers, facts)
    result = triage(parse_answers(merged, default_now=facts.now), kb, region=region,
                    unsure=frozenset(saved_unsure))
    previous = saved_level or "self_care"
    before = set(saved_rules)
    return Reassessment(
        result=result,
        answers=merged,
        facts=facts,
        previous_level=previous,
        rose=level_rank(result.level) < level_rank(previous),
        new_reasons=tuple(r for r in result.reasons if r.rule not in before),
    )
