"""Loaded by schemathesis (``SCHEMATHESIS_HOOKS``) in ``tests/test_api_contract.py``.

Rules of the API that JSON Schema cannot state are declared in the OpenAPI document
(``x-not-after``, descriptions) and honoured here for the cases schemathesis means to be
valid: date-times are generated in the past (the server refuses the future), a body's
``onset`` is not after its ``now``, and a plan's ``wake`` is before its ``sleep``. Cases
meant to be invalid are left exactly as generated.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta, timezone

import schemathesis
from hypothesis import strategies as st

_ZONES = [UTC, timezone(timedelta(hours=5, minutes=30)), timezone(timedelta(hours=-8)),
          timezone(timedelta(hours=14)), timezone(timedelta(hours=-12))]
_PAST = st.datetimes(min_value=datetime(1900, 1, 2),
                     max_value=datetime.now() - timedelta(days=2),
                     timezones=st.sampled_from(_ZONES)).map(lambda d: d.isoformat())
schemathesis.openapi.format("date-time", _PAST)

_HHMM = re.compile(r"([01][0-9]|2[0-3]):[0-5][0-9]")
#: Fields that may not be in the future (``x-not-after``).
_NOT_FUTURE = ("at", "onset", "start")


def _when(value: object) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    return parsed if parsed.tzinfo is not None else None


@schemathesis.hook
def map_case(context, case):
    meta, body = case.meta, case.body
    if meta is None or not meta.generation.mode.is_positive or not isinstance(body, dict):
        return case
    latest = datetime.now(UTC) - timedelta(days=1)
    for name in _NOT_FUTURE:
        when = _when(body.get(name))
        if when is not None and when > latest:
            body[name] = latest.isoformat()
    onset, now = _when(body.get("onset")), _when(body.get("now"))
    if onset is not None and now is not None and onset > now:
        body["onset"], body["now"] = body["now"], body["onset"]
    wake, sleep = body.get("wake"), body.get("sleep")
    if (isinstance(wake, str) and isinstance(sleep, str) and _HHMM.fullmatch(wake)
            and _HHMM.fullmatch(sleep) and wake == sleep):
        body["wake"], body["sleep"] = "07:00", "22:00"
    return case
