"""Bodies that are one of several shapes, told apart by a field (e.g. ``POST /v1/brands``
imports with ``provider_brand_id`` and registers without it). Each shape is parsed strictly by
``app.api.body.json_body``, so errors read as for any body."""

from collections.abc import Awaitable, Callable
from typing import Any

import orjson
from pydantic import BaseModel
from starlette.requests import Request

from app.api.body import body_doc, json_body


def json_body_variants(
    choose: Callable[[dict[str, Any]], type[BaseModel]],
) -> Callable[[Request], Awaitable[BaseModel]]:
    """``choose`` picks the shape from the body's JSON object (an empty one when the body is
    not an object: the chosen shape's parser then says what is wrong)."""

    async def parse_variant(request: Request) -> BaseModel:
        try:
            value = orjson.loads(await request.body())
        except orjson.JSONDecodeError:
            value = None
        model = choose(value if isinstance(value, dict) else {})
        return await json_body(model)(request)

    return parse_variant


def variants_doc(*models: type[BaseModel]) -> dict[str, Any]:
    """OpenAPI ``requestBody``: one of the shapes."""
    schemas = [body_doc(m)["requestBody"]["content"]["application/json"]["schema"] for m in models]
    content = {"application/json": {"schema": {"oneOf": schemas}}}
    return {"requestBody": {"required": True, "content": content}}
