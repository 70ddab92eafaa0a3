"""The fake Telnyx account's brands, in the shapes of Telnyx's spec: registration, listing,
changes, deletion, 2FA email, SMS PIN, feedback, external vetting, revet and usecase
qualification. Statuses move with time as Telnyx's do:

- a brand is REGISTRATION_PENDING for ``settle_after_s``, then OK and VERIFIED (a sole
  proprietor stays UNVERIFIED until its PIN, ``OTP_PIN``, is verified); a display name with
  ``[fail]`` ends REGISTRATION_FAILED with feedback, one with ``[reject]`` is refused at once;
- a vetting is scored ``VETTING_SCORE`` after ``settle_after_s`` and makes the brand
  VETTED_VERIFIED.
"""

import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qs

from tests.providers.fake_http import Reply, json_reply

OTP_PIN = "123456"
VETTING_SCORE = 80
REJECT, FAIL = "[reject]", "[fail]"
NETWORKS = {"10017": "AT&T", "10035": "T-Mobile", "10037": "Verizon Wireless"}


def now_text() -> str:
    return datetime.now(UTC).isoformat()


def errors(status: int, detail: str, pointer: str | None = None, code: str = "10015") -> Reply:
    """``10dlc_Errors``: a list of errors, the field as a JSON pointer."""
    error: dict[str, Any] = {"code": code, "title": "Invalid request", "detail": detail}
    if pointer is not None:
        error["source"] = {"pointer": pointer}
    return json_reply(status, {"errors": [error]})


def one_error(status: int, detail: str, pointer: str | None = None, code: str = "10015") -> Reply:
    """``10dlc_Error``: the answers that are one error object."""
    error: dict[str, Any] = {"code": code, "title": "Invalid request", "detail": detail}
    if pointer is not None:
        error["source"] = {"pointer": pointer}
    return json_reply(status, error)


def invalid(status: int, location: str, message: str) -> Reply:
    """``HTTPValidationError``."""
    detail = [{"loc": ["body", location], "msg": message, "type": "value_error"}]
    return json_reply(status, {"detail": detail})


def not_found(detail: str) -> Reply:
    return errors(404, detail, code="10005")


def asked_of(query: str) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(query).items()}


def record_set(asked: dict[str, str], found: list[dict[str, Any]]) -> Reply:
    """One page (``page``, ``recordsPerPage``) of a 10DLC listing of ``found``."""
    page, size = int(asked.get("page", "1")), int(asked.get("recordsPerPage", "10"))
    records = found[(page - 1) * size : page * size]
    return json_reply(200, {"page": page, "records": records, "totalRecords": len(found)})


@dataclass
class FakeBrand:
    brand_id: str
    request: dict[str, Any]
    created: float  # monotonic
    created_at: str = field(default_factory=now_text)
    tcr_brand_id: str = field(default_factory=lambda: "B" + uuid.uuid4().hex[:6].upper())
    review_from: float = 0.0  # monotonic start of the current review
    otp: dict[str, Any] | None = None
    otp_verified: bool = False
    vettings: list[dict[str, Any]] = field(default_factory=list)
    emails_sent: int = 0
    deleted: bool = False


class FakeBrands:
    def __init__(self, settle_after_s: float) -> None:
        self.settle_after_s = settle_after_s
        self.brands: dict[str, FakeBrand] = {}

    # ---- state
    def reviewed(self, brand: FakeBrand) -> bool:
        return time.monotonic() >= brand.review_from + self.settle_after_s

    def status(self, brand: FakeBrand) -> str:
        if not self.reviewed(brand):
            return "REGISTRATION_PENDING"
        return "REGISTRATION_FAILED" if FAIL in brand.request["displayName"] else "OK"

    def identity(self, brand: FakeBrand) -> str:
        if self.status(brand) != "OK":
            return "UNVERIFIED"
        if any(self._scored(v) for v in brand.vettings):
            return "VETTED_VERIFIED"
        sole = brand.request["entityType"] == "SOLE_PROPRIETOR"
        return "UNVERIFIED" if sole and not brand.otp_verified else "VERIFIED"

    def usable(self, brand_id: str) -> FakeBrand | None:
        """A registered brand that is not deleted."""
        brand = self.brands.get(brand_id)
        return brand if brand is not None and not brand.deleted else None

    def record(self, brand: FakeBrand) -> dict[str, Any]:
        """``TelnyxBrand`` (with its campaigns count)."""
        body = {
            **brand.request,
            "brandId": brand.brand_id,
            "tcrBrandId": brand.tcr_brand_id,
            "status": self.status(brand),
            "identityStatus": self.identity(brand),
            "brandRelationship": "BASIC_ACCOUNT",
            "createdAt": brand.created_at,
            "updatedAt": now_text(),
            "cspId": "FAKECSP",
            "referenceId": brand.brand_id,
        }
        if body["status"] == "REGISTRATION_FAILED":
            body["failureReasons"] = "Tax Id does not match the company name"
        return body

    # ---- requests
    def create(self, request: dict[str, Any]) -> Reply:
        if REJECT in request.get("displayName", ""):
            return errors(400, "Display name is not allowed", "/displayName")
        brand = FakeBrand(str(uuid.uuid4()), request, time.monotonic())
        brand.review_from = brand.created
        self.brands[brand.brand_id] = brand
        return json_reply(200, self.record(brand))

    def listing(self, query: str) -> Reply:
        asked = asked_of(query)
        filters = [n for n in ("displayName", "entityType", "country") if n in asked]
        basic = ("brandId", "tcrBrandId", "entityType", "displayName", "companyName", "email",
                 "website", "status", "identityStatus", "createdAt")  # fmt: skip
        found = [
            {k: v for k, v in self.record(b).items() if k in basic}
            for b in sorted(self.brands.values(), key=lambda b: b.created, reverse=True)
            if not b.deleted and all(b.request.get(n) == asked[n] for n in filters)
        ]
        return record_set(asked, found)

    def replace(self, brand: FakeBrand, request: dict[str, Any]) -> Reply:
        if REJECT in request.get("displayName", ""):
            return errors(400, "Display name is not allowed", "/displayName")
        if self.status(brand) == "REGISTRATION_FAILED":
            brand.review_from = time.monotonic()  # reviewed again
        brand.request = {**brand.request, **request}
        return json_reply(200, self.record(brand))

    def revet(self, brand: FakeBrand) -> Reply:
        if self.status(brand) == "REGISTRATION_FAILED":
            brand.review_from = time.monotonic()
        return json_reply(200, self.record(brand))

    def two_factor_email(self, brand: FakeBrand) -> Reply:
        if brand.request["entityType"] != "PUBLIC_PROFIT":
            return errors(400, "2FA email is for PUBLIC_PROFIT brands only")
        brand.emails_sent += 1
        return Reply(200, b"", "")

    def send_otp(self, brand: FakeBrand, request: dict[str, Any]) -> Reply:
        if brand.request["entityType"] != "SOLE_PROPRIETOR":
            return invalid(400, "brandId", "Brand is not a Sole Proprietor")
        if "@OTP_PIN@" not in request.get("pinSms", ""):
            return invalid(400, "pinSms", "pinSms must contain @OTP_PIN@")
        brand.otp = {"referenceId": "OTP" + uuid.uuid4().hex[:6].upper(), "requestDate": now_text()}
        return json_reply(200, {"brandId": brand.brand_id, "referenceId": brand.otp["referenceId"]})

    def verify_otp(self, brand: FakeBrand, request: dict[str, Any]) -> Reply:
        if brand.otp is None or request.get("otpPin") != OTP_PIN:
            return invalid(400, "otpPin", "Invalid or expired OTP")
        brand.otp["verifyDate"] = now_text()
        brand.otp_verified = True
        return Reply(204, b"", "")

    def otp_status(self, brand: FakeBrand) -> Reply:
        if brand.otp is None:
            return json_reply(404, {"detail": []})
        body = {
            "brandId": brand.brand_id,
            "mobilePhone": brand.request.get("mobilePhone", ""),
            "deliveryStatus": "DELIVERED_HANDSET",
            **brand.otp,
        }
        return json_reply(200, body)

    def feedback(self, brand: FakeBrand) -> Reply:
        categories = []
        if self.status(brand) == "REGISTRATION_FAILED":
            categories.append(
                {
                    "id": "TAX_ID",
                    "displayName": "Tax Id",
                    "description": "Tax Id does not match with the company name or business type.",
                    "fields": ["ein", "companyName", "entityType"],
                }
            )
        return json_reply(200, {"brandId": brand.brand_id, "category": categories})

    def vettings(self, brand: FakeBrand) -> Reply:
        return json_reply(200, [self._vetting(v) for v in brand.vettings])

    def order_vetting(self, brand: FakeBrand, request: dict[str, Any]) -> Reply:
        if brand.request["entityType"] == "SOLE_PROPRIETOR":
            return errors(400, "Sole proprietor brands are not vetted", "/evpId")
        wanted = (request.get("evpId"), request.get("vettingClass"))
        if any((v["evpId"], v["vettingClass"]) == wanted for v in brand.vettings):
            return errors(400, "A vetting of this class is being processed", code="10012")
        return self._add_vetting(brand, request, str(uuid.uuid4()))

    def import_vetting(self, brand: FakeBrand, request: dict[str, Any]) -> Reply:
        imported = {**request, "vettingClass": "IMPORTED"}
        return self._add_vetting(brand, imported, str(request["vettingId"]))

    def qualify(self, brand: FakeBrand, usecase: str) -> Reply:
        sole = brand.request["entityType"] == "SOLE_PROPRIETOR"
        if self.identity(brand) not in ("VERIFIED", "VETTED_VERIFIED"):
            return errors(400, f"Brand is not qualified for usecase {usecase}", code="10007")
        if (usecase == "SOLE_PROPRIETOR") != sole:
            return errors(400, f"Brand is not qualified for usecase {usecase}", code="10007")
        mno = {
            network: {"mno": name, "qualify": True, "mnoReview": network == "10037",
                      "mnoSupport": True, "noEmbeddedLink": False, "noEmbeddedPhone": False,
                      "reqSubscriberHelp": True, "reqSubscriberOptin": True,
                      "reqSubscriberOptout": True, "minMsgSamples": 1, "tpm": 240,
                      "brandDailyCap": 2000, "brandTier": "LOW"}
            for network, name in NETWORKS.items()
        }  # fmt: skip
        multi = usecase in ("MIXED", "LOW_VOLUME")
        body = {"usecase": usecase, "monthlyFee": 10, "quarterlyFee": 30, "annualFee": 120,
                "minSubUsecases": 2 if multi else 0, "maxSubUsecases": 5 if multi else 0,
                "mnoMetadata": mno}  # fmt: skip
        return json_reply(200, body)

    # ---- vettings
    def _scored(self, vetting: dict[str, Any]) -> bool:
        return time.monotonic() >= float(vetting["_ordered"]) + self.settle_after_s

    def _vetting(self, vetting: dict[str, Any]) -> dict[str, Any]:
        shown = {k: v for k, v in vetting.items() if not k.startswith("_")}
        if self._scored(vetting):
            shown.update(vettingScore=VETTING_SCORE, vettedDate=now_text())
        return shown

    def _add_vetting(self, brand: FakeBrand, request: dict[str, Any], vetting_id: str) -> Reply:
        vetting = {
            "evpId": request["evpId"],
            "vettingClass": request["vettingClass"],
            "vettingId": vetting_id,
            "createDate": now_text(),
            "_ordered": time.monotonic(),
        }
        brand.vettings.append(vetting)
        return json_reply(200, self._vetting(vetting))
