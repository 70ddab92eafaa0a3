"""Hand-written SQL kept readable: ``:name`` placeholders, turned into psycopg's at import."""

import re


def psycopg_params(sql: str) -> str:
    """``:name`` placeholders (readable) to psycopg's ``%(name)s``."""
    return re.sub(r"(?<![:\w]):(\w+)", r"%(\1)s", sql)
