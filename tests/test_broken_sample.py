"""The broken sample spaces show every problem code, each marked by a comment at the line it is reported at."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from idsync_tui.rules import validate
from idsync_tui.space.loader import load_space
from idsync_tui.space.problems import CODES

SAMPLES = Path(__file__).resolve().parent.parent / "sample_spaces"
BROKEN_FILES = ("broken.toml", "broken-syntax.toml", "broken-version.toml")

# A marker is a code named in a comment that ends a line of TOML (whole-line comments are prose).
_TRAILING_COMMENT = re.compile(r"^\s*[^#\s][^#]*#(?P<comment>.*)$")
_CODE = re.compile(r"\bIDS\d{3}\b")


def markers(path: Path) -> set[tuple[str, int]]:
    """(code, line) for every code named in a trailing comment of the file."""
    found = set()
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        match = _TRAILING_COMMENT.match(line)
        if match:
            found.update((code, number) for code in _CODE.findall(match.group("comment")))
    return found


@pytest.mark.parametrize("name", BROKEN_FILES)
def test_validating_a_broken_sample_finds_exactly_the_codes_its_comments_name(name):
    path = SAMPLES / name
    expected = {code for code, _ in markers(path)}
    assert expected, f"{name} marks no codes"
    assert {problem.code for problem in validate(load_space(path))} == expected


@pytest.mark.parametrize("name", BROKEN_FILES)
def test_each_problem_is_reported_at_the_line_whose_comment_names_its_code(name):
    path = SAMPLES / name
    reported = {(problem.code, problem.line) for problem in validate(load_space(path))}
    assert reported == markers(path)


def test_the_broken_samples_together_show_every_code():
    shown = set()
    for name in BROKEN_FILES:
        shown |= {code for code, _ in markers(SAMPLES / name)}
    assert shown == set(CODES)


def test_the_syntax_sample_reports_a_column_as_well():
    [problem] = validate(load_space(SAMPLES / "broken-syntax.toml"))
    assert problem.code == "IDS001" and problem.column is not None
