"""What may this person be shown now? One decision, called by every door.

Pure: the doors gather the latest triage results they know of (the diary's saved record,
an unsaved web journey's result, the diary's re-assessment) and the state of the episode,
and this module decides. An emergency result means the emergency card and nothing that
suggests staying at home: no plan, no timers, no calendar reminders (hazards H4, H22).
When two doors disagree, a decision has leaked into a door: do not decide there.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from backspasm.core.triage import EMERGENCY_LEVELS, compiled
from backspasm.knowledge import Knowledge

__all__ = ["Seen", "Guidance", "guidance", "emergency_view"]

#: What a door may show. ``plan``: the self-care plan, timers and reminders;
#: ``emergency``: the emergency card only; ``no_episode`` / ``episode_ended``: no plan yet
#: (or no more), but nothing stands in the way of one.
SHOWS = ("plan", "emergency", "no_episode", "episode_ended")


@dataclass(frozen=True)
class Seen:
    """A triage result a door knows of. ``at`` is ``None`` for one not saved yet (the
    result on screen now): it counts as the newest."""

    level: str
    at: datetime | None = None
    rules: tuple[str, ...] = ()
    answers: dict[str, Any] | None = None
    unsure: tuple[str, ...] = ()


@dataclass(frozen=True)
class Guidance:
    """The decision. ``show`` is one of :data:`SHOWS`; ``deciding`` the result it rests on."""

    show: str
    deciding: Seen | None = None

    @property
    def emergency(self) -> bool:
        return self.show == "emergency"

    @property
    def self_care(self) -> bool:
        """May the plan, the timers and calendar reminders be shown?"""
        return self.show == "plan"


def _newest(results: Iterable[Seen | None]) -> Seen | None:
    known = [r for r in results if r is not None]
    if not known:
        return None
    unsaved = [r for r in known if r.at is None]
    if unsaved:
        # The result on screen now is the newest; of several, the most urgent wins.
        return next((r for r in unsaved if r.level in EMERGENCY_LEVELS), unsaved[0])
    return max(known, key=lambda r: r.at)  # type: ignore[arg-type, return-value]


def guidance(
    results: Sequence[Seen | None] = (),
    *,
    episode_open: bool | None = None,
    had_episode: bool = False,
    extra_levels: Iterable[str] = (),
) -> Guidance:
    """Decide what may be shown.

    ``results``: the triage results known (saved or on screen); the newest decides.
    An emergency stands until a newer check says otherwise, whatever the episode.
    ``extra_levels``: levels judged now from the diary (``core.trends.reassess``); an
    emergency among them is an emergency too. ``episode_open``: whether the diary has an
    open episode (``None``: the door has no diary, e.g. a stateless plan request);
    ``had_episode``: whether it ever had one (to say "ended" rather than "none yet").
    """
    newest = _newest(results)
    if newest is not None and newest.level in EMERGENCY_LEVELS:
        return Guidance("emergency", newest)
    for level in extra_levels:
        if level in EMERGENCY_LEVELS:
            return Guidance("emergency", Seen(level))
    if episode_open is False:
        return Guidance("episode_ended" if had_episode else "no_episode", newest)
    return Guidance("plan", newest)


def emergency_view(kb: Knowledge, g: Guidance, *, region: str, now: datetime) -> dict[str, Any]:
    """The emergency result to show for ``g`` (``TriageResult.to_dict()`` form): the saved
    answers judged again for ``region`` when they still parse, else the card of the saved
    level with the reasons of its saved rules."""
    from backspasm.core.answers import AnswersError, parse_answers
    from backspasm.core.triage import triage

    seen = g.deciding
    if seen is None or seen.level not in EMERGENCY_LEVELS:
        raise ValueError("emergency_view: the guidance is not an emergency")
    if seen.answers is not None:
        try:
            answers = parse_answers(dict(seen.answers), default_now=seen.at or now)
            result = triage(answers, kb, region=region, unsure=seen.unsure)
            if result.emergency:
                return result.to_dict()
        except AnswersError:
            pass  # saved under an older contract: fall back to the saved level and rules
    c = compiled(kb)
    region_id = region.upper() if (region.upper(), seen.level) in c.cards else c.default_region
    rules = {r.reason.rule: r.reason for r in c.rules}
    reasons = [rules[rid].to_dict() for rid in seen.rules if rid in rules]
    card = dict(c.cards[(region_id, seen.level)])
    card["unsure_note"] = c.unsure_note if seen.unsure else None
    return {"level": seen.level, "reasons": reasons, "knowledge_version": kb.version,
            "care_card": card, "unsure": list(seen.unsure)}
