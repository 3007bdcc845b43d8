"""A2C episode bookkeeping (S8): when an episode ends, and the lr schedule over the run.

The paper (S8) trained with OpenAI baselines' A2C (after Mnih et al. 2016, "Asynchronous
Methods for Deep Reinforcement Learning"): its ``EpisodicLifeEnv`` makes a lost life the end of
an episode for the value targets while the reported scores are whole games, and its default
schedule decays the learning rate linearly to 0 over the run.
"""

from __future__ import annotations

import numpy as np


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
