"""Issue 24, "delete only what we made": the one removal function and ``--overwrite`` of a run.

A user's file or symbolic link inside a run directory, a run directory that is a link, a folder
made before the file list existed: each is refused (one-line :class:`UserError`) and the whole
tree survives byte for byte; a run of ours (figures and tracker folder included) is still
replaced, also as ``--out .``.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from coordconv_train import (
    MARKER,
    RunDir,
    UserError,
    check_removable,
    own,
    remove_made_by_us,
    write_json_atomic,
)
from coordconv_train.lock import LOCK
from coordconv_train.manifest import MANIFEST, entries, is_marked, mark
from coordconv_train.testing import unchanged


def _our_run(path: Path) -> RunDir:
    """A run as a trainer leaves it: config, log, checkpoint, results, a figure, a tracker."""
    run = RunDir(path)
    run.prepare({"lr": 0.1})
    run.log({"step": 1})
    write_json_atomic(run.checkpoint, {"pretend": "checkpoint"})
    run.write_results({"accuracy": 1.0})
    own(run.path / "figures" / "curve.png")
    (run.path / "figures").mkdir()
    (run.path / "figures" / "curve.png").write_bytes(b"png")
    own(run.path / "coordconv-vision", "tree")  # what TensorBoard writes
    (run.path / "coordconv-vision" / "1234").mkdir(parents=True)
    (run.path / "coordconv-vision" / "1234" / "events.out").write_bytes(b"tb")
    (run.path / ".checkpoint.safetensors.tmp-999").write_bytes(b"killed mid-write")
    (run.path / f".{MANIFEST}.tmp-999").write_bytes(b"killed while marking")
    return run


@pytest.fixture
def outside(tmp_path: Path) -> Path:
    folder = tmp_path / "outside"
    folder.mkdir()
    (folder / "thesis.tex").write_text("years of work\n")
    return folder


def test_a_run_of_ours_is_replaced_by_overwrite(tmp_path: Path) -> None:
    run = _our_run(tmp_path / "run")
    assert RunDir(run.path).prepare({"lr": 0.2}, overwrite=True) is False
    # the lock: this process holds the run it just prepared (one writer per run directory)
    assert sorted(p.name for p in run.path.iterdir()) == sorted(
        [MANIFEST, MARKER, LOCK, "config.json"]
    )


def _refused(run: RunDir, tmp_path: Path, offending: Path) -> None:
    with unchanged(tmp_path):
        with pytest.raises(UserError) as info:
            RunDir(run.path).check({"lr": 0.2}, overwrite=True)
        with pytest.raises(UserError) as info:
            RunDir(run.path).prepare({"lr": 0.2}, overwrite=True)
    message = str(info.value)
    assert "\n" not in message
    assert message.startswith(f"refusing --overwrite: {offending} ")


def test_a_users_file_inside_a_run_is_kept_and_named(tmp_path: Path) -> None:
    run = _our_run(tmp_path / "run")
    (run.path / "figures" / "my-notes.txt").write_text("keep me\n")
    _refused(run, tmp_path, run.path / "figures" / "my-notes.txt")


def test_a_users_folder_inside_a_run_is_kept(tmp_path: Path) -> None:
    run = _our_run(tmp_path / "run")
    (run.path / "analysis").mkdir()
    _refused(run, tmp_path, run.path / "analysis")


@pytest.mark.parametrize("target", ["folder", "file"])
def test_a_link_inside_a_run_is_neither_followed_nor_deleted(tmp_path, outside, target):
    run = _our_run(tmp_path / "run")
    link = run.path / "figures" / "linked"
    link.symlink_to(outside if target == "folder" else outside / "thesis.tex")
    _refused(run, tmp_path, link)
    assert (outside / "thesis.tex").read_text() == "years of work\n"


def test_a_run_directory_that_is_a_link_is_refused(tmp_path: Path) -> None:
    run = _our_run(tmp_path / "run")
    link = tmp_path / "link"
    link.symlink_to(run.path)
    with unchanged(tmp_path):
        with pytest.raises(UserError, match="symbolic link"):
            RunDir(link).prepare({"lr": 0.2}, overwrite=True)
        with pytest.raises(UserError, match="symbolic link"):
            remove_made_by_us(link, flag="--overwrite")


def test_a_folder_made_before_the_file_list_is_refused(tmp_path: Path) -> None:
    old = tmp_path / "old-run"
    old.mkdir()
    (old / MARKER).write_text('{"format": "coordconv-run-1"}\n')
    (old / "results.json").write_text("{}\n")
    with (
        unchanged(tmp_path),
        pytest.raises(UserError, match=rf"{old} was not made by a coordconv tool"),
    ):
        RunDir(old).prepare({"lr": 0.2}, overwrite=True)


def test_overwrite_of_the_current_folder_keeps_it(tmp_path, monkeypatch) -> None:
    run = _our_run(tmp_path / "run")
    monkeypatch.chdir(run.path)
    assert RunDir(".").prepare({"lr": 0.2}, overwrite=True) is False
    assert Path.cwd() == run.path
    assert is_marked(".")
    # the lock: this process holds the run it just prepared (one writer per run directory)
    assert sorted(p.name for p in run.path.iterdir()) == sorted(
        [MANIFEST, MARKER, LOCK, "config.json"]
    )
    Path("mine.txt").write_text("mine\n")
    with (
        unchanged(tmp_path),
        pytest.raises(UserError, match=r"mine\.txt is not a file coordconv wrote"),
    ):
        RunDir(".").prepare({"lr": 0.3}, overwrite=True)


def test_nested_marked_folders_and_listed_entries(tmp_path: Path) -> None:
    """A reproduction folder: its experiment folder is listed, the runs in it are marked."""
    root = tmp_path / "repro"
    root.mkdir()
    mark(root, "tools/reproduce.py")
    run = _our_run(root / "classification" / "coordconv" / "seed0")
    write_json_atomic(root / "classification" / "inputs.json", {"budget": 1})
    own(root / "figures" / "classification-a.png")
    (root / "figures").mkdir()
    (root / "figures" / "classification-a.png").write_bytes(b"png")
    assert entries(root)["classification/coordconv"] == "dir"
    check_removable(root / "classification", flag="--fresh")
    (run.path / "mine.txt").write_text("mine\n")
    with (
        unchanged(tmp_path),
        pytest.raises(UserError, match=r"refusing --fresh: .*seed0/mine.txt is not a file"),
    ):
        remove_made_by_us(root / "classification", flag="--fresh")
    (run.path / "mine.txt").unlink()
    other = _our_run(root / "classification" / "conv" / "seed0")
    remove_made_by_us(other.path, flag="--overwrite")  # a marked run, listed in root's list
    assert "classification/conv/seed0" not in entries(root)
    remove_made_by_us(root / "classification", flag="--fresh")
    remove_made_by_us(root / "figures" / "classification-a.png", flag="--fresh")
    assert sorted(p.name for p in root.iterdir()) == [MANIFEST, "figures"]
    assert "classification" not in entries(root)
    (root / "classification").mkdir()  # the user's, made later under a name we once used
    with pytest.raises(UserError, match="is a folder coordconv did not make"):
        remove_made_by_us(root / "classification", flag="--fresh")


def test_an_unlisted_path_or_an_unmarked_folder_is_refused(tmp_path: Path) -> None:
    user = tmp_path / "user"
    user.mkdir()
    (user / "a.txt").write_text("a\n")
    with pytest.raises(UserError, match=r"no \.coordconv-files list"):
        remove_made_by_us(user, flag="--fresh")
    with pytest.raises(UserError, match=r"no \.coordconv-files list"):
        remove_made_by_us(user / "a.txt", flag="--fresh")
    remove_made_by_us(tmp_path / "missing", flag="--fresh")  # nothing there: fine
    assert (user / "a.txt").exists()
