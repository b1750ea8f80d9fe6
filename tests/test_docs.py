"""The docs users need live in the repository: the README links docs/ and nothing outside the repository, every
rule code is documented, the code's comments point to docs/, and the README's headless examples work as written."""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

from idsync_tui.space.problems import CODES

REPO = Path(__file__).resolve().parent.parent
README = REPO / "README.md"
DOCS = REPO / "docs"


def _links(text: str) -> list[str]:
    return re.findall(r"\]\(([^)\s]+)\)", text)


def test_readme_and_docs_link_only_inside_the_repository() -> None:
    for page in [README, *sorted(DOCS.glob("*.md"))]:
        text = page.read_text(encoding="utf-8")
        assert "../shared" not in text and "/work/" not in text, page.name
        for link in _links(text):
            if link.startswith(("http://", "https://", "#", "mailto:")):
                continue
            target = (page.parent / link.split("#")[0]).resolve()
            assert target.is_relative_to(REPO), f"{page.name} links outside the repository: {link}"
            assert target.exists(), f"{page.name} links a missing file: {link}"


def test_readme_links_the_docs() -> None:
    links = _links(README.read_text(encoding="utf-8"))
    for name in ("rules.md", "space-file.md", "segment-api.md", "ci.md"):
        assert f"docs/{name}" in links


def test_every_rule_code_is_documented_with_its_name_and_severity() -> None:
    text = (DOCS / "rules.md").read_text(encoding="utf-8")
    for code, (name, severity) in CODES.items():
        assert re.search(rf"^\| {code} \| {re.escape(name)} \| {severity} \|", text, re.M), code


def test_the_code_points_to_docs_not_to_shared_files() -> None:
    for path in (REPO / "src").rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        assert "../shared" not in text and "shared/domain.md" not in text and "shared/spec" not in text, path


def test_readme_headless_examples_work_as_written(tmp_path: Path) -> None:
    """Each line of the README's headless block, run from a copy of the repository's samples and fixtures with
    this environment's command in place of `.venv/bin/idsync-tui`: no usage error, no traceback."""
    text = README.read_text(encoding="utf-8")
    block = text.split("## Headless", 1)[1].split("```sh\n", 1)[1].split("```", 1)[0]
    commands = [line.split("  #", 1)[0].strip() for line in block.splitlines() if line.strip()]
    assert len(commands) >= 6
    for folder in ("sample_spaces", "tests/fixtures"):
        shutil.copytree(REPO / folder, tmp_path / folder)
    venv = tmp_path / ".venv" / "bin"
    venv.mkdir(parents=True)
    (venv / "idsync-tui").symlink_to(Path(sys.executable).parent / "idsync-tui")
    for command in commands:
        assert command.startswith(".venv/bin/idsync-tui "), command
        result = subprocess.run(
            ["bash", "-c", command],
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=120,
            env=dict(os.environ),
        )
        assert "Traceback" not in result.stderr, command
        assert result.returncode in (0, 1), f"{command}: {result.returncode} {result.stderr}"
        if "validate sample_spaces/*.toml" not in command and "broken" not in command:
            assert result.returncode == 0, f"{shlex.quote(command)}: {result.stderr}"
    assert (tmp_path / "imported.toml").is_file() and list((tmp_path / "segment-export").glob("*.json"))
