"""Brands: imported by provider id, or registered, changed and deleted through the gateway.

Every brand change below must emit ``brand.updated`` once events exist (see
docs/registration.md "How status reaches you")."""

import uuid
from typing import Any

from app.brands.repository import BrandRepository, exists_check
from app.brands.rules import check_brand_fields
from app.brands.schemas import BrandImport, BrandRegister, BrandUpdate
from app.db.models import Brand
from app.kit.errors import Conflict
from app.provider_accounts.registry import read_from_provider
from app.registration import intents
from app.registration.calls import (
    adapter_for,
    changes_of,
    provider_call,
    refuse_unchangeable,
    translated,
)
from app.registration.context import Scope
from app.registration.flow import Registration, register
from providers import registration as reg
from providers.base import BrandInfo, ProviderCallError, ProviderObjectNotFound
from providers.descriptor import Capability

KIND = "brand"


async def import_brand(scope: Scope, body: BrandImport) -> tuple[Brand, bool]:
    provider = await scope.registrar.registry.for_tenant(scope.tenant, body.provider)
    info = await read_from_provider(
        provider.get_brand(body.provider_brand_id),
        field="provider_brand_id",
    )
    return await BrandRepository(scope.session, scope.tenant).upsert(
        body.provider, info, scope.registrar.polling
    )


async def refresh_brand(scope: Scope, brand_id: uuid.UUID | None) -> Brand:
    """Read the brand again from its provider (identity status, status, failure reasons)."""
    repo = BrandRepository(scope.session, scope.tenant)
    brand = await repo.get_or_404(brand_id)
    provider = await scope.registrar.registry.for_tenant(scope.tenant, brand.provider)
    info = await read_from_provider(provider.get_brand(brand.provider_brand_id), field="brand_id")
    named = {"display_name": info.display_name} if info.display_name else None
    return await repo.apply(brand, info, scope.registrar.polling, named)


async def register_brand(scope: Scope, body: BrandRegister) -> tuple[Brand, bool]:
    """Register at the provider; an identical registration already made answers with its
    brand (and ``False``) instead of registering a second one."""
    fields = body.model_dump(exclude={"provider"}, exclude_none=True)
    check_brand_fields(fields)
    adapter = await adapter_for(
        scope.registrar.registry, scope.tenant, body.provider, Capability.REGISTER_BRAND
    )
    assert isinstance(adapter, reg.BrandRegistrar) and isinstance(adapter, reg.ReferenceFinder)
    wanted = reg.BrandFields(**fields)
    print_ = intents.fingerprint(KIND, body.provider, fields)
    outcome = await register(
        scope.registrar.intents,
        scope.tenant,
        Registration(
            kind=KIND,
            provider=body.provider,
            fingerprint=print_,
            request=fields,
            brand_id=None,
            create=lambda ref: adapter.register_brand(wanted, ref),
            find=lambda ref: adapter.find_brand(ref, wanted),
            exists=exists_check(scope.tenant),
        ),
        scope.registrar.retry_in_s,
    )
    repo = BrandRepository(scope.session, scope.tenant)
    if isinstance(outcome, uuid.UUID):
        return await repo.fresh(outcome), False
    brand = await record_registered(
        scope, body.provider, outcome.info, fields, print_, outcome.intent.id
    )
    return brand, True


async def record_registered(
    scope: Scope,
    provider: str,
    info: BrandInfo,
    fields: dict[str, Any],
    print_: str,
    intent_id: uuid.UUID,
) -> Brand:
    """Record the provider's new brand and forget its intent, in the caller's transaction
    (the request's, or the registration job's when it finishes one)."""
    repo = BrandRepository(scope.session, scope.tenant)
    if not await intents.finish(scope.session, scope.tenant, KIND, print_, intent_id):
        done = await repo.by_fingerprint(print_)
        if done is not None:  # finished elsewhere first
            return await repo.fresh(done)
    return await repo.insert_registered(provider, fields, info, print_, scope.registrar.polling)


async def update_brand(
    scope: Scope,
    brand_id: uuid.UUID | None,
    body: BrandUpdate,
) -> Brand:
    """Re-submit the changed fields; ``{}`` (or no change) leaves the brand as it is."""
    repo = BrandRepository(scope.session, scope.tenant)
    brand = await repo.get_or_404(brand_id)
    changes = changes_of(brand, body)
    if not changes:
        return brand
    not_deleted(brand)
    registry = scope.registrar.registry
    adapter = await adapter_for(registry, scope.tenant, brand.provider, Capability.UPDATE_BRAND)
    assert isinstance(adapter, reg.BrandUpdater)
    updatable = registry.descriptor(brand.provider).updatable_brand_fields
    refuse_unchangeable(brand.provider, "brand", changes, updatable)
    merged = {**current_fields(brand), **changes}
    check_brand_fields(merged, imported=brand.registration_fingerprint is None)
    given = {k: v for k, v in merged.items() if v is not None}
    info = await provider_call(
        adapter.update_brand(brand.provider_brand_id, reg.BrandFields(**given), frozenset(changes))
    )
    return await repo.apply(brand, info, scope.registrar.polling, changes)


async def delete_brand(scope: Scope, brand_id: uuid.UUID | None) -> Brand:
    """Delete at the provider; the brand stays, DELETED. Deleting again changes nothing."""
    repo = BrandRepository(scope.session, scope.tenant)
    brand = await repo.get_or_404(brand_id)
    if brand.status == "DELETED":
        return brand
    adapter = await adapter_for(
        scope.registrar.registry, scope.tenant, brand.provider, Capability.DELETE_BRAND
    )
    assert isinstance(adapter, reg.BrandDeleter)
    if await repo.has_active_campaigns(brand.id):
        raise Conflict("the brand has campaigns that are not deactivated")
    try:
        await adapter.delete_brand(brand.provider_brand_id)
    except ProviderObjectNotFound:
        pass  # already gone there (a retry after a crash): deleted all the same
    except ProviderCallError as exc:
        raise translated(exc) from None
    await repo.set_values(brand.id, {"status": "DELETED", "next_attempt_at": None})
    return await repo.fresh(brand.id)


def current_fields(brand: Brand) -> dict[str, Any]:
    return {name: getattr(brand, name) for name in reg.BrandFields.names()}


def not_deleted(brand: Brand) -> Brand:
    if brand.status == "DELETED":
        raise Conflict("the brand is deleted")
    return brand
