"""The theme and the first screen at start-up: the app's own theme is where Textual's `theme` starts and the
Audiences screen is the default screen, so nothing restyles the app (every stylesheet parsed again) before the
first frame; any other theme is applied as Textual applies a change (see `IdSyncApp.theme`)."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.color import Color

from idsync_tui.space.document import SpaceDocument
from idsync_tui.ui import theming
from idsync_tui.ui.app import IdSyncApp, create_app
from idsync_tui.ui.screens.audiences import AudiencesScreen
from idsync_tui.ui.screens.journeys import JourneysScreen


@pytest.fixture(autouse=True)
def only_bundled_themes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """No user theme folder, no NO_COLOR: the bundled themes and the default choice."""
    empty = tmp_path / "no-themes"
    empty.mkdir()
    monkeypatch.setenv(theming.THEME_DIR_ENV, str(empty))
    monkeypatch.delenv("NO_COLOR", raising=False)


def counting_css_refreshes(monkeypatch: pytest.MonkeyPatch) -> list[bool]:
    """Every `App.refresh_css` the app runs (each one parses every stylesheet again), recorded."""
    calls: list[bool] = []
    original = IdSyncApp.refresh_css

    def refresh_css(self: IdSyncApp, animate: bool = True) -> None:
        calls.append(animate)
        original(self, animate)

    monkeypatch.setattr(IdSyncApp, "refresh_css", refresh_css)
    return calls


def screen_background(app: IdSyncApp) -> Color:
    return app.screen.styles.background


async def test_the_app_starts_in_its_own_theme_and_its_colours(space_file: Path) -> None:
    app = create_app(SpaceDocument.open(space_file))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert app.theme == theming.DEFAULT_THEME
        assert app.current_theme.name == theming.DEFAULT_THEME
        assert app.has_class("-dark-mode") and not app.has_class("-light-mode")
        assert screen_background(app) == Color.parse(app.current_theme.background or "")


async def test_starting_in_the_default_theme_restyles_nothing_and_the_other_screens_still_open(
    space_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Textual restyles the app for a mode's first screen, and when the theme changes: neither happens at start.
    calls = counting_css_refreshes(monkeypatch)
    app = create_app(SpaceDocument.open(space_file))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert calls == []
        audiences = app.screen
        assert isinstance(audiences, AudiencesScreen)
        await pilot.press("2")
        await pilot.pause()
        assert isinstance(app.screen, JourneysScreen)
        await pilot.press("1")
        await pilot.pause()
        assert app.screen is audiences  # back to the same screen, cursor and all


async def test_a_requested_theme_is_applied_with_its_colours_and_mode(space_file: Path) -> None:
    app = create_app(SpaceDocument.open(space_file), theme="idsync-light")
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert app.theme == "idsync-light"
        assert app.has_class("-light-mode") and not app.has_class("-dark-mode")
        light = app.current_theme
        assert light.name == "idsync-light" and not light.dark
        assert screen_background(app) == Color.parse(light.background or "")
        app.theme = theming.DEFAULT_THEME  # and back, as from the palette
        await pilot.pause()
        assert app.has_class("-dark-mode")
        assert screen_background(app) == Color.parse(app.current_theme.background or "")
