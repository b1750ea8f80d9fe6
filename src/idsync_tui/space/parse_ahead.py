"""Parsing a large space file in a child process while the app imports Textual and its screens.

Even compiled (tomli), parsing a 1,000-audience space (~600 KB) takes ~150 ms, about as long as the imports the app
needs before it can draw anything. So for a file of MIN_BYTES or more the command line first starts

    python -m idsync_tui.space.parse_ahead FILE

and imports the app meanwhile; the child reads the file, parses it (`toml_read.toml_loads`, the same call as
in-process), indexes its table headers (`lines.header_index`) and writes `(sha-256 of the bytes, data, headers)`
pickled to its stdout, as one frame (`children.write_frame`). The parent then reads the file itself, takes the
frame as soon as it is complete (the child's own clean-up after it is not waited for) and uses the child's data
only when the sha-256 of its own bytes is the same. In every other case (a small file, the child cannot start,
fails, finds a syntax error, or read other bytes) the parent parses as it always does: this changes how soon the
data is ready, never what it is, and every message about a bad file still comes from the parent's own parse.

Then the child builds the model of that data, as the parent does, and writes a second frame: every connection
rule's problems per audience and journey (`rules.check_owners`). The parent takes it only if it is complete by the
time its own model is built (`take_checks`: never waited for; otherwise it checks the space itself) and the
`Session` uses it only when it fits the space (the same file, as many audiences and journeys).

The parent's side imports only `subprocess` before it starts the child; what the child needs (tomli, the two
modules above) and `pickle` are imported where they are used, and the child imports no `subprocess`.
Measured gain: benchmarks/README.md ("Parsing ahead in a child process"; the frames and the second answer:
"2026-12-03, fifth session").
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from idsync_tui import children

if TYPE_CHECKING:
    import subprocess

    from idsync_tui.rules import OwnerProblems

# Below this, parsing in-process costs less than starting a Python child (~30 ms) and pickling (the demo is ~9 KiB).
MIN_BYTES = 64 * 1024
# The parent waits at most this long for the child's answer, then parses itself (a 64 MiB file parses in ~20 s).
WAIT_SECONDS = 120.0

# (data, header lines): what toml_loads read from the text, and header_index of it (None: it declined).
Parsed = tuple[dict[str, Any], dict[tuple[str | int, ...], int] | None]


class ParseAhead:
    """A child process parsing one space file: `take` gives what it parsed for the bytes the caller read, then
    `take_checks` the connection rules' results it worked out after that, if they are ready."""

    def __init__(self, process: subprocess.Popen[bytes]) -> None:
        self._process = process
        self._frames = children.FrameReader(process.stdout)
        self._taken = False

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
            payload = self._frames.next(WAIT_SECONDS)
            if not payload:  # the child ended without an answer (it exits 1 for a file that does not parse)
                raise ValueError("no answer")
            read_sha256, data, headers = pickle.loads(payload)  # our own child's output, on our own pipe
        except Exception:  # anything at all (a timeout, a killed child, a short read): the caller parses itself
            self.close()
            return None
        if read_sha256 != sha256 or not isinstance(data, dict):
            self.close()
            return None
        self._taken = True
        return data, headers

    def take_checks(self) -> OwnerProblems | None:
        """`rules.check_owners` of the space the child parsed (see `Session`), when `take` gave its data and the
        child has finished them by now: never waited for (the caller checks the space itself otherwise). The
        child is stopped either way: it has nothing more to give."""
        import pickle

        from idsync_tui.rules import OwnerProblems

        try:
            payload = self._frames.next(0) if self._taken else None
            checked = pickle.loads(payload) if payload else None  # our own child's output, on our own pipe
        except Exception:  # not complete yet (a timeout), or anything else: the caller checks itself
            checked = None
        finally:
            self.close()
        return checked if isinstance(checked, OwnerProblems) else None

    def close(self) -> None:
        """Stops the child if it still runs (the app exits early, or `take` gave up on it)."""
        children.stop(self._process)


def answers(raw: bytes, path: str) -> Iterator[bytes]:
    """The child's answers for the bytes of the file at `path`, each worked out after the one before was sent:
    pickled (sha-256, data, header lines), then pickled `rules.check_owners` of the model; nothing when the bytes
    do not parse, only the first when the rules do not judge the model (an unreadable version)."""
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
        return
    headers = header_index(text, data)
    yield pickle.dumps((hashlib.sha256(raw).hexdigest(), data, headers), protocol=pickle.HIGHEST_PROTOCOL)

    from idsync_tui import rules
    from idsync_tui.space.loader import parse_data

    result = parse_data(data, text, path, headers)  # as SpaceDocument.result() builds the model of this text
    if result.space is not None and rules.runs_rules(result):
        yield pickle.dumps(rules.check_owners(result.space), protocol=pickle.HIGHEST_PROTOCOL)


def main(argv: list[str]) -> int:
    """The child: `python -m idsync_tui.space.parse_ahead FILE`; its answers on stdout, exit 1 for none."""
    from idsync_tui.space import files, toml_read

    try:
        path = Path(argv[0])
        raw = files.read_bounded(path, toml_read.MAX_FILE_BYTES)
    except (IndexError, ValueError, OSError):  # a bad call, or a file it cannot read: the parent will say why
        return 1
    children.widen_pipe(sys.stdout)  # the whole answer in the pipe at once: the child is done before it is read
    sent = 0
    for payload in answers(raw, str(path)):
        children.write_frame(sys.stdout.buffer, payload)
        sent += 1
    return 0 if sent else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
