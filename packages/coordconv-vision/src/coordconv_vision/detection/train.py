"""Train the scattered-MNIST region-proposal model, conv or CoordConv (S6, table S3).

    coordconv-data generate scattered-mnist --out data
    coordconv-vision detect --data data/scattered_mnist.npz --model coordconv --out runs/det-cc

The run directory holds ``config.json``, ``metrics.jsonl`` (training losses every
``--log-every`` steps; the table S3 metrics on the test set before training and after each
epoch), ``checkpoint.safetensors`` (every ``--checkpoint-every`` steps, each epoch and on
SIGINT/SIGTERM; ``--resume`` continues mid-epoch), ``model.safetensors``, ``results.json`` (the
table S3 metrics on the test set, computed as the official code computes them, plus the CPU
seconds of training) and ``detections.png``. Several GPUs: ``torchrun
--nproc-per-node N -m coordconv_vision.cli detect ...`` (each process takes its share of every
global batch).
"""

from __future__ import annotations

import time
from typing import Any

import torch
from tqdm import tqdm

from coordconv_train import Run, UserError, seed_everything, training_state
from coordconv_vision.detection.config import (
    ANCHOR_LAYOUTS,
    DETECTOR_MODELS,
    HEADS,
    OPTIMIZER_NAMES,
    DetectionConfig,
)
from coordconv_vision.detection.evaluate import METRIC_KEYS, evaluate_detector
from coordconv_vision.detection.figure import plot_detections
from coordconv_vision.detection.model import build_detector
from coordconv_vision.detection.optim import OPTIMIZERS

__all__ = ["METRIC_KEYS", "load_split_tensors", "train_detector"]


def load_split_tensors(config: DetectionConfig) -> dict[str, torch.Tensor]:
    """Train/test images ``(N, 1, 64, 64)`` float in [0, 1] and boxes ``(N, G, 4)``."""
    from coordconv_data import DatasetError, scattered_mnist

    if config.data is None:
        raise UserError("--data is required (a scattered-MNIST .npz; see coordconv-data generate)")
    try:
        data = scattered_mnist.load(config.data)
    except (DatasetError, OSError) as exc:
        raise UserError(str(exc)) from exc
    out = {}
    for name, split, limit in (
        ("train", data.train, config.train_limit),
        ("test", data.test, config.test_limit),
    ):
        n = limit or len(split)
        out[f"{name}_images"] = torch.from_numpy(split.images[:n]).float().div_(255).unsqueeze(1)
        out[f"{name}_boxes"] = torch.from_numpy(split.boxes[:n]).float()
        out[f"{name}_uint8"] = torch.from_numpy(split.images[:n])
    if len(out["test_images"]) == 0:
        raise UserError(f"{config.data} has no test images")
    return out


def train_detector(config: DetectionConfig) -> dict[str, Any]:
    """Run (or resume) the experiment; returns ``results.json``'s content, or
    ``{"status": "stopped", "step": ...}`` (:func:`coordconv_train.is_stopped`) if a signal
    stopped it."""
    for name in ("epochs", "batch_size", "checkpoint_every", "log_every"):
        if getattr(config, name) < 1:
            raise UserError(f"--{name.replace('_', '-')} must be at least 1")
    for name in ("train_limit", "test_limit", "figure_images"):
        if getattr(config, name) < 0:
            raise UserError(f"--{name.replace('_', '-')} must be >= 0")
    for name, allowed in (
        ("model", DETECTOR_MODELS),
        ("head", HEADS),
        ("anchor_layout", ANCHOR_LAYOUTS),
        ("optimizer", OPTIMIZER_NAMES),
    ):
        if getattr(config, name) not in allowed:
            flag = f"--{name.replace('_', '-')}"
            raise UserError(f"{flag} must be one of {', '.join(allowed)}")
    if config.head == "ours" and config.anchor_layout != "paper":
        raise UserError("--anchor-layout official needs --head official")
    if config.hidden_channels is not None and config.hidden_channels < 1:
        raise UserError("--hidden-channels must be at least 1")
    run = Run(config, project="coordconv-vision")
    run.check()  # --out first (no writes; before the processes meet), then the data
    data = load_split_tensors(config)
    accelerator = run.accelerator
    if len(data["train_images"]) < config.batch_size * accelerator.num_processes:
        raise UserError(
            f"{len(data['train_images'])} training images are fewer than one global batch "
            f"({config.batch_size * accelerator.num_processes})"
        )
    state = run.open()  # every input checked: the first write
    seed_everything(config.seed)
    model = build_detector(
        config.model,
        head=config.head,
        anchor_layout=config.anchor_layout,
        hidden_channels=config.hidden_channels,
    )
    optimizer = OPTIMIZERS[config.optimizer](model.parameters(), config)
    step, wall, cpu = 0, 0.0, 0.0
    if state is not None:
        model.load_state_dict(state["model"])
        step, wall = int(state["step"]), float(state["wall_time_s"])
        cpu = float(state.get("cpu_time_s", 0.0))
        run.restore(state, keep=lambda r: r.get("step", 0) <= step)
    model, optimizer = accelerator.prepare(model, optimizer)
    if state is not None:
        optimizer.load_state_dict(state["optimizer"])
    device, rank, procs = accelerator.device, accelerator.process_index, accelerator.num_processes
    test_images = data["test_images"].to(device)
    test_boxes = data["test_boxes"].to(device)
    global_batch = config.batch_size * procs
    steps_per_epoch = len(data["train_images"]) // global_batch
    if steps_per_epoch < 1:
        raise UserError(
            f"{len(data['train_images'])} training images are fewer than one global batch ({global_batch})"
        )
    total_steps = config.epochs * steps_per_epoch

    def evaluate() -> tuple[dict[str, float], list[torch.Tensor], list[torch.Tensor]]:
        return evaluate_detector(
            accelerator.unwrap_model(model), test_images, test_boxes, seed=config.seed
        )

    def log_eval() -> dict[str, float]:
        metrics = evaluate()[0]
        record = {
            "step": step,
            "epoch": step / steps_per_epoch,
            **{f"test/{k}": v for k, v in metrics.items()},
        }
        run.log(record, step=step)
        return metrics

    def save() -> None:  # Run.checkpoint refuses a non-finite state
        run.checkpoint(
            training_state(
                accelerator, model, optimizer, step=step, wall_time_s=wall, cpu_time_s=cpu
            )
        )

    if step == 0 and accelerator.is_main_process:
        log_eval()  # the untrained model, for comparison
    bar = tqdm(
        total=total_steps,
        initial=step,
        desc=f"detect {config.model}",
        disable=not accelerator.is_local_main_process,
    )
    interrupted = False
    loss: torch.Tensor | None = None  # the last step's loss
    with run.stopping():
        while step < total_steps and not interrupted:
            epoch, skip = divmod(step, steps_per_epoch)
            order = torch.randperm(
                len(data["train_images"]),
                generator=torch.Generator().manual_seed(config.seed * 1_000_003 + epoch),
            )
            start, cpu_start = time.perf_counter(), time.process_time()
            for batch in range(skip, steps_per_epoch):
                idx = order[batch * global_batch + rank * config.batch_size :][: config.batch_size]
                images = data["train_images"][idx].to(device, non_blocking=True)
                targets = [{"boxes": b} for b in data["train_boxes"][idx].to(device)]
                with accelerator.autocast():
                    out = model(images, targets, propose=False)
                loss = out["box_loss"] + out["score_loss"]
                optimizer.zero_grad(set_to_none=True)
                accelerator.backward(loss)
                optimizer.step()
                step += 1
                bar.update(1)
                if step % config.log_every == 0 and accelerator.is_main_process:
                    losses = {
                        "train/box_loss": out["box_loss"].item(),
                        "train/score_loss": out["score_loss"].item(),
                    }
                    run.check_finite(losses, step=step, epoch=step / steps_per_epoch)
                    record = {
                        "step": step,
                        "epoch": step / steps_per_epoch,
                        **losses,
                        "train/iou": out["train_iou"].mean().item(),
                    }
                    run.log(record, step=step)
                interrupted = run.should_stop(step)
                if interrupted:
                    break
                if step % config.checkpoint_every == 0 and step % steps_per_epoch:
                    wall += time.perf_counter() - start
                    cpu += time.process_time() - cpu_start
                    start, cpu_start = time.perf_counter(), time.process_time()
                    save()
            wall += time.perf_counter() - start
            cpu += time.process_time() - cpu_start
            if loss is not None:  # not evaluated nor saved if the loss went non-finite
                run.check_finite(loss.item(), step=step, epoch=step / steps_per_epoch)
            # an epoch whose steps are all done is evaluated, also when a stop came at its last
            # step: the resumed run starts with the next epoch and never evaluates this one
            if step % steps_per_epoch == 0 and accelerator.is_main_process:
                metrics = log_eval()
                bar.set_postfix(iou_select=f"{metrics['test_iou_select']:.3f}")
            save()
        bar.close()
        if interrupted:
            return run.stopped(step=step)
    results: dict[str, Any] = {}
    if accelerator.is_main_process:
        metrics, boxes, scores = evaluate()
        unwrapped = accelerator.unwrap_model(model)
        results = {
            **metrics,
            "model": config.model,
            "head": config.head,
            "anchor_layout": config.anchor_layout,
            "optimizer": config.optimizer,
            "params": sum(p.numel() for p in unwrapped.parameters()),
            "epochs": step / steps_per_epoch,
            "steps": step,
            "wall_time_s": wall,
            "cpu_time_s": cpu,
        }
        run.save_weights(unwrapped)
        k = min(config.figure_images, len(boxes))
        if k:
            plot_detections(
                data["test_uint8"][:k].numpy(),
                data["test_boxes"][:k].numpy(),
                [b.numpy() for b in boxes[:k]],
                [s.numpy() for s in scores[:k]],
                run.path / "detections.png",
                title=f"{config.model}: test IOU-select {metrics['test_iou_select']:.3f} (green GT, red best box)",
            )
    return run.finish(results)
