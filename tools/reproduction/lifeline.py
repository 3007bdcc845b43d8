"""Experiment workers die with the reproduction that started them (issue 24, "workers that die
with their parent").

A worker (``schedule._worker``) calls :func:`die_with_parent` first thing. It

- becomes the leader of its own process group, so everything it starts (DataLoader workers,
  vectorised environments, any subprocess of a package command) shares its group and can be
  ended at once with :func:`end_group_after_exit`, which the parent calls after every worker
  exits (finished, failed, stopped or killed by a second Ctrl-C);
- on Linux asks the kernel (``prctl(PR_SET_PDEATHSIG, SIGKILL)``) to kill it when its parent
  dies, however the parent dies, SIGKILL included;
- forks a watcher, a process of its group that does nothing but wait for the worker's own
  death (a parent-death signal again, blocked and taken with ``sigwait``), then kills the
  group with SIGKILL: the worker's children do not outlive it. A separate process, because a
  thread of the worker could not count on getting the signal (threads that torch's libraries
  start unblock it) nor on the main thread running a handler soon.

Without these, a reproduction killed with SIGKILL left its workers training on, and the next
reproduction misreported which invocation measured what.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import signal
import sys
from typing import Any

PR_SET_PDEATHSIG = 1  # <linux/prctl.h>
WORKER_DIED = signal.SIGUSR2  # the watcher's parent-death signal (the watcher blocks it)


def die_with_parent(parent: int) -> None:
    """Make this process and all it starts end when process ``parent`` ends (see module)."""
    os.setpgid(0, 0)
    if sys.platform == "linux":
        prctl = ctypes.CDLL(None, use_errno=True).prctl  # looked up before fork, not in it
        _parent_death_signal(prctl, signal.SIGKILL)
        worker = os.getpid()
        if os.fork() == 0:
            _watch(prctl, worker)
    if os.getppid() != parent:  # the parent died before the request took effect
        os.killpg(0, signal.SIGKILL)


def _parent_death_signal(prctl: Any, signum: int) -> None:
    if prctl(PR_SET_PDEATHSIG, int(signum), 0, 0, 0) != 0:
        raise OSError(ctypes.get_errno(), "prctl(PR_SET_PDEATHSIG) failed")


def _watch(prctl: Any, worker: int) -> None:
    """The watcher: wait until the worker is gone, then SIGKILL its process group."""
    try:
        os.closerange(3, os.sysconf("SC_OPEN_MAX"))  # no pipe of the worker's kept open
        blocked = {WORKER_DIED, signal.SIGINT, signal.SIGTERM, signal.SIGHUP}
        signal.pthread_sigmask(signal.SIG_BLOCK, blocked)
        _parent_death_signal(prctl, WORKER_DIED)
        if os.getppid() == worker:  # else the worker already died
            signal.sigwait({WORKER_DIED})
        os.killpg(0, signal.SIGKILL)
    finally:
        os._exit(0)


def end_group_after_exit(pid: int) -> None:
    """Wait until worker ``pid`` (a child of this process) has exited, then SIGKILL what is
    left of its process group. The worker is not reaped here (``WNOWAIT``: the caller joins
    it), so its pid, and with it the group id, cannot be taken by an unrelated process
    meanwhile; a worker that died before leading a group leaves no group to end."""
    try:
        os.waitid(os.P_PID, pid, os.WEXITED | os.WNOWAIT)
    except ChildProcessError:  # already reaped
        return
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pid, signal.SIGKILL)
