"""The sync log's simulator process: `python -m idsync_tui.simulator.child`, started by the app's sync log.

It runs the same simulator `simulate` runs, in a process of its own, so the app's interpreter never shares its time
with the simulation. Everything goes over its standard streams as JSON Lines:

stdin, first line, the run (the space as the editor holds it, unsaved edits included, as TOML text):
    {"space": TOML, "path": "/abs/space.toml", "before": TOML or null, "selection": ["audience", "high_value"] or
     null, "replay": false, "speed": 60, "paused": false}
    `path` resolves the space's relative profiles path; `before` (the config the log showed before an edit) makes
    the run mark what the edit added, changed and removed; `replay` plays the change lines on a simulated clock.
stdin, then, one command a line, at any time:
    {"cmd": "pause"} {"cmd": "resume"} {"cmd": "speed", "value": 600} {"cmd": "step"}
    {"cmd": "config", "space": TOML}   (replay: an edit, saved now, effective five simulated minutes later)
    End of input (the app closed the pipe, or died) ends the process.
stdout, one line each:
    {...}                      an event, byte for byte as `simulate --format jsonl` prints it
    ["mark", "added"]          (re-run after an edit) what the edit did to the next event; events with no mark
    ["mark", "changed", WHAT, {event before}]   are unchanged
    ["removed", {event}]       an event the old config sent and the new one does not
    ["row", KIND, TEXT]        a log row that is not an event: a notice ("notice") or a bad profile line ("bad")
    ["diff", {"added": n, "removed": n, "changed": n, "unchanged": n, "removed_dropped": n, "keep_removed": n}]
    ["clock", "2024-06-01T10:03:00Z"]    (replay) the simulated time
    ["done", "done" | "replay done"]     the last line of a run that finished
    ["error", TEXT]            the run cannot go on (then the process exits with status 1)

Nothing here imports Textual.
"""

from __future__ import annotations

import json
import queue
import sys
import threading
import time
from collections.abc import Iterable
from datetime import datetime
from pathlib import Path
from typing import IO, Any

from idsync_tui.children import widen_pipe
from idsync_tui.simulator.diff import CHANGED, EventDiff
from idsync_tui.simulator.engine import Notice
from idsync_tui.simulator.logrows import ADDED, BAD_KIND, NOTICE_KIND, notice_row
from idsync_tui.simulator.profiles import BadLine, format_time, scan_times
from idsync_tui.simulator.render import event_json
from idsync_tui.simulator.replay import Replay
from idsync_tui.simulator.scope import run_scope, scope_of
from idsync_tui.simulator.split import Helper
from idsync_tui.simulator.timeline import Output
from idsync_tui.space.loader import parse_text
from idsync_tui.space.model import Space

BATCH = 1024  # lines per write, as simulate writes them
CLOCK_EVERY = 0.1  # real seconds between two clock lines while a replay's clock runs


class Failed(Exception):
    """The run cannot go on; the message says why, in the user's words."""


class Commands:
    """The commands the app sends after the run, read by a thread so the simulation never waits for them."""

    def __init__(self, stream: IO[str]) -> None:
        self.queue: queue.Queue[dict[str, Any]] = queue.Queue()
        self.paused = False
        self.speed = 60.0
        self.closed = False
        self.deferred: list[dict[str, Any]] = []  # commands that came while the stream was held, for the replay
        threading.Thread(target=self._read, args=(stream,), name="commands", daemon=True).start()

    def _read(self, stream: IO[str]) -> None:
        for line in stream:
            try:
                command = json.loads(line)
            except ValueError:
                continue  # not a command: the app never sends such a line
            if isinstance(command, dict):
                self.queue.put(command)
        self.queue.put({"cmd": "eof"})

    def take(self, timeout: float | None = 0.0) -> dict[str, Any] | None:
        """The next command (waiting up to `timeout` seconds, None: until one comes); pause, resume, speed and end
        of input are applied here, the others returned."""
        try:
            command = self.queue.get(timeout=timeout) if timeout != 0.0 else self.queue.get_nowait()
        except queue.Empty:
            return None
        kind = command.get("cmd")
        if kind == "pause":
            self.paused = True
        elif kind == "resume":
            self.paused = False
        elif kind == "speed":
            self.speed = float(command.get("value", self.speed))
        elif kind == "eof":
            self.closed = True
            raise SystemExit(0)
        return command


class Out:
    """Lines to stdout, in batches; a control line goes out with the events before it, in order."""

    def __init__(self, stream: IO[str]) -> None:
        self.stream = stream
        self.lines: list[str] = []

    def event(self, line: str) -> None:
        self.lines.append(line)
        if len(self.lines) >= BATCH:
            self.flush()

    def control(self, *parts: Any) -> None:
        self.lines.append(json.dumps(list(parts)))

    def flush(self) -> None:
        if self.lines:
            self.lines.append("")
            self.stream.write("\n".join(self.lines))
            self.lines.clear()
        self.stream.flush()


def load(text: str, path: str) -> Space:
    result = parse_text(text, path)
    if result.space is None:
        first = next((p.as_text() for p in result.problems), "it does not parse")
        raise Failed(f"the space cannot be simulated: {first}")
    return result.space


def profiles_of(space: Space) -> Path:
    profiles = space.profiles_path()
    if profiles is None:
        raise Failed('this space names no sample profiles: set profiles = "FILE.jsonl" in [space]')
    if not profiles.is_file():
        raise Failed(f"the sample profiles file {profiles} does not exist")
    return profiles


def emit(out: Out, output: Output | str, diff: EventDiff | None = None) -> None:
    if type(output) is str:  # an event already a JSON line (from simulate's helper: simulator/split.py)
        out.event(output)
    elif type(output) is dict:
        if diff is not None:
            mark = diff.mark(output)
            if mark.status == ADDED:
                out.control("mark", ADDED)
            elif mark.status == CHANGED:
                out.control("mark", CHANGED, mark.what, mark.before)
        out.event(event_json(output))
    elif isinstance(output, BadLine):
        out.control("row", BAD_KIND, f"         ! line {output.line}: {output.message}")
    elif isinstance(output, Notice):
        out.control("row", NOTICE_KIND, notice_row(output))


def stream(out: Out, outputs: Iterable[Output | str], commands: Commands, diff: EventDiff | None = None) -> None:
    """Write the outputs; between two, apply the commands that came (a pause holds the stream until resumed)."""
    waiting = commands.queue
    for output in outputs:
        if not waiting.empty() or commands.paused:
            _hold(out, commands)
        emit(out, output, diff)
    out.flush()


def _hold(out: Out, commands: Commands) -> None:
    while (command := commands.take()) is not None:
        if command.get("cmd") in ("step", "config"):
            commands.deferred.append(command)
    if commands.paused:
        out.flush()
        while commands.paused:
            command = commands.take(timeout=None)
            if command is not None and command.get("cmd") in ("step", "config"):
                commands.deferred.append(command)


def run_once(request: dict[str, Any], out: Out, commands: Commands) -> None:
    path = request.get("path") or ""
    space = load(request["space"], path)
    before = load(request["before"], path) if request.get("before") is not None else None
    profiles = profiles_of(space)
    start = scan_times(profiles).first_sync()
    scope = scope_of(space, _selection(request.get("selection")))
    diff = EventDiff() if before is not None else None
    # The whole scope of a large file, without a diff: on two cores, as `simulate` runs it (simulator/split.py).
    helper = None
    if diff is None and scope.destination is None:
        helper = Helper.start(profiles, request["space"], path, scope.audience, scope.journey)
    try:
        outputs = run_scope(space, scope, profiles, start, before=before, diff=diff, helper=helper)
        stream(out, outputs, commands, diff)
    finally:
        if helper is not None:
            helper.close()
    if diff is not None:
        for line in diff.removed_lines:
            out.event(f'["removed",{line}]')
        if diff.removed_dropped:
            notice = Notice(
                format_time(start),
                "",
                f"{diff.removed_dropped} more removed event(s) not shown (the log keeps the first {diff.keep_removed})",
            )
            out.control("row", NOTICE_KIND, notice_row(notice))
        counts = ("added", "removed", "changed", "unchanged", "removed_dropped", "keep_removed")
        out.control("diff", {name: getattr(diff, name) for name in counts})
    out.control("done", "done")
    out.flush()


def version_saved(version: int, saved_at: datetime, effective_at: datetime) -> Notice:
    return Notice(
        format_time(saved_at),
        "",
        f"edit saved as config version {version} at {format_time(saved_at)[11:19]}; "
        f"effective at {format_time(effective_at)[11:19]} (5 minutes later)",
    )


def run_replay(request: dict[str, Any], out: Out, commands: Commands) -> None:
    path = request.get("path") or ""
    space = load(request["space"], path)
    profiles = profiles_of(space)
    start = scan_times(profiles).first_sync()
    scope = scope_of(space, _selection(request.get("selection")))
    replay, first = Replay.start(space, profiles, start, scope)
    stream(out, first, commands)
    out.control("clock", format_time(replay.now))
    out.flush()
    last = time.monotonic()
    while not replay.done:
        # Wait for a command, or for the next clock line while the clock runs; a paused clock waits for commands.
        if commands.deferred:
            command: dict[str, Any] | None = commands.deferred.pop(0)
        else:
            command = commands.take(timeout=None if commands.paused else CLOCK_EVERY)
        now = time.monotonic()
        outputs: list[Output] = []
        if not commands.paused:
            outputs.extend(replay.advance((now - last) * commands.speed))
        last = now
        kind = command.get("cmd") if command else None
        if kind == "step":
            outputs.extend(replay.step())
        elif kind == "config":
            try:
                edited = load(str(command.get("space", "")), path) if command else space
            except Failed as error:
                outputs.append(Notice(format_time(replay.now), "", f"edit not replayed: {error}"))
            else:
                config = replay.add_version(edited)
                outputs.append(version_saved(config.version, replay.now, config.effective_at))
        for output in outputs:
            emit(out, output)
        out.control("clock", format_time(replay.now))
        out.flush()
    out.control("done", "replay done")
    out.flush()


def _selection(value: Any) -> tuple[str, Any] | None:
    if not isinstance(value, list) or len(value) != 2:
        return None
    kind, key = value
    return (kind, tuple(key) if isinstance(key, list) else key)


def main(stdin: IO[str] | None = None, stdout: IO[str] | None = None) -> int:
    if stdout is None:
        widen_pipe(sys.stdout)  # a batch goes in one write while the app reads the one before
    stdin = stdin or sys.stdin
    out = Out(stdout or sys.stdout)
    try:
        first = stdin.readline()
        if not first:
            return 0  # nothing asked
        try:
            request = json.loads(first)
            if not isinstance(request, dict) or not isinstance(request.get("space"), str):
                raise ValueError("no space")
        except ValueError as error:
            raise Failed(f"the app sent an unreadable request ({error})") from None
        commands = Commands(stdin)
        commands.paused = bool(request.get("paused"))
        commands.speed = float(request.get("speed") or commands.speed)
        if request.get("replay"):
            run_replay(request, out, commands)
        else:
            run_once(request, out, commands)
        return 0
    except BrokenPipeError:
        return 0  # the app stopped reading: the run was replaced, or the app closed
    except Failed as error:
        out.control("error", str(error))
    except Exception as error:  # a message in the log's header, never a traceback on the user's screen
        out.control("error", f"{type(error).__name__}: {error}")
    try:
        out.flush()
    except BrokenPipeError:
        return 0
    return 1


if __name__ == "__main__":
    sys.exit(main())
