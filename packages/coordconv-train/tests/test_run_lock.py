"""One writer per run directory (coordconv_train.lock, taken by RunDir.prepare / Run.open)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from coordconv_train import LOCK, DirInUse, Run, RunDir, UserError, lock_dir, release_dir
from coordconv_train.lock import held_dirs

HOLDER = textwrap.dedent(
    """
    import sys, time
    from coordconv_train import lock_dir
    lock_dir(sys.argv[1])
    print("locked", flush=True)
    time.sleep(600)
    """
)


@dataclass
class TinyConfig:
    out: Path
    lr: float = 0.1
    resume: bool = False
    overwrite: bool = False
    device: str = "cpu"
    amp: bool = False
    log_with: list[str] = field(default_factory=list)


def hold(path: Path) -> subprocess.Popen:
    """Another process that takes ``path``'s lock through the same API and keeps it."""
    proc = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(path)], stdout=subprocess.PIPE, text=True
    )
    assert proc.stdout is not None
    assert proc.stdout.readline().strip() == "locked"
    return proc


def stop(proc: subprocess.Popen, sig: int = signal.SIGKILL) -> None:
    proc.send_signal(sig)
    proc.wait(timeout=30)
    if proc.stdout is not None:
        proc.stdout.close()


def test_a_second_writer_is_refused_naming_the_holder(tmp_path: Path) -> None:
    out = tmp_path / "run"
    Run(TinyConfig(out), project="test").open()
    release_dir(out)  # the first run ended
    holder = hold(out)
    try:
        resumed = Run(TinyConfig(out, resume=True), project="test")
        with pytest.raises(DirInUse) as caught:
            resumed.check()  # refused before anything is read or written
        text = str(caught.value)
        assert f"is in use by pid {holder.pid} (" in text
        assert text.endswith("; wait for it or stop it")
        assert "\n" not in text
        with pytest.raises(DirInUse, match=f"pid {holder.pid}"):
            RunDir(out).prepare({"out": str(out)}, resume=True)
        with pytest.raises(DirInUse):  # --overwrite must not delete a run in use either
            RunDir(out).prepare({"out": str(out)}, overwrite=True)
        assert (out / "config.json").is_file()
        assert (out / LOCK).is_file()
    finally:
        stop(holder)


def test_a_lock_left_by_a_killed_process_is_taken_over(tmp_path: Path) -> None:
    out = tmp_path / "run"
    Run(TinyConfig(out), project="test").open()
    release_dir(out)
    stop(hold(out))  # SIGKILL: the lock file stays, with the dead holder's pid
    assert (out / LOCK).is_file()
    run = Run(TinyConfig(out, resume=True), project="test")
    run.check()
    run.open()
    assert out.resolve() in held_dirs()
    assert f'"pid": {os.getpid()}' in (out / LOCK).read_text()  # the stale pid overwritten
    run.finish({"ok": 1})
    assert not (out / LOCK).exists()  # let go (and the file deleted) when the run ends
    assert out.resolve() not in held_dirs()


def test_the_lock_is_reentrant_in_one_process_and_leaves_a_failed_prepare_clean(
    tmp_path: Path,
) -> None:
    out = tmp_path / "a" / "b"
    first = lock_dir(out)
    assert lock_dir(out) is first  # a sweep runs a trainer on a folder it holds
    release_dir(out)
    assert not (out / LOCK).exists()
    out.rmdir()
    (tmp_path / "a").rmdir()

    def refuse(*args, **kwargs):
        raise UserError("refused")

    run_dir = RunDir(tmp_path / "x" / "y")
    run_dir._prepare = refuse  # type: ignore[method-assign]
    with pytest.raises(UserError, match="refused"):
        run_dir.prepare({})
    assert list(tmp_path.iterdir()) == []  # the folders it made and its lock file are gone
    assert not [d for d in held_dirs() if tmp_path.resolve() in d.parents]


def test_a_foreign_folder_gets_no_lock_file(tmp_path: Path) -> None:
    (tmp_path / "mine.txt").write_text("keep")
    with pytest.raises(UserError, match="not empty"):
        RunDir(tmp_path).prepare({})
    assert [p.name for p in tmp_path.iterdir()] == ["mine.txt"]


def test_overwrite_keeps_the_lock_file_its_process_holds(tmp_path: Path) -> None:
    out = tmp_path / "run"
    RunDir(out).prepare({"lr": 0.1})
    (out / "metrics.jsonl").write_text("{}\n")
    inode = (out / LOCK).stat().st_ino
    RunDir(out).prepare({"lr": 0.2}, overwrite=True)
    assert sorted(p.name for p in out.iterdir()) == sorted(
        [".coordconv-files", ".coordconv-run", LOCK, "config.json"]
    )
    assert (out / LOCK).stat().st_ino == inode  # the same file: no window for a second writer
    release_dir(out)
