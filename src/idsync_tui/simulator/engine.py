"""The sync engine: a pure function of (connection plan, profile, context) -> events.

A `ConnectionPlan` is everything one connection's settings decide, worked out once per config version (which rows,
strategies, destination keys, placement, hashing), so that the per-profile work is a few dictionary look-ups.
`connection_events` turns one profile into the events (plain dicts in the spec's record shape, `seq` = 0 until the
runner numbers them) or a `Notice` when the rules leave nothing to send. Semantics: docs/space-file.md, "What gets
sent".
"""

from __future__ import annotations

from dataclasses import dataclass, field
from itertools import product
from typing import Any

from idsync_tui import catalog
from idsync_tui.simulator import normalise
from idsync_tui.simulator.normalise import Encoder
from idsync_tui.simulator.profiles import Profile
from idsync_tui.space.model import Connection, Space

ENTER, EXIT = "enter", "exit"

# One identifier value in an event: (Segment type, destination key, value as sent, matchable by the platform).
Sent = tuple[str, str, str, bool]

_NOT_DEFAULT = "custom identifier, never sent under default setup"

# Readiness counts, per Segment identifier: [values sent, of which matchable] (docs/space-file.md, "Normalisation
# and hashing").
Tally = dict[str, list[int]]


def _encoder(space: Space, destination_type: str, segment: str, key: str) -> Encoder | None:
    """How a value goes to this destination key: None raw, else the catalogue's normalisation (and hashing)."""
    return normalise.encoder(destination_type, segment, key, space.default_phone_country_code)


@dataclass(frozen=True, slots=True)
class RowPlan:
    """One identifier the connection sends: Segment type -> destination key, strategy, encoding."""

    segment: str
    key: str
    strategy: str = catalog.DEFAULT_STRATEGY
    encoder: Encoder | None = None

    @property
    def hash_note(self) -> str | None:
        return self.encoder.note if self.encoder is not None else None


@dataclass(frozen=True, slots=True)
class Notice:
    """Something the log shows that is not an event: a profile that sends nothing, a dropped change, ..."""

    at: str
    profile: str
    message: str
    source: dict[str, str] | None = None
    destination: str | None = None
    line: int | None = None


@dataclass(frozen=True, slots=True)
class SyncContext:
    """What the engine needs besides the plan and the profile: when, under which config, and why (a note)."""

    at: str
    config_version: int = 1
    reason: str | None = None


@dataclass(slots=True)
class ConnectionPlan:
    """One connection's settings, worked out once: calls, rows, placement, hashing, notes."""

    source: dict[str, str]
    unit_kind: str  # "audience" | "journey"
    destination: str
    destination_type: str
    is_list: bool
    calls: tuple[str, ...]
    flag: str  # computation key: the trait / property set to true (enter) or false (exit)
    personas: dict[str, str]
    enter_event: str
    exit_event: str
    customized: bool
    rows: tuple[RowPlan, ...] = ()
    default_rows: dict[str, RowPlan] = field(default_factory=dict)
    setup_notes: tuple[str, ...] = ()
    unsent_types: frozenset[str] = frozenset()  # types on a profile this connection never sends, with why
    unsent_reason: dict[str, str] = field(default_factory=dict)
    reads: frozenset[str] = frozenset()
    limits: dict[str, int] = field(default_factory=dict)
    latest_only: bool = False  # default setup: one event carrying the most recent value (Google Ads lists)
    # What connection_events works out from the settings above, on its first call (not part of the plan's value).
    derived: Any = field(default=None, repr=False, compare=False)


def build_plan(
    space: Space, connection: Connection, source: dict[str, str], flag: str, computation_class: str
) -> ConnectionPlan:
    destination = space.destination(connection.destination)
    kind = destination.type if destination is not None else catalog.ACTIONS
    is_list = catalog.is_list_destination(kind)
    if is_list:
        calls: tuple[str, ...] = ("list",)
    else:
        calls = tuple(c for c, on in (("identify", connection.send_identify), ("track", connection.send_track)) if on)
    mobile_on = connection.send_mobile_ids
    unsent: dict[str, str] = {}
    latest_only = False
    rows: list[RowPlan] = []
    default_rows: dict[str, RowPlan] = {}
    notes: list[str] = []
    if connection.customized and connection.identifiers:
        notes.append("customized setup: ID Sync rows decide what is sent")
        for row in connection.identifiers:
            if row.segment in catalog.MOBILE_IDS and not mobile_on:
                unsent[row.segment] = "dropped, send_mobile_ids is off"
                continue
            encoder = _encoder(space, kind, row.segment, row.destination) if is_list else None
            rows.append(RowPlan(row.segment, row.destination, row.strategy, encoder))
        reads = frozenset(row.segment for row in connection.identifiers)
    else:
        if connection.customized:
            notes.append("customized setup with no rows: the default identifiers are synced")
        label = catalog.DESTINATION_TYPE_LABELS.get(kind, kind)
        if is_list and destination is not None:
            columns = catalog.default_setup_list_columns(kind, destination.external_id_type)
            latest_only = kind in catalog.DEFAULT_SETUP_LATEST_ONLY
        else:
            columns = {t: t for t in catalog.DEFAULT_IDENTIFIERS}
        if latest_only:
            matcher = " or ".join(dict.fromkeys(columns)) if len(columns) > 1 else next(iter(columns), "")
            notes.append(f"default setup: {label} get one row per member, the most recently added {matcher}")
        elif not connection.customized:
            notes.append("default setup: one event per value of each default identifier")
        for segment in catalog.DEFAULT_IDENTIFIERS:
            if segment in catalog.MOBILE_IDS and not mobile_on:
                unsent[segment] = "dropped, send_mobile_ids is off"
            elif segment == "anonymous_id" and not space.include_anonymous:
                unsent[segment] = "not sent, the space's include_anonymous is off"
            elif segment not in columns:
                unsent[segment] = f"not sent, {label} has no column for it under default setup"
            else:
                key = columns[segment]
                encoder = _encoder(space, kind, segment, key) if is_list else None
                default_rows[segment] = RowPlan(segment, key, "all", encoder)
        reads = frozenset(catalog.DEFAULT_IDENTIFIERS)
    return ConnectionPlan(
        source=source,
        unit_kind=source["kind"],
        destination=connection.destination,
        destination_type=kind,
        is_list=is_list,
        calls=calls,
        flag=flag,
        personas={"computation_class": computation_class, "computation_key": flag, "space_id": space.key},
        enter_event=connection.enter_event,
        exit_event=connection.exit_event,
        customized=bool(rows) or (connection.customized and bool(connection.identifiers)),
        rows=tuple(rows),
        default_rows=default_rows,
        setup_notes=tuple(notes),
        unsent_types=frozenset(unsent),
        unsent_reason=unsent,
        reads=reads,
        limits=space.identifier_limits(),
        latest_only=latest_only,
    )


def _count(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


_EXIT_NOTE = "exit ignores ID Sync strategies: every value is sent so that it can be removed downstream"


class _RowNotes:
    """One customized row's notes, built once per plan: the fixed ones up front, the counted ones per count."""

    __slots__ = (
        "segment",
        "key",
        "strategy",
        "first",
        "latest",
        "encoder",
        "missing",
        "one",
        "exits",
        "alls",
    )

    def __init__(self, row: RowPlan) -> None:
        self.segment = row.segment
        self.key = row.key
        self.strategy = row.strategy
        self.first = row.strategy == "first_added"
        # first_added / last_added pick one value; `all` (and every exit) sends them all.
        self.latest = row.strategy != "all" and not self.first
        self.encoder = row.encoder
        self.missing = f"{row.segment}: no value on the profile, so no {row.key}"
        self.one = f"{row.segment}: 1 value -> {row.key}"
        self.exits: dict[int, str] = {}
        self.alls: dict[int, str] = {}


class _PlanNotes:
    """What `connection_events` derives from a plan, derived once (plans are built once per config version)."""

    __slots__ = ("rows", "unsent", "wanted", "actions")

    def __init__(self, plan: ConnectionPlan) -> None:
        self.rows = tuple(_RowNotes(row) for row in plan.rows)
        # Customized: "<type>: <why>" for the types this connection never sends; default: also the custom ones.
        self.unsent: dict[str, str] = {kind: f"{kind}: {why}" for kind, why in plan.unsent_reason.items()}
        self.wanted = ", ".join(row.segment for row in plan.rows) if plan.customized else "any default identifier"
        self.actions = {action: _verbs(plan.calls, action) for action in (ENTER, EXIT)}


def _verbs(calls: tuple[str, ...], action: str) -> tuple[tuple[str, str], ...]:
    """(call, the event's action) for each call: list destinations add and remove, the others enter and exit."""
    return tuple((call, ("add" if action == ENTER else "remove") if call == "list" else action) for call in calls)


def _dropped_notes(plan: ConnectionPlan, dropped: dict[str, list[str]], notes: list[str]) -> None:
    reads = plan.reads
    for kind, values in dropped.items():
        if kind in reads:
            limit = plan.limits.get(kind, catalog.DEFAULT_LIMIT)
            notes.append(f"{kind}: identity resolution keeps {limit} (the earliest added); dropped {', '.join(values)}")


def _encode_values(
    encoder: Encoder, segment: str, values: list[str], notes: list[str], tally: Tally | None
) -> list[tuple[str, bool]]:
    """The values as the platform receives them (normalised, hashed where it hashes) with whether it can match
    each; notes the row's treatment and each value it cannot match; counts sent and matchable values in `tally`."""
    notes.append(encoder.note)
    sent: list[tuple[str, bool]] = []
    matchable = 0
    encode = encoder.encode
    for value in values:
        text, ok, note = encode(value)
        sent.append((text, ok))
        matchable += ok
        if note is not None:
            notes.append(note)
    if tally is not None:
        counts = tally.get(segment)
        if counts is None:
            tally[segment] = [len(values), matchable]
        else:
            counts[0] += len(values)
            counts[1] += matchable
    return sent


def _customized_pairs(
    plan: ConnectionPlan, derived: _PlanNotes, profile: Profile, action: str, notes: list[str], tally: Tally | None
) -> list[list[Sent]]:
    """Every event's identifiers as (segment type, destination key, value), in row order; fills `notes` too."""
    ids = profile.ids
    exiting = action == EXIT
    chosen: list[tuple[_RowNotes, list[tuple[str, bool]]]] = []
    total = 1
    for row in derived.rows:
        values = ids.get(row.segment)
        if not values:
            notes.append(row.missing)
            continue
        n = len(values)
        if exiting:
            picked = [v for v, _ in values]
            note = row.exits.get(n)
            if note is None:
                note = row.exits[n] = (
                    f"{row.segment}: exit sends all {_count(n, 'value')} (strategy {row.strategy} ignored)"
                )
            notes.append(note)
            total *= n
        elif not (row.first or row.latest):
            picked = [v for v, _ in values]
            note = row.alls.get(n)
            if note is None:
                note = row.alls[n] = f"{row.segment}: {_count(n, 'value')}, strategy all -> {_count(n, 'event')}"
            notes.append(note)
            total *= n
        else:
            value, added = values[0] if row.first else values[-1]
            picked = [value]
            if n == 1:
                notes.append(row.one)
            else:
                which = "earliest" if row.first else "latest"
                notes.append(
                    f"{row.segment}: {n} values, strategy {row.strategy} keeps the {which} added "
                    f"({value}, added {added}Z); {_count(n - 1, 'value')} not sent"
                )
        encoder = row.encoder
        if encoder is not None:
            chosen.append((row, _encode_values(encoder, row.segment, picked, notes, tally)))
        else:
            chosen.append((row, [(value, True) for value in picked]))
    if not chosen:
        return []
    if total == 1:
        return [[(row.segment, row.key, sent[0][0], sent[0][1]) for row, sent in chosen]]
    notes.append(f"{_count(total, 'event')}: one per combination of the values above")
    heads = [(row.segment, row.key) for row, _ in chosen]
    return [
        [(segment, key, value, ok) for (segment, key), (value, ok) in zip(heads, combination, strict=True)]
        for combination in product(*(sent for _, sent in chosen))
    ]


def _default_pairs(
    plan: ConnectionPlan, derived: _PlanNotes, profile: Profile, notes: list[str], tally: Tally | None
) -> list[list[Sent]]:
    """Default setup: one event per value of each default identifier the connection sends (or, on a list that takes
    only the latest, one event with the most recent value of its matcher); fills `notes` too."""
    default_rows = plan.default_rows
    unsent = derived.unsent
    for kind in profile.ids:
        if kind not in default_rows:
            note = unsent.get(kind)
            notes.append(note if note is not None else f"{kind}: {_NOT_DEFAULT}")
    if plan.latest_only:
        return _latest_pair(plan, profile, notes, tally)
    events: list[list[Sent]] = []
    for kind, values in profile.ids.items():
        row = default_rows.get(kind)
        if row is None:
            continue
        key, encoder = row.key, row.encoder
        if encoder is None:
            events.extend([[(kind, key, value, True)] for value, _ in values])
        else:
            picked = _encode_values(encoder, kind, [value for value, _ in values], notes, tally)
            events.extend([[(kind, key, value, ok)] for value, ok in picked])
    if len(events) > 1:
        notes.append(f"default setup: {_count(len(events), 'event')}, one per identifier value")
    return events


def _latest_pair(plan: ConnectionPlan, profile: Profile, notes: list[str], tally: Tally | None) -> list[list[Sent]]:
    """The one row a list that takes only the most recent value gets: the latest added value of any type it reads
    (ties: the value listed last; across types, the type listed last)."""
    best: tuple[str, str, str] | None = None  # (added, type, value)
    count = 0
    for kind, values in profile.ids.items():
        if kind not in plan.default_rows:
            continue
        count += len(values)
        value, added = values[-1]
        if best is None or added >= best[0]:
            best = (added, kind, value)
    if best is None:
        return []
    added, kind, value = best
    row = plan.default_rows[kind]
    if count > 1:
        others = _count(count - 1, "older value")
        notes.append(f"{kind}: the most recently added ({value}, added {added}Z) is sent; {others} not sent")
    else:
        notes.append(f"{kind}: 1 value -> {row.key}")
    if row.encoder is not None:
        [(value, ok)] = _encode_values(row.encoder, kind, [value], notes, tally)
        return [[(kind, row.key, value, ok)]]
    return [[(kind, row.key, value, True)]]


def _payload(plan: ConnectionPlan, call: str, sent: list[Sent], user_id: str | None, entered: bool) -> dict[str, Any]:
    """The call's payload with the placement rules: Identify traits, Track properties (email in
    context.traits), or a list row."""
    if call == "list":
        return {key: value for _, key, value, _ in sent}
    flag = plan.flag
    if call == "identify":
        traits: dict[str, Any] = {flag: entered}
        for _, key, value, _ in sent:
            traits[key] = value
        if user_id is not None:
            return {"type": "identify", "userId": user_id, "traits": traits, "context": {"personas": plan.personas}}
        return {"type": "identify", "traits": traits, "context": {"personas": plan.personas}}
    properties: dict[str, Any] = {"audience_key": flag, flag: entered}
    context: dict[str, Any] | None = None
    for segment, key, value, _ in sent:
        if segment == "email":
            context = {"traits": {"email": value}, "personas": plan.personas}
        else:
            properties[key] = value
    if context is None:
        context = {"personas": plan.personas}
    event = plan.enter_event if entered else plan.exit_event
    if user_id is not None:
        return {"type": "track", "event": event, "userId": user_id, "context": context, "properties": properties}
    return {"type": "track", "event": event, "context": context, "properties": properties}


def connection_events(
    plan: ConnectionPlan,
    profile: Profile,
    action: str,
    context: SyncContext,
    tally: Tally | None = None,
    sent_values: list[list[Sent]] | None = None,
) -> list[dict[str, Any] | Notice]:
    """The events one connection sends for one profile entering or exiting; a Notice when it sends none.

    `tally`, when given, counts per Segment identifier the values sent to Facebook / Google and how many of them
    the platform can match (values sent to other destinations are not counted: no matching rules apply).
    `sent_values`, when given, receives each event's identifier values, in the order of the events."""
    if action == EXIT and plan.is_list and plan.unit_kind == "journey":
        message = "journeys never remove profiles from list destinations; no remove sent"
        return [Notice(context.at, profile.id, message, plan.source, plan.destination)]
    derived = plan.derived
    if derived is None:
        derived = plan.derived = _PlanNotes(plan)
    notes: list[str] = [context.reason, *plan.setup_notes] if context.reason else list(plan.setup_notes)
    if profile.dropped:
        _dropped_notes(plan, profile.dropped, notes)
    if plan.customized:
        unsent = derived.unsent
        if plan.unsent_types:
            for kind in profile.ids:
                if kind in unsent:
                    notes.append(unsent[kind])
        if action == EXIT:
            notes.append(_EXIT_NOTE)
        sends = _customized_pairs(plan, derived, profile, action, notes, tally)
    else:
        sends = _default_pairs(plan, derived, profile, notes, tally)
    if not sends:
        message = f"no event: the profile has no value for {derived.wanted} that this connection sends"
        return [Notice(context.at, profile.id, message, plan.source, plan.destination)]
    entered = action == ENTER
    user_id = profile.user_id
    at, source, destination, version = context.at, plan.source, plan.destination, context.config_version
    profile_id = profile.id
    verbs = derived.actions.get(action) or _verbs(plan.calls, action)
    if sent_values is not None:
        sent_values.extend(sent for sent in sends for _ in verbs)
    return [
        {
            "seq": 0,
            "at": at,
            "source": source,
            "destination": destination,
            "profile": profile_id,
            "action": verb,
            "call": call,
            "config_version": version,
            "payload": _payload(plan, call, sent, user_id, entered),
            "notes": notes,
        }
        for sent in sends
        for call, verb in verbs
    ]
