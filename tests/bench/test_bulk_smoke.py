"""The bulk benchmark's smoke (``bench/bulk_smoke.py``), run as a process one section at a
time against the test database server: every check it makes must pass."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.database import DatabaseServer

REPO_ROOT = Path(__file__).resolve().parents[2]
# each section and the number of checks it makes
SECTIONS = {"numbers": 2, "record": 8, "propagation": 5, "memory": 3, "loop": 3, "list": 7}


@pytest.mark.parametrize("section", list(SECTIONS))
def test_section_measures_what_it_claims(server: DatabaseServer, section: str) -> None:
    environment = {**os.environ, "DATABASE_URL": server.admin_url}
    run = subprocess.run(
        [sys.executable, "bench/bulk_smoke.py", "--only", section],
        cwd=REPO_ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    lines = run.stdout.splitlines()
    checks = [line for line in lines if line.startswith(("ok ", "FAIL "))]
    assert len(checks) == SECTIONS[section], run.stdout
    assert all(line.startswith(f"ok   {section}: ") for line in checks), run.stdout
    assert lines[-1] == f"{SECTIONS[section]} checks, 0 failed", run.stdout
