"""The ID Sync editor: one connection's event settings and identifier rows, with every rule enforced as you type.

Used for audience connections and journey send-step connections alike. Whether an edit is refused or flagged is
decided by the session (which asks the rules table); this module only shows it.
"""

from __future__ import annotations

from collections.abc import Callable

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, DataTable, Input, Label, RadioButton, RadioSet, Select, Static

from idsync_tui import catalog
from idsync_tui.session import Session, preselected_destination_key, suggested_destination_key
from idsync_tui.space.document import SpaceDocument
from idsync_tui.space.model import ConnectionRef, DataPath, IdRow
from idsync_tui.space.problems import Problem
from idsync_tui.ui.inert import plain
from idsync_tui.ui.screens.base import SpaceScreen
from idsync_tui.ui.screens.dialogs import FormDialog
from idsync_tui.ui.widgets.list_table import RowTable
from idsync_tui.ui.widgets.stats import WIDE, ConnectionStats
from idsync_tui.ui.widgets.text_field import TextField

# What to press to fix a flagged row, shown beside its problem.
FIXES = {
    "IDS104": "press m to turn on Send Mobile IDs",
    "IDS106": "press enter to map another identifier, or d to delete the row",
    "IDS109": "press enter to set a destination identifier",
    "IDS108": "press i or t to send Identify or Track",
    "IDS201": "press s to switch to Customized",
    "IDS203": "press a to add an identifier row",
}


def problem_line(problem: Problem) -> Text:
    text = Text()
    text.append(
        f"{'✖' if problem.is_error else '⚠'} {problem.code} ", style="bold red" if problem.is_error else "yellow"
    )
    text.append(problem.message)
    fix = FIXES.get(problem.code)
    if fix:
        text.append(f"  ({fix})", style="italic")
    return text


def on_off(value: bool) -> Text:
    return Text("on ", style="bold green") if value else Text("off", style="dim")


class RowsTable(RowTable):
    """The identifier rows; its keys act on the highlighted row."""

    BINDINGS = [
        Binding("a", "screen.add_row", "Add row", priority=True, id="rows.add"),  # opens a dialog: see ready.py
        Binding("enter", "screen.edit_row", "Edit row", show=False, priority=True, id="rows.edit"),
        Binding("d,delete", "screen.remove_row", "Delete row", id="rows.delete"),
        Binding(
            "space",
            "screen.cycle_strategy",
            "Strategy",
            id="rows.cycle_strategy",
            tooltip="next strategy the rules allow",
        ),
        Binding("A", "screen.set_strategy('all')", "Strategy: all", show=False, id="rows.strategy_all"),
        Binding(
            "F", "screen.set_strategy('first_added')", "Strategy: first_added", show=False, id="rows.strategy_first"
        ),
        Binding("L", "screen.set_strategy('last_added')", "Strategy: last_added", show=False, id="rows.strategy_last"),
        Binding("[,shift+up", "screen.move_row(-1)", "Move up", id="rows.move_up"),
        Binding("],shift+down", "screen.move_row(1)", "Move down", id="rows.move_down"),
    ]


class ConnectionEditor(SpaceScreen):
    """The ID Sync editor for the connection at `conn_path`."""

    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (WIDE, "-wide")]

    BINDINGS = [
        Binding("escape", "close", "Back", id="editor.back"),
        Binding("s", "toggle_setup", "Setup", id="editor.setup"),
        Binding("i", "toggle_setting('send_identify')", "Identify", id="editor.send_identify"),
        Binding("t", "toggle_setting('send_track')", "Track", id="editor.send_track"),
        Binding("m", "toggle_setting('send_mobile_ids')", "Mobile IDs", id="editor.send_mobile_ids"),
        Binding("e", "event_names", "Events", priority=True, id="editor.event_names"),
    ]

    def __init__(self, session: Session, conn_path: DataPath) -> None:
        super().__init__(session)
        self.conn_path = conn_path
        self.cursor_after_redraw: int | None = None  # the row to select once an edit's redraw has shown it

    def compose_body(self) -> ComposeResult:
        yield Static(id="title")
        yield Static(id="settings")
        yield Static(id="notice", markup=False)
        table = RowsTable(id="rows", cursor_type="row", zebra_stripes=True)
        table.add_columns("#", "Segment identifier", "Destination id", "Strategy", "Problems")
        with Horizontal(id="rows-area"):  # stats beside the rows at 120+ columns, two lines under them below that
            yield table
            yield ConnectionStats(id="stats")
        yield Static(id="details")

    def on_mount(self) -> None:  # Textual runs SpaceScreen.on_mount too (each class's handler once)
        self.query_one(RowsTable).focus()

    @property
    def ref(self) -> ConnectionRef | None:
        return self.session.connection_ref(self.conn_path)

    def selection(self) -> tuple[str, object] | None:
        return ("connection", self.conn_path)  # the sync log follows the connection being edited

    def refresh_view(self) -> None:
        ref = self.ref
        if ref is None:  # the connection went away (undo of a connect, a removed audience...)
            if self.app.screen is self:
                self.app.pop_screen()
            return
        connection = ref.connection
        destination = self.session.space.destination(connection.destination)
        # The destination as the space names it, and its type's short name (the type's description is long).
        kind = "not in space"
        if destination is not None:
            short = catalog.DESTINATION_TYPE_SHORT.get(destination.type, destination.type)
            kind = f"{destination.name or destination.key}, {short}"
        self.query_one("#title", Static).update(
            Text.assemble(("ID Sync  ", "bold"), f"{ref.label}  ", (f"({kind})", "dim"))
        )
        settings = Text()
        settings.append("Setup ")
        settings.append("Customized" if connection.customized else "Default", style="bold")
        settings.append(" [s]   Identify ")
        settings.append_text(on_off(connection.send_identify))
        settings.append(" [i]  Track ")
        settings.append_text(on_off(connection.send_track))
        settings.append(" [t]  Mobile IDs ")
        settings.append_text(on_off(connection.send_mobile_ids))
        settings.append(" [m]\n")
        settings.append(f"Events: “{connection.enter_event}” / “{connection.exit_event}” [e]", style="dim")
        self.query_one("#settings", Static).update(settings)

        notices = []
        if connection.live:
            notices.append(
                "Live connection: changes reach new data only, about 5 minutes after saving, and members already "
                "sent are not re-synced."
            )
        if not connection.customized and connection.identifiers:
            notices.append("Default setup: these rows are kept but not used until Customized (press s).")
        elif not connection.customized:
            notices.append("Default setup sends every default identifier. Press s for Customized to choose (ID Sync).")
        notice = self.query_one("#notice", Static)
        notice.update("\n".join(notices))
        notice.display = bool(notices)

        table = self.query_one(RowsTable)
        cursor = table.cursor_row if self.cursor_after_redraw is None else self.cursor_after_redraw
        self.cursor_after_redraw = None
        table.clear()
        custom = self.session.space.custom_identifier_keys
        inactive = not connection.customized
        for index, row in enumerate(connection.identifiers):
            problems = self.session.problems_at(row.where, exact=True)
            style = "dim" if inactive else ""
            segment = row.segment + (" (custom)" if row.segment in custom else "")
            codes = Text(
                " ".join(p.code for p in problems), style="bold red" if any(p.is_error for p in problems) else "yellow"
            )
            table.add_row(
                Text(str(index + 1), style=style),
                Text(segment, style=style),
                Text(row.destination or "(empty)", style=style),
                Text(row.strategy, style=style or ("bold" if row.strategy == "all" else "")),
                codes,
                key=str(index),
            )
        if connection.identifiers:
            table.move_cursor(row=min(cursor, len(connection.identifiers) - 1))
        self.query_one(ConnectionStats).update_for(self.session.space, ref)
        self.show_details()

    @on(DataTable.RowHighlighted)
    def show_details(self) -> None:
        ref = self.ref
        if ref is None:
            return
        connection = ref.connection
        lines = [problem_line(p) for p in self.session.problems_at(connection.where, exact=True)]
        index = self.current_index()
        if index is not None:
            lines += [
                problem_line(p) for p in self.session.problems_at(connection.identifiers[index].where, exact=True)
            ]
        if not lines:
            elsewhere = [
                str(number)
                for number, row in enumerate(connection.identifiers, 1)
                if number - 1 != index and self.session.problems_at(row.where, exact=True)
            ]
            if elsewhere:
                rows = ", ".join(elsewhere)
                lines = [
                    Text(
                        f"✔ This row is fine; row {rows} {'has' if len(elsewhere) == 1 else 'have'} problems",
                        style="yellow",
                    )
                ]
            else:
                lines = [
                    Text("✔ No problems here. enter: edit row · a: add · space: strategy · [ ]: move", style="green")
                ]
        self.query_one("#details", Static).update(Text("\n").join(lines))

    def current_index(self) -> int | None:
        ref = self.ref
        table = self.query_one(RowsTable)
        if ref is None or not ref.connection.identifiers or table.row_count == 0:
            return None
        return min(max(table.cursor_row, 0), len(ref.connection.identifiers) - 1)

    # -- actions -------------------------------------------------------------------------------------------
    def report(self, ok: bool, message: str) -> None:
        self.say(message, error=not ok)

    def action_close(self) -> None:
        self.app.pop_screen()

    def action_toggle_setup(self) -> None:
        ref = self.ref
        if ref is None:
            return
        setup = "default" if ref.connection.customized else "customized"
        self.edit(lambda d: d.set_connection(self.conn_path, "setup", setup), f"setup: {setup}")

    def action_toggle_setting(self, key: str) -> None:
        ref = self.ref
        if ref is None:
            return
        value = not getattr(ref.connection, key)
        self.edit(lambda d: d.set_connection(self.conn_path, key, value), f"{key}: {'on' if value else 'off'}")

    def action_event_names(self) -> None:
        ref = self.ref
        if ref is None:
            return
        dialog = FormDialog(
            "Event names (Track)",
            [
                ("enter_event", "Enter event:", ref.connection.enter_event),
                ("exit_event", "Exit event:", ref.connection.exit_event),
            ],
        )

        def apply(values: dict[str, str] | None) -> None:
            if not values:
                return

            def change(document) -> None:  # type: ignore[no-untyped-def]
                for key in ("enter_event", "exit_event"):
                    if values[key] != getattr(ref.connection, key):
                        document.set_connection(self.conn_path, key, values[key])

            self.edit(change, "event names set")

        self.app.push_screen(dialog, apply)

    def action_set_strategy(self, strategy: str) -> None:
        ref, index = self.ref, self.current_index()
        if ref is None or index is None:
            return
        refused = self.session.strategy_allowed(ref, index, strategy)
        if refused is not None:
            self.report(
                False,
                f"{strategy} refused, row {index + 1} keeps {ref.connection.identifiers[index].strategy}: "
                f"{refused.message}",
            )
            return
        self.edit(lambda d: d.set_row(self.conn_path, index, strategy=strategy), f"row {index + 1}: {strategy}")

    def action_cycle_strategy(self) -> None:
        """The next strategy the rules allow; one they refuse is skipped, and the status line says why."""
        ref, index = self.ref, self.current_index()
        if ref is None or index is None:
            return
        order = list(catalog.STRATEGIES)
        current = ref.connection.identifiers[index].strategy
        start = order.index(current) if current in order else -1
        skipped: list[str] = []
        for step in range(1, len(order)):
            candidate = order[(start + step) % len(order)]
            refused = self.session.strategy_allowed(ref, index, candidate)
            if refused is None:
                note = f" ({'; '.join(skipped)})" if skipped else ""
                self.edit(self.set_strategy_change(index, candidate), f"row {index + 1}: {candidate}{note}")
                return
            skipped.append(f"{candidate} unavailable: {refused.message}")
        self.report(False, "; ".join(skipped))

    def set_strategy_change(self, index: int, strategy: str) -> Callable[[SpaceDocument], None]:
        return lambda document: document.set_row(self.conn_path, index, strategy=strategy)

    def action_move_row(self, delta: int) -> None:
        ref, index = self.ref, self.current_index()
        if ref is None or index is None:
            return
        target = index + delta
        if not 0 <= target < len(ref.connection.identifiers):
            return
        self.cursor_after_redraw = target
        if not self.edit(lambda d: d.move_row(self.conn_path, index, target), f"row {index + 1} moved to {target + 1}"):
            self.cursor_after_redraw = None

    def action_remove_row(self) -> None:
        ref, index = self.ref, self.current_index()
        if ref is None or index is None:
            return
        row = ref.connection.identifiers[index]
        self.edit(lambda d: d.remove_row(self.conn_path, index), f"row {index + 1} ({row.segment}) deleted")

    def action_add_row(self) -> None:
        ref = self.ref
        if ref is None:
            return
        mapped = {row.segment for row in ref.connection.identifiers}
        known = self.session.space.known_identifiers()
        segment = next((k for k in ("email", *known) if k not in mapped), known[0])
        destination = self.session.space.destination(ref.connection.destination)
        row = IdRow(segment, suggested_destination_key(destination, segment))
        self.app.push_screen(RowDialog(self.session, ref, None, row), self.apply_row(None))

    def action_edit_row(self) -> None:
        self.edit_row()

    @on(DataTable.RowSelected)
    def edit_row(self) -> None:
        ref, index = self.ref, self.current_index()
        if ref is None or index is None:
            return
        row = ref.connection.identifiers[index]
        self.app.push_screen(RowDialog(self.session, ref, index, row), self.apply_row(index))

    def apply_row(self, index: int | None):  # type: ignore[no-untyped-def]
        def apply(row: IdRow | None) -> None:
            if row is None:
                return
            if index is None:
                ref = self.ref
                self.cursor_after_redraw = len(ref.connection.identifiers) if ref is not None else None
                if not self.edit(
                    lambda d: d.add_row(self.conn_path, row.segment, row.destination, row.strategy),
                    f"row added: {row.segment} → {row.destination} ({row.strategy})",
                ):
                    self.cursor_after_redraw = None
            else:
                ref = self.ref
                if ref is None:
                    return
                old = ref.connection.identifiers[index]
                # Only what changed is written: an untouched field keeps its line (or its absence) in the file.
                changes = {
                    field: getattr(row, field)
                    for field in ("segment", "destination", "strategy")
                    if getattr(row, field) != getattr(old, field)
                }
                if changes:
                    self.edit(
                        lambda d: d.set_row(self.conn_path, index, **changes),
                        f"row {index + 1}: {row.segment} → {row.destination} ({row.strategy})",
                    )

        return apply


class RowDialog(FormDialog):
    """Edit or add one identifier row; refuses, in place, what the rules refuse."""

    DEFAULT_CSS = """
    RowDialog RadioSet { width: 100%; }
    """

    def __init__(self, session: Session, ref: ConnectionRef, index: int | None, row: IdRow) -> None:
        super().__init__("", [])
        self.session = session
        self.ref = ref
        self.index = index
        self.row = row
        self.destination = session.space.destination(ref.connection.destination)

    def compose(self) -> ComposeResult:
        space = self.session.space
        custom = space.custom_identifier_keys
        what = "New identifier row" if self.index is None else f"Identifier row {self.index + 1}"
        with Vertical():
            yield Label(plain(f"{what} · {self.ref.label}"), classes="title")
            yield Label("Segment identifier:")
            options = [(k + ("  (custom)" if k in custom else ""), k) for k in space.known_identifiers()]
            if self.row.segment not in space.known_identifiers():
                options.append((f"{self.row.segment}  (unknown)", self.row.segment))
            yield Select(options, value=self.row.segment, allow_blank=False, id="segment", compact=True)
            destination = self.destination
            offered = catalog.offered_keys(destination.type) if destination else None
            if offered is not None and destination is not None:
                yield Label(plain(f"Destination identifier (offered by {destination.name or destination.key}):"))
                choices = [(k, k) for k in offered]
                value = preselected_destination_key(self.destination, self.row)
                yield Select(choices, value=value, allow_blank=False, id="destination", compact=True)
            else:
                yield Label("Destination identifier (free text; use _ rather than .):")
                yield TextField(self.row.destination, id="destination", placeholder="e.g. email", compact=True)
            yield Label("Strategy:")
            all_refused = self.session.row_allowed(self.ref, self.index, self.row._replace(strategy="all"))
            with RadioSet(id="strategy"):
                for strategy in catalog.STRATEGIES:
                    label = strategy
                    disabled = strategy == "all" and all_refused is not None and all_refused.code == "IDS103"
                    if disabled:
                        label = "all (unavailable: at most 3 rows may use all)"
                    yield RadioButton(label, value=strategy == self.row.strategy, disabled=disabled, name=strategy)
            yield Static("", classes="message", id="message", markup=False)
            with Horizontal(classes="buttons"):
                yield Button("OK", id="ok", variant="primary", compact=True)
                yield Button("Cancel", id="cancel", compact=True)

    def on_mount(self) -> None:
        self.query_one("#segment").focus()

    @on(Select.Changed, "#segment")
    def segment_changed(self, event: Select.Changed) -> None:
        if self.index is None and isinstance(event.value, str):  # a new row follows its identifier's natural key
            suggestion = suggested_destination_key(self.destination, event.value)
            widget = self.query_one("#destination")
            if isinstance(widget, Select | Input):
                widget.value = suggestion

    def proposed(self) -> IdRow:
        segment = str(self.query_one("#segment", Select).value)
        destination_widget = self.query_one("#destination")
        destination = str(destination_widget.value)  # type: ignore[attr-defined]
        pressed = self.query_one(RadioSet).pressed_button
        strategy = pressed.name if pressed is not None and pressed.name else self.row.strategy
        return IdRow(segment, destination, strategy)

    def accept(self) -> None:
        row = self.proposed()
        refused = self.session.row_allowed(self.ref, self.index, row)
        if refused is not None:
            self.show_message(f"Refused ({refused.code}): {refused.message}")
            return
        self.dismiss(row)
