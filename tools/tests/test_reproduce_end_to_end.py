"""The one-command reproduction, end to end in its ``tiny`` preset (seconds per experiment).

``tools/reproduce.py --preset tiny`` runs from a clean copy of the repository, as on a fresh
clone: every experiment really runs through the packages' console scripts, in worker
processes; the report lands under ``runs/reproduce/tiny/`` and nothing under ``reports/``
changes. The test checks the report (header, headline, per-seed tables, figures, "not run"
sections), the progress lines and the terminal table, that ``--log-with`` reaches the training
commands, that a rerun reuses and says so, and that the reference report and changed budgets
are guarded.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import reproduce
from reproduction.experiments import ORDER
from reproduction.report import Section

from coordconv_train.testing import lock_held_elsewhere, run_python, tree_digest, wait_while_running

REPO = Path(__file__).resolve().parents[2]
RAN = [k for k in ORDER if k not in ("imagenet", "lsun")]


def _clean_copy(dest: Path) -> Path:
    """The tracked parts ``tools/reproduce.py`` needs, without runs/ or caches (the packages
    themselves are installed; their committed result files are read from the tree)."""
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", ".pytest_cache")
    for name in ("tools", "reports"):
        shutil.copytree(REPO / name, dest / name, ignore=ignore)
    for name in ("README.md", "pyproject.toml"):
        shutil.copy2(REPO / name, dest / name)
    for measured in REPO.glob("packages/*/docs/measured"):  # committed results notes cite
        shutil.copytree(measured, dest / measured.relative_to(REPO), ignore=ignore)
    return dest


def _reproduce(repo: Path, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "MPLBACKEND": "Agg", "PYTHONWARNINGS": "ignore"}
    return run_python(
        str(repo / "tools" / "reproduce.py"), *args, cwd=repo, env=env, timeout_s=1200
    )


def test_tiny_reproduction_from_a_clean_copy(tmp_path):
    """One tiny reproduction from a clean copy (as on a fresh clone), then reruns of it.

    One test, so that xdist workers do not each run the tiny preset."""
    repo = _clean_copy(tmp_path / "clone")
    reports = tree_digest(repo / "reports")
    proc = _reproduce(repo, "--preset", "tiny", "--device", "cpu", "--log-with", "tensorboard")
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    assert tree_digest(repo / "reports") == reports, "the committed reports changed"
    out = repo / "runs" / "reproduce" / "tiny"
    check_report(out)
    check_every_file_is_listed(out)
    check_progress_and_terminal(proc.stdout, out)
    check_log_with_reached_every_training_command(out)
    check_rerun_reuses_and_says_so(repo)
    assert tree_digest(repo / "reports") == reports
    check_publish_needs_a_fresh_complete_run(repo, tmp_path / "ref")
    check_changed_budget_is_refused_until_fresh(repo)


def check_report(out: Path) -> None:
    text = (out / "REPORT.md").read_text()
    sections = {s.key: s for s in map(Section.load, (out / "sections").glob("*.json"))}
    assert set(sections) == set(ORDER)

    # the header: when, where, which commit, how long
    for field in ("written", "machine", "software", "commit", "wall time of this invocation"):
        assert f"- **{field}:**" in text, field
    assert "not a git checkout" in text  # the clean copy has no .git
    assert "cores" in text
    assert "reused sections" not in text

    for key, section in sections.items():
        assert f"## {section.title}" in text, key
        assert section.headline, key
        assert section.invocation == sections["classification"].invocation
        if key in ("imagenet", "lsun"):
            assert section.status == "not run"
            assert f"--{key}" in " ".join(section.notes)
            continue
        assert section.status == "ran", key
        assert section.wall_time_s > 0
        assert section.cpu_time_s > 0
        assert section.estimate_s > 0
        numbers = [c for row in section.rows for c in row if isinstance(c, int | float)]
        assert numbers, f"{key} has no measured numbers"
        assert section.figures, key
        for fig in section.figures:
            assert (out / fig).stat().st_size > 1000, fig
            assert f"]({fig})" in text

    # per-seed values: the tiny preset runs CoordConv classification on seeds 0 and 1
    assert re.search(r"\| coordconv \| quadrant \| 7,553 \| 1 \| \d\.\d{3} / \d\.\d{3} \|", text)
    assert re.search(r"\| coordconv \| quadrant \| 908 \|", text)  # the default regressor
    assert re.search(r"\| coordconv \| quadrant \| 11,850 \|", text)
    assert "## Headline: our numbers beside the paper's" in text
    assert "| experiment | status | estimate | wall | CPU | measured |" in text


def check_every_file_is_listed(out: Path) -> None:
    """Issue 24: every file the reproduction wrote (runs, data, figures, trackers, logs) is on
    a .coordconv-files list, so --fresh can replace all of it and nothing else."""
    from coordconv_train import check_removable

    check_removable(out, flag="--fresh")


def check_progress_and_terminal(stdout: str, out: Path) -> None:
    assert re.search(r"tiny preset, 7 experiment\(s\) to run \(\d+ jobs\), 2 at a time", stdout)
    for key in RAN:
        assert re.search(rf"\[\s*\d+:\d\d\] {key}: started \(estimated", stdout), key
        done = rf"\[\s*\d+:\d\d\] {key}: ran in .* CPU, estimated .*\) · \d/7 done · about .* left"
        assert re.search(done, stdout), key
    assert "imagenet: not run (no --imagenet folder given)" in stdout
    assert re.search(r"experiment\s+claim\s+ours\s+paper\s+verdict", stdout)
    assert f"report: {out / 'REPORT.md'}" in stdout


def check_log_with_reached_every_training_command(out: Path) -> None:
    runs = [p.parent for p in out.rglob("metrics.jsonl")]
    assert len(runs) >= 14
    for run in runs:
        assert list(run.glob("coordconv-*/events.out.tfevents.*")), run


def check_rerun_reuses_and_says_so(repo: Path) -> None:
    proc = _reproduce(repo, "--preset", "tiny", "--device", "cpu")
    assert proc.returncode == 0, proc.stderr[-3000:]
    for key in RAN:
        assert re.search(rf"{key}: reused, measured \d{{4}}-\d\d-\d\d \d\d:\d\d UTC", proc.stdout)
    text = (repo / "runs" / "reproduce" / "tiny" / "REPORT.md").read_text()
    assert "- **reused sections:** classification (measured" in text
    assert "reused from an earlier invocation" in text


def check_publish_needs_a_fresh_complete_run(repo: Path, ref: Path) -> None:
    for args, message in (
        (["--publish", str(ref)], "needs a complete fresh run"),
        (["--publish", str(ref), "--fresh", "--only", "vae"], "drop --only"),
        (["--publish", str(repo / "tools"), "--fresh"], "holds more than a report"),
    ):
        proc = _reproduce(repo, "--preset", "tiny", *args)
        assert proc.returncode == 2, args
        assert proc.stderr.count("\n") == 1, proc.stderr
        assert message in proc.stderr
    assert not ref.exists()


def check_changed_budget_is_refused_until_fresh(repo: Path) -> None:
    stored = repo / "runs" / "reproduce" / "tiny" / "vae" / "inputs.json"
    inputs = json.loads(stored.read_text())
    inputs["budget"]["epochs"] += 1
    stored.write_text(json.dumps(inputs))
    proc = _reproduce(repo, "--preset", "tiny", "--only", "vae")
    assert proc.returncode == 2
    assert "holds runs of a different vae budget" in proc.stderr
    assert "--fresh --only vae" in proc.stderr


def test_folder_not_made_by_the_tool_is_refused(tmp_path, capsys):
    (tmp_path / "mine.txt").write_text("keep me")
    assert reproduce.main(["--preset", "tiny", "--out", str(tmp_path), "--fresh"]) == 2
    err = capsys.readouterr().err
    assert "was not made by tools/reproduce.py" in err
    assert (tmp_path / "mine.txt").read_text() == "keep me"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--imagenet", "nope"], "--imagenet nope is not a directory"),
        (["--jobs", "0"], "--jobs must be in 1..1024"),
        (["--log-with", "nosuchtracker"], "unknown tracker 'nosuchtracker'"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(args, message, tmp_path, capsys):
    out = tmp_path / "out"
    assert reproduce.main(["--preset", "tiny", "--out", str(out), *args]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1, err
    assert message in err
    assert not out.exists()


def test_imagenet_and_lsun_run_on_user_folders(tmp_path, image_folder):
    imagenet, lsun = tmp_path / "imagenet", tmp_path / "lsun"
    image_folder(imagenet / "train", classes=3, per_class=4)
    image_folder(imagenet / "val", classes=3, per_class=2)
    image_folder(lsun / "bedroom", classes=1, per_class=8, size=64)
    out = tmp_path / "out"
    proc = _reproduce(
        REPO,
        *["--preset", "tiny", "--only", "imagenet", "lsun", "--out", str(out), "--device", "cpu"],
        *["--imagenet", str(imagenet), "--lsun", str(lsun)],
    )
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    imagenet_section = Section.load(out / "sections" / "imagenet.json")
    assert imagenet_section.status == "ran"
    assert [row[0] for row in imagenet_section.rows] == ["loss", "top1", "top5"]
    assert all(
        isinstance(row[1], float) and isinstance(row[2], float) for row in imagenet_section.rows
    )
    assert imagenet_section.inputs["data"] == str(imagenet)
    lsun_section = Section.load(out / "sections" / "lsun.json")
    assert lsun_section.status == "ran"
    assert [row[0] for row in lsun_section.rows] == ["conv", "coordconv-gd"]
    assert all((out / fig).is_file() for fig in lsun_section.figures)


def test_stop_signal_leaves_a_resumable_reproduction(tmp_path):
    """SIGTERM to the main process: the running experiment is told to stop, nothing new
    starts, the exit status is 130, and the same command then finishes the work."""
    import signal

    out = tmp_path / "out"
    argv = [sys.executable, str(REPO / "tools" / "reproduce.py"), "--preset", "tiny"]
    argv += ["--only", "classification", "vae", "--jobs", "1", "--out", str(out)]
    env = {**os.environ, "MPLBACKEND": "Agg", "PYTHONWARNINGS": "ignore"}
    proc = subprocess.Popen(
        argv, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    logs = out / "classification" / "logs"

    def started() -> bool:
        return any("$ coordconv-vision notsoclevr" in p.read_text() for p in logs.glob("*.txt"))

    wait_while_running(proc, started, timeout_s=300, message="the first run never started")
    proc.send_signal(signal.SIGTERM)
    stdout, stderr = proc.communicate(timeout=300)
    assert proc.returncode == 130, stdout[-2000:] + stderr[-2000:]
    assert "rerun the same command to resume" in stdout
    assert "vae: started" not in stdout  # nothing new starts after the signal
    section = Section.load(out / "sections" / "classification.json")
    assert section.status == "stopped"

    again = subprocess.run(argv, env=env, capture_output=True, text=True, timeout=1200)
    assert again.returncode == 0, again.stdout[-2000:] + again.stderr[-2000:]
    assert Section.load(out / "sections" / "classification.json").status == "ran"
    assert Section.load(out / "sections" / "vae.json").status == "ran"


def test_a_second_invocation_on_the_same_root_is_refused(tmp_path, capsys):
    """One reproduction per root: refused in one line naming the holder, before the checks
    (a peek) and when run() takes the lock for the whole invocation; nothing is written."""
    from coordconv_train import LOCK, UserError

    out = tmp_path / "out"
    argv = ["--preset", "tiny", "--out", str(out)]
    with lock_held_elsewhere(out) as holder:
        assert reproduce.main(argv) == 2
        err = capsys.readouterr().err
        assert err.count("\n") == 1, err
        assert f"is in use by pid {holder.pid} (" in err
        assert [p.name for p in out.iterdir()] == [LOCK]
    plan = reproduce.Plan(reproduce.build_parser().parse_args(argv), argv)  # checks pass now
    # another invocation starts between the checks and the run
    with lock_held_elsewhere(out) as holder:
        with pytest.raises(UserError, match=f"in use by pid {holder.pid}"):
            reproduce.run(plan)
        assert [p.name for p in out.iterdir()] == [LOCK]  # no marker, no sections
