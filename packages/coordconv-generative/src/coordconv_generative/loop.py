"""The training loop the GAN (S7.1, S7.3) and VAE (S7.2) trainers share: resumable epochs.

Epoch ``e`` visits the training set in the order ``randperm(N)`` seeded by ``(seed, e)``, so a
run resumed at step ``s`` rebuilds exactly the epoch it was in and skips the batches already
seen. Under multi-process Accelerate runs each process takes every ``world``-th index.

:func:`train_epochs` drives the iterations around a per-batch ``train_step`` callable (the
trainer's own maths): the tqdm bar, metrics.jsonl cadence (mirrored to the ``--log-with``
trackers), the paper's snapshot at the end of every epoch (S7.1: "save the model in the end of
every epoch"), a checkpoint after every pass, and a graceful stop on SIGINT/SIGTERM. :func:`open_run` prepares the run directory and, on
``--resume``, hands back the checkpoint the trainer restores its modules from.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import torch
from torch.utils.data import DataLoader, Dataset, Subset
from tqdm.auto import tqdm

from coordconv_generative.data import first_tensor
from coordconv_train import (
    GracefulStop,
    RunDir,
    UserError,
    config_to_dict,
    load_checkpoint,
    rng_state,
    save_checkpoint,
    set_rng_state,
)
from coordconv_train.tracking import end_tracking, start_tracking

# config fields a resumed run may change (budget and housekeeping, not the experiment)
RESUMABLE = (
    "resume",
    "overwrite",
    "device",
    "max_steps",
    "epochs",
    "log_every",
    "num_workers",
    "log_with",
)


class LoopConfig(Protocol):
    """The config fields the shared loop reads (``GanConfig`` and ``VaeConfig`` have them)."""

    out: Path
    resume: bool
    overwrite: bool
    epochs: int
    max_steps: int | None
    batch_size: int
    seed: int
    num_workers: int
    log_every: int
    log_with: list[str]


def check_loop_config(cfg: LoopConfig) -> None:
    """Refuse budgets and counts below their minimum (a run of zero or fewer steps would save
    untrained weights) and a ``--out`` that :func:`open_run` would refuse (:class:`UserError`),
    before any data is read or anything written."""
    low = [
        f"--{name.replace('_', '-')} {value}"
        for name, value, least in (
            ("epochs", cfg.epochs, 1),
            ("batch_size", cfg.batch_size, 1),
            ("log_every", cfg.log_every, 1),
            ("num_workers", cfg.num_workers, 0),
            *([("max_steps", cfg.max_steps, 1)] if cfg.max_steps is not None else []),
        )
        if value < least
    ]
    if low:
        raise UserError(
            f"{', '.join(low)}: --epochs, --batch-size, --log-every and --max-steps must be >= 1, "
            "--num-workers >= 0"
        )
    RunDir(cfg.out).check(
        config_to_dict(cfg), overwrite=cfg.overwrite, resume=cfg.resume, ignore_on_resume=RESUMABLE
    )


def steps_per_epoch(n: int, batch_size: int, world: int = 1) -> int:
    """Full batches per epoch (the last partial batch is dropped, as in the official code)."""
    return n // (batch_size * world)


def epoch_steps(dataset: Dataset, batch_size: int, accelerator: Any) -> int:
    """:func:`steps_per_epoch` of ``dataset`` on this accelerator; refuse less than one batch."""
    n = len(dataset)  # type: ignore[arg-type]
    spe = steps_per_epoch(n, batch_size, accelerator.num_processes)
    if spe == 0:
        raise UserError(f"{n} images are fewer than one batch of {batch_size}")
    return spe


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
        generator=gen,  # its worker seed is drawn here, not from the global RNG (exact resume)
    )
    for item in loader:
        yield first_tensor(item).to(accelerator.device, non_blocking=True)


def open_run(cfg: LoopConfig) -> tuple[RunDir, dict[str, Any] | None]:
    """Prepare the run directory ``cfg.out``; return it and, on ``--resume``, its checkpoint.

    Resuming restores the RNG and drops metrics.jsonl records past the checkpoint's step; the
    caller loads its modules and optimizers from the returned state (``None`` on a fresh run).
    """
    run = RunDir(cfg.out)
    resuming = run.prepare(
        config_to_dict(cfg), overwrite=cfg.overwrite, resume=cfg.resume, ignore_on_resume=RESUMABLE
    )
    if not resuming:
        return run, None
    state = load_checkpoint(run.checkpoint)
    set_rng_state(state["rng"])
    run.truncate_metrics(lambda r: r.get("step", 0) <= state["step"])
    return run, state


@dataclass
class Progress:
    """How far a run got: iterations, training wall time and the last iteration's losses."""

    steps_per_epoch: int
    step: int = 0
    wall_time_s: float = 0.0
    losses: dict[str, float] = field(default_factory=dict)
    stopped_early: bool = False

    def summary(self) -> dict[str, Any]:
        """The results.json entries every trainer reports, in their fixed order."""
        return {
            "epochs": self.step / self.steps_per_epoch,
            "steps": self.step,
            "wall_time_s": self.wall_time_s,
            **self.losses,
        }


def train_epochs(
    train_step: Callable[[torch.Tensor], dict[str, float]],
    *,
    cfg: LoopConfig,
    dataset: Dataset,
    accelerator: Any,
    run: RunDir,
    resumed: dict[str, Any] | None,
    checkpoint_state: Callable[[], dict[str, Any]],
    snapshot: Callable[[str, int], object],
    desc: str,
    log_first_step: bool = False,
) -> Progress:
    """Call ``train_step`` on every batch for ``cfg.epochs`` epochs or ``cfg.max_steps`` steps.

    ``train_step(batch)`` trains on one uint8 batch ``(B, 3, 64, 64)`` and returns that
    iteration's losses as floats; they go to metrics.jsonl every ``cfg.log_every`` iterations,
    at the last one and, with ``log_first_step``, at the first. ``snapshot(tag, step)`` saves
    the per-epoch snapshot (tag ``_epoch001``, ...). After every pass over the data (an epoch
    ended, the budget ran out or a stop signal came) the checkpoint holds
    ``checkpoint_state()`` (modules, optimizers, the trainer's own counters) with the step,
    wall time and RNG, so that a run continued with ``resumed`` picks up where this one left.
    """
    spe = epoch_steps(dataset, cfg.batch_size, accelerator)
    total = spe * cfg.epochs if cfg.max_steps is None else min(spe * cfg.epochs, cfg.max_steps)
    progress = Progress(spe)
    if resumed is not None:
        progress.step, progress.wall_time_s = resumed["step"], resumed["wall_time_s"]

    def save_state() -> None:
        if accelerator.is_main_process:
            save_checkpoint(
                run.checkpoint,
                {
                    **checkpoint_state(),
                    "step": progress.step,
                    "wall_time_s": progress.wall_time_s,
                    "rng": rng_state(),
                },
            )

    if accelerator.is_main_process:
        start_tracking(accelerator, "coordconv-generative", config_to_dict(cfg))
    bar = tqdm(
        total=total, initial=progress.step, desc=desc, disable=not accelerator.is_main_process
    )
    with GracefulStop() as stop:
        while progress.step < total and not stop.requested:
            epoch, skip = divmod(progress.step, spe)
            start = time.perf_counter()
            batches = epoch_batches(
                dataset, epoch=epoch, skip=skip, batch_size=cfg.batch_size, seed=cfg.seed,
                accelerator=accelerator, num_workers=cfg.num_workers,
            )  # fmt: skip
            for batch in batches:
                progress.losses = train_step(batch)
                progress.step += 1
                step = progress.step
                bar.update(1)
                if step % cfg.log_every == 0 or step == total or (log_first_step and step == 1):
                    bar.set_postfix(progress.losses)
                    if accelerator.is_main_process:
                        record = {"step": step, "epoch": epoch, **progress.losses}
                        run.log(record)
                        accelerator.log(record, step=step)
                if step >= total or stop.requested:
                    break
            progress.wall_time_s += time.perf_counter() - start
            if progress.step % spe == 0:  # end of an epoch: the paper's per-epoch snapshot
                snapshot(f"_epoch{progress.step // spe:03d}", progress.step)
            save_state()
    bar.close()
    end_tracking(accelerator)
    progress.stopped_early = bool(stop.requested)
    return progress
