"""The inventory benchmark (``bench/inventory.py``) at a small size, run as a process against
the test database server: every correctness check it makes must pass (timings at this size
say nothing, so its time goals are not asserted here)."""

import os
import subprocess
import sys
from pathlib import Path

from tests.support.database import DatabaseServer

REPO_ROOT = Path(__file__).resolve().parents[2]
TIMED = ("within 10 % of the rate-limit floor", "under 10 s")


def test_the_benchmark_measures_what_it_claims(server: DatabaseServer) -> None:
    environment = {**os.environ, "DATABASE_URL": server.admin_url}
    run = subprocess.run(
        [sys.executable, "bench/inventory.py", "--numbers", "1200", "--rate", "200",
         "--audit-rate", "400"],
        cwd=REPO_ROOT, env=environment, capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    lines = run.stdout.splitlines()
    checks = [line for line in lines if line.startswith(("ok ", "FAIL "))]
    assert len(checks) == 9, run.stdout + run.stderr
    untimed = [line for line in checks if not line.endswith(TIMED)]
    assert untimed and all(line.startswith("ok ") for line in untimed), run.stdout
    assert lines[-1].startswith("9 checks, "), run.stdout
