"""The HTTP adapter: a Starlette app over a ``ServingState``.

Each endpoint checks auth and size, decodes JSON, makes one call into the state and answers
JSON; every error becomes ``{"message", "error"[, "errors"]}`` with its status in one place
(``endpoint``): 401 without the bearer token, 413 over the size limit, 422 for a body that is not
JSON or does not fit the signature (``errors`` names each field), 404/405 for unknown routes.

Endpoints: ``GET /health``, ``GET /ready``, ``GET /openapi.json``, ``POST /predict``,
``POST /feedback``, ``GET /stats``, ``POST /traffic`` (always needs the admin token).

>>> app = build_app(state, token=None, admin_token="s3cret", max_body_bytes=8 << 20)   # doctest: +SKIP
"""

from __future__ import annotations

import functools
import hmac
import re

from ..errors import InvalidInput, MlopsError, one_line
from .log import to_json
from .payload import PayloadError, parse_json

DEFAULT_MAX_BODY_BYTES = 8 * 1024 * 1024
INLINE_BODY_BYTES = 64 * 1024  # larger bodies are scored on a worker thread, off the event loop
_REQUEST_ID = re.compile(r"^[A-Za-z0-9_.:\-]{1,128}$")


class Unauthorized(MlopsError):
    """A request without the server's bearer token."""

    http_status = 401


class BodyTooLarge(InvalidInput):
    """A request body over the server's size limit."""

    http_status = 413


def json_response(content, status: int = 200, headers: dict | None = None, background=None):
    """JSON with NaN/infinity as null (a model may predict them; strict JSON has no such numbers)."""
    from starlette.responses import Response

    return Response(to_json(content), status_code=status, headers=headers, media_type="application/json",
                    background=background)


def error_response(error: MlopsError):
    body = {"message": one_line(error), "error": type(error).__name__}
    if isinstance(error, PayloadError):
        body["errors"] = error.errors
    headers = {"WWW-Authenticate": "Bearer"} if isinstance(error, Unauthorized) else None
    return json_response(body, error.http_status, headers)


def endpoint(handler):
    """Answer a core error as JSON with its status; nothing else escapes as a bare 500 page."""

    @functools.wraps(handler)
    async def wrapped(request):
        try:
            return await handler(request)
        except MlopsError as error:
            return error_response(error)

    return wrapped


def check_token(request, expected: str | None, what: str, hint: str = "the server's token") -> None:
    if expected is None:
        return
    given = request.headers.get("authorization", "")
    scheme, _, value = given.partition(" ")
    if scheme.lower() != "bearer" or not hmac.compare_digest(value.strip().encode(), expected.encode()):
        raise Unauthorized(f"{what} needs a bearer token ({hint}): send the header 'Authorization: Bearer <token>'")


async def read_body(request, limit: int) -> bytes:
    """The body, refused (413) as soon as it is known to exceed ``limit`` bytes."""
    declared = request.headers.get("content-length", "")
    too_large = BodyTooLarge(f"the request body is larger than this server's limit of {limit:,} bytes; send fewer "
                             "rows per request (or start the server with a larger max_body_bytes)")
    if declared.isdigit() and int(declared) > limit:
        raise too_large
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise too_large
        chunks.append(chunk)
    return b"".join(chunks)


def request_id_of(request) -> str:
    given = request.headers.get("x-request-id")
    if given is None:
        import uuid

        return uuid.uuid4().hex
    if not _REQUEST_ID.match(given):
        raise PayloadError([{"field": "X-Request-Id", "problem": "use 1-128 letters, digits, '_', '.', ':' or '-'"}])
    return given


def build_app(state, token: str | None, admin_token: str, max_body_bytes: int = DEFAULT_MAX_BODY_BYTES):
    """The ASGI app serving ``state``; ``token`` guards everything but /health and /ready."""
    from starlette.applications import Starlette
    from starlette.background import BackgroundTask
    from starlette.concurrency import run_in_threadpool
    from starlette.exceptions import HTTPException
    from starlette.routing import Route

    from .openapi import openapi_document

    async def health(request):
        return json_response({"status": "ok", "server_id": state.server_id})

    async def ready(request):
        sides = state.models.current
        body = {"ready": state.ready, **{side: p.label for side, p in sides.items()}}
        return json_response(body, 200 if state.ready else 503)

    @endpoint
    async def openapi(request):
        check_token(request, token, "GET /openapi.json")
        return json_response(openapi_document(state))

    @endpoint
    async def predict(request):
        check_token(request, token, "POST /predict")
        body = await read_body(request, max_body_bytes)
        payload, request_id = parse_json(body), request_id_of(request)
        if len(body) > INLINE_BODY_BYTES:
            answer, shadow = await run_in_threadpool(state.predict, payload, request_id)
        else:
            answer, shadow = state.predict(payload, request_id)
        task = BackgroundTask(run_in_threadpool, shadow) if shadow else None
        return json_response(answer, headers={"X-Request-Id": request_id}, background=task)

    @endpoint
    async def feedback(request):
        check_token(request, token, "POST /feedback")
        return json_response(state.feedback(parse_json(await read_body(request, max_body_bytes))))

    @endpoint
    async def stats(request):
        check_token(request, token, "GET /stats")
        return json_response(state.status())

    @endpoint
    async def traffic(request):
        check_token(request, admin_token, "POST /traffic",
                    f"the server's token, or the admin token in the store's servers/{state.server_id}.token file; "
                    "set_traffic() reads it")
        payload = parse_json(await read_body(request, max_body_bytes))
        allowed = ("mode", "challenger_share", "active", "reason")
        if not isinstance(payload, dict) or any(k not in allowed for k in payload):
            raise PayloadError([{"field": "body", "problem": f"expected an object with some of: {', '.join(allowed)}"}])
        return json_response(state.set_traffic(**payload))

    async def not_found(request, exc):
        status = getattr(exc, "status_code", 404)
        message = {404: f"no endpoint {request.url.path}; endpoints: /health, /ready, /openapi.json, /predict, "
                        "/feedback, /stats, /traffic",
                   405: f"{request.method} is not allowed on {request.url.path}"}.get(status, str(exc.detail))
        return json_response({"message": message, "error": "HTTPException"}, status)

    routes = [Route("/health", health), Route("/ready", ready), Route("/openapi.json", openapi),
              Route("/predict", predict, methods=["POST"]), Route("/invocations", predict, methods=["POST"]),
              Route("/feedback", feedback, methods=["POST"]), Route("/stats", stats),
              Route("/traffic", traffic, methods=["POST"])]
    return Starlette(routes=routes, exception_handlers={HTTPException: not_found})
