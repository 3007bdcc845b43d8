"""The ``gymnasium`` Atari backend against OpenAI baselines' wrappers, transcribed, step by step.

``baselines/common/atari_wrappers.py`` as its A2C stacks them: ``make_atari`` (``NoopResetEnv``,
``MaxAndSkipEnv``), a ``Monitor`` (the true game scores), ``wrap_deepmind`` (``EpisodicLifeEnv``,
``FireResetEnv``, ``WarpFrame``; ``ClipRewardEnv`` left out: rewards are compared raw), then
``SubprocVecEnv``'s reset where ``done`` and ``VecFrameStack(4)``'s zeros where ``done``. The code
below is baselines' with gymnasium's 5-tuple ``step`` turned into its 4-tuple at the bottom
(``done = terminated or truncated``), over the one-frame ``ALE/<Game>-v5`` with the reference
400k-frame cap. Both backends give the same frames for the same game
(``test_rl_atari_wrappers.py``), so this pins ``ale-vector`` too, up to its no-op draws.
"""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from coordconv_rl.a2c import episode_ends
from coordconv_rl.envs import make_vector_env, max_episode_frames


class _Wrapper:
    def __init__(self, env):
        self.env, self.unwrapped = env, env.unwrapped

    def reset(self, **kwargs):
        return self.env.reset(**kwargs)

    def step(self, action):
        return self.env.step(action)


class _NoopResetEnv(_Wrapper):
    """atari_wrappers.py lines 12-39 (``randint(1, noop_max + 1)``: numpy's ``integers``)."""

    def __init__(self, env, noop_max=30):
        super().__init__(env)
        self.noop_max = noop_max

    def reset(self, **kwargs):
        self.env.reset(**kwargs)
        noops = self.unwrapped.np_random.integers(1, self.noop_max + 1)
        obs = None
        for _ in range(noops):
            obs, _, done, _ = self.step(0)
            if done:
                obs, _ = self.env.reset(**kwargs)
        return obs

    def step(self, action):
        obs, reward, terminated, truncated, info = self.env.step(action)
        return obs, reward, terminated or truncated, info


class _MaxAndSkipEnv(_Wrapper):
    """atari_wrappers.py lines 97-123."""

    def __init__(self, env, skip=4):
        super().__init__(env)
        self._obs_buffer = np.zeros((2, 210, 160, 3), dtype=np.uint8)
        self._skip = skip

    def step(self, action):
        total_reward = 0.0
        done = info = None
        for i in range(self._skip):
            obs, reward, done, info = self.env.step(action)
            if i == self._skip - 2:
                self._obs_buffer[0] = obs
            if i == self._skip - 1:
                self._obs_buffer[1] = obs
            total_reward += reward
            if done:
                break
        max_frame = self._obs_buffer.max(axis=0)
        return max_frame, total_reward, done, info


class _Monitor(_Wrapper):
    """baselines.bench.Monitor's score: every reward between two real resets."""

    def __init__(self, env):
        super().__init__(env)
        self.score, self.scores = 0.0, []

    def reset(self, **kwargs):
        self.score = 0.0
        return self.env.reset(**kwargs)

    def step(self, action):
        obs, reward, done, info = self.env.step(action)
        self.score += reward
        if done:
            self.scores.append(self.score)
        return obs, reward, done, info


class _EpisodicLifeEnv(_Wrapper):
    """atari_wrappers.py lines 61-95."""

    def __init__(self, env):
        super().__init__(env)
        self.lives, self.was_real_done = 0, True

    def step(self, action):
        obs, reward, done, info = self.env.step(action)
        self.was_real_done = done
        lives = self.env.unwrapped.ale.lives()
        if lives < self.lives and lives > 0:
            done = True
        self.lives = lives
        return obs, reward, done, info

    def reset(self, **kwargs):
        if self.was_real_done:
            obs = self.env.reset(**kwargs)
        else:
            obs, _, _, _ = self.env.step(0)
        self.lives = self.env.unwrapped.ale.lives()
        return obs


class _FireResetEnv(_Wrapper):
    """atari_wrappers.py lines 41-59."""

    def reset(self, **kwargs):
        self.env.reset(**kwargs)
        obs, _, done, _ = self.env.step(1)
        if done:
            self.env.reset(**kwargs)
        obs, _, done, _ = self.env.step(2)
        if done:
            self.env.reset(**kwargs)
        return obs


class _WarpFrame(_Wrapper):
    """atari_wrappers.py lines 134-185 (grey, 84x84, no dict key; the channel axis left off)."""

    def observation(self, frame):
        frame = cv2.cvtColor(frame, cv2.COLOR_RGB2GRAY)
        return cv2.resize(frame, (84, 84), interpolation=cv2.INTER_AREA)

    def reset(self, **kwargs):
        return self.observation(self.env.reset(**kwargs))

    def step(self, action):
        obs, reward, done, info = self.env.step(action)
        return self.observation(obs), reward, done, info


def _baselines_env(env_id: str):
    """One env as baselines' A2C builds it (no ClipRewardEnv), and its Monitor."""
    import ale_py
    import gymnasium as gym

    gym.register_envs(ale_py)
    env = gym.make(
        env_id,
        frameskip=1,
        repeat_action_probability=0.0,
        max_num_frames_per_episode=max_episode_frames(env_id),
    )
    monitor = _Monitor(_MaxAndSkipEnv(_NoopResetEnv(env)))
    env = _EpisodicLifeEnv(monitor)
    if "FIRE" in env.unwrapped.get_action_meanings():
        env = _FireResetEnv(env)
    return _WarpFrame(env), monitor


@pytest.mark.parametrize(
    ("env_id", "min_games"),
    [("ALE/Breakout-v5", 6), ("ALE/MsPacman-v5", 1)],  # FIRE, 5 lives; no FIRE, 3 lives
)
def test_the_gymnasium_backend_is_baselines_step_by_step(env_id, min_games):
    """Observations, rewards, ``done`` (a lost life or the game's end) and game scores of the
    ``gymnasium`` backend equal those of the transcribed wrappers, on a random policy."""
    num_envs, seed, steps = 2, 5, 1_200
    built = [_baselines_env(env_id) for _ in range(num_envs)]
    reference, monitors = [env for env, _ in built], [monitor for _, monitor in built]
    stacked = np.zeros((num_envs, 4, 84, 84), dtype=np.uint8)  # VecFrameStack.reset
    for i, env in enumerate(reference):
        stacked[i, -1] = env.reset(seed=seed + i)
    ours = make_vector_env(env_id, num_envs, seed=seed, backend="gymnasium")
    try:
        obs, info = ours.reset(seed=seed)
        np.testing.assert_array_equal(obs, stacked)
        lives, scores, games = info["lives"].copy(), np.zeros(num_envs), []
        rng = np.random.default_rng(0)
        for _ in range(steps):
            actions = rng.integers(0, ours.single_action_space.n, num_envs)
            frames, rewards, dones = [], [], []
            for env, action in zip(reference, actions, strict=True):  # SubprocVecEnv
                frame, reward, done, _ = env.step(int(action))
                frames.append(env.reset() if done else frame)
                rewards.append(reward)
                dones.append(done)
            stacked = np.roll(stacked, shift=-1, axis=1)  # VecFrameStack.step_wait
            stacked[np.array(dones)] = 0
            stacked[:, -1] = np.stack(frames)
            obs, r, terminated, truncated, info = ours.step(actions)
            game_over, done = episode_ends(terminated, truncated, lives, info["lives"], True)
            lives = info["lives"].copy()
            np.testing.assert_array_equal(obs, stacked)
            np.testing.assert_array_equal(r, rewards)
            np.testing.assert_array_equal(done, dones)
            scores += r + info["hidden_reward"]
            for i in np.flatnonzero(game_over):
                games.append((i, scores[i]))
                scores[i] = 0.0
    finally:
        ours.close()
    for i, monitor in enumerate(monitors):
        assert [score for j, score in games if j == i] == monitor.scores
    assert len(games) >= min_games  # whole games compared, their scores too
