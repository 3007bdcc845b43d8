"""Actor-critic networks: shapes, which convs are CoordConv, parameter counts, baselines' init."""

from __future__ import annotations

import math

import pytest
import torch
from torch import nn

from coordconv_core import CoordConv2d
from coordconv_rl.networks import make_network
from coordconv_train import UserError


def _convs(net: nn.Module) -> list[nn.Conv2d]:
    return [m for m in net.modules() if isinstance(m, nn.Conv2d)]


def test_nature_cnn_shapes_and_param_count():
    net = make_network((4, 84, 84), 9, "conv")
    logits, values = net(torch.zeros(3, 4, 84, 84, dtype=torch.uint8))
    assert logits.shape == (3, 9)
    assert values.shape == (3,)
    # Nature CNN: 8x8/4 32, 4x4/2 64, 3x3/1 64, FC 3136->512, heads 512->9, 512->1
    expected = (4 * 64 * 32 + 32) + (32 * 16 * 64 + 64) + (64 * 9 * 64 + 64)
    expected += 3136 * 512 + 512 + 512 * 9 + 9 + 512 + 1
    assert sum(p.numel() for p in net.parameters()) == expected


def test_coordconv_first_layer_only_by_default():
    conv = make_network((4, 84, 84), 6, "conv")
    coord = make_network((4, 84, 84), 6, "coordconv")
    kinds = [type(m) for m in _convs(coord)]
    assert kinds == [CoordConv2d, nn.Conv2d, nn.Conv2d]
    assert _convs(coord)[0].weight.shape == (32, 6, 8, 8)  # 4 frames + x, y
    extra = sum(p.numel() for p in coord.parameters()) - sum(p.numel() for p in conv.parameters())
    assert extra == 32 * 2 * 8 * 8


def test_coordconv_all_layers_with_r():
    net = make_network((4, 84, 84), 6, "coordconv", coordconv_layers="all", with_r=True)
    convs = _convs(net)
    assert all(isinstance(c, CoordConv2d) and c.with_r for c in convs)
    assert net(torch.zeros(2, 4, 84, 84, dtype=torch.uint8))[0].shape == (2, 6)


def test_small_arch_for_tiny_images():
    net = make_network((2, 9, 9), 5, "coordconv")
    assert [c.kernel_size for c in _convs(net)] == [(3, 3), (3, 3)]
    assert net(torch.zeros(5, 2, 9, 9, dtype=torch.uint8))[0].shape == (5, 5)


@pytest.mark.parametrize(("obs_shape", "arch"), [((4, 84, 84), "nature"), ((2, 9, 9), "small")])
def test_every_layer_and_both_heads_initialised_as_baselines_ortho_init(obs_shape, arch):
    """baselines' ``ortho_init(gain)`` on a TF weight ``(..., fan_in, out)`` with ``out <= fan_in``
    makes its ``out`` columns orthonormal times ``gain``: here each torch weight ``(out, fan_in)``
    has ``W W^T = gain^2 I`` exactly, with gain sqrt 2 for the convs and the FC layer, 0.01 for
    the policy head and 1 for the value head, and every bias is 0. PyTorch's default init
    (Kaiming uniform, a = sqrt 5; uniform biases) is neither orthogonal nor zero-biased."""
    torch.manual_seed(0)
    net = make_network(obs_shape, 6, "conv", arch=arch)
    layers = [m for m in net.modules() if isinstance(m, nn.Conv2d | nn.Linear)]
    assert layers[-2:] == [net.policy, net.value]
    gains = [math.sqrt(2)] * (len(layers) - 2) + [0.01, 1.0]
    for layer, gain in zip(layers, gains, strict=True):
        w = layer.weight.detach().flatten(1).double()  # (out, fan_in)
        assert w.shape[0] <= w.shape[1]
        eye = torch.eye(w.shape[0], dtype=torch.float64)
        torch.testing.assert_close(w @ w.T / gain**2, eye, atol=1e-5, rtol=0)
        assert layer.bias.abs().max() == 0
    logits, _ = net(torch.randint(0, 255, (8, *obs_shape), dtype=torch.uint8))
    assert logits.abs().max() < 0.5  # policy head gain 0.01: near-uniform start


def test_bad_inputs():
    with pytest.raises(UserError, match="unknown model"):
        make_network((4, 84, 84), 6, "resnet")
    with pytest.raises(UserError, match=r"\(C, H, W\)"):
        make_network((84, 84), 6)


def test_readme_python_snippets_run():
    import re
    from pathlib import Path

    readme = (Path(__file__).parents[1] / "README.md").read_text()
    snippets = re.findall(r"```python\n(.*?)```", readme, flags=re.S)
    assert snippets
    for code in snippets:
        namespace: dict = {}
        exec(compile(code, "README.md", "exec"), namespace)
    assert namespace["logits"].shape == (2, 9)
