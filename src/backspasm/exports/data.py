"""Plain value objects the exporters read, and the shared time-zone helper."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Protocol
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError


class ExportError(ValueError):
    """Bad input to an export. ``str(err)`` names the field and what was expected."""

    def __init__(self, field: str, expected: str) -> None:
        self.field = field
        self.expected = expected
        super().__init__(f"{field}: {expected}")


class SessionLike(Protocol):
    """A planned session (``core.plan.Session``): kind, aware start and end."""

    kind: str
    start: datetime
    end: datetime


@dataclass(frozen=True)
class PainPoint:
    """One pain diary entry: 0–10 at an aware moment."""

    at: datetime
    score: int
    #: What the person wrote with it, as typed.
    note: str | None = None


@dataclass(frozen=True)
class CareDone:
    """A care session the person did (ice, heat, …); ``end`` from the minutes logged."""

    kind: str
    start: datetime
    end: datetime | None = None
    #: What the person wrote with it, as typed.
    note: str | None = None


@dataclass(frozen=True)
class MedicineDose:
    """A medicine the person took: its name as they wrote it, and when."""

    name: str
    at: datetime
    #: What the person wrote with it, as typed (e.g. the dose: "400 mg").
    note: str | None = None


@dataclass(frozen=True)
class FiredRule:
    """One triage rule that fired: its id, level, the reason as triage words it, and the
    ids of its sources (``core.triage.Reason``)."""

    rule: str
    level: str
    text: str
    sources: tuple[str, ...] = ()
    #: The "not sure" answers it fired on.
    unsure: tuple[str, ...] = ()


@dataclass(frozen=True)
class LaterWarning:
    """A warning the diary raised after the triage (``core.diary_warnings``): at ``at`` (a
    pain entry, score ``pain``) ``status`` said ``level`` (above ``previous_level``), for
    ``rules``."""

    at: datetime
    level: str
    previous_level: str
    pain: int
    rules: Sequence[FiredRule] = ()


@dataclass(frozen=True)
class TriageSnapshot:
    """The latest triage: the answers given and the result (spec output object)."""

    at: datetime
    answers: Mapping[str, Any]
    level: str
    reasons: Sequence[Mapping[str, Any]] = ()
    #: Yes/no fields answered "not sure" (not in ``answers``): triage counted them as yes.
    unsure: Sequence[str] = ()
    #: Every rule that fired (``reasons`` as value objects; rules this knowledge no longer
    #: knows are left out, as in ``reasons``).
    rules: Sequence[FiredRule] = ()
    #: Questions skipped on purpose (off the route, or after an emergency stopped them).
    not_asked: Sequence[str] = ()
    #: The knowledge version the triage ran under.
    knowledge_version: str | None = None


@dataclass(frozen=True)
class EpisodeRecord:
    """Everything the report and the FHIR export need about one episode."""

    id: str
    onset: datetime
    tz: ZoneInfo
    ended: datetime | None = None
    trigger: str | None = None
    pain: Sequence[PainPoint] = ()
    care: Sequence[CareDone] = ()
    medicines: Sequence[MedicineDose] = ()
    triage: TriageSnapshot | None = None
    #: The checks saved earlier in the episode, before ``triage`` (the latest), oldest
    #: first: a later check never hides an earlier emergency from the doctor.
    earlier: Sequence[TriageSnapshot] = ()
    sessions: Sequence[SessionLike] = field(default_factory=tuple)
    #: Region whose words ("A&E", "ER") and numbers the report uses (``core.region``,
    #: chosen by ``source.load_episode`` from the profile); ``None``: the default region.
    region: str | None = None
    #: The person's name and date of birth, only when they gave them (the profile).
    name: str | None = None
    birth_date: date | None = None
    #: Warnings the diary raised after the triage, oldest first (``core.diary_warnings``).
    warnings: Sequence[LaterWarning] = ()


def fired_rule(reason: Any) -> FiredRule:
    """A :class:`FiredRule` from a ``core.triage.Reason`` or its ``to_dict()``."""
    d: Mapping[str, Any] = reason if isinstance(reason, Mapping) else reason.to_dict()
    return FiredRule(str(d["rule"]), str(d["level"]), str(d["text"]),
                     tuple(d.get("sources") or ()), tuple(d.get("unsure") or ()))


def export_error(field_name: str, key: str, kb: Any = None, **values: Any) -> ExportError:
    """:class:`ExportError` for ``field_name`` with exports.yaml ``errors.<key>``, its
    ``{placeholders}`` filled from ``values`` (``kb``: the loaded knowledge, else the
    default one)."""
    if kb is None:
        from backspasm.knowledge import load_knowledge

        kb = load_knowledge()
    return ExportError(field_name, str(kb.data["exports"]["errors"][key]).format(**values))


def resolve_tz(name: str, field_name: str = "time zone", kb: Any = None) -> ZoneInfo:
    """The IANA zone ``name`` or :class:`ExportError` naming the field."""
    if not isinstance(name, str) or not name or name.startswith(("/", ".")) or ".." in name:
        raise export_error(field_name, "time_zone", kb, got=repr(name))
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, IsADirectoryError):
        raise export_error(field_name, "time_zone", kb, got=repr(name)) from None

