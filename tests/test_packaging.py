"""The sdist holds everything needed to run the tests (samples, fixtures, snapshots, test helpers, docs), and the
package carries its licence and metadata."""

from __future__ import annotations

import shutil
import subprocess
import sys
import tarfile
from email.parser import Parser
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def sdist(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("sdist")
    result = subprocess.run(
        [sys.executable, "-m", "build", "--sdist", "--outdir", str(out), str(REPO)],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    (archive,) = out.glob("*.tar.gz")
    return archive


def _members(archive: Path) -> dict[str, tarfile.TarInfo]:
    with tarfile.open(archive) as tar:
        return {member.name.split("/", 1)[1]: member for member in tar.getmembers() if "/" in member.name}


def test_the_sdist_holds_what_the_tests_need(sdist: Path) -> None:
    names = _members(sdist)
    for needed in (
        "LICENSE",
        "README.md",
        ".pre-commit-hooks.yaml",
        ".ci/run",
        "docs/rules.md",
        "docs/space-file.md",
        "docs/segment-api.md",
        "sample_spaces/acme.toml",
        "sample_spaces/acme.profiles.jsonl",
        "sample_spaces/broken.toml",
        "sample_spaces/space-file.schema.json",
        "src/idsync_tui/space-file.schema.json",
        "tests/conftest.py",
        "tests/tmux_driver.py",
        "tests/fixtures/segment/audiences.json",
        "tests/fixtures/segment/connections/aud_2Xh1lVt0.json",
    ):
        assert needed in names, needed
    assert any(name.startswith("tests/app/__snapshots__/") and name.endswith(".svg") for name in names)
    assert not any("__pycache__" in name or name.endswith(".pyc") for name in names)


def test_every_tracked_test_sample_and_doc_file_is_in_the_sdist(sdist: Path) -> None:
    if shutil.which("git") is None or not (REPO / ".git").exists():
        pytest.skip("not a git checkout (an unpacked sdist): the list above is the check")
    tracked = subprocess.run(
        ["git", "ls-files", "tests", "sample_spaces", "docs", "benchmarks"],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    names = _members(sdist)
    missing = [name for name in tracked if name not in names]
    assert not missing, missing


def test_the_metadata_has_licence_and_classifiers(sdist: Path) -> None:
    with tarfile.open(sdist) as tar:
        info = next(m for m in tar.getmembers() if m.name.count("/") == 1 and m.name.endswith("/PKG-INFO"))
        stream = tar.extractfile(info)
        assert stream is not None
        metadata = Parser().parsestr(stream.read().decode("utf-8"))
    assert metadata["License-Expression"] == "MIT"
    assert "LICENSE" in (metadata.get_all("License-File") or [])
    classifiers = metadata.get_all("Classifier") or []
    assert "Environment :: Console" in classifiers
    assert "Programming Language :: Python :: 3.11" in classifiers
    assert metadata["Requires-Python"] == ">=3.11"
