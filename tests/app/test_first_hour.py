"""Issue 12, a new user's first hour at 80x24: each rough edge, kept fixed by a Pilot test.

What a person sees is read from the widgets' rendered text (markup applied), not from the data behind them.
"""

from __future__ import annotations

from pathlib import Path

from textual.widgets import Select, Static

from idsync_tui.ui.screens.dialogs import ConfirmDialog
from idsync_tui.ui.widgets.frame import StatusLine
from tests.app.apphelpers import make_app, open_connection


def shown(app, widget_type=Static) -> str:  # type: ignore[no-untyped-def]
    """Every text of the current screen's widgets of `widget_type`, as rendered, one per line."""
    return "\n".join(str(widget.render()) for widget in app.screen.query(widget_type))


async def test_dialogs_name_places_with_their_keys(space_file: Path) -> None:
    app = make_app(space_file)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("3", "down", "down", "d")  # braze: used by three_all
        await pilot.pause()
        assert isinstance(app.screen, ConfirmDialog)
        assert "audiences[three_all].connections[braze]" in shown(app)
        await pilot.press("escape", "1", "tab", "x")  # disconnect three_all -> braze
        await pilot.pause()
        assert "Remove the connection audiences[three_all].connections[braze]" in shown(app)


async def test_undo_and_edit_messages_name_places_with_their_keys(space_file: Path) -> None:
    app = make_app(space_file)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_connection(pilot, 0, 0)
        await pilot.press("down", "down", "down", "F", "u")
        await pilot.pause()
        status = str(app.screen.query_one(StatusLine).render())
        assert "undone: set strategy of audiences[three_all].connections[braze].identifiers[4]" in status


FACEBOOK_EMAIL = """\
version = 1

[space]
key = "fb-space"
name = "Facebook space"

[[destinations]]
key = "fb"
type = "facebook_custom_audiences"
name = "Facebook"

[[audiences]]
key = "buyers"
name = "Buyers"

[[audiences.connections]]
destination = "fb"
setup = "customized"

[[audiences.connections.identifiers]]
segment = "email"
destination = "Email"
"""


async def test_the_row_dialog_of_an_ids105_row_preselects_the_key_it_meant(tmp_path: Path) -> None:
    space = tmp_path / "fb.toml"
    space.write_text(FACEBOOK_EMAIL)
    app = make_app(space)
    async with app.run_test(size=(80, 24)) as pilot:
        assert [p.code for p in app.session.problems if p.is_error] == ["IDS105"]
        await open_connection(pilot, 0, 0)
        await pilot.press("enter")  # edit row 1
        await pilot.pause()
        assert app.screen.query_one("#destination", Select).value == "EMAIL"
        await pilot.press("tab", "tab", "tab", "enter")  # destination, strategy, OK
        await pilot.pause()
        assert app.session.space.audiences[0].connections[0].identifiers[0].destination == "EMAIL"
        assert not [p for p in app.session.problems if p.is_error]


DEMO = Path(__file__).parents[2] / "src" / "idsync_tui" / "demo" / "acme.toml"


async def test_conditions_read_as_the_file_writes_them(tmp_path: Path) -> None:
    space = tmp_path / "acme.toml"
    space.write_text(DEMO.read_text())
    app = make_app(space)
    async with app.run_test(size=(80, 24)):
        detail = str(app.screen.query_one("#detail", Static).render())
        assert 'plan in ["pro", "team"]' in detail
        assert "['pro', 'team']" not in detail


async def test_home_end_pageup_pagedown_move_the_cursor_in_every_list(tmp_path: Path) -> None:
    from textual.widgets import DataTable

    from tests.spaces import generate_space

    space = tmp_path / "big.toml"
    space.write_text(generate_space(300))
    app = make_app(space)
    async with app.run_test(size=(80, 24)) as pilot:
        table = app.screen.query_one("#audiences", DataTable)
        await pilot.press("end")  # the last row of the whole list, also the rows not added yet
        await pilot.pause()
        assert table.cursor_row == 299 and table.scroll_x == 0
        assert app.screen.audience.key == "audience_00299"  # type: ignore[attr-defined]
        await pilot.press("home")
        assert table.cursor_row == 0
        await pilot.press("pagedown")
        down = table.cursor_row
        assert down > 5
        await pilot.press("pageup")
        assert table.cursor_row == 0
        await pilot.press("tab", "end")  # the connections list
        connections = app.screen.query_one("#connections", DataTable)
        assert connections.has_focus and connections.cursor_row == connections.row_count - 1 > 0
        assert connections.scroll_x == 0
        await pilot.press("home")
        assert connections.cursor_row == 0
        await pilot.press("enter", "end")  # the ID Sync editor's rows
        await pilot.pause()
        rows = app.screen.query_one("#rows", DataTable)
        assert rows.cursor_row == rows.row_count - 1 > 0 and rows.scroll_x == 0
        await pilot.press("home")
        assert rows.cursor_row == 0


async def test_screen_keys_go_to_the_screen_from_the_editor_and_escape_leaves_it(space_file: Path) -> None:
    from idsync_tui.ui.screens.audiences import AudiencesScreen
    from idsync_tui.ui.screens.editor import ConnectionEditor
    from idsync_tui.ui.screens.journeys import JourneysScreen

    app = make_app(space_file)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_connection(pilot, 0, 0)
        assert isinstance(app.screen, ConnectionEditor)
        await pilot.press("1")  # from inside the editor: the audience list
        await pilot.pause()
        assert isinstance(app.screen, AudiencesScreen)
        await open_connection(pilot, 0, 0)
        await pilot.press("2")
        await pilot.pause()
        assert isinstance(app.screen, JourneysScreen)
        await pilot.press("1")  # back: the audience list, not the editor left open
        await pilot.pause()
        assert isinstance(app.screen, AudiencesScreen)
        await open_connection(pilot, 0, 0)
        await pilot.press("tab")  # focus off the rows: escape still leaves
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, AudiencesScreen)


def test_middle_ellipsis_keeps_the_start_and_the_file_name() -> None:
    from rich.cells import cell_len

    from idsync_tui.ui.widgets.frame import header_line, middle_ellipsis

    path = "/home/someone/.local/share/idsync-tui/demo/acme.toml"
    assert middle_ellipsis(path, 100) == path
    short = middle_ellipsis(path, 30)
    assert cell_len(short) == 30 and short.startswith("/home") and short.endswith("/demo/acme.toml") and "…" in short
    assert middle_ellipsis(path, 12) == "/…/acme.toml"
    for width in (40, 60, 80, 120):
        line = header_line("Acme Outfitters (production)", "demo copy: ", path, True, width)
        assert line.cell_len <= width and line.plain.rstrip().endswith("● unsaved"), (width, line.plain)


async def test_the_diff_view_never_wraps_a_long_line_into_what_looks_like_another_line(space_file: Path) -> None:
    from textual.containers import ScrollableContainer

    from idsync_tui.ui.screens.dialogs import TextDialog

    app = make_app(space_file)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_connection(pilot, 0, 0)
        await pilot.press("e")  # event names: a long one makes a long diff line
        await pilot.pause()
        await pilot.press("ctrl+u", *("Audience Entered the very long campaign name " * 2), "enter")
        await pilot.pause()
        await pilot.press("v")
        await pilot.pause()
        assert isinstance(app.screen, TextDialog)
        body = app.screen.body.plain  # type: ignore[union-attr]
        assert max(len(line) for line in body.splitlines()) > 80
        text = app.screen.query_one(ScrollableContainer).query_one(Static)
        assert text.size.height == body.count("\n") + 1  # one screen line per diff line
        container = app.screen.query_one(ScrollableContainer)
        assert container.virtual_size.width > container.size.width  # it scrolls sideways instead


async def test_names_once_the_destination_and_the_editor_title_names_the_destination_not_the_type(
    tmp_path: Path,
) -> None:
    space = tmp_path / "acme.toml"
    space.write_text(DEMO.read_text())
    app = make_app(space)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("3")  # fb, named "Facebook Custom Audiences" like its type
        await pilot.pause()
        detail = str(app.screen.query_one("#detail", Static).render())
        assert detail.splitlines()[0].count("Facebook Custom Audiences") == 1
        assert 'fb · type = "facebook_custom_audiences"' in detail
        await pilot.press("1", "tab", "down", "down")  # high_value -> braze
        await pilot.press("enter")
        await pilot.pause()
        title = str(app.screen.query_one("#title", Static).render())
        assert "→ braze  (Braze (Actions), actions)" in title
        assert "Braze, Snap" not in title  # the type's description


async def test_a_bad_audience_key_keeps_the_dialog_open_with_the_text_and_the_reason_under_the_field(
    space_file: Path,
) -> None:
    from textual.widgets import Input

    from idsync_tui.ui.screens.dialogs import FormDialog

    before = space_file.read_text()
    app = make_app(space_file)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("a", *"my aud", "tab", *"My audience", "enter")
        await pilot.pause()
        assert isinstance(app.screen, FormDialog)  # still open
        assert app.screen.query_one("#field-key", Input).value == "my aud"
        assert app.screen.query_one("#field-name", Input).value == "My audience"
        under_key = app.screen.query_one("#error-key", Static)
        assert under_key.display and "cannot be an audience key" in str(under_key.render())
        assert '"my aud"' in str(under_key.render()) and "spaces" in str(under_key.render())
        assert app.screen.query_one("#field-key", Input).has_focus  # ready to be corrected
        await pilot.press("ctrl+u", *"my_aud", "enter")
        await pilot.pause()
        assert not isinstance(app.screen, FormDialog)
        assert [a.key for a in app.session.space.audiences][-1] == "my_aud"
        assert "audience my_aud added" in app.status[0]
    assert space_file.read_text() == before  # not saved yet


async def test_a_long_refusal_wraps_onto_a_second_status_line_instead_of_being_cut(space_file: Path) -> None:
    app = make_app(space_file)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_connection(pilot, 0, 0)
        await pilot.press("down", "down", "down", "A")  # a fourth `all`: refused, with the rule's reason
        await pilot.pause()
        message, error = app.status
        assert error and len(message) > 78
        status = app.screen.query_one(StatusLine)
        assert status.size.height >= 2
        shown = " ".join(line.text.strip() for line in status.render_lines(status.region.reset_offset))
        assert message.split()[-1] in shown  # its end is on screen


async def test_an_empty_file_offers_to_start_a_new_space(tmp_path: Path) -> None:
    from textual.widgets import Input

    from idsync_tui.ui.screens.dialogs import FormDialog

    space = tmp_path / "shop.toml"
    space.write_text("")
    app = make_app(space)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert isinstance(app.screen, FormDialog) and "empty" in app.screen.title_text
        assert app.screen.query_one("#field-key", Input).value == "shop"  # suggested from the file name
        await pilot.press("ctrl+u", *"Bad Key", "enter")
        await pilot.pause()
        assert isinstance(app.screen, FormDialog) and "is not a space key" in str(
            app.screen.query_one("#error-key", Static).render()
        )
        assert space.read_text() == ""
        await pilot.press("ctrl+u", *"shop-eu", "tab", "ctrl+u", *"Shop (EU)", "enter")
        await pilot.pause()
        assert not isinstance(app.screen, FormDialog)
        assert (app.session.space.key, app.session.space.name) == ("shop-eu", "Shop (EU)")
        assert app.session.problems == [] and not app.session.dirty
    assert 'key = "shop-eu"' in space.read_text()


async def test_the_header_line_says_read_only(space_file: Path) -> None:
    from idsync_tui.space.document import SpaceDocument
    from idsync_tui.ui.app import create_app
    from idsync_tui.ui.widgets.frame import TitleBar

    app = create_app(SpaceDocument.open(space_file), read_only=True)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert "Test space — read-only · space.toml" in str(app.screen.query_one(TitleBar).render())
