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

import functools
import json
import os
import signal
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest
import torch
from cli_files import write_inputs, write_pngs, write_users_files
from cli_scripts import MODULES, exit_status

from coordconv_train.testing import (
    lock_held_elsewhere,
    run_python,
    unchanged,
    wait_while_running,
)

TOOLS = Path(__file__).resolve().parent.parent


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
    """Read-only inputs shared by the cases: :func:`cli_files.write_inputs`' data files,
    weights and runs, and garbage, crafted and damaged ones."""
    root = tmp_path_factory.mktemp("inputs")
    p = write_inputs(root)
    rng = np.random.default_rng(1)
    p.missing = root / "no-such-file.npz"
    p.images = write_pngs(root / "images", 2, rng)
    p.no_images = root / "no-images"
    p.no_images.mkdir()
    (p.no_images / "readme.txt").write_text("no pictures here\n")
    p.garbage_weights = root / "garbage.safetensors"
    p.garbage_weights.write_bytes(b"\x08\x00\x00\x00\x00\x00\x00\x00{not json")
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


def _damaged_runs(p: SimpleNamespace, root: Path) -> SimpleNamespace:
    """Finished tiny runs of every trainer, then made unfinished and damaged: results.json
    removed and the checkpoint cut in half; plus marked directories with a damaged config."""
    runs, intact = SimpleNamespace(), {}
    for name, arguments in RESUMED.items():
        out = root / name.replace("/", "-")
        assert exit_status(script_of(name), [*argv_of(arguments, p), "--out", str(out)]) == 0, name
        (out / "results.json").unlink()
        checkpoint = out / "checkpoint.safetensors"
        intact[name] = checkpoint.read_bytes()
        checkpoint.write_bytes(checkpoint.read_bytes()[: checkpoint.stat().st_size // 2])
        setattr(runs, name.split("/")[1], out)
    # an intact checkpoint of another trainer (GAN) in a vision run, of another model
    # (--model coordconv) in an A2C run (--model conv): foreign to the run they sit in

    runs.foreign_trainer = _moved_run(runs.notsoclevr, root / "foreign-trainer")
    (runs.foreign_trainer / "checkpoint.safetensors").write_bytes(intact["generative/gan"])
    other = root / "rl-coordconv"
    assert exit_status("coordconv-rl", [*RL, *TINY_ENV, "--model", "coordconv", "--out", str(other)]) == 0  # fmt: skip
    runs.foreign_model = _moved_run(runs.train, root / "foreign-model")
    (runs.foreign_model / "checkpoint.safetensors").write_bytes(
        (other / "checkpoint.safetensors").read_bytes()
    )
    return runs


def _moved_run(run: Path, to: Path) -> Path:
    """A copy of ``run`` at ``to`` whose config.json says so (a resume there finds its config)."""
    import shutil

    shutil.copytree(run, to)
    config = json.loads((to / "config.json").read_text())
    (to / "config.json").write_text(json.dumps({**config, "out": str(to)}))
    return to


def _case_folder(tmp: Path) -> SimpleNamespace:
    """The case's own files (:func:`cli_files.write_users_files`) and a new ``out`` there."""
    t = write_users_files(tmp)
    t.out = tmp / "out"
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

STOP_NSC = ["notsoclevr", "--task", "regression", "--model", "coordconv", "--split", "quadrant",
            "--train-limit", "64", "--batch-size", "16", "--epochs", "2", "--eval-every", "1000",
            "--seed", "3", "--device", "cpu", "--no-figures", "--no-progress"]  # fmt: skip
# the argument lists above, spliced into a case's arguments as {NAME}
ARG_LISTS = {"NSC": NSC, "SWEEP": SWEEP, "IMAGENET": IMAGENET, "DETECT": DETECT, "GAN": GAN,
             "VAE": VAE, "RL": RL, "TINY_ENV": TINY_ENV, "EXP": EXP, "STOP_NSC": STOP_NSC}  # fmt: skip
# a case's console script: the first word of its name
SCRIPT_OF = {"data": "coordconv-data", "vision": "coordconv-vision", "rl": "coordconv-rl",
             "generative": "coordconv-generative", "reproduce": "reproduce"}  # fmt: skip


def script_of(case: str) -> str:
    return SCRIPT_OF[case.split("/")[0]]


def argv_of(arguments: str, p: SimpleNamespace, t: SimpleNamespace | None = None) -> list[str]:
    """The words of ``arguments``: ``{NAME}`` is spliced in from :data:`ARG_LISTS`, ``{p.x}``
    is the shared input ``x`` (:func:`inputs`), ``{t.x}`` the case's own file ``x``
    (:func:`_case_folder`)."""
    argv = []
    for word in arguments.split():
        name = word.removeprefix("{").removesuffix("}")
        argv += ARG_LISTS[name] if name in ARG_LISTS else [word.format(p=p, t=t)]
    return argv


def table(text: str) -> dict[str, str]:
    """``name -> the rest of its line`` of a table, one row a line (``#`` starts a comment)."""
    rows = [line.split(maxsplit=1) for line in text.splitlines() if line.strip()]
    rows = [row for row in rows if not row[0].startswith("#")]
    assert len({name for name, _ in rows}) == len(rows), "a name stands twice"
    return dict(rows)


# Runs that stopped part-way (no results.json) with a checkpoint cut short, per trainer: the
# arguments that made them (a resume must repeat them).
RESUMED = table("""
vision/notsoclevr  {NSC}
vision/imagenet    {IMAGENET} --data {p.imagenet} --epochs 1
vision/detect      {DETECT} --data {p.det} --hidden-channels 8 --figure-images 0
generative/gan     {GAN} --data {p.shapes} --max-steps 1
generative/vae     {VAE} --data {p.shapes} --max-steps 1
rl/train           {RL} {TINY_ENV}
""")
# The bad-input matrix: a case, then its arguments (see argv_of)
CASES = table("""
# ---- coordconv-data generate
data/generate/unknown-dataset                             generate mnist3d --out {t.out}
data/generate/nsc-flags-do-not-apply                      generate not-so-clevr --n -5 --seed -3 --out {t.out}
data/generate/shapes-n-negative                           generate shapes --n -5 --out {t.out}
data/generate/shapes-n-zero                               generate shapes --n 0 --out {t.out}
data/generate/shapes-min-size-zero                        generate shapes --n 4 --min-size 0 --out {t.out}
data/generate/shapes-no-coco-does-not-apply               generate shapes --n 4 --no-coco --out {t.out}
data/generate/mnist-n-does-not-apply                      generate scattered-mnist --n 4 --out {t.out}
data/generate/mnist-n-train-negative                      generate scattered-mnist --n-train -1 --out {t.out}
data/generate/mnist-n-test-zero                           generate scattered-mnist --n-test 0 --out {t.out}
data/generate/mnist-dir-missing                           generate scattered-mnist --mnist-dir {p.missing} --out {t.out}
data/generate/mnist-dir-without-idx                       generate scattered-mnist --mnist-dir {p.no_images} --out {t.out}
data/generate/out-is-a-file                               generate shapes --n 4 --out {t.file}
data/generate/out-under-a-file                            generate shapes --n 4 --out {t.under_file}
data/generate/existing-output                             generate shapes --n 4 --out {t.folder}
# ---- coordconv-data info
data/info/missing-file                                    info {p.missing}
data/info/garbage-file                                    info {p.garbage}
data/info/truncated-file                                  info {p.truncated}
data/info/a-folder                                        info {t.folder}
data/info/not-our-npz                                     info {p.garbage_weights}
# ---- coordconv-data preview
data/preview/out-without-extension                        preview {p.shapes} --out {t.out}/grid
data/preview/out-unknown-extension                        preview {p.shapes} --out {t.root}/grid.xyz
data/preview/count-zero                                   preview {p.shapes} --count 0 --out {t.root}/g.png
data/preview/count-too-large                              preview {p.shapes} --count 100000 --out {t.root}/g.png
data/preview/split-does-not-apply                         preview {p.shapes} --split test --out {t.root}/g.png
data/preview/out-is-a-folder                              preview {p.shapes} --out {t.empty}
data/preview/out-under-a-file                             preview {p.shapes} --out {t.under_file}/g.png
data/preview/existing-png                                 preview {p.shapes} --out {t.png}
data/preview/garbage-file                                 preview {p.garbage} --out {t.root}/g.png
data/preview/truncated-file                               preview {p.truncated} --out {t.root}/g.png
data/preview/missing-file                                 preview {p.missing} --out {t.root}/g.png
# ---- coordconv-vision notsoclevr
vision/notsoclevr/out-is-a-file                           {NSC} --out {t.file}
vision/notsoclevr/out-under-a-file                        {NSC} --out {t.under_file}
vision/notsoclevr/out-is-a-users-folder                   {NSC} --out {t.folder}
vision/notsoclevr/overwrite-a-users-folder                {NSC} --out {t.folder} --overwrite
vision/notsoclevr/resume-of-nothing                       {NSC} --out {t.out} --resume
vision/notsoclevr/resume-an-empty-folder                  {NSC} --out {t.empty} --resume
vision/notsoclevr/resume-a-users-folder                   {NSC} --out {t.folder} --resume
vision/notsoclevr/resume-and-overwrite                    {NSC} --out {t.out} --resume --overwrite
vision/notsoclevr/epochs-zero                             {NSC} --epochs 0 --out {t.out}
vision/notsoclevr/batch-size-negative                     {NSC} --batch-size -1 --out {t.out}
vision/notsoclevr/train-fraction-with-quadrant            {NSC} --split quadrant --train-fraction 0.5 --out {t.out}
vision/imagenet/batch-size-one                            {IMAGENET} --data {p.imagenet} --batch-size 1 --out {t.out}
vision/notsoclevr/train-limit-negative                    {NSC} --train-limit -1 --out {t.out}
vision/notsoclevr/model-does-not-apply                    {NSC} --model conv --out {t.out}
vision/notsoclevr/where-loss-does-not-apply               {NSC} --where-loss joint --out {t.out}
vision/notsoclevr/unknown-task                            {NSC} --task counting --out {t.out}
vision/notsoclevr/unknown-device                          {NSC} --device tpu --out {t.out}
vision/notsoclevr/resume-a-damaged-checkpoint             {NSC} --out {p.runs.notsoclevr} --resume
vision/notsoclevr/resume-a-damaged-config                 {NSC} --out {p.marked} --resume
vision/notsoclevr/resume-with-another-config              {NSC} --lr 0.5 --out {p.runs.notsoclevr} --resume
vision/notsoclevr/a-run-is-there                          {NSC} --out {p.runs.notsoclevr}
# ---- coordconv-vision sweep
vision/sweep/unknown-split                                {SWEEP} --splits diagonal --out {t.out}
vision/sweep/unknown-model                                {SWEEP} --models mlp --out {t.out}
vision/sweep/model-does-not-apply                         {SWEEP} --models conv --out {t.out}
vision/sweep/epochs-zero                                  {SWEEP} --coordconv-epochs 0 --out {t.out}
vision/sweep/overwrite-a-users-folder                     {SWEEP} --out {t.folder} --overwrite
vision/sweep/resume-of-nothing                            {SWEEP} --out {t.out} --resume
vision/sweep/out-is-a-file                                {SWEEP} --out {t.file}
# ---- coordconv-vision imagenet
vision/imagenet/resume-a-damaged-checkpoint               {IMAGENET} --data {p.imagenet} --epochs 1 --out {p.runs.imagenet} --resume
vision/imagenet/no-data                                   {IMAGENET} --out {t.out}
vision/imagenet/data-missing                              {IMAGENET} --data {p.missing} --out {t.out}
vision/imagenet/data-is-a-file                            {IMAGENET} --data {p.garbage} --out {t.out}
vision/imagenet/data-not-imagenet-layout                  {IMAGENET} --data {p.images} --out {t.out}
vision/imagenet/unknown-model                             {IMAGENET} --data {p.imagenet} --model resnet5000 --out {t.out}
vision/imagenet/epochs-zero                               {IMAGENET} --data {p.imagenet} --epochs 0 --out {t.out}
vision/imagenet/workers-negative                          {IMAGENET} --data {p.imagenet} --workers -1 --out {t.out}
vision/imagenet/weights-missing                           {IMAGENET} --data {p.imagenet} --weights {p.missing} --out {t.out}
vision/imagenet/weights-garbage                           {IMAGENET} --data {p.imagenet} --weights {p.garbage_weights} --out {t.out}
vision/imagenet/resume-of-nothing                         {IMAGENET} --data {p.imagenet} --out {t.out} --resume
vision/imagenet/overwrite-a-users-folder                  {IMAGENET} --data {p.imagenet} --out {t.folder} --overwrite
vision/imagenet/out-under-a-file                          {IMAGENET} --data {p.imagenet} --out {t.under_file}
# ---- coordconv-vision detect
vision/detect/resume-a-damaged-checkpoint                 {DETECT} --data {p.det} --hidden-channels 8 --figure-images 0 --out {p.runs.detect} --resume
vision/detect/no-data                                     {DETECT} --out {t.out}
vision/detect/data-missing                                {DETECT} --data {p.missing} --out {t.out}
vision/detect/data-garbage                                {DETECT} --data {p.garbage} --out {t.out}
vision/detect/data-truncated                              {DETECT} --data {p.truncated} --out {t.out}
vision/detect/data-other-dataset                          {DETECT} --data {p.nsc} --out {t.out}
vision/detect/epochs-zero                                 {DETECT} --data {p.det} --epochs 0 --out {t.out}
vision/detect/train-limit-negative                        {DETECT} --data {p.det} --train-limit -1 --out {t.out}
vision/detect/batch-larger-than-data                      {DETECT} --data {p.det} --batch-size 64 --out {t.out}
vision/detect/resume-of-nothing                           {DETECT} --data {p.det} --out {t.out} --resume
vision/detect/out-is-a-file                               {DETECT} --data {p.det} --out {t.file}
vision/detect/overwrite-a-users-folder                    {DETECT} --data {p.det} --out {t.folder} --overwrite
# ---- coordconv-vision compare
vision/compare/run-missing                                compare {p.missing} --baseline {p.finished} --out {t.root}/c.json
vision/compare/run-without-results                        compare {t.empty} --baseline {p.finished} --out {t.root}/c.json
vision/compare/garbage-results                            compare {p.bad_results} --baseline {p.finished} --out {t.root}/c.json
vision/compare/bad-metric                                 compare {p.finished} --baseline {p.finished} --metric accuracy:up --out {t.root}/c.json
vision/compare/unknown-metric                             compare {p.finished} --baseline {p.finished} --metric top9 --out {t.root}/c.json
vision/compare/existing-out                               compare {p.finished} --baseline {p.finished} --out {t.file}
vision/compare/out-is-a-folder                            compare {p.finished} --baseline {p.finished} --out {t.empty} --overwrite
vision/compare/out-under-a-file                           compare {p.finished} --baseline {p.finished} --out {t.under_file}/c.json
# ---- coordconv-generative gan (and the LSUN arch)
generative/gan/resume-a-damaged-checkpoint                {GAN} --data {p.shapes} --max-steps 1 --out {p.runs.gan} --resume
generative/gan/no-data                                    {GAN} --out {t.out}
generative/gan/data-missing                               {GAN} --data {p.missing} --out {t.out}
generative/gan/data-garbage                               {GAN} --data {p.garbage} --out {t.out}
generative/gan/data-truncated                             {GAN} --data {p.truncated} --out {t.out}
generative/gan/data-other-dataset                         {GAN} --data {p.nsc} --out {t.out}
generative/gan/lsun-folder-without-images                 {GAN} --data {p.no_images} --arch lsun --out {t.out}
generative/gan/max-steps-negative                         {GAN} --data {p.shapes} --max-steps -3 --out {t.out}
generative/gan/max-steps-zero                             {GAN} --data {p.shapes} --max-steps 0 --out {t.out}
generative/gan/epochs-zero                                {GAN} --data {p.shapes} --epochs 0 --out {t.out}
generative/gan/batch-size-zero                            {GAN} --data {p.shapes} --batch-size 0 --out {t.out}
generative/gan/batch-larger-than-data                     {GAN} --data {p.shapes} --batch-size 64 --out {t.out}
generative/gan/n-train-zero                               {GAN} --data {p.shapes} --n-train 0 --out {t.out}
generative/gan/g-steps-zero                               {GAN} --data {p.shapes} --g-steps 0 --out {t.out}
generative/gan/log-every-zero                             {GAN} --data {p.shapes} --log-every 0 --out {t.out}
generative/gan/lr-negative                                {GAN} --data {p.shapes} --lr-g -1 --out {t.out}
generative/gan/ema-one                                    {GAN} --data {p.shapes} --ema 1 --out {t.out}
generative/gan/r1-negative                                {GAN} --data {p.shapes} --r1 -5 --out {t.out}
generative/gan/unknown-model                              {GAN} --data {p.shapes} --model stylegan --out {t.out}
generative/gan/resume-of-nothing                          {GAN} --data {p.shapes} --out {t.out} --resume
generative/gan/overwrite-a-users-folder                   {GAN} --data {p.shapes} --out {t.folder} --overwrite
generative/gan/out-is-a-file                              {GAN} --data {p.shapes} --out {t.file}
# ---- coordconv-generative vae
generative/vae/resume-a-damaged-checkpoint                {VAE} --data {p.shapes} --max-steps 1 --out {p.runs.vae} --resume
generative/vae/max-steps-negative                         {VAE} --data {p.shapes} --max-steps -3 --out {t.out}
generative/vae/latent-zero                                {VAE} --data {p.shapes} --latent 0 --out {t.out}
generative/vae/data-folder                                {VAE} --data {p.images} --out {t.out}
generative/vae/data-garbage                               {VAE} --data {p.garbage} --out {t.out}
generative/vae/resume-of-nothing                          {VAE} --data {p.shapes} --out {t.out} --resume
generative/vae/out-under-a-file                           {VAE} --data {p.shapes} --out {t.under_file}
generative/vae/overwrite-a-users-folder                   {VAE} --data {p.shapes} --out {t.folder} --overwrite
# ---- coordconv-generative entropy
generative/entropy/nothing-to-measure                     entropy --out {t.out}
generative/entropy/n-zero                                 entropy --data {p.shapes} --n 0 --out {t.out}
generative/entropy/n-above-data                           entropy --data {p.shapes} --n 17 --repeats 2 --out {t.out}
generative/entropy/repeats-one                            entropy --data {p.shapes} --repeats 1 --out {t.out}
generative/entropy/bin-size-not-dividing                  entropy --data {p.shapes} --bin-size 5 --out {t.out}
generative/entropy/data-missing                           entropy --data {p.missing} --out {t.out}
generative/entropy/data-garbage                           entropy --data {p.garbage} --out {t.out}
generative/entropy/checkpoint-missing                     entropy --checkpoint {p.missing} --out {t.out}
generative/entropy/checkpoint-garbage                     entropy --checkpoint {p.garbage_weights} --out {t.out}
generative/entropy/out-is-a-file                          entropy --data {p.shapes} --n 4 --repeats 2 --out {t.file}
generative/entropy/out-under-a-file                       entropy --data {p.shapes} --n 4 --repeats 2 --out {t.under_file}
generative/entropy/existing-output                        entropy --data {p.shapes} --n 4 --repeats 2 --out {t.folder}
# ---- coordconv-generative interpolate
generative/interpolate/pairs-zero                         interpolate --checkpoint {p.weights} --pairs 0 --out {t.root}/i.png
generative/interpolate/steps-one                          interpolate --checkpoint {p.weights} --steps 1 --out {t.root}/i.png
generative/interpolate/checkpoint-missing                 interpolate --checkpoint {p.missing} --out {t.root}/i.png
generative/interpolate/checkpoint-garbage                 interpolate --checkpoint {p.garbage_weights} --out {t.root}/i.png
generative/interpolate/checkpoint-not-weights             interpolate --checkpoint {p.shapes} --out {t.root}/i.png
generative/interpolate/existing-png                       interpolate --checkpoint {p.weights} --out {t.png}
generative/interpolate/out-is-a-folder                    interpolate --checkpoint {p.weights} --out {t.empty}
generative/interpolate/out-without-extension              interpolate --checkpoint {p.weights} --out {t.out}/strip
generative/interpolate/out-under-a-file                   interpolate --checkpoint {p.weights} --out {t.under_file}/i.png
# ---- coordconv-rl train
rl/train/resume-a-damaged-checkpoint                      {RL} {TINY_ENV} --out {p.runs.train} --resume
rl/train/unknown-game                                     {RL} --env Zork --out {t.out}
rl/train/unknown-ale-id                                   {RL} --env ALE/Zork-v5 --out {t.out}
rl/train/frames-zero                                      {RL} {TINY_ENV} --frames 0 --out {t.out}
rl/train/num-envs-zero                                    {RL} {TINY_ENV} --num-envs 0 --out {t.out}
rl/train/log-interval-zero                                {RL} {TINY_ENV} --log-interval 0 --out {t.out}
rl/train/checkpoint-interval-zero                         {RL} {TINY_ENV} --checkpoint-interval 0 --out {t.out}
rl/train/eval-episodes-negative                           {RL} {TINY_ENV} --eval-episodes -1 --out {t.out}
rl/train/threads-negative                                 {RL} {TINY_ENV} --threads -2 --out {t.out}
rl/train/arch-does-not-fit-the-env                        {RL} {TINY_ENV} --arch nature --out {t.out}
rl/train/resume-of-nothing                                {RL} {TINY_ENV} --out {t.out} --resume
rl/train/resume-a-damaged-config                          {RL} {TINY_ENV} --out {p.marked} --resume
rl/train/resume-a-users-folder                            {RL} {TINY_ENV} --out {t.folder} --resume
rl/train/out-is-a-file                                    {RL} {TINY_ENV} --out {t.file}
rl/train/overwrite-a-users-folder                         {RL} {TINY_ENV} --out {t.folder} --overwrite
# ---- coordconv-rl experiment
rl/experiment/unknown-game                                {EXP} --games Zork --out {t.out}
rl/experiment/unknown-ale-id                              {EXP} --games ALE/Zork-v5 --out {t.out}
rl/experiment/unknown-model                               {EXP} --games MsPacman --models mlp --out {t.out}
rl/experiment/seeds-zero                                  {EXP} --games MsPacman --seeds 0 --out {t.out}
rl/experiment/num-envs-zero                               {EXP} --games MsPacman --num-envs 0 --out {t.out}
rl/experiment/bad-shard                                   {EXP} --shard 3/2 --out {t.out}
rl/experiment/shard-not-k-of-n                            {EXP} --shard half --out {t.out}
rl/experiment/out-is-a-file                               {EXP} --games MsPacman --out {t.file}
rl/experiment/out-under-a-file                            {EXP} --games MsPacman --out {t.under_file}
# ---- coordconv-rl report
rl/report/root-missing                                    report {t.out}
rl/report/root-is-a-file                                  report {t.file}
rl/report/no-finished-runs                                report {t.empty}
rl/report/garbage-results                                 report {p.rl_tree}
rl/report/unknown-metric                                  report {t.empty} --metric elo
# ---- tools/reproduce.py
reproduce/unknown-experiment                              --only mnist-gan --out {t.out}
reproduce/unknown-preset                                  --preset huge --out {t.out}
reproduce/imagenet-missing                                --imagenet {p.missing} --out {t.out}
reproduce/imagenet-not-imagenet-layout                    --imagenet {p.images} --only imagenet --out {t.out}
reproduce/lsun-without-images                             --lsun {p.no_images} --only lsun --out {t.out}
reproduce/mnist-without-idx                               --mnist {p.no_images} --only detection --out {t.out}
reproduce/out-is-a-file                                   --out {t.file}
reproduce/out-under-a-file                                --out {t.under_file}
reproduce/fresh-of-a-users-folder                         --fresh --only classification --out {t.folder}
reproduce/publish-into-a-users-folder                     --fresh --publish {t.folder} --out {t.out}
reproduce/publish-under-a-file                            --fresh --publish {t.under_file} --out {t.out}
reproduce/jobs-zero                                       --jobs 0 --out {t.out}
# ---- issue 24: what used to end in a traceback (sizes and counts bounded before any
# allocation, non-finite or absurd rates refused, crafted files named, foreign checkpoints)
data/generate/shapes-n-huge                               generate shapes --n 1000000000000 --out {t.out}
data/generate/mnist-n-train-huge                          generate scattered-mnist --n-train 1000000000000 --out {t.out}
data/generate/mnist-dir-idx-dims-overflow                 generate scattered-mnist --mnist-dir {p.idx_overflow} --out {t.out}
data/info/npz-header-declares-1e12-elements               info {p.huge_npz}
data/preview/npz-header-declares-1e12-elements            preview {p.huge_npz} --out {t.root}/g.png
generative/gan/data-declares-1e12-elements                {GAN} --data {p.huge_npz} --out {t.out}
generative/gan/lr-d-inf                                   {GAN} --data {p.shapes} --lr-d inf --out {t.out}
generative/gan/lr-g-1e30                                  {GAN} --data {p.shapes} --lr-g 1e30 --out {t.out}
generative/vae/lr-nan                                     {VAE} --data {p.shapes} --lr nan --out {t.out}
generative/interpolate/meta-width-divisor-zero            interpolate --checkpoint {p.crafted_weights.width_zero} --out {t.root}/i.png
generative/interpolate/meta-latent-1e12                   interpolate --checkpoint {p.crafted_weights.huge_latent} --out {t.root}/i.png
generative/interpolate/meta-not-an-object                 interpolate --checkpoint {p.crafted_weights.not_an_object} --out {t.root}/i.png
generative/interpolate/meta-without-model                 interpolate --checkpoint {p.crafted_weights.no_model} --out {t.root}/i.png
generative/interpolate/meta-other-than-the-tensors        interpolate --checkpoint {p.crafted_weights.other_shapes} --out {t.root}/i.png
vision/notsoclevr/lr-inf                                  {NSC} --lr inf --out {t.out}
vision/notsoclevr/lr-1e30                                 {NSC} --lr 1e30 --out {t.out}
vision/notsoclevr/resume-a-checkpoint-of-another-trainer  {NSC} --out {p.runs.foreign_trainer} --resume
vision/sweep/lr-inf                                       {SWEEP} --coordconv-lrs inf --out {t.out}
vision/detect/lr-1e30                                     {DETECT} --data {p.det} --lr 1e30 --out {t.out}
vision/imagenet/base-lr-inf                               {IMAGENET} --data {p.imagenet} --base-lr inf --out {t.out}
rl/train/lr-inf                                           {RL} {TINY_ENV} --lr inf --out {t.out}
rl/train/lr-1e30                                          {RL} {TINY_ENV} --lr 1e30 --out {t.out}
rl/train/threads-1e12                                     {RL} {TINY_ENV} --threads 1000000000000 --out {t.out}
rl/experiment/threads-1e12                                {EXP} --games coordconv_rl/TargetReach-v0 --threads 1000000000000 --out {t.out}
rl/train/resume-a-checkpoint-of-another-model             {RL} {TINY_ENV} --out {p.runs.foreign_model} --resume
rl/report/a-seed-missing                                  report {p.rl_no_seed}
reproduce/threads-1e12                                    --threads 1000000000000 --only classification --out {t.out}
reproduce/damaged-reproduce-json                          --only classification --out {p.damaged_reproduce}
reproduce/mnist-idx-dims-overflow                         --mnist {p.idx_overflow} --only detection --out {t.out}
""")


def _one_error_line(status: int, err: str, ran: str, says: str = "error:") -> None:
    """The contract of a refused command: exit 2 and one line on stderr that ``says``, no
    traceback."""
    shown = f"{ran}\nexit {status}\n{err}"
    assert status == 2, shown
    assert "Traceback" not in err, shown
    assert err.count("\n") == 1, f"expected one stderr line, got:\n{shown}"
    assert err.endswith("\n"), shown
    assert says in err, shown


@pytest.mark.filterwarnings("ignore::DeprecationWarning")
@pytest.mark.parametrize("case", sorted(CASES))
def test_bad_input_is_one_line_status_2_and_changes_nothing(
    case, inputs, tmp_path, capsys, monkeypatch
) -> None:
    command, folder = script_of(case), tmp_path / "case"
    folder.mkdir()
    argv = argv_of(CASES[case], inputs, _case_folder(folder))
    monkeypatch.chdir(folder)  # default outputs (runs/...) would land in the hashed tree
    with unchanged(folder, inputs.root):
        status = exit_status(command, argv)
    _one_error_line(status, capsys.readouterr().err, f"{case}: {command} {' '.join(argv)}")


# TORCH_DEVICE (read by --device auto) naming no device: one line, as a bad --device is.
TORCH_DEVICE_CASES = {
    "coordconv-vision": "{NSC} --device auto --out {t.out}",
    "coordconv-generative": "{GAN} --data {p.shapes} --device auto --out {t.out}",
    "coordconv-rl": "{RL} {TINY_ENV} --device auto --out {t.out}",
}


@pytest.mark.filterwarnings("ignore::DeprecationWarning")
@pytest.mark.parametrize("command", sorted(TORCH_DEVICE_CASES))
def test_a_garbage_torch_device_is_one_line_status_2_and_changes_nothing(
    command, inputs, tmp_path, capsys, monkeypatch
) -> None:
    argv = argv_of(TORCH_DEVICE_CASES[command], inputs, _case_folder(tmp_path))
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("TORCH_DEVICE", "garbage")
    with unchanged(tmp_path, inputs.root):
        status = exit_status(command, argv)
    _one_error_line(status, capsys.readouterr().err, command, says="TORCH_DEVICE")


# A few cases end to end in a real process: the installed entry point, no traceback.
SUBPROCESS_CASES = [
    "data/generate/nsc-flags-do-not-apply",
    "vision/notsoclevr/overwrite-a-users-folder",
    "generative/gan/max-steps-negative",
    "rl/train/unknown-ale-id",
    "reproduce/fresh-of-a-users-folder",
]


@pytest.mark.parametrize("case", SUBPROCESS_CASES)
def test_bad_input_in_a_real_process(case: str, inputs: SimpleNamespace, tmp_path: Path) -> None:
    script, argv = script_of(case), argv_of(CASES[case], inputs, _case_folder(tmp_path))
    program = [str(TOOLS / "reproduce.py")] if script == "reproduce" else ["-m", MODULES[script]]
    with unchanged(tmp_path, inputs.root):
        proc = run_python(*program, *argv, cwd=tmp_path)
    _one_error_line(proc.returncode, proc.stderr, f"{' '.join(program)} {' '.join(argv)}")


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


# The trainers stopped by a signal: the run directory that holds the checkpoint, then the
# arguments (without --out)
STOPS = table("""
vision/notsoclevr                     .                               {STOP_NSC}
vision/sweep                          quadrant/coordconv_lr0.005_bs8  {SWEEP} --splits quadrant --batch-sizes 8 --coordconv-lrs 0.005 --coordconv-epochs 2
vision/imagenet                       .                               {IMAGENET} --data {p.imagenet} --epochs 2 --log-every 1
vision/detect                         .                               {DETECT} --data {p.det} --hidden-channels 8 --figure-images 0
# 2 steps an epoch: the stop comes at the last step of epoch 1, whose evaluation must be logged
vision/detect/stop-at-an-epoch-end    .                               {DETECT} --data {p.det} --hidden-channels 8 --figure-images 0 --train-limit 4 --epochs 2
generative/gan                        .                               {GAN} --data {p.shapes}
generative/vae                        .                               {VAE} --data {p.shapes}
rl/train                              .                               {RL} {TINY_ENV} --frames 40
rl/experiment                         TargetReach/conv/seed0          {EXP} --games coordconv_rl/TargetReach-v0 --models conv --frames 40
""")
# coordconv-rl experiment resumes the unfinished runs it finds without a flag
RESUMES_WITHOUT_A_FLAG = ("rl/experiment",)


def _stopped_trainer(trainer: str, p: SimpleNamespace) -> tuple[str, list[str], str]:
    """The script, arguments (without --out) and run directory of a trainer of :data:`STOPS`."""
    run_dir, arguments = STOPS[trainer].split(maxsplit=1)
    return script_of(trainer), argv_of(arguments, p), run_dir


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
    trainer, inputs, tmp_path, monkeypatch, sigterm_at_second_poll
) -> None:
    """The run skeleton's contract, for every trainer: SIGTERM exits 130 with a checkpoint and
    no results; ``--resume`` finishes the run, with the same weights, metrics and results as a
    run that was never stopped."""
    command, argv, run_dir = _stopped_trainer(trainer, inputs)
    resume = [] if trainer in RESUMES_WITHOUT_A_FLAG else ["--resume"]
    monkeypatch.chdir(tmp_path)
    out, straight = tmp_path / "run", tmp_path / "straight"
    assert exit_status(command, [*argv, "--out", str(out)]) == 130
    run = out / run_dir
    assert (run / "checkpoint.safetensors").is_file()
    assert not (run / "results.json").exists()  # it stopped before the end
    before_stop = _metrics(run)
    monkeypatch.undo()  # no more signals: the resumed run goes to the end
    monkeypatch.chdir(tmp_path)
    assert exit_status(command, [*argv, "--out", str(out), *resume]) == 0
    assert exit_status(command, [*argv, "--out", str(straight)]) == 0
    resumed, uninterrupted = _run_outputs(run), _run_outputs(straight / run_dir)
    assert resumed[0][: len(before_stop)] == before_stop  # the resume kept what was logged
    assert resumed[0] == uninterrupted[0]  # metrics.jsonl, record by record
    assert resumed[1] == uninterrupted[1]  # results.json
    assert set(resumed[2]) == set(uninterrupted[2])
    for name, tensors in uninterrupted[2].items():
        assert set(resumed[2][name]) == set(tensors)
        for key, tensor in tensors.items():
            assert torch.equal(resumed[2][name][key], tensor), (name, key)


def _generate_shapes_interrupted(
    monkeypatch: pytest.MonkeyPatch, out: Path, interrupt: Callable[[], None]
) -> int:
    """``coordconv-data generate shapes --out out``, with ``interrupt()`` called once part of
    the archive is on disk: its exit status."""
    from coordconv_data import npz_format
    from coordconv_data.cli import main

    real = npz_format._write_zip

    def write_then_interrupt(handle, arrays):
        handle.write(b"PK\x03\x04 part of an archive")
        interrupt()
        real(handle, arrays)

    monkeypatch.setattr(npz_format, "_write_zip", write_then_interrupt)
    return main(["generate", "shapes", "--n", "4", "--out", str(out), "--quiet"])


@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
def test_sigterm_while_a_dataset_is_written_exits_130_and_leaves_no_partial_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "data"
    sigterm = functools.partial(signal.raise_signal, signal.SIGTERM)
    assert _generate_shapes_interrupted(monkeypatch, out, sigterm) == 130
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
    assert [r["epoch"] for r in _metrics(out)] == [1, 2, 3]


def test_a_full_disk_without_a_file_name_names_the_file_being_written(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """A write to an open file that fills the disk raises ENOSPC without a file name: the one
    line still says which file (it used to end in ": None")."""
    import errno

    def disk_full() -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    out = tmp_path / "data"
    assert _generate_shapes_interrupted(monkeypatch, out, disk_full) == 2
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
    wait_while_running(proc, flag.exists, timeout_s=120, message=f"{slow} was never imported")
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
    wait_while_running(
        proc, flag.exists, timeout_s=240, message="the second checkpoint was never written"
    )
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
    assert [r["epoch"] for r in _metrics(killed)] == [1, 2, 3]


# -- 4. One writer per run directory; a non-finite loss stops a run cleanly (issue 24) --------


def _error_lines(err: str) -> list[str]:
    """stderr without progress bars: what is not a bar must be the one error line."""
    assert "Traceback" not in err, err
    lines = [line for line in err.replace("\r", "\n").splitlines() if line.strip()]
    return [line for line in lines if "it/s" not in line]


@pytest.mark.parametrize("trainer", sorted(STOPS))
def test_every_trainer_refuses_a_run_directory_another_process_writes(
    trainer, inputs, tmp_path, capsys, monkeypatch
) -> None:
    command, argv, run_dir = _stopped_trainer(trainer, inputs)
    monkeypatch.chdir(tmp_path)
    out = tmp_path / "run"
    held = out if trainer == "vision/sweep" else out / run_dir  # a sweep's folder is one run
    with lock_held_elsewhere(held) as holder, unchanged(held):  # nothing written into it
        assert exit_status(command, [*argv, "--out", str(out)]) == 2
    err = _error_lines(capsys.readouterr().err)
    assert len(err) == 1, err
    assert f"is in use by pid {holder.pid} (" in err[0], err
    assert err[0].endswith("wait for it or stop it")


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
    out = tmp_path / "run"
    assert exit_status("coordconv-vision", [*STOP_NSC, "--out", str(out)]) == 130
    monkeypatch.undo()
    logged = (out / "metrics.jsonl").read_bytes() if (out / "metrics.jsonl").exists() else b""
    with lock_held_elsewhere(out) as holder:
        capsys.readouterr()
        assert exit_status("coordconv-vision", [*STOP_NSC, "--out", str(out), "--resume"]) == 2
    err = _error_lines(capsys.readouterr().err)
    assert len(err) == 1, err
    assert f"is in use by pid {holder.pid}" in err[0], err
    now = (out / "metrics.jsonl").read_bytes() if (out / "metrics.jsonl").exists() else b""
    assert now == logged
    assert exit_status("coordconv-vision", [*STOP_NSC, "--out", str(out), "--resume"]) == 0
    assert [r["epoch"] for r in _metrics(out)] == [1, 2]
    assert not (out / ".coordconv-run.lock").exists()  # let go when the run finished


def _nan_gradients_from(
    monkeypatch: pytest.MonkeyPatch, call: int, at_each: Callable[[int], None] = lambda n: None
) -> None:
    """From the ``call``-th ``accelerator.backward`` on, the gradients are NaN: the weights go
    non-finite after that step and every later loss is NaN (as a diverging run's do).
    ``at_each(n)`` runs before the ``n``-th backward."""
    from accelerate import Accelerator

    original, calls = Accelerator.backward, []

    def backward(self, loss, **kwargs):
        calls.append(1)
        at_each(len(calls))
        return original(self, loss * float("nan") if len(calls) >= call else loss, **kwargs)

    monkeypatch.setattr(Accelerator, "backward", backward)


@pytest.fixture
def nan_from_second_backward(monkeypatch: pytest.MonkeyPatch) -> None:
    """NaN gradients from the second backward on (:func:`_nan_gradients_from`)."""
    _nan_gradients_from(monkeypatch, 2)


def _all_finite(state) -> bool:
    from coordconv_train.nonfinite import state_is_finite

    return state_is_finite(state)


@pytest.mark.parametrize("trainer", sorted(STOPS))
def test_a_non_finite_loss_stops_every_trainer_in_one_line(
    trainer, inputs, tmp_path, capsys, monkeypatch, nan_from_second_backward
) -> None:
    """Exit 2 naming the step; no results.json or final weights; whatever checkpoint there is
    holds finite weights (the last good one)."""
    from coordconv_train import load_checkpoint

    command, argv, run_dir = _stopped_trainer(trainer, inputs)
    monkeypatch.chdir(tmp_path)
    out = tmp_path / "run"
    status = exit_status(command, [*argv, "--out", str(out)])
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
    out, saved = tmp_path / "run", {}

    def remember_epoch_1(call: int) -> None:
        if call == 5:  # epoch 1's checkpoint is on disk: remember it
            saved["bytes"] = (out / "checkpoint.safetensors").read_bytes()

    _nan_gradients_from(monkeypatch, 6, remember_epoch_1)
    assert exit_status("coordconv-vision", [*STOP_NSC, "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert "the loss became nan at step 7 (epoch 2, batch 3); the last good checkpoint " in err
    assert "(epoch 1, batch 0)" in err, err
    assert (out / "checkpoint.safetensors").read_bytes() == saved["bytes"]
    assert not (out / "results.json").exists()
