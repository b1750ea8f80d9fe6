"""Python child processes that work on one file beside the command that started them: the space parse
(`space/parse_ahead.py`) and `simulate`'s first-sync scan (`simulator/scan_ahead.py`). Each answers on its stdout.
And, for every child that writes much on a pipe (those two and the sync log's simulator), a wider pipe."""

from __future__ import annotations

import contextlib
import io
import subprocess
import sys
from pathlib import Path
from typing import IO

try:
    import fcntl
except ImportError:  # pragma: no cover - not on Windows
    fcntl = None  # type: ignore[assignment]

PIPE_BYTES = 1 << 20  # a child's stdout pipe, where the system allows it (Linux: the default limit is 1 MiB)


def start_module(module: str, path: Path, min_bytes: int) -> subprocess.Popen[bytes] | None:
    """`python -P -m MODULE PATH`, its stdout on a pipe, when `path` is a file of `min_bytes` or more; None for a
    smaller file, or when it cannot start (the caller then does the work itself)."""
    try:
        if path.stat().st_size < min_bytes:
            return None
        return subprocess.Popen(
            # -P: the working folder is not put on the child's import path (a folder named idsync_tui where the
            # command was started must not be run).
            [sys.executable, "-P", "-m", module, str(path)],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
        )
    except (OSError, ValueError):
        return None


def stop(process: subprocess.Popen[bytes]) -> None:
    """Stops the child if it still runs (its starter ended early or gave up on it) and closes its pipe."""
    if process.poll() is None:
        process.kill()
        process.wait()
    if process.stdout is not None:
        process.stdout.close()


def widen_pipe(stream: IO[str]) -> None:
    """Where the system allows it (Linux), a larger pipe buffer for a child's stdout: its answer goes in with fewer
    hand-overs between the processes (the 1,000-audience space's parse: read back in 15-22 ms instead of 27-30).
    Anything else (a file, another system, a limit) leaves the pipe as it is."""
    setter = getattr(fcntl, "F_SETPIPE_SZ", None) if fcntl is not None else None
    if setter is None:
        return
    with contextlib.suppress(OSError, ValueError, io.UnsupportedOperation):
        fcntl.fcntl(stream.fileno(), setter, PIPE_BYTES)
