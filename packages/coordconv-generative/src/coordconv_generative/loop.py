"""Pieces shared by the GAN and VAE training loops: deterministic, resumable epochs.

Epoch ``e`` visits the training set in the order ``randperm(N)`` seeded by ``(seed, e)``, so a
run resumed at step ``s`` rebuilds exactly the epoch it was in and skips the batches already
seen. Under multi-process Accelerate runs each process takes every ``world``-th index.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import torch
from torch.utils.data import DataLoader, Dataset, Subset

from coordconv_generative.data import first_tensor

# config fields a resumed run may change (budget and housekeeping, not the experiment)
RESUMABLE = ("resume", "overwrite", "device", "max_steps", "epochs", "log_every", "num_workers")


def steps_per_epoch(n: int, batch_size: int, world: int = 1) -> int:
    """Full batches per epoch (the last partial batch is dropped, as in the official code)."""
    return n // (batch_size * world)


def epoch_batches(
    dataset: Dataset,
    *,
    epoch: int,
    skip: int,
    batch_size: int,
    seed: int,
    accelerator: Any,
    num_workers: int = 0,
) -> Iterator[torch.Tensor]:
    """uint8 batches ``(B, 3, 64, 64)`` of epoch ``epoch`` on the accelerator's device,
    starting after ``skip`` batches."""
    n = len(dataset)  # type: ignore[arg-type]
    world, rank = accelerator.num_processes, accelerator.process_index
    gen = torch.Generator().manual_seed(seed * 1_000_003 + epoch)
    order = torch.randperm(n, generator=gen)
    per_process = steps_per_epoch(n, batch_size, world) * batch_size
    mine = order[rank::world][:per_process][skip * batch_size :]  # this process's indices
    loader = DataLoader(
        Subset(dataset, mine.tolist()),
        batch_size=batch_size,
        shuffle=False,
        drop_last=True,
        num_workers=num_workers,
    )
    for item in loader:
        yield first_tensor(item).to(accelerator.device, non_blocking=True)
