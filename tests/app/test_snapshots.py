"""Snapshots of each screen of the demo space at 80x24 (the SSH terminal) and 120x40.

Update after an intended change with `pytest tests/app/test_snapshots.py --snapshot-update`, then look at the
report before committing.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.app.apphelpers import make_app

DEMO = Path(__file__).parents[2] / "sample_spaces"

SCREENS = {
    "audiences": [],
    "journeys": ["2", "down", "tab", "down"],
    "destinations": ["3"],
    "editor": ["tab", "enter"],
    "problems": ["p"],
    "keys": ["question_mark"],
}


@pytest.fixture
def demo_app(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    monkeypatch.chdir(tmp_path)
    for name in ("acme.toml", "acme.profiles.jsonl"):
        shutil.copyfile(DEMO / name, tmp_path / name)
    return make_app(Path("acme.toml"))


@pytest.mark.parametrize("size", [(80, 24), (120, 40)], ids=["80x24", "120x40"])
@pytest.mark.parametrize("screen", list(SCREENS))
def test_screen_snapshot(snap_compare, demo_app, screen: str, size: tuple[int, int]) -> None:  # type: ignore[no-untyped-def]
    assert snap_compare(demo_app, terminal_size=size, press=SCREENS[screen])


def test_editor_with_problems_snapshot(snap_compare, space_file: Path) -> None:  # type: ignore[no-untyped-def]
    """A connection whose rows break rules: the flags on the rows and the fix hints below them."""
    app = make_app(space_file)
    assert snap_compare(app, terminal_size=(80, 24), press=["down", "down", "tab", "enter", "t", "i"])
