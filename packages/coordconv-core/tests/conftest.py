"""Shared fixtures for the coordconv-core tests.

``TORCH_DEVICE`` (default ``cpu``) picks the device: ``TORCH_DEVICE=cuda pytest ...`` runs the
layer tests on a GPU.
"""

from __future__ import annotations

import os

import pytest
import torch


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
