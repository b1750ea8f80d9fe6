"""Reading a large space file's TOML in a child process while the app imports Textual.

`tomllib` is pure Python: ~160 ms for a 1,000-audience file (34k lines) on a 2-core box, about as long as importing
Textual. The app starts it here first, before importing anything else, in a forked child that reads the file itself;
the parent imports Textual meanwhile on the other core. The child sends back the sha-256 of the bytes it read, the
data and the entries' header lines (`lines.header_index`), pickled (~10 ms to read back). The parent uses them only
if its own read of the file has the same sha-256. Where there is no fork (Windows), for small files, or if anything
at all goes wrong, the caller parses in-process as before: this only changes how soon the data is ready, never
what it is. Only the standard library is imported here, so the child starts as early as possible.
"""

from __future__ import annotations

import hashlib
import os
import pickle
from collections.abc import Callable
from pathlib import Path
from typing import Any

# Below this, parsing in-process costs less than forking and pickling (the demo space is ~9 KiB).
MIN_BYTES = 64 * 1024

# (data, header lines): what tomllib read from the text, and lines.header_index of it (None: declined).
Parsed = tuple[dict[str, Any], dict[tuple[str | int, ...], int] | None]


def _nothing(_sha256: str) -> Parsed | None:
    return None


def parse_in_child(path: Path) -> Callable[[str], Parsed | None]:
    """Starts reading and parsing `path` in a child process. The returned call takes the sha-256 of the bytes the
    caller read and gives what the child parsed from the same bytes, or None: then the caller parses itself (the
    file is small, has no fork, cannot be read or parsed, changed in between, or the child failed)."""
    try:
        if not hasattr(os, "fork") or path.stat().st_size < MIN_BYTES:
            return _nothing
        read_end, write_end = os.pipe()
        pid = os.fork()
    except OSError:
        return _nothing
    if pid == 0:  # the child: parse, send, and leave without running the parent's exit handlers
        status = 1
        try:
            os.close(read_end)
            payload = _parse(path)
            with os.fdopen(write_end, "wb") as pipe:
                pipe.write(payload)
            status = 0
        finally:
            os._exit(status)
    os.close(write_end)

    def wait(sha256: str) -> Parsed | None:
        try:
            with os.fdopen(read_end, "rb") as pipe:
                payload = pipe.read()
            _, status = os.waitpid(pid, 0)
            if status != 0 or not payload:
                return None
            read_sha256, data, headers = pickle.loads(payload)
        except Exception:  # anything at all: the caller parses the text itself
            return None
        return (data, headers) if read_sha256 == sha256 and isinstance(data, dict) else None

    return wait


def _parse(path: Path) -> bytes:
    """In the child: the pickled (sha-256, data, header lines), or nothing when the file cannot be parsed."""
    import tomllib

    from idsync_tui.space.lines import header_index

    try:
        raw = path.read_bytes()
        text = raw.decode("utf-8")
        data = tomllib.loads(text)
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
        return b""
    headers = header_index(text, data)
    return pickle.dumps((hashlib.sha256(raw).hexdigest(), data, headers), protocol=pickle.HIGHEST_PROTOCOL)
