"""Regression read-outs, CoordConv and its control on seeds fixed in advance (paper S3, table S1).

S3 claims CoordConv regresses exact positions on both splits where convolution struggles on the
quadrant split. Whether that is the coordinate channels or the read-out shows only beside the
control, so this trains four rows (``coordconv-vision notsoclevr --task regression``), each on
every seed and split, through ``notsoclevr_seeds.py`` (one JSON line per run):

- ``paper``: the paper's model, CoordConv + global max pool (906 parameters), trained as the
  official command (``--readout max``: 100 epochs, batch 256, Adam lr 0.01, L2 1e-5);
- ``conv-max``: the same layers, read-out, init and training with a plain first conv (890);
- ``coordconv-softargmax``: ours, CoordConv + soft-argmax read-out (908, the package default);
- ``conv-softargmax``: its control, plain first conv + the same soft-argmax (892).

Then it writes ``--json``: per row and split, every seed's exact-position test accuracy and mean
test pixel error, how many seeds reached 100% exact and the paper's bar (>= 99%), CPU seconds. The
documented sweep (seeds 100-109, both splits; 1,355 CPU s on one thread here):

    python tools/sweeps/regression_readouts.py --seeds 100-109 --out runs/sweeps/regression \\
        --json packages/coordconv-vision/docs/measured/regression_readouts.json

``--rows`` runs a subset (two processes can share the rows and ``--out``); ``--collect`` only
writes the JSON from the logs already in ``--out``.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

from notsoclevr_seeds import parse_seeds, read_log

SPLITS = ("quadrant", "uniform")
# row -> (--model, --readout, what it is)
ROWS: dict[str, tuple[str, str, str]] = {
    "paper": ("coordconv", "max", "the paper's model: CoordConv + global max pool, official training"),
    "conv-max": ("conv", "max", "control: plain first conv + the same max pool and training"),
    "coordconv-softargmax": ("coordconv", "softargmax", "ours: CoordConv + soft-argmax read-out"),
    "conv-softargmax": ("conv", "softargmax", "control: plain first conv + the same soft-argmax"),
}  # fmt: skip
# The official TensorFlow code on our data (tools/official/coordconv_regression_tf.py, the
# official command, seed 0, TensorFlow 2.21, 196 and 205 CPU s): measured for the package README's
# "Regression, settled" section, not rerun by this script (it needs its own TensorFlow venv)
OFFICIAL_TF = {
    "source": "tools/official/coordconv_regression_tf.py, official command, seed 0",
    "quadrant": {"test_accuracy": 0.025, "test_pixel_error": 1.00},
    "uniform": {"test_accuracy": 0.71, "test_pixel_error": 0.52},
}
PAPER_BAR = 0.99  # coordconv_vision.paper.TASKS["regression"].bar: >= 99% exact positions
SEEDS_FILE = Path(__file__).with_name("notsoclevr_seeds.py")


def run_row(row: str, seeds: str, out: Path, threads: int) -> int:
    """Train one row on every split and seed not yet in its log (default CPU kernels)."""
    model, readout, _ = ROWS[row]
    cmd = [sys.executable, str(SEEDS_FILE), "--task", "regression", "--model", model,
           "--splits", *SPLITS, "--seeds", seeds, "--kernels", "default", "--name", row,
           "--out", str(out), "--threads", str(threads), "--", "--readout", readout]  # fmt: skip
    return subprocess.run(cmd, env=dict(os.environ), check=False).returncode


def collect(seeds: list[int], out: Path, command: str) -> dict:
    """The per-seed results of every row in ``out`` as the committed JSON's dict."""
    rows = {}
    for row, (model, readout, what) in ROWS.items():
        records = [r for r in read_log(out / f"{row}.jsonl") if r["seed"] in seeds]
        if not records:
            continue
        splits = {}
        for split in SPLITS:
            runs = {r["seed"]: r for r in records if r["split"] == split}
            if not runs:
                continue
            test = {str(s): runs[s]["test"] for s in sorted(runs)}
            splits[split] = {
                "test_accuracy": test,
                "test_pixel_error": {str(s): runs[s]["test_pixel_error"] for s in sorted(runs)},
                "seeds": len(runs),
                "exact": sum(v == 1.0 for v in test.values()),
                "reached_bar": sum(v >= PAPER_BAR for v in test.values()),
                "cpu_s": {str(s): runs[s]["cpu_s"] for s in sorted(runs)},
            }
        rows[row] = {
            "model": model, "readout": readout, "what": what,
            "recipe": records[0]["recipe"], "splits": splits,
        }  # fmt: skip
    return {
        "experiment": "Not-so-Clevr coordinate regression (paper S3, table S1)",
        "command": command,
        "metric": "test_accuracy: fraction of test positions exactly right (rounded prediction "
        "== centre); exact = seeds at 100%, reached_bar = seeds at >= 99% (the paper's bar)",
        "bar": PAPER_BAR,
        "seeds": seeds,
        "kernel": "default (AVX512 here), one torch thread per run",
        "rows": rows,
        "official_tf": OFFICIAL_TF,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--seeds", default="100-109", help="e.g. 100-109 or 100,101 (default: 100-109)"
    )
    parser.add_argument("--rows", nargs="+", choices=list(ROWS), default=list(ROWS),
                        help="rows to train (default: all four)")  # fmt: skip
    parser.add_argument("--out", type=Path, default=Path("runs/sweeps/regression"),
                        help="log directory (one <row>.jsonl each)")  # fmt: skip
    parser.add_argument("--json", type=Path, help="write the per-seed results here")
    parser.add_argument("--threads", type=int, default=1, help="torch threads per run")
    parser.add_argument("--collect", action="store_true",
                        help="only write --json from the logs in --out")  # fmt: skip
    args = parser.parse_args()
    try:
        seeds = parse_seeds(args.seeds)
    except ValueError:
        parser.error(f"--seeds: expected e.g. 100-109 or 100,101, got {args.seeds!r}")
    if args.collect and not args.json:
        parser.error("--collect needs --json")
    failed = 0
    if not args.collect:
        for row in args.rows:
            # exit 1: a run missed the bar, which is a result here, not a failure
            failed += run_row(row, args.seeds, args.out, args.threads) not in (0, 1)
    if args.json:
        command = f"python tools/sweeps/regression_readouts.py --seeds {args.seeds}"
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(collect(seeds, args.out, command), indent=1) + "\n")
        print(f"wrote {args.json}")
    return 2 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
