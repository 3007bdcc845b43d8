"""A2C episode bookkeeping (S8): when an episode ends, which reward is learnt, the lr schedule.

The paper (S8) trained with OpenAI baselines' A2C (after Mnih et al. 2016, "Asynchronous
Methods for Deep Reinforcement Learning"): its ``EpisodicLifeEnv`` makes a lost life the end of
an episode for the value targets while the reported scores are whole games; its
``ClipRewardEnv`` (inside ``wrap_deepmind``, so Atari only: ``make_vec_env`` wraps no other env
type) trains on the sign of each reward; its default schedule decays the learning rate linearly
to 0 over the run.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from coordconv_rl.games import TINY_ENV_ID
from coordconv_train import UserError

REWARD_CLIPS: tuple[str, ...] = ("auto", "sign", "none")


def episode_ends(
    terminated: np.ndarray,
    truncated: np.ndarray,
    lives: np.ndarray | None,
    new_lives: np.ndarray | None,
    episodic_life: bool,
) -> tuple[np.ndarray, np.ndarray]:
    """``(game_over, done)`` per env after one vector step, both bool ``(N,)``.

    ``game_over``: the game really ended (terminated or truncated; scores are logged then).
    ``done``: the episode ended for the value targets: ``game_over``, or, with ``episodic_life``,
    a life was lost (baselines' ``EpisodicLifeEnv``). With same-step autoreset ``new_lives`` of
    a finished game are the new game's, hence the ``~game_over``.
    """
    game_over = np.asarray(terminated, dtype=bool) | np.asarray(truncated, dtype=bool)
    done = game_over.copy()
    if episodic_life and lives is not None and new_lives is not None:
        done |= (new_lives < lives) & ~game_over
    return game_over, done


def linear_lr(base: float, frames_done: int, total_frames: int) -> float:
    """Baselines' linear schedule: ``base * (1 - frames_done / total_frames)``."""
    return base * max(0.0, 1.0 - frames_done / total_frames)


def reward_clipper(choice: str, env_id: str) -> Callable[[np.ndarray], np.ndarray]:
    """The map from raw rewards ``(N,)`` to the rewards the agent learns from.

    ``sign``: ``np.sign`` (baselines' ``ClipRewardEnv``); ``none``: unchanged; ``auto``: sign on
    Atari games, unchanged on TargetReach (whose +-0.1 shaping would otherwise become +-1, a step
    closer worth as much as reaching the target).
    """
    if choice not in REWARD_CLIPS:
        raise UserError(f"unknown reward clip {choice!r}; choose one of {', '.join(REWARD_CLIPS)}")
    if choice == "auto":
        choice = "none" if env_id == TINY_ENV_ID else "sign"
    return np.sign if choice == "sign" else _unchanged


def _unchanged(rewards: np.ndarray) -> np.ndarray:
    return rewards
