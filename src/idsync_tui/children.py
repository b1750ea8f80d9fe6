"""Python child processes that work beside the command that started them: on one file, the space parse
(`space/parse_ahead.py`) and `simulate`'s first-sync scan (`simulator/scan_ahead.py`), each answering on its stdout;
and `simulate`'s helper for a large profiles file (`simulator/split.py`), which takes work on its stdin.
And, for every child that writes much on a pipe (those two and the sync log's simulator), a wider pipe; for those
that answer in frames (the parse, the helper), the frame: an 8-byte length, then the bytes.

The children import this module too, so `subprocess` (~10 ms to import) is imported only where a child is started.
"""

from __future__ import annotations

import contextlib
import io
import os
import select
import sys
import time
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

if TYPE_CHECKING:  # imported where a child is started: the children themselves do not need it
    import subprocess

try:
    import fcntl
except ImportError:  # pragma: no cover - not on Windows
    fcntl = None  # type: ignore[assignment]

PIPE_BYTES = 1 << 20  # a child's stdout pipe, where the system allows it (Linux: the default limit is 1 MiB)


def start_module(module: str, path: Path, min_bytes: int) -> subprocess.Popen[bytes] | None:
    """`python -P -m MODULE PATH`, its stdout on a pipe, when `path` is a file of `min_bytes` or more; None for a
    smaller file, or when it cannot start (the caller then does the work itself)."""
    import subprocess

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
    import subprocess

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


def write_frame(stream: IO[bytes] | None, payload: bytes) -> None:
    """One frame on `stream`: the payload's length (8 bytes, big-endian), then the payload; flushed."""
    assert stream is not None
    stream.write(len(payload).to_bytes(8, "big"))
    stream.write(payload)
    stream.flush()


def read_frame(stream: IO[bytes] | None) -> bytes | None:
    """One frame, or None at the end of the stream; ValueError for a frame cut short."""
    assert stream is not None
    size = stream.read(8)
    if not size:
        return None
    if len(size) != 8:
        raise ValueError("short frame")
    payload = stream.read(int.from_bytes(size, "big"))
    if len(payload) != int.from_bytes(size, "big"):
        raise ValueError("short frame")
    return payload


class FrameReader:
    """The frames a child writes on its stdout, each taken as soon as it is complete: not when the child has exited
    (after a big answer its own clean-up takes 10-20 ms more), and without waiting for a later frame. It reads the
    pipe's descriptor directly (what it read past one frame is kept for the next), so nothing else may read the
    stream. POSIX only, as the app is: it waits on the pipe with `select`."""

    def __init__(self, stream: IO[bytes] | None) -> None:
        assert stream is not None
        self._descriptor = stream.fileno()
        self._received = bytearray()
        self._ended = False

    def next(self, seconds: float) -> bytes | None:
        """The next frame, or None when the child ended its output before starting one. TimeoutError when it is
        not complete within `seconds` (0: only if it is complete now), ValueError for a frame cut short."""
        deadline = time.monotonic() + seconds
        while True:
            received = self._received
            if len(received) >= 8:
                end = 8 + int.from_bytes(received[:8], "big")
                if len(received) >= end:
                    frame = bytes(received[8:end])
                    del received[:end]
                    return frame
            if self._ended:
                if received:
                    raise ValueError("short frame")
                return None
            left = max(deadline - time.monotonic(), 0.0)
            if not select.select([self._descriptor], [], [], left)[0]:
                raise TimeoutError(f"no complete frame within {seconds} s")
            chunk = os.read(self._descriptor, PIPE_BYTES)
            if chunk:
                received += chunk
            else:
                self._ended = True
