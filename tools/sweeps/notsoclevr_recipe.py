"""Recipe choice on the validation split: which learning rate and epoch budget for an init?

Issue 22 asks that the official code's init (``--init official``) get a fair chance before its
classification and rendering results are called: the paper's three learning rates (S2: 0.01,
0.001, 0.005) and budgets up to ten times ours (2 epochs), the choice made on a validation split
carved from the training set (``--val-fraction``) with development seeds (< 100), never on test
numbers. This script trains ``coordconv-vision notsoclevr`` (its defaults, ``--init``, then the
flags after ``--``) once per (split, seed, lr) for ``--max-epochs`` epochs at a constant lr,
evaluating the validation split after every epoch. At a constant lr the first k epochs of that
run are exactly the k-epoch run (the same batch order, the same updates), so one run scores every
budget 1..max-epochs. The test split is never read.

    python tools/sweeps/notsoclevr_recipe.py --task classification --init official \\
        --splits quadrant uniform --seeds 0 --max-epochs 10

Every finished run appends one JSON line to ``<out>/<name>.jsonl`` (task, init, split, seed, lr,
the validation metric after each epoch, CPU seconds); a rerun skips what is logged. At the end it
prints the mean validation metric per (lr, epochs) and the choice: the highest mean, ties to the
fewest epochs, then the larger lr (``--json``: the runs and the choice in one file). The quadrant split's validation examples come from its
training region, so they score fitting, not the extrapolation to the unseen quadrant.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from notsoclevr_seeds import (
    SUCCESS,
    parse_seeds,
    read_log,
    seeds_of,
    split_passthrough,
    sweep_parser,
)

PAPER_LRS = (0.01, 0.001, 0.005)  # S2: the learning rates of the paper's CoordConv grid
DEV_SEEDS_BELOW = 100  # seeds >= 100 score claims; a recipe is never chosen on them


def val_metric(task: str) -> str:
    """The validation name of the task's claim metric: ``val_accuracy``, ``val_iou``."""
    return SUCCESS[task][0].replace("test_", "val_")


def train_one(
    args: argparse.Namespace, extra: list[str], split: str, seed: int, lr: float
) -> dict | None:
    """One run; its log record (the validation metric after every epoch), or None if stopped."""
    import torch

    from coordconv_train import add_config_arguments, config_from_args, is_stopped
    from coordconv_vision.notsoclevr.config import NotSoClevrConfig
    from coordconv_vision.notsoclevr.train import train

    torch.set_num_threads(args.threads)
    parser = argparse.ArgumentParser(prog="notsoclevr")
    add_config_arguments(parser, NotSoClevrConfig)
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "run"
        fixed = ["--task", args.task, "--model", "coordconv", "--split", split, "--seed", str(seed),
                 "--init", args.init, "--lr", str(lr), "--lr-step", "0",
                 "--epochs", str(args.max_epochs), "--val-fraction", str(args.val_fraction),
                 "--eval-every", "1", "--device", "cpu", "--no-progress", "--no-figures",
                 "--out", str(out)]  # fmt: skip
        config = config_from_args(NotSoClevrConfig, parser.parse_args(fixed + extra))
        started = time.process_time()
        if is_stopped(train(config)):  # SIGINT/SIGTERM: nothing to record
            return None
        cpu_s = time.process_time() - started
        epochs = [json.loads(line) for line in (out / "metrics.jsonl").read_text().splitlines()]
    metric = val_metric(args.task)
    return {
        "task": args.task, "init": args.init, "split": split, "seed": seed, "lr": lr,
        "val_fraction": args.val_fraction, "extra": extra,
        metric: [r[metric] for r in epochs if metric in r],
        "cpu_s": round(cpu_s, 1), "threads": args.threads,
    }  # fmt: skip


def choose(task: str, records: list[dict]) -> tuple[float, int, float]:
    """Print the mean validation metric per (lr, epochs); return the chosen (lr, epochs, mean):
    the highest mean over the records, ties to the fewest epochs, then the larger lr."""
    metric = val_metric(task)
    means: dict[tuple[float, int], float] = {}
    for lr in sorted({r["lr"] for r in records}, reverse=True):
        curves = [r[metric] for r in records if r["lr"] == lr]
        for epoch in range(1, min(len(c) for c in curves) + 1):
            means[(lr, epoch)] = sum(c[epoch - 1] for c in curves) / len(curves)
        row = " ".join(f"{means[(lr, e)]:.4f}" for e in range(1, min(map(len, curves)) + 1))
        print(f"lr {lr}: mean {metric} after epoch 1, 2, ...: {row}  ({len(curves)} runs)")
    (lr, epochs), best = max(means.items(), key=lambda kv: (kv[1], -kv[0][1], kv[0][0]))
    print(f"chosen: --lr {lr} --epochs {epochs} (mean {metric} {best:.4f})")
    return lr, epochs, best


def main() -> int:
    argv, extra = split_passthrough(sys.argv[1:])
    parser = sweep_parser(__doc__, "coordconv-vision notsoclevr", "--filter-size 2")
    parser.add_argument("--task", choices=sorted(SUCCESS), default="classification")
    parser.add_argument("--init", default="official", help="the init to choose a recipe for")
    parser.add_argument(
        "--splits", nargs="+", choices=["uniform", "quadrant"], default=["quadrant"]
    )
    parser.add_argument("--seeds", default="0", help="development seeds (< 100), e.g. 0 or 0-2")
    parser.add_argument("--lrs", nargs="+", type=float, default=list(PAPER_LRS))
    parser.add_argument("--max-epochs", type=int, default=20, help="ten times our 2 epochs")
    parser.add_argument("--val-fraction", type=float, default=0.1)
    parser.add_argument("--threads", type=int, default=1, help="torch threads per run")
    parser.add_argument("--name", default="", help="log name (default: <task>-<init>)")
    parser.add_argument("--out", type=Path, default=Path("runs/sweeps"), help="log directory")
    parser.add_argument("--json", type=Path, help="write the runs and the choice here")
    args = parser.parse_args(argv)
    seeds = seeds_of(parser, args)
    if any(seed >= DEV_SEEDS_BELOW for seed in seeds):
        parser.error(f"--seeds: a recipe is chosen on development seeds (< {DEV_SEEDS_BELOW})")
    if not 0 < args.val_fraction < 0.5:
        parser.error("--val-fraction must be in (0, 0.5): the choice is made on validation")
    args.out.mkdir(parents=True, exist_ok=True)
    log = args.out / f"{args.name or f'{args.task}-{args.init}'}.jsonl"
    done = {(r["split"], r["seed"], r["lr"]) for r in read_log(log)}
    for split in args.splits:
        for seed in parse_seeds(args.seeds):
            for lr in args.lrs:
                if (split, seed, lr) not in done:
                    record = train_one(args, extra, split, seed, lr)
                    if record is None:
                        print(f"stopped during {split} seed {seed} lr {lr}; rerun to continue")
                        return 1
                    with log.open("a") as f:
                        f.write(json.dumps(record) + "\n")
                    print(json.dumps(record), flush=True)
    keys = {(s, seed, lr) for s in args.splits for seed in seeds for lr in args.lrs}
    records = [r for r in read_log(log) if (r["split"], r["seed"], r["lr"]) in keys]
    lr, epochs, mean = choose(args.task, records)
    if args.json:
        chosen = {"lr": lr, "epochs": epochs, val_metric(args.task): mean}
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps({"runs": records, "chosen": chosen}, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
