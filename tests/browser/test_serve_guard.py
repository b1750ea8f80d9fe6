"""The running server refuses other web sites: a page open in the same browser cannot drive the app."""

from __future__ import annotations

import http.client
import shutil
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlsplit

from .conftest import Served

SPACE = Path(__file__).parents[1] / "app" / "space.toml"


def status(url: str, path: str, headers: dict[str, str]) -> int:
    parts = urlsplit(url)
    connection = http.client.HTTPConnection(parts.hostname or "", parts.port, timeout=30)
    try:
        connection.request("GET", path, headers=headers)
        return connection.getresponse().status
    finally:
        connection.close()


def websocket_headers(origin: str | None, host: str) -> dict[str, str]:
    headers = {
        "Host": host,
        "Upgrade": "websocket",
        "Connection": "Upgrade",
        "Sec-WebSocket-Key": "dGhlIHNhbXBsZSBub25jZQ==",
        "Sec-WebSocket-Version": "13",
    }
    if origin is not None:
        headers["Origin"] = origin
    return headers


def test_foreign_origins_and_host_names_are_refused(tmp_path: Path, serve: Callable[..., Served]) -> None:
    space = tmp_path / "space.toml"
    shutil.copyfile(SPACE, space)
    served = serve(str(space), "--read-only")
    host = urlsplit(served.url).netloc
    assert status(served.url, "/", {"Host": host}) == 200
    assert status(served.url, "/", {"Host": "rebound.example"}) == 403
    assert status(served.url, "/ws", websocket_headers("http://evil.example", host)) == 403
    assert status(served.url, "/ws", websocket_headers(None, host)) == 403
    assert status(served.url, "/ws", websocket_headers(f"http://{host}", host)) == 101  # the page itself
