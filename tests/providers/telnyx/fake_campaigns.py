"""The fake Telnyx account's campaigns and the routing of every registration request.

A campaign built with ``POST /10dlc/campaignBuilder`` goes TCR_PENDING, TCR_ACCEPTED,
MNO_PENDING over ``settle_after_s``, then MNO_PROVISIONED (approved at each carrier); a
description with ``[fail]`` ends TELNYX_FAILED (an appeal sends it back to review, then it is
provisioned), one with ``[reject]`` is refused at once. ``referenceId`` is unique across the
account, as at Telnyx. Deactivated campaigns read TCR_EXPIRED. A TCR id ``NOT_SHARED`` is not
shared with the account; any other can be accepted, and is then a partner campaign, provisioned.
"""

import time
import uuid
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs

import orjson

from tests.providers.fake_http import Reply, json_reply
from tests.providers.telnyx.fake_brands import (
    FAIL,
    NETWORKS,
    REJECT,
    FakeBrand,
    FakeBrands,
    asked_of,
    errors,
    not_found,
    now_text,
    one_error,
    record_set,
)

NOT_SHARED = "CNOSHARE"
_STAGES = ("TCR_PENDING", "TCR_ACCEPTED", "MNO_PENDING")  # on the way to MNO_PROVISIONED


@dataclass
class FakeCampaign:
    campaign_id: str
    brand: FakeBrand
    request: dict[str, Any]
    review_from: float
    created_at: str = field(default_factory=now_text)
    tcr_campaign_id: str = field(default_factory=lambda: "C" + uuid.uuid4().hex[:6].upper())
    appealed: bool = False
    deactivated: bool = False


class FakeRegistration:
    """Brands, campaigns and shared campaigns; ``answer`` gives None for what it does not
    hold (the account's import fallbacks answer then)."""

    def __init__(self, settle_after_s: float) -> None:
        self.settle_after_s = settle_after_s
        self.brands = FakeBrands(settle_after_s)
        self.campaigns: dict[str, FakeCampaign] = {}
        self.accepted: set[str] = set()

    def campaign_status(self, campaign: FakeCampaign) -> str:
        """Through Telnyx's steps over the review: the registry, Telnyx's own review, then the
        carriers (an appealed campaign is TCR_ACCEPTED until its review ends)."""
        if campaign.deactivated:
            return "TCR_EXPIRED"
        failing = FAIL in campaign.request.get("description", "") and not campaign.appealed
        elapsed = time.monotonic() - campaign.review_from
        if elapsed >= self.settle_after_s:
            return "TELNYX_FAILED" if failing else "MNO_PROVISIONED"
        if campaign.appealed:
            return "TCR_ACCEPTED"
        stages = ("TCR_PENDING", "TCR_ACCEPTED") if failing else _STAGES
        return stages[min(int(len(stages) * elapsed / self.settle_after_s), len(stages) - 1)]

    def record(self, campaign: FakeCampaign) -> dict[str, Any]:
        """``TelnyxCampaign_CSP``."""
        status = self.campaign_status(campaign)
        body = {
            "subUsecases": [],
            **campaign.request,
            "campaignId": campaign.campaign_id,
            "cspId": "FAKECSP",
            "mock": False,
            "tcrCampaignId": campaign.tcr_campaign_id,
            "tcrBrandId": campaign.brand.tcr_brand_id,
            "campaignStatus": status,
            "submissionStatus": "CREATED",
            "status": "EXPIRED" if campaign.deactivated else "ACTIVE",
            "createDate": campaign.created_at,
        }
        if status == "TELNYX_FAILED":
            body["failureReasons"] = "Message samples do not match the described use case"
        return body

    # ---- routing
    def answer(self, method: str, kind: str, arg: str, query: str, body: bytes) -> Reply | None:
        request = _json(body)
        brands = self.brands
        if kind == "brands":
            return brands.create(request) if method == "POST" else brands.listing(query)
        if kind == "campaigns" and method == "GET":
            return self._listing(query)
        if kind == "campaign_builder":
            if method == "POST" and not arg:
                return self._build(request)
            _, brand_id, _, usecase = [*arg.split("/"), "", "", ""][:4]
            brand = brands.usable(brand_id)
            return brands.qualify(brand, usecase) if brand else not_found("brand not found")
        if kind == "partner_campaign" and method == "GET":
            return self._partner(arg)
        if kind == "brand":
            return self._brand_route(method, arg, request)
        if kind == "campaign":
            return self._campaign_route(method, arg, query, request)
        return None

    def _brand_route(self, method: str, arg: str, request: dict[str, Any]) -> Reply | None:
        brands = self.brands
        head, _, action = arg.partition("/")
        if head == "feedback":
            found = brands.usable(action)
            return brands.feedback(found) if found else not_found("brand not found")
        brand = brands.usable(head)
        if brand is None:
            if (method, action) == ("DELETE", ""):  # its 404 is one error object
                return one_error(404, "Brand not found", code="10005")
            return None if (method, action) == ("GET", "") else not_found("brand not found")
        routes = {
            ("GET", ""): lambda: json_reply(200, {**brands.record(brand),
                                                  "assignedCampaignsCount": self._count(brand)}),
            ("PUT", ""): lambda: brands.replace(brand, request),
            ("DELETE", ""): lambda: self._delete_brand(brand),
            ("POST", "2faEmail"): lambda: brands.two_factor_email(brand),
            ("GET", "smsOtp"): lambda: brands.otp_status(brand),
            ("POST", "smsOtp"): lambda: brands.send_otp(brand, request),
            ("PUT", "smsOtp"): lambda: brands.verify_otp(brand, request),
            ("GET", "externalVetting"): lambda: brands.vettings(brand),
            ("POST", "externalVetting"): lambda: brands.order_vetting(brand, request),
            ("PUT", "externalVetting"): lambda: brands.import_vetting(brand, request),
            ("PUT", "revet"): lambda: brands.revet(brand),
        }  # fmt: skip
        route = routes.get((method, action))
        return route() if route else not_found(f"no route for {method} brand/{action}")

    def _campaign_route(
        self, method: str, arg: str, query: str, request: dict[str, Any]
    ) -> Reply | None:
        head, _, action = arg.partition("/")
        if head == "acceptSharing" and method == "POST":
            return self._accept(action)
        if (head, action) == ("usecase", "cost"):
            usecase = parse_qs(query).get("usecase", [""])[0]
            return json_reply(200, {"campaignUsecase": usecase, "description": usecase,
                                    "monthlyCost": "10.00", "upFrontCost": "30.00"})  # fmt: skip
        campaign = self.campaigns.get(head)
        if campaign is None:
            if (method, action) == ("POST", "appeal"):  # its 404 is one error object
                return one_error(404, "Campaign not found", code="10005")
            return None if (method, action) == ("GET", "") else not_found("campaign not found")
        routes = {
            ("GET", ""): lambda: json_reply(200, self.record(campaign)),
            ("PUT", ""): lambda: self._update(campaign, request),
            ("DELETE", ""): lambda: self._deactivate(campaign),
            ("POST", "appeal"): lambda: self._appeal(campaign, request),
            ("GET", "operationStatus"): lambda: json_reply(200, self._operations(campaign)),
            ("GET", "mnoMetadata"): lambda: json_reply(200, self._metadata()),
        }
        route = routes.get((method, action))
        return route() if route else not_found(f"no route for {method} campaign/{action}")

    # ---- brands with campaigns
    def _count(self, brand: FakeBrand) -> int:
        return sum(1 for c in self.campaigns.values() if c.brand is brand and not c.deactivated)

    def _delete_brand(self, brand: FakeBrand) -> Reply:
        if self._count(brand):
            return one_error(400, "Brand cannot be deleted: it has active campaigns")
        brand.deleted = True
        return Reply(204, b"", "")

    # ---- campaigns
    def _build(self, request: dict[str, Any]) -> Reply:
        brand = self.brands.usable(str(request.get("brandId")))
        if brand is None:
            return one_error(400, "Brand not found", "/brandId")
        if self.brands.identity(brand) not in ("VERIFIED", "VETTED_VERIFIED"):
            return one_error(400, "Brand is not verified", "/brandId")
        if REJECT in request.get("description", ""):
            return one_error(400, "Description does not describe the campaign", "/description")
        reference = request.get("referenceId")
        used = {c.request.get("referenceId") for c in self.campaigns.values()}
        if reference and reference in used:
            return one_error(400, "referenceId is already used", "/referenceId")
        campaign = FakeCampaign(str(uuid.uuid4()), brand, request, time.monotonic())
        self.campaigns[campaign.campaign_id] = campaign
        return json_reply(200, self.record(campaign))

    def _listing(self, query: str) -> Reply:
        asked = asked_of(query)
        newest = sorted(self.campaigns.values(), key=lambda c: c.created_at, reverse=True)
        found = [self.record(c) for c in newest if c.brand.brand_id == asked.get("brandId")]
        return record_set(asked, found)

    def _update(self, campaign: FakeCampaign, request: dict[str, Any]) -> Reply:
        campaign.request = {**campaign.request, **request}
        return json_reply(200, self.record(campaign))

    def _deactivate(self, campaign: FakeCampaign) -> Reply:
        campaign.deactivated = True
        body = {"time": time.time(), "message": "Campaign deactivated", "record_type": "campaign"}
        return json_reply(200, body)

    def _appeal(self, campaign: FakeCampaign, request: dict[str, Any]) -> Reply:
        if self.campaign_status(campaign) not in ("TELNYX_FAILED", "MNO_REJECTED"):
            return one_error(400, "Campaign is not in an appealable status")
        campaign.appealed, campaign.review_from = True, time.monotonic()
        return json_reply(200, {"appealed_at": now_text()})

    def _operations(self, campaign: FakeCampaign) -> dict[str, str]:
        words = {"MNO_PROVISIONED": "APPROVED", "TELNYX_FAILED": "REJECTED"}
        word = words.get(self.campaign_status(campaign), "REVIEW")
        return {network: word for network in NETWORKS}

    def _metadata(self) -> dict[str, Any]:
        return {
            network: {"mno": name, "qualify": True, "mnoReview": False, "mnoSupport": True,
                      "noEmbeddedLink": False, "noEmbeddedPhone": False,
                      "reqSubscriberHelp": True, "reqSubscriberOptin": True,
                      "reqSubscriberOptout": True, "minMsgSamples": 1, "tpm": 240,
                      "brandTier": "LOW"}
            for network, name in NETWORKS.items()
        }  # fmt: skip

    # ---- shared campaigns
    def _accept(self, tcr_campaign_id: str) -> Reply:
        if tcr_campaign_id == NOT_SHARED:
            return errors(400, "Campaign is not shared with this account")
        if tcr_campaign_id in self.accepted:
            return errors(400, "Campaign sharing was already accepted")
        self.accepted.add(tcr_campaign_id)
        return json_reply(202, {})

    def _partner(self, tcr_campaign_id: str) -> Reply:
        if tcr_campaign_id not in self.accepted:
            return not_found("partner campaign not found")
        body = {
            "tcrCampaignId": tcr_campaign_id,
            "tcrBrandId": "BSHARED",
            "usecase": "MIXED",
            "campaignStatus": "MNO_PROVISIONED",
            "brandDisplayName": "Partner brand",
            "description": "A campaign another CSP shared",
            "createdAt": now_text(),
        }
        return json_reply(200, body)


def _json(body: bytes) -> dict[str, Any]:
    try:
        parsed = orjson.loads(body) if body else {}
    except orjson.JSONDecodeError:
        return {}
    return parsed if isinstance(parsed, dict) else {}
