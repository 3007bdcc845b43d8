"""Model weights on disk (safetensors) and loading a trained generator back for sampling.

A weights file holds ``generator.*`` / ``discriminator.*`` (GAN) or ``encoder.*`` / ``decoder.*``
(VAE) tensors and, in its metadata, what is needed to rebuild the model (kind, arch, model,
width divisor, latent size). Written atomically, as every run file (a temporary name, fsynced
and renamed: :func:`coordconv_train.write_atomic`).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import nn

from coordconv_generative.models import ARCHS, MODELS, build_gan, build_vae
from coordconv_train import UserError, write_atomic

WEIGHTS = "weights.safetensors"
_META_KEY = "coordconv_generative"
# What a weights file's metadata may ask to build (the trainers' --width-divisor and --latent
# declare the same bounds), checked before any model is allocated.
WIDTH_DIVISOR = {"min": 1, "max": 1024}
LATENT = {"min": 1, "max": 1024}


def save_weights(path: str | Path, modules: dict[str, nn.Module], meta: dict[str, Any]) -> Path:
    """Write the state dicts of ``modules`` (prefixed by their names) and ``meta`` atomically."""
    from safetensors.torch import save_file

    path = Path(path)
    tensors = {
        f"{name}.{key}": value.detach().cpu().contiguous()
        for name, module in modules.items()
        for key, value in module.state_dict().items()
    }
    metadata = {_META_KEY: json.dumps(meta)}
    return write_atomic(path, lambda tmp: save_file(tensors, str(tmp), metadata=metadata))


def resolve_weights(path: str | Path) -> Path:
    """A run directory -> its final ``weights.safetensors``; a file -> itself."""
    path = Path(path)
    if path.is_dir():
        path = path / WEIGHTS
    if not path.is_file():
        raise UserError(f"no weights at {path} (give a run directory or a .safetensors file)")
    return path


def load_weights(path: str | Path) -> tuple[dict[str, Any], dict[str, torch.Tensor]]:
    """``(meta, tensors)`` of a file written by :func:`save_weights`."""
    from safetensors import safe_open

    path = resolve_weights(path)
    try:
        with safe_open(str(path), framework="pt", device="cpu") as fh:
            meta = json.loads((fh.metadata() or {})[_META_KEY])
            tensors = {k: fh.get_tensor(k) for k in fh.keys()}  # noqa: SIM118
    except (KeyError, json.JSONDecodeError) as exc:
        raise UserError(f"{path} is not a coordconv-generative weights file") from exc
    except Exception as exc:  # safetensors' own errors for damaged files
        raise UserError(f"{path} is damaged or not safetensors ({exc})") from exc
    return _checked_meta(meta, path), tensors


def _checked_meta(meta: Any, path: Path) -> dict[str, Any]:
    """The metadata of a weights file, refused (:class:`UserError`) unless it names a model
    the trainers build: kind, arch, model, and width divisor and latent size within bounds."""
    bad = f"{path} has damaged or foreign metadata"
    if not isinstance(meta, dict):
        raise UserError(f"{bad} (not an object)")
    meta = {"kind": "gan", **meta}
    allowed = {"kind": ("gan", "vae"), "model": MODELS}
    if meta["kind"] == "gan":
        allowed["arch"] = ARCHS
    for key, choices in allowed.items():
        if meta.get(key) not in choices:
            raise UserError(f"{bad} ({key} {meta.get(key)!r}, not one of {', '.join(choices)})")
    numbers = {"width_divisor": WIDTH_DIVISOR} | (
        {"latent": LATENT} if meta["kind"] == "vae" else {}
    )
    for key, bounds in numbers.items():
        value = meta.get(key)
        if not (isinstance(value, int) and bounds["min"] <= value <= bounds["max"]):
            raise UserError(f"{bad} ({key} {value!r}, not in {bounds['min']}..{bounds['max']})")
    return meta


def _load(module: nn.Module, tensors: dict[str, torch.Tensor], path: Path) -> None:
    """Load ``tensors`` into ``module``; tensors of another model are a :class:`UserError`."""
    try:
        module.load_state_dict(tensors)
    except RuntimeError as exc:
        first = str(exc).splitlines()[1].strip() if "\n" in str(exc) else str(exc)
        raise UserError(
            f"{path}: its tensors do not fit the model its metadata names ({first})"
        ) from None


def _sub_state(tensors: dict[str, torch.Tensor], prefix: str) -> dict[str, torch.Tensor]:
    return {k[len(prefix) + 1 :]: v for k, v in tensors.items() if k.startswith(prefix + ".")}


@dataclass
class TrainedGenerator:
    """A generator (GAN) or decoder (VAE) ready to sample; ``name`` labels figures."""

    module: nn.Module
    kind: str
    z_dim: int
    name: str
    output_range: tuple[float, float]

    def sample_z(self, n: int, generator: torch.Generator | None = None) -> torch.Tensor:
        """The paper's z: uniform in [-1, 1] for GANs; the N(0, I) prior for VAEs."""
        if self.kind == "vae":
            return torch.randn(n, self.z_dim, generator=generator)
        return torch.rand(n, self.z_dim, generator=generator) * 2 - 1

    @torch.no_grad()
    def images(self, z: torch.Tensor, batch_size: int = 256) -> np.ndarray:
        """``z (N, z_dim)`` -> ``(N, 64, 64, 3)`` uint8 images."""
        device = next(self.module.parameters()).device
        low, high = self.output_range
        out = []
        for chunk in z.split(batch_size):
            x = self.module(chunk.to(device)).float()  # (n, 3, 64, 64)
            x = ((x - low) / (high - low)).clamp(0, 1).mul(255).round().to(torch.uint8)
            out.append(x.permute(0, 2, 3, 1).cpu().numpy())
        return np.concatenate(out) if out else np.zeros((0, 64, 64, 3), np.uint8)


def load_generator(path: str | Path, device: str | torch.device = "cpu") -> TrainedGenerator:
    """Rebuild the generator / decoder stored in a weights file (or a run directory)."""
    meta, tensors = load_weights(path)
    if meta.get("kind") == "vae":
        vae = build_vae(meta["model"], meta["latent"], meta["width_divisor"])
        module: nn.Module = vae.decoder
        _load(module, _sub_state(tensors, "decoder"), Path(path))
        z_dim, output_range = meta["latent"], (0.0, 1.0)
    else:
        pair = build_gan(meta["arch"], meta["model"], meta["width_divisor"])
        module = pair.generator
        _load(module, _sub_state(tensors, "generator"), Path(path))
        z_dim, output_range = pair.z_dim, (-1.0, 1.0)
    name = f"{meta['model']} {meta['kind'].upper()}"
    return TrainedGenerator(module.to(device).eval(), meta["kind"], z_dim, name, output_range)


def load_encoder(path: str | Path, device: str | torch.device = "cpu") -> nn.Module:
    """The encoder of a VAE weights file (or run directory): image ``(N, 3, 64, 64)`` in [0, 1]
    -> ``(N, 2 * latent)`` = posterior mean and log-variance; :class:`UserError` for a GAN."""
    meta, tensors = load_weights(path)
    if meta.get("kind") != "vae":
        raise UserError(f"{path} holds a GAN; only a VAE has an encoder")
    vae = build_vae(meta["model"], meta["latent"], meta["width_divisor"])
    _load(vae.encoder, _sub_state(tensors, "encoder"), Path(path))
    return vae.encoder.to(device).eval()
