"""Train the colored-shapes VAEs of S7.2 (table S5).

Usage::

    coordconv-generative vae --data data/shapes.npz --model coordconv-gd --out runs/vae-coordconv
    coordconv-generative vae --data data/shapes.npz --model conv --out runs/vae-conv

Latent size 8; reconstruction (per-pixel binary cross-entropy) weighted 50x against the KL
term; Adam with lr 0.005 and no weight decay (S7.2). Images in [0, 1], sigmoid decoder output.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path

import torch
from tqdm.auto import tqdm

from coordconv_core.training import (
    GracefulStop,
    RunDir,
    UserError,
    config_to_dict,
    load_checkpoint,
    make_accelerator,
    rng_state,
    save_checkpoint,
    seed_everything,
    set_rng_state,
)
from coordconv_generative.data import load_training_set
from coordconv_generative.figures import save_grid
from coordconv_generative.loop import RESUMABLE, epoch_batches, steps_per_epoch
from coordconv_generative.models import MODELS, build_vae, count_parameters
from coordconv_generative.models.vae import vae_loss
from coordconv_generative.weights import WEIGHTS, TrainedGenerator, save_weights


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
    latent: int = field(default=8, metadata={"help": "latent dimensions (table S5: 8)"})
    recon_weight: float = field(
        default=50.0, metadata={"help": "weight of the reconstruction term against the KL term"}
    )
    epochs: int = field(default=50, metadata={"help": "passes over the training set"})
    batch_size: int = field(default=64, metadata={"help": "images per batch (per process)"})
    lr: float = field(default=0.005, metadata={"help": "Adam learning rate (S7.2: 0.005)"})
    n_train: int | None = field(
        default=None, metadata={"help": "use only the first N training images"}
    )
    max_steps: int | None = field(
        default=None, metadata={"help": "stop after this many steps (CI-sized runs)"}
    )
    width_divisor: int = field(
        default=1, metadata={"help": "divide every channel width (1 = the paper's models)"}
    )
    num_workers: int = field(default=0, metadata={"help": "DataLoader worker processes"})
    log_every: int = field(default=50, metadata={"help": "steps between metrics.jsonl records"})
    device: str = field(
        default="auto", metadata={"help": "auto, cpu or cuda", "choices": ["auto", "cpu", "cuda"]}
    )
    amp: bool = field(default=True, metadata={"help": "mixed precision on CUDA"})
    seed: int = field(default=0, metadata={"help": "random seed"})
    out: Path = field(default=Path("runs/vae"), metadata={"help": "run directory"})
    resume: bool = field(default=False, metadata={"help": "continue the run in --out"})
    overwrite: bool = field(default=False, metadata={"help": "replace the run in --out"})


def train_vae(cfg: VaeConfig) -> dict:
    """Train, snapshot every epoch, and return (and write) ``results.json``."""
    if cfg.data is not None and Path(cfg.data).is_dir():
        raise UserError("the VAE trains on a coordconv-data shapes .npz, not a folder")
    dataset = load_training_set(cfg.data, cfg.n_train)
    if min(cfg.batch_size, cfg.width_divisor, cfg.epochs, cfg.latent) < 1:
        raise UserError("--batch-size, --width-divisor, --epochs and --latent must be >= 1")
    accelerator = make_accelerator(cfg.device, cfg.amp)
    spe = steps_per_epoch(len(dataset), cfg.batch_size, accelerator.num_processes)
    if spe == 0:
        raise UserError(f"{len(dataset)} images are fewer than one batch of {cfg.batch_size}")
    seed_everything(cfg.seed)
    vae = build_vae(cfg.model, cfg.latent, cfg.width_divisor)
    params = {
        "params_encoder": count_parameters(vae.encoder),
        "params_decoder": count_parameters(vae.decoder),
    }
    opt = torch.optim.Adam(vae.parameters(), lr=cfg.lr)
    vae, opt = accelerator.prepare(vae, opt)

    run = RunDir(cfg.out)
    resuming = run.prepare(
        config_to_dict(cfg), overwrite=cfg.overwrite, resume=cfg.resume, ignore_on_resume=RESUMABLE
    )
    step, wall, first_recon = 0, 0.0, None
    if resuming:
        state = load_checkpoint(run.checkpoint)
        accelerator.unwrap_model(vae).load_state_dict(state["vae"])
        opt.load_state_dict(state["opt"])
        step, wall, first_recon = state["step"], state["wall_time_s"], state["first_recon"]
        set_rng_state(state["rng"])
        run.truncate_metrics(lambda r: r.get("step", 0) <= step)
    total = spe * cfg.epochs if cfg.max_steps is None else min(spe * cfg.epochs, cfg.max_steps)
    meta = {
        "kind": "vae",
        "model": cfg.model,
        "latent": cfg.latent,
        "width_divisor": cfg.width_divisor,
    }
    fixed_z = torch.randn(64, cfg.latent, generator=torch.Generator().manual_seed(cfg.seed))

    def save_state() -> None:
        if accelerator.is_main_process:
            state = {
                "vae": accelerator.unwrap_model(vae).state_dict(),
                "opt": opt.state_dict(),
                "step": step,
                "wall_time_s": wall,
                "first_recon": first_recon,
                "rng": rng_state(),
            }
            save_checkpoint(run.checkpoint, state)

    def snapshot(tag: str) -> None:
        model = accelerator.unwrap_model(vae)
        if accelerator.is_main_process:
            modules = {"encoder": model.encoder, "decoder": model.decoder}
            save_weights(run.path / f"weights{tag}.safetensors", modules, meta | {"step": step})
            model.eval()
            decoder = TrainedGenerator(model.decoder, "vae", cfg.latent, cfg.model, (0.0, 1.0))
            save_grid(decoder.images(fixed_z), run.path / f"samples{tag}.png")
            model.train()

    losses: dict[str, float] = {}
    bar = tqdm(
        total=total, initial=step, desc=f"vae {cfg.model}", disable=not accelerator.is_main_process
    )
    with GracefulStop() as stop:
        while step < total and not stop.requested:
            epoch, skip = divmod(step, spe)
            start = time.perf_counter()
            batches = epoch_batches(
                dataset, epoch=epoch, skip=skip, batch_size=cfg.batch_size, seed=cfg.seed,
                accelerator=accelerator, num_workers=cfg.num_workers,
            )  # fmt: skip
            for x_u8 in batches:
                x = x_u8.float() / 255  # (B, 3, 64, 64) in [0, 1]
                with accelerator.autocast():
                    recon, mu, logvar = vae(x)
                parts = vae_loss(x, recon, mu.float(), logvar.float(), cfg.recon_weight)
                opt.zero_grad(set_to_none=True)
                accelerator.backward(parts["loss"])
                opt.step()
                step += 1
                bar.update(1)
                losses = {f"loss_{k}" if k != "loss" else k: v.item() for k, v in parts.items()}
                if first_recon is None:
                    first_recon = losses["loss_recon"]
                if step % cfg.log_every == 0 or step == total or step == 1:
                    bar.set_postfix(losses)
                    if accelerator.is_main_process:
                        run.log({"step": step, "epoch": epoch, **losses})
                if step >= total or stop.requested:
                    break
            wall += time.perf_counter() - start
            if step % spe == 0:
                snapshot(f"_epoch{step // spe:03d}")
            save_state()
    bar.close()
    snapshot("")
    results = {
        "model": cfg.model,
        **params,
        "epochs": step / spe,
        "steps": step,
        "wall_time_s": wall,
        **losses,
        "first_loss_recon": first_recon,
        "stopped_early": bool(stop.requested),
        "weights": str(run.path / WEIGHTS),
    }
    if accelerator.is_main_process:
        run.write_results(results)
    return results
