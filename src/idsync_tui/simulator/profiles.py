"""Reads sample profiles (JSON Lines) one line at a time: profiles, timeline changes and bad lines.

Streaming: a file is never held in memory, so a million-line file costs the same RAM as a ten-line one. Tolerant:
a line that cannot be used becomes a `BadLine` (line number + what to fix) and reading goes on. Identity
resolution limits are applied here, as a real space would: a profile keeps the `limit` earliest-added values of a
type (Segment drops identifiers that arrive once a type is at its limit) and remembers what it dropped, so the
events can say so.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from operator import itemgetter
from pathlib import Path
from typing import Any

# One value of an identifier: (value, time key). The time key is a UTC timestamp string without the trailing
# "Z" ("2024-03-02T08:30:00"), so plain string comparison orders values by the time they were added.
IdValue = tuple[str, str]

DEFAULT_LIMIT = 5


class ProfileLineError(ValueError):
    """A line that cannot be used; the message says what to fix."""


def time_key(text: Any) -> str:
    """`2024-03-02T08:30:00Z` -> `2024-03-02T08:30:00`; any ISO 8601 time, converted to UTC (naive = UTC)."""
    if not isinstance(text, str):
        raise ProfileLineError(f"a time must be a string like 2024-06-01T10:00:00Z, not {json.dumps(text)}")
    # Fast path: the canonical form, which is what nearly every line uses.
    if len(text) == 20 and text[19] == "Z" and text[10] == "T" and text[4] == "-" and text[13] == ":":
        return text[:19]
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise ProfileLineError(f'"{text}" is not a time; write it like 2024-06-01T10:00:00Z') from None
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC).replace(tzinfo=None)
    return moment.isoformat(timespec="microseconds" if moment.microsecond else "seconds")


def key_to_datetime(key: str) -> datetime:
    return datetime.fromisoformat(key).replace(tzinfo=UTC)


def format_time(moment: datetime) -> str:
    """A UTC datetime as the events print it: `2024-06-01T10:00:00Z`."""
    moment = moment.astimezone(UTC).replace(tzinfo=None)
    return moment.isoformat(timespec="microseconds" if moment.microsecond else "seconds") + "Z"


class Profile:
    """One profile: id, traits, identifiers (type -> values, earliest added first, ties in file order)."""

    __slots__ = ("id", "line", "traits", "ids", "dropped")

    def __init__(
        self,
        profile_id: str,
        line: int,
        traits: dict[str, Any],
        ids: dict[str, list[IdValue]],
        dropped: dict[str, list[str]] | None = None,
    ) -> None:
        self.id = profile_id
        self.line = line
        self.traits = traits
        self.ids = ids
        self.dropped = dropped

    @property
    def user_id(self) -> str | None:
        values = self.ids.get("user_id")
        return values[0][0] if values else None

    def __repr__(self) -> str:
        return f"Profile({self.id!r}, line={self.line}, ids={self.ids!r}, traits={self.traits!r})"


@dataclass(frozen=True, slots=True)
class Change:
    """A timeline line: at `at`, set traits on a profile, or add one identifier value to it."""

    line: int
    at: str  # time key
    profile: str
    traits: dict[str, Any] | None = None
    add_identifier: tuple[str, str, str] | None = None  # (type, value, time key)


@dataclass(frozen=True, slots=True)
class BadLine:
    line: int
    message: str


def _identifier(item: Any, index: int) -> tuple[str, str, str]:
    if not isinstance(item, dict):
        raise ProfileLineError(f"identifiers[{index}] must be an object with type, value and added_at")
    kind = item.get("type")
    value = item.get("value")
    if not isinstance(kind, str) or not kind:
        raise ProfileLineError(f'identifiers[{index}] needs "type", a string such as "email"')
    if not isinstance(value, str) or not value:
        raise ProfileLineError(f'identifiers[{index}] ({kind}) needs "value", a non-empty string')
    if "added_at" not in item:
        raise ProfileLineError(f'identifiers[{index}] ({kind}) needs "added_at", e.g. "2024-01-05T10:00:00Z"')
    try:
        added = time_key(item["added_at"])
    except ProfileLineError as error:
        raise ProfileLineError(f"identifiers[{index}] ({kind}) added_at: {error}") from None
    return kind, value, added


def build_profile(data: dict[str, Any], line: int, limits: Mapping[str, int]) -> Profile:
    """A profile from one decoded line, with identity resolution limits applied."""
    profile_id = data.get("id")
    if not isinstance(profile_id, str) or not profile_id:
        raise ProfileLineError('a profile needs "id", a non-empty string such as "p-0001"')
    traits = data.get("traits", {})
    if traits is None:
        traits = {}
    if not isinstance(traits, dict):
        raise ProfileLineError(f'profile {profile_id}: "traits" must be an object such as {{"plan": "pro"}}')
    items = data.get("identifiers", [])
    if not isinstance(items, list):
        raise ProfileLineError(f'profile {profile_id}: "identifiers" must be an array of objects')
    ids: dict[str, list[IdValue]] = {}
    for index, item in enumerate(items):
        # Fast path for well-formed identifiers; anything unusual goes through _identifier, which explains it.
        if type(item) is dict and "added_at" in item:
            kind, value, added = item.get("type"), item.get("value"), item["added_at"]
            if type(kind) is not str or type(value) is not str or not kind or not value:
                kind, value, added = _identifier(item, index)
            elif type(added) is str and len(added) == 20 and added[19] == "Z" and added[10] == "T":
                added = added[:19]
            else:
                kind, value, added = _identifier(item, index)
        else:
            kind, value, added = _identifier(item, index)
        values = ids.get(kind)
        if values is None:
            ids[kind] = [(value, added)]
            continue
        for position, (seen, seen_added) in enumerate(values):
            if seen == value:  # the same value twice: one value in the graph, added when it was first seen
                if added < seen_added:
                    values[position] = (value, added)
                break
        else:
            values.append((value, added))
    dropped = None
    for kind, values in ids.items():
        if len(values) > 1:
            values.sort(key=_added)  # stable: ties keep file order
            limit = limits.get(kind, DEFAULT_LIMIT)
            if len(values) > limit:
                if dropped is None:
                    dropped = {}
                dropped[kind] = [v for v, _ in values[limit:]]
                del values[limit:]
    return Profile(profile_id, line, traits, ids, dropped)


_added = itemgetter(1)


def build_change(data: dict[str, Any], line: int) -> Change:
    profile_id = data.get("profile")
    if not isinstance(profile_id, str) or not profile_id:
        raise ProfileLineError('a change needs "profile", the id of a profile in this file')
    try:
        at = time_key(data.get("at"))
    except ProfileLineError as error:
        raise ProfileLineError(f"change for {profile_id}: at: {error}") from None
    traits = data.get("traits")
    add = data.get("add_identifier")
    if (traits is None) == (add is None):
        raise ProfileLineError(f'change for {profile_id} needs exactly one of "traits" or "add_identifier"')
    if traits is not None:
        if not isinstance(traits, dict):
            raise ProfileLineError(f'change for {profile_id}: "traits" must be an object such as {{"plan": "pro"}}')
        return Change(line, at, profile_id, traits=traits)
    if not isinstance(add, dict):
        raise ProfileLineError(f'change for {profile_id}: "add_identifier" must be an object with type and value')
    kind, value = add.get("type"), add.get("value")
    if not isinstance(kind, str) or not kind or not isinstance(value, str) or not value:
        raise ProfileLineError(f'change for {profile_id}: "add_identifier" needs "type" and "value", both strings')
    added = time_key(add["added_at"]) if "added_at" in add else at
    return Change(line, at, profile_id, add_identifier=(kind, value, added))


_scan_once = json.JSONDecoder().scan_once


def _decode(text: bytes | str) -> Any:
    """`json.loads(text)` without its per-call overhead (encoding sniffing, two regex passes) for the usual line:
    one object, in UTF-8 (json.loads reads a line starting with `{` and no NUL byte as UTF-8 too). Anything else,
    and every failure, goes to json.loads itself, so results and error messages are json's own."""
    if type(text) is bytes:
        if text[:1] == b"{" and 0 not in text[:4]:
            try:
                decoded = text.decode("utf-8", "surrogatepass")  # what json.loads does with UTF-8 bytes
                data, end = _scan_once(decoded, 0)
            except (ValueError, StopIteration):
                return json.loads(text)
            if end == len(decoded):
                return data
    elif text[:1] == "{":
        try:
            data, end = _scan_once(text, 0)
        except (ValueError, StopIteration):
            return json.loads(text)
        if end == len(text):
            return data
    return json.loads(text)


def parse_line(raw: bytes | str, line: int, limits: Mapping[str, int]) -> Profile | Change | BadLine | None:
    """One line -> a Profile, a Change, a BadLine, or None for a blank line or a `//` comment."""
    text = raw.strip()
    if not text or text[:2] in (b"//", "//"):
        return None
    try:
        data = _decode(text)
    except ValueError as error:  # JSONDecodeError and UnicodeDecodeError
        reason = error.msg if isinstance(error, json.JSONDecodeError) else "not UTF-8"
        return BadLine(line, f"not valid JSON ({reason}); each line must be one JSON object")
    if not isinstance(data, dict):
        return BadLine(line, "each line must be a JSON object (a profile or a change), not " + type(data).__name__)
    try:
        if "id" not in data and ("at" in data or "profile" in data):
            return build_change(data, line)
        return build_profile(data, line, limits)
    except ProfileLineError as error:
        return BadLine(line, str(error))


def read_profiles(path: str | Path, limits: Mapping[str, int]) -> Iterator[Profile | Change | BadLine]:
    """Every profile, change and bad line of a JSON Lines file, in file order, one line in memory at a time."""
    with open(path, "rb") as stream:
        for number, raw in enumerate(stream, 1):
            item = parse_line(raw, number, limits)
            if item is not None:
                yield item


@dataclass(frozen=True, slots=True)
class TimeScan:
    """What one quick pass over the file finds: when to hold the first sync, and who the changes touch."""

    latest_added: str | None
    earliest_change: str | None
    changed_profiles: frozenset[str]

    def first_sync(self) -> datetime:
        """The earliest change floored to the hour; without changes, the latest added_at (never wall-clock)."""
        if self.earliest_change is not None:
            return key_to_datetime(self.earliest_change).replace(minute=0, second=0, microsecond=0)
        if self.latest_added is not None:
            return key_to_datetime(self.latest_added)
        return datetime(1970, 1, 1, tzinfo=UTC)


_ADDED_AT = re.compile(rb'"added_at"\s*:\s*"([^"\\]*)"')
# The canonical form (2024-06-01T10:00:00Z) orders correctly as raw bytes; other forms need parsing.
_ADDED_AT_CANONICAL = re.compile(rb'"added_at"\s*:\s*"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)Z"')
_CHUNK = 1 << 20


def scan_times(path: str | Path) -> TimeScan:
    """Finds the latest added_at and the change lines without decoding every profile (regex over raw bytes).

    Change lines are few, so they are decoded in full; profile lines are only searched for their added_at.
    """
    latest: str | None = None
    earliest_change: str | None = None
    changed: set[str] = set()
    with open(path, "rb") as stream:
        rest = b""
        while True:
            block = stream.read(_CHUNK)
            if not block:
                chunk, rest = rest, b""
            else:
                chunk = rest + block
                cut = chunk.rfind(b"\n") + 1
                chunk, rest = chunk[:cut], chunk[cut:]
            if chunk:
                found = _ADDED_AT_CANONICAL.findall(chunk)
                candidate = max(found).decode() if found else None
                if len(found) != chunk.count(b'"added_at"'):
                    other = _latest_key(_ADDED_AT.findall(chunk))
                    if other is not None and (candidate is None or other > candidate):
                        candidate = other
                if candidate is not None and (latest is None or candidate > latest):
                    latest = candidate
                if b'"profile"' in chunk:
                    for raw in chunk.splitlines():
                        if b'"profile"' in raw:
                            at, profile_id = _change_time(raw)
                            if at is not None:
                                changed.add(profile_id)
                                if earliest_change is None or at < earliest_change:
                                    earliest_change = at
            if not block:
                break
    return TimeScan(latest, earliest_change, frozenset(changed))


def _latest_key(found: list[bytes]) -> str | None:
    best: str | None = None
    for raw in set(found):
        try:
            key = time_key(raw.decode("utf-8", "replace"))
        except ProfileLineError:
            continue
        if best is None or key > best:
            best = key
    return best


def _change_time(raw: bytes) -> tuple[str | None, str]:
    try:
        data = json.loads(raw)
        if isinstance(data, dict) and "id" not in data:
            change = build_change(data, 0)
            return change.at, change.profile
    except ValueError:
        pass
    return None, ""
