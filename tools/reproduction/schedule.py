"""Run the reproduction's experiments in worker processes, N at a time, and show progress.

Each experiment runs in its own fresh process (``spawn``) with a fixed number of torch threads
(``--jobs 2`` on 2 cores: two experiments at once, one thread each), its output going to
``<root>/<key>/log.txt``. The longest estimated experiment starts first. The terminal gets one
line when an experiment starts and one when it ends, with the elapsed time and an estimate of
what is left (the presets' estimates, scaled by how the finished experiments compared with
theirs), and a line every few minutes while nothing else happens.

Each worker leads its own process group and dies with this process, however it dies, SIGKILL
included; what a worker started is ended with it (``reproduction.lifeline``).

SIGINT or SIGTERM stops gracefully: running experiments are told to stop (their training
commands write a checkpoint), nothing new starts, and a rerun of the same command resumes. A
second Ctrl-C ends the workers at once.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import sys
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from multiprocessing.connection import wait
from pathlib import Path
from typing import Any, TextIO

from reproduction.lifeline import die_with_parent, end_group_after_exit
from reproduction.presets import lpt_makespan
from reproduction.report import Section, minutes
from reproduction.runner import Context, ExperimentStopped

HEARTBEAT_S = 180.0


@dataclass
class Task:
    """One experiment to run: its context and what the report records about the invocation."""

    ctx: Context
    estimate_s: float | None
    invocation: str
    commit: str
    inputs: dict[str, Any]  # what a later invocation compares before reusing the section

    @property
    def key(self) -> str:
        return self.ctx.key

    @property
    def log_path(self) -> Path:
        return self.ctx.run_dir("log.txt")


def now_utc() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")


def measure(task: Task, experiment: Callable[[Context], Section]) -> Section:
    """Run one experiment and stamp its section with the time, CPU, commit and reused runs."""
    start, cpu = time.perf_counter(), _cpu_seconds()
    measured_at = now_utc()
    try:
        section = experiment(task.ctx)
    except (ExperimentStopped, KeyboardInterrupt) as exc:
        section = Section(
            key=task.key,
            title=task.key,
            status="stopped",
            what="Stopped by a signal; rerun the same command to resume.",
            notes=[str(exc) or type(exc).__name__],
        )
    except Exception as exc:  # one failed experiment must not hide the others' results
        traceback.print_exc()
        section = Section(
            key=task.key,
            title=task.key,
            status="failed",
            what=f"The experiment raised an error (see {task.log_path}).",
            notes=[f"{type(exc).__name__}: {exc}"],
        )
    section.wall_time_s = time.perf_counter() - start
    section.cpu_time_s = _cpu_seconds() - cpu
    section.estimate_s = task.estimate_s
    section.measured_at = measured_at
    section.invocation = task.invocation
    section.commit = task.commit
    section.inputs = task.inputs
    section.reused_runs = list(task.ctx.reused)
    section.resumed_runs = list(task.ctx.resumed)
    return section


def _cpu_seconds() -> float:
    """CPU time of this process and its finished children (DataLoader workers)."""
    import resource

    child = resource.getrusage(resource.RUSAGE_CHILDREN)
    return time.process_time() + child.ru_utime + child.ru_stime


def _worker(conn: Any, task: Task, threads: int, parent: int) -> None:
    """Entry point of an experiment's process: threads, signals, log file, run, send back."""
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
    from coordconv_train import own

    own(task.log_path)  # listed as ours, so --fresh may delete it
    task.log_path.parent.mkdir(parents=True, exist_ok=True)
    with open(task.log_path, "a", buffering=1) as log:
        os.dup2(log.fileno(), 1)
        os.dup2(log.fileno(), 2)
        sys.stdout.reconfigure(line_buffering=True)  # type: ignore[union-attr]
        sys.stderr.reconfigure(line_buffering=True)  # type: ignore[union-attr]
        print(f"==== {task.key}, invocation {task.invocation}, {now_utc()}", flush=True)
        import torch

        if threads > 0:
            torch.set_num_threads(threads)
        from reproduction.experiments import EXPERIMENTS

        section = measure(task, EXPERIMENTS[task.key])
        print(f"==== {task.key}: {section.status} in {section.wall_time_s:.0f} s", flush=True)
    conn.send(section)
    conn.close()


class Progress:
    """The terminal lines: elapsed time, what finished, and an estimate of what is left."""

    def __init__(self, total: int, jobs: int, out: TextIO) -> None:
        self.total, self.jobs, self.out = total, jobs, out
        self.started = time.perf_counter()
        self.done: list[Section] = []
        self.last_line = self.started

    def elapsed(self) -> float:
        return time.perf_counter() - self.started

    def line(self, text: str) -> None:
        seconds = round(self.elapsed())
        print(f"[{seconds // 60:3d}:{seconds % 60:02d}] {text}", file=self.out, flush=True)
        self.last_line = time.perf_counter()

    def left(self, running: list[tuple[Task, float]], pending: list[Task]) -> str:
        """``about 11 min left``: the estimates of what is left, scaled by how slow the finished
        (or overrunning) experiments were against theirs, scheduled on the jobs."""
        tasks = [t for t, _ in running] + pending
        if any(t.estimate_s is None for t in tasks):
            return "time left unknown (no estimate for this preset)"
        timed = [s for s in self.done if s.estimate_s and s.wall_time_s]
        ratio = 1.0
        if timed:
            ratio = sum(s.wall_time_s for s in timed) / sum(s.estimate_s for s in timed)
        now = time.perf_counter()
        # an experiment already running past its estimate shows the machine is at least that slow
        ratio = max(
            [ratio, *((now - since) / t.estimate_s for t, since in running if t.estimate_s)]
        )
        busy = [max(t.estimate_s * ratio - (now - since), 0.0) for t, since in running]
        left = lpt_makespan([t.estimate_s * ratio for t in pending], self.jobs, busy)
        return f"about {minutes(left)} left"


def run_all(
    tasks: list[Task],
    jobs: int,
    threads: int,
    on_done: Callable[[Section], None],
    out: TextIO = sys.stdout,
) -> list[Section]:
    """Run ``tasks`` ``jobs`` at a time; ``on_done(section)`` as each finishes (in any order).

    Returns the sections; a stop signal leaves the unstarted tasks out and the running ones
    ``stopped``.
    """
    context = multiprocessing.get_context("spawn")
    pending = sorted(tasks, key=lambda t: -(t.estimate_s or 0.0))  # longest first
    running: dict[Any, tuple[Task, float, Any]] = {}  # connection -> (task, start, process)
    progress = Progress(len(tasks), jobs, out)
    results: list[Section] = []
    signals = {"count": 0}

    def on_signal(signum: int, frame: Any) -> None:
        signals["count"] += 1
        for _, _, proc in running.values():
            if proc.pid is not None and proc.is_alive():
                os.kill(proc.pid, signal.SIGKILL if signals["count"] > 1 else signal.SIGTERM)

    previous = {s: signal.signal(s, on_signal) for s in (signal.SIGINT, signal.SIGTERM)}
    try:
        while pending or running:
            while pending and len(running) < jobs and not signals["count"]:
                task = pending.pop(0)
                receive, send = context.Pipe(duplex=False)
                proc = context.Process(
                    target=_worker, args=(send, task, threads, os.getpid()), daemon=False
                )
                proc.start()
                send.close()
                running[receive] = (task, time.perf_counter(), proc)
                estimate = f"estimated {minutes(task.estimate_s)}; " if task.estimate_s else ""
                progress.line(f"{task.key}: started ({estimate}log {task.log_path})")
            if not running:
                break
            ready = wait(list(running), timeout=30.0)
            for conn in ready:
                task, _, proc = running.pop(conn)
                section = _receive(conn, proc, task)
                results.append(section)
                progress.done.append(section)
                on_done(section)
                left = progress.left([(t, s) for t, s, _ in running.values()], pending)
                progress.line(
                    f"{task.key}: {section.status} in {minutes(section.wall_time_s)} "
                    f"({minutes(section.cpu_time_s)} CPU"
                    + (f", estimated {minutes(task.estimate_s)}" if task.estimate_s else "")
                    + f") · {len(progress.done)}/{progress.total} done · {left}"
                )
            if not ready and time.perf_counter() - progress.last_line > HEARTBEAT_S:
                now = time.perf_counter()
                busy = ", ".join(
                    f"{t.key} {minutes(now - s)}"
                    + (f" of ~{minutes(t.estimate_s)}" if t.estimate_s else "")
                    for t, s, _ in running.values()
                )
                left = progress.left([(t, s) for t, s, _ in running.values()], pending)
                progress.line(f"running: {busy} · {left}")
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    if signals["count"]:
        progress.line(f"stopped; not started: {', '.join(t.key for t in pending) or 'none'}")
    return results


def _receive(conn: Any, proc: Any, task: Task) -> Section:
    """The section a worker sent, or a failed/stopped one if it died without sending."""
    try:
        section = conn.recv()
    except (EOFError, OSError):
        end_group_after_exit(proc.pid)
        proc.join()
        killed = proc.exitcode is not None and proc.exitcode < 0
        section = Section(
            key=task.key,
            title=task.key,
            status="stopped" if killed else "failed",
            what=f"The experiment's process ended with exit code {proc.exitcode} "
            f"(see {task.log_path}).",
            estimate_s=task.estimate_s,
            invocation=task.invocation,
            commit=task.commit,
        )
    end_group_after_exit(proc.pid)  # what the worker started ends with it
    proc.join()
    conn.close()
    return section
