from collections.abc import Iterator

import pytest
from sqlalchemy import Engine, create_engine, pool

from tests.support.database import DatabaseServer


@pytest.fixture
def unmigrated(server: DatabaseServer) -> Iterator[tuple[str, Engine]]:
    """A new database with no tables, and a plain engine on it: for tests that walk the
    migrations up and down over data of their own."""
    url = server.create_database(migrate=False)
    engine = create_engine(url, poolclass=pool.NullPool)
    yield url, engine
    engine.dispose()
