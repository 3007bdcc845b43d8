"""What an experiment module of the reproduction gets: its budget, folders and job builders.

An experiment lists its work as :class:`~reproduction.jobs.Job` objects (each one package
command: ``coordconv-vision notsoclevr ...``, ``coordconv-data generate ...``), built here so
that every training command gets the same flags (device, trackers, ``--out``), and its report
reads the finished runs back with :meth:`Context.result`. No experiment code runs a command
itself: an executor does (``schedule.py`` locally, ``slurm.py`` on a cluster).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from reproduction.jobs import Job, Resources
from reproduction.presets import flags


class MissingRun(RuntimeError):
    """The report needs a run that has not finished (its job did not run or failed)."""


@dataclass
class Context:
    """An experiment's budget, folders, device and the user's data."""

    key: str
    preset: str
    budget: dict[str, Any]  # presets.BUDGETS[preset][key].as_dict(): what the module reads
    root: Path  # the reproduction folder: runs/reproduce/<preset> by default
    device: str = "auto"
    threads: int = 0  # torch threads of each job's process (0: torch's default)
    data_paths: dict[str, Path | None] = field(default_factory=dict)
    log_with: list[str] = field(default_factory=list)
    # what a training job asks of a cluster node, and what a data or evaluation job asks
    resources: Resources = field(default_factory=Resources)
    light: Resources = field(default_factory=Resources)
    reused: list[str] = field(default_factory=list)  # runs finished by an earlier invocation
    resumed: list[str] = field(default_factory=list)  # runs continued from a checkpoint
    log: Callable[[str], None] = print

    @property
    def report_dir(self) -> Path:
        """Where the report and its figures go (the reproduction folder itself)."""
        return self.root

    def run_dir(self, *parts: str) -> Path:
        """A path inside this experiment's folder, ``<root>/<key>/...``."""
        return self.root.joinpath(self.key, *parts)

    def common_args(self) -> list[str]:
        """Flags every training command of this reproduction gets: device and trackers."""
        args = ["--device", self.device]
        return args + (["--log-with", *self.log_with] if self.log_with else [])

    def run_job(
        self,
        name: str,
        argv: Sequence[str | Path | int],
        *,
        after: Sequence[str] = (),
        work: float = 0.0,
        distributed: bool = False,
    ) -> Job:
        """A training command (console script first) into its own run directory
        ``<key>/<name>``: ``argv``, the common flags, ``--out``. Finished when the run holds
        ``results.json``; an interrupted run is resumed (``--resume``)."""
        out = self.run_dir(name)
        full = [*map(str, argv), *self.common_args(), "--out", str(out)]
        return Job(
            experiment=self.key,
            name=name,
            argv=tuple(full),
            done=out / "results.json",
            home=self.run_dir(),
            resume=out,
            after=tuple(after),
            resources=self.resources,
            work=work,
            distributed=distributed,
        )

    def train_job(
        self,
        script: str,
        command: str,
        data: Path,
        model: str,
        seed: int,
        *extra: str,
        after: Sequence[str] = (),
        work: float = 0.0,
        distributed: bool = False,
    ) -> Job:
        """``<script> <command> --data DATA --model MODEL --seed SEED --epochs E <budget flags>
        <extra>`` into ``<key>/<model>-seed<seed>`` (:meth:`run_job`)."""
        argv = [script, command, "--data", data, "--model", model, "--seed", seed]
        argv += ["--epochs", self.budget["epochs"], *flags(self.budget), *extra]
        name = f"{model}-seed{seed}"
        return self.run_job(name, argv, after=after, work=work, distributed=distributed)

    def command_job(
        self, name: str, argv: Sequence[str | Path | int], done: Path, after: Sequence[str] = ()
    ) -> Job:
        """A data or evaluation command whose ``argv`` is complete (it names its own output);
        finished when ``done`` exists."""
        return Job(
            experiment=self.key,
            name=name,
            argv=tuple(map(str, argv)),
            done=done,
            home=self.run_dir(),
            after=tuple(after),
            resources=self.light,
        )

    def result(self, job: Job) -> dict[str, Any]:
        """The finished job's ``results.json`` (or other JSON ``done`` file)."""
        if not job.done.exists():
            raise MissingRun(f"{job.id} has not finished ({job.done} is missing)")
        return json.loads(job.done.read_text())
