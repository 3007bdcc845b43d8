"""The files a command-line test runs its commands among (the contract matrix and the argument
fuzz): the user's own files, which no command may change, and read-only inputs that the cases
name (good, garbage and cut data files, GAN weights, image folders, runs)."""

from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace

import numpy as np


def write_users_files(root: Path) -> SimpleNamespace:
    """A user's files in ``root``: a plain file, a folder of notes and data (with a
    ``shapes.npz`` and an ``entropy.json`` of the user's, names our commands write), an empty
    folder and a PNG. Returned by name, with ``under_file`` (a path that cannot be made: its
    parent is a file)."""
    t = SimpleNamespace(root=root)
    t.file = root / "file.txt"
    t.file.write_text("a file of the user's\n")
    t.under_file = t.file / "under"
    t.folder = root / "folder"
    (t.folder / "sub").mkdir(parents=True)
    (t.folder / "notes.txt").write_text("weeks of notes\n")
    (t.folder / "sub" / "data.bin").write_bytes(b"\x00\x01\x02")
    (t.folder / "shapes.npz").write_bytes(b"the user's own shapes.npz")
    (t.folder / "entropy.json").write_text("{}\n")
    t.empty = root / "empty"
    t.empty.mkdir()
    t.png = root / "picture.png"
    t.png.write_bytes(b"\x89PNG the user's picture")
    return t


def write_inputs(root: Path) -> SimpleNamespace:
    """Inputs under ``root``, returned by name: ``shapes``, ``nsc`` (Not-so-Clevr) and ``det``
    (scattered MNIST of stand-in digits) datasets, a ``garbage`` file and a ``truncated``
    shapes archive, GAN ``weights``, an ``imagenet`` folder (train/val, one class), a
    ``finished`` run (``results.json`` only) and a ``marked`` run directory whose config is
    damaged."""
    from coordconv_data import not_so_clevr, scattered_mnist, shapes
    from coordconv_data.mnist_source import MnistDigits
    from coordconv_generative.models import build_gan
    from coordconv_generative.weights import save_weights
    from coordconv_train import MARKER

    p = SimpleNamespace(root=root)
    p.shapes = shapes.save(shapes.generate(16, seed=0), root / "shapes.npz")
    p.nsc = not_so_clevr.save(not_so_clevr.generate(), root / "not_so_clevr.npz")
    rng = np.random.default_rng(0)
    blobs = (rng.random((40, 28, 28)) > 0.6).astype(np.uint8) * 255  # stand-in digits
    labels = np.arange(40) % 10
    digits = MnistDigits(blobs[:30], labels[:30], blobs[30:], labels[30:], "synthetic")
    p.det = scattered_mnist.save(scattered_mnist.generate(digits, 8, 4, seed=0), root / "det.npz")
    p.garbage = root / "garbage.npz"
    p.garbage.write_bytes(rng.integers(0, 256, 4000, dtype=np.uint8).tobytes())
    p.truncated = root / "truncated.npz"
    p.truncated.write_bytes(p.shapes.read_bytes()[: p.shapes.stat().st_size // 2])
    pair = build_gan("shapes", "coordconv-gd", 64)
    meta = {"kind": "gan", "arch": "shapes", "model": "coordconv-gd", "width_divisor": 64}
    parts = {"generator": pair.generator, "discriminator": pair.discriminator}
    p.weights = save_weights(root / "gan-weights.safetensors", parts, meta)
    p.imagenet = root / "imagenet"
    for folder, n in ((p.imagenet / "train" / "a", 4), (p.imagenet / "val" / "a", 2)):
        write_pngs(folder, n, rng)
    p.finished = root / "finished-run"
    p.finished.mkdir()
    (p.finished / "results.json").write_text(json.dumps({"accuracy": 0.5, "final_score": 1.0}))
    p.marked = root / "marked-run"
    p.marked.mkdir()
    (p.marked / MARKER).write_text('{"format": "coordconv-run-1"}\n')
    (p.marked / "config.json").write_text('{"task": "classifica')
    return p


def write_pngs(folder: Path, n: int, rng: np.random.Generator) -> Path:
    """``n`` random 32x32 RGB images ``0.png``, ... in ``folder`` (made)."""
    from PIL import Image

    folder.mkdir(parents=True)
    for i in range(n):
        Image.fromarray(rng.integers(0, 255, (32, 32, 3), dtype=np.uint8)).save(folder / f"{i}.png")
    return folder
