"""``client.provider_accounts``: the org's own Telnyx and Plivo credentials (live mode)."""

import builtins

from numlink_client._flow import Call, body
from numlink_client._routes import Route
from numlink_client._runtime import Mode, Resource, endpoint
from numlink_client.models.accounts import PlivoAccount, ProviderAccount, TelnyxAccount

ACCOUNT = "/v1/provider-accounts/{}"
PUT = Route("PUT", ACCOUNT, ProviderAccount, (TelnyxAccount, PlivoAccount))
GET = Route("GET", ACCOUNT, ProviderAccount)
DELETE = Route("DELETE", ACCOUNT, ProviderAccount)
LIST = Route("GET", "/v1/provider-accounts", ProviderAccount)


class ProviderAccounts(Resource[Mode]):
    @endpoint
    def configure_telnyx(
        self,
        *,
        api_key: str,
        public_key: str | None = None,
        rate_per_s: float | None = None,
        idempotency_key: str | None = None,
    ) -> Call[ProviderAccount]:
        """Sets the org's Telnyx account; ``public_key`` verifies Telnyx's webhooks."""
        request = body(TelnyxAccount, api_key=api_key, public_key=public_key, rate_per_s=rate_per_s)
        return PUT.call("telnyx", body=request, key=idempotency_key)

    @endpoint
    def configure_plivo(
        self,
        *,
        auth_id: str,
        auth_token: str,
        rate_per_s: float | None = None,
        idempotency_key: str | None = None,
    ) -> Call[ProviderAccount]:
        request = body(PlivoAccount, auth_id=auth_id, auth_token=auth_token, rate_per_s=rate_per_s)
        return PUT.call("plivo", body=request, key=idempotency_key)

    @endpoint
    def get(self, provider: str) -> Call[ProviderAccount]:
        """The account without its secrets, with the ``webhook_url`` to set at the provider."""
        return GET.call(provider)

    @endpoint
    def delete(self, provider: str, *, idempotency_key: str | None = None) -> Call[ProviderAccount]:
        return DELETE.call(provider, key=idempotency_key)

    @endpoint
    def list(self) -> Call[builtins.list[ProviderAccount]]:
        return LIST.every()
