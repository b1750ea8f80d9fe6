"""The Journeys screen."""

from __future__ import annotations

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import DataTable, Static

from idsync_tui import catalog
from idsync_tui.space.model import Connection, DataPath, Journey, Step
from idsync_tui.ui.screens.base import OwnerScreen, conditions_text, key_dialog
from idsync_tui.ui.widgets.list_table import ConnectionsTable, EntityTable, ListTable, selected


class JourneysScreen(OwnerScreen):
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

    def on_mount(self) -> None:  # Textual runs SpaceScreen.on_mount too (each class's handler once)
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
        from idsync_tui.ui.screens.dialogs import FormDialog

        if self._steps_focused():
            journey = self.journey
            if journey is None:
                return

            def add_step(values: dict[str, str]) -> str | None:  # refused: the dialog stays open with the reason
                return self.try_edit(
                    lambda d: d.add_step(journey.key, values["key"], values["type"]),
                    f"step {values['key']} added to {journey.key}",
                )

            dialog = FormDialog(
                f"New step in journey {journey.key}",
                [("key", "Key:", ""), ("type", "Type:", [(f"{t}", t) for t in catalog.STEP_TYPES])],
                hint="filter: profiles that fail its conditions leave · send: its connections receive the profiles",
                attempt=add_step,
            )
            self.app.push_screen(dialog)
            return

        def add(values: dict[str, str]) -> str | None:
            return self.try_edit(
                lambda d: d.add_journey(values["key"], values["name"]), f"journey {values['key']} added"
            )

        self.app.push_screen(key_dialog("New journey", attempt=add))

    def action_rename(self) -> None:
        from idsync_tui.ui.screens.dialogs import FormDialog

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

        self.rename_entry(
            "journey",
            journey.key,
            journey.name,
            lambda d, new_key, new_name: d.rename_journey(journey.key, new_key=new_key, name=new_name),
        )

    def action_delete(self) -> None:
        from idsync_tui.ui.screens.dialogs import ConfirmDialog

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
