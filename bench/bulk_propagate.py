"""Sections (b), (c) and (d) of the bulk benchmark: propagation to the fake Telnyx.

(b) live numbers bulk-attached through ``numlink api`` and propagated by ``numlink worker``
    processes to a fake that enforces a rate limit: throughput against that limit;
(c) one worker's peak memory while a million numbers wait to be propagated;
(d) the provider guide's loop (one POST per number, then sleep 0.5 s) on the same fake.
"""

import time
from dataclasses import dataclass, field
from typing import Any

import httpx
import orjson

from bench.bulk_world import (
    FAKE_KEY,
    api_process,
    connect,
    fake_telnyx,
    fresh_database,
    memory_kb,
    number_at,
    scalar,
    seed_numbers,
    seed_tenant,
    worker_env,
    worker_processes,
)
from tests.support.faults import fake_state

POLL_S = 0.5
GUIDE_PATH = "/10dlc/phone_number_campaigns"  # the guide's "phoneNumberCampaign" resource


@dataclass
class Sample:
    at_s: float  # since the bulk POST was sent
    requests: int  # every request the fake has received
    propagated: int


@dataclass
class PropagationResult:
    numbers: int
    limit: float  # the fake's enforced requests/s
    worker_rate: float  # NUMLINK_TELNYX_RATE_PER_S
    workers: int
    seconds: float = 0.0  # from the bulk POST until every number is propagated
    propagated: int = 0
    mismatched: list[str] = field(default_factory=list)  # rows that differ from the fake
    requests: int = 0
    violations: int = 0  # 429s for exceeding the fake's limit
    samples: list[Sample] = field(default_factory=list)

    def steady(self) -> tuple[float, float]:
        """(seconds, requests) between 10% and 90% of all the requests: start-up and tail
        left out. The whole run when that window is too short to measure."""
        low, high = self._crossing(0.1 * self.requests), self._crossing(0.9 * self.requests)
        if low is None or high is None or high - low < 4 * POLL_S:
            return self.seconds, self.requests
        return high - low, 0.8 * self.requests

    def _crossing(self, requests: float) -> float | None:
        """When the fake had received ``requests``, interpolated between samples."""
        previous = None
        for sample in self.samples:
            if sample.requests >= requests:
                if previous is None or sample.requests == previous.requests:
                    return sample.at_s
                share = (requests - previous.requests) / (sample.requests - previous.requests)
                return previous.at_s + share * (sample.at_s - previous.at_s)
            previous = sample
        return None

    @property
    def requests_per_s(self) -> float:
        seconds, requests = self.steady()
        return requests / seconds

    @property
    def links_per_s(self) -> float:
        """End to end: numbers propagated over the time from the POST to the last one."""
        return self.propagated / self.seconds

    @property
    def fraction_of_limit(self) -> float:
        return self.requests_per_s / self.limit


def run_propagation(
    server_url: str | None,
    numbers: int,
    limit: float,
    rate_fraction: float = 1.0,
    workers: int = 2,
    settle_s: float = 0.5,
    confirm_poll_s: float = 1.0,
    timeout_s: float | None = None,
) -> PropagationResult:
    worker_rate = limit * rate_fraction
    result = PropagationResult(numbers, limit, worker_rate, workers)
    timeout_s = timeout_s or 120 + 4 * numbers / limit
    with fresh_database(server_url) as url, fake_telnyx(limit, settle_s) as fake_url:
        tenant = seed_tenant(url, "live", "telnyx")
        seed_numbers(tenant, 0, numbers)
        env = worker_env(fake_url, worker_rate, confirm_poll_s)
        # the workers start while the API does, so they are polling when the POST lands;
        # the API checks, on a live attach, that the provider account is configured
        with worker_processes(url, env, workers), api_process(url, env) as base:
            body = orjson.dumps({"numbers": [number_at(i) for i in range(numbers)]})
            started = time.monotonic()
            response = httpx.post(
                base + tenant.bulk_path, content=body, headers=tenant.headers, timeout=600
            )
            if response.status_code != 202:
                raise RuntimeError(f"bulk attach: {response.status_code} {response.text}")
            while True:
                state = fake_state(fake_url)
                done, scheduled = _progress(url)
                at_s = time.monotonic() - started
                result.samples.append(Sample(at_s, _requests(state), done))
                if done == numbers or not scheduled or at_s > timeout_s:
                    result.seconds = at_s
                    break
                time.sleep(POLL_S)
        state = fake_state(fake_url)
        result.requests = _requests(state)
        result.violations = int(state["rate_limit_violations"])
        result.propagated, result.mismatched = _compare(tenant.url, state, tenant.campaign_ref)
    return result


def _progress(url: str) -> tuple[int, int]:
    """(numbers propagated, numbers with work still scheduled)."""
    with connect(url) as conn:
        row = conn.execute(
            "SELECT count(*) FILTER (WHERE carrier_line_option_status = 'propagated'),"
            " count(*) FILTER (WHERE next_attempt_at IS NOT NULL) FROM phone_numbers"
        ).fetchone()
    assert row is not None
    return int(row[0]), int(row[1])


def _requests(state: dict[str, Any]) -> int:
    return sum(state["stats"]["requests"].values())


def _compare(url: str, state: dict[str, Any], ref: str) -> tuple[int, list[str]]:
    """Numbers whose row and the fake's record disagree (propagated ⇔ ASSIGNED to ``ref``)."""
    held = state["assignments"]
    with connect(url) as conn:
        rows = conn.execute(
            "SELECT number, carrier_line_option_status, linked_campaign_ref FROM phone_numbers"
        ).fetchall()
    mismatched = []
    for number, status, linked in rows:
        at_provider = held.get(number, {})
        assigned = at_provider.get("assignmentStatus") == "ASSIGNED"
        linked_here = status == "propagated" and linked == ref
        if assigned != linked_here or (assigned and at_provider.get("campaignId") != ref):
            mismatched.append(number)
    return sum(1 for r in rows if r[1] == "propagated"), mismatched


@dataclass
class MemoryResult:
    pending: int
    seconds: float
    idle_hwm_mb: float  # peak of a worker with nothing to do (the baseline)
    peak_hwm_mb: float  # peak while the pending numbers are being worked through
    last_rss_mb: float
    submitted: int  # numbers whose link the fake accepted within ``seconds``
    propagated: int  # numbers confirmed ASSIGNED within ``seconds``
    rss_mb: list[float] = field(default_factory=list)  # sampled every POLL_S


def run_memory(
    server_url: str | None, pending: int, seconds: float, limit: float = 5000.0, idle_s: float = 3.0
) -> MemoryResult:
    """One worker for ``seconds`` on ``pending`` numbers, against a fake with a high limit."""
    with fresh_database(server_url) as url, fake_telnyx(limit, settle_s=0.5) as fake_url:
        env = worker_env(fake_url, limit, confirm_poll_s=1.0)
        tenant = seed_tenant(url, "live", "telnyx")
        with worker_processes(url, env, 1) as (pid,):
            time.sleep(idle_s)  # imported, connected, idle
            idle = memory_kb(pid)["VmHWM"] / 1024
        seed_numbers(tenant, 0, pending, pending=True)
        result = MemoryResult(pending, seconds, idle, 0.0, 0.0, 0, 0)
        with worker_processes(url, env, 1) as (pid,):
            # the clock starts once the worker is at work (start-up is slow on a busy machine)
            waited = time.monotonic()
            while not fake_state(fake_url)["stats"]["requests"].get("POST assignments"):
                if time.monotonic() - waited > 120:
                    raise RuntimeError("the worker sent nothing within 120 s")
                time.sleep(0.1)
            deadline = time.monotonic() + seconds
            memory = memory_kb(pid)
            while time.monotonic() < deadline:
                time.sleep(POLL_S)
                memory = memory_kb(pid)
                result.rss_mb.append(memory["VmRSS"] / 1024)
            # VmHWM is kept lazily and can trail a sampled VmRSS by a few pages
            result.peak_hwm_mb = max(memory["VmHWM"] / 1024, *result.rss_mb)
            result.last_rss_mb = memory["VmRSS"] / 1024
        result.propagated, _ = _progress(url)
        result.submitted = scalar(
            url, "SELECT count(*) FROM phone_numbers WHERE linked_campaign_ref IS NOT NULL"
        )
    return result


@dataclass
class LoopResult:
    numbers: int
    sleep_s: float
    seconds: float
    succeeded: int  # 200/201 answers
    assigned: int  # numbers the fake holds as ASSIGNED to the campaign afterwards
    violations: int

    @property
    def per_number_s(self) -> float:
        return self.seconds / self.numbers


def run_guide_loop(numbers: int, limit: float, settle_s: float, sleep_s: float = 0.5) -> LoopResult:
    """The guide's bulk-assignment loop, verbatim in shape: one POST per number, its answer
    checked, then ``sleep_s``; no status follow-up (the guide has none)."""
    campaign = "C-GUIDE"
    with fake_telnyx(limit, settle_s) as fake_url:
        headers = {"Authorization": f"Bearer {FAKE_KEY}", "Content-Type": "application/json"}
        succeeded = 0
        started = time.monotonic()
        with httpx.Client(timeout=30) as client:
            for index in range(numbers):
                try:
                    response = client.post(
                        fake_url + GUIDE_PATH,
                        headers=headers,
                        json={"phoneNumber": number_at(index), "campaignId": campaign},
                    )
                    succeeded += response.status_code in (200, 201)
                except httpx.HTTPError:
                    pass  # counted as failed, as the guide does
                time.sleep(sleep_s)
        seconds = time.monotonic() - started
        time.sleep(settle_s)
        state = fake_state(fake_url)
    held = state["assignments"].values()
    assigned = sum(1 for a in held if a == {"campaignId": campaign, "assignmentStatus": "ASSIGNED"})
    violations = int(state["rate_limit_violations"])
    return LoopResult(numbers, sleep_s, seconds, succeeded, assigned, violations)
