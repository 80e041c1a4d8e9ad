"""Shared fixtures: a fresh diary database per test, on SQLite and on PostgreSQL.

``db_url`` is parametrised: each test that uses it (or ``store``) runs once on a SQLite
file in a temporary directory and once on PostgreSQL in a schema of its own, so tests of
other engineers running against the same server at the same time never meet ours.
PostgreSQL: ``$BACKSPASM_TEST_POSTGRES_URL`` or ``127.0.0.1:5432`` database ``test``.
Unreachable server: the PostgreSQL runs are skipped with a clear reason, except when
``CI=true``, where they fail — CI cannot pass without them.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from functools import lru_cache

import pytest
from hypothesis import settings

# CI runs the property tests with a fixed seed, so a landing never depends on luck; local
# runs keep exploring new examples (and keep the failures they find in .hypothesis/).
settings.register_profile("ci", derandomize=True, deadline=None, print_blob=True)
if os.environ.get("CI") == "true":
    settings.load_profile("ci")

DEFAULT_PG_URL = "postgresql+psycopg://@127.0.0.1:5432/test"


@pytest.fixture(autouse=True, scope="session")
def _never_the_users_diary(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """Tests (and the processes they start) never write to the real diary: the default
    database, data folder and cache folder point into a temporary directory for the whole
    session."""
    base = tmp_path_factory.mktemp("userdata")
    saved = {k: os.environ.get(k) for k in ("BACKSPASM_DATABASE_URL", "XDG_DATA_HOME",
                                            "XDG_CACHE_HOME")}
    os.environ["BACKSPASM_DATABASE_URL"] = f"sqlite:///{base / 'default-diary.db'}"
    os.environ["XDG_DATA_HOME"] = str(base)
    os.environ["XDG_CACHE_HOME"] = str(base / "cache")  # the compiled knowledge
    yield
    for k, v in saved.items():
        if v is None:
            os.environ.pop(k, None)
        else:
            os.environ[k] = v


def postgres_base_url() -> str:
    return os.environ.get("BACKSPASM_TEST_POSTGRES_URL", DEFAULT_PG_URL)


@lru_cache(maxsize=1)
def _postgres_problem() -> str | None:
    """None when the server answers; else why it cannot be used."""
    from sqlalchemy import create_engine, text

    try:
        engine = create_engine(postgres_base_url(), connect_args={"connect_timeout": 3})
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        engine.dispose()
    except Exception as exc:
        return f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}"
    return None


def require_postgres() -> None:
    """Skip (or, with CI=true, fail) when the PostgreSQL server cannot be reached."""
    problem = _postgres_problem()
    if problem is None:
        return
    message = f"PostgreSQL at {postgres_base_url()} is unreachable ({problem})"
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(message + " and CI=true: the PostgreSQL tests must run in CI")
    pytest.skip(message + "; set BACKSPASM_TEST_POSTGRES_URL to run these tests")


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """A URL whose connections use a fresh, empty schema; the schema is dropped after."""
    require_postgres()
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    schema = f"bs_test_{uuid.uuid4().hex[:16]}"
    admin = create_engine(postgres_base_url())
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    url = make_url(postgres_base_url())
    if url.drivername == "postgresql":
        url = url.set(drivername="postgresql+psycopg")
    url = url.update_query_dict({"options": f"-csearch_path={schema}"})
    try:
        yield url.render_as_string(hide_password=False)
    finally:
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture
def sqlite_url(tmp_path) -> str:
    return f"sqlite:///{tmp_path / 'diary.db'}"


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest) -> str:
    """A fresh, empty database: once SQLite, once PostgreSQL."""
    name = "sqlite_url" if request.param == "sqlite" else "postgres_url"
    return request.getfixturevalue(name)


@pytest.fixture
def store(db_url: str) -> Iterator[object]:
    """An open, migrated :class:`backspasm.store.Store` on ``db_url``."""
    from backspasm.store import open_store

    s = open_store(db_url)
    try:
        yield s
    finally:
        s.close()
