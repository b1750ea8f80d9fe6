"""The simulated timeline: the first sync of every profile, then change lines in `at` order, under a config history.

The engine (`engine.connection_events`) is pure; this module owns time and state. Time is never the wall clock:
the first sync happens at `start` (the command derives it from the data), each change is a sync of its own at its
`at`. A config version applies to syncs that start at or after its `effective_at` (saved_at + 5 minutes); a sync
uses one version from start to end, and a new version never re-sends members already sent (Segment does not
resync): only later enters, exits and re-syncs follow it. Every event carries the version it was built with.

`config_history` is a list of `ConfigVersion`s so that the app can feed live edits into the same runner.
"""

from __future__ import annotations

import bisect
from collections.abc import Container, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from idsync_tui import catalog
from idsync_tui.simulator.engine import (
    ENTER,
    EXIT,
    ConnectionPlan,
    Notice,
    Sent,
    SyncContext,
    Tally,
    build_plan,
    connection_events,
)
from idsync_tui.simulator.membership import Predicate, compile_conditions, qualifies
from idsync_tui.simulator.profiles import BadLine, Change, Profile, format_time, key_to_datetime
from idsync_tui.simulator.render import event_json, source_label
from idsync_tui.space.model import Condition, Space

Output = dict[str, Any] | Notice | BadLine
# The first sync time events are built with while it is not known yet (`simulate`'s scan ahead and its helper for a
# large file): replaced before anything is written.
OPEN_TIME = datetime(1970, 1, 1, tzinfo=UTC)
# One connection of one unit ("audience:vip", "fb"): what a profile was sent is remembered per connection.
ConnectionKey = tuple[str, str]


def sent_signature(event: dict[str, Any]) -> str:
    """What makes two events the same delivery: action, call and payload (not seq, time, version or notes)."""
    return event_json({"action": event["action"], "call": event["call"], "payload": event["payload"]})


def connection_label(source: dict[str, str], destination: str) -> str:
    """`audience high_value -> fb`, `journey onboarding, step welcome -> braze`: a connection in a summary line."""
    return f"{source_label(source)} -> {destination}"


@dataclass(frozen=True, slots=True)
class ConfigVersion:
    """One saved config: its number, when it was saved, and the space as saved."""

    version: int
    saved_at: datetime
    space: Space

    @property
    def effective_at(self) -> datetime:
        return self.saved_at + timedelta(seconds=catalog.EFFECTIVE_DELAY_SECONDS)


@dataclass(frozen=True, slots=True)
class Unit:
    """Something profiles are members of: an audience, or a journey's send step (reached past its filters)."""

    id: str
    predicate: Predicate
    plans: tuple[ConnectionPlan, ...]


def build_units(space: Space, audience: str | None = None, journey: str | None = None) -> tuple[Unit, ...]:
    """Audiences then journey send steps, in file order; only the named audience / journey when one is given."""
    units: list[Unit] = []
    everything = audience is None and journey is None
    for item in space.audiences:
        if everything or item.key == audience:
            source = {"kind": "audience", "key": item.key}
            plans = tuple(build_plan(space, c, source, item.key, "audience") for c in item.connections)
            units.append(Unit(f"audience:{item.key}", compile_conditions(item.conditions), plans))
    for journey_entry in space.journeys:
        if not (everything or journey_entry.key == journey):
            continue
        conditions: list[Condition] = []
        for step in journey_entry.steps:
            if step.type == "filter":
                conditions.extend(step.conditions)
                continue
            source = {"kind": "journey", "key": journey_entry.key, "step": step.key}
            flag = f"j_o_{journey_entry.key}__{step.key}"
            plans = tuple(build_plan(space, c, source, flag, "journey_step") for c in step.connections)
            units.append(Unit(f"journey:{journey_entry.key}:{step.key}", compile_conditions(conditions), plans))
    return tuple(units)


class Simulation:
    """Runs profiles through a config history; iterate `run(items)` for events, notices and bad lines."""

    def __init__(
        self,
        config_history: Sequence[ConfigVersion],
        start: datetime,
        *,
        timeline: bool = False,
        audience: str | None = None,
        journey: str | None = None,
        keep: Container[str] | None = None,
    ) -> None:
        if not config_history:
            raise ValueError("a simulation needs at least one config version")
        self.history = sorted(config_history, key=lambda v: (v.effective_at, v.version))
        self._effective = [v.effective_at for v in self.history]
        self.start = start
        self.timeline = timeline
        self.audience = audience
        self.journey = journey
        self.keep = keep  # profile ids the timeline will touch (None: keep all)
        self._units: dict[int, tuple[Unit, ...]] = {}
        self.seq = 0
        self.profiles: dict[str, Profile] = {}
        self.members: dict[str, set[str]] = {}
        self.changes: list[Change] = []
        self.ignored_changes = 0
        # profile -> connection -> signatures of the enter events it sent the profile since it last entered (kept for
        # the profiles the timeline touches: new data on a member sends only what was not sent before).
        self.sent: dict[str, dict[ConnectionKey, set[str]]] = {}
        # Match readiness: connection label -> Segment identifier -> [values sent to Facebook / Google, matchable].
        self.readiness: dict[str, Tally] = {}

    # -- config --------------------------------------------------------------------------------------------
    def version_at(self, moment: datetime) -> ConfigVersion:
        """The version in effect for a sync starting at `moment` (the earliest one before any is effective)."""
        index = bisect.bisect_right(self._effective, moment) - 1
        return self.history[max(index, 0)]

    def units(self, config: ConfigVersion) -> tuple[Unit, ...]:
        units = self._units.get(config.version)
        if units is None:
            units = self._units[config.version] = build_units(config.space, self.audience, self.journey)
        return units

    def tally(self, plan: ConnectionPlan) -> Tally | None:
        """The readiness counts of the plan's connection (None where no platform matching rules apply)."""
        if not plan.is_list:
            return None
        label = connection_label(plan.source, plan.destination)
        tally = self.readiness.get(label)
        if tally is None:
            tally = self.readiness[label] = {}
        for segment in [row.segment for row in plan.rows] or plan.default_rows:  # mapped identifiers, in row order
            tally.setdefault(segment, [0, 0])
        return tally

    # -- running -------------------------------------------------------------------------------------------
    def _number(self, outputs: Iterable[Output]) -> Iterator[Output]:
        for output in outputs:
            if type(output) is dict:
                self.seq += 1
                output["seq"] = self.seq
            yield output

    def run(self, items: Iterable[Profile | Change | BadLine]) -> Iterator[Output]:
        """The first sync of every profile in file order, then (with timeline) the changes in `at` order."""
        yield from self.first_syncs(items)
        yield from self.finish()

    def first_syncs(self, items: Iterable[Profile | Change | BadLine]) -> Iterator[Output]:
        """The first sync of these profiles, in order (called once per part of a file that is read in parts:
        `simulator/split.py`); change lines are kept for the timeline, or counted."""
        config = self.version_at(self.start)
        # Each unit with its plans and their readiness counts, looked up once for the run.
        units = [(unit, [(plan, self.tally(plan)) for plan in unit.plans]) for unit in self.units(config)]
        context = SyncContext(format_time(self.start), config.version)
        include_anonymous = config.space.include_anonymous
        keep = self.keep
        for item in items:
            if type(item) is Profile:
                members: set[str] = set()
                remember = self.timeline and (keep is None or item.id in keep)
                history: dict[ConnectionKey, set[str]] | None = {} if remember else None
                if qualifies(item.ids, include_anonymous):
                    traits = item.traits
                    for unit, plans in units:
                        if unit.predicate(traits):
                            members.add(unit.id)
                            for plan, tally in plans:
                                outputs = connection_events(plan, item, ENTER, context, tally)
                                if history is not None:
                                    history[(unit.id, plan.destination)] = {
                                        sent_signature(o) for o in outputs if type(o) is dict
                                    }
                                for output in outputs:
                                    if type(output) is dict:
                                        self.seq += 1
                                        output["seq"] = self.seq
                                    yield output
                elif item.ids:
                    yield Notice(context.at, item.id, _UNQUALIFIED, line=item.line)
                else:
                    yield Notice(context.at, item.id, "the profile has no identifiers; nothing can be synced")
                if remember:
                    self.profiles[item.id] = item
                    self.members[item.id] = members
                    self.sent[item.id] = history or {}
            elif type(item) is Change:
                if self.timeline:
                    self.changes.append(item)
                else:
                    self.ignored_changes += 1
            else:
                assert isinstance(item, BadLine)
                yield item

    def finish(self) -> Iterator[Output]:
        """After the last first sync: the count of change lines not played, then (with timeline) the changes."""
        if self.ignored_changes:
            yield Notice(
                format_time(self.start),
                "",
                f"{self.ignored_changes} change line(s) not applied; pass --timeline to play them after the first sync",
            )
        if self.timeline:
            yield from self._play_changes()

    def _play_changes(self) -> Iterator[Output]:
        announced = {self.version_at(self.start).version}
        pending = [v for v in self.history if v.effective_at > self.start]
        for change in sorted(self.changes, key=lambda c: (c.at, c.line)):
            moment = key_to_datetime(change.at)
            while pending and pending[0].effective_at <= moment:
                yield self._announce(pending.pop(0), announced)
            yield from self._number(self.apply(change, moment))
        while pending:
            yield self._announce(pending.pop(0), announced)

    def _announce(self, config: ConfigVersion, announced: set[int]) -> Notice:
        announced.add(config.version)
        return Notice(
            format_time(config.effective_at),
            "",
            f"config version {config.version} (saved {format_time(config.saved_at)}) is effective from now; "
            "members already sent are not re-sent",
        )

    def apply(self, change: Change, moment: datetime) -> Iterator[dict[str, Any] | Notice | BadLine]:
        """One change line as a sync of its own: enters, exits and re-syncs it causes under the config then."""
        at = format_time(moment)
        before = self.profiles.get(change.profile)
        if before is None:
            yield BadLine(change.line, f'change for "{change.profile}": no profile with that id in the file; skipped')
            return
        config = self.version_at(moment)
        added: str | None = None
        if change.traits is not None:
            traits = {**before.traits, **change.traits}
            for key, value in change.traits.items():
                if value is None:
                    del traits[key]
            after = Profile(before.id, before.line, traits, before.ids, before.dropped)
            reason = f"traits changed at {at}: " + ", ".join(f"{k} = {_show(v)}" for k, v in change.traits.items())
        else:
            assert change.add_identifier is not None
            kind, value, added_key = change.add_identifier
            values = before.ids.get(kind, [])
            if any(v == value for v, _ in values):
                yield Notice(at, before.id, f"{kind} {value} is already on the profile; nothing to re-sync")
                return
            limit = config.space.identifier_limits().get(kind, catalog.DEFAULT_LIMIT)
            if len(values) >= limit:
                yield Notice(
                    at,
                    before.id,
                    f"{kind} {value} dropped: the profile already has {limit} (the limit), as a real space would",
                )
                return
            new_values = sorted([*values, (value, added_key)], key=lambda v: v[1])
            after = Profile(before.id, before.line, before.traits, {**before.ids, kind: new_values}, before.dropped)
            added = f"{kind} {value}"
            reason = f"identifier added at {at}: {added}"
        self.profiles[before.id] = after
        members = self.members[before.id]
        history = self.sent.setdefault(before.id, {})
        qualified = qualifies(after.ids, config.space.include_anonymous)
        for unit in self.units(config):
            was = unit.id in members
            now = qualified and unit.predicate(after.traits)
            if now and not was:
                action, note = ENTER, f"entered: {reason}"
                members.add(unit.id)
            elif was and not now:
                action, note = EXIT, f"exited: {reason}"
                members.discard(unit.id)
            elif was and now and added is not None:
                yield from self._new_data(
                    unit, after, SyncContext(at, config.version, f"new data on a member: {reason}")
                )
                continue
            else:
                continue
            context = SyncContext(at, config.version, note)
            for plan in unit.plans:
                outputs = connection_events(plan, after, action, context, self.tally(plan))
                if action == ENTER:
                    history[(unit.id, plan.destination)] = {sent_signature(o) for o in outputs if type(o) is dict}
                else:  # removed downstream: a later enter sends everything again
                    history.pop((unit.id, plan.destination), None)
                yield from outputs

    def _new_data(self, unit: Unit, profile: Profile, context: SyncContext) -> Iterator[dict[str, Any] | Notice]:
        """An identifier added to a member: per connection, only the events it has not sent the profile before."""
        history = self.sent.setdefault(profile.id, {})
        for plan in unit.plans:
            values: list[list[Sent]] = []
            outputs = connection_events(plan, profile, ENTER, context, None, values)
            events = [o for o in outputs if type(o) is dict]
            if not events:
                yield from outputs  # the notice saying why nothing is sent
                continue
            sent = history.setdefault((unit.id, plan.destination), set())
            new: list[dict[str, Any]] = []
            new_values: dict[tuple[str, str], bool] = {}
            for event, event_values in zip(events, values, strict=True):
                signature = sent_signature(event)
                if signature in sent:
                    continue
                sent.add(signature)
                new.append(event)
                for segment, _, value, ok in event_values:
                    new_values[(segment, value)] = ok
            if not new:
                message = (
                    "new data on a member: nothing new for this connection; the "
                    f"{'event' if len(events) == 1 else f'{len(events)} events'} it would send "
                    f"{'was' if len(events) == 1 else 'were'} already sent to the profile"
                )
                yield Notice(context.at, profile.id, message, plan.source, plan.destination)
                continue
            if len(new) < len(events):
                already = len(events) - len(new)
                new[0]["notes"].append(
                    f"new data on a member: {already} event{'s' if already > 1 else ''} this connection already sent "
                    "the profile not sent again"
                )
            tally = self.tally(plan)
            if tally is not None and plan.is_list:
                for (segment, _), ok in new_values.items():
                    counts = tally.setdefault(segment, [0, 0])
                    counts[0] += 1
                    counts[1] += ok
            yield from new


_UNQUALIFIED = "the profile has only anonymous_id and the space's include_anonymous is off; it is in no audience"


def _show(value: Any) -> str:
    return "(removed)" if value is None else repr(value) if isinstance(value, str) else str(value)
