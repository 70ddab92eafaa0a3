"""The typed Python client of the numlink API.

    from numlink_client import Numlink
    client = Numlink(api_key="am_test_…")
    for number in client.phone_numbers.list(campaign_id=campaign_id): ...

``AsyncNumlink`` is the same for asyncio. Errors are in ``numlink_client.errors`` (one class per
error code), models in ``numlink_client.models``, webhook verification in
``numlink_client.webhooks``.
"""

__version__ = "0.1.0"

from numlink_client import errors, models, webhooks
from numlink_client._client import AsyncNumlink, Numlink
from numlink_client._runtime import AsyncPager, Pager
from numlink_client.errors import (
    APIConnectionError,
    APIError,
    APITimeoutError,
    NumlinkError,
    WaitTimeoutError,
    WebhookVerificationError,
)
from numlink_client.models import (
    BrandRegistration,
    BrandUpdate,
    CampaignRegistration,
    CampaignUpdate,
)

__all__ = [
    "APIConnectionError",
    "APIError",
    "APITimeoutError",
    "AsyncNumlink",
    "AsyncPager",
    "BrandRegistration",
    "BrandUpdate",
    "CampaignRegistration",
    "CampaignUpdate",
    "Numlink",
    "NumlinkError",
    "Pager",
    "WaitTimeoutError",
    "WebhookVerificationError",
    "__version__",
    "errors",
    "models",
    "webhooks",
]
