"""Registration calls to a provider: which adapter may do an operation, and what its failures
mean to the org."""

from collections.abc import Awaitable
from typing import Any, TypeVar

from pydantic import BaseModel

from app.db.tenancy import Tenant
from app.kit.errors import NumlinkError, ProviderError, ProviderRejected, UnsupportedByProvider
from app.provider_accounts.registry import ProviderRegistry
from providers.base import ProviderCallError, ProviderFieldsRejected, ProviderRejectedError
from providers.descriptor import PROTOCOLS, Capability

T = TypeVar("T")


async def adapter_for(
    registry: ProviderRegistry, tenant: Tenant, provider: str, capability: Capability
) -> object:
    """The adapter that serves ``provider`` for the tenant, checked to implement the
    operation (``isinstance`` against ``PROTOCOLS[capability]`` at the call site narrows it)."""
    registry.require(tenant, provider, capability)
    adapter = await registry.for_tenant(tenant, provider)
    if not isinstance(adapter, PROTOCOLS[capability]):  # a descriptor that declares too much
        raise UnsupportedByProvider(f"{provider} has no {capability.value.replace('_', ' ')}")
    return adapter


def translated(exc: ProviderCallError) -> NumlinkError:
    """A provider's failure as the org sees it: a refusal → 422 PROVIDER_REJECTED with its
    words per field; the provider down or garbled → 502 PROVIDER_ERROR."""
    if isinstance(exc, ProviderFieldsRejected):
        return ProviderRejected(exc.reason, details=exc.fields)
    if isinstance(exc, ProviderRejectedError):
        return ProviderRejected(exc.reason, details={"body": exc.reason})
    return ProviderError(exc.reason)


async def provider_call(call: Awaitable[T]) -> T:
    """A synchronous registration call, its failures ``translated``."""
    try:
        return await call
    except ProviderCallError as exc:
        raise translated(exc) from None


def failure_text(exc: ProviderCallError | NumlinkError) -> str:
    """What a failed provider call says, for logs and retries."""
    return exc.reason if isinstance(exc, ProviderCallError) else exc.message


def changes_of(row: object, body: BaseModel) -> dict[str, Any]:
    """What a PATCH body sets to something other than what the row holds."""
    given = body.model_dump(include=body.model_fields_set)
    return {k: v for k, v in given.items() if getattr(row, k) != v}


def refuse_unchangeable(
    provider: str, noun: str, changes: dict[str, Any], updatable: frozenset[str]
) -> None:
    """422 UNSUPPORTED_BY_PROVIDER naming the fields the provider does not let change."""
    refused = sorted(set(changes) - updatable)
    if refused:
        raise UnsupportedByProvider(
            f"{provider} does not let these {noun} fields change",
            details={name: f"cannot be changed at {provider}" for name in refused},
        )
