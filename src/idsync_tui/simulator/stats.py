"""What a connection sends over the sample profiles (members, events, fan-out) and what each strategy picks on one
profile: pure and streaming, for the editor's stats panel and the Profiles screen.

Nothing here decides what is sent: membership comes from `timeline.build_units` and `membership.qualifies`, events
and strategy choices from `engine.connection_events`. This module only counts and arranges what they return.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from idsync_tui import catalog
from idsync_tui.simulator.engine import ENTER, ConnectionPlan, RowPlan, SyncContext, connection_events
from idsync_tui.simulator.membership import Predicate, qualifies
from idsync_tui.simulator.profiles import (
    MAX_LINE_BYTES,
    BadLine,
    Change,
    Profile,
    ProfileLineError,
    ProfileReader,
    numbered_lines,
    open_profiles,
    read_profiles,
    scan_times,
    time_key,
)
from idsync_tui.simulator.timeline import Unit, build_units
from idsync_tui.space.model import ConnectionRef, Space

# The order the Profiles screen lists a value's marks in.
MARK_ORDER: tuple[str, ...] = ("first_added", "last_added", "all")


# -- connection stats ---------------------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class ConnectionStats:
    """One connection over a profiles file, at the first sync (enter events; timeline changes are not played)."""

    profiles: int = 0
    members: int = 0
    events: int = 0
    silent: int = 0  # members for whom the connection sends nothing (the log gets a notice instead)
    max_events: int = 0
    max_profile: str | None = None  # the first profile that reaches `max_events`
    identifiers: tuple[tuple[str, int], ...] = ()  # (Segment identifier, members with a value for it)
    bad_lines: int = 0
    # Facebook / Google only: (Segment identifier, values sent, of which the platform can match), per mapped identifier
    readiness: tuple[tuple[str, int, int], ...] = ()

    @property
    def mean_events(self) -> float:
        """Events per member: the fan-out the `all` strategy (or Default setup) causes."""
        return self.events / self.members if self.members else 0.0

    def share(self, with_value: int) -> float:
        return with_value / self.members if self.members else 0.0


def connection_unit(space: Space, ref: ConnectionRef) -> tuple[Predicate, ConnectionPlan] | None:
    """Who is a member of the connection's owner, and the connection's plan, as the simulator builds them."""
    if ref.audience is not None:
        units = build_units(space, audience=ref.audience.key)
        unit_id = f"audience:{ref.audience.key}"
        owner_connections = ref.audience.connections
    else:
        assert ref.journey is not None and ref.step is not None
        units = build_units(space, journey=ref.journey.key)
        unit_id = f"journey:{ref.journey.key}:{ref.step.key}"
        owner_connections = ref.step.connections
    unit: Unit | None = next((u for u in units if u.id == unit_id), None)
    if unit is None:
        return None
    index = next((i for i, c in enumerate(owner_connections) if c is ref.connection), None)
    if index is None:
        index = next((i for i, c in enumerate(owner_connections) if c == ref.connection), None)
    if index is None or index >= len(unit.plans):
        return None
    return unit.predicate, unit.plans[index]


def mapped_identifiers(ref: ConnectionRef, plan: ConnectionPlan) -> tuple[str, ...]:
    """The identifiers a connection maps: its rows under Customized, else the default identifiers it sends."""
    connection = ref.connection
    if connection.customized and connection.identifiers:
        return tuple(dict.fromkeys(row.segment for row in connection.identifiers))
    return tuple(plan.default_rows)


def connection_stats(
    space: Space, ref: ConnectionRef, items: Iterable[Profile | Change | BadLine], at: str = ""
) -> ConnectionStats:
    """Counts, streaming over `items`: members of the connection's owner, the enter events it sends for them."""
    found = connection_unit(space, ref)
    if found is None:
        return ConnectionStats()
    predicate, plan = found
    kinds = mapped_identifiers(ref, plan)
    with_value = dict.fromkeys(kinds, 0)
    tally: dict[str, list[int]] | None = {kind: [0, 0] for kind in kinds} if plan.is_list else None
    context = SyncContext(at)
    include_anonymous = space.include_anonymous
    profiles = members = events = silent = max_events = bad = 0
    max_profile: str | None = None
    for item in items:
        if type(item) is not Profile:
            bad += isinstance(item, BadLine)
            continue
        profiles += 1
        if not qualifies(item.ids, include_anonymous) or not predicate(item.traits):
            continue
        members += 1
        ids = item.ids
        for kind in kinds:
            if ids.get(kind):
                with_value[kind] += 1
        sent = sum(1 for output in connection_events(plan, item, ENTER, context, tally) if type(output) is dict)
        events += sent
        silent += sent == 0
        if sent > max_events:
            max_events, max_profile = sent, item.id
    readiness = tuple((kind, counts[0], counts[1]) for kind, counts in tally.items()) if tally is not None else ()
    return ConnectionStats(
        profiles, members, events, silent, max_events, max_profile, tuple(with_value.items()), bad, readiness
    )


def stats_for_file(space: Space, ref: ConnectionRef, path: str | Path) -> ConnectionStats:
    return connection_stats(space, ref, read_profiles(path, space.identifier_limits()))


# -- one profile: its identity graph and what each strategy picks --------------------------------------------------
def _probe(kind: str, strategy: str, limits: dict[str, int]) -> ConnectionPlan:
    """A one-row list connection mapping `kind` with `strategy`: asking the engine what it sends tells us what the
    strategy picks, with the engine's own tie-breaking, so the screen can never disagree with the simulator."""
    return ConnectionPlan(
        source={"kind": "audience", "key": "probe"},
        unit_kind="audience",
        destination="probe",
        destination_type=catalog.ACTIONS,
        is_list=True,
        calls=("list",),
        flag="probe",
        personas={},
        enter_event="",
        exit_event="",
        customized=True,
        rows=(RowPlan(kind, kind, strategy),),
        reads=frozenset({kind}),
        limits=limits,
    )


def strategy_picks(profile: Profile, limits: dict[str, int] | None = None) -> dict[str, dict[str, list[str]]]:
    """type -> strategy -> the values an enter event sends with a row of that strategy, as the engine decides."""
    limits = limits or {}
    picks: dict[str, dict[str, list[str]]] = {}
    context = SyncContext("")
    for kind in profile.ids:
        per_strategy: dict[str, list[str]] = {}
        for strategy in MARK_ORDER:
            outputs = connection_events(_probe(kind, strategy, limits), profile, ENTER, context)
            per_strategy[strategy] = [o["payload"][kind] for o in outputs if type(o) is dict]
        picks[kind] = per_strategy
    return picks


@dataclass(frozen=True, slots=True)
class GraphValue:
    """One value of a profile's identity graph: its marks say which strategies send it on enter."""

    type: str
    value: str
    added_at: str  # time key ("2024-03-02T08:30:00"), "" when unknown
    marks: tuple[str, ...] = ()
    dropped: bool = False  # beyond the identity resolution limit: never sent


def _raw_added(data: dict[str, Any] | None) -> dict[tuple[str, str], str]:
    """(type, value) -> the earliest added_at the line gives it (used for values the limit dropped)."""
    found: dict[tuple[str, str], str] = {}
    items = data.get("identifiers") if isinstance(data, dict) else None
    for item in items if isinstance(items, list) else ():
        if not isinstance(item, dict):
            continue
        try:
            added = time_key(item.get("added_at"))
        except ProfileLineError:
            continue
        key = (str(item.get("type")), str(item.get("value")))
        if key not in found or added < found[key]:
            found[key] = added
    return found


def identity_graph(
    profile: Profile, data: dict[str, Any] | None = None, limits: dict[str, int] | None = None
) -> list[GraphValue]:
    """Every value of the profile, ordered by added_at (ties: type, then file order), with its strategy marks.

    `data` is the profile's decoded line: with it, values dropped by the identity limit get their added_at too.
    """
    picks = strategy_picks(profile, limits)
    values: list[GraphValue] = []
    for kind, kept in profile.ids.items():
        chosen = picks.get(kind, {})
        for value, added in kept:
            marks = tuple(s for s in MARK_ORDER if value in chosen.get(s, ()))
            values.append(GraphValue(kind, value, added, marks))
    if profile.dropped:
        raw = _raw_added(data)
        for kind, dropped in profile.dropped.items():
            for value in dropped:
                values.append(GraphValue(kind, value, raw.get((kind, value), ""), dropped=True))
    values.sort(key=lambda v: v.added_at)  # stable: within a time, the order above
    return values


# -- a profiles file, indexed for browsing ---------------------------------------------------------------------------
@dataclass(slots=True)
class ProfileIndex:
    """The first `cap` profiles of a file, with the byte offset of each line so one can be read again."""

    path: Path
    profiles: list[Profile] = field(default_factory=list)
    offsets: list[int] = field(default_factory=list)
    haystacks: list[str] = field(default_factory=list)  # lower-case id, identifier values and traits, for search
    more: bool = False  # the file has profiles beyond the cap
    bad_lines: list[BadLine] = field(default_factory=list)
    changes: int = 0
    first_sync: datetime | None = None


def haystack(profile: Profile) -> str:
    """What the search box matches: the id, every identifier value, every trait as `key=value`."""
    parts = [profile.id]
    for values in profile.ids.values():
        parts.extend(value for value, _ in values)
    if profile.dropped:
        for dropped in profile.dropped.values():
            parts.extend(dropped)
    parts.extend(f"{key}={value}" for key, value in profile.traits.items())
    return "\n".join(parts).lower()


def index_profiles(
    path: str | Path, limits: dict[str, int], cap: int = 10_000, cancelled: Iterator[bool] | None = None
) -> ProfileIndex:
    """Reads up to `cap` profiles (and counts changes and bad lines on the way); stops early when `cancelled`
    yields True (checked every 1,000 lines) so a worker can give up on a file that is no longer wanted."""
    index = ProfileIndex(Path(path))
    reader = ProfileReader(limits)  # bounded lines, repeated ids: the same bad lines as `simulate`
    with open_profiles(path) as stream:
        for number, start, raw in numbered_lines(stream):
            if cancelled is not None and number % 1000 == 0 and next(cancelled):
                return index
            item = reader.parse(raw, number)
            if item is None:
                continue
            if type(item) is Profile:
                if len(index.profiles) >= cap:
                    index.more = True
                    break
                index.profiles.append(item)
                index.offsets.append(start)
                index.haystacks.append(haystack(item))
            elif type(item) is Change:
                index.changes += 1
            else:
                index.bad_lines.append(item)  # type: ignore[arg-type]
    index.first_sync = scan_times(path).first_sync()
    return index


def read_line_at(path: str | Path, offset: int) -> dict[str, Any] | None:
    """The decoded JSON object of the line starting at `offset`, or None when it cannot be read any more."""
    try:
        with open(path, "rb") as stream:
            stream.seek(offset)
            data = json.loads(stream.readline(MAX_LINE_BYTES + 1))
    except (OSError, ValueError, RecursionError):
        return None
    return data if isinstance(data, dict) else None
