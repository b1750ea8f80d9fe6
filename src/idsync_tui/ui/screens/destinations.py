"""The Destinations screen."""

from __future__ import annotations

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import DataTable, Static

from idsync_tui import catalog
from idsync_tui.space.model import Destination
from idsync_tui.ui.screens.base import SpaceScreen, key_dialog
from idsync_tui.ui.widgets.list_table import EntityTable, ListTable, selected


class DestinationsScreen(SpaceScreen):
    BINDINGS = [
        Binding("P", "phone_country_code", "Phone code", id="destinations.phone_code"),
    ]

    def compose_body(self) -> ComposeResult:
        table = EntityTable(id="destinations", cursor_type="row")
        table.add_columns("Key", "Type", "Name", "Used by", "")
        yield table
        yield Static(id="detail")

    def on_mount(self) -> None:  # Textual runs SpaceScreen.on_mount too (each class's handler once)
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
        # The name once, then the key and the type as the file writes them (a name often is the type's label).
        text = Text.assemble(
            (destination.name or destination.key, "bold"),
            "  ",
            (f'{destination.key} · type = "{destination.type}"', "dim"),
        )
        offered = catalog.offered_keys(destination.type)
        text.append("\nDestination identifiers: " + (", ".join(offered) if offered else "free text"))
        if destination.is_list:
            code = self.session.space.default_phone_country_code
            text.append(
                "\nPhones without a country code: "
                + (f"+{code} put in front (default_phone_country_code; P changes it)" if code else "")
            )
            if not code:
                text.append("sent as is, not matchable (P sets a default country code)", style="yellow")
        text.append("\nUsed by: " + (", ".join(users) if users else "nothing yet (connect it from an audience: c)"))
        detail.update(text)

    def focus_on(self, target: object) -> None:
        for index, destination in enumerate(self.session.space.destinations):
            if destination is target:
                self.query_one("#destinations", DataTable).move_cursor(row=index)

    def action_add(self) -> None:
        from idsync_tui.ui.screens.dialogs import DestinationDialog

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
        from idsync_tui.ui.screens.dialogs import ConfirmDialog

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

    def action_phone_country_code(self) -> None:
        """Edits `[space] default_phone_country_code`: digits, or empty to remove it (undoable like every edit)."""
        from idsync_tui.ui.screens.dialogs import FormDialog

        current = self.session.space.default_phone_country_code or ""

        class PhoneCodeDialog(FormDialog):
            def validate(self, values: dict[str, str]) -> str | None:
                code = values["code"].lstrip("+")
                if code and not (code.isascii() and code.isdigit() and 1 <= len(code) <= 3 and code[0] != "0"):
                    return "1 to 3 digits, e.g. 1 (US, Canada) or 44 (UK); empty removes it"
                return None

        dialog = PhoneCodeDialog(
            "Default phone country code",
            [("code", "Country code (digits; empty: none):", current)],
            hint="Put in front of phone numbers written without one, for Facebook and Google.",
        )

        def apply(values: dict[str, str] | None) -> None:
            if values is None:
                return
            code = values["code"].lstrip("+")
            if code == current:
                return
            done = f"default phone country code set to {code}" if code else "default phone country code removed"
            self.edit(lambda d: d.set_phone_country_code(code or None), done + " (u undoes it)")

        self.app.push_screen(dialog, apply)
