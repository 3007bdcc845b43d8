"""Which reward the agent learns from, pinned inside the training loop (baselines clips Atari only)."""

from __future__ import annotations

import numpy as np
import pytest

import coordconv_rl.a2c as a2c_module
from coordconv_rl.a2c import A2CConfig, reward_clipper, train
from coordconv_rl.games import TINY_ENV_ID
from coordconv_train import UserError


def _train_capturing_rewards(monkeypatch, tmp_path, **overrides):
    """Run ``train`` and return (raw rewards the envs gave, rewards n_step_returns received)."""
    raw, learnt = [], []
    make_env, returns = a2c_module.make_vector_env, a2c_module.n_step_returns

    def recording_env(*args, **kwargs):
        envs = make_env(*args, **kwargs)
        step = envs.step

        def recorded_step(actions):
            out = step(actions)
            raw.append(np.asarray(out[1], dtype=np.float64).copy())
            return out

        envs.step = recorded_step
        return envs

    def recording_returns(rewards, dones, last_values, gamma):
        learnt.append(rewards.detach().cpu().numpy().copy())
        return returns(rewards, dones, last_values, gamma)

    monkeypatch.setattr(a2c_module, "make_vector_env", recording_env)
    monkeypatch.setattr(a2c_module, "n_step_returns", recording_returns)
    cfg = A2CConfig(
        num_envs=4,
        eval_episodes=0,
        device="cpu",
        threads=1,
        progress=False,
        out=tmp_path / "run",
        **overrides,
    )
    assert train(cfg) is not None
    return np.concatenate([r.ravel() for r in raw]), np.concatenate([r.ravel() for r in learnt])


def test_target_reach_shaping_reaches_the_agent_unclipped(monkeypatch, tmp_path):
    raw, learnt = _train_capturing_rewards(
        monkeypatch, tmp_path, env=TINY_ENV_ID, frames=1600, seed=0
    )
    assert learnt.size == raw.size == 1600
    np.testing.assert_allclose(learnt, raw.astype(np.float32))  # unchanged, step by step
    seen = set(np.round(learnt.astype(np.float64), 6).tolist())
    assert {-0.1, 0.1} <= seen <= {-0.1, 0.0, 0.1, 1.1}  # shaping +-0.1, reaching +1 (+0.1)


def test_target_reach_sign_clip_on_request(monkeypatch, tmp_path):
    raw, learnt = _train_capturing_rewards(
        monkeypatch, tmp_path, env=TINY_ENV_ID, frames=400, seed=0, reward_clip="sign"
    )
    np.testing.assert_array_equal(learnt, np.sign(raw))
    assert {-1.0, 1.0} <= set(learnt.tolist())


def test_atari_rewards_are_sign_clipped(monkeypatch, tmp_path):
    raw, learnt = _train_capturing_rewards(
        monkeypatch, tmp_path, env="ALE/MsPacman-v5", frames=640, seed=0
    )
    assert raw.max() >= 10  # Ms. Pacman's pellets are worth 10 points
    np.testing.assert_array_equal(learnt, np.sign(raw))


def test_reward_clipper_choices():
    r = np.array([-3.0, -0.1, 0.0, 0.1, 25.0])
    np.testing.assert_array_equal(reward_clipper("auto", "ALE/Pong-v5")(r), np.sign(r))
    np.testing.assert_array_equal(reward_clipper("auto", TINY_ENV_ID)(r), r)
    np.testing.assert_array_equal(reward_clipper("none", "ALE/Pong-v5")(r), r)
    np.testing.assert_array_equal(reward_clipper("sign", TINY_ENV_ID)(r), np.sign(r))
    with pytest.raises(UserError, match="reward clip"):
        reward_clipper("tanh", TINY_ENV_ID)
