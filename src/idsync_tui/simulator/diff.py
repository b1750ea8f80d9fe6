"""How the events of two configs differ, profile by profile: added, changed (and how), unchanged, removed."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from idsync_tui.simulator.logrows import ADDED, CHANGED, REMOVED, UNCHANGED, Marked, short_value, source_key
from idsync_tui.simulator.render import event_json, sent_identifiers

KEEP_REMOVED = 10_000  # removed events an EventDiff keeps to show; beyond, it counts them only


@dataclass(frozen=True, slots=True)
class EventMark:
    """What an edit did to one event of the re-run: added, changed (from `before`: `what` says how) or unchanged."""

    status: str
    before: dict[str, Any] | None = None
    what: str = ""


UNCHANGED_MARK = EventMark(UNCHANGED)


def _group(event: dict[str, Any]) -> str:
    return f"{source_key(event['source'])}|{event['destination']}|{event['profile']}|{event['action']}|{event['call']}"


def what_changed(before: dict[str, Any], after: dict[str, Any]) -> str:
    """How a changed event differs, in the identifiers it sends: `email: old@x.example → new@x.example`, one
    `key: before → after` per identifier that moved (`(none)` for one not sent); otherwise the payload keys that
    differ."""
    old, new = dict(sent_identifiers(before)), dict(sent_identifiers(after))
    parts = []
    for key in [*old, *(k for k in new if k not in old)]:
        if old.get(key) != new.get(key):
            was = short_value(old[key]) if key in old else "(none)"
            now = short_value(new[key]) if key in new else "(none)"
            parts.append(f"{key.rpartition('.')[2]}: {was} → {now}")
    if parts:
        return ", ".join(parts)
    payload_old, payload_new = before["payload"], after["payload"]
    keys = sorted(k for k in payload_old.keys() | payload_new.keys() if payload_old.get(k) != payload_new.get(k))
    return "payload differs: " + ", ".join(keys) if keys else "payload differs"


@dataclass(slots=True)
class EventDiff:
    """How two runs' events differ: same call, action and payload is unchanged; same profile, connection, action and
    call with another payload is changed; the rest is added or removed.

    Beyond the counts it says which events: `add` returns (and `mark` looks up, for the profile it was last given)
    each new event's EventMark, and the events removed are kept (as their JSON lines), the first `keep_removed` of
    them, with a count of those dropped beyond. Fed one profile at a time, it holds one profile's marks: memory
    stays bounded.
    """

    added: int = 0
    removed: int = 0
    changed: int = 0
    unchanged: int = 0
    keep_removed: int = KEEP_REMOVED
    removed_lines: list[str] = field(default_factory=list, repr=False)  # as JSON lines: a fifth of a dict's memory
    removed_dropped: int = 0
    _marks: dict[int, EventMark] = field(default_factory=dict, repr=False)

    def add(self, old: Iterable[dict[str, Any]], new: Iterable[dict[str, Any]]) -> list[EventMark]:
        """Compare the old config's events with the new one's (one profile's, say); the marks of `new`, in order.

        Within a group (profile, connection, action, call), an old event with the same payload makes a new one
        unchanged; the old events left pair in order with the new ones left (changed); what is left after that is
        removed or added."""
        new = list(new)
        pool: dict[str, dict[str, list[int]]] = {}  # group -> payload -> indexes of old events not matched yet
        olds = list(old)
        groups_old = []
        for index, event in enumerate(olds):
            group = _group(event)
            groups_old.append(group)
            pool.setdefault(group, {}).setdefault(event_json(event["payload"]), []).append(index)
        matched = [False] * len(olds)
        marks: list[EventMark | None] = [None] * len(new)
        left_new: dict[str, list[int]] = {}
        for index, event in enumerate(new):
            group = _group(event)
            same = pool.get(group, {}).get(event_json(event["payload"]))
            if same:
                matched[same.pop(0)] = True
                marks[index] = UNCHANGED_MARK
                self.unchanged += 1
            else:
                left_new.setdefault(group, []).append(index)
        left_old: dict[str, list[int]] = {}
        for index, group in enumerate(groups_old):
            if not matched[index]:
                left_old.setdefault(group, []).append(index)
        for group, indexes in left_new.items():
            pairs = left_old.pop(group, [])
            for position, index in enumerate(indexes):
                if position < len(pairs):
                    before = olds[pairs[position]]
                    marks[index] = EventMark(CHANGED, before, what_changed(before, new[index]))
                    self.changed += 1
                else:
                    marks[index] = EventMark(ADDED)
                    self.added += 1
            for position in range(len(indexes), len(pairs)):
                self._removed(olds[pairs[position]])
        for indexes in left_old.values():
            for index in indexes:
                self._removed(olds[index])
        done: list[EventMark] = marks  # type: ignore[assignment]
        self._marks = {event["seq"]: mark for event, mark in zip(new, done, strict=True) if "seq" in event}
        return done

    def _removed(self, event: dict[str, Any]) -> None:
        self.removed += 1
        if len(self.removed_lines) < self.keep_removed:
            self.removed_lines.append(event_json(event))
        else:
            self.removed_dropped += 1

    def mark(self, event: dict[str, Any]) -> EventMark:
        """What the edit did to an event of the profile last given to `add` (by its seq); unchanged if not known."""
        return self._marks.get(event.get("seq", -1), UNCHANGED_MARK)

    def item(self, event: dict[str, Any], line: str) -> Marked:
        """The ring item of an event of the re-run (`line` is its JSON line): marked as `mark` says."""
        mark = self.mark(event)
        if mark.status == CHANGED:
            return Marked(line, CHANGED, event_json(mark.before), mark.what)  # type: ignore[arg-type]
        return Marked(line, mark.status)

    @property
    def removed_events(self) -> list[dict[str, Any]]:
        """The removed events kept (the first `keep_removed`), in the order the old config sent them."""
        return [json.loads(line) for line in self.removed_lines]

    def removed_items(self) -> Iterator[Marked]:
        """The removed events kept, as ring items (rows marked `−`, not exported)."""
        for line in self.removed_lines:
            yield Marked(line, REMOVED)

    @property
    def different(self) -> int:
        return self.added + self.removed + self.changed

    @property
    def text(self) -> str:
        return f"+{self.added} added, -{self.removed} removed, ~{self.changed} changed"
