"""``client.brands``: import or register brands, verification (2FA e-mail, OTP), feedback,
vetting, and whether a brand qualifies for a use case."""

import builtins

from numlink_client._flow import Call, Listing
from numlink_client._routes import Route, page_route
from numlink_client._runtime import Mode, Resource, endpoint, paginated
from numlink_client.models.registration import (
    Brand,
    BrandImport,
    BrandRegistration,
    BrandUpdate,
    Feedback,
    Otp,
    OtpVerify,
    PageSize,
    Usecase,
    Vetting,
    VettingImport,
    VettingOrder,
)

BRAND = "/v1/brands/{}"
CREATE = Route("POST", "/v1/brands", Brand, (BrandRegistration, BrandImport))
LIST = page_route("/v1/brands", Brand, PageSize)
GET = Route("GET", BRAND, Brand)
UPDATE = Route("PATCH", BRAND, Brand, (BrandUpdate,))
DELETE = Route("DELETE", BRAND, Brand)
REFRESH = Route("POST", BRAND + "/refresh", Brand)
RESEND_2FA = Route("POST", BRAND + "/2fa-email", Brand)
SEND_OTP = Route("POST", BRAND + "/otp", Otp)
GET_OTP = Route("GET", BRAND + "/otp", Otp)
VERIFY_OTP = Route("POST", BRAND + "/otp/verify", Otp, (OtpVerify,))
FEEDBACK = Route("GET", BRAND + "/feedback", Feedback)
VETTINGS = Route("GET", BRAND + "/vettings", Vetting)
ORDER_VETTING = Route("POST", BRAND + "/vettings", Vetting, (VettingOrder,))
IMPORT_VETTING = Route("POST", BRAND + "/vettings/import", Vetting, (VettingImport,))
REVET = Route("POST", BRAND + "/revet", Brand)
USECASE = Route("GET", BRAND + "/usecases/{}", Usecase)


class Brands(Resource[Mode]):
    @endpoint
    def create(
        self, *, provider: str, provider_brand_id: str, idempotency_key: str | None = None
    ) -> Call[Brand]:
        """Imports a brand the org already has at ``provider`` (again: refreshes it)."""
        request = BrandImport(provider=provider, provider_brand_id=provider_brand_id)
        return CREATE.call(body=request, key=idempotency_key)

    @endpoint
    def register(
        self, registration: BrandRegistration, *, idempotency_key: str | None = None
    ) -> Call[Brand]:
        """Registers a new brand at its provider (``PENDING`` until reviewed)."""
        return CREATE.call(body=registration, key=idempotency_key)

    @paginated
    def list(self, *, limit: int | None = None) -> Listing[Brand]:
        return LIST.listing(limit=limit)

    @endpoint
    def get(self, brand_id: str) -> Call[Brand]:
        return GET.call(brand_id)

    @endpoint
    def update(
        self, brand_id: str, changes: BrandUpdate, *, idempotency_key: str | None = None
    ) -> Call[Brand]:
        """Re-submits the fields set in ``changes`` to the provider."""
        return UPDATE.call(brand_id, body=changes, key=idempotency_key)

    @endpoint
    def delete(self, brand_id: str, *, idempotency_key: str | None = None) -> Call[Brand]:
        return DELETE.call(brand_id, key=idempotency_key)

    @endpoint
    def refresh(self, brand_id: str, *, idempotency_key: str | None = None) -> Call[Brand]:
        """Re-reads the brand from its provider now."""
        return REFRESH.call(brand_id, key=idempotency_key)

    @endpoint
    def resend_2fa_email(self, brand_id: str, *, idempotency_key: str | None = None) -> Call[Brand]:
        return RESEND_2FA.call(brand_id, key=idempotency_key)

    @endpoint
    def send_otp(self, brand_id: str, *, idempotency_key: str | None = None) -> Call[Otp]:
        """Sends a sole proprietor's verification PIN by SMS."""
        return SEND_OTP.call(brand_id, key=idempotency_key)

    @endpoint
    def get_otp(self, brand_id: str) -> Call[Otp]:
        return GET_OTP.call(brand_id)

    @endpoint
    def verify_otp(
        self, brand_id: str, *, pin: str, idempotency_key: str | None = None
    ) -> Call[Otp]:
        return VERIFY_OTP.call(brand_id, body=OtpVerify(pin=pin), key=idempotency_key)

    @endpoint
    def feedback(self, brand_id: str) -> Call[Feedback]:
        """Why a brand failed, per field."""
        return FEEDBACK.call(brand_id)

    @endpoint
    def vettings(self, brand_id: str) -> Call[builtins.list[Vetting]]:
        return VETTINGS.every(brand_id)

    @endpoint
    def order_vetting(
        self, brand_id: str, *, evp_id: str, vetting_class: str, idempotency_key: str | None = None
    ) -> Call[Vetting]:
        request = VettingOrder(evp_id=evp_id, vetting_class=vetting_class)
        return ORDER_VETTING.call(brand_id, body=request, key=idempotency_key)

    @endpoint
    def import_vetting(
        self,
        brand_id: str,
        *,
        evp_id: str,
        vetting_id: str,
        vetting_token: str | None = None,
        idempotency_key: str | None = None,
    ) -> Call[Vetting]:
        request = VettingImport(evp_id=evp_id, vetting_id=vetting_id, vetting_token=vetting_token)
        return IMPORT_VETTING.call(brand_id, body=request, key=idempotency_key)

    @endpoint
    def revet(self, brand_id: str, *, idempotency_key: str | None = None) -> Call[Brand]:
        return REVET.call(brand_id, key=idempotency_key)

    @endpoint
    def qualify(self, brand_id: str, usecase: str) -> Call[Usecase]:
        """Whether the brand qualifies for ``usecase``, per carrier, and what it costs."""
        return USECASE.call(brand_id, usecase)
