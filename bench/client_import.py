"""What importing a client costs: ``python -X importtime -c "import MODULE"``, the module's
cumulative time as the interpreter reports it, median of --runs fresh processes, for each
module given (default: numlink_client; httpx+pydantic.main, the floor of any client built on
httpx and pydantic models; telnyx, the official Telnyx SDK, when it is installed). Modules are
measured in turns, so a noisy machine weighs on all of them alike.

    .venv/bin/python bench/client_import.py
    .venv/bin/python bench/client_import.py --python /path/to/other/venv/bin/python
"""

import argparse
import importlib.util
import statistics
import subprocess
import sys


def import_time_s(python: str, modules: str) -> float:
    """The cumulative import time of ``modules`` (``a+b``: both, in one interpreter) in a
    fresh interpreter, in seconds."""
    names = modules.split("+")
    run = subprocess.run(
        [python, "-X", "importtime", "-c", "; ".join(f"import {n}" for n in names)],
        capture_output=True,
        text=True,
        check=True,
    )
    total = 0
    for line in run.stderr.splitlines():
        # "import time: self [us] | cumulative | imported package"; top level: no indent
        parts = line.removeprefix("import time:").split("|")
        if len(parts) == 3 and parts[2].strip() in names and not parts[2].startswith("  "):
            total += int(parts[1])
    if not total:
        raise RuntimeError(f"no import time for {modules} in:\n{run.stderr[-500:]}")
    return total / 1e6


def installed(python: str, modules: str) -> bool:
    top = modules.split("+")[0].split(".")[0]
    if python == sys.executable:
        return importlib.util.find_spec(top) is not None
    probe = f"import importlib.util, sys; sys.exit(importlib.util.find_spec('{top}') is None)"
    return subprocess.run([python, "-c", probe]).returncode == 0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "modules", nargs="*", default=["numlink_client", "httpx+pydantic.main", "telnyx"]
    )
    parser.add_argument("--python", default=sys.executable, help="interpreter to measure")
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    modules = [m for m in args.modules if installed(args.python, m)]
    skipped = sorted(set(args.modules) - set(modules))
    samples: dict[str, list[float]] = {m: [] for m in modules}
    for _ in range(args.runs):
        for module in modules:
            samples[module].append(import_time_s(args.python, module))
    medians = {m: statistics.median(s) for m, s in samples.items()}
    for module, median in medians.items():
        runs = ", ".join(f"{s:.3f}" for s in samples[module])
        print(f"{module:20} median {median:.3f} s   runs: {runs}")
    if "numlink_client" in medians and len(medians) > 1:
        for module, median in medians.items():
            if module != "numlink_client":
                print(f"{module} / numlink_client: {median / medians['numlink_client']:.1f}x")
    for module in skipped:
        print(f"{module:20} not installed for {args.python}: not measured")


if __name__ == "__main__":
    main()
