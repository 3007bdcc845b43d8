"""Seed sweep: does a Not-so-Clevr result hold for every seed and every CPU arithmetic path?

Paper S2 and S4 claim the CoordConv classifier reaches 100% test accuracy and the CoordConv
renderer an IOU of ~1 on both splits, and S3 that the CoordConv regressor places every unseen
position exactly. A claim about a method must hold over seeds chosen in advance and on any CPU, so
this script trains the package's own recipe (``coordconv-vision notsoclevr`` for ``--model``, its
defaults unless flags follow ``--``) for every seed of ``--seeds`` on every split
of ``--splits``, once per CPU kernel path of ``--kernels``: ``default`` (whatever torch picks on
this CPU, AVX512 here) and e.g. ``avx2`` (``ATEN_CPU_CAPABILITY=avx2``: another vectorisation,
other rounding, so another training trajectory). Each kernel path runs in its own subprocess,
because torch reads ``ATEN_CPU_CAPABILITY`` once, at import.

    python tools/sweeps/notsoclevr_seeds.py --task classification --splits quadrant uniform
    python tools/sweeps/notsoclevr_seeds.py --task rendering --splits quadrant
    python tools/sweeps/notsoclevr_seeds.py --task rendering --splits quadrant --kernels default \\
        --name paper-e2e -- --filter-size 2 --where-loss none --epochs 6
    python tools/sweeps/notsoclevr_seeds.py --task regression --model conv --kernels default \\
        --seeds 100-109 --name conv-max -- --readout max

Every finished run appends one JSON line to ``<out>/<name>.jsonl`` (task, split, kernel, seed,
the test and train metric, the task's second metric, CPU seconds of the whole run, the resolved
recipe); rerunning skips the runs already there, so an interrupted sweep continues. At the end it
prints one table row per seed and the success count: classification succeeds at test accuracy
1.0, rendering at test IOU >= 0.99, regression at >= 99% exact test positions (the paper's
"perfect" and "~1.0"). Exit status 1 if any run missed.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from coordconv_vision.paper import TASKS

# task -> (metric, bar) of the paper's claim (coordconv_vision.paper, S2 and S4)
SUCCESS = {
    task: (TASKS[task].metric, TASKS[task].bar.value)
    for task in ("classification", "regression", "rendering")
}
RECIPE_KEYS = (
    "model", "epochs", "lr", "wd", "batch_size", "lr_step", "filter_size", "where_loss", "init",
    "readout",
)  # fmt: skip


def parse_seeds(text: str) -> list[int]:
    """``"0-9"`` or ``"0,3,7"`` (or a mix, ``"0-4,9"``) -> sorted seeds."""
    seeds: set[int] = set()
    for part in text.split(","):
        low, _, high = part.partition("-")
        seeds.update(range(int(low), int(high or low) + 1))
    return sorted(seeds)


def sweep_parser(doc: str, command: str, example: str) -> argparse.ArgumentParser:
    """The parser of a seed sweep (this one and ``gan_seeds.py``): described by the first line
    of ``doc``, its epilog naming the ``command`` that flags after ``--`` go to."""
    return argparse.ArgumentParser(
        description=doc.splitlines()[0],
        epilog=f"Flags after -- go to `{command}` (e.g. -- {example}).",
    )


def add_seeds_and_kernels(parser: argparse.ArgumentParser, seeds: str, kernels: list[str]) -> None:
    """A sweep's ``--seeds`` (read by :func:`seeds_of`) and ``--kernels``, with these defaults."""
    parser.add_argument("--seeds", default=seeds, help=f"e.g. {seeds} or 0,3,7 (default: {seeds})")
    parser.add_argument("--kernels", nargs="+", default=kernels,
                        help="CPU kernel paths: default, or an ATEN_CPU_CAPABILITY value")  # fmt: skip


def seeds_of(parser: argparse.ArgumentParser, args: argparse.Namespace) -> list[int]:
    """``args.seeds`` parsed; a malformed list is a usage error of ``parser`` (exit 2)."""
    try:
        return parse_seeds(args.seeds)
    except ValueError:
        parser.error(f"--seeds: expected e.g. {parser.get_default('seeds')} or 0,3,7, "
                     f"got {args.seeds!r}")  # fmt: skip


def split_passthrough(argv: list[str]) -> tuple[list[str], list[str]]:
    """``[own flags] -- [flags for the trained command]`` -> the two lists."""
    if "--" not in argv:
        return argv, []
    cut = argv.index("--")
    return argv[:cut], argv[cut + 1 :]


def run_worker(args: argparse.Namespace, extra: list[str], log: Path) -> None:
    """Train every (split, seed) not yet in ``log`` on this process's kernel path."""
    import torch

    from coordconv_train import add_config_arguments, config_from_args, is_stopped
    from coordconv_vision.notsoclevr.config import NotSoClevrConfig, resolve
    from coordconv_vision.notsoclevr.train import train

    torch.set_num_threads(args.threads)
    done = {(r["split"], r["seed"]) for r in read_log(log) if r["kernel"] == args.kernel}
    parser = argparse.ArgumentParser(prog="notsoclevr")
    add_config_arguments(parser, NotSoClevrConfig)
    for split in args.splits:
        for seed in parse_seeds(args.seeds):
            if (split, seed) in done:
                continue
            with tempfile.TemporaryDirectory() as tmp:
                fixed = ["--task", args.task, "--model", args.model, "--split", split,
                         "--seed", str(seed), "--device", "cpu", "--no-progress", "--no-figures",
                         "--eval-every", "1000000", "--out", str(Path(tmp) / "run")]  # fmt: skip
                config = config_from_args(NotSoClevrConfig, parser.parse_args(fixed + extra))
                started = time.process_time()
                results = train(config)
                cpu_s = time.process_time() - started
            if is_stopped(results):  # SIGINT/SIGTERM: nothing to record; rerun to continue
                print(f"stopped during {split} seed {seed}; rerun to continue", flush=True)
                return
            metric, _ = SUCCESS[args.task]
            other = TASKS[args.task].other
            resolved = resolve(config)
            record = {
                "task": args.task, "split": split, "kernel": args.kernel, "seed": seed,
                "capability": torch.backends.cpu.get_cpu_capability(),
                "test": results[metric], "train": results[metric.replace("test", "train")],
                other: results[other],
                "cpu_s": round(cpu_s, 1), "threads": args.threads,
                "recipe": {k: getattr(resolved, k) for k in RECIPE_KEYS},
            }  # fmt: skip
            with log.open("a") as f:
                f.write(json.dumps(record) + "\n")
            print(json.dumps(record), flush=True)


def read_log(log: Path) -> list[dict]:
    if not log.exists():
        return []
    return [json.loads(line) for line in log.read_text().splitlines() if line.strip()]


def kernel_table(records: list[dict], row: str, cell: Callable[[dict], str]) -> dict:
    """Print a markdown table: one row per (``row`` field, seed), one column per kernel path,
    ``cell(record)`` in each (``-`` where a run is missing). Returns the records by
    ``(row, seed, kernel)``: one per run, the last if a run was repeated."""
    kernels = sorted({r["kernel"] for r in records})
    table = {(r[row], r["seed"], r["kernel"]): r for r in records}
    print(f"| {row} | seed | " + " | ".join(kernels) + " |")
    print("| --- | --- |" + " --- |" * len(kernels))
    for name, seed in sorted({(r[row], r["seed"]) for r in records}):
        cells = [cell(r) if (r := table.get((name, seed, k))) else "-" for k in kernels]
        print(f"| {name} | {seed} | " + " | ".join(cells) + " |")
    return table


def summarise(task: str, records: list[dict]) -> bool:
    """Print one row per (split, seed) with a column per kernel path; True if every run passed."""
    metric, bar = SUCCESS[task]
    print(f"\n{task}: {metric} per seed ({'success' if task == 'rendering' else 'perfect'} "
          f"at >= {bar}); CPU seconds of each run in brackets")  # fmt: skip
    table = kernel_table(records, "split", lambda r: f"{r['test']:.4f} ({r['cpu_s']:.0f} s)")
    passed = [r["test"] >= bar for r in table.values()]
    print(f"\n{sum(passed)} of {len(passed)} runs reached {metric} >= {bar}")
    return all(passed)


def main() -> int:
    argv, extra = split_passthrough(sys.argv[1:])
    parser = sweep_parser(__doc__, "coordconv-vision notsoclevr", "--lr 0.01")
    parser.add_argument("--task", choices=sorted(SUCCESS), default="classification")
    parser.add_argument("--model", choices=["coordconv", "conv", "deconv"], default="coordconv",
                        help="the model to train (default: coordconv)")  # fmt: skip
    parser.add_argument(
        "--splits", nargs="+", choices=["uniform", "quadrant"], default=["quadrant"]
    )
    add_seeds_and_kernels(parser, "0-9", ["default", "avx2"])
    parser.add_argument("--threads", type=int, default=1, help="torch threads per run")
    parser.add_argument("--name", default="", help="log name (default: the task)")
    parser.add_argument("--out", type=Path, default=Path("runs/sweeps"), help="log directory")
    parser.add_argument("--kernel", help=argparse.SUPPRESS)  # set in the worker subprocesses
    args = parser.parse_args(argv)
    seeds_of(parser, args)
    args.out.mkdir(parents=True, exist_ok=True)
    log = args.out / f"{args.name or args.task}.jsonl"
    if args.kernel:
        run_worker(args, extra, log)
        return 0
    for kernel in args.kernels:
        env = dict(os.environ)
        env.pop("ATEN_CPU_CAPABILITY", None)
        if kernel != "default":
            env["ATEN_CPU_CAPABILITY"] = kernel
        cmd = [sys.executable, __file__, *argv, "--kernel", kernel, "--", *extra]
        if subprocess.run(cmd, env=env, check=False).returncode != 0:
            return 2
    records = [
        r for r in read_log(log) if r["kernel"] in args.kernels and r["split"] in args.splits
    ]
    return 0 if summarise(args.task, records) else 1


if __name__ == "__main__":
    sys.exit(main())
