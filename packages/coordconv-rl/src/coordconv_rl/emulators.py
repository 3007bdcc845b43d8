"""One Atari game, stepped one agent step (4 frames) at a time: the two backends' emulators.

What baselines' ``make_atari`` + ``WarpFrame`` give one env, and no more: a game start of 1-30
no-op frames (``NoopResetEnv``), agent steps of 4 frames whose observation is the max of the last
two (``MaxAndSkipEnv``), 84x84 grey frames (``WarpFrame``; ALE's grey palette, see the README),
raw rewards, and games cut at the reference frame cap (:func:`max_episode_frames`). Lives, FIRE
and frame stacks are :mod:`coordconv_rl.deepmind`'s. Each emulator is stepped on its own
(``send`` then ``recv``) so that the envs of one vector step run concurrently and one env can take
steps the others do not (FIRE after a lost life).

- :class:`AleVectorEmulator` (backend ``ale-vector``): ``ale_py.AtariVectorEnv`` of one env, its
  emulation and preprocessing in a C++ thread;
- :class:`GymnasiumEmulator` (backend ``gymnasium``): gymnasium's ``AtariPreprocessing`` in Python.
"""

from __future__ import annotations

from typing import NamedTuple, Protocol

import gymnasium as gym
import numpy as np

from coordconv_rl.games import rom_id

FRAME_SKIP = 4
NOOP_MAX = 30
SCREEN = 84
# gym registered <Game>NoFrameskip-v4 (what baselines ran) with max_episode_steps =
# frameskip * 100000 one-frame steps, frameskip being 3 for Space Invaders and 4 otherwise
# (gym/envs/__init__.py, 2018); ALE v5's own default is 108k frames (30 minutes)
MAX_EPISODE_FRAMES = 4 * 100_000
_SHORTER = {"space_invaders": 3 * 100_000}


def max_episode_frames(env_id: str) -> int:
    """The emulator frames after which baselines' ``<Game>NoFrameskip-v4`` cut a game (its
    ``TimeLimit``) for an ``ALE/<Game>-v5`` id: 400,000 (300,000 for Space Invaders)."""
    return _SHORTER.get(rom_id(env_id), MAX_EPISODE_FRAMES)


class Step(NamedTuple):
    """One agent step (or a game start) of one emulator."""

    frame: np.ndarray  # (84, 84) uint8
    reward: float  # raw
    game_over: bool
    truncated: bool  # cut at the frame cap (and not over)
    lives: int
    episode_frame: int  # emulator frames since the game's reset, its no-op start included


class Emulator(Protocol):
    """What :class:`coordconv_rl.deepmind.DeepMindVectorEnv` steps: one game."""

    action_meanings: tuple[str, ...]

    def reset(self, seed: int | None) -> Step:
        """A new game after 1-30 no-op frames (reseeded first if ``seed`` is given)."""
        ...

    def send(self, action: int) -> None:
        """Start one agent step; :meth:`recv` returns it."""
        ...

    def recv(self) -> Step: ...

    def close(self) -> None: ...


class AleVectorEmulator:
    """``ale_py.AtariVectorEnv`` with one env and a one-frame stack, in its own C++ thread.

    Its C++ no-op start draws 0 to ``noop_max - 1`` frames: asked for 0-30, a draw of 0 is
    redrawn, which gives baselines' 1-30 exactly. FIRE on reset, episodic life, reward clipping
    and frame stacking are left off here (the C++ versions differ from baselines'). Its frame cap
    counts from the end of the no-op start (gymnasium's and gym's from the reset): a game that
    reaches the cap lasts its 1-30 no-op frames longer.
    """

    def __init__(self, game: str, repeat_action_probability: float, max_frames: int) -> None:
        from ale_py import AtariVectorEnv

        self._env = AtariVectorEnv(
            game,
            1,
            num_threads=1,
            img_height=SCREEN,
            img_width=SCREEN,
            grayscale=True,
            stack_num=1,
            frameskip=FRAME_SKIP,
            maxpool=True,
            noop_max=NOOP_MAX + 1,
            episodic_life=False,
            reward_clipping=False,
            use_fire_reset=False,
            repeat_action_probability=repeat_action_probability,
            max_num_frames_per_episode=max_frames,
            autoreset_mode="NextStep",  # never reached: a finished game is reset explicitly
        )
        self.action_meanings = tuple(a.name for a in self._env.ale.get_action_set())
        self._action = np.zeros(1, dtype=np.int64)

    def reset(self, seed: int | None) -> Step:
        obs, info = self._env.reset(seed=seed)
        while info["episode_frame_number"][0] == 0:  # no no-op frame: draw again
            obs, info = self._env.reset()
        lives, frames = int(info["lives"][0]), int(info["episode_frame_number"][0])
        return Step(obs[0, 0], 0.0, False, False, lives, frames)

    def send(self, action: int) -> None:
        self._action[0] = action
        self._env.send(self._action)

    def recv(self) -> Step:
        obs, reward, terminated, truncated, info = self._env.recv()
        return Step(
            obs[0, 0],
            float(reward[0]),
            bool(terminated[0]),
            bool(truncated[0]),
            int(info["lives"][0]),
            int(info["episode_frame_number"][0]),
        )

    def close(self) -> None:
        self._env.close()


class GymnasiumEmulator:
    """gymnasium's ``AtariPreprocessing`` (1-30 no-op frames drawn with the env's
    ``np_random`` as baselines' ``NoopResetEnv``, max over the last 2 of 4 frames, 84x84 grey)
    over a one-frame ``ALE/<Game>-v5``; needs opencv."""

    def __init__(self, env_id: str, repeat_action_probability: float, max_frames: int) -> None:
        import ale_py
        from gymnasium.wrappers import AtariPreprocessing

        gym.register_envs(ale_py)
        env = gym.make(
            env_id,
            frameskip=1,  # AtariPreprocessing skips (and max-pools) instead
            repeat_action_probability=repeat_action_probability,
            max_num_frames_per_episode=max_frames,
        )
        self.action_meanings = tuple(env.unwrapped.get_action_meanings())
        self._env = AtariPreprocessing(
            env,
            noop_max=NOOP_MAX,
            frame_skip=FRAME_SKIP,
            screen_size=SCREEN,
            terminal_on_life_loss=False,
            grayscale_obs=True,
            scale_obs=False,
        )
        self._action = 0

    def reset(self, seed: int | None) -> Step:
        frame, info = self._env.reset(seed=seed)
        return Step(frame, 0.0, False, False, int(info["lives"]), int(info["episode_frame_number"]))

    def send(self, action: int) -> None:
        self._action = action

    def recv(self) -> Step:
        frame, reward, terminated, truncated, info = self._env.step(self._action)
        return Step(
            frame,
            float(reward),
            bool(terminated),
            bool(truncated) and not terminated,
            int(info["lives"]),
            int(info["episode_frame_number"]),
        )

    def close(self) -> None:
        self._env.close()
