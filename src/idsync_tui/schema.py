"""`idsync-tui schema`: the JSON Schema of the space file, for editors (taplo / Even Better TOML) and CI.

Generated, never written by hand: from the loader's field tables (`space/loader.py`: every key, its kind, whether it
is required, its choices, its pattern) and the catalogue (destination types, strategies, setups, ops, the Facebook
and Google key lists). So the schema cannot disagree with `validate`: what `validate` accepts without an error,
the schema accepts (tests/test_schema.py checks it on generated files). The schema says less than `validate` where
JSON Schema cannot see across tables (a row's destination key is checked against its destination's type by IDS105)
or count (IDS103). The package ships the output as `space-file.schema.json`; a test keeps the two equal.
The file format is described in docs/space-file.md.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any, TextIO

from idsync_tui import catalog
from idsync_tui.space import loader
from idsync_tui.space.loader import FieldSpec

SCHEMA_FILE = "space-file.schema.json"

_JSON_TYPES = {"str": "string", "int": "integer", "bool": "boolean", "array": "array", "table": "object"}

# One definition per table of the loader, by name (the same table may be used twice: conditions, connections).
_TABLES: tuple[tuple[str, Mapping[str, FieldSpec]], ...] = (
    ("space", loader.SPACE_FIELDS),
    ("identifier", loader.IDENTIFIER_FIELDS),
    ("destination", loader.DESTINATION_FIELDS),
    ("condition", loader.CONDITION_FIELDS),
    ("row", loader.ROW_FIELDS),
    ("connection", loader.CONNECTION_FIELDS),
    ("audience", loader.AUDIENCE_FIELDS),
    ("step", loader.STEP_FIELDS),
    ("journey", loader.JOURNEY_FIELDS),
)


def schema_path() -> Path:
    """The schema file shipped in the package."""
    return Path(__file__).resolve().parent / SCHEMA_FILE


def _name_of(fields: Mapping[str, FieldSpec]) -> str:
    for name, table in _TABLES:
        if table is fields:
            return name
    raise ValueError("a loader table without a schema definition; add it to schema._TABLES")


def _field(spec: FieldSpec) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if spec.doc:
        out["description"] = spec.doc
    if spec.kind == "tables":
        assert spec.fields is not None
        out["type"] = "array"
        out["items"] = {"$ref": f"#/definitions/{_name_of(spec.fields)}"}
        return out
    if spec.kind == "table" and spec.fields is not None:
        out["$ref"] = f"#/definitions/{_name_of(spec.fields)}"
        return out
    if spec.kind in _JSON_TYPES:
        out["type"] = _JSON_TYPES[spec.kind]
    if spec.choices is not None:
        out["enum"] = list(spec.choices)
    if spec.nonempty:
        out["minLength"] = 1
    if spec.pattern is not None:
        out["pattern"] = f"^(?:{spec.pattern.pattern})$"  # the loader uses fullmatch
    if spec.minimum is not None:
        out["minimum"] = spec.minimum
    return out


def _table(fields: Mapping[str, FieldSpec], description: str = "") -> dict[str, Any]:
    out: dict[str, Any] = {"type": "object"}
    if description:
        out["description"] = description
    out["properties"] = {key: _field(spec) for key, spec in fields.items()}
    required = [key for key, spec in fields.items() if spec.required]
    if required:
        out["required"] = required
    out["additionalProperties"] = False
    return out


def _when(
    prop: str, values: list[Any], then: dict[str, Any], otherwise: dict[str, Any] | None = None
) -> dict[str, Any]:
    """if `prop` is one of `values` then `then` (else `otherwise`): how JSON Schema says a key depends on another."""
    rule: dict[str, Any] = {
        "if": {"properties": {prop: {"enum": values}}, "required": [prop]},
        "then": then,
    }
    if otherwise is not None:
        rule["else"] = otherwise
    return rule


def _forbid(key: str) -> dict[str, Any]:
    return {"not": {"required": [key]}}


def build_schema() -> dict[str, Any]:
    """The JSON Schema (draft-07, what taplo and Even Better TOML read) of a space file."""
    definitions: dict[str, Any] = {name: _table(fields) for name, fields in _TABLES}

    # Each rule below is one the loader checks in code (space/loader.py), said the way JSON Schema can.
    definitions["destination"]["allOf"] = [
        # external_id_type: required for Google, refused elsewhere.
        _when("type", [catalog.GOOGLE], {"required": ["external_id_type"]}, _forbid("external_id_type")),
    ]
    one_value = [op for op in catalog.CONDITION_OPS if op not in ("in", "not_in", "exists")]
    definitions["condition"]["allOf"] = [
        _when("op", ["in", "not_in"], {"properties": {"value": {"type": "array"}}}),
        _when("op", ["exists"], {"properties": {"value": {"type": "boolean"}}}),
        _when(
            "op", one_value, {"required": ["value"], "properties": {"value": {"not": {"type": ["array", "object"]}}}}
        ),
    ]
    definitions["step"]["allOf"] = [
        _when("type", ["filter"], _forbid("connections")),
        _when("type", ["send"], _forbid("conditions")),
    ]
    # IDS109: a destination identifier must not be empty or only spaces.
    definitions["row"]["properties"]["destination"]["pattern"] = r"\S"
    definitions["row"]["properties"]["destination"]["examples"] = list(
        dict.fromkeys([*catalog.FACEBOOK_KEYS, *catalog.GOOGLE_KEYS])
    )
    definitions["row"]["properties"]["segment"]["examples"] = list(catalog.DEFAULT_IDENTIFIERS)
    # The dropdowns, for reference (a row's key depends on its destination's type, in another table: IDS105).
    definitions["facebook_custom_audiences_key"] = {
        "description": "the keys Facebook Custom Audiences offers (IDS105)",
        "enum": list(catalog.FACEBOOK_KEYS),
    }
    definitions["google_ads_remarketing_lists_key"] = {
        "description": "the keys Google Ads Remarketing Lists offers (IDS105)",
        "enum": list(catalog.GOOGLE_KEYS),
    }
    definitions["default_identifier"] = {
        "description": "identifiers built into every space; others are declared under [[identifiers]]",
        "enum": list(catalog.DEFAULT_IDENTIFIERS),
    }

    top = _table(loader.TOP_FIELDS)
    top["properties"]["version"]["enum"] = list(catalog.SPACE_FILE_VERSIONS)  # IDS003
    return {
        "$schema": "http://json-schema.org/draft-07/schema#",
        "title": "idsync-tui space file",
        "description": "An ID Sync space: destinations, audiences, journeys and their ID Sync rows. "
        "Generated by `idsync-tui schema`; the format is described in docs/space-file.md.",
        **{k: v for k, v in top.items() if k != "description"},
        "definitions": definitions,
    }


def schema_text() -> str:
    """The schema as the file holds it: stable key order, two-space indent, a final newline."""
    return json.dumps(build_schema(), indent=2, ensure_ascii=False) + "\n"


HELP = (
    "Print the JSON Schema of the space file (the same file ships in the package as space-file.schema.json).",
    (
        "idsync-tui schema > space-file.schema.json   # then: #:schema space-file.schema.json atop a space file",
        "idsync-tui schema -o schemas/space-file.schema.json",
    ),
    ("0 printed or written", "2 usage, or the output file cannot be written"),
)


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("-o", "--output", metavar="FILE", help="write the schema to FILE instead of printing it")


def run(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    text = schema_text()
    if args.output is None:
        out.write(text)
        return 0
    try:
        Path(args.output).write_text(text, encoding="utf-8")
    except OSError as error:
        print(f"idsync-tui schema: cannot write {args.output}: {error.strerror or error}", file=err)
        return 2
    return 0
