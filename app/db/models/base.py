"""The declarative base, shared column types and the mode every tenant row carries."""

from datetime import datetime
from enum import StrEnum

from sqlalchemy import (
    DateTime,
    MetaData,
    func,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Mode(StrEnum):
    LIVE = "live"
    TEST = "test"


def enum_values(enum: type[StrEnum]) -> str:
    return ", ".join(f"'{m.value}'" for m in enum)


TS = DateTime(timezone=True)

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)


class Base(DeclarativeBase):
    metadata = metadata


class Timestamps:
    created_at: Mapped[datetime] = mapped_column(TS, server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(TS, server_default=func.now())
