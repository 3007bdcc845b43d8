"""``tools/reproduce.py --plan``: what an invocation would run and cost, without running it.

For the chosen preset, experiments and executor: each experiment's jobs (all of them / still
to run), the CPU-hours and GPU-hours of those still to run (:mod:`reproduction.costs`), then
either the SLURM submission it would make (one line per job array: stage, size, resources,
what it waits for, its first command) or the local executor's parallelism, and the cost
model's assumptions. Reads the output folder (finished runs), writes nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from reproduction import costs
from reproduction.jobs import DONE
from reproduction.report import minutes


def plan_lines(
    tasks: Sequence[Any],
    not_run: dict[str, str],
    preset: str,
    executor: str,
    arrays: Sequence[Any] = (),
    folder: Path | None = None,
    jobs_at_once: int = 1,
) -> list[str]:
    """The plan's text. ``tasks``: the experiments to run (each with ``.key`` and ``.jobs``);
    ``not_run``: experiment -> why it does not run; ``arrays``: the SLURM submission
    (:func:`reproduction.slurm.submission`) for ``executor`` ``slurm``; ``folder``: where
    submitit would write; ``jobs_at_once``: the local executor's ``--jobs``."""
    lines = [
        f"plan: {preset} preset, --executor {executor} (nothing is run or written)",
        f"{'experiment':<16}{'jobs':>7}{'to run':>8}{'CPU-h':>10}{'GPU-h':>10}   (hours: jobs to run)",
    ]
    whole = costs.Cost()
    todo_jobs = []
    for task in tasks:
        todo = [j for j in task.jobs if j.state() != DONE]
        todo_jobs += todo
        cost = costs.total(todo)
        whole += cost
        lines.append(
            f"{task.key:<16}{len(task.jobs):>7}{len(todo):>8}{cost.cpu_h:>10,.1f}{cost.gpu_h:>10,.1f}"
        )
    lines += [f"{key:<16}  not run: {why}" for key, why in not_run.items()]
    total_jobs = sum(len(t.jobs) for t in tasks)
    lines.append(
        f"{'total':<16}{total_jobs:>7}{whole.jobs:>8}{whole.cpu_h:>10,.1f}{whole.gpu_h:>10,.1f}"
    )
    if executor == "slurm":
        lines.append(
            f"submission: {len(arrays)} job array(s) through submitit"
            + (f", scripts and logs in {folder}" if folder else "")
            + " (each array waits for the arrays it names: afterok)"
        )
        lines += [f"  {array.describe()}" for array in arrays]
    else:
        from reproduction.presets import lpt_makespan

        walls = [costs.cost(job).wall_h * 3600 for job in todo_jobs]
        lines.append(
            f"local: {len(todo_jobs)} job(s), {jobs_at_once} at a time on this machine: about "
            f"{minutes(lpt_makespan(walls, jobs_at_once))} at the rates below"
        )
    lines.append("assumptions:")
    lines += [f"  {line}" for line in costs.assumptions()]
    return lines
