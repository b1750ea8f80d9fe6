"""The Audiences screen."""

from __future__ import annotations

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import DataTable, Static

from idsync_tui.space.model import Audience, Connection, DataPath
from idsync_tui.ui.screens.base import OwnerScreen, conditions_text, key_dialog
from idsync_tui.ui.widgets.list_table import ConnectionsTable, EntityTable, ListTable, selected


class AudiencesScreen(OwnerScreen):
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

    def on_mount(self) -> None:  # Textual runs SpaceScreen.on_mount too (each class's handler once)
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
        def add(values: dict[str, str]) -> str | None:  # refused: the dialog stays open with the reason
            return self.try_edit(
                lambda d: d.add_audience(values["key"], values["name"]), f"audience {values['key']} added"
            )

        self.app.push_screen(key_dialog("New audience", attempt=add))

    def action_rename(self) -> None:
        audience = self.audience
        if audience is not None:
            self.rename_entry(
                "audience",
                audience.key,
                audience.name,
                lambda d, new_key, new_name: d.rename_audience(audience.key, new_key=new_key, name=new_name),
            )

    def action_delete(self) -> None:
        from idsync_tui.ui.screens.dialogs import ConfirmDialog

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
