"""One registration call, brand or campaign: intent first, then the provider.

``register`` claims the intent (committed), then either adopts what an earlier attempt left at
the provider (looked up by the client reference) or creates the object there. The caller
records the object in the request's transaction with ``intents.finish``. A refusal forgets the
intent (the provider holds nothing); a failure that leaves it unclear whether the provider
created the object (timeout, 5xx, reset) gives the intent back for a retry or the job, and
the request answers 502: no object is recorded either way.
"""

import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from app.db.tenancy import Tenant
from app.kit.errors import Conflict
from app.registration.calls import translated
from app.registration.intents import ExistsCheck, Intent, IntentStore
from providers.base import ProviderCallError, ProviderRejectedError

I = TypeVar("I")  # noqa: E741  (the provider's view: BrandInfo or CampaignInfo)


@dataclass(frozen=True, slots=True)
class Registration(Generic[I]):
    kind: str  # brand | campaign
    provider: str
    fingerprint: str
    request: dict[str, Any]  # the registration fields, as JSON (kept with the intent)
    brand_id: uuid.UUID | None
    create: Callable[[str], Awaitable[I]]  # client reference → the object created
    find: Callable[[str], Awaitable[I | None]]  # client reference → the object, if any
    exists: ExistsCheck


@dataclass(frozen=True, slots=True)
class Registered(Generic[I]):
    intent: Intent
    info: I


async def register(
    store: IntentStore, tenant: Tenant, registration: Registration[I], retry_in_s: float
) -> Registered[I] | uuid.UUID:
    """The provider's object for the intent, or the id of the object an identical
    registration already recorded."""
    claimed = await store.claim(
        tenant,
        registration.kind,
        registration.provider,
        registration.fingerprint,
        registration.request,
        registration.brand_id,
        registration.exists,
    )
    if claimed is None:
        raise Conflict(f"the same {registration.kind} registration is in progress; retry shortly")
    if isinstance(claimed, uuid.UUID):
        return claimed
    intent = claimed
    try:
        found = await registration.find(intent.client_ref) if intent.resumed else None
        info = found if found is not None else await registration.create(intent.client_ref)
    except ProviderRejectedError as exc:
        await store.drop(intent)
        raise translated(exc) from None
    except ProviderCallError as exc:
        await store.release(intent, exc.reason, retry_in_s)
        raise translated(exc) from None
    except BaseException:
        await store.release(intent, "interrupted", retry_in_s)
        raise
    return Registered(intent, info)
