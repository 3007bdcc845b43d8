"""The paper's deconv grid on the uniform split (paper S2, fig. S2), at a budget of epochs.

S2 trains the deconvolutional coordinate classifier for 1,000 epochs over a grid: filter size
{2, 3, 4} x channel multiplier {1, 2, 3} x learning rate {0.001, 0.002, 0.005, 0.01, 0.02, 0.05}
x weight decay {0.001, 0.01} x minibatch {16, 32}, and its best uniform-split models reach
0.80-0.86 test accuracy. The CoordConv rows of the report are compared with this baseline, so a
baseline far weaker than the paper's would make every CoordConv win look larger than it is.

This runs the grid (or a named subset of it) through ``coordconv-vision sweep`` (deconv only,
uniform split, ``--val-fraction`` of the train split held out), picks the best run by validation
accuracy, and writes ``--json``: the grid, the budget, every run's val and test accuracy and CPU
seconds, and the chosen run's test accuracy (chosen on validation, reported on test).

    # the full grid at the paper's schedule (1000 epochs, lr x0.1 every 200): 216 runs, a GPU
    python tools/sweeps/deconv_grid.py --grid paper --out runs/sweeps/deconv-grid-paper
    # the documented CPU subset: 4 runs of 20 epochs, 327 CPU s on one thread here
    python tools/sweeps/deconv_grid.py --grid cpu --epochs 20 --out runs/sweeps/deconv-grid-cpu \\
        --json packages/coordconv-vision/docs/measured/deconv_grid_cpu.json

``--epochs`` is the budget of every run (the paper's schedule drops the lr x0.1 every 200 epochs,
so below 200 the lr is constant). A rerun with the same ``--out`` reuses finished runs.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import torch

from coordconv_vision.notsoclevr.sweep import SweepConfig, run_sweep

# grid name -> SweepConfig fields (deconv, uniform split)
GRIDS: dict[str, dict[str, tuple]] = {
    # S2's full grid: 3 x 3 x 6 x 2 x 2 = 216 runs
    "paper": {
        "filter_sizes": (2, 3, 4),
        "channel_mults": (1, 2, 3),
        "lrs": (0.001, 0.002, 0.005, 0.01, 0.02, 0.05),
        "wds": (0.001, 0.01),
        "batch_sizes": (16, 32),
    },
    # the CPU subset: filter size 2 (S1: 2 and 4 "seem to outperform 3"; 4 costs 2-4x more
    # here), multipliers 1 and 2 (S1: the top classifiers "have c = 1 or 2"), two of its
    # learning rates, its smaller weight decay, batch 32: 4 runs
    "cpu": {
        "filter_sizes": (2,),
        "channel_mults": (1, 2),
        "lrs": (0.002, 0.01),
        "wds": (0.001,),
        "batch_sizes": (32,),
    },
}
PAPER_BEST = (0.80, 0.86)  # S2: the best deconv models' uniform test accuracy


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--grid", choices=list(GRIDS), default="cpu", help="grid (default: cpu)")
    parser.add_argument(
        "--epochs", type=int, help="epochs of every run (default: the paper's 1000)"
    )
    parser.add_argument("--seed", type=int, default=100, help="seed of every run (default: 100)")
    parser.add_argument("--val-fraction", type=float, default=0.1,
                        help="train fraction held out to choose the run (default: 0.1)")  # fmt: skip
    parser.add_argument("--device", default="auto", choices=["auto", "cpu", "cuda"])
    parser.add_argument("--threads", type=int, default=1, help="torch CPU threads (default: 1)")
    parser.add_argument("--out", type=Path, default=Path("runs/sweeps/deconv-grid"),
                        help="sweep directory")  # fmt: skip
    parser.add_argument("--json", type=Path, help="write the grid's results here")
    args = parser.parse_args()
    if args.epochs is not None and args.epochs < 1:
        parser.error(f"--epochs must be >= 1, got {args.epochs}")
    if not 0 < args.val_fraction < 0.5:
        parser.error(f"--val-fraction must be in (0, 0.5), got {args.val_fraction}")
    if args.threads < 1:
        parser.error(f"--threads must be >= 1, got {args.threads}")
    torch.set_num_threads(args.threads)
    config = SweepConfig(
        task="classification", splits=("uniform",), models=("deconv",), epochs=args.epochs,
        val_fraction=args.val_fraction, seed=args.seed, device=args.device, progress=False,
        out=args.out, resume=args.out.exists(), **GRIDS[args.grid],
    )  # fmt: skip
    started = time.process_time()
    summary = run_sweep(config)
    cpu_s = time.process_time() - started
    if "best" not in summary:  # stopped: rerun to continue
        print("stopped; rerun the same command to continue")
        return 130
    best = summary["best"].get("deconv/uniform")
    runs = [
        {k: r.get(k) for k in ("run", "params", "epochs", "val_accuracy", "test_accuracy",
                                "train_accuracy", "wall_time_s")}
        for r in summary["runs"]
    ]  # fmt: skip
    result = {
        "experiment": "deconv coordinate classifier, uniform split (paper S2, fig. S2)",
        "command": f"python tools/sweeps/deconv_grid.py --grid {args.grid}"
        + (f" --epochs {args.epochs}" if args.epochs else ""),
        "grid": {k: list(v) for k, v in GRIDS[args.grid].items()},
        "epochs": args.epochs or "the paper's 1000 (lr x0.1 every 200)",
        "seed": args.seed,
        "val_fraction": args.val_fraction,
        "selection": "best val_accuracy; its test_accuracy is the reported number",
        "paper_best_test_accuracy": list(PAPER_BEST),
        "best": None if best is None else {k: best.get(k) for k in ("run", "params", "val_accuracy", "test_accuracy")},
        "cpu_s_this_call": round(cpu_s, 1),  # runs reused from an earlier call count 0
        "runs": runs,
        "diverged": summary.get("diverged", []),
    }  # fmt: skip
    if best is not None:
        print(f"best by validation: {best['run']} val {best['val_accuracy']:.4f} "
              f"test {best['test_accuracy']:.4f} (paper 0.80-0.86)")  # fmt: skip
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(result, indent=1) + "\n")
        print(f"wrote {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
