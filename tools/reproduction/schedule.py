"""The local executor: run the reproduction's jobs in worker processes, N at a time.

``--jobs`` worker processes (``spawn``), each with a fixed number of torch threads (``--jobs 2``
on 2 cores: two jobs at once, one thread each), take one job (:class:`~reproduction.jobs.Job`,
one package command) after another, so torch is imported once per worker; a job's output goes
to ``<root>/<experiment>/logs/<job>.txt``. A job starts once the jobs it needs (an experiment's
data) have finished; among the ready ones the one heading the longest chain of estimates starts
first (each experiment's estimate shared among its jobs). When an experiment's last job ends,
its report section is written from the run directories. The terminal gets one line when an
experiment starts and one when it ends, with the elapsed time and an estimate of what is left
(the estimates, scaled by how the finished jobs compared with theirs), and a line every few
minutes while nothing else happens.

Each worker leads its own process group and dies with this process, however it dies, SIGKILL
included; what a worker started is ended with it (``reproduction.lifeline``).

SIGINT or SIGTERM stops gracefully: running jobs are told to stop (their training commands
write a checkpoint), nothing new starts, and a rerun of the same command resumes. A second
Ctrl-C ends the workers at once.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import signal
import sys
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from multiprocessing.connection import wait
from typing import Any, TextIO

from reproduction.jobs import DONE, EXIT_STOPPED, UNFINISHED, Job, read_record
from reproduction.lifeline import die_with_parent, end_group_after_exit
from reproduction.presets import lpt_makespan
from reproduction.report import Section, minutes
from reproduction.runner import Context

HEARTBEAT_S = 180.0


@dataclass
class Task:
    """One experiment of this invocation: its context, its jobs and what the report records
    about the invocation."""

    ctx: Context
    estimate_s: float | None
    invocation: str
    commit: str
    inputs: dict[str, Any]  # what a later invocation compares before reusing the section
    jobs: list[Job] = field(default_factory=list)

    @property
    def key(self) -> str:
        return self.ctx.key

    def job_estimate(self) -> float | None:
        """The experiment's estimate shared equally among its jobs."""
        return None if self.estimate_s is None else self.estimate_s / max(len(self.jobs), 1)


@dataclass
class Work:
    """A job waiting or running here, with its share of its experiment's estimate."""

    job: Job
    task: Task
    estimate_s: float | None


def now_utc() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")


def report_section(task: Task, status: str = "ran", problem: str = "") -> Section:
    """The experiment's section from its run directories (``status`` ``ran``), or a
    ``failed``/``stopped`` one saying why; stamped with the times its jobs recorded in this
    invocation (all their records if none ran in it), the commit and the reused runs."""
    from reproduction.experiments import EXPERIMENTS

    if status == "ran":
        try:
            section = EXPERIMENTS[task.key].report(task.ctx)
        except Exception as exc:  # one failed experiment must not hide the others' results
            traceback.print_exc()
            status, problem = "failed", f"{type(exc).__name__}: {exc}"
    if status != "ran":
        section = Section(
            key=task.key,
            title=task.key,
            status=status,
            what="Stopped by a signal; rerun the same command to resume."
            if status == "stopped"
            else f"A job failed (see its log under {task.ctx.run_dir('logs')}).",
            notes=[problem] if problem else [],
        )
    records = [r for r in map(read_record, task.jobs) if r is not None]
    mine = [r for r in records if r.get("invocation") == task.invocation] or records
    section.wall_time_s = sum(r.get("wall_s", 0.0) for r in mine)
    section.cpu_time_s = sum(r.get("cpu_s", 0.0) for r in mine)
    section.measured_at = min((r["started"] for r in mine if "started" in r), default=now_utc())
    section.estimate_s = task.estimate_s
    section.invocation = task.invocation
    section.commit = task.commit
    section.inputs = task.inputs
    return section


def _worker(conn: Any, threads: int, parent: int, invocation: str) -> None:
    """Entry point of a worker process: threads and signals once, then for every job it is
    sent: its log file, the run, the exit status sent back; ``None`` ends it. One worker runs
    many jobs, so torch and the packages are imported once, not once per job."""
    die_with_parent(parent)
    if threads > 0:
        for var in ("OMP_NUM_THREADS", "MKL_NUM_THREADS"):
            os.environ[var] = str(threads)
    stopping = False

    def stop(signum: int, frame: Any) -> None:  # outside a training loop: stop like Ctrl-C
        nonlocal stopping
        if not stopping:
            stopping = True
            raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    import torch

    from coordconv_train import own
    from reproduction.jobs import run

    if threads > 0:
        torch.set_num_threads(threads)
    while not stopping:
        try:
            job = conn.recv()
        except (EOFError, KeyboardInterrupt):
            break
        if job is None:
            break
        own(job.log)  # listed as ours, so --fresh may delete it
        job.log.parent.mkdir(parents=True, exist_ok=True)
        status = 1
        with open(job.log, "a", buffering=1) as log:
            sys.stdout.flush()
            sys.stderr.flush()
            os.dup2(log.fileno(), 1)
            os.dup2(log.fileno(), 2)
            sys.stdout.reconfigure(line_buffering=True)  # type: ignore[union-attr]
            sys.stderr.reconfigure(line_buffering=True)  # type: ignore[union-attr]
            print(f"==== {job.id}, invocation {invocation}, {now_utc()}", flush=True)
            try:
                status = run(job, invocation)
            except KeyboardInterrupt:
                status = EXIT_STOPPED
            except Exception:
                traceback.print_exc()
            sys.stdout.flush()
            sys.stderr.flush()
        conn.send(status)
    conn.close()


class Progress:
    """The terminal lines: elapsed time, what finished, and an estimate of what is left."""

    def __init__(self, total: int, jobs: int, out: TextIO) -> None:
        self.total, self.jobs, self.out = total, jobs, out
        self.started = time.perf_counter()
        self.done: list[tuple[float, float | None]] = []  # (wall, estimate) of finished jobs
        self.sections = 0
        self.last_line = self.started

    def elapsed(self) -> float:
        return time.perf_counter() - self.started

    def line(self, text: str) -> None:
        seconds = round(self.elapsed())
        print(f"[{seconds // 60:3d}:{seconds % 60:02d}] {text}", file=self.out, flush=True)
        self.last_line = time.perf_counter()

    def left(self, running: list[tuple[Any, float]], pending: list[Any]) -> str:
        """``about 11 min left``: the estimates (``estimate_s`` of each running or pending
        item) of what is left, scaled by how slow the finished (or overrunning) jobs were
        against theirs, scheduled on the workers."""
        items = [w for w, _ in running] + pending
        if any(w.estimate_s is None for w in items):
            return "time left unknown (no estimate for this preset)"
        timed = [(wall, est) for wall, est in self.done if est]
        ratio = 1.0
        if timed:
            ratio = sum(wall for wall, _ in timed) / sum(est for _, est in timed)
        now = time.perf_counter()
        # a job already running past its estimate shows the machine is at least that slow
        ratio = max(
            [ratio, *((now - since) / w.estimate_s for w, since in running if w.estimate_s)]
        )
        busy = [max(w.estimate_s * ratio - (now - since), 0.0) for w, since in running]
        left = lpt_makespan([w.estimate_s * ratio for w in pending], self.jobs, busy)
        return f"about {minutes(left)} left"


@dataclass
class _Worker:
    """A worker process, the connection to it, and the job it runs (None: idle)."""

    proc: Any
    conn: Any
    work: Work | None = None
    since: float = 0.0


def run_all(
    tasks: list[Task],
    jobs: int,
    threads: int,
    on_done: Callable[[Section], None],
    out: TextIO = sys.stdout,
) -> list[Section]:
    """Run the unfinished jobs of ``tasks`` on ``jobs`` worker processes; ``on_done(section)``
    as each experiment's last job ends (in any order).

    Returns the sections; a stop signal leaves the unstarted experiments out and the running
    ones ``stopped``.
    """
    context = multiprocessing.get_context("spawn")
    invocation = tasks[0].invocation if tasks else ""
    pending: list[Work] = []
    for task in tasks:
        for job in task.jobs:
            state = job.state()
            if state == DONE:
                task.ctx.reused.append(job.id)
                continue
            pending.append(Work(job, task, task.job_estimate()))
            if state == UNFINISHED:
                task.ctx.resumed.append(job.id)
    left_of = {t.key: sum(w.task is t for w in pending) for t in tasks}
    problems: dict[str, tuple[str, str]] = {}  # key -> (status, why): a job failed or stopped
    started: set[str] = set()
    workers: list[_Worker] = []
    progress = Progress(len(tasks), jobs, out)
    results: list[Section] = []
    signals = {"count": 0}

    def busy() -> list[_Worker]:
        return [w for w in workers if w.work is not None]

    def running() -> list[tuple[Work, float]]:
        return [(w.work, w.since) for w in busy() if w.work is not None]

    def finish(task: Task) -> None:
        status, why = problems.get(task.key, ("ran", ""))
        section = report_section(task, status, why)
        section.reused_runs, section.resumed_runs = list(task.ctx.reused), list(task.ctx.resumed)
        results.append(section)
        on_done(section)
        progress.sections += 1
        left = progress.left(running(), pending)
        progress.line(
            f"{task.key}: {section.status} in {minutes(section.wall_time_s)} "
            f"({minutes(section.cpu_time_s)} CPU"
            + (f", estimated {minutes(task.estimate_s)}" if task.estimate_s else "")
            + f") · {progress.sections}/{progress.total} done · {left}"
        )

    def on_signal(signum: int, frame: Any) -> None:
        signals["count"] += 1
        for worker in busy():
            if worker.proc.pid is not None and worker.proc.is_alive():
                sig = signal.SIGKILL if signals["count"] > 1 else signal.SIGTERM
                os.kill(worker.proc.pid, sig)

    def ready(work: Work) -> bool:
        return all(_done(work.task, name) for name in work.job.after)

    def spawn() -> _Worker:
        mine, theirs = context.Pipe(duplex=True)
        proc = context.Process(
            target=_worker, args=(theirs, threads, os.getpid(), invocation), daemon=False
        )
        proc.start()
        theirs.close()
        worker = _Worker(proc, mine)
        workers.append(worker)
        return worker

    def ended(worker: _Worker, status: int) -> None:
        work = worker.work
        assert work is not None
        worker.work = None
        task = work.task
        progress.done.append((time.perf_counter() - worker.since, work.estimate_s))
        if status != 0 and task.key not in problems:
            kind = "stopped" if status == EXIT_STOPPED or signals["count"] else "failed"
            problems[task.key] = (
                kind,
                f"{work.job.id} exited with status {status} (log: {work.job.log})",
            )
        if status != 0:  # its experiment's other jobs are dropped
            dropped = [w for w in pending if w.task is task]
            for w in dropped:
                pending.remove(w)
            left_of[task.key] -= len(dropped)
        left_of[task.key] -= 1
        if left_of[task.key] == 0:
            finish(task)

    previous = {s: signal.signal(s, on_signal) for s in (signal.SIGINT, signal.SIGTERM)}
    try:
        for task in tasks:  # every job already finished: the section straight away
            if left_of[task.key] == 0:
                finish(task)
        rank = critical_path(pending)
        pending.sort(key=lambda w: -rank[w.job.id])  # longest chain first
        while pending or busy():
            while not signals["count"]:
                work = next((w for w in pending if ready(w)), None)
                idle = [w for w in workers if w.work is None]
                if work is None or (not idle and len(workers) >= jobs):
                    break
                worker = idle[0] if idle else spawn()
                pending.remove(work)
                worker.work, worker.since = work, time.perf_counter()
                worker.conn.send(work.job)
                task = work.task
                if task.key not in started:
                    started.add(task.key)
                    estimate = f"estimated {minutes(task.estimate_s)}; " if task.estimate_s else ""
                    progress.line(
                        f"{task.key}: started ({estimate}logs {task.ctx.run_dir('logs')})"
                    )
            if not busy():
                break  # stopped, or what is left waits for a job that failed
            ready_conns = wait([w.conn for w in busy()], timeout=30.0)
            for worker in [w for w in busy() if w.conn in ready_conns]:
                try:
                    status = worker.conn.recv()
                except (EOFError, OSError):  # the worker died (killed, crashed)
                    _end(worker)
                    workers.remove(worker)
                    code = worker.proc.exitcode
                    status = EXIT_STOPPED if code is not None and code < 0 else 1
                ended(worker, status)
            if not ready_conns and time.perf_counter() - progress.last_line > HEARTBEAT_S:
                now = time.perf_counter()
                doing = ", ".join(
                    f"{w.job.id} {minutes(now - s)}"
                    + (f" of ~{minutes(w.estimate_s)}" if w.estimate_s else "")
                    for w, s in running()
                )
                progress.line(f"running: {doing} · {progress.left(running(), pending)}")
    finally:
        for worker in workers:
            with contextlib.suppress(OSError, ValueError):
                worker.conn.send(None)  # done: the worker exits
            _end(worker)
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    if signals["count"]:
        unstarted = sorted({w.task.key for w in pending} - started)
        for task in tasks:  # started experiments with jobs left are stopped
            if task.key in started and left_of[task.key] > 0:
                problems.setdefault(task.key, ("stopped", "stopped by a signal"))
                left_of[task.key] = 0
                finish(task)
        progress.line(f"stopped; not started: {', '.join(unstarted) or 'none'}")
    return results


def _end(worker: _Worker) -> None:
    """Wait for the worker to exit, end what it started (its process group), reap it."""
    end_group_after_exit(worker.proc.pid)
    worker.proc.join()
    with contextlib.suppress(OSError):
        worker.conn.close()


def critical_path(works: list[Work]) -> dict[str, float]:
    """Each job's estimate plus the longest chain of estimates of the jobs waiting for it
    (its "upward rank"): starting the highest first keeps a chain such as data -> training ->
    evaluation from ending the whole run late. Unknown estimates count as 0."""
    by_id = {w.job.id: w for w in works}
    waiting: dict[str, list[str]] = {key: [] for key in by_id}
    for w in works:
        for name in w.job.after:
            need = f"{w.job.experiment}/{name}"
            if need in waiting:
                waiting[need].append(w.job.id)
    rank: dict[str, float] = {}

    def of(key: str) -> float:
        if key not in rank:
            below = [of(k) for k in waiting[key]]
            rank[key] = (by_id[key].estimate_s or 0.0) + max(below, default=0.0)
        return rank[key]

    for key in by_id:
        of(key)
    return rank


def _done(task: Task, name: str) -> bool:
    job = next(j for j in task.jobs if j.name == name)
    return job.state() == DONE
