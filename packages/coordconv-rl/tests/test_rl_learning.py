"""Honest learning test: A2C on TargetReach must beat a random policy clearly (CPU, ~30 s)."""

from __future__ import annotations

import os

import numpy as np
import pytest

from coordconv_rl.a2c import train
from coordconv_rl.a2c_config import A2CConfig
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


@pytest.mark.slow
def test_a2c_learns_target_reach(tmp_path):
    cfg = A2CConfig(
        env=TINY_ENV_ID,
        model="conv",
        frames=60_000,
        seed=0,
        lr_schedule="constant",
        eval_episodes=200,
        device=DEVICE,
        threads=1,
        progress=False,
        out=tmp_path / "run",
    )
    results = train(cfg)
    random_mean = _random_policy_mean(200, seed=10_000)
    # random ~0.1 (shaping telescopes, success ~10%); a learnt policy reaches most targets
    assert random_mean < 0.2
    assert results["final_score"] > random_mean + 0.4, (results["final_score"], random_mean)
    assert results["train_last_returns_mean"] > random_mean + 0.3
