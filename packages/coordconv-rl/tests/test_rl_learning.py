"""Honest learning tests: A2C agents on TargetReach must beat a random policy clearly (CPU).

Seeds and margins were fixed before these tests were first run. The CoordConv agent is tested
with its coordinate weights zero at init (``coord_init="zero"``): with the paper's init it stays
near chance at CI budgets on this sparse task (README: 0.22 +- 0.12 at 60k frames, 5 seeds).
"""

from __future__ import annotations

import os

import numpy as np
import pytest

from coordconv_rl.a2c import A2CConfig, train
from coordconv_rl.games import TINY_ENV_ID
from coordconv_rl.target_reach import TargetReachEnv

DEVICE = os.environ.get("TORCH_DEVICE", "cpu")  # TORCH_DEVICE=cuda: same tests on a GPU


def _random_policy_mean(episodes: int, seed: int) -> float:
    env = TargetReachEnv()
    rng = np.random.default_rng(seed)
    scores = []
    for ep in range(episodes):
        env.reset(seed=seed + ep)
        score, done = 0.0, False
        while not done:
            _, r, terminated, truncated, _ = env.step(int(rng.integers(5)))
            score, done = score + r, terminated or truncated
        scores.append(score)
    return float(np.mean(scores))


COORDCONV_SEEDS = (0, 1, 2)
COORDCONV_FRAMES = 40_000
COORDCONV_MARGIN = 0.2  # over the random policy's ~0.12; its 200-game mean has a s.e. of ~0.04


def _train(tmp_path, frames: int, seed: int, **agent) -> dict:
    """Train on TargetReach (constant lr, 200 evaluation games); returns results.json's dict."""
    cfg = A2CConfig(
        env=TINY_ENV_ID,
        frames=frames,
        seed=seed,
        lr_schedule="constant",
        eval_episodes=200,
        device=DEVICE,
        threads=1,
        progress=False,
        out=tmp_path / "run",
        **agent,
    )
    return train(cfg)


@pytest.mark.slow
def test_a2c_learns_target_reach(tmp_path):
    results = _train(tmp_path, 60_000, 0, model="conv")
    random_mean = _random_policy_mean(200, seed=10_000)
    # random ~0.1 (shaping telescopes, success ~10%); a learnt policy reaches most targets
    assert random_mean < 0.2
    assert results["final_score"] > random_mean + 0.4, (results["final_score"], random_mean)
    assert results["train_last_returns_mean"] > random_mean + 0.3


@pytest.mark.slow
@pytest.mark.parametrize("seed", COORDCONV_SEEDS)
def test_coordconv_learns_target_reach(tmp_path, seed):
    results = _train(tmp_path, COORDCONV_FRAMES, seed, model="coordconv", coord_init="zero")
    random_mean = _random_policy_mean(200, seed=10_000)
    assert random_mean < 0.2
    score = results["final_score"]
    assert score > random_mean + COORDCONV_MARGIN, (seed, score, random_mean)
