"""The reproduction as a grid of independent jobs (experiment x variant x seed x game).

A :class:`Job` is one package command (a console script of ``coordconv-data``,
``coordconv-vision``, ``coordconv-generative`` or ``coordconv-rl``) with its arguments, the
file whose presence says it finished (a run's ``results.json``, a dataset's ``.npz``), the jobs
of its experiment it needs first, and the resources it declares (CPUs, GPUs, nodes, memory,
time). The experiment modules (``vision.py``, ``generative.py``, ``rl.py``) list their jobs;
an executor (``schedule.py`` on this machine, ``slurm.py`` on a cluster) runs the ones not yet
finished; the report step then only reads the run directories, whichever machine wrote them.

A job is a plain picklable object: :func:`run` runs its command in the current process (what a
local worker process and a SLURM task both do) and returns the command's exit status. Each run
leaves ``<root>/<experiment>/jobs/<name>.json`` (status, wall and CPU seconds, host, start),
which the report sums into the experiment's time.
"""

from __future__ import annotations

import os
import socket
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from coordconv_train.cli import EXIT_STOPPED  # what a coordconv command returns when stopped

DONE, UNFINISHED, MISSING = "done", "unfinished", "missing"


@dataclass(frozen=True)
class Resources:
    """What one job asks of a machine (a SLURM request; the local executor runs one job per
    worker with ``--threads`` torch threads whatever ``cpus`` says)."""

    cpus: int = 1  # per task
    gpus: int = 0  # per node
    nodes: int = 1
    mem_gb: int = 8  # per node
    time_min: int = 60

    def describe(self) -> str:
        """``1 node x 8 GPUs, 10 CPUs, 64 GB, 24 h``."""
        hours = f"{self.time_min / 60:g} h" if self.time_min >= 60 else f"{self.time_min} min"
        nodes = f"{self.nodes} nodes x " if self.nodes > 1 else ""
        gpus = f"{self.gpus} GPU{'s' if self.gpus > 1 else ''}, " if self.gpus else ""
        return (
            f"{nodes}{gpus}{self.cpus} CPU{'s' if self.cpus > 1 else ''}, {self.mem_gb} GB, {hours}"
        )


@dataclass(frozen=True)
class Job:
    """One package command of the reproduction.

    ``argv`` starts with the console script's name (``coordconv-vision notsoclevr ...``) and
    holds every flag, ``--out`` included; ``--resume`` is added when it runs if ``resume`` is
    a run directory an interrupted run left (it holds ``config.json`` but no ``done`` file).
    """

    experiment: str
    name: str  # unique within its experiment; also names its log and timing record
    argv: tuple[str, ...]
    done: Path  # exists once the job finished
    home: Path  # <root>/<experiment>: where its log and timing record go
    resume: Path | None = None
    after: tuple[str, ...] = ()  # names of jobs of the same experiment that must finish first
    resources: Resources = field(default_factory=Resources)
    work: float = 0.0  # its size in its experiment's unit of work (costs.py): epochs x images...
    distributed: bool = False  # one process per GPU on every node (torch.distributed env)

    @property
    def id(self) -> str:
        return f"{self.experiment}/{self.name}"

    @property
    def log(self) -> Path:
        return self.home / "logs" / f"{self.name}.txt"

    @property
    def record(self) -> Path:
        return self.home / "jobs" / f"{self.name}.json"

    def state(self) -> str:
        """``done`` (its file exists), ``unfinished`` (an interrupted run left a checkpoint or
        a record) or ``missing`` (never started)."""
        if self.done.exists():
            return DONE
        started = self.resume is not None and (self.resume / "config.json").exists()
        return UNFINISHED if started or self.record.exists() else MISSING

    def command(self) -> list[str]:
        """The command line this job runs now (``--resume`` where a checkpoint waits)."""
        argv = list(self.argv)
        if self.resume is not None and (self.resume / "config.json").exists():
            argv.append("--resume")
        return argv

    def shell(self) -> str:
        """The command as one shell line (the plan and the logs show it)."""
        import shlex

        return shlex.join(self.command())


def console_main(script: str) -> Any:
    """The ``main`` of an installed console script (``coordconv-vision`` ->
    ``coordconv_vision.cli:main``), found through the packages' entry points."""
    from importlib.metadata import entry_points

    found = entry_points(group="console_scripts", name=script)
    if not found:
        raise RuntimeError(f"no console script {script!r} is installed")
    return next(iter(found)).load()


def run(job: Job, invocation: str = "") -> int:
    """Run ``job``'s command in this process (its console script's ``main(argv)``), then write
    ``jobs/<name>.json`` (naming ``invocation``, the ``tools/reproduce.py`` invocation that ran
    it, if given). Returns the exit status, 0 only if the ``done`` file now exists.

    In a distributed job (``RANK`` set by :func:`reproduction.distributed.launch`) only rank 0
    checks the ``done`` file and writes the record: the other ranks return the command's
    status as it is and leave the record to rank 0."""
    from coordconv_train import write_json_atomic

    argv = job.command()
    print(f"  $ {job.shell()}", flush=True)
    started, start, cpu = _now(), time.perf_counter(), _cpu_seconds()
    status = console_main(argv[0])(argv[1:])
    if os.environ.get("RANK", "0") != "0":
        return status
    if status == 0 and not job.done.exists():
        status = EXIT_STOPPED  # stopped between epochs without finishing
    wall = time.perf_counter() - start
    print(f"  exit {status} after {wall:.0f} s", flush=True)
    record = {
        "job": job.id,
        "invocation": invocation,
        "status": DONE if status == 0 else ("stopped" if status == EXIT_STOPPED else "failed"),
        "exit": status,
        "wall_s": wall,
        "cpu_s": _cpu_seconds() - cpu,
        "started": started,
        "host": socket.gethostname(),
        "pid": os.getpid(),
    }
    write_json_atomic(job.record, record)
    return status


def read_record(job: Job) -> dict[str, Any] | None:
    """The job's timing record, or None if it never ran here (or the record is damaged)."""
    import json

    try:
        data = json.loads(job.record.read_text())
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")


def _cpu_seconds() -> float:
    """CPU time of this process and its finished children (DataLoader workers)."""
    import resource

    child = resource.getrusage(resource.RUSAGE_CHILDREN)
    return time.process_time() + child.ru_utime + child.ru_stime


def check_graph(jobs: list[Job]) -> None:
    """Raise ``ValueError`` on a duplicate job or a dependency that is not a job of the same
    experiment (a mistake in an experiment module, caught before anything runs)."""
    seen: set[str] = set()
    for job in jobs:
        if job.id in seen:
            raise ValueError(f"two jobs are named {job.id}")
        seen.add(job.id)
    for job in jobs:
        for name in job.after:
            if f"{job.experiment}/{name}" not in seen:
                raise ValueError(f"{job.id} needs {name}, which is not a job of {job.experiment}")


def stages(jobs: list[Job]) -> list[list[Job]]:
    """``jobs`` in dependency order: stage 0 needs nothing, stage k needs only earlier stages
    (a SLURM submission makes one array per stage and resource request)."""
    by_id = {j.id: j for j in jobs}
    depth: dict[str, int] = {}

    def level(job: Job) -> int:
        if job.id not in depth:
            needs = [by_id[f"{job.experiment}/{n}"] for n in job.after]
            depth[job.id] = 1 + max(map(level, needs)) if needs else 0
        return depth[job.id]

    out: list[list[Job]] = []
    for job in jobs:
        k = level(job)
        out += [[] for _ in range(k + 1 - len(out))]
        out[k].append(job)
    return out
