"""A brand's verification: 2FA email, SMS PIN, feedback, vettings, revet, usecases."""

from fastapi import APIRouter, Depends
from starlette.responses import Response

from app.api.body import body_doc, json_body
from app.api.envelope import Envelope, ListEnvelope, ok
from app.api.openapi import errors_doc
from app.api.pagination import ok_list, unpaged
from app.api.routing import UnitOfWorkRoute
from app.brands import verification
from app.brands.endpoints import PROVIDER_ERRORS
from app.brands.schemas import (
    BrandOut,
    CarrierQualificationOut,
    FeedbackCategory,
    FeedbackOut,
    OtpOut,
    OtpVerify,
    UsecaseCostOut,
    UsecaseOut,
    VettingImport,
    VettingOrder,
    VettingOut,
)
from app.db.models import Brand
from app.kit.errors import Conflict, NotFound, ValidationFailed
from app.kit.ids import parse_id
from app.registration.context import Scope, registration_scope
from providers import registration as reg

router = APIRouter(prefix="/v1/brands", tags=["brand verification"], route_class=UnitOfWorkRoute)
WRITE_ERRORS = errors_doc(NotFound, Conflict, *PROVIDER_ERRORS, write=True)
READ_ERRORS = errors_doc(NotFound, Conflict, *PROVIDER_ERRORS)


def _otp(brand: Brand, status: reg.OtpStatus | None) -> OtpOut:
    if status is None:
        return OtpOut(brand_id=brand.id, status="NOT_SENT")
    return OtpOut(
        brand_id=brand.id,
        status=status.status,
        phone=status.phone,
        sent_at=status.sent_at,
        verified_at=status.verified_at,
        delivery_status=status.delivery_status,
    )


def _vetting(vetting: reg.Vetting) -> VettingOut:
    return VettingOut.model_validate(vetting)


@router.post(
    "/{brand_id}/2fa-email",
    response_model=Envelope[BrandOut],
    responses=WRITE_ERRORS,
    summary="Send the brand's verification email again",
)
async def resend_2fa_email(
    brand_id: str, scope: Scope = Depends(registration_scope("brands:write"))
) -> Response:
    brand = await verification.resend_2fa_email(scope, parse_id(brand_id))
    return ok(BrandOut.model_validate(brand))


@router.post(
    "/{brand_id}/otp",
    response_model=Envelope[OtpOut],
    responses=WRITE_ERRORS,
    summary="Send a sole proprietor's verification PIN by SMS (again)",
)
async def send_otp(
    brand_id: str, scope: Scope = Depends(registration_scope("brands:write"))
) -> Response:
    brand, status = await verification.send_otp(scope, parse_id(brand_id))
    return ok(_otp(brand, status))


@router.post(
    "/{brand_id}/otp/verify",
    response_model=Envelope[OtpOut],
    responses=WRITE_ERRORS,
    openapi_extra=body_doc(OtpVerify),
    summary="Verify a sole proprietor with the PIN it received",
)
async def verify_otp(
    brand_id: str,
    scope: Scope = Depends(registration_scope("brands:write")),
    body: OtpVerify = Depends(json_body(OtpVerify)),
) -> Response:
    brand, status = await verification.verify_otp(
        scope,
        parse_id(brand_id),
        body.pin,
    )
    return ok(_otp(brand, status))


@router.get(
    "/{brand_id}/otp",
    response_model=Envelope[OtpOut],
    responses=READ_ERRORS,
    summary="The brand's last verification PIN: sent, verified…",
)
async def get_otp(
    brand_id: str, scope: Scope = Depends(registration_scope("brands:read"))
) -> Response:
    brand, status = await verification.get_otp(scope, parse_id(brand_id))
    return ok(_otp(brand, status))


@router.get(
    "/{brand_id}/feedback",
    response_model=Envelope[FeedbackOut],
    responses=READ_ERRORS,
    summary="Why the brand failed registration or vetting, per field",
)
async def get_feedback(
    brand_id: str, scope: Scope = Depends(registration_scope("brands:read"))
) -> Response:
    brand, items = await verification.feedback(scope, parse_id(brand_id))
    fields: dict[str, str] = {}
    for item in items:
        for name in item.fields:
            fields.setdefault(name, item.description)
    categories = [
        FeedbackCategory(
            code=i.code, title=i.title, description=i.description, fields=list(i.fields)
        )
        for i in items
    ]
    return ok(FeedbackOut(brand_id=brand.id, fields=fields, categories=categories))


@router.get(
    "/{brand_id}/vettings",
    response_model=ListEnvelope[VettingOut],
    responses=READ_ERRORS,
    summary="The brand's external vettings",
)
async def list_vettings(
    brand_id: str, scope: Scope = Depends(registration_scope("brands:read"))
) -> Response:
    vettings = await verification.list_vettings(scope, parse_id(brand_id))
    items = [_vetting(v) for v in vettings]
    return await ok_list(scope.session, scope.tenant, list(items), unpaged(items))


@router.post(
    "/{brand_id}/vettings",
    status_code=201,
    response_model=Envelope[VettingOut],
    responses=WRITE_ERRORS,
    openapi_extra=body_doc(VettingOrder),
    summary="Order an external vetting",
)
async def order_vetting(
    brand_id: str,
    scope: Scope = Depends(registration_scope("brands:write")),
    body: VettingOrder = Depends(json_body(VettingOrder)),
) -> Response:
    vetting = await verification.order_vetting(
        scope,
        parse_id(brand_id),
        body.evp_id,
        body.vetting_class,
    )
    return ok(_vetting(vetting), 201)


@router.post(
    "/{brand_id}/vettings/import",
    status_code=201,
    response_model=Envelope[VettingOut],
    responses=WRITE_ERRORS,
    openapi_extra=body_doc(VettingImport),
    summary="Import a vetting done by an external vetting provider",
)
async def import_vetting(
    brand_id: str,
    scope: Scope = Depends(registration_scope("brands:write")),
    body: VettingImport = Depends(json_body(VettingImport)),
) -> Response:
    vetting = await verification.import_vetting(
        scope,
        parse_id(brand_id),
        body.evp_id,
        body.vetting_id,
        body.vetting_token,
    )
    return ok(_vetting(vetting), 201)


@router.post(
    "/{brand_id}/revet",
    response_model=Envelope[BrandOut],
    responses=WRITE_ERRORS,
    summary="Have the brand vetted again",
)
async def revet(
    brand_id: str, scope: Scope = Depends(registration_scope("brands:write"))
) -> Response:
    brand = await verification.revet(scope, parse_id(brand_id))
    return ok(BrandOut.model_validate(brand))


@router.get(
    "/{brand_id}/usecases/{usecase}",
    response_model=Envelope[UsecaseOut],
    responses=READ_ERRORS,
    summary="Whether the brand qualifies for a campaign usecase, per carrier, and its cost",
)
async def qualify_usecase(
    brand_id: str,
    usecase: str,
    scope: Scope = Depends(registration_scope("brands:read")),
) -> Response:
    if usecase not in reg.USECASES:
        raise ValidationFailed(details={"usecase": f"one of {', '.join(reg.USECASES)}"})
    brand, found = await verification.qualify_usecase(
        scope,
        parse_id(brand_id),
        usecase,
    )
    cost = found.cost
    return ok(
        UsecaseOut(
            brand_id=brand.id,
            usecase=found.usecase,
            qualifies=found.qualifies,
            carriers=[CarrierQualificationOut.model_validate(c) for c in found.carriers],
            cost=None
            if cost is None
            else UsecaseCostOut(
                currency=cost.currency,
                upfront=_amount(cost.upfront),
                monthly=_amount(cost.monthly),
                quarterly=_amount(cost.quarterly),
                annual=_amount(cost.annual),
            ),
            min_sub_usecases=found.min_sub_usecases,
            max_sub_usecases=found.max_sub_usecases,
        )
    )


def _amount(value: object) -> str | None:
    return None if value is None else f"{value:.2f}"
