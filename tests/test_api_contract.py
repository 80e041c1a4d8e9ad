"""The OpenAPI document says what the server enforces: schemathesis (the pinned CLI) over
``/api/openapi.json`` of the real server, in personal mode and in multi-user mode with a
signed-in session, with every check (``--checks all``) and 0 failures (issue 10).

Bounded and deterministic: ``--generation-deterministic`` and 25 examples per operation.
Rules JSON Schema cannot state are in the document and honoured by the generator hooks in
``tests/contract/schemathesis_hooks.py`` for the cases meant to be valid.
(schemathesis' own pytest plugin does not run on pytest 9, hence the CLI.)
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from serve_helpers import serving

pytestmark = pytest.mark.slow

EXAMPLES = 25
HOOKS = Path(__file__).parent / "contract"


def _schemathesis(url: str, tmp_path: Path, *headers: str) -> tuple[int, int, str]:
    """Run schemathesis; (test cases generated, failures, output)."""
    cli = Path(sys.executable).parent / "schemathesis"
    args = [str(cli), "run", f"{url}/api/openapi.json", "--checks", "all",
            "--max-examples", str(EXAMPLES), "--generation-deterministic", "--no-shrink",
            "--max-failures", "50", "--request-timeout", "30",
            "--report", "junit", "--report-dir", str(tmp_path / "report")]
    for header in headers:
        args += ["--header", header]
    env = {**os.environ, "SCHEMATHESIS_HOOKS": "schemathesis_hooks", "NO_COLOR": "1",
           "PYTHONPATH": os.pathsep.join([str(HOOKS), os.environ.get("PYTHONPATH", "")])}
    r = subprocess.run(args, capture_output=True, text=True, timeout=900, env=env,
                       cwd=tmp_path)
    out = r.stdout + r.stderr
    generated = re.search(r"(\d+) generated", out)
    failures = re.search(r"(\d+) found (\d+) unique failures", out)
    assert generated, out[-3000:]
    return int(generated.group(1)), int(failures.group(2)) if failures else 0, out


def test_personal_api_keeps_its_contract(tmp_path):
    with serving(tmp_path) as s:
        generated, failures, out = _schemathesis(s.url, tmp_path)
    print(f"\nschemathesis, personal mode: {generated} test cases, {failures} failures")
    assert failures == 0 and "passed" in out and generated >= 500, out[-6000:]


def test_multi_user_api_keeps_its_contract_with_a_session(tmp_path):
    with serving(tmp_path, "--multi-user") as s, httpx.Client(base_url=s.url) as c:
        token = re.search(r'name="csrf_token" value="([^"]+)"', c.get("/signup").text)
        r = c.post("/signup", data={"email": "ann@example.com",
                                    "password": "correct horse battery",
                                    "csrf_token": token.group(1)})
        assert r.status_code == 303
        csrf = c.get("/api/v1/session").json()["csrf_token"]
        generated, failures, out = _schemathesis(
            s.url, tmp_path, f"Cookie: bs_session={c.cookies['bs_session']}",
            f"X-CSRF-Token: {csrf}")
        # The session was used: the diary holds what schemathesis wrote.
        assert c.get("/api/v1/pain").json()["pain"], "no entry written with the session"
    print(f"\nschemathesis, multi-user mode: {generated} test cases, {failures} failures")
    assert failures == 0 and generated >= 500, out[-6000:]
