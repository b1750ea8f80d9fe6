"""Saves a space file atomically and refuses to overwrite changes someone else made on disk since it was loaded.

A save writes a hidden temp file next to the space (`.acme.toml.idsync-tmp-XXXX`: same folder, so `os.replace`
is atomic; a leading dot and no `.toml` ending, so nothing mistakes it for a space), flushes and fsyncs it,
gives it the original file's mode, owner and group (the owner and group when the process may set them: as root,
or a group the user is in), replaces the space with it and fsyncs the folder. A reader, or a crash at any moment,
sees either the old bytes or the new bytes, never a mix.

A file with no write permission is not replaced unless the caller says so (`ReadOnlyFile`): an editor asks first.

Temp files left by a killed save. A save holds an exclusive `flock` on its temp file from the moment it creates
it until the replace; the kernel drops the lock when the process dies, however it dies. So the next save of the
same file removes every temp of that file whose lock it can take: their saves are dead for certain. A temp whose
lock is held belongs to a save still running (another app, a script) and is left alone. (Before this, temps were
removed only after 15 minutes, since age was the only sign of a dead save.) A save that loses the race against a
cleaner (its temp removed between creating and locking it) sees its temp unlinked and starts again with a new
one. Where there is no `flock` (Windows), the 15-minute rule stays.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import os
import stat
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from idsync_tui.space import files

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows: temps are cleaned by age instead
    fcntl = None  # type: ignore[assignment]

TEMP_MARKER = ".idsync-tmp-"
# Without flock (Windows), a temp this old belongs to a save that died; a newer one may be a save in progress.
STALE_TEMP_SECONDS = 15 * 60


class SaveConflict(Exception):
    """The file on disk is not the one that was loaded: someone else changed (or removed) it."""


class ReadOnlyFile(Exception):
    """The file has no write permission: replacing it needs the user's word (`replace_read_only=True`)."""


def sha256_of(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def disk_hash(path: str | Path) -> str | None:
    """sha256 of the file's bytes now, or None when there is no file. Only a regular file is read (a FIFO put in
    its place would never end): anything else hashes as "not a file", which matches no loaded file."""
    try:
        with files.open_regular(path) as stream:
            return sha256_of(stream.read())
    except files.NotReadable as error:
        if str(error) == "does not exist":
            return None
        return f"not a file: {error}"
    except FileNotFoundError:
        return None


def temp_prefix(path: str | Path) -> str:
    return f".{Path(path).name}{TEMP_MARKER}"


def temp_files(path: str | Path) -> list[Path]:
    """Temp files that saves of `path` left in its folder (only a killed save leaves one)."""
    target = Path(path)
    return sorted(target.parent.glob(f"{temp_prefix(target)}*"))


def _remove_stale_temps(path: Path, keep: Path | None = None) -> None:
    """Removes the temps of `path` that no live save holds (see the module's docstring); `keep` is this save's."""
    cutoff = time.time() - STALE_TEMP_SECONDS
    for temp in temp_files(path):
        if temp == keep:
            continue
        with contextlib.suppress(OSError):
            if fcntl is None:
                if temp.lstat().st_mtime < cutoff:
                    temp.unlink()
                continue
            fd = os.open(temp, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0))
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)  # BlockingIOError: a live save holds it
                temp.unlink()
            finally:
                os.close(fd)


def _new_temp(target: Path, folder: Path) -> tuple[int, Path]:
    """A new temp file for `target`, created and locked (a cleaner that removed it before the lock: try again)."""
    while True:
        fd, name = tempfile.mkstemp(prefix=temp_prefix(target), dir=folder)
        if fcntl is None:
            return fd, Path(name)
        fcntl.flock(fd, fcntl.LOCK_EX)
        if os.fstat(fd).st_nlink > 0:
            return fd, Path(name)
        os.close(fd)


def _keep_owner(fd: int, old: os.stat_result | None) -> None:
    """Gives the temp the replaced file's owner and group when this process may (root; a group the user is in)."""
    if old is None or not hasattr(os, "fchown"):
        return
    now = os.fstat(fd)
    if (now.st_uid, now.st_gid) == (old.st_uid, old.st_gid):
        return
    try:
        os.fchown(fd, old.st_uid, old.st_gid)
    except OSError:
        with contextlib.suppress(OSError):
            os.fchown(fd, -1, old.st_gid)  # not root: the group alone may still be allowed


def is_read_only(path: str | Path) -> bool:
    """Whether the file exists without any write permission bit (`chmod a-w`): an editor asks before replacing it."""
    try:
        return not stat.S_IMODE(os.stat(path).st_mode) & 0o222
    except (OSError, ValueError):
        return False


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
    replace_read_only: bool = False,
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
        try:
            target = target.resolve()
        except RuntimeError:  # Python 3.11 says "Symlink loop" this way
            raise OSError(errno.ELOOP, "a symbolic link loop (the link points back to itself)", str(target)) from None
    if not force:
        check_unchanged(target, expected_hash)
    folder = target.parent if str(target.parent) else Path(".")
    try:
        old: os.stat_result | None = target.stat()
    except FileNotFoundError:
        old = None
    mode = stat.S_IMODE(old.st_mode) if old is not None else _default_mode()
    if old is not None and not mode & 0o222 and not replace_read_only:
        raise ReadOnlyFile(f"{target} is read-only (no write permission); replace it anyway, or save elsewhere")
    _remove_stale_temps(target)
    fd, temp = _new_temp(target, folder)
    try:
        with os.fdopen(fd, "wb") as stream:  # closing it releases the lock: only after the replace
            stream.write(content)
            stream.flush()
            os.fsync(stream.fileno())
            _keep_owner(stream.fileno(), old)
            os.fchmod(stream.fileno(), mode)
            if before_replace is not None:
                before_replace(temp)
            os.replace(temp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            temp.unlink()
        raise
    _fsync_folder(folder)
    return sha256_of(content)
