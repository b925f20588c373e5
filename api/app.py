"""The Starlette application: ``create_app(home)`` builds it; ``deptnews serve`` runs it on uvicorn."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from api import routes
from api.problems import Problem, handle_http, handle_problem, handle_unexpected
from api.state import build_state
from archive.home import DataHome


async def health(request: Request) -> Response:
    return JSONResponse({"status": "ok"})


def create_app(home: DataHome) -> Starlette:
    """The API over one data home. Nothing is opened until the first request needs it."""
    state = build_state(home)

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        yield
        state.search.close()

    app = Starlette(
        routes=[*routes.routes, Route("/healthz", health, name="health")],
        exception_handlers={
            Problem: handle_problem,
            HTTPException: handle_http,
            Exception: handle_unexpected,
        },
        lifespan=lifespan,
    )
    app.state.deptnews = state
    return app
