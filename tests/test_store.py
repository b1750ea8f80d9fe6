"""The store: atomic saves that keep the file's mode, and refuse to overwrite what changed on disk."""

from __future__ import annotations

import os
import random
import signal
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest

from idsync_tui.space import store
from idsync_tui.space.store import SaveConflict, sha256_of, temp_files, write_atomic

CHILD = Path(__file__).with_name("_save_child.py")


def _space(tmp_path: Path, text: str = 'version = 1\n\n[space]\nkey = "acme"\nname = "Acme"\n') -> Path:
    path = tmp_path / "acme.toml"
    path.write_bytes(text.encode())
    return path


def test_a_save_writes_the_new_bytes_and_returns_their_hash(tmp_path: Path) -> None:
    path = _space(tmp_path)
    new = b'version = 1\n\n[space]\nkey = "acme"\nname = "Acme Inc"\n'
    digest = write_atomic(path, new, expected_hash=sha256_of(path.read_bytes()))
    assert path.read_bytes() == new
    assert digest == sha256_of(new)
    assert temp_files(path) == []


def test_a_save_keeps_the_file_mode(tmp_path: Path) -> None:
    path = _space(tmp_path)
    path.chmod(0o640)
    write_atomic(path, b"version = 1\n", expected_hash=sha256_of(path.read_bytes()))
    assert path.stat().st_mode & 0o777 == 0o640


def test_saving_through_a_symlink_replaces_the_linked_file_and_keeps_the_link(tmp_path: Path) -> None:
    real = _space(tmp_path)
    link = tmp_path / "link.toml"
    link.symlink_to(real)
    write_atomic(link, b"version = 1\n", expected_hash=sha256_of(real.read_bytes()))
    assert link.is_symlink()
    assert real.read_bytes() == b"version = 1\n"


def test_a_file_changed_on_disk_since_it_was_loaded_is_not_overwritten(tmp_path: Path) -> None:
    path = _space(tmp_path)
    loaded = sha256_of(path.read_bytes())
    path.write_bytes(b"# someone else's edit\n")
    with pytest.raises(SaveConflict, match="changed on disk since it was loaded"):
        write_atomic(path, b"mine\n", expected_hash=loaded)
    assert path.read_bytes() == b"# someone else's edit\n"
    assert temp_files(path) == []


def test_force_overwrites_a_file_changed_on_disk(tmp_path: Path) -> None:
    path = _space(tmp_path)
    loaded = sha256_of(path.read_bytes())
    path.write_bytes(b"# someone else's edit\n")
    write_atomic(path, b"mine\n", expected_hash=loaded, force=True)
    assert path.read_bytes() == b"mine\n"


def test_a_file_deleted_since_it_was_loaded_is_a_conflict(tmp_path: Path) -> None:
    path = _space(tmp_path)
    loaded = sha256_of(path.read_bytes())
    path.unlink()
    with pytest.raises(SaveConflict, match="deleted or moved"):
        write_atomic(path, b"mine\n", expected_hash=loaded)
    assert not path.exists()


def test_a_new_file_is_created_but_an_unexpected_existing_one_is_a_conflict(tmp_path: Path) -> None:
    path = tmp_path / "new.toml"
    write_atomic(path, b"version = 1\n", expected_hash=None)
    assert path.read_bytes() == b"version = 1\n"
    with pytest.raises(SaveConflict, match="now exists"):
        write_atomic(path, b"again\n", expected_hash=None)


def test_a_save_that_fails_before_the_replace_leaves_the_old_file_and_no_temp(tmp_path: Path) -> None:
    path = _space(tmp_path)
    old = path.read_bytes()

    def fail(temp: Path) -> None:
        assert temp.exists()
        raise OSError(28, "No space left on device")

    with pytest.raises(OSError, match="No space left"):
        write_atomic(path, b"new\n", expected_hash=sha256_of(old), before_replace=fail)
    assert path.read_bytes() == old
    assert temp_files(path) == []


def test_the_temp_file_is_hidden_in_the_same_folder_and_not_a_toml_file(tmp_path: Path) -> None:
    path = _space(tmp_path)
    seen: list[Path] = []
    write_atomic(path, b"new\n", expected_hash=sha256_of(path.read_bytes()), before_replace=seen.append)
    (temp,) = seen
    assert temp.parent == path.parent
    assert temp.name.startswith(".acme.toml.idsync-tmp-")
    assert not temp.name.endswith(".toml")


def test_a_temp_file_left_by_a_dead_save_is_removed_by_the_next_save_however_recent(tmp_path: Path) -> None:
    path = _space(tmp_path)
    dead = tmp_path / ".acme.toml.idsync-tmp-dead"
    recent = tmp_path / ".acme.toml.idsync-tmp-recent"
    other = tmp_path / ".other.toml.idsync-tmp-x"
    for temp in (dead, recent, other):
        temp.write_bytes(b"partial")
    an_hour_ago = time.time() - 3600
    os.utime(dead, (an_hour_ago, an_hour_ago))
    write_atomic(path, b"new\n", expected_hash=sha256_of(path.read_bytes()))
    assert not dead.exists() and not recent.exists()  # no live save holds their lock
    assert other.exists()  # another file's temp: its own saves deal with it
    assert temp_files(path) == []


def test_a_temp_held_by_a_live_save_is_left_and_removed_once_that_save_was_killed(tmp_path: Path) -> None:
    old, new, old_file, new_file = _big_versions(tmp_path)
    path = tmp_path / "acme.toml"
    path.write_bytes(old)
    child = _child(str(path), str(old_file), str(new_file), "pause")
    assert child.stdout is not None
    temp = Path(child.stdout.readline().strip().removeprefix("paused "))
    try:
        write_atomic(path, b"mine\n", force=True)  # another save meanwhile: the paused one is alive
        assert temp.exists() and temp_files(path) == [temp]
    finally:
        child.send_signal(signal.SIGKILL)
        child.wait()
    write_atomic(path, b"again\n", expected_hash=sha256_of(b"mine\n"))  # the next save after the kill
    assert not temp.exists() and temp_files(path) == []
    assert path.read_bytes() == b"again\n"


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() != 0, reason="only root may give a file away")
def test_saving_keeps_the_files_owner_and_group_as_root(tmp_path: Path) -> None:
    path = _space(tmp_path)
    os.chown(path, 4321, 8765)
    os.chmod(path, 0o640)
    write_atomic(path, b"new\n", expected_hash=sha256_of(path.read_bytes()))
    info = path.stat()
    assert (info.st_uid, info.st_gid, stat.S_IMODE(info.st_mode)) == (4321, 8765, 0o640)
    assert path.read_bytes() == b"new\n"


def test_a_read_only_file_is_not_replaced_without_being_told(tmp_path: Path) -> None:
    path = _space(tmp_path)
    before = path.read_bytes()
    os.chmod(path, 0o444)
    assert store.is_read_only(path)
    with pytest.raises(store.ReadOnlyFile, match="read-only"):
        write_atomic(path, b"new\n", expected_hash=sha256_of(before))
    assert path.read_bytes() == before and temp_files(path) == []
    write_atomic(path, b"new\n", expected_hash=sha256_of(before), replace_read_only=True)
    assert path.read_bytes() == b"new\n" and stat.S_IMODE(path.stat().st_mode) == 0o444


def _big_versions(tmp_path: Path) -> tuple[bytes, bytes, Path, Path]:
    rows = "".join(f'\n[[audiences]]\nkey = "a{i}"\nname = "Audience {i}"\n' for i in range(60_000))
    old = f"version = 1\n# old\n{rows}".encode()
    new = f"version = 1\n# new\n{rows.replace('Audience', 'Segment')}".encode()
    old_file, new_file = tmp_path / "old.bin", tmp_path / "new.bin"
    old_file.write_bytes(old)
    new_file.write_bytes(new)
    return old, new, old_file, new_file


def _child(*args: str) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, str(CHILD), *args], stdout=subprocess.PIPE, text=True)


def test_a_save_killed_at_random_moments_leaves_exactly_the_old_or_the_new_file(tmp_path: Path) -> None:
    folder = tmp_path / "space"
    folder.mkdir()
    old, new, old_file, new_file = _big_versions(tmp_path)
    assert len(old) > 2_000_000
    path = folder / "acme.toml"
    path.write_bytes(old)
    rng = random.Random(20240601)
    seen: set[bytes] = set()
    for _ in range(25):
        child = _child(str(path), str(old_file), str(new_file), "loop")
        assert child.stdout is not None and child.stdout.readline().strip() == "saving"
        time.sleep(rng.uniform(0.0, 0.3))
        child.send_signal(signal.SIGKILL)
        child.wait()
        content = path.read_bytes()
        assert content in (old, new), "the space file was left half-written"
        seen.add(content)
        for temp in temp_files(path):
            assert temp.name.startswith(".acme.toml.idsync-tmp-") and not temp.name.endswith(".toml")
        assert [p.name for p in folder.glob("*.toml")] == ["acme.toml"]
    assert seen == {old, new}, "the kills should land both before and after a replace"


def test_a_save_killed_between_write_and_replace_leaves_the_old_file(tmp_path: Path) -> None:
    old, new, old_file, new_file = _big_versions(tmp_path)
    path = tmp_path / "acme.toml"
    path.write_bytes(old)
    child = _child(str(path), str(old_file), str(new_file), "pause")
    assert child.stdout is not None
    line = child.stdout.readline().strip()
    assert line.startswith("paused ")
    temp = Path(line.removeprefix("paused "))
    assert temp.read_bytes() == new  # fully written, not yet in place
    child.send_signal(signal.SIGKILL)
    child.wait()
    assert path.read_bytes() == old
    assert temp_files(path) == [temp]
    assert store.disk_hash(path) == sha256_of(old)
