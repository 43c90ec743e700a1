"""What every REST handler shares: each parses its input, makes one core call in a worker thread, and answers JSON.

Errors are translated in one place per kind: core errors in ``endpoint`` (their ``http_status``:
400, 404, 409, 413, 507... and a JSON body ``{"message": "...", "error": "..."}``), anything else
there too as a JSON 500 that names no internals (the server log has the traceback), and tornado's
own refusals (403 unauthenticated, 405 wrong method) in ``MlopsHandler.write_error``. Input never
causes a 500: numbers in paths, queries and bodies are ASCII digits within bounds
(``names.ascii_int``), and bodies are decoded once, in ``MlopsHandler.body``, with a size and a
nesting-depth limit (``json_body.loads``).

Every handler requires Jupyter's authentication (``@tornado.web.authenticated``, plus
authorization on the ``mlops`` resource); POSTs are XSRF-checked by jupyter_server for
cookie-authenticated browsers.
"""

from __future__ import annotations

import asyncio
import functools
import json

import tornado.web
from jupyter_server.auth.decorator import authorized
from jupyter_server.base.handlers import APIHandler

from ..errors import InvalidInput, MlopsError, NotFound, one_line
from ..json_body import loads

API = "/mlops/api/v1"
MAX_BODY_BYTES = 1024 * 1024  # the sidebar sends a few hundred bytes; a pipeline's parameters a few KB
MAX_BODY_DEPTH = 32


def endpoint(method):
    """Run the handler body in a thread; answer its result as JSON, or a core error as 4xx JSON."""

    @functools.wraps(method)
    async def handle(self, *args, **kwargs):
        try:
            call = functools.partial(method, self, *args, **kwargs)
            result = await asyncio.get_running_loop().run_in_executor(None, call)
            answer = json.dumps(result, allow_nan=False)
        except MlopsError as error:
            self.set_status(error.http_status)
            self.finish(json.dumps({"message": one_line(error), "error": type(error).__name__}))
            return
        except Exception:  # noqa: BLE001 - a fault of ours: logged in full, answered without internals
            self.log.exception("jupyter-mlops: %s %s failed", self.request.method, self.request.path)
            self.set_status(500)
            self.finish(
                json.dumps(
                    {
                        "message": f"the jupyter-mlops extension failed on {self.request.method} "
                        f"{self.request.path[:200]}; the Jupyter server log has the details, "
                        "please report it",
                        "error": "InternalError",
                    }
                )
            )
            return
        self.finish(answer)

    return tornado.web.authenticated(authorized(handle))


class MlopsHandler(APIHandler):
    auth_resource = "mlops"

    def query(self) -> dict:
        return {name: self.get_query_argument(name) for name in self.request.query_arguments}

    def body(self) -> dict:
        """The JSON object of the request body ({} when empty); InvalidInput (400/413) for anything else."""
        if not self.request.body:
            return {}
        value = loads(self.request.body, max_bytes=MAX_BODY_BYTES, max_depth=MAX_BODY_DEPTH)
        if not isinstance(value, dict):
            raise InvalidInput(f"the request body must be a JSON object such as {{}}, got {type(value).__name__}")
        return value

    def write_error(self, status_code: int, **kwargs) -> None:
        """Tornado's own refusals (403, 404, 405...) as ``{"message", "error"}``, never with a traceback."""
        error = (kwargs.get("exc_info") or (None, None, None))[1]
        message = getattr(error, "log_message", None) or self._reason
        self.set_header("Content-Type", "application/json")
        self.finish(json.dumps({"message": one_line(message or f"HTTP {status_code}"), "error": f"HTTP {status_code}"}))


class UnknownRouteHandler(MlopsHandler):
    """Any other path under the API answers 404 JSON (after authentication), not Jupyter's HTML page."""

    def _unknown(self, path: str):
        raise NotFound(
            f"there is no jupyter-mlops API route /{path[:200]}; the routes are listed in the "
            "README's 'The REST API' section"
        )

    get = post = put = patch = delete = endpoint(_unknown)
