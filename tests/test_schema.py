"""The JSON Schema of the space file: generated from the loader's tables and the catalogue, shipped in the package,
followed by the samples' `#:schema` line, and never stricter than `validate` (a hypothesis property)."""

from __future__ import annotations

import io
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import tomlkit
from hypothesis import HealthCheck, find, given, settings
from hypothesis import strategies as st

from idsync_tui import catalog
from idsync_tui.cli import main
from idsync_tui.rules import validate
from idsync_tui.schema import build_schema, schema_path, schema_text
from idsync_tui.space.loader import parse_text

REPO = Path(__file__).resolve().parent.parent
SAMPLES = REPO / "sample_spaces"
SCHEMA = build_schema()
VALIDATOR = jsonschema.Draft7Validator(SCHEMA)


def schema_accepts(text: str) -> bool:
    return VALIDATOR.is_valid(tomllib.loads(text))


def validate_accepts(text: str) -> bool:
    return not [p for p in validate(parse_text(text, "space.toml")) if p.is_error]


def test_the_command_prints_the_shipped_file() -> None:
    out = io.StringIO()
    assert main(["schema"], out=out) == 0
    assert out.getvalue() == schema_text()
    assert schema_path().read_text(encoding="utf-8") == out.getvalue(), "run: idsync-tui schema > " + str(
        SAMPLES / "space-file.schema.json"
    )


def test_the_schema_is_a_valid_draft7_schema() -> None:
    jsonschema.Draft7Validator.check_schema(SCHEMA)


def test_the_schema_lists_the_catalogue() -> None:
    definitions = SCHEMA["definitions"]
    assert definitions["destination"]["properties"]["type"]["enum"] == list(catalog.DESTINATION_TYPES)
    assert definitions["row"]["properties"]["strategy"]["enum"] == list(catalog.STRATEGIES)
    assert definitions["connection"]["properties"]["setup"]["enum"] == list(catalog.SETUPS)
    assert definitions["condition"]["properties"]["op"]["enum"] == list(catalog.CONDITION_OPS)
    assert definitions["facebook_custom_audiences_key"]["enum"] == list(catalog.FACEBOOK_KEYS)
    assert definitions["google_ads_remarketing_lists_key"]["enum"] == list(catalog.GOOGLE_KEYS)
    assert SCHEMA["properties"]["version"]["enum"] == list(catalog.SPACE_FILE_VERSIONS)


def test_every_sample_names_the_schema_on_its_first_line() -> None:
    for sample in sorted(SAMPLES.glob("*.toml")):
        first = sample.read_text(encoding="utf-8").splitlines()[0]
        assert first.startswith("#:schema "), sample.name
        target = sample.parent / first.removeprefix("#:schema ").strip()
        # the shipped schema itself (a link to it in the repository, a copy in an sdist)
        assert target.read_bytes() == schema_path().read_bytes(), sample.name


def _check_jsonschema() -> list[str]:
    found = shutil.which("check-jsonschema", path=str(Path(sys.executable).parent))
    if found is None:
        pytest.fail("check-jsonschema is a test dependency: pip install -e '.[test]'")
    return [found, "--schemafile", str(schema_path())]


def test_check_jsonschema_accepts_every_sample_validate_accepts_and_rejects_the_broken() -> None:
    samples = sorted(SAMPLES.glob("*.toml"))
    assert len(samples) >= 4
    for sample in samples:
        result = subprocess.run([*_check_jsonschema(), str(sample)], capture_output=True, text=True, timeout=120)
        if validate_accepts(sample.read_text(encoding="utf-8")):
            assert result.returncode == 0, f"{sample.name}: {result.stdout}{result.stderr}"
        else:  # every broken sample has a mistake the schema can see (a key, a type, a version, the syntax)
            assert result.returncode == 1, f"{sample.name}: {result.stdout}{result.stderr}"


HEAD = 'version = 1\n[space]\nkey = "s"\nname = "S"\n'
INVALID = {
    "unknown top-level table": HEAD + "[tool.x]\ny = 1\n",
    "version 2": HEAD.replace("version = 1", "version = 2"),
    "version as text": HEAD.replace("version = 1", 'version = "1"'),
    "no space": "version = 1\n",
    "space key with capitals": HEAD.replace('key = "s"', 'key = "Acme"'),
    "unknown destination type": HEAD + '[[destinations]]\nkey = "d"\ntype = "facebook"\nname = "D"\n',
    "google without external_id_type": HEAD
    + '[[destinations]]\nkey = "g"\ntype = "google_ads_remarketing_lists"\nname = "G"\n',
    "external_id_type on facebook": HEAD
    + '[[destinations]]\nkey = "f"\ntype = "facebook_custom_audiences"\nname = "F"\nexternal_id_type = "email"\n',
    "bad strategy": HEAD + '[[destinations]]\nkey = "b"\ntype = "actions"\nname = "B"\n'
    '[[audiences]]\nkey = "a"\nname = "A"\n[[audiences.connections]]\ndestination = "b"\n'
    '[[audiences.connections.identifiers]]\nsegment = "email"\ndestination = "email"\nstrategy = "newest"\n',
    "bool as text": HEAD + '[[destinations]]\nkey = "b"\ntype = "actions"\nname = "B"\n'
    '[[audiences]]\nkey = "a"\nname = "A"\n[[audiences.connections]]\ndestination = "b"\nsend_track = "yes"\n',
    "in with one value": HEAD + '[[audiences]]\nkey = "a"\nname = "A"\n'
    '[[audiences.conditions]]\ntrait = "plan"\nop = "in"\nvalue = "pro"\n',
    "comparison without value": HEAD + '[[audiences]]\nkey = "a"\nname = "A"\n'
    '[[audiences.conditions]]\ntrait = "plan"\nop = "="\n',
    "filter step with connections": HEAD + '[[journeys]]\nkey = "j"\nname = "J"\n[[journeys.steps]]\nkey = "f"\n'
    'type = "filter"\n[[journeys.steps.connections]]\ndestination = "b"\n',
    "country code with a plus": HEAD + 'default_phone_country_code = "+44"\n',
    "empty audience name": HEAD + '[[audiences]]\nkey = "a"\nname = ""\n',
    "identifier limit 0": HEAD + '[[identifiers]]\nkey = "phone"\nlimit = 0\n',
    "empty destination key in a row": HEAD + '[[destinations]]\nkey = "b"\ntype = "actions"\nname = "B"\n'
    '[[audiences]]\nkey = "a"\nname = "A"\n[[audiences.connections]]\ndestination = "b"\n'
    '[[audiences.connections.identifiers]]\nsegment = "email"\ndestination = " "\n',
}


@pytest.mark.parametrize("name", sorted(INVALID))
def test_the_schema_rejects_what_validate_rejects(name: str) -> None:
    text = INVALID[name]
    assert not validate_accepts(text)
    assert not schema_accepts(text)


# -- the property: whatever validate accepts, the schema accepts ------------------------------------------------

_words = st.sampled_from(["a", "acme", "b-1", "x.y", "A", "a b", "", " ", "crm_id", "phone", "[x]", "é", "a\n"])
_any_scalar = st.one_of(_words, st.integers(-3, 600), st.booleans(), st.floats(allow_nan=False, width=32))


_OFTEN = st.sampled_from([True] * 19 + [False])  # hypothesis favours the first element: the valid side
_RARELY = st.sampled_from([False] * 19 + [True])


def _mostly(valid: st.SearchStrategy[Any], wrong: st.SearchStrategy[Any] = _any_scalar) -> st.SearchStrategy[Any]:
    """Nineteen times in twenty a value the loader accepts, else anything: files validate accepts are then common."""
    return _OFTEN.flatmap(lambda ok: valid if ok else wrong)


def _maybe(draw: st.DrawFn, table: dict[str, Any], key: str, values: st.SearchStrategy[Any], odds: int = 2) -> None:
    """Sets `key` one time in `odds` (or, with odds=0, nineteen times in twenty: a required key)."""
    present = draw(_OFTEN) if odds == 0 else draw(st.integers(1, odds)) == 1
    if present:
        table[key] = draw(values)


def _extra_key(draw: st.DrawFn, table: dict[str, Any]) -> None:
    if draw(_RARELY) and draw(_RARELY):
        table[draw(st.sampled_from(["colour", "Setup", "tool"]))] = draw(_any_scalar)


@st.composite
def rows(draw: st.DrawFn, segments: list[str]) -> dict[str, Any]:
    row: dict[str, Any] = {}
    _maybe(draw, row, "segment", _mostly(st.sampled_from(segments)), 0)
    _maybe(draw, row, "destination", _mostly(st.sampled_from(["email_hash", "user", "phone_number"])), 0)
    _maybe(draw, row, "strategy", _mostly(st.sampled_from(catalog.STRATEGIES)))
    _extra_key(draw, row)
    return row


@st.composite
def connections(draw: st.DrawFn, destinations: list[str], segments: list[str]) -> dict[str, Any]:
    connection: dict[str, Any] = {}
    _maybe(draw, connection, "destination", _mostly(st.sampled_from([*destinations, "nowhere"])), 0)
    _maybe(draw, connection, "setup", _mostly(st.sampled_from(catalog.SETUPS)))
    for flag in ("send_identify", "send_mobile_ids", "live"):
        _maybe(draw, connection, flag, _mostly(st.booleans()), 4)
    _maybe(draw, connection, "send_track", _mostly(st.just(True)), 4)
    for event in ("enter_event", "exit_event"):
        _maybe(draw, connection, event, _mostly(_words), 4)
    _maybe(
        draw,
        connection,
        "identifiers",
        st.lists(rows(segments), min_size=1, max_size=4, unique_by=lambda row: str(row.get("segment"))),
        0,
    )
    _extra_key(draw, connection)
    return connection


@st.composite
def conditions(draw: st.DrawFn) -> dict[str, Any]:
    condition: dict[str, Any] = {}
    _maybe(draw, condition, "trait", _mostly(st.just("plan")), 0)
    op = draw(_mostly(st.sampled_from(catalog.CONDITION_OPS)))
    if draw(_OFTEN):
        condition["op"] = op
    if op in ("in", "not_in"):
        _maybe(draw, condition, "value", _mostly(st.lists(_any_scalar, max_size=2)), 0)
    elif op == "exists":
        _maybe(draw, condition, "value", _mostly(st.booleans()))
    else:
        _maybe(draw, condition, "value", _mostly(st.one_of(_words, st.integers(0, 900))), 0)
    _extra_key(draw, condition)
    return condition


@st.composite
def spaces(draw: st.DrawFn) -> dict[str, Any]:
    data: dict[str, Any] = {}
    _maybe(draw, data, "version", _mostly(st.just(1), st.sampled_from([2, "1", 0])), 0)
    if draw(_OFTEN):
        space: dict[str, Any] = {}
        _maybe(draw, space, "key", _mostly(st.sampled_from(["acme-prod", "s"]), _words), 0)
        _maybe(draw, space, "name", _mostly(_words), 0)
        _maybe(draw, space, "include_anonymous", _mostly(st.booleans()), 4)
        _maybe(draw, space, "default_phone_country_code", _mostly(st.sampled_from(["1", "44", "353"]), _words), 4)
        _extra_key(draw, space)
        data["space"] = space
    custom = draw(st.lists(st.sampled_from(["phone", "crm_id", "loyalty.id"]), max_size=2, unique=True))
    if custom:
        data["identifiers"] = []
        for key in custom:
            identifier: dict[str, Any] = {"key": draw(_mostly(st.just(key), _words))}
            _maybe(draw, identifier, "limit", _mostly(st.integers(1, 6), st.integers(-1, 0)))
            _extra_key(draw, identifier)
            data["identifiers"].append(identifier)
    destinations = []
    for index in range(draw(st.sampled_from([1, 2, 3, 0]))):
        destination: dict[str, Any] = {"key": f"d{index}", "name": "D"}
        kind = draw(_mostly(st.sampled_from([catalog.ACTIONS, catalog.FUNCTION, catalog.CLASSIC]), _words))
        destination["type"] = kind
        if kind == catalog.GOOGLE or draw(_RARELY):
            destination["external_id_type"] = draw(_mostly(st.sampled_from(catalog.GOOGLE_EXTERNAL_ID_TYPES)))
        _extra_key(draw, destination)
        destinations.append(destination)
    if destinations:
        data["destinations"] = destinations
    keys = [d["key"] for d in destinations]
    segments = ["email", "user_id", *custom]
    audiences = []
    for index in range(draw(st.sampled_from([1, 2, 0]))):
        audience: dict[str, Any] = {"key": draw(_mostly(st.just(f"a{index}"), _words)), "name": "A"}
        _maybe(draw, audience, "conditions", st.lists(conditions(), max_size=2))
        if keys:
            _maybe(draw, audience, "connections", st.lists(connections(keys, segments), min_size=1, max_size=2), 0)
        _extra_key(draw, audience)
        audiences.append(audience)
    if audiences:
        data["audiences"] = audiences
    if draw(st.booleans()):
        steps = []
        for index in range(draw(st.integers(0, 2))):
            kind = draw(_mostly(st.sampled_from(catalog.STEP_TYPES)))
            step: dict[str, Any] = {"key": f"s{index}", "type": kind}
            if kind == "filter" or draw(_RARELY):
                _maybe(draw, step, "conditions", st.lists(conditions(), max_size=1))
            if (kind == "send" and keys) or draw(_RARELY):
                _maybe(draw, step, "connections", st.lists(connections(keys or ["x"], segments), max_size=1))
            steps.append(step)
        data["journeys"] = [{"key": "j", "name": "J", "steps": steps}]
    _extra_key(draw, data)
    return data


def _text(data: dict[str, Any]) -> str:
    return tomlkit.dumps(data)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(spaces())
def test_every_file_validate_accepts_the_schema_accepts(data: dict[str, Any]) -> None:
    text = _text(data)
    if validate_accepts(text):
        errors = [e.message for e in VALIDATOR.iter_errors(tomllib.loads(text))]
        assert not errors, text


def test_the_generator_makes_files_validate_accepts_and_files_it_rejects() -> None:
    """The property above is not vacuous: its generator reaches both sides."""
    settings_ = settings(max_examples=600, deadline=None, database=None)
    find(
        spaces(),
        lambda d: (
            validate_accepts(_text(d))
            and any(c.get("identifiers") for a in d.get("audiences", []) for c in a.get("connections", []))
        ),
        settings=settings_,
    )
    find(spaces(), lambda d: not validate_accepts(_text(d)) and schema_accepts(_text(d)) is False, settings=settings_)


def test_schema_output_option_writes_the_file(tmp_path: Path) -> None:
    target = tmp_path / "space-file.schema.json"
    assert main(["schema", "-o", str(target)], out=io.StringIO()) == 0
    assert target.read_text(encoding="utf-8") == schema_text()
    err = io.StringIO()
    assert main(["schema", "-o", str(tmp_path / "no" / "such" / "x.json")], out=io.StringIO(), err=err) == 2
    assert "cannot write" in err.getvalue()


def test_the_demo_working_copy_finds_its_schema(tmp_path: Path) -> None:
    from idsync_tui.cli import copy_demo

    space = copy_demo(tmp_path / "demo")
    first = space.read_text(encoding="utf-8").splitlines()[0]
    target = space.parent / first.removeprefix("#:schema ").strip()
    assert target.read_bytes() == schema_path().read_bytes()
