"""The report header's facts and the scheduler's time-left estimate."""

from __future__ import annotations

import re
import time
from pathlib import Path

from reproduction.machine import cpu_model, git_commit, launcher_start, machine_line, usable_cores
from reproduction.runner import Context
from reproduction.schedule import Progress, Task

REPO = Path(__file__).resolve().parents[2]


def test_machine_facts():
    assert cpu_model()
    assert usable_cores() >= 1
    assert re.search(r", \d+ cores \(\w+\), [\d.]+ GiB, (no GPU|GPU .+)$", machine_line())
    started = launcher_start()  # None unless launched by `hatch run`
    assert started is None or started.timestamp() < time.time()


def test_git_commit(tmp_path):
    assert git_commit(tmp_path) == "not a git checkout"
    commit = git_commit(REPO)
    assert commit == "not a git checkout" or re.fullmatch(
        r"[0-9a-f]{10}( \+ uncommitted changes| \(clean tree\))", commit
    )


def _task(key: str, estimate: float | None) -> Task:
    ctx = Context(key=key, preset="quick", budget={}, root=Path("/nonexistent"))
    return Task(ctx, estimate, "inv", "abc", {})


def test_time_left_scales_estimates_by_what_finished(capsys):
    progress = Progress(total=3, jobs=2, out=None)
    now = time.perf_counter()
    # nothing finished: 100 s running (40 s in) and 100 s pending on 2 jobs -> 100 s
    assert (
        progress.left([(_task("a", 100), now - 40)], [_task("b", 100)]) == "about 1 min 40 s left"
    )
    # a finished job took twice its estimate: everything left is scaled by 2
    progress.done.append((20.0, 10.0))
    assert progress.left([], [_task("b", 60), _task("d", 30)]) == "about 2 min 00 s left"
    assert progress.left([], [_task("e", None)]).startswith("time left unknown")


def test_time_left_grows_when_an_experiment_overruns():
    progress = Progress(total=2, jobs=1, out=None)
    now = time.perf_counter()
    # 'a' estimated 60 s has run 120 s: the machine is twice as slow, so 'b' needs 60 s not 30 s
    assert progress.left([(_task("a", 60), now - 120)], [_task("b", 30)]) == "about 1 min 00 s left"


def test_a_chain_of_jobs_starts_before_a_longer_single_job():
    """data (10 s) -> train (50 s) -> evaluate (30 s) heads a 90 s chain, so it outranks a
    lone 60 s job; the lone job outranks the evaluation at the end of the chain."""
    from reproduction.jobs import Job
    from reproduction.schedule import Work, critical_path

    task = _task("gan", None)

    def work(experiment: str, name: str, estimate: float, *after: str) -> Work:
        job = Job(experiment, name, ("x",), Path("/nonexistent"), Path("/nonexistent"), after=after)
        return Work(job, task, estimate)

    works = [
        work("gan", "data", 10),
        work("gan", "train", 50, "data"),
        work("gan", "evaluate", 30, "train"),
        work("rendering", "run", 60),
    ]
    rank = critical_path(works)
    assert rank == {"gan/data": 90, "gan/train": 80, "gan/evaluate": 30, "rendering/run": 60}
