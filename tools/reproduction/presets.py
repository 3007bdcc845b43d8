"""Budgets of the reproduction presets.

``tiny``: seconds per experiment, for the end-to-end test. ``quick`` (the default): every
experiment at reduced scale on CPU, about 20 minutes on 2 cores. ``paper``: the paper's scale and
number of runs, for GPU machines.
"""

from __future__ import annotations

from typing import Any

PRESETS = ("tiny", "quick", "paper")

BUDGETS: dict[str, dict[str, dict[str, Any]]] = {
    "tiny": {
        "classification": {
            "coordconv_epochs": 1,
            "deconv_epochs": 1,
            "coordconv_args": ["--train-limit", "64", "--no-progress"],
            "deconv_args": ["--train-limit", "64", "--no-progress"],
        },
        "regression": {
            "coordconv_epochs": 1,
            "conv_epochs": 1,
            "coordconv_args": ["--train-limit", "64", "--no-progress"],
            "conv_args": ["--train-limit", "64", "--no-progress"],
        },
        "rendering": {
            "coordconv_epochs": 1,
            "deconv_epochs": 1,
            "coordconv_args": ["--train-limit", "64", "--no-progress"],
            "deconv_args": ["--train-limit", "64", "--no-progress"],
        },
        "detection": {"n_train": 32, "n_test": 16, "epochs": 1},
        "imagenet": {
            "runs": 2,
            "epochs": 1,
            "args": [
                "--image-size",
                "32",
                "--batch-size",
                "4",
                "--workers",
                "0",
                "--max-steps",
                "2",
            ],
        },
        "gan": {
            "n_images": 64,
            "epochs": 1,
            "entropy_n": 16,
            "args": ["--max-steps", "2", "--batch-size", "8", "--width-divisor", "16"],
        },
        "vae": {
            "n_images": 64,
            "epochs": 1,
            "args": ["--max-steps", "2", "--batch-size", "8", "--width-divisor", "16"],
        },
        "lsun": {"epochs": 1, "args": ["--max-steps", "2", "--batch-size", "8"]},
        "atari": {
            "games": {"coordconv_rl/TargetReach-v0": 160},
            "seeds": 2,
            "args": ["--num-envs", "4", "--eval-episodes", "2"],
        },
    },
    "quick": {
        "classification": {
            "coordconv_epochs": 2,
            "deconv_epochs": 30,
            "coordconv_args": ["--no-progress"],
            "deconv_args": ["--no-progress"],
        },
        "regression": {
            "coordconv_epochs": 8,
            "conv_epochs": 8,
            "coordconv_args": ["--no-progress"],
            "conv_args": ["--no-progress"],
        },
        "rendering": {
            "coordconv_epochs": 3,
            "deconv_epochs": 10,
            "coordconv_args": ["--no-progress"],
            "deconv_args": ["--no-progress"],
        },
        "detection": {"n_train": 3000, "n_test": 500, "epochs": 3},
        "imagenet": {
            "runs": 2,
            "epochs": 2,
            "args": ["--image-size", "64", "--batch-size", "32", "--workers", "2"],
        },
        "gan": {
            "n_images": 2000,
            "epochs": 10,
            "entropy_n": 500,
            "args": ["--max-steps", "600", "--batch-size", "32", "--width-divisor", "16"],
        },
        "vae": {
            "n_images": 2000,
            "epochs": 8,
            "args": ["--batch-size", "32", "--width-divisor", "8"],
        },
        "lsun": {"epochs": 1, "args": ["--max-steps", "200", "--width-divisor", "4"]},
        "atari": {
            "games": {"coordconv_rl/TargetReach-v0": 80_000, "MsPacman": 8_000},
            "seeds": 2,
            "args": ["--eval-episodes", "3"],
        },
    },
    "paper": {
        "classification": {"coordconv_epochs": 100, "deconv_epochs": 1000},
        "regression": {"coordconv_epochs": 200, "conv_epochs": 200},
        "rendering": {"coordconv_epochs": 200, "deconv_epochs": 1000},
        "detection": {"n_train": 9000, "n_test": 1000, "epochs": 50},
        "imagenet": {"runs": 5, "epochs": 90, "args": []},
        "gan": {"n_images": 50_000, "epochs": 50, "entropy_n": 1000, "args": []},
        "vae": {"n_images": 50_000, "epochs": 50, "args": []},
        "lsun": {"epochs": 5, "args": []},
        "atari": {
            "games": dict.fromkeys(
                (
                    "Alien",
                    "BankHeist",
                    "MsPacman",
                    "Robotank",
                    "Centipede",
                    "Asterix",
                    "Asteroids",
                    "Amidar",
                    "Seaquest",
                ),
                10000000,
            ),
            "seeds": 10,
            "args": [],
        },
    },
}
