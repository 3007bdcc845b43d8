"""Honest learning tests on a small generated shapes set (CPU, CI-sized; seeded).

These train real models for a few dozen steps and check the metrics the issue asks for; what
they reach is far from a full 50-epoch run (see the package README).
"""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch

from coordconv_generative.cli import main
from coordconv_generative.models import build_gan
from coordconv_generative.weights import TrainedGenerator, load_generator


@pytest.mark.slow
def test_vae_reconstruction_loss_falls_well_below_its_start(shapes_file, tmp_path):
    out = tmp_path / "vae"
    argv = [
        "vae", "--data", str(shapes_file), "--model", "coordconv-gd", "--width-divisor", "16",
        "--batch-size", "16", "--n-train", "256", "--max-steps", "50", "--device", "cpu",
        "--log-every", "1", "--out", str(out),
    ]  # fmt: skip
    assert main(argv) == 0
    results = json.loads((out / "results.json").read_text())
    records = [json.loads(line) for line in (out / "metrics.jsonl").read_text().splitlines()]
    first = results["first_loss_recon"]
    last = sum(r["loss_recon"] for r in records[-5:]) / 5  # mean of the last 5 steps
    assert first > 0.6  # a sigmoid decoder starts near BCE(0.5) = 0.69
    # "well below": under half its start. This is the level of drawing the white
    # background right (an all-white image scores 0.20 on this set, the mean image 0.124);
    # drawing the objects well needs a longer run (README).
    assert last < 0.5 * first


def _mean_image_distance(images: np.ndarray, real: np.ndarray) -> float:
    """Mean absolute difference (0..255) between the mean generated and mean real image."""
    return float(np.abs(images.astype(float).mean(0) - real.astype(float).mean(0)).mean())


@pytest.mark.slow
def test_coordconv_gan_learns_the_canvas_in_a_ci_sized_run(shapes_file, shapes_data, tmp_path):
    """What 64 GAN iterations on CPU honestly reach: the canvas, not yet the objects.

    The untrained CoordConv generator draws mid-grey (tanh ~ 0: distance ~127 to the mostly
    white data); after 64 iterations (batch 16, widths / 16) it draws the white canvas
    (distance ~7 on the reference machine). Objects need far longer runs: its detector hit
    rate is 0.0 here, and the test only checks that it is reported (README: what a full run
    needs).
    """
    out = tmp_path / "gan"
    argv = [
        "gan", "--data", str(shapes_file), "--model", "coordconv-gd", "--width-divisor", "16",
        "--batch-size", "16", "--max-steps", "64", "--device", "cpu", "--seed", "0",
        "--out", str(out),
    ]  # fmt: skip
    assert main(argv) == 0
    results = json.loads((out / "results.json").read_text())
    assert results["steps"] == 64
    assert 0.0 <= results["detect_rate"] <= 1.0
    real = shapes_data.images[:256]
    z = torch.Generator().manual_seed(0)
    torch.manual_seed(0)
    untrained = build_gan("shapes", "coordconv-gd", width_divisor=16).generator.eval()
    before = TrainedGenerator(untrained, "gan", 256, "untrained", (-1.0, 1.0))
    trained = load_generator(out)
    assert _mean_image_distance(before.images(before.sample_z(128, z)), real) > 100
    assert _mean_image_distance(trained.images(trained.sample_z(128, z)), real) < 25
