"""The ID Sync rules (IDS101-IDS109, IDS201-IDS209): one function per rule, registered in `RULES`.

The app and the `validate` command both ask this table, so no rule is written twice. A "connection" rule looks at
one connection (the editor re-checks only the connection it just changed); a "space" rule looks at the whole space.
Rules read the model only and never raise on a half-broken one: what they cannot judge (an unknown destination,
an empty key) they leave to the rule or the loader problem that already reports it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Literal, NamedTuple

from idsync_tui import catalog
from idsync_tui.space import files
from idsync_tui.space.loader import LoadResult, did_you_mean
from idsync_tui.space.model import Audience, Connection, ConnectionRef, Destination, Journey, Space
from idsync_tui.space.problems import CODES, Problem, sort_key

Scope = Literal["connection", "space"]
ConnectionCheck = Callable[[Space, ConnectionRef], Iterable[Problem]]
SpaceCheck = Callable[[Space], Iterable[Problem]]

# Destination types whose identifiers are typed in by hand (no dropdown).
FREE_TEXT_TYPES: frozenset[str] = frozenset({catalog.ACTIONS, catalog.FUNCTION, catalog.CLASSIC})


@dataclass(frozen=True, slots=True)
class Rule:
    """One rule: its code (name and severity come from problems.CODES), its scope and its check."""

    code: str
    scope: Scope
    check: ConnectionCheck | SpaceCheck

    @property
    def name(self) -> str:
        return CODES[self.code][0]

    @property
    def severity(self) -> str:
        return CODES[self.code][1]


# -- helpers ------------------------------------------------------------------------------------------------


def _file(space: Space) -> str:
    return str(space.file) if space.file else ""


def _problem(space: Space, code: str, message: str, where: str, line: int | None) -> Problem:
    return Problem(code, message, where, line, None, _file(space))


# One-entry cache: check_space asks for the same space's custom identifiers once per connection.
_custom_keys_cache: tuple[Space | None, frozenset[str]] = (None, frozenset())


def _custom_keys(space: Space) -> frozenset[str]:
    global _custom_keys_cache
    cached_space, keys = _custom_keys_cache
    if cached_space is not space:
        keys = space.custom_identifier_keys
        _custom_keys_cache = (space, keys)
    return keys


def _known_destination(space: Space, connection: Connection) -> Destination | None:
    """The connected destination when its type is one this program knows, else None (IDS101/IDS002 report it)."""
    destination = space.destination(connection.destination) if connection.destination else None
    if destination is None or destination.type not in catalog.DESTINATION_TYPES:
        return None
    return destination


# -- connection rules ---------------------------------------------------------------------------------------


def unknown_destination(space: Space, ref: ConnectionRef) -> Iterator[Problem]:
    """IDS101: the connection names a destination that is not added to the space."""
    connection = ref.connection
    if not connection.destination or space.destination(connection.destination) is not None:
        return
    keys = tuple(d.key for d in space.destinations if d.key)
    hint = did_you_mean(connection.destination, keys)
    yield _problem(
        space,
        "IDS101",
        f'destination "{connection.destination}" is not added to the space; add it under [[destinations]] '
        f"first, or connect a destination that is.{hint}",
        connection.where,
        connection.line,
    )


def unknown_identifier(space: Space, ref: ConnectionRef) -> Iterator[Problem]:
    """IDS102: a row's Segment identifier is neither a default identifier nor a declared custom one."""
    custom = _custom_keys(space)
    for row in ref.connection.identifiers:
        if not row.segment or row.segment in catalog.DEFAULT_IDENTIFIERS or row.segment in custom:
            continue
        hint = did_you_mean(row.segment, space.known_identifiers())
        yield _problem(
            space,
            "IDS102",
            f'"{row.segment}" is not a default identifier and not declared in the space; declare it under '
            f"[[identifiers]] or map a known identifier.{hint}",
            row.where,
            row.line,
        )


def all_limit(space: Space, ref: ConnectionRef) -> Iterator[Problem]:
    """IDS103: more than three rows with strategy `all`; reported once, at the first row over the limit."""
    all_rows = [row for row in ref.connection.identifiers if row.strategy == "all"]
    if len(all_rows) > catalog.ALL_LIMIT:
        first_over = all_rows[catalog.ALL_LIMIT]
        yield _problem(
            space,
            "IDS103",
            f"{len(all_rows)} identifiers use strategy all; at most {catalog.ALL_LIMIT} may",
            ref.connection.where,
            first_over.line,
        )


def mobile_ids_off(space: Space, ref: ConnectionRef) -> Iterator[Problem]:
    """IDS104: a row maps ios.idfa or android.idfa while Send Mobile IDs is off."""
    connection = ref.connection
    if connection.send_mobile_ids or _known_destination(space, connection) is None:
        return
    for row in connection.identifiers:
        if row.segment in catalog.MOBILE_IDS:
            yield _problem(
                space,
                "IDS104",
                f"{row.segment} is mapped but Send Mobile IDs is off; turn on send_mobile_ids or remove the row",
                row.where,
                row.line,
            )


def key_not_offered(space: Space, ref: ConnectionRef) -> Iterator[Problem]:
    """IDS105: a Facebook / Google row maps to a destination identifier their dropdown does not offer."""
    destination = _known_destination(space, ref.connection)
    offered = catalog.offered_keys(destination.type) if destination else None
    if destination is None or offered is None:
        return
    label = catalog.DESTINATION_TYPE_LABELS[destination.type]
    for row in ref.connection.identifiers:
        if not row.destination.strip() or row.destination in offered:
            continue
        yield _problem(
            space,
            "IDS105",
            f'{label} does not offer "{row.destination}"; pick one of {", ".join(offered)} (exact case).'
            f"{did_you_mean(row.destination, offered)}",
            row.where,
            row.line,
        )


def duplicate_row(space: Space, ref: ConnectionRef) -> Iterator[Problem]:
    """IDS106: the same Segment identifier appears twice in one connection; the later rows are reported."""
    if _known_destination(space, ref.connection) is None:
        return
    first_line: dict[str, int | None] = {}
    for row in ref.connection.identifiers:
        if not row.segment:
            continue
        if row.segment in first_line:
            first = first_line[row.segment]
            at = f" (first at line {first})" if first else ""
            yield _problem(
                space,
                "IDS106",
                f"{row.segment} is mapped twice in this connection{at}; remove one of the rows",
                row.where,
                row.line,
            )
        else:
            first_line[row.segment] = row.line


def google_one_extra(space: Space, ref: ConnectionRef) -> Iterator[Problem]:
    """IDS107: Google Ads Remarketing Lists take their matcher plus at most one other identifier."""
    destination = _known_destination(space, ref.connection)
    if destination is None or destination.type != catalog.GOOGLE:
        return
    matcher = catalog.google_matcher(destination.external_id_type)
    # Keys the dropdown does not offer are IDS105's; counting them here too would report one mistake twice.
    extras = [
        row
        for row in ref.connection.identifiers
        if row.destination != matcher and row.destination in catalog.GOOGLE_KEYS
    ]
    if len(extras) > catalog.GOOGLE_MAX_EXTRA_ROWS:
        names = ", ".join(row.destination for row in extras)
        yield _problem(
            space,
            "IDS107",
            f'Google Ads Remarketing Lists take "{matcher}" plus at most {catalog.GOOGLE_MAX_EXTRA_ROWS} other '
            f"identifier; this connection maps {len(extras)} others ({names}); remove "
            f"{len(extras) - catalog.GOOGLE_MAX_EXTRA_ROWS}",
            ref.connection.where,
            extras[catalog.GOOGLE_MAX_EXTRA_ROWS].line,
        )


def sends_nothing(space: Space, ref: ConnectionRef) -> Iterator[Problem]:
    """IDS108: an event destination connection with both Identify and Track off sends nothing at all."""
    connection = ref.connection
    destination = _known_destination(space, connection)
    if destination is None or destination.is_list or connection.send_identify or connection.send_track:
        return
    yield _problem(
        space,
        "IDS108",
        f'the connection to "{destination.key}" sends neither Identify nor Track; turn on send_identify or send_track',
        connection.where,
        connection.line,
    )


def empty_key(space: Space, ref: ConnectionRef) -> Iterator[Problem]:
    """IDS109: a destination identifier that is empty or only spaces."""
    for row in ref.connection.identifiers:
        if not row.destination.strip():
            what = f" for {row.segment}" if row.segment else ""
            yield _problem(
                space,
                "IDS109",
                f"the destination identifier{what} is empty; type the name the destination expects",
                row.where,
                row.line,
            )


def rows_ignored(space: Space, ref: ConnectionRef) -> Iterator[Problem]:
    """IDS201: rows present while setup is default: kept in the file, but not used until Customized."""
    connection = ref.connection
    if connection.customized or not connection.identifiers:
        return
    count = len(connection.identifiers)
    rows, them = ("1 identifier row is", "it") if count == 1 else (f"{count} identifier rows are", "them")
    yield _problem(
        space,
        "IDS201",
        f'{rows} kept but not used while setup = "default"; set setup = "customized" to use {them}, or remove {them}',
        connection.where,
        connection.line,
    )


def dotted_key(space: Space, ref: ConnectionRef) -> Iterator[Problem]:
    """IDS202: a free-text destination identifier with a `.`, which Actions mappings read as a path."""
    destination = _known_destination(space, ref.connection)
    if destination is None or destination.type not in FREE_TEXT_TYPES:
        return
    for row in ref.connection.identifiers:
        if "." in row.destination:
            yield _problem(
                space,
                "IDS202",
                f'destination identifier "{row.destination}" contains "."; mappings read it as a path '
                f'(a nested field); use "{row.destination.replace(".", "_")}" instead',
                row.where,
                row.line,
            )


def no_rows(space: Space, ref: ConnectionRef) -> Iterator[Problem]:
    """IDS203: Customized with no rows; Segment then syncs the default identifiers."""
    connection = ref.connection
    if connection.customized and not connection.identifiers:
        yield _problem(
            space,
            "IDS203",
            'setup = "customized" but no identifiers are mapped, so Segment syncs the default identifiers; '
            'add identifier rows or set setup = "default"',
            connection.where,
            connection.line,
        )


def no_match_key(space: Space, ref: ConnectionRef) -> Iterator[Problem]:
    """IDS204: Facebook maps neither EMAIL nor MADID / Google does not map its matcher.

    Only a Customized connection with rows is judged: under Default setup (or Customized with no rows, IDS203)
    Segment sends the default identifiers, which include the match keys.
    """
    connection = ref.connection
    if not connection.customized or not connection.identifiers:
        return
    destination = _known_destination(space, connection)
    if destination is None:
        return
    mapped = {row.destination for row in connection.identifiers}
    if destination.type == catalog.FACEBOOK and not mapped & catalog.FACEBOOK_MATCH_KEYS:
        message = (
            "Facebook matches people by EMAIL or MADID and neither is mapped; map email to EMAIL or ios.idfa to MADID"
        )
    elif destination.type == catalog.GOOGLE:
        matcher = catalog.google_matcher(destination.external_id_type)
        if matcher in mapped:
            return
        message = (
            f'Google matches this list by "{matcher}" (external_id_type = '
            f'"{destination.external_id_type or "email"}") and no row maps it; add a row for "{matcher}"'
        )
    else:
        return
    yield _problem(space, "IDS204", message, connection.where, connection.line)


def live_change(space: Space, ref: ConnectionRef) -> Iterator[Problem]:
    """IDS207: a live connection: changes reach new data only, after ~5 minutes, and nobody is resynced."""
    connection = ref.connection
    if connection.live:
        minutes = catalog.EFFECTIVE_DELAY_SECONDS // 60
        yield _problem(
            space,
            "IDS207",
            f"this connection is live: a change reaches new enters and exits only, ~{minutes} min after saving; "
            "members already sent are not resynced and Segment keeps no history, so review before saving",
            connection.where,
            connection.line,
        )


def api_row_limit(space: Space, ref: ConnectionRef) -> Iterator[Problem]:
    """IDS209: more identifier rows than Segment's Public API (`idSyncConfiguration`) takes; reported once, at the
    first row over the limit. Rows under Default setup count too: they are part of the connection's config."""
    rows = ref.connection.identifiers
    if len(rows) > catalog.API_ROW_LIMIT:
        yield _problem(
            space,
            "IDS209",
            f"{len(rows)} identifier rows; Segment's Public API (idSyncConfiguration) takes at most "
            f"{catalog.API_ROW_LIMIT}, so this connection cannot be applied through it (only in the Segment app); "
            f"remove {len(rows) - catalog.API_ROW_LIMIT} to keep it scriptable",
            ref.connection.where,
            rows[catalog.API_ROW_LIMIT].line,
        )


# -- space rules --------------------------------------------------------------------------------------------


def unused_destination(space: Space) -> Iterator[Problem]:
    """IDS205: a destination that no audience or journey step is connected to."""
    unconnected = {destination.key for destination in space.destinations if destination.key}
    for connection in space.connection_objects():
        unconnected.discard(connection.destination)
        if not unconnected:  # stop at the first point every destination is seen: usually the first audiences
            return
    for destination in space.destinations:
        if destination.key in unconnected:
            yield _problem(
                space,
                "IDS205",
                f'destination "{destination.key}" is connected to nothing; connect it to an audience or a '
                "journey step, or remove it",
                destination.where,
                destination.line,
            )


def unused_identifier(space: Space) -> Iterator[Problem]:
    """IDS206: a declared custom identifier that no row maps."""
    if not space.identifiers:
        return
    unmapped = {i.key for i in space.identifiers if i.key and i.key not in catalog.DEFAULT_IDENTIFIERS}
    for connection in space.connection_objects():
        for row in connection.identifiers:
            unmapped.discard(row.segment)
        if not unmapped:  # stop as soon as every custom identifier is seen mapped
            return
    for identifier in space.identifiers:
        if identifier.key not in unmapped:
            continue
        yield _problem(
            space,
            "IDS206",
            f'custom identifier "{identifier.key}" is mapped nowhere; map it in a connection or remove it',
            identifier.where,
            identifier.line,
        )


def profiles_missing(space: Space) -> Iterator[Problem]:
    """IDS208: the space's sample-profiles file does not exist."""
    path = space.profiles_path()
    # A relative path in text that has no file of its own (parse_text without a path) cannot be judged.
    if path is None or (not path.is_absolute() and space.file is None):
        return
    state = files.regular_file_problem(path)  # a name too long for the file system, a FIFO...: said, not raised
    if state is None:
        return
    yield _problem(
        space,
        "IDS208",
        f'profiles = "{space.profiles}": {path} {state}; fix the path (it is relative to the space file) '
        "or remove the key",
        "space",
        space.line,
    )


RULES: tuple[Rule, ...] = (
    Rule("IDS101", "connection", unknown_destination),
    Rule("IDS102", "connection", unknown_identifier),
    Rule("IDS103", "connection", all_limit),
    Rule("IDS104", "connection", mobile_ids_off),
    Rule("IDS105", "connection", key_not_offered),
    Rule("IDS106", "connection", duplicate_row),
    Rule("IDS107", "connection", google_one_extra),
    Rule("IDS108", "connection", sends_nothing),
    Rule("IDS109", "connection", empty_key),
    Rule("IDS201", "connection", rows_ignored),
    Rule("IDS202", "connection", dotted_key),
    Rule("IDS203", "connection", no_rows),
    Rule("IDS204", "connection", no_match_key),
    Rule("IDS205", "space", unused_destination),
    Rule("IDS206", "space", unused_identifier),
    Rule("IDS207", "connection", live_change),
    Rule("IDS208", "space", profiles_missing),
    Rule("IDS209", "connection", api_row_limit),
)

CONNECTION_CHECKS: tuple[ConnectionCheck, ...] = tuple(r.check for r in RULES if r.scope == "connection")  # type: ignore[misc]
SPACE_CHECKS: tuple[SpaceCheck, ...] = tuple(r.check for r in RULES if r.scope == "space")  # type: ignore[misc]


def check_connection(space: Space, ref: ConnectionRef) -> list[Problem]:
    """Every connection rule on one connection, sorted by line then code (the editor's quick re-check)."""
    problems = [problem for check in CONNECTION_CHECKS for problem in check(space, ref)]
    problems.sort(key=sort_key)
    return problems


def check_owner(space: Space, owner: Audience | Journey) -> list[Problem]:
    """Every connection rule on every connection of one audience or journey (what an edit there re-checks)."""
    problems: list[Problem] = []
    if isinstance(owner, Audience):
        for connection in owner.connections:
            problems.extend(check_connection(space, ConnectionRef(connection, audience=owner)))
    else:
        for step in owner.steps:
            for connection in step.connections:
                problems.extend(check_connection(space, ConnectionRef(connection, journey=owner, step=step)))
    return problems


class OwnerProblems(NamedTuple):
    """`check_owner` for every audience and every journey of a space, in the space's order, and the file the
    problems name: worked out by the child that parses a large space while the app starts (space/parse_ahead.py)."""

    file: str
    audiences: list[list[Problem]]
    journeys: list[list[Problem]]

    def fits(self, space: Space) -> bool:
        """Whether these are for a space of this file with as many audiences and journeys (the caller built both
        from the same bytes; this guards against using them for anything else)."""
        return (
            self.file == _file(space)
            and len(self.audiences) == len(space.audiences)
            and len(self.journeys) == len(space.journeys)
        )


def check_owners(space: Space) -> OwnerProblems:
    return OwnerProblems(
        _file(space),
        [check_owner(space, audience) for audience in space.audiences],
        [check_owner(space, journey) for journey in space.journeys],
    )


def check_space(space: Space) -> list[Problem]:
    """Every rule on the whole space, sorted by line then code."""
    problems: list[Problem] = []
    for check in SPACE_CHECKS:
        problems.extend(check(space))
    for ref in space.connections():
        for connection_check in CONNECTION_CHECKS:
            problems.extend(connection_check(space, ref))
    problems.sort(key=sort_key)
    return problems


def runs_rules(result: LoadResult) -> bool:
    """Whether the rules judge this load: there is a model, and not of a version this program does not read."""
    has_version = result.data is not None and "version" in result.data
    unreadable_version = has_version and any(p.code == "IDS003" for p in result.problems)
    return result.space is not None and not unreadable_version


def validate(result: LoadResult) -> list[Problem]:
    """The loader's problems plus every rule's, sorted by line then code.

    Rules run whenever there is a model, even with schema (IDS002) or duplicate-key (IDS004) errors, so the app
    can open a broken file and show everything at once; not after a syntax error (no model) or an unreadable
    version.
    """
    problems = list(result.problems)
    if runs_rules(result):
        assert result.space is not None
        problems.extend(check_space(result.space))
    problems.sort(key=sort_key)
    return problems
