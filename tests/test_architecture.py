"""The domain layer (model, loader, rules, document, store, simulator, session) never imports Textual."""

import subprocess
import sys
from pathlib import Path

import pytest

DOMAIN_MODULES = [
    "idsync_tui.catalog",
    "idsync_tui.cli",
    "idsync_tui.session",
    "idsync_tui.rules",
    "idsync_tui.space.model",
    "idsync_tui.space.problems",
    "idsync_tui.space.lines",
    "idsync_tui.space.loader",
    "idsync_tui.space.document",
    "idsync_tui.space.store",
    "idsync_tui.simulator.engine",
    "idsync_tui.simulator.profiles",
    "idsync_tui.simulator.command",
]


@pytest.mark.parametrize("module", DOMAIN_MODULES)
def test_domain_module_does_not_import_textual(module: str) -> None:
    code = f"import sys, importlib; importlib.import_module({module!r}); print('textual' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "False", f"{module} pulls in textual"


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
