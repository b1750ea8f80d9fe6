"""Fixtures for the app's tests: a fresh copy of a small space in a temporary working folder."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

HERE = Path(__file__).parent


@pytest.fixture
def space_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """tests/app/space.toml copied to a temporary folder, opened by a relative path (stable in snapshots)."""
    monkeypatch.chdir(tmp_path)
    shutil.copyfile(HERE / "space.toml", tmp_path / "space.toml")
    return Path("space.toml")
