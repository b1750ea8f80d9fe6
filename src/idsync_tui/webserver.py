"""textual-serve's Server with two guards (imported only by `idsync-tui serve`, once the `[web]` extra is there).

It only answers pages whose Host is the address being served (a loopback name when it listens on loopback, so a
DNS-rebound name cannot reach it) and websockets whose Origin is that page: another web site open in the same
browser cannot drive the app. The page's websocket and static addresses follow the address the browser used
(127.0.0.1, localhost, a machine name), not the address listened on (0.0.0.0 means nothing to a browser).
"""

from __future__ import annotations

from typing import Any

from aiohttp import web
from textual_serve.server import Server

from idsync_tui.serve import is_loopback, request_allowed


class GuardedServer(Server):  # type: ignore[misc]  # textual-serve is untyped for mypy
    def allowed(self, request: web.Request, websocket: bool) -> bool:
        origin = request.headers.get("Origin")
        if websocket and origin is None:
            return False  # browsers always send one with a websocket
        return request_allowed(request.host, origin, is_loopback(self.host))

    async def handle_index(self, request: web.Request) -> Any:
        if not self.allowed(request, websocket=False):
            raise web.HTTPForbidden(text="idsync-tui serve: this address is not the one being served\n")
        self.public_url = f"{request.scheme}://{request.host}"
        return await super().handle_index(request)

    async def handle_websocket(self, request: web.Request) -> Any:
        if not self.allowed(request, websocket=True):
            raise web.HTTPForbidden(text="idsync-tui serve: a websocket from another site is refused\n")
        return await super().handle_websocket(request)
