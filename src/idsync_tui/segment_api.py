"""`idsync-tui import segment` and `idsync-tui export segment`: the space file and Segment's Public API.

The API exposes ID Sync as `idSyncConfiguration` on an audience's destination connection: rows of `externalId`,
`strategy` (`first` | `last` | `all`) and an optional `mapTo`, at most five; an omitted configuration is Segment's
default. The accepted shapes, and every choice made here, are in docs/segment-api.md.

Import reads the JSON a user saved from the API (the audiences list, and one destination-connections file per
audience) and writes a space file that validates. Nothing is dropped silently: what cannot be expressed becomes a
commented-out line in the file and a note on stderr. Export writes, per customized audience connection, the
request body that sets it, and a short plan; it refuses what the API cannot take (more than five rows, journeys).
"""

from __future__ import annotations

import argparse
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO, cast

from idsync_tui import catalog

API_ROW_LIMIT = 5  # idSyncConfiguration holds at most five rows (IDS209)

STRATEGY_FROM_API = {"first": "first_added", "last": "last_added", "all": "all"}
STRATEGY_TO_API = {value: key for key, value in STRATEGY_FROM_API.items()}

SLUG_TYPES = {"facebook-custom-audiences": catalog.FACEBOOK, "adwords-remarketing-lists": catalog.GOOGLE}

# Fields of the public model that say nothing about ID Sync: read past without a note.
AUDIENCE_FIELDS_IGNORED = frozenset(
    {
        "spaceId",
        "description",
        "status",
        "enabled",
        "createdBy",
        "updatedBy",
        "createdAt",
        "updatedAt",
        "size",
        "computeCadence",
        "schedules",
        "audienceType",
        "workspaceId",
        "type",
        "options",
    }
)
AUDIENCE_FIELDS_READ = frozenset({"id", "key", "name", "definition"})
CONNECTION_FIELDS_IGNORED = frozenset(
    {"enabled", "settings", "connectionSettings", "createdAt", "updatedAt", "workspaceId", "sourceId", "spaceId"}
)
CONNECTION_FIELDS_READ = frozenset({"id", "name", "destinationId", "metadata", "idSyncConfiguration"})
ROW_FIELDS_READ = frozenset({"externalId", "strategy", "mapTo"})

AUDIENCE_ID_COMMENT = "# Segment audience id: "
DESTINATION_ID_COMMENT = "# Segment destinationId: "

IMPORT_HELP = (
    "Build a space file from the JSON Segment's Public API returns: the audiences list and each audience's "
    "destination connections (docs/segment-api.md).",
    (
        "idsync-tui import segment --audiences audiences.json --connections connections/ -o space.toml",
        "idsync-tui import segment --audiences audiences.json --connections connections/ -o space.toml --key acme",
    ),
    (
        "0 written, and it validates without errors",
        "1 written, but it has errors to fix (listed on stderr)",
        "2 usage, an input that cannot be read or understood, or SPACE.toml exists (use --force)",
    ),
)

EXPORT_HELP = (
    "Write, per customized audience connection, the idSyncConfiguration request body Segment's Public API takes, "
    "and a plan of what would be applied (docs/segment-api.md).",
    (
        "idsync-tui export segment space.toml              # the plan, with each body, on stdout",
        "idsync-tui export segment space.toml --audience high_value -o out/",
    ),
    (
        "0 every customized connection can be applied",
        "1 the space has errors, or a connection the API cannot express (more than 5 rows, a journey)",
        "2 usage, or a file that cannot be read or written",
    ),
)


class InputError(Exception):
    """An input the importer cannot read or understand at all (exit 2)."""


def configure_import(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--audiences",
        required=True,
        metavar="AUDIENCES.json",
        help='GET /spaces/{spaceId}/audiences, as returned: {"data": {"audiences": [...]}}',
    )
    parser.add_argument(
        "--connections",
        required=True,
        metavar="DIR",
        help="a folder with <audience id>.json per audience: GET .../audiences/{id}/destination-connections",
    )
    parser.add_argument("-o", "--output", required=True, metavar="SPACE.toml", help="the space file to write")
    parser.add_argument("--key", help="the space's key (default: from the output file's name)")
    parser.add_argument("--name", help="the space's name (default: the key)")
    parser.add_argument("--force", action="store_true", help="replace SPACE.toml when it exists")


def configure_export(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("space", metavar="SPACE", help="the space file")
    parser.add_argument("--audience", metavar="KEY", help="only this audience's connections")
    parser.add_argument(
        "-o",
        "--output",
        metavar="DIR",
        help="write <audience>.<destination>.json files and plan.txt there (default: print the plan and bodies)",
    )


# -- reading the API's JSON -------------------------------------------------------------------------------------


def _load_json(path: Path, what: str) -> Any:
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise InputError(f"{path}: no such file; save {what} there") from None
    except IsADirectoryError:
        raise InputError(f"{path}: is a folder; give the JSON file of {what}") from None
    except OSError as error:
        raise InputError(f"{path}: cannot be read: {error.strerror or error}") from None
    try:
        return json.loads(raw.decode("utf-8-sig"))
    except UnicodeDecodeError:
        raise InputError(f"{path}: is not UTF-8 text; save the API's response as it was returned") from None
    except json.JSONDecodeError as error:
        raise InputError(f"{path}:{error.lineno}: not valid JSON: {error.msg} (column {error.colno})") from None


def _unwrap(document: Any, path: Path, name: str) -> list[Any]:
    """`{"data": {name: [...]}}` (the API's response), or the list itself."""
    if isinstance(document, dict) and isinstance(document.get("data"), dict) and name in document["data"]:
        items = document["data"][name]
    elif isinstance(document, dict) and name in document:
        items = document[name]
    elif isinstance(document, list):
        items = document
    else:
        raise InputError(f'{path}: expected {{"data": {{"{name}": [...]}}}} (the API\'s response as returned)')
    if not isinstance(items, list):
        raise InputError(f'{path}: "{name}" must be an array')
    return items


@dataclass
class Notes:
    """What the importer could not carry over as it was: printed on stderr, one line each."""

    lines: list[str] = field(default_factory=list)

    def add(self, where: str, message: str) -> None:
        self.lines.append(f"{where}: {message}")


def _clean_comment(text: Any) -> str:
    """Text that is safe inside a one-line TOML comment: no control characters."""
    return "".join(ch if ch.isprintable() or ch == " " else " " for ch in str(text))


def _toml_string(text: str) -> str:
    # JSON's escapes are TOML's basic-string escapes; control characters come out as \\uXXXX.
    return json.dumps(text, ensure_ascii=False)


_KEY_CHARS = re.compile(r"[^a-z0-9]+")


def _slug(text: str, fallback: str) -> str:
    slug = _KEY_CHARS.sub("_", text.lower()).strip("_")
    return slug or fallback


def destination_type(slug: Any) -> tuple[str, str | None]:
    """The space file's destination type for a metadata slug, and a comment when it was a guess."""
    if isinstance(slug, str) and slug in SLUG_TYPES:
        return SLUG_TYPES[slug], None
    if isinstance(slug, str) and slug.startswith("actions-"):
        return catalog.ACTIONS, None
    shown = f'"{_clean_comment(slug)}"' if isinstance(slug, str) and slug else "no slug"
    return catalog.ACTIONS, f"Segment metadata slug {shown} is not one idsync-tui knows: imported as actions"


def natural_key(kind: str, segment: str) -> str:
    """A row without `mapTo`: the catalogue's natural key on Facebook / Google, else the identifier's name."""
    suggestions = catalog.DROPDOWN_SUGGESTIONS.get(kind)
    return suggestions.get(segment, segment) if suggestions is not None else segment


@dataclass
class ImportedRow:
    segment: str
    destination: str
    strategy: str
    problem: str | None = None  # set: written commented out, with this reason
    original: str = ""  # the API's row, as JSON (shown when the row is commented out)


@dataclass
class ImportedConnection:
    destination_key: str
    customized: bool
    rows: list[ImportedRow]
    send_mobile_ids: bool = False
    comments: list[str] = field(default_factory=list)


@dataclass
class ImportedDestination:
    key: str
    type: str
    name: str
    segment_id: str
    comments: list[str] = field(default_factory=list)
    external_id_type: str | None = None


@dataclass
class ImportedAudience:
    key: str
    name: str
    segment_id: str
    definition: str | None
    connections: list[ImportedConnection] = field(default_factory=list)
    comments: list[str] = field(default_factory=list)


def _unknown_fields(item: dict[str, Any], read: frozenset[str], ignored: frozenset[str]) -> list[str]:
    return [key for key in item if key not in read and key not in ignored]


class Importer:
    def __init__(self, notes: Notes) -> None:
        self.notes = notes
        self.destinations: dict[str, ImportedDestination] = {}  # by destinationId
        self.custom: dict[str, None] = {}  # custom identifiers, in first-use order
        self.audiences: list[ImportedAudience] = []

    def destination_for(self, connection: dict[str, Any], where: str) -> ImportedDestination:
        destination_id = str(connection.get("destinationId") or connection.get("id") or "")
        found = self.destinations.get(destination_id)
        if found is not None:
            return found
        found_metadata = connection.get("metadata")
        metadata: dict[str, Any] = found_metadata if isinstance(found_metadata, dict) else {}
        kind, guess = destination_type(metadata.get("slug"))
        name = str(metadata.get("name") or connection.get("name") or destination_id or "destination")
        base = _slug(str(metadata.get("slug") or name), "destination")
        key, number = base, 2
        taken = {d.key for d in self.destinations.values()}
        while key in taken:
            key, number = f"{base}_{number}", number + 1
        imported = ImportedDestination(key, kind, name, destination_id)
        if guess:
            imported.comments.append(guess)
            self.notes.add(where, guess)
        if connection.get("name") and connection.get("name") != name:
            imported.comments.append(f"Segment connection name: {_clean_comment(connection['name'])}")
        self.destinations[destination_id] = imported
        return imported

    def row(self, item: Any, kind: str, where: str) -> ImportedRow:
        row = self._row(item, kind, where)
        row.original = json.dumps(item, ensure_ascii=False)
        return row

    def _row(self, item: Any, kind: str, where: str) -> ImportedRow:
        if not isinstance(item, dict):
            return ImportedRow("", "", "last_added", f"not an object: {_clean_comment(json.dumps(item))}")
        for key in _unknown_fields(item, ROW_FIELDS_READ, frozenset()):
            self.notes.add(where, f'field "{key}" is not part of idSyncConfiguration; ignored')
        segment = item.get("externalId")
        strategy = item.get("strategy")
        map_to = item.get("mapTo")
        if not isinstance(segment, str) or not segment.strip():
            return ImportedRow("", "", "last_added", f"externalId missing or not text: {json.dumps(item)}")
        if strategy not in STRATEGY_FROM_API:
            return ImportedRow(segment, "", "last_added", f'strategy "{strategy}" is not first, last or all')
        if map_to is not None and (not isinstance(map_to, str) or not map_to.strip()):
            return ImportedRow(segment, "", STRATEGY_FROM_API[strategy], f"mapTo is not text: {json.dumps(map_to)}")
        destination = map_to if isinstance(map_to, str) else natural_key(kind, segment)
        row = ImportedRow(segment, destination, STRATEGY_FROM_API[strategy])
        offered = catalog.offered_keys(kind)
        if offered is not None and destination not in offered:
            row.problem = f'{catalog.DESTINATION_TYPE_LABELS[kind]} offers no key "{destination}"'
        elif segment not in catalog.DEFAULT_IDENTIFIERS:
            from idsync_tui.space.loader import IDENTIFIER_FIELDS

            pattern = IDENTIFIER_FIELDS["key"].pattern
            if pattern is not None and not pattern.fullmatch(segment):
                row.problem = f'"{segment}" cannot be a custom identifier key (lower-case letters, digits, _ - .)'
            else:
                self.custom.setdefault(segment, None)
        return row

    def connection(self, item: Any, where: str) -> ImportedConnection | None:
        if not isinstance(item, dict):
            self.notes.add(where, "a connection that is not an object; skipped")
            return None
        for key in _unknown_fields(item, CONNECTION_FIELDS_READ, CONNECTION_FIELDS_IGNORED):
            self.notes.add(where, f'field "{key}" has no place in a space file; ignored')
        if item.get("enabled") is False:
            self.notes.add(where, "the connection is disabled in Segment; imported as connected")
        destination = self.destination_for(item, where)
        config = item.get("idSyncConfiguration")
        if config is None:
            return ImportedConnection(destination.key, False, [])
        if not isinstance(config, list):
            self.notes.add(where, "idSyncConfiguration is not an array; imported as Default setup")
            return ImportedConnection(destination.key, False, [], comments=["idSyncConfiguration was not an array"])
        if not config:
            self.notes.add(where, "idSyncConfiguration is empty: imported as Default setup (Segment's default)")
            return ImportedConnection(destination.key, False, [])
        rows = [self.row(row, destination.type, f"{where}.idSyncConfiguration[{n}]") for n, row in enumerate(config)]
        seen: set[str] = set()
        for number, row in enumerate(rows):
            if row.problem is None and row.segment in seen:
                row.problem = f"{row.segment} is mapped twice in this connection"
            seen.add(row.segment)
            if row.problem is not None:
                self.notes.add(f"{where}.idSyncConfiguration[{number}]", f"{row.problem}; written commented out")
        all_rows = [r for r in rows if r.problem is None and r.strategy == "all"]
        for number, row in enumerate(all_rows[catalog.ALL_LIMIT :], catalog.ALL_LIMIT + 1):
            row.problem = f"at most {catalog.ALL_LIMIT} rows may use strategy all (IDS103); this is the {number}th"
            self.notes.add(where, f"{row.segment}: {row.problem}; written commented out")
        connection = ImportedConnection(destination.key, True, rows)
        if any(r.problem is None and r.segment in catalog.MOBILE_IDS for r in rows):
            connection.send_mobile_ids = True
            connection.comments.append(
                "send_mobile_ids: turned on because a row maps a mobile ID (the API has no such field)"
            )
        return connection

    def audience(self, item: Any, index: int, connections_dir: Path) -> None:
        where = f"audiences[{index}]"
        if not isinstance(item, dict):
            self.notes.add(where, "an audience that is not an object; skipped")
            return
        audience_id = str(item.get("id") or "")
        key = item.get("key")
        name = item.get("name")
        where = f"audience {audience_id or key or index}"
        for field_name in _unknown_fields(item, AUDIENCE_FIELDS_READ, AUDIENCE_FIELDS_IGNORED):
            self.notes.add(where, f'field "{field_name}" has no place in a space file; ignored')
        options = item.get("options")
        if isinstance(options, dict) and options.get("includeAnonymousUsers"):
            self.notes.add(
                where,
                "includeAnonymousUsers is on; a space file sets this once for the space ([space] include_anonymous)",
            )
        from idsync_tui.space.loader import AUDIENCE_FIELDS

        pattern = AUDIENCE_FIELDS["key"].pattern
        if not isinstance(key, str) or not key or (pattern is not None and not pattern.fullmatch(key)):
            fallback = _slug(str(name or audience_id or f"audience_{index + 1}"), f"audience_{index + 1}")
            self.notes.add(where, f"key {json.dumps(key)} cannot be used; imported as {fallback}")
            key = fallback
        definition = item.get("definition")
        query = definition.get("query") if isinstance(definition, dict) else None
        taken = {audience.key for audience in self.audiences}
        if key in taken:
            base, number = key, 2
            while f"{base}_{number}" in taken:
                number += 1
            key = f"{base}_{number}"
            self.notes.add(where, f'the key "{base}" is used by another audience; imported as {key}')
        imported = ImportedAudience(key, str(name or key), audience_id, str(query) if query else None)
        if not audience_id:
            self.notes.add(where, "no id: its connections file cannot be found; imported without connections")
        else:
            path = connections_dir / f"{audience_id}.json"
            if not path.is_file():
                self.notes.add(where, f"no {path}: imported without connections")
            else:
                items = _unwrap(_load_json(path, "the audience's destination connections"), path, "connections")
                seen: set[str] = set()
                for number, connection_item in enumerate(items):
                    connection = self.connection(connection_item, f"{path}: connections[{number}]")
                    if connection is None:
                        continue
                    if connection.destination_key in seen:
                        self.notes.add(
                            f"{path}: connections[{number}]",
                            f"a second connection to {connection.destination_key}; written commented out",
                        )
                        connection.comments.insert(0, "DUPLICATE")
                    seen.add(connection.destination_key)
                    imported.connections.append(connection)
        self.audiences.append(imported)

    def infer_google(self) -> None:
        """A Google list's external_id_type: mobile_id when its rows map the mobile ID and not email."""
        for destination in self.destinations.values():
            if destination.type != catalog.GOOGLE:
                continue
            mapped = {
                row.destination
                for audience in self.audiences
                for connection in audience.connections
                if connection.destination_key == destination.key and connection.customized
                for row in connection.rows
                if row.problem is None
            }
            if "mobile_advertising_id" in mapped and "email" not in mapped:
                destination.external_id_type = "mobile_id"
                destination.comments.append("external_id_type: inferred from the rows (they map the mobile ID)")
            else:
                destination.external_id_type = "email"
                why = "they map email" if "email" in mapped else "the default"
                destination.comments.append(f"external_id_type: inferred from the rows ({why})")
            matcher = catalog.google_matcher(destination.external_id_type)
            for audience in self.audiences:
                for connection in audience.connections:
                    if connection.destination_key != destination.key:
                        continue
                    extras = [r for r in connection.rows if r.problem is None and r.destination != matcher]
                    for row in extras[catalog.GOOGLE_MAX_EXTRA_ROWS :]:
                        row.problem = (
                            f'Google Ads Remarketing Lists take "{matcher}" plus at most '
                            f"{catalog.GOOGLE_MAX_EXTRA_ROWS} other row (IDS107)"
                        )
                        self.notes.add(
                            f"audience {audience.segment_id or audience.key} -> {destination.segment_id}",
                            f"{row.segment} -> {row.destination}: {row.problem}; written commented out",
                        )


def _row_lines(row: ImportedRow, prefix: str) -> list[str]:
    header = f"[[{prefix}.identifiers]]"
    body = [
        header,
        f"segment = {_toml_string(row.segment)}",
        f"destination = {_toml_string(row.destination)}",
        f"strategy = {_toml_string(row.strategy)}",
    ]
    if row.problem is None:
        return body
    return [f"# Not imported: {_clean_comment(row.problem)}", f"#   {_clean_comment(row.original)}"]


def render_space(importer: Importer, key: str, name: str) -> str:
    lines = [
        "# Imported from Segment's Public API by `idsync-tui import segment` (docs/segment-api.md).",
        "# Audience conditions are kept as comments (the CQL definition), not translated: add [[audiences.conditions]]",
        "# for the simulator to pick members.",
        "version = 1",
        "",
        "[space]",
        f"key = {_toml_string(key)}",
        f"name = {_toml_string(name)}",
    ]
    if importer.custom:
        lines += ["", "# Identifiers the connections map that are not default identifiers (limit: Segment's default)."]
        for identifier in importer.custom:
            lines += ["[[identifiers]]", f"key = {_toml_string(identifier)}", ""]
        lines.pop()
    for destination in importer.destinations.values():
        lines.append("")
        lines.append(DESTINATION_ID_COMMENT + _clean_comment(destination.segment_id))
        lines += [f"# {_clean_comment(comment)}" for comment in destination.comments]
        lines += [
            "[[destinations]]",
            f"key = {_toml_string(destination.key)}",
            f"type = {_toml_string(destination.type)}",
            f"name = {_toml_string(destination.name)}",
        ]
        if destination.external_id_type:
            lines.append(f"external_id_type = {_toml_string(destination.external_id_type)}")
    for audience in importer.audiences:
        lines.append("")
        lines.append(AUDIENCE_ID_COMMENT + _clean_comment(audience.segment_id))
        if audience.definition:
            lines.append("# Segment definition (CQL, not translated):")
            lines += [f"#   {_clean_comment(part)}" for part in audience.definition.splitlines() or [""]]
        lines += [
            "[[audiences]]",
            f"key = {_toml_string(audience.key)}",
            f"name = {_toml_string(audience.name)}",
        ]
        for connection in audience.connections:
            duplicate = connection.comments[:1] == ["DUPLICATE"]
            block = [
                "[[audiences.connections]]",
                f"destination = {_toml_string(connection.destination_key)}",
                f"setup = {_toml_string('customized' if connection.customized else 'default')}",
            ]
            if connection.send_mobile_ids:
                block.append("send_mobile_ids = true")
            for row in connection.rows:
                block += _row_lines(row, "audiences.connections")
            lines.append("")
            notes = [c for c in connection.comments if c != "DUPLICATE"]
            lines += [f"# {_clean_comment(comment)}" for comment in notes]
            if duplicate:
                lines.append("# Not imported: a second connection of this audience to the same destination")
                lines += [line if line.startswith("#") else f"# {line}" for line in block]
            else:
                lines += block
    return "\n".join(lines) + "\n"


def run_import(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from idsync_tui.text import InertWriter

    # names and notes from the input: no control characters
    out, err = cast(TextIO, InertWriter(out)), cast(TextIO, InertWriter(err))
    from idsync_tui.rules import validate
    from idsync_tui.space.loader import SPACE_FIELDS, parse_text
    from idsync_tui.space.store import SaveConflict, write_atomic

    output = Path(args.output)
    if not output.parent.is_dir():
        print(
            f"idsync-tui import segment: folder {output.parent} does not exist; create it or choose another -o",
            file=err,
        )
        return 2
    if output.exists() and not args.force:
        print(f"idsync-tui import segment: {output} exists; choose another -o or add --force to replace it", file=err)
        return 2
    notes = Notes()
    importer = Importer(notes)
    try:
        audiences_path = Path(args.audiences)
        items = _unwrap(_load_json(audiences_path, "the audiences list"), audiences_path, "audiences")
        connections_dir = Path(args.connections)
        if not connections_dir.is_dir():
            raise InputError(f"{connections_dir}: not a folder; give the folder of <audience id>.json files")
        for index, item in enumerate(items):
            importer.audience(item, index, connections_dir)
    except InputError as error:
        print(f"idsync-tui import segment: {error}", file=err)
        return 2
    importer.infer_google()
    key = args.key or _slug(output.stem, "space").replace("_", "-")
    pattern = SPACE_FIELDS["key"].pattern
    if pattern is not None and not pattern.fullmatch(key):
        print(f'idsync-tui import segment: --key "{key}" must be lower-case letters, digits, - and _', file=err)
        return 2
    text = render_space(importer, key, args.name or key)
    for line in notes.lines:
        print(f"note: {line}", file=err)
    try:
        write_atomic(output, text.encode("utf-8"), force=True)
    except (OSError, SaveConflict) as error:
        print(f"idsync-tui import segment: cannot write {output}: {error}", file=err)
        return 2
    problems = [p for p in validate(parse_text(text, str(output))) if p.is_error]
    for problem in problems:
        print(problem.as_text(), file=err)
    rows = sum(len(c.rows) for a in importer.audiences for c in a.connections)
    print(
        f"{output}: {len(importer.audiences)} audiences, {len(importer.destinations)} destinations, "
        f"{rows} ID Sync rows, {len(importer.custom)} custom identifiers; {len(notes.lines)} notes on stderr",
        file=out,
    )
    return 1 if problems else 0


# -- export ---------------------------------------------------------------------------------------------------------


def _segment_ids(text: str, marker: str) -> dict[int, str]:
    """Line of the table header a `# Segment ... id:` comment sits directly above (comments between allowed)."""
    found: dict[int, str] = {}
    pending: str | None = None
    for number, line in enumerate(text.splitlines(), 1):
        stripped = line.strip()
        if stripped.startswith(marker.strip()):
            pending = stripped[len(marker.strip()) :].strip()
        elif stripped.startswith("#"):
            continue
        elif stripped.startswith("[") and pending is not None:
            found[number] = pending
            pending = None
        elif stripped:
            pending = None
    return found


@dataclass
class Export:
    audience: str
    destination: str
    file_name: str
    body: dict[str, Any] | None  # None: nothing to apply (Default setup)
    plan: str
    refused: str | None = None


def _file_part(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]", "_", text) or "_"


def plan_exports(space: Any, text: str, audience: str | None = None) -> Iterator[Export]:
    """What export would write, connection by connection, audiences first, then journeys (refused)."""
    audience_ids = _segment_ids(text, AUDIENCE_ID_COMMENT)
    destination_ids = _segment_ids(text, DESTINATION_ID_COMMENT)
    for ref in space.connections():
        connection = ref.connection
        if ref.audience is None:
            if audience is None and connection.customized:
                yield Export(
                    f"{ref.journey.key}/{ref.step.key}",
                    connection.destination,
                    "",
                    None,
                    "",
                    f"{connection.where}: journeys are not in Segment's Public API (idSyncConfiguration is on "
                    "audience connections only); set this connection in Segment's app",
                )
            continue
        if audience is not None and ref.audience.key != audience:
            continue
        destination = space.destination(connection.destination)
        destination_id = destination_ids.get(destination.line, destination.key) if destination else ""
        audience_id = audience_ids.get(ref.audience.line, ref.audience.key)
        name = f"{_file_part(ref.audience.key)}.{_file_part(connection.destination)}.json"
        target = f"audience {audience_id} -> destination {destination_id}"
        if not connection.customized:
            yield Export(
                ref.audience.key, connection.destination, name, None, f"{target}: Default setup, nothing to set"
            )
            continue
        if not connection.identifiers:
            yield Export(
                ref.audience.key,
                connection.destination,
                name,
                None,
                f"{target}: Customized without rows sends the defaults; omit idSyncConfiguration",
            )
            continue
        if len(connection.identifiers) > API_ROW_LIMIT:
            yield Export(
                ref.audience.key,
                connection.destination,
                name,
                None,
                "",
                f"{connection.where}: IDS209 api-row-limit: {len(connection.identifiers)} rows; Segment's Public API "
                f"takes at most {API_ROW_LIMIT} (remove rows, or set this connection in Segment's app)",
            )
            continue
        rows = [
            {"externalId": row.segment, "strategy": STRATEGY_TO_API[row.strategy], "mapTo": row.destination}
            for row in connection.identifiers
        ]
        shown = ", ".join(f"{r['externalId']} -> {r['mapTo']} ({r['strategy']})" for r in rows)
        yield Export(
            ref.audience.key,
            connection.destination,
            name,
            {"destinationId": destination_id, "idSyncConfiguration": rows},
            f"{target}: set {len(rows)} row{'s' * (len(rows) != 1)}: {shown}",
        )


def run_export(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from idsync_tui.text import InertWriter

    # names and notes from the input: no control characters
    out, err = cast(TextIO, InertWriter(out)), cast(TextIO, InertWriter(err))
    from idsync_tui.rules import validate
    from idsync_tui.space.loader import SpaceReadError, load_space

    try:
        result = load_space(args.space)
    except SpaceReadError as error:
        print(f"idsync-tui export segment: {error}", file=err)
        return 2
    errors = [p for p in validate(result) if p.is_error]
    if errors or result.space is None:
        for problem in errors:
            print(problem.as_text(), file=err)
        print(f"{args.space}: {len(errors)} error(s); fix them (idsync-tui validate {args.space}) to export", file=err)
        return 1
    space = result.space
    if args.audience is not None and space.audience(args.audience) is None:
        known = ", ".join(a.key for a in space.audiences) or "none"
        print(
            f'idsync-tui export segment: no audience "{args.audience}"; the space\'s audiences are: {known}', file=err
        )
        return 2
    exports = list(plan_exports(space, result.text or "", args.audience))
    refused = [e for e in exports if e.refused]
    bodies = [e for e in exports if e.body is not None]
    plan = [f"Export of {args.space} for Segment's Public API (idSyncConfiguration):"]
    for export in exports:
        if export.refused:
            plan.append(f"  REFUSED {export.refused}")
        else:
            plan.append(f"  {export.file_name if export.body else '-'}: {export.plan}")
    plan.append(
        f"{len(bodies)} to apply, {len(exports) - len(bodies) - len(refused)} with nothing to set, "
        f"{len(refused)} refused"
    )
    if args.output is not None:
        folder = Path(args.output)
        try:
            folder.mkdir(parents=True, exist_ok=True)
            for export in bodies:
                text = json.dumps(export.body, indent=2, ensure_ascii=False) + "\n"
                (folder / export.file_name).write_text(text, encoding="utf-8")
            (folder / "plan.txt").write_text("\n".join(plan) + "\n", encoding="utf-8")
        except OSError as error:
            print(f"idsync-tui export segment: cannot write in {folder}: {error.strerror or error}", file=err)
            return 2
        out.write("\n".join(plan) + "\n")
    else:
        out.write("\n".join(plan) + "\n")
        for export in bodies:
            out.write(f"\n# {export.file_name}\n{json.dumps(export.body, indent=2, ensure_ascii=False)}\n")
    for export in refused:
        print(f"idsync-tui export segment: {export.refused}", file=err)
    return 1 if refused else 0
