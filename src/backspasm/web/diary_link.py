"""The one place where the web pages talk to the diary store.

Pages call these methods and nothing else of the store, so the storage API can change
in one file. Timer completions, triage results and profile settings go through here.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time
from typing import Any

from backspasm.web.settings import Settings


@dataclass(frozen=True)
class LoggedCare:
    kind: str
    start: datetime
    minutes: float


class DiaryLink:
    """Adapter over the diary store for the web app."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._care: list[tuple[int, LoggedCare]] = []

    def local_profile_id(self) -> int:
        """The one profile of personal mode."""
        return 1

    def profile_settings(self, profile_id: int) -> dict[str, Any]:
        """Time zone, waking hours and region of a profile."""
        return {"tz": self.settings.timezone, "wake": time(7, 0), "sleep": time(22, 0),
                "region": self.settings.region}

    def current_onset(self, profile_id: int) -> datetime | None:
        """Onset of the profile's open episode, if there is one."""
        return None

    def log_care(self, profile_id: int, kind: str, start: datetime, minutes: float) -> None:
        """Record a finished timer session (ice, heat, contrast) in the diary."""
        self._care.append((profile_id, LoggedCare(kind, start, minutes)))

    def care_entries(self, profile_id: int) -> list[LoggedCare]:
        return [c for p, c in self._care if p == profile_id]

    def record_triage(self, profile_id: int, answers: dict[str, Any], result: dict[str, Any],
                      at: datetime) -> None:
        """Keep a triage result in the diary (feeds the diary-driven warnings)."""
