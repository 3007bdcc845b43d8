"""Seed sweep: does a GAN recipe draw clean objects for every seed, for the conv and the
CoordConv GAN, on every CPU arithmetic path?

S7.1 / figure 7 compare a conv GAN and a CoordConv GAN on two-object colored shapes. A GAN
"draws clean objects" when, over 256 samples, the strict count of ``coordconv_generative.objects``
accepts >= 5% of them (``CLEAN_FLOOR``: exactly one pure red and one pure blue object of the
drawn size, apart, on white) with centres spread >= 4 px; the permissive detector of
``coordconv_generative.entropy`` (the paper's tool) is reported beside it, with its floor of
30% (``draws_both_objects``: a collapsed generator repeating one image fails the spread floor).
The figure S10 measurement on the sweep's runs is ``gan_s10.py``.
This script trains ``coordconv-generative gan`` (its defaults, then the flags after ``--``) for
every model of ``--models`` and seed of ``--seeds`` on the same data, once per CPU kernel path
of ``--kernels`` (``default``, or an ``ATEN_CPU_CAPABILITY`` value such as ``avx2``), ``--jobs``
runs at a time, each in its own one-thread subprocess.

    python tools/sweeps/gan_seeds.py --seeds 0-4 -- --width-divisor 8 --batch-size 32 \\
        --epochs 20 --lr-d 2e-4 --lr-g 2e-3 --beta1 0 --g-steps 1 --r1 5 --select best

Data: ``--data`` or, by default, ``coordconv-data generate shapes --n 2000 --seed 0`` (the
quick preset's set) made once in ``--out``. Every run keeps its run directory
``<out>/<name>/<model>-<kernel>-s<seed>`` (samples, snapshots, weights for ``entropy``) and
appends one JSON line to ``<out>/<name>.jsonl`` (model, kernel, seed, clean and detect rates and
spreads of the saved weights on the reported z and, with ``--select best``, of the final state,
selected snapshot, iterations, CPU seconds); a rerun skips
what is logged. At the end: one row per (model, seed) and the success count. Exit status 1 if
any run missed the floors.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from notsoclevr_seeds import (
    add_seeds_and_kernels,
    kernel_table,
    read_log,
    seeds_of,
    split_passthrough,
    sweep_parser,
)

from coordconv_generative.entropy import DETECT_FLOOR, SPREAD_FLOOR_PX, clears_floors
from coordconv_generative.objects import CLEAN_FLOOR


def _data(args: argparse.Namespace) -> Path:
    if args.data is not None:
        return args.data
    npz = args.out / "shapes-2000" / "shapes.npz"
    if not npz.exists():
        cmd = ["coordconv-data", "generate", "shapes", "--n", "2000", "--seed", "0"]
        subprocess.run([*cmd, "--out", str(npz.parent), "--quiet"], check=True)
    return npz


def _train(args: argparse.Namespace, extra: list[str], data: Path, job: tuple) -> dict | None:
    """One ``coordconv-generative gan`` run in a subprocess; its log record, or None."""
    model, kernel, seed = job
    run = args.out / args.name / f"{model}-{kernel}-s{seed}"
    env = dict(os.environ, OMP_NUM_THREADS="1", MKL_NUM_THREADS="1")
    env.pop("ATEN_CPU_CAPABILITY", None)
    if kernel != "default":
        env["ATEN_CPU_CAPABILITY"] = kernel
    cmd = ["coordconv-generative", "gan", "--data", str(data), "--model", model,
           "--seed", str(seed), "--device", "cpu", "--out", str(run), *extra]  # fmt: skip
    if (run / "checkpoint.safetensors").exists():  # an interrupted run: continue it
        cmd.append("--resume")
    elif (run / ".coordconv-run").exists():  # a run that died before its first checkpoint
        cmd.append("--overwrite")
    with (args.out / args.name / f"{run.name}.log").open("w") as log:
        proc = subprocess.Popen(cmd, env=env, stdout=log, stderr=subprocess.STDOUT)
        _, status, usage = os.wait4(proc.pid, 0)  # this child's own CPU time
        proc.returncode = code = os.waitstatus_to_exitcode(status)
    if code != 0 or not (run / "results.json").exists():
        print(f"{run.name}: exit {code}, see {run.name}.log", flush=True)
        return None
    res = json.loads((run / "results.json").read_text())
    return {
        "model": model, "kernel": kernel, "seed": seed,
        "clean_rate": res["clean_rate"], "clean_spread_px": res["clean_spread_px"],
        "detect_rate": res["detect_rate"], "spread_px": res["centre_spread_px"],
        "selected": res.get("selected", "last"), "steps": res["steps"],
        **{k: v for k, v in res.items() if k.startswith("last_")},
        "train_wall_s": round(res["wall_time_s"], 1),
        "cpu_s": round(usage.ru_utime + usage.ru_stime, 1),  # the whole subprocess
        "flags": extra, "run": str(run),
    }  # fmt: skip


def passed(record: dict) -> bool:
    """Clean objects by the strict count and both objects by the permissive detector."""
    clean = clears_floors(record.get("clean_rate"), record.get("clean_spread_px"), CLEAN_FLOOR)
    return clean and clears_floors(record["detect_rate"], record["spread_px"])


def summarise(records: list[dict]) -> bool:
    """One row per (model, seed), a column per kernel path; True if every run passed."""
    print(f"\nclean (strict) / detected (permissive) rate, clean spread (px) of the saved "
          f"weights, 256 samples; floors {CLEAN_FLOOR} / {DETECT_FLOOR} / {SPREAD_FLOOR_PX} px; "
          f"selected snapshot, CPU s")  # fmt: skip
    table = kernel_table(
        records,
        "model",
        lambda r: (
            f"{r.get('clean_rate') or 0:.3f} / {r['detect_rate']:.3f}, "
            f"{r.get('clean_spread_px') or 0:.1f} ({r['selected']}, {r['cpu_s']:.0f} s)"
        ),
    )
    ok = [passed(r) for r in table.values()]
    print(f"\n{sum(ok)} of {len(ok)} runs draw clean objects (clean >= {CLEAN_FLOOR}) and "
          f"both objects (detect >= {DETECT_FLOOR}), spread >= {SPREAD_FLOOR_PX} px")  # fmt: skip
    return all(ok)


def main() -> int:
    argv, extra = split_passthrough(sys.argv[1:])
    parser = sweep_parser(__doc__, "coordconv-generative gan", "--r1 5")
    parser.add_argument("--models", nargs="+", default=["conv", "coordconv-gd"],
                        choices=["conv", "coordconv", "coordconv-gd"])  # fmt: skip
    add_seeds_and_kernels(parser, "0-4", ["default"])
    parser.add_argument("--jobs", type=int, default=2, help="runs at a time (one thread each)")
    parser.add_argument("--data", type=Path, help="shapes .npz (default: 2,000 made here)")
    parser.add_argument("--name", default="gan", help="log and run-folder name")
    parser.add_argument("--out", type=Path, default=Path("runs/sweeps"), help="sweep folder")
    args = parser.parse_args(argv)
    seeds = seeds_of(parser, args)
    if args.jobs < 1:
        parser.error("--jobs must be >= 1")
    if args.data is not None and not args.data.is_file():
        parser.error(f"--data {args.data}: no such file")
    (args.out / args.name).mkdir(parents=True, exist_ok=True)
    log = args.out / f"{args.name}.jsonl"
    done = {(r["model"], r["kernel"], r["seed"]) for r in read_log(log)}
    jobs = [
        (m, k, s) for k in args.kernels for m in args.models for s in seeds
        if (m, k, s) not in done
    ]  # fmt: skip
    data = _data(args)
    started = time.perf_counter()
    with ThreadPoolExecutor(args.jobs) as pool:
        for record in pool.map(lambda job: _train(args, extra, data, job), jobs):
            if record is not None:
                with log.open("a") as f:
                    f.write(json.dumps(record) + "\n")
                print(json.dumps(record), flush=True)
    print(f"sweep wall time {time.perf_counter() - started:.0f} s")
    return 0 if summarise(read_log(log)) else 1


if __name__ == "__main__":
    sys.exit(main())
