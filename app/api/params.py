"""Path and query parameters, checked once for every route: no control characters, and no
query parameter the operation does not declare.

Runs inside the authentication dependency (after 401 and 403) on routes that need a key, and
as the first dependency of the public ones, so the order of checks holds everywhere.
"""

from fastapi import Depends
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute
from starlette.requests import Request

from app.kit.errors import ValidationFailed
from app.kit.text import control_character_problem, printable

UNKNOWN = "unknown query parameter"
_DECLARED = "numlink_query_params"


def check_params(request: Request) -> None:
    problems: dict[str, str] = {}
    for name, value in request.path_params.items():
        problem = control_character_problem(str(value))
        if problem is not None:
            problems[name] = problem
    declared = declared_query_params(request.scope.get("route"))
    for name, value in request.query_params.multi_items():
        shown = printable(name)
        if name not in declared:
            problems.setdefault(shown, UNKNOWN)
            continue
        problem = control_character_problem(value)
        if problem is not None:
            problems.setdefault(shown, problem)
    if problems:
        raise ValidationFailed(details=problems)


def declared_query_params(route: object) -> frozenset[str]:
    """The query parameters the route's operation declares (its own and its dependencies'),
    worked out once per route and kept on it."""
    if not isinstance(route, APIRoute):
        return frozenset()
    names: frozenset[str] | None = getattr(route, _DECLARED, None)
    if names is None:
        names = frozenset(_query_names(route.dependant))
        setattr(route, _DECLARED, names)
    return names


def _query_names(dependant: Dependant) -> set[str]:
    names = {param.alias for param in dependant.query_params}
    for sub in dependant.dependencies:
        names |= _query_names(sub)
    return names


# For routes without an API key (operations, provider webhooks): the router's first dependency.
PUBLIC = [Depends(check_params)]
