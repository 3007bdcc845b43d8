"""What a GAN run's clean rate is made of, snapshot by snapshot: per epoch snapshot (and the
saved and final weights) of each run directory, the strict count's clean rate and spread, the
permissive detector's rate and spread, and how many samples each strict rule rejects first
(S7.1; the strict count of ``coordconv_generative.objects``), all on the 256 samples of the
reported z (``REPORT_SEED``), one torch thread.

    python tools/sweeps/gan_rejections.py runs/gan-conv runs/gan-coordconv-gd \\
        --measured packages/coordconv-generative/docs/measured/gan_rejections_dev.json

A run trained with ``--epochs k`` is the first ``k`` epochs of a longer run with the same flags
(no schedule depends on the epoch count), so a 20-epoch run's snapshots also show what a
shorter budget gives.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

import torch

from coordconv_generative.entropy import centre_spread, detect_objects
from coordconv_generative.gan.select import REPORT_SEED, finite_or_none
from coordconv_generative.objects import detect_clean, rejection_counts
from coordconv_generative.weights import load_generator


def snapshot(path: Path) -> dict[str, Any]:
    """The scores of one weights file on the reported z."""
    gen = load_generator(path, "cpu")
    images = gen.images(gen.sample_z(256, torch.Generator().manual_seed(REPORT_SEED)))
    strict, loose = detect_clean(images), detect_objects(images)
    return {
        "clean_rate": float(strict.both.mean()),
        "clean_spread_px": finite_or_none(centre_spread(strict)),
        "detect_rate": float(loose.both.mean()),
        "centre_spread_px": finite_or_none(centre_spread(loose)),
        "clean_rejections": rejection_counts(images),
    }


def run_scores(run: Path) -> dict[str, Any]:
    """Every snapshot of ``run`` (``weights_epochNNN``, ``weights``, ``weights_last``)."""
    config = json.loads((run / "config.json").read_text())
    out: dict[str, Any] = {"model": config["model"], "seed": config["seed"], "snapshots": {}}
    for path in sorted(run.glob("weights*.safetensors")):
        tag = path.stem.removeprefix("weights").removeprefix("_") or "saved"
        out["snapshots"][tag] = snapshot(path)
        row = out["snapshots"][tag]
        print(f"{run.name} {tag}: clean {row['clean_rate']:.3f}, detected "
              f"{row['detect_rate']:.3f}, {row['clean_rejections']}", flush=True)  # fmt: skip
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("runs", type=Path, nargs="+", help="GAN run directories")
    parser.add_argument("--measured", type=Path, help="write the numbers here (JSON)")
    args = parser.parse_args()
    for run in args.runs:
        if not (run / "config.json").is_file():
            parser.error(f"{run}: not a GAN run directory (no config.json)")
    torch.set_num_threads(1)
    result = {
        "what": __doc__.splitlines()[0],
        "command": "python tools/sweeps/gan_rejections.py " + " ".join(sys.argv[1:]),
        "runs": [run_scores(run) for run in args.runs],
    }
    if args.measured is not None:
        args.measured.parent.mkdir(parents=True, exist_ok=True)
        args.measured.write_text(json.dumps(result, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
