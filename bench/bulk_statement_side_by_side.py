"""Two versions of the 100,000-number bulk attach statement side by side: one database, the
versions alternating round by round, each run in a transaction that is rolled back, the tables
vacuumed before every run (as autovacuum would), so the machine's load weighs on both alike.

    .venv/bin/python bench/bulk_statement_side_by_side.py BASE.sql [NEW.sql] \\
        [--base-setup SETUP.sql] [--new-setup SETUP.sql] --rounds 5 --numbers 100000

BASE.sql / NEW.sql: the statement's text (``app.links.statements.BULK[("attach", "numbers")]``
written out by a revision); NEW defaults to this revision's. A setup file holds statements run
first in that version's transaction, separated by lines holding only ``;;`` (e.g. the
constraints or trigger an older schema had); they are rolled back with it. Uses DATABASE_URL's
server or an embedded one.
"""

import argparse
import os
import statistics
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from app.bulk.service import item_arrays
from app.links.statements import BULK
from bench.bulk_world import (
    Tenant,
    connect,
    fresh_database,
    number_at,
    seed_numbers,
    seed_tenant,
    start_bulk_attach,
)


@dataclass
class Version:
    name: str
    statement: str
    setup: list[str]
    seconds: list[float] = field(default_factory=list)


def _setup(path: Path | None) -> list[str]:
    if path is None:
        return []
    return [part for part in path.read_text().split("\n;;\n") if part.strip()]


def run_once(tenant: Tenant, version: Version, arrays: dict[str, list[object]], n: int) -> None:
    with connect(tenant.url, autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE phone_numbers, bulk_task_items, events")
    with connect(tenant.url) as conn:
        for statement in version.setup:
            conn.execute(statement)
        params = start_bulk_attach(conn, tenant, arrays, n)
        started = time.perf_counter()
        answer = conn.execute(version.statement, params).fetchall()
        version.seconds.append(time.perf_counter() - started)
        conn.rollback()
    if dict((str(o), int(c)) for o, c in answer) != {"CHANGED": n}:
        raise RuntimeError(f"{version.name}: unexpected answer {answer}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("base", type=Path)
    parser.add_argument("new", type=Path, nargs="?")
    parser.add_argument("--base-setup", type=Path)
    parser.add_argument("--new-setup", type=Path)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--numbers", type=int, default=100_000)
    args = parser.parse_args()
    versions = [
        Version("base", args.base.read_text(), _setup(args.base_setup)),
        Version(
            "new",
            args.new.read_text() if args.new else BULK[("attach", "numbers")],
            _setup(args.new_setup),
        ),
    ]
    arrays = item_arrays("numbers", [number_at(i) for i in range(args.numbers)])
    with fresh_database(os.environ.get("DATABASE_URL")) as url:
        tenant = seed_tenant(url, "test", "sandbox")
        seed_numbers(tenant, 0, args.numbers)
        for round_ in range(args.rounds):
            for version in versions if round_ % 2 == 0 else versions[::-1]:
                run_once(tenant, version, arrays, args.numbers)
                print(f"round {round_ + 1} {version.name}: {version.seconds[-1]:.2f} s", flush=True)
    base, new = (statistics.median(v.seconds) for v in versions)
    for version in versions:
        runs = ", ".join(f"{s:.2f}" for s in version.seconds)
        print(f"{version.name}: median {statistics.median(version.seconds):.2f} s ({runs})")
    print(f"new/base {new / base:.3f}")


if __name__ == "__main__":
    main()
