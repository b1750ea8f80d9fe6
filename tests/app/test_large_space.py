"""A space with more audiences than the first screenful: every row arrives, and edits update rows in place."""

from __future__ import annotations

from pathlib import Path

from textual.widgets import DataTable

from tests.app.apphelpers import cell_text, make_app

COUNT = 750  # more than the first chunk plus one more chunk of rows


def big_space(count: int) -> str:
    parts = [
        'version = 1\n\n[space]\nkey = "big"\nname = "Big"\n\n[[destinations]]\nkey = "braze"\n'
        'type = "actions"\nname = "Braze"\n'
    ]
    for i in range(count):
        parts.append(
            f'\n[[audiences]]\nkey = "a{i:04d}"\nname = "Audience {i}"\n\n'
            '[[audiences.connections]]\ndestination = "braze"\n'
        )
    return "".join(parts)


async def test_every_audience_is_listed_and_an_edit_updates_its_row_in_place(tmp_path: Path) -> None:
    path = tmp_path / "big.toml"
    path.write_text(big_space(COUNT))
    app = make_app(path)
    async with app.run_test(size=(80, 24)) as pilot:
        table = app.screen.query_one("#audiences", DataTable)
        for _ in range(50):
            if table.row_count == COUNT:
                break
            await pilot.pause(0.05)
        assert table.row_count == COUNT
        assert cell_text(table.get_row_at(COUNT - 1)[0]) == f"a{COUNT - 1:04d}"

        await pilot.press("ctrl+end")  # DataTable: end scrolls sideways, ctrl+end goes to the last row
        assert table.cursor_row == COUNT - 1
        await pilot.press("tab", "enter", "t", "escape")  # Track off on a default connection: sends nothing
        await pilot.pause()
        assert table.row_count == COUNT
        assert table.cursor_row == COUNT - 1
        assert cell_text(table.get_row_at(COUNT - 1)[2]) == "✖1"
        assert cell_text(table.get_row_at(COUNT - 2)[2]) == "✔"


async def test_going_to_an_audience_deep_in_the_list_before_its_rows_arrived_lands_on_it(tmp_path: Path) -> None:
    path = tmp_path / "big.toml"
    path.write_text(big_space(COUNT))
    app = make_app(path)
    async with app.run_test(size=(80, 24)):
        table = app.screen.query_one("#audiences", DataTable)
        table.clear()
        app.screen.refresh_view()  # the list from scratch: a screenful now, the rest after the screen's refreshes
        assert table.row_count < COUNT  # the rest of the list is still on its way
        deep = app.session.space.audiences[COUNT - 50]
        app.screen.focus_on(deep)  # what a jump from the problems list does
        assert table.cursor_row == COUNT - 50
        assert cell_text(table.get_row_at(table.cursor_row)[0]) == deep.key
