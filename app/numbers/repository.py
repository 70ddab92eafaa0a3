import uuid
from collections.abc import Mapping
from typing import Any

from sqlalchemy import Select, delete, func, select, update

from app.db.models import PhoneNumber
from app.db.tenancy import TenantRepository
from app.events.recorder import record_objects, recording_updates
from app.events.statements import (
    ASSIGNMENT_COLUMNS,
    ASSIGNMENT_SUMMARY,
    DELETED_SUMMARY,
    NUMBER_SUMMARY,
)
from app.kit.errors import NotFound


class PhoneNumberRepository(TenantRepository[PhoneNumber]):
    model = PhoneNumber
    noun = "phone number"

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
        number: str | None = None,
        label: str | None = None,
        assigned: bool | None = None,
        messaging_profile_id: str | None = None,
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
        if number is not None:
            stmt = stmt.where(PhoneNumber.number == number)
        if label is not None:
            stmt = stmt.where(PhoneNumber.label == label)
        if assigned is not None:
            stmt = stmt.where(PhoneNumber.assigned == assigned)
        if messaging_profile_id is not None:
            stmt = stmt.where(PhoneNumber.messaging_profile_id == messaging_profile_id)
        return stmt

    async def lock(self, number_id: uuid.UUID | None) -> PhoneNumber:
        """The tenant's number, locked for a change that depends on its state (404 if none)."""
        stmt = self.scoped(select(PhoneNumber).where(PhoneNumber.id == number_id))
        found: PhoneNumber | None = (await self.session.execute(stmt.with_for_update())).scalar()
        if number_id is None or found is None:
            raise NotFound(f"{self.noun} not found")
        return found

    async def create(self, number: PhoneNumber) -> PhoneNumber:
        number = await self.add(number)
        await record_objects(self.session, self.tenant, NUMBER_SUMMARY, [number])
        return number

    async def delete(self, number: PhoneNumber) -> None:
        """The number, locked (``lock``), goes with its event."""
        stmt = self.scoped(delete(PhoneNumber).where(PhoneNumber.id == number.id))
        await self.session.execute(stmt)
        await record_objects(self.session, self.tenant, DELETED_SUMMARY, [number])

    async def update_fields(self, number_id: uuid.UUID, values: Mapping[str, Any]) -> None:
        """Fields set from the API or a provider read; an assignment change is an event."""
        stmt = self.scoped(update(PhoneNumber).where(PhoneNumber.id == number_id))
        async with recording_updates(
            self.session,
            self.tenant,
            PhoneNumber,
            [number_id],
            ASSIGNMENT_COLUMNS,
            ASSIGNMENT_SUMMARY,
        ):
            await self.session.execute(stmt.values(**values, updated_at=func.now()))
