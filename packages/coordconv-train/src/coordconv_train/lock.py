"""One writer per run directory: an advisory lock every trainer and the reproduction take.

The lock is ``fcntl.flock`` on ``<dir>/.coordconv-run.lock``, a file that holds the holder's
pid and command (JSON) so that a second writer can name it:
``<dir> is in use by pid N (<command>); wait for it or stop it`` (a :class:`UserError`: one
line, exit 2). The kernel releases a flock when the last descriptor of its holder closes, so a
lock left by a killed process (even SIGKILL) is simply taken over; its stale pid in the file is
overwritten. No one but the holder deletes the lock file (``--overwrite`` keeps it); the holder
deletes it when it lets go, so a finished run's directory holds no lock file. A taker checks
that the file it locked is still the one at the path (it may have been let go and deleted in
between) and otherwise tries again.

A process keeps what it takes until :func:`release_dir` or its end. Taking a directory this
process already holds returns the same lock (a sweep may run a trainer on a directory it made).
Only the main process of a multi-process run takes it (:meth:`coordconv_train.Run.open`).
"""

from __future__ import annotations

import atexit
import contextlib
import errno
import fcntl
import json
import logging
import os
import shlex
import sys
from dataclasses import dataclass
from pathlib import Path

from coordconv_train.errors import UserError

log = logging.getLogger(__name__)

LOCK = ".coordconv-run.lock"
_COMMAND_CHARS = 200  # how much of the holder's command the file (and the message) keeps


class DirInUse(UserError):
    """Another process holds the directory's lock."""


@dataclass
class DirLock:
    """A held lock: the directory, the descriptor and the process that took it."""

    path: Path
    fd: int
    pid: int

    def ours(self) -> bool:
        """Held by this process (not an entry inherited by a forked child) on the file that
        is there now (not one of a directory deleted and made again)."""
        return self.pid == os.getpid() and _is_at_path(self.fd, self.path / LOCK)


def _is_at_path(fd: int, path: Path) -> bool:
    """The open file ``fd`` is the file at ``path`` (not one deleted or replaced since)."""
    try:
        here, held = os.stat(path, follow_symlinks=False), os.fstat(fd)
    except OSError:
        return False
    return (here.st_dev, here.st_ino) == (held.st_dev, held.st_ino)


_HELD: dict[Path, DirLock] = {}


def _key(path: str | Path) -> Path:
    return Path(path).resolve()


def _command() -> str:
    text = " ".join(shlex.join([Path(sys.argv[0]).name, *sys.argv[1:]]).split())
    return text if len(text) <= _COMMAND_CHARS else text[: _COMMAND_CHARS - 3] + "..."


def _holder(fd: int) -> str:
    """``"pid N (command)"`` from the lock file, or ``"another process"`` if unreadable."""
    with contextlib.suppress(OSError, ValueError, TypeError, AttributeError):
        info = json.loads(os.pread(fd, 4096, 0).decode("utf-8", "replace"))
        pid, command = int(info["pid"]), " ".join(str(info.get("command", "")).split())
        return f"pid {pid} ({command})" if command else f"pid {pid}"
    return "another process"


def _in_use(path: Path, fd: int) -> DirInUse:
    return DirInUse(f"{path} is in use by {_holder(fd)}; wait for it or stop it")


def _try_flock(fd: int, path: Path) -> bool:
    """Take the lock without waiting; False if someone holds it. A file system without locks
    (some network mounts) is let through with a warning."""
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError as exc:
        if exc.errno in (errno.EWOULDBLOCK, errno.EAGAIN, errno.EACCES):
            return False
        log.warning("cannot lock %s (%s); nothing stops a second writer", path, exc.strerror)
    return True


def check_not_in_use(path: str | Path) -> None:
    """Refuse (:class:`DirInUse`) a directory another process holds. Writes nothing: a
    directory without a lock file is free."""
    key = _key(path)
    held = _HELD.get(key)
    if held is not None and held.ours():
        return
    try:
        fd = os.open(key / LOCK, os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC)
    except OSError:
        return  # no lock file (or none we can open): nobody can hold it
    try:
        if not _try_flock(fd, key):
            raise _in_use(Path(path), fd)
    finally:
        os.close(fd)  # closing our only descriptor releases what we just took


def lock_dir(path: str | Path) -> DirLock:
    """Take ``path``'s lock (making the directory if needed) and keep it until
    :func:`release_dir` or the end of the process; :class:`DirInUse` if another process
    holds it."""
    key = _key(path)
    held = _HELD.get(key)
    if held is not None and held.ours():
        return held
    key.mkdir(parents=True, exist_ok=True)
    flags = os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW | os.O_CLOEXEC
    while True:
        fd = os.open(key / LOCK, flags, 0o644)
        try:
            if not _try_flock(fd, key):
                raise _in_use(Path(path), fd)
            if not _is_at_path(fd, key / LOCK):  # its holder let go and deleted it: again
                os.close(fd)
                continue
            info = json.dumps({"pid": os.getpid(), "command": _command()}) + "\n"
            os.ftruncate(fd, 0)
            os.pwrite(fd, info.encode(), 0)
        except BaseException:
            os.close(fd)
            raise
        break
    if held is not None:
        release_dir(key)
    lock = _HELD[key] = DirLock(key, fd, os.getpid())
    return lock


def release_dir(path: str | Path) -> None:
    """Let go of ``path``'s lock if this process holds it, deleting the lock file (a no-op if
    this process does not hold it)."""
    held = _HELD.pop(_key(path), None)
    if held is None:
        return
    if held.ours():  # deleted while still locked: no one else can have taken this file
        with contextlib.suppress(OSError):
            (held.path / LOCK).unlink()
    # close, never LOCK_UN: a forked child shares the lock, and unlocking there would release
    # its parent's lock; the lock ends when the holder's last descriptor closes
    with contextlib.suppress(OSError):
        os.close(held.fd)


@atexit.register
def release_all() -> None:
    """Let go of every lock this process holds: at the end of a command (:func:`run_cli`,
    also after an error) and at a normal end of the process."""
    for key in list(_HELD):
        release_dir(key)


def held_dirs() -> list[Path]:
    """The directories this process holds (for tests and diagnostics)."""
    return [key for key, lock in _HELD.items() if lock.ours()]
