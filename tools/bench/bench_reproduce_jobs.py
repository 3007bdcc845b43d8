"""Benchmark: the reproduction's experiments two at a time (one torch thread each) vs one at a
time (all threads), and its quick-preset plan.

``tools/reproduce.py`` runs ``--jobs 2`` experiments at once on 2 cores, each with one torch
thread: the models are small, so two single-threaded processes use the cores better than one
process whose ops are split over two threads. This script checks that claim on the machine at
hand: it runs the same experiments of a preset twice into fresh temporary folders, once with
``--jobs 1 --threads <cores>`` and once with ``--jobs 2 --threads <cores / 2>``, and prints each
experiment's wall and CPU time and the total wall time of both (ratio: two jobs / one job;
below 1 means running two at once is faster). It also prints the preset's planned time (the
estimates of ``tools/reproduction/presets.py`` scheduled on the jobs, plus start-up) beside the
limit, so a budget change that breaks the 20-minute promise shows before anyone runs it.

    python tools/bench/bench_reproduce_jobs.py [--preset quick] [--only classification vae]

Run it on a quiet machine: another process on the cores makes both numbers meaningless.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

TOOLS = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(TOOLS))

from reproduction.experiments import ORDER  # noqa: E402
from reproduction.machine import usable_cores  # noqa: E402
from reproduction.presets import (  # noqa: E402
    BUDGETS,
    LIMIT_S,
    NEEDS_DATA,
    PRESETS,
    planned_wall_s,
)
from reproduction.report import Section, minutes  # noqa: E402


def run(preset: str, only: list[str], jobs: int, threads: int, out: Path) -> float:
    """Wall seconds of one reproduction into ``out`` (fresh)."""
    argv = [sys.executable, str(TOOLS / "reproduce.py"), "--preset", preset, "--out", str(out)]
    argv += ["--jobs", str(jobs), "--threads", str(threads), "--device", "cpu", "--only", *only]
    start = time.perf_counter()
    subprocess.run(argv, check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--preset", choices=PRESETS, default="tiny")
    parser.add_argument(
        "--only",
        nargs="+",
        default=[k for k in ORDER if k not in NEEDS_DATA],
        help="experiments to time (default: all that need no user data)",
    )
    args = parser.parse_args()
    cores = usable_cores()
    estimated = all(BUDGETS[args.preset][k].estimate_s is not None for k in args.only)
    for jobs in (1, 2) if estimated else ():
        planned = planned_wall_s(args.preset, args.only, jobs)
        limit = LIMIT_S.get(args.preset)
        print(
            f"{args.preset} plan on {jobs} job(s): {minutes(planned)}"
            + (f" (limit {minutes(limit)})" if limit else "")
        )
    walls = {}
    with tempfile.TemporaryDirectory() as tmp:
        for jobs in (1, 2):
            out = Path(tmp) / f"jobs{jobs}"
            walls[jobs] = run(args.preset, args.only, jobs, max(1, cores // jobs), out)
            print(f"--jobs {jobs} --threads {max(1, cores // jobs)}: {minutes(walls[jobs])} wall")
            for path in sorted((out / "sections").glob("*.json")):
                s = Section.load(path)
                print(
                    f"  {s.key:15s} {s.status:8s} wall {minutes(s.wall_time_s):>12s}  "
                    f"CPU {minutes(s.cpu_time_s):>12s}  estimate {minutes(s.estimate_s):>12s}"
                )
    print(f"ratio two jobs / one job (wall): {walls[2] / walls[1]:.3f}")


if __name__ == "__main__":
    main()
