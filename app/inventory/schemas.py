from typing import Any

from app.kit.schemas import RequestSchema
from app.numbers.schemas import Label
from app.provider_accounts.schemas import ProviderName

MAX_BATCH = 10_000


class SyncRequest(RequestSchema):
    provider: ProviderName


class BatchRegister(RequestSchema):
    """Up to 10,000 numbers (E.164) the org holds at the provider. Items that are not E.164
    strings are refused one by one, like any other bad item."""

    provider: ProviderName
    numbers: list[Any]
    label: Label | None = None
