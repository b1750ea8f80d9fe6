"""The space model: plain, immutable records that the loader builds and the rules and simulator read.

The entries are `NamedTuple`s and the space a frozen dataclass. A 1,000-audience space holds ~7,000 entries, built
at every open: a NamedTuple is made in ~0.5 µs, a frozen dataclass in 2-5 µs (each field set through
`object.__setattr__`), ~15 ms of the open (benchmarks/README.md, "2026-12-03, fourth session"). Change one with
`entry._replace(field=value)`.

Each object carries `path` (where it sits in the file's data: ("audiences", 0, "connections", 1)), `where`
(the same place in words a person reads: `audiences[high_value].connections[fb]`) and `line` (1-based, or None
when the object was not found in the text, e.g. after an edit).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple

from idsync_tui import catalog

DataPath = tuple[str | int, ...]


class IdRow(NamedTuple):
    """One ID Sync row: Segment identifier -> destination identifier, with a strategy."""

    segment: str
    destination: str
    strategy: str = catalog.DEFAULT_STRATEGY
    path: DataPath = ()
    where: str = ""
    line: int | None = None


class Connection(NamedTuple):
    """Event settings of one audience -> destination (or journey send step -> destination) connection."""

    destination: str
    setup: str = "default"
    send_identify: bool = False
    send_track: bool = True
    send_mobile_ids: bool = False
    enter_event: str = catalog.DEFAULT_ENTER_EVENT
    exit_event: str = catalog.DEFAULT_EXIT_EVENT
    live: bool = False
    identifiers: tuple[IdRow, ...] = ()
    path: DataPath = ()
    where: str = ""
    line: int | None = None

    @property
    def customized(self) -> bool:
        return self.setup == "customized"


class Condition(NamedTuple):
    trait: str
    op: str
    value: Any = None
    path: DataPath = ()
    where: str = ""
    line: int | None = None


class Audience(NamedTuple):
    key: str
    name: str
    conditions: tuple[Condition, ...] = ()
    connections: tuple[Connection, ...] = ()
    path: DataPath = ()
    where: str = ""
    line: int | None = None


class Step(NamedTuple):
    key: str
    type: str
    conditions: tuple[Condition, ...] = ()
    connections: tuple[Connection, ...] = ()
    path: DataPath = ()
    where: str = ""
    line: int | None = None


class Journey(NamedTuple):
    key: str
    name: str
    steps: tuple[Step, ...] = ()
    path: DataPath = ()
    where: str = ""
    line: int | None = None


class Destination(NamedTuple):
    key: str
    type: str
    name: str
    external_id_type: str | None = None
    path: DataPath = ()
    where: str = ""
    line: int | None = None

    @property
    def is_list(self) -> bool:
        return catalog.is_list_destination(self.type)


class CustomIdentifier(NamedTuple):
    key: str
    limit: int = catalog.DEFAULT_LIMIT
    path: DataPath = ()
    where: str = ""
    line: int | None = None


def owner_label(key: str, step: str | None = None) -> str:
    """`audience vip` or `journey onboarding, step send_welcome`: a connection's owner as the app, the commands and
    the sync log name it everywhere (a narrow column writes `onboarding/send_welcome`: `logrows.source_key`)."""
    return f"journey {key}, step {step}" if step is not None else f"audience {key}"


class ConnectionRef(NamedTuple):
    """A connection with its owner: an audience, or a journey's send step."""

    connection: Connection
    audience: Audience | None = None
    journey: Journey | None = None
    step: Step | None = None

    @property
    def owner_label(self) -> str:
        """`audience vip` or `journey onboarding, step send_welcome` (`owner_label`)."""
        if self.audience is not None:
            return owner_label(self.audience.key)
        assert self.journey is not None and self.step is not None
        return owner_label(self.journey.key, self.step.key)

    @property
    def label(self) -> str:
        """The owner and the destination: `audience vip → fb`."""
        return f"{self.owner_label} → {self.connection.destination}"

    @property
    def kind(self) -> str:
        """`audience` or `journey_step`: the `computation_class` Segment sends."""
        return "audience" if self.audience is not None else "journey_step"

    @property
    def computation_key(self) -> str:
        if self.audience is not None:
            return self.audience.key
        assert self.journey is not None and self.step is not None
        return f"j_o_{self.journey.key}__{self.step.key}"


@dataclass(frozen=True, slots=True)
class Space:
    key: str
    name: str
    version: int = 1
    profiles: str | None = None
    include_anonymous: bool = False
    # Put in front of a phone number written without a country code, for Facebook / Google (digits, e.g. "44").
    default_phone_country_code: str | None = None
    identifiers: tuple[CustomIdentifier, ...] = ()
    destinations: tuple[Destination, ...] = ()
    audiences: tuple[Audience, ...] = ()
    journeys: tuple[Journey, ...] = ()
    file: Path | None = None
    line: int | None = None
    # A derived look-up, built in __post_init__ (also after dataclasses.replace); not part of equality.
    _destinations_by_key: dict[str, Destination] = field(init=False, compare=False, repr=False)

    def __post_init__(self) -> None:
        by_key: dict[str, Destination] = {}
        for destination in self.destinations:
            by_key.setdefault(destination.key, destination)
        object.__setattr__(self, "_destinations_by_key", by_key)

    def destination(self, key: str) -> Destination | None:
        return self._destinations_by_key.get(key)

    def audience(self, key: str) -> Audience | None:
        return next((a for a in self.audiences if a.key == key), None)

    def journey(self, key: str) -> Journey | None:
        return next((j for j in self.journeys if j.key == key), None)

    @property
    def custom_identifier_keys(self) -> frozenset[str]:
        return frozenset(identifier.key for identifier in self.identifiers)

    def identifier_limits(self) -> dict[str, int]:
        """Values kept per identifier type on a profile: defaults, then the declared custom identifiers."""
        limits = dict(catalog.DEFAULT_IDENTIFIER_LIMITS)
        for identifier in self.identifiers:
            limits.setdefault(identifier.key, identifier.limit)
        return limits

    def known_identifiers(self) -> tuple[str, ...]:
        """Default identifiers, then declared custom ones, in file order: what a row may map."""
        custom = tuple(i.key for i in self.identifiers if i.key not in catalog.DEFAULT_IDENTIFIERS)
        return catalog.DEFAULT_IDENTIFIERS + custom

    def profiles_path(self) -> Path | None:
        """The sample-profiles file, resolved against the space file's folder (paths are relative to it)."""
        if not self.profiles:
            return None
        candidate = Path(self.profiles)
        if not candidate.is_absolute() and self.file is not None:
            candidate = self.file.parent / candidate
        return candidate

    def connection_objects(self) -> Iterator[Connection]:
        """Every connection, in the order of `connections()`, without their owners (cheap: no objects made)."""
        for audience in self.audiences:
            yield from audience.connections
        for journey in self.journeys:
            for step in journey.steps:
                yield from step.connections

    def connections(self) -> Iterator[ConnectionRef]:
        """Every connection in the space, audiences first, then journey send steps, in file order."""
        for audience in self.audiences:
            for connection in audience.connections:
                yield ConnectionRef(connection, audience=audience)
        for journey in self.journeys:
            for step in journey.steps:
                for connection in step.connections:
                    yield ConnectionRef(connection, journey=journey, step=step)
