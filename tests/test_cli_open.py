"""`idsync-tui SPACE` on a file it cannot open: one line naming the file, what is wrong and what to do."""

from __future__ import annotations

import io
from pathlib import Path

from idsync_tui.cli import main


def test_a_binary_file_is_refused_with_its_name(tmp_path: Path) -> None:
    binary = tmp_path / "photo.toml"
    binary.write_bytes(b"version = 1\n\x89PNG\r\n\x1a\n\x00\xff\xfe")
    out, err = io.StringIO(), io.StringIO()
    assert main([str(binary)], out, err) == 2
    assert err.getvalue().startswith(f"idsync-tui: {binary}: the file is not UTF-8")
    assert "save it as UTF-8" in err.getvalue()
