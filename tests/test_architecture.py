"""The domain layer (model, loader, rules, document, store, simulator, session) never imports Textual."""

import subprocess
import sys

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
