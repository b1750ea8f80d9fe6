"""Parsing a large space file in a child process (space/parse_ahead.py): the data is the same as parsing in-process,
and anything unusual leaves the caller to parse itself."""

from __future__ import annotations

import hashlib
from pathlib import Path

from idsync_tui import rules
from idsync_tui.session import Session
from idsync_tui.space import parse_ahead
from idsync_tui.space.document import SpaceDocument
from idsync_tui.space.lines import header_index
from idsync_tui.space.parse_ahead import ParseAhead
from idsync_tui.space.toml_read import toml_loads
from tests.spaces import generate_space, plant_fake_module


def _big(tmp_path: Path, text: str | None = None, name: str = "big.toml") -> Path:
    path = tmp_path / name
    path.write_text(text if text is not None else generate_space(300), encoding="utf-8")
    assert path.stat().st_size >= parse_ahead.MIN_BYTES
    return path


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_the_child_reads_what_the_app_would_read_itself(tmp_path):
    path = _big(tmp_path)
    ahead = ParseAhead.start(path)
    assert ahead is not None
    parsed = ahead.take(_sha(path))
    text = path.read_text(encoding="utf-8")
    data = toml_loads(text)
    assert parsed == (data, header_index(text, data))


def test_a_document_opened_with_the_child_has_the_same_model_and_problems(tmp_path):
    # A BOM and a misspelt key (a problem at a key's line) so that the stripped text and its lines both matter.
    plain = generate_space(300)
    at = plain.index("[[audiences]]")
    text = "\ufeff" + plain[:at] + plain[at:].replace("\n", '\nnmae = "x"\n', 1)
    path = _big(tmp_path, text)
    ahead = ParseAhead.start(path)
    with_child = SpaceDocument.open(path, ahead).result()
    alone = SpaceDocument.open(path).result()
    assert with_child.space == alone.space
    assert [p.as_text() for p in with_child.problems] == [p.as_text() for p in alone.problems]
    assert [p.as_text() for p in alone.problems] == [
        f'{path}:{plain[:at].count(chr(10)) + 2}: IDS002 schema: unknown key "nmae" in audiences[audience_00000]. '
        'Did you mean "name"?'
    ]


def test_bytes_that_changed_after_the_child_read_them_are_not_used(tmp_path):
    path = _big(tmp_path)
    ahead = ParseAhead.start(path)
    assert ahead is not None
    assert ahead.take(hashlib.sha256(b"other bytes").hexdigest()) is None


def test_a_file_that_does_not_parse_gets_no_answer_and_the_same_message_as_without_the_child(tmp_path):
    path = _big(tmp_path, generate_space(300) + "\n[space\n")
    ahead = ParseAhead.start(path)
    assert ahead is not None
    assert ahead.take(_sha(path)) is None
    with_child = SpaceDocument.open(path, ParseAhead.start(path)).result()
    alone = SpaceDocument.open(path).result()
    assert with_child.space is None and alone.space is None
    assert [p.as_text() for p in with_child.problems] == [p.as_text() for p in alone.problems]


def test_a_small_file_is_parsed_in_process(tmp_path):
    path = tmp_path / "small.toml"
    path.write_text(generate_space(2), encoding="utf-8")
    assert path.stat().st_size < parse_ahead.MIN_BYTES
    assert ParseAhead.start(path) is None


def test_closing_stops_a_child_that_still_runs(tmp_path):
    path = _big(tmp_path, generate_space(1000))
    ahead = ParseAhead.start(path)
    assert ahead is not None
    ahead.close()
    assert ahead._process.poll() is not None  # noqa: SLF001  # the test looks at the process it started


def test_the_child_gives_no_answer_for_a_file_it_cannot_read(tmp_path, capsysbinary):
    assert parse_ahead.main([str(tmp_path / "missing.toml")]) == 1
    assert parse_ahead.main([]) == 1
    assert capsysbinary.readouterr().out == b""


def test_a_folder_named_idsync_tui_where_the_app_starts_is_not_what_the_child_runs(tmp_path, monkeypatch):
    """The child runs with -P: the working folder is not on its import path (a hostile checkout cannot inject code)."""
    marker = tmp_path / "ran"
    (tmp_path / "cwd").mkdir()
    plant_fake_module(tmp_path / "cwd", "idsync_tui.space.parse_ahead", marker)
    monkeypatch.chdir(tmp_path / "cwd")
    path = _big(tmp_path)
    ahead = ParseAhead.start(path)
    assert ahead is not None
    assert ahead.take(_sha(path)) is not None
    assert not marker.exists()


def _wait_for_child(ahead: ParseAhead) -> None:
    """Until the child has written everything and exited: what `take_checks` finds is then what it had to give."""
    ahead._process.wait(timeout=60)  # noqa: SLF001  # the test looks at the process it started


def test_after_the_data_the_child_gives_the_connection_rules_results_of_the_same_model(tmp_path):
    # One audience connected to a destination the space does not have (IDS101), so there is a result to compare.
    text = generate_space(300).replace('destination = "braze"', 'destination = "nowhere"', 1)
    path = _big(tmp_path, text)
    ahead = ParseAhead.start(path)
    assert ahead is not None
    document = SpaceDocument.open(path, ahead)
    _wait_for_child(ahead)
    checked = ahead.take_checks()
    expected = rules.check_owners(document.result().space)
    assert checked == expected
    assert [p.code for p in checked.audiences[0]] == ["IDS101"] and not any(checked.audiences[1:])
    assert ahead._process.poll() is not None  # noqa: SLF001  # stopped: it has nothing more to give


def test_the_rules_results_are_not_taken_when_the_data_was_not(tmp_path):
    path = _big(tmp_path)
    ahead = ParseAhead.start(path)
    assert ahead is not None
    assert ahead.take(hashlib.sha256(b"other bytes").hexdigest()) is None
    assert ahead.take_checks() is None


def test_rules_results_asked_for_before_the_data_are_none_and_the_child_is_stopped(tmp_path):
    # (Results asked for while the child still works on them are not waited for: FrameReader.next(0), whose
    # test is in test_children.py.)
    path = _big(tmp_path, generate_space(1000))
    ahead = ParseAhead.start(path)
    assert ahead is not None
    assert ahead.take_checks() is None  # nothing taken yet: nothing to give, and the child is stopped
    assert ahead._process.poll() is not None  # noqa: SLF001


def test_a_child_that_stops_after_the_data_leaves_the_caller_to_check(tmp_path):
    path = _big(tmp_path)
    ahead = ParseAhead.start(path)
    assert ahead is not None
    assert ahead.take(_sha(path)) is not None
    ahead._process.kill()  # noqa: SLF001  # as if it died while checking
    _wait_for_child(ahead)
    assert ahead.take_checks() is None


def test_the_app_opened_with_the_childs_results_shows_the_same_problems(tmp_path):
    text = generate_space(300).replace('destination = "braze"', 'destination = "nowhere"', 1)
    path = _big(tmp_path, text)
    ahead = ParseAhead.start(path)
    document = SpaceDocument.open(path, ahead)
    _wait_for_child(ahead)
    with_child = Session(document, checked=ahead.take_checks())
    alone = Session(SpaceDocument.open(path))
    assert with_child.problems == alone.problems and [p.code for p in alone.problems] == ["IDS101"]
