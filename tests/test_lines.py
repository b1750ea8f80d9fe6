"""The line index: every key and array-of-tables entry found at its line, whatever the values look like."""

from idsync_tui.space.lines import build_line_index, line_of

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
