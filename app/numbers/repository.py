import uuid
from collections.abc import Mapping
from typing import Any

import psycopg
from psycopg.rows import dict_row
from sqlalchemy import Select, func, select, update

from app.kit.tenancy import TenantRepository
from app.models import PhoneNumber
from app.numbers.sql import ATTACH, DETACH


class PhoneNumberRepository(TenantRepository):
    model = PhoneNumber

    async def get(self, number_id: uuid.UUID | None) -> PhoneNumber | None:
        if number_id is None:
            return None
        stmt = self.scoped(select(PhoneNumber).where(PhoneNumber.id == number_id))
        found: PhoneNumber | None = (await self.session.execute(stmt)).scalar()
        return found

    async def number_exists(self, number: str) -> bool:
        stmt = self.scoped(select(PhoneNumber.id).where(PhoneNumber.number == number))
        return (await self.session.execute(stmt)).first() is not None

    def list_query(
        self,
        *,
        campaign_id: uuid.UUID | None = None,
        number_type: str | None = None,
        line_status: str | None = None,
        provider: str | None = None,
    ) -> Select[Any]:
        stmt = self.scoped(select(PhoneNumber))
        if campaign_id is not None:
            stmt = stmt.where(PhoneNumber.campaign_id == campaign_id)
        if number_type is not None:
            stmt = stmt.where(PhoneNumber.number_type == number_type)
        if line_status is not None:
            stmt = stmt.where(PhoneNumber.carrier_line_option_status == line_status)
        if provider is not None:
            stmt = stmt.where(PhoneNumber.provider == provider)
        return stmt

    async def add(self, number: PhoneNumber) -> PhoneNumber:
        number.org_id, number.mode = self.tenant.org_id, self.tenant.mode.value
        self.session.add(number)
        await self.session.flush()
        await self.session.refresh(number)
        return number

    async def attach(
        self, number_id: uuid.UUID | None, campaign_id: uuid.UUID
    ) -> tuple[str, Mapping[str, Any]]:
        return await self._link_statement(ATTACH, number_id, campaign_id=campaign_id)

    async def detach(self, number_id: uuid.UUID | None) -> tuple[str, Mapping[str, Any]]:
        return await self._link_statement(DETACH, number_id)

    async def _link_statement(
        self, stmt: str, number_id: uuid.UUID | None, **params: Any
    ) -> tuple[str, Mapping[str, Any]]:
        # The hot path: straight on the session's own connection (and transaction, if any),
        # without SQLAlchemy's statement machinery.
        connection = await (await self.session.connection()).get_raw_connection()
        driver: psycopg.AsyncConnection[Any] = connection.driver_connection  # type: ignore[assignment]
        values = {
            "number_id": number_id,
            "org_id": self.tenant.org_id,
            "mode": self.tenant.mode.value,
            **params,
        }
        async with driver.cursor(row_factory=dict_row) as cursor:
            await cursor.execute(stmt, values, prepare=True)
            row = await cursor.fetchone()
        assert row is not None
        return str(row["outcome"]), row

    async def update_fields(self, number_id: uuid.UUID, values: Mapping[str, Any]) -> None:
        stmt = self.scoped(update(PhoneNumber).where(PhoneNumber.id == number_id))
        await self.session.execute(stmt.values(**values, updated_at=func.now()))
