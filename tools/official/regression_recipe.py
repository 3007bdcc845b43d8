"""What the two official-recipe regression scripts beside this file share (paper S3, table S1).

``coordconv_regression_tf.py`` (the official model in TensorFlow) and
``coordconv_regression_torch.py`` (our copy of it in PyTorch) train the same regressor with the
same two settings, take the same flags and print the same JSON row per seed, so their numbers
compare line for line. Standard library only: the TensorFlow script runs in its own environment,
and both scripts import this module from their own folder.
"""

from __future__ import annotations

import argparse
from typing import Any

# Adam learning rate and l2 of each setting: ``official`` = the official experiment command;
# ``s3`` = section S3's "Adam, learning rate 5e-4" with "weight decay strength 5e-4"
SETTINGS = {"official": {"lr": 0.01, "l2": 1e-5}, "s3": {"lr": 5e-4, "l2": 5e-4}}


def lr_l2(setting: str) -> tuple[float, float]:
    """The Adam learning rate and l2 weight of ``setting``."""
    return SETTINGS[setting]["lr"], SETTINGS[setting]["l2"]


def build_parser(description: str, **seeds: Any) -> argparse.ArgumentParser:
    """The flags both scripts take; ``seeds``: the ``add_argument`` keywords of ``--seeds``."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--split", choices=["quadrant", "uniform"], default="quadrant")
    parser.add_argument("--setting", choices=sorted(SETTINGS), default="official")
    parser.add_argument("--seeds", **seeds)
    parser.add_argument("--epochs", type=int, default=100)
    parser.add_argument("--batch-size", type=int, default=256)
    return parser


def result_row(
    *,
    split: str,
    seed: int,
    setting: str,
    params: int,
    epochs: int,
    train: dict[str, float],
    test: dict[str, float],
    cpu_s: float,
) -> dict[str, Any]:
    """One seed's JSON row: the run's settings, then exact accuracy and pixel error per split."""
    lr, l2 = lr_l2(setting)
    return {
        "split": split, "seed": seed, "setting": setting, "params": params, "epochs": epochs,
        "lr": lr, "l2": l2, "test_exact": test["exact"], "test_pixel_error": test["pixel_error"],
        "train_exact": train["exact"], "train_pixel_error": train["pixel_error"], "cpu_s": cpu_s,
    }  # fmt: skip
