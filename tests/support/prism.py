"""A Prism mock server of Telnyx's OpenAPI spec, for contract tests.

Prism (run with ``--errors``) answers from the spec's examples and refuses, with 4xx, any
request the spec does not allow: a wrong path, body, query or missing credentials. It serves
the spec's paths at its root, so its URL stands in for ``https://api.telnyx.com/v2``.
``prism_proxy`` runs it as a validating proxy in front of a stateful fake instead.
"""

import os
import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
from typing import NoReturn

import pytest

PRISM_PACKAGE = "@stoplight/prism-cli@5.16.0"
REPO_ROOT = Path(__file__).resolve().parents[2]
TELNYX_SPEC = REPO_ROOT.parent / "shared" / "specs" / "telnyx" / "10dlc.yml"
# The first run downloads Prism through npx; later runs start in a few seconds.
START_TIMEOUT_S = 60.0


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def _listening(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return True
    except OSError:
        return False


def _unavailable(reason: str) -> NoReturn:
    # CI must run the contract, so there a missing tool is a failure, not a skip.
    if os.environ.get("CI"):
        pytest.fail(f"Prism contract tests cannot run: {reason}")
    pytest.skip(reason)


def _stop(process: subprocess.Popen[bytes]) -> None:
    """npx starts Prism as a grandchild: signal the whole process group."""
    for sig, wait_s in ((signal.SIGTERM, 5.0), (signal.SIGKILL, 5.0)):
        try:
            os.killpg(process.pid, sig)
        except ProcessLookupError:
            break
        try:
            process.wait(timeout=wait_s)
            break
        except subprocess.TimeoutExpired:
            continue


@contextmanager
def _running_prism(mode: list[str], log_dir: Path) -> Iterator[str]:
    """Prism in ``mode`` (``["mock"]`` or ``["proxy", upstream]``) on a free port, validating
    against the Telnyx spec with ``--errors``; yields its base URL and stops it afterwards."""
    npx = shutil.which("npx")
    if npx is None or shutil.which("node") is None:
        _unavailable("node/npx is not installed (needed to run Prism)")
    if not TELNYX_SPEC.is_file():
        _unavailable(f"the Telnyx spec is missing ({TELNYX_SPEC.name} in ../shared/specs)")
    port = _free_port()
    log_path = log_dir / f"prism-{mode[0]}-{port}.log"
    command, extra = mode[0], mode[1:]
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [npx, "--yes", PRISM_PACKAGE, command, "-h", "127.0.0.1", "-p", str(port),
             "--errors", str(TELNYX_SPEC), *extra],
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group, so _stop reaches every child
        )  # fmt: skip
    try:
        deadline = time.monotonic() + START_TIMEOUT_S
        while not _listening(port):
            if process.poll() is not None:
                pytest.fail(f"Prism exited ({process.returncode}):\n{_tail(log_path)}")
            if time.monotonic() > deadline:
                waited = f"Prism did not listen within {START_TIMEOUT_S:.0f}s"
                pytest.fail(f"{waited}:\n{_tail(log_path)}")
            time.sleep(0.2)
        yield f"http://127.0.0.1:{port}"
    finally:
        _stop(process)


@pytest.fixture(scope="session")
def prism_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Base URL of a Prism mock of the Telnyx 10DLC spec, started once for the whole test run."""
    with _running_prism(["mock"], tmp_path_factory.mktemp("prism")) as url:
        yield url


def prism_proxy(upstream: str, log_dir: Path) -> AbstractContextManager[str]:
    """Prism as a validating proxy in front of ``upstream`` (a Telnyx stand-in, its URL ending
    in /v2 like Telnyx's own). Requests go to the proxy's root, as to the mock's; Prism checks
    each request and each upstream answer against the spec and, with ``--errors``, replaces a
    violating one by an ``application/problem+json`` error (4xx for a request, 500 for an
    answer). Lesser violations pass with an ``sl-violations`` header."""
    return _running_prism(["proxy", upstream], log_dir)


def _tail(log_path: Path, lines: int = 30) -> str:
    return "\n".join(log_path.read_text(errors="replace").splitlines()[-lines:])
