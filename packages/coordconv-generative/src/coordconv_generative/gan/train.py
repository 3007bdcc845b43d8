"""Train the GANs of S7.1 (colored shapes, table S4) and S7.3 (LSUN-style folders, table S6).

Usage::

    coordconv-data generate shapes --out data
    coordconv-generative gan --data data/shapes.npz --model coordconv-gd --out runs/gan-coordconv
    coordconv-generative gan --data data/shapes.npz --model conv --out runs/gan-conv
    coordconv-generative gan --data /path/to/lsun_bedroom_64 --arch lsun --model coordconv-gd \\
        --out runs/lsun-coordconv
    accelerate launch -m coordconv_generative.cli gan ...   # several GPUs

The paper's recipe (S7.1): z of 256 (100 for LSUN) uniform in [-1, 1]; Adam with lr 1e-4 for
the discriminator and 5e-4 for the generator; per iteration the discriminator is updated once
and the generator twice; 50 epochs; a snapshot at the end of every epoch. What the paper does
not state, and we choose (README, "GAN recipe", gives the measurements behind each):

- Adam beta1 = 0.5 (DCGAN); non-saturating loss (BCE on logits, as the official code);
- ``--init dcgan``: N(0, 0.02) weights for the deconvolutional generator and every
  discriminator (DCGAN), He-normal for the CoordConv generator (the official code), with its
  first layer's coordinate weights and its output layer rescaled
  (:func:`~coordconv_generative.init.coordconv_generator_init`);
- ``--output-bias``: the generator's output bias starts at the training images' mean colour
  (:func:`~coordconv_generative.init.init_output_bias`);
- ``--ema 0.99``: samples, snapshots and ``weights.safetensors`` come from an exponential
  moving average of the generator's weights and BatchNorm statistics (Yazici et al., "The
  unusual effectiveness of averaging in GAN training", ICLR 2019, arXiv:1806.04498); the
  generator being trained is unchanged. Without it the samples of our CPU-sized GANs swing
  from one iteration to the next and collapse to one image (README, "GAN recipe");
- ``--augment translation``: every image the discriminator sees, real or generated, is
  shifted by up to 1/8 of its side (DiffAugment, :mod:`~coordconv_generative.gan.augment`), so a
  discriminator cannot win by memorising a few thousand training images;
- ``--r1 GAMMA`` (0 by default): the R1 gradient penalty on real images
  (:func:`~coordconv_generative.gan.recipe.r1_penalty`), which keeps the discriminator from winning outright (README, "GAN
  recipe": the CPU-sized CoordConv GAN needs it);
- ``--d-input auto``: the discriminator judges the CoordConv generator's images before their
  tanh, as the official ``CoordConvGAN`` does (:func:`~coordconv_generative.gan.recipe.pre_tanh_generator`); a generator whose
  colours overshoot is otherwise stranded where the tanh is flat.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch
import torch.nn.functional as F
from torch import nn

from coordconv_generative.data import load_training_set, resolve_arch
from coordconv_generative.figures import save_grid
from coordconv_generative.gan.augment import translate
from coordconv_generative.gan.recipe import generator_average, pre_tanh_generator, r1_penalty
from coordconv_generative.gan.select import reported_scores, select_best, snapshot_scores
from coordconv_generative.init import init_gan, init_output_bias, mean_colour
from coordconv_generative.loop import epoch_steps, new_run, open_run, train_epochs
from coordconv_generative.models import (
    ARCHS,
    MODELS,
    CoordConvGenerator,
    build_gan,
    count_parameters,
)
from coordconv_generative.weights import WEIGHTS, WIDTH_DIVISOR, TrainedGenerator, save_weights
from coordconv_train import UserError, seed_everything
from coordconv_train.config import LEARNING_RATE
from coordconv_train.tracking import LOG_WITH_HELP


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
    lr_d: float = field(
        default=1e-4, metadata={"help": "discriminator Adam learning rate", **LEARNING_RATE}
    )
    lr_g: float = field(
        default=5e-4, metadata={"help": "generator Adam learning rate", **LEARNING_RATE}
    )
    beta1: float = field(
        default=0.5, metadata={"help": "Adam beta1 (DCGAN's 0.5; the paper gives none)"}
    )
    g_steps: int = field(
        default=2, metadata={"help": "generator updates per iteration (S7.1: D once, G twice)"}
    )
    init: str = field(
        default="dcgan",
        metadata={
            "help": "dcgan: N(0, 0.02) conv weights and N(1, 0.02) BatchNorm scales (DCGAN), "
            "He-normal for the CoordConv generator (official code) with its coordinate and "
            "output weights rescaled (not in the paper); torch: PyTorch's default init",
            "choices": ["dcgan", "torch"],
        },
    )
    select: str = field(
        default="last",
        metadata={
            "help": "which weights become weights.safetensors: last, or best = the epoch "
            "snapshot (or the final state) whose samples most often hold both objects (S7.1 "
            "saves every epoch and shows the best model; selection uses other z than the "
            "reported detect_rate)",
            "choices": ["last", "best"],
        },
    )
    output_bias: bool = field(
        default=True,
        metadata={
            "help": "start the generator's output bias at the training images' mean colour "
            "(not in the paper: thin generators otherwise start grey and never catch up)"
        },
    )
    ema: float = field(
        default=0.99,
        metadata={
            "help": "decay of the moving average of the generator (weights and BatchNorm "
            "statistics) that draws samples, snapshots and the saved weights; 0: the trained "
            "generator itself (not in the paper: Yazici et al., ICLR 2019)"
        },
    )
    r1: float = field(
        default=0.0,
        metadata={
            "help": "weight gamma of the R1 penalty gamma/2 E||grad_x D(x)||^2 on (augmented) "
            "real images (Mescheder et al. 2018; not in the paper); 0: none"
        },
    )
    d_input: str = field(
        default="auto",
        metadata={
            "help": "what D judges of a generated image: output (after tanh), pre-tanh (the "
            "output layer's pre-activation; samples still pass through tanh), or auto: "
            "pre-tanh for the CoordConv generator, as the official code feeds it to D, output "
            "for the deconvolutional one, as the official code does",
            "choices": ["auto", "output", "pre-tanh"],
        },
    )
    augment: str = field(
        default="translation",
        metadata={
            "help": "translation: shift every image the discriminator sees (real and "
            "generated) by up to 1/8 of its side, white fill (DiffAugment, Zhao et al. 2020; "
            "not in the paper); none: show them as they are",
            "choices": ["translation", "none"],
        },
    )
    n_train: int | None = field(
        default=None, metadata={"help": "use only the first N training images"}
    )
    max_steps: int | None = field(
        default=None, metadata={"help": "stop after this many iterations (CI-sized runs)"}
    )
    width_divisor: int = field(
        default=1,
        metadata={"help": "divide every channel width (1 = the paper's models)", **WIDTH_DIVISOR},
    )
    num_workers: int = field(default=0, metadata={"help": "DataLoader worker processes"})
    log_every: int = field(
        default=50, metadata={"help": "iterations between metrics.jsonl records"}
    )
    log_with: list[str] = field(default_factory=list, metadata={"help": LOG_WITH_HELP})
    device: str = field(
        default="auto", metadata={"help": "auto, cpu or cuda", "choices": ["auto", "cpu", "cuda"]}
    )
    amp: bool = field(default=True, metadata={"help": "mixed precision on CUDA"})
    seed: int = field(default=0, metadata={"help": "random seed"})
    out: Path = field(default=Path("runs/gan"), metadata={"help": "run directory"})
    resume: bool = field(default=False, metadata={"help": "continue the run in --out"})
    overwrite: bool = field(default=False, metadata={"help": "replace the run in --out"})


def train_gan(cfg: GanConfig) -> dict:
    """Train, snapshot every epoch, and return (and write) ``results.json``; a run stopped by
    SIGINT/SIGTERM returns ``{"status": "stopped", ...}`` after its checkpoint (no
    results.json)."""
    run = new_run(cfg)
    if cfg.g_steps < 1 or min(cfg.lr_d, cfg.lr_g) <= 0 or not 0 <= cfg.beta1 < 1:
        raise UserError("need --g-steps >= 1, --lr-d and --lr-g > 0 and 0 <= --beta1 < 1")
    if cfg.r1 < 0:
        raise UserError(f"--r1 {cfg.r1}: the penalty's weight must be >= 0")
    if not 0 <= cfg.ema < 1:
        raise UserError(f"--ema {cfg.ema}: the moving average's decay must be in [0, 1)")
    if cfg.width_divisor < 1 or (cfg.n_train is not None and cfg.n_train < 1):
        raise UserError("--width-divisor and --n-train must be >= 1")
    arch = resolve_arch(cfg.data, cfg.arch) if cfg.data is not None else cfg.arch
    dataset = load_training_set(cfg.data, cfg.n_train)
    accelerator = run.accelerator
    epoch_steps(dataset, cfg.batch_size, accelerator)  # refuse a set smaller than one batch
    seed_everything(cfg.seed)
    pair = build_gan(arch, cfg.model, cfg.width_divisor)
    gen, disc = pair.generator, pair.discriminator
    init_gan(gen, disc, cfg.init)
    if cfg.output_bias:
        init_output_bias(gen, mean_colour(dataset) * 2 - 1, "tanh")  # images in [-1, 1]
    params = {"params_g": count_parameters(gen), "params_d": count_parameters(disc)}
    opt_g = torch.optim.Adam(gen.parameters(), lr=cfg.lr_g, betas=(cfg.beta1, 0.999))
    opt_d = torch.optim.Adam(disc.parameters(), lr=cfg.lr_d, betas=(cfg.beta1, 0.999))
    gen, disc, opt_g, opt_d = accelerator.prepare(gen, disc, opt_g, opt_d)
    average = generator_average(accelerator.unwrap_model(gen), cfg.ema)

    resumed = open_run(run)
    if resumed is not None:
        accelerator.unwrap_model(gen).load_state_dict(resumed["generator"])
        accelerator.unwrap_model(disc).load_state_dict(resumed["discriminator"])
        opt_g.load_state_dict(resumed["opt_g"])
        opt_d.load_state_dict(resumed["opt_d"])
        if average is not None:
            average.load_state_dict(resumed["generator_ema"])

    def sampler() -> nn.Module:  # the generator that draws: the moving average, if kept
        return average.module if average is not None else accelerator.unwrap_model(gen)

    meta = {"kind": "gan", "arch": arch, "model": cfg.model, "width_divisor": cfg.width_divisor}
    fixed_z = torch.rand(64, pair.z_dim, generator=torch.Generator().manual_seed(cfg.seed)) * 2 - 1

    def z_batch(n: int) -> torch.Tensor:  # the paper's z: uniform in [-1, 1]
        return torch.rand(n, pair.z_dim, device=accelerator.device) * 2 - 1

    d_input = cfg.d_input
    if d_input == "auto":
        d_input = "pre-tanh" if isinstance(pair.generator, CoordConvGenerator) else "output"
    generated = pre_tanh_generator(gen, accelerator) if d_input == "pre-tanh" else gen

    def seen(images: torch.Tensor) -> torch.Tensor:  # what D is shown (DiffAugment or as is)
        return translate(images) if cfg.augment == "translation" else images

    def train_step(real_u8: torch.Tensor) -> dict[str, float]:
        real = real_u8.float() / 127.5 - 1  # (B, 3, 64, 64) in [-1, 1]
        real_seen = seen(real).requires_grad_(cfg.r1 > 0)  # a leaf: R1 differentiates D at it
        with accelerator.autocast():
            fake = generated(z_batch(len(real)))
            d_real, d_fake = disc(real_seen), disc(seen(fake.detach()))
            loss_d = F.binary_cross_entropy_with_logits(
                d_real, torch.ones_like(d_real)
            ) + F.binary_cross_entropy_with_logits(d_fake, torch.zeros_like(d_fake))
            if cfg.r1 > 0:
                loss_d = loss_d + r1_penalty(d_real, real_seen, cfg.r1)
        opt_d.zero_grad(set_to_none=True)
        accelerator.backward(loss_d)
        opt_d.step()
        for i in range(cfg.g_steps):  # "discriminator trained once, generator twice"
            with accelerator.autocast():
                # the first generator update scores the samples D was just trained on (as the
                # PyTorch DCGAN example does): one generator forward pass fewer per iteration
                images = fake if i == 0 else generated(z_batch(len(real)))
                d_gen = disc(seen(images))
                loss_g = F.binary_cross_entropy_with_logits(d_gen, torch.ones_like(d_gen))
            opt_g.zero_grad(set_to_none=True)
            accelerator.backward(loss_g)
            opt_g.step()
        if average is not None:
            average.update_parameters(accelerator.unwrap_model(gen))
        return {"loss_d": loss_d.item(), "loss_g": loss_g.item()}

    def checkpoint_state() -> dict[str, Any]:
        return {
            "generator": accelerator.unwrap_model(gen).state_dict(),
            "discriminator": accelerator.unwrap_model(disc).state_dict(),
            "opt_g": opt_g.state_dict(),
            "opt_d": opt_d.state_dict(),
            **({"generator_ema": average.state_dict()} if average is not None else {}),
        }

    def snapshot(tag: str, step: int) -> TrainedGenerator:
        g = sampler()
        trained = TrainedGenerator(g, "gan", pair.z_dim, cfg.model, (-1.0, 1.0))
        if run.is_main:
            modules = {"generator": g, "discriminator": accelerator.unwrap_model(disc)}
            save_weights(run.path / f"weights{tag}.safetensors", modules, meta | {"step": step})
            g.eval()
            save_grid(trained.images(fixed_z), run.path / f"samples{tag}.png")
            if tag:  # an epoch's snapshot: how many samples hold both objects, how varied
                run.dir.log({"step": step, "snapshot": tag, **snapshot_scores(trained)})
            g.train()
        return trained

    progress = train_epochs(
        train_step, cfg=cfg, dataset=dataset, run=run, resumed=resumed,
        checkpoint_state=checkpoint_state, snapshot=snapshot, desc=f"gan {cfg.model}",
    )  # fmt: skip
    if progress.stopped is not None:
        return progress.stopped
    trained = snapshot("", progress.step)
    trained.module.eval()  # the sampler: BatchNorm on its running statistics
    chosen, scores = {}, reported_scores(trained)
    if cfg.select == "best" and run.is_main:
        trained, chosen = select_best(run.dir, trained)
        chosen |= {f"last_{k}": v for k, v in scores.items()}  # the final state's, beside
        if chosen["selected"] != "last":
            scores = reported_scores(trained)
    results = {
        "model": cfg.model,
        "arch": arch,
        **params,
        **progress.summary(),
        **scores,
        **chosen,
        "stopped_early": False,  # a finished run (the key kept: results.json as before)
        "weights": str(run.path / WEIGHTS),
    }
    return run.finish(results)
