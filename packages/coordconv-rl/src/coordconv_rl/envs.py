"""Vectorised environments for the A2C agent (S8): the Atari pipelines and the tiny env.

Every maker returns a gymnasium ``VectorEnv`` with uint8 observations ``(num_envs, C, H, W)``
and *same-step* autoreset (when an episode ends, the observation returned is the first of the
next one), so a rollout is a plain array of transitions. Rewards are *raw* (not clipped) and
``terminated``/``truncated`` end *whole games* (not lives): reward clipping and the value
targets' episode end at a lost life are the agent's (:mod:`coordconv_rl.a2c`: ``episode_ends``,
``reward_clipper``), identically for every backend, and true game scores stay visible.

``ALE/<Game>-v5`` ids get OpenAI baselines' DeepMind wrappers as its A2C stacks them
(:mod:`coordconv_rl.deepmind` over :mod:`coordconv_rl.emulators`): 1-30 no-op frames at a
game's start, 4 frames per agent step max-pooled in colour over the last two, then 84x84 grey,
games cut at 400k emulator frames as ``<Game>NoFrameskip-v4``, no sticky actions by default (as
those), and with ``episodic_life`` a lost life starting a new episode for the agent: the frame
stack is zeroed and the game goes on after a hidden no-op step and, in games with FIRE, FIRE and
action 2 (as after every game's start). Two backends, the same semantics:

- ``ale-vector`` (default): one ``ale_py.AtariVectorEnv`` per env, emulation, frame skip and
  max-pool in C++ threads, the envs of a step run concurrently;
- ``gymnasium``: ``ale_py``'s gymnasium ``AtariEnv`` one frame a step, the rest in Python.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Literal

import gymnasium as gym
import numpy as np

from coordconv_rl.deepmind import DeepMindVectorEnv
from coordconv_rl.emulators import (
    AleVectorEmulator,
    Emulator,
    GymnasiumEmulator,
    max_episode_frames,
)
from coordconv_rl.games import TINY_ENV_ID, rom_id
from coordconv_rl.target_reach import register as register_target_reach
from coordconv_train import UserError

__all__ = [
    "BACKENDS",
    "Backend",
    "lives_of",
    "load_vector_env_state",
    "make_vector_env",
    "max_episode_frames",
    "vector_env_state",
]

Backend = Literal["ale-vector", "gymnasium"]
BACKENDS: tuple[str, ...] = ("ale-vector", "gymnasium")


def make_vector_env(
    env_id: str,
    num_envs: int,
    seed: int,
    backend: Backend = "ale-vector",
    repeat_action_probability: float = 0.0,
    episodic_life: bool = True,
) -> gym.vector.VectorEnv:
    """Build and reset-ready ``num_envs`` copies of ``env_id`` (see module docstring).

    ``episodic_life`` (Atari): a lost life is a new episode for the environment, as baselines'
    ``EpisodicLifeEnv``: frame stack zeroed, FIRE pressed; the agent must end its episodes there
    too (``A2CConfig.episodic_life``)."""
    if num_envs < 1:
        raise UserError(f"num_envs must be >= 1, got {num_envs}")
    if backend not in BACKENDS:
        raise UserError(f"unknown env backend {backend!r}; choose one of {', '.join(BACKENDS)}")
    if env_id == TINY_ENV_ID:
        register_target_reach()
        return _same_step_sync(lambda: gym.make(TINY_ENV_ID), num_envs)
    game, cap = rom_id(env_id), max_episode_frames(env_id)

    def emulator() -> Emulator:
        if backend == "ale-vector":
            return AleVectorEmulator(game, repeat_action_probability, cap)
        return GymnasiumEmulator(env_id, repeat_action_probability, cap)

    emulators: list[Emulator] = []
    try:
        emulators.extend(emulator() for _ in range(num_envs))
    except BaseException:
        for made in emulators:
            made.close()
        raise
    return DeepMindVectorEnv(emulators, episodic_life=episodic_life)


def _same_step_sync(make_env: Callable[[], gym.Env], num_envs: int) -> gym.vector.SyncVectorEnv:
    """``num_envs`` copies of ``make_env()`` stepped in this process, with same-step autoreset."""
    return gym.vector.SyncVectorEnv(
        [make_env for _ in range(num_envs)], autoreset_mode=gym.vector.AutoresetMode.SAME_STEP
    )


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
