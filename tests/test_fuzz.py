"""Fuzzing (issue 10 point 8): random bytes and random mutations of the sample space through the loader and the
rules, random profile lines through the reader and `simulate`; nothing raises, every problem has a line >= 1, and
no text output holds a raw control character.

Two runs of the same properties: a bounded one in the normal suite (a few seconds), and a long one, opt-in:
`pytest -m fuzz` (excluded by default in pyproject.toml; `FUZZ_EXAMPLES` sets how many examples each property
gets, default 2,000).
"""

from __future__ import annotations

import io
import json
import os
import re
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from idsync_tui.cli import main
from idsync_tui.rules import validate
from idsync_tui.simulator.profiles import BadLine, Change, Profile, ProfileReader, parse_line
from idsync_tui.space.loader import parse_text
from idsync_tui.text import inert

ROOT = Path(__file__).parents[1]
SAMPLE = (ROOT / "sample_spaces" / "acme.toml").read_text()
RAW_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff]")

QUICK = settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
LONG = settings(
    max_examples=int(os.environ.get("FUZZ_EXAMPLES", "2000")), deadline=None, suppress_health_check=list(HealthCheck)
)

# Characters that matter to a TOML or JSON reader, and to a terminal.
NASTY = st.sampled_from(
    list("[]{}\"'=#.,\\\n\r\t 0123456789-:TZ+eE_") + ["\x1b", "\x07", "\x9b", "\x00", "\ufeff", "\u202e", "é", "💥"]
)


def _check_space_text(text: str) -> None:
    result = parse_text(text, "fuzz.toml")
    problems = list(validate(result)) if result.space is not None else list(result.problems)
    for problem in problems:
        assert problem.line is not None and problem.line >= 1, problem
        shown = problem.as_text()
        assert RAW_CONTROL.search(shown) is None, shown
        assert "\n" not in shown
        json.dumps(problem.as_dict())


@st.composite
def mutated_space(draw: st.DrawFn) -> str:
    text = SAMPLE
    for _ in range(draw(st.integers(1, 6))):
        position = draw(st.integers(0, len(text)))
        action = draw(st.sampled_from(["insert", "delete", "replace", "repeat"]))
        chunk = draw(st.text(NASTY, min_size=1, max_size=8))
        if action == "insert":
            text = text[:position] + chunk + text[position:]
        elif action == "delete":
            text = text[:position] + text[position + len(chunk) :]
        elif action == "replace":
            text = text[:position] + chunk + text[position + len(chunk) :]
        else:  # a line repeated: duplicate keys and tables
            start = text.rfind("\n", 0, position) + 1
            end = text.find("\n", position)
            end = len(text) if end < 0 else end + 1
            text = text[:end] + text[start:end] + text[end:]
    return text


def _space_bytes(data: bytes) -> None:
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return  # load_space reports it as IDS001 (tested in test_hostile_input)
    _check_space_text(text)


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(NASTY),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(NASTY, max_size=6), children, max_size=4),
    max_leaves=12,
)
TIMES = st.sampled_from(
    ["2024-01-01T10:00:00Z", "2024-02-30T10:00:00Z", "2024-02-03T24:00:00Z", "0001-01-01T00:00:00+01:00", "x"]
) | st.text(NASTY, max_size=25)


@st.composite
def profile_line(draw: st.DrawFn) -> bytes:
    kind = draw(st.sampled_from(["profile", "change", "json", "bytes"]))
    if kind == "bytes":
        return draw(st.binary(max_size=80))
    if kind == "json":
        return json.dumps(draw(JSON_VALUES), ensure_ascii=draw(st.booleans())).encode("utf-8", "surrogatepass")
    if kind == "change":
        data: dict[str, object] = {"profile": draw(st.text(NASTY, max_size=6)), "at": draw(TIMES)}
        if draw(st.booleans()):
            data["traits"] = draw(JSON_VALUES)
        else:
            data["add_identifier"] = {"type": draw(st.text(NASTY, max_size=6)), "value": draw(st.text(NASTY))}
    else:
        identifiers = draw(
            st.lists(
                st.fixed_dictionaries(
                    {"type": st.sampled_from(["email", "user_id", "phone", "ios.idfa"]) | st.text(NASTY, max_size=5)},
                    optional={"value": st.text(NASTY, max_size=12) | JSON_VALUES, "added_at": TIMES},
                ),
                max_size=6,
            )
        )
        data = {"id": draw(st.text(NASTY, max_size=8)), "traits": draw(JSON_VALUES), "identifiers": identifiers}
    return json.dumps(data, ensure_ascii=draw(st.booleans())).encode("utf-8", "surrogatepass")


def _profile_lines(lines: list[bytes]) -> None:
    reader = ProfileReader({})
    for number, raw in enumerate(lines, 1):
        item = reader.parse(raw, number)
        assert item is None or type(item) in (Profile, Change, BadLine)
        if isinstance(item, BadLine):
            assert item.line == number and RAW_CONTROL.search(inert(item.message, one_line=True)) is None
        again = parse_line(raw, number, {})  # stateless, deterministic
        assert type(again) is type(item) or isinstance(item, BadLine)


SIMULATE_SPACE = """version = 1
[space]
key = "fuzz"
name = "Fuzz"
profiles = "people.jsonl"

[[destinations]]
key = "fb"
type = "facebook_custom_audiences"
name = "FB"

[[destinations]]
key = "hook"
type = "actions"
name = "Hook"

[[audiences]]
key = "everyone"
name = "Everyone"

[[audiences.connections]]
destination = "fb"

[[audiences.connections]]
destination = "hook"
send_identify = true
"""


def _simulate(folder: Path, lines: list[bytes]) -> None:
    (folder / "space.toml").write_text(SIMULATE_SPACE)
    (folder / "people.jsonl").write_bytes(b"\n".join(lines) + b"\n")
    for fmt in ("text", "jsonl"):
        out, err = io.StringIO(), io.StringIO()
        code = main(["simulate", str(folder / "space.toml"), "--timeline", "--format", fmt], out, err)
        assert code == 0, err.getvalue()
        assert RAW_CONTROL.search(out.getvalue() + err.getvalue()) is None


# -- the bounded run (normal suite) ---------------------------------------------------------------------------------
@QUICK
@given(st.binary(max_size=300))
def test_random_bytes_through_the_loader_and_rules(data: bytes) -> None:
    _space_bytes(data)


@QUICK
@given(mutated_space())
def test_random_mutations_of_the_sample_space(text: str) -> None:
    _check_space_text(text)


@QUICK
@given(st.lists(profile_line(), max_size=8))
def test_random_profile_lines_through_the_reader(lines: list[bytes]) -> None:
    _profile_lines(lines)


@settings(QUICK, max_examples=15)
@given(st.lists(profile_line(), max_size=6))
def test_random_profile_lines_through_simulate(tmp_path_factory: pytest.TempPathFactory, lines: list[bytes]) -> None:
    _simulate(tmp_path_factory.mktemp("fuzz"), lines)


# -- the long run: pytest -m fuzz -----------------------------------------------------------------------------------
@pytest.mark.fuzz
@LONG
@given(st.binary(max_size=2000))
def test_fuzz_random_bytes(data: bytes) -> None:
    _space_bytes(data)


@pytest.mark.fuzz
@LONG
@given(mutated_space())
def test_fuzz_mutated_sample_space(text: str) -> None:
    _check_space_text(text)


@pytest.mark.fuzz
@LONG
@given(st.lists(profile_line(), max_size=20))
def test_fuzz_profile_lines(lines: list[bytes]) -> None:
    _profile_lines(lines)


@pytest.mark.fuzz
@settings(LONG, max_examples=max(LONG.max_examples // 10, 10))
@given(st.lists(profile_line(), max_size=12))
def test_fuzz_profile_lines_through_simulate(tmp_path_factory: pytest.TempPathFactory, lines: list[bytes]) -> None:
    _simulate(tmp_path_factory.mktemp("fuzz"), lines)
