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
import sys
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from operator import itemgetter
from pathlib import Path
from typing import Any, BinaryIO

from idsync_tui.space import files

# One value of an identifier: (value, time key). The time key is a UTC timestamp string without the trailing
# "Z" ("2024-03-02T08:30:00"), so plain string comparison orders values by the time they were added.
IdValue = tuple[str, str]

DEFAULT_LIMIT = 5


class ProfileLineError(ValueError):
    """A line that cannot be used; the message says what to fix."""


def time_key(text: Any) -> str:
    """`2024-03-02T08:30:00Z` -> `2024-03-02T08:30:00`; any ISO 8601 time, converted to UTC (naive = UTC).

    A time that is not one (`2024-02-30`, hour 24, letters in its shape) or that leaves the calendar once moved
    to UTC (year 1 at +01:00, year 9999 at -01:00) is a `ProfileLineError`: the line is a bad line.
    """
    if not isinstance(text, str):
        raise ProfileLineError(f"a time must be a string like 2024-06-01T10:00:00Z, not {_shown(text)}")
    key = canonical_key(text)  # nearly every line uses the canonical form
    if key is not None:
        return key
    try:
        if not text.isascii() or (len(text) > 13 and text[10] in "Tt " and text[11:13] == "24"):
            raise ValueError(text)  # hour 24, digits from other scripts: not ISO 8601 as this reader takes it
        moment = datetime.fromisoformat(text)
        if moment.tzinfo is not None:
            moment = moment.astimezone(UTC).replace(tzinfo=None)
    except ValueError:
        raise ProfileLineError(f'"{_shown_text(text)}" is not a time; write it like 2024-06-01T10:00:00Z') from None
    except OverflowError:
        raise ProfileLineError(
            f'"{_shown_text(text)}" is outside the years 1-9999 once moved to UTC; write a time within them'
        ) from None
    return moment.isoformat(timespec="microseconds" if moment.microsecond else "seconds")


# The canonical form `2024-03-02T08:30:00Z` is on every identifier of every profile, so it is checked without a
# regular expression or a datetime: the clock against the 1,440 valid "THH:MM:" and the 60 valid "SSZ", the day
# against a bounded cache of days already checked (a real date in the shape YYYY-MM-DD).
_CLOCKS = frozenset(f"T{hour:02}:{minute:02}:" for hour in range(24) for minute in range(60))
_SECONDS = frozenset(f"{second:02}Z" for second in range(60))
_DAY_SHAPE = re.compile(r"\d{4}-\d\d-\d\d", re.ASCII)
_DAYS: dict[str, bool] = {}  # "2024-02-29" -> it exists (bounded: see _day_ok)


def canonical_key(text: str) -> str | None:
    """The time key of `text` when it is exactly the canonical form of a real moment (`2024-03-02T08:30:00Z` ->
    `2024-03-02T08:30:00`); None for anything else, which `time_key` then reads or explains."""
    if text[10:17] in _CLOCKS and text[17:] in _SECONDS and (_DAYS.get(text[:10]) or _day_ok(text[:10])):
        return text[:19]
    return None


def _day_ok(day: str) -> bool:
    known = _DAYS.get(day)
    if known is None:
        known = _DAY_SHAPE.fullmatch(day) is not None
        if known:
            try:
                datetime.fromisoformat(day)
            except ValueError:
                known = False
        if len(_DAYS) < 100_000:  # ~270 years of days: bounded whatever the file holds
            _DAYS[day] = known
    return known


def _shown(value: Any) -> str:
    """A JSON value in a message, cut to a readable length."""
    try:
        text = json.dumps(value)
    except (ValueError, RecursionError):
        text = type(value).__name__
    return text if len(text) <= 60 else text[:57] + "..."


def _shown_text(text: str) -> str:
    return text if len(text) <= 60 else text[:57] + "..."


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
    ids = _well_formed_ids(items)
    if ids is None:
        ids = _checked_ids(items)
    dropped = None
    for kind, values in ids.items():
        if len(values) > 1:
            if len(dict(values)) < len(values):
                values = ids[kind] = _one_of_each(values)
            values.sort(key=_added)  # stable: ties keep file order
            limit = limits.get(kind, DEFAULT_LIMIT)
            if len(values) > limit:
                if dropped is None:
                    dropped = {}
                dropped[kind] = [v for v, _ in values[limit:]]
                del values[limit:]
    return Profile(profile_id, line, traits, ids, dropped)


def _well_formed_ids(items: list[Any]) -> dict[str, list[IdValue]] | None:
    """The identifiers by type in file order, when each is an object with a type, a value and a canonical
    added_at (nearly every line: the loop every profile goes through, so `canonical_key`'s test is written out
    here); None at the first one that is not, and `_checked_ids` reads them all again, explaining the problem."""
    ids: dict[str, list[IdValue]] = {}
    for item in items:
        if type(item) is not dict:
            return None
        kind, value, added = item.get("type"), item.get("value"), item.get("added_at")
        if (
            type(kind) is not str
            or type(value) is not str
            or type(added) is not str
            or not kind
            or not value
            or added[10:17] not in _CLOCKS
            or added[17:] not in _SECONDS
            or not (_DAYS.get(added[:10]) or _day_ok(added[:10]))
        ):
            return None
        values = ids.get(kind)
        if values is None:
            ids[kind] = [(value, added[:19])]
        else:
            values.append((value, added[:19]))
    return ids


def _checked_ids(items: list[Any]) -> dict[str, list[IdValue]]:
    """The identifiers by type in file order, each checked by `_identifier` (its first problem is raised)."""
    ids: dict[str, list[IdValue]] = {}
    for index, item in enumerate(items):
        kind, value, added = _identifier(item, index)
        ids.setdefault(kind, []).append((value, added))
    return ids


def _one_of_each(values: list[IdValue]) -> list[IdValue]:
    """The same value twice is one value in the graph, added when it was first seen: one entry per value, at its
    first position, with its earliest added_at (linear: a profile with N values costs O(N log N) with the sort)."""
    kept: list[IdValue] = []
    where: dict[str, int] = {}
    for value, added in values:
        position = where.get(value)
        if position is None:
            where[value] = len(kept)
            kept.append((value, added))
        elif added < kept[position][1]:
            kept[position] = (value, added)
    return kept


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


_raw_decode = json.JSONDecoder().raw_decode  # one decoder, made once (json.loads makes its checks per call)


def _decode(text: bytes | str) -> Any:
    """`json.loads(text)` without its per-call overhead (encoding sniffing, two regex passes) for the usual line:
    one object, in UTF-8 (json.loads reads a line starting with `{` and no NUL byte as UTF-8 too). Anything else,
    and every failure, goes to json.loads itself, so results and error messages are json's own."""
    if type(text) is bytes:
        if text[:1] == b"{" and 0 not in text[:4]:
            try:
                decoded = text.decode("utf-8", "surrogatepass")  # what json.loads does with UTF-8 bytes
                data, end = _raw_decode(decoded)
            except ValueError:  # json.JSONDecodeError
                return json.loads(text)
            if end == len(decoded):
                return data
    elif type(text) is str and text[:1] == "{":
        try:
            data, end = _raw_decode(text)
        except ValueError:  # json.JSONDecodeError
            return json.loads(text)
        if end == len(text):
            return data
    return json.loads(text)


# The longest line read (a profile with ~100,000 identifiers fits): a longer one is a bad line, skipped without
# holding more than this in memory, so a file with no newline at all costs at most this much to read.
MAX_LINE_BYTES = 16 * 1024 * 1024
# Deeper than any profile needs ({"traits": {"a": {"b": [...]}}}); deeper values would exhaust the recursion of
# the JSON decoder and of everything that walks a payload after it.
MAX_NESTING = 32
_BOM = b"\xef\xbb\xbf"
# A surrogate escape (\ud800) or an encoded surrogate in the raw line: the decoded strings are then checked.
_SURROGATE = re.compile(rb"\\u[dD][89a-fA-F]|\xed[\xa0-\xbf]")


def parse_line(raw: bytes | str, line: int, limits: Mapping[str, int]) -> Profile | Change | BadLine | None:
    """One line -> a Profile, a Change, a BadLine, or None for a blank line or a `//` comment."""
    text = raw.strip()
    if text[:3] == _BOM or text[:1] == "\ufeff":  # a BOM (at the start of a file, or of a file pasted in)
        text = text[3:].strip() if type(text) is bytes else text[1:].strip()
    if not text or text[:2] in (b"//", "//"):
        return None
    try:
        data = _decode(text)
    except UnicodeDecodeError:
        return BadLine(line, "not UTF-8; save the file as UTF-8 (each line one JSON object)")
    except json.JSONDecodeError as error:
        return BadLine(line, f"not valid JSON ({error.msg}); each line must be one JSON object")
    except RecursionError:
        return BadLine(line, f"JSON nested too deeply; a line may nest objects and arrays {MAX_NESTING} levels deep")
    except ValueError as error:  # int(): a number longer than Python converts
        if "digits" in str(error):
            return BadLine(
                line, f"a number with more than {sys.get_int_max_str_digits()} digits; no profile value needs one"
            )
        return BadLine(line, f"not valid JSON ({error}); each line must be one JSON object")
    if not isinstance(data, dict):
        return BadLine(line, "each line must be a JSON object (a profile or a change), not " + type(data).__name__)
    if _worth_a_walk(text):
        deep = _openers(text) > MAX_NESTING
        strings = _maybe_surrogate(text)
        if (deep or strings) and (problem := _value_problem(data, strings)):
            return BadLine(line, problem)
    try:
        if "id" not in data and ("at" in data or "profile" in data):
            return build_change(data, line)
        return build_profile(data, line, limits)
    except ProfileLineError as error:
        return BadLine(line, str(error))


# Every byte but the ones that can make a line too deep ({ and [) or spell a lone surrogate (\\ of an escape, the
# lead byte of an encoded surrogate): what is left of a usual line is a few bytes.
_NOT_MARKS = bytes(byte for byte in range(256) if byte not in b"{[\\\xed")


def _worth_a_walk(text: bytes | str) -> bool:
    """Whether the decoded line could be nested too deeply or hold a lone surrogate. For bytes, one pass that
    keeps only the bytes that matter (~0.8 µs a profile less than counting and searching separately)."""
    if type(text) is bytes:
        marks = text.translate(None, _NOT_MARKS)
        return len(marks) > MAX_NESTING or b"\\" in marks or b"\xed" in marks
    return True


def _maybe_surrogate(text: bytes | str) -> bool:
    if type(text) is bytes:
        return (b"\\u" in text or b"\xed" in text) and _SURROGATE.search(text) is not None
    return "\\u" in text or any("\ud800" <= char <= "\udfff" for char in text)  # type: ignore[operator]


def _openers(text: bytes | str) -> int:
    if type(text) is bytes:
        return text.count(b"{") + text.count(b"[")
    return text.count("{") + text.count("[")  # type: ignore[arg-type]


def _value_problem(data: Any, strings: bool) -> str | None:
    """What makes a decoded line unusable whatever its fields: nesting past MAX_NESTING, or (`strings`) a lone
    surrogate (JSON's "\\ud800" escapes half of a character, which cannot be hashed, sent or printed).

    Walks the containers with two plain lists (no tuple per value): a profile with 40,000 identifiers makes
    no garbage for the collector to walk through again and again, so the cost stays linear."""
    stack: list[Any] = [data]
    depths: list[int] = [0]
    pop, pop_depth, push, push_depth = stack.pop, depths.pop, stack.append, depths.append
    while stack:
        value = pop()
        depth = pop_depth() + 1
        if depth > MAX_NESTING + 1:
            return f"JSON nested too deeply; a line may nest objects and arrays {MAX_NESTING} levels deep"
        if type(value) is dict:
            items: Any = value.values()
            if strings:
                for key in value:
                    if (problem := _surrogate_problem(key)) is not None:
                        return problem
        else:
            items = value
        for item in items:
            kind = type(item)
            if kind is dict or kind is list:
                push(item)
                push_depth(depth)
            elif strings and kind is str and (problem := _surrogate_problem(item)) is not None:
                return problem
    return None


def _surrogate_problem(text: str) -> str | None:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as error:
        return (
            f"a string holds half of a character (lone surrogate \\u{ord(text[error.start]):04x}); "
            "write the whole character or remove it"
        )
    return None


class ProfileReader:
    """Parses a file's lines in order, with what spans lines: a profile id used twice is a bad line the second
    time (its line number; change lines refer to the first). It keeps the ids of the profiles read (a set of
    strings: ~80 bytes a profile)."""

    def __init__(self, limits: Mapping[str, int]) -> None:
        self.limits = limits
        self.seen: set[str] = set()

    def parse(self, raw: bytes | str | None, line: int) -> Profile | Change | BadLine | None:
        if raw is None:
            return BadLine(line, _too_long())
        item = parse_line(raw, line, self.limits)
        if type(item) is Profile:
            if item.id in self.seen:
                return BadLine(
                    line, f'profile "{item.id}" again: an id names one profile; the first line with it is used'
                )
            self.seen.add(item.id)
        return item


def _too_long() -> str:
    return f"longer than {MAX_LINE_BYTES // 1024 // 1024} MiB; a line is one profile or change (is a newline missing?)"


def numbered_lines(stream: BinaryIO, start: int = 1) -> Iterator[tuple[int, int, bytes | None]]:
    """(line number, byte offset, bytes without the newline) for every line of `stream`, read in 1 MiB blocks;
    bytes None for a line longer than MAX_LINE_BYTES, which is skipped: memory stays within that limit plus a
    block however the file is made (a 400 MB file without a newline included)."""
    number = start - 1
    offset = 0
    pending: list[bytes] = []  # the start of a line that continues in the next block
    pending_size = 0
    too_long = False
    limit = MAX_LINE_BYTES
    while True:
        block = stream.read(_CHUNK)
        if not block:
            break
        parts = block.split(b"\n")
        tail = parts.pop()
        for part in parts:
            number += 1
            if pending or too_long:
                size = pending_size + len(part)
                line: bytes | None = None if too_long or size > limit else b"".join([*pending, part])
                pending.clear()
                pending_size = 0
                too_long = False
            else:
                size = len(part)
                line = part if size <= limit else None
            yield number, offset, line
            offset += size + 1
        if tail:
            if too_long:
                pending_size += len(tail)
            else:
                pending.append(tail)
                pending_size += len(tail)
                if pending_size > limit:
                    pending.clear()
                    too_long = True
    if pending or too_long:
        number += 1
        yield number, offset, None if too_long else b"".join(pending)


def open_profiles(path: str | Path) -> BinaryIO:
    """Opens a profiles file for reading: a regular file only (`files.NotReadable` says what else it is)."""
    return files.open_regular(path)


def read_profiles(path: str | Path, limits: Mapping[str, int]) -> Iterator[Profile | Change | BadLine]:
    """Every profile, change and bad line of a JSON Lines file, in file order, one line in memory at a time."""
    reader = ProfileReader(limits)
    with open_profiles(path) as stream:
        for number, _, raw in numbered_lines(stream):
            item = reader.parse(raw, number)
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
    """Finds the latest added_at and the change lines without decoding every profile.

    Only lines the reader accepts count: a `//` line, a bad line or a repeated profile id never moves the clock.
    A regular expression over the raw bytes finds the added_at values that would move the latest one; only the
    lines holding them are decoded (read_profiles' own parse_line), from the highest down until one is good.
    Change lines are few, so they are decoded in full. Should the winning line repeat an earlier profile id,
    the file is read once more the slow, exact way (one parse of every line).
    """
    latest: str | None = None
    latest_at: tuple[int, str] | None = None  # (byte offset, profile id) of the line that gave it
    earliest_change: str | None = None
    changed: set[str] = set()
    with open_profiles(path) as stream:
        for base, chunk in _chunks(stream):
            found = _ADDED_AT_CANONICAL.findall(chunk)
            highest = max(found) if found else None
            top = highest.decode() if highest is not None else None
            odd = len(found) != chunk.count(b'"added_at"')
            if odd or (top is not None and (latest is None or top > latest)):
                best = _latest_in_chunk(chunk, latest, odd, highest)
                if best is not None:
                    latest, offset, profile_id = best
                    latest_at = (base + offset, profile_id)
            if b'"profile"' in chunk:
                for raw in chunk.splitlines():
                    if b'"profile"' in raw:
                        item = parse_line(raw, 0, {})
                        if type(item) is Change:
                            changed.add(item.profile)
                            if earliest_change is None or item.at < earliest_change:
                                earliest_change = item.at
    if latest_at is not None and latest_at[1] and _repeats_earlier_id(path, *latest_at):
        return _exact_scan(path, earliest_change, frozenset(changed))
    return TimeScan(latest, earliest_change, frozenset(changed))


def _chunks(stream: BinaryIO) -> Iterator[tuple[int, bytes]]:
    """(byte offset, bytes) of ~1 MiB runs of whole lines; a line longer than MAX_LINE_BYTES is left out (the
    reader makes it a bad line), and never held whole."""
    rest = b""
    base = 0
    skipping = False  # inside an over-long line: drop bytes up to its newline
    while True:
        block = stream.read(_CHUNK)
        if skipping:
            cut = block.find(b"\n")
            if cut < 0 and block:
                base += len(block)
                continue
            skipping = False
            base += cut + 1 if block else 0
            block = block[cut + 1 :] if block else b""
        if not block:
            if rest:
                yield base, rest
            return
        chunk = rest + block
        cut = chunk.rfind(b"\n") + 1
        chunk, rest = chunk[:cut], chunk[cut:]
        if chunk:
            yield base, chunk
            base += len(chunk)
        if len(rest) > MAX_LINE_BYTES:
            base += len(rest)
            rest = b""
            skipping = True


def _latest_in_chunk(chunk: bytes, latest: str | None, odd: bool, top: bytes | None) -> tuple[str, int, str] | None:
    """The latest added_at of the good lines of `chunk` that is later than `latest`: (time key, offset of its
    line, profile id or "" for a change), or None. `top` is the chunk's highest canonical added_at: when every
    added_at is canonical (not `odd`) and the first line holding `top` is good, that line is the answer."""
    if not odd and top is not None:
        found = chunk.find(top)
        answer = _line_answer(chunk, chunk.rfind(b"\n", 0, found) + 1, latest)
        if answer is not None and answer[0] == top.decode():
            return answer
    pattern = _ADDED_AT if odd else _ADDED_AT_CANONICAL
    by_line: dict[int, str] = {}
    start = searched = 0  # the start of the current match's line, found searching forward only: linear
    for match in pattern.finditer(chunk):
        raw = match.group(1)
        if odd:
            try:
                key = time_key(raw.decode("utf-8", "replace"))
            except ProfileLineError:
                continue
        else:
            key = raw.decode()
        if latest is not None and key <= latest:
            continue
        newline = chunk.rfind(b"\n", searched, match.start())
        if newline >= 0:
            start = newline + 1
        searched = match.start()
        if key > by_line.get(start, ""):
            by_line[start] = key
    # A line's own latest identifier can be older than what the expression saw on it (a trait named added_at):
    # lines are read from the highest seen down while one could still beat the best found.
    best: tuple[str, int, str] | None = None
    for start, seen in sorted(by_line.items(), key=itemgetter(1), reverse=True):
        if best is not None and seen <= best[0]:
            break
        answer = _line_answer(chunk, start, latest)
        if answer is not None and (best is None or answer[0] > best[0]):
            best = answer
    return best


def _line_answer(chunk: bytes, start: int, latest: str | None) -> tuple[str, int, str] | None:
    """For the line of `chunk` at `start`, when it is good and adds an identifier later than `latest`: (its latest
    added_at, `start`, profile id or "" for a change)."""
    end = chunk.find(b"\n", start)
    raw_line = chunk[start : end if end >= 0 else len(chunk)]
    item = parse_line(raw_line, 0, {})
    if type(item) is Profile:
        line_key = _line_latest(raw_line)
        if line_key is not None and (latest is None or line_key > latest):
            return line_key, start, item.id
    elif type(item) is Change and item.add_identifier is not None:
        key = item.add_identifier[2]
        if latest is None or key > latest:
            return key, start, ""
    return None


def _line_latest(raw: bytes) -> str | None:
    """The latest identifier added_at of a good profile line (values the limit drops included)."""
    data = json.loads(raw)
    return max((time_key(item["added_at"]) for item in data.get("identifiers") or ()), default=None)


def _repeats_earlier_id(path: str | Path, offset: int, profile_id: str) -> bool:
    """Whether a good profile line before `offset` already has `profile_id` (then the line at `offset` is bad).
    Only the lines that hold the id as JSON writes it, or an escape that could spell it, are decoded."""
    needle = json.dumps(profile_id, ensure_ascii=False).encode("utf-8", "surrogatepass")
    with open_profiles(path) as stream:
        for base, chunk in _chunks(stream):
            if base >= offset:
                return False
            if needle not in chunk and b"\\u" not in chunk:
                continue
            start = 0
            for raw in chunk.split(b"\n"):
                if base + start >= offset:
                    return False
                if needle in raw or b"\\u" in raw:
                    item = parse_line(raw, 0, {})
                    if type(item) is Profile and item.id == profile_id:
                        return True
                start += len(raw) + 1
    return False


def _exact_scan(path: str | Path, earliest_change: str | None, changed: frozenset[str]) -> TimeScan:
    latest: str | None = None
    reader = ProfileReader({})
    with open_profiles(path) as stream:
        for number, _, raw in numbered_lines(stream):
            item = reader.parse(raw, number)
            key = None
            if type(item) is Profile and raw is not None:
                key = _line_latest(raw.strip().removeprefix(_BOM))
            elif type(item) is Change and item.add_identifier is not None:
                key = item.add_identifier[2]
            if key is not None and (latest is None or key > latest):
                latest = key
    return TimeScan(latest, earliest_change, changed)
