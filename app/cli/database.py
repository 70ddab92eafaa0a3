"""Which database the CLI uses: ``DATABASE_URL``, or the embedded server in the data dir."""

import os

from app.db.embedded import start_embedded
from app.db.engine import async_url
from app.db.migrations import upgrade
from app.settings import Settings


def resolve_database(settings: Settings, *, migrate: bool) -> str:
    """Returns the URL; starts the embedded server (and migrates it) when none is configured.

    The URL is also exported as ``DATABASE_URL`` so child processes use the same database.
    """
    if settings.database_url:
        url = async_url(settings.database_url)
    else:
        url = start_embedded(settings.data_dir)
        migrate = True
    if migrate:
        upgrade(url)
    os.environ["DATABASE_URL"] = url
    settings.database_url = url
    return url
