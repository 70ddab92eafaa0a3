"""Prism's proxy (``--errors``) in front of the fake Telnyx, with a recorder in front of it
that keeps Prism's verdicts: what every Telnyx proxy test runs numlink against."""

import http.client
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from tests.providers.telnyx.fake_server import FakeTelnyx
from tests.support.live import RecordingProxy
from tests.support.prism import prism_proxy


@dataclass(frozen=True)
class Violation:
    method: str
    path: str
    status: int
    report: str  # Prism's sl-violations header, or its problem+json body


class SpecCheckedProxy(RecordingProxy):
    """A recorder in front of Prism that also keeps Prism's verdicts: with ``--errors`` an
    error-level violation comes back as ``application/problem+json`` (4xx for the request, 500
    for the fake's answer), a lesser one in an ``sl-violations`` header on the real answer."""

    def __init__(self, prism_url: str) -> None:
        super().__init__(prism_url)
        self.violations: list[Violation] = []

    def observe(
        self, method: str, path: str, answer: http.client.HTTPResponse, payload: bytes
    ) -> None:
        reported = answer.getheader("sl-violations")
        content_type = answer.getheader("content-type") or ""
        if reported or content_type.startswith("application/problem+json"):
            report = reported or payload.decode(errors="replace")
            self.violations.append(Violation(method, path, answer.status, report))

    def clear(self) -> None:
        super().clear()
        with self._lock:
            self.violations.clear()


@contextmanager
def spec_checked(fake: FakeTelnyx, log_dir: Path) -> Iterator[SpecCheckedProxy]:
    """The recorder in front of Prism in front of ``fake``; numlink's Telnyx base URL is the
    recorder's root (Prism serves the spec's paths there, the fake's under /v2, as Telnyx's
    own https://api.telnyx.com/v2)."""
    with prism_proxy(fake.base_url, log_dir) as prism_url:
        recorder = SpecCheckedProxy(prism_url)
        with recorder:
            yield recorder
