"""The numlink API as the ``bulk`` commands use it: envelopes unwrapped, errors raised as
``ApiError``, and the waits a long run needs (rate limits, a run of the same chunk still being
recorded)."""

import time
from typing import Any

import httpx

from providers.http import retry_after_s

TRANSPORT_ATTEMPTS = 3
RATE_LIMIT_ATTEMPTS = 20


class ApiError(Exception):
    """The gateway refused or could not be reached; shown as ``error: CODE: message``."""

    def __init__(self, message: str, code: str | None = None) -> None:
        super().__init__(message)
        self.code, self.message = code, message

    def __str__(self) -> str:
        return f"{self.code}: {self.message}" if self.code else self.message


class Gateway:
    """The bulk API calls, with the waits a long run needs: rate limits, and an earlier run of
    the same chunk still being recorded (409 IDEMPOTENCY_IN_PROGRESS)."""

    def __init__(self, base_url: str, api_key: str, deadline: float) -> None:
        self.base_url = base_url.rstrip("/")
        self.deadline = deadline
        self.http = httpx.Client(
            base_url=self.base_url,
            headers={"Authorization": f"Bearer {api_key}", "User-Agent": "numlink-cli"},
            timeout=httpx.Timeout(30.0, connect=10.0),
        )

    def close(self) -> None:
        self.http.close()

    def call(self, method: str, path: str, **kwargs: Any) -> dict[str, Any]:
        return self.send(method, path, **kwargs)[0]

    def every_page(self, path: str, limit: int) -> list[dict[str, Any]]:
        """Every item of a cursor list, following ``meta.next_cursor``."""
        found: list[dict[str, Any]] = []
        params: dict[str, Any] = {"limit": limit}
        while True:
            page = self.call("GET", path, params=params)
            found.extend(page["data"])
            cursor = (page.get("meta") or {}).get("next_cursor")
            if not cursor:
                return found
            params["cursor"] = cursor

    def send(
        self,
        method: str,
        path: str,
        *,
        body: Any = None,
        params: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
        read_timeout: float = 30.0,
    ) -> tuple[dict[str, Any], httpx.Response]:
        transport_failures = rate_limited = 0
        while True:
            timeout = httpx.Timeout(read_timeout, connect=10.0)
            try:
                response = self.http.request(
                    method, path, json=body, params=params, headers=headers, timeout=timeout
                )
            except httpx.RequestError as exc:
                # safe to repeat: reads, and writes carrying an Idempotency-Key
                transport_failures += 1
                if transport_failures >= TRANSPORT_ATTEMPTS:
                    reason = str(exc) or type(exc).__name__
                    raise ApiError(f"cannot reach {self.base_url}: {reason}") from None
                time.sleep(0.25 * 2**transport_failures)
                continue
            envelope = self._envelope(response)
            if envelope.get("success") is True:
                return envelope, response
            error = envelope.get("error")
            error = error if isinstance(error, dict) else {}
            code = str(error.get("code") or f"HTTP_{response.status_code}")
            if code == "RATE_LIMITED" and rate_limited < RATE_LIMIT_ATTEMPTS:
                rate_limited += 1
                time.sleep(_retry_after(response))
                continue
            if code == "IDEMPOTENCY_IN_PROGRESS" and time.monotonic() < self.deadline:
                time.sleep(1.0)
                continue
            raise ApiError(_error_message(error), code)

    def _envelope(self, response: httpx.Response) -> dict[str, Any]:
        try:
            envelope = response.json()
        except ValueError:
            envelope = None
        if not isinstance(envelope, dict) or "success" not in envelope:
            raise ApiError(
                f"HTTP {response.status_code} from {response.request.url.copy_with(query=None)}"
                " is not a numlink API response (check --base-url)"
            )
        return envelope


def _retry_after(response: httpx.Response) -> float:
    return min(30.0, max(0.1, retry_after_s(response.headers) or 1.0))


def _error_message(error: dict[str, Any]) -> str:
    message = str(error.get("message") or "request failed")
    details = error.get("details")
    if isinstance(details, dict) and details:
        message += " (" + "; ".join(f"{k}: {v}" for k, v in details.items()) + ")"
    return message
