"""Evaluate a policy: mean true game score over N episodes (for results.json and table S7)."""

from __future__ import annotations

import numpy as np
import torch

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
    max_steps: int = 27_000,
    repeat_action_probability: float = 0.0,
) -> list[float]:
    """Run ``episodes`` whole games (one per parallel env, so short games are not favoured).

    Returns each game's raw (unclipped) score. Actions are sampled from the policy (baselines'
    behaviour) unless ``greedy``. A game still running after ``max_steps`` agent steps (4
    emulator frames each) counts with the score it has; ALE ends games at 108k frames anyway.
    """
    if episodes < 1:
        return []
    envs = make_vector_env(env_id, episodes, seed, backend, repeat_action_probability)
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
            obs, rewards, terminated, truncated, _ = envs.step(actions.cpu().numpy())
            scores += np.where(running, np.asarray(rewards, dtype=np.float64), 0.0)
            running &= ~(np.asarray(terminated) | np.asarray(truncated))
            if not running.any():
                break
        model.train()
    finally:
        envs.close()
    return [float(s) for s in scores]
