"""The model-size sweep of figure S2: a grid of deconv and CoordConv runs, best kept by validation.

    coordconv-vision sweep --task classification --splits uniform quadrant --out runs/sweep

Paper S2: deconv filter size {2, 3, 4} x channel multiplier {1, 2, 3} x lr {0.001, 0.002, 0.005,
0.01, 0.02, 0.05} x weight decay {0.001, 0.01} x batch {16, 32}; CoordConv lr {0.01, 0.001,
0.005}. Every flag below subsets that grid. The validation set is carved out of the train split
(``--val-fraction``); per (model, split) the run with the best validation metric is reported.
Writes ``summary.json`` (every run, and the winners) and ``size_vs_accuracy.png`` (fig. S2).
The sweep directory is a run directory of its own (marker, ``config.json``): ``--overwrite``
replaces a sweep of ours and nothing else; ``--resume`` reuses finished runs and resumes the
others. Every grid point is checked (names, combinations, counts) before anything is written.
"""

from __future__ import annotations

import argparse
import dataclasses
import itertools
import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from coordconv_data.not_so_clevr import SPLITS
from coordconv_train import (
    EXIT_STOPPED,
    RESUMABLE,
    NonFiniteLoss,
    RunDir,
    UserError,
    add_config_command,
    config_from_args,
    config_to_dict,
    is_stopped,
    log_to_stdout,
    write_json_atomic,
)
from coordconv_train.config import LEARNING_RATE
from coordconv_vision.notsoclevr.config import CHANNEL_MULT, NotSoClevrConfig, resolve
from coordconv_vision.notsoclevr.data import HEADLINE
from coordconv_vision.notsoclevr.figures import size_vs_accuracy
from coordconv_vision.notsoclevr.models import MODELS_FOR_TASK
from coordconv_vision.notsoclevr.train import train


@dataclass
class SweepConfig:
    """A grid of Not-so-Clevr runs (figure S2)."""

    task: str = field(
        default="classification",
        metadata={"help": "task", "choices": ["classification", "rendering", "regression"]},
    )
    splits: tuple[str, ...] = field(
        default=("uniform", "quadrant"), metadata={"help": "splits to run"}
    )
    models: tuple[str, ...] = field(
        default=("deconv", "coordconv"), metadata={"help": "models to run"}
    )
    filter_sizes: tuple[int, ...] = field(
        default=(2, 3, 4), metadata={"help": "deconv filter sizes"}
    )
    channel_mults: tuple[int, ...] = field(
        default=(1, 2, 3), metadata={"help": "deconv channel multipliers", **CHANNEL_MULT}
    )
    lrs: tuple[float, ...] = field(
        default=(0.001, 0.002, 0.005, 0.01, 0.02, 0.05),
        metadata={"help": "deconv/conv learning rates", **LEARNING_RATE},
    )
    wds: tuple[float, ...] = field(
        default=(0.001, 0.01), metadata={"help": "deconv/conv weight decays"}
    )
    batch_sizes: tuple[int, ...] = field(default=(16, 32), metadata={"help": "minibatch sizes"})
    coordconv_lrs: tuple[float, ...] = field(
        default=(0.01, 0.001, 0.005), metadata={"help": "CoordConv learning rates", **LEARNING_RATE}
    )
    epochs: int | None = field(
        default=None,
        metadata={
            "help": "epochs of every baseline run (None: the paper's 1000 with its schedule)"
        },
    )
    coordconv_epochs: int | None = field(
        default=None, metadata={"help": "epochs of every CoordConv run (None: default of the task)"}
    )
    train_limit: int = field(
        default=0, metadata={"help": "train every run on only N examples (0: all); for smoke tests"}
    )
    val_fraction: float = field(
        default=0.1, metadata={"help": "fraction of train held out to pick the best run"}
    )
    seed: int = field(default=0, metadata={"help": "random seed of every run"})
    device: str = field(
        default="auto", metadata={"help": "auto, cpu or cuda", "choices": ["auto", "cpu", "cuda"]}
    )
    progress: bool = field(default=True, metadata={"help": "tqdm bar per run"})
    out: Path = field(
        default=Path("runs/sweep"), metadata={"help": "sweep directory (one subdirectory per run)"}
    )
    resume: bool = field(
        default=False, metadata={"help": "reuse finished runs and resume unfinished ones"}
    )
    overwrite: bool = field(default=False, metadata={"help": "replace previous runs"})


# May change on --resume: what a run's resume may change (coordconv_train.RESUMABLE) but its
# budget, and the grid's lists (a resumed sweep may grow or shrink its grid; each run checks its
# own config when it is resumed). A finished run is reused as it is, so a new --epochs would mix
# runs of different lengths: refused.
GRID = (
    "splits", "models", "filter_sizes", "channel_mults", "lrs", "wds", "batch_sizes",
    "coordconv_lrs",
)  # fmt: skip
SWEEP_RESUMABLE = (*(name for name in RESUMABLE if name != "epochs"), *GRID)


def grid(config: SweepConfig) -> list[NotSoClevrConfig]:
    """The run configs of the sweep (one subdirectory of ``config.out`` each)."""
    common: dict[str, Any] = {
        "task": config.task, "val_fraction": config.val_fraction, "train_limit": config.train_limit, "seed": config.seed,
        "device": config.device, "progress": config.progress, "figures": False,
    }  # fmt: skip
    models = MODELS_FOR_TASK[config.task]
    for flag, values, known in (
        ("--splits", config.splits, SPLITS),
        ("--models", config.models, models),
    ):
        unknown = sorted(set(values) - set(known))
        if unknown:
            raise UserError(
                f"{flag} {', '.join(unknown)} not known for --task {config.task}; "
                f"choose from {', '.join(known)}"
            )
    runs = []
    for split, model in itertools.product(config.splits, config.models):
        if model == "coordconv":
            for lr, bs in itertools.product(config.coordconv_lrs, config.batch_sizes):
                name = f"{split}/coordconv_lr{lr}_bs{bs}"
                runs.append(NotSoClevrConfig(model=model, split=split, lr=lr, batch_size=bs,
                                             epochs=config.coordconv_epochs, out=config.out / name, **common))  # fmt: skip
            continue
        for fs, c, lr, wd, bs in itertools.product(config.filter_sizes, config.channel_mults,
                                                   config.lrs, config.wds, config.batch_sizes):  # fmt: skip
            name = f"{split}/{model}_fs{fs}_c{c}_lr{lr}_wd{wd}_bs{bs}"
            runs.append(NotSoClevrConfig(model=model, split=split, filter_size=fs, channel_mult=c, lr=lr,
                                         wd=wd, batch_size=bs, epochs=config.epochs, out=config.out / name, **common))  # fmt: skip
    if not runs:
        raise UserError("the sweep grid is empty")
    for run in runs:  # every grid point valid (model for the task, counts) before any training
        resolve(run)
    return runs


def run_sweep(config: SweepConfig) -> dict[str, Any]:
    """Run every grid point, pick the best per (model, split) by validation, write the summary.

    A run stopped by SIGINT/SIGTERM stops the sweep: its ``{"status": "stopped", ...}`` is returned
    (:func:`coordconv_train.is_stopped`)."""
    runs = grid(config)
    RunDir(config.out).prepare(
        config_to_dict(config), overwrite=config.overwrite, resume=config.resume,
        ignore_on_resume=SWEEP_RESUMABLE,
    )  # fmt: skip
    metric, higher = HEADLINE[config.task]
    rows, diverged = [], []
    for run in runs:
        finished = RunDir(run.out).read_results() if config.resume else None
        if finished is not None:
            results = finished
        else:
            try:
                results = train(dataclasses.replace(run, resume=RunDir(run.out).resumable))
            except NonFiniteLoss as exc:  # a grid point whose learning rate diverges
                diverged.append({"run": str(run.out.relative_to(config.out)), "error": str(exc)})
                continue
            if is_stopped(results):  # {"status": "stopped", ...}: rerun with --resume
                return results
        rows.append({"run": str(run.out.relative_to(config.out)), **results})
    best: dict[str, Any] = {}
    for row in rows:
        key = f"{row['model']}/{row['split']}"
        score = row.get(f"val_{metric}", row[f"train_{metric}"])
        if key not in best or (
            score > best[key]["score"] if higher else score < best[key]["score"]
        ):
            best[key] = {"score": score, **row}
    summary = {"task": config.task, "selection_metric": f"val_{metric}", "best": best, "runs": rows}
    if diverged:  # not in the selection or the figure; named so that none goes unnoticed
        summary["diverged"] = diverged
    write_json_atomic(config.out / "summary.json", summary)
    if rows:  # not when every grid point diverged
        size_vs_accuracy(config.out / "size_vs_accuracy.png", rows, f"test_{metric}")
    return summary


def _command(args: argparse.Namespace) -> int:
    log_to_stdout(logging.WARNING)
    summary = run_sweep(config_from_args(SweepConfig, args))
    if is_stopped(summary):
        print("sweep stopped; rerun with --resume")
        return EXIT_STOPPED
    for key, row in summary["best"].items():
        metrics = {k: round(v, 4) for k, v in row.items() if k.startswith("test_")}
        print(f"{key}: {row['run']} params={row['params']} {metrics}")
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add ``sweep`` (the fig. S2 grid) to the ``coordconv-vision`` parser."""
    add_config_command(
        subparsers,
        "sweep",
        SweepConfig,
        _command,
        help="model-size sweep of figure S2 (deconv grid vs CoordConv), best by validation",
        description="Run a grid of Not-so-Clevr models, keep the best per model and split by "
        "validation (carved out of train), write summary.json and the fig. S2 scatter.",
    )
