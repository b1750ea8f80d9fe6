"""An editing session: the document, the current model and its problems, and live enforcement of the rules.

Plain Python (no Textual): the app asks this layer whether an edit is allowed and applies it here. Enforcement asks
the rules table about the connection as it *would be* after the edit; nothing here re-implements a rule.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from idsync_tui import catalog, rules
from idsync_tui.space.document import EditError, SpaceDocument
from idsync_tui.space.loader import LoadResult, nearest, rebuild_entry
from idsync_tui.space.model import Audience, Connection, ConnectionRef, DataPath, Destination, IdRow, Journey, Space
from idsync_tui.space.problems import Problem, count, sort_key

# An edit that would introduce one of these is refused outright (the UI keeps the old value and says why);
# every other error is allowed and flagged where it is, so a person can fix things in any order.
REFUSED_CODES = frozenset({"IDS103", "IDS105", "IDS107"})


@dataclass(frozen=True, slots=True)
class Outcome:
    ok: bool
    message: str


@dataclass(frozen=True, slots=True)
class Found:
    """Where a problem points: its section of the space file, the model object (an audience, journey, destination,
    connection or identifier row; None for a whole section), the connection it is in, and the row's index."""

    section: str  # "audiences", "journeys", "destinations" or "identifiers"
    target: Audience | Journey | Destination | Connection | IdRow | None
    ref: ConnectionRef | None = None
    row: int | None = None


class Session:
    def __init__(
        self,
        document: SpaceDocument,
        demo: bool = False,
        read_only: bool = False,
        checked: rules.OwnerProblems | None = None,
    ) -> None:
        """`checked`, when given, is `rules.check_owners` of the document's space as it was opened, worked out
        elsewhere (the child that parsed it: space/parse_ahead.py); used when it fits the space, else ignored."""
        self.document = document
        self.demo = demo
        self.read_only = read_only  # `--read-only` (`idsync-tui serve --read-only`): edits stay in memory
        self.result: LoadResult = LoadResult(None)
        self.problems: list[Problem] = []
        self._loader_problems: list[Problem] = []
        # Connection-rule results by audience / journey object: an edit rebuilds one entry, the rest hit here.
        self._rule_cache: dict[int, tuple[Audience | Journey, list[Problem]]] = {}
        self._rule_context: tuple[int, int] | None = None
        self._reload(checked)

    @classmethod
    def open(cls, path: str | Path, demo: bool = False) -> Session:
        return cls(SpaceDocument.open(path), demo=demo)

    # -- state ---------------------------------------------------------------------------------------------
    def refresh(self, changed: DataPath = ()) -> None:
        """Bring the model and problems up to date with the document.

        With `changed` (the top-level entry an edit touched), only that entry is rebuilt and only its connections
        are re-checked; otherwise (open, save, reload, structural edits) the text is loaded again in full.
        """
        if changed and self._refresh_entry(changed):
            return
        self._reload()

    def _reload(self, checked: rules.OwnerProblems | None = None) -> None:
        self.result = self.document.result()
        self._loader_problems = list(self.result.problems)
        self._rule_cache.clear()
        if not rules.runs_rules(self.result):
            self.problems = rules.validate(self.result)
            return
        space = self.space
        if checked is not None and checked.fits(space):  # the connection rules' results, per owner, in order
            owners: tuple[Audience | Journey, ...] = (*space.audiences, *space.journeys)
            found = (*checked.audiences, *checked.journeys)
            self._rule_cache = {id(owner): (owner, problems) for owner, problems in zip(owners, found, strict=True)}
            self._rule_context = (id(space.destinations), id(space.identifiers))
        self._check()

    def _refresh_entry(self, changed: DataPath) -> bool:
        space = self.result.space
        if space is None or not rules.runs_rules(self.result):
            return False
        rebuilt = rebuild_entry(space, self.document.data, changed, str(self.path) if self.path else "")
        if rebuilt is None:
            return False
        new_space, entry_problems, duplicates = rebuilt
        old_where = getattr(space, str(changed[0]))[changed[1]].where
        if sum(1 for e in getattr(space, str(changed[0])) if e.where == old_where) > 1:
            return False  # two entries share this key: their problems cannot be told apart by place
        inside = old_where + "."
        kept = [
            p
            for p in self._loader_problems
            if p.code != "IDS004" and p.where != old_where and not p.where.startswith(inside)
        ]
        self._loader_problems = [*kept, *entry_problems, *duplicates]
        self.result = LoadResult(new_space, self._loader_problems, None, self.document.data)
        self._check()
        return True

    def _check(self) -> None:
        """Loader problems + every rule, re-using the results of audiences and journeys that did not change."""
        space = self.space
        context = (id(space.destinations), id(space.identifiers))
        if context != self._rule_context:  # destinations or identifiers changed: every connection may judge anew
            self._rule_cache.clear()
            self._rule_context = context
        cache: dict[int, tuple[Audience | Journey, list[Problem]]] = {}
        found = list(self._loader_problems)
        owners: tuple[Audience | Journey, ...] = (*space.audiences, *space.journeys)
        for owner in owners:
            key = id(owner)
            hit = self._rule_cache.get(key)
            if hit is None or hit[0] is not owner:
                hit = (owner, rules.check_owner(space, owner))
            cache[key] = hit
            found.extend(hit[1])
        self._rule_cache = cache
        for space_check in rules.SPACE_CHECKS:
            found.extend(space_check(space))
        found.sort(key=sort_key)
        self.problems = found

    @property
    def space(self) -> Space:
        assert self.result.space is not None, "the app opens only files that parse"
        return self.result.space

    @property
    def path(self) -> Path | None:
        return self.document.path

    @property
    def dirty(self) -> bool:
        return self.document.dirty

    @property
    def counts(self) -> tuple[int, int]:
        return count(self.problems)

    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.is_error]

    def problems_at(self, where: str, exact: bool = False) -> list[Problem]:
        """Problems at `where` (and, unless exact, anywhere inside it)."""
        if exact:
            return [p for p in self.problems if p.where == where]
        return [p for p in self.problems if p.where == where or p.where.startswith(where + ".")]

    # -- look-ups --------------------------------------------------------------------------------------------
    def connection_ref(self, conn_path: DataPath) -> ConnectionRef | None:
        for ref in self.space.connections():
            if ref.connection.path == conn_path:
                return ref
        return None

    def find(self, where: str) -> Found | None:
        """What a problem's place names, as references into the model (the UI picks the screen); None: nothing."""
        space = self.space
        for destination in space.destinations:
            if where == destination.where:
                return Found("destinations", destination)
        for ref in space.connections():
            connection = ref.connection
            section = "audiences" if ref.audience is not None else "journeys"
            if where == connection.where:
                return Found(section, connection, ref)
            for index, row in enumerate(connection.identifiers):
                if where == row.where:
                    return Found(section, row, ref, index)
        for audience in space.audiences:
            if where == audience.where or where.startswith(audience.where + "."):
                return Found("audiences", audience)
        for journey in space.journeys:
            if where == journey.where or where.startswith(journey.where + "."):
                return Found("journeys", journey)
        for section in ("identifiers", "destinations"):
            if where.startswith(section):
                return Found(section, None)
        return None

    def users_of(self, destination_key: str) -> list[str]:
        return [
            ref.connection.where for ref in self.space.connections() if ref.connection.destination == destination_key
        ]

    def destinations_free_for(self, connections: tuple[Connection, ...]) -> list[Destination]:
        """Destinations of the space not yet connected to this owner: what `connect` may offer."""
        taken = {c.destination for c in connections}
        return [d for d in self.space.destinations if d.key not in taken]

    # -- enforcement -------------------------------------------------------------------------------------------
    def refusal(self, ref: ConnectionRef, proposed: Connection) -> Problem | None:
        """The problem that refuses `proposed` (the connection after an edit), or None when it may be made."""
        before = {(p.code, p.where) for p in rules.check_connection(self.space, ref)}
        after_ref = ref._replace(connection=proposed)
        for problem in rules.check_connection(self.space, after_ref):
            if problem.code in REFUSED_CODES and (problem.code, problem.where) not in before:
                return problem
        return None

    def proposed_rows(self, ref: ConnectionRef, rows: list[IdRow]) -> Connection:
        connection = ref.connection
        renumbered = tuple(
            row._replace(
                path=(*connection.path, "identifiers", index),
                where=f"{connection.where}.identifiers[{index + 1}]",
            )
            for index, row in enumerate(rows)
        )
        return connection._replace(identifiers=renumbered)

    def strategy_allowed(self, ref: ConnectionRef, index: int, strategy: str) -> Problem | None:
        rows = list(ref.connection.identifiers)
        rows[index] = rows[index]._replace(strategy=strategy)
        return self.refusal(ref, self.proposed_rows(ref, rows))

    def row_allowed(self, ref: ConnectionRef, index: int | None, row: IdRow) -> Problem | None:
        """Whether setting row `index` (or adding a row, when None) to `row` may be done."""
        rows = list(ref.connection.identifiers)
        if index is None:
            rows.append(row)
        else:
            rows[index] = row
        return self.refusal(ref, self.proposed_rows(ref, rows))

    # -- edits -------------------------------------------------------------------------------------------------
    def edit(self, change: Callable[[SpaceDocument], object], done: str) -> Outcome:
        try:
            change(self.document)
        except EditError as error:
            return Outcome(False, str(error))
        self.refresh(self.document.last_changed)
        return Outcome(True, done)

    def undo(self) -> Outcome:
        label = self.document.undo()
        if label is None:
            return Outcome(False, "nothing to undo")
        self.refresh(self.document.last_changed)
        return Outcome(True, f"undone: {label}")

    def redo(self) -> Outcome:
        label = self.document.redo()
        if label is None:
            return Outcome(False, "nothing to redo")
        self.refresh(self.document.last_changed)
        return Outcome(True, f"redone: {label}")

    def reload(self) -> None:
        self.document.reload()
        self.refresh()


def suggested_destination_key(destination: Destination | None, segment: str) -> str:
    """A sensible destination identifier for a new row: the dropdown's match, else the key with `_` for `.`."""
    if destination is not None:
        offered = catalog.offered_keys(destination.type)
        if offered is not None:
            suggestions = catalog.DROPDOWN_SUGGESTIONS.get(destination.type)
            guess = suggestions.get(segment) if suggestions is not None else None
            return guess if guess is not None and guess in offered else offered[0]
    return segment.replace(".", "_")


def preselected_destination_key(destination: Destination | None, row: IdRow) -> str:
    """What the row dialog's dropdown starts on: the row's key when offered, else the offered key it most likely
    meant (`Email` -> `EMAIL`), else the suggestion for its Segment identifier (email -> `EMAIL`)."""
    offered = catalog.offered_keys(destination.type) if destination is not None else None
    if offered is None or row.destination in offered:
        return row.destination
    if row.destination:
        meant = nearest(row.destination, offered)
        if meant is not None:
            return meant
    return suggested_destination_key(destination, row.segment)
