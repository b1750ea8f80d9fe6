"""What the sync log pane needs around the simulator, in plain Python: scopes, log rows, a bounded ring, diffs, replay.

No Textual here (the architecture test keeps it so): the pane's worker thread calls these and only moves their
results to the screen. `run_scope` streams one scope's first sync (and, given the space as it was before an edit,
the difference the edit makes, profile by profile, so memory stays flat); `Replay` plays the change lines on a
simulated clock that the caller advances, and takes new config versions while it runs.
"""

from __future__ import annotations

import json
import os
import threading
import time
from bisect import bisect_left
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from idsync_tui import catalog
from idsync_tui.simulator.engine import Notice
from idsync_tui.simulator.profiles import BadLine, Change, Profile, format_time, key_to_datetime, read_profiles
from idsync_tui.simulator.render import event_json, sent_identifiers
from idsync_tui.simulator.timeline import ConfigVersion, Output, Simulation
from idsync_tui.space.model import DataPath, Space

# What a screen says is selected: ("audience", key), ("journey", key), ("connection", conn_path), or None.
Selection = tuple[str, Any] | None

ENTER_KIND, EXIT_KIND, NOTICE_KIND, BAD_KIND = "enter", "exit", "notice", "bad"


# -- scopes ---------------------------------------------------------------------------------------------------
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
                        f"{ref.audience.key} → {connection.destination}",
                        audience=ref.audience.key,
                        source=source,
                        destination=connection.destination,
                    )
                assert ref.journey is not None and ref.step is not None
                source = {"kind": "journey", "key": ref.journey.key, "step": ref.step.key}
                return Scope(
                    f"{ref.journey.key}/{ref.step.key} → {connection.destination}",
                    journey=ref.journey.key,
                    source=source,
                    destination=connection.destination,
                )
    return Scope(f"space {space.key}")


def connection_selection(conn_path: DataPath) -> Selection:
    return ("connection", tuple(conn_path))


# -- log rows ---------------------------------------------------------------------------------------------------
GLYPHS = {"enter": "▲", "add": "+", "exit": "▼", "remove": "-"}
CALLS = {"identify": "I", "track": "T", "list": "L"}


def short_value(value: Any) -> str:
    """A value as the log row shows it: SHA-256 hex as its first 8 characters and `…`, long values cut."""
    text = str(value)
    if len(text) == 64 and all(c in "0123456789abcdef" for c in text):
        return text[:8] + "…"
    return text if len(text) <= 20 else text[:12] + "…"


def _fit(text: str, width: int) -> str:
    return text.ljust(width) if len(text) <= width else text[: width - 1] + "…"


def _clock(at: str) -> str:
    """`2024-06-01T10:00:00Z` -> `10:00:00`."""
    return at[11:19] if len(at) >= 19 else at


def _source_key(source: dict[str, str] | None) -> str:
    if source is None:
        return "-"
    return f"{source['key']}/{source['step']}" if "step" in source else source["key"]


def event_row(event: dict[str, Any]) -> str:
    """One readable line that fits 80 columns: time, version, source, destination, profile, action, identifiers."""
    sent = " ".join(f"{key.rpartition('.')[2]}={short_value(value)}" for key, value in sent_identifiers(event))
    action = event["action"]
    return (
        f"{_clock(event['at'])} v{event['config_version']} {_fit(_source_key(event['source']), 12)} "
        f"{_fit(event['destination'], 7)} {_fit(event['profile'], 7)} {GLYPHS.get(action, '?')} "
        f"{_fit(action, 6)} {CALLS.get(event['call'], '?')} {sent or '(no identifiers)'}"
    )


def notice_row(notice: Notice) -> str:
    where = f"{_source_key(notice.source)}→{notice.destination} " if notice.destination else ""
    who = f"{notice.profile}: " if notice.profile else ""
    return f"{_clock(notice.at)}    · {where}{who}{notice.message}"


# A line of the log: (row text, the event's JSON Lines record or None for a notice, kind for its colour).
LogEntry = tuple[str, str | None, str]

# What an edit did to an event of the re-run (`EventDiff`), and the kinds (colours) of rows so marked.
ADDED, CHANGED, UNCHANGED, REMOVED = "added", "changed", "unchanged", "removed"
MARKS = {ADDED: "+ ", CHANGED: "~ ", UNCHANGED: "  ", REMOVED: "− "}


class Marked:
    """A ring item of a re-run after an edit: the event's JSON line, what the edit did to it, and for a changed
    event the line the old config sent and what differs. A removed event is the old config's line: shown, never
    exported (the new config does not send it)."""

    __slots__ = ("line", "status", "before", "what")

    def __init__(self, line: str, status: str, before: str | None = None, what: str = "") -> None:
        self.line, self.status, self.before, self.what = line, status, before, what

    @property
    def different(self) -> bool:
        return self.status != UNCHANGED

    def __repr__(self) -> str:
        return f"Marked({self.status}, {self.line[:40]!r}…)"


# What the ring keeps: an event as its JSON line alone (its row is built when it is drawn), a marked event of a
# re-run, or a ready LogEntry.
LogItem = str | Marked | LogEntry


def log_entry(output: Output, encode: Callable[[dict[str, Any]], str] = event_json) -> LogEntry:
    """A log line; `encode` may be a faster renderer of the same bytes (render.EventJsonStream, one per run)."""
    if type(output) is dict:
        kind = EXIT_KIND if output["action"] in ("exit", "remove") else ENTER_KIND
        return event_row(output), encode(output), kind
    if isinstance(output, BadLine):
        return f"         ! line {output.line}: {output.message}", None, BAD_KIND
    return notice_row(output), None, NOTICE_KIND  # type: ignore[arg-type]


def log_item(output: Output, encode: Callable[[dict[str, Any]], str] = event_json) -> LogItem:
    """What the ring keeps of an output: an event's JSON line only (the row text is `entry_of`'s job, on demand)."""
    if type(output) is dict:
        return encode(output)
    return log_entry(output)


def entry_of(item: LogItem) -> LogEntry:
    """The log line of a kept item; for an event, the same row `log_entry` makes (built from its JSON line). A
    marked event's row starts with its mark (`+ `, `~ `, `− `, or two spaces when unchanged); an added, changed or
    removed one takes that status as its kind; a removed one's record is None (it is not exported)."""
    kind_of = type(item)
    if kind_of is str:
        event = json.loads(item)  # type: ignore[arg-type]
        return event_row(event), item, EXIT_KIND if event["action"] in ("exit", "remove") else ENTER_KIND  # type: ignore[return-value]
    if kind_of is Marked:
        event = json.loads(item.line)  # type: ignore[union-attr]
        status = item.status  # type: ignore[union-attr]
        kind = status
        if status == UNCHANGED:
            kind = EXIT_KIND if event["action"] in ("exit", "remove") else ENTER_KIND
        record = None if status == REMOVED else item.line  # type: ignore[union-attr]
        return MARKS[status] + event_row(event), record, kind
    return item  # type: ignore[return-value]


def record_of(item: LogItem | None) -> str | None:
    """The JSON line a kept item exports, if any: an event's (not a removed one's), never a notice's."""
    kind_of = type(item)
    if kind_of is str:
        return item  # type: ignore[return-value]
    if kind_of is Marked:
        return None if item.status == REMOVED else item.line  # type: ignore[union-attr]
    return None if item is None else item[1]  # type: ignore[index]


ROW_CACHE = 2048  # rows built for drawing, kept by position (a screen shows a few dozen)
SCAN_CHUNK = 512  # rows the filter checks between two looks at the clock


class EventRing:
    """The last `capacity` log items, with an optional filter; positions are absolute (they survive trimming).

    Events are kept as their JSON line alone, so appending costs one store per item; a row's text is built only when
    it is drawn (`row`), or when a filter first looks at it (its lower-cased text is then kept for the next filter).
    The filter checks rows in order and can do it a slice at a time (`scan` with a budget), so that a filter set on
    a full ring, or rows arriving while one is set, never hold the screen for long.
    """

    def __init__(self, capacity: int = 100_000) -> None:
        self.capacity = capacity
        self._slots: list[LogItem | None] = [None] * capacity
        self._search: list[str | None] | None = None  # lower-cased row text by slot, once a filter needed it
        self._rows: dict[int, tuple[LogItem, LogEntry]] = {}  # rows built for drawing (and their item), by position
        self.total = 0  # items ever appended; the ring holds [first, total)
        self.filter = ""
        self.differences_only = False  # show only what an edit added, changed or removed (marked items)
        self._matches: list[int] | None = None
        self._scanned = 0  # with a filter: every position below this one has been checked

    @property
    def first(self) -> int:
        return max(0, self.total - self.capacity)

    def __len__(self) -> int:
        return self.total - self.first

    def extend(self, items: Iterable[LogItem], scan: bool = True) -> None:
        """Append; with a filter set, `scan=False` leaves checking the new rows to `scan` (the caller's budget)."""
        slots, capacity, search = self._slots, self.capacity, self._search
        total = self.total
        if search is None:
            for item in items:
                slots[total % capacity] = item
                total += 1
        else:
            for item in items:
                slot = total % capacity
                slots[slot] = item
                search[slot] = None
                total += 1
        self.total = total
        matches = self._matches
        if matches is not None:
            first = self.first
            if matches and matches[0] < first:
                del matches[: bisect_left(matches, first)]
            self._scanned = max(self._scanned, first)
            if scan:
                self.scan()

    def clear(self) -> None:
        self._slots = [None] * self.capacity
        self._search = None if self._matches is None else [None] * self.capacity  # a filter stays set
        self._rows.clear()
        self.total = 0
        self._scanned = 0
        if self._matches is not None:
            self._matches = []

    def set_filter(self, text: str, scan: bool = True) -> None:
        """Show only rows whose text contains `text` (any case); `scan=False` leaves the checking to `scan`."""
        needle = text.lower()
        previous, matches = self.filter, self._matches
        self.filter = needle
        if not needle and not self.differences_only:
            self._matches = None
            return
        if needle and self._search is None:
            self._search = [None] * self.capacity
        if matches is not None and previous in needle:
            # narrower than before: only what matched can still match, and what is not checked yet stays so
            if needle != previous:
                search_text = self._search_text
                self._matches = [p for p in matches if needle in search_text(p)]
        else:
            self._matches = []
            self._scanned = self.first
        if scan:
            self.scan()

    def set_differences_only(self, on: bool, scan: bool = True) -> None:
        """Show only the events an edit added, changed or removed (with the text filter, if one is set)."""
        self.differences_only = on
        if not on and not self.filter:
            self._matches = None
            return
        self._matches = []
        self._scanned = self.first
        if scan:
            self.scan()

    def _search_text(self, position: int) -> str:
        slot = position % self.capacity
        text = self._search[slot]  # type: ignore[index]
        if text is None:
            text = self._search[slot] = entry_of(self._slots[slot])[0].lower()  # type: ignore[index, arg-type]
        return text

    def scan(self, budget: float | None = None) -> bool:
        """Check rows not yet checked against the filter, for at most `budget` seconds; True when all are."""
        matches = self._matches
        if matches is None:
            return True
        needle, total, search_text = self.filter, self.total, self._search_text
        slots, capacity, different = self._slots, self.capacity, self.differences_only

        def keep(p: int) -> bool:
            if different:
                item = slots[p % capacity]
                if type(item) is not Marked or item.status == UNCHANGED:  # type: ignore[union-attr]
                    return False
            return not needle or needle in search_text(p)

        check = keep if different else (lambda p: needle in search_text(p))
        deadline = None if budget is None else time.perf_counter() + budget
        position = max(self._scanned, self.first)
        while position < total:
            end = min(total, position + SCAN_CHUNK)
            matches.extend(p for p in range(position, end) if check(p))
            position = end
            if deadline is not None and time.perf_counter() >= deadline:
                break
        self._scanned = position
        return position >= total

    @property
    def scanning(self) -> bool:
        """Whether a filter is set and some kept rows are not checked against it yet."""
        return self._matches is not None and max(self._scanned, self.first) < self.total

    @property
    def shown(self) -> int:
        """How many entries the (filtered) view has."""
        return len(self) if self._matches is None else len(self._matches)

    def row(self, position: int) -> LogEntry:
        """The entry at a position of the (filtered) view, 0 = oldest kept."""
        index = self.first + position if self._matches is None else self._matches[position]
        item = self._slots[index % self.capacity]
        if type(item) is tuple:
            return item  # type: ignore[return-value]
        rows = self._rows
        cached = rows.get(index)
        if cached is None or cached[0] is not item:
            if len(rows) >= ROW_CACHE:
                rows.clear()
            cached = rows[index] = (item, entry_of(item))  # type: ignore[arg-type]
        return cached[1]

    def item(self, position: int) -> LogItem | None:
        """The kept item at a position of the (filtered) view: a marked one tells what an edit did to its event."""
        index = self.first + position if self._matches is None else self._matches[position]
        return self._slots[index % self.capacity]

    def visible(self) -> Iterator[LogEntry]:
        for position in range(self.shown):
            yield self.row(position)

    def export_lines(self) -> Iterator[str]:
        """The shown events as `simulate --format jsonl` lines (notices are not events: they stay out, and neither do
        events an edit removed: the new config does not send them)."""
        slots, capacity = self._slots, self.capacity
        positions = range(self.first, self.total) if self._matches is None else self._matches
        for position in positions:
            item = slots[position % capacity]
            if type(item) is str:
                yield item
            else:
                record = record_of(item)
                if record is not None:
                    yield record


# -- sharing the interpreter ---------------------------------------------------------------------------------
def other_threads_cpu() -> float:
    """CPU seconds used so far by the process's other threads (all of them, less the calling one)."""
    return time.process_time() - time.thread_time()


def _wait_channel(native_id: int) -> bytes:
    """What the kernel says the thread waits in: b"0" while it runs (or is ready to), b"futex_wait..." on a lock
    (the interpreter's included), b"do_epoll_wait" idle in an event loop; b"" where it cannot be read."""
    try:
        descriptor = os.open(f"/proc/self/task/{native_id}/wchan", os.O_RDONLY)
    except OSError:
        return b""
    try:
        return os.read(descriptor, 64)
    finally:
        os.close(descriptor)


def busy_probe(native_id: int) -> Callable[[], bool] | None:
    """A probe telling whether a thread of this process is busy: running, ready to run, or blocked on a lock (the
    interpreter's, when it wants to run Python); None where the kernel does not say (Linux's wait channels, tried on
    a helper thread blocked on a lock: some kernels and containers hide them)."""
    held = threading.Lock()
    held.acquire()
    helper = threading.Thread(target=lambda: held.acquire(timeout=1.0), name="busy-probe", daemon=True)
    helper.start()
    try:
        deadline = time.monotonic() + 0.2
        while b"futex" not in _wait_channel(helper.native_id):  # type: ignore[arg-type]
            if time.monotonic() > deadline:
                return None
            time.sleep(0.001)
    finally:
        held.release()
        helper.join()

    def busy() -> bool:
        channel = _wait_channel(native_id)
        return channel.startswith(b"0") or b"futex" in channel

    return busy


class Yielder:
    """Makes a worker thread give the interpreter (the GIL) to the UI thread while that one has work to do.

    A thread that reads a file gives up the GIL for each read and takes it back at once; a thread waiting for it is
    woken each time, finds it taken again, and never gets to ask for it (CPython asks only after a full switch
    interval of waiting): a UI thread can wait half a second to handle a key. A real sleep, however short (the
    kernel makes it ~65 µs), lets it in. And each time the UI thread's event loop goes round it gives the GIL up
    and waits to get it back, so a key or a repaint that takes twenty rounds waits twenty times.

    With `busy` (a probe of the UI thread, see `busy_probe`) the worker looks every `check` seconds of work and,
    while the UI thread runs or waits for the GIL, sleeps until it is idle again (at most `hold` seconds at a time),
    so that the UI thread does its rounds back to back; and every `backstop` seconds it sleeps once anyway (for
    threads it cannot see, such as a terminal's input thread). Without a probe it sleeps every `slow` seconds while
    the other threads stay idle, and every `fast` seconds after a sleep during which they ran (their CPU time grew:
    a wall-clock overrun would also count the machine's other processes), backing off as they stop.
    """

    __slots__ = (
        "slow",
        "fast",
        "nap",
        "check",
        "hold",
        "backstop",
        "interval",
        "_clock",
        "_sleep",
        "_others",
        "_busy",
        "_due",
        "_backstop_at",
        "naps",
        "busy_naps",
    )

    def __init__(
        self,
        slow: float = 0.02,
        fast: float = 0.002,
        nap: float = 1e-6,
        clock: Callable[[], float] = time.perf_counter,
        sleep: Callable[[float], None] = time.sleep,
        others: Callable[[], float] = other_threads_cpu,
        busy: Callable[[], bool] | None = None,
        check: float = 0.002,
        hold: float = 0.02,
        backstop: float = 0.05,
    ) -> None:
        self.slow, self.fast, self.nap = slow, fast, nap
        self.check, self.hold, self.backstop = check, hold, backstop
        self.interval = slow
        self._clock, self._sleep, self._others, self._busy = clock, sleep, others, busy
        now = clock()
        self._due = now + (slow if busy is None else check)
        self._backstop_at = now + backstop
        self.naps = 0  # sleeps taken
        self.busy_naps = 0  # sleeps during which another thread ran

    def _nap(self) -> bool:
        """One sleep; whether another thread ran meanwhile."""
        before = self._others()
        self._sleep(self.nap)
        self.naps += 1
        if self._others() - before > 0.0001:
            self.busy_naps += 1
            return True
        return False

    def __call__(self) -> None:
        """Called often by the worker (say, once per output): sleeps when its time has come."""
        now = self._clock()
        if now < self._due:
            return
        busy = self._busy
        if busy is None:
            ran = self._nap()
            self.interval = self.fast if ran else min(self.slow, self.interval * 2)
            self._due = self._clock() + self.interval
            return
        if busy():
            until = now + self.hold
            while True:
                self._nap()
                if not busy() or self._clock() >= until:
                    break
            self._backstop_at = self._clock() + self.backstop
        elif now >= self._backstop_at:
            self._nap()
            self._backstop_at = self._clock() + self.backstop
        self._due = self._clock() + self.check


# -- diffs ------------------------------------------------------------------------------------------------------
KEEP_REMOVED = 10_000  # removed events an EventDiff keeps to show; beyond, it counts them only


@dataclass(frozen=True, slots=True)
class EventMark:
    """What an edit did to one event of the re-run: added, changed (from `before`: `what` says how) or unchanged."""

    status: str
    before: dict[str, Any] | None = None
    what: str = ""


UNCHANGED_MARK = EventMark(UNCHANGED)


def _group(event: dict[str, Any]) -> str:
    return f"{_source_key(event['source'])}|{event['destination']}|{event['profile']}|{event['action']}|{event['call']}"


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


# -- one run ----------------------------------------------------------------------------------------------------
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
) -> Iterator[Output]:
    """The first sync of every profile for `scope`, as `simulate` would number it (seq of the audience / journey run).

    With `before` (the space before an edit) and `diff`, each profile is also run under the old config and the
    difference is added to `diff` as it goes. `stop` set ends the run early.
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

    if previous is None:  # one stream, as simulate runs it
        narrow = scope.destination is not None
        for output in simulation.run(items()):
            if not narrow or type(output) is BadLine or matches(output):  # type: ignore[arg-type]
                yield output
    else:  # profile by profile under both configs, so that the diff holds one profile's events at a time
        for item in items():
            if type(item) is not Profile:
                yield item
                continue
            outputs = [o for o in simulation.run((item,)) if matches(o)]  # type: ignore[arg-type]
            old = [o for o in previous.run((item,)) if type(o) is dict and matches(o)]
            diff.add(old, [o for o in outputs if type(o) is dict])  # type: ignore[union-attr, misc]
            yield from outputs
    if ignored:
        yield Notice(format_time(start), "", f"{ignored} change line(s) not played here; R replays them on a clock")


# -- replay -----------------------------------------------------------------------------------------------------
class LiveSimulation(Simulation):
    """A Simulation that takes new config versions while it runs and leaves the change lines to `Replay`."""

    def add_version(self, config: ConfigVersion) -> None:
        self.history = sorted([*self.history, config], key=lambda v: (v.effective_at, v.version))
        self._effective = [v.effective_at for v in self.history]

    def _play_changes(self) -> Iterator[Output]:
        return iter(())  # Replay plays them, on its clock


@dataclass
class Replay:
    """The change lines played on a simulated clock: `advance` moves it and returns what became due."""

    simulation: LiveSimulation
    now: datetime
    changes: list[Change] = field(default_factory=list)
    pending: list[ConfigVersion] = field(default_factory=list)
    scope: Scope | None = None

    @classmethod
    def start(
        cls, space: Space, profiles: Path, start: datetime, scope: Scope | None = None
    ) -> tuple[Replay, Iterator[Output]]:
        """The replay, and the first sync (every profile at `start`) to stream before the clock runs."""
        scope = scope or Scope(f"space {space.key}")
        simulation = LiveSimulation(
            first_sync_history(space, start), start, timeline=True, audience=scope.audience, journey=scope.journey
        )
        replay = cls(simulation, start, scope=scope)

        def first() -> Iterator[Output]:
            for output in simulation.run(read_profiles(profiles, space.identifier_limits())):
                if type(output) is not dict or scope.matches(output):
                    yield output
            replay.changes = sorted(simulation.changes, key=lambda c: (c.at, c.line))

        return replay, first()

    @property
    def version(self) -> int:
        return max(v.version for v in self.simulation.history)

    @property
    def done(self) -> bool:
        return not self.changes and not self.pending

    @property
    def next_at(self) -> datetime | None:
        moments = [key_to_datetime(self.changes[0].at)] if self.changes else []
        if self.pending:
            moments.append(self.pending[0].effective_at)
        return min(moments) if moments else None

    def add_version(self, space: Space) -> ConfigVersion:
        """An edit made now: saved at the simulated time, effective five simulated minutes later."""
        config = ConfigVersion(self.version + 1, self.now, space)
        self.simulation.add_version(config)
        self.pending = sorted([*self.pending, config], key=lambda v: (v.effective_at, v.version))
        return config

    def advance(self, seconds: float) -> list[Output]:
        return self.advance_to(self.now + timedelta(seconds=seconds))

    def step(self) -> list[Output]:
        """Jump the clock to the next change or config version and play it."""
        moment = self.next_at
        return [] if moment is None else self.advance_to(moment)

    def advance_to(self, moment: datetime) -> list[Output]:
        out: list[Output] = []
        simulation = self.simulation
        scope = self.scope
        while True:
            change_at = key_to_datetime(self.changes[0].at) if self.changes else None
            version_at = self.pending[0].effective_at if self.pending else None
            if version_at is not None and version_at <= moment and (change_at is None or version_at <= change_at):
                config = self.pending.pop(0)
                self.now = config.effective_at
                out.append(
                    Notice(
                        format_time(config.effective_at),
                        "",
                        f"config version {config.version} (saved {format_time(config.saved_at)}) is effective from "
                        "now; members already sent are not re-sent",
                    )
                )
                continue
            if change_at is None or change_at > moment:
                break
            change = self.changes.pop(0)
            self.now = change_at
            for output in simulation.apply(change, change_at):
                if type(output) is dict:
                    simulation.seq += 1  # numbered as the audience / journey run would be, then narrowed
                    output["seq"] = simulation.seq
                if scope is None or type(output) is BadLine or scope.matches(output):  # type: ignore[arg-type]
                    out.append(output)
        self.now = max(self.now, moment)
        return out
