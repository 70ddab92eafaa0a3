"""Brands: import, re-import, get, list."""

from app.brands.schemas import BrandOut
from tests.support.api import Api, World, data


async def test_brand_import_and_reimport(api: Api, world: World) -> None:
    body = {"provider": "sandbox", "provider_brand_id": "BR-1"}
    created = data(await api.post("/v1/brands", world.test_key, body), 201)
    assert set(created) == set(BrandOut.model_fields)
    assert {"tcr_brand_id", "entity_type", "failure_reasons", "identity_status"} <= set(created)
    assert (created["provider"], created["identity_status"]) == ("sandbox", "VERIFIED")
    again = data(await api.post("/v1/brands", world.test_key, body), 200)
    assert again["id"] == created["id"]
    assert data(await api.get(f"/v1/brands/{created['id']}", world.test_key)) == again
    listed = data(await api.get("/v1/brands", world.test_key))
    assert [b["id"] for b in listed] == [created["id"]]
