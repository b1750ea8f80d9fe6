"""Reads a space file into the immutable model, reporting IDS001-IDS004 with file, line, place and a fix.

The read path is `toml_read` (tomli, compiled: far faster than tomlkit); line numbers come from `lines.py`.
Loading never raises for bad content: it returns every problem it found and the best model it could build,
so that the app can still open a file with errors. Only a file that cannot be read at all (missing, a folder,
no permission, too large) raises `SpaceReadError`.
"""

from __future__ import annotations

import contextlib
import dataclasses
import difflib
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from idsync_tui import catalog
from idsync_tui.space import files
from idsync_tui.space.lines import build_line_index, first_line_under, header_index, line_of
from idsync_tui.space.model import (
    Audience,
    Condition,
    Connection,
    CustomIdentifier,
    DataPath,
    Destination,
    IdRow,
    Journey,
    Space,
    Step,
)
from idsync_tui.space.problems import Problem
from idsync_tui.space.toml_read import MAX_FILE_BYTES, UTF8_BOM, TomlError, toml_loads

# Whole-value patterns (used with fullmatch; the JSON Schema anchors them with ^(?:...)$).
SPACE_KEY_PATTERN = re.compile(r"[a-z0-9][a-z0-9_-]*")
CUSTOM_IDENTIFIER_PATTERN = re.compile(r"[a-z0-9][a-z0-9_.-]*")
ENTITY_KEY_PATTERN = re.compile(r"[^\s\[\]]+")


class SpaceReadError(Exception):
    """The file cannot be read at all (exit 2 in the CLI). The message says what and what to do."""


@dataclass(frozen=True, slots=True)
class FieldSpec:
    """One key of a table, as the loader checks it. `schema.py` turns these same tables into the JSON Schema that
    editors use, so the schema and `validate` read one description of the file (docs/space-file.md)."""

    kind: str  # "str" | "int" | "bool" | "array" | "table" | "tables" | "scalar" | "any"
    required: bool = False
    choices: tuple[str, ...] | tuple[int, ...] | None = None
    nonempty: bool = False  # an empty string is reported like a missing key (docs/rules.md, IDS002)
    fields: Mapping[str, FieldSpec] | None = None  # the keys of a "table" / each of "tables"
    pattern: re.Pattern[str] | None = None  # a value's whole form (fullmatch)
    minimum: int | None = None  # an integer's least value
    doc: str = ""  # one line for the schema's description (editors show it on hover)


# A country calling code: 1 to 3 digits, never starting with 0 (1 for the US and Canada, 44 for the UK, ...).
COUNTRY_CODE_PATTERN = re.compile(r"[1-9][0-9]{0,2}")

SPACE_FIELDS = {
    "key": FieldSpec(
        "str", required=True, nonempty=True, pattern=SPACE_KEY_PATTERN, doc="the space's key, e.g. acme-prod"
    ),
    "name": FieldSpec("str", required=True, nonempty=True, doc="the space's name"),
    "profiles": FieldSpec("str", doc="sample profiles (JSON Lines) for the simulator, relative to this file"),
    "include_anonymous": FieldSpec("bool", doc="anonymous_id alone qualifies a profile (default false)"),
    "default_phone_country_code": FieldSpec(
        "str",
        pattern=COUNTRY_CODE_PATTERN,
        doc='prefixed to phone numbers written without a country code, e.g. "1" or "44"',
    ),
}
IDENTIFIER_FIELDS = {
    "key": FieldSpec(
        "str", required=True, nonempty=True, pattern=CUSTOM_IDENTIFIER_PATTERN, doc="a custom identifier, e.g. phone"
    ),
    "limit": FieldSpec("int", minimum=1, doc=f"values kept per profile (default {catalog.DEFAULT_LIMIT})"),
}
DESTINATION_FIELDS = {
    "key": FieldSpec("str", required=True, nonempty=True, pattern=ENTITY_KEY_PATTERN, doc="the key connections use"),
    "type": FieldSpec(
        "str", required=True, choices=catalog.DESTINATION_TYPES, nonempty=True, doc="the destination's kind"
    ),
    "name": FieldSpec("str", required=True, nonempty=True, doc="the destination's name"),
    "external_id_type": FieldSpec(
        "str", choices=catalog.GOOGLE_EXTERNAL_ID_TYPES, doc="Google Ads Remarketing Lists only: the list's matcher"
    ),
}
CONDITION_FIELDS = {
    "trait": FieldSpec("str", required=True, nonempty=True, doc="the trait compared"),
    "op": FieldSpec("str", required=True, choices=catalog.CONDITION_OPS, doc="the comparison"),
    "value": FieldSpec("any", doc="what the trait is compared with (an array for in / not_in)"),
}
ROW_FIELDS = {
    "segment": FieldSpec("str", required=True, nonempty=True, doc="a default or declared custom identifier"),
    "destination": FieldSpec("str", required=True, doc="the destination's identifier (Facebook / Google: its list)"),
    "strategy": FieldSpec(
        "str", choices=catalog.STRATEGIES, doc=f"which values are sent (default {catalog.DEFAULT_STRATEGY})"
    ),
}
CONNECTION_FIELDS = {
    "destination": FieldSpec("str", required=True, nonempty=True, doc="a destinations key"),
    "setup": FieldSpec("str", choices=catalog.SETUPS, doc="default or customized (ID Sync rows apply)"),
    "send_identify": FieldSpec("bool", doc="send Identify calls (default false)"),
    "send_track": FieldSpec("bool", doc="send Track calls (default true)"),
    "send_mobile_ids": FieldSpec("bool", doc="send ios.idfa / android.idfa (default false)"),
    "enter_event": FieldSpec("str", doc=f"Track event on enter (default {catalog.DEFAULT_ENTER_EVENT})"),
    "exit_event": FieldSpec("str", doc=f"Track event on exit (default {catalog.DEFAULT_EXIT_EVENT})"),
    "live": FieldSpec("bool", doc="already syncing in production (IDS207)"),
    "identifiers": FieldSpec("tables", fields=ROW_FIELDS, doc="ID Sync rows, in order"),
}
AUDIENCE_FIELDS = {
    "key": FieldSpec(
        "str", required=True, nonempty=True, pattern=ENTITY_KEY_PATTERN, doc="the audience key sent downstream"
    ),
    "name": FieldSpec("str", required=True, nonempty=True, doc="the audience's name"),
    "conditions": FieldSpec("tables", fields=CONDITION_FIELDS, doc="all must hold for a profile to be a member"),
    "connections": FieldSpec("tables", fields=CONNECTION_FIELDS, doc="destinations the audience syncs to"),
}
STEP_FIELDS = {
    "key": FieldSpec("str", required=True, nonempty=True, pattern=ENTITY_KEY_PATTERN, doc="the step's key"),
    "type": FieldSpec(
        "str", required=True, choices=catalog.STEP_TYPES, nonempty=True, doc="filter (conditions) or send"
    ),
    "conditions": FieldSpec("tables", fields=CONDITION_FIELDS, doc="filter steps: all must hold"),
    "connections": FieldSpec("tables", fields=CONNECTION_FIELDS, doc="send steps: destinations"),
}
JOURNEY_FIELDS = {
    "key": FieldSpec("str", required=True, nonempty=True, pattern=ENTITY_KEY_PATTERN, doc="the journey's key"),
    "name": FieldSpec("str", required=True, nonempty=True, doc="the journey's name"),
    "steps": FieldSpec("tables", fields=STEP_FIELDS, doc="the journey's steps, in order"),
}
TOP_FIELDS = {
    # Its values (catalog.SPACE_FILE_VERSIONS) are checked by `build` as IDS003, not as a choice (IDS002).
    "version": FieldSpec("int", required=True, doc="the file format's version"),
    "space": FieldSpec("table", required=True, fields=SPACE_FIELDS, doc="the space itself"),
    "identifiers": FieldSpec("tables", fields=IDENTIFIER_FIELDS, doc="custom identifiers"),
    "destinations": FieldSpec("tables", fields=DESTINATION_FIELDS, doc="destinations added to the space"),
    "audiences": FieldSpec("tables", fields=AUDIENCE_FIELDS, doc="audiences and their connections"),
    "journeys": FieldSpec("tables", fields=JOURNEY_FIELDS, doc="journeys, their steps and connections"),
}

_KIND_WORDS = {
    "str": "a string",
    "int": "an integer",
    "bool": "true or false",
    "array": "an array",
    "table": "a table",
    "tables": "an array of tables ([[...]])",
}


def _type_word(value: Any) -> str:
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, int):
        return "an integer"
    if isinstance(value, float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "an array"
    if isinstance(value, dict):
        return "a table"
    return type(value).__name__


def _scalar(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _matches(kind: str, value: Any) -> bool:
    if kind == "any":
        return True
    if kind == "str":
        return isinstance(value, str)
    if kind == "int":
        return isinstance(value, int) and not isinstance(value, bool)
    if kind == "bool":
        return isinstance(value, bool)
    if kind == "table":
        return isinstance(value, dict)
    if kind == "tables":
        return isinstance(value, list) and all(isinstance(item, dict) for item in value)
    if kind == "array":
        return isinstance(value, list)
    raise ValueError(kind)


# The TOML parser's own types: a value of exactly this type is well-typed (bool is not int here: type(True) is bool).
_EXACT_TYPES: dict[str, type] = {"str": str, "int": int, "bool": bool, "table": dict, "array": list}


_REQUIRED: dict[int, tuple[Mapping[str, FieldSpec], tuple[str, ...]]] = {}


def _required(fields: Mapping[str, FieldSpec]) -> tuple[str, ...]:
    """The required keys of a table's fields, in order (worked out once per fields table: they are module constants)."""
    found = _REQUIRED.get(id(fields))
    if found is None or found[0] is not fields:
        found = _REQUIRED[id(fields)] = (fields, tuple(key for key, spec in fields.items() if spec.required))
    return found[1]


def _exactly(kind: str, value: Any) -> bool:
    """A fast yes for `_matches`: True only when `value` is of `kind`'s exact type (False means: ask `_matches`)."""
    if kind == "tables":
        return type(value) is list and all([type(item) is dict for item in value])
    return kind == "any" or type(value) is _EXACT_TYPES.get(kind)


def nearest(word: str, choices: tuple[str, ...] | list[str] | Any) -> str | None:
    """The choice `word` most likely meant (the same but for case, else the closest spelling), or None."""
    names = [str(c) for c in choices]
    folded = str(word).strip().casefold()
    for name in names:  # a difference of case only (EMAIL for email), which difflib scores as no match at all
        if name.casefold() == folded:
            return name
    close = difflib.get_close_matches(str(word), names, n=1, cutoff=0.6)
    return close[0] if close else None


def did_you_mean(word: str, choices: tuple[str, ...] | list[str] | Any) -> str:
    """` Did you mean "x"?` for the nearest choice, or an empty string when nothing is close."""
    name = nearest(word, choices)
    return f' Did you mean "{name}"?' if name is not None else ""


def _quoted_list(choices: tuple[Any, ...]) -> str:
    return ", ".join(f'"{c}"' for c in choices)


@dataclass
class LoadResult:
    """What `load_*` returns: the model (None when the file could not be parsed), problems, the text."""

    space: Space | None
    problems: list[Problem] = field(default_factory=list)
    text: str | None = None
    data: dict[str, Any] | None = None


class _Builder:
    """Turns the parsed TOML data into the model, collecting every problem instead of stopping at the first."""

    def __init__(self, data: dict[str, Any], text: str, path: str, headers: dict[DataPath, int] | None = None) -> None:
        self.data = data
        self.text = text
        # The model's objects are table entries: their lines come from the headers (fast; `headers` when the
        # caller has them already); a problem at a key needs the full scan, made the first time one is reported.
        self._full_lines: dict[DataPath, int] | None = None
        if headers is None and text:
            headers = header_index(text, data)
        self.lines = headers if headers is not None else self.full_lines()
        self.path = path
        self.problems: list[Problem] = []

    def full_lines(self) -> dict[DataPath, int]:
        if self._full_lines is None:
            self._full_lines = build_line_index(self.text)
        return self._full_lines

    # -- reporting ---------------------------------------------------------------------------------------
    def report(self, code: str, message: str, data_path: DataPath, where: str) -> None:
        # The top level has no line of its own: its problems (a missing [space]) are reported at line 1.
        line = None
        if data_path:
            index = self.full_lines()
            # A key brought in only by a header or a dotted key has no line: the first line inside it is where.
            line = index.get(data_path) or first_line_under(index, data_path) or line_of(index, data_path)
        self.problems.append(Problem(code, message, where, line or 1, None, self.path))

    def line(self, data_path: DataPath) -> int | None:
        return line_of(self.lines, data_path)

    # -- schema ------------------------------------------------------------------------------------------
    def check_table(
        self, table: Mapping[str, Any], fields: Mapping[str, FieldSpec], data_path: DataPath, where: str
    ) -> dict[str, Any]:
        """The table's values that are well-typed; reports unknown keys, wrong types, bad choices, missing keys."""
        good: dict[str, Any] = {}
        label = where or "the top level"
        for key, value in table.items():
            spec = fields.get(key)
            if (
                spec is not None
                and (type(value) is _EXACT_TYPES.get(spec.kind) or _exactly(spec.kind, value))
                and (value or not spec.nonempty)
                and (spec.choices is None or value in spec.choices)
            ):
                good[key] = value  # the usual case, decided without building a path or a message
                continue
            key_path = (*data_path, key)
            if spec is None:
                hint = did_you_mean(key, tuple(fields))
                known = ", ".join(fields)
                self.report(
                    "IDS002",
                    f'unknown key "{key}" in {label}.{hint or f" Known keys here: {known}."}',
                    key_path,
                    where,
                )
                continue
            if not _matches(spec.kind, value):
                quote = f' (write it in quotes: {key} = "{value}")' if spec.kind == "str" and _scalar(value) else ""
                self.report(
                    "IDS002",
                    f'"{key}" in {label} must be {_KIND_WORDS[spec.kind]}, not {_type_word(value)}{quote}',
                    key_path,
                    where,
                )
                continue
            if spec.nonempty and value == "":
                self.report(
                    "IDS002",
                    f'"{key}" in {label} is empty, and it is required: give it a value ({key} = "...")',
                    key_path,
                    where,
                )
                continue
            if spec.choices is not None and value not in spec.choices:
                self.report(
                    "IDS002",
                    f'"{key}" = "{value}" in {label} is not one of {_quoted_list(spec.choices)}.'
                    f"{did_you_mean(value, spec.choices)}",
                    key_path,
                    where,
                )
                continue
            good[key] = value
        for key in _required(fields):
            if key not in table:
                self.report("IDS002", f'{label} is missing the required key "{key}"', data_path, where)
        return good

    def check_key(
        self, value: str, pattern: re.Pattern[str] | None, what: str, data_path: DataPath, where: str
    ) -> None:
        if value and pattern is not None and not pattern.fullmatch(value):
            self.report("IDS002", f'{what} "{value}" {_PATTERN_HINTS[pattern.pattern]}', (*data_path, "key"), where)

    def duplicates(self, items: list[tuple[str, DataPath, str]], what: str) -> None:
        if len({key for key, _, _ in items}) == len(items):  # the usual case, checked without building a report
            return
        seen: dict[str, DataPath] = {}
        for key, data_path, where in items:
            if key in seen:
                first = self.line(seen[key])
                at = f" (first at line {first})" if first else ""
                self.report("IDS004", f'{what} "{key}" is defined twice{at}; keys must be unique', data_path, where)
            else:
                seen[key] = data_path

    def tables(self, good: dict[str, Any], key: str) -> list[tuple[int, dict[str, Any]]]:
        return list(enumerate(good.get(key, [])))

    # -- building ----------------------------------------------------------------------------------------
    def build(self) -> Space:
        top = self.check_table(self.data, TOP_FIELDS, (), "")
        version = top.get("version")
        # A missing version is IDS003, not a plain missing key.
        self.problems = [
            Problem("IDS003", _VERSION_MISSING, "", 1, None, self.path)
            if p.code == "IDS002" and p.message.endswith('required key "version"')
            else p
            for p in self.problems
        ]
        if version is not None and version not in catalog.SPACE_FILE_VERSIONS:
            self.report(
                "IDS003",
                f"version = {version} is not a version this program reads (it reads "
                f"{', '.join(map(str, catalog.SPACE_FILE_VERSIONS))}); upgrade idsync-tui or fix the number",
                ("version",),
                "version",
            )

        space_table = (
            self.check_table(top.get("space", {}), SPACE_FIELDS, ("space",), "space") if "space" in top else {}
        )
        space_key = space_table.get("key", "")
        self.check_key(space_key, SPACE_FIELDS["key"].pattern, "space key", ("space",), "space")
        country_code = self.check_country_code(space_table)

        identifiers = tuple(self.build_identifier(i, t) for i, t in self.tables(top, "identifiers"))
        destinations = tuple(self.build_destination(i, t) for i, t in self.tables(top, "destinations"))
        audiences = tuple(self.build_audience(i, t) for i, t in self.tables(top, "audiences"))
        journeys = tuple(self.build_journey(i, t) for i, t in self.tables(top, "journeys"))

        self.check_duplicates(identifiers, destinations, audiences, journeys)

        return Space(
            key=space_key,
            name=space_table.get("name", ""),
            version=version if isinstance(version, int) else 1,
            profiles=space_table.get("profiles"),
            include_anonymous=space_table.get("include_anonymous", False),
            default_phone_country_code=country_code,
            identifiers=identifiers,
            destinations=destinations,
            audiences=audiences,
            journeys=journeys,
            file=Path(self.path) if self.path else None,
            line=self.line(("space",)),
        )

    def check_country_code(self, space_table: dict[str, Any]) -> str | None:
        """`default_phone_country_code`: the digits of a country calling code, or None (IDS002 when malformed)."""
        code = space_table.get("default_phone_country_code")
        if code is None or COUNTRY_CODE_PATTERN.fullmatch(code):
            return code
        digits = "".join(c for c in code if c in "0123456789").lstrip("0")
        example = digits if digits and COUNTRY_CODE_PATTERN.fullmatch(digits) else "44"
        self.report(
            "IDS002",
            f'default_phone_country_code = "{code}" in space must be a country calling code, 1 to 3 digits '
            f'without + or leading zeros (e.g. "1" for the US, "44" for the UK): write default_phone_country_code = '
            f'"{example}"',
            ("space", "default_phone_country_code"),
            "space",
        )
        return None

    def check_duplicates(
        self,
        identifiers: tuple[CustomIdentifier, ...],
        destinations: tuple[Destination, ...],
        audiences: tuple[Audience, ...],
        journeys: tuple[Journey, ...],
    ) -> None:
        """IDS004 across the whole space: keys used twice, a default identifier declared, a destination twice."""
        self.duplicates([(x.key, x.path, x.where) for x in identifiers if x.key], "custom identifier")
        for identifier in identifiers:
            if identifier.key in catalog.DEFAULT_IDENTIFIERS:
                self.report(
                    "IDS004",
                    f'"{identifier.key}" is a default identifier, built into every space; '
                    "remove it from [[identifiers]]",
                    identifier.path,
                    identifier.where,
                )
        self.duplicates([(x.key, x.path, x.where) for x in destinations if x.key], "destination")
        self.duplicates([(x.key, x.path, x.where) for x in audiences if x.key], "audience")
        self.duplicates([(x.key, x.path, x.where) for x in journeys if x.key], "journey")
        for journey in journeys:
            self.duplicates([(s.key, s.path, s.where) for s in journey.steps if s.key], f"step of {journey.where}")
        owners: list[Audience | Step] = [*audiences, *(step for journey in journeys for step in journey.steps)]
        for owner in owners:
            connections = owner.connections
            if len(connections) < 2 or len({c.destination for c in connections}) == len(connections):
                continue
            self.duplicates(
                [(c.destination, c.path, c.where) for c in connections if c.destination],
                f"connection of {owner.where} to destination",
            )

    def build_identifier(self, index: int, table: dict[str, Any]) -> CustomIdentifier:
        data_path: DataPath = ("identifiers", index)
        where = f"identifiers[{table.get('key') or index + 1}]"
        good = self.check_table(table, IDENTIFIER_FIELDS, data_path, where)
        key = good.get("key", "")
        self.check_key(key, IDENTIFIER_FIELDS["key"].pattern, "custom identifier", data_path, where)
        limit = good.get("limit", catalog.DEFAULT_LIMIT)
        if limit < (IDENTIFIER_FIELDS["limit"].minimum or 1):
            self.report("IDS002", f"limit = {limit} in {where} must be 1 or more", (*data_path, "limit"), where)
            limit = catalog.DEFAULT_LIMIT
        return CustomIdentifier(key, limit, data_path, where, self.line(data_path))

    def build_destination(self, index: int, table: dict[str, Any]) -> Destination:
        data_path: DataPath = ("destinations", index)
        where = f"destinations[{table.get('key') or index + 1}]"
        good = self.check_table(table, DESTINATION_FIELDS, data_path, where)
        key = good.get("key", "")
        self.check_key(key, DESTINATION_FIELDS["key"].pattern, "destination key", data_path, where)
        kind = good.get("type", table.get("type", ""))
        external_id_type = good.get("external_id_type")
        if kind == catalog.GOOGLE and external_id_type is None and "external_id_type" not in table:
            self.report(
                "IDS002",
                f'{where} is a Google Ads Remarketing Lists destination: add external_id_type = "email" or "mobile_id"',
                data_path,
                where,
            )
        elif kind != catalog.GOOGLE and "external_id_type" in table and isinstance(kind, str) and kind:
            self.report(
                "IDS002",
                f"external_id_type in {where} applies only to google_ads_remarketing_lists; remove it",
                (*data_path, "external_id_type"),
                where,
            )
        return Destination(
            key,
            kind if isinstance(kind, str) else "",
            good.get("name", ""),
            external_id_type,
            data_path,
            where,
            self.line(data_path),
        )

    def build_conditions(self, owner: dict[str, Any], data_path: DataPath, where: str) -> tuple[Condition, ...]:
        conditions = []
        for index, table in enumerate(owner.get("conditions", [])):
            c_path: DataPath = (*data_path, "conditions", index)
            c_where = f"{where}.conditions[{index + 1}]"
            good = self.check_table(table, CONDITION_FIELDS, c_path, c_where)
            op = good.get("op", "")
            value = good.get("value")
            if op in ("in", "not_in"):
                if "value" in good and not isinstance(value, list):
                    self.report(
                        "IDS002",
                        f'op "{op}" in {c_where} needs value to be an array, e.g. ["a", "b"]',
                        (*c_path, "value"),
                        c_where,
                    )
                    value = [value]
            elif op == "exists":
                if "value" in good and not isinstance(value, bool):
                    self.report(
                        "IDS002",
                        f'op "exists" in {c_where} takes no value, or true / false',
                        (*c_path, "value"),
                        c_where,
                    )
                    value = None
            elif op and "value" not in good:
                self.report("IDS002", f'{c_where} is missing the required key "value"', c_path, c_where)
            elif isinstance(value, list | dict):
                self.report(
                    "IDS002",
                    f'op "{op}" in {c_where} compares with one value, not {_type_word(value)}',
                    (*c_path, "value"),
                    c_where,
                )
            conditions.append(Condition(good.get("trait", ""), op, value, c_path, c_where, self.line(c_path)))
        return tuple(conditions)

    def build_connections(self, owner: dict[str, Any], data_path: DataPath, where: str) -> tuple[Connection, ...]:
        connections = []
        for index, table in enumerate(owner.get("connections", [])):
            c_path: DataPath = (*data_path, "connections", index)
            c_where = f"{where}.connections[{table.get('destination') or index + 1}]"
            good = self.check_table(table, CONNECTION_FIELDS, c_path, c_where)
            rows = []
            for r_index, row in enumerate(good.get("identifiers", [])):
                r_path: DataPath = (*c_path, "identifiers", r_index)
                r_where = f"{c_where}.identifiers[{r_index + 1}]"
                r_good = self.check_table(row, ROW_FIELDS, r_path, r_where)
                rows.append(
                    IdRow(
                        r_good.get("segment", ""),
                        r_good.get("destination", ""),
                        r_good.get("strategy", catalog.DEFAULT_STRATEGY),
                        r_path,
                        r_where,
                        self.line(r_path),
                    )
                )
            connections.append(
                Connection(
                    destination=good.get("destination", ""),
                    setup=good.get("setup", "default"),
                    send_identify=good.get("send_identify", False),
                    send_track=good.get("send_track", True),
                    send_mobile_ids=good.get("send_mobile_ids", False),
                    enter_event=good.get("enter_event", catalog.DEFAULT_ENTER_EVENT),
                    exit_event=good.get("exit_event", catalog.DEFAULT_EXIT_EVENT),
                    live=good.get("live", False),
                    identifiers=tuple(rows),
                    path=c_path,
                    where=c_where,
                    line=self.line(c_path),
                )
            )
        return tuple(connections)

    def build_audience(self, index: int, table: dict[str, Any]) -> Audience:
        data_path: DataPath = ("audiences", index)
        where = f"audiences[{table.get('key') or index + 1}]"
        good = self.check_table(table, AUDIENCE_FIELDS, data_path, where)
        key = good.get("key", "")
        self.check_key(key, AUDIENCE_FIELDS["key"].pattern, "audience key", data_path, where)
        return Audience(
            key,
            good.get("name", ""),
            self.build_conditions(good, data_path, where),
            self.build_connections(good, data_path, where),
            data_path,
            where,
            self.line(data_path),
        )

    def build_journey(self, index: int, table: dict[str, Any]) -> Journey:
        data_path: DataPath = ("journeys", index)
        where = f"journeys[{table.get('key') or index + 1}]"
        good = self.check_table(table, JOURNEY_FIELDS, data_path, where)
        key = good.get("key", "")
        self.check_key(key, JOURNEY_FIELDS["key"].pattern, "journey key", data_path, where)
        steps = []
        for s_index, step in enumerate(good.get("steps", [])):
            s_path: DataPath = (*data_path, "steps", s_index)
            s_where = f"{where}.steps[{step.get('key') or s_index + 1}]"
            s_good = self.check_table(step, STEP_FIELDS, s_path, s_where)
            s_type = s_good.get("type", "")
            if s_type == "filter" and "connections" in s_good:
                self.report(
                    "IDS002",
                    f'{s_where} is a filter step: connections belong on send steps; set type = "send" or move them',
                    (*s_path, "connections"),
                    s_where,
                )
            if s_type == "send" and "conditions" in s_good:
                self.report(
                    "IDS002",
                    f"{s_where} is a send step: conditions belong on filter steps; "
                    'add a filter step before it or set type = "filter"',
                    (*s_path, "conditions"),
                    s_where,
                )
            self.check_key(s_good.get("key", ""), STEP_FIELDS["key"].pattern, "step key", s_path, s_where)
            steps.append(
                Step(
                    s_good.get("key", ""),
                    s_type,
                    self.build_conditions(s_good, s_path, s_where),
                    self.build_connections(s_good, s_path, s_where),
                    s_path,
                    s_where,
                    self.line(s_path),
                )
            )
        return Journey(key, good.get("name", ""), tuple(steps), data_path, where, self.line(data_path))


ENTITY_KINDS = ("identifiers", "destinations", "audiences", "journeys")


def rebuild_entry(
    space: Space, data: dict[str, Any], changed: DataPath, path: str = ""
) -> tuple[Space, list[Problem], list[Problem]] | None:
    """The space with the one top-level entry at `changed` (("audiences", 3)) rebuilt from `data`.

    Returns (space, that entry's loader problems, the space's IDS004 problems), or None when the change is not
    a single entry whose array kept its length (then the caller reloads everything). The rebuilt entry has no
    line numbers: there is no text for it yet. This is what keeps re-validation after an edit in a large space
    to a few milliseconds instead of a full re-parse.
    """
    if len(changed) < 2 or changed[0] not in ENTITY_KINDS or not isinstance(changed[1], int):
        return None
    kind, index = str(changed[0]), changed[1]
    tables = data.get(kind, [])
    current = getattr(space, kind)
    if not isinstance(tables, list) or len(tables) != len(current) or not 0 <= index < len(tables):
        return None
    if not isinstance(tables[index], dict):
        return None
    builder = _Builder(data, "", path)
    build: Callable[[int, dict[str, Any]], Any] = {
        "identifiers": builder.build_identifier,
        "destinations": builder.build_destination,
        "audiences": builder.build_audience,
        "journeys": builder.build_journey,
    }[kind]
    entries = list(current)
    entries[index] = build(index, tables[index])
    replaced: dict[str, Any] = {kind: tuple(entries)}
    rebuilt = dataclasses.replace(space, **replaced)
    entry_problems, builder.problems = builder.problems, []
    builder.check_duplicates(rebuilt.identifiers, rebuilt.destinations, rebuilt.audiences, rebuilt.journeys)
    return rebuilt, entry_problems, builder.problems


_VERSION_MISSING = 'the file has no "version"; add version = 1 as its first line'
_PATTERN_HINTS = {
    SPACE_KEY_PATTERN.pattern: "must be lower-case letters, digits, - and _, starting with a letter or digit",
    CUSTOM_IDENTIFIER_PATTERN.pattern: 'must be lower-case letters, digits, _, - and ., e.g. "crm_id"',
    ENTITY_KEY_PATTERN.pattern: "must not be empty or contain spaces or brackets",
}


def parse_text(text: str, path: str = "") -> LoadResult:
    """Loads a space file's text. Never raises for bad content."""
    if not text.strip().lstrip(UTF8_BOM):
        problem = Problem(
            "IDS003",
            "the file is empty; a space file starts with version = 1 and a [space] table (see sample_spaces/acme.toml)",
            "",
            1,
            None,
            path,
        )
        return LoadResult(None, [problem], text, None)
    try:
        data = toml_loads(text)
    except TomlError as error:
        place = f"line {error.line}" + (f", column {error.column}" if error.column is not None else "")
        problem = Problem(
            "IDS001",
            f"not valid TOML: {error.reason} ({place}); fix the syntax there",
            "",
            error.line,
            error.column,
            path,
        )
        return LoadResult(None, [problem], text, None)
    # A BOM is not part of line 1's key; the line numbers are the same without it.
    return parse_data(data, text[1:] if text.startswith(UTF8_BOM) else text, path)


def parse_data(
    data: dict[str, Any], text: str, path: str = "", headers: dict[DataPath, int] | None = None
) -> LoadResult:
    """Loads data already read from `text` by `toml_read.toml_loads` (the text gives the line numbers): no second parse.
    `headers`, when given, is `lines.header_index(text, data)` worked out already (space/parse_ahead.py)."""
    builder = _Builder(data, text, path, headers)
    space = builder.build()
    return LoadResult(space, builder.problems, text, data)


def read_bytes(path: Path) -> bytes:
    """The file's bytes, or `SpaceReadError` saying why it cannot be read. Only a regular file is read (a folder,
    FIFO, device or socket is refused, saying which), and never more than MAX_FILE_BYTES, whatever `stat` says."""
    try:
        return files.read_bounded(path, MAX_FILE_BYTES)
    except files.TooLarge:
        size = ""
        with contextlib.suppress(OSError):
            size = f"{path.stat().st_size / 1024 / 1024:.0f} MiB "
        raise SpaceReadError(
            f"{path}: {size}is larger than the {MAX_FILE_BYTES // 1024 // 1024} MiB a space file may be; "
            "is this the right file?"
        ) from None
    except files.NotReadable as error:
        what = str(error)
        if what.startswith("is a folder"):
            raise SpaceReadError(f"{path}: is a folder, not a space file; give the path of a .toml file") from None
        if what == "does not exist":
            raise SpaceReadError(f"{path}: no such file; check the path") from None
        if "permission denied" in what:
            raise SpaceReadError(f"{path}: permission denied; check the file's permissions") from None
        raise SpaceReadError(f"{path}: {what}; give the path of a space file (.toml)") from None
    except OSError as error:
        raise SpaceReadError(f"{path}: {files.reason(error)}") from None
    except ValueError as error:
        raise SpaceReadError(f"{path}: {files.reason(error)}") from None


def _utf8_problem(raw: bytes, error: UnicodeDecodeError, path: str) -> Problem:
    before = raw[: error.start]
    line = before.count(b"\n") + 1
    column = error.start - (before.rfind(b"\n") + 1) + 1
    return Problem(
        "IDS001",
        f"the file is not UTF-8 (byte 0x{raw[error.start]:02x} at line {line}, column {column}); save it as UTF-8",
        "",
        line,
        column,
        path,
    )


def load_space(path: str | Path) -> LoadResult:
    """Reads and loads a space file. Raises `SpaceReadError` only when the file cannot be read at all."""
    raw = read_bytes(Path(path))
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        return LoadResult(None, [_utf8_problem(raw, error, str(path))], None, None)
    # CRLF stays as it is: the parser accepts it and the store writes it back unchanged.
    return parse_text(text, str(path))
