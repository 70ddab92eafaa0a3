"""Matching requests to the client's routes, and the server's OpenAPI document."""

import re
from functools import cache
from typing import Any

from numlink_client._routes import ROUTES, Route

CALLED: set[tuple[str, str]] = set()  # (method, path) of every request the tests' clients sent


def pattern(route: Route[Any]) -> re.Pattern[str]:
    return re.compile(re.escape(route.template).replace(r"\{\}", "[^/]+") + "$")


def route_key(route: Route[Any]) -> tuple[str, str]:
    return route.method, route.template


def called(route: Route[Any]) -> bool:
    match = pattern(route)
    return any(method == route.method and match.match(path) for method, path in CALLED)


@cache
def server_spec() -> dict[str, Any]:
    from app.main import create_app

    return create_app().openapi()


def server_operations() -> dict[tuple[str, str], dict[str, Any]]:
    """(METHOD, template with ``{}`` for each parameter) → the operation."""
    found = {}
    for path, item in server_spec()["paths"].items():
        template = re.sub(r"\{[^}]+\}", "{}", path)
        for method, operation in item.items():
            found[(method.upper(), template)] = operation
    return found


def client_routes() -> list[Route[Any]]:
    import numlink_client  # noqa: F401  (every resource module registers its routes)

    return list(ROUTES)
