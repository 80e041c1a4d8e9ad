"""The request dependencies: the cheap ones run on the event loop (``async def``: a plain
``def`` costs a worker-thread hop per request), the worker threads are capped, and a page
reads the person's profile once."""

from __future__ import annotations

import inspect

import anyio.to_thread
import pytest

from backspasm.web import deps
from backspasm.web.app import WORKER_THREADS
from backspasm.web.auth import guard
from web_helpers import make_client


@pytest.mark.parametrize("dependency", [deps.get_kb, deps.get_now, deps.get_profile_id,
                                        deps.get_optional_profile_id, guard])
def test_cheap_dependencies_are_coroutines(dependency):
    assert inspect.iscoroutinefunction(dependency)


def test_the_worker_thread_limit_is_set_at_start_up(tmp_path):
    with make_client(tmp_path) as client:  # runs the lifespan
        assert client.get("/").status_code == 200

        async def tokens() -> float:
            return anyio.to_thread.current_default_thread_limiter().total_tokens

        assert client.portal.call(tokens) == WORKER_THREADS < 40


@pytest.mark.parametrize("path", ["/", "/plan", "/learn", "/timer/ice"])
def test_a_page_reads_the_profile_once(tmp_path, path):
    client = make_client(tmp_path)
    client.post("/plan/onset", data={"hours": "30"})
    store = client.app.state.store
    calls: list[int] = []
    read = store.get_profile

    def counted(profile_id, *a, **kw):
        calls.append(profile_id)
        return read(profile_id, *a, **kw)

    store.get_profile = counted
    assert client.get(path).status_code == 200
    assert len(calls) == 1, calls


def test_personal_mode_creates_the_local_profile_on_first_use(tmp_path):
    client = make_client(tmp_path)
    assert getattr(client.app.state, "local_profile_id", None) is None
    assert client.get("/plan").status_code == 200
    assert client.app.state.local_profile_id is not None
