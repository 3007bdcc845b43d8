"""The ``entropy`` and ``interpolate`` commands: figure S10's entropy bars with confidence
intervals for real data and trained generators, and the latent interpolation strips of
figures S7-S9, S11 and S12.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import torch

from coordconv_generative.data import load_shapes_images
from coordconv_generative.distributions import repeated_matched
from coordconv_generative.entropy import detect_objects, repeated_entropy
from coordconv_generative.figures import entropy_bar_chart, interpolation_latents, save_grid
from coordconv_generative.objects import detect_clean
from coordconv_generative.weights import TrainedGenerator, load_encoder, load_generator
from coordconv_train import (
    UserError,
    check_writable_dir,
    resolve_device,
    write_atomic,
    write_json_atomic,
)

REAL = "real data"


def real_sampler(images: np.ndarray) -> Callable[[int, np.random.Generator], np.ndarray]:
    """Draw ``n`` distinct real images per repeat."""

    def sample(n: int, rng: np.random.Generator) -> np.ndarray:
        if n > len(images):
            raise UserError(f"--n {n} is more than the {len(images)} images in --data")
        return images[rng.choice(len(images), size=n, replace=False)]

    return sample


def generator_sampler(gen: TrainedGenerator) -> Callable[[int, np.random.Generator], np.ndarray]:
    """Generate ``n`` images from fresh z per repeat."""

    def sample(n: int, rng: np.random.Generator) -> np.ndarray:
        seed = int(rng.integers(2**31))
        return gen.images(gen.sample_z(n, torch.Generator().manual_seed(seed)))

    return sample


def _label(path: Path, gen: TrainedGenerator, taken: set[str]) -> str:
    base = path.parent.name if path.is_file() and path.name == "weights.safetensors" else path.name
    label = f"{gen.name} ({base})"
    while label in taken:
        label += "'"
    return label


def run_entropy(
    data: Path | None,
    checkpoints: Sequence[Path],
    out: Path,
    *,
    n: int = 1000,
    repeats: int = 10,
    bin_size: int = 4,
    seed: int = 0,
    device: str = "auto",
    overwrite: bool = False,
) -> dict[str, Any]:
    """Entropy metrics of the real data (if ``data``) and of each checkpoint, as the paper
    measures them (every detected object); with the data and a checkpoint, also ``matched``:
    every source cut to the same count of strictly detected images, with Jensen-Shannon
    distances to the data (:mod:`coordconv_generative.distributions`), and
    ``matched_permissive``: the same with the permissive detector (the paper's; at this scale
    the CoordConv GAN's strictly clean samples are too few for entropies to say much). Writes
    ``out/entropy.json`` and ``out/entropy.png`` (existing ones only with ``overwrite``).
    Returns the JSON content."""
    if data is None and not checkpoints:
        raise UserError("give --data and/or at least one --checkpoint")
    if n < 1 or repeats < 2 or bin_size < 1 or 64 % bin_size:
        raise UserError("need --n >= 1, --repeats >= 2 and a --bin-size that divides 64")
    out = Path(out)
    check_writable_dir(out)
    for name in ("entropy.json", "entropy.png"):
        if (out / name).exists() and not overwrite:
            raise UserError(f"{out / name} exists; pass --overwrite to replace it")
    torch_device = resolve_device(device)
    sources: dict[str, Callable[[int, np.random.Generator], np.ndarray]] = {}
    if data is not None:
        sources[REAL] = real_sampler(load_shapes_images(Path(data)))
    for path in checkpoints:
        gen = load_generator(path, torch_device)
        sources[_label(Path(path), gen, set(sources))] = generator_sampler(gen)
    results: dict[str, Any] = {}
    for name, sample in sources.items():
        results[name] = repeated_entropy(sample, n, repeats=repeats, seed=seed, bin_size=bin_size)
    out.mkdir(parents=True, exist_ok=True)
    report: dict[str, Any] = {
        "n": n,
        "repeats": repeats,
        "bin_size": bin_size,
        "units": "bits",
        "sources": results,
    }
    if data is not None and len(sources) > 1:  # like with like (coordconv_generative.distributions)
        for key, name, detect in (
            ("matched", "strict (coordconv_generative.objects)", detect_clean),
            ("matched_permissive", "permissive (coordconv_generative.entropy)", detect_objects),
        ):
            report[key] = {
                "detector": name,
                "interval": "95% bootstrap interval of the mean over the repeats",
                "sources": repeated_matched(
                    sources, REAL, detect, n, repeats=repeats, seed=seed, bin_size=bin_size
                ),
            }
    write_json_atomic(out / "entropy.json", report)
    entropy_bar_chart(results, out / "entropy.png")
    return report


@torch.no_grad()
def _encoded_pairs(
    checkpoint: Path, data: Path, pairs: int, g: torch.Generator, device: torch.device
) -> tuple[torch.Tensor, torch.Tensor]:
    """Posterior means ``(P, latent)`` x 2 of ``2 P`` random images of ``data``."""
    encoder = load_encoder(checkpoint, device)
    images = load_shapes_images(data)  # (N, 64, 64, 3) uint8
    pick = torch.randperm(len(images), generator=g)[: 2 * pairs]
    if len(pick) < 2 * pairs:
        raise UserError(f"--data holds {len(images)} images; {2 * pairs} needed for --pairs")
    x = torch.from_numpy(images[pick.numpy()]).permute(0, 3, 1, 2).float().div(255)
    mu = encoder(x.to(device)).chunk(2, dim=1)[0].float().cpu()  # (2P, latent)
    return mu[:pairs], mu[pairs:]


MAX_STRIP = 256  # rows or images per row of an interpolation figure; more is a typo


def run_interpolate(
    checkpoint: Path,
    out: Path,
    *,
    pairs: int = 5,
    steps: int = 10,
    seed: int = 0,
    device: str = "auto",
    overwrite: bool = False,
    data: Path | None = None,
) -> Path:
    """Strips of ``steps`` images between ``pairs`` random pairs of latents (uniform in [-1, 1]
    for both GANs and VAEs, as in S7.1 and S7.2), one pair per row; written to the PNG ``out``
    (an existing one only with ``overwrite``). With ``data`` (VAEs only; not the paper's), the
    ends of each row are the posterior means of two random images of that shapes ``.npz``."""
    if not (1 <= pairs <= MAX_STRIP and 2 <= steps <= MAX_STRIP):  # before any allocation
        raise UserError(f"need --pairs in 1..{MAX_STRIP} and --steps in 2..{MAX_STRIP}")
    out = Path(out)
    if out.suffix.lower() != ".png":
        raise UserError(f"interpolate writes a PNG: give --out NAME.png, not {out}")
    if out.is_dir():
        raise UserError(f"--out {out} is a folder; give --out NAME.png")
    check_writable_dir(out.parent, "the folder of --out")
    if out.exists() and not overwrite:
        raise UserError(f"{out} exists; pass --overwrite to replace it")
    if data is not None and not Path(data).is_file():
        raise UserError(f"--data {data} does not exist")
    gen = load_generator(checkpoint, resolve_device(device))
    g = torch.Generator().manual_seed(seed)
    if data is None:
        z_a = torch.rand(pairs, gen.z_dim, generator=g) * 2 - 1  # (P, D)
        z_b = torch.rand(pairs, gen.z_dim, generator=g) * 2 - 1
    else:
        z_a, z_b = _encoded_pairs(checkpoint, Path(data), pairs, g, resolve_device(device))
    images = gen.images(interpolation_latents(z_a, z_b, steps))  # (P * S, 64, 64, 3)
    out.parent.mkdir(parents=True, exist_ok=True)
    return write_atomic(out, lambda tmp: save_grid(images, tmp, nrow=steps))
