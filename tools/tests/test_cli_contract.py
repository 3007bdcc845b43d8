"""The failure contract of every console script and subcommand (root README, "What every
command promises"; ``coordconv_train``'s module docstring).

1. The bad-input matrix: each case runs a command's ``main(argv)`` in-process and asserts exit
   status 2, exactly one line on stderr, no traceback, and the file tree (the case's folder and
   the shared inputs) byte-for-byte as it was. A few cases run as real subprocesses.
2. Stops: a real SIGTERM during training exits 130 for every trainer and leaves a checkpoint
   that ``--resume`` finishes.
3. A real SIGKILL in the middle of a checkpoint write leaves a run that ``--resume`` continues.
"""

from __future__ import annotations

import hashlib
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest
import torch

TOOLS = Path(__file__).resolve().parent.parent


def _main(name: str) -> Callable[[list[str]], int]:
    """The ``main(argv)`` of a console script (imported lazily: torch-heavy packages)."""
    if name == "coordconv-data":
        from coordconv_data.cli import main
    elif name == "coordconv-vision":
        from coordconv_vision.cli import main
    elif name == "coordconv-generative":
        from coordconv_generative.cli import main
    elif name == "coordconv-rl":
        from coordconv_rl.cli import main
    else:
        import reproduce

        main = reproduce.main
    return main


def _status(main: Callable[[list[str]], int], argv: list[str]) -> int:
    try:
        return main(argv)
    except SystemExit as exc:  # argparse usage errors exit instead of returning
        return int(exc.code or 0)


def tree_digest(*roots: Path) -> dict[str, str]:
    """Every path under ``roots`` -> its content hash and mode (``dir`` for folders)."""
    digest = {}
    for root in roots:
        for p in sorted(root.rglob("*")):
            kind = "dir" if p.is_dir() else hashlib.sha256(p.read_bytes()).hexdigest()
            digest[str(p)] = f"{kind} {p.stat().st_mode:o}"
    return digest


@pytest.fixture(autouse=True)
def _keep_torch_threads():
    """``coordconv-rl train --threads N`` sets torch's global thread count: restore it."""
    import torch

    threads = torch.get_num_threads()
    yield
    torch.set_num_threads(threads)


# --------------------------------------------------------------------------- shared inputs


@pytest.fixture(scope="module")
def inputs(tmp_path_factory: pytest.TempPathFactory) -> SimpleNamespace:
    """Read-only inputs shared by the cases: good, garbage and truncated data files."""
    from PIL import Image

    from coordconv_data import not_so_clevr, scattered_mnist, shapes
    from coordconv_data.mnist_source import MnistDigits

    root = tmp_path_factory.mktemp("inputs")
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
    p.missing = root / "no-such-file.npz"
    p.imagenet = root / "imagenet"
    p.images = root / "images"
    for folder, n in (
        (p.imagenet / "train" / "a", 4),
        (p.imagenet / "val" / "a", 2),
        (p.images, 2),
    ):
        folder.mkdir(parents=True)
        for i in range(n):
            Image.fromarray(rng.integers(0, 255, (32, 32, 3), dtype=np.uint8)).save(
                folder / f"{i}.png"
            )
    p.no_images = root / "no-images"
    p.no_images.mkdir()
    (p.no_images / "readme.txt").write_text("no pictures here\n")
    p.weights = _tiny_gan_weights(root / "gan-weights.safetensors")
    p.garbage_weights = root / "garbage.safetensors"
    p.garbage_weights.write_bytes(b"\x08\x00\x00\x00\x00\x00\x00\x00{not json")
    p.finished = root / "finished-run"  # a compare-able run: results.json only
    p.finished.mkdir()
    (p.finished / "results.json").write_text(json.dumps({"accuracy": 0.5}))
    p.bad_results = root / "bad-results"
    p.bad_results.mkdir()
    (p.bad_results / "results.json").write_text('{"accuracy": 0.')
    p.rl_tree = root / "rl-tree"
    (p.rl_tree / "MsPacman" / "conv" / "seed0").mkdir(parents=True)
    (p.rl_tree / "MsPacman" / "conv" / "seed0" / "results.json").write_text("{cut sho")
    p.huge_npz = _npz_declaring(root / "huge.npz", 10**12)
    p.idx_overflow = _idx_dir_declaring(root / "idx-overflow", (2**31, 2**31, 4))
    p.crafted_weights = _crafted_weights(p.weights, root / "crafted")
    p.damaged_reproduce = root / "damaged-reproduce"
    p.damaged_reproduce.mkdir()
    (p.damaged_reproduce / ".reproduce.json").write_text('{"preset": "qu')
    (p.damaged_reproduce / "REPORT.md").write_text("an earlier report\n")
    p.rl_no_seed = root / "rl-no-seed"
    for seed, results in enumerate(({"seed": 0}, {})):
        run = p.rl_no_seed / "MsPacman" / "conv" / f"seed{seed}"
        run.mkdir(parents=True)
        results |= {"env": "ALE/MsPacman-v5", "model": "conv", "final_score": 1.0, "frames": 20}
        (run / "results.json").write_text(json.dumps(results))
    p.runs = _damaged_runs(p, root / "runs")
    return p


def _npz_declaring(path: Path, elements: int) -> Path:
    """A shapes archive, valid but for one member whose .npy header declares ``elements``
    bytes it does not hold (a crafted file: loading it naively allocates them)."""
    import zipfile

    from coordconv_data import shapes

    good = shapes.save(shapes.generate(4, seed=0), path.with_suffix(".good.npz"))
    with zipfile.ZipFile(good) as src, zipfile.ZipFile(path, "w") as dst:
        for name in src.namelist():
            data = src.read(name)
            if name == "kinds.npy":
                header = {"descr": "|u1", "fortran_order": False, "shape": (elements,)}
                member = __import__("io").BytesIO()
                np.lib.format.write_array_header_1_0(member, header)
                data = member.getvalue() + b"\x00" * 16
            dst.writestr(name, data)
    good.unlink()
    return path


def _idx_dir_declaring(folder: Path, shape: tuple[int, ...]) -> Path:
    """An MNIST IDX folder whose training images declare ``shape`` (an overflowing product)."""
    from coordconv_data.mnist_source import IDX_NAMES, write_idx

    folder.mkdir()
    for key, stem in IDX_NAMES.items():
        write_idx(folder / stem, np.zeros((2, 28, 28) if "images" in key else (2,), np.uint8))
    header = bytes([0, 0, 0x08, len(shape)]) + b"".join(n.to_bytes(4, "big") for n in shape)
    (folder / IDX_NAMES["train_images"]).write_bytes(header)
    return folder


def _crafted_weights(good: Path, folder: Path) -> SimpleNamespace:
    """Copies of a good GAN weights file whose metadata was edited."""
    from safetensors.torch import load_file, save_file

    folder.mkdir()
    tensors = load_file(good)
    good_meta = {"kind": "gan", "arch": "shapes", "model": "coordconv-gd", "width_divisor": 64}
    crafted = {
        "width_zero": {**good_meta, "width_divisor": 0},
        "huge_latent": {**good_meta, "kind": "vae", "latent": 10**12},
        "not_an_object": [1, 2],
        "no_model": {k: v for k, v in good_meta.items() if k != "model"},
        "other_shapes": {**good_meta, "width_divisor": 8},
    }
    out = SimpleNamespace()
    for name, meta in crafted.items():
        path = folder / f"{name}.safetensors"
        save_file(tensors, str(path), metadata={"coordconv_generative": json.dumps(meta)})
        setattr(out, name, path)
    return out


# Runs that stopped part-way (no results.json) with a checkpoint cut short, per trainer: the
# arguments that made them (a resume must repeat them) and the console script.
RESUMED: dict[str, tuple[str, Callable[[SimpleNamespace], list[str]]]] = {}


def _damaged_runs(p: SimpleNamespace, root: Path) -> SimpleNamespace:
    """Finished tiny runs of every trainer, then made unfinished and damaged: results.json
    removed and the checkpoint cut in half; plus marked directories with a damaged config."""
    runs, intact = SimpleNamespace(), {}
    for name, (command, argv_of) in RESUMED.items():
        out = root / name.replace("/", "-")
        assert _status(_main(command), [*argv_of(p), "--out", str(out)]) == 0, name
        (out / "results.json").unlink()
        checkpoint = out / "checkpoint.safetensors"
        intact[name] = checkpoint.read_bytes()
        checkpoint.write_bytes(checkpoint.read_bytes()[: checkpoint.stat().st_size // 2])
        setattr(runs, name.split("/")[1], out)
    from coordconv_train import MARKER

    # an intact checkpoint of another trainer (GAN) in a vision run, of another model
    # (--model coordconv) in an A2C run (--model conv): foreign to the run they sit in

    runs.foreign_trainer = _moved_run(runs.notsoclevr, root / "foreign-trainer")
    (runs.foreign_trainer / "checkpoint.safetensors").write_bytes(intact["generative/gan"])
    other = root / "rl-coordconv"
    assert _status(_main("coordconv-rl"), [*RL, *TINY_ENV, "--model", "coordconv", "--out", str(other)]) == 0  # fmt: skip
    runs.foreign_model = _moved_run(runs.train, root / "foreign-model")
    (runs.foreign_model / "checkpoint.safetensors").write_bytes(
        (other / "checkpoint.safetensors").read_bytes()
    )
    runs.bad_config = root / "bad-config"
    runs.bad_config.mkdir()
    (runs.bad_config / MARKER).write_text('{"format": "coordconv-run-1"}\n')
    (runs.bad_config / "config.json").write_text('{"task": "classifica')
    return runs


def _moved_run(run: Path, to: Path) -> Path:
    """A copy of ``run`` at ``to`` whose config.json says so (a resume there finds its config)."""
    import shutil

    shutil.copytree(run, to)
    config = json.loads((to / "config.json").read_text())
    (to / "config.json").write_text(json.dumps({**config, "out": str(to)}))
    return to


def _tiny_gan_weights(path: Path) -> Path:
    from coordconv_generative.models import build_gan
    from coordconv_generative.weights import save_weights

    pair = build_gan("shapes", "coordconv-gd", 64)
    meta = {"kind": "gan", "arch": "shapes", "model": "coordconv-gd", "width_divisor": 64}
    return save_weights(
        path, {"generator": pair.generator, "discriminator": pair.discriminator}, meta
    )


def _case_folder(tmp: Path) -> SimpleNamespace:
    """The case's own files: a user's folder, a plain file, an empty folder, a PNG."""
    t = SimpleNamespace(root=tmp, out=tmp / "out")
    t.file = tmp / "file.txt"
    t.file.write_text("a file of the user's\n")
    t.under_file = t.file / "run"  # cannot be created: its parent is a file (works as root too)
    t.foreign = tmp / "foreign"
    (t.foreign / "sub").mkdir(parents=True)
    (t.foreign / "notes.txt").write_text("weeks of notes\n")
    (t.foreign / "sub" / "data.bin").write_bytes(b"\x00\x01\x02")
    (t.foreign / "shapes.npz").write_bytes(b"the user's own shapes.npz")
    (t.foreign / "entropy.json").write_text("{}\n")
    t.empty = tmp / "empty"
    t.empty.mkdir()
    t.png = tmp / "picture.png"
    t.png.write_bytes(b"\x89PNG the user's picture")
    return t


# --------------------------------------------------------------------------- the matrix

NSC = ["notsoclevr", "--device", "cpu", "--no-progress", "--no-figures", "--epochs", "1"]
NSC += ["--train-limit", "16", "--task", "classification"]
SWEEP = ["sweep", "--device", "cpu", "--no-progress", "--train-limit", "16"]
SWEEP += ["--coordconv-epochs", "1", "--epochs", "1", "--models", "coordconv"]
IMAGENET = ["imagenet", "--device", "cpu", "--workers", "0", "--image-size", "32"]
IMAGENET += ["--batch-size", "2", "--model", "resnet18"]
DETECT = ["detect", "--device", "cpu", "--epochs", "1", "--batch-size", "2"]
GAN = ["gan", "--device", "cpu", "--width-divisor", "64", "--batch-size", "4", "--epochs", "1"]
VAE = ["vae", "--device", "cpu", "--width-divisor", "64", "--batch-size", "4", "--epochs", "1"]
RL = ["train", "--device", "cpu", "--no-progress", "--threads", "1", "--num-envs", "2"]
RL += ["--frames", "20", "--eval-episodes", "1"]
TINY_ENV = ["--env", "coordconv_rl/TargetReach-v0"]
EXP = ["experiment", "--device", "cpu", "--no-progress", "--threads", "1", "--seeds", "1"]
EXP += ["--frames", "20", "--num-envs", "2", "--eval-episodes", "1"]

RESUMED.update({
    "vision/notsoclevr": ("coordconv-vision", lambda p: NSC),
    "vision/imagenet": ("coordconv-vision", lambda p: [*IMAGENET, "--data", str(p.imagenet), "--epochs", "1"]),
    "vision/detect": ("coordconv-vision", lambda p: [*DETECT, "--data", str(p.det), "--hidden-channels", "8", "--figure-images", "0"]),
    "generative/gan": ("coordconv-generative", lambda p: [*GAN, "--data", str(p.shapes), "--max-steps", "1"]),
    "generative/vae": ("coordconv-generative", lambda p: [*VAE, "--data", str(p.shapes), "--max-steps", "1"]),
    "rl/train": ("coordconv-rl", lambda p: [*RL, *TINY_ENV]),
})  # fmt: skip
Argv = Callable[[SimpleNamespace, SimpleNamespace], list[str]]
CASES: dict[str, tuple[str, Argv]] = {
    # ---- coordconv-data generate
    "data/generate/unknown-dataset": ("coordconv-data", lambda p, t: ["generate", "mnist3d", "--out", str(t.out)]),
    "data/generate/nsc-flags-do-not-apply": ("coordconv-data", lambda p, t: ["generate", "not-so-clevr", "--n", "-5", "--seed", "-3", "--out", str(t.out)]),
    "data/generate/shapes-n-negative": ("coordconv-data", lambda p, t: ["generate", "shapes", "--n", "-5", "--out", str(t.out)]),
    "data/generate/shapes-n-zero": ("coordconv-data", lambda p, t: ["generate", "shapes", "--n", "0", "--out", str(t.out)]),
    "data/generate/shapes-min-size-zero": ("coordconv-data", lambda p, t: ["generate", "shapes", "--n", "4", "--min-size", "0", "--out", str(t.out)]),
    "data/generate/shapes-no-coco-does-not-apply": ("coordconv-data", lambda p, t: ["generate", "shapes", "--n", "4", "--no-coco", "--out", str(t.out)]),
    "data/generate/mnist-n-does-not-apply": ("coordconv-data", lambda p, t: ["generate", "scattered-mnist", "--n", "4", "--out", str(t.out)]),
    "data/generate/mnist-n-train-negative": ("coordconv-data", lambda p, t: ["generate", "scattered-mnist", "--n-train", "-1", "--out", str(t.out)]),
    "data/generate/mnist-n-test-zero": ("coordconv-data", lambda p, t: ["generate", "scattered-mnist", "--n-test", "0", "--out", str(t.out)]),
    "data/generate/mnist-dir-missing": ("coordconv-data", lambda p, t: ["generate", "scattered-mnist", "--mnist-dir", str(p.missing), "--out", str(t.out)]),
    "data/generate/mnist-dir-without-idx": ("coordconv-data", lambda p, t: ["generate", "scattered-mnist", "--mnist-dir", str(p.no_images), "--out", str(t.out)]),
    "data/generate/out-is-a-file": ("coordconv-data", lambda p, t: ["generate", "shapes", "--n", "4", "--out", str(t.file)]),
    "data/generate/out-under-a-file": ("coordconv-data", lambda p, t: ["generate", "shapes", "--n", "4", "--out", str(t.under_file)]),
    "data/generate/existing-output": ("coordconv-data", lambda p, t: ["generate", "shapes", "--n", "4", "--out", str(t.foreign)]),
    # ---- coordconv-data info
    "data/info/missing-file": ("coordconv-data", lambda p, t: ["info", str(p.missing)]),
    "data/info/garbage-file": ("coordconv-data", lambda p, t: ["info", str(p.garbage)]),
    "data/info/truncated-file": ("coordconv-data", lambda p, t: ["info", str(p.truncated)]),
    "data/info/a-folder": ("coordconv-data", lambda p, t: ["info", str(t.foreign)]),
    "data/info/not-our-npz": ("coordconv-data", lambda p, t: ["info", str(p.garbage_weights)]),
    # ---- coordconv-data preview
    "data/preview/out-without-extension": ("coordconv-data", lambda p, t: ["preview", str(p.shapes), "--out", str(t.out / "grid")]),
    "data/preview/out-unknown-extension": ("coordconv-data", lambda p, t: ["preview", str(p.shapes), "--out", str(t.root / "grid.xyz")]),
    "data/preview/count-zero": ("coordconv-data", lambda p, t: ["preview", str(p.shapes), "--count", "0", "--out", str(t.root / "g.png")]),
    "data/preview/count-too-large": ("coordconv-data", lambda p, t: ["preview", str(p.shapes), "--count", "100000", "--out", str(t.root / "g.png")]),
    "data/preview/split-does-not-apply": ("coordconv-data", lambda p, t: ["preview", str(p.shapes), "--split", "test", "--out", str(t.root / "g.png")]),
    "data/preview/out-is-a-folder": ("coordconv-data", lambda p, t: ["preview", str(p.shapes), "--out", str(t.empty)]),
    "data/preview/out-under-a-file": ("coordconv-data", lambda p, t: ["preview", str(p.shapes), "--out", str(t.under_file / "g.png")]),
    "data/preview/existing-png": ("coordconv-data", lambda p, t: ["preview", str(p.shapes), "--out", str(t.png)]),
    "data/preview/garbage-file": ("coordconv-data", lambda p, t: ["preview", str(p.garbage), "--out", str(t.root / "g.png")]),
    "data/preview/truncated-file": ("coordconv-data", lambda p, t: ["preview", str(p.truncated), "--out", str(t.root / "g.png")]),
    "data/preview/missing-file": ("coordconv-data", lambda p, t: ["preview", str(p.missing), "--out", str(t.root / "g.png")]),
    # ---- coordconv-vision notsoclevr
    "vision/notsoclevr/out-is-a-file": ("coordconv-vision", lambda p, t: [*NSC, "--out", str(t.file)]),
    "vision/notsoclevr/out-under-a-file": ("coordconv-vision", lambda p, t: [*NSC, "--out", str(t.under_file)]),
    "vision/notsoclevr/out-is-a-users-folder": ("coordconv-vision", lambda p, t: [*NSC, "--out", str(t.foreign)]),
    "vision/notsoclevr/overwrite-a-users-folder": ("coordconv-vision", lambda p, t: [*NSC, "--out", str(t.foreign), "--overwrite"]),
    "vision/notsoclevr/resume-of-nothing": ("coordconv-vision", lambda p, t: [*NSC, "--out", str(t.out), "--resume"]),
    "vision/notsoclevr/resume-an-empty-folder": ("coordconv-vision", lambda p, t: [*NSC, "--out", str(t.empty), "--resume"]),
    "vision/notsoclevr/resume-a-users-folder": ("coordconv-vision", lambda p, t: [*NSC, "--out", str(t.foreign), "--resume"]),
    "vision/notsoclevr/resume-and-overwrite": ("coordconv-vision", lambda p, t: [*NSC, "--out", str(t.out), "--resume", "--overwrite"]),
    "vision/notsoclevr/epochs-zero": ("coordconv-vision", lambda p, t: [*NSC, "--epochs", "0", "--out", str(t.out)]),
    "vision/notsoclevr/batch-size-negative": ("coordconv-vision", lambda p, t: [*NSC, "--batch-size", "-1", "--out", str(t.out)]),
    "vision/notsoclevr/train-fraction-with-quadrant": ("coordconv-vision", lambda p, t: [*NSC, "--split", "quadrant", "--train-fraction", "0.5", "--out", str(t.out)]),
    "vision/imagenet/batch-size-one": ("coordconv-vision", lambda p, t: [*IMAGENET, "--data", str(p.imagenet), "--batch-size", "1", "--out", str(t.out)]),
    "vision/notsoclevr/train-limit-negative": ("coordconv-vision", lambda p, t: [*NSC, "--train-limit", "-1", "--out", str(t.out)]),
    "vision/notsoclevr/model-does-not-apply": ("coordconv-vision", lambda p, t: [*NSC, "--model", "conv", "--out", str(t.out)]),
    "vision/notsoclevr/where-loss-does-not-apply": ("coordconv-vision", lambda p, t: [*NSC, "--where-loss", "joint", "--out", str(t.out)]),
    "vision/notsoclevr/unknown-task": ("coordconv-vision", lambda p, t: [*NSC, "--task", "counting", "--out", str(t.out)]),
    "vision/notsoclevr/unknown-device": ("coordconv-vision", lambda p, t: [*NSC, "--device", "tpu", "--out", str(t.out)]),
    "vision/notsoclevr/resume-a-damaged-checkpoint": ("coordconv-vision", lambda p, t: [*NSC, "--out", str(p.runs.notsoclevr), "--resume"]),
    "vision/notsoclevr/resume-a-damaged-config": ("coordconv-vision", lambda p, t: [*NSC, "--out", str(p.runs.bad_config), "--resume"]),
    "vision/notsoclevr/resume-with-another-config": ("coordconv-vision", lambda p, t: [*NSC, "--lr", "0.5", "--out", str(p.runs.notsoclevr), "--resume"]),
    "vision/notsoclevr/a-run-is-there": ("coordconv-vision", lambda p, t: [*NSC, "--out", str(p.runs.notsoclevr)]),
    # ---- coordconv-vision sweep
    "vision/sweep/unknown-split": ("coordconv-vision", lambda p, t: [*SWEEP, "--splits", "diagonal", "--out", str(t.out)]),
    "vision/sweep/unknown-model": ("coordconv-vision", lambda p, t: [*SWEEP, "--models", "mlp", "--out", str(t.out)]),
    "vision/sweep/model-does-not-apply": ("coordconv-vision", lambda p, t: [*SWEEP, "--models", "conv", "--out", str(t.out)]),
    "vision/sweep/epochs-zero": ("coordconv-vision", lambda p, t: [*SWEEP, "--coordconv-epochs", "0", "--out", str(t.out)]),
    "vision/sweep/overwrite-a-users-folder": ("coordconv-vision", lambda p, t: [*SWEEP, "--out", str(t.foreign), "--overwrite"]),
    "vision/sweep/resume-of-nothing": ("coordconv-vision", lambda p, t: [*SWEEP, "--out", str(t.out), "--resume"]),
    "vision/sweep/out-is-a-file": ("coordconv-vision", lambda p, t: [*SWEEP, "--out", str(t.file)]),
    # ---- coordconv-vision imagenet
    "vision/imagenet/resume-a-damaged-checkpoint": ("coordconv-vision", lambda p, t: [*IMAGENET, "--data", str(p.imagenet), "--epochs", "1", "--out", str(p.runs.imagenet), "--resume"]),
    "vision/imagenet/no-data": ("coordconv-vision", lambda p, t: [*IMAGENET, "--out", str(t.out)]),
    "vision/imagenet/data-missing": ("coordconv-vision", lambda p, t: [*IMAGENET, "--data", str(p.missing), "--out", str(t.out)]),
    "vision/imagenet/data-is-a-file": ("coordconv-vision", lambda p, t: [*IMAGENET, "--data", str(p.garbage), "--out", str(t.out)]),
    "vision/imagenet/data-not-imagenet-layout": ("coordconv-vision", lambda p, t: [*IMAGENET, "--data", str(p.images), "--out", str(t.out)]),
    "vision/imagenet/unknown-model": ("coordconv-vision", lambda p, t: [*IMAGENET, "--data", str(p.imagenet), "--model", "resnet5000", "--out", str(t.out)]),
    "vision/imagenet/epochs-zero": ("coordconv-vision", lambda p, t: [*IMAGENET, "--data", str(p.imagenet), "--epochs", "0", "--out", str(t.out)]),
    "vision/imagenet/workers-negative": ("coordconv-vision", lambda p, t: [*IMAGENET, "--data", str(p.imagenet), "--workers", "-1", "--out", str(t.out)]),
    "vision/imagenet/weights-missing": ("coordconv-vision", lambda p, t: [*IMAGENET, "--data", str(p.imagenet), "--weights", str(p.missing), "--out", str(t.out)]),
    "vision/imagenet/weights-garbage": ("coordconv-vision", lambda p, t: [*IMAGENET, "--data", str(p.imagenet), "--weights", str(p.garbage_weights), "--out", str(t.out)]),
    "vision/imagenet/resume-of-nothing": ("coordconv-vision", lambda p, t: [*IMAGENET, "--data", str(p.imagenet), "--out", str(t.out), "--resume"]),
    "vision/imagenet/overwrite-a-users-folder": ("coordconv-vision", lambda p, t: [*IMAGENET, "--data", str(p.imagenet), "--out", str(t.foreign), "--overwrite"]),
    "vision/imagenet/out-under-a-file": ("coordconv-vision", lambda p, t: [*IMAGENET, "--data", str(p.imagenet), "--out", str(t.under_file)]),
    # ---- coordconv-vision detect
    "vision/detect/resume-a-damaged-checkpoint": ("coordconv-vision", lambda p, t: [*DETECT, "--data", str(p.det), "--hidden-channels", "8", "--figure-images", "0", "--out", str(p.runs.detect), "--resume"]),
    "vision/detect/no-data": ("coordconv-vision", lambda p, t: [*DETECT, "--out", str(t.out)]),
    "vision/detect/data-missing": ("coordconv-vision", lambda p, t: [*DETECT, "--data", str(p.missing), "--out", str(t.out)]),
    "vision/detect/data-garbage": ("coordconv-vision", lambda p, t: [*DETECT, "--data", str(p.garbage), "--out", str(t.out)]),
    "vision/detect/data-truncated": ("coordconv-vision", lambda p, t: [*DETECT, "--data", str(p.truncated), "--out", str(t.out)]),
    "vision/detect/data-other-dataset": ("coordconv-vision", lambda p, t: [*DETECT, "--data", str(p.nsc), "--out", str(t.out)]),
    "vision/detect/epochs-zero": ("coordconv-vision", lambda p, t: [*DETECT, "--data", str(p.det), "--epochs", "0", "--out", str(t.out)]),
    "vision/detect/train-limit-negative": ("coordconv-vision", lambda p, t: [*DETECT, "--data", str(p.det), "--train-limit", "-1", "--out", str(t.out)]),
    "vision/detect/batch-larger-than-data": ("coordconv-vision", lambda p, t: [*DETECT, "--data", str(p.det), "--batch-size", "64", "--out", str(t.out)]),
    "vision/detect/resume-of-nothing": ("coordconv-vision", lambda p, t: [*DETECT, "--data", str(p.det), "--out", str(t.out), "--resume"]),
    "vision/detect/out-is-a-file": ("coordconv-vision", lambda p, t: [*DETECT, "--data", str(p.det), "--out", str(t.file)]),
    "vision/detect/overwrite-a-users-folder": ("coordconv-vision", lambda p, t: [*DETECT, "--data", str(p.det), "--out", str(t.foreign), "--overwrite"]),
    # ---- coordconv-vision compare
    "vision/compare/run-missing": ("coordconv-vision", lambda p, t: ["compare", str(p.missing), "--baseline", str(p.finished), "--out", str(t.root / "c.json")]),
    "vision/compare/run-without-results": ("coordconv-vision", lambda p, t: ["compare", str(t.empty), "--baseline", str(p.finished), "--out", str(t.root / "c.json")]),
    "vision/compare/garbage-results": ("coordconv-vision", lambda p, t: ["compare", str(p.bad_results), "--baseline", str(p.finished), "--out", str(t.root / "c.json")]),
    "vision/compare/bad-metric": ("coordconv-vision", lambda p, t: ["compare", str(p.finished), "--baseline", str(p.finished), "--metric", "accuracy:up", "--out", str(t.root / "c.json")]),
    "vision/compare/unknown-metric": ("coordconv-vision", lambda p, t: ["compare", str(p.finished), "--baseline", str(p.finished), "--metric", "top9", "--out", str(t.root / "c.json")]),
    "vision/compare/existing-out": ("coordconv-vision", lambda p, t: ["compare", str(p.finished), "--baseline", str(p.finished), "--out", str(t.file)]),
    "vision/compare/out-is-a-folder": ("coordconv-vision", lambda p, t: ["compare", str(p.finished), "--baseline", str(p.finished), "--out", str(t.empty), "--overwrite"]),
    "vision/compare/out-under-a-file": ("coordconv-vision", lambda p, t: ["compare", str(p.finished), "--baseline", str(p.finished), "--out", str(t.under_file / "c.json")]),
    # ---- coordconv-generative gan (and the LSUN arch)
    "generative/gan/resume-a-damaged-checkpoint": ("coordconv-generative", lambda p, t: [*GAN, "--data", str(p.shapes), "--max-steps", "1", "--out", str(p.runs.gan), "--resume"]),
    "generative/gan/no-data": ("coordconv-generative", lambda p, t: [*GAN, "--out", str(t.out)]),
    "generative/gan/data-missing": ("coordconv-generative", lambda p, t: [*GAN, "--data", str(p.missing), "--out", str(t.out)]),
    "generative/gan/data-garbage": ("coordconv-generative", lambda p, t: [*GAN, "--data", str(p.garbage), "--out", str(t.out)]),
    "generative/gan/data-truncated": ("coordconv-generative", lambda p, t: [*GAN, "--data", str(p.truncated), "--out", str(t.out)]),
    "generative/gan/data-other-dataset": ("coordconv-generative", lambda p, t: [*GAN, "--data", str(p.nsc), "--out", str(t.out)]),
    "generative/gan/lsun-folder-without-images": ("coordconv-generative", lambda p, t: [*GAN, "--data", str(p.no_images), "--arch", "lsun", "--out", str(t.out)]),
    "generative/gan/max-steps-negative": ("coordconv-generative", lambda p, t: [*GAN, "--data", str(p.shapes), "--max-steps", "-3", "--out", str(t.out)]),
    "generative/gan/max-steps-zero": ("coordconv-generative", lambda p, t: [*GAN, "--data", str(p.shapes), "--max-steps", "0", "--out", str(t.out)]),
    "generative/gan/epochs-zero": ("coordconv-generative", lambda p, t: [*GAN, "--data", str(p.shapes), "--epochs", "0", "--out", str(t.out)]),
    "generative/gan/batch-size-zero": ("coordconv-generative", lambda p, t: [*GAN, "--data", str(p.shapes), "--batch-size", "0", "--out", str(t.out)]),
    "generative/gan/batch-larger-than-data": ("coordconv-generative", lambda p, t: [*GAN, "--data", str(p.shapes), "--batch-size", "64", "--out", str(t.out)]),
    "generative/gan/n-train-zero": ("coordconv-generative", lambda p, t: [*GAN, "--data", str(p.shapes), "--n-train", "0", "--out", str(t.out)]),
    "generative/gan/g-steps-zero": ("coordconv-generative", lambda p, t: [*GAN, "--data", str(p.shapes), "--g-steps", "0", "--out", str(t.out)]),
    "generative/gan/log-every-zero": ("coordconv-generative", lambda p, t: [*GAN, "--data", str(p.shapes), "--log-every", "0", "--out", str(t.out)]),
    "generative/gan/lr-negative": ("coordconv-generative", lambda p, t: [*GAN, "--data", str(p.shapes), "--lr-g", "-1", "--out", str(t.out)]),
    "generative/gan/ema-one": ("coordconv-generative", lambda p, t: [*GAN, "--data", str(p.shapes), "--ema", "1", "--out", str(t.out)]),
    "generative/gan/r1-negative": ("coordconv-generative", lambda p, t: [*GAN, "--data", str(p.shapes), "--r1", "-5", "--out", str(t.out)]),
    "generative/gan/unknown-model": ("coordconv-generative", lambda p, t: [*GAN, "--data", str(p.shapes), "--model", "stylegan", "--out", str(t.out)]),
    "generative/gan/resume-of-nothing": ("coordconv-generative", lambda p, t: [*GAN, "--data", str(p.shapes), "--out", str(t.out), "--resume"]),
    "generative/gan/overwrite-a-users-folder": ("coordconv-generative", lambda p, t: [*GAN, "--data", str(p.shapes), "--out", str(t.foreign), "--overwrite"]),
    "generative/gan/out-is-a-file": ("coordconv-generative", lambda p, t: [*GAN, "--data", str(p.shapes), "--out", str(t.file)]),
    # ---- coordconv-generative vae
    "generative/vae/resume-a-damaged-checkpoint": ("coordconv-generative", lambda p, t: [*VAE, "--data", str(p.shapes), "--max-steps", "1", "--out", str(p.runs.vae), "--resume"]),
    "generative/vae/max-steps-negative": ("coordconv-generative", lambda p, t: [*VAE, "--data", str(p.shapes), "--max-steps", "-3", "--out", str(t.out)]),
    "generative/vae/latent-zero": ("coordconv-generative", lambda p, t: [*VAE, "--data", str(p.shapes), "--latent", "0", "--out", str(t.out)]),
    "generative/vae/data-folder": ("coordconv-generative", lambda p, t: [*VAE, "--data", str(p.images), "--out", str(t.out)]),
    "generative/vae/data-garbage": ("coordconv-generative", lambda p, t: [*VAE, "--data", str(p.garbage), "--out", str(t.out)]),
    "generative/vae/resume-of-nothing": ("coordconv-generative", lambda p, t: [*VAE, "--data", str(p.shapes), "--out", str(t.out), "--resume"]),
    "generative/vae/out-under-a-file": ("coordconv-generative", lambda p, t: [*VAE, "--data", str(p.shapes), "--out", str(t.under_file)]),
    "generative/vae/overwrite-a-users-folder": ("coordconv-generative", lambda p, t: [*VAE, "--data", str(p.shapes), "--out", str(t.foreign), "--overwrite"]),
    # ---- coordconv-generative entropy
    "generative/entropy/nothing-to-measure": ("coordconv-generative", lambda p, t: ["entropy", "--out", str(t.out)]),
    "generative/entropy/n-zero": ("coordconv-generative", lambda p, t: ["entropy", "--data", str(p.shapes), "--n", "0", "--out", str(t.out)]),
    "generative/entropy/n-above-data": ("coordconv-generative", lambda p, t: ["entropy", "--data", str(p.shapes), "--n", "17", "--repeats", "2", "--out", str(t.out)]),
    "generative/entropy/repeats-one": ("coordconv-generative", lambda p, t: ["entropy", "--data", str(p.shapes), "--repeats", "1", "--out", str(t.out)]),
    "generative/entropy/bin-size-not-dividing": ("coordconv-generative", lambda p, t: ["entropy", "--data", str(p.shapes), "--bin-size", "5", "--out", str(t.out)]),
    "generative/entropy/data-missing": ("coordconv-generative", lambda p, t: ["entropy", "--data", str(p.missing), "--out", str(t.out)]),
    "generative/entropy/data-garbage": ("coordconv-generative", lambda p, t: ["entropy", "--data", str(p.garbage), "--out", str(t.out)]),
    "generative/entropy/checkpoint-missing": ("coordconv-generative", lambda p, t: ["entropy", "--checkpoint", str(p.missing), "--out", str(t.out)]),
    "generative/entropy/checkpoint-garbage": ("coordconv-generative", lambda p, t: ["entropy", "--checkpoint", str(p.garbage_weights), "--out", str(t.out)]),
    "generative/entropy/out-is-a-file": ("coordconv-generative", lambda p, t: ["entropy", "--data", str(p.shapes), "--n", "4", "--repeats", "2", "--out", str(t.file)]),
    "generative/entropy/out-under-a-file": ("coordconv-generative", lambda p, t: ["entropy", "--data", str(p.shapes), "--n", "4", "--repeats", "2", "--out", str(t.under_file)]),
    "generative/entropy/existing-output": ("coordconv-generative", lambda p, t: ["entropy", "--data", str(p.shapes), "--n", "4", "--repeats", "2", "--out", str(t.foreign)]),
    # ---- coordconv-generative interpolate
    "generative/interpolate/pairs-zero": ("coordconv-generative", lambda p, t: ["interpolate", "--checkpoint", str(p.weights), "--pairs", "0", "--out", str(t.root / "i.png")]),
    "generative/interpolate/steps-one": ("coordconv-generative", lambda p, t: ["interpolate", "--checkpoint", str(p.weights), "--steps", "1", "--out", str(t.root / "i.png")]),
    "generative/interpolate/checkpoint-missing": ("coordconv-generative", lambda p, t: ["interpolate", "--checkpoint", str(p.missing), "--out", str(t.root / "i.png")]),
    "generative/interpolate/checkpoint-garbage": ("coordconv-generative", lambda p, t: ["interpolate", "--checkpoint", str(p.garbage_weights), "--out", str(t.root / "i.png")]),
    "generative/interpolate/checkpoint-not-weights": ("coordconv-generative", lambda p, t: ["interpolate", "--checkpoint", str(p.shapes), "--out", str(t.root / "i.png")]),
    "generative/interpolate/existing-png": ("coordconv-generative", lambda p, t: ["interpolate", "--checkpoint", str(p.weights), "--out", str(t.png)]),
    "generative/interpolate/out-is-a-folder": ("coordconv-generative", lambda p, t: ["interpolate", "--checkpoint", str(p.weights), "--out", str(t.empty)]),
    "generative/interpolate/out-without-extension": ("coordconv-generative", lambda p, t: ["interpolate", "--checkpoint", str(p.weights), "--out", str(t.out / "strip")]),
    "generative/interpolate/out-under-a-file": ("coordconv-generative", lambda p, t: ["interpolate", "--checkpoint", str(p.weights), "--out", str(t.under_file / "i.png")]),
    # ---- coordconv-rl train
    "rl/train/resume-a-damaged-checkpoint": ("coordconv-rl", lambda p, t: [*RL, *TINY_ENV, "--out", str(p.runs.train), "--resume"]),
    "rl/train/unknown-game": ("coordconv-rl", lambda p, t: [*RL, "--env", "Zork", "--out", str(t.out)]),
    "rl/train/unknown-ale-id": ("coordconv-rl", lambda p, t: [*RL, "--env", "ALE/Zork-v5", "--out", str(t.out)]),
    "rl/train/frames-zero": ("coordconv-rl", lambda p, t: [*RL, *TINY_ENV, "--frames", "0", "--out", str(t.out)]),
    "rl/train/num-envs-zero": ("coordconv-rl", lambda p, t: [*RL, *TINY_ENV, "--num-envs", "0", "--out", str(t.out)]),
    "rl/train/log-interval-zero": ("coordconv-rl", lambda p, t: [*RL, *TINY_ENV, "--log-interval", "0", "--out", str(t.out)]),
    "rl/train/checkpoint-interval-zero": ("coordconv-rl", lambda p, t: [*RL, *TINY_ENV, "--checkpoint-interval", "0", "--out", str(t.out)]),
    "rl/train/eval-episodes-negative": ("coordconv-rl", lambda p, t: [*RL, *TINY_ENV, "--eval-episodes", "-1", "--out", str(t.out)]),
    "rl/train/threads-negative": ("coordconv-rl", lambda p, t: [*RL, *TINY_ENV, "--threads", "-2", "--out", str(t.out)]),
    "rl/train/arch-does-not-fit-the-env": ("coordconv-rl", lambda p, t: [*RL, *TINY_ENV, "--arch", "nature", "--out", str(t.out)]),
    "rl/train/resume-of-nothing": ("coordconv-rl", lambda p, t: [*RL, *TINY_ENV, "--out", str(t.out), "--resume"]),
    "rl/train/resume-a-damaged-config": ("coordconv-rl", lambda p, t: [*RL, *TINY_ENV, "--out", str(p.runs.bad_config), "--resume"]),
    "rl/train/resume-a-users-folder": ("coordconv-rl", lambda p, t: [*RL, *TINY_ENV, "--out", str(t.foreign), "--resume"]),
    "rl/train/out-is-a-file": ("coordconv-rl", lambda p, t: [*RL, *TINY_ENV, "--out", str(t.file)]),
    "rl/train/overwrite-a-users-folder": ("coordconv-rl", lambda p, t: [*RL, *TINY_ENV, "--out", str(t.foreign), "--overwrite"]),
    # ---- coordconv-rl experiment
    "rl/experiment/unknown-game": ("coordconv-rl", lambda p, t: [*EXP, "--games", "Zork", "--out", str(t.out)]),
    "rl/experiment/unknown-ale-id": ("coordconv-rl", lambda p, t: [*EXP, "--games", "ALE/Zork-v5", "--out", str(t.out)]),
    "rl/experiment/unknown-model": ("coordconv-rl", lambda p, t: [*EXP, "--games", "MsPacman", "--models", "mlp", "--out", str(t.out)]),
    "rl/experiment/seeds-zero": ("coordconv-rl", lambda p, t: [*EXP, "--games", "MsPacman", "--seeds", "0", "--out", str(t.out)]),
    "rl/experiment/num-envs-zero": ("coordconv-rl", lambda p, t: [*EXP, "--games", "MsPacman", "--num-envs", "0", "--out", str(t.out)]),
    "rl/experiment/bad-shard": ("coordconv-rl", lambda p, t: [*EXP, "--shard", "3/2", "--out", str(t.out)]),
    "rl/experiment/shard-not-k-of-n": ("coordconv-rl", lambda p, t: [*EXP, "--shard", "half", "--out", str(t.out)]),
    "rl/experiment/out-is-a-file": ("coordconv-rl", lambda p, t: [*EXP, "--games", "MsPacman", "--out", str(t.file)]),
    "rl/experiment/out-under-a-file": ("coordconv-rl", lambda p, t: [*EXP, "--games", "MsPacman", "--out", str(t.under_file)]),
    # ---- coordconv-rl report
    "rl/report/root-missing": ("coordconv-rl", lambda p, t: ["report", str(t.out)]),
    "rl/report/root-is-a-file": ("coordconv-rl", lambda p, t: ["report", str(t.file)]),
    "rl/report/no-finished-runs": ("coordconv-rl", lambda p, t: ["report", str(t.empty)]),
    "rl/report/garbage-results": ("coordconv-rl", lambda p, t: ["report", str(p.rl_tree)]),
    "rl/report/unknown-metric": ("coordconv-rl", lambda p, t: ["report", str(t.empty), "--metric", "elo"]),
    # ---- tools/reproduce.py
    "reproduce/unknown-experiment": ("reproduce", lambda p, t: ["--only", "mnist-gan", "--out", str(t.out)]),
    "reproduce/unknown-preset": ("reproduce", lambda p, t: ["--preset", "huge", "--out", str(t.out)]),
    "reproduce/imagenet-missing": ("reproduce", lambda p, t: ["--imagenet", str(p.missing), "--out", str(t.out)]),
    "reproduce/imagenet-not-imagenet-layout": ("reproduce", lambda p, t: ["--imagenet", str(p.images), "--only", "imagenet", "--out", str(t.out)]),
    "reproduce/lsun-without-images": ("reproduce", lambda p, t: ["--lsun", str(p.no_images), "--only", "lsun", "--out", str(t.out)]),
    "reproduce/mnist-without-idx": ("reproduce", lambda p, t: ["--mnist", str(p.no_images), "--only", "detection", "--out", str(t.out)]),
    "reproduce/out-is-a-file": ("reproduce", lambda p, t: ["--out", str(t.file)]),
    "reproduce/out-under-a-file": ("reproduce", lambda p, t: ["--out", str(t.under_file)]),
    "reproduce/fresh-of-a-users-folder": ("reproduce", lambda p, t: ["--fresh", "--only", "classification", "--out", str(t.foreign)]),
    "reproduce/publish-into-a-users-folder": ("reproduce", lambda p, t: ["--fresh", "--publish", str(t.foreign), "--out", str(t.out)]),
    "reproduce/publish-under-a-file": ("reproduce", lambda p, t: ["--fresh", "--publish", str(t.under_file), "--out", str(t.out)]),
    "reproduce/jobs-zero": ("reproduce", lambda p, t: ["--jobs", "0", "--out", str(t.out)]),
    # ---- issue 24: what used to end in a traceback (sizes and counts bounded before any
    # allocation, non-finite or absurd rates refused, crafted files named, foreign checkpoints)
    "data/generate/shapes-n-huge": ("coordconv-data", lambda p, t: ["generate", "shapes", "--n", str(10**12), "--out", str(t.out)]),
    "data/generate/mnist-n-train-huge": ("coordconv-data", lambda p, t: ["generate", "scattered-mnist", "--n-train", str(10**12), "--out", str(t.out)]),
    "data/generate/mnist-dir-idx-dims-overflow": ("coordconv-data", lambda p, t: ["generate", "scattered-mnist", "--mnist-dir", str(p.idx_overflow), "--out", str(t.out)]),
    "data/info/npz-header-declares-1e12-elements": ("coordconv-data", lambda p, t: ["info", str(p.huge_npz)]),
    "data/preview/npz-header-declares-1e12-elements": ("coordconv-data", lambda p, t: ["preview", str(p.huge_npz), "--out", str(t.root / "g.png")]),
    "generative/gan/data-declares-1e12-elements": ("coordconv-generative", lambda p, t: [*GAN, "--data", str(p.huge_npz), "--out", str(t.out)]),
    "generative/gan/lr-d-inf": ("coordconv-generative", lambda p, t: [*GAN, "--data", str(p.shapes), "--lr-d", "inf", "--out", str(t.out)]),
    "generative/gan/lr-g-1e30": ("coordconv-generative", lambda p, t: [*GAN, "--data", str(p.shapes), "--lr-g", "1e30", "--out", str(t.out)]),
    "generative/vae/lr-nan": ("coordconv-generative", lambda p, t: [*VAE, "--data", str(p.shapes), "--lr", "nan", "--out", str(t.out)]),
    "generative/interpolate/meta-width-divisor-zero": ("coordconv-generative", lambda p, t: ["interpolate", "--checkpoint", str(p.crafted_weights.width_zero), "--out", str(t.root / "i.png")]),
    "generative/interpolate/meta-latent-1e12": ("coordconv-generative", lambda p, t: ["interpolate", "--checkpoint", str(p.crafted_weights.huge_latent), "--out", str(t.root / "i.png")]),
    "generative/interpolate/meta-not-an-object": ("coordconv-generative", lambda p, t: ["interpolate", "--checkpoint", str(p.crafted_weights.not_an_object), "--out", str(t.root / "i.png")]),
    "generative/interpolate/meta-without-model": ("coordconv-generative", lambda p, t: ["interpolate", "--checkpoint", str(p.crafted_weights.no_model), "--out", str(t.root / "i.png")]),
    "generative/interpolate/meta-other-than-the-tensors": ("coordconv-generative", lambda p, t: ["interpolate", "--checkpoint", str(p.crafted_weights.other_shapes), "--out", str(t.root / "i.png")]),
    "vision/notsoclevr/lr-inf": ("coordconv-vision", lambda p, t: [*NSC, "--lr", "inf", "--out", str(t.out)]),
    "vision/notsoclevr/lr-1e30": ("coordconv-vision", lambda p, t: [*NSC, "--lr", "1e30", "--out", str(t.out)]),
    "vision/notsoclevr/resume-a-checkpoint-of-another-trainer": ("coordconv-vision", lambda p, t: [*NSC, "--out", str(p.runs.foreign_trainer), "--resume"]),
    "vision/sweep/lr-inf": ("coordconv-vision", lambda p, t: [*SWEEP, "--coordconv-lrs", "inf", "--out", str(t.out)]),
    "vision/detect/lr-1e30": ("coordconv-vision", lambda p, t: [*DETECT, "--data", str(p.det), "--lr", "1e30", "--out", str(t.out)]),
    "vision/imagenet/base-lr-inf": ("coordconv-vision", lambda p, t: [*IMAGENET, "--data", str(p.imagenet), "--base-lr", "inf", "--out", str(t.out)]),
    "rl/train/lr-inf": ("coordconv-rl", lambda p, t: [*RL, *TINY_ENV, "--lr", "inf", "--out", str(t.out)]),
    "rl/train/lr-1e30": ("coordconv-rl", lambda p, t: [*RL, *TINY_ENV, "--lr", "1e30", "--out", str(t.out)]),
    "rl/train/threads-1e12": ("coordconv-rl", lambda p, t: [*RL, *TINY_ENV, "--threads", str(10**12), "--out", str(t.out)]),
    "rl/experiment/threads-1e12": ("coordconv-rl", lambda p, t: [*EXP, "--games", "coordconv_rl/TargetReach-v0", "--threads", str(10**12), "--out", str(t.out)]),
    "rl/train/resume-a-checkpoint-of-another-model": ("coordconv-rl", lambda p, t: [*RL, *TINY_ENV, "--out", str(p.runs.foreign_model), "--resume"]),
    "rl/report/a-seed-missing": ("coordconv-rl", lambda p, t: ["report", str(p.rl_no_seed)]),
    "reproduce/threads-1e12": ("reproduce", lambda p, t: ["--threads", str(10**12), "--only", "classification", "--out", str(t.out)]),
    "reproduce/damaged-reproduce-json": ("reproduce", lambda p, t: ["--only", "classification", "--out", str(p.damaged_reproduce)]),
    "reproduce/mnist-idx-dims-overflow": ("reproduce", lambda p, t: ["--mnist", str(p.idx_overflow), "--only", "detection", "--out", str(t.out)]),
}  # fmt: skip


@pytest.mark.filterwarnings("ignore::DeprecationWarning")
@pytest.mark.parametrize("case", sorted(CASES))
def test_bad_input_is_one_line_status_2_and_changes_nothing(
    case: str,
    inputs: SimpleNamespace,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    command, argv_of = CASES[case]
    folder = tmp_path / "case"
    folder.mkdir()
    t = _case_folder(folder)
    argv = argv_of(inputs, t)
    monkeypatch.chdir(folder)  # default outputs (runs/...) would land in the hashed tree
    before = tree_digest(folder, inputs.root)
    status = _status(_main(command), argv)
    err = capsys.readouterr().err
    assert status == 2, f"{command} {' '.join(argv)}\nexit {status}\n{err}"
    assert "Traceback" not in err, err
    assert err.count("\n") == 1, f"expected one stderr line, got:\n{err}"
    assert err.endswith("\n")
    assert "error:" in err, err
    assert tree_digest(folder, inputs.root) == before, f"{case} changed the file tree"


# TORCH_DEVICE (read by --device auto) naming no device: one line, as a bad --device is.
TORCH_DEVICE_CASES = {
    "coordconv-vision": lambda p, t: [*NSC, "--device", "auto", "--out", str(t.out)],
    "coordconv-generative": lambda p, t: [*GAN, "--data", str(p.shapes), "--device", "auto", "--out", str(t.out)],
    "coordconv-rl": lambda p, t: [*RL, *TINY_ENV, "--device", "auto", "--out", str(t.out)],
}  # fmt: skip


@pytest.mark.filterwarnings("ignore::DeprecationWarning")
@pytest.mark.parametrize("command", sorted(TORCH_DEVICE_CASES))
def test_a_garbage_torch_device_is_one_line_status_2_and_changes_nothing(
    command: str,
    inputs: SimpleNamespace,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    t = _case_folder(tmp_path)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("TORCH_DEVICE", "garbage")
    before = tree_digest(tmp_path, inputs.root)
    status = _status(_main(command), TORCH_DEVICE_CASES[command](inputs, t))
    err = capsys.readouterr().err
    assert status == 2, err
    assert "Traceback" not in err, err
    assert err.count("\n") == 1, err
    assert "TORCH_DEVICE" in err, err
    assert tree_digest(tmp_path, inputs.root) == before


# A few cases end to end in a real process: the installed entry point, no traceback.
SUBPROCESS_CASES = {
    "coordconv_data.cli": "data/generate/nsc-flags-do-not-apply",
    "coordconv_vision.cli": "vision/notsoclevr/overwrite-a-users-folder",
    "coordconv_generative.cli": "generative/gan/max-steps-negative",
    "coordconv_rl.cli": "rl/train/unknown-ale-id",
    "reproduce": "reproduce/fresh-of-a-users-folder",
}


@pytest.mark.parametrize("module", sorted(SUBPROCESS_CASES))
def test_bad_input_in_a_real_process(module: str, inputs: SimpleNamespace, tmp_path: Path) -> None:
    case = SUBPROCESS_CASES[module]
    t = _case_folder(tmp_path)
    argv = CASES[case][1](inputs, t)
    command = [str(TOOLS / "reproduce.py")] if module == "reproduce" else ["-m", module]
    before = tree_digest(tmp_path, inputs.root)
    proc = subprocess.run(
        [sys.executable, *command, *argv],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=300,
        check=False,
    )
    assert proc.returncode == 2, proc.stderr
    assert "Traceback" not in proc.stderr
    assert proc.stderr.count("\n") == 1, proc.stderr
    assert tree_digest(tmp_path, inputs.root) == before


# --------------------------------------------------------------------------- stops (SIGTERM)


@pytest.fixture
def sigterm_at_second_poll(monkeypatch: pytest.MonkeyPatch) -> None:
    """A real SIGTERM, raised when a training loop polls ``GracefulStop.requested`` the second
    time (after its first step), so every trainer is stopped mid-run by the real handler."""
    from coordconv_train import GracefulStop

    def get(self: GracefulStop) -> bool:
        polls = self.__dict__["_polls"] = self.__dict__.get("_polls", 0) + 1
        if polls == 2 and self._previous:  # inside the with-block: its handler is installed
            signal.raise_signal(signal.SIGTERM)  # handled before raise_signal returns
        return self.__dict__.get("_requested", False)

    def set_(self: GracefulStop, value: bool) -> None:
        self.__dict__["_requested"] = value

    monkeypatch.setattr(GracefulStop, "requested", property(get, set_), raising=False)


STOP_NSC = ["notsoclevr", "--task", "regression", "--model", "coordconv", "--split", "quadrant",
            "--train-limit", "64", "--batch-size", "16", "--epochs", "2", "--eval-every", "1000",
            "--seed", "3", "--device", "cpu", "--no-figures", "--no-progress"]  # fmt: skip
# command, argv (without --out), the run directory holding the checkpoint, and the resume flag
STOPS: dict[str, tuple[str, Callable[[SimpleNamespace], list[str]], str, list[str]]] = {
    "vision/notsoclevr": ("coordconv-vision", lambda p: STOP_NSC, ".", ["--resume"]),
    "vision/sweep": ("coordconv-vision", lambda p: [*SWEEP, "--splits", "quadrant", "--batch-sizes", "8", "--coordconv-lrs", "0.005", "--coordconv-epochs", "2"], "quadrant/coordconv_lr0.005_bs8", ["--resume"]),
    "vision/imagenet": ("coordconv-vision", lambda p: [*IMAGENET, "--data", str(p.imagenet), "--epochs", "2", "--log-every", "1"], ".", ["--resume"]),
    "vision/detect": ("coordconv-vision", lambda p: [*DETECT, "--data", str(p.det), "--hidden-channels", "8", "--figure-images", "0"], ".", ["--resume"]),
    # 2 steps an epoch: the stop comes at the last step of epoch 1, whose evaluation must be logged
    "vision/detect/stop-at-an-epoch-end": ("coordconv-vision", lambda p: [*DETECT, "--data", str(p.det), "--hidden-channels", "8", "--figure-images", "0", "--train-limit", "4", "--epochs", "2"], ".", ["--resume"]),
    "generative/gan": ("coordconv-generative", lambda p: [*GAN, "--data", str(p.shapes)], ".", ["--resume"]),
    "generative/vae": ("coordconv-generative", lambda p: [*VAE, "--data", str(p.shapes)], ".", ["--resume"]),
    "rl/train": ("coordconv-rl", lambda p: [*RL, *TINY_ENV, "--frames", "40"], ".", ["--resume"]),
    "rl/experiment": ("coordconv-rl", lambda p: [*EXP, "--games", "coordconv_rl/TargetReach-v0", "--models", "conv", "--frames", "40"], "TargetReach/conv/seed0", []),
}  # fmt: skip


# what differs between two runs of the same config only because time passed
CLOCK_KEYS = ("wall_time_s", "cpu_time_s", "fps", "charts/fps")


def _without_clock(record: dict) -> dict:
    return {k: v for k, v in record.items() if k not in CLOCK_KEYS}


def _metrics(run: Path) -> list[dict]:
    """metrics.jsonl without clock readings (none logged yet: no file, no records)."""
    path = run / "metrics.jsonl"
    lines = path.read_text().splitlines() if path.exists() else []
    return [_without_clock(json.loads(line)) for line in lines]


def _run_outputs(run: Path) -> tuple[list[dict], dict, dict[str, dict]]:
    """metrics.jsonl and results.json without clock readings, and every weights file."""
    from safetensors.torch import load_file

    metrics = _metrics(run)
    # paths inside the run directory are named relative to it (two runs, two directories)
    text = (run / "results.json").read_text().replace(str(run), "<run>")
    results = _without_clock(json.loads(text))
    weights = {
        p.name: load_file(p)
        for p in sorted(run.glob("*.safetensors"))
        if "checkpoint" not in p.name
    }
    return metrics, results, weights


@pytest.mark.filterwarnings("ignore::DeprecationWarning")
@pytest.mark.filterwarnings("ignore::UserWarning")
@pytest.mark.parametrize("trainer", sorted(STOPS))
def test_sigterm_then_resume_ends_exactly_as_an_uninterrupted_run(
    trainer: str,
    inputs: SimpleNamespace,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    sigterm_at_second_poll: None,
) -> None:
    """The run skeleton's contract, for every trainer: SIGTERM exits 130 with a checkpoint and
    no results; ``--resume`` finishes the run, with the same weights, metrics and results as a
    run that was never stopped."""
    command, argv_of, run_dir, resume = STOPS[trainer]
    monkeypatch.chdir(tmp_path)
    out, straight = tmp_path / "run", tmp_path / "straight"
    argv = argv_of(inputs)
    main = _main(command)
    assert _status(main, [*argv, "--out", str(out)]) == 130
    run = out / run_dir
    assert (run / "checkpoint.safetensors").is_file()
    assert not (run / "results.json").exists()  # it stopped before the end
    before_stop = _metrics(run)
    monkeypatch.undo()  # no more signals: the resumed run goes to the end
    monkeypatch.chdir(tmp_path)
    assert _status(main, [*argv, "--out", str(out), *resume]) == 0
    assert _status(main, [*argv, "--out", str(straight)]) == 0
    resumed, uninterrupted = _run_outputs(run), _run_outputs(straight / run_dir)
    assert resumed[0][: len(before_stop)] == before_stop  # the resume kept what was logged
    assert resumed[0] == uninterrupted[0]  # metrics.jsonl, record by record
    assert resumed[1] == uninterrupted[1]  # results.json
    assert set(resumed[2]) == set(uninterrupted[2])
    for name, tensors in uninterrupted[2].items():
        assert set(resumed[2][name]) == set(tensors)
        for key, tensor in tensors.items():
            assert torch.equal(resumed[2][name][key], tensor), (name, key)


@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
def test_sigterm_while_a_dataset_is_written_exits_130_and_leaves_no_partial_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from coordconv_data import npz_format
    from coordconv_data.cli import main

    real = npz_format._write_zip

    def write_then_sigterm(handle, arrays):  # part of the archive on disk, then the signal
        handle.write(b"PK\x03\x04 half an archive")
        signal.raise_signal(signal.SIGTERM)
        real(handle, arrays)

    monkeypatch.setattr(npz_format, "_write_zip", write_then_sigterm)
    out = tmp_path / "data"
    assert main(["generate", "shapes", "--n", "4", "--out", str(out), "--quiet"]) == 130
    assert "stopped" in capsys.readouterr().err
    assert not [p for p in out.rglob("*") if p.is_file()]


# --------------------------------------------------------------------------- a full disk


@pytest.mark.filterwarnings("ignore::DeprecationWarning")
def test_a_full_disk_during_a_checkpoint_write_is_one_line_status_2_and_resumable(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import errno

    import safetensors.torch

    from coordconv_train import load_checkpoint
    from coordconv_vision.cli import main

    real, calls = safetensors.torch.save_file, []

    def disk_fills_on_the_second_write(tensors, filename, metadata=None):
        calls.append(filename)
        real(tensors, filename, metadata=metadata)
        if len(calls) == 2:  # half of the second checkpoint reaches the disk, then ENOSPC
            data = Path(filename).read_bytes()
            Path(filename).write_bytes(data[: len(data) // 2])
            raise OSError(errno.ENOSPC, "No space left on device", filename)

    monkeypatch.setattr(safetensors.torch, "save_file", disk_fills_on_the_second_write)
    out = tmp_path / "run"
    assert main([*STOP_NSC, "--epochs", "3", "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1, err
    assert "No space left on device" in err
    assert "previous checkpoint is kept" in err
    assert load_checkpoint(out / "checkpoint.safetensors")["epoch"] == 1  # epoch 1's, intact
    assert not [p for p in out.iterdir() if ".tmp-" in p.name]  # the temporary file is gone
    monkeypatch.undo()
    assert main([*STOP_NSC, "--epochs", "3", "--out", str(out), "--resume"]) == 0
    logged = [
        json.loads(line)["epoch"] for line in (out / "metrics.jsonl").read_text().splitlines()
    ]
    assert logged == [1, 2, 3]


def test_a_full_disk_without_a_file_name_names_the_file_being_written(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """A write to an open file that fills the disk raises ENOSPC without a file name: the one
    line still says which file (it used to end in ": None")."""
    import errno

    from coordconv_data import npz_format
    from coordconv_data.cli import main

    def disk_full(handle, arrays):
        handle.write(b"PK\x03\x04 part of an archive")
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(npz_format, "_write_zip", disk_full)
    out = tmp_path / "data"
    assert main(["generate", "shapes", "--n", "4", "--out", str(out), "--quiet"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1, err
    assert "Traceback" not in err, err
    assert "None" not in err, err
    assert str(out / "shapes.npz") in err, err
    assert not [p for p in out.rglob("*") if p.is_file()]


# --------------------------------------------------------------------------- start-up signals

# A stand-in for the first heavy module a command imports (torch; numpy for coordconv-data,
# which needs no torch) that announces itself and then takes long: a signal sent then arrives
# while it is importing, as it would during the seconds a real torch import takes.
_SLOW_IMPORT = """
import os, pathlib, time
pathlib.Path(os.environ["TORCH_IMPORTING_FLAG"]).write_text("importing")
time.sleep(120)
"""
STARTUP_COMMANDS = {
    "coordconv-data": ("numpy", ["-m", "coordconv_data.cli", "generate", "shapes", "--n", "4"]),
    "coordconv-vision": ("torch", ["-m", "coordconv_vision.cli", *NSC]),
    "coordconv-generative": ("torch", ["-m", "coordconv_generative.cli", *GAN]),
    "coordconv-rl": ("torch", ["-m", "coordconv_rl.cli", *RL, *TINY_ENV]),
    "reproduce": ("torch", [str(TOOLS / "reproduce.py"), "--only", "classification"]),
}


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
@pytest.mark.parametrize("command", sorted(STARTUP_COMMANDS))
def test_a_signal_while_torch_imports_exits_130_with_one_line(
    command: str, signum: int, tmp_path: Path
) -> None:
    slow, argv = STARTUP_COMMANDS[command]
    stub = tmp_path / "stub"
    (stub / slow).mkdir(parents=True)
    (stub / slow / "__init__.py").write_text(_SLOW_IMPORT)
    flag = tmp_path / "importing"
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(stub), os.environ.get("PYTHONPATH", "")]),
        "TORCH_IMPORTING_FLAG": str(flag),
    }
    out = tmp_path / "out"
    cmd = [sys.executable, *argv, "--out", str(out)]
    proc = subprocess.Popen(cmd, env=env, cwd=tmp_path, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)  # fmt: skip
    deadline = time.monotonic() + 120
    while not flag.exists():
        assert proc.poll() is None, proc.communicate()[1]
        assert time.monotonic() < deadline, f"{slow} was never imported"
        time.sleep(0.02)
    proc.send_signal(signum)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    assert "Traceback" not in err, err
    assert err.count("\n") == 1, err
    assert "stopped" in err, err
    assert not out.exists()


# --------------------------------------------------------------------------- SIGKILL mid-write

_KILL_DURING_SECOND_CHECKPOINT = """
import sys, time
from pathlib import Path
import safetensors.torch as st

real, calls = st.save_file, []

def half_then_hang(tensors, filename, metadata=None):
    calls.append(filename)
    if len(calls) == 2:  # the second checkpoint (after epoch 2): half written, then killed
        real(tensors, filename, metadata=metadata)
        data = Path(filename).read_bytes()
        Path(filename).write_bytes(data[: len(data) // 2])
        Path(sys.argv[1]).write_text(str(filename))
        time.sleep(600)
    return real(tensors, filename, metadata=metadata)

st.save_file = half_then_hang
from coordconv_vision.cli import main
sys.exit(main(sys.argv[2:]))
"""


@pytest.mark.filterwarnings("ignore::DeprecationWarning")
def test_sigkill_during_a_checkpoint_write_leaves_a_run_that_resume_continues(
    tmp_path: Path,
) -> None:
    from safetensors.torch import load_file

    args = [*STOP_NSC[: STOP_NSC.index("--epochs")], "--epochs", "3",
            *STOP_NSC[STOP_NSC.index("--epochs") + 2 :]]  # fmt: skip
    killed, flag = tmp_path / "killed", tmp_path / "writing"
    import torch

    # the same thread count here and in the subprocess: the same arithmetic, comparable results
    env = {**os.environ, "PYTHONUNBUFFERED": "1", "OMP_NUM_THREADS": str(torch.get_num_threads())}
    cmd = [sys.executable, "-c", _KILL_DURING_SECOND_CHECKPOINT, str(flag), *args]
    proc = subprocess.Popen([*cmd, "--out", str(killed)], env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, text=True)  # fmt: skip
    deadline = time.monotonic() + 240
    while not flag.exists():
        assert proc.poll() is None, proc.communicate()[1]
        assert time.monotonic() < deadline, "the second checkpoint was never written"
        time.sleep(0.05)
    proc.kill()  # SIGKILL: no handler, no cleanup, half a file on disk
    proc.communicate(timeout=60)
    assert proc.returncode == -signal.SIGKILL
    assert Path(flag.read_text()).is_file()  # the half-written temporary file is there

    from coordconv_vision.cli import main

    assert main([*args, "--out", str(killed), "--resume"]) == 0
    assert not Path(flag.read_text()).exists()  # removed by the resume
    straight = tmp_path / "straight"
    assert main([*args, "--out", str(straight)]) == 0
    results = [json.loads((d / "results.json").read_text()) for d in (killed, straight)]
    for r in results:
        r.pop("wall_time_s")
    assert results[0] == results[1]  # the resumed run ends exactly as an uninterrupted one
    a, b = load_file(killed / "model.safetensors"), load_file(straight / "model.safetensors")
    assert all(bool((a[k] == b[k]).all()) for k in b)
    logged = [
        json.loads(line)["epoch"] for line in (killed / "metrics.jsonl").read_text().splitlines()
    ]
    assert logged == [1, 2, 3]


# -- 4. One writer per run directory; a non-finite loss stops a run cleanly (issue 24) --------

LOCK_HOLDER = "import sys, time\nfrom coordconv_train import lock_dir\nlock_dir(sys.argv[1])\nprint('locked', flush=True)\ntime.sleep(600)\n"  # fmt: skip


def _hold_lock(path: Path) -> subprocess.Popen:
    """Another process holding ``path``'s run lock (taken through the same API)."""
    proc = subprocess.Popen(
        [sys.executable, "-c", LOCK_HOLDER, str(path)], stdout=subprocess.PIPE, text=True
    )
    assert proc.stdout is not None
    assert proc.stdout.readline().strip() == "locked"
    return proc


def _error_lines(err: str) -> list[str]:
    """stderr without progress bars: what is not a bar must be the one error line."""
    assert "Traceback" not in err, err
    lines = [line for line in err.replace("\r", "\n").splitlines() if line.strip()]
    return [line for line in lines if "it/s" not in line]


def _kill(proc: subprocess.Popen) -> None:
    proc.kill()  # SIGKILL: its lock file stays behind, stale
    proc.wait(timeout=30)
    if proc.stdout is not None:
        proc.stdout.close()


@pytest.mark.parametrize("trainer", sorted(STOPS))
def test_every_trainer_refuses_a_run_directory_another_process_writes(
    trainer: str,
    inputs: SimpleNamespace,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    command, argv_of, run_dir, _ = STOPS[trainer]
    monkeypatch.chdir(tmp_path)
    out = tmp_path / "run"
    held = out if trainer == "vision/sweep" else out / run_dir  # a sweep's folder is one run
    holder = _hold_lock(held)
    try:
        before = tree_digest(held)
        assert _status(_main(command), [*argv_of(inputs), "--out", str(out)]) == 2
        err = _error_lines(capsys.readouterr().err)
        assert len(err) == 1, err
        assert f"is in use by pid {holder.pid} (" in err[0], err
        assert err[0].endswith("wait for it or stop it")
        assert tree_digest(held) == before  # nothing written into it
    finally:
        _kill(holder)


def test_two_resumes_of_one_run_never_log_a_step_twice(
    inputs: SimpleNamespace,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    sigterm_at_second_poll: None,
) -> None:
    """A stopped run, resumed while another process holds it: refused in one line naming
    that process; once the holder is killed, its stale lock is taken over and the run ends
    with every epoch logged once."""
    main, out = _main("coordconv-vision"), tmp_path / "run"
    assert _status(main, [*STOP_NSC, "--out", str(out)]) == 130
    monkeypatch.undo()
    logged = (out / "metrics.jsonl").read_bytes() if (out / "metrics.jsonl").exists() else b""
    holder = _hold_lock(out)
    try:
        capsys.readouterr()
        assert _status(main, [*STOP_NSC, "--out", str(out), "--resume"]) == 2
        err = _error_lines(capsys.readouterr().err)
        assert len(err) == 1, err
        assert f"is in use by pid {holder.pid}" in err[0], err
        now = (out / "metrics.jsonl").read_bytes() if (out / "metrics.jsonl").exists() else b""
        assert now == logged
    finally:
        _kill(holder)
    assert _status(main, [*STOP_NSC, "--out", str(out), "--resume"]) == 0
    epochs = [
        json.loads(line)["epoch"] for line in (out / "metrics.jsonl").read_text().splitlines()
    ]
    assert epochs == [1, 2]
    assert not (out / ".coordconv-run.lock").exists()  # let go when the run finished


@pytest.fixture
def nan_from_second_backward(monkeypatch: pytest.MonkeyPatch) -> None:
    """From the second ``accelerator.backward`` on, the gradients are NaN: the weights go
    non-finite after that step and every later loss is NaN (as a diverging run's do)."""
    from accelerate import Accelerator

    original, calls = Accelerator.backward, []

    def backward(self, loss, **kwargs):
        calls.append(1)
        return original(self, loss * float("nan") if len(calls) >= 2 else loss, **kwargs)

    monkeypatch.setattr(Accelerator, "backward", backward)


def _all_finite(state) -> bool:
    from coordconv_train.nonfinite import state_is_finite

    return state_is_finite(state)


@pytest.mark.parametrize("trainer", sorted(STOPS))
def test_a_non_finite_loss_stops_every_trainer_in_one_line(
    trainer: str,
    inputs: SimpleNamespace,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    nan_from_second_backward: None,
) -> None:
    """Exit 2 naming the step; no results.json or final weights; whatever checkpoint there is
    holds finite weights (the last good one)."""
    from coordconv_train import load_checkpoint

    command, argv_of, run_dir, _ = STOPS[trainer]
    monkeypatch.chdir(tmp_path)
    out = tmp_path / "run"
    status = _status(_main(command), [*argv_of(inputs), "--out", str(out)])
    err = "\n".join(_error_lines(capsys.readouterr().err))
    run = out / run_dir
    if trainer == "vision/sweep":  # the sweep records the diverged grid point and goes on
        assert status == 0, err
        summary = json.loads((out / "summary.json").read_text())
        assert "became nan at" in summary["diverged"][0]["error"]
    else:
        assert status == 2, err
        assert err.count("\n") == 0, err
        assert " became nan at " in err, err
        assert err.startswith(f"{command}: error: "), err
        assert "no results written" in err, err
    for name in ("results.json", "model.safetensors", "weights.safetensors"):
        assert not (run / name).exists(), name
    if (run / "checkpoint.safetensors").exists():
        assert _all_finite(load_checkpoint(run / "checkpoint.safetensors"))
    assert not (run / ".coordconv-run.lock").exists()


def test_a_nan_keeps_the_checkpoint_of_the_last_good_epoch(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """notsoclevr, 4 batches an epoch: the NaN from the 6th step on stops the run at step 7
    (epoch 2) and keeps epoch 1's checkpoint, byte for byte."""
    from accelerate import Accelerator

    main, out = _main("coordconv-vision"), tmp_path / "run"
    argv = [*STOP_NSC, "--out", str(out)]
    original, calls, saved = Accelerator.backward, [], {}

    def backward(self, loss, **kwargs):
        calls.append(1)
        if len(calls) == 5:  # epoch 1's checkpoint is on disk: remember it
            saved["bytes"] = (out / "checkpoint.safetensors").read_bytes()
        return original(self, loss * float("nan") if len(calls) >= 6 else loss, **kwargs)

    monkeypatch.setattr(Accelerator, "backward", backward)
    assert _status(main, argv) == 2
    err = capsys.readouterr().err
    assert "the loss became nan at step 7 (epoch 2, batch 3); the last good checkpoint " in err
    assert "(epoch 1, batch 0)" in err, err
    assert (out / "checkpoint.safetensors").read_bytes() == saved["bytes"]
    assert not (out / "results.json").exists()
