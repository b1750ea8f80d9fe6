"""`idsync-tui serve [SPACE]`: the same app in a browser, for demos (textual-serve, the optional `[web]` extra).

textual-serve starts one app process per browser tab (a shell command per websocket session, its screen sent over
the websocket by Textual's web driver). Each process is `python -m idsync_tui ...` with the options below, so a tab
is exactly the terminal app: with SPACE every tab edits that file and saving goes through the usual conflict check;
without SPACE each tab gets its own scratch copy of the bundled demo (`--scratch-demo`), so two people demoing never
overwrite each other.

The server (webserver.py) refuses pages for another host name and websockets from another site, so a web page
open in the same browser cannot drive the app.
"""

from __future__ import annotations

import argparse
import ipaddress
import shlex
import sys
from pathlib import Path
from typing import TextIO
from urllib.parse import urlsplit

INSTALL_HINT = (
    "idsync-tui serve needs the optional web extra (textual-serve). Install it with:\n"
    "  pip install 'idsync-tui[web]'        (from a clone: pip install -e '.[web]')"
)
LOOPBACK_NAMES = {"localhost", "localhost.localdomain", "ip6-localhost", "ip6-loopback"}


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "space", nargs="?", metavar="SPACE", help="space file to serve (default: each tab its own copy of the demo)"
    )
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default: 127.0.0.1, this machine)")
    parser.add_argument("--port", type=int, default=8000, help="port to listen on (default: 8000)")
    parser.add_argument("--read-only", action="store_true", help="turn saving off (the header says so)")
    parser.add_argument("--theme", help="theme name for every tab")


def is_loopback(host: str) -> bool:
    """Whether `host` (a name or an address, maybe in [brackets]) only ever means this machine."""
    host = host.strip("[]").lower()
    if host in LOOPBACK_NAMES or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def app_command(space: Path | None, read_only: bool, theme: str | None) -> str:
    """The shell command textual-serve runs for each browser tab (it starts it with a shell)."""
    words = [sys.executable, "-P", "-m", "idsync_tui"]  # -P: not the working folder's idsync_tui, if it has one
    words += [str(space)] if space is not None else ["--scratch-demo"]
    if read_only:
        words.append("--read-only")
    if theme:
        words += ["--theme", theme]
    return shlex.join(words)


def run_serve(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    try:
        from idsync_tui.webserver import GuardedServer
    except ImportError:
        print(INSTALL_HINT, file=err)
        return 2
    if not 0 < args.port < 65536:
        print(f"idsync-tui serve: --port {args.port} is not a port number (1-65535)", file=err)
        return 2
    space: Path | None = None
    if args.space is not None:
        from idsync_tui.space.loader import SpaceReadError, load_space

        space = Path(args.space).resolve()
        try:  # say now, in this terminal, what each tab would otherwise show on its own
            load_space(space)
        except SpaceReadError as error:
            print(f"idsync-tui: {error}", file=err)
            return 2
    if not is_loopback(args.host):
        print(
            f"warning: serving on {args.host}: anyone who can reach port {args.port} can "
            + ("see the space" if args.read_only else f"edit {space or 'the demo'} (use --read-only to prevent it)"),
            file=err,
        )
    what = f"{space}" if space else "the demo space (each tab its own scratch copy)"
    print(f"idsync-tui: serving {what}{' read-only' if args.read_only else ''} on http://{_netloc(args)}/", file=out)
    out.flush()
    server = GuardedServer(
        app_command(space, args.read_only, args.theme),
        host=args.host,
        port=args.port,
        title="idsync-tui" + (f" - {space.name}" if space else " - demo"),
    )
    try:
        server.serve()
    except OSError as error:  # the port is taken, the address is not this machine's...
        print(f"idsync-tui serve: cannot listen on {_netloc(args)}: {error.strerror or error}", file=err)
        print("Choose another --port (or --host).", file=err)
        return 2
    return 0


def _netloc(args: argparse.Namespace) -> str:
    host = f"[{args.host}]" if ":" in args.host else args.host
    return f"{host}:{args.port}"


def request_allowed(host_header: str, origin: str | None, serving_loopback: bool) -> bool:
    """Whether a request with this Host (and, for the websocket, Origin) header may use the app."""
    if not host_header:
        return False
    hostname = urlsplit(f"//{host_header}").hostname or ""
    if serving_loopback and not is_loopback(hostname):
        return False  # a DNS-rebound name pointing at this machine
    if origin is None:
        return True
    parts = urlsplit(origin)
    return parts.scheme in ("http", "https") and parts.netloc.lower() == host_header.lower()
