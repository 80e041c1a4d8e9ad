"""Pain scores logged while offline and sent later by the service worker (static/sw.js).

The worker adds ``logged_at`` to the Diary's pain form: the moment the person pressed
"Save", to the millisecond, in RFC 3339. It is both the entry's time (a score logged at
07:12 and sent at 09:00 is pain at 07:12) and the request's idempotency key: a pain entry
of the same profile already at exactly that moment means the request was sent before (a
retry after a lost answer, or a queue sent twice), and nothing new is written. A phone
whose clock is ahead of the server's (by at most a minute) gets its score at the server's
"now"; a second copy of it is then recognised by its score within the two minutes before.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from backspasm.core.answers import parse_datetime
from backspasm.store import Store

#: A queued score older than this is refused (the worker then drops it).
MAX_AGE = timedelta(hours=12)


def logged_at(value: str, now: datetime) -> datetime | None:
    """The ``logged_at`` field: empty → ``now``; an RFC 3339 time in the last 12 hours and
    not in the future (a minute of clock skew allowed) → that time; else ``None``."""
    value = value.strip()[:64]
    if not value:
        return now
    at = parse_datetime(value)
    if at is None or at > now + timedelta(minutes=1) or at < now - MAX_AGE:
        return None
    return at


def already_logged(store: Store, profile_id: int, at: datetime, score: int,
                   now: datetime) -> bool:
    """True if this score was logged before: a pain entry of the profile at exactly ``at``
    (the idempotency key), or, for a time ahead of ``now``, the same score in the two
    minutes before ``now``."""
    if at > now:
        near = store.pain_entries(profile_id, since=now - timedelta(minutes=2),
                                  until=now + timedelta(milliseconds=1))
        return any(entry.score == score for entry in near)
    near = store.pain_entries(profile_id, since=at, until=at + timedelta(milliseconds=1))
    return any(entry.at == at for entry in near)
