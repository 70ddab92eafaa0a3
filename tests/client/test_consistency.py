"""The client is kept true to the gateway: its routes, models, filters and error classes are
compared with the gateway's OpenAPI document (and its error hierarchy and docs/errors.md).
Each test fails when something is on one side only.

The tables below are the only places to touch when the two sides move at different times."""

import re
import types
from collections.abc import Iterable
from pathlib import Path
from typing import Any, Union, get_args, get_origin, get_type_hints

from pydantic import BaseModel

from app.kit.errors import ALL_ERRORS
from numlink_client import errors
from tests.client.routes import client_routes, route_key, server_operations, server_spec

# client routes written from DESIGN.md before the gateway serves them, as (METHOD, path with
# {} for ids), e.g. ("GET", "/v1/events") while the events feed was being built: tolerated
# while the gateway lacks them, compared like any other once it has them
NOT_YET_ON_SERVER: set[tuple[str, str]] = set()
# (client model, field) the client reads or sends before the gateway does, likewise
FIELDS_NOT_YET_ON_SERVER: set[tuple[str, str]] = set()
# operations that are not for API users: providers call their webhooks
NOT_FOR_CLIENTS = {("POST", "/v1/providers/{}/webhooks/{}")}


def schema(ref_or_schema: dict[str, Any]) -> dict[str, Any]:
    ref = ref_or_schema.get("$ref")
    if ref is None:
        return ref_or_schema
    found: dict[str, Any] = server_spec()["components"]["schemas"][ref.rsplit("/", 1)[1]]
    return found


def nested_schemas(prop: dict[str, Any]) -> list[dict[str, Any]]:
    """The object schemas a property holds (directly, in a union, or as list items)."""
    found = []
    for option in prop.get("anyOf", prop.get("oneOf", [prop])):
        option = option.get("items", option)
        if "$ref" in option and "properties" in schema(option):
            found.append(schema(option))  # an object, not an enum
    return found


def nested_models(annotation: Any) -> list[type[BaseModel]]:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [annotation]
    if get_origin(annotation) in (list, Union, types.UnionType):
        return [m for arg in get_args(annotation) for m in nested_models(arg)]
    return []


def client_fields(model: type[BaseModel], server: dict[str, Any]) -> set[str]:
    pending = {f for m, f in FIELDS_NOT_YET_ON_SERVER if m == model.__name__}
    return set(model.model_fields) - (pending - set(server.get("properties", {})))


def pair(
    servers: list[dict[str, Any]], models: Iterable[type[BaseModel]], where: str
) -> list[tuple[dict[str, Any], type[BaseModel]]]:
    """Each server schema with the client model sharing most of its fields."""
    models = list(dict.fromkeys(models))
    assert len(servers) == len(models), (where, [s.get("title") for s in servers], models)
    paired = []
    for server in servers:
        names = set(server.get("properties", {}))
        best = max(models, key=lambda m: len(names & set(m.model_fields)))
        paired.append((server, best))
    assert len({id(m) for _, m in paired}) == len(models), (where, paired)
    return paired


def compare(server: dict[str, Any], model: type[BaseModel], where: str) -> list[str]:
    """What differs between a server schema and a client model, nested models included."""
    problems = []
    names = set(server.get("properties", {}))
    mine = client_fields(model, server)
    if names != mine:
        problems.append(
            f"{where} {model.__name__}: only on the server {sorted(names - mine)}, "
            f"only in the client {sorted(mine - names)}"
        )
    hints = get_type_hints(model)
    for name in names & mine:
        inner = nested_schemas(server["properties"][name])
        if inner:
            for s, m in pair(inner, nested_models(hints[name]), f"{where}.{name}"):
                problems += compare(s, m, f"{where}.{name}")
    return problems


def success_schemas(operation: dict[str, Any]) -> list[dict[str, Any]]:
    """The ``data`` schemas of an operation's 2xx answers (the items' for a list)."""
    found = []
    for status, response in operation["responses"].items():
        if status.startswith("2"):
            envelope = schema(response["content"]["application/json"]["schema"])
            data = envelope["properties"]["data"]
            found.append(schema(data.get("items", data)))
    return list({s["title"]: s for s in found}.values())


def test_every_operation_is_on_both_sides() -> None:
    server = {k for k in server_operations() if k[1].startswith("/v1/")}
    client = {route_key(r) for r in client_routes()}
    assert server - client - NOT_FOR_CLIENTS == set(), "operations the client lacks"
    assert client - server - NOT_YET_ON_SERVER == set(), "client routes the server lacks"


def test_answers_match_the_client_models() -> None:
    operations = server_operations()
    problems = []
    for key in sorted({route_key(r) for r in client_routes()} & set(operations)):
        where = " ".join(key)
        models = [r.model for r in client_routes() if route_key(r) == key]
        for s, m in pair(success_schemas(operations[key]), models, where):
            problems += compare(s, m, where)
    assert problems == []


def test_request_bodies_match() -> None:
    operations = server_operations()
    problems = []
    for key in sorted({route_key(r) for r in client_routes()} & set(operations)):
        where = " ".join(key)
        content = operations[key].get("requestBody", {}).get("content", {})
        body = content.get("application/json", {}).get("schema")
        servers = [] if body is None else body.get("oneOf", [body])
        models = [m for r in client_routes() if route_key(r) == key for m in r.body]
        for s, m in pair([schema(x) for x in servers], models, where):
            problems += compare(s, m, where)
            required = {n for n, f in m.model_fields.items() if f.is_required()}
            if set(s.get("required", [])) != required:
                problems.append(f"{where} {m.__name__}: required {sorted(required)}")
    assert problems == []


def test_filters_match() -> None:
    operations = server_operations()
    problems = []
    for route in client_routes():
        key = route_key(route)
        if key not in operations:
            continue
        parameters = operations[key].get("parameters", [])
        server = {p["name"] for p in parameters if p["in"] == "query"}
        mine = set(get_type_hints(route.query)) if route.query else set()
        if route.paginated:
            mine.add("cursor")  # the pager's
        if server != mine:
            problems.append(f"{' '.join(key)}: server {sorted(server)}, client {sorted(mine)}")
    assert problems == []


def documented_codes() -> set[str]:
    table = (Path(__file__).parents[2] / "docs" / "errors.md").read_text()
    return set(re.findall(r"^\| \d{3} \| `([A-Z_]+)` \|", table, re.MULTILINE))


def test_every_error_code_has_its_class() -> None:
    in_spec = set()
    for operation in server_operations().values():
        for response in operation["responses"].values():
            examples = response.get("content", {}).get("application/json", {}).get("examples")
            in_spec |= set(examples or {})
    server = in_spec | {e.code for e in ALL_ERRORS} | documented_codes()
    client = set(errors.APIError.by_code)
    assert server == client
    for code, cls in errors.APIError.by_code.items():
        name = code.title().replace("_", "")
        assert cls.__name__ == (name if name.endswith("Error") else name + "Error"), cls
        assert issubclass(cls, errors.APIError) and code == cls.CODE
