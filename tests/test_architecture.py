"""The layers stay apart: the domain never imports Textual; the UI talks to the app with messages, not methods."""

import subprocess
import sys
from pathlib import Path

# Every module of these packages, and these modules, found by walking the source (a new module is checked too).
DOMAIN_PACKAGES = ["idsync_tui.space", "idsync_tui.simulator"]
DOMAIN_MODULES = [
    "idsync_tui.catalog",
    "idsync_tui.rules",
    "idsync_tui.session",
    "idsync_tui.cli",
    "idsync_tui.text",
    "idsync_tui.newspace",
]
SRC = Path(__file__).parents[1] / "src"


def domain_modules() -> list[str]:
    found = [m for m in DOMAIN_MODULES if (SRC / (m.replace(".", "/") + ".py")).exists()]
    for package in DOMAIN_PACKAGES:
        folder = SRC / package.replace(".", "/")
        found += [f"{package}.{path.stem}" for path in sorted(folder.glob("*.py")) if path.stem != "__init__"]
    return found


def test_the_walk_finds_the_domain_modules() -> None:
    modules = domain_modules()
    for expected in ("idsync_tui.space.document", "idsync_tui.space.toml_edit", "idsync_tui.simulator.engine"):
        assert expected in modules


def test_no_domain_module_imports_textual() -> None:
    """Each module imported in turn in one fresh interpreter; the first that brings Textual in is named."""
    code = (
        "import importlib, sys\n"
        f"for name in {domain_modules()!r}:\n"
        "    importlib.import_module(name)\n"
        "    if 'textual' in sys.modules:\n"
        "        print(name)\n"
        "        break\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "", f"{result.stdout.strip()} imports textual (directly or through an import)"


def test_opening_and_validating_a_space_does_not_import_tomlkit_until_the_first_edit() -> None:
    code = (
        "import sys\n"
        "from idsync_tui.space.document import SpaceDocument\n"
        "from idsync_tui.rules import validate\n"
        "document = SpaceDocument.open('sample_spaces/acme.toml')\n"
        "validate(document.result())\n"
        "print('tomlkit' in sys.modules)\n"
        "document.set_connection(('audiences', 0, 'connections', 0), 'send_identify', True)\n"
        "print('tomlkit' in sys.modules)\n"
    )
    root = Path(__file__).parents[1]
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=root)
    assert result.stdout.split() == ["False", "True"]


def test_screens_and_widgets_call_no_method_of_our_app() -> None:
    """Messages up: nothing in ui/ calls `self.app.<name>` for a name our app adds to Textual's App."""
    import re

    from textual.app import App

    from idsync_tui.ui.app import IdSyncApp

    ours = {name for name in vars(IdSyncApp) if not name.startswith("__") and not hasattr(App, name)}
    assert {"say", "edited", "jump"} <= ours
    ours.add("session")  # set in __init__: the screens get it handed down instead
    pattern = re.compile(r"self\.app\.(\w+)")
    offenders = []
    for path in sorted((SRC / "idsync_tui" / "ui").rglob("*.py")):
        if path.name == "app.py" or "synclog" in path.parts:  # the sync log's pane converts its own (issue 11.1)
            continue
        for number, line in enumerate(path.read_text().splitlines(), 1):
            offenders += [f"{path.name}:{number} self.app.{m}" for m in pattern.findall(line) if m in ours]
            if "type: ignore[attr-defined]" in line and "self.app" in line:
                offenders.append(f"{path.name}:{number} an untyped use of the app")
    assert not offenders, offenders


def test_the_editor_does_not_override_textual_s_toggle_action() -> None:
    from idsync_tui.ui.screens.editor import ConnectionEditor

    assert "action_toggle" not in vars(ConnectionEditor)
