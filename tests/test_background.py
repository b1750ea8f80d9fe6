"""Reading a large space file in a child process: the same data as reading it here, or nothing at all."""

from __future__ import annotations

import hashlib
import tomllib
from pathlib import Path

from idsync_tui.space import background
from idsync_tui.space.document import SpaceDocument
from idsync_tui.space.lines import header_index

ENTRY = """
[[audiences]]
key = "a{i}"
name = "Audience {i}"

  [[audiences.connections]]
  destination = "fb"
  setup = "customized"

  [[audiences.connections.identifiers]]
  segment = "email"
  destination = "EMAIL"
"""
HEAD = 'version = 1\n\n[space]\nkey = "s"\nname = "S"\n\n[[destinations]]\nkey = "fb"\n'
HEAD += 'type = "facebook_custom_audiences"\nname = "FB"\n'


def large_space(tmp_path: Path, entries: int = 800) -> Path:
    path = tmp_path / "large.toml"
    path.write_text(HEAD + "".join(ENTRY.format(i=i) for i in range(entries)))
    assert path.stat().st_size >= background.MIN_BYTES
    return path


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_the_child_gives_what_tomllib_and_the_header_index_give_here(tmp_path: Path) -> None:
    path = large_space(tmp_path)
    parsed = background.parse_in_child(path)(sha256(path))
    assert parsed is not None
    text = path.read_text()
    data = tomllib.loads(text)
    assert parsed == (data, header_index(text, data))


def test_a_file_changed_since_the_child_read_it_is_not_taken_from_the_child(tmp_path: Path) -> None:
    path = large_space(tmp_path)
    wait = background.parse_in_child(path)
    assert wait("0" * 64) is None  # the caller's bytes differ: it parses them itself


def test_a_file_that_cannot_be_parsed_is_left_to_the_caller(tmp_path: Path) -> None:
    path = large_space(tmp_path)
    path.write_text(path.read_text() + "\n[[audiences]\n")
    assert background.parse_in_child(path)(sha256(path)) is None


def test_a_small_file_is_not_worth_a_child(tmp_path: Path) -> None:
    path = tmp_path / "small.toml"
    path.write_text(HEAD)
    assert background.parse_in_child(path) is background._nothing


def test_a_document_opened_with_the_child_equals_one_opened_here(tmp_path: Path) -> None:
    path = large_space(tmp_path)
    here = SpaceDocument.open(path)
    wait = background.parse_in_child(path)
    answers = []

    def from_child(sha: str) -> background.Parsed | None:
        answers.append(wait(sha))
        return answers[-1]

    there = SpaceDocument.start_open(path, from_child)()
    assert answers and answers[0] is not None  # the child's data was the one used
    assert there.data == here.data
    assert there.result().space == here.result().space
    assert [a.line for a in there.result().space.audiences] == [a.line for a in here.result().space.audiences]
    assert there.result().problems == here.result().problems
