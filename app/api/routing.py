"""The request's transaction owner: one session per request, committed once, here only; or, for
an endpoint whose write is one statement, that statement as its own transaction."""

import logging
from collections.abc import Callable, Coroutine
from typing import Any, NoReturn

from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession
from starlette.exceptions import HTTPException
from starlette.requests import ClientDisconnect, Request
from starlette.responses import Response

from app.api import idempotency
from app.db.raw import Database, StatementConnection
from app.kit.errors import InternalError, NumlinkError

log = logging.getLogger("numlink.request")

Handler = Callable[[Request], Coroutine[Any, Any, Response]]
# passed on as they are: errors with their own answer, and a client gone mid-request (which
# gets no answer; the middleware counts it)
_EXPECTED = (NumlinkError, RequestValidationError, HTTPException, ClientDisconnect)


def request_session(request: Request) -> AsyncSession:
    session: AsyncSession = request.state.session
    return session


def request_database(request: Request) -> Database:
    """The request's session, or on a single-statement route without an Idempotency-Key, its
    own connection (see ``SingleStatementRoute``)."""
    statements: StatementConnection | None = getattr(request.state, "statements", None)
    return statements if statements is not None else request_session(request)


class UnitOfWorkRoute(APIRoute):
    """Runs the endpoint in one transaction: commit on success, roll back on any error.

    Idempotent responses are stored inside that same transaction, just before the commit.
    """

    single_statement = False

    def get_route_handler(self) -> Handler:
        handler = super().get_route_handler()
        single_statement = self.single_statement

        async def run_in_transaction(request: Request) -> Response:
            state = request.app.state
            if single_statement and idempotency.HEADER not in request.headers:
                return await run_alone(request)
            engine: AsyncEngine = state.engine
            async with state.sessions() as session:
                request.state.session = session
                try:
                    response = await handler(request)
                    if response.status_code >= 400:
                        raise _ErrorResponse(response)
                    reservation = getattr(request.state, "idempotency", None)
                    if reservation is not None:
                        await idempotency.complete(session, reservation, response, state.secret_box)
                    await session.commit()
                    return response
                except idempotency.IdempotentReplay as replay:
                    return replay.response()
                except BaseException as exc:
                    await session.rollback()
                    reservation = getattr(request.state, "idempotency", None)
                    if reservation is not None:
                        await idempotency.release(engine, reservation)
                    if isinstance(exc, _ErrorResponse):
                        return exc.response
                    _raise_as_answered(exc)

        async def run_alone(request: Request) -> Response:
            statements = StatementConnection(request.app.state.statement_connections)
            request.state.statements = statements
            error: BaseException | None = None
            try:
                # an error response needs no rollback: a refused statement writes nothing
                return await handler(request)
            except BaseException as exc:
                error = exc
                _raise_as_answered(exc)
            finally:
                await statements.give_back(error)

        return run_in_transaction


def _raise_as_answered(exc: BaseException) -> NoReturn:
    """Passes on an error with its own answer (or no answer: a client gone, a cancellation);
    any other is a 500 whose cause is logged by the handler."""
    if isinstance(exc, _EXPECTED) or not isinstance(exc, Exception):
        raise exc
    raise InternalError() from exc


class SingleStatementRoute(UnitOfWorkRoute):
    """For endpoints whose whole write is one SQL statement (attach, detach): without an
    Idempotency-Key that statement is its own transaction on a connection of the app's
    statement pool (``request_database``), which saves the BEGIN and COMMIT round trips and
    the session's bookkeeping; with one, the stored response needs a real transaction, so the
    request gets a session like any other."""

    single_statement = True


class _ErrorResponse(Exception):
    def __init__(self, response: Response) -> None:
        super().__init__("error response")
        self.response = response
