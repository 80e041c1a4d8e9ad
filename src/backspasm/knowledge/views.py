"""Typed views of the validated knowledge that the core computes with.

Each is a frozen dataclass built once per load, after validation (see ``Knowledge``), so
the core reads ``kb.regions.default`` rather than ``kb["regions"]["default"]``.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from backspasm.knowledge.records import RegionRecord, RegionsFile, ThresholdsFile

__all__ = ["Region", "Regions", "ZoneMatch", "build_regions", "build_thresholds"]


@dataclass(frozen=True)
class Region:
    """One region of ``regions.yaml``: its emergency and urgent-help numbers and words."""

    id: str
    name: str
    emergency_number: str
    emergency_department: str
    urgent_help: str
    sources: tuple[str, ...]

    @classmethod
    def of(cls, r: RegionRecord) -> Region:
        return cls(r["id"], r["name"], r["emergency_number"], r["emergency_department"],
                   r["urgent_help"], tuple(r["sources"]))


@dataclass(frozen=True)
class ZoneMatch:
    """A ``from_time_zone`` entry: a zone that is ``zone``, or starts with ``zone_prefix``."""

    region: str
    zone: str | None = None
    zone_prefix: str | None = None

    def matches(self, tz: str) -> bool:
        return tz == self.zone or (self.zone_prefix is not None and tz.startswith(self.zone_prefix))


@dataclass(frozen=True)
class Regions:
    """``regions.yaml``: the regions in file order, the default and the time-zone guesses."""

    default: str
    by_id: Mapping[str, Region]
    from_time_zone: tuple[ZoneMatch, ...]
    #: The validated records as the doors show them (id -> regions.yaml record).
    records: Mapping[str, RegionRecord]

    @property
    def ids(self) -> tuple[str, ...]:
        return tuple(self.by_id)

    def __iter__(self) -> Iterator[Region]:
        return iter(self.by_id.values())


def build_regions(data: RegionsFile) -> Regions:
    return Regions(
        default=data["default"],
        by_id=MappingProxyType({r["id"]: Region.of(r) for r in data["regions"]}),
        from_time_zone=tuple(
            ZoneMatch(e["region"], e.get("zone"), e.get("zone_prefix"))
            for e in data.get("from_time_zone", [])
        ),
        records=MappingProxyType({r["id"]: r for r in data["regions"]}),
    )


def build_thresholds(data: ThresholdsFile) -> Mapping[str, int | float]:
    """Threshold id → value."""
    return MappingProxyType({t["id"]: t["value"] for t in data["thresholds"]})
