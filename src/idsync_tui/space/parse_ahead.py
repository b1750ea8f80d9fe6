"""Parsing a large space file in a child process while the app imports Textual and its screens.

Even compiled (tomli), parsing a 1,000-audience space (~600 KB) takes ~150 ms, about as long as the imports the app
needs before it can draw anything. So for a file of MIN_BYTES or more the command line first starts

    python -m idsync_tui.space.parse_ahead FILE

and imports the app meanwhile; the child reads the file, parses it (`toml_read.toml_loads`, the same call as
in-process), indexes its table headers (`lines.header_index`) and writes `(sha-256 of the bytes, data, headers)`
pickled to its stdout. The parent then reads the file itself and takes the child's data only when the sha-256 of
its own bytes is the same. In every other case (a small file, the child cannot start, fails, finds a syntax error,
or read other bytes) the parent parses as it always does: this changes how soon the data is ready, never what it
is, and every message about a bad file still comes from the parent's own parse.

The parent's side imports only `subprocess` before it starts the child; what the child needs (tomli, the two
modules above) and `pickle` are imported where they are used.
Measured gain: benchmarks/README.md ("Parsing ahead in a child process").
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

from idsync_tui import children

# Below this, parsing in-process costs less than starting a Python child (~30 ms) and pickling (the demo is ~9 KiB).
MIN_BYTES = 64 * 1024
# The parent waits at most this long for the child's answer, then parses itself (a 64 MiB file parses in ~20 s).
WAIT_SECONDS = 120.0

# (data, header lines): what toml_loads read from the text, and header_index of it (None: it declined).
Parsed = tuple[dict[str, Any], dict[tuple[str | int, ...], int] | None]


class ParseAhead:
    """A child process parsing one space file; `take` gives its result for the bytes the caller read."""

    def __init__(self, process: subprocess.Popen[bytes]) -> None:
        self._process = process

    @classmethod
    def start(cls, path: Path) -> ParseAhead | None:
        """Starts parsing `path` in a child when it is a file of MIN_BYTES or more; None otherwise. (A file larger
        than a space file may be is refused by the child as by the parent.)"""
        process = children.start_module(__name__, path, MIN_BYTES)
        return cls(process) if process is not None else None

    def take(self, sha256: str) -> Parsed | None:
        """What the child parsed, when the bytes it read have this sha-256; None otherwise (then parse yourself)."""
        import pickle

        try:
            payload, _ = self._process.communicate(timeout=WAIT_SECONDS)
            if self._process.returncode != 0 or not payload:
                return None
            read_sha256, data, headers = pickle.loads(payload)  # our own child's output, on our own pipe
        except Exception:  # anything at all (a timeout, a killed child, a short read): the caller parses itself
            self.close()
            return None
        return (data, headers) if read_sha256 == sha256 and isinstance(data, dict) else None

    def close(self) -> None:
        """Stops the child if it still runs (the app exits early, or `take` gave up on it)."""
        children.stop(self._process)


def parse(raw: bytes) -> bytes:
    """The child's answer for these bytes: pickled (sha-256, data, header lines), or b"" when they do not parse."""
    import hashlib
    import pickle

    from idsync_tui.space import toml_read
    from idsync_tui.space.lines import header_index

    try:
        text = raw.decode("utf-8")
        if text.startswith(toml_read.UTF8_BOM):  # as SpaceDocument reads it: the BOM is not part of the TOML
            text = text[1:]
        data = toml_read.toml_loads(text)
    except (UnicodeDecodeError, toml_read.TomlError):
        return b""
    answer = (hashlib.sha256(raw).hexdigest(), data, header_index(text, data))
    return pickle.dumps(answer, protocol=pickle.HIGHEST_PROTOCOL)


def main(argv: list[str]) -> int:
    """The child: `python -m idsync_tui.space.parse_ahead FILE`; the answer on stdout, exit 1 for no answer."""
    from idsync_tui.space import files, toml_read

    try:
        payload = parse(files.read_bounded(Path(argv[0]), toml_read.MAX_FILE_BYTES))
    except (IndexError, ValueError, OSError):  # a bad call, or a file it cannot read: the parent will say why
        return 1
    if not payload:
        return 1
    children.widen_pipe(sys.stdout)  # the whole answer in the pipe at once: the child is done before it is read
    sys.stdout.buffer.write(payload)
    sys.stdout.buffer.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
