"""Stored responses of requests sent with an Idempotency-Key."""

import uuid
from datetime import datetime

from sqlalchemy import (
    Integer,
    LargeBinary,
    String,
    func,
)
from sqlalchemy.dialects.postgresql import UUID
from sqlalchemy.orm import Mapped, mapped_column

from app.db.models.base import TS, Base


class IdempotencyKey(Base):
    """No FK to api_keys: reservations are committed on their own connection first."""

    __tablename__ = "idempotency_keys"
    api_key_id: Mapped[uuid.UUID] = mapped_column(UUID, primary_key=True)
    key: Mapped[str] = mapped_column(String(255), primary_key=True)
    fingerprint: Mapped[str] = mapped_column(String(64))
    response_status: Mapped[int | None] = mapped_column(Integer)
    response_body: Mapped[bytes | None] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(TS, server_default=func.now(), index=True)
