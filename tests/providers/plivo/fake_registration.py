"""The registration part of the fake Plivo: business profiles, brands, usecases, campaigns and
campaign import, with the request and answer shapes of the plivo SDK (its ``profile``,
``brand`` and ``campaign`` resources and their test fixtures).

A brand or campaign is PROCESSING when created and settles once ``review_s`` has passed:
brands COMPLETED (FAILED if their alias holds ``[fail]``), campaigns ACTIVE (FAILED if their
description holds ``[fail]``). Each step is a status callback to the ``url`` given at creation
(``created``, then ``registered`` or ``rejected``), form-encoded and signed with the account's
auth token the way Plivo signs (V3), queued in ``callbacks`` for the test to deliver. Refusals:
an EIN of ``000000000`` (profile, 400 on ``ein``), ``[reject]`` in a brand alias or a
campaign description (400 on that field), a campaign under a brand that is not COMPLETED or
for a usecase the brand does not qualify for, and the import of a campaign not in
``shareable``.
"""

import json
import random
import string
import time
import uuid
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from plivo.utils.signature_v3 import construct_post_url, get_signature_v3

JsonBody = dict[str, Any]
Answer = tuple[int, bytes, dict[str, str]]
MAX_LIMIT = 20
ENTITY_TYPES = ("PRIVATE", "PUBLIC", "NON_PROFIT", "GOVERNMENT", "INDIVIDUAL")
STANDARD_USECASES = (
    "ACCOUNT_NOTIFICATION", "CUSTOMER_CARE", "DELIVERY_NOTIFICATION", "FRAUD_ALERT",
    "HIGHER_EDUCATION", "LOW_VOLUME", "MARKETING", "MIXED", "POLLING_VOTING",
    "PUBLIC_SERVICE_ANNOUNCEMENT", "SECURITY_ALERT", "2FA",
)  # fmt: skip
# what ``POST 10dlc/Campaign/{id}/`` may change (the SDK's ``campaign.update``)
UPDATABLE = frozenset(
    {"reseller_id", "description", "help_message", "message_flow", "optin_keywords"}
    | {"optin_message", "optout_keywords", "optout_message", "help_keywords"}
    | {"terms_and_conditions_link", "privacy_policy_link"}
    | {f"sample{i}" for i in range(1, 6)}
)


@dataclass(frozen=True)
class Callback:
    url: str
    headers: dict[str, str]
    body: bytes


class FakeRegistration:
    def __init__(self, auth_id: str, auth_token: str, brands: JsonBody, campaigns: JsonBody):
        self.auth_id = auth_id
        self.auth_token = auth_token
        self.review_s = 0.0
        self.profiles: dict[str, JsonBody] = {}
        self.brands = brands  # the fake's, shared: imported ones live there too
        self.campaigns = campaigns
        self.shareable: set[str] = set()  # TCR ids other CSPs shared with this account
        self.callbacks: list[Callback] = []
        self._reviews: dict[tuple[str, str], tuple[float, str]] = {}  # → (since, callback url)

    # --- state moving like Plivo's ------------------------------------------------------------

    def advance(self) -> None:
        """Settle the reviews whose time has come (called with every request)."""
        now = time.monotonic()
        for (kind, ref), (since, url) in list(self._reviews.items()):
            if now - since < self.review_s:
                continue
            del self._reviews[(kind, ref)]
            if kind == "brand" and ref in self.brands:
                failed = "[fail]" in str(self.brands[ref].get("brand_alias"))
                self.brands[ref]["registration_status"] = "FAILED" if failed else "COMPLETED"
            elif kind == "campaign" and ref in self.campaigns:
                failed = "[fail]" in str(self.campaigns[ref].get("description"))
                self.campaigns[ref]["registration_status"] = "FAILED" if failed else "ACTIVE"
            else:
                continue
            self._notify(url, kind, ref, "rejected" if failed else "registered")

    def _notify(self, url: str, kind: str, ref: str, status: str) -> None:
        if not url:
            return
        form = {"endpoint": kind, f"{kind}_id": ref, "status": status}
        if kind == "campaign":
            form["brand_id"] = str(self.campaigns[ref].get("brand_id", ""))
        nonce = uuid.uuid4().hex[:20]
        signature = get_signature_v3(self.auth_token, construct_post_url(url, form), nonce)
        headers = {
            "X-Plivo-Signature-V3": signature,
            "X-Plivo-Signature-V3-Nonce": nonce,
            "content-type": "application/x-www-form-urlencoded",
        }
        self.callbacks.append(Callback(url, headers, urlencode(form).encode()))

    def _review(self, kind: str, ref: str, payload: JsonBody) -> None:
        url = str(payload.get("url") or "")
        self._reviews[(kind, ref)] = (time.monotonic(), url)
        self._notify(url, kind, ref, "created")

    # --- routes --------------------------------------------------------------------------------

    def route(
        self, method: str, segments: list[str], payload: Any, query: dict[str, list[str]]
    ) -> Answer | None:
        body = payload if isinstance(payload, dict) else {}
        match (method, segments):
            case ("POST", ["Profile"]):
                return self._create_profile(body)
            case ("GET", ["Profile"]):
                return _listing("profiles", list(self.profiles.values()), query, self.auth_id)
            case ("GET", ["Profile", ref]):
                return _found("profile", self.profiles.get(ref))
            case ("POST", ["Profile", ref]):
                return self._update_profile(ref, body)
            case ("DELETE", ["Profile", ref]):
                if self.profiles.pop(ref, None) is None:
                    return answer(404, {"error": "Profile not found."})
                return answer(200, {"message": "Profile deleted successfully."})
            case ("POST", ["10dlc", "Brand"]):
                return self._create_brand(body)
            case ("GET", ["10dlc", "Brand"]):
                return _listing("brands", list(self.brands.values()), query, self.auth_id)
            case ("DELETE", ["10dlc", "Brand", ref]):
                if self.brands.pop(ref, None) is None:
                    return answer(404, {"error": "brand not found"})
                return answer(200, {"message": "Brand Deactivated", "brand_id": ref})
            case ("GET", ["10dlc", "Brand", ref, "usecases"]):
                return self._usecases(ref)
            case ("POST", ["10dlc", "Campaign"]):
                return self._create_campaign(body)
            case ("GET", ["10dlc", "Campaign"]):
                wanted = query.get("brand_id", [None])[0]
                held = [c for c in self.campaigns.values() if wanted in (None, c["brand_id"])]
                return _listing("campaigns", held, query, self.auth_id)
            case ("POST", ["10dlc", "Campaign", "Import"]):
                return self._import(body)
            case ("POST", ["10dlc", "Campaign", ref]):
                return self._update_campaign(ref, body)
            case ("DELETE", ["10dlc", "Campaign", ref]):
                campaign = self.campaigns.get(ref)
                if campaign is None or campaign["registration_status"] == "DEACTIVATED":
                    return answer(404, {"error": "campaign not found"})
                campaign["registration_status"] = "DEACTIVATED"
                return answer(200, {"message": "Campaign Deactivated", "campaign_id": ref})
        return None

    def _create_profile(self, body: JsonBody) -> Answer:
        missing = [
            k
            for k in ("customer_type", "entity_type", "company_name", "vertical")
            if not body.get(k)
        ]
        if missing:
            return answer(400, {"error": {k: ["This field is required."] for k in missing}})
        if body["entity_type"] not in ENTITY_TYPES:
            return answer(400, {"error": {"entity_type": ["Not a valid choice."]}})
        if body.get("ein") == "000000000":
            return answer(400, {"error": {"ein": ["EIN is not valid for this company"]}})
        ref = str(uuid.uuid4())
        self.profiles[ref] = {
            **{k: v for k, v in body.items() if k not in ("url", "method")},
            "profile_uuid": ref,
            "profile_type": "SECONDARY",
            "created_at": _now(),
        }
        return answer(200, {"message": "Profile created successfully.", "profile_uuid": ref})

    def _update_profile(self, ref: str, body: JsonBody) -> Answer:
        profile = self.profiles.get(ref)
        if profile is None:
            return answer(404, {"error": "Profile not found."})
        profile.update(body)
        for brand in self.brands.values():  # a brand shows its profile's business
            if brand.get("profile_uuid") == ref:
                brand.update({k: v for k, v in body.items() if k in brand or k in _SHOWN})
        return answer(200, {"profile": dict(profile)})

    def _create_brand(self, body: JsonBody) -> Answer:
        profile = self.profiles.get(str(body.get("profile_uuid")))
        if profile is None:
            return answer(400, {"error": {"profile_uuid": ["Profile not found."]}})
        alias = body.get("brand_alias")
        if not isinstance(alias, str) or not alias or "[reject]" in alias:
            return answer(400, {"error": {"brand_alias": ["brand_alias is not acceptable"]}})
        if body.get("brand_type", "STANDARD") not in ("STANDARD", "STARTER"):
            return answer(400, {"error": {"brand_type": ["Not a valid choice."]}})
        ref = "B" + "".join(random.choices(string.ascii_uppercase + string.digits, k=6))
        self.brands[ref] = {
            **{k: profile[k] for k in _SHOWN if k in profile},
            "brand_alias": alias,
            "brand_id": ref,
            "brand_type": body.get("brand_type", "STANDARD"),
            "profile_uuid": profile["profile_uuid"],
            "registration_status": "PROCESSING",
            "created_at": _now(),
        }
        self._review("brand", ref, body)
        return answer(
            200,
            {
                "brand_id": ref,
                "message": "Request to create brand was received and is being processed.",
            },
        )

    def _usecases(self, ref: str) -> Answer:
        brand = self.brands.get(ref)
        if brand is None:
            return answer(404, {"error": "brand not found"})
        codes: tuple[str, ...] = ()
        if brand["registration_status"] == "COMPLETED":
            codes = ("STARTER",) if brand.get("brand_type") == "STARTER" else STANDARD_USECASES
        cases = [{"name": c.replace("_", " ").title(), "code": c, "details": c} for c in codes]
        return answer(200, {"use_cases": cases, "brand_id": ref})

    def _create_campaign(self, body: JsonBody) -> Answer:
        missing = [k for k in ("brand_id", "vertical", "usecase") if not body.get(k)]
        if missing:
            return answer(400, {"error": {k: ["This field is required."] for k in missing}})
        brand = self.brands.get(body["brand_id"])
        if brand is None or brand["registration_status"] != "COMPLETED":
            return answer(
                400, {"error": "brand is not registered: campaigns need a registered brand"}
            )
        starter = brand.get("brand_type") == "STARTER"
        if (body["usecase"] == "STARTER") != starter:
            return answer(400, {"error": {"usecase": ["usecase not allowed for this brand"]}})
        if "[reject]" in str(body.get("description")):
            return answer(400, {"error": {"description": ["description is not acceptable"]}})
        ref = "C" + "".join(random.choices(string.ascii_uppercase + string.digits, k=6))
        tpm, tier = (15, "SOLE_PROPRIETOR") if starter else (4500, "TOP")
        flags = _FLAGS
        self.campaigns[ref] = {
            **{k: v for k, v in body.items() if k in UPDATABLE},
            "brand_id": body["brand_id"],
            "campaign_id": ref,
            "campaign_alias": body.get("campaign_alias") or "",
            "usecase": body["usecase"],
            "sub_usecase": ",".join(body.get("sub_usecases") or ()),
            "vertical": body["vertical"],
            "registration_status": "PROCESSING",
            "reseller_id": "",
            "campaign_attributes": {f: bool(body.get(f)) for f in flags},
            "mno_metadata": {
                "AT&T": {"tpm": tpm},
                "T-Mobile": {"brand_tier": tier},
                "US Cellular": {"tpm": tpm},
                "Verizon Wireless": {"tpm": tpm},
            },
            "campaign_source": "plivo",
            "created_at": _now(),
        }
        self._review("campaign", ref, body)
        return answer(
            200,
            {
                "campaign_id": ref,
                "message": "Request to create campaign was received and is being processed.",
            },
        )

    def _update_campaign(self, ref: str, body: JsonBody) -> Answer:
        campaign = self.campaigns.get(ref)
        if campaign is None:
            return answer(404, {"error": "campaign not found"})
        refused = sorted(set(body) - UPDATABLE)
        if refused:
            return answer(400, {"error": {k: ["This field cannot be updated."] for k in refused}})
        campaign.update(body)
        return answer(200, {"campaign": dict(campaign)})

    def _import(self, body: JsonBody) -> Answer:
        ref = str(body.get("campaign_id") or "")
        if not body.get("campaign_alias"):
            return answer(400, {"error": {"campaign_alias": ["This field is required."]}})
        if ref in self.campaigns:
            return answer(400, {"error": f"campaign {ref} is already imported"})
        if ref not in self.shareable:
            return answer(400, {"error": f"campaign {ref} is not shared with this account"})
        self.campaigns[ref] = {
            "brand_id": "BSHARED",
            "campaign_id": ref,
            "campaign_alias": body["campaign_alias"],
            "usecase": "MIXED",
            "registration_status": "ACTIVE",
            "reseller_id": "",
            "mno_metadata": {"AT&T": {"tpm": 240}, "T-Mobile": {"brand_tier": "LOW"}},
            "campaign_source": "shared",
        }
        return answer(200, {"campaign_id": ref, "message": "Campaign imported successfully."})


_FLAGS = (
    "embedded_link", "embedded_phone", "age_gated", "direct_lending", "subscriber_optin",
    "subscriber_optout", "subscriber_help", "affiliate_marketing",
)  # fmt: skip
# what a brand shows of its profile (as in the SDK's brand fixtures)
_SHOWN = (
    "address", "authorized_contact", "company_name", "ein", "ein_issuing_country",
    "entity_type", "stock_symbol", "stock_exchange", "vertical", "website",
)  # fmt: skip


def answer(status: int, body: JsonBody) -> Answer:
    return status, json.dumps({"api_id": str(uuid.uuid4()), **body}).encode(), {}


def _found(key: str, record: JsonBody | None) -> Answer:
    if record is None:
        return answer(404, {"error": f"{key} not found"})
    return answer(200, {key: dict(record)})


def _listing(
    key: str, records: list[JsonBody], query: dict[str, list[str]], auth_id: str
) -> Answer:
    try:
        limit = int(query.get("limit", [str(MAX_LIMIT)])[0])
        offset = int(query.get("offset", ["0"])[0])
    except ValueError:
        limit = offset = -1
    if not 1 <= limit <= MAX_LIMIT or offset < 0:
        return answer(400, {"error": "limit must be 1-20 and offset at least 0"})
    page = [dict(r) for r in records[offset : offset + limit]]
    more = offset + limit < len(records)
    path = (
        f"/v1/Account/{auth_id}/{'Profile' if key == 'profiles' else '10dlc/' + key.title()[:-1]}/"
    )
    meta = {
        "limit": limit,
        "offset": offset,
        "next": f"{path}?limit={limit}&offset={offset + limit}" if more else None,
    }
    return answer(200, {"meta": meta, key: page})


def _now() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S.000000Z", time.gmtime())
