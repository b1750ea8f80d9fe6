"""Issue 10: the app never dies with unsaved edits, save as (W), read-only files, and file text shown inert."""

from __future__ import annotations

import os
import re
import stat
from pathlib import Path

from idsync_tui.ui.screens.dialogs import ConfirmDialog, FormDialog
from tests.app.apphelpers import make_app, open_connection

DEFAULTS = 2
RAW_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")


async def _edit(pilot) -> None:  # type: ignore[no-untyped-def]
    await open_connection(pilot, DEFAULTS, 0)
    await pilot.press("i")  # Send Identify on: an unsaved edit
    await pilot.pause()


async def test_reload_after_the_file_was_deleted_keeps_the_edits_and_says_what_to_do(space_file: Path) -> None:
    app = make_app(space_file)
    async with app.run_test(size=(80, 24)) as pilot:
        await _edit(pilot)
        space_file.unlink()
        await pilot.press("w")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmDialog)
        await pilot.press("left", "left", "enter")  # Reload… (enter alone is Cancel)
        await pilot.pause()
        await pilot.press("left", "enter")  # Reload, drop my edits (asked again)
        await pilot.pause()
        assert app.is_running and app.session.dirty
        assert "Could not reload" in app.status[0] and "edits are kept" in app.status[0] and "W" in app.status[0]
        await pilot.press("w")
        await pilot.pause()
        await pilot.press("left", "enter")  # Overwrite: recreates the file
        await pilot.pause()
    assert "send_identify = true" in space_file.read_text()


async def test_a_symlink_that_became_a_loop_keeps_the_edits(tmp_path: Path) -> None:
    real = tmp_path / "real.toml"
    real.write_text((Path(__file__).parent / "space.toml").read_text())
    link = tmp_path / "space.toml"
    link.symlink_to(real)
    app = make_app(link)
    async with app.run_test(size=(80, 24)) as pilot:
        await _edit(pilot)
        link.unlink()
        link.symlink_to(link)  # a loop
        await pilot.press("w")
        await pilot.pause()
        assert app.is_running and app.session.dirty
        assert "Not saved" in app.status[0] and "loop" in app.status[0] and "edits are kept" in app.status[0]
        app.resolve_conflict("reload", then_quit=False)  # what choosing Reload in the conflict dialog runs
        await pilot.pause()
        await pilot.press("left", "enter")  # Reload, drop my edits (asked again)
        await pilot.pause()
        assert app.is_running and app.session.dirty
        assert "Could not reload" in app.status[0] and "loop" in app.status[0]


async def test_any_exception_from_saving_keeps_the_edits(space_file: Path, monkeypatch) -> None:
    app = make_app(space_file)

    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("something unforeseen")

    async with app.run_test(size=(80, 24)) as pilot:
        await _edit(pilot)
        monkeypatch.setattr(app.session.document, "save", broken)
        await pilot.press("w")
        await pilot.pause()
        assert app.is_running and app.session.dirty
        assert "RuntimeError: something unforeseen" in app.status[0] and "W saves them elsewhere" in app.status[0]


async def test_save_as_writes_another_file_and_edits_it_from_then_on(space_file: Path, tmp_path: Path) -> None:
    before = space_file.read_text()
    target = tmp_path / "copy.toml"
    app = make_app(space_file)
    async with app.run_test(size=(80, 24)) as pilot:
        await _edit(pilot)
        await pilot.press("W")
        await pilot.pause()
        assert isinstance(app.screen, FormDialog)
        field = app.screen.query_one("#field-path")
        field.value = str(target)  # type: ignore[attr-defined]
        await pilot.press("enter")
        await pilot.pause()
        assert app.session.path == target and not app.session.dirty
        assert "Saved as" in app.status[0]
        # the file exists now: a second save as there asks before replacing it
        await pilot.press("W")
        await pilot.pause()
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmDialog) and "exists" in app.screen.title_text
        await pilot.press("right", "enter")  # Cancel
        await pilot.pause()
    assert "send_identify = true" in target.read_text()
    assert space_file.read_text() == before  # the original is untouched


async def test_a_read_only_file_is_said_on_opening_and_asked_about_on_saving(space_file: Path) -> None:
    os.chmod(space_file, 0o444)
    app = make_app(space_file)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert "read-only" in app.status[0]
        await _edit(pilot)
        await pilot.press("w")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmDialog) and "read-only" in app.screen.title_text
        await pilot.press("enter")  # Cancel: what enter does
        await pilot.pause()
        assert app.session.dirty and "send_identify = true" not in space_file.read_text()
        await pilot.press("w")
        await pilot.pause()
        await pilot.press("left", "left", "enter")  # Replace it
        await pilot.pause()
        assert not app.session.dirty
    assert "send_identify = true" in space_file.read_text()
    assert stat.S_IMODE(space_file.stat().st_mode) == 0o444


HOSTILE = {
    'name = "Test space"': 'name = "Test \\u001b]2;PWNED\\u0007 [/] space"',
    'name = "Facebook"': 'name = "Face\\u001b]52;c;aGVsbG8=\\u0007 [bold]book[/] \\u001b[2J"',
    'name = "Three all"': 'name = "Three [/] all \\u009b2J"',
}


async def test_file_text_is_shown_inert_on_every_screen(space_file: Path) -> None:
    """Names holding markup and terminal control sequences: no crash (a MarkupError ended the app), nothing raw
    in what is rendered."""
    text = space_file.read_text()
    for old, new in HOSTILE.items():
        text = text.replace(old, new, 1)
    space_file.write_text(text)
    app = make_app(space_file)
    async with app.run_test(size=(80, 24)) as pilot:
        for keys in (["1"], ["tab", "enter"], ["escape", "2"], ["3"], ["down"], ["p"], ["escape", "v"], ["escape"]):
            await pilot.press(*keys)
            await pilot.pause()
            shown = app.export_screenshot(title="screen")  # (the SVG's own title is not the terminal)
            assert RAW_CONTROL.search(shown) is None, keys
        await pilot.press("3")
        await pilot.pause()
        shown = app.export_screenshot(title="screen")  # (the SVG's own title is not the terminal)
        assert "[/]" in shown.replace("&#160;", " ") or "[/]" in shown
        assert app.is_running


async def test_bad_profile_lines_never_stop_the_profiles_screen_the_editor_stats_or_the_log(space_file: Path) -> None:
    from tests.e2e.test_hostile import BAD_LINES, _profile

    text = space_file.read_text().replace('key = "test-space"', 'key = "test-space"\nprofiles = "people.jsonl"', 1)
    space_file.write_text(text)
    lines = ["\ufeff// a BOM before a comment", _profile("p-good"), *BAD_LINES]
    Path("people.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8", errors="surrogatepass")
    app = make_app(space_file)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("4")  # Profiles: reads every line
        await pilot.pause(0.5)
        await pilot.press("1")
        await _edit(pilot)  # the ID Sync editor and its stats
        await pilot.pause(0.5)
        await pilot.press("l")  # the sync log
        await pilot.pause(1.0)
        shown = app.export_screenshot(title="screen")
        assert app.is_running and RAW_CONTROL.search(shown) is None
