"""Live enforcement in the ID Sync editor: each rule provoked from the keyboard, shown on screen, checked on disk."""

from __future__ import annotations

from pathlib import Path

from textual.widgets import RadioButton, Select

from idsync_tui import catalog
from idsync_tui.ui.screens.dialogs import ProblemsDialog
from idsync_tui.ui.screens.editor import ConnectionEditor, RowDialog
from tests.app.apphelpers import changed_lines, choose, make_app, open_connection, rows_of

THREE_ALL, LISTS, DEFAULTS = 0, 1, 2  # audiences of tests/app/space.toml
BRAZE, SPARE = 0, 1
FB, GADS = 0, 1


async def test_a_fourth_all_is_refused_and_the_row_keeps_last_added(space_file: Path) -> None:
    before = space_file.read_text()
    app = make_app(space_file)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_connection(pilot, THREE_ALL, BRAZE)
        await pilot.press("down", "down", "down", "A")
        assert "all refused, row 4 keeps last_added" in app.status[0]
        assert "at most 3" in app.status[0]
        assert app.status[1] is True  # shown as an error
        assert rows_of(app)[3][3] == "last_added"

        await pilot.press("enter")  # the row dialog offers `all` disabled, saying why
        await pilot.pause()
        assert isinstance(app.screen, RowDialog)
        buttons = {button.name: button for button in app.screen.query(RadioButton)}
        assert buttons["all"].disabled and "unavailable" in str(buttons["all"].label)
        assert not buttons["first_added"].disabled
        await pilot.press("escape", "w")
        await pilot.pause()
    assert space_file.read_text() == before


async def test_cycling_the_strategy_skips_a_refused_all_and_says_so(space_file: Path) -> None:
    before = space_file.read_text()
    app = make_app(space_file)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_connection(pilot, THREE_ALL, BRAZE)
        await pilot.press("down", "down", "down", "space")
        assert rows_of(app)[3][3] == "first_added"
        await pilot.press("space")
        assert rows_of(app)[3][3] == "last_added"
        assert "all unavailable" in app.status[0]
        await pilot.press("space", "w")
        await pilot.pause()
    assert changed_lines(before, space_file.read_text()) == [
        '- strategy = "last_added"',
        '+ strategy = "first_added"',
    ]


async def test_mapping_an_idfa_with_mobile_ids_off_is_flagged_and_m_fixes_it(space_file: Path) -> None:
    before = space_file.read_text()
    app = make_app(space_file)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_connection(pilot, LISTS, FB)
        await pilot.press("enter")
        await choose(pilot, "ios.idfa")
        await pilot.press("tab")
        await choose(pilot, "MADID")
        await pilot.press("tab", "tab", "enter")
        await pilot.pause()
        assert isinstance(app.screen, ConnectionEditor)
        assert rows_of(app)[0][1:] == ["ios.idfa", "MADID", "last_added", "IDS104"]
        details = str(app.screen.query_one("#details").render())
        assert "press m to turn on Send Mobile IDs" in details

        await pilot.press("m")
        assert rows_of(app)[0][4] == ""
        await pilot.press("w")
        await pilot.pause()
    assert changed_lines(before, space_file.read_text()) == [
        "- send_mobile_ids = false",
        "+ send_mobile_ids = true",
        '- segment = "email"',
        '+ segment = "ios.idfa"',
        '- destination = "EMAIL"',
        '+ destination = "MADID"',
    ]


async def test_a_facebook_row_offers_only_the_dropdown_keys(space_file: Path) -> None:
    app = make_app(space_file)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_connection(pilot, LISTS, FB)
        await pilot.press("enter")
        await pilot.pause()
        destination = app.screen.query_one("#destination", Select)
        offered = [value for _label, value in destination._options if value is not Select.BLANK]
        assert offered == list(catalog.FACEBOOK_KEYS)


async def test_google_refuses_a_second_extra_row(space_file: Path) -> None:
    before = space_file.read_text()
    app = make_app(space_file)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_connection(pilot, LISTS, GADS)
        await pilot.press("a")
        await pilot.pause()
        assert isinstance(app.screen, RowDialog)
        await choose(pilot, "user_id")
        await pilot.press("tab", "tab", "tab", "enter")  # destination crm_id is suggested; OK
        await pilot.pause()
        assert isinstance(app.screen, RowDialog), "the dialog stays open"
        message = str(app.screen.query_one("#message").render())
        assert message.startswith("Refused (IDS107)")
        await pilot.press("escape")
        await pilot.pause()
        assert len(rows_of(app)) == 2
        await pilot.press("w")
        await pilot.pause()
    assert space_file.read_text() == before


async def test_a_duplicate_segment_identifier_is_flagged_on_the_row(space_file: Path) -> None:
    app = make_app(space_file)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_connection(pilot, THREE_ALL, SPARE)
        await pilot.press("a")
        await pilot.pause()
        await choose(pilot, "email")
        await pilot.press("tab", "tab", "tab", "enter")
        await pilot.pause()
        rows = rows_of(app)
        assert [row[1] for row in rows] == ["email", "email"]
        assert rows[1][4] == "IDS106" and rows[0][4] == ""
    assert app.session.dirty


async def test_an_empty_destination_key_is_flagged_on_the_row(space_file: Path) -> None:
    app = make_app(space_file)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_connection(pilot, THREE_ALL, SPARE)
        await pilot.press("enter", "tab", "end", *["backspace"] * 5, "tab", "tab", "enter")
        await pilot.pause()
        assert rows_of(app)[0][2:] == ["(empty)", "last_added", "IDS109"]


async def test_a_connection_that_sends_nothing_is_flagged(space_file: Path) -> None:
    app = make_app(space_file)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_connection(pilot, THREE_ALL, BRAZE)
        await pilot.press("t")  # Identify is already off
        details = str(app.screen.query_one("#details").render())
        assert "IDS108" in details and "press i or t" in details
        assert app.session.counts[0] == 1


async def test_rows_under_default_setup_are_inactive_and_a_live_connection_warns(space_file: Path) -> None:
    before = space_file.read_text()
    app = make_app(space_file)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_connection(pilot, DEFAULTS, 0)
        notice = str(app.screen.query_one("#notice").render())
        assert "Live connection: changes reach new data only, about 5 minutes after saving" in notice
        assert "not re-synced" in notice
        assert "kept but not used until Customized" in notice
        table_row = app.screen.query_one("#rows").get_row_at(0)
        assert all("dim" in str(cell.style) for cell in table_row[:4])
        assert "IDS201" in str(app.screen.query_one("#details").render())

        await pilot.press("s")
        notice = str(app.screen.query_one("#notice").render())
        assert "kept but not used" not in notice and "Live connection" in notice
        assert "IDS201" not in str(app.screen.query_one("#details").render())
        await pilot.press("w")
        await pilot.pause()
    assert changed_lines(before, space_file.read_text()) == ['- setup = "default"', '+ setup = "customized"']


async def test_the_problems_panel_lists_everything_and_jumps_to_the_row(space_file: Path) -> None:
    app = make_app(space_file)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_connection(pilot, LISTS, FB)
        await pilot.press("enter")
        await choose(pilot, "ios.idfa")
        await pilot.press("tab", "tab", "tab", "enter", "escape", "1")  # back to the audiences list
        await pilot.pause()
        await pilot.press("p")
        await pilot.pause()
        assert isinstance(app.screen, ProblemsDialog)
        codes = [problem.code for problem in app.screen.problems]
        assert sorted(codes) == ["IDS104", "IDS201", "IDS207"]
        index = codes.index("IDS104")
        await pilot.press(*["down"] * index, "enter")
        await pilot.pause()
        assert isinstance(app.screen, ConnectionEditor)
        assert app.screen.conn_path == ("audiences", LISTS, "connections", FB)
        assert app.screen.current_index() == 0
        assert "IDS104" in app.status[0]


async def test_the_details_line_points_at_other_rows_with_problems(space_file: Path) -> None:
    app = make_app(space_file)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_connection(pilot, LISTS, FB)
        await pilot.press("a")
        await pilot.pause()
        await choose(pilot, "ios.idfa")
        await pilot.press("tab", "tab", "tab", "enter", "up")  # a second row, flagged; the cursor back on row 1
        await pilot.pause()
        assert rows_of(app)[1][4] == "IDS104"
        details = str(app.screen.query_one("#details").render())
        assert details == "✔ This row is fine; row 2 has problems"
