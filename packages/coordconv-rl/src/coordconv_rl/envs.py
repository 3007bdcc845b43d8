"""Vectorised environments for the A2C agent (S8): the Atari pipelines and the tiny env.

Every maker returns a gymnasium ``VectorEnv`` with uint8 observations ``(num_envs, C, H, W)``
and *same-step* autoreset (when an episode ends, the observation returned is the first of the
next one), so a rollout is a plain array of transitions. Rewards are *raw* (not clipped) and
episodes are *whole games* (not lives): reward clipping and episodic life are done by the agent
(:mod:`coordconv_rl.a2c`: ``episode_ends``, ``reward_clipper``), identically for every backend, and
true game scores stay visible.

Backends for ``ALE/<Game>-v5`` ids (the baselines ``wrap_deepmind`` preprocessing: 84x84 grey,
max over the last two of 4 skipped frames, 4-frame stack, up to 30 no-op starts, no sticky
actions by default as baselines' ``NoFrameskip-v4`` games):

- ``ale-vector`` (default): ``ale_py.AtariVectorEnv``, emulators and preprocessing in C++ threads;
  also presses FIRE on reset in games that need it (baselines' ``FireResetEnv``).
- ``gymnasium``: ``SyncVectorEnv`` over ``AtariPreprocessing`` + ``FrameStackObservation``, the
  standard Python wrappers (needs opencv); kept as a fallback and as the benchmark's baseline.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Literal

import gymnasium as gym
import numpy as np

from coordconv_rl.games import TINY_ENV_ID, rom_id
from coordconv_rl.target_reach import register as register_target_reach
from coordconv_train import UserError

Backend = Literal["ale-vector", "gymnasium"]
BACKENDS: tuple[str, ...] = ("ale-vector", "gymnasium")
FRAME_SKIP = 4
NOOP_MAX = 30
STACK = 4
SCREEN = 84
MAX_EPISODE_FRAMES = 108_000  # emulator frames (30 minutes of play), as ALE's v5 default


def make_vector_env(
    env_id: str,
    num_envs: int,
    seed: int,
    backend: Backend = "ale-vector",
    repeat_action_probability: float = 0.0,
) -> gym.vector.VectorEnv:
    """Build and reset-ready ``num_envs`` copies of ``env_id`` (see module docstring)."""
    if num_envs < 1:
        raise UserError(f"num_envs must be >= 1, got {num_envs}")
    if backend not in BACKENDS:
        raise UserError(f"unknown env backend {backend!r}; choose one of {', '.join(BACKENDS)}")
    if env_id == TINY_ENV_ID:
        register_target_reach()
        return _same_step_sync(lambda: gym.make(TINY_ENV_ID), num_envs)
    game = rom_id(env_id)
    if backend == "ale-vector":
        from ale_py import AtariVectorEnv

        return AtariVectorEnv(
            game,
            num_envs,
            img_height=SCREEN,
            img_width=SCREEN,
            grayscale=True,
            stack_num=STACK,
            frameskip=FRAME_SKIP,
            maxpool=True,
            noop_max=NOOP_MAX,
            episodic_life=False,  # the agent treats a lost life as terminal (a2c.py)
            reward_clipping=False,  # the agent clips; raw rewards give true scores
            use_fire_reset=True,
            repeat_action_probability=repeat_action_probability,
            max_num_frames_per_episode=MAX_EPISODE_FRAMES,
            autoreset_mode="SameStep",
        )
    return _same_step_sync(lambda: _wrapped_atari(env_id, repeat_action_probability), num_envs)


def _same_step_sync(make_env: Callable[[], gym.Env], num_envs: int) -> gym.vector.SyncVectorEnv:
    """``num_envs`` copies of ``make_env()`` stepped in this process, with same-step autoreset."""
    return gym.vector.SyncVectorEnv(
        [make_env for _ in range(num_envs)], autoreset_mode=gym.vector.AutoresetMode.SAME_STEP
    )


def _wrapped_atari(env_id: str, repeat_action_probability: float) -> gym.Env:
    """One Atari game through gymnasium's standard Python wrappers (order as wrap_deepmind)."""
    import ale_py
    from gymnasium.wrappers import AtariPreprocessing, FrameStackObservation

    gym.register_envs(ale_py)
    env = gym.make(
        env_id,
        frameskip=1,  # AtariPreprocessing skips (and max-pools) instead
        repeat_action_probability=repeat_action_probability,
        max_num_frames_per_episode=MAX_EPISODE_FRAMES,
    )
    env = AtariPreprocessing(
        env,
        noop_max=NOOP_MAX,
        frame_skip=FRAME_SKIP,
        screen_size=SCREEN,
        terminal_on_life_loss=False,
        grayscale_obs=True,
        scale_obs=False,
    )
    return FrameStackObservation(env, STACK)


def lives_of(info: dict, num_envs: int) -> np.ndarray | None:
    """Lives per env from a vector env's info (``None`` for games/envs without lives)."""
    lives = info.get("lives")
    if lives is None:
        return None
    return np.asarray(lives, dtype=np.int64).reshape(num_envs)


def vector_env_state(envs: gym.vector.VectorEnv) -> list[dict[str, Any]] | None:
    """The state of every sub-environment, for a checkpoint, or ``None`` where the backend
    cannot give it: environments stepped in this process whose unwrapped env has
    ``get_state``/``set_state`` (TargetReach) can; Atari's emulators (C++ threads in
    ``ale-vector``) cannot, so a resumed Atari run starts fresh games."""
    subs = getattr(envs, "envs", None)
    if subs is None or not all(hasattr(e.unwrapped, "get_state") for e in subs):
        return None
    return [e.unwrapped.get_state() for e in subs]


def load_vector_env_state(envs: gym.vector.VectorEnv, states: list[dict[str, Any]]) -> None:
    """Put back :func:`vector_env_state` into ``envs``, which must have been reset once."""
    subs = envs.envs  # type: ignore[attr-defined]
    if len(subs) != len(states):
        raise UserError(f"the checkpoint holds {len(states)} environments, the run {len(subs)}")
    for env, state in zip(subs, states, strict=True):
        env.unwrapped.set_state(state)
