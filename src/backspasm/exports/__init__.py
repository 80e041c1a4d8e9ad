"""Ways out of backspasm: calendar reminders (ICS), the doctor's report (PDF), FHIR R4.

Each exporter is a function over plain value objects (:mod:`backspasm.exports.data`) and
the knowledge; none reads the clock or the store. :mod:`backspasm.exports.source` turns
store records into those value objects. Writing the file is the door's job
(:func:`backspasm.cli.files.write_atomic`).
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
]
