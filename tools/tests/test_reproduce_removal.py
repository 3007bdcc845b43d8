"""Issue 24: ``tools/reproduce.py --fresh`` and ``--publish`` delete only what they wrote.

Each user folder shape (``figures/`` and ``sections/`` in a ``--publish`` folder, hidden
``.P.old`` / ``.P.publishing`` siblings, a link as ``--publish``, a user's file in an experiment
folder, links to a folder and to a file outside, ``.`` as ``--out``) survives byte for byte, with
exit 2 and one stderr line naming the path; a reproduction folder and report of ours are still
replaced by ``--fresh`` and ``--publish``.
"""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import pytest
import reproduce
from reproduction import publish as publish_module
from reproduction.report import Section, copy_figure

from coordconv_train import RunDir, check_removable, own, write_atomic, write_json_atomic
from coordconv_train.manifest import MANIFEST, entries
from coordconv_train.testing import one_error_line, unchanged


def _section(key: str) -> Section:
    return Section(key=key, title=key, status="ran", what="tiny", columns=[], rows=[])


def _our_root(root: Path, tmp_path: Path) -> Path:
    """A reproduction folder as ``tools/reproduce.py`` leaves it, written by its own writers."""
    reproduce.make_root(SimpleNamespace(root=root, preset="tiny"))
    for key in ("classification", "detection"):
        own(root / key, "dir")
        (root / key).mkdir()
        write_json_atomic(root / key / "inputs.json", {"budget": 1})
        run = RunDir(root / key / "coordconv" / "seed0")
        run.prepare({"lr": 0.1})
        run.write_results({"accuracy": 1.0})
        run.release()  # the writer is done, as when its worker process ends
        own(root / key / "log.txt")
        (root / key / "log.txt").write_text("log\n")
        _section(key).save(root / "sections")
        png = tmp_path / f"{key}.png"
        png.write_bytes(b"png")
        copy_figure(png, root, f"{key}-curve.png")
    write_atomic(root / "REPORT.md", lambda tmp: tmp.write_text("# report\n"))
    return root


def _plan(argv: list[str]) -> reproduce.Plan:
    return reproduce.Plan(reproduce.build_parser().parse_args(argv), argv)


def _refused(argv: list[str], offending: Path, capsys, *roots: Path) -> None:
    capsys.readouterr()
    with unchanged(*roots):
        assert reproduce.main(argv) == 2
    err = one_error_line(capsys.readouterr().err)
    assert err.startswith("reproduce: error: ")
    assert str(offending) in err


# ---- --fresh


def test_fresh_deletes_our_runs_sections_figures_and_report(tmp_path: Path) -> None:
    root = _our_root(tmp_path / "repro", tmp_path)
    plan = _plan(["--preset", "tiny", "--fresh", "--only", "classification", "--out", str(root)])
    reproduce.fresh_start(plan)
    assert sorted(p.name for p in root.iterdir()) == [
        ".coordconv-files",
        ".reproduce.json",
        "detection",
        "figures",
        "sections",
    ]
    assert [p.name for p in (root / "figures").iterdir()] == ["detection-curve.png"]
    assert [p.name for p in (root / "sections").iterdir()] == ["detection.json"]
    assert "classification" not in entries(root)


def test_fresh_keeps_a_users_file_in_an_experiment_folder(tmp_path, capsys) -> None:
    root = _our_root(tmp_path / "repro", tmp_path)
    note = root / "classification" / "coordconv" / "what-i-saw.txt"
    note.write_text("the loss spiked at step 40\n")
    argv = ["--preset", "tiny", "--fresh", "--only", "classification", "--out", str(root)]
    _refused(argv, note, capsys, tmp_path)


@pytest.mark.parametrize("shape", ["figures-is-a-link-to-a-folder", "section-is-a-link-to-a-file"])
def test_fresh_never_follows_a_link_out_of_the_folder(tmp_path, capsys, shape) -> None:
    root = _our_root(tmp_path / "repro", tmp_path)
    outside = tmp_path / "outside"
    outside.mkdir()
    # named as a figure of ours: only the link check keeps it
    (outside / "classification-curve.png").write_bytes(b"the user's figure")
    if shape == "figures-is-a-link-to-a-folder":
        (root / "figures").rename(tmp_path / "moved-figures")
        (root / "figures").symlink_to(outside)
        offending = root / "figures"
    else:
        offending = root / "sections" / "classification.json"
        offending.unlink()
        offending.symlink_to(outside / "classification-curve.png")
    argv = ["--preset", "tiny", "--fresh", "--only", "classification", "--out", str(root)]
    _refused(argv, offending, capsys, tmp_path)


def test_dot_as_out_keeps_a_users_folder(tmp_path, capsys, monkeypatch) -> None:
    cwd = tmp_path / "home"
    cwd.mkdir()
    (cwd / "figures").mkdir()
    (cwd / "figures" / "classification-plot.png").write_bytes(b"mine")
    (cwd / ".reproduce.json").write_text('{"tool": "tools/reproduce.py", "preset": "tiny"}\n')
    monkeypatch.chdir(cwd)
    argv = ["--preset", "tiny", "--fresh", "--only", "classification", "--out", "."]
    _refused(argv, cwd, capsys, tmp_path)  # no file list: nothing of it is ours


# ---- --publish


def test_publish_replaces_a_report_of_ours_and_our_leftovers(tmp_path: Path) -> None:
    root = _our_root(tmp_path / "repro", tmp_path)
    target = tmp_path / "reports" / "quick"
    publish_module.publish(root, target)
    publish_module.publish(root, target.with_name(".quick.old"))  # left by a killed publish
    (root / "REPORT.md").write_text("# newer\n")  # (a stand-in for a newer report)
    publish_module.publish(root, target)
    assert (target / "REPORT.md").read_text() == "# newer\n"
    assert sorted(p.name for p in target.parent.iterdir()) == ["quick"]
    assert sorted(p.name for p in target.iterdir()) == [
        MANIFEST,
        "REPORT.md",
        "figures",
        "sections",
    ]


def _publish_argv(root: Path, target: Path) -> list[str]:
    return ["--preset", "tiny", "--fresh", "--publish", str(target), "--out", str(root)]


def test_publish_keeps_a_users_folder_with_report_parts(tmp_path, capsys) -> None:
    target = tmp_path / "paper-draft"
    for part in ("figures", "sections"):
        (target / part).mkdir(parents=True)
        (target / part / "fig1.pdf").write_bytes(b"weeks of plotting")
    (target / "REPORT.md").write_text("my own report\n")
    _refused(_publish_argv(tmp_path / "repro", target), target, capsys, tmp_path)


@pytest.mark.parametrize("sibling", [".quick.old", ".quick.publishing"])
def test_publish_keeps_hidden_siblings_it_did_not_make(tmp_path, capsys, sibling) -> None:
    root = _our_root(tmp_path / "repro", tmp_path)
    target = tmp_path / "reports" / "quick"
    publish_module.publish(root, target)
    (target.parent / sibling).mkdir()
    (target.parent / sibling / "backup.tar").write_bytes(b"the user's backup")
    _refused(_publish_argv(tmp_path / "new", target), target.parent / sibling, capsys, tmp_path)


def test_publish_keeps_a_user_file_added_to_our_report(tmp_path, capsys) -> None:
    root = _our_root(tmp_path / "repro", tmp_path)
    target = tmp_path / "reports" / "quick"
    publish_module.publish(root, target)
    (target / "figures" / "annotated.png").write_bytes(b"my annotations")
    offending = target / "figures" / "annotated.png"
    _refused(_publish_argv(tmp_path / "new", target), offending, capsys, tmp_path)


def test_publish_to_a_link_is_refused(tmp_path, capsys) -> None:
    root = _our_root(tmp_path / "repro", tmp_path)
    report = tmp_path / "reports" / "quick"
    publish_module.publish(root, report)
    link = tmp_path / "link"
    link.symlink_to(report)
    _refused(_publish_argv(tmp_path / "new", link), link, capsys, tmp_path)


# ---- a real trainer's run directory


NSC = ["notsoclevr", "--device", "cpu", "--no-progress", "--epochs", "1", "--train-limit", "16"]
NSC += ["--task", "classification", "--log-with", "tensorboard"]


def test_a_trainers_run_lists_every_file_it_wrote(tmp_path, capsys) -> None:
    """Weights, figures and the tracker's folder are all on the list, so ``--fresh`` and
    ``--overwrite`` can replace the run; a file of the user's in it stops both."""
    from coordconv_vision.cli import main

    root = tmp_path / "repro"
    reproduce.make_root(SimpleNamespace(root=root, preset="tiny"))
    out = root / "classification" / "coordconv" / "seed0"
    assert main([*NSC, "--out", str(out)]) == 0
    assert list(out.glob("*.png"))
    assert list(out.glob("coordconv-vision/*"))
    check_removable(root / "classification", flag="--fresh")  # every file is listed
    note = out / "notes.txt"
    note.write_text("mine\n")
    capsys.readouterr()
    with unchanged(tmp_path):
        assert main([*NSC, "--out", str(out), "--overwrite"]) == 2
    err = one_error_line(capsys.readouterr().err)
    assert err.startswith(f"coordconv-vision: error: refusing --overwrite: {note} ")
    note.unlink()
    assert main([*NSC, "--out", str(out), "--overwrite"]) == 0
