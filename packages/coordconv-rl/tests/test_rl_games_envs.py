"""Game names, ROM ids, the env pipelines and the tiny TargetReach environment."""

from __future__ import annotations

import gymnasium as gym
import numpy as np
import pytest

from coordconv_rl.envs import make_vector_env
from coordconv_rl.games import PAPER_GAMES, TINY_ENV_ID, paper_score, resolve_env_id, rom_id
from coordconv_rl.target_reach import TargetReachEnv, register
from coordconv_train import UserError


@pytest.mark.parametrize("name", ["MsPacman", "ms_pacman", "Ms. Pacman", "ALE/MsPacman-v5"])
def test_resolve_env_id(name):
    assert resolve_env_id(name) == "ALE/MsPacman-v5"


def test_all_table_s7_games_have_roms():
    roms = [rom_id(g) for g in PAPER_GAMES]
    assert roms == [
        "alien",
        "bank_heist",
        "ms_pacman",
        "robotank",
        "centipede",
        "asterix",
        "asteroids",
        "amidar",
        "seaquest",
    ]
    assert paper_score("ALE/Asterix-v5").coordconv == 35300.0
    assert paper_score("ALE/Pong-v5") is None


def test_unknown_game():
    with pytest.raises(UserError, match="unknown environment"):
        resolve_env_id("Zork")
    with pytest.raises(UserError, match="unknown Atari environment"):
        rom_id("ALE/NoSuchGame-v5")


# The backends' observations are pinned pixel for pixel by test_rl_atari_baselines.py (the
# gymnasium backend against a line-by-line transcription of baselines' wrappers) and
# test_rl_atari_wrappers.py (both backends give the same steps for the same game).


def test_target_reach_step_semantics():
    env = TargetReachEnv(size=5, shaping=0.0)
    obs, info = env.reset(seed=0)
    assert obs.shape == (2, 5, 5)
    assert obs.dtype == np.uint8
    assert obs[0].sum() == 255
    assert obs[1].sum() == 255
    env._agent, env._target = np.array([2, 2]), np.array([2, 3])
    obs, reward, terminated, truncated, info = env.step(0)  # stay
    assert (reward, terminated, truncated) == (0.0, False, False)
    obs, reward, terminated, truncated, info = env.step(4)  # right: onto the target
    assert (reward, terminated, info["distance"]) == (1.0, True, 0)
    env.reset(seed=1)
    env._agent, env._target = np.array([0, 0]), np.array([4, 4])
    _, _, _, _, info = env.step(1)  # up at the border: clipped
    assert info["distance"] == 8


def test_target_reach_shaping_and_truncation():
    env = TargetReachEnv(size=5, max_steps=2, shaping=0.1)
    env.reset(seed=0)
    env._agent, env._target = np.array([0, 0]), np.array([4, 4])
    _, reward, _, truncated, _ = env.step(2)  # down: one step closer
    assert reward == pytest.approx(0.1)
    assert not truncated
    _, reward, _, truncated, _ = env.step(1)  # up: one step farther, and out of steps
    assert reward == pytest.approx(-0.1)
    assert truncated


def test_target_reach_registered_and_passes_env_checker():
    from gymnasium.utils.env_checker import check_env

    register()
    register()  # idempotent
    env = gym.make(TINY_ENV_ID)
    check_env(env.unwrapped, skip_render_check=True)
    with pytest.raises(ValueError, match="invalid action"):
        env.unwrapped.step(7)


def test_a_saved_target_reach_vector_env_continues_exactly_as_the_original():
    """What a checkpoint keeps of the games in progress: a copy built from the saved state
    steps (and autoresets, drawing from the saved RNG) exactly like the original."""
    from coordconv_rl.envs import load_vector_env_state, vector_env_state

    original = make_vector_env(TINY_ENV_ID, 3, seed=7)
    original.reset(seed=7)
    rng = np.random.default_rng(0)
    for _ in range(25):  # past the 18-step truncation: some games have restarted
        original.step(rng.integers(0, 5, size=3))
    saved = vector_env_state(original)
    copy = make_vector_env(TINY_ENV_ID, 3, seed=99)
    copy.reset(seed=99)  # other games, until the state is put back
    load_vector_env_state(copy, saved)
    for _ in range(60):
        actions = rng.integers(0, 5, size=3)
        a, b = original.step(actions), copy.step(actions)
        for x, y in zip(a[:4], b[:4], strict=True):
            np.testing.assert_array_equal(x, y)
    with pytest.raises(UserError, match="holds 3 environments, the run 2"):
        load_vector_env_state(make_vector_env(TINY_ENV_ID, 2, seed=0), saved)


def test_atari_vector_env_state_is_not_offered():
    from coordconv_rl.envs import vector_env_state

    envs = make_vector_env(resolve_env_id("MsPacman"), 1, seed=0)
    try:
        assert vector_env_state(envs) is None
    finally:
        envs.close()
