"""Helpers for the tests of every coordconv package (as :mod:`torch.testing` is for torch's).

coordconv-train is the lowest package the data, vision, generative and RL packages and
``tools/`` all depend on, so what their tests share lives here, once:

- :func:`tree_digest`, :func:`unchanged`: a file tree's contents; a block that must leave
  them as they were
- :func:`one_error_line`: the one line on stderr a refused command writes
- :class:`TinyRunConfig`: the least config a :class:`~coordconv_train.Run` accepts
- :func:`lock_held_elsewhere`: another process holding a run directory's lock
- :func:`run_python`, :func:`wait_while_running`: real processes of this interpreter

Nothing here is used by the packages themselves, and it imports only the standard library.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

__all__ = [
    "TinyRunConfig",
    "lock_held_elsewhere",
    "one_error_line",
    "run_python",
    "tree_digest",
    "unchanged",
    "wait_while_running",
]


def tree_digest(*roots: Path, relative: bool = False) -> dict[str, str]:
    """Every path under ``roots`` -> what it is: ``<sha256> <mode>`` for a file, ``dir <mode>``
    for a folder, ``link -> <target>`` for a symbolic link (never followed).

    Two digests of the same roots are equal only if nothing was added, removed, rewritten,
    re-moded or re-linked in between. Keys are the paths as found, or relative to their root
    with ``relative`` (to compare two copies of one tree; use it with one root).
    """
    digest = {}
    for root in roots:
        for p in sorted(root.rglob("*")):
            key = str(p.relative_to(root)) if relative else str(p)
            if p.is_symlink():
                digest[key] = f"link -> {os.readlink(p)}"
            elif p.is_dir():
                digest[key] = f"dir {p.stat().st_mode:o}"
            else:
                digest[key] = f"{hashlib.sha256(p.read_bytes()).hexdigest()} {p.stat().st_mode:o}"
    return digest


@contextmanager
def unchanged(*roots: Path) -> Iterator[None]:
    """Asserts that the ``with`` block leaves every path under ``roots`` as it was
    (:func:`tree_digest` before and after)."""
    before = tree_digest(*roots)
    yield
    assert tree_digest(*roots) == before, f"the files under {', '.join(map(str, roots))} changed"


def one_error_line(stderr: str) -> str:
    """The one line a refused command writes on stderr (``<prog>: error: ...``): asserts that
    there is exactly one and no traceback, and returns it."""
    lines = stderr.strip().splitlines()
    assert len(lines) == 1, stderr
    assert "Traceback" not in stderr, stderr
    return lines[0]


@dataclass
class TinyRunConfig:
    """The least config a :class:`~coordconv_train.Run` accepts: the fields it reads (``out``,
    ``resume``, ``overwrite``, ``device``, ``amp``, ``log_with``) and a learning rate, a budget
    and a seed, as a trainer's config dataclass has."""

    out: Path
    lr: float = 0.1
    epochs: int = 2
    seed: int = 0
    resume: bool = False
    overwrite: bool = False
    device: str = "cpu"
    amp: bool = False
    log_with: list[str] = field(default_factory=list)


# takes the lock through the same API the trainers use, says so, then holds it
_LOCK_HOLDER = """
import sys, time
from coordconv_train import lock_dir
lock_dir(sys.argv[1])
print("locked", flush=True)
time.sleep(600)
"""


@contextmanager
def lock_held_elsewhere(path: Path) -> Iterator[subprocess.Popen[str]]:
    """Another process that holds ``path``'s run lock (:func:`~coordconv_train.lock_dir`) for
    the ``with`` block (the process is yielded: its ``pid`` is the one a refusal names). At the
    end it is killed with SIGKILL, so its lock file stays behind, stale, as a crash leaves it."""
    proc = subprocess.Popen(
        [sys.executable, "-c", _LOCK_HOLDER, str(path)], stdout=subprocess.PIPE, text=True
    )
    try:
        assert proc.stdout is not None
        assert proc.stdout.readline().strip() == "locked"
        yield proc
    finally:
        proc.kill()
        proc.wait(timeout=30)
        if proc.stdout is not None:
            proc.stdout.close()


def run_python(
    *args: str,
    cwd: Path | None = None,
    env: Mapping[str, str] | None = None,
    timeout_s: float = 300,
) -> subprocess.CompletedProcess[str]:
    """``python *args`` in a new process of this interpreter, stdout and stderr captured as
    text; its exit status is the caller's to check."""
    cmd = [sys.executable, *args]
    return subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout_s)


def wait_while_running(
    proc: subprocess.Popen[str],
    done: Callable[[], bool],
    *,
    timeout_s: float,
    message: str,
    poll_s: float = 0.05,
) -> None:
    """Return once ``done()`` is true, polling every ``poll_s``; fail with ``proc``'s output if
    it ends first, or with ``message`` if ``timeout_s`` passes."""
    deadline = time.monotonic() + timeout_s
    while not done():
        assert proc.poll() is None, proc.communicate()
        assert time.monotonic() < deadline, message
        time.sleep(poll_s)
