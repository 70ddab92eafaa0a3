"""A brand's verification at its provider: 2FA email, SMS PIN (sole proprietors), feedback,
external vetting, revetting, and whether it qualifies for a campaign usecase.

Operations that can change the brand's identity read it again from the provider at once (a
failed read leaves it to the registration job), so the brand the org reads next is current.
Each such change must emit ``brand.updated`` once events exist."""

import uuid
from typing import Any

from app.brands.repository import BrandRepository
from app.brands.service import not_deleted
from app.db.models import Brand
from app.registration.calls import adapter_for, provider_call
from app.registration.context import Scope
from app.registration.sync import due_in
from providers import registration as reg
from providers.base import ProviderCallError
from providers.descriptor import Capability


async def _brand_and_adapter(
    scope: Scope,
    brand_id: uuid.UUID | None,
    capability: Capability,
) -> tuple[Brand, Any]:
    brand = not_deleted(await BrandRepository(scope.session, scope.tenant).get_or_404(brand_id))
    adapter = await adapter_for(scope.registrar.registry, scope.tenant, brand.provider, capability)
    return brand, adapter


async def resync(scope: Scope, brand: Brand) -> Brand:
    """Read the brand again now; if the provider cannot say, the registration job will."""
    repo = BrandRepository(scope.session, scope.tenant)
    adapter = await scope.registrar.registry.for_tenant(scope.tenant, brand.provider)
    try:
        info = await adapter.get_brand(brand.provider_brand_id)
    except ProviderCallError:
        await repo.set_values(brand.id, {"next_attempt_at": due_in(0), "attempts": 0})
        return await repo.fresh(brand.id)
    return await repo.apply(brand, info, scope.registrar.polling)


async def resend_2fa_email(scope: Scope, brand_id: uuid.UUID | None) -> Brand:
    brand, adapter = await _brand_and_adapter(scope, brand_id, Capability.RESEND_2FA_EMAIL)
    assert isinstance(adapter, reg.TwoFactorEmailSender)
    await provider_call(adapter.resend_2fa_email(brand.provider_brand_id))
    return brand


async def send_otp(scope: Scope, brand_id: uuid.UUID | None) -> tuple[Brand, reg.OtpStatus | None]:
    brand, adapter = await _brand_and_adapter(scope, brand_id, Capability.SMS_OTP)
    assert isinstance(adapter, reg.SmsOtp)
    return brand, await provider_call(adapter.send_otp(brand.provider_brand_id))


async def verify_otp(
    scope: Scope,
    brand_id: uuid.UUID | None,
    pin: str,
) -> tuple[Brand, reg.OtpStatus | None]:
    brand, adapter = await _brand_and_adapter(scope, brand_id, Capability.SMS_OTP)
    assert isinstance(adapter, reg.SmsOtp)
    status = await provider_call(adapter.verify_otp(brand.provider_brand_id, pin))
    return await resync(scope, brand), status


async def get_otp(scope: Scope, brand_id: uuid.UUID | None) -> tuple[Brand, reg.OtpStatus | None]:
    brand, adapter = await _brand_and_adapter(scope, brand_id, Capability.SMS_OTP)
    assert isinstance(adapter, reg.SmsOtp)
    return brand, await provider_call(adapter.get_otp(brand.provider_brand_id))


async def feedback(
    scope: Scope, brand_id: uuid.UUID | None
) -> tuple[Brand, tuple[reg.FeedbackItem, ...]]:
    brand, adapter = await _brand_and_adapter(scope, brand_id, Capability.BRAND_FEEDBACK)
    assert isinstance(adapter, reg.BrandFeedbackReader)
    return brand, await provider_call(adapter.brand_feedback(brand.provider_brand_id))


async def list_vettings(scope: Scope, brand_id: uuid.UUID | None) -> tuple[reg.Vetting, ...]:
    brand, adapter = await _brand_and_adapter(scope, brand_id, Capability.VETTING)
    assert isinstance(adapter, reg.Vetter)
    return await provider_call(adapter.list_vettings(brand.provider_brand_id))


async def order_vetting(
    scope: Scope,
    brand_id: uuid.UUID | None,
    evp_id: str,
    vetting_class: str,
) -> reg.Vetting:
    brand, adapter = await _brand_and_adapter(scope, brand_id, Capability.VETTING)
    assert isinstance(adapter, reg.Vetter)
    vetting = await provider_call(
        adapter.order_vetting(brand.provider_brand_id, evp_id, vetting_class)
    )
    await resync(scope, brand)
    return vetting


async def import_vetting(
    scope: Scope,
    brand_id: uuid.UUID | None,
    evp_id: str,
    vetting_id: str,
    vetting_token: str | None,
) -> reg.Vetting:
    brand, adapter = await _brand_and_adapter(scope, brand_id, Capability.IMPORT_VETTING)
    assert isinstance(adapter, reg.VettingImporter)
    vetting = await provider_call(
        adapter.import_vetting(brand.provider_brand_id, evp_id, vetting_id, vetting_token)
    )
    await resync(scope, brand)
    return vetting


async def revet(scope: Scope, brand_id: uuid.UUID | None) -> Brand:
    brand, adapter = await _brand_and_adapter(scope, brand_id, Capability.REVET)
    assert isinstance(adapter, reg.Revetter)
    info = await provider_call(adapter.revet_brand(brand.provider_brand_id))
    return await BrandRepository(scope.session, scope.tenant).apply(
        brand, info, scope.registrar.polling
    )


async def qualify_usecase(
    scope: Scope,
    brand_id: uuid.UUID | None,
    usecase: str,
) -> tuple[Brand, reg.UsecaseQualification]:
    brand, adapter = await _brand_and_adapter(scope, brand_id, Capability.QUALIFY_USECASE)
    assert isinstance(adapter, reg.UsecaseQualifier)
    return brand, await provider_call(adapter.qualify_usecase(brand.provider_brand_id, usecase))
