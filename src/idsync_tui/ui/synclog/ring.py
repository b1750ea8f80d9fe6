"""The sync log's bounded ring: the last `capacity` rows (100,000 by default), events kept as their JSON line alone,
with a filter that can check rows a slice at a time. No Textual here: the pane draws from it."""

from __future__ import annotations

import time
from bisect import bisect_left
from collections.abc import Iterable, Iterator

from idsync_tui.simulator.logrows import UNCHANGED, LogEntry, LogItem, Marked, entry_of, record_of

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
        self.generation = 0  # bumped by `clear`: (generation, index) names one row for good
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
        self.generation += 1
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
        if item is None:
            raise IndexError(position)
        if type(item) is tuple:
            return item  # type: ignore[return-value]
        rows = self._rows
        cached = rows.get(index)
        if cached is not None and cached[0] is item:
            return cached[1]
        if len(rows) >= ROW_CACHE:  # bounded: a screen draws a few dozen rows
            rows.clear()
        entry = entry_of(item)
        rows[index] = (item, entry)
        return entry

    def index(self, position: int) -> int:
        """The absolute index (0 = the first row appended since the last clear) of a position of the view."""
        return self.first + position if self._matches is None else self._matches[position]

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
