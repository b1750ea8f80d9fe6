"""One sync log run in a child process (`python -m idsync_tui.simulator.child`) and the JSON Lines it writes.

The app's event loop reads the child's stdout (an asyncio subprocess, no thread in the app), turns each line into
what the ring keeps (an event stays its JSON line) and hands them over a chunk at a time; commands (pause, speed,
step, a new config during a replay) go to the child's stdin as JSON lines. `kill` ends the child at once (a run
replaced, the app closing); the child is always waited for, so none is left a zombie. A child that dies, or writes
a line that is not the protocol, ends the run with a message (`Finished.error`), never an exception.

No Textual here: the sync log (`ui/synclog/pane.py`) gives the callbacks and draws.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from idsync_tui.simulator.diff import EventDiff
from idsync_tui.simulator.logrows import ADDED, CHANGED, REMOVED, UNCHANGED, LogItem, Marked
from idsync_tui.simulator.render import event_json

# -P: the folder the app was started in is not on the child's import path (a folder named idsync_tui there must
# not be what runs).
CHILD = [sys.executable, "-P", "-m", "idsync_tui.simulator.child"]
CHUNK = 1 << 18  # bytes read from the pipe at a time (~350 events)
STDERR_KEPT = 2048  # bytes of the child's stderr kept to explain an unexpected end
EXIT_GRACE = 5.0  # seconds a child that has closed its output is given to exit before it is killed


@dataclass
class Request:
    """What a run is: the space as TOML text (unsaved edits included), and what to do with it."""

    space: str
    path: str = ""
    before: str | None = None  # the config the log showed before an edit: the run marks what the edit changed
    selection: Any = None
    replay: bool = False
    speed: float = 60
    paused: bool = False

    def line(self) -> bytes:
        selection = self.selection
        if selection is not None:
            kind, key = selection
            selection = [kind, list(key) if isinstance(key, tuple) else key]
        request = {
            "space": self.space,
            "path": self.path,
            "before": self.before,
            "selection": selection,
            "replay": self.replay,
            "speed": self.speed,
            "paused": self.paused,
        }
        return (json.dumps(request) + "\n").encode()


@dataclass
class Chunk:
    """What one read of the pipe brought: ring items (in order), how many are events, and the control lines."""

    items: list[LogItem] = field(default_factory=list)
    events: int = 0
    clock: str | None = None
    diff: EventDiff | None = None
    done: str | None = None  # "done" / "replay done"


@dataclass
class Finished:
    """How a run ended: `done` (the child said so), `error` (why not, in the user's words), or killed by the app."""

    done: str | None = None
    error: str | None = None
    killed: bool = False


class Protocol(Exception):
    """A line the child should not have written."""


class Parser:
    """Turns the child's lines into ring items; a diff run's events are marked (unchanged unless a mark came)."""

    def __init__(self, marking: bool) -> None:
        self.marking = marking
        self._mark: list[Any] | None = None
        self._rest = b""

    def feed(self, data: bytes, chunk: Chunk) -> None:
        data = self._rest + data
        end = data.rfind(b"\n")
        if end < 0:
            self._rest = data
            return
        self._rest = data[end + 1 :]
        try:
            text = data[:end].decode("ascii")  # the child escapes every other character
        except UnicodeDecodeError as error:
            raise Protocol(f"bytes that are not ASCII at {error.start}") from None
        items = chunk.items
        marking = self.marking
        for line in text.split("\n"):
            if line[:1] == "{":
                if line[-1:] != "}":
                    raise Protocol(_quote(line))
                chunk.events += 1
                if not marking:
                    items.append(line)
                else:
                    mark, self._mark = self._mark, None
                    if mark is None:
                        items.append(Marked(line, UNCHANGED))
                    elif mark[1] == ADDED:
                        items.append(Marked(line, ADDED))
                    else:
                        items.append(Marked(line, CHANGED, event_json(mark[3]), mark[2]))
            elif line[:1] == "[":
                self._control(line, chunk)
            elif line:
                raise Protocol(_quote(line))

    def close(self) -> None:
        if self._rest.strip():
            raise Protocol(_quote(self._rest.decode("ascii", "replace")))

    def _control(self, line: str, chunk: Chunk) -> None:
        try:
            message = json.loads(line)
            kind = message[0]
            if kind == "mark" and message[1] in (ADDED, CHANGED):
                self._mark = message
            elif kind == "removed":
                chunk.items.append(Marked(event_json(message[1]), REMOVED))
            elif kind == "row":
                chunk.items.append((str(message[2]), None, str(message[1])))
            elif kind == "clock":
                chunk.clock = str(message[1])
            elif kind == "diff":
                counts = message[1]
                chunk.diff = EventDiff(
                    added=int(counts["added"]),
                    removed=int(counts["removed"]),
                    changed=int(counts["changed"]),
                    unchanged=int(counts["unchanged"]),
                    keep_removed=int(counts["keep_removed"]),
                    removed_dropped=int(counts["removed_dropped"]),
                )
            elif kind == "done":
                chunk.done = str(message[1])
            elif kind == "error":
                raise Failure(str(message[1]))
            else:
                raise Protocol(_quote(line))
        except (ValueError, IndexError, KeyError, TypeError, AttributeError):
            raise Protocol(_quote(line)) from None


class Failure(Exception):
    """The child said the run cannot go on."""


def _quote(line: str) -> str:
    return repr(line[:60] + ("…" if len(line) > 60 else ""))


class ChildRun:
    """One run: start the child, send it the request, read until it ends; `send` and `kill` from the app's loop."""

    def __init__(
        self,
        request: Request,
        deliver: Callable[[Chunk], None],
        command: list[str] | None = None,
    ) -> None:
        self.request = request
        self.deliver = deliver
        self.command = command or CHILD
        self.process: asyncio.subprocess.Process | None = None
        self.killed = False
        self.held = asyncio.Event()  # clear: the reading waits (a paused run's events stay in the child)
        self.held.set()
        self._stderr = b""

    @property
    def pid(self) -> int | None:
        return None if self.process is None else self.process.pid

    async def run(self) -> Finished:
        """The whole run; returns how it ended (never raises but for cancellation, after killing the child)."""
        try:
            return await self._run()
        finally:
            self._terminate()
            if self.process is not None:
                with contextlib.suppress(ProcessLookupError):
                    await asyncio.shield(self.process.wait())  # reaped: no zombie

    async def _run(self) -> Finished:
        try:
            process = self.process = await asyncio.create_subprocess_exec(
                *self.command,
                stdin=asyncio.subprocess.PIPE,
                stdout=asyncio.subprocess.PIPE,
                stderr=asyncio.subprocess.PIPE,
            )
        except OSError as error:
            return Finished(error=f"the simulator process could not start: {error.strerror or error}")
        if self.killed:  # killed while it started
            process.kill()
        assert process.stdin is not None and process.stdout is not None and process.stderr is not None
        self._write(self.request.line())
        errors = asyncio.ensure_future(self._read_stderr(process.stderr))
        parser = Parser(marking=self.request.before is not None)
        done: str | None = None
        failure: str | None = None
        try:
            while True:
                await self.held.wait()
                data = await process.stdout.read(CHUNK)
                if not data:
                    parser.close()
                    break
                chunk = Chunk()
                try:
                    parser.feed(data, chunk)
                finally:
                    if chunk.items or chunk.clock or chunk.diff or chunk.done:
                        self.deliver(chunk)
                done = chunk.done or done
        except Failure as error:
            failure = str(error)
        except Protocol as error:
            failure = f"the simulator process wrote a line the log cannot read: {error}"
        if failure is not None:
            self._terminate()
        try:
            # At the end of its output the child is exiting: let it, so its own exit status and last words are
            # what the message shows (killing it here raced its exit under load and said "exit status -9").
            code = await asyncio.wait_for(process.wait(), EXIT_GRACE)
        except TimeoutError:
            self._terminate()  # it closed its output but goes on: a run is over when its output is
            code = await process.wait()
        await errors
        if self.killed and done is None:
            return Finished(killed=True)  # a line cut short by the kill is no error
        if failure is not None:
            return Finished(error=failure)
        if done is None:
            said = self._stderr.decode("utf-8", "replace").strip().splitlines()
            why = f": {said[-1]}" if said else ""
            return Finished(error=f"the simulator process ended early (exit status {code}){why}")
        return Finished(done=done)

    async def _read_stderr(self, stream: asyncio.StreamReader) -> None:
        while data := await stream.read(4096):
            self._stderr = (self._stderr + data)[-STDERR_KEPT:]

    def _write(self, data: bytes) -> None:
        process = self.process
        if process is None or process.stdin is None or process.stdin.is_closing():
            return
        with contextlib.suppress(ConnectionError, RuntimeError):
            process.stdin.write(data)  # a few bytes: the pipe takes them without waiting

    def send(self, command: str, **values: Any) -> None:
        """A command to the child (`pause`, `resume`, `speed` value=, `step`, `config` space=)."""
        self._write((json.dumps({"cmd": command, **values}) + "\n").encode())

    def hold(self, on: bool) -> None:
        """Stop (or go on) reading the child's output; the child stops when the pipe is full."""
        if on:
            self.held.clear()
        else:
            self.held.set()

    def kill(self) -> None:
        """End the child now (the reading then ends and `run` waits for it)."""
        self.killed = True
        self.held.set()
        self._terminate()

    def _terminate(self) -> None:
        process = self.process
        if process is not None and process.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                process.kill()
