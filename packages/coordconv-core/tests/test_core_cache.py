"""A layer's cached coordinate constants (coordconv_core.cache) change no number and go stale never.

The bit-for-bit tests in test_core_layers.py pin a layer's first call; these pin every later one
(the cache's hits) against a fresh copy of the layer, which builds everything anew.
"""

from __future__ import annotations

import copy
import io
import pickle
import threading
from typing import Any

import pytest
import torch
from torch import nn

from coordconv_core import (
    CoordConv1d,
    CoordConv2d,
    CoordConv3d,
    CoordConvTranspose2d,
    CoordEncoding,
)
from coordconv_core.cache import ATTRIBUTE

LAYERS = [
    (CoordConv2d, (4, 6, 3), {"padding": 1}, (5, 7)),  # im2col term: grid and columns cached
    (CoordConv2d, (4, 6, 1), {"with_r": True}, (5, 7)),  # pointwise
    (CoordConv2d, (4, 6, 3), {"stride": 2, "padding_mode": "reflect", "padding": 1}, (9, 8)),
    (CoordConv1d, (3, 5, 5), {"padding": 2, "dilation": 2, "with_r": True}, (11,)),
    (CoordConv3d, (2, 4, 3), {"padding": 1}, (4, 5, 3)),  # the batch-1 convolution: grid only
    (CoordConv2d, (4, 8, 3), {"groups": 2, "coords": "fourier"}, (6, 6)),
    (CoordConvTranspose2d, (4, 6, 3), {"stride": 2, "with_r": True}, (5, 4)),
]


def fresh(layer: nn.Module) -> nn.Module:
    """A copy that shares no cached constants (deepcopy leaves them out)."""
    twin = copy.deepcopy(layer)
    assert ATTRIBUTE not in twin.__dict__
    return twin


def outputs_and_grads(layer: nn.Module, x: torch.Tensor, grad: torch.Tensor) -> list[torch.Tensor]:
    x = x.detach().requires_grad_(True)
    out = layer(x)
    return [out, *torch.autograd.grad(out, [x, *layer.parameters()], grad)]


def assert_all_equal(got: list[torch.Tensor], want: list[torch.Tensor]) -> None:
    assert len(got) == len(want)
    for g, w in zip(got, want, strict=True):
        assert torch.equal(g, w)


@pytest.mark.parametrize(("cls", "args", "kwargs", "spatial"), LAYERS)
def test_later_calls_reuse_the_constants_and_compute_the_same_bits(
    cls: type[nn.Module], args: tuple[int, ...], kwargs: dict[str, Any], spatial: tuple[int, ...]
) -> None:
    torch.manual_seed(0)
    layer = cls(*args, **kwargs)
    x = torch.randn(3, args[0], *spatial)
    grad = torch.randn_like(layer(x))
    entry = layer.__dict__[ATTRIBUTE]
    for _ in range(2):
        assert_all_equal(
            outputs_and_grads(layer, x, grad), outputs_and_grads(fresh(layer), x, grad)
        )
        assert layer.__dict__[ATTRIBUTE] is entry  # a hit, not a rebuild


def test_another_input_size_rebuilds_them() -> None:
    torch.manual_seed(0)
    layer = CoordConv2d(3, 4, 3, padding=1, with_r=True)
    for spatial in [(5, 6), (7, 4), (5, 6)]:
        x = torch.randn(2, 3, *spatial)
        grad = torch.randn(2, 4, *spatial)
        assert_all_equal(
            outputs_and_grads(layer, x, grad), outputs_and_grads(fresh(layer), x, grad)
        )
        assert layer.__dict__[ATTRIBUTE][1][0].shape == (3, *spatial)


def test_moving_the_layer_drops_them_and_the_new_dtype_is_used() -> None:
    torch.manual_seed(0)
    layer = CoordConv2d(3, 4, 3, padding=1)
    layer(torch.randn(2, 3, 5, 5))
    layer.double()
    assert ATTRIBUTE not in layer.__dict__
    x = torch.randn(2, 3, 5, 5, dtype=torch.float64)
    out = layer(x)
    assert out.dtype == torch.float64
    assert torch.equal(out, fresh(layer)(x))
    grid, columns = layer.__dict__[ATTRIBUTE][1]
    assert grid.dtype == columns.dtype == torch.float64


def test_new_random_fourier_frequencies_are_used_at_once() -> None:
    torch.manual_seed(0)
    layer = CoordConv2d(2, 3, 3, padding=1, coords=CoordEncoding("fourier", 3, sigma=2.0))
    x = torch.randn(1, 2, 6, 6)
    before = layer(x)
    state = layer.state_dict()
    state["fourier_frequencies"] = state["fourier_frequencies"] * 1.5
    layer.load_state_dict(state)  # copies into the buffer in place: same storage, new version
    after = layer(x)
    assert not torch.equal(after, before)
    assert torch.equal(after, fresh(layer)(x))


def test_inference_mode_caches_nothing_and_training_still_works() -> None:
    torch.manual_seed(0)
    layer = CoordConv2d(3, 4, 3, padding=1)
    x = torch.randn(2, 3, 5, 5)
    with torch.inference_mode():
        layer(x)
    assert ATTRIBUTE not in layer.__dict__  # an inference tensor could not be saved for backward
    layer(x).sum().backward()
    assert layer.weight.grad is not None


@pytest.mark.parametrize("strict", [False, True])
def test_export_traces_without_storing_fake_or_traced_constants(strict: bool) -> None:
    """Tracing runs the forward on fake tensors: had it cached them, the next eager call of the
    same size would compute with them."""
    torch.manual_seed(0)
    layer = CoordConv2d(3, 4, 3, padding=1, coords=CoordEncoding("fourier", 2, sigma=2.0))
    x = torch.randn(2, 3, 5, 5)
    exported = torch.export.export(layer, (x,), strict=strict)
    assert ATTRIBUTE not in layer.__dict__
    want = layer(x)
    assert torch.equal(want, fresh(layer)(x))
    torch.testing.assert_close(exported.module()(x), want)


def test_pickling_and_saving_leave_them_out() -> None:
    torch.manual_seed(0)
    layer = CoordConv2d(3, 4, 3, padding=1)
    x = torch.randn(2, 3, 5, 5)
    want = layer(x)
    assert ATTRIBUTE in layer.__dict__
    buffer = io.BytesIO()
    torch.save(layer, buffer)
    buffer.seek(0)
    loaded = torch.load(buffer, weights_only=False)
    copied = pickle.loads(pickle.dumps(layer))
    for twin in (loaded, copied):
        assert ATTRIBUTE not in twin.__dict__
        assert torch.equal(twin(x), want)
    assert ATTRIBUTE in layer.__dict__  # the original keeps its own


def test_threads_with_different_input_sizes_never_get_each_others() -> None:
    """As ``nn.DataParallel`` replicas or two threads serving one model would call it."""
    torch.manual_seed(0)
    layer = CoordConv2d(3, 4, 3, padding=1, with_r=True).requires_grad_(False)
    inputs = [torch.randn(1, 3, 5, 6), torch.randn(1, 3, 8, 3)]
    wants = [fresh(layer)(x) for x in inputs]
    failures: list[str] = []

    def work(k: int) -> None:
        for _ in range(200):
            if not torch.equal(layer(inputs[k]), wants[k]):
                failures.append(f"thread {k}")
                return

    threads = [threading.Thread(target=work, args=(k,)) for k in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not failures
