"""OpenAI baselines' DeepMind wrappers around Atari emulators, as one vector env.

Baselines' A2C runs each game as ``wrap_deepmind(make_atari(<Game>NoFrameskip-v4))`` in a
``SubprocVecEnv`` (an env whose ``done`` is true is reset in the same step) under
``VecFrameStack(4)``. Over the emulators of :mod:`coordconv_rl.emulators` (no-op start, frame
skip with max-pool, 84x84 grey, frame cap) this class adds the rest, as those wrappers do:

- ``EpisodicLifeEnv`` (``episodic_life``): a lost life (lives fall and stay above 0:
  :func:`life_lost`) is a ``done``; the reset that follows plays one no-op step instead of
  restarting the game;
- ``FireResetEnv`` (games whose actions include FIRE): every reset, of a game or after a lost
  life, is followed by a FIRE step and an action-2 step;
- ``VecFrameStack``: the last 4 frames, the stack zeroed where ``done`` (and at ``reset``), so a
  new episode starts as ``[0, 0, 0, f]``.

The reset's steps are *hidden*: the agent sees only the frame after them (the observation a reset
returns), neither their frames nor their rewards. Their rewards after a lost life belong to the
game in progress (baselines' ``Monitor`` sits inside these wrappers and counts them) and come in
``info["hidden_reward"]``, for game scores only. ``rewards`` stay raw and ``terminated`` /
``truncated`` mean the *game* ended: the agent clips rewards and ends its episodes on a lost life
itself (:func:`coordconv_rl.a2c.episode_ends`, by the same :func:`life_lost`), as it does on
environments without lives. Observations are uint8 ``(num_envs, 4, 84, 84)``, autoreset is
same-step.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import gymnasium as gym
import numpy as np
from gymnasium.spaces import Box, Discrete
from gymnasium.vector.utils import batch_space

from coordconv_rl.emulators import SCREEN, Emulator, Step

STACK = 4
NOOP, FIRE, AFTER_FIRE = 0, 1, 2  # FireResetEnv presses action 1 (FIRE), then action 2


def life_lost(lives: np.ndarray, new_lives: np.ndarray) -> np.ndarray:
    """baselines' ``EpisodicLifeEnv``: a step lost a life if ``new_lives < lives`` and
    ``new_lives > 0`` (at 0 the game is over or about to be: the real end will say so)."""
    return (np.asarray(new_lives) < np.asarray(lives)) & (np.asarray(new_lives) > 0)


def _ended(step: Step) -> bool:
    return step.game_over or step.truncated


class DeepMindVectorEnv(gym.vector.VectorEnv):
    """``len(emulators)`` games behind baselines' wrappers (see the module docstring)."""

    def __init__(self, emulators: Sequence[Emulator], *, episodic_life: bool) -> None:
        if not emulators:
            raise ValueError("no emulators")
        self._emulators = list(emulators)
        self._episodic_life = episodic_life
        meanings = self._emulators[0].action_meanings
        self._fire = "FIRE" in meanings  # wrap_deepmind's condition for FireResetEnv
        if self._fire and (meanings[FIRE] != "FIRE" or len(meanings) < 3):
            raise ValueError(f"FireResetEnv needs FIRE as action 1 of 3 or more: {meanings}")
        self.num_envs = len(self._emulators)
        self.single_observation_space = Box(0, 255, (STACK, SCREEN, SCREEN), np.uint8)
        self.single_action_space = Discrete(len(meanings))
        self.observation_space = batch_space(self.single_observation_space, self.num_envs)
        self.action_space = batch_space(self.single_action_space, self.num_envs)
        self.metadata = {"autoreset_mode": gym.vector.AutoresetMode.SAME_STEP}
        self._stack = np.zeros((self.num_envs, STACK, SCREEN, SCREEN), dtype=np.uint8)
        self._lives = np.zeros(self.num_envs, dtype=np.int64)

    def reset(
        self, *, seed: int | None = None, options: dict[str, Any] | None = None
    ) -> tuple[np.ndarray, dict[str, np.ndarray]]:
        """New games in every env, env ``i`` seeded with ``seed + i`` if ``seed`` is given."""
        super().reset(seed=seed)
        starts = [
            self._reset_env(i, after_lost_life=False, seed=None if seed is None else seed + i)[0]
            for i in range(self.num_envs)
        ]
        stack = np.zeros_like(self._stack)
        stack[:, -1] = np.stack([s.frame for s in starts])
        self._stack = stack
        self._lives = np.array([s.lives for s in starts], dtype=np.int64)
        return stack, self._info(starts, np.zeros(self.num_envs))

    def step(
        self, actions: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, dict[str, np.ndarray]]:
        """One agent step of every env (concurrently), then the resets where ``done``."""
        for emulator, action in zip(self._emulators, np.asarray(actions), strict=True):
            emulator.send(int(action))
        steps = [emulator.recv() for emulator in self._emulators]
        rewards = np.array([s.reward for s in steps], dtype=np.float64)
        terminated = np.array([s.game_over for s in steps])
        truncated = np.array([s.truncated for s in steps])
        lost = np.zeros(self.num_envs, dtype=bool)
        if self._episodic_life:
            lives = np.array([s.lives for s in steps], dtype=np.int64)
            lost = life_lost(self._lives, lives) & ~(terminated | truncated)
        hidden = np.zeros(self.num_envs)
        for i in np.flatnonzero(terminated | truncated | lost):
            steps[i], hidden[i], ended = self._reset_env(i, after_lost_life=bool(lost[i]))
            if ended is not None:  # a hidden step after the lost life ended the game
                terminated[i], truncated[i] = ended.game_over, ended.truncated
        stack = np.roll(self._stack, shift=-1, axis=1)  # a new array: earlier ones stay intact
        stack[terminated | truncated | lost] = 0
        stack[:, -1] = np.stack([s.frame for s in steps])
        self._stack = stack
        self._lives = np.array([s.lives for s in steps], dtype=np.int64)
        return stack, rewards, terminated, truncated, self._info(steps, hidden)

    def _reset_env(
        self, i: int, *, after_lost_life: bool, seed: int | None = None
    ) -> tuple[Step, float, Step | None]:
        """Env ``i``'s reset where ``done``: ``FireResetEnv.reset`` over ``EpisodicLifeEnv.reset``.

        Returns the step the agent sees, the reward of the hidden steps that belong to the game
        in progress (after a lost life, until that game ends) and the hidden step that ended
        that game, if one did. A hidden step that ends the game resets it at once and the agent
        sees the new game (baselines notices an end in ``EpisodicLifeEnv``'s no-op step one
        agent step later, and after an end in ``FireResetEnv``'s steps shows the frame before
        its reset: corners that only a game ending within a few frames of a reset reaches).
        """
        emulator = self._emulators[i]
        reward, ended = 0.0, None

        def hidden(action: int) -> Step:
            nonlocal reward, ended
            emulator.send(action)
            step = emulator.recv()
            if after_lost_life and ended is None:
                reward += step.reward
                if _ended(step):
                    ended = step
            return emulator.reset(None) if _ended(step) else step

        step = hidden(NOOP) if after_lost_life else emulator.reset(seed)
        if self._fire:
            for action in (FIRE, AFTER_FIRE):
                lives = step.lives
                step = hidden(action)
                if self._episodic_life and life_lost(lives, step.lives):
                    step = hidden(NOOP)  # a done inside FireResetEnv.reset: a reset, no-op step
        return step, reward, ended

    def _info(self, steps: list[Step], hidden: np.ndarray) -> dict[str, np.ndarray]:
        return {
            "lives": np.array([s.lives for s in steps], dtype=np.int64),
            "episode_frame_number": np.array([s.episode_frame for s in steps], dtype=np.int64),
            "hidden_reward": hidden,
        }

    def close_extras(self, **kwargs: Any) -> None:
        """Close every emulator."""
        for emulator in self._emulators:
            emulator.close()
