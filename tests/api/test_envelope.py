"""Every response is the envelope, with a ULID request id; 401/403 come before validation."""

import asyncio
import logging
import re
from collections.abc import AsyncIterator
from typing import Any

import pytest
from fastapi import APIRouter, FastAPI, Request
from sqlalchemy import text
from starlette.types import Message

from app.api.routing import UnitOfWorkRoute, request_session
from app.kit.logging import JSONFormatter
from app.kit.metrics import HTTP_REQUESTS
from tests.support.api import Api, World, error_code

ULID = re.compile(r"^[0-9A-HJKMNP-TV-Z]{26}$")


def assert_error(response: Any, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) == {"success", "error"} and body["success"] is False
    error = body["error"]
    assert error["code"] == code
    assert ULID.match(error["request_id"])
    assert response.headers["x-request-id"] == error["request_id"]
    assert "detail" not in body and "Traceback" not in response.text
    return dict(error)


@pytest.mark.parametrize("route_class", [UnitOfWorkRoute, None], ids=["v1-route", "plain-route"])
async def test_a_bug_is_500_without_a_stack_trace(
    api: Api, app: FastAPI, route_class: type[UnitOfWorkRoute] | None
) -> None:
    router = APIRouter(route_class=route_class) if route_class else APIRouter()

    @router.get("/boom")
    async def boom() -> None:
        raise RuntimeError("hidden-detail")

    app.router.routes.extend(router.routes)
    response = await api.get("/boom")
    error = assert_error(response, 500, "INTERNAL_ERROR")
    assert error["message"] == "internal error"
    assert "hidden-detail" not in response.text and "RuntimeError" not in response.text


async def test_success_carries_request_id(api: Api, world: World) -> None:
    response = await api.get("/v1/brands", world.test_key)
    assert response.status_code == 200
    assert ULID.match(response.headers["x-request-id"])
    assert response.json()["success"] is True


@pytest.mark.parametrize("key", ["none", "valid", "bad"])
async def test_unknown_route_is_404_whatever_the_key(api: Api, world: World, key: str) -> None:
    header = {"none": None, "valid": world.test_key, "bad": "am_test_bad"}[key]
    response = await api.get("/v1/nothing-here", header)
    assert_error(response, 404, "NOT_FOUND")
    assert_error(await api.post("/v1/nothing-here", header, {"a": 1}), 404, "NOT_FOUND")
    assert_error(await api.get("/v1/brands/", world.test_key), 404, "NOT_FOUND")


async def test_wrong_method_is_405_with_allow(api: Api, world: World) -> None:
    response = await api.request("PUT", "/v1/brands", world.test_key, {})
    assert_error(response, 405, "METHOD_NOT_ALLOWED")
    assert set(response.headers["allow"].replace(" ", "").split(",")) >= {"GET", "POST"}
    number_path = await api.request("PUT", "/v1/phone-numbers/x/campaign", world.test_key)
    allow = set(number_path.headers["allow"].replace(" ", "").split(","))
    assert allow >= {"POST", "DELETE"}


async def post_raw(api: Api, key: str | None, content: Any, content_type: str | None) -> Any:
    headers = {"Authorization": f"Bearer {key}"} if key else {}
    if content_type:
        headers["Content-Type"] = content_type
    return await api.client.post("/v1/brands", content=content, headers=headers)


@pytest.mark.parametrize(
    ("content", "content_type", "status", "code", "field"),
    [
        (b"{bad", "application/json", 422, "VALIDATION_FAILED", "body"),
        (b"[1, 2]", "application/json", 422, "VALIDATION_FAILED", "body"),
        (b"", "application/json", 422, "VALIDATION_FAILED", "body"),
        (
            b"provider=sandbox",
            "application/x-www-form-urlencoded",
            415,
            "UNSUPPORTED_MEDIA_TYPE",
            None,
        ),
        (b'{"provider": "sandbox"}', None, 415, "UNSUPPORTED_MEDIA_TYPE", None),
        (
            b'{"provider": 5, "provider_brand_id": "B"}',
            "application/json",
            422,
            "VALIDATION_FAILED",
            "provider",
        ),
        (  # without provider_brand_id, a registration: its fields are missing
            b'{"provider": "sandbox"}',
            "application/json",
            422,
            "VALIDATION_FAILED",
            "entity_type",
        ),
        (
            b'{"provider": "sandbox", "provider_brand_id": "B", "x": 1}',
            "application/json; charset=utf-8",
            422,
            "VALIDATION_FAILED",
            "x",
        ),
        (
            b'{"provider": "sandbox", "provider_brand_id": 7}',
            "application/json",
            422,
            "VALIDATION_FAILED",
            "provider_brand_id",
        ),
    ],
)
async def test_bad_bodies(
    api: Api,
    world: World,
    content: bytes,
    content_type: str | None,
    status: int,
    code: str,
    field: str | None,
) -> None:
    error = assert_error(await post_raw(api, world.test_key, content, content_type), status, code)
    if field is not None:
        assert field in error["details"], error


async def test_oversized_bodies_are_413(api: Api, world: World) -> None:
    big = b'{"provider": "sandbox", "provider_brand_id": "' + b"x" * 70_000 + b'"}'
    assert_error(
        await post_raw(api, world.test_key, big, "application/json"), 413, "PAYLOAD_TOO_LARGE"
    )

    async def chunks() -> AsyncIterator[bytes]:
        for _ in range(20):
            yield b"x" * 8192

    response = await api.client.post(
        "/v1/brands",
        content=chunks(),
        headers={"Authorization": f"Bearer {world.test_key}", "Content-Type": "application/json"},
    )
    assert_error(response, 413, "PAYLOAD_TOO_LARGE")


async def test_auth_comes_before_validation(api: Api, world: World) -> None:
    assert_error(
        await post_raw(api, "am_test_bad", b"{bad", "application/json"), 401, "UNAUTHORIZED"
    )
    assert_error(await api.get("/v1/brands?limit=0", "am_test_bad"), 401, "UNAUTHORIZED")
    reader = await world.key(scopes=["numbers:read"])
    assert_error(await post_raw(api, reader, b"{bad", "application/json"), 403, "FORBIDDEN")
    assert_error(await api.get("/v1/brands?limit=0", reader), 403, "FORBIDDEN")


async def test_validation_details_name_query_fields(api: Api, world: World) -> None:
    error = assert_error(
        await api.get("/v1/phone-numbers?number_type=satellite", world.test_key),
        422,
        "VALIDATION_FAILED",
    )
    assert "number_type" in error["details"]
    assert (
        error_code(await api.get("/v1/campaigns?brand_id=nope", world.test_key))
        == "VALIDATION_FAILED"
    )


async def test_error_logs_carry_no_sql_parameters_or_request_values(
    api: Api, app: FastAPI, caplog: pytest.LogCaptureFixture
) -> None:
    router = APIRouter(route_class=UnitOfWorkRoute)

    @router.post("/boom-sql")
    async def boom_sql(request: Request) -> None:
        value = (await request.json())["value"]
        await request_session(request).execute(text("SELECT CAST(:v AS integer)"), {"v": value})

    app.router.routes.extend(router.routes)
    with caplog.at_level(logging.INFO):
        response = await api.post("/boom-sql", json={"value": "secret-value-42"})
    assert_error(response, 500, "INTERNAL_ERROR")
    logged = "\n".join(JSONFormatter().format(record) for record in caplog.records)
    assert "InvalidTextRepresentation" in logged  # what failed, and where, is still there
    assert "SELECT CAST" in logged and "boom_sql" in logged
    assert "secret-value-42" not in logged


async def test_a_client_gone_mid_body_is_not_an_internal_error(
    app: FastAPI, world: World, caplog: pytest.LogCaptureFixture
) -> None:
    messages: list[Message] = [
        {"type": "http.request", "body": b'{"provider": "sand', "more_body": True},
        {"type": "http.disconnect"},
    ]
    sent: list[Message] = []

    async def receive() -> Message:
        if messages:
            return messages.pop(0)
        await asyncio.sleep(60)
        raise AssertionError("read after the disconnect")

    async def send(message: Message) -> None:
        sent.append(message)

    headers = [
        (b"host", b"numlink.test"),
        (b"authorization", f"Bearer {world.test_key}".encode()),
        (b"content-type", b"application/json"),
        (b"content-length", b"60"),
    ]
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": "/v1/brands",
        "raw_path": b"/v1/brands",
        "query_string": b"",
        "root_path": "",
        "headers": headers,
        "client": ("127.0.0.1", 50000),
        "server": ("numlink.test", 80),
    }
    errors_before = HTTP_REQUESTS.labels("POST", "/v1/brands", "500")._value.get()
    gone_before = HTTP_REQUESTS.labels("POST", "/v1/brands", "499")._value.get()
    with caplog.at_level(logging.INFO):
        await app(scope, receive, send)
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING] == []
    assert not [m for m in sent if m.get("status") == 500]
    assert HTTP_REQUESTS.labels("POST", "/v1/brands", "500")._value.get() == errors_before
    assert HTTP_REQUESTS.labels("POST", "/v1/brands", "499")._value.get() == gone_before + 1
