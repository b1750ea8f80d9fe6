"""Themes: bundled TOML files load into Textual themes, bad user files become one message each, NO_COLOR is honoured."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest
from textual.app import App, ComposeResult
from textual.color import Color
from textual.widgets import Footer, Label

from idsync_tui.ui import theming
from idsync_tui.ui.theming import (
    BUNDLED_THEME_DIR,
    DEFAULT_THEME,
    NO_COLOR_THEME,
    load_theme_file,
    load_themes,
    pick_theme,
    user_theme_dir,
)

BUNDLED_FILES = sorted(BUNDLED_THEME_DIR.glob("*.toml"))
REPO = Path(__file__).resolve().parents[1]


def write(folder: Path, name: str, text: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def names(load: theming.ThemeLoad) -> list[str]:
    return [theme.name for theme in load.themes]


@pytest.fixture
def no_user_dir(tmp_path: Path) -> Path:
    """An empty user folder, so that the developer's own ~/.config never leaks into a test."""
    folder = tmp_path / "empty-themes"
    folder.mkdir()
    return folder


# -- bundled themes -------------------------------------------------------------------------------------------


def test_at_least_three_themes_are_bundled() -> None:
    assert {path.stem for path in BUNDLED_FILES} >= {"idsync-dark", "idsync-light", "idsync-ansi"}


@pytest.mark.parametrize("path", BUNDLED_FILES, ids=lambda p: p.name)
def test_each_bundled_theme_file_loads_into_a_textual_theme_named_after_its_file(path: Path) -> None:
    theme, problem = load_theme_file(path)
    assert problem is None
    assert theme is not None and theme.name == path.stem
    assert "primary" in theme.to_color_system().generate()


def test_the_bundled_set_has_a_dark_a_light_and_an_ansi_palette_theme(no_user_dir: Path) -> None:
    themes = {theme.name: theme for theme in load_themes(no_user_dir, env={}).themes}
    assert themes["idsync-dark"].dark is True and themes["idsync-dark"].ansi is False
    assert themes["idsync-light"].dark is False
    ansi = themes["idsync-ansi"]
    assert ansi.ansi is True
    base = [ansi.primary, ansi.secondary, ansi.accent, ansi.background, ansi.warning, ansi.error, ansi.success]
    # Every base colour comes from the terminal's own palette, so 256-colour sessions draw it natively.
    assert all(Color.parse(colour).ansi is not None for colour in base)


def test_bundled_themes_load_without_problems_and_the_default_is_among_them(no_user_dir: Path) -> None:
    load = load_themes(no_user_dir, env={})
    assert load.problems == [] and load.message() is None
    assert DEFAULT_THEME in names(load) and NO_COLOR_THEME in names(load)


# -- bad user files -------------------------------------------------------------------------------------------


def test_a_user_file_with_bad_toml_is_one_problem_naming_the_file_and_line(tmp_path: Path) -> None:
    bad = write(tmp_path, "broken.toml", 'name = "broken"\nprimary = "#123456\n')
    load = load_themes(tmp_path, env={})
    assert len(load.problems) == 1
    assert str(bad) in load.problems[0] and "not valid TOML" in load.problems[0] and "line 2" in load.problems[0]
    assert "broken" not in names(load)
    assert DEFAULT_THEME in names(load)  # the bundled themes are still there to fall back on


def test_an_unknown_key_is_reported_with_the_nearest_known_key(tmp_path: Path) -> None:
    bad = write(tmp_path, "typo.toml", 'name = "typo"\nprimary = "#123456"\nsecundary = "#654321"\n')
    load = load_themes(tmp_path, env={})
    assert load.problems == [f'{bad}: line 3: unknown key "secundary". Did you mean "secondary"?']
    assert "typo" not in names(load)


def test_a_bad_colour_is_reported_with_its_key_and_line(tmp_path: Path) -> None:
    bad = write(tmp_path, "colour.toml", 'name = "colour"\nprimary = "#123456"\nerror = "reddish"\n')
    (problem,) = load_themes(tmp_path, env={}).problems
    assert problem.startswith(f'{bad}: line 3: error: "reddish" is not a colour')


def test_a_bad_variable_name_and_a_bad_text_style_are_reported(tmp_path: Path) -> None:
    text = 'name = "vars"\nprimary = "#123456"\n[variables]\n"footer-key-foregrund" = "red"\n'
    text += '"block-cursor-text-style" = "bold blinky"\n"idsync-own-thing" = "anything"\n'
    bad = write(tmp_path, "vars.toml", text)
    (problem,) = load_themes(tmp_path, env={}).problems
    assert problem.startswith(f"{bad}: ")
    assert 'line 4: unknown variable "footer-key-foregrund". Did you mean "footer-key-foreground"?' in problem
    assert 'line 5: variable "block-cursor-text-style": "bold blinky" is not a text style' in problem
    assert "idsync-own-thing" not in problem  # the app's own variables are free


def test_several_mistakes_in_one_file_make_one_problem_and_each_bad_file_its_own(tmp_path: Path) -> None:
    write(tmp_path, "a.toml", 'primary = 7\ndark = "yes"\n')
    write(tmp_path, "b.toml", "name = [\n")
    load = load_themes(tmp_path, env={})
    assert len(load.problems) == 2
    first = load.problems[0]
    assert "a.toml" in first and "primary: must be a colour" in first and "dark must be true or false" in first
    assert 'missing the required key "name"' in first
    assert load.message().startswith("2 theme files were skipped:")


def test_a_requested_theme_whose_file_is_bad_falls_back_to_the_default_with_a_message(tmp_path: Path) -> None:
    write(tmp_path, "mine.toml", 'name = "mine"\nprimary = "not-a-colour"\n')
    load = load_themes(tmp_path, env={})
    chosen, message = pick_theme("mine", load.themes, env={})
    assert chosen == DEFAULT_THEME
    assert message is not None and '"mine" not found' in message and DEFAULT_THEME in message


def test_two_user_files_with_one_name_keep_the_first_and_report_the_second(tmp_path: Path) -> None:
    write(tmp_path, "1-ocean.toml", 'name = "ocean"\nprimary = "#006994"\n')
    second = write(tmp_path, "2-ocean.toml", 'name = "ocean"\nprimary = "#ff0000"\n')
    load = load_themes(tmp_path, env={})
    (problem,) = load.problems
    assert problem.startswith(f'{second}: name "ocean" is already used by')
    assert next(t for t in load.themes if t.name == "ocean").primary == "#006994"


# -- user folder ----------------------------------------------------------------------------------------------


def test_a_user_theme_with_a_bundled_name_overrides_the_bundled_one(tmp_path: Path) -> None:
    write(tmp_path, "my-dark.toml", 'name = "idsync-dark"\nprimary = "#FF00FF"\n')
    load = load_themes(tmp_path, env={})
    dark = [theme for theme in load.themes if theme.name == "idsync-dark"]
    assert len(dark) == 1 and dark[0].primary == "#FF00FF"


def test_a_user_theme_with_a_new_name_is_added_to_the_bundled_ones(tmp_path: Path) -> None:
    write(tmp_path, "ocean.toml", 'name = "ocean"\nprimary = "#006994"\ndark = true\n')
    assert {"ocean", "idsync-dark", "idsync-light", "idsync-ansi"} <= set(names(load_themes(tmp_path, env={})))


def test_the_user_folder_comes_from_the_env_override_then_xdg_then_home(tmp_path: Path) -> None:
    assert user_theme_dir({"IDSYNC_TUI_THEME_DIR": str(tmp_path)}) == tmp_path
    assert user_theme_dir({"XDG_CONFIG_HOME": str(tmp_path)}) == tmp_path / "idsync-tui" / "themes"
    assert user_theme_dir({}) == Path.home() / ".config" / "idsync-tui" / "themes"


def test_themes_are_read_from_the_folder_named_by_the_environment(tmp_path: Path) -> None:
    write(tmp_path / "t", "ocean.toml", 'name = "ocean"\nprimary = "#006994"\n')
    assert "ocean" in names(load_themes(env={"IDSYNC_TUI_THEME_DIR": str(tmp_path / "t")}))


def test_a_missing_env_folder_is_reported_but_a_missing_default_folder_is_not(tmp_path: Path) -> None:
    missing = tmp_path / "nowhere"
    (problem,) = load_themes(env={"IDSYNC_TUI_THEME_DIR": str(missing)}).problems
    assert str(missing) in problem and "not found" in problem
    assert load_themes(env={"XDG_CONFIG_HOME": str(missing)}).problems == []


# -- choosing a theme -----------------------------------------------------------------------------------------

AVAILABLE = ["idsync-dark", "idsync-light", "idsync-ansi", "textual-dark"]


def test_a_requested_theme_that_exists_is_chosen_without_a_message() -> None:
    assert pick_theme("idsync-light", AVAILABLE, env={}) == ("idsync-light", None)


def test_an_unknown_requested_theme_falls_back_to_the_default_and_suggests_the_nearest() -> None:
    chosen, message = pick_theme("idsync-lite", AVAILABLE, env={})
    assert chosen == DEFAULT_THEME
    assert 'Did you mean "idsync-light"?' in message


def test_no_request_starts_with_the_default_theme() -> None:
    assert pick_theme(None, AVAILABLE, env={}) == (DEFAULT_THEME, None)


def test_no_color_set_and_non_empty_picks_the_ansi_theme() -> None:
    assert pick_theme(None, AVAILABLE, env={"NO_COLOR": "1"}) == (NO_COLOR_THEME, None)
    chosen, message = pick_theme("nope", AVAILABLE, env={"NO_COLOR": "1"})
    assert chosen == NO_COLOR_THEME and "NO_COLOR is set" in message


def test_an_empty_no_color_is_ignored_as_no_color_org_says() -> None:
    assert pick_theme(None, AVAILABLE, env={"NO_COLOR": ""}) == (DEFAULT_THEME, None)


def test_an_explicit_theme_choice_overrides_no_color() -> None:
    assert pick_theme("idsync-light", AVAILABLE, env={"NO_COLOR": "1"}) == ("idsync-light", None)


# -- in a Textual app -----------------------------------------------------------------------------------------


class ThemedApp(App[None]):
    """The smallest app that registers our themes the way the real app does."""

    def __init__(self, load: theming.ThemeLoad) -> None:
        super().__init__()
        for theme in load.themes:
            self.register_theme(theme)

    def compose(self) -> ComposeResult:
        yield Label("ID Sync")
        yield Footer()


async def test_each_loaded_theme_can_be_applied_in_a_running_app(no_user_dir: Path) -> None:
    load = load_themes(no_user_dir, env={})
    app = ThemedApp(load)
    async with app.run_test() as pilot:
        for name in names(load):
            app.theme = name
            await pilot.pause()
            assert app.theme == name
            assert app.current_theme.name == name


async def test_the_theme_can_be_switched_from_the_command_palette(no_user_dir: Path) -> None:
    app = ThemedApp(load_themes(no_user_dir, env={}))
    async with app.run_test() as pilot:
        app.theme = "idsync-dark"
        app.action_change_theme()  # what the palette's "Theme" command runs
        await pilot.pause()
        await pilot.press(*"idsync-light")
        await pilot.pause(0.3)
        await pilot.press("enter")
        await pilot.pause()
        assert app.theme == "idsync-light"


# -- packaging ------------------------------------------------------------------------------------------------


def test_the_bundled_themes_ship_in_the_wheel(built_wheel: Path) -> None:
    wheel = built_wheel
    listed = set(zipfile.ZipFile(wheel).namelist())
    for path in BUNDLED_FILES:
        assert f"idsync_tui/themes/{path.name}" in listed


# -- hostile theme files (issue 10) ---------------------------------------------------------------------------------
HOSTILE_THEMES = {
    "arrays 1,000 deep": 'name = "x"\nprimary = "#ff0000"\nvariables = ' + "[" * 1000 + "]" * 1000 + "\n",
    "integer past the digit limit": 'name = "x"\nprimary = "#ff0000"\ntext_alpha = ' + "9" * 5000 + "\n",
    "not a number": 'name = "x"\nprimary = "#ff0000"\nluminosity_spread = nan\n',
    "out of range": 'name = "x"\nprimary = "#ff0000"\ntext_alpha = 1e308\n',
    "syntax error at the end": 'name = "x"\nprimary = "#ff0000\n',
    "control characters": 'name = "x"\nprimary = "#ff0000"\n"\\u001b]2;pwned\\u0007" = 1\n',
    "thousands of unknown keys": 'name = "x"\nprimary = "#ff0000"\n'
    + "".join(f"unknown_{i} = 1\n" for i in range(3000)),
}


@pytest.mark.parametrize("case", list(HOSTILE_THEMES))
def test_a_hostile_theme_file_is_one_problem_never_an_exception(tmp_path, case):
    path = write(tmp_path, "bad.toml", HOSTILE_THEMES[case])
    theme, problem = load_theme_file(path)
    assert theme is None and problem is not None and str(path) in problem
    assert "\x1b" not in problem and "\x07" not in problem and "\n" not in problem
    load = load_themes(tmp_path)
    assert DEFAULT_THEME in names(load) and len(load.problems) == 1


def test_theme_files_are_capped_and_special_files_refused(tmp_path):
    big = write(tmp_path, "big.toml", 'name = "x"\nprimary = "#ff0000"\n' + "# pad\n" * 20_000)
    assert big.stat().st_size > theming.MAX_THEME_FILE_BYTES == 64 * 1024
    theme, problem = load_theme_file(big)
    assert theme is None and "larger than 64 KiB" in problem
    fifo = tmp_path / "fifo.toml"
    import os

    os.mkfifo(fifo)
    theme, problem = load_theme_file(fifo)  # never opened: would wait for a writer for ever
    assert theme is None and "FIFO" in problem
