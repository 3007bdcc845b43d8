"""TargetReach: a tiny pixel environment where where-things-are decides the action.

Not from the paper: a CI-sized stand-in for Atari (S8) that proves the A2C agent learns in
seconds on a CPU and compares conv with CoordConv on a task whose answer depends on position.

The agent sees a ``(2, size, size)`` uint8 image: channel 0 holds the agent's pixel, channel 1
the target's (255 where present, 0 elsewhere). Actions: 0 stay, 1 up, 2 down, 3 left, 4 right
(moves are clipped at the border). Reaching the target gives +1 and ends the episode; every other
step costs ``step_penalty`` (default 0: the discount already favours short paths); an episode
is truncated after ``max_steps`` (default ``2 * size``). ``shaping`` (default 0.1) adds
``shaping * (old - new Manhattan distance)`` each step, a potential-based shaping that keeps the
optimal policy and makes the task learnable in ~40k frames; the agent learns from these rewards
unclipped (``--reward-clip auto``: clipping is for Atari). A random policy scores about 0.12
(its success rate of ~0.1, plus shaping that telescopes to about 0); the optimum is about 1.6.
Both positions are drawn uniformly at random (different cells) at every reset, so the policy must
read the relative position of two pixels off the image, the kind of coordinate transform that
CoordConv (section 3 of the paper) makes easy.

Registered with gymnasium as ``coordconv_rl/TargetReach-v0``; also constructible directly.
"""

from __future__ import annotations

from typing import Any, ClassVar

import gymnasium as gym
import numpy as np
from gymnasium import spaces

# (row, col) step of each action: stay, up, down, left, right
MOVES = np.array([[0, 0], [-1, 0], [1, 0], [0, -1], [0, 1]], dtype=np.int64)


class TargetReachEnv(gym.Env[np.ndarray, int]):
    """Move a pixel onto a target pixel in a ``size x size`` image (see module docstring)."""

    metadata: ClassVar[dict[str, Any]] = {"render_modes": ["rgb_array"]}

    def __init__(
        self,
        size: int = 9,
        max_steps: int | None = None,
        step_penalty: float = 0.0,
        shaping: float = 0.1,
        render_mode: str | None = None,
    ) -> None:
        if size < 2:
            raise ValueError(f"TargetReach needs size >= 2, got {size}")
        self.size = size
        self.max_steps = max_steps if max_steps is not None else 2 * size
        self.step_penalty = step_penalty
        self.shaping = shaping
        self.render_mode = render_mode
        self.observation_space = spaces.Box(0, 255, shape=(2, size, size), dtype=np.uint8)
        self.action_space = spaces.Discrete(len(MOVES))
        self._agent = np.zeros(2, dtype=np.int64)  # (row, col)
        self._target = np.zeros(2, dtype=np.int64)
        self._steps = 0

    def _obs(self) -> np.ndarray:
        obs = np.zeros((2, self.size, self.size), dtype=np.uint8)
        obs[0, self._agent[0], self._agent[1]] = 255
        obs[1, self._target[0], self._target[1]] = 255
        return obs

    def _info(self) -> dict[str, Any]:
        return {"distance": int(np.abs(self._agent - self._target).sum())}

    def reset(
        self, *, seed: int | None = None, options: dict[str, Any] | None = None
    ) -> tuple[np.ndarray, dict[str, Any]]:
        super().reset(seed=seed)
        cells = self.np_random.choice(self.size * self.size, size=2, replace=False)
        self._agent = np.array(divmod(int(cells[0]), self.size), dtype=np.int64)
        self._target = np.array(divmod(int(cells[1]), self.size), dtype=np.int64)
        self._steps = 0
        return self._obs(), self._info()

    def step(self, action: int) -> tuple[np.ndarray, float, bool, bool, dict[str, Any]]:
        if not self.action_space.contains(action):
            raise ValueError(f"invalid action {action!r}; expected 0..{len(MOVES) - 1}")
        before = int(np.abs(self._agent - self._target).sum())
        self._agent = np.clip(self._agent + MOVES[int(action)], 0, self.size - 1)
        self._steps += 1
        reached = bool((self._agent == self._target).all())
        after = int(np.abs(self._agent - self._target).sum())
        reward = self.shaping * (before - after) + (1.0 if reached else -self.step_penalty)
        truncated = not reached and self._steps >= self.max_steps
        return self._obs(), reward, reached, truncated, self._info()

    def get_state(self) -> dict[str, Any]:
        """Everything a later step depends on (positions, step count, the RNG), JSON-able."""
        return {
            "agent": self._agent.tolist(),
            "target": self._target.tolist(),
            "steps": self._steps,
            "rng": self.np_random.bit_generator.state,
        }

    def set_state(self, state: dict[str, Any]) -> None:
        """Put back a :meth:`get_state`: the env continues exactly as the one it came from."""
        self._agent = np.array(state["agent"], dtype=np.int64)
        self._target = np.array(state["target"], dtype=np.int64)
        self._steps = int(state["steps"])
        self.np_random.bit_generator.state = state["rng"]

    def render(self) -> np.ndarray:
        """RGB image: agent red, target green, ``(size, size, 3)`` uint8."""
        obs = self._obs()
        return np.stack([obs[0], obs[1], np.zeros_like(obs[0])], axis=-1)


def register() -> None:
    """Register ``coordconv_rl/TargetReach-v0`` with gymnasium (idempotent)."""
    from coordconv_rl.games import TINY_ENV_ID

    if TINY_ENV_ID not in gym.registry:
        gym.register(TINY_ENV_ID, entry_point=TargetReachEnv)
