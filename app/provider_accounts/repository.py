import secrets
from typing import Any

from sqlalchemy import Select, delete, func, select
from sqlalchemy.dialects.postgresql import insert

from app.db.models import ProviderAccount
from app.db.tenancy import TenantRepository
from app.kit.ids import new_id


class ProviderAccountRepository(TenantRepository[ProviderAccount]):
    model = ProviderAccount

    async def get_by_provider(self, provider: str) -> ProviderAccount | None:
        stmt = self.scoped(select(ProviderAccount).where(ProviderAccount.provider == provider))
        found: ProviderAccount | None = (await self.session.execute(stmt)).scalar()
        return found

    def list_query(self) -> Select[Any]:
        return self.scoped(select(ProviderAccount))

    async def put(
        self, provider: str, credentials: bytes, hint: str, rate_per_s: float | None
    ) -> ProviderAccount:
        values = {"credentials": credentials, "credentials_hint": hint, "rate_per_s": rate_per_s}
        token = secrets.token_hex(24)
        stmt: Any = (
            insert(ProviderAccount)
            .values(
                id=new_id(),
                provider=provider,
                webhook_token=token,
                **values,
                **self.tenant_values(),
            )
            .on_conflict_do_update(
                index_elements=["org_id", "mode", "provider"],
                set_={**values, "updated_at": func.now()},
            )
            .returning(ProviderAccount)
            .execution_options(populate_existing=True)
        )
        account: ProviderAccount = (await self.session.execute(stmt)).scalar_one()
        return account

    async def remove(self, provider: str) -> ProviderAccount | None:
        """Deletes the account; returns it as it was (None if there was none)."""
        stmt = self.scoped(
            delete(ProviderAccount).where(ProviderAccount.provider == provider)
        ).returning(ProviderAccount)
        removed: ProviderAccount | None = (await self.session.execute(stmt)).scalar()
        return removed


async def find_by_webhook_token(session: Any, provider: str, token: str) -> ProviderAccount | None:
    """Unscoped by design: an inbound provider webhook carries no API key, and the account its
    URL names is what tells which org it is for (its signature is checked with that account)."""
    stmt = select(ProviderAccount).where(
        ProviderAccount.webhook_token == token, ProviderAccount.provider == provider
    )
    found: ProviderAccount | None = (await session.execute(stmt)).scalar()
    return found
