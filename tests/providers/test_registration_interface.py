"""The registration interface: every provider declaring a capability builds adapters that
implement its Protocol, registration needs the lookup by client reference, and a field
refusal carries the provider's words per field."""

from typing import Any

import httpx
import pytest

from providers.base import ProviderFieldsRejected
from providers.catalog import DESCRIPTORS
from providers.descriptor import (
    PROTOCOLS,
    AdapterContext,
    Capability,
    LedgerObject,
    ProviderDescriptor,
)
from providers.registration import BrandFields, CampaignFields
from providers.sandbox import DESCRIPTOR as SANDBOX
from tests.support.app import test_catalog


class _Ledger:
    async def record(self, *args: Any) -> None: ...

    async def read(self, number: str) -> None: ...

    async def forget(self, number: str) -> None: ...

    async def page_by_campaign(self, *args: Any) -> list[Any]:
        return []

    async def hold(self, *args: Any) -> None: ...

    async def release(self, *args: Any) -> None: ...

    async def page(self, *args: Any) -> list[Any]:
        return []

    async def put(self, *args: Any) -> LedgerObject:
        raise NotImplementedError

    async def get(self, kind: str, ref: str) -> None: ...

    async def find(self, kind: str, client_ref: str) -> None: ...


@pytest.mark.parametrize("descriptor", DESCRIPTORS, ids=lambda d: d.name)
async def test_declared_capabilities_are_implemented(descriptor: ProviderDescriptor) -> None:
    catalog = test_catalog()
    credentials = {"api_key": "KEY12345", "auth_id": "MA1234", "auth_token": "token1234"}
    async with httpx.AsyncClient() as http:
        context = AdapterContext(
            name=descriptor.name,
            settings=catalog.settings(descriptor.name),
            credentials=credentials,
            webhook_url="https://numlink.example/hook",
            http=http,
            ledger=_Ledger(),
            inventory=_Ledger(),
            objects=_Ledger(),
        )
        adapter = descriptor.build(context)
    for capability in descriptor.capabilities:
        protocol = PROTOCOLS.get(capability)
        if protocol is not None:
            assert isinstance(adapter, protocol), (descriptor.name, capability)
    assert descriptor.updatable_brand_fields <= BrandFields.names()
    assert descriptor.updatable_campaign_fields <= CampaignFields.names()


def test_the_sandbox_serves_every_registration_operation() -> None:
    assert set(PROTOCOLS) <= SANDBOX.capabilities


def test_registration_needs_the_lookup_by_reference() -> None:
    with pytest.raises(ValueError, match="find_by_reference"):
        ProviderDescriptor(
            name="x",
            live=True,
            settings_model=SANDBOX.settings_model,
            build=SANDBOX.build,
            capabilities=frozenset({Capability.REGISTER_CAMPAIGN}),
        )
    with pytest.raises(ValueError, match="update_campaign"):
        ProviderDescriptor(
            name="x",
            live=True,
            settings_model=SANDBOX.settings_model,
            build=SANDBOX.build,
            updatable_campaign_fields=frozenset({"description"}),
        )


def test_field_refusals_name_their_fields() -> None:
    refused = ProviderFieldsRejected("no", {"ein": "EIN does not match the company name"})
    assert (refused.reason, refused.fields) == (
        "no",
        {"ein": "EIN does not match the company name"},
    )
    assert ProviderFieldsRejected("no reason given", {}).fields == {"body": "no reason given"}
