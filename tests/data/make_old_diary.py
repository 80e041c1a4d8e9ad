"""How ``old_diary_0006.sql`` and ``old_diary_0003.sql`` were made, by the release whose
hand-written migration runner (``backspasm.store.migrations``) recorded its steps in
``schema_migrations``, before Alembic. Kept for the record; run against that release::

    python tests/data/make_old_diary.py tests/data

``old_diary_0006.sql``: every step applied, rows in every table written through the store
API. ``old_diary_0003.sql``: a diary stopped part-way, steps 0001-0003 only, rows written in
SQL (the store API of that release needed every step).

Running it today would make a database with ``alembic_version`` instead, so the committed
SQL, not this script, is what ``tests/test_store_migrations.py`` opens.
"""

from __future__ import annotations

import sqlite3
import sys
import tempfile
from collections.abc import Callable
from datetime import UTC, datetime, time, timedelta
from pathlib import Path

from backspasm.store import open_store
from backspasm.store.accounts import Accounts
from backspasm.web.journey import Journey, JourneyStore

NOW = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)


def fill(url: str) -> None:
    with open_store(url, clock=lambda: NOW) as s:
        p = s.create_profile(key="local", tz="Europe/London", wake=time(6, 30),
                             sleep=time(22, 45), region="uk", age=47)
        s.start_episode(p.id, onset=NOW - timedelta(days=9), trigger="lifting")
        s.end_episode(p.id, at=NOW - timedelta(days=5))
        s.start_episode(p.id, onset=NOW - timedelta(days=2))
        s.log_pain(p.id, score=8, at=NOW - timedelta(days=2), note="could not stand up")
        s.log_pain(p.id, score=5, at=NOW - timedelta(days=1))
        s.log_pain(p.id, score=3, at=NOW - timedelta(hours=3), note="better after a walk")
        s.log_care(p.id, kind="ice", start=NOW - timedelta(days=2), minutes=15)
        s.log_care(p.id, kind="medicine", start=NOW - timedelta(days=1), medicine="ibuprofen",
                   note="with food")
        s.log_care(p.id, kind="stretch", start=NOW - timedelta(hours=5), minutes=10)
        s.save_triage(p.id, answers={"age": 47, "fever": False, "numb_saddle": True},
                      level="emergency", rules=["cauda_equina"], knowledge_version="k-1",
                      at=NOW - timedelta(days=2), unsure=["numb_saddle"])
        s.save_triage(p.id, answers={"age": 47, "fever": False}, level="self_care", rules=[],
                      knowledge_version="k-1", at=NOW - timedelta(days=1))
        s.new_feed_token(p.id)
        accounts = Accounts(s)
        acc = accounts.create_account("ada@example.org", "$argon2id$v=19$m=65536$fake-hash",
                                      tz="Europe/Paris", region="eu")
        s.log_pain(acc.profile_id, score=6, at=NOW - timedelta(hours=1))
        accounts.new_session(acc.id, token="session-token-of-ada-0006", csrf_token="c" * 32,
                             expires_at=NOW + timedelta(days=1))
        accounts.record_signin_failure("ada@example.org|127.0.0.1", at=NOW - timedelta(hours=2))
        JourneyStore(s.engine).save("journey-key", "local",
                                    Journey(answers={"age": 47}, history=["age"]), NOW)


def part_way(url: str) -> None:
    from backspasm.store.migrations import MIGRATIONS  # type: ignore[import-not-found]
    from sqlalchemy import text

    from backspasm.store.engine import make_engine

    engine = make_engine(url)
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE schema_migrations ("
                          " id VARCHAR(100) PRIMARY KEY, applied_at VARCHAR(40) NOT NULL)"))
        for step in MIGRATIONS[:3]:
            step.apply(conn)
            conn.execute(text("INSERT INTO schema_migrations VALUES (:id, :at)"),
                         {"id": step.id, "at": NOW.isoformat()})
        for sql in (
            "INSERT INTO profiles VALUES (1, 'local', 'UTC', '07:00:00.000000',"
            " '22:00:00.000000', 'UK', 60, '2026-03-10 12:00:00.000000')",
            "INSERT INTO episodes VALUES (1, 1, '2026-03-09 08:00:00.000000', NULL, 'bending')",
            "INSERT INTO pain_entries VALUES (1, 1, '2026-03-09 09:00:00.000000', 7, 'sharp')",
            "INSERT INTO care_entries VALUES (1, 1, 'medicine', '2026-03-09 10:00:00.000000',"
            " NULL, 'paracetamol', NULL)",
            "INSERT INTO triage_records VALUES (1, 1, '2026-03-09 08:30:00.000000',"
            " '{\"age\": 60}', 'see_gp', '[\"age_over_55\"]', 'k-0')",
            "INSERT INTO feed_tokens VALUES (1, 1, '" + "f" * 64 + "',"
            " '2026-03-09 12:00:00.000000')",
            "INSERT INTO accounts VALUES (1, 'bo@example.org', '$argon2id$v=19$fake-hash-0003',"
            " 1, '2026-03-09 12:00:00.000000')",
        ):
            conn.execute(text(sql))
    engine.dispose()


def dump(fill_db: Callable[[str], None], out: Path) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "old.db"
        fill_db(f"sqlite:///{db}")
        conn = sqlite3.connect(db)
        out.write_text("\n".join(conn.iterdump()) + "\n", encoding="utf-8")
        conn.close()


if __name__ == "__main__":
    folder = Path(sys.argv[1])
    dump(fill, folder / "old_diary_0006.sql")
    dump(part_way, folder / "old_diary_0003.sql")
