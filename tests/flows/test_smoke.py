from tests.support.api import Api, World, data


async def test_attach_flow_records_pending(api: Api, world: World) -> None:
    campaign = await world.campaign()
    number = await world.number()
    attached = data(await world.attach(number["id"], campaign["id"]))
    assert attached["campaign_id"] == campaign["id"]
    assert attached["carrier_line_option_status"] == "pending"
