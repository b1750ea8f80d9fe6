"""`simulate` on two cores: a large profiles file is read in parts, every other part simulated by a helper process.

Each profile's first sync depends only on the profile, the config and the first sync time, so the file can be cut
between lines. For a file of MIN_BYTES or more (JSON Lines out, without `--timeline`) the command starts

    python -P -m idsync_tui.simulator.split

sends it the space file's text once, then reads the profiles in parts (the first of FIRST_PART_BYTES, simulated
while the helper starts, then PART_BYTES each): it simulates parts 0, 2, 4, ... itself and sends parts 1, 3, 5, ...
to the helper, which simulates them meanwhile with the same code (`Simulation.first_syncs`) and answers with
their outputs: each event as its JSON line without the head
`{"seq":N,"at":"...",` (the command gives each its number and the first sync time when it writes it), the notices
and bad lines, the ids of the profiles the part holds, the readiness counts and change lines it adds. Parts are
written in file order; the command sends the next part as soon as it has read an answer, so both processes work
at once and each holds at most one part and one answer.

What spans parts stays the command's: a profile id used twice is a bad line the second time. The helper knows the
ids of its own parts; when a part it answers holds an id of a part the command simulated, that part and every
later one are simulated here instead, as when the helper fails or says something unexpected. The output is the
same bytes as without the helper (tests/simulator/test_split.py). Measured gain: benchmarks/README.md ("simulate
on two cores").
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, replace
from datetime import timedelta
from pathlib import Path
from typing import Any

from idsync_tui import catalog, children
from idsync_tui.simulator.engine import Notice
from idsync_tui.simulator.profiles import (
    BadLine,
    Change,
    Profile,
    ProfileReader,
    format_time,
    numbered_lines,
    open_profiles,
)
from idsync_tui.simulator.render import event_json
from idsync_tui.simulator.timeline import OPEN_TIME, ConfigVersion, Output, Simulation

# Below this a helper (a Python start, its imports and the space: its first answer comes ~200 ms after it is
# started) gains too little; 10k profiles of the benchmark's kind are ~5 MiB and simulate in ~1 s.
MIN_BYTES = 4 * 1024 * 1024
# A part: ~500 profiles of the benchmark's kind (its answer is ~1.1 MiB of JSON), a quarter of the helper's stdin
# pipe (children.PIPE_BYTES), so that sending the first part never waits for the helper to have started. The
# command holds a part, an answer and its reading at a time: ~5 MiB at the peak (512 KiB parts: ~10 MiB).
PART_BYTES = 256 * 1024
# The command's first part: the helper answers its first part ~200 ms after it is started (a Python start, its
# imports, the space), about the time the command takes to simulate 1 MiB of profiles itself meanwhile.
FIRST_PART_BYTES = 1024 * 1024

Line = tuple[int, bytes | None]  # (line number, bytes without the newline; None: longer than a line may be)
NumberedLine = tuple[int, int, bytes | None]  # what `profiles.numbered_lines` gives: number, offset, bytes


@dataclass(slots=True)
class Part:
    """The outputs of one part of the file, simulated by the helper, in order: `records` holds each event as its
    JSON line without the head (`"source":...}`), and the notices and bad lines between them."""

    records: list[str | Notice | BadLine]
    ids: list[str]
    events: int
    readiness: dict[str, dict[str, list[int]]]
    ignored_changes: int
    first_seq: int = 0  # the number of its first event, given by the command in file order
    at: str = ""  # the first sync time (given by the command)

    def outputs(self) -> Iterator[str | Notice | BadLine]:
        """Each event as its finished JSON line, and the notices (with the first sync time) and bad lines."""
        seq = self.first_seq
        head = f',"at":"{self.at}",'
        for record in self.records:
            if type(record) is str:
                yield f'{{"seq":{seq}{head}{record}'
                seq += 1
            elif isinstance(record, Notice):
                yield replace(record, at=self.at)
            else:
                yield record


class Helper:
    """The helper process, seen from the command: `send` a part, then `receive` its answer (None: no answer)."""

    def __init__(self, process: subprocess.Popen[bytes]) -> None:
        self._process = process
        self.failed = False

    @classmethod
    def start(
        cls, profiles: Path, space_text: str, space_path: str, audience: str | None, journey: str | None
    ) -> Helper | None:
        """A helper for a profiles file of MIN_BYTES or more, given the space; None otherwise (or if none starts)."""
        try:
            if profiles.stat().st_size < MIN_BYTES:
                return None
        except (OSError, ValueError):
            return None
        process = children.start_helper(__name__)
        if process is None:
            return None
        helper = cls(process)
        helper._write(setup_request(space_text, space_path, audience, journey))
        return helper

    def send(self, lines: list[Line]) -> None:
        self._write(part_request(lines))

    def receive(self) -> Part | None:
        if self.failed:
            return None
        try:
            payload = children.read_frame(self._process.stdout)
            if payload is None:
                raise ValueError("no answer")
            return read_answer(payload)
        except (OSError, ValueError, TypeError, KeyError, IndexError):  # a helper gone, or an answer not its own
            self.failed = True
            return None

    def close(self) -> None:
        """Stops the helper (it has nothing to hand back once the command stops asking, and a part it may still be
        working on, after a failure here, is not waited for) and closes its pipes."""
        children.stop(self._process)

    def _write(self, payload: bytes) -> None:
        if self.failed:
            return
        try:
            children.write_frame(self._process.stdin, payload)
        except (OSError, ValueError):  # the helper is gone (BrokenPipeError is an OSError): never stdout's problem
            self.failed = True


def setup_request(space_text: str, space_path: str, audience: str | None, journey: str | None) -> bytes:
    """The helper's first frame: the space (as the command read it) and the scope."""
    return json.dumps({"text": space_text, "path": space_path, "audience": audience, "journey": journey}).encode()


def part_request(lines: list[Line]) -> bytes:
    """A part's frame: its first line number and which lines were too long (a JSON line), then its lines."""
    header = json.dumps({"first": lines[0][0], "long": [i for i, (_, raw) in enumerate(lines) if raw is None]})
    return header.encode() + b"\n" + b"\n".join([raw or b"" for _, raw in lines])


def read_answer(payload: bytes) -> Part:
    """The command's reading of an answer (`answer_part` writes it); ValueError, TypeError or KeyError if not one."""
    end = payload.find(b"\n")
    end = len(payload) if end < 0 else end
    meta = json.loads(payload[:end])
    body = str(memoryview(payload)[end + 1 :], "ascii")  # decoded in place: no copy of the bytes first
    records: list[str | Notice | BadLine] = []
    events = 0
    for record in body.split("\n") if body else ():
        kind = record[:1]
        if kind == '"':  # an event: its JSON line after `{"seq":N,"at":"...",`
            records.append(record)
            events += 1
        elif kind == "N":
            profile, message, source, destination, line = json.loads(record[1:])
            records.append(Notice("", profile, message, source, destination, line))
        elif kind == "B":
            line, message = json.loads(record[1:])
            records.append(BadLine(line, message))
        else:
            raise ValueError(f"unknown record {kind!r}")
    ids, readiness, ignored = meta["ids"], meta["readiness"], meta["ignored"]
    if events != meta["events"] or not isinstance(ids, list) or not isinstance(readiness, dict):
        raise ValueError("answer does not add up")
    return Part(records, ids, events, readiness, int(ignored))


# -- the command's side -------------------------------------------------------------------------------------------


def _parts(lines: Iterable[NumberedLine]) -> Iterator[list[Line]]:
    """The file's lines (`profiles.numbered_lines`) in parts of about PART_BYTES; the first, the command's own,
    of FIRST_PART_BYTES."""
    part: list[Line] = []
    size = 0
    limit = FIRST_PART_BYTES
    for number, _, raw in lines:
        part.append((number, raw))
        size += len(raw) + 1 if raw is not None else 1
        if size >= limit:
            yield part
            part = []
            size = 0
            limit = PART_BYTES
    if part:
        yield part


def _items(reader: ProfileReader, lines: Iterable[Line]) -> Iterator[Profile | Change | BadLine]:
    for number, raw in lines:
        item = reader.parse(raw, number)
        if item is not None:
            yield item


def first_syncs(
    simulation: Simulation,
    reader: ProfileReader,
    lines: Iterable[NumberedLine],
    helper: Helper,
) -> Iterator[Output | Part]:
    """What `simulation.first_syncs(items of lines)` gives, with every other part simulated by `helper`: its parts
    come as `Part`s, numbered and counted into `simulation` (seq, readiness, change lines) in file order."""
    parts = _parts(lines)
    mine = next(parts, None)
    theirs = next(parts, None)
    if theirs is not None:
        helper.send(theirs)
    while mine is not None:
        yield from simulation.first_syncs(_items(reader, mine))
        if theirs is None:
            return
        answer = helper.receive()
        if answer is None or not reader.seen.isdisjoint(answer.ids):
            # No answer, or a profile id of a part simulated here used again there: this part and the rest here.
            helper.close()
            rest = (line for part in parts for line in part)
            yield from simulation.first_syncs(_items(reader, [*theirs, *rest]))
            return
        reader.seen.update(answer.ids)
        mine = next(parts, None)
        theirs = next(parts, None) if mine is not None else None
        if theirs is not None:
            helper.send(theirs)
        answer.first_seq = simulation.seq + 1
        answer.at = format_time(simulation.start)
        simulation.seq += answer.events
        simulation.ignored_changes += answer.ignored_changes
        for label, tally in answer.readiness.items():
            counts = simulation.readiness.setdefault(label, {})
            for segment, (sent, ok) in tally.items():
                pair = counts.setdefault(segment, [0, 0])
                pair[0] += sent
                pair[1] += ok
        yield answer


def file_first_syncs(
    simulation: Simulation,
    path: Path,
    limits: Mapping[str, int],
    helper: Helper,
    stopped: Callable[[], bool] | None = None,
) -> Iterator[Output | Part]:
    """`first_syncs` over the profiles file at `path`; `stopped` (looked at every 256 lines) ends it early."""
    with open_profiles(path) as stream:
        lines = numbered_lines(stream)
        if stopped is not None:
            lines = _until(stopped, lines)
        yield from first_syncs(simulation, ProfileReader(limits), lines, helper)


def _until(stopped: Callable[[], bool], lines: Iterator[NumberedLine]) -> Iterator[NumberedLine]:
    for count, line in enumerate(lines, 1):
        if count & 255 == 0 and stopped():
            return
        yield line


def run(simulation: Simulation, path: Path, limits: Mapping[str, int], helper: Helper) -> Iterator[Output | Part]:
    """`simulation.run(read_profiles(path, limits))`, with every other part of the file simulated by `helper`."""
    try:
        yield from file_first_syncs(simulation, path, limits, helper)
    finally:
        helper.close()
    yield from simulation.finish()


def flat(outputs: Iterable[Output | Part]) -> Iterator[Output | str]:
    """The outputs with each `Part`'s in its place: its events as finished JSON lines."""
    for output in outputs:
        if isinstance(output, Part):
            yield from output.outputs()
        else:
            yield output


# -- the helper's side --------------------------------------------------------------------------------------------


def answer_part(simulation: Simulation, reader: ProfileReader, request: bytes) -> bytes:
    """The helper's answer for one part (`read_answer` reads it)."""
    header, _, body = request.partition(b"\n")
    meta = json.loads(header)
    first, long = int(meta["first"]), set(meta["long"])
    lines = [(first + i, None if i in long else raw) for i, raw in enumerate(body.split(b"\n"))]
    ids: list[str] = []

    def items() -> Iterator[Profile | Change | BadLine]:
        for item in _items(reader, lines):
            if type(item) is Profile:
                ids.append(item.id)
            yield item

    records: list[str] = []
    events = 0
    counts = simulation.readiness
    for output in simulation.first_syncs(items()):
        if type(output) is dict:
            # Without its first two keys (the command writes them): `"source":...}`, the rest in the same order.
            del output["seq"], output["at"]
            records.append(event_json(output)[1:])
            events += 1
        elif isinstance(output, Notice):
            fields = [output.profile, output.message, output.source, output.destination, output.line]
            records.append("N" + json.dumps(fields))
        else:
            assert isinstance(output, BadLine)
            records.append("B" + json.dumps([output.line, output.message]))
    readiness = {label: {segment: list(pair) for segment, pair in tally.items()} for label, tally in counts.items()}
    for tally in counts.values():  # counted afresh for the next part
        for pair in tally.values():
            pair[0] = pair[1] = 0
    meta = {"ids": ids, "events": events, "readiness": readiness, "ignored": simulation.ignored_changes}
    simulation.ignored_changes = 0
    return json.dumps(meta).encode() + b"\n" + "\n".join(records).encode("ascii")


def setup(payload: bytes) -> tuple[Simulation, ProfileReader] | None:
    from idsync_tui.space.loader import parse_text

    setup: dict[str, Any] = json.loads(payload)
    result = parse_text(setup["text"], setup["path"])
    space = result.space
    if space is None or any(problem.is_error for problem in result.problems):
        return None
    start = OPEN_TIME
    history = [ConfigVersion(1, start - timedelta(seconds=catalog.EFFECTIVE_DELAY_SECONDS), space)]
    simulation = Simulation(history, start, audience=setup["audience"], journey=setup["journey"])
    return simulation, ProfileReader(space.identifier_limits())


def main() -> int:
    """The helper: the setup, then parts until its stdin ends; an answer for each on stdout. Exit 1: no answers."""
    stdin, stdout = sys.stdin.buffer, sys.stdout.buffer
    children.widen_pipe(sys.stdout)
    try:
        first = children.read_frame(stdin)
        ready = setup(first) if first is not None else None
        if ready is None:
            return 1
        simulation, reader = ready
        while (request := children.read_frame(stdin)) is not None:
            children.write_frame(stdout, answer_part(simulation, reader, request))
    except (OSError, ValueError, TypeError, KeyError):  # the command went away, or sent what it never sends
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
