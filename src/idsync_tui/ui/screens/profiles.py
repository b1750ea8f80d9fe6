"""The Profiles screen (4): browse and search the sample profiles; for one, its identity graph with the value each
strategy picks marked, its traits and memberships, and the exact events a chosen connection sends for it.

Everything shown comes from the simulator (`simulator.stats` asks the engine what each strategy picks; events are
`engine.connection_events`, rendered like `idsync-tui simulate --format text`). The file is read in a thread worker,
capped at `READ_CAP` profiles, so a large file never blocks the UI.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from rich.console import Group
from rich.table import Table
from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import DataTable, Input, Select, Static
from textual.worker import get_current_worker

from idsync_tui.session import Session
from idsync_tui.simulator import stats as simstats
from idsync_tui.simulator.engine import ENTER, Notice, SyncContext, connection_events
from idsync_tui.simulator.membership import qualifies
from idsync_tui.simulator.profiles import Profile, format_time
from idsync_tui.simulator.render import event_text, notice_text
from idsync_tui.simulator.timeline import build_units
from idsync_tui.space.model import ConnectionRef, DataPath, Space
from idsync_tui.ui.inert import plain
from idsync_tui.ui.messages import OpenEditor
from idsync_tui.ui.screens.base import SpaceScreen
from idsync_tui.ui.widgets.list_table import RowTable
from idsync_tui.ui.widgets.text_field import TextField

READ_CAP = 10_000  # profiles read from a file; the screen says when a file has more
LIST_CAP = 1_000  # rows the list shows at once; the search narrows the rest down
WIDE = 120


def _added(key: str, wide: bool = True) -> str:
    """`2024-03-02T08:30:00` -> `2024-03-02 08:30` (wide) or `2024-03-02` (80 columns)."""
    if not key:
        return "?"
    return key.replace("T", " ")[:16] if wide else key[:10]


# Marks at 80 columns, where the full strategy names would leave no room for the values.
SHORT_MARKS = {"first_added": "first", "last_added": "last", "all": "all"}


def _show_value(value: Any) -> str:
    return repr(value) if isinstance(value, str) else str(value).lower() if isinstance(value, bool) else str(value)


def profile_events(
    space: Space, ref: ConnectionRef, profile: Profile, at: str
) -> tuple[bool, list[dict[str, Any] | Notice]]:
    """(member?, what the connection sends for this profile at the first sync), numbered from 1 like a log."""
    found = simstats.connection_unit(space, ref)
    if found is None:
        return False, []
    predicate, plan = found
    if not qualifies(profile.ids, space.include_anonymous) or not predicate(profile.traits):
        return False, []
    outputs = connection_events(plan, profile, ENTER, SyncContext(at, 1))
    seq = 0
    for output in outputs:
        if type(output) is dict:
            seq += 1
            output["seq"] = seq
    return True, outputs


class ProfilesTable(RowTable):
    """The profiles list: id, identifier values kept, audiences the profile is a member of."""


class ProfilesScreen(SpaceScreen):
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (WIDE, "-wide")]
    BINDINGS = [
        Binding("slash", "search", "Search", id="profiles.search", key_display="/"),
        Binding("n", "cycle_connection(1)", "Next conn", id="profiles.next_connection"),
        Binding("N", "cycle_connection(-1)", "Prev conn", show=False, id="profiles.previous_connection"),
        Binding("o", "open_connection", "Open conn", id="profiles.open_connection"),
        Binding("escape", "leave_search", "Leave search", show=False, id="profiles.leave_search"),
    ]

    def __init__(self, session: Session) -> None:
        super().__init__(session)
        self.index: simstats.ProfileIndex | None = None
        self._index_key: tuple[object, ...] | None = None
        self.listed: list[int] = []  # positions in index.profiles of the rows the list shows
        self.memberships: list[tuple[str, ...]] = []  # unit ids per profile in the index
        self._membership_key: tuple[int, ...] | None = None
        self.refs: list[ConnectionRef] = []
        self.chosen: DataPath | None = None  # a connection the person picked; kept while browsing profiles
        self._auto: int | None = None  # the Select value this screen set itself (not a person's choice)
        self.shown_events: list[dict[str, Any] | Notice] = []

    def compose_body(self) -> ComposeResult:
        with Horizontal():
            with Vertical(id="left"):
                yield TextField(placeholder="/ search", id="search", compact=True)
                table = ProfilesTable(id="profiles", cursor_type="row")
                table.add_columns("Profile", "IDs", "Aud")
                yield table
                yield Static(id="count")
            with Vertical(id="right"):
                with VerticalScroll(id="profile-pane"):
                    yield Static(id="profile")
                with Horizontal(id="connection-bar"):
                    yield Static(Text("Connection (n): "), id="connection-label")
                    yield Select[int]([], id="connection", compact=True, prompt="(no connection in this space)")
                with VerticalScroll(id="events-pane"):
                    yield Static(id="events")

    def on_mount(self) -> None:  # Textual runs SpaceScreen.on_mount too (each class's handler once)
        self.query_one(ProfilesTable).focus()

    async def on_screen_resume(self) -> None:  # Textual runs SpaceScreen.on_screen_resume too
        self.load()  # the file may have changed while another screen showed

    def selection(self) -> tuple[str, object] | None:
        ref = self.selected_ref()
        return ("connection", ref.connection.path) if ref is not None else None

    # -- reading the file ----------------------------------------------------------------------------------------
    def load(self) -> None:
        """(Re)reads the profiles file in a worker when it, or the identifier limits, changed."""
        space = self.session.space
        path = space.profiles_path()
        if path is None:
            self._no_profiles(
                "This space has no sample profiles.\n\n"
                'Set profiles = "FILE.jsonl" in the [space] table of the space file (a path relative to it): '
                "one JSON object per line, as in the demo's acme.profiles.jsonl. Then come back here (4)."
            )
            return
        try:
            info = path.stat()
        except OSError:
            self._no_profiles(
                f"The profiles file {path} does not exist (IDS208).\n\n"
                "Check profiles = ... in the [space] table of the space file; the path is relative to it."
            )
            return
        limits = space.identifier_limits()
        key = (str(path), info.st_mtime_ns, info.st_size, tuple(sorted(limits.items())))
        if key == self._index_key:
            return
        self._index_key = key
        self.query_one("#count", Static).update(Text(f"Reading {path.name}…", style="dim"))
        self.read_profiles(key, path, limits)

    @work(thread=True, exclusive=True, group="profiles-index")
    def read_profiles(self, key: tuple[object, ...], path: Any, limits: dict[str, int]) -> None:
        worker = get_current_worker()

        def cancelled() -> Iterator[bool]:
            while True:
                yield worker.is_cancelled

        try:
            index = simstats.index_profiles(path, limits, READ_CAP, cancelled())
        except OSError as error:
            self.app.call_from_thread(self._no_profiles, f"The profiles file {path} cannot be read: {error}")
            return
        if not worker.is_cancelled:
            self.app.call_from_thread(self._loaded, key, index)

    def _no_profiles(self, message: str) -> None:
        self.index = None
        self._index_key = None
        self.listed = []
        self.query_one(ProfilesTable).clear()
        self.query_one("#count", Static).update(Text("no profiles", style="dim"))
        self.query_one("#profile", Static).update(Text(message))
        self.query_one("#events", Static).update("")

    def _loaded(self, key: tuple[object, ...], index: simstats.ProfileIndex) -> None:
        if key != self._index_key:
            return
        self.index = index
        self._membership_key = None
        self.refresh_view()

    # -- drawing -------------------------------------------------------------------------------------------------
    def refresh_view(self) -> None:
        self.load()
        space = self.session.space
        refs = list(space.connections())
        labels = [r.label for r in refs]
        if labels != [r.label for r in self.refs]:
            self.query_one("#connection", Select).set_options([(label, i) for i, label in enumerate(labels)])
        self.refs = refs
        if self.index is None:
            return
        self._memberships(space)
        self.filter_list()

    def _memberships(self, space: Space) -> None:
        """Which audiences and journey steps each profile is in, recomputed only when those may have changed."""
        assert self.index is not None
        key = (id(self.index), id(space.audiences), id(space.journeys), space.include_anonymous)
        if key == self._membership_key:
            return
        self._membership_key = key
        units = build_units(space)
        include_anonymous = space.include_anonymous
        memberships = []
        for profile in self.index.profiles:
            if qualifies(profile.ids, include_anonymous):
                memberships.append(tuple(u.id for u in units if u.predicate(profile.traits)))
            else:
                memberships.append(())
        self.memberships = memberships

    def filter_list(self) -> None:
        index = self.index
        if index is None:
            return
        query = self.query_one("#search", Input).value.strip().lower()
        if query:
            matches = [i for i, text in enumerate(index.haystacks) if query in text]
        else:
            matches = list(range(len(index.profiles)))
        table = self.query_one(ProfilesTable)
        current = self.current_position()
        self.listed = matches[:LIST_CAP]
        table.clear()
        for position in self.listed:
            profile = index.profiles[position]
            kept = sum(len(v) for v in profile.ids.values())
            audiences = sum(1 for unit in self.memberships[position] if unit.startswith("audience:"))
            table.add_row(plain(profile.id), str(kept), str(audiences) if audiences else "-")
        if current in self.listed:
            table.move_cursor(row=self.listed.index(current))
        total = len(index.profiles)
        count = Text(f"{len(matches)} of {total} match" if query else f"{total} profiles", style="dim")
        if len(matches) > LIST_CAP:
            count.append(f"; first {LIST_CAP:,} listed", style="dim")
        if index.more:
            count.append(f"\nfile has more: first {READ_CAP:,} read", style="yellow")
        elif index.bad_lines:
            count.append(f"\n{len(index.bad_lines)} bad lines skipped", style="yellow")
        self.query_one("#count", Static).update(count)
        self.show_profile()

    def current_position(self) -> int | None:
        table = self.query_one(ProfilesTable)
        if not self.listed or table.row_count == 0:
            return None
        return self.listed[min(max(table.cursor_row, 0), len(self.listed) - 1)]

    def current_profile(self) -> Profile | None:
        position = self.current_position()
        return self.index.profiles[position] if self.index is not None and position is not None else None

    @on(DataTable.RowHighlighted, "#profiles")
    def show_profile(self) -> None:
        index, position = self.index, self.current_position()
        pane = self.query_one("#profile", Static)
        if index is None:
            return
        if position is None:
            pane.update(Text("No profile matches the search (escape clears it).", style="dim"))
            self.query_one("#events", Static).update("")
            return
        profile = index.profiles[position]
        space = self.session.space
        data = simstats.read_line_at(index.path, index.offsets[position])
        graph = simstats.identity_graph(profile, data, space.identifier_limits())
        self.query_one("#profile", Static).update(self.profile_view(profile, graph, self.memberships[position]))
        self._choose_default_connection(self.memberships[position])
        self.show_events()

    def profile_view(self, profile: Profile, graph: list[simstats.GraphValue], units: tuple[str, ...]) -> Group:
        wide = self.app.size.width >= WIDE
        head = Text.assemble((profile.id, "bold"), (f"  line {profile.line}", "dim"))
        table = Table(box=None, padding=(0, 1, 0, 0), show_edge=False, header_style="bold", expand=True)
        table.add_column("Added", no_wrap=True)
        table.add_column("Type", no_wrap=True, overflow="ellipsis", max_width=14 if wide else 10)
        table.add_column("Value", overflow="fold", ratio=1, min_width=12)
        table.add_column("Strategy picks" if wide else "Picks", no_wrap=True)
        limits = self.session.space.identifier_limits()
        for value in graph:
            if value.dropped:
                limit = limits.get(value.type, 5)
                table.add_row(
                    _added(value.added_at, wide),
                    plain(value.type),
                    plain(value.value),
                    f"dropped: over the limit of {limit}" if wide else f"dropped (limit {limit})",
                    style="dim",
                )
                continue
            names = value.marks if wide else [SHORT_MARKS[m] for m in value.marks]
            marks = Text("◀ " + " ".join(names) if names else "")
            table.add_row(_added(value.added_at, wide), plain(value.type), plain(value.value), marks)
        if not graph:
            table.add_row("", Text("no identifiers", style="dim"), "", "")
        traits = Text("Traits: ", style="bold")
        if profile.traits:
            traits.append(" · ".join(f"{k}={_show_value(v)}" for k, v in profile.traits.items()))
        else:
            traits.append("none", style="dim")
        members = Text("Member of: ", style="bold")
        if not qualifies(profile.ids, self.session.space.include_anonymous):
            members.append("nothing (only anonymous_id, and include_anonymous is off)", style="dim")
        elif units:
            members.append(", ".join(_unit_label(u) for u in units))
        else:
            members.append("no audience or journey step", style="dim")
        title = Text("Identity graph by added_at · ◀ sent by strategy", style="dim")
        if not wide:
            title.append(" (first_added, last_added, all)", style="dim")
        return Group(head, title, table, traits, members)

    # -- the connection and its events -----------------------------------------------------------------------------
    def selected_ref(self) -> ConnectionRef | None:
        value = self.query_one("#connection", Select).value
        if isinstance(value, int) and 0 <= value < len(self.refs):
            return self.refs[value]
        return None

    def _set_connection(self, position: int) -> None:
        self._auto = position
        self.query_one("#connection", Select).value = position

    def _choose_default_connection(self, units: tuple[str, ...]) -> None:
        """The person's pick if it still exists; else the first connection of the first audience (then journey
        step) the profile is a member of; else what is showing."""
        if not self.refs:
            return
        if self.chosen is not None:
            for position, ref in enumerate(self.refs):
                if ref.connection.path == self.chosen:
                    self._set_connection(position)
                    return
        for unit in units:
            for position, ref in enumerate(self.refs):
                if _unit_of(ref) == unit:
                    self._set_connection(position)
                    return
        if self.selected_ref() is None:
            self._set_connection(0)

    @on(Select.Changed, "#connection")
    def connection_changed(self, event: Select.Changed) -> None:
        if event.value != self._auto and isinstance(event.value, int) and 0 <= event.value < len(self.refs):
            self.chosen = self.refs[event.value].connection.path
            self._auto = event.value
        self.show_events()

    def show_events(self) -> None:
        profile, ref, index = self.current_profile(), self.selected_ref(), self.index
        pane = self.query_one("#events", Static)
        self.shown_events = []
        if profile is None or ref is None or index is None:
            pane.update("")
            return
        space = self.session.space
        at = format_time(index.first_sync) if index.first_sync is not None else ""
        member, outputs = profile_events(space, ref, profile, at)
        owner = ref.owner_label
        if not member:
            pane.update(
                Text(
                    f"{profile.id} is not a member of {owner}, so {ref.connection.destination} gets nothing for it. "
                    "n: next connection.",
                    style="dim",
                )
            )
            return
        self.shown_events = outputs
        events = [o for o in outputs if type(o) is dict]
        text = Text.assemble(
            (f"{len(events)} event{'s' * (len(events) != 1)}", "bold"),
            f" for {profile.id} entering {owner} → {ref.connection.destination}, at the first sync {at}:\n",
        )
        notes: list[str] = []
        for output in outputs:
            if isinstance(output, Notice):
                text.append(notice_text(output) + "\n", style="yellow")
            else:
                text.append(event_text(output) + "\n")
                notes = output["notes"]
        for note in notes:
            text.append(f"   · {note}\n", style="dim")
        text.rstrip()
        pane.update(text)

    # -- actions -------------------------------------------------------------------------------------------------
    @on(Input.Changed, "#search")
    def search_changed(self) -> None:
        self.filter_list()

    @on(Input.Submitted, "#search")
    def search_done(self) -> None:
        self.query_one(ProfilesTable).focus()

    def action_search(self) -> None:
        self.query_one("#search", Input).focus()

    def action_leave_search(self) -> None:
        search = self.query_one("#search", Input)
        if search.value:
            search.value = ""
        self.query_one(ProfilesTable).focus()

    def action_cycle_connection(self, step: int) -> None:
        if not self.refs:
            self.say("This space has no connections yet: connect a destination on the Audiences screen (1)")
            return
        ref = self.selected_ref()
        position = self.refs.index(ref) if ref is not None else -step
        chosen = (position + step) % len(self.refs)
        self.chosen = self.refs[chosen].connection.path
        self._set_connection(chosen)

    def action_open_connection(self) -> None:
        ref = self.selected_ref()
        if ref is None:
            self.say("No connection selected (n picks the next one)", error=True)
            return
        self.post_message(OpenEditor(ref.connection.path))


def _unit_of(ref: ConnectionRef) -> str:
    if ref.audience is not None:
        return f"audience:{ref.audience.key}"
    assert ref.journey is not None and ref.step is not None
    return f"journey:{ref.journey.key}:{ref.step.key}"


def _unit_label(unit: str) -> str:
    kind, _, rest = unit.partition(":")
    return f"{kind} {rest.replace(':', '/')}"
