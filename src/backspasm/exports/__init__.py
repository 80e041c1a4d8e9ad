"""Ways out of backspasm: calendar reminders (ICS), the doctor's report (PDF), FHIR R4.

Each exporter is a function over plain value objects (:mod:`backspasm.exports.data`) and
the knowledge; none reads the clock or the store. :mod:`backspasm.exports.source` turns
store records into those value objects, and :func:`write_atomic` writes a file whole or
not at all.
"""

from backspasm.exports.data import (
    CareDone,
    EpisodeRecord,
    ExportError,
    MedicineDose,
    PainPoint,
    SessionLike,
    TriageSnapshot,
    resolve_tz,
    write_atomic,
)

__all__ = [
    "CareDone",
    "EpisodeRecord",
    "ExportError",
    "MedicineDose",
    "PainPoint",
    "SessionLike",
    "TriageSnapshot",
    "resolve_tz",
    "write_atomic",
]
