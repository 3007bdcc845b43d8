"""Train the GANs of S7.1 (colored shapes, table S4) and S7.3 (LSUN-style folders, table S6).

Usage::

    coordconv-data generate shapes --out data
    coordconv-generative gan --data data/shapes.npz --model coordconv-gd --out runs/gan-coordconv
    coordconv-generative gan --data data/shapes.npz --model conv --out runs/gan-conv
    coordconv-generative gan --data /path/to/lsun_bedroom_64 --arch lsun --model coordconv-gd \\
        --out runs/lsun-coordconv
    accelerate launch -m coordconv_generative.cli gan ...   # several GPUs

The paper's recipe: z of 256 (100 for LSUN) uniform in [-1, 1]; Adam with lr 1e-4 for the
discriminator and 5e-4 for the generator (beta1 = 0.5, the DCGAN default the paper does not
state); per iteration the discriminator is updated once and the generator twice; 50 epochs;
a snapshot at the end of every epoch. Non-saturating GAN loss (BCE on logits).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch
import torch.nn.functional as F

from coordconv_core.training import UserError, make_accelerator, seed_everything
from coordconv_generative.data import load_training_set, resolve_arch
from coordconv_generative.entropy import detect_objects
from coordconv_generative.figures import save_grid
from coordconv_generative.loop import check_loop_config, epoch_steps, open_run, train_epochs
from coordconv_generative.models import ARCHS, MODELS, build_gan, count_parameters
from coordconv_generative.weights import WEIGHTS, TrainedGenerator, save_weights


@dataclass
class GanConfig:
    """Configuration of one GAN run (every field is a command-line flag)."""

    data: Path | None = field(
        default=None, metadata={"help": "coordconv-data shapes .npz, or a folder of images"}
    )
    model: str = field(
        default="coordconv-gd",
        metadata={
            "help": "conv: deconv G + conv D; coordconv: CoordConv G; coordconv-gd: CoordConv G and D",
            "choices": list(MODELS),
        },
    )
    arch: str = field(
        default="auto",
        metadata={
            "help": "shapes (table S4) or lsun (table S6); auto: lsun for a folder, shapes for a file",
            "choices": ["auto", *ARCHS],
        },
    )
    epochs: int = field(default=50, metadata={"help": "passes over the training set"})
    batch_size: int = field(default=64, metadata={"help": "images per batch (per process)"})
    lr_d: float = field(default=1e-4, metadata={"help": "discriminator Adam learning rate"})
    lr_g: float = field(default=5e-4, metadata={"help": "generator Adam learning rate"})
    beta1: float = field(default=0.5, metadata={"help": "Adam beta1 (DCGAN default)"})
    g_steps: int = field(default=2, metadata={"help": "generator updates per iteration"})
    n_train: int | None = field(
        default=None, metadata={"help": "use only the first N training images"}
    )
    max_steps: int | None = field(
        default=None, metadata={"help": "stop after this many iterations (CI-sized runs)"}
    )
    width_divisor: int = field(
        default=1, metadata={"help": "divide every channel width (1 = the paper's models)"}
    )
    num_workers: int = field(default=0, metadata={"help": "DataLoader worker processes"})
    log_every: int = field(
        default=50, metadata={"help": "iterations between metrics.jsonl records"}
    )
    device: str = field(
        default="auto", metadata={"help": "auto, cpu or cuda", "choices": ["auto", "cpu", "cuda"]}
    )
    amp: bool = field(default=True, metadata={"help": "mixed precision on CUDA"})
    seed: int = field(default=0, metadata={"help": "random seed"})
    out: Path = field(default=Path("runs/gan"), metadata={"help": "run directory"})
    resume: bool = field(default=False, metadata={"help": "continue the run in --out"})
    overwrite: bool = field(default=False, metadata={"help": "replace the run in --out"})


def detect_rate(generator: TrainedGenerator, n: int = 256, seed: int = 1234) -> float:
    """Fraction of ``n`` samples in which both a red and a blue object are detected."""
    z = generator.sample_z(n, torch.Generator().manual_seed(seed))
    return float(detect_objects(generator.images(z)).both.mean())


def train_gan(cfg: GanConfig) -> dict:
    """Train, snapshot every epoch, and return (and write) ``results.json``; a run stopped by
    SIGINT/SIGTERM returns ``{"stopped": True, ...}`` after its checkpoint (no results.json)."""
    check_loop_config(cfg)
    if cfg.g_steps < 1 or min(cfg.lr_d, cfg.lr_g) <= 0 or not 0 <= cfg.beta1 < 1:
        raise UserError("need --g-steps >= 1, --lr-d and --lr-g > 0 and 0 <= --beta1 < 1")
    arch = resolve_arch(cfg.data, cfg.arch) if cfg.data is not None else cfg.arch
    dataset = load_training_set(cfg.data, cfg.n_train)
    if cfg.batch_size < 1 or cfg.width_divisor < 1 or cfg.epochs < 1:
        raise UserError("--batch-size, --width-divisor and --epochs must be >= 1")
    accelerator = make_accelerator(cfg.device, cfg.amp)
    epoch_steps(dataset, cfg.batch_size, accelerator)  # refuse a set smaller than one batch
    seed_everything(cfg.seed)
    pair = build_gan(arch, cfg.model, cfg.width_divisor)
    gen, disc = pair.generator, pair.discriminator
    params = {"params_g": count_parameters(gen), "params_d": count_parameters(disc)}
    opt_g = torch.optim.Adam(gen.parameters(), lr=cfg.lr_g, betas=(cfg.beta1, 0.999))
    opt_d = torch.optim.Adam(disc.parameters(), lr=cfg.lr_d, betas=(cfg.beta1, 0.999))
    gen, disc, opt_g, opt_d = accelerator.prepare(gen, disc, opt_g, opt_d)

    run, resumed = open_run(cfg)
    if resumed is not None:
        accelerator.unwrap_model(gen).load_state_dict(resumed["generator"])
        accelerator.unwrap_model(disc).load_state_dict(resumed["discriminator"])
        opt_g.load_state_dict(resumed["opt_g"])
        opt_d.load_state_dict(resumed["opt_d"])
    meta = {"kind": "gan", "arch": arch, "model": cfg.model, "width_divisor": cfg.width_divisor}
    fixed_z = torch.rand(64, pair.z_dim, generator=torch.Generator().manual_seed(cfg.seed)) * 2 - 1

    def z_batch(n: int) -> torch.Tensor:  # the paper's z: uniform in [-1, 1]
        return torch.rand(n, pair.z_dim, device=accelerator.device) * 2 - 1

    def train_step(real_u8: torch.Tensor) -> dict[str, float]:
        real = real_u8.float() / 127.5 - 1  # (B, 3, 64, 64) in [-1, 1]
        with accelerator.autocast():
            fake = gen(z_batch(len(real)))
            d_real, d_fake = disc(real), disc(fake.detach())
            loss_d = F.binary_cross_entropy_with_logits(
                d_real, torch.ones_like(d_real)
            ) + F.binary_cross_entropy_with_logits(d_fake, torch.zeros_like(d_fake))
        opt_d.zero_grad(set_to_none=True)
        accelerator.backward(loss_d)
        opt_d.step()
        for _ in range(cfg.g_steps):  # "discriminator trained once, generator twice"
            with accelerator.autocast():
                d_gen = disc(gen(z_batch(len(real))))
                loss_g = F.binary_cross_entropy_with_logits(d_gen, torch.ones_like(d_gen))
            opt_g.zero_grad(set_to_none=True)
            accelerator.backward(loss_g)
            opt_g.step()
        return {"loss_d": loss_d.item(), "loss_g": loss_g.item()}

    def checkpoint_state() -> dict[str, Any]:
        return {
            "generator": accelerator.unwrap_model(gen).state_dict(),
            "discriminator": accelerator.unwrap_model(disc).state_dict(),
            "opt_g": opt_g.state_dict(),
            "opt_d": opt_d.state_dict(),
        }

    def snapshot(tag: str, step: int) -> TrainedGenerator:
        g = accelerator.unwrap_model(gen)
        trained = TrainedGenerator(g, "gan", pair.z_dim, cfg.model, (-1.0, 1.0))
        if accelerator.is_main_process:
            modules = {"generator": g, "discriminator": accelerator.unwrap_model(disc)}
            save_weights(run.path / f"weights{tag}.safetensors", modules, meta | {"step": step})
            g.eval()
            save_grid(trained.images(fixed_z), run.path / f"samples{tag}.png")
            g.train()
        return trained

    progress = train_epochs(
        train_step, cfg=cfg, dataset=dataset, accelerator=accelerator, run=run, resumed=resumed,
        checkpoint_state=checkpoint_state, snapshot=snapshot, desc=f"gan {cfg.model}",
    )  # fmt: skip
    if progress.stopped_early:
        return {"stopped": True, "steps": progress.step}
    trained = snapshot("", progress.step)
    trained.module.eval()
    results = {
        "model": cfg.model,
        "arch": arch,
        **params,
        **progress.summary(),
        "detect_rate": detect_rate(trained),
        "stopped_early": progress.stopped_early,
        "weights": str(run.path / WEIGHTS),
    }
    if accelerator.is_main_process:
        run.write_results(results)
    return results
