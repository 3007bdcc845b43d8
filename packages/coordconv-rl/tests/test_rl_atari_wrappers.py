"""The Atari environments against OpenAI baselines' DeepMind wrappers, as its A2C stacks them.

Reference: ``baselines/common/atari_wrappers.py`` (``make_atari``: ``NoopResetEnv(noop_max=30)``,
``MaxAndSkipEnv(skip=4)``; ``wrap_deepmind``: ``EpisodicLifeEnv``, ``FireResetEnv`` for games
whose actions include FIRE, ``WarpFrame``, ``ClipRewardEnv``), ``SubprocVecEnv`` (reset on
``done``) and ``VecFrameStack(4)`` (a stack zeroed where ``done``), over gym's
``<Game>NoFrameskip-v4`` (``max_episode_steps = 4 * 100000`` one-frame steps). Every test runs on
both backends, and the two give the same frames for the same game; ``test_rl_atari_baselines.py``
compares the ``gymnasium`` backend step by step with a transcription of those wrappers.
"""

from __future__ import annotations

import numpy as np
import pytest

from coordconv_rl.a2c import episode_ends
from coordconv_rl.emulators import AleVectorEmulator, GymnasiumEmulator
from coordconv_rl.envs import BACKENDS, make_vector_env, max_episode_frames

BREAKOUT = "ALE/Breakout-v5"  # stands still until FIRE; 5 lives
FIRE_STEPS_FRAMES = 8  # FireResetEnv's FIRE then action 2: two agent steps of 4 frames


def _noops(envs) -> np.ndarray:
    return np.zeros(envs.num_envs, dtype=np.int64)


def _assert_fresh_stack(stack: np.ndarray, steps_since_new_episode: int) -> None:
    """VecFrameStack: zeros, then the frames of the episode so far (Breakout's walls are never 0)."""
    zeros = max(0, stack.shape[0] - 1 - steps_since_new_episode)
    assert (stack[:zeros] == 0).all()
    assert all(stack[k].any() for k in range(zeros, stack.shape[0]))


@pytest.mark.parametrize("backend", BACKENDS)
def test_fire_after_every_lost_life_lets_a_noop_agent_lose_the_game(backend):
    """EpisodicLifeEnv makes a lost life a ``done``, the vec env resets, and that (soft) reset is
    a no-op step then FireResetEnv's FIRE and action 2: an agent that never presses FIRE still
    loses all five lives of Breakout. Without the FIRE the ball never comes back."""
    envs = make_vector_env(BREAKOUT, 1, seed=0, backend=backend)
    try:
        _, info = envs.reset(seed=0)
        lives, frame = info["lives"].copy(), info["episode_frame_number"].copy()
        losses = []
        for _ in range(2_000):
            _, _, terminated, truncated, info = envs.step(_noops(envs))
            if terminated[0] or truncated[0]:
                break
            if info["lives"][0] < lives[0]:
                # the step (4 frames), then the hidden no-op, FIRE and action 2 (4 frames each)
                losses.append(int(info["episode_frame_number"][0] - frame[0]))
            lives, frame = info["lives"].copy(), info["episode_frame_number"].copy()
        assert terminated[0]
        assert not truncated[0]
        assert losses == [16, 16, 16, 16]  # lives 5 -> 1, then the game ends with the last
        # the next game's first frame: 1-30 no-op frames, then FIRE and action 2
        assert 1 + FIRE_STEPS_FRAMES <= info["episode_frame_number"][0] <= 30 + FIRE_STEPS_FRAMES
    finally:
        envs.close()


@pytest.mark.parametrize("backend", BACKENDS)
def test_without_episodic_life_fire_comes_only_at_the_start_of_a_game(backend):
    """No EpisodicLifeEnv (``--no-episodic-life``): FireResetEnv presses FIRE on real resets
    only, so a no-op agent's ball is lost once and never served again."""
    envs = make_vector_env(BREAKOUT, 1, seed=0, backend=backend, episodic_life=False)
    try:
        _, info = envs.reset(seed=0)
        for step in range(1, 601):
            obs, _, terminated, truncated, info = envs.step(_noops(envs))
            assert not terminated[0]
            assert not truncated[0]
            if step >= 3:  # no lost life is a new episode: the stack is never cleared again
                _assert_fresh_stack(obs[0], step)
        assert info["lives"][0] == 4
    finally:
        envs.close()


@pytest.mark.parametrize("backend", BACKENDS)
def test_the_frame_stack_starts_from_zeros_at_every_new_episode(backend):
    """VecFrameStack zeroes an env's stack when its ``done`` is true, and with EpisodicLifeEnv
    a lost life is a ``done``: after a reset, a lost life or a game over the agent sees
    ``[0, 0, 0, f]``, then ``[0, 0, f, f']``, ... (also at the very first reset)."""
    envs = make_vector_env(BREAKOUT, 2, seed=1, backend=backend)
    try:
        obs, info = envs.reset(seed=1)
        for i in range(2):
            _assert_fresh_stack(obs[i], 0)
        lives = info["lives"].copy()
        since = np.zeros(2, dtype=np.int64)
        new_episodes = 0
        for _ in range(2_000):
            obs, _, terminated, truncated, info = envs.step(_noops(envs))
            _, done = episode_ends(terminated, truncated, lives, info["lives"], True)
            lives = info["lives"].copy()
            since = np.where(done, 0, since + 1)
            new_episodes += int(done.sum())
            for i in range(2):
                _assert_fresh_stack(obs[i], int(since[i]))
            if new_episodes >= 8:
                break
        assert new_episodes >= 8  # lost lives in both games (a no-op agent's ball is soon lost)
    finally:
        envs.close()


@pytest.mark.parametrize("backend", BACKENDS)
def test_noop_starts_are_1_to_30_frames(backend):
    """NoopResetEnv: ``noops = np_random.randint(1, noop_max + 1)`` frames, so 1-30 (Ms. Pacman
    has no FIRE, so a game's first frame number is its no-op count)."""
    envs = make_vector_env("ALE/MsPacman-v5", 15, seed=0, backend=backend)
    try:
        _, info = envs.reset(seed=0)
        counts = np.asarray(info["episode_frame_number"]).tolist()
        for _ in range(19):  # unseeded resets go on drawing (and skip the ROM's reload)
            _, info = envs.reset()
            counts.extend(np.asarray(info["episode_frame_number"]).tolist())
    finally:
        envs.close()
    assert min(counts) == 1  # 300 draws: both ends come up
    assert max(counts) == 30
    assert len(set(counts)) >= 25


def test_games_are_capped_at_the_reference_frame_count():
    """gym registered ``<Game>NoFrameskip-v4`` with ``max_episode_steps=frameskip * 100000`` one-
    frame steps, ``frameskip`` 3 for Space Invaders and 4 for every other game."""
    assert max_episode_frames("ALE/MsPacman-v5") == 400_000
    assert max_episode_frames("ALE/Alien-v5") == 400_000
    assert max_episode_frames("ALE/SpaceInvaders-v5") == 300_000


CAP = 4_000  # the reference cap's mechanism at 1% of its size (400k frames took 2 min a backend)


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_game_that_never_ends_is_truncated_at_the_cap(backend, monkeypatch):
    """Montezuma's Revenge with no-ops: Panama Joe stands on his ledge forever. The game is
    truncated at the environment's frame cap (here made 4,000 frames; the reference 400k is
    :func:`max_episode_frames`'s, pinned by the test above), not at ALE v5's own 108k."""
    import coordconv_rl.envs

    monkeypatch.setattr(coordconv_rl.envs, "max_episode_frames", lambda env_id: CAP)
    envs = make_vector_env("ALE/MontezumaRevenge-v5", 1, seed=0, backend=backend)
    try:
        _, info = envs.reset(seed=0)
        start = int(info["episode_frame_number"][0])
        steps, truncated = 0, np.zeros(1, dtype=bool)
        while not truncated[0] and steps < CAP // 4 + 10:
            _, _, terminated, truncated, info = envs.step(_noops(envs))
            steps += 1
            assert not terminated[0]
    finally:
        envs.close()
    assert truncated[0]
    # the frame count at the cut: the cap counted from the reset (gymnasium's ALE, as gym's
    # TimeLimit) or from the end of the no-op start (ale-vector's C++ counter): within 30 frames
    assert abs(start + 4 * steps - CAP) <= 30 + 3


def test_both_backends_give_the_same_steps_for_the_same_game():
    """From the same no-op start, ``ale-vector``'s C++ frame skip and max-pool and gymnasium's
    Python ones give the same frames, rewards and lives (Alien: colours that change between the
    two pooled frames, where grey-then-max would differ from baselines' max-then-grey)."""
    ale = AleVectorEmulator("alien", 0.0, 400_000)
    gymnasium = GymnasiumEmulator("ALE/Alien-v5", 0.0, 400_000)
    try:
        start = ale.reset(seed=0)
        for seed in range(200):  # a gymnasium seed that draws the same no-op count
            same = gymnasium.reset(seed=seed)
            if same.episode_frame == start.episode_frame:
                break
        np.testing.assert_array_equal(same.frame, start.frame)
        assert same[1:] == start[1:]
        rng = np.random.default_rng(0)
        for _ in range(300):
            action = int(rng.integers(0, len(ale.action_meanings)))
            ale.send(action)
            gymnasium.send(action)
            a, b = ale.recv(), gymnasium.recv()
            np.testing.assert_array_equal(a.frame, b.frame)
            assert a[1:] == b[1:]
            if a.game_over:
                break
    finally:
        ale.close()
        gymnasium.close()
    assert ale.action_meanings == gymnasium.action_meanings
