"""Two versions of the attach statement side by side: same database, same connection,
alternating blocks, so the machine's load weighs on both alike.

    .venv/bin/python bench/statement_side_by_side.py BASE.sql [NEW.sql] --blocks 40 --size 250

BASE.sql / NEW.sql: the statement's text (e.g. ``app.links.statements.ATTACH.lean`` written out by
another revision); NEW defaults to this revision's. Uses DATABASE_URL's server or an embedded one.
"""

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

import psycopg

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from app.links.statements import ATTACH
from bench.setup import create_database, drop_database, libpq, seed


def per_call_us(conn: psycopg.Connection, statement: str, params: list[dict[str, object]]) -> float:
    start = time.perf_counter()
    for p in params:
        conn.execute(statement, p, prepare=True)
    return (time.perf_counter() - start) / len(params) * 1e6


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("base", type=Path)
    parser.add_argument("new", type=Path, nargs="?")
    parser.add_argument("--blocks", type=int, default=40)
    parser.add_argument("--size", type=int, default=250)
    args = parser.parse_args()
    versions = {
        "base": args.base.read_text(),
        "new": args.new.read_text() if args.new else ATTACH.lean,
    }
    url = create_database(os.environ.get("DATABASE_URL"))
    try:
        world = seed(url, numbers=1)
        params: list[dict[str, object]] = [
            {
                "org_id": world.org_id,
                "mode": "test",
                "number_id": world.numbers[0],
                "campaign_id": world.campaigns[i % 2],  # a change each time: the update path
            }
            for i in range(args.size)
        ]
        with psycopg.connect(libpq(url), autocommit=True) as conn:
            times: dict[str, list[float]] = {"base": [], "new": []}
            for block in range(args.blocks):
                order = ("base", "new") if block % 2 == 0 else ("new", "base")
                for name in order:
                    times[name].append(per_call_us(conn, versions[name], params))
        base, new = (statistics.median(times[k]) for k in ("base", "new"))
        print(
            f"median per statement: base {base:.0f} us, new {new:.0f} us, new/base {new / base:.3f}"
        )
    finally:
        drop_database(url)


if __name__ == "__main__":
    main()
