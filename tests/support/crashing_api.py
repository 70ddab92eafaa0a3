"""``numlink api`` that kills itself (SIGKILL) right after the provider answers a registration
and before the answer is recorded: the crash that must neither lose the provider's object nor
make a second one. Run as ``python -m tests.support.crashing_api PORT`` with DATABASE_URL set;
only registrations crash, everything else is served as usual."""

import functools
import os
import signal
import sys
from collections.abc import Awaitable, Callable
from typing import Any

import uvicorn

from providers.plivo.adapter import PlivoProvider
from providers.sandbox.provider import SandboxProvider
from providers.telnyx import TelnyxProvider


def _dies_after(method: Callable[..., Awaitable[Any]]) -> Callable[..., Awaitable[Any]]:
    @functools.wraps(method)
    async def answered_then_killed(*args: Any, **kwargs: Any) -> Any:
        await method(*args, **kwargs)  # the provider now holds the object
        os.kill(os.getpid(), signal.SIGKILL)
        raise AssertionError("unreachable")

    return answered_then_killed


def main() -> None:
    for provider in (SandboxProvider, PlivoProvider, TelnyxProvider):
        for name in ("register_brand", "register_campaign"):
            setattr(provider, name, _dies_after(getattr(provider, name)))
    from app.main import create_app

    uvicorn.run(create_app(), host="127.0.0.1", port=int(sys.argv[1]), log_config=None)


if __name__ == "__main__":
    main()
