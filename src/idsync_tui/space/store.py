"""Saves a space file atomically and refuses to overwrite changes someone else made on disk since it was loaded.

A save writes a hidden temp file next to the space (`.acme.toml.idsync-tmp-XXXX`: same folder, so `os.replace`
is atomic; a leading dot and no `.toml` ending, so nothing mistakes it for a space), flushes and fsyncs it,
gives it the original file's mode, replaces the space with it and fsyncs the folder. A reader, or a crash at
any moment, sees either the old bytes or the new bytes, never a mix.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import stat
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

TEMP_MARKER = ".idsync-tmp-"
# A temp file this old belongs to a save that died (killed, power cut); a newer one may be a save in progress.
STALE_TEMP_SECONDS = 15 * 60


class SaveConflict(Exception):
    """The file on disk is not the one that was loaded: someone else changed (or removed) it."""


def sha256_of(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def disk_hash(path: str | Path) -> str | None:
    """sha256 of the file's bytes now, or None when there is no file."""
    try:
        return sha256_of(Path(path).read_bytes())
    except FileNotFoundError:
        return None


def temp_prefix(path: str | Path) -> str:
    return f".{Path(path).name}{TEMP_MARKER}"


def temp_files(path: str | Path) -> list[Path]:
    """Temp files that saves of `path` left in its folder (only a killed save leaves one)."""
    target = Path(path)
    return sorted(target.parent.glob(f"{temp_prefix(target)}*"))


def _remove_stale_temps(path: Path) -> None:
    cutoff = time.time() - STALE_TEMP_SECONDS
    for temp in temp_files(path):
        with contextlib.suppress(OSError):
            if temp.stat().st_mtime < cutoff:
                temp.unlink()


def _default_mode() -> int:
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask


def _fsync_folder(folder: Path) -> None:
    # Makes the rename itself durable. Some file systems and platforms cannot open a folder: the rename has
    # still happened, so this is best effort.
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def check_unchanged(path: str | Path, expected_hash: str | None) -> None:
    """Raises `SaveConflict` unless the file on disk still has the bytes that were loaded (`expected_hash`)."""
    target = Path(path)
    current = disk_hash(target)
    if current == expected_hash:
        return
    if expected_hash is None:
        raise SaveConflict(f"{target}: a file with this name now exists on disk; reload it, or overwrite it")
    if current is None:
        raise SaveConflict(f"{target}: the file was deleted or moved since it was loaded; save to recreate it")
    raise SaveConflict(
        f"{target}: the file changed on disk since it was loaded (another editor or a git checkout?); "
        "reload it to see those changes, or overwrite them"
    )


def write_atomic(
    path: str | Path,
    content: bytes,
    *,
    expected_hash: str | None = None,
    force: bool = False,
    before_replace: Callable[[Path], None] | None = None,
) -> str:
    """Writes `content` to `path` atomically and returns its sha256.

    Unless `force`, refuses with `SaveConflict` when the file on disk does not hash to `expected_hash` (None: the
    file must not exist). `before_replace` is called with the temp file's path once it is written and synced,
    just before it replaces the space (tests use it to stop a save at its most delicate moment).
    """
    target = Path(path)
    if target.is_symlink():
        # Replace the file the link points to, not the link (dotfiles kept in a repo are often linked).
        target = target.resolve()
    if not force:
        check_unchanged(target, expected_hash)
    folder = target.parent if str(target.parent) else Path(".")
    try:
        mode = stat.S_IMODE(target.stat().st_mode)
    except FileNotFoundError:
        mode = _default_mode()
    fd, temp_name = tempfile.mkstemp(prefix=temp_prefix(target), dir=folder)
    temp = Path(temp_name)
    try:
        with os.fdopen(fd, "wb") as stream:
            stream.write(content)
            stream.flush()
            os.fsync(stream.fileno())
            os.fchmod(stream.fileno(), mode)
        if before_replace is not None:
            before_replace(temp)
        os.replace(temp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            temp.unlink()
        raise
    _fsync_folder(folder)
    _remove_stale_temps(target)
    return sha256_of(content)
