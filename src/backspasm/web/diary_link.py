"""The one place where the web pages talk to the diary store.

Pages call these methods and nothing else of the store, so the storage API can change
in one file. Timer completions, triage results and profile settings go through here.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from backspasm.store import CareEntry, Profile, Store
from backspasm.web.settings import Settings

if TYPE_CHECKING:
    from backspasm.knowledge import Knowledge

#: The key of the one profile of personal mode.
LOCAL_KEY = "local"


def profile_settings_of(profile: Profile, kb: Knowledge) -> dict[str, Any]:
    """Time zone, waking hours and region of ``profile`` (already read), as
    :meth:`DiaryLink.profile_settings` gives them. A page that read the profile itself may
    keep this on ``request.state.profile_settings`` so ``deps.get_profile`` reads nothing."""
    from backspasm.status import profile_region

    choice = profile_region(kb, profile)
    return {"tz": profile.tz, "wake": profile.wake, "sleep": profile.sleep,
            "region": choice.id, "region_choice": choice.to_dict(), "age": profile.age}


class DiaryLink:
    """Adapter over the diary :class:`~backspasm.store.Store` for the web app."""

    def __init__(self, store: Store, settings: Settings, kb: Knowledge) -> None:
        self.store = store
        self.settings = settings
        self.kb = kb

    def local_profile_id(self) -> int:
        """The one profile of personal mode (created on first use)."""
        return self.store.ensure_profile(
            LOCAL_KEY, tz=self.settings.timezone, region=self.settings.region).id

    def profile_settings(self, profile_id: int, kb: Knowledge) -> dict[str, Any]:
        """Time zone, waking hours and region of a profile. ``region`` is the one to use
        (``core.region``: chosen, else from the time zone); ``region_choice`` says which.
        The profile is kept until the diary changes (``Store.kept_profile``)."""
        return profile_settings_of(self.store.kept_profile(profile_id), kb)

    def current_onset(self, profile_id: int) -> datetime | None:
        """Onset of the profile's open episode, if there is one."""
        episode = self.store.current_episode(profile_id)
        return None if episode is None else episode.onset

    def start_episode(self, profile_id: int, onset: datetime, trigger: str | None = None) -> None:
        """Open an episode at ``onset`` unless one is open already."""
        if self.store.current_episode(profile_id) is None:
            self.store.start_episode(profile_id, onset=onset, trigger=trigger)

    def log_care(self, profile_id: int, kind: str, start: datetime, minutes: float) -> CareEntry:
        """Record a finished timer session (ice, heat, contrast) in the diary.

        The diary counts whole minutes; a session shorter than one minute counts as one.
        Logging the same session twice (a retried request) keeps one entry.
        """
        from datetime import timedelta

        same = [c for c in self.store.care_entries(profile_id, since=start,
                                                   until=start + timedelta(seconds=1))
                if c.kind == kind and c.start == start]
        if same:
            return same[0]
        whole = max(1, round(minutes))
        from backspasm.core.limits import check_care_minutes
        from backspasm.core.plan import PlanError
        from backspasm.web.errors import BadInput

        try:
            check_care_minutes(self.kb, kind, whole)
        except PlanError as exc:
            raise BadInput(exc.field, exc.expected, str(exc)) from None
        return self.store.log_care(profile_id, kind=kind, start=start, minutes=whole)

    def care_entries(self, profile_id: int) -> list[CareEntry]:
        return self.store.care_entries(profile_id)

    def record_triage(self, profile_id: int, answers: dict[str, Any], result: dict[str, Any],
                      at: datetime) -> None:
        """Keep a triage result in the diary (it feeds the diary-driven warnings)."""
        self.store.save_triage(
            profile_id, answers=answers, level=result["level"],
            rules=[r["rule"] for r in result.get("reasons", [])],
            knowledge_version=result["knowledge_version"], at=at,
            unsure=list(result.get("unsure") or []))

    def person(self, profile_id: int) -> dict[str, Any]:
        """The person fields (pregnant, age, fragile bones) of the latest saved triage, to fit
        the plan and the Learn page to them ("not sure" counts as yes)."""
        from backspasm.core.fit import person_facts

        saved = self.store.latest_triage(profile_id)
        return {} if saved is None else person_facts(saved.answers, saved.unsure)
