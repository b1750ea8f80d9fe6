"""The three screens, connecting destinations, keys help, the command palette and how the app starts."""

from __future__ import annotations

import io
from pathlib import Path

from textual.widgets import DataTable, Select

from idsync_tui.cli import main
from idsync_tui.ui.screens.audiences import AudiencesScreen
from idsync_tui.ui.screens.destinations import DestinationsScreen
from idsync_tui.ui.screens.dialogs import ConfirmDialog, FormDialog, TextDialog
from idsync_tui.ui.screens.journeys import JourneysScreen
from idsync_tui.ui.widgets.frame import NavBar
from idsync_tui.ui.widgets.keysbar import KeysBar
from tests.app.apphelpers import changed_lines, make_app, open_connection

LISTS = 1


async def test_1_2_3_switch_screens_and_the_nav_bar_shows_problems(space_file: Path) -> None:
    app = make_app(space_file)
    async with app.run_test(size=(80, 24)) as pilot:
        assert isinstance(app.screen, AudiencesScreen)
        await pilot.press("2")
        assert isinstance(app.screen, JourneysScreen)
        await pilot.press("3")
        assert isinstance(app.screen, DestinationsScreen)
        nav = str(app.screen.query_one(NavBar).render())
        assert "✖ 0 ⚠ 2 p" in nav  # short at 80 columns, so the counts always fit
        await pilot.press("1")
        assert isinstance(app.screen, AudiencesScreen)


async def test_the_shared_screen_set_up_runs_once_per_screen(space_file: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """Textual calls each class's on_mount itself: a subclass that also called super().on_mount() ran the shared
    set-up twice (watchers, first draw, focus)."""
    from idsync_tui.ui.screens.base import SpaceScreen

    mounted: list[str] = []
    shared = SpaceScreen.on_mount
    monkeypatch.setattr(SpaceScreen, "on_mount", lambda self: (mounted.append(type(self).__name__), shared(self)))
    app = make_app(space_file)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("2", "3", "4", "1")  # every screen mounted
        await open_connection(pilot, LISTS, 0)
        assert sorted(mounted) == [
            "AudiencesScreen",
            "ConnectionEditor",
            "DestinationsScreen",
            "JourneysScreen",
            "ProfilesScreen",
        ]


async def test_the_nav_bar_spells_the_counts_out_on_a_wide_terminal(space_file: Path) -> None:
    app = make_app(space_file)
    async with app.run_test(size=(120, 40)):
        nav = str(app.screen.query_one(NavBar).render())
        assert "✖ 0 errors" in nav and "⚠ 2 warnings" in nav and "[p]" in nav


async def test_adding_a_google_destination_asks_for_its_matcher(space_file: Path) -> None:
    before = space_file.read_text()
    app = make_app(space_file)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("3", "a")
        await pilot.pause()
        assert isinstance(app.screen, FormDialog)
        assert not app.screen.query_one("#field-external_id_type").display  # Facebook first: no matcher asked
        await pilot.press(*"gads2", "tab", *"Google two", "tab")
        await pilot.press("enter", *"Google Ads", "enter", "tab")
        await pilot.pause()
        assert app.screen.query_one("#field-type", Select).value == "google_ads_remarketing_lists"
        assert app.screen.query_one("#field-external_id_type").display
        await pilot.press("enter", *"mobile", "enter", "tab", "enter")
        await pilot.pause()
        assert [d.key for d in app.session.space.destinations][-1] == "gads2"
        assert app.session.space.destination("gads2").external_id_type == "mobile_id"
        await pilot.press("w")
        await pilot.pause()
    added = changed_lines(before, space_file.read_text())
    assert added[:4] == ["+ ", "+ [[destinations]]", '+ key = "gads2"', '+ type = "google_ads_remarketing_lists"']
    assert '+ external_id_type = "mobile_id"' in added


async def test_renaming_a_destination_renames_its_connections(space_file: Path) -> None:
    before = space_file.read_text()
    app = make_app(space_file)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("3", "r")
        await pilot.pause()
        await pilot.press(*"meta", "enter")  # the key is selected when the field gets focus: typing replaces it
        await pilot.pause()
        await pilot.press("w")
        await pilot.pause()
    changes = changed_lines(before, space_file.read_text())
    assert changes.count('- destination = "fb"') == 2 and changes.count('+ destination = "meta"') == 2
    assert changes[:2] == ['- key = "fb"', '+ key = "meta"']


async def test_removing_a_used_destination_lists_its_connections_and_asks(space_file: Path) -> None:
    before = space_file.read_text()
    app = make_app(space_file)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("3", "d")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmDialog)
        body = app.screen.body
        assert "audiences[lists].connections[fb]" in body and "journeys[welcome].steps[send_it].connections[fb]" in body
        await pilot.press("right", "enter")  # Cancel
        await pilot.pause()
        assert app.session.space.destination("fb") is not None
        await pilot.press("d", "enter")  # Remove with its connections
        await pilot.pause()
        assert app.session.space.destination("fb") is None
        assert not any(ref.connection.destination == "fb" for ref in app.session.space.connections())
        await pilot.press("w")
        await pilot.pause()
    after = space_file.read_text()
    assert 'destination = "fb"' not in after and 'key = "fb"' not in after
    assert after.count("[[audiences]]") == before.count("[[audiences]]")


async def test_connect_offers_only_destinations_of_the_space_not_yet_connected(space_file: Path) -> None:
    app = make_app(space_file)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("down", "tab", "c")
        await pilot.pause()
        assert isinstance(app.screen, FormDialog)
        offered = [value for _label, value in app.screen.query_one("#field-destination", Select)._options]
        assert offered == ["braze", "spare"]
        await pilot.press("tab", "enter")
        await pilot.pause()
        connected = [c.destination for c in app.session.space.audiences[LISTS].connections]
        assert connected == ["fb", "gads", "braze"]


async def test_connect_with_no_destination_says_to_add_one_first(tmp_path: Path) -> None:
    path = tmp_path / "empty.toml"
    path.write_text('version = 1\n[space]\nkey = "e"\nname = "Empty"\n\n[[audiences]]\nkey = "a"\nname = "A"\n')
    app = make_app(path)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("tab", "c")
        assert "add one on the Destinations screen first (press 3)" in app.status[0]


async def test_an_audience_can_be_added_renamed_and_deleted(space_file: Path) -> None:
    before = space_file.read_text()
    app = make_app(space_file)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("a", *"churn_risk", "tab", *"Churn risk", "enter")
        await pilot.pause()
        assert app.session.space.audiences[-1].key == "churn_risk"
        table = app.screen.query_one("#audiences", DataTable)
        table.move_cursor(row=3)
        await pilot.press("r", "tab", *"Likely to churn", "enter")
        await pilot.pause()
        assert app.session.space.audiences[-1].name == "Likely to churn"
        await pilot.press("d", "enter")
        await pilot.pause()
        assert [a.key for a in app.session.space.audiences] == ["three_all", "lists", "defaults"]
        await pilot.press("w")
        await pilot.pause()
    assert space_file.read_text() == before


async def test_a_journey_is_renamed_key_and_name_and_only_what_changed_is_edited(space_file: Path) -> None:
    app = make_app(space_file)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("2", "r", *"onboarding", "tab", *"Onboarding flow", "enter")
        await pilot.pause()
        journey = app.session.space.journeys[0]
        assert (journey.key, journey.name) == ("onboarding", "Onboarding flow")
        await pilot.press("r", "tab", *"Onboarding", "enter")  # the key typed back as it is: only the name changes
        await pilot.pause()
        journey = app.session.space.journeys[0]
        assert (journey.key, journey.name) == ("onboarding", "Onboarding")


async def test_journey_send_steps_open_the_same_editor(space_file: Path) -> None:
    app = make_app(space_file)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("2", "tab", "tab", "enter")
        await pilot.pause()
        assert app.screen.conn_path == ("journeys", 0, "steps", 0, "connections", 0)
        assert "journey welcome, step send_it → fb" in str(app.screen.query_one("#title").render())


async def test_question_mark_lists_the_keys_of_the_current_screen_with_their_ids(space_file: Path) -> None:
    app = make_app(space_file)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_connection(pilot, LISTS, 0)
        await pilot.press("question_mark")
        await pilot.pause()
        assert isinstance(app.screen, TextDialog) and app.screen.title_text == "Keys: ID Sync editor"
        shown = app.screen.body.plain
        for expected in ("rows.add", "editor.send_mobile_ids", "app.save", "app.undo", "^s / w", "^z / u"):
            assert expected in shown
        await pilot.press("escape", "f1")
        await pilot.pause()
        assert isinstance(app.screen, TextDialog)


async def test_the_keys_line_follows_the_focus_and_always_keeps_keys_help_and_quit(space_file: Path) -> None:
    app = make_app(space_file)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        bar = app.screen.query_one(KeysBar)
        line = bar.render().plain
        assert line.split() == ["a", "Add", "r", "Rename", "d", "Delete", "w", "Save", "u", "Undo"] + [
            "q",
            "Quit",
            "?",
            "Keys",
            "^p",
            "palette",
        ]
        await pilot.press("tab")  # the connections list: its keys replace the list's
        await pilot.pause()
        line = bar.render().plain
        assert "c Connect" in line and "x Disconnect" in line and "Rename" not in line
        await pilot.press("enter")  # the ID Sync editor has more keys than 80 columns hold
        await pilot.pause()
        bar = app.screen.query_one(KeysBar)
        line = bar.render().plain
        assert len(line) <= 80
        assert " q Quit  ? Keys " in line and line.rstrip().endswith("^p palette")
        assert "a Add row" in line and "] Move down" not in line
    wide = make_app(space_file)
    async with wide.run_test(size=(140, 24)) as pilot:
        await open_connection(pilot, LISTS, 0)
        assert "] Move down" in wide.screen.query_one(KeysBar).render().plain


async def test_every_binding_has_an_id() -> None:
    from idsync_tui.ui import app as app_module
    from idsync_tui.ui.screens import dialogs, editor
    from idsync_tui.ui.widgets import list_table

    classes = [
        app_module.IdSyncApp,
        editor.ConnectionEditor,
        editor.RowsTable,
        list_table.EntityTable,
        list_table.ConnectionsTable,
        dialogs.Dialog,
        dialogs.ConfirmDialog,
        dialogs.ProblemsDialog,
        dialogs.TextDialog,
    ]
    for cls in classes:
        for binding in cls.BINDINGS:
            assert binding.id, f"{cls.__name__} binds {binding.key} without an id"


async def test_the_command_palette_lists_the_screens_and_save(space_file: Path) -> None:
    app = make_app(space_file)
    async with app.run_test(size=(80, 24)):
        titles = [command.title for command in app.get_system_commands(app.screen)]
        for title in ("Screen: Audiences", "Screen: Journeys", "Screen: Destinations", "Save", "Theme"):
            assert title in titles


async def test_a_space_with_errors_still_opens_with_its_problems_counted(tmp_path: Path) -> None:
    path = tmp_path / "errors.toml"
    path.write_text(
        'version = 1\n[space]\nkey = "e"\nname = "E"\n\n[[audiences]]\nkey = "a"\nname = "A"\n\n'
        '[[audiences.connections]]\ndestination = "nowhere"\n'
    )
    app = make_app(path)
    async with app.run_test(size=(80, 24)):
        assert app.session.counts == (1, 0)
        assert "Opened with 1 errors" in app.status[0] and app.status[1]


def test_a_file_that_cannot_be_parsed_exits_2_with_line_and_column(tmp_path: Path) -> None:
    path = tmp_path / "bad.toml"
    path.write_text('version = 1\n[space\nkey = "x"\n')
    err = io.StringIO()
    assert main([str(path)], io.StringIO(), err) == 2
    message = err.getvalue()
    assert "IDS001" in message and "line 2" in message and "Traceback" not in message
    assert f"idsync-tui validate {path}" in message


def test_a_missing_file_exits_2_with_a_message(tmp_path: Path) -> None:
    err = io.StringIO()
    assert main([str(tmp_path / "nope.toml")], io.StringIO(), err) == 2
    assert "no such file" in err.getvalue()


def test_without_a_terminal_the_app_says_to_use_validate_or_simulate(space_file: Path) -> None:
    err = io.StringIO()
    assert main([str(space_file)], io.StringIO(), err) == 2  # pytest's stdout is not a terminal
    assert "the app needs a terminal" in err.getvalue() and "validate" in err.getvalue()


def test_the_header_shows_the_home_folder_as_a_tilde() -> None:
    from idsync_tui.ui.app import short_path

    home = Path.home()
    assert short_path(home / ".local" / "share" / "idsync-tui" / "demo" / "acme.toml") == (
        "~/.local/share/idsync-tui/demo/acme.toml"
    )
    assert short_path(Path("space.toml")) == "space.toml"
    assert short_path(Path(str(home) + "-other") / "x.toml") == str(home) + "-other/x.toml"
