"""One Atari game, stepped one agent step (4 frames) at a time: the two backends' emulators.

What baselines' ``make_atari`` + ``WarpFrame`` give one env, and no more: a game start of 1-30
no-op frames (``NoopResetEnv``), agent steps of 4 frames whose colour frame is the pixel-wise max
of the last two (``MaxAndSkipEnv``), made grey and 84x84 by :func:`warp` (``WarpFrame``), raw
rewards, and games cut at the reference frame cap (:func:`max_episode_frames`). Lives, FIRE and
frame stacks are :mod:`coordconv_rl.deepmind`'s. Each emulator is stepped on its own (``send``
then ``recv``) so that the envs of one vector step run concurrently and one env can take steps
the others do not (FIRE after a lost life). For the same game state both give the same frames.

- :class:`AleVectorEmulator` (backend ``ale-vector``): ``ale_py.AtariVectorEnv`` of one env, its
  emulation, frame skip and max-pool in a C++ thread;
- :class:`GymnasiumEmulator` (backend ``gymnasium``): ``ale_py``'s gymnasium ``AtariEnv``, one
  frame a step, the rest in Python.
"""

from __future__ import annotations

from typing import NamedTuple, Protocol

import gymnasium as gym
import numpy as np

from coordconv_rl.games import rom_id

FRAME_SKIP = 4
NOOP_MAX = 30
SCREEN = 84
ALE_SCREEN = (210, 160)  # every ALE game's screen, height x width
# gym registered <Game>NoFrameskip-v4 (what baselines ran) with max_episode_steps =
# frameskip * 100000 one-frame steps, frameskip being 3 for Space Invaders and 4 otherwise
# (gym/envs/__init__.py, 2018); ALE v5's own default is 108k frames (30 minutes)
MAX_EPISODE_FRAMES = 4 * 100_000
_SHORTER = {"space_invaders": 3 * 100_000}


def max_episode_frames(env_id: str) -> int:
    """The emulator frames after which baselines' ``<Game>NoFrameskip-v4`` cut a game (its
    ``TimeLimit``) for an ``ALE/<Game>-v5`` id: 400,000 (300,000 for Space Invaders)."""
    return _SHORTER.get(rom_id(env_id), MAX_EPISODE_FRAMES)


def warp(frame: np.ndarray) -> np.ndarray:
    """baselines' ``WarpFrame``: an RGB frame ``(210, 160, 3)`` made grey (OpenCV's weights) and
    84x84 (``INTER_AREA``). Grey before the max-pool, as ALE's and gymnasium's own preprocessing
    do, would differ: a pixel whose colour changes between the two frames gets the grey of the
    channel-wise max, not the max of the greys (0.5% of Ms. Pacman's pixels, up to 37 levels)."""
    import cv2

    grey = cv2.cvtColor(frame, cv2.COLOR_RGB2GRAY)
    return cv2.resize(grey, (SCREEN, SCREEN), interpolation=cv2.INTER_AREA)


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
    """``ale_py.AtariVectorEnv`` with one env and a one-frame stack, in its own C++ thread, asked
    for colour frames at the screen's size, max-pooled (then :func:`warp` here).

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
            img_height=ALE_SCREEN[0],  # the screen's own size: no resize in C++
            img_width=ALE_SCREEN[1],
            grayscale=False,
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
        return Step(warp(obs[0, 0]), 0.0, False, False, lives, frames)

    def send(self, action: int) -> None:
        self._action[0] = action
        self._env.send(self._action)

    def recv(self) -> Step:
        obs, reward, terminated, truncated, info = self._env.recv()
        return Step(
            warp(obs[0, 0]),
            float(reward[0]),
            bool(terminated[0]),
            bool(truncated[0]),
            int(info["lives"][0]),
            int(info["episode_frame_number"][0]),
        )

    def close(self) -> None:
        self._env.close()


class GymnasiumEmulator:
    """``ALE/<Game>-v5`` one frame a step, under baselines' ``NoopResetEnv`` (1-30 no-op frames
    drawn with the env's ``np_random``) and ``MaxAndSkipEnv`` (4 frames, max of the last two
    colour frames), then :func:`warp`: baselines' code, in this process."""

    def __init__(self, env_id: str, repeat_action_probability: float, max_frames: int) -> None:
        import ale_py

        gym.register_envs(ale_py)
        self._env = gym.make(
            env_id,
            obs_type="ram",  # the screen is read only where a frame is kept
            frameskip=1,
            repeat_action_probability=repeat_action_probability,
            max_num_frames_per_episode=max_frames,
        ).unwrapped
        self._ale = self._env.ale
        self.action_meanings = tuple(self._env.get_action_meanings())
        self._frames = np.zeros((2, *ALE_SCREEN, 3), dtype=np.uint8)
        self._action = 0

    def reset(self, seed: int | None) -> Step:
        self._env.reset(seed=seed)
        for _ in range(self._env.np_random.integers(1, NOOP_MAX + 1)):
            _, _, terminated, truncated, _ = self._env.step(0)
            if terminated or truncated:
                self._env.reset()
        self._ale.getScreenRGB(self._frames[1])
        return self._step(self._frames[1], 0.0, False, False)

    def send(self, action: int) -> None:
        self._action = action

    def recv(self) -> Step:
        reward, terminated, truncated = 0.0, False, False
        for k in range(FRAME_SKIP):
            _, r, terminated, truncated, _ = self._env.step(self._action)
            if k >= FRAME_SKIP - 2:
                self._ale.getScreenRGB(self._frames[k - FRAME_SKIP + 2])
            reward += float(r)
            if terminated or truncated:
                break
        return self._step(self._frames.max(axis=0), reward, terminated, truncated)

    def _step(self, rgb: np.ndarray, reward: float, terminated: bool, truncated: bool) -> Step:
        return Step(
            warp(rgb),
            reward,
            bool(terminated),
            bool(truncated) and not terminated,
            int(self._ale.lives()),
            int(self._ale.getEpisodeFrameNumber()),
        )

    def close(self) -> None:
        self._env.close()
