"""Both RMSprop choices against their update rules written out (TF1's and torch's) and
hand-computed steps; the coordinate-weight inits."""

from __future__ import annotations

import math

import pytest
import torch
from torch import nn

from coordconv_core import CoordConv2d
from coordconv_rl.networks import make_network
from coordconv_rl.rmsprop_tf import RMSpropTF, make_optimizer
from coordconv_train import UserError


def _two_steps(opt_cls, **kwargs) -> list[float]:
    p = nn.Parameter(torch.tensor([1.0], dtype=torch.float64))
    opt = opt_cls([p], lr=0.1, alpha=0.9, eps=0.01, **kwargs)
    values = []
    for g in (2.0, 0.5):
        p.grad = torch.tensor([g], dtype=torch.float64)
        opt.step()
        values.append(p.item())
    return values


def test_rmsprop_tf_matches_hand_computed_tensorflow_update():
    # TF1 ApplyRMSProp: ms <- alpha ms + (1 - alpha) g^2 from ms = 1; p <- p - lr g / sqrt(ms + eps)
    # step 1, g = 2:   ms = 0.9 * 1 + 0.1 * 4 = 1.3;       p = 1 - 0.1 * 2 / sqrt(1.31)
    # step 2, g = 0.5: ms = 0.9 * 1.3 + 0.1 * 0.25 = 1.195; p -= 0.1 * 0.5 / sqrt(1.205)
    p1 = 1 - 0.2 / math.sqrt(1.31)
    p2 = p1 - 0.05 / math.sqrt(1.205)
    assert _two_steps(RMSpropTF) == pytest.approx([p1, p2], abs=1e-12)
    assert p1 == pytest.approx(0.825259, abs=1e-6)  # the arithmetic, done by hand once


def _tf1_rmsprop(params, grads, *, lr, decay, eps, momentum=0.0):
    """TF1's ``ApplyRMSProp``, written out from its definition (baselines' A2C: momentum 0):
    ``ms = decay ms + (1 - decay) g^2`` (the "rms" slot starts at ones),
    ``mom = momentum mom + lr g / sqrt(ms + eps)`` (eps inside the root), ``p -= mom``.
    ``params``: lists of floats; ``grads``: per step, a list per parameter. Returns the
    parameters and ``ms`` after the last step."""
    params = [list(p) for p in params]
    ms = [[1.0] * len(p) for p in params]
    mom = [[0.0] * len(p) for p in params]
    for step in grads:
        for p, m, v, g in zip(params, ms, mom, step, strict=True):
            for i, gi in enumerate(g):
                m[i] = decay * m[i] + (1 - decay) * gi * gi
                v[i] = momentum * v[i] + lr * gi / math.sqrt(m[i] + eps)
                p[i] -= v[i]
    return params, ms


def _torch_rmsprop(params, grads, *, lr, alpha, eps):
    """``torch.optim.RMSprop``'s rule as its documentation states it (no momentum, not
    centred): ``v = alpha v + (1 - alpha) g^2`` from ``v = 0``, ``p -= lr g / (sqrt(v) + eps)``."""
    params = [list(p) for p in params]
    v = [[0.0] * len(p) for p in params]
    for step in grads:
        for p, m, g in zip(params, v, step, strict=True):
            for i, gi in enumerate(g):
                m[i] = alpha * m[i] + (1 - alpha) * gi * gi
                p[i] -= lr * gi / (math.sqrt(m[i]) + eps)
    return params


def _run(name: str, grads, **hyper) -> tuple[list[list[float]], torch.optim.Optimizer]:
    """Feed ``grads`` (per step, one list per parameter) to ``make_optimizer(name)`` over
    float64 parameters starting at :data:`START`; the parameters after the last step, and the
    optimizer."""
    params = [nn.Parameter(torch.tensor(p, dtype=torch.float64)) for p in START]
    opt = make_optimizer(name, params, **hyper)
    for step in grads:
        for p, g in zip(params, step, strict=True):
            p.grad = torch.tensor(g, dtype=torch.float64)
        opt.step()
    return [p.detach().tolist() for p in params], opt


def _gradients(steps: int, scale: float) -> list[list[list[float]]]:
    """Per step, gradients for a parameter of 3 and one of 2 values: ``scale`` times a fixed
    pattern of signs and sizes (deterministic, no RNG)."""
    first = [[scale * math.sin(1.3 * t + k) for k in range(3)] for t in range(steps)]
    second = [[scale * math.cos(0.7 * t + k) for k in range(2)] for t in range(steps)]
    return [list(pair) for pair in zip(first, second, strict=True)]


START = [[1.0, -0.5, 0.25], [2.0, 0.0]]


@pytest.mark.parametrize(
    ("lr", "alpha", "eps", "scale"),
    [(7e-4, 0.99, 1e-5, 1.0), (0.1, 0.9, 0.01, 0.5), (0.01, 0.5, 1e-5, 1e-3)],
    ids=["baselines", "large-steps", "gradients-below-sqrt-eps"],
)
def test_rmsprop_tf_follows_tf1_apply_rmsprop_step_by_step(lr, alpha, eps, scale):
    """40 steps on two parameters against TF1's rule written out (ms from 1, eps inside the
    root); at ``scale`` 1e-3 the mean square decays to ~1e-6, below eps, where eps's place
    decides the step."""
    grads = _gradients(40, scale)
    want, want_ms = _tf1_rmsprop(START, grads, lr=lr, decay=alpha, eps=eps)
    got, opt = _run("rmsprop-tf", grads, lr=lr, alpha=alpha, eps=eps)
    assert isinstance(opt, RMSpropTF)
    for p, q in zip(got, want, strict=True):
        assert p == pytest.approx(q, rel=1e-12, abs=1e-15)
    ms = [opt.state[p]["square_avg"].tolist() for p in opt.param_groups[0]["params"]]
    for m, q in zip(ms, want_ms, strict=True):
        assert m == pytest.approx(q, rel=1e-12)


def test_rmsprop_torch_choice_is_torchs_rule_and_differs_from_tf_as_documented():
    """``rmsprop-torch`` follows torch's rule (mean square from 0, eps outside the root), not
    TF's: at baselines' settings its first step is ``lr / sqrt(1 - alpha)`` = 10 lr per weight
    whatever the gradient's size, TF's ``lr g / sqrt(alpha + (1 - alpha) g^2 + eps)``."""
    hyper = {"lr": 7e-4, "alpha": 0.99, "eps": 1e-5}
    grads = _gradients(40, 1.0)
    got, _ = _run("rmsprop-torch", grads, **hyper)
    want = _torch_rmsprop(START, grads, **hyper)
    for p, q in zip(got, want, strict=True):
        assert p == pytest.approx(q, rel=1e-12, abs=1e-15)
    tf, _ = _run("rmsprop-tf", grads, **hyper)
    assert tf[0] != pytest.approx(got[0], rel=1e-3)
    first_torch, _ = _run("rmsprop-torch", grads[:1], **hyper)
    first_tf, _ = _run("rmsprop-tf", grads[:1], **hyper)
    for i, g in enumerate(grads[0][0]):
        if g == 0:  # sin(0): no step at all
            assert first_torch[0][i] == first_tf[0][i] == START[0][i]
            continue
        step = START[0][i] - first_torch[0][i]
        assert step == pytest.approx(math.copysign(10 * hyper["lr"], g), rel=1e-3)
        tf_step = START[0][i] - first_tf[0][i]
        assert tf_step == pytest.approx(7e-4 * g / math.sqrt(0.99 + 0.01 * g * g + 1e-5))
    # the one-parameter, two-step case by hand: torch's ms = 0.1 * 4 = 0.4 after step 1
    p1 = 1 - 0.2 / (math.sqrt(0.4) + 0.01)
    assert _two_steps(torch.optim.RMSprop)[0] == pytest.approx(p1, abs=1e-12)
    assert p1 < 0.7 < 0.82 < _two_steps(RMSpropTF)[0]  # torch's first step is ~2x TF's here


def test_rmsprop_tf_state_round_trip_and_choice():
    net = nn.Linear(3, 2)
    opt = make_optimizer("rmsprop-tf", net.parameters(), lr=1e-3, alpha=0.99, eps=1e-5)
    net(torch.ones(4, 3)).sum().backward()
    opt.step()
    again = make_optimizer("rmsprop-tf", net.parameters(), lr=1e-3, alpha=0.99, eps=1e-5)
    again.load_state_dict(opt.state_dict())
    ms = again.state_dict()["state"][0]["square_avg"]
    torch.testing.assert_close(ms, 0.99 + 0.01 * net.weight.grad**2)
    assert isinstance(
        make_optimizer("rmsprop-torch", net.parameters(), lr=1e-3, alpha=0.99, eps=1e-5),
        torch.optim.RMSprop,
    )
    with pytest.raises(UserError, match="unknown optimizer"):
        make_optimizer("adam", net.parameters(), lr=1e-3, alpha=0.99, eps=1e-5)
    with pytest.raises(ValueError, match="alpha"):
        RMSpropTF(net.parameters(), alpha=1.0)


@pytest.mark.parametrize("obs_shape", [(2, 9, 9), (4, 84, 84)])
def test_zero_coord_init_starts_as_the_conv_agent(obs_shape):
    torch.manual_seed(3)
    conv = make_network(obs_shape, 5, "conv")
    after_conv = torch.rand(1)
    torch.manual_seed(3)
    coord = make_network(obs_shape, 5, "coordconv", coord_init="zero")
    assert torch.rand(1) == after_conv  # same random stream after construction
    first = coord.torso[0]
    assert isinstance(first, CoordConv2d)
    assert first.weight[:, first.data_channels :].abs().max() == 0
    torch.testing.assert_close(first.weight[:, : first.data_channels], conv.torso[0].weight)
    obs = torch.randint(0, 256, (6, *obs_shape), dtype=torch.uint8)
    for a, b in zip(conv(obs), coord(obs), strict=True):
        torch.testing.assert_close(a, b)


def test_paper_coord_init_is_orthogonal_over_the_whole_weight():
    # baselines' ortho_init on the (k, k, C + 2, out) weight: the 32 filters, each flattened
    # over data AND coordinate channels (8*8*6 = 384 values), are orthogonal with norm sqrt 2
    torch.manual_seed(0)
    net = make_network((4, 84, 84), 6, "coordconv", coord_init="paper")
    w = net.torso[0].weight.flatten(1)  # (32, 384)
    torch.testing.assert_close(w @ w.T, 2 * torch.eye(32), atol=1e-5, rtol=0)
    assert w[:, 4 * 64 :].abs().max() > 0.05  # coordinate weights are not zero
    with pytest.raises(UserError, match="coord_init"):
        make_network((4, 84, 84), 6, "coordconv", coord_init="kaiming")


def test_optimizer_auto_is_tf_on_atari_torch_on_target_reach():
    from coordconv_rl.games import TINY_ENV_ID
    from coordconv_rl.rmsprop_tf import optimizer_for

    assert optimizer_for("auto", "ALE/MsPacman-v5") == "rmsprop-tf"
    assert optimizer_for("auto", TINY_ENV_ID) == "rmsprop-torch"
    assert optimizer_for("rmsprop-tf", TINY_ENV_ID) == "rmsprop-tf"
    with pytest.raises(UserError, match="unknown optimizer"):
        optimizer_for("sgd", TINY_ENV_ID)


def _first_and_rest(net):
    first = net.torso[0]
    rest = [p for name, p in net.named_parameters() if not name.startswith("torso.0.")]
    return first, rest


@pytest.mark.parametrize("obs_shape", [(2, 9, 9), (4, 84, 84)])
def test_the_init_ablation_cells_cross_data_scale_with_coordinate_weights(obs_shape):
    """paper-zero = the paper draw, coordinates zeroed; conv-ortho = the conv agent's data
    weights (and every later layer) with the paper draw's kind of coordinate weights."""

    def build(model, init):
        torch.manual_seed(5)
        return make_network(obs_shape, 5, model, coord_init=init)

    conv, paper = build("conv", "paper"), build("coordconv", "paper")
    paper_zero, conv_ortho = build("coordconv", "paper-zero"), build("coordconv", "conv-ortho")
    c = obs_shape[0]
    weights = {k: n.torso[0].weight.detach() for k, n in (("conv", conv), ("paper", paper))}
    # paper-zero: the paper's data weights, coordinate weights exactly 0
    torch.testing.assert_close(paper_zero.torso[0].weight[:, :c], paper.torso[0].weight[:, :c])
    assert paper_zero.torso[0].weight[:, c:].abs().max() == 0
    # conv-ortho: the conv's data weights and later layers, coordinate weights orthogonal-drawn
    first, rest = _first_and_rest(conv_ortho)
    conv_first, conv_rest = _first_and_rest(conv)
    torch.testing.assert_close(first.weight[:, :c], conv_first.weight)
    for a, b in zip(rest, conv_rest, strict=True):
        torch.testing.assert_close(a, b)
    coord = first.weight[:, c:].detach()
    assert coord.abs().max() > 0.05
    # ... at the paper draw's scale: about the same mean square as the paper's coordinate weights
    ratio = coord.pow(2).mean() / weights["paper"][:, c:].pow(2).mean()
    assert 0.5 < float(ratio) < 2.0
    # the paper's data weights are sqrt(C / (C + 2)) of the conv's scale
    scale = weights["paper"][:, :c].pow(2).mean() / weights["conv"].pow(2).mean()
    assert abs(float(scale) - c / (c + 2)) < 0.15 * c / (c + 2)


def test_glorot_init_is_tf_layers_default_on_the_coordconv_layer_only():
    torch.manual_seed(0)
    net = make_network((4, 84, 84), 6, "coordconv", coord_init="glorot")
    first = net.torso[0]
    fan_in, fan_out = 6 * 8 * 8, 32 * 8 * 8  # (out 32, in 4 + 2, 8, 8)
    bound = math.sqrt(6 / (fan_in + fan_out))
    assert first.weight.abs().max() <= bound
    assert first.weight.abs().max() > 0.9 * bound  # uniform up to the bound
    assert first.bias.abs().max() == 0
    second = net.torso[2].weight.flatten(1)  # still baselines' orthogonal, gain sqrt 2
    torch.testing.assert_close(second @ second.T, 2 * torch.eye(64), atol=1e-5, rtol=0)
