"""The SLURM executor: the reproduction's unfinished jobs as job arrays submitted with submitit.

:func:`submission` is a pure function from the experiments' jobs to what would be submitted:
one job array per experiment, dependency stage (:func:`reproduction.jobs.stages`) and resource
request, each with its submitit parameters, the command of every task and the arrays it waits
for (``afterok``). ``--plan`` prints it; :func:`submit` hands it to submitit (one
``map_array`` per array, each array's dependency naming the job ids of the arrays it needs)
and records the job ids in ``<root>/slurm/<invocation>/submitted.json``. Every task runs one
:class:`~reproduction.jobs.Job` in-process (:func:`task`), exactly as a local worker does, so
a rerun of ``tools/reproduce.py`` finds the finished run directories, submits only what is
missing or unfinished (skipping tasks still queued or running) and writes the report once
every job is done.
"""

from __future__ import annotations

import functools
import json
import os
import re
import shutil
import sys
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from reproduction.jobs import DONE, Job, Resources, stages

TOOLS = Path(__file__).resolve().parent.parent  # on every task's PYTHONPATH (`reproduction`)
SUBMITTED = "submitted.json"
# sbatch options submitit or this module set themselves, and those with their own flag
OWN_OPTIONS = {
    "array": "",
    "dependency": "",
    "output": "",
    "error": "",
    "open-mode": "",
    "signal": "",
    "job-name": "",
    "partition": "--slurm-partition",
    "account": "--slurm-account",
    "qos": "--slurm-qos",
    "time": "--slurm-time",
}
# sacct states of a task that will still run (a rerun must not submit it again)
IN_FLIGHT = {
    "PENDING",
    "RUNNING",
    "REQUEUED",
    "REQUEUE_HOLD",
    "REQUEUE_FED",
    "CONFIGURING",
    "COMPLETING",
    "RESIZING",
    "SUSPENDED",
}


@dataclass(frozen=True)
class SlurmOptions:
    """The ``--slurm-*`` flags of ``tools/reproduce.py``."""

    partition: str | None = None
    account: str | None = None
    qos: str | None = None
    time_min: int | None = None  # overrides every job's own time
    array_parallelism: int | None = None  # tasks of one array running at once
    extra: dict[str, str] = field(default_factory=dict)  # --slurm-param KEY=VALUE


@dataclass(frozen=True)
class Array:
    """One SLURM job array: jobs of one experiment and stage asking for the same resources."""

    name: str  # <experiment>-stage<k>, with -<n> when one stage needs several requests
    experiment: str
    stage: int
    jobs: tuple[Job, ...]
    resources: Resources
    distributed: bool
    parameters: dict[str, Any]  # submitit AutoExecutor parameters
    setup: tuple[str, ...]  # shell lines each task's batch script runs first
    after: tuple[str, ...]  # names of the arrays it waits for (afterok)

    @property
    def size(self) -> int:
        return len(self.jobs)

    def commands(self) -> list[str]:
        """What each task runs, in array index order."""
        return [job.shell() for job in self.jobs]

    def describe(self) -> str:
        """One line of the plan: stage, size, resources, depends-on, first command."""
        time = self.parameters["timeout_min"]
        resources = Resources(
            cpus=self.resources.cpus,
            gpus=self.resources.gpus,
            nodes=self.resources.nodes,
            mem_gb=self.resources.mem_gb,
            time_min=time,
        ).describe()
        tasks = self.parameters["tasks_per_node"]
        per_gpu = f", {tasks} tasks a node (torch.distributed)" if tasks > 1 else ""
        at_once = self.parameters.get("slurm_array_parallelism")
        per_gpu += f", at most {at_once} at once" if at_once and self.size > 1 else ""
        after = ", ".join(self.after) or "nothing"
        return (
            f"{self.name}: stage {self.stage}, {self.size} task(s), {resources}{per_gpu}; "
            f"after {after}; first: {self.commands()[0]}"
        )


def cluster_problem() -> str | None:
    """Why jobs cannot be submitted from this machine (no ``sbatch``/``srun``), or None."""
    missing = [cmd for cmd in ("sbatch", "srun") if shutil.which(cmd) is None]
    if missing:
        return (
            f"--executor slurm needs SLURM's {' and '.join(missing)} on this machine (a login node)"
        )
    return None


def parse_params(pairs: Iterable[str]) -> dict[str, str]:
    """``--slurm-param KEY=VALUE`` pairs as sbatch options; ``ValueError`` (one line) on a
    malformed pair or an option this tool sets itself."""
    extra: dict[str, str] = {}
    for pair in pairs:
        key, eq, value = pair.partition("=")
        key = key.strip().lstrip("-").replace("_", "-")
        if not eq or not re.fullmatch(r"[a-z][a-z0-9-]*", key):
            raise ValueError(
                f"--slurm-param {pair!r}: expected KEY=VALUE with an sbatch option as KEY "
                "(e.g. constraint=h100)"
            )
        if key in OWN_OPTIONS:
            flag = OWN_OPTIONS[key]
            use = f"use {flag}" if flag else "this tool sets it"
            raise ValueError(f"--slurm-param {pair!r}: --{key} is not settable here ({use})")
        extra[key] = value
    return extra


def parameters(
    resources: Resources, distributed: bool, options: SlurmOptions, name: str
) -> dict[str, Any]:
    """submitit's (``AutoExecutor``) parameters for one array's request."""
    params: dict[str, Any] = {
        "name": name,
        "timeout_min": options.time_min or resources.time_min,
        "cpus_per_task": resources.cpus,
        "nodes": resources.nodes,
        "mem_gb": resources.mem_gb,
        # one process per GPU on every node for a torch.distributed job, else one process
        "tasks_per_node": resources.gpus if distributed and resources.gpus else 1,
    }
    if resources.gpus:
        params["gpus_per_node"] = resources.gpus
    for key, value in (
        ("partition", options.partition),
        ("account", options.account),
        ("qos", options.qos),
        ("array_parallelism", options.array_parallelism),
    ):
        if value is not None:
            params[f"slurm_{key}"] = value
    if options.extra:
        params["slurm_additional_parameters"] = dict(options.extra)
    return params


def setup_lines(resources: Resources) -> tuple[str, ...]:
    """What a task's batch script runs before Python: ``reproduction`` importable, and torch
    threads matching the CPUs asked for."""
    return (
        f"export PYTHONPATH={TOOLS}${{PYTHONPATH:+:$PYTHONPATH}}",
        f"export OMP_NUM_THREADS={resources.cpus}",
    )


def submission(
    tasks: Iterable[Any], options: SlurmOptions, skip: frozenset[str] = frozenset()
) -> list[Array]:
    """The arrays that run every job of ``tasks`` (each with ``.jobs``) not yet done, nor in
    ``skip`` (job ids still queued or running from an earlier submission).

    One array per experiment, stage and (resources, distributed); an array waits for the
    arrays holding the jobs its jobs need (jobs already done need no waiting)."""
    arrays: list[Array] = []
    for task in tasks:
        jobs = list(task.jobs)
        home: dict[str, str] = {}  # job name -> the array it runs in
        for k, stage in enumerate(stages(jobs)):
            pending = [j for j in stage if j.state() != DONE and j.id not in skip]
            groups: dict[tuple[Resources, bool], list[Job]] = {}
            for job in pending:
                groups.setdefault((job.resources, job.distributed), []).append(job)
            for n, ((resources, distributed), members) in enumerate(groups.items()):
                experiment = members[0].experiment
                name = f"{experiment}-stage{k}" + (f"-{n + 1}" if len(groups) > 1 else "")
                after = sorted({home[a] for j in members for a in j.after if a in home})
                arrays.append(
                    Array(
                        name=name,
                        experiment=experiment,
                        stage=k,
                        jobs=tuple(members),
                        resources=resources,
                        distributed=distributed,
                        parameters=parameters(resources, distributed, options, f"coordconv-{name}"),
                        setup=setup_lines(resources),
                        after=tuple(after),
                    )
                )
                home.update(dict.fromkeys((j.name for j in members), name))
    return arrays


class JobFailed(RuntimeError):
    """A task's command exited non-zero (raised so that SLURM marks the task failed and the
    arrays waiting for it with ``afterok`` do not start)."""


def task(job: Job, invocation: str) -> int:
    """What one array task runs: the job in this process (:func:`reproduction.jobs.run`), or
    :func:`reproduction.distributed.launch` for a ``distributed`` job; raises
    :class:`JobFailed` on a non-zero exit. srun starts one process per node (and per GPU for a
    ``distributed`` job): for any other job only the first one runs it."""
    from reproduction.distributed import launch
    from reproduction.jobs import run

    if not job.distributed and int(os.environ.get("SLURM_PROCID", "0")) > 0:
        return 0  # a multi-node request for a one-process job: the other nodes stay idle
    status = (launch if job.distributed else run)(job, invocation)
    if status != 0:
        raise JobFailed(f"{job.id} exited with status {status} (see this task's log)")
    return status


def submit(
    arrays: list[Array],
    folder: Path,
    invocation: str,
    cluster: str = "slurm",
    wait: bool = False,
) -> dict[str, Any]:
    """Submit ``arrays`` with submitit's ``AutoExecutor`` (``cluster`` ``slurm``; ``local``
    runs them on this machine, which knows no dependencies: then ``wait`` must be set, and
    each array is waited for before the next is submitted). Writes and returns the record of
    ``folder/submitted.json``: each array's job id and each job's task id."""
    import submitit

    from coordconv_train import own, write_json_atomic

    own(folder, "tree")  # submitit's scripts, pickles and logs: ours (--fresh may delete them)
    folder.mkdir(parents=True, exist_ok=True)
    ids: dict[str, str] = {}
    record: dict[str, Any] = {"invocation": invocation, "folder": str(folder), "arrays": []}
    for array in arrays:
        executor = submitit.AutoExecutor(folder=folder, cluster=cluster)
        params = dict(array.parameters)
        params[f"{cluster}_setup"] = list(array.setup)
        if array.after and not wait:
            params["slurm_dependency"] = "afterok:" + ":".join(ids[a] for a in array.after)
        executor.update_parameters(**params)
        submitted = executor.map_array(
            functools.partial(task, invocation=invocation), list(array.jobs)
        )
        ids[array.name] = submitted[0].job_id.split("_")[0]
        record["arrays"].append(
            {
                "name": array.name,
                "job_id": ids[array.name],
                "size": array.size,
                "after": [ids[a] for a in array.after],
                "tasks": {
                    job.id: sub.job_id for job, sub in zip(array.jobs, submitted, strict=True)
                },
            }
        )
        write_json_atomic(folder / SUBMITTED, record)  # what is queued, even if a later one fails
        if wait:
            for sub in submitted:
                sub.wait()
    return record


def queued(root: Path, state_of: Callable[[list[str]], dict[str, str]] | None = None) -> set[str]:
    """Job ids that earlier submissions under ``<root>/slurm`` left queued or running
    (``state_of``: task id -> sacct state; default :func:`sacct_states`, none without sacct)."""
    tasks: dict[str, str] = {}  # task id -> job id
    for path in sorted((root / "slurm").glob(f"*/{SUBMITTED}")):
        try:
            record = json.loads(path.read_text())
            for array in record["arrays"]:
                tasks.update({task_id: job for job, task_id in array["tasks"].items()})
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            print(f"reproduce: {path} is damaged; its tasks are not checked", file=sys.stderr)
    if not tasks:
        return set()
    states = (state_of or sacct_states)(sorted(tasks))
    return {job for task_id, job in tasks.items() if states.get(task_id) in IN_FLIGHT}


def sacct_states(task_ids: list[str]) -> dict[str, str]:
    """The sacct state of each task id (``1234_5``), via submitit's watcher; empty where
    ``sacct`` is not installed (not a SLURM machine)."""
    if shutil.which("sacct") is None:
        return {}
    from submitit.slurm.slurm import SlurmInfoWatcher

    watcher = SlurmInfoWatcher(delay_s=0)
    for task_id in task_ids:
        watcher.register_job(task_id)
    watcher.update()  # one sacct call for every array
    return {t: (watcher.get_state(t, mode="cache").split() or [""])[0] for t in task_ids}
