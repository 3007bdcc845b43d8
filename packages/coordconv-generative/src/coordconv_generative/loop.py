"""The epochs the GAN (S7.1, S7.3) and VAE (S7.2) trainers share, on the run skeleton.

Epoch ``e`` visits the training set in the order ``randperm(N)`` seeded by ``(seed, e)``, so a
run resumed at step ``s`` rebuilds exactly the epoch it was in and skips the batches already
seen. Under multi-process Accelerate runs each process takes every ``world``-th index.

:func:`train_epochs` drives the iterations around a per-batch ``train_step`` callable (the
trainer's own maths): the tqdm bar, the metrics.jsonl cadence, the paper's snapshot at the end
of every epoch (S7.1: "save the model in the end of every epoch") and a checkpoint after every
pass. Opening, resuming, stopping on SIGINT/SIGTERM and the checkpoint files themselves are
:class:`coordconv_train.Run`'s (:func:`new_run`, :func:`open_run`).
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
from coordconv_train import Run, UserError
from coordconv_train.nonfinite import state_is_finite

PROJECT = "coordconv-generative"  # the trackers' project name


class LoopConfig(Protocol):
    """The config fields the shared loop reads (``GanConfig`` and ``VaeConfig`` have them)."""

    out: Path
    resume: bool
    overwrite: bool
    device: str
    amp: bool
    epochs: int
    max_steps: int | None
    batch_size: int
    seed: int
    num_workers: int
    log_every: int
    log_with: list[str]


def new_run(cfg: LoopConfig) -> Run:
    """The :class:`~coordconv_train.Run` of ``cfg``, after refusing budgets and counts below
    their minimum (a run of zero or fewer steps would save untrained weights) and ``--out``
    mistakes (:class:`UserError`), before any data is read or anything written."""
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
    run = Run(cfg, project=PROJECT)
    run.check()
    return run


def open_run(run: Run) -> dict[str, Any] | None:
    """Open ``run`` (the first write); on ``--resume`` restore the RNG and drop the
    metrics.jsonl records past the checkpoint's step, and return the checkpoint, from which the
    caller loads its modules and optimizers (``None`` on a fresh run)."""
    state = run.open()
    if state is not None:
        run.restore(state, keep=lambda record: record.get("step", 0) <= state["step"])
    return state


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


@dataclass
class Progress:
    """How far a run got: iterations, training wall time and the last iteration's losses;
    ``stopped`` is the trainer's return value (``{"status": "stopped", ...}``) if a signal
    stopped it."""

    steps_per_epoch: int
    step: int = 0
    wall_time_s: float = 0.0
    losses: dict[str, float] = field(default_factory=dict)
    stopped: dict[str, Any] | None = None

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
    run: Run,
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
    ``checkpoint_state()`` (modules, optimizers, the trainer's own counters) with the step and
    wall time, so that a run continued with ``resumed`` (:func:`open_run`) picks up where this
    one left. A SIGINT/SIGTERM ends the run after the step in hand (``Progress.stopped``).
    """
    accelerator = run.accelerator
    spe = epoch_steps(dataset, cfg.batch_size, accelerator)
    total = spe * cfg.epochs if cfg.max_steps is None else min(spe * cfg.epochs, cfg.max_steps)
    progress = Progress(spe)
    if resumed is not None:
        progress.step, progress.wall_time_s = resumed["step"], resumed["wall_time_s"]
    bar = tqdm(total=total, initial=progress.step, desc=desc, disable=not run.is_main)
    with run.stopping():
        stop = run.should_stop(progress.step)  # a signal before the first step
        while progress.step < total and not stop:
            epoch, skip = divmod(progress.step, spe)
            start = time.perf_counter()
            batches = epoch_batches(
                dataset, epoch=epoch, skip=skip, batch_size=cfg.batch_size, seed=cfg.seed,
                accelerator=accelerator, num_workers=cfg.num_workers,
            )  # fmt: skip
            for batch in batches:
                try:
                    progress.losses = train_step(batch)
                except RuntimeError:  # e.g. a loss that refuses NaN inputs: say why, in a line
                    if state_is_finite(checkpoint_state()):
                        raise
                    nan = {"the weights": float("nan")}
                    run.check_finite(nan, step=progress.step + 1, epoch=epoch + 1)
                    raise
                progress.step += 1
                step = progress.step
                run.check_finite(progress.losses, step=step, epoch=epoch + 1)  # floats already
                bar.update(1)
                if step % cfg.log_every == 0 or step == total or (log_first_step and step == 1):
                    bar.set_postfix(progress.losses)
                    run.log({"step": step, "epoch": epoch, **progress.losses}, step=step)
                stop = run.should_stop(step)
                if stop or step >= total:
                    break
            progress.wall_time_s += time.perf_counter() - start
            if progress.step % spe == 0:  # end of an epoch: the paper's per-epoch snapshot
                snapshot(f"_epoch{progress.step // spe:03d}", progress.step)
            run.checkpoint(
                {**checkpoint_state(), "step": progress.step, "wall_time_s": progress.wall_time_s}
            )
            stop = stop or run.should_stop(progress.step)  # a signal during snapshot or checkpoint
        bar.close()
        if stop:
            progress.stopped = run.stopped(step=progress.step)
    return progress
