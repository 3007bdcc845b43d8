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
        "imagenet": {"runs": 2, "epochs": 1, "args": ["--image-size", "32"]},
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
        "classification": {"coordconv_epochs": 10, "deconv_epochs": 10},
        "regression": {"coordconv_epochs": 10, "conv_epochs": 10},
        "rendering": {"coordconv_epochs": 10, "deconv_epochs": 10},
        "detection": {"n_train": 2000, "n_test": 500, "epochs": 5},
        "imagenet": {"runs": 2, "epochs": 1, "args": ["--image-size", "64"]},
        "gan": {"n_images": 5000, "epochs": 1, "entropy_n": 500, "args": []},
        "vae": {"n_images": 5000, "epochs": 1, "args": []},
        "lsun": {"epochs": 1, "args": []},
        "atari": {
            "games": {"coordconv_rl/TargetReach-v0": 100_000, "MsPacman": 20_000},
            "seeds": 3,
            "args": [],
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
