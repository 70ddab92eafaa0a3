"""What every model shares: the configuration of objects the API returns (new fields the
gateway adds later are kept, not refused) and of request bodies (unknown fields refused before
anything is sent), and the page of a list."""

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Generic, TypeVar

from pydantic import BaseModel, ConfigDict, PrivateAttr


@dataclass(frozen=True)
class ResponseInfo:
    """About the HTTP answer an object came in."""

    status_code: int
    request_id: str | None
    idempotent_replayed: bool  # the gateway replayed the answer stored for this Idempotency-Key


class ApiObject(BaseModel):
    """An object as the API returns it."""

    model_config = ConfigDict(extra="allow", defer_build=True)
    _response: ResponseInfo | None = PrivateAttr(default=None)

    @property
    def response_info(self) -> ResponseInfo | None:
        """The HTTP answer this object came in (None for objects nested in another)."""
        return self._response

    def __eq__(self, other: object) -> bool:
        # the same object read twice is equal: the answers it came in do not count
        if not isinstance(other, ApiObject):
            return NotImplemented
        return (
            type(self) is type(other)
            and self.__dict__ == other.__dict__
            and self.__pydantic_extra__ == other.__pydantic_extra__
        )

    __hash__ = None  # type: ignore[assignment]  # mutable, like every pydantic model


class RequestBody(BaseModel):
    """A request body: checked here (types, unknown fields), then by the gateway."""

    model_config = ConfigDict(extra="forbid", defer_build=True)

    def to_json(self) -> dict[str, Any]:
        # fields left out stay out: in a PATCH, absent means "unchanged" and null means "clear"
        return self.model_dump(mode="json", exclude_unset=True)


class ListMeta(ApiObject):
    total: int
    limit: int
    next_cursor: str | None = None
    last_event_at: datetime | None = None  # the org's newest event


T = TypeVar("T")


@dataclass(frozen=True)
class Page(Generic[T]):
    """One page of a cursor list."""

    data: list[T]
    meta: ListMeta
