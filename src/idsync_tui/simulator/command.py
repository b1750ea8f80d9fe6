"""`idsync-tui simulate`: loads and checks the space, streams the profiles through the simulator, prints events.

Exit codes (spec): 0 ran, 1 the space has errors, 2 usage / unreadable. Events go to `out`; bad profile lines go to
`err` as `PROFILES:LINE: message` and the run goes on. Notices (a member with nothing to send, ignored change
lines) are part of the readable log in `--format text`; with `--format jsonl` stdout stays pure JSON Lines and
`err` gets a summary of them (how many of each kind), or every one as `note: ...` with `--notes`.
"""

from __future__ import annotations

import argparse
from collections.abc import Iterable, Iterator
from dataclasses import replace
from datetime import timedelta
from itertools import chain
from pathlib import Path
from typing import TextIO, cast

from idsync_tui import catalog
from idsync_tui.simulator import split
from idsync_tui.simulator.engine import Notice
from idsync_tui.simulator.profiles import BadLine, format_time, read_profiles, scan_times
from idsync_tui.simulator.render import event_json, event_text, notice_text
from idsync_tui.simulator.scan_ahead import ScanAhead
from idsync_tui.simulator.split import Helper, Part
from idsync_tui.simulator.timeline import OPEN_TIME, ConfigVersion, Output, Simulation
from idsync_tui.space import files
from idsync_tui.space.loader import LoadResult, SpaceReadError, load_space
from idsync_tui.space.problems import Problem
from idsync_tui.text import InertWriter, inert


def _problems(result: LoadResult) -> list[Problem]:
    try:
        from idsync_tui.rules import validate
    except ImportError:  # the rules module is optional for the simulator: the loader's problems still block
        return list(result.problems)
    return list(validate(result))


def _kind(message: str) -> str:
    """A notice's kind: its message up to the first `:` or `;` ("no event", "the profile has no identifiers")."""
    cut = min((i for i in (message.find(":"), message.find(";")) if i > 0), default=len(message))
    return message[:cut]


def notes_summary(notices: list[Notice]) -> list[str]:
    """How many notices of each kind, most frequent first, and how to see them all: a few lines for stderr."""
    if not notices:
        return []
    kinds: dict[str, int] = {}
    for notice in notices:
        kind = _kind(notice.message)
        kinds[kind] = kinds.get(kind, 0) + 1
    total = len(notices)
    lines = [f"notes: {total} (--notes prints each one, --format text puts them in the log):"]
    width = len(str(max(kinds.values())))
    for kind, number in sorted(kinds.items(), key=lambda item: (-item[1], item[0])):
        lines.append(f"  {number:>{width}} × {kind}")
    return lines


def _keys(kind: str, keys: list[str]) -> str:
    return f"the space's {kind} are: {', '.join(keys)}" if keys else f"the space has no {kind}"


def run_simulate(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    # Text from the files never reaches the terminal as control characters (text.inert): stderr always, stdout in
    # the text format (JSON Lines are escaped by the encoder itself: ensure_ascii).
    err = cast(TextIO, InertWriter(err))  # a TextIO in all but name
    if getattr(args, "format", "jsonl") == "text":
        out = cast(TextIO, InertWriter(out))
    try:
        result = load_space(args.space)
    except SpaceReadError as error:
        print(f"idsync-tui simulate: {error}", file=err)
        return 2
    errors = [p for p in _problems(result) if p.is_error]
    if errors or result.space is None:
        for problem in errors:
            print(problem.as_text(), file=err)
        print(
            f"{args.space}: {len(errors)} error(s); fix them (idsync-tui validate {args.space}) to simulate", file=err
        )
        return 1
    space = result.space
    audience = getattr(args, "audience", None)
    journey = getattr(args, "journey", None)
    if audience is not None and space.audience(audience) is None:
        print(
            f'idsync-tui simulate: no audience "{audience}"; {_keys("audiences", [a.key for a in space.audiences])}',
            file=err,
        )
        return 2
    if journey is not None and space.journey(journey) is None:
        print(
            f'idsync-tui simulate: no journey "{journey}"; {_keys("journeys", [j.key for j in space.journeys])}',
            file=err,
        )
        return 2
    profiles = Path(args.profiles) if getattr(args, "profiles", None) else space.profiles_path()
    if profiles is None:
        print(
            f"idsync-tui simulate: {args.space} names no sample profiles; pass --profiles FILE or set "
            'profiles = "FILE.jsonl" in its [space] table',
            file=err,
        )
        return 2
    what = files.regular_file_problem(profiles)
    if what is not None:
        print(
            f"idsync-tui simulate: profiles file {profiles} {what}; check the path (--profiles or [space].profiles)",
            file=err,
        )
        return 2
    timeline = bool(getattr(args, "timeline", False))
    # A large file is scanned for the first sync time by a child process while the profiles are simulated here
    # (simulator/scan_ahead.py); the timeline needs the whole scan before its first profile.
    ahead = None if timeline else ScanAhead.start(profiles)
    helper: Helper | None = None
    try:
        scan = scan_times(profiles) if ahead is None else None
        # From the command line there is one config, saved early enough to be effective at the first sync, so
        # the first sync time changes only the events' `at`: with the scan ahead, it is given to them later.
        start = scan.first_sync() if scan is not None else OPEN_TIME
        history = [ConfigVersion(1, start - timedelta(seconds=catalog.EFFECTIVE_DELAY_SECONDS), space)]
        keep = scan.changed_profiles if scan is not None else None
        simulation = Simulation(history, start, timeline=timeline, audience=audience, journey=journey, keep=keep)
        text = getattr(args, "format", "jsonl") == "text"
        every_note = bool(getattr(args, "notes", False))
        limits = space.identifier_limits()
        # A large file is simulated on two cores (simulator/split.py): JSON Lines, without the timeline.
        helper = (
            None
            if timeline or text or result.text is None
            else Helper.start(profiles, result.text, str(args.space), audience, journey)
        )
        outputs: Iterator[Output | Part] = (
            simulation.run(read_profiles(profiles, limits))
            if helper is None
            else split.run(simulation, profiles, limits, helper)
        )
        if ahead is not None:
            outputs = _held(outputs, ahead)
        _run(split.flat(outputs), profiles, text, every_note, out, err)
    except BrokenPipeError:
        raise  # `simulate | head`: the CLI ends quietly
    except OSError as error:  # unreadable, or the file went away or changed kind after the scan: say so
        print(f"idsync-tui simulate: profiles file {profiles} {files.reason(error)}", file=err)
        return 2
    finally:
        if ahead is not None:
            ahead.close()
        if helper is not None:
            helper.close()
    err.write(readiness_summary(simulation.readiness))
    return 0


# Outputs held at most while the scan ahead runs, then the command waits for the child: ~0.4 s of simulating (a
# 100k-profile file scans in 0.6-0.9 s) for ~22 MiB more at the peak (100k profiles: 58 MiB, 36 with the scan first).
HOLD = 20_000


def _held(outputs: Iterator[Output | Part], ahead: ScanAhead) -> Iterator[Output | Part]:
    """The outputs held until the scan ahead answers (looked at every 1,024 outputs and at each helper's part;
    waited for at HOLD, a part counting as its outputs), then each given the first sync time, in order."""
    held: list[Output | Part] = []
    size = 0
    scan = None
    for output in outputs:
        held.append(output)
        if type(output) is Part:
            size += len(output.records)
        else:
            size += 1
            if size % 1024:
                continue
        scan = ahead.wait() if size >= HOLD else ahead.poll()
        if scan is not None:
            break
    at = format_time((scan or ahead.wait()).first_sync())
    for output in chain(held, outputs):
        # A first-sync output with the first sync time: events and notices carry it, bad lines have none.
        if type(output) is dict:
            output["at"] = at
        elif isinstance(output, Notice):
            output = replace(output, at=at)
        elif type(output) is Part:
            output.at = at
        yield output


def _run(
    outputs: Iterable[Output | str],
    profiles: Path,
    text: bool,
    every_note: bool,
    out: TextIO,
    err: TextIO,
) -> None:
    render = event_text if text else event_json
    held: list[Notice] = []  # notices summed up at the end (jsonl without --notes)
    batch: list[str] = []  # events are written in batches: one write per ~1,000 lines
    for output in outputs:
        if type(output) is dict:
            output = render(output)
        if type(output) is str:  # an event's line (a helper's come as lines already: split.Part)
            batch.append(output)
            if len(batch) >= 1024:
                batch.append("")
                out.write("\n".join(batch))
                batch.clear()
            continue
        if batch:
            batch.append("")
            out.write("\n".join(batch))
            batch.clear()
        if isinstance(output, BadLine):
            err.write(inert(f"{profiles}:{output.line}: {output.message}", one_line=True) + "\n")
        elif isinstance(output, Notice):
            if text:
                out.write(notice_text(output) + "\n")
            elif every_note:
                err.write(notice_text(output, log=False) + "\n")
            else:
                held.append(output)
    if batch:
        batch.append("")
        out.write("\n".join(batch))
    for line in notes_summary(held):
        err.write(line + "\n")


def readiness_summary(readiness: dict[str, dict[str, list[int]]]) -> str:
    """Match readiness per Facebook / Google connection, for stderr: per mapped identifier, the share of the values
    sent that the platform can match (docs/space-file.md, "Normalisation and hashing"); the event notes say why each
    other value cannot match."""
    if not readiness:
        return ""
    lines = ["match readiness (values sent to Facebook / Google that the platform can match; the notes say why not):"]
    for label, tally in readiness.items():
        if not tally:
            lines.append(f"  {label}: no identifier values sent")
            continue
        shares = ", ".join(
            f"{segment} {percent(ok, sent)} ({ok}/{sent})" if sent else f"{segment} (no values sent)"
            for segment, (sent, ok) in tally.items()
        )
        lines.append(f"  {label}: {shares}")
    return "\n".join(lines) + "\n"


def percent(part: int, whole: int) -> str:
    """A share as a whole percentage, rounded down so that 100% means every value (199/200 is 99%, not 100%)."""
    return f"{part * 100 // whole}%" if whole else "-"
