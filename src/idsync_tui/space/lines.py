"""Where things are in a space file's text: a map from data paths to 1-based line numbers.

The TOML parser (`toml_read`) keeps no positions, so this scans the text once for table headers and key lines,
the way a TOML reader would, and records the line of every array-of-tables entry and key it sees:
("audiences", 0, "connections", 1, "identifiers", 0, "strategy") -> 42. Values inside inline tables or
multi-line arrays map to the line of the key that holds them (`line_of` falls back to the nearest parent).

`header_index` is the fast path a loader takes first: only table headers, found by one regular-expression search
over the whole text, checked against the data the parser read. The model's objects are all table entries, so their
lines come from headers; key lines are needed only to report a problem at a key, and the full scan (~2 µs a line)
is made then. At 1,000 audiences (34k lines) that is ~15 ms instead of ~80 ms on every open.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # only a type here
    from idsync_tui.space.model import DataPath

_BARE = r"[A-Za-z0-9_-]+"
_BASIC = r'"(?:[^"\\]|\\.)*"'
_LITERAL = r"'[^']*'"
_KEY_PART = rf"(?:{_BARE}|{_BASIC}|{_LITERAL})"
_DOTTED = rf"{_KEY_PART}(?:\s*\.\s*{_KEY_PART})*"
_HEADER = re.compile(rf"^\s*(\[\[?)\s*({_DOTTED})\s*\]\]?\s*(?:#.*)?$")
_KEY_LINE = re.compile(rf"^\s*({_DOTTED})\s*=(.*)$")
_BARE_KEY_LINE = re.compile(r"^\s*([A-Za-z0-9_-]+)\s*=(.*)$")  # the usual case, matched first
_PART = re.compile(_KEY_PART)
# A value that cannot open a multi-line array, table or string: a number, boolean, date or one-line string,
# with an optional comment. Most lines of a space file are this; they skip the character-by-character scan.
_SIMPLE_VALUE = re.compile(r"""\s*(?:"(?:[^"\\\n]|\\.)*"|'[^'\n]*'|[^\[\]{}"'#\s][^\[\]{}"'#]*?)?\s*(?:#.*)?$""")


# Starts with a literal "[" so the search jumps from bracket to bracket; the caller checks it opens its line.
_HEADER_LINES = re.compile(rf"\[(\[?)[ \t]*({_DOTTED})[ \t]*\]\]?[ \t]*(?:#[^\n]*)?\r?$", re.MULTILINE)


@functools.lru_cache(maxsize=256)  # a file repeats a handful of headers and keys thousands of times
def _split_key(dotted: str) -> tuple[str, ...]:
    if '"' not in dotted and "'" not in dotted:  # bare keys only, the usual case
        return tuple(part.strip() for part in dotted.split("."))
    parts = []
    for match in _PART.finditer(dotted):
        token = match.group(0)
        if token[0] == "'":
            token = token[1:-1]
        elif token[0] == '"':
            token = _basic_string(token)
        parts.append(token)
    return tuple(parts)


def _basic_string(token: str) -> str:
    """A quoted key's name with its escapes read (`"a\\u0041"` is the key `aA`), as the parser reads it."""
    if "\\" not in token:
        return token[1:-1]
    import tomli  # only for a quoted key with an escape: rare (the parser of toml_read, which imports this module)

    try:
        return str(tomli.loads(f"k = {token}")["k"])
    except (tomli.TOMLDecodeError, ValueError):
        return token[1:-1]


def _bracket_depth_and_multiline(value: str) -> tuple[int, str | None]:
    """Net `[`/`{` depth of a value's text (strings and comments skipped), and an unclosed multi-line quote."""
    depth = 0
    i = 0
    n = len(value)
    while i < n:
        ch = value[i]
        if value.startswith('"""', i) or value.startswith("'''", i):
            quote = value[i : i + 3]
            end = value.find(quote, i + 3)
            if end < 0:
                return depth, quote
            i = end + 3
            continue
        if ch == '"':
            i += 1
            while i < n and value[i] != '"':
                i += 2 if value[i] == "\\" else 1
            i += 1
            continue
        if ch == "'":
            end = value.find("'", i + 1)
            i = n if end < 0 else end + 1
            continue
        if ch == "#":
            break
        if ch in "[{":
            depth += 1
        elif ch in "]}":
            depth -= 1
        i += 1
    return depth, None


def build_line_index(text: str) -> dict[DataPath, int]:
    index: dict[DataPath, int] = {}
    counts: dict[DataPath, int] = {}  # array-of-tables path (with parents' indexes) -> entries seen
    current: DataPath = ()
    open_quote: str | None = None  # inside a multi-line string
    depth = 0  # inside a multi-line array / inline table
    for lineno, line in enumerate(text.splitlines(), 1):
        if open_quote is None and depth == 0:
            stripped = line.lstrip()
            if not stripped or stripped[0] == "#":
                continue
        if open_quote is not None:
            end = line.find(open_quote)
            if end < 0:
                continue
            open_quote = None
            line = line[end + 3 :]
            extra, open_quote = _bracket_depth_and_multiline(line)
            depth += extra
            continue
        if depth > 0:
            extra, open_quote = _bracket_depth_and_multiline(line)
            depth += extra
            continue
        bare = _BARE_KEY_LINE.match(line)
        if bare is not None:
            index.setdefault((*current, bare.group(1)), lineno)
            value = bare.group(2)
            if _SIMPLE_VALUE.match(value) is None:
                extra, open_quote = _bracket_depth_and_multiline(value)
                depth = max(extra, 0)
            continue
        header = _HEADER.match(line) if line.lstrip().startswith("[") else None
        if header is not None:
            current = _resolve_header(_split_key(header.group(2)), header.group(1) == "[[", counts)
            index.setdefault(current, lineno)
            continue
        key_line = _KEY_LINE.match(line)
        if key_line is not None:
            index.setdefault((*current, *_split_key(key_line.group(1))), lineno)
            value = key_line.group(2)
            if _SIMPLE_VALUE.match(value) is None:
                extra, open_quote = _bracket_depth_and_multiline(value)
                depth = max(extra, 0)
    return index


def _resolve_header(names: tuple[str, ...], is_array: bool, counts: dict[DataPath, int]) -> DataPath:
    """The data path a header names, with the index of each array-of-tables entry it is inside (or opens)."""
    resolved: list[str | int] = []
    for name in names[:-1]:
        resolved.append(name)
        seen = counts.get((*resolved,))
        if seen:
            resolved.append(seen - 1)
    resolved.append(names[-1])
    if is_array:
        parent = tuple(resolved)
        position = counts.get(parent, 0)
        counts[parent] = position + 1
        resolved.append(position)
    return tuple(resolved)


def header_index(text: str, data: Mapping[str, Any]) -> dict[DataPath, int] | None:
    """The lines of the table headers, or None when this fast path cannot be trusted for `text`.

    It cannot see multi-line strings or arrays (a header-like line inside one), so it declines a text that has a
    multi-line string, and checks what it found against `data`: every array of tables holds exactly as many entries
    as headers were found for it, and every table header names a table. Otherwise the caller makes the full scan.
    """
    if '"""' in text or "'''" in text:
        return None
    index: dict[DataPath, int] = {}
    counts: dict[DataPath, int] = {}
    lineno = 1
    position = 0
    for match in _HEADER_LINES.finditer(text):
        start = match.start()
        line_start = text.rfind("\n", 0, start) + 1
        if line_start != start and text[line_start:start].strip(" \t"):
            continue  # a value's brackets (key = ["a"]), not a header
        lineno += text.count("\n", position, start)
        position = start
        path = _resolve_header(_split_key(match.group(2)), match.group(1) == "[", counts)
        if path in index:  # a table or entry defined twice: the parser would have refused the file
            return None
        index[path] = lineno
    for array_path, found in counts.items():
        if _array_length(data, array_path) != found:
            return None
    for path in index:
        if not isinstance(path[-1], int) and not isinstance(_value_at(data, path), dict):
            return None
    # An array of inline tables has no headers; one can only be written with braces.
    if "{" in text and _arrays_of_tables(data) != set(counts):
        return None
    return index


def _value_at(data: Any, path: DataPath) -> Any:
    for part in path:
        try:
            data = data[part]
        except (KeyError, IndexError, TypeError):
            return None
    return data


def _array_length(data: Mapping[str, Any], path: DataPath) -> int | None:
    value = _value_at(data, path)
    return len(value) if isinstance(value, list) else None


def _arrays_of_tables(data: Any, path: DataPath = ()) -> set[DataPath]:
    """Every non-empty array of tables in `data`, by path (an array of inline tables has no headers: not trusted)."""
    found: set[DataPath] = set()
    if isinstance(data, dict):
        for key, value in data.items():
            found |= _arrays_of_tables(value, (*path, key))
    elif isinstance(data, list) and data and all(isinstance(item, dict) for item in data):
        found.add(path)
        for i, item in enumerate(data):
            found |= _arrays_of_tables(item, (*path, i))
    return found


def line_of(index: Mapping[DataPath, int], path: DataPath) -> int | None:
    """The line of `path`, or of its nearest parent that has one."""
    line = index.get(path)  # the usual case: an entry the header index holds, looked up without a copy
    if line is not None:
        return line
    for end in range(len(path) - 1, 0, -1):
        line = index.get(path[:end])
        if line is not None:
            return line
    return None


def first_line_under(index: Mapping[DataPath, int], path: DataPath) -> int | None:
    """The first line of anything inside `path`: where a key that has no line of its own was brought in, by a
    header (`[extra.sub]`, `[[space]]`) or a dotted key (`extra.sub = 1`)."""
    size = len(path)
    lines = [line for found, line in index.items() if len(found) > size and found[:size] == path]
    return min(lines) if lines else None
