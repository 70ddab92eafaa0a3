"""The API's operations as data: method, path, the models of the body and of the answer, the
filters. Resources build their calls from these, and the consistency test compares this table
with the gateway's OpenAPI document."""

from dataclasses import dataclass
from typing import Any, Generic, TypeVar
from urllib.parse import quote

from numlink_client._flow import Call, Listing, one
from numlink_client.models.base import ApiObject, Page, RequestBody, ResponseInfo

M = TypeVar("M", bound=ApiObject)

ROUTES: list["Route[Any]"] = []


@dataclass(frozen=True)
class Route(Generic[M]):
    """``template`` has ``{}`` where ids go, e.g. ``/v1/phone-numbers/{}/campaign``."""

    method: str
    template: str
    model: type[M]
    body: tuple[type[RequestBody], ...] = ()
    query: type | None = None  # the TypedDict of a list's filters
    paginated: bool = False

    def __post_init__(self) -> None:
        ROUTES.append(self)

    def path(self, ids: tuple[str, ...]) -> str:
        # an id is one path segment whatever it holds ("a/b" must not reach another route)
        return self.template.format(*(quote(str(i), safe="") for i in ids))

    def call(self, *ids: str, body: RequestBody | None = None, key: str | None = None) -> Call[M]:
        assert body is None or isinstance(body, self.body), (body, self.body)
        return Call(self.method, self.path(ids), one(self.model), None, body, key)

    def listing(self, *ids: str, **params: Any) -> Listing[M]:
        """A cursor list, walked page by page."""
        return Listing(self.path(ids), self.model, params)

    def every(self, *ids: str) -> Call[list[M]]:
        """A list the gateway answers in one page (a brand's vettings, a campaign's
        carriers)."""

        def parse(envelope: dict[str, Any], _: ResponseInfo) -> list[M]:
            return [self.model.model_validate(item) for item in envelope["data"]]

        return Call(self.method, self.path(ids), parse)


def page_route(template: str, model: type[M], query: type) -> Route[M]:
    return Route("GET", template, model, query=query, paginated=True)


__all__ = ["ROUTES", "Page", "Route", "page_route"]
