"""The Audiences, Journeys and Destinations screens, and the frame they share (header, nav, status, footer).

Dialogs and the sync log are imported where they are first used, not here: the first frame does not wait for
modules it does not draw (benchmarks/bench_startup.py).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.coordinate import Coordinate
from textual.geometry import Region
from textual.screen import Screen
from textual.strip import Strip
from textual.widgets import DataTable, Header, Static

from idsync_tui import catalog
from idsync_tui.session import Session
from idsync_tui.space.model import Audience, Condition, Connection, DataPath, Destination, Journey, Step
from idsync_tui.space.problems import count
from idsync_tui.ui.keysbar import KeysBar

if TYPE_CHECKING:
    from idsync_tui.ui.dialogs import FormDialog
    from idsync_tui.ui.logpane import LogPane

NAV = (
    ("1", "audiences", "Audiences"),
    ("2", "journeys", "Journeys"),
    ("3", "destinations", "Destinations"),
    ("4", "profiles", "Profiles"),
)


class NavBar(Static):
    """Which screen is showing, the keys to the others, and the problem counts (always visible)."""

    DEFAULT_CSS = "NavBar { height: 1; background: $panel; padding: 0 1; }"

    def render_for(self, session: Session) -> None:
        # The counts must stay visible at 80 columns: short labels there, words when the terminal is wide.
        wide = self.app.size.width >= 100
        text = Text()
        current = self.app.current_mode
        for key, mode, label in NAV:
            style = "bold reverse" if mode == current else ""
            text.append(f" {key} {label} ", style=style)
            text.append(" " if wide else "")
        errors, warnings = session.counts
        text.append("  " if wide else " ")
        error_word = f" error{'s' * (errors != 1)}" if wide else ""
        warning_word = f" warning{'s' * (warnings != 1)}" if wide else ""
        text.append(f"✖ {errors}{error_word}", style="bold red" if errors else "dim")
        text.append("  " if wide else " ")
        text.append(f"⚠ {warnings}{warning_word}", style="yellow" if warnings else "dim")
        text.append("  [p]" if wide else " p", style="dim")
        self.update(text)


class StatusLine(Static):
    """The last thing that happened: an edit made, refused or undone, a save."""

    DEFAULT_CSS = """
    StatusLine { height: 1; padding: 0 1; color: $text-muted; }
    StatusLine.error { color: $error; text-style: bold; }
    """


class SpaceScreen(Screen):
    """A screen of the app: header, nav bar, a body, status line, footer; redrawn when the session changes."""

    @property
    def session(self) -> Session:
        return self.app.session  # type: ignore[attr-defined]

    def compose(self) -> ComposeResult:
        yield Header(show_clock=False, icon="≡")
        yield NavBar()
        yield from self.compose_body()
        if getattr(self.app, "sync_log", None) is not None:  # the sync log (l) has been opened: every screen has it
            from idsync_tui.ui.logpane import LogPane

            yield LogPane()
        yield StatusLine()
        yield KeysBar()

    def compose_body(self) -> ComposeResult:
        yield from ()

    def on_mount(self) -> None:
        self.watch(self.app, "revision", self._redraw, init=True)
        self.watch(self.app, "status", self._show_status, init=True)

    async def on_screen_resume(self) -> None:
        if getattr(self.app, "sync_log", None) is not None:
            await self.log_pane()

    async def log_pane(self) -> LogPane:
        """This screen's sync log pane, mounted the first time the log is opened (start-up does not pay for it)."""
        from idsync_tui.ui.logpane import LogPane

        panes = self.query(LogPane)
        if panes:
            return panes.first()
        pane = LogPane()
        await self.mount(pane, before=self.query_one(StatusLine))
        return pane

    def _redraw(self, _revision: int) -> None:
        self.query_one(NavBar).render_for(self.session)
        self.refresh_view()

    def _show_status(self, status: tuple[str, bool]) -> None:
        message, error = status
        line = self.query_one(StatusLine)
        line.update(message)
        line.set_class(error, "error")

    def refresh_view(self) -> None:
        """Redraw the body from the session's current model."""

    def focus_on(self, target: object) -> None:
        """Select `target` (an audience, journey, destination...) after a jump from the problems list."""

    def selection(self) -> tuple[str, object] | None:
        """What the sync log runs for: ("audience", key), ("journey", key), ("connection", path); None: the space."""
        return None

    # -- shared helpers ---------------------------------------------------------------------------------------
    def edit(self, change, done: str) -> bool:  # type: ignore[no-untyped-def]
        outcome = self.session.edit(change, done)
        self.app.edited(outcome)  # type: ignore[attr-defined]
        return outcome.ok

    def badge(self, where: str) -> Text:
        errors, warnings = count(self.session.problems_at(where))
        if errors:
            return Text(f"✖{errors}", style="bold red")
        if warnings:
            return Text(f"⚠{warnings}", style="yellow")
        return Text("✔", style="green")


# Rows added before the first frame beyond the cursor's screenful; the rest come a chunk per frame after it.
MIN_FIRST_CHUNK = 30
CHUNK = 200


class ListTable(DataTable):
    """A list the screens fill from the session: an edit updates the cells it changed, a new list comes in chunks.

    DataTable measures every cell of every new row before the next frame (~0.15 ms a row here), so a 1,000-row list
    added at once holds the first frame back by ~150 ms, and so would re-adding it for every edit. `fill` updates
    changed cells in place when the list keeps its length; otherwise it adds a screenful past the cursor and leaves
    the rest pending: a chunk is added each time a frame showing the table has been rendered, and moving the cursor
    to a row not added yet (a jump to a problem) adds the rows up to it first.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._rows: list[tuple[object, ...]] | None = None  # what the last fill showed
        self._pending: tuple[list[tuple[object, ...]], int] | None = None  # rows, and the first not added yet
        self._chunk_queued = False

    def fill(self, rows: list[tuple[object, ...]]) -> None:
        """Show `rows`, keeping the cursor where it was when it can."""
        cursor = min(max(self.cursor_row, 0), max(len(rows) - 1, 0))
        shown, self._rows = self._rows, rows
        if shown is not None and len(shown) == len(rows) == self.row_count:
            for row_index, (old, new) in enumerate(zip(shown, rows, strict=True)):
                if old != new:
                    for column, (before, after) in enumerate(zip(old, new, strict=True)):
                        if before != after:
                            self.update_cell_at(Coordinate(row_index, column), after)
            return
        self.clear()
        first = cursor + max(self.app.size.height, MIN_FIRST_CHUNK)
        for row in rows[:first]:
            self.add_row(*row)
        if first < len(rows):
            self._pending = (rows, first)
            self.refresh()
        if rows:
            self.move_cursor(row=cursor)

    def add_pending(self, upto: int | None = None) -> None:
        """Adds pending rows: a chunk, or every row up to and including `upto`."""
        if self._pending is None:
            return
        rows, start = self._pending
        end = min(len(rows), start + CHUNK if upto is None else max(upto + 1, start))
        for row in rows[start:end]:
            self.add_row(*row)
        self._pending = (rows, end) if end < len(rows) else None

    def clear(self, columns: bool = False) -> ListTable:
        self._pending = None
        return super().clear(columns)  # type: ignore[return-value]

    def move_cursor(
        self, *, row: int | None = None, column: int | None = None, animate: bool = False, scroll: bool = True
    ) -> None:
        if row is not None and row >= self.row_count:
            self.add_pending(upto=row)
        super().move_cursor(row=row, column=column, animate=animate, scroll=scroll)

    def render_lines(self, crop: Region) -> list[Strip]:
        lines = super().render_lines(crop)
        # While the app batches updates (as it does while mounting), what is rendered is not written out.
        if self._pending is not None and not self._chunk_queued and not getattr(self.app, "_batch_count", 0):
            self._chunk_queued = True
            self.call_later(self._add_chunk)
        return lines

    def _add_chunk(self) -> None:
        self._chunk_queued = False
        if self._pending is not None:
            self.add_pending()
            self.refresh()


def conditions_text(conditions: tuple[Condition, ...], empty: str) -> Text:
    if not conditions:
        return Text(empty, style="dim")
    text = Text()
    for condition in conditions:
        value = "" if condition.op == "exists" and condition.value is None else f" {condition.value!r}"
        text.append(f"  • {condition.trait} {condition.op}{value}\n")
    text.rstrip()
    return text


def connection_row(screen: SpaceScreen, connection: Connection) -> tuple[object, ...]:
    sends = [name for name, on_ in (("identify", connection.send_identify), ("track", connection.send_track)) if on_]
    destination = screen.session.space.destination(connection.destination)
    if destination is not None and destination.is_list:
        sends = ["list"]
    if connection.send_mobile_ids:
        sends.append("mobile")
    setup = "custom" if connection.customized else "default"
    return (
        connection.destination,
        setup + (" ●live" if connection.live else ""),
        str(len(connection.identifiers)) if connection.identifiers else "-",
        "+".join(sends) or "nothing",
        screen.badge(connection.where),
    )


class ConnectionsTable(ListTable):
    BINDINGS = [
        Binding("c", "screen.connect", "Connect", id="connections.connect"),
        Binding("x", "screen.disconnect", "Disconnect", id="connections.disconnect"),
    ]


class EntityTable(ListTable):
    """A list of audiences, journeys, steps or destinations: add, rename, delete act on it."""

    BINDINGS = [
        Binding("a", "screen.add", "Add", id="list.add"),
        Binding("r", "screen.rename", "Rename", id="list.rename"),
        Binding("d,delete", "screen.delete", "Delete", id="list.delete"),
    ]


def key_dialog(
    title: str, key: str = "", name: str = "", extra: list[tuple[str, str, object]] | None = None
) -> FormDialog:
    from idsync_tui.ui.dialogs import FormDialog

    return FormDialog(title, [("key", "Key:", key), ("name", "Name:", name), *(extra or [])])


def selected(table: DataTable, items: tuple) -> object | None:  # type: ignore[type-arg]
    if not items or table.row_count == 0:
        return None
    return items[min(max(table.cursor_row, 0), len(items) - 1)]


class OwnerScreen(SpaceScreen):
    """A screen whose selection owns connections (an audience, a send step): list, connect, disconnect, edit."""

    def owner_connections(self) -> tuple[DataPath, tuple[Connection, ...]] | None:
        raise NotImplementedError

    def show_connections(self) -> None:
        table = self.query_one(ConnectionsTable)
        owner = self.owner_connections()
        connections = owner[1] if owner else ()
        table.fill([connection_row(self, c) for c in connections])

    def selected_connection(self) -> Connection | None:
        owner = self.owner_connections()
        table = self.query_one(ConnectionsTable)
        if owner is None or not owner[1] or table.row_count == 0:
            return None
        return owner[1][min(table.cursor_row, len(owner[1]) - 1)]

    def owner_selection(self) -> tuple[str, object] | None:
        return None

    def selection(self) -> tuple[str, object] | None:
        """The highlighted connection when the connections list has (or last had, before the log) the focus."""
        from idsync_tui.ui.logpane import LogPane

        panes = self.query(LogPane)
        focused = panes.first().focus_outside() if panes else self.focused
        connection = self.selected_connection()
        if connection is not None and focused is self.query_one(ConnectionsTable):
            return ("connection", connection.path)
        return self.owner_selection()

    @on(DataTable.RowSelected, "ConnectionsTable")
    def open_editor(self) -> None:
        connection = self.selected_connection()
        if connection is not None:
            self.app.open_editor(connection.path)  # type: ignore[attr-defined]

    def action_connect(self) -> None:
        from idsync_tui.ui.dialogs import FormDialog

        owner = self.owner_connections()
        if owner is None:
            self.app.say("Nothing selected to connect: pick an audience or a send step first", error=True)  # type: ignore[attr-defined]
            return
        path, connections = owner
        if not self.session.space.destinations:
            self.app.say("No destination in this space: add one on the Destinations screen first (press 3)", error=True)  # type: ignore[attr-defined]
            return
        free = self.session.destinations_free_for(connections)
        if not free:
            self.app.say(  # type: ignore[attr-defined]
                "Every destination of the space is already connected here; add another on the Destinations screen (3)",
                error=True,
            )
            return
        options = [(f"{d.key} · {d.name}", d.key) for d in free]
        dialog = FormDialog("Connect a destination", [("destination", "Destination:", options)])

        def connect(values: dict[str, str] | None) -> None:
            if values:
                key = values["destination"]
                self.edit(lambda d: d.add_connection(path, key), f"connected {key}")

        self.app.push_screen(dialog, connect)

    def action_disconnect(self) -> None:
        from idsync_tui.ui.dialogs import ConfirmDialog

        connection = self.selected_connection()
        if connection is None:
            return
        dialog = ConfirmDialog(
            "Disconnect?",
            f"Remove the connection {connection.where} and its {len(connection.identifiers)} identifier rows? "
            "(u undoes it)",
            [("Disconnect", "yes", "error"), ("Cancel", "no", "default")],
        )

        def disconnect(choice: str | None) -> None:
            if choice == "yes":
                self.edit(lambda d: d.remove_connection(connection.path), f"disconnected {connection.where}")

        self.app.push_screen(dialog, disconnect)


# ----------------------------------------------------------------------------------------------------------
class AudiencesScreen(OwnerScreen):
    DEFAULT_CSS = """
    AudiencesScreen #audiences { width: 1fr; overflow-x: hidden; }
    AudiencesScreen Horizontal > Vertical { width: 48; }
    AudiencesScreen #detail { padding: 0 1; height: auto; max-height: 9; }
    AudiencesScreen .heading { text-style: bold; padding: 0 1; }
    """

    def compose_body(self) -> ComposeResult:
        with Horizontal():
            audiences = EntityTable(id="audiences", cursor_type="row")
            audiences.add_columns("Audience", "Conn", "", "Name")
            yield audiences
            with Vertical():
                yield Static(id="detail")
                yield Static("Connections  ⏎ edit · c connect · x drop", classes="heading")
                connections = ConnectionsTable(id="connections", cursor_type="row")
                connections.add_columns("Destination", "Setup", "Rows", "Sends", "")
                yield connections

    def on_mount(self) -> None:
        super().on_mount()
        self.query_one("#audiences").focus()

    @property
    def audience(self) -> Audience | None:
        return selected(self.query_one("#audiences", DataTable), self.session.space.audiences)  # type: ignore[return-value]

    def owner_connections(self) -> tuple[DataPath, tuple[Connection, ...]] | None:
        audience = self.audience
        return (audience.path, audience.connections) if audience else None

    def owner_selection(self) -> tuple[str, object] | None:
        audience = self.audience
        return ("audience", audience.key) if audience else None

    def refresh_view(self) -> None:
        space = self.session.space
        self.query_one("#audiences", ListTable).fill(
            [(a.key, str(len(a.connections)), self.badge(a.where), a.name) for a in space.audiences]
        )
        self.show_audience()

    @on(DataTable.RowHighlighted, "#audiences")
    def show_audience(self) -> None:
        audience = self.audience
        detail = self.query_one("#detail", Static)
        if audience is None:
            detail.update(Text("No audiences yet: press a to add one.", style="dim"))
        else:
            text = Text.assemble((audience.name, "bold"), "  ", (audience.key, "dim"), "\nMembers when:\n")
            text.append_text(conditions_text(audience.conditions, "  everyone (no conditions)"))
            detail.update(text)
        self.show_connections()

    def focus_on(self, target: object) -> None:
        for index, audience in enumerate(self.session.space.audiences):
            if audience is target or (isinstance(target, Audience) and audience.key == target.key):
                table = self.query_one("#audiences", DataTable)
                table.move_cursor(row=index)
                table.focus()

    def action_add(self) -> None:
        def add(values: dict[str, str] | None) -> None:
            if values:
                self.edit(lambda d: d.add_audience(values["key"], values["name"]), f"audience {values['key']} added")

        self.app.push_screen(key_dialog("New audience"), add)

    def action_rename(self) -> None:
        audience = self.audience
        if audience is None:
            return

        def rename(values: dict[str, str] | None) -> None:
            if values:
                new_key = values["key"] if values["key"] != audience.key else None
                new_name = values["name"] if values["name"] != audience.name else None
                if new_key or new_name:
                    self.edit(
                        lambda d: d.rename_audience(audience.key, new_key=new_key, name=new_name),
                        f"audience {audience.key} renamed",
                    )

        self.app.push_screen(key_dialog(f"Rename audience {audience.key}", audience.key, audience.name), rename)

    def action_delete(self) -> None:
        from idsync_tui.ui.dialogs import ConfirmDialog

        audience = self.audience
        if audience is None:
            return

        def delete(choice: str | None) -> None:
            if choice == "yes":
                self.edit(lambda d: d.remove_audience(audience.key), f"audience {audience.key} deleted")

        self.app.push_screen(
            ConfirmDialog(
                f"Delete audience {audience.key}?",
                f"{audience.name}, with its {len(audience.conditions)} conditions and "
                f"{len(audience.connections)} connections. (u undoes it)",
                [("Delete", "yes", "error"), ("Cancel", "no", "default")],
            ),
            delete,
        )


# ----------------------------------------------------------------------------------------------------------
class JourneysScreen(OwnerScreen):
    DEFAULT_CSS = """
    JourneysScreen #left { width: 34; }
    JourneysScreen #journeys { height: 1fr; }
    JourneysScreen #steps { height: 1fr; }
    JourneysScreen #detail { padding: 0 1; height: auto; max-height: 9; }
    JourneysScreen .heading { text-style: bold; padding: 0 1; }
    """

    def compose_body(self) -> ComposeResult:
        with Horizontal():
            with Vertical(id="left"):
                journeys = EntityTable(id="journeys", cursor_type="row")
                journeys.add_columns("Journey", "Steps", "")
                yield journeys
                steps = EntityTable(id="steps", cursor_type="row")
                steps.add_columns("#", "Step", "Type", "")
                yield steps
            with Vertical():
                yield Static(id="detail")
                yield Static("Send step  ⏎ edit · c connect · x drop", classes="heading")
                connections = ConnectionsTable(id="connections", cursor_type="row")
                connections.add_columns("Destination", "Setup", "Rows", "Sends", "")
                yield connections

    def on_mount(self) -> None:
        super().on_mount()
        self.query_one("#journeys").focus()

    @property
    def journey(self) -> Journey | None:
        return selected(self.query_one("#journeys", DataTable), self.session.space.journeys)  # type: ignore[return-value]

    @property
    def step(self) -> Step | None:
        journey = self.journey
        if journey is None:
            return None
        return selected(self.query_one("#steps", DataTable), journey.steps)  # type: ignore[return-value]

    def owner_selection(self) -> tuple[str, object] | None:
        journey = self.journey
        return ("journey", journey.key) if journey else None

    def owner_connections(self) -> tuple[DataPath, tuple[Connection, ...]] | None:
        step = self.step
        if step is None or step.type != "send":
            return None
        return step.path, step.connections

    def refresh_view(self) -> None:
        self.query_one("#journeys", ListTable).fill(
            [(j.key, str(len(j.steps)), self.badge(j.where)) for j in self.session.space.journeys]
        )
        self.show_journey()

    @on(DataTable.RowHighlighted, "#journeys")
    def show_journey(self) -> None:
        journey = self.journey
        steps = journey.steps if journey else ()
        self.query_one("#steps", ListTable).fill(
            [(str(i + 1), s.key, s.type, self.badge(s.where)) for i, s in enumerate(steps)]
        )
        self.show_step()

    @on(DataTable.RowHighlighted, "#steps")
    def show_step(self) -> None:
        journey, step = self.journey, self.step
        detail = self.query_one("#detail", Static)
        if journey is None:
            detail.update(Text("No journeys yet: press a to add one.", style="dim"))
        elif step is None:
            detail.update(Text.assemble((journey.name, "bold"), "\nNo steps yet: tab to the steps list, press a."))
        elif step.type == "filter":
            text = Text.assemble((journey.name, "bold"), f"  step {step.key}: ", ("filter", "bold"))
            text.append("\nProfiles go on only when:\n")
            text.append_text(conditions_text(step.conditions, "  (no conditions: everyone goes on)"))
            detail.update(text)
        else:
            detail.update(
                Text.assemble(
                    (journey.name, "bold"),
                    f"  step {step.key}: ",
                    ("send", "bold"),
                    "\nProfiles that reach this step are sent to its connections (lists never remove).",
                )
            )
        self.show_connections()

    def focus_on(self, target: object) -> None:
        for index, journey in enumerate(self.session.space.journeys):
            if journey is target or (isinstance(target, Journey) and journey.key == target.key):
                table = self.query_one("#journeys", DataTable)
                table.move_cursor(row=index)
                table.focus()

    def focus_step(self, journey_key: str, step_key: str) -> None:
        journey = self.session.space.journey(journey_key)
        if journey is None:
            return
        self.focus_on(journey)
        self.show_journey()
        for index, step in enumerate(journey.steps):
            if step.key == step_key:
                self.query_one("#steps", DataTable).move_cursor(row=index)

    def _steps_focused(self) -> bool:
        return self.focused is self.query_one("#steps")

    def action_add(self) -> None:
        from idsync_tui.ui.dialogs import FormDialog

        if self._steps_focused():
            journey = self.journey
            if journey is None:
                return

            def add_step(values: dict[str, str] | None) -> None:
                if values:
                    self.edit(
                        lambda d: d.add_step(journey.key, values["key"], values["type"]),
                        f"step {values['key']} added to {journey.key}",
                    )

            dialog = FormDialog(
                f"New step in journey {journey.key}",
                [("key", "Key:", ""), ("type", "Type:", [(f"{t}", t) for t in catalog.STEP_TYPES])],
                hint="filter: profiles that fail its conditions leave · send: its connections receive the profiles",
            )
            self.app.push_screen(dialog, add_step)
            return

        def add(values: dict[str, str] | None) -> None:
            if values:
                self.edit(lambda d: d.add_journey(values["key"], values["name"]), f"journey {values['key']} added")

        self.app.push_screen(key_dialog("New journey"), add)

    def action_rename(self) -> None:
        from idsync_tui.ui.dialogs import FormDialog

        journey = self.journey
        if journey is None:
            return
        if self._steps_focused():
            step = self.step
            if step is None:
                return

            def rename_step(values: dict[str, str] | None) -> None:
                if values and values["key"] != step.key:
                    self.edit(
                        lambda d: d.rename_step(journey.key, step.key, values["key"]),
                        f"step {step.key} renamed {values['key']}",
                    )

            self.app.push_screen(FormDialog(f"Rename step {step.key}", [("key", "Key:", step.key)]), rename_step)
            return

        def rename(values: dict[str, str] | None) -> None:
            if values:
                new_key = values["key"] if values["key"] != journey.key else None
                new_name = values["name"] if values["name"] != journey.name else None
                if new_key or new_name:
                    self.edit(
                        lambda d: d.rename_journey(journey.key, new_key=new_key, name=new_name),
                        f"journey {journey.key} renamed",
                    )

        self.app.push_screen(key_dialog(f"Rename journey {journey.key}", journey.key, journey.name), rename)

    def action_delete(self) -> None:
        from idsync_tui.ui.dialogs import ConfirmDialog

        journey = self.journey
        if journey is None:
            return
        step = self.step if self._steps_focused() else None
        what = f"step {step.key} of journey {journey.key}" if step else f"journey {journey.key}"

        def delete(choice: str | None) -> None:
            if choice != "yes":
                return
            if step is not None:
                self.edit(lambda d: d.remove_step(journey.key, step.key), f"{what} deleted")
            else:
                self.edit(lambda d: d.remove_journey(journey.key), f"{what} deleted")

        self.app.push_screen(
            ConfirmDialog(
                f"Delete {what}?", "(u undoes it)", [("Delete", "yes", "error"), ("Cancel", "no", "default")]
            ),
            delete,
        )


# ----------------------------------------------------------------------------------------------------------
class DestinationsScreen(SpaceScreen):
    DEFAULT_CSS = """
    DestinationsScreen #destinations { height: 1fr; }
    DestinationsScreen #detail { padding: 0 1; height: auto; max-height: 8; }
    """

    def compose_body(self) -> ComposeResult:
        table = EntityTable(id="destinations", cursor_type="row")
        table.add_columns("Key", "Type", "Name", "Used by", "")
        yield table
        yield Static(id="detail")

    def on_mount(self) -> None:
        super().on_mount()
        self.query_one("#destinations").focus()

    @property
    def destination(self) -> Destination | None:
        return selected(self.query_one("#destinations", DataTable), self.session.space.destinations)  # type: ignore[return-value]

    def refresh_view(self) -> None:
        space = self.session.space
        rows = []
        for destination in space.destinations:
            kind = catalog.DESTINATION_TYPE_SHORT.get(destination.type, destination.type)
            if destination.type == catalog.GOOGLE:
                kind += f" ({destination.external_id_type})"
            users = len(self.session.users_of(destination.key))
            rows.append((destination.key, kind, destination.name, str(users), self.badge(destination.where)))
        self.query_one("#destinations", ListTable).fill(rows)
        self.show_destination()

    @on(DataTable.RowHighlighted, "#destinations")
    def show_destination(self) -> None:
        destination = self.destination
        detail = self.query_one("#detail", Static)
        if destination is None:
            detail.update(Text("No destinations yet: press a to add one from the catalogue.", style="dim"))
            return
        users = self.session.users_of(destination.key)
        text = Text.assemble(
            (destination.name, "bold"),
            "  ",
            (catalog.DESTINATION_TYPE_LABELS.get(destination.type, destination.type), "dim"),
        )
        offered = catalog.offered_keys(destination.type)
        text.append("\nDestination identifiers: " + (", ".join(offered) if offered else "free text"))
        text.append("\nUsed by: " + (", ".join(users) if users else "nothing yet (connect it from an audience: c)"))
        detail.update(text)

    def focus_on(self, target: object) -> None:
        for index, destination in enumerate(self.session.space.destinations):
            if destination is target:
                self.query_one("#destinations", DataTable).move_cursor(row=index)

    def action_add(self) -> None:
        from idsync_tui.ui.dialogs import DestinationDialog

        dialog = DestinationDialog()

        def add(values: dict[str, str] | None) -> None:
            if values:
                google = values["type"] == catalog.GOOGLE
                self.edit(
                    lambda d: d.add_destination(
                        values["key"], values["type"], values["name"], values["external_id_type"] if google else None
                    ),
                    f"destination {values['key']} added",
                )

        self.app.push_screen(dialog, add)

    def action_rename(self) -> None:
        destination = self.destination
        if destination is None:
            return

        def rename(values: dict[str, str] | None) -> None:
            if values:
                new_key = values["key"] if values["key"] != destination.key else None
                new_name = values["name"] if values["name"] != destination.name else None
                if new_key or new_name:
                    users = len(self.session.users_of(destination.key))
                    also = f" and its {users} connections" if new_key and users else ""
                    self.edit(
                        lambda d: d.rename_destination(destination.key, new_key=new_key, name=new_name),
                        f"destination {destination.key} renamed{also}",
                    )

        self.app.push_screen(
            key_dialog(f"Rename destination {destination.key}", destination.key, destination.name), rename
        )

    def action_delete(self) -> None:
        from idsync_tui.ui.dialogs import ConfirmDialog

        destination = self.destination
        if destination is None:
            return
        users = self.session.users_of(destination.key)
        if users:
            body = f"{len(users)} connection(s) use it and would be removed with it:\n" + "\n".join(
                f"  • {u}" for u in users
            )
            choices = [("Remove with its connections", "cascade", "error"), ("Cancel", "no", "default")]
        else:
            body = "Nothing uses it. (u undoes it)"
            choices = [("Remove", "yes", "error"), ("Cancel", "no", "default")]

        def delete(choice: str | None) -> None:
            if choice in ("yes", "cascade"):
                self.edit(
                    lambda d: d.remove_destination(destination.key, cascade=choice == "cascade"),
                    f"destination {destination.key} removed" + (f" with {len(users)} connections" if users else ""),
                )

        self.app.push_screen(ConfirmDialog(f"Remove destination {destination.key}?", body, choices), delete)
