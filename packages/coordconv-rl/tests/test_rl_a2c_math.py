"""A2C maths against hand-computed small cases: returns, loss terms, clipping, schedule."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from torch import nn

from coordconv_rl.a2c import a2c_loss, a2c_update, episode_ends, linear_lr, n_step_returns


def test_n_step_returns_bootstrap_and_episode_end():
    # env 0: no episode end -> bootstrapped from V=4; env 1: episode ends after step 1
    rewards = torch.tensor([[1.0, 1.0], [0.0, 1.0], [2.0, 1.0]])  # (T=3, N=2)
    dones = torch.tensor([[0.0, 0.0], [0.0, 1.0], [0.0, 0.0]])
    last_values = torch.tensor([4.0, 10.0])
    returns = n_step_returns(rewards, dones, last_values, gamma=0.5)
    # env 0: R2 = 2 + .5*4 = 4, R1 = 0 + .5*4 = 2, R0 = 1 + .5*2 = 2
    # env 1: R2 = 1 + .5*10 = 6, R1 = 1 (episode ended: no bootstrap), R0 = 1 + .5*1 = 1.5
    torch.testing.assert_close(returns, torch.tensor([[2.0, 1.5], [2.0, 1.0], [4.0, 6.0]]))


def test_n_step_returns_last_step_done_ignores_bootstrap():
    returns = n_step_returns(
        torch.tensor([[3.0]]), torch.tensor([[1.0]]), torch.tensor([99.0]), 0.99
    )
    assert returns.item() == 3.0


def _hand_case():
    logits = torch.zeros(2, 2)  # uniform policy over 2 actions
    values = torch.tensor([1.0, 0.0])
    actions = torch.tensor([0, 1])
    returns = torch.tensor([3.0, -1.0])  # advantages 2, -1
    return logits, values, actions, returns


def test_a2c_loss_terms_hand_computed():
    logits, values, actions, returns = _hand_case()
    terms = a2c_loss(logits, values, actions, returns, ent_coef=0.01, vf_coef=0.5)
    ln2 = math.log(2)
    assert terms["policy_loss"].item() == pytest.approx(-(-ln2 * 2 + -ln2 * -1) / 2)  # 0.5 ln2
    assert terms["value_loss"].item() == pytest.approx((4 + 1) / 2)
    assert terms["entropy"].item() == pytest.approx(ln2)
    assert terms["loss"].item() == pytest.approx(0.5 * ln2 - 0.01 * ln2 + 0.5 * 2.5)


class _Direct(nn.Module):
    """A 'network' whose outputs are its parameters, so gradients are known in closed form."""

    def __init__(self) -> None:
        super().__init__()
        logits, values, _, _ = _hand_case()
        self.logits = nn.Parameter(logits.clone())
        self.values = nn.Parameter(values.clone())

    def forward(self, obs: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        return self.logits, self.values


def _update(model, opt, actions, returns, *, lr, max_grad_norm):
    """One ``a2c_update`` of ``_Direct`` on the hand case (entropy 0.01, value 0.5)."""
    return a2c_update(
        model,
        opt,
        torch.zeros(2, 1),
        actions,
        returns,
        lr=lr,
        ent_coef=0.01,
        vf_coef=0.5,
        max_grad_norm=max_grad_norm,
    )


def test_a2c_update_gradients_and_global_norm_clip():
    _, _, actions, returns = _hand_case()
    model = _Direct()
    opt = torch.optim.SGD(model.parameters(), lr=123.0)  # a2c_update sets the lr it is given
    stats = _update(model, opt, actions, returns, lr=1.0, max_grad_norm=0.5)
    # d/dlogits of mean(-log pi(a) adv): -adv_i/B (onehot(a_i) - p); entropy grad is 0 at uniform
    g_logits = torch.tensor([[-0.5, 0.5], [-0.25, 0.25]])
    # d/dV of vf_coef * mean((V - R)^2): vf_coef * 2 (V - R) / B
    g_values = torch.tensor([-1.0, 0.5])
    norm = math.sqrt(0.25 + 0.25 + 0.0625 + 0.0625 + 1.0 + 0.25)
    assert stats["grad_norm"] == pytest.approx(norm, rel=1e-5)
    scale = 0.5 / (norm + 1e-6)  # clipped to global norm 0.5, then one SGD step of lr 1
    logits0, values0, _, _ = _hand_case()
    torch.testing.assert_close(model.logits.data, logits0 - scale * g_logits)
    torch.testing.assert_close(model.values.data, values0 - scale * g_values)
    assert opt.param_groups[0]["lr"] == 1.0


def test_no_clip_below_threshold():
    _, _, actions, returns = _hand_case()
    model = _Direct()
    opt = torch.optim.SGD(model.parameters(), lr=1.0)
    _update(model, opt, actions, returns, lr=0.1, max_grad_norm=10.0)
    torch.testing.assert_close(
        model.values.data, torch.tensor([1.0, 0.0]) - 0.1 * torch.tensor([-1.0, 0.5])
    )


def test_episode_ends_life_loss_and_game_over():
    terminated = np.array([False, True, False, False])
    truncated = np.array([False, False, True, False])
    lives = np.array([3, 1, 2, 3])
    new_lives = np.array([2, 3, 2, 3])  # env 0 lost a life; env 1's new game has 3 lives
    game_over, done = episode_ends(terminated, truncated, lives, new_lives, episodic_life=True)
    np.testing.assert_array_equal(game_over, [False, True, True, False])
    np.testing.assert_array_equal(done, [True, True, True, False])
    _, done = episode_ends(terminated, truncated, lives, new_lives, episodic_life=False)
    np.testing.assert_array_equal(done, [False, True, True, False])
    _, done = episode_ends(terminated, truncated, None, None, episodic_life=True)  # no lives
    np.testing.assert_array_equal(done, [False, True, True, False])


def test_linear_lr_schedule():
    assert linear_lr(7e-4, 0, 100) == 7e-4
    assert linear_lr(7e-4, 25, 100) == pytest.approx(5.25e-4)
    assert linear_lr(7e-4, 100, 100) == 0.0
