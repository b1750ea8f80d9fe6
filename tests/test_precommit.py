"""The `idsync-tui-validate` pre-commit hook (.pre-commit-hooks.yaml), run by the real `pre-commit` in a scratch
git repository against a broken and a clean space, as a user's repository would use it.

The hook repository is made from this checkout's files (so the test also runs from an unpacked sdist, which is not
a git repository). pre-commit installs the hook's environment with pip, from PyPI: the first run takes a while.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
SAMPLES = REPO / "sample_spaces"
HOOK_FILES = ("pyproject.toml", "README.md", "LICENSE", "MANIFEST.in", ".pre-commit-hooks.yaml", "src")


def _git(cwd: Path, *args: str) -> str:
    result = subprocess.run(
        ["git", "-c", "user.name=test", "-c", "user.email=test@example.com", "-c", "commit.gpgsign=false", *args],
        cwd=cwd,
        check=True,
        capture_output=True,
        text=True,
    )
    return result.stdout.strip()


def _pre_commit() -> str:
    found = shutil.which("pre-commit", path=str(Path(sys.executable).parent))
    if found is None:
        pytest.fail("pre-commit is a test dependency: pip install -e '.[test]'")
    if shutil.which("git") is None:
        pytest.fail("git is needed to run pre-commit")
    return found


@pytest.fixture(scope="module")
def hook_repo(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """This project as a hook repository: a git repo whose HEAD holds the package and .pre-commit-hooks.yaml."""
    repo = tmp_path_factory.mktemp("hook-repo")
    for name in HOOK_FILES:
        source = REPO / name
        if source.is_dir():
            shutil.copytree(
                source,
                repo / name,
                symlinks=False,
                ignore=shutil.ignore_patterns("__pycache__", "*.egg-info"),
            )
        elif source.exists():
            shutil.copyfile(source, repo / name)
    _git(repo, "init", "-q")
    _git(repo, "add", ".")
    _git(repo, "commit", "-qm", "hook repository")
    return repo, _git(repo, "rev-parse", "HEAD")


@pytest.fixture(scope="module")
def pre_commit_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("pre-commit-home")  # the hook's environment, made once for the module


def _scratch(tmp_path: Path, hook_repo: tuple[Path, str], spaces: dict[str, str]) -> Path:
    repo_path, rev = hook_repo
    work = tmp_path / "work"
    work.mkdir()
    _git(work, "init", "-q")
    (work / ".pre-commit-config.yaml").write_text(
        f"repos:\n  - repo: {repo_path}\n    rev: {rev}\n    hooks:\n      - id: idsync-tui-validate\n",
        encoding="utf-8",
    )
    (work / "pyproject.toml").write_text('[project]\nname = "not-a-space"\n', encoding="utf-8")  # skipped
    for name, text in spaces.items():
        (work / name).write_text(text, encoding="utf-8")
    _git(work, "add", ".")
    return work


def _run(work: Path, home: Path) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, PRE_COMMIT_HOME=str(home), PRE_COMMIT_COLOR="never")
    env.pop("VIRTUAL_ENV", None)
    return subprocess.run(
        [_pre_commit(), "run", "--all-files"],
        cwd=work,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )


def test_the_hook_passes_a_clean_space(tmp_path: Path, hook_repo: tuple[Path, str], pre_commit_home: Path) -> None:
    acme = (SAMPLES / "acme.toml").read_text(encoding="utf-8").replace('profiles = "acme.profiles.jsonl"\n', "")
    work = _scratch(tmp_path, hook_repo, {"acme.toml": acme})
    result = _run(work, pre_commit_home)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "idsync-tui validate" in result.stdout and "Passed" in result.stdout


def test_the_hook_fails_a_broken_space_and_says_where(
    tmp_path: Path, hook_repo: tuple[Path, str], pre_commit_home: Path
) -> None:
    broken = (SAMPLES / "broken.toml").read_text(encoding="utf-8")
    clean = (SAMPLES / "acme.toml").read_text(encoding="utf-8").replace('profiles = "acme.profiles.jsonl"\n', "")
    work = _scratch(tmp_path, hook_repo, {"broken.toml": broken, "clean.toml": clean})
    result = _run(work, pre_commit_home)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "Failed" in result.stdout
    assert "broken.toml:" in result.stdout and "IDS103 all-limit" in result.stdout
    assert "clean.toml:" not in result.stdout  # no problem in the clean one
    assert "pyproject.toml" not in result.stdout  # not a space file: skipped
