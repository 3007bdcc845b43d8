"""Device, precision and seeding helpers shared by every training entry point.

``--device auto|cpu|cuda``; mixed precision (bf16 where supported, else fp16) only on CUDA.
Multi-GPU and multi-node runs go through Accelerate (``accelerate launch`` or ``torchrun``):
:func:`make_accelerator` returns an ``accelerate.Accelerator`` configured from those choices.
"""

from __future__ import annotations

import contextlib
import os
import random
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from coordconv_train.errors import UserError

if TYPE_CHECKING:  # torch is imported where it is used: `import coordconv_train` stays light
    import torch

DEVICES = ("auto", "cpu", "cuda")


def resolve_device(name: str = "auto") -> torch.device:
    """``auto`` -> ``TORCH_DEVICE`` if set, else CUDA if available, else CPU; ``cuda`` without
    a GPU, or a ``TORCH_DEVICE`` that names no device here, is a :class:`UserError`."""
    import torch

    if name not in DEVICES:
        raise UserError(f"unknown device {name!r}; choose one of {', '.join(DEVICES)}")
    if name == "auto" and os.environ.get("TORCH_DEVICE"):
        return _device_of_environment(os.environ["TORCH_DEVICE"])
    if name == "auto":
        name = "cuda" if torch.cuda.is_available() else "cpu"
    if name.startswith("cuda") and not torch.cuda.is_available():
        raise UserError("--device cuda was asked for but no CUDA device is available")
    return torch.device(name)


def _device_of_environment(name: str) -> torch.device:
    """``TORCH_DEVICE`` (read by ``--device auto``): a torch device string such as ``cpu``,
    ``cuda`` or ``cuda:1``, which must exist on this machine (:class:`UserError` if not)."""
    import torch

    unset = "unset TORCH_DEVICE or give --device cpu|cuda"
    try:
        device = torch.device(name)
    except (RuntimeError, ValueError):
        raise UserError(f"TORCH_DEVICE={name!r} is not a torch device; {unset}") from None
    if device.type not in ("cpu", "cuda"):
        raise UserError(f"TORCH_DEVICE={name!r}: only cpu and cuda devices are supported; {unset}")
    if device.type == "cuda" and not torch.cuda.is_available():
        raise UserError(f"TORCH_DEVICE={name!r} but no CUDA device is available; {unset}")
    if device.type == "cuda" and (device.index or 0) >= torch.cuda.device_count():
        raise UserError(f"TORCH_DEVICE={name!r} but this machine has no such GPU; {unset}")
    return device


def mixed_precision_for(device: torch.device, amp: bool = True) -> str:
    """Accelerate's ``mixed_precision`` value: bf16/fp16 on CUDA when ``amp``, else ``no``."""
    import torch

    if not amp or device.type != "cuda":
        return "no"
    return "bf16" if torch.cuda.is_bf16_supported() else "fp16"


def make_accelerator(device: str = "auto", amp: bool = True, **kwargs: Any) -> Any:
    """An ``accelerate.Accelerator`` for ``--device`` (CPU forced when ``device == 'cpu'``)."""
    from accelerate import Accelerator

    resolved = resolve_device(device)
    return Accelerator(
        cpu=resolved.type == "cpu",
        mixed_precision=mixed_precision_for(resolved, amp),
        **kwargs,
    )


def denormals_flushed() -> bool:
    """Whether this thread's CPU maths flushes denormal floats to zero right now.

    torch has a setter (``torch.set_flush_denormal``) but no getter, so this asks the CPU: a
    float32 denormal times one stays non-zero unless flushing is on.
    """
    import torch

    tiny = torch.full((1,), 1e-39, dtype=torch.float32)  # below float32's smallest normal
    return float(tiny * 1.0) == 0.0


@contextlib.contextmanager
def flush_denormals(device: torch.device) -> Iterator[None]:
    """On CPU, treat denormal floats as zero while the block runs, then restore the state the
    block found (flushing stays on after the block if it was on before).

    Small late-training activations and gradients fall into the denormal range, where x86 float
    maths is many times slower: Not-so-Clevr rendering training steps take 0.65x the time with
    the same loss (``tools/bench/bench_flush_denormals.py``). Does nothing on other devices or
    on CPUs without the mode (``torch.set_flush_denormal`` returns False there).
    """
    import torch

    if device.type != "cpu":
        yield
        return
    before = denormals_flushed()
    supported = torch.set_flush_denormal(True)
    try:
        yield
    finally:
        if supported:
            torch.set_flush_denormal(before)


def seed_everything(seed: int) -> None:
    """Seed Python, NumPy (if installed) and torch (all devices)."""
    import torch

    random.seed(seed)
    torch.manual_seed(seed)
    try:
        import numpy as np
    except ImportError:  # numpy is optional for coordconv-core
        return
    np.random.seed(seed)  # noqa: NPY002 (seeding the legacy global RNG is the point)


def rng_state() -> dict[str, Any]:
    """Capture torch's CPU (and CUDA) RNG state for a checkpoint."""
    import torch

    state: dict[str, Any] = {"torch": torch.get_rng_state()}
    if torch.cuda.is_available():
        state["cuda"] = torch.cuda.get_rng_state_all()
    return state


def set_rng_state(state: dict[str, Any]) -> None:
    """Restore what :func:`rng_state` captured."""
    import torch

    torch.set_rng_state(state["torch"].cpu())
    if "cuda" in state and torch.cuda.is_available():
        torch.cuda.set_rng_state_all([s.cpu() for s in state["cuda"]])
