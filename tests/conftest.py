"""Fixtures shared across the suite."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import settings

# Property tests judge behaviour, never speed: hypothesis' default 200 ms deadline per example turned a loaded
# machine into failures (test_document's rendering property). Speed is measured in benchmarks/, not here.
settings.register_profile("idsync", deadline=None)
settings.load_profile("idsync")

REPO = Path(__file__).parents[1]


@pytest.fixture(scope="session")
def built_wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The project's wheel, built once per run (pip wheel, as an install from PyPI would build it)."""
    out = tmp_path_factory.mktemp("wheel")
    result = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "-w", str(out), str(REPO)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    if result.returncode != 0:
        pytest.skip(f"cannot build a wheel here (offline?): {result.stderr.strip()[-300:]}")
    (wheel,) = out.glob("*.whl")
    return wheel
