"""Opening the files a user names (space, profiles, themes) safely: regular files only, reads bounded by size.

A path may name anything: a folder, a FIFO (opening it for reading would wait for a writer for ever), a device
(`/dev/zero` never ends, and `stat` reports its size as 0), a socket, a symlink loop, a name longer than the file
system allows. Each is refused here with a message saying what the path is, before a byte is read, and every read
stops at a limit whatever `stat` said (files in /proc report 0 too).
"""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path
from typing import BinaryIO


class NotReadable(OSError):
    """The path cannot be read as a file; `str()` is the reason, for a message: "is a FIFO (named pipe)"."""


def kind_of_mode(mode: int) -> str | None:
    """What a non-regular file is, in words ("a folder"); None for a regular file."""
    if stat.S_ISREG(mode):
        return None
    if stat.S_ISDIR(mode):
        return "a folder"
    if stat.S_ISFIFO(mode):
        return "a FIFO (named pipe)"
    if stat.S_ISSOCK(mode):
        return "a socket"
    if stat.S_ISCHR(mode):
        return "a character device"
    if stat.S_ISBLK(mode):
        return "a block device"
    return "not a regular file"


def reason(error: OSError | ValueError) -> str:
    """Why a path cannot be used, in words, from the error an os call raised on it."""
    if isinstance(error, ValueError):  # an embedded NUL byte
        return "is not a valid path (it holds a NUL character)"
    if isinstance(error, NotReadable):
        return str(error)
    code = error.errno
    if code == errno.ENOENT:
        return "does not exist"
    if code == errno.ENOTDIR:
        return "does not exist (a part of the path is not a folder)"
    if code in (errno.EACCES, errno.EPERM):
        return "cannot be read: permission denied"
    if code == errno.ELOOP:
        return "is a symbolic link loop (a link that points back to itself)"
    if code == errno.ENAMETOOLONG:
        return "is a name too long for the file system"
    if code == errno.ENXIO:
        return "is a socket or a device with nothing behind it"
    return f"cannot be read: {error.strerror or error}"


def regular_file_problem(path: str | Path) -> str | None:
    """None when `path` is a regular file (after symlinks); else what it is, for a message ("is a folder")."""
    try:
        kind = kind_of_mode(os.stat(path).st_mode)
    except (OSError, ValueError) as error:
        return reason(error)
    return None if kind is None else f"is {kind}, not a file"


def open_regular(path: str | Path) -> BinaryIO:
    """Opens `path` for reading in binary; raises `NotReadable` (an OSError) unless it is a regular file.

    Checked before opening (a FIFO is never opened) and again on the open descriptor (the path may have been
    replaced in between); the open itself never blocks (O_NONBLOCK, cleared once the file is known to be regular).
    """
    problem = regular_file_problem(path)
    if problem is not None:
        raise NotReadable(problem)
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0)
    try:
        fd = os.open(path, flags)
    except OSError as error:
        raise NotReadable(reason(error)) from None
    try:
        kind = kind_of_mode(os.fstat(fd).st_mode)
        if kind is not None:
            raise NotReadable(f"is {kind}, not a file")
        os.set_blocking(fd, True)
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise


class TooLarge(NotReadable):
    """More bytes than the limit allows."""


def read_bounded(path: str | Path, limit: int) -> bytes:
    """The bytes of a regular file, at most `limit`: `TooLarge` beyond it, whatever `stat` reported."""
    with open_regular(path) as stream:
        data = stream.read(limit + 1)
    if len(data) > limit:
        raise TooLarge(f"is larger than the {_size(limit)} allowed")
    return data


def _size(count: int) -> str:
    if count >= 1024 * 1024:
        return f"{count / 1024 / 1024:g} MiB"
    if count >= 1024:
        return f"{count / 1024:g} KiB"
    return f"{count} bytes"
