"""Train one model on one Not-so-Clevr task (paper section 4, S1-S4): the ``notsoclevr`` command.

    coordconv-vision notsoclevr --task classification --model coordconv --split quadrant --out runs/cls

Follows docs/architecture.md through :class:`coordconv_train.Run`: the run directory holds
``config.json``, ``metrics.jsonl`` (one record per epoch), ``results.json``, ``model.safetensors``
and PNG figures; ``checkpoint.safetensors`` is written after every epoch and on SIGINT/SIGTERM
(mid-epoch: the epoch's batch order, position and running training loss are saved too), so
``--resume`` continues exactly where the run stopped. The dataset stays on the device as
tensors; batches are drawn from a seeded ``torch.Generator`` whose state is checkpointed.
Accelerate handles the device, mixed precision on GPU and multi-GPU data parallelism (each
process takes its share of every global batch).
"""

from __future__ import annotations

import argparse
import dataclasses
import logging
import time
from typing import Any

import torch
from tqdm.auto import tqdm

from coordconv_train import Run, flush_denormals, seed_everything
from coordconv_vision.notsoclevr.config import NotSoClevrConfig, resolve
from coordconv_vision.notsoclevr.data import (
    METRICS,
    TaskData,
    load_task_data,
    loss_fn,
    metric_sums,
    where_loss_fn,
)
from coordconv_vision.notsoclevr.models import build_model, count_parameters
from coordconv_vision.trainer_command import add_trainer_command

log = logging.getLogger(__name__)
EVAL_CHUNK = 256


def make_optimizer(model: torch.nn.Module, lr: float, wd: float) -> torch.optim.Adam:
    """Adam with L2 decay on conv/linear weights only (the official code regularised kernels)."""
    decay = [p for p in model.parameters() if p.dim() > 1]
    rest = [p for p in model.parameters() if p.dim() <= 1]
    groups = [{"params": decay, "weight_decay": wd}, {"params": rest, "weight_decay": 0.0}]
    return torch.optim.Adam(groups, lr=lr)


@torch.no_grad()
def evaluate(
    model: torch.nn.Module, data: TaskData, indices: torch.Tensor, task: str, raw_coords: bool
) -> dict[str, float]:
    """Mean loss and metrics of ``model`` over ``indices`` (eval mode, no gradients)."""
    if len(indices) == 0:
        return {}
    was_training = model.training
    model.eval()
    totals: dict[str, float] = {"loss": 0.0}
    for chunk in indices.split(EVAL_CHUNK):
        out = model(data.inputs[chunk])
        totals["loss"] += loss_fn(task, out, data.targets[chunk]).item() * len(chunk)
        sums = metric_sums(
            task, out, data.targets[chunk], data.coords[chunk], raw_coords=raw_coords
        )
        for k, v in sums.items():
            totals[k] = totals.get(k, 0.0) + v
    model.train(was_training)
    return {k: v / len(indices) for k, v in totals.items()}


def batch_loss(
    model: torch.nn.Module, config: NotSoClevrConfig, data: TaskData, idx: torch.Tensor
) -> torch.Tensor:
    """The training loss of the examples ``idx``: the task's loss, plus the where loss if set."""
    if config.where_loss == "none":
        return loss_fn(config.task, model(data.inputs[idx]), data.targets[idx])
    logits, where_logits = model(data.inputs[idx], return_where_logits=True)
    return loss_fn(config.task, logits, data.targets[idx]) + where_loss_fn(
        where_logits, data.coords[idx]
    )


def _prefixed(prefix: str, metrics: dict[str, float]) -> dict[str, float]:
    return {f"{prefix}_{k}": v for k, v in metrics.items()}


def train(config: NotSoClevrConfig) -> dict[str, Any]:
    """Run (or resume) one training run; returns the results (also written to results.json).

    If stopped by SIGINT/SIGTERM, returns ``{"status": "stopped", "epoch": ..., "batch": ...}``
    (:func:`coordconv_train.is_stopped`) after checkpointing.
    """
    config = resolve(config)
    run = Run(config, project="coordconv-vision")
    run.check()
    accelerator = run.accelerator
    device, main = accelerator.device, run.is_main
    state = run.open()

    seed_everything(config.seed)
    data = load_task_data(
        config.task, config.split, raw_coords=config.raw_coords,
        train_fraction=config.train_fraction, val_fraction=config.val_fraction,
    ).to(device)  # fmt: skip
    if config.train_limit:
        data = dataclasses.replace(data, train=data.train[: config.train_limit])
    model = build_model(
        config.task, config.model, config.split,
        filter_size=config.filter_size, channel_mult=config.channel_mult,  # type: ignore[arg-type]
        where_loss=config.where_loss, init=config.init,  # type: ignore[arg-type]
        readout=config.readout or "softargmax",
    ).to(device)  # fmt: skip
    params = count_parameters(model)
    log.info("%s/%s model: %d parameters", config.task, config.model, params)
    optimizer = make_optimizer(model, config.lr, config.wd)  # type: ignore[arg-type]
    generator = torch.Generator().manual_seed(config.seed)

    epoch, batch, perm, elapsed = 0, 0, None, 0.0
    loss_sum, loss_count = 0.0, 0  # this epoch's training loss so far (checkpointed mid-epoch)
    if state is not None:
        model.load_state_dict(state["model"])
        optimizer.load_state_dict(state["optimizer"])
        generator.set_state(state["generator"])
        epoch, batch, elapsed = state["epoch"], state["batch"], state["wall_time_s"]
        perm = state["perm"] if state["perm"].numel() else None
        loss_sum, loss_count = state.get("loss_sum", 0.0), state.get("loss_count", 0)
        run.restore(state, keep=lambda r: r.get("epoch", 0) <= epoch)
        log.info("resuming %s at epoch %d, batch %d", run.path, epoch, batch)
    model, optimizer = accelerator.prepare(model, optimizer)
    net = accelerator.unwrap_model(model)

    def checkpoint() -> None:
        run.checkpoint({
            "model": net.state_dict(), "optimizer": optimizer.state_dict(),
            "generator": generator.get_state(),
            "epoch": epoch, "batch": batch, "wall_time_s": elapsed,
            "loss_sum": loss_sum, "loss_count": loss_count,
            "perm": perm.cpu() if perm is not None else torch.zeros(0, dtype=torch.int64),
        })  # fmt: skip

    n_train, bs = len(data.train), config.batch_size
    n_batches = -(-n_train // bs)  # type: ignore[operator]
    rank, world = accelerator.process_index, accelerator.num_processes
    bar = tqdm(total=config.epochs * n_batches, initial=epoch * n_batches + batch,  # type: ignore[operator]
               desc=f"{config.task}/{config.model}/{config.split}", disable=not (main and config.progress))  # fmt: skip
    started = time.perf_counter() - elapsed
    with run.stopping(), flush_denormals(device):
        while epoch < config.epochs:  # type: ignore[operator]
            for group in optimizer.param_groups:
                decays = epoch // config.lr_step if config.lr_step else 0
                group["lr"] = config.lr * config.lr_gamma**decays  # type: ignore[operator]
            if perm is None:
                perm = data.train[torch.randperm(n_train, generator=generator).to(device)]
            model.train()
            while batch < n_batches:
                idx = perm[batch * bs : (batch + 1) * bs][rank::world]  # type: ignore[operator]
                with accelerator.autocast():
                    loss = batch_loss(model, config, data, idx)
                optimizer.zero_grad(set_to_none=True)
                accelerator.backward(loss)
                optimizer.step()
                value = loss.item()  # read every step already: the check costs no sync
                run.check_finite(
                    value, step=epoch * n_batches + batch + 1, epoch=epoch + 1, batch=batch + 1
                )
                loss_sum, loss_count = loss_sum + value, loss_count + 1
                batch += 1
                bar.update(1)
                if run.should_stop(epoch * n_batches + batch):
                    elapsed = time.perf_counter() - started
                    checkpoint()
                    bar.close()
                    return run.stopped(epoch=epoch, batch=batch)
            epoch, batch, perm = epoch + 1, 0, None
            record: dict[str, Any] = {"epoch": epoch, "train_loss": loss_sum / max(loss_count, 1)}
            loss_sum, loss_count = 0.0, 0
            if epoch % config.eval_every == 0 or epoch == config.epochs:
                record.update(
                    _prefixed("val", evaluate(net, data, data.val, config.task, config.raw_coords))
                )
                record.update(
                    _prefixed(
                        "test", evaluate(net, data, data.test, config.task, config.raw_coords)
                    )
                )
                bar.set_postfix(
                    {k: round(v, 4) for k, v in record.items() if k.startswith("test_")}
                )
            elapsed = time.perf_counter() - started
            record["wall_time_s"] = elapsed
            run.log(record, step=epoch)
            checkpoint()
    bar.close()
    return run.finish(_final_results(config, run, net, data, params, elapsed) if main else {})


def _final_results(
    config: NotSoClevrConfig,
    run: Run,
    net: torch.nn.Module,
    data: TaskData,
    params: int,
    elapsed: float,
) -> dict[str, Any]:
    """Final metrics on every split, weights and figures (main process); the results to write."""
    results: dict[str, Any] = {
        "task": config.task, "model": config.model, "split": config.split, "params": params,
        "epochs": config.epochs, "wall_time_s": round(elapsed, 3),
        "raw_coords": config.raw_coords, "seed": config.seed,
    }  # fmt: skip
    logged = run.dir.metrics()
    last = logged[-1] if logged and logged[-1].get("epoch") == config.epochs else {}
    for name in ("train", "val", "test"):
        # val/test of the last epoch were just evaluated and logged: reuse them
        cached = {k: v for k, v in last.items() if name != "train" and k.startswith(f"{name}_")}
        if not cached:
            metrics = evaluate(net, data, getattr(data, name), config.task, config.raw_coords)
            cached = _prefixed(name, metrics)
        results.update(cached)
    missing = [
        f"{p}_{m}"
        for p in ("train", "test")
        for m in ("loss", *METRICS[config.task])
        if f"{p}_{m}" not in results
    ]
    assert not missing, missing
    run.save_weights(net)
    if config.figures:
        from coordconv_vision.notsoclevr.figures import write_run_figures

        write_run_figures(run.path, config.task, net, data, config.raw_coords)
    return results


EPILOG = """examples:
  coordconv-vision notsoclevr --task classification --model coordconv --split quadrant --out runs/cls-cc-q
  coordconv-vision notsoclevr --task rendering --model deconv --split uniform --epochs 100 --out runs/ren-dc-u
  coordconv-vision notsoclevr --task regression --model conv --split quadrant --out runs/reg-conv-q
"""


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add ``notsoclevr`` (one run) to the ``coordconv-vision`` parser."""
    add_trainer_command(
        subparsers,
        "notsoclevr",
        NotSoClevrConfig,
        "coordconv_vision.notsoclevr.train:train",
        help="train one model on a Not-so-Clevr coordinate task (paper S1-S4)",
        description="Train one model on a supervised Not-so-Clevr task: coordinate "
        "classification, coordinate regression or supervised rendering. Unset "
        "hyperparameters take the paper's values for the task and model.",
        epilog=EPILOG,
        level=logging.INFO,
        stopped="stopped at epoch {epoch}, batch {batch}; rerun with --resume",
    )
