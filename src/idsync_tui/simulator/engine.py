"""The sync engine: a pure function of (connection plan, profile, context) -> events.

A `ConnectionPlan` is everything one connection's settings decide, worked out once per config version (which rows,
strategies, destination keys, placement, hashing), so that the per-profile work is a few dictionary look-ups.
`connection_events` turns one profile into the events (plain dicts in the spec's record shape, `seq` = 0 until the
runner numbers them) or a `Notice` when the rules leave nothing to send. Semantics: ../shared/domain.md section 3.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from itertools import product
from typing import Any

from idsync_tui import catalog
from idsync_tui.simulator.profiles import Profile
from idsync_tui.space.model import Connection, Space

ENTER, EXIT = "enter", "exit"

# One identifier value in an event: (Segment type, destination key, value as sent).
Sent = tuple[str, str, str]

_NOT_DEFAULT = "custom identifier, never sent under default setup"
_NON_DIGITS = re.compile(r"[^0-9]")
_ASCII_NON_DIGITS = str.maketrans("", "", "".join(chr(c) for c in range(128) if not 48 <= c <= 57))

# CPython's own SHA-256 hashes a short value in about half the time OpenSSL's takes (OpenSSL 3 pays a provider
# look-up on every new hash object); both give the same digest.
try:
    from _sha256 import sha256 as _new_sha256  # Python 3.11
except ImportError:  # pragma: no cover - 3.12+ names it _sha2; builds without it use hashlib's
    try:
        from _sha2 import sha256 as _new_sha256  # type: ignore[no-redef]
    except ImportError:
        _new_sha256 = hashlib.sha256


def _sha256(text: str) -> str:
    return _new_sha256(text.encode("utf-8")).hexdigest()


def hash_email(value: str) -> str:
    return _new_sha256(value.strip().lower().encode("utf-8")).hexdigest()


def hash_phone(value: str) -> str:
    # Only ASCII digits count; str.translate does that for ASCII text several times faster than the regex.
    digits = value.translate(_ASCII_NON_DIGITS) if value.isascii() else _NON_DIGITS.sub("", value)
    return _new_sha256(digits.encode("utf-8")).hexdigest()


def hash_text(value: str) -> str:
    return _sha256(value.strip().lower())


def _encoder(destination_type: str, segment: str, key: str) -> tuple[Callable[[str], str] | None, str | None]:
    """How a value goes to this destination key: (None, None) raw, else (hash function, the note saying so)."""
    label = catalog.DESTINATION_TYPE_LABELS.get(destination_type, destination_type)
    if destination_type not in catalog.HASHING_DESTINATION_TYPES:
        return None, None
    if key in catalog.UNHASHED_KEYS:
        return None, f"{key}: sent unhashed ({label} takes {key} as it is)"
    if key.lower() == "email":
        return hash_email, f"{key}: {segment} trimmed and lower-cased, then SHA-256 hashed for {label}"
    if key.lower() == "phone":
        return hash_phone, f"{key}: {segment} reduced to its digits, then SHA-256 hashed for {label}"
    return hash_text, f"{key}: {segment} trimmed and lower-cased, then SHA-256 hashed for {label}"


@dataclass(frozen=True, slots=True)
class RowPlan:
    """One identifier the connection sends: Segment type -> destination key, strategy, encoding."""

    segment: str
    key: str
    strategy: str = catalog.DEFAULT_STRATEGY
    encode: Callable[[str], str] | None = None
    hash_note: str | None = None


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
    rows: list[RowPlan] = []
    default_rows: dict[str, RowPlan] = {}
    notes: list[str] = []
    if connection.customized and connection.identifiers:
        notes.append("customized setup: ID Sync rows decide what is sent")
        for row in connection.identifiers:
            if row.segment in catalog.MOBILE_IDS and not mobile_on:
                unsent[row.segment] = "dropped, send_mobile_ids is off"
                continue
            encode, hash_note = _encoder(kind, row.segment, row.destination) if is_list else (None, None)
            rows.append(RowPlan(row.segment, row.destination, row.strategy, encode, hash_note))
        reads = frozenset(row.segment for row in connection.identifiers)
    else:
        if connection.customized:
            notes.append("customized setup with no rows: the default identifiers are synced")
        else:
            notes.append("default setup: one event per value of each default identifier")
        if is_list:
            columns = catalog.default_setup_list_columns(kind, destination.external_id_type)
        else:
            columns = {t: t for t in catalog.DEFAULT_IDENTIFIERS}
        label = catalog.DESTINATION_TYPE_LABELS.get(kind, kind)
        for segment in catalog.DEFAULT_IDENTIFIERS:
            if segment in catalog.MOBILE_IDS and not mobile_on:
                unsent[segment] = "dropped, send_mobile_ids is off"
            elif segment == "anonymous_id" and not space.include_anonymous:
                unsent[segment] = "not sent, the space's include_anonymous is off"
            elif segment not in columns:
                unsent[segment] = f"not sent, {label} has no column for it under default setup"
            else:
                key = columns[segment]
                encode, hash_note = _encoder(kind, segment, key) if is_list else (None, None)
                default_rows[segment] = RowPlan(segment, key, "all", encode, hash_note)
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
        "encode",
        "hash_note",
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
        self.encode = row.encode
        self.hash_note = row.hash_note
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


def _customized_pairs(
    plan: ConnectionPlan, derived: _PlanNotes, profile: Profile, action: str, notes: list[str]
) -> list[list[Sent]]:
    """Every event's identifiers as (segment type, destination key, value), in row order; fills `notes` too."""
    ids = profile.ids
    exiting = action == EXIT
    chosen: list[tuple[_RowNotes, list[str]]] = []
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
        encode = row.encode
        if encode is not None:
            picked = [encode(v) for v in picked]
        if row.hash_note is not None:
            notes.append(row.hash_note)
        chosen.append((row, picked))
    if not chosen:
        return []
    if total == 1:
        return [[(row.segment, row.key, picked[0]) for row, picked in chosen]]
    notes.append(f"{_count(total, 'event')}: one per combination of the values above")
    heads = [(row.segment, row.key) for row, _ in chosen]
    return [
        [(segment, key, value) for (segment, key), value in zip(heads, combination, strict=True)]
        for combination in product(*(picked for _, picked in chosen))
    ]


def _default_pairs(plan: ConnectionPlan, derived: _PlanNotes, profile: Profile, notes: list[str]) -> list[list[Sent]]:
    """Default setup: one event per value of each default identifier the connection sends; fills `notes` too."""
    default_rows = plan.default_rows
    unsent = derived.unsent
    for kind in profile.ids:
        if kind not in default_rows:
            note = unsent.get(kind)
            notes.append(note if note is not None else f"{kind}: {_NOT_DEFAULT}")
    events: list[list[Sent]] = []
    for kind, values in profile.ids.items():
        row = default_rows.get(kind)
        if row is None:
            continue
        encode, key = row.encode, row.key
        if encode is None:
            events.extend([[(kind, key, value)] for value, _ in values])
        else:
            events.extend([[(kind, key, encode(value))] for value, _ in values])
        if row.hash_note is not None and row.hash_note not in notes:
            notes.append(row.hash_note)
    if len(events) > 1:
        notes.append(f"default setup: {_count(len(events), 'event')}, one per identifier value")
    return events


def _payload(plan: ConnectionPlan, call: str, sent: list[Sent], user_id: str | None, entered: bool) -> dict[str, Any]:
    """The call's payload with the placement rules: Identify traits, Track properties (email in
    context.traits), or a list row."""
    if call == "list":
        return {key: value for _, key, value in sent}
    flag = plan.flag
    if call == "identify":
        traits: dict[str, Any] = {flag: entered}
        for _, key, value in sent:
            traits[key] = value
        if user_id is not None:
            return {"type": "identify", "userId": user_id, "traits": traits, "context": {"personas": plan.personas}}
        return {"type": "identify", "traits": traits, "context": {"personas": plan.personas}}
    properties: dict[str, Any] = {"audience_key": flag, flag: entered}
    context: dict[str, Any] | None = None
    for segment, key, value in sent:
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
    plan: ConnectionPlan, profile: Profile, action: str, context: SyncContext
) -> list[dict[str, Any] | Notice]:
    """The events one connection sends for one profile entering or exiting; a Notice when it sends none."""
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
        sends = _customized_pairs(plan, derived, profile, action, notes)
    else:
        sends = _default_pairs(plan, derived, profile, notes)
    if not sends:
        message = f"no event: the profile has no value for {derived.wanted} that this connection sends"
        return [Notice(context.at, profile.id, message, plan.source, plan.destination)]
    entered = action == ENTER
    user_id = profile.user_id
    at, source, destination, version = context.at, plan.source, plan.destination, context.config_version
    profile_id = profile.id
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
        for call, verb in derived.actions.get(action) or _verbs(plan.calls, action)
    ]
