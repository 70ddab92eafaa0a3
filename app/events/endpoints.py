import uuid

from fastapi import APIRouter, Depends, Query, Request
from pydantic import AwareDatetime
from starlette.responses import Response

from app.api.auth import AuthContext, authorize
from app.api.envelope import Envelope, ListEnvelope, ok
from app.api.openapi import errors_doc
from app.api.pagination import PageParams, ok_list, page_params, paginate
from app.api.routing import UnitOfWorkRoute, request_session
from app.db.models import Event
from app.events import service
from app.events.repository import EventRepository
from app.events.schemas import EventOut
from app.events.types import EventType
from app.kit.errors import NotFound
from app.kit.ids import parse_id

router = APIRouter(prefix="/v1/events", tags=["events"], route_class=UnitOfWorkRoute)


@router.get(
    "",
    response_model=ListEnvelope[EventOut],
    responses=errors_doc(),
    summary="List events, newest first",
)
async def list_events(
    request: Request,
    auth: AuthContext = Depends(authorize("events:read")),
    page: PageParams = Depends(page_params),
    type: EventType | None = Query(None, description="Only events of this type."),
    resource_id: uuid.UUID | None = Query(None, description="Only events about this object."),
    created_after: AwareDatetime | None = Query(
        None, description="Only events created after this instant (with its time zone)."
    ),
) -> Response:
    repo = EventRepository(request_session(request), auth.tenant)
    stmt = repo.list_query(event_type=type, resource_id=resource_id, created_after=created_after)
    rows, meta = await paginate(repo.session, stmt, Event.id, page)
    return await ok_list(repo.session, auth.tenant, [EventOut.of(r) for r in rows], meta)


@router.get(
    "/{event_id}",
    response_model=Envelope[EventOut],
    responses=errors_doc(NotFound),
    summary="Get an event",
)
async def get_event(
    event_id: str, request: Request, auth: AuthContext = Depends(authorize("events:read"))
) -> Response:
    repo = EventRepository(request_session(request), auth.tenant)
    return ok(await service.get_event(repo, parse_id(event_id)))
