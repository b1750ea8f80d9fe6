"""Python child processes that work on one file beside the command that started them: the space parse
(`space/parse_ahead.py`) and `simulate`'s first-sync scan (`simulator/scan_ahead.py`). Each answers on its stdout."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path


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
