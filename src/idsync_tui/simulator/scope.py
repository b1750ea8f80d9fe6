"""What a sync log run covers (a scope: the selection's audience, journey or connection, or the whole space) and one
run of it: the first sync of every profile, as `simulate` numbers it, optionally diffed against the config before an
edit, profile by profile."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from idsync_tui import catalog
from idsync_tui.simulator import split
from idsync_tui.simulator.diff import EventDiff
from idsync_tui.simulator.engine import Notice
from idsync_tui.simulator.logrows import source_key
from idsync_tui.simulator.profiles import BadLine, Change, Profile, format_time, read_profiles
from idsync_tui.simulator.timeline import ConfigVersion, Output, Simulation
from idsync_tui.space.model import DataPath, Space

# What a screen says is selected: ("audience", key), ("journey", key), ("connection", conn_path), or None.
Selection = tuple[str, Any] | None


@dataclass(frozen=True, slots=True)
class Scope:
    """What a run covers: the simulator's audience / journey filter, narrowed to one connection when one is given."""

    label: str
    audience: str | None = None
    journey: str | None = None
    source: dict[str, str] | None = None  # a connection's owner, as events name it
    destination: str | None = None

    def matches(self, output: dict[str, Any] | Notice) -> bool:
        """Whether an event (or a notice) belongs to this scope; notices about no connection always do."""
        if self.destination is None:
            return True
        if type(output) is dict:
            return output["destination"] == self.destination and output["source"] == self.source
        if output.destination is None:  # type: ignore[union-attr]
            return True
        return output.destination == self.destination and output.source == self.source  # type: ignore[union-attr]


def scope_of(space: Space, selection: Selection) -> Scope:
    """The scope a screen's selection stands for; anything not found (deleted since) means the whole space."""
    if selection is not None:
        kind, key = selection
        if kind == "audience" and space.audience(key) is not None:
            return Scope(f"audience {key}", audience=key)
        if kind == "journey" and space.journey(key) is not None:
            return Scope(f"journey {key}", journey=key)
        if kind == "connection":
            for ref in space.connections():
                connection = ref.connection
                if connection.path != tuple(key):
                    continue
                if ref.audience is not None:
                    source = {"kind": "audience", "key": ref.audience.key}
                    return Scope(
                        f"{source_key(source)} → {connection.destination}",
                        audience=ref.audience.key,
                        source=source,
                        destination=connection.destination,
                    )
                assert ref.journey is not None and ref.step is not None
                source = {"kind": "journey", "key": ref.journey.key, "step": ref.step.key}
                return Scope(
                    f"{source_key(source)} → {connection.destination}",
                    journey=ref.journey.key,
                    source=source,
                    destination=connection.destination,
                )
    return Scope(f"space {space.key}")


def connection_selection(conn_path: DataPath) -> Selection:
    return ("connection", tuple(conn_path))


def first_sync_history(space: Space, start: datetime, version: int = 1) -> list[ConfigVersion]:
    """One config, saved early enough to be effective at the first sync (what `simulate` uses)."""
    return [ConfigVersion(version, start - timedelta(seconds=catalog.EFFECTIVE_DELAY_SECONDS), space)]


def run_scope(
    space: Space,
    scope: Scope,
    profiles: Path,
    start: datetime,
    *,
    before: Space | None = None,
    diff: EventDiff | None = None,
    stop: threading.Event | None = None,
    helper: split.Helper | None = None,
) -> Iterator[Output | str]:
    """The first sync of every profile for `scope`, as `simulate` would number it (seq of the audience / journey run).

    With `before` (the space before an edit) and `diff`, each profile is also run under the old config and the
    difference is added to `diff` as it goes. `stop` set ends the run early. With `helper` (a run of the whole
    scope, without a diff), every other part of the file is simulated by it, as `simulate` does (simulator/split.py):
    its events come as finished JSON lines.
    """
    limits = space.identifier_limits()
    simulation = Simulation(first_sync_history(space, start), start, audience=scope.audience, journey=scope.journey)
    previous = None
    if before is not None and diff is not None:
        previous = Simulation(first_sync_history(before, start), start, audience=scope.audience, journey=scope.journey)
    matches = scope.matches
    ignored = 0

    def items() -> Iterator[Profile | BadLine]:
        nonlocal ignored
        for count, item in enumerate(read_profiles(profiles, limits), 1):
            if stop is not None and count & 255 == 0 and stop.is_set():
                return
            if type(item) is Change:
                ignored += 1  # said once at the end, in the log's words
            else:
                yield item  # type: ignore[misc]

    if previous is None and helper is not None and scope.destination is None:  # two processes, as simulate runs it
        stopped = stop.is_set if stop is not None else None
        yield from split.flat(split.file_first_syncs(simulation, profiles, limits, helper, stopped))
        ignored = simulation.ignored_changes  # counted by the simulation and the helper: said once, below
    elif previous is None:  # one stream, as simulate runs it
        narrow = scope.destination is not None
        for output in simulation.run(items()):
            if not narrow or type(output) is BadLine or matches(output):  # type: ignore[arg-type]
                yield output
    else:  # profile by profile under both configs, so that the diff holds one profile's events at a time
        for item in items():
            if not isinstance(item, Profile):
                yield item
                continue
            outputs = [o for o in simulation.run((item,)) if matches(o)]  # type: ignore[arg-type]
            old = [o for o in previous.run((item,)) if type(o) is dict and matches(o)]
            diff.add(old, [o for o in outputs if type(o) is dict])  # type: ignore[union-attr, misc]
            yield from outputs
    if ignored:
        yield Notice(format_time(start), "", f"{ignored} change line(s) not played here; R replays them on a clock")
