"""Experiment workers die with the reproduction that started them (issue 24; module
``reproduction.lifeline``): a reproduction killed with SIGKILL leaves no worker, and no process a
worker started, running."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

TOOLS = Path(__file__).resolve().parent.parent

# A reproduction whose every job's command starts a process of its own, says which processes
# run, then sleeps. Patched at import, so the spawned worker (which imports this file again as
# ``__mp_main__``) runs the same slow command.
DRIVER = """
import os, subprocess, sys, time
from pathlib import Path
sys.path.insert(0, {tools!r})
import reproduction.jobs as jobs

def slow(argv):
    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(600)"])
    pids = Path({pids!r})
    pids.with_suffix(".tmp").write_text(f"{{os.getpid()}} {{child.pid}}")
    pids.with_suffix(".tmp").replace(pids)
    time.sleep(600)

jobs.console_main = lambda script: slow
if __name__ == "__main__":
    import reproduce
    sys.exit(reproduce.main(["--preset", "tiny", "--only", "classification", "--jobs", "1",
                             "--threads", "1", "--device", "cpu", "--out", {out!r}]))
"""


def _alive(pid: int) -> bool:
    """Running (a zombie waiting for its reaper has ended: it runs nothing)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, ProcessLookupError):
        return False
    return state not in ("Z", "X")


@pytest.mark.skipif(sys.platform != "linux", reason="the parent-death signal is Linux's")
def test_sigkill_of_the_reproduction_ends_its_workers_and_their_children(tmp_path: Path) -> None:
    pids_file = tmp_path / "pids"
    driver = tmp_path / "driver.py"
    driver.write_text(
        DRIVER.format(tools=str(TOOLS), pids=str(pids_file), out=str(tmp_path / "out"))
    )
    stderr = tmp_path / "stderr.txt"  # a file, not a pipe a surviving worker would hold open
    with stderr.open("w") as err:
        parent = subprocess.Popen(
            [sys.executable, str(driver)], cwd=tmp_path, stdout=subprocess.DEVNULL, stderr=err
        )
    pids: list[int] = []
    try:
        deadline = time.monotonic() + 180
        while not pids_file.exists():
            assert parent.poll() is None, stderr.read_text()
            assert time.monotonic() < deadline, "the experiment never started"
            time.sleep(0.1)
        pids = [int(p) for p in pids_file.read_text().split()]
        worker, child = pids
        assert _alive(worker)
        assert _alive(child)
        parent.send_signal(signal.SIGKILL)  # no handler, no cleanup in the parent
        parent.wait(timeout=30)
        deadline = time.monotonic() + 10
        while any(_alive(pid) for pid in pids) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not _alive(worker), "the worker outlived its parent"
        assert not _alive(child), "a process the worker started outlived the worker's parent"
    finally:
        for pid in pids:  # this test's own processes, if the assertion above failed
            if _alive(pid):
                os.kill(pid, signal.SIGKILL)
        if parent.poll() is None:
            parent.kill()
            parent.wait()
