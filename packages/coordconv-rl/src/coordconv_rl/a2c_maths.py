"""The A2C maths (S8): n-step returns, the actor-critic loss and one clipped RMSprop step.

A2C is the synchronous variant of A3C (Mnih et al. 2016, "Asynchronous Methods for Deep
Reinforcement Learning"); the paper (S8) trained its agents with OpenAI baselines' A2C, whose
``discount_with_dones`` returns, loss and global grad-norm clip these functions follow.
The optimiser stepped here is baselines' TF1 RMSprop (:mod:`coordconv_rl.rmsprop_tf`) unless
``--optimizer`` says otherwise; the difference from ``torch.optim.RMSprop`` is not small (the
package README measures it).
"""

from __future__ import annotations

from typing import Any

import torch


def n_step_returns(
    rewards: torch.Tensor, dones: torch.Tensor, last_values: torch.Tensor, gamma: float
) -> torch.Tensor:
    """Discounted n-step returns (baselines ``discount_with_dones`` + bootstrap).

    ``rewards``, ``dones``: ``(T, N)``; ``dones[t]`` is 1 if the episode ended with step t.
    ``last_values``: ``(N,)`` value of the observation after the last step, used unless the
    last step ended the episode. Returns ``(T, N)``.
    """
    returns = torch.empty_like(rewards)
    running = last_values
    for t in reversed(range(rewards.shape[0])):
        running = rewards[t] + gamma * running * (1.0 - dones[t])
        returns[t] = running
    return returns


def a2c_loss(
    logits: torch.Tensor,
    values: torch.Tensor,
    actions: torch.Tensor,
    returns: torch.Tensor,
    ent_coef: float,
    vf_coef: float,
) -> dict[str, torch.Tensor]:
    """Baselines' A2C loss on a flat batch: ``logits (B, A)``, ``values/actions/returns (B,)``.

    advantage = R - V (V detached); policy = mean(-log pi(a) * adv); value = mean((V - R)^2);
    entropy = mean(H(pi)); loss = policy - ent_coef * entropy + vf_coef * value.
    """
    dist = torch.distributions.Categorical(logits=logits.float())
    advantages = returns - values.detach()
    policy_loss = -(dist.log_prob(actions) * advantages).mean()
    value_loss = (values.float() - returns).pow(2).mean()
    entropy = dist.entropy().mean()
    loss = policy_loss - ent_coef * entropy + vf_coef * value_loss
    return {"loss": loss, "policy_loss": policy_loss, "value_loss": value_loss, "entropy": entropy}


def a2c_update(
    model: torch.nn.Module,
    optimizer: torch.optim.Optimizer,
    obs: torch.Tensor,
    actions: torch.Tensor,
    returns: torch.Tensor,
    *,
    lr: float,
    ent_coef: float,
    vf_coef: float,
    max_grad_norm: float,
    accelerator: Any = None,
) -> dict[str, float]:
    """One gradient step: loss on the rollout ``obs (B, C, H, W)``, clip the global norm, step."""
    if accelerator is not None:
        with accelerator.autocast():
            logits, values = model(obs)
    else:
        logits, values = model(obs)
    terms = a2c_loss(logits, values, actions, returns, ent_coef, vf_coef)
    optimizer.zero_grad(set_to_none=True)
    if accelerator is not None:
        accelerator.backward(terms["loss"])
        grad_norm = accelerator.clip_grad_norm_(model.parameters(), max_grad_norm)
    else:
        terms["loss"].backward()
        grad_norm = torch.nn.utils.clip_grad_norm_(model.parameters(), max_grad_norm)
    for group in optimizer.param_groups:
        group["lr"] = lr
    optimizer.step()
    stats = {k: float(v.detach()) for k, v in terms.items()}
    stats["grad_norm"] = float(grad_norm)
    return stats
