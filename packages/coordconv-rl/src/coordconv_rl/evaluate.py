"""Evaluate a policy: mean true game score over N episodes (for results.json and table S7)."""

from __future__ import annotations

import numpy as np
import torch

from coordconv_rl.emulators import FRAME_SKIP, MAX_EPISODE_FRAMES
from coordconv_rl.envs import Backend, make_vector_env
from coordconv_rl.networks import ActorCritic


def evaluate(
    model: ActorCritic,
    env_id: str,
    episodes: int,
    seed: int,
    *,
    device: torch.device,
    backend: Backend = "ale-vector",
    greedy: bool = False,
    max_steps: int = MAX_EPISODE_FRAMES // FRAME_SKIP,
    repeat_action_probability: float = 0.0,
    episodic_life: bool = True,
) -> list[float]:
    """Run ``episodes`` whole games (one per parallel env, so short games are not favoured).

    Returns each game's raw (unclipped) score, the rewards of the steps the environment takes
    after a lost life included. Actions are sampled from the policy (baselines' behaviour)
    unless ``greedy``. The environments are the training ones (``episodic_life``: FIRE and a
    cleared frame stack after a lost life, as the agent was trained). A game still running
    after ``max_steps`` agent steps (4 emulator frames each) counts with the score it has; the
    games end at 400k frames (100k agent steps) anyway.
    """
    if episodes < 1:
        return []
    envs = make_vector_env(
        env_id, episodes, seed, backend, repeat_action_probability, episodic_life=episodic_life
    )
    try:
        obs, _ = envs.reset(seed=seed)
        scores = np.zeros(episodes)
        running = np.ones(episodes, dtype=bool)
        model.eval()
        for _ in range(max_steps):
            with torch.no_grad():
                logits, _ = model(torch.as_tensor(obs, device=device))
            if greedy:
                actions = logits.argmax(-1)
            else:
                actions = torch.distributions.Categorical(logits=logits.float()).sample()
            obs, rewards, terminated, truncated, info = envs.step(actions.cpu().numpy())
            rewards = np.asarray(rewards, dtype=np.float64) + info.get("hidden_reward", 0.0)
            scores += np.where(running, rewards, 0.0)
            running &= ~(np.asarray(terminated) | np.asarray(truncated))
            if not running.any():
                break
        model.train()
    finally:
        envs.close()
    return [float(s) for s in scores]
