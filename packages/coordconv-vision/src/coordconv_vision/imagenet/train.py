"""Train and evaluate an ImageNet classifier (S5, table S2) on one or many GPUs.

Single process::

    coordconv-vision imagenet --data /data/imagenet --model coordconv-resnet50 --out runs/cc50

Eight GPUs on one node (the same entry point; Accelerate reads torchrun's environment)::

    torchrun --nproc-per-node 8 -m coordconv_vision.cli imagenet --data ... --batch-size 128

The paper ran ResNet-50 on 100 GPUs with Horovod for 90 epochs; here Accelerate/DDP does the
same job. Each step is SGD with momentum 0.9, weight decay 1e-4 and ``lr = base_lr * global
batch / 256``; validation gives top-1, top-5 and the loss (table S2's three columns). The run
directory holds ``config.json``, ``metrics.jsonl``, ``checkpoint.safetensors`` (every
``--checkpoint-every`` steps, at each epoch end and on SIGINT/SIGTERM; resumable mid-epoch with
``--resume``), ``model.safetensors`` and ``results.json``.
"""

from __future__ import annotations

import time
from typing import Any

import torch
import torch.nn.functional as F
from torch.utils.data import DataLoader, RandomSampler
from tqdm import tqdm

from coordconv_train import Run, UserError, seed_everything, training_state
from coordconv_vision.imagenet.config import ImageNetConfig
from coordconv_vision.imagenet.data import EpochSeeded, image_folders
from coordconv_vision.imagenet.models import build_classifier, count_parameters
from coordconv_vision.imagenet.schedule import lr_factor


def _train_loader(
    dataset: EpochSeeded, config: ImageNetConfig, epoch: int, pin: bool
) -> DataLoader:
    """A loader whose shuffle depends only on (seed, epoch), so a resumed run sees the same order."""
    generator = torch.Generator().manual_seed(config.seed * 1_000_003 + epoch)
    dataset.epoch = epoch
    return DataLoader(
        dataset,
        batch_size=config.batch_size,
        sampler=RandomSampler(dataset, generator=generator),
        num_workers=config.workers,
        pin_memory=pin,
        drop_last=True,
    )


@torch.no_grad()
def evaluate(model: torch.nn.Module, loader: Any, accelerator: Any) -> dict[str, float]:
    """Top-1, top-5 accuracy and mean cross-entropy over ``loader`` (gathered over processes)."""
    model.eval()
    loss_sum, top1, top5, count = 0.0, 0.0, 0.0, 0
    for images, labels in loader:
        with accelerator.autocast():
            logits = model(images)
        logits, labels = accelerator.gather_for_metrics((logits.float(), labels))
        loss_sum += F.cross_entropy(logits, labels, reduction="sum").item()
        k = min(5, logits.shape[1])
        hits = logits.topk(k, dim=1).indices == labels[:, None]  # (N, k)
        top1 += hits[:, 0].sum().item()
        top5 += hits.any(dim=1).sum().item()
        count += labels.numel()
    model.train()
    return {"loss": loss_sum / count, "top1": top1 / count, "top5": top5 / count}


def train(config: ImageNetConfig) -> dict[str, Any]:
    """Run (or resume) the experiment; returns ``results.json``'s content, or
    ``{"status": "stopped", "step": ...}`` (:func:`coordconv_train.is_stopped`) if a signal
    stopped it."""
    if config.data is None:
        raise UserError("--data is required (an ImageNet-layout folder with train/ and val/)")
    for name in ("epochs", "batch_size", "image_size", "checkpoint_every", "log_every"):
        if getattr(config, name) < 1:
            raise UserError(f"--{name.replace('_', '-')} must be at least 1")
    if config.batch_size < 2:  # BatchNorm in train mode needs two values per channel
        raise UserError("--batch-size must be at least 2 (ResNet BatchNorm layers)")
    if config.workers < 0 or config.max_steps < 0 or config.warmup_epochs < 0:
        raise UserError("--workers, --max-steps and --warmup-epochs must be >= 0")
    run = Run(config, project="coordconv-vision")
    run.check()  # --out first (no writes; before the processes meet), then the data and the model
    accelerator = run.accelerator
    seed_everything(config.seed + accelerator.process_index)

    train_set, val_set = image_folders(config.data, config.image_size)
    train_set = EpochSeeded(train_set, config.seed)
    model = build_classifier(
        config.model,
        num_classes=len(val_set.classes),
        convert=config.convert,
        weights=config.weights,
    )
    global_batch = config.batch_size * accelerator.num_processes
    steps_per_epoch = len(train_set) // global_batch
    if steps_per_epoch < 1:
        raise UserError(
            f"{len(train_set)} training images are fewer than one global batch ({global_batch})"
        )
    state = run.open()  # every input checked: the first write
    cuda = accelerator.device.type == "cuda"
    if cuda and config.channels_last:
        model = model.to(memory_format=torch.channels_last)
    peak_lr = config.learning_rate(global_batch)
    optimizer = torch.optim.SGD(
        model.parameters(), lr=peak_lr, momentum=config.momentum, weight_decay=config.weight_decay
    )
    step, wall = 0, 0.0
    if state is not None:
        model.load_state_dict(state["model"])
        step, wall = int(state["step"]), float(state["wall_time_s"])
        run.restore(state, keep=lambda r: r.get("step", 0) <= step)
    model, optimizer = accelerator.prepare(model, optimizer)
    if state is not None:  # after prepare, so the momentum buffers land on the model's device
        optimizer.load_state_dict(state["optimizer"])
    val_loader = accelerator.prepare(
        DataLoader(
            val_set, batch_size=config.batch_size, num_workers=config.workers, pin_memory=cuda
        )
    )
    total_steps = config.epochs * steps_per_epoch
    last_step = min(total_steps, config.max_steps) if config.max_steps else total_steps

    def save() -> None:  # Run.checkpoint refuses a non-finite state
        run.checkpoint(training_state(accelerator, model, optimizer, step=step, wall_time_s=wall))

    bar = tqdm(
        total=last_step,
        initial=step,
        desc=config.model,
        disable=not accelerator.is_local_main_process,
    )
    interrupted, metrics = False, None
    loss: torch.Tensor | None = None  # the last step's loss
    with run.stopping():
        while step < last_step and not interrupted:
            epoch, skip = divmod(step, steps_per_epoch)
            loader = accelerator.prepare(_train_loader(train_set, config, epoch, cuda))
            if skip:
                loader = accelerator.skip_first_batches(loader, skip)
            start, seen = time.perf_counter(), 0
            for images, labels in loader:
                if cuda and config.channels_last:
                    images = images.contiguous(memory_format=torch.channels_last)
                factor = lr_factor(
                    step / steps_per_epoch,
                    total_epochs=config.epochs,
                    schedule=config.schedule,
                    warmup_epochs=config.warmup_epochs,
                )
                for group in optimizer.param_groups:
                    group["lr"] = peak_lr * factor
                with accelerator.autocast():
                    loss = F.cross_entropy(model(images), labels)
                optimizer.zero_grad(set_to_none=True)
                accelerator.backward(loss)
                optimizer.step()
                step += 1
                seen += images.shape[0] * accelerator.num_processes
                bar.update(1)
                if step % config.log_every == 0 and accelerator.is_main_process:
                    record = {"step": step, "epoch": step / steps_per_epoch}
                    record.update({"train/loss": loss.item(), "lr": peak_lr * factor})
                    run.check_finite(record["train/loss"], step=step, epoch=record["epoch"])
                    run.log(record, step=step)
                interrupted = run.should_stop(step)
                if interrupted or step >= last_step or step % steps_per_epoch == 0:
                    break
                if step % config.checkpoint_every == 0:
                    wall += time.perf_counter() - start
                    start = time.perf_counter()
                    save()
            wall += time.perf_counter() - start
            if loss is not None:  # not evaluated nor saved if the loss went non-finite
                run.check_finite(loss.item(), step=step, epoch=step / steps_per_epoch)
            # an epoch whose steps are all done is evaluated, also when a stop came at its last
            # step: the resumed run starts with the next epoch and never evaluates this one
            if step % steps_per_epoch == 0 or step >= last_step:
                metrics = evaluate(model, val_loader, accelerator)
                if accelerator.is_main_process:
                    record = {"step": step, "epoch": step / steps_per_epoch}
                    record.update({f"val/{k}": v for k, v in metrics.items()})
                    run.log(record, step=step)
                    bar.set_postfix(top1=f"{metrics['top1']:.3f}", loss=f"{metrics['loss']:.3f}")
            save()
        bar.close()
        if interrupted:
            return run.stopped(step=step)
    if metrics is None:  # resumed a run that had already finished its steps
        metrics = evaluate(model, val_loader, accelerator)
    results = {
        "model": config.model,
        "convert": config.convert,
        **metrics,
        "params": count_parameters(accelerator.unwrap_model(model)),
        "epochs": step / steps_per_epoch,
        "steps": step,
        "global_batch": global_batch,
        "processes": accelerator.num_processes,
        "wall_time_s": wall,
    }
    run.save_weights(accelerator.unwrap_model(model))
    return run.finish(results)
