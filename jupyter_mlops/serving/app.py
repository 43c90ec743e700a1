"""The HTTP adapter: a Starlette app over a ``ServingState``.

Each endpoint checks auth and size, decodes JSON, makes one call into the state and answers
JSON; every error becomes ``{"message", "error"[, "errors"]}`` with its status in one place
(``endpoint`` for core errors, ``unexpected`` for anything else): 401 without the bearer token,
413 over the size limit, 400 for a body nested deeper than 64 levels, 422 for a body that is not
JSON or does not fit the signature (``errors`` names each field), 404/405 for unknown routes, and
500 (with no traceback in the body; the server's log has it) only for a fault of the server itself.

Browsers are kept out (``BrowserGuard``, before any route): this server serves no web pages, so a
request carrying an ``Origin`` other than the server's own (``scheme://host:port``) is refused with
403, and a POST whose Content-Type is not ``application/json`` with 415. A web page can send
``text/plain`` or form bodies to any address without asking first (no CORS preflight); without this
a page a user visits could fill the prediction log that drift-triggered retraining reads. Clients
(httpx ``json=``, ``urllib`` with the header, ``set_traffic``) send ``application/json`` already.

Endpoints: ``GET /health``, ``GET /ready``, ``GET /openapi.json``, ``POST /predict``,
``POST /feedback``, ``GET /stats``, ``POST /traffic`` (always needs the admin token).

>>> app = build_app(state, token=None, admin_token="s3cret", max_body_bytes=8 << 20)   # doctest: +SKIP
"""

from __future__ import annotations

import functools
import hmac
import re

from ..errors import InvalidInput, MlopsError, one_line
from ..json_body import BodyTooLarge
from .log import to_json
from .payload import PayloadError, parse_json

DEFAULT_MAX_BODY_BYTES = 8 * 1024 * 1024
INLINE_BODY_BYTES = 64 * 1024  # larger bodies are scored on a worker thread, off the event loop
_REQUEST_ID = re.compile(r"^[A-Za-z0-9_.:\-]{1,128}$")


class Unauthorized(MlopsError):
    """A request without the server's bearer token."""

    http_status = 401


class CrossSiteRequest(MlopsError):
    """A request from a web page of another origin (its ``Origin`` header is not this server's)."""

    http_status = 403


class UnsupportedMediaType(InvalidInput):
    """A POST whose body is not declared as ``application/json``."""

    http_status = 415


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
    """Answer a core error as JSON with its status (anything else is ``unexpected``'s)."""

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
    if declared.isascii() and declared.isdigit() and (len(declared) > 18 or int(declared) > limit):
        raise too_large
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise too_large
        chunks.append(chunk)
    return b"".join(chunks)


def _origin(url: str) -> tuple:
    """``(scheme, host, port)`` of an origin or URL, with the scheme's default port filled in."""
    from urllib.parse import urlsplit

    parts = urlsplit(url.strip().lower())
    try:
        port = parts.port
    except ValueError:
        return ("", url, None)
    return (parts.scheme, parts.hostname, port or {"http": 80, "https": 443}.get(parts.scheme))


def browser_refusal(method: str, headers, own_url: str | None) -> MlopsError | None:
    """Why a request looks like a cross-site browser request (CrossSiteRequest, UnsupportedMediaType), or None.

    >>> browser_refusal("POST", {"origin": "https://evil.example", "content-type": "application/json"},
    ...                 "http://127.0.0.1:8000").http_status
    403
    >>> browser_refusal("POST", {"content-type": "text/plain"}, "http://127.0.0.1:8000").http_status
    415
    >>> browser_refusal("POST", {"origin": "http://127.0.0.1:8000", "content-type": "application/json; charset=utf-8"},
    ...                 "http://127.0.0.1:8000") is None
    True
    """
    origin = headers.get("origin")
    if origin is not None and (own_url is None or _origin(origin) != _origin(own_url)):
        return CrossSiteRequest(f"requests from web pages of other origins are refused (Origin: {origin[:100]!r}); "
                                f"call the model server from a program or a server, not from a browser page")
    if method == "POST":
        media = headers.get("content-type", "").split(";")[0].strip().lower()
        if media != "application/json":
            return UnsupportedMediaType(f"POST bodies must be JSON sent with 'Content-Type: application/json', got "
                                        f"{media[:100] or 'no Content-Type'!r}; set that header")
    return None


class BrowserGuard:
    """ASGI middleware answering ``browser_refusal``'s error before any route sees the request."""

    def __init__(self, app, own_url):
        self.app, self.own_url = app, own_url

    async def __call__(self, scope, receive, send):
        if scope["type"] == "http":
            from starlette.datastructures import Headers

            refusal = browser_refusal(scope["method"], Headers(scope=scope), self.own_url())
            if refusal is not None:
                await error_response(refusal)(scope, receive, send)
                return
        await self.app(scope, receive, send)


async def unexpected(request, exc):
    """Any exception no endpoint answered: a JSON 500 without the traceback (uvicorn logs it)."""
    return json_response({"message": f"the model server failed on {request.method} {request.url.path} "
                                     f"({type(exc).__name__}); its log has the details, please report it",
                          "error": "InternalError"}, 500)


def traffic_change(payload) -> dict:
    """A ``POST /traffic`` body as keyword arguments of ``set_traffic``; PayloadError naming each field at fault.

    >>> traffic_change({"challenger_share": 0.25})
    {'challenger_share': 0.25}
    """
    allowed = ("mode", "challenger_share", "active", "reason")
    if not isinstance(payload, dict) or any(k not in allowed for k in payload):
        raise PayloadError([{"field": "body", "problem": f"expected an object with some of: {', '.join(allowed)}"}])
    errors = [{"field": key, "problem": "expected text"} for key in ("mode", "active", "reason")
              if payload.get(key) is not None and not isinstance(payload[key], str)]
    share = payload.get("challenger_share")
    if share is not None and (isinstance(share, bool) or not isinstance(share, (int, float))):
        errors.append({"field": "challenger_share", "problem": "expected a number between 0 and 1"})
    if errors:
        raise PayloadError(errors)
    return payload


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
    from starlette.middleware import Middleware
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
        change = traffic_change(parse_json(await read_body(request, max_body_bytes)))
        return json_response(state.set_traffic(**change))

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
    return Starlette(routes=routes, exception_handlers={HTTPException: not_found, Exception: unexpected},
                     middleware=[Middleware(BrowserGuard, own_url=lambda: state.url)])
