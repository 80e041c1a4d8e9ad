"""Health data is readable by its owner only (issue 10, finding 3): the data folder 0700,
the database and its -wal/-shm 0600 (new or existing), exported files 0600."""

from __future__ import annotations

import os
import sqlite3
import stat
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from serve_helpers import serving


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def _cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "backspasm", *args], capture_output=True,
                          text=True, timeout=60, env={**os.environ, **(env or {})})


def _files(db: Path) -> list[Path]:
    return [p for p in (db, Path(f"{db}-wal"), Path(f"{db}-shm")) if p.exists()]


@pytest.mark.slow
def test_the_server_keeps_the_default_data_folder_and_database_private(tmp_path):
    """No --db: the diary goes in the data folder (XDG_DATA_HOME here), under umask 022."""
    env = {"XDG_DATA_HOME": str(tmp_path / "xdg"), "BACKSPASM_DATABASE_URL": ""}
    old = os.umask(0o022)
    try:
        with serving(tmp_path, db="", env=env) as s:
            assert httpx.post(s.url + "/api/v1/pain", json={"score": 3}).status_code == 201
            folder = tmp_path / "xdg" / "backspasm"
            db = folder / "backspasm.db"
            assert _mode(folder) == 0o700
            files = _files(db)
            assert len(files) == 3, files  # the server holds the WAL open
            assert {p.name: _mode(p) for p in files} == {p.name: 0o600 for p in files}
    finally:
        os.umask(old)


@pytest.mark.slow
def test_existing_files_are_made_private_when_the_server_opens_them(tmp_path):
    db = tmp_path / "old.db"
    assert _cli("log", "pain", "4", "--db", str(db)).returncode == 0
    with sqlite3.connect(db) as conn:  # leave a -wal behind, world-readable
        conn.execute("PRAGMA journal_mode=WAL")
    for p in _files(db):
        p.chmod(0o644)
    with serving(tmp_path, db=str(db)) as s:
        assert httpx.post(s.url + "/api/v1/pain", json={"score": 3}).status_code == 201
        assert {p.name: _mode(p) for p in _files(db)} == {p.name: 0o600 for p in _files(db)}


def test_a_db_path_the_cli_creates_is_private(tmp_path):
    shared = tmp_path / "shared"
    shared.mkdir(mode=0o755)
    shared.chmod(0o755)
    db = shared / "new" / "deeper" / "diary.db"
    old = os.umask(0o022)
    try:
        assert _cli("log", "pain", "4", "--db", str(db)).returncode == 0
    finally:
        os.umask(old)
    assert _mode(db.parent) == _mode(db.parent.parent) == 0o700
    assert _mode(db) == 0o600
    assert _mode(shared) == 0o755  # a folder that was there already is left alone


@pytest.mark.parametrize("args", [["export", "--json"], ["export", "ics"],
                                  ["export", "fhir"]])
def test_exported_files_are_private(tmp_path, args):
    db = str(tmp_path / "d.db")
    assert _cli("episode", "start", "--db", db).returncode == 0
    out = tmp_path / "out.file"
    out.write_text("old")
    out.chmod(0o644)
    r = _cli(*args, str(out), "--db", db)
    assert r.returncode == 0, r.stderr
    assert _mode(out) == 0o600 and out.read_text() != "old"
