"""Every route of the client was called against a running gateway by the tests of this folder
(named to run after them). Routes the gateway does not serve yet are left out until it does."""

from pathlib import Path

import pytest

from tests.client.routes import called, client_routes, route_key, server_operations


def test_every_client_route_was_called(request: pytest.FixtureRequest) -> None:
    ran = {item.path.name for item in request.session.items}
    here = {path.name for path in Path(__file__).parent.glob("test_*.py")}
    if not here <= ran or request.config.option.keyword or request.config.option.markexpr:
        pytest.skip("only when the whole folder runs")
    served = set(server_operations())
    missed = [
        " ".join(route_key(r)) for r in client_routes() if route_key(r) in served and not called(r)
    ]
    assert missed == []
