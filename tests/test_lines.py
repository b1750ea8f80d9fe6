"""The line index: every key and array-of-tables entry found at its line, whatever the values look like."""

import tomllib
from pathlib import Path

import pytest

from idsync_tui.space.lines import build_line_index, header_index, line_of
from idsync_tui.space.loader import parse_data

TRICKY = '''\
version = 1  # a comment
"quoted key" = "value with [brackets] and # hash"
dotted.key = 'literal [not an array'
[space]
key = "s"
notes = """
[[audiences]]
key = "not a header: inside a multi-line string"
"""
tags = [
  "a",
  ["[[journeys]]", 2],
]
inline = { a = [1, 2], b = "}" }
escaped = "a \\" quote ] still one string"

[[audiences]]
key = "first"

  [[audiences.connections]]
  destination = "fb"
  identifiers = [
    { segment = "email", destination = "EMAIL" },
  ]

[[audiences]]
key = "second"
when = 2024-06-01T10:00:00Z
'''


def test_keys_and_entries_are_found_at_their_lines_past_strings_arrays_and_inline_tables() -> None:
    index = build_line_index(TRICKY)
    assert index[("version",)] == 1
    assert index[("quoted key",)] == 2
    assert index[("dotted", "key")] == 3
    assert index[("space", "notes")] == 6
    assert index[("space", "tags")] == 10
    assert index[("space", "inline")] == 14
    assert index[("space", "escaped")] == 15
    assert index[("audiences", 0)] == 17
    assert index[("audiences", 0, "key")] == 18
    assert index[("audiences", 0, "connections", 0, "destination")] == 21
    assert index[("audiences", 0, "connections", 0, "identifiers")] == 22
    assert index[("audiences", 1)] == 26
    assert index[("audiences", 1, "when")] == 28
    assert ("journeys", 0) not in index and ("audiences", 2) not in index


def test_a_value_inside_an_inline_array_falls_back_to_the_line_of_its_key() -> None:
    index = build_line_index(TRICKY)
    assert line_of(index, ("audiences", 0, "connections", 0, "identifiers", 0, "segment")) == 22


def test_crlf_text_gives_the_same_lines() -> None:
    assert build_line_index(TRICKY.replace("\n", "\r\n")) == build_line_index(TRICKY)


# -- the header fast path ----------------------------------------------------------------------------------
def _parses(path: Path) -> bool:
    try:
        tomllib.loads(path.read_text())
    except tomllib.TOMLDecodeError:
        return False  # the loader never builds an index for it
    return True


SPACES = [p for p in sorted((Path(__file__).parent.parent / "sample_spaces").glob("*.toml")) if _parses(p)]
PLAIN = """\
version = 1
[space]
key = "s"
name = "S"

[[destinations]]
key = "fb"
type = "facebook_custom_audiences"
name = "FB"

[[audiences]]
key = "a"
name = "A"
  [[audiences.connections]]
  destination = "fb"
  [[audiences.connections.identifiers]]
  segment = "email"
  destination = "EMAIL"
[[audiences]]
key = "b"
name = "B"
"""


def _headers_of(index: dict) -> dict:  # type: ignore[type-arg]
    return {path: line for path, line in index.items() if path == ("space",) or isinstance(path[-1], int)}


@pytest.mark.parametrize("space", SPACES, ids=lambda p: p.name)
def test_the_header_index_gives_every_entry_the_line_the_full_scan_gives(space: Path) -> None:
    text = space.read_text()
    data = tomllib.loads(text)
    headers = header_index(text, data)
    assert headers is not None  # the samples have nothing it must decline
    assert headers == _headers_of(build_line_index(text))


def test_the_header_index_finds_entries_of_a_plain_file_and_skips_brackets_in_values() -> None:
    text = PLAIN.replace('name = "B"', 'name = "B"\ntags = ["x"]  # [not a header]\nmore = [ "y" ]')
    headers = header_index(text, tomllib.loads(text))
    assert headers == _headers_of(build_line_index(text))
    assert headers[("audiences", 0, "connections", 0, "identifiers", 0)] == 16
    assert headers[("audiences", 1)] == 19


@pytest.mark.parametrize(
    "change",
    [
        ('name = "B"', 'name = "B"\nnotes = """\n[[audiences]]\n"""'),  # a header inside a multi-line string
        ('name = "B"', 'name = "B"\ntags = [\n  ["space"]\n]'),  # a header-like line inside a multi-line array
        ('name = "B"', 'name = "B"\ntags = [\n  [["audiences"]]\n]'),
        (
            '  [[audiences.connections.identifiers]]\n  segment = "email"\n  destination = "EMAIL"\n',
            '  identifiers = [{ segment = "email", destination = "EMAIL" }]\n',
        ),  # an array of inline tables
    ],
)
def test_the_header_index_declines_what_it_cannot_see_and_the_loader_scans_in_full(change: tuple[str, str]) -> None:
    text = PLAIN.replace(*change)
    assert text != PLAIN
    data = tomllib.loads(text)
    assert header_index(text, data) is None
    result = parse_data(data, text)
    assert result.space is not None
    connection = result.space.audiences[0].connections[0]
    full = build_line_index(text)
    assert connection.line == full[("audiences", 0, "connections", 0)]
    assert connection.identifiers[0].line == line_of(full, ("audiences", 0, "connections", 0, "identifiers", 0))


def test_a_problem_at_a_key_still_gets_the_key_line_with_the_header_fast_path() -> None:
    text = PLAIN.replace('  segment = "email"', '  segment = "email"\n  stratgy = "all"')
    result = parse_data(tomllib.loads(text), text)
    (problem,) = result.problems
    assert problem.code == "IDS002" and 'unknown key "stratgy"' in problem.message
    assert problem.line == text.splitlines().index('  stratgy = "all"') + 1
