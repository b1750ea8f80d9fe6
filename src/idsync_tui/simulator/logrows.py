"""The sync log's rows, in plain Python: an event's one-line text, a notice's, what the ring keeps of each (an
event as its JSON line alone, a re-run's event marked with what an edit did to it) and the row built from that."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from idsync_tui.simulator.engine import Notice
from idsync_tui.simulator.profiles import BadLine
from idsync_tui.simulator.render import event_json, sent_identifiers, short_hash
from idsync_tui.simulator.timeline import Output

ENTER_KIND, EXIT_KIND, NOTICE_KIND, BAD_KIND = "enter", "exit", "notice", "bad"
GLYPHS = {"enter": "▲", "add": "+", "exit": "▼", "remove": "-"}
CALLS = {"identify": "I", "track": "T", "list": "L"}


def short_value(value: Any) -> str:
    """A value as the log row shows it: a SHA-256 shortened as everywhere (`render.short_hash`), other values past
    20 characters cut to their first 12 and `…`."""
    text = short_hash(value)
    return text if len(text) <= 20 else text[:12] + "…"


def _fit(text: str, width: int) -> str:
    return text.ljust(width) if len(text) <= width else text[: width - 1] + "…"


def clock_of(at: str) -> str:
    """`2024-06-01T10:00:00Z` -> `10:00:00`."""
    return at[11:19] if len(at) >= 19 else at


def source_key(source: dict[str, str] | None) -> str:
    if source is None:
        return "-"
    return f"{source['key']}/{source['step']}" if "step" in source else source["key"]


def event_row(event: dict[str, Any]) -> str:
    """One readable line that fits 80 columns: time, version, source, destination, profile, action, identifiers."""
    sent = " ".join(f"{key.rpartition('.')[2]}={short_value(value)}" for key, value in sent_identifiers(event))
    action = event["action"]
    return (
        f"{clock_of(event['at'])} v{event['config_version']} {_fit(source_key(event['source']), 12)} "
        f"{_fit(event['destination'], 7)} {_fit(event['profile'], 7)} {GLYPHS.get(action, '?')} "
        f"{_fit(action, 6)} {CALLS.get(event['call'], '?')} {sent or '(no identifiers)'}"
    )


def notice_row(notice: Notice) -> str:
    where = f"{source_key(notice.source)}→{notice.destination} " if notice.destination else ""
    who = f"{notice.profile}: " if notice.profile else ""
    return f"{clock_of(notice.at)}    · {where}{who}{notice.message}"


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
    removed one takes that status as its kind; a removed one's record is None (it is not exported). A line that
    does not read as an event (the simulator process misbehaving) is a row saying so, never an exception."""
    try:
        return _entry_of(item)
    except (ValueError, KeyError, TypeError, AttributeError):
        line = item if type(item) is str else getattr(item, "line", repr(item))
        return f"         ! an event line the log cannot read: {str(line)[:60]}", None, BAD_KIND


def _entry_of(item: LogItem) -> LogEntry:
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
