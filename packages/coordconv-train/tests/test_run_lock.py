"""One writer per run directory (coordconv_train.lock, taken by RunDir.prepare / Run.open)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from coordconv_train import LOCK, DirInUse, Run, RunDir, UserError, lock_dir, release_dir
from coordconv_train.lock import held_dirs
from coordconv_train.testing import TinyRunConfig, lock_held_elsewhere


def test_a_second_writer_is_refused_naming_the_holder(tmp_path: Path) -> None:
    out = tmp_path / "run"
    Run(TinyRunConfig(out), project="test").open()
    release_dir(out)  # the first run ended
    with lock_held_elsewhere(out) as holder:
        resumed = Run(TinyRunConfig(out, resume=True), project="test")
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


def test_a_lock_left_by_a_killed_process_is_taken_over(tmp_path: Path) -> None:
    out = tmp_path / "run"
    Run(TinyRunConfig(out), project="test").open()
    release_dir(out)
    with lock_held_elsewhere(out):
        pass  # then SIGKILL: the lock file stays, with the dead holder's pid
    assert (out / LOCK).is_file()
    run = Run(TinyRunConfig(out, resume=True), project="test")
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
