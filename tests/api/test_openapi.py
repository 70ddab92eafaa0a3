"""The OpenAPI document lists every error code each operation can return."""

from typing import Any

from app.kit.errors import ALL_ERRORS
from tests.support.api import Api

ATTACH_CODES = {
    "VALIDATION_FAILED",
    "NOT_FOUND",
    "CAMPAIGN_NOT_ACTIVE",
    "BRAND_NOT_VERIFIED",
    "NUMBER_NOT_ASSIGNED",
    "PROVIDER_MISMATCH",
    "NUMBER_NOT_ELIGIBLE",
    "PROVIDER_NOT_CONFIGURED",  # live mode: no account at the campaign's provider
    "UNAUTHORIZED",
    "FORBIDDEN",
    "IDEMPOTENCY_IN_PROGRESS",
    "IDEMPOTENCY_KEY_REUSED",
    "RATE_LIMITED",
    "PAYLOAD_TOO_LARGE",
    "UNSUPPORTED_MEDIA_TYPE",
    "INTERNAL_ERROR",
}


# POST actions that take no body
BODYLESS_ACTIONS = ("/refresh", "/2fa-email", "/otp", "/revet", "/retry")


def documented_codes(operation: dict[str, Any]) -> set[str]:
    codes: set[str] = set()
    for response in operation["responses"].values():
        examples = response.get("content", {}).get("application/json", {}).get("examples", {})
        codes |= set(examples)
    return codes


async def test_every_v1_operation_documents_its_errors(api: Api) -> None:
    response = await api.get("/openapi.json")
    assert response.status_code == 200
    spec = response.json()
    operations = [
        (path, method, op)
        for path, item in spec["paths"].items()
        if path.startswith("/v1/")
        for method, op in item.items()
    ]
    assert len(operations) >= 15
    for path, method, op in operations:
        assert {"401", "403", "422", "429", "500"} <= set(op["responses"]), (method, path)
        if method in ("post", "patch") and not path.endswith(BODYLESS_ACTIONS):
            schema = op["requestBody"]["content"]["application/json"]["schema"]
            for variant in schema.get("oneOf", [schema]):
                assert variant["properties"], (method, path)
    attach = spec["paths"]["/v1/phone-numbers/{number_id}/campaign"]["post"]
    assert documented_codes(attach) >= ATTACH_CODES
    assert documented_codes(attach) - ATTACH_CODES == set()


async def test_docs_page(api: Api) -> None:
    response = await api.get("/docs")
    assert response.status_code == 200 and "text/html" in response.headers["content-type"]


async def test_every_error_code_appears_in_the_spec(api: Api) -> None:
    spec = (await api.get("/openapi.json")).text
    assert [e.code for e in ALL_ERRORS if e.code not in spec] == []


async def test_bearer_security_on_every_operation_that_needs_a_key(api: Api) -> None:
    spec = (await api.get("/openapi.json")).json()
    schemes = spec["components"]["securitySchemes"]
    ((name, scheme),) = schemes.items()
    assert (scheme["type"], scheme["scheme"]) == ("http", "bearer")
    assert "security" not in spec  # no global requirement: public operations stay public
    for path, item in spec["paths"].items():
        for method, operation in item.items():
            public = not path.startswith("/v1/") or path.startswith("/v1/providers/")
            expected: list[dict[str, list[str]]] = [] if public else [{name: []}]
            assert operation.get("security", []) == expected, (method, path)
    public_paths = {p for p in spec["paths"] if not p.startswith("/v1/")}
    assert public_paths == {"/healthz", "/readyz", "/metrics"}


def string_schemas(schema: Any) -> list[dict[str, Any]]:
    if not isinstance(schema, dict):
        return []
    found = [schema] if schema.get("type") == "string" else []
    for sub in (*schema.get("properties", {}).values(), *schema.get("anyOf", [])):
        found += string_schemas(sub)
    return found + string_schemas(schema.get("items"))


async def test_request_strings_document_the_character_rule(api: Api) -> None:
    """Tools that generate requests from the spec know control characters are refused."""
    spec = (await api.get("/openapi.json")).json()
    for path, item in spec["paths"].items():
        for method, operation in item.items():
            schemas = [p["schema"] for p in operation.get("parameters", [])]
            for content in operation.get("requestBody", {}).get("content", {}).values():
                schemas.append(content["schema"])
            for string in (s for schema in schemas for s in string_schemas(schema)):
                assert {"pattern", "enum", "format"} & set(string), (method, path, string)
    label = spec["paths"]["/v1/phone-numbers"]["post"]["requestBody"]["content"][
        "application/json"
    ]["schema"]["properties"]["label"]["anyOf"][0]
    assert "\\u0009" not in label["pattern"] and "\\u000b" in label["pattern"]  # tab, newline
