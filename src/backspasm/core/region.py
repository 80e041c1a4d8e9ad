"""Which region's emergency numbers, "A&E"/"ER" and urgent help line a person sees.

One pure decision for every door (CLINICAL.md §2): ``--region`` for one run, else the
region the person chose, else the one of their time zone (``regions.yaml``
``from_time_zone``: Europe/London → GB, America/* → US, other Europe/* → EU), else the
knowledge's default. Doors show where it came from, with a way to change it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from backspasm.knowledge import Knowledge

if TYPE_CHECKING:
    from backspasm.knowledge.records import RegionRecord

__all__ = ["RegionChoice", "choose_region", "region_from_time_zone", "region_record",
           "fill_region"]

#: Where a region came from: the run's own option, the person's setting, their time zone.
SOURCES = ("override", "profile", "time_zone", "default")


@dataclass(frozen=True)
class RegionChoice:
    """The region to use (``id``), its record from regions.yaml, and where it came from."""

    id: str
    source: str
    record: RegionRecord
    time_zone: str | None = None

    @property
    def chosen(self) -> bool:
        """True when the person (or the run) chose it; False when we guessed it."""
        return self.source in ("override", "profile")

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "name": self.record["name"], "source": self.source,
                "time_zone": self.time_zone}


def region_record(kb: Knowledge, region_id: str | None) -> RegionRecord | None:
    """The regions.yaml record of ``region_id`` (any case), or ``None`` if unknown."""
    return kb.regions.records.get((region_id or "").upper())


def region_from_time_zone(kb: Knowledge, tz: str | None) -> str | None:
    """The region of an IANA time zone name by ``from_time_zone``, or ``None``."""
    if not tz:
        return None
    return next((m.region for m in kb.regions.from_time_zone if m.matches(tz)), None)


def choose_region(kb: Knowledge, *, override: str | None = None, profile_region: str | None = None,
                  tz: str | None = None) -> RegionChoice:
    """The region to use. ``override`` must be a known region (else ``AnswersError``
    naming ``region``); an unknown saved ``profile_region`` is treated as not chosen."""
    from backspasm.core.answers import AnswersError

    if override is not None:
        record = region_record(kb, override)
        if record is None:
            ids = ", ".join(kb.regions.ids)
            raise AnswersError("region", f"one of {ids}", override)
        return RegionChoice(record["id"], "override", record, tz)
    record = region_record(kb, profile_region)
    if record is not None:
        return RegionChoice(record["id"], "profile", record, tz)
    guessed = region_from_time_zone(kb, tz)
    if guessed is not None and (record := region_record(kb, guessed)) is not None:
        return RegionChoice(record["id"], "time_zone", record, tz)
    default = region_record(kb, kb.regions.default)
    assert default is not None  # the loader checks the default is a known region
    return RegionChoice(default["id"], "default", default, tz)


def fill_region(text: str, record: Mapping[str, object]) -> str:
    """``text`` with ``{emergency_number}``, ``{emergency_department}``, ``{urgent_help}``
    and ``{region_name}`` filled from a regions.yaml record (other braces left alone)."""
    values = {"emergency_number": record["emergency_number"],
              "emergency_department": record["emergency_department"],
              "urgent_help": record["urgent_help"], "region_name": record["name"]}
    for name, value in values.items():
        text = text.replace("{" + name + "}", str(value))
    return text
