"""Shared fixtures for the coordconv-core tests.

``TORCH_DEVICE`` (default ``cpu``) picks the device: ``TORCH_DEVICE=cuda pytest ...`` runs the
layer tests on a GPU. ``conv_subclasses`` gives two subclasses of ``nn.Conv2d`` with their own
forward, for the wrapper tests.
"""

from __future__ import annotations

import math
import os
from typing import Any

import pytest
import torch
import torch.nn.functional as F
from torch import nn


@pytest.fixture(scope="session")
def device() -> torch.device:
    """The device named by ``TORCH_DEVICE`` (default CPU); TF32 off so fp32 comparisons are exact."""
    name = os.environ.get("TORCH_DEVICE", "cpu")
    try:
        dev = torch.device(name)
    except RuntimeError:
        dev = None
    if dev is None:  # outside the except block: the message alone, no torch traceback
        pytest.fail(f"TORCH_DEVICE={name!r} is not a torch device (cpu, cuda, cuda:1, ...)")
    if dev.type == "cuda":
        if not torch.cuda.is_available():
            pytest.fail("TORCH_DEVICE=cuda but no CUDA device is available")
        torch.backends.cudnn.allow_tf32 = False
        torch.backends.cuda.matmul.allow_tf32 = False
    return dev


@pytest.fixture(scope="module", autouse=True)
def _one_cpu_thread():
    """Run these small-tensor tests on one intra-op thread (restored afterwards).

    On the shared 2-core CI machine (``pytest -n 2``) two threads per tiny op mostly wait on each
    other: a 2x3 convolution took ~10 ms with 2 threads and ~50 us with 1.
    """
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


class WSConv2d(nn.Conv2d):
    """Weight standardisation (Qiao et al. 2019, arXiv:1903.10520): each filter is normalised to
    zero mean and unit variance before convolving."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        w = self.weight
        mean = w.mean(dim=(1, 2, 3), keepdim=True)
        std = w.std(dim=(1, 2, 3), keepdim=True, unbiased=False)
        return self._conv_forward(x, (w - mean) / (std + 1e-5), self.bias)


class SameConv2d(nn.Conv2d):
    """TensorFlow "SAME" padding computed per input in forward (like timm's ``Conv2dSame``): the
    output has ``ceil(size / stride)`` positions, the odd padding pixel goes at the end; the
    stored ``padding`` attribute is 0."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, padding=0, **kwargs)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        pads: list[int] = []
        dims = zip(x.shape[2:], self.kernel_size, self.stride, self.dilation, strict=True)
        for size, k, s, d in reversed(list(dims)):
            total = max((math.ceil(size / s) - 1) * s + (k - 1) * d + 1 - size, 0)
            pads += [total // 2, total - total // 2]
        x = F.pad(x, pads)
        return F.conv2d(x, self.weight, self.bias, self.stride, 0, self.dilation, self.groups)


@pytest.fixture(scope="session")
def conv_subclasses() -> tuple[type[nn.Conv2d], type[nn.Conv2d]]:
    """``(WSConv2d, SameConv2d)``: weight-standardised and TensorFlow-"SAME" convolutions."""
    return WSConv2d, SameConv2d
