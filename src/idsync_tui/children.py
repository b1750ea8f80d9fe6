"""Python child processes that work beside the command that started them: on one file, the space parse
(`space/parse_ahead.py`) and `simulate`'s first-sync scan (`simulator/scan_ahead.py`), each answering on its stdout;
and `simulate`'s helper for a large profiles file (`simulator/split.py`), which takes work on its stdin.
And, for every child that writes much on a pipe (those two and the sync log's simulator), a wider pipe."""

from __future__ import annotations

import contextlib
import io
import subprocess
import sys
from pathlib import Path
from typing import IO, Any

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


def start_helper(module: str) -> subprocess.Popen[bytes] | None:
    """`python -P -m MODULE` with its stdin and stdout on pipes (both wide where the system allows it: `widen_pipe`),
    for a child that takes work and gives answers in turn (`simulator/split.py`); None when it cannot start."""
    try:
        process = subprocess.Popen(
            [sys.executable, "-P", "-m", module],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
        )
    except (OSError, ValueError):
        return None
    widen_pipe(process.stdin)
    return process


def stop(process: subprocess.Popen[bytes]) -> None:
    """Stops the child if it still runs (its starter ended early or gave up on it) and closes its pipe."""
    if process.poll() is None:
        process.kill()
        process.wait()
    for pipe in (process.stdin, process.stdout):
        if pipe is not None:
            with contextlib.suppress(OSError):  # a helper's stdin with unsent bytes, after the helper is gone
                pipe.close()


def widen_pipe(stream: IO[Any] | None) -> None:
    """Where the system allows it (Linux), a larger pipe buffer for a child's stdout: its answer goes in with fewer
    hand-overs between the processes (the 1,000-audience space's parse: read back in 15-22 ms instead of 27-30).
    Anything else (a file, another system, a limit) leaves the pipe as it is."""
    setter = getattr(fcntl, "F_SETPIPE_SZ", None) if fcntl is not None else None
    if setter is None or stream is None:
        return
    with contextlib.suppress(OSError, ValueError, io.UnsupportedOperation):
        fcntl.fcntl(stream.fileno(), setter, PIPE_BYTES)
