"""Errors raised by the diary store. Each names the field and what was expected."""

from __future__ import annotations


class StoreError(ValueError):
    """Bad input or a state conflict; nothing was written.

    ``field`` names the input at fault, ``expected`` says what would have been right.
    ``str(err)`` is a plain message for the user.
    """

    def __init__(self, field: str, expected: str, got: object = None) -> None:
        self.field = field
        self.expected = expected
        self.got = got
        message = f"{field}: expected {expected}"
        if got is not None:
            message += f", got {got!r}" if not isinstance(got, str) else f", got {got}"
        super().__init__(message)


class NotFoundError(StoreError):
    """The record does not exist for this profile (records of other profiles count as absent)."""


class ConflictError(StoreError):
    """The request clashes with what is stored (e.g. a second open episode)."""


class ImportFormatError(StoreError):
    """An import document is malformed; nothing was imported."""


class DatabaseError(RuntimeError):
    """The database could not be opened or used (not the user's input)."""


class NotADatabaseError(DatabaseError):
    """The SQLite path names something that is not a database (the user's input: ``--db``).
    Nothing was changed; ``str()`` names the file."""


__all__ = ["StoreError", "NotFoundError", "ConflictError", "ImportFormatError", "DatabaseError",
           "NotADatabaseError"]
