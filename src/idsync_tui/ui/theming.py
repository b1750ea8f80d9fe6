"""Theme files (TOML) -> validated `textual.theme.Theme`s, plus the choice of theme at start-up (NO_COLOR included).

UI-side: this module imports Textual. The bundled themes live in `idsync_tui/themes/*.toml`; a user's own folder
($IDSYNC_TUI_THEME_DIR, else $XDG_CONFIG_HOME/idsync-tui/themes, else ~/.config/idsync-tui/themes) is read after it,
so a user theme with a bundled name replaces the bundled one. A bad file never stops the app: it becomes one
problem string naming the file and everything wrong in it, and the theme is left out (the app falls back).
The file format is documented at the top of themes/idsync-dark.toml (the shape follows Posting's theme files).
"""

from __future__ import annotations

import functools
import os
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from textual.color import Color, ColorParseError
from textual.css.constants import VALID_STYLE_FLAGS
from textual.design import ColorSystem
from textual.theme import Theme

from idsync_tui.space import files
from idsync_tui.space.lines import build_line_index, line_of
from idsync_tui.space.loader import did_you_mean
from idsync_tui.space.toml_read import TomlError, toml_loads
from idsync_tui.text import inert

BUNDLED_THEME_DIR = Path(__file__).parents[1] / "themes"
DEFAULT_THEME = "idsync-dark"
# Chosen when NO_COLOR is set: Textual strips colour itself (see `pick_theme`), and this theme's cursors use
# `reverse`, so they stay visible without colour.
NO_COLOR_THEME = "idsync-ansi"
THEME_DIR_ENV = "IDSYNC_TUI_THEME_DIR"
# Design variables whose names start with this are the app's own (its CSS may read them); any value is kept.
APP_VARIABLE_PREFIX = "idsync-"
# A theme is ~2 KiB; a larger file is not one (a 900 KB file of unknown keys once took 44 s to check).
MAX_THEME_FILE_BYTES = 64 * 1024
# Problems listed per file: the rest are counted ("and 30 more").
MAX_THEME_PROBLEMS = 10

NAME_PATTERN = re.compile(r"^[a-z0-9][a-z0-9_-]*$")
COLOUR_KEYS: tuple[str, ...] = (
    "primary",
    "secondary",
    "accent",
    "foreground",
    "background",
    "surface",
    "panel",
    "boost",
    "warning",
    "error",
    "success",
)
TEXT_KEYS: tuple[str, ...] = ("name", "description", "author")
FLAG_KEYS: tuple[str, ...] = ("dark", "ansi")
NUMBER_KEYS: tuple[str, ...] = ("luminosity_spread", "text_alpha")
KNOWN_KEYS: tuple[str, ...] = (*TEXT_KEYS, *FLAG_KEYS, *COLOUR_KEYS, *NUMBER_KEYS, "variables")
REQUIRED_KEYS: tuple[str, ...] = ("name", "primary")

_OPACITY = re.compile(r"^\d{1,3}%$")
_COLOUR_HINT = 'use "#rrggbb", "#rgb", "rgb(r, g, b)", a colour name such as "red", or "ansi_blue"'


@dataclass
class ThemeLoad:
    """What `load_themes` returns: the good themes (bundled first, user themes after) and one problem per bad file."""

    themes: list[Theme] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    @property
    def names(self) -> list[str]:
        return [theme.name for theme in self.themes]

    def message(self) -> str | None:
        """All problems as one notification text (one line per bad file), or None when every file was good."""
        if not self.problems:
            return None
        count = len(self.problems)
        head = "1 theme file was skipped:" if count == 1 else f"{count} theme files were skipped:"
        return "\n".join([head, *self.problems])


def user_theme_dir(env: Mapping[str, str] | None = None) -> Path:
    """The user's theme folder: $IDSYNC_TUI_THEME_DIR, else $XDG_CONFIG_HOME/idsync-tui/themes, else ~/.config/..."""
    env = os.environ if env is None else env
    if env.get(THEME_DIR_ENV):
        return Path(env[THEME_DIR_ENV]).expanduser()
    config_home = env.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(config_home).expanduser() / "idsync-tui" / "themes"


@functools.cache  # the same for every file: working it out is ~2 ms, paid once per start instead of once per theme
def _variable_names() -> frozenset[str]:
    """Every design variable Textual knows (the names a theme's [variables] may set)."""
    return frozenset(ColorSystem(primary="#000000").generate())


def _colour_problem(value: Any, allow_opacity: bool = False) -> str | None:
    """Why `value` is not a colour Textual accepts, or None when it is."""
    if not isinstance(value, str):
        return f"must be a colour in quotes, not {type(value).__name__}"
    words = value.split()
    if allow_opacity and len(words) == 2 and _OPACITY.match(words[1]) and int(words[1][:-1]) <= 100:
        words = words[:1]
    if len(words) != 1:
        extra = ' (an opacity goes after one colour: "#3FA7D6 35%")' if allow_opacity else ""
        return f'"{value}" is not a colour{extra}; {_COLOUR_HINT}'
    try:
        Color.parse(words[0])
    except ColorParseError:
        return f'"{value}" is not a colour; {_COLOUR_HINT}'
    return None


def _style_problem(value: Any) -> str | None:
    if not isinstance(value, str):
        return f"must be a text style in quotes, not {type(value).__name__}"
    bad = [word for word in value.split() if word not in VALID_STYLE_FLAGS]
    if bad or not value.split():
        styles = ", ".join(sorted(VALID_STYLE_FLAGS))
        return f'"{value}" is not a text style{did_you_mean(bad[0], VALID_STYLE_FLAGS) if bad else ""} (use: {styles})'
    return None


def _check_theme_data(data: dict[str, Any], lines: Mapping[Any, int]) -> list[str]:
    """Every problem in one theme file's data, each prefixed with its line when known."""
    found: list[str] = []

    def report(path: tuple[str, ...], text: str) -> None:
        line = line_of(lines, path) if path else None
        found.append(f"line {line}: {text}" if line else text)

    for key, value in data.items():
        if len(found) > MAX_THEME_PROBLEMS:
            break
        if key not in KNOWN_KEYS:
            hint = did_you_mean(key, KNOWN_KEYS) or f" Known keys: {', '.join(KNOWN_KEYS)}."
            report((key,), f'unknown key "{key}".{hint}')
        elif key in COLOUR_KEYS:
            problem = _colour_problem(value)
            if problem:
                report((key,), f"{key}: {problem}")
        elif key in FLAG_KEYS and not isinstance(value, bool):
            report((key,), f"{key} must be true or false")
        elif key in NUMBER_KEYS and (
            isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value <= 1
        ):
            report((key,), f"{key} must be a number from 0 to 1")
        elif key in TEXT_KEYS and not isinstance(value, str):
            report((key,), f"{key} must be text in quotes")
        elif key == "name" and not NAME_PATTERN.match(value):
            report((key,), f'name "{value}" must be lower-case letters, digits, "-" or "_" (e.g. "my-theme")')
        elif key == "variables":
            if not isinstance(value, dict):
                report((key,), 'variables must be a table: [variables] then "name" = "value" lines')
                continue
            known = _variable_names()
            for name, setting in value.items():
                if len(found) > MAX_THEME_PROBLEMS:
                    break
                where = (key, name)
                if name.startswith(APP_VARIABLE_PREFIX):
                    if not isinstance(setting, str):
                        report(where, f'variable "{name}" must be text in quotes')
                    continue
                if name not in known:
                    hint = (
                        did_you_mean(name, sorted(known)) or f' Names starting with "{APP_VARIABLE_PREFIX}" are free.'
                    )
                    report(where, f'unknown variable "{name}".{hint}')
                    continue
                problem = _style_problem(setting) if name.endswith("style") else _colour_problem(setting, True)
                if problem:
                    report(where, f'variable "{name}": {problem}')
    for key in REQUIRED_KEYS:
        if key not in data:
            found.append(f'missing the required key "{key}" (add {key} = "...")')
    if len(found) > MAX_THEME_PROBLEMS:
        found[MAX_THEME_PROBLEMS:] = ["and more: fix these first"]
    return found


def load_theme_file(path: Path) -> tuple[Theme | None, str | None]:
    """One theme file -> (Theme, None), or (None, one problem naming the file and everything wrong in it).

    Never raises: whatever the file holds (nesting, huge numbers, a FIFO, 900 KB of keys) is one problem, so no
    theme file can stop the app from starting. Text from the file is shown inert (`text.inert`).
    """
    try:
        theme, problem = _load_theme_file(path)
    except Exception as error:  # noqa: BLE001 - a theme is never worth a crash: the app falls back
        theme, problem = None, f"{path}: cannot be used ({type(error).__name__}: {error})"
    return theme, None if problem is None else inert(problem, one_line=True)


def _load_theme_file(path: Path) -> tuple[Theme | None, str | None]:
    try:
        raw = files.read_bounded(path, MAX_THEME_FILE_BYTES)
        text = raw.decode("utf-8")
    except files.TooLarge:
        return None, f"{path}: larger than {MAX_THEME_FILE_BYTES // 1024} KiB; is it really a theme file?"
    except UnicodeDecodeError:
        return None, f"{path}: not UTF-8 text; save it as UTF-8"
    except (OSError, ValueError) as error:
        return None, f"{path}: {files.reason(error)}; check the file"
    try:
        data = toml_loads(text)
    except TomlError as error:
        return None, f"{path}: not valid TOML: {error.reason} (line {error.line}); fix the syntax there"
    found = _check_theme_data(data, build_line_index(text))
    if found:
        return None, f"{path}: " + "; ".join(found)
    settings = {key: value for key, value in data.items() if key not in ("description", "author")}
    theme = Theme(**settings)
    try:
        # Textual derives the shades from the base colours; anything it cannot derive fails here, not mid-render.
        theme.to_color_system().generate()
    except Exception as error:  # noqa: BLE001 - any failure means this file cannot be used; say so, do not crash
        return None, f"{path}: Textual cannot build this theme ({error}); check its colours"
    return theme, None


def _theme_files(folder: Path) -> list[Path]:
    try:
        return sorted(p for p in folder.glob("*.toml") if p.is_file())
    except OSError:  # an unreadable folder, a symlink loop: no user themes
        return []


def load_themes(user_dir: Path | None = None, env: Mapping[str, str] | None = None) -> ThemeLoad:
    """The bundled themes, then the user's (a user theme replaces a bundled one of the same name).

    `user_dir` defaults to `user_theme_dir(env)`. A missing default folder is normal and says nothing; a folder
    named by $IDSYNC_TUI_THEME_DIR or `user_dir` that does not exist is reported.
    """
    env = os.environ if env is None else env
    explicit = user_dir is not None or bool(env.get(THEME_DIR_ENV))
    folder = user_dir if user_dir is not None else user_theme_dir(env)
    load = ThemeLoad()
    by_name: dict[str, Theme] = {}
    folders = [(BUNDLED_THEME_DIR, False)]
    if folder.is_dir():
        folders.append((folder, True))
    elif explicit:
        load.problems.append(f"{folder}: theme folder not found; create it or fix ${THEME_DIR_ENV}")
    for theme_folder, is_user in folders:
        seen_here: dict[str, Path] = {}
        for path in _theme_files(theme_folder):
            theme, problem = load_theme_file(path)
            if problem:
                load.problems.append(problem)
                continue
            assert theme is not None
            if theme.name in seen_here:
                load.problems.append(
                    f'{path}: name "{theme.name}" is already used by {seen_here[theme.name]}; '
                    "give one of them another name (this file was skipped)"
                )
                continue
            seen_here[theme.name] = path
            if is_user or theme.name not in by_name:
                by_name[theme.name] = theme
    load.themes = list(by_name.values())
    return load


def strips_colour(env: Mapping[str, str] | None = None) -> bool:
    """Whether Textual will strip colour: it does when NO_COLOR is present at all, whatever its value."""
    env = os.environ if env is None else env
    return "NO_COLOR" in env


def pick_theme(
    requested: str | None,
    available: Iterable[str | Theme] | Mapping[str, Any],
    env: Mapping[str, str] | None = None,
) -> tuple[str, str | None]:
    """The theme to start with, and a message when it is not the one asked for.

    - A requested theme that exists wins, even with NO_COLOR set: no-color.org lets an explicit choice override
      NO_COLOR, and Textual still applies its own NO_COLOR filter (it reads NO_COLOR at start-up, present at all
      and of any value, and strips colour from everything it draws), which we leave alone.
    - Nothing requested and NO_COLOR set and non-empty: the ANSI theme, whose cursors stay visible without colour.
    - Otherwise the default theme; a requested name that does not exist gets a message with the nearest name.
    """
    env = os.environ if env is None else env
    names = [item.name if isinstance(item, Theme) else str(item) for item in available]
    no_color = bool(env.get("NO_COLOR"))
    fallback = NO_COLOR_THEME if no_color else DEFAULT_THEME
    if fallback not in names:
        fallback = next((n for n in (DEFAULT_THEME, "ansi-dark", "textual-dark") if n in names), None) or (
            names[0] if names else "textual-dark"
        )
    if requested is None or requested == "":
        return fallback, None
    if requested in names:
        return requested, None
    because = " (NO_COLOR is set)" if no_color else ""
    return fallback, (
        f'theme "{requested}" not found.{did_you_mean(requested, names)} Using "{fallback}"{because}; '
        f"themes available: {', '.join(sorted(names))}"
    )
