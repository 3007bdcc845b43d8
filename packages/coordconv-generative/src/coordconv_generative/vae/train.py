"""Train the colored-shapes VAEs of S7.2 (table S5).

Usage::

    coordconv-generative vae --data data/shapes.npz --model coordconv-gd --out runs/vae-coordconv
    coordconv-generative vae --data data/shapes.npz --model conv --out runs/vae-conv

Latent size 8; the loss is the negative ELBO with its reconstruction term (binary
cross-entropy summed over the 64x64x3 values) weighted 50x against the KL term
(:func:`~coordconv_generative.vae.model.vae_loss`); Adam with lr 0.005 and no weight decay
(S7.2). Images in [0, 1], sigmoid decoder output. The last ``--n-heldout`` images of the file
are not trained on: ``results.json`` reports the KL on them and how many of their
reconstructions show both objects where they were drawn
(:mod:`coordconv_generative.vae.reconstruction`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch
from torch.utils.data import TensorDataset

from coordconv_data.shapes import ShapesData
from coordconv_generative.data import load_shapes
from coordconv_generative.figures import save_grid
from coordconv_generative.init import init_output_bias, mean_colour
from coordconv_generative.loop import epoch_steps, new_run, open_run, train_epochs
from coordconv_generative.models import MODELS, build_vae, count_parameters
from coordconv_generative.vae.model import vae_loss
from coordconv_generative.vae.reconstruction import reconstruction_metrics
from coordconv_generative.weights import (
    LATENT,
    WEIGHTS,
    WIDTH_DIVISOR,
    TrainedGenerator,
    save_weights,
)
from coordconv_train import UserError, seed_everything
from coordconv_train.config import LEARNING_RATE
from coordconv_train.tracking import LOG_WITH_HELP


@dataclass
class VaeConfig:
    """Configuration of one VAE run (every field is a command-line flag)."""

    data: Path | None = field(default=None, metadata={"help": "coordconv-data shapes .npz"})
    model: str = field(
        default="coordconv-gd",
        metadata={
            "help": "conv; coordconv: CoordConv decoder; coordconv-gd: CoordConv decoder and encoder",
            "choices": list(MODELS),
        },
    )
    latent: int = field(default=8, metadata={"help": "latent dimensions (table S5: 8)", **LATENT})
    recon_weight: float = field(
        default=50.0, metadata={"help": "weight of the reconstruction term against the KL term"}
    )
    epochs: int = field(default=50, metadata={"help": "passes over the training set"})
    batch_size: int = field(default=64, metadata={"help": "images per batch (per process)"})
    lr: float = field(
        default=0.005, metadata={"help": "Adam learning rate (S7.2: 0.005)", **LEARNING_RATE}
    )
    n_train: int | None = field(
        default=None, metadata={"help": "use only the first N training images"}
    )
    output_bias: bool = field(
        default=True,
        metadata={
            "help": "start the decoder's output bias at the training images' mean colour "
            "(not in the paper: the reconstruction then starts at the mean image's loss)"
        },
    )
    n_heldout: int | None = field(
        default=None,
        metadata={
            "help": "images at the end of --data kept out of training; their reconstructions "
            "are checked with the object detector (0: none; default: 256, or a quarter of a "
            "smaller --data)"
        },
    )
    max_steps: int | None = field(
        default=None, metadata={"help": "stop after this many steps (CI-sized runs)"}
    )
    width_divisor: int = field(
        default=1,
        metadata={"help": "divide every channel width (1 = the paper's models)", **WIDTH_DIVISOR},
    )
    num_workers: int = field(default=0, metadata={"help": "DataLoader worker processes"})
    log_every: int = field(default=50, metadata={"help": "steps between metrics.jsonl records"})
    log_with: list[str] = field(default_factory=list, metadata={"help": LOG_WITH_HELP})
    device: str = field(
        default="auto", metadata={"help": "auto, cpu or cuda", "choices": ["auto", "cpu", "cuda"]}
    )
    amp: bool = field(default=True, metadata={"help": "mixed precision on CUDA"})
    seed: int = field(default=0, metadata={"help": "random seed"})
    out: Path = field(default=Path("runs/vae"), metadata={"help": "run directory"})
    resume: bool = field(default=False, metadata={"help": "continue the run in --out"})
    overwrite: bool = field(default=False, metadata={"help": "replace the run in --out"})


def _split(cfg: VaeConfig) -> tuple[TensorDataset, ShapesData | None]:
    """Training images (the first ones, at most ``n_train``) and the held-out last ones."""
    if cfg.data is None:
        raise UserError("--data is required (a coordconv-data shapes .npz)")
    if not Path(cfg.data).is_file():
        raise UserError(f"--data {cfg.data} does not exist")
    data = load_shapes(Path(cfg.data))
    n_heldout = min(256, len(data) // 4) if cfg.n_heldout is None else cfg.n_heldout
    n_fit = len(data) - n_heldout
    if n_fit < 1:
        raise UserError(f"--n-heldout {n_heldout} leaves none of the {len(data)} images")
    n_fit = n_fit if cfg.n_train is None else min(n_fit, cfg.n_train)
    images = torch.from_numpy(data.images[:n_fit]).permute(0, 3, 1, 2)  # (N, 3, 64, 64)
    train = TensorDataset(images.contiguous())
    if n_heldout == 0:
        return train, None
    last = slice(len(data) - n_heldout, len(data))
    return train, ShapesData(
        data.images[last], data.kinds[last], data.centres[last], data.sizes[last]
    )


def train_vae(cfg: VaeConfig) -> dict:
    """Train, snapshot every epoch, and return (and write) ``results.json``; a run stopped by
    SIGINT/SIGTERM returns ``{"status": "stopped", ...}`` after its checkpoint (no
    results.json)."""
    run = new_run(cfg)
    if cfg.latent < 1 or cfg.lr <= 0 or cfg.recon_weight < 0:
        raise UserError("need --latent >= 1, --lr > 0 and --recon-weight >= 0")
    if cfg.data is not None and Path(cfg.data).is_dir():
        raise UserError("the VAE trains on a coordconv-data shapes .npz, not a folder")
    if cfg.width_divisor < 1 or (cfg.n_train is not None and cfg.n_train < 1):
        raise UserError("--width-divisor and --n-train must be >= 1")
    if cfg.n_heldout is not None and cfg.n_heldout < 0:
        raise UserError(f"--n-heldout must be >= 0, got {cfg.n_heldout}")
    dataset, heldout = _split(cfg)
    accelerator = run.accelerator
    epoch_steps(dataset, cfg.batch_size, accelerator)  # refuse a set smaller than one batch
    seed_everything(cfg.seed)
    vae = build_vae(cfg.model, cfg.latent, cfg.width_divisor)
    if cfg.output_bias:
        init_output_bias(vae.decoder, mean_colour(dataset), "sigmoid")  # images in [0, 1]
    params = {
        "params_encoder": count_parameters(vae.encoder),
        "params_decoder": count_parameters(vae.decoder),
    }
    opt = torch.optim.Adam(vae.parameters(), lr=cfg.lr)
    vae, opt = accelerator.prepare(vae, opt)

    resumed = open_run(run)
    first_recon: float | None = None  # the first step's reconstruction loss, kept for results
    if resumed is not None:
        accelerator.unwrap_model(vae).load_state_dict(resumed["vae"])
        opt.load_state_dict(resumed["opt"])
        first_recon = resumed["first_recon"]
    meta = {
        "kind": "vae",
        "model": cfg.model,
        "latent": cfg.latent,
        "width_divisor": cfg.width_divisor,
    }
    fixed_z = torch.randn(64, cfg.latent, generator=torch.Generator().manual_seed(cfg.seed))

    def train_step(x_u8: torch.Tensor) -> dict[str, float]:
        nonlocal first_recon
        x = x_u8.float() / 255  # (B, 3, 64, 64) in [0, 1]
        with accelerator.autocast():
            recon, mu, logvar = vae(x)
        parts = vae_loss(x, recon, mu.float(), logvar.float(), cfg.recon_weight)
        opt.zero_grad(set_to_none=True)
        accelerator.backward(parts["loss"])
        opt.step()
        losses = {f"loss_{k}" if k != "loss" else k: v.item() for k, v in parts.items()}
        if first_recon is None:
            first_recon = losses["loss_recon"]
        return losses

    def checkpoint_state() -> dict[str, Any]:
        return {
            "vae": accelerator.unwrap_model(vae).state_dict(),
            "opt": opt.state_dict(),
            "first_recon": first_recon,
        }

    def snapshot(tag: str, step: int) -> None:
        model = accelerator.unwrap_model(vae)
        if run.is_main:
            modules = {"encoder": model.encoder, "decoder": model.decoder}
            save_weights(run.path / f"weights{tag}.safetensors", modules, meta | {"step": step})
            model.eval()
            decoder = TrainedGenerator(model.decoder, "vae", cfg.latent, cfg.model, (0.0, 1.0))
            save_grid(decoder.images(fixed_z), run.path / f"samples{tag}.png")
            model.train()

    progress = train_epochs(
        train_step, cfg=cfg, dataset=dataset, run=run, resumed=resumed,
        checkpoint_state=checkpoint_state, snapshot=snapshot, desc=f"vae {cfg.model}",
        log_first_step=True,
    )  # fmt: skip
    if progress.stopped is not None:
        return progress.stopped
    snapshot("", progress.step)
    model = accelerator.unwrap_model(vae)
    held = {}
    if heldout is not None:
        metrics = reconstruction_metrics(
            model, heldout.images, heldout.centres, recon_weight=cfg.recon_weight
        )
        held = {f"heldout_{k}": v for k, v in metrics.items()}
    results = {
        "model": cfg.model,
        **params,
        **progress.summary(),
        "first_loss_recon": first_recon,
        **held,
        "stopped_early": False,  # a finished run (the key kept: results.json as before)
        "weights": str(run.path / WEIGHTS),
    }
    return run.finish(results)
