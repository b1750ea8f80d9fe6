"""Snapshots of the Profiles screen (4) on the demo space at 80x24 (the SSH terminal) and 120x40.

Update after an intended change with `pytest tests/app/test_snapshots_profiles.py --snapshot-update`, then look at
the report before committing.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.app.apphelpers import make_app

DEMO = Path(__file__).parents[2] / "sample_spaces"

SCREENS = {
    "ann": ["4"],  # p-0001: two emails, two IDFAs; high_value -> fb sends two rows
    "cy": ["4", "down", "down", "down", "down"],  # p-0005: emails beyond the identity limit, shown dimmed
}


@pytest.fixture
def demo_app(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    monkeypatch.chdir(tmp_path)
    for name in ("acme.toml", "acme.profiles.jsonl"):
        shutil.copyfile(DEMO / name, tmp_path / name)
    return make_app(Path("acme.toml"))


async def profiles_read(pilot) -> None:  # type: ignore[no-untyped-def]
    """The file is read in a worker: wait for it so the snapshot shows the list, not `Reading…`."""
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()


@pytest.mark.parametrize("size", [(80, 24), (120, 40)], ids=["80x24", "120x40"])
@pytest.mark.parametrize("profile", list(SCREENS))
def test_profiles_snapshot(snap_compare, demo_app, profile: str, size: tuple[int, int]) -> None:  # type: ignore[no-untyped-def]
    async def run_before(pilot) -> None:  # type: ignore[no-untyped-def]
        for key in SCREENS[profile]:
            await pilot.press(key)
            await profiles_read(pilot)

    assert snap_compare(demo_app, terminal_size=size, run_before=run_before)
