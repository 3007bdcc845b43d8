"""The run directory's contract: --overwrite deletes only what our tools made, --resume needs a
resumable run, every check happens before the first write, and a failed write undoes itself."""

from __future__ import annotations

import errno
import json
from pathlib import Path

import pytest

from coordconv_train import (
    LOCK,
    MARKER,
    RunDir,
    UserError,
    is_run_dir,
    mark_new_dir,
    own,
    remove_marked_dir,
)
from coordconv_train import rundir as rundir_module
from coordconv_train.manifest import MANIFEST
from coordconv_train.testing import unchanged


def _user_folder(root: Path) -> Path:
    folder = root / "work"
    (folder / "sub").mkdir(parents=True)
    (folder / "notes.txt").write_text("weeks of notes\n")
    (folder / "sub" / "data.bin").write_bytes(b"\x00\x01")
    return folder


def test_overwrite_refuses_a_folder_our_tools_did_not_make(tmp_path):
    folder = _user_folder(tmp_path)
    with unchanged(tmp_path):
        with pytest.raises(
            UserError, match=r"refusing --overwrite: .* not made by a coordconv tool"
        ):
            RunDir(folder).prepare({"lr": 0.1}, overwrite=True)
        with pytest.raises(UserError, match="not empty and not a coordconv run directory"):
            RunDir(folder).prepare({"lr": 0.1})


def test_overwrite_replaces_a_run_of_ours(tmp_path):
    run = RunDir(tmp_path / "run")
    assert run.prepare({"lr": 0.1}) is False
    assert is_run_dir(run.path)
    marker = json.loads((run.path / MARKER).read_text())
    assert marker["format"] == "coordconv-run-1"
    run.log({"epoch": 1})
    own(run.path / "figure.png")  # a figure a trainer wrote (issue 24: listed before writing)
    (run.path / "figure.png").write_bytes(b"png")
    with pytest.raises(UserError, match=r"already holds a run; pass --resume .* or --overwrite"):
        RunDir(run.path).prepare({"lr": 0.1})
    assert RunDir(run.path).prepare({"lr": 0.3}, overwrite=True) is False
    # the lock file: this process still holds the directory it just prepared (issue 24)
    assert sorted(p.name for p in run.path.iterdir()) == sorted(
        [MANIFEST, MARKER, LOCK, "config.json"]
    )
    assert json.loads((run.path / "config.json").read_text()) == {"lr": 0.3}


def test_a_new_run_may_use_an_empty_folder_or_create_parents(tmp_path):
    (tmp_path / "empty").mkdir()
    assert RunDir(tmp_path / "empty").prepare({"a": 1}) is False
    assert RunDir(tmp_path / "x" / "y").prepare({"a": 1}) is False
    assert is_run_dir(tmp_path / "empty")
    assert is_run_dir(tmp_path / "x" / "y")


@pytest.mark.parametrize("setup", ["missing", "empty", "foreign"])
def test_resume_of_nothing_is_an_error(tmp_path, setup):
    path = tmp_path / "run"
    if setup == "empty":
        path.mkdir()
    if setup == "foreign":
        _user_folder(tmp_path).rename(path)
    with unchanged(tmp_path), pytest.raises(UserError, match="--resume: "):
        RunDir(path).prepare({"lr": 0.1}, resume=True)


@pytest.mark.parametrize(
    ("content", "message"),
    [(None, "has no config.json"), ("{not json", "is damaged"), ("[1, 2]", "not a config")],
)
def test_resume_with_a_missing_or_corrupt_config_is_a_user_error(tmp_path, content, message):
    run = RunDir(tmp_path / "run")
    run.prepare({"lr": 0.1})
    run.log({"epoch": 1})
    if content is None:
        (run.path / "config.json").unlink()
    else:
        (run.path / "config.json").write_text(content)
    with pytest.raises(UserError, match=message):
        RunDir(run.path).prepare({"lr": 0.1}, resume=True)
    assert not RunDir(run.path).resumable


def test_resume_checks_the_config_and_keeps_the_log_up_to_the_checkpoint(tmp_path):
    run = RunDir(tmp_path / "run")
    run.prepare({"lr": 0.1, "device": "cpu"})
    run.log({"epoch": 1, "loss": 2.0})
    run.log({"epoch": 2, "loss": 1.0})
    with pytest.raises(UserError, match=r"config differs \(lr: 0.1 -> 0.2\)"):
        RunDir(run.path).prepare({"lr": 0.2}, resume=True)
    run.checkpoint.write_bytes(b"a checkpoint")
    assert RunDir(run.path).prepare({"lr": 0.1, "device": "cuda"}, resume=True) is True
    assert [r["epoch"] for r in run.metrics()] == [1, 2]
    run.truncate_metrics(lambda r: r["epoch"] <= 1)
    assert [r["epoch"] for r in run.metrics()] == [1]
    run.write_results({"accuracy": 1.0})
    assert run.read_results() == {"accuracy": 1.0}


def test_resume_without_a_checkpoint_restarts_with_an_empty_log(tmp_path):
    run = RunDir(tmp_path / "run")
    run.prepare({"lr": 0.1})
    run.log({"step": 3})
    assert run.resumable
    assert RunDir(run.path).prepare({"lr": 0.1}, resume=True) is False
    assert run.metrics() == []


def test_resume_removes_temporary_files_and_a_cut_last_log_line(tmp_path):
    run = RunDir(tmp_path / "run")
    run.prepare({"lr": 0.1})
    run.log({"step": 1})
    with open(run.path / "metrics.jsonl", "a") as fh:
        fh.write('{"step": 2, "lo')  # killed while appending
    run.checkpoint.write_bytes(b"ck")
    stale = run.path / ".checkpoint.safetensors.tmp-12345"
    stale.write_bytes(b"half a checkpoint")
    assert RunDir(run.path).prepare({"lr": 0.1}, resume=True) is True
    assert not stale.exists()
    assert run.metrics() == [{"step": 1}]
    (run.path / "metrics.jsonl").write_text('{"step": 1}\nxx\n{"step": 3}\n')
    with pytest.raises(UserError, match="damaged at line 2"):
        run.metrics()


def test_resume_and_overwrite_together_are_refused(tmp_path):
    with pytest.raises(UserError, match="exclude each other"):
        RunDir(tmp_path / "run").prepare({}, resume=True, overwrite=True)
    assert list(tmp_path.iterdir()) == []


def test_out_that_is_a_file_or_lies_under_a_file_is_refused_before_writing(tmp_path):
    (tmp_path / "file.txt").write_text("mine")
    with unchanged(tmp_path):
        with pytest.raises(UserError, match="is a file, not a directory"):
            RunDir(tmp_path / "file.txt").prepare({}, overwrite=True)
        with pytest.raises(UserError, match=r"cannot create --out .*file.txt is a file"):
            RunDir(tmp_path / "file.txt" / "run" / "deeper").prepare({})


def test_check_writes_nothing_and_returns_the_plan(tmp_path):
    run = RunDir(tmp_path / "run")
    assert run.check({"lr": 0.1}) == "new"
    assert list(tmp_path.iterdir()) == []
    run.prepare({"lr": 0.1})
    run.log({"step": 1})
    with unchanged(tmp_path):
        assert run.check({"lr": 0.1}, overwrite=True) == "overwrite"
        assert run.check({"lr": 0.1}, resume=True) == "resume"


@pytest.mark.parametrize("fail_on", ["config.json", MARKER])
def test_a_failed_first_write_removes_what_it_made(tmp_path, monkeypatch, fail_on):
    real = rundir_module.write_json_atomic

    def disk_full(path, data):
        if Path(path).name == fail_on:
            raise OSError(errno.ENOSPC, "No space left on device", str(path))
        return real(path, data)

    monkeypatch.setattr(rundir_module, "write_json_atomic", disk_full)
    with pytest.raises(UserError, match="No space left on device"):
        RunDir(tmp_path / "a" / "run").prepare({"lr": 0.1})
    assert list(tmp_path.iterdir()) == []
    (tmp_path / "empty").mkdir()
    with pytest.raises(UserError, match="No space left on device"):
        RunDir(tmp_path / "empty").prepare({"lr": 0.1})
    assert list((tmp_path / "empty").iterdir()) == []


def test_atomic_json_write_keeps_the_old_file_when_the_write_fails(tmp_path, monkeypatch):
    path = rundir_module.write_json_atomic(tmp_path / "results.json", {"a": 1})

    def fail(self, *args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(Path, "write_text", fail)
    with pytest.raises(OSError, match="No space"):
        rundir_module.write_json_atomic(path, {"a": 2})
    monkeypatch.undo()
    assert json.loads(path.read_text()) == {"a": 1}
    assert [p.name for p in tmp_path.iterdir()] == ["results.json"]


def test_read_results_refuses_garbage(tmp_path):
    run = RunDir(tmp_path)
    (tmp_path / "results.json").write_text("{truncated")
    with pytest.raises(UserError, match="not valid JSON"):
        run.read_results()


def test_remove_marked_dir_deletes_only_what_our_tools_marked(tmp_path):
    folder = _user_folder(tmp_path)
    assert mark_new_dir(folder, "tools/reproduce.py") is False  # not empty: left unmarked
    with unchanged(tmp_path):
        with pytest.raises(UserError, match=r"refusing --fresh: .* not made by a coordconv tool"):
            remove_marked_dir(folder, "--fresh")
        with pytest.raises(UserError, match="refusing --fresh"):
            remove_marked_dir(folder / "notes.txt", "--fresh")
    report = tmp_path / "report"
    assert mark_new_dir(report, "tools/reproduce.py") is True
    own(report / "REPORT.md")  # issue 24: only files listed as ours are deleted
    (report / "REPORT.md").write_text("# report\n")
    remove_marked_dir(report, "--fresh")
    remove_marked_dir(report, "--fresh")  # already gone: fine
    assert not report.exists()
