"""REST handlers of the Models tab's "Running servers": the model servers running on this store
(address, traffic split, per-version stats) and the command that shifts a server's traffic.

Same contract as ``handlers.py``, whose ``endpoint`` decorator they use: authenticated, one core
call in a worker thread, core errors as 4xx JSON. ``handlers.py`` imports this module at its end
and the routes below join ``handlers.ROUTES``.

The shift goes through ``set_traffic``: it calls the model server's ``POST /traffic`` with the
admin token from the store's 0600 token file, so this Jupyter server can shift the servers its
own user started, wherever they run on this machine, and nobody else's.
"""

from __future__ import annotations

from . import handlers, wire, wire_serving
from .handlers import MlopsHandler, endpoint


class ServersHandler(MlopsHandler):
    @endpoint
    def get(self):
        from ..serving.servers import list_servers

        args = self.query()
        stopped = wire.boolean(args, "include_stopped")
        return {"servers": wire_serving.servers(list_servers(args.get("model") or None, include_stopped=stopped))}


class ServerTrafficHandler(MlopsHandler):
    @endpoint
    def post(self, server_id: str):
        from ..serving.servers import set_traffic

        change = wire_serving.traffic_request(self.body())
        return wire_serving.traffic_change(server_id, set_traffic(server_id, **change))


ROUTES = [
    (r"/servers", ServersHandler),
    (r"/servers/(?P<server_id>[^/]+)/traffic", ServerTrafficHandler),
]
handlers.ROUTES.extend(route for route in ROUTES if route not in handlers.ROUTES)
