"""The yardstick for bench_startup.py: a minimal Textual app (header, a 50-row table, footer)."""

from textual.app import App, ComposeResult
from textual.widgets import DataTable, Footer, Header


class Minimal(App):
    BINDINGS = [("q", "quit", "Quit")]

    def compose(self) -> ComposeResult:
        yield Header()
        yield DataTable()
        yield Footer()

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        table.add_columns("key", "name", "value")
        for i in range(50):
            table.add_row(f"row-{i}", f"Row {i}", str(i * 7))
        self.notify("ready-marker", timeout=30)


if __name__ == "__main__":
    Minimal().run()
