"""``coordconv-generative``: train the GANs and VAEs of S7 and measure mode collapse.

Subcommands::

    coordconv-generative gan --data shapes.npz --model coordconv-gd --out runs/gan
    coordconv-generative vae --data shapes.npz --model coordconv-gd --out runs/vae
    coordconv-generative entropy --data shapes.npz --checkpoint runs/gan --out runs/entropy
    coordconv-generative interpolate --checkpoint runs/gan --out runs/gan/interp.png
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from pathlib import Path

from coordconv_train import (
    CliParser,
    add_config_command,
    config_from_args,
    report_results,
    run_cli,
)
from coordconv_train.cli import console_main
from coordconv_train.config import seed  # 0..2**32-1: a usage error, not a torch traceback

STOPPED = "stopped after {step} steps; rerun with --resume to continue"


def _gan(args: argparse.Namespace) -> int:
    from coordconv_generative.gan.train import GanConfig, train_gan

    return report_results(train_gan(config_from_args(GanConfig, args)), STOPPED)


def _vae(args: argparse.Namespace) -> int:
    from coordconv_generative.vae.train import VaeConfig, train_vae

    return report_results(train_vae(config_from_args(VaeConfig, args)), STOPPED)


def _entropy(args: argparse.Namespace) -> int:
    from coordconv_generative.evaluate import run_entropy

    report = run_entropy(
        args.data, args.checkpoint, args.out, n=args.n, repeats=args.repeats,
        bin_size=args.bin_size, seed=args.seed, device=args.device, overwrite=args.overwrite,
    )  # fmt: skip
    for name, metrics in report["sources"].items():
        cov, rel = metrics["coverage"]["mean"], metrics["relative_position"]["mean"]
        print(
            f"{name}: coverage {_bits(cov)}, relative position {_bits(rel)}, "
            f"both objects detected in {metrics['detect_rate']['mean']:.3f} of the images"
        )
    print(f"wrote {Path(args.out) / 'entropy.json'} and {Path(args.out) / 'entropy.png'}")
    return 0


def _bits(value: float | None) -> str:
    return "undefined (no objects found)" if value is None else f"{value:.3f} bits"


def _interpolate(args: argparse.Namespace) -> int:
    from coordconv_generative.evaluate import run_interpolate

    path = run_interpolate(
        args.checkpoint, args.out, pairs=args.pairs, steps=args.steps, seed=args.seed,
        device=args.device, overwrite=args.overwrite, data=args.data,
    )  # fmt: skip
    print(f"wrote {path}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    from coordconv_generative.gan.train import GanConfig
    from coordconv_generative.vae.train import VaeConfig

    parser = CliParser(
        prog="coordconv-generative",
        description="GANs and VAEs of the CoordConv paper (S7) and the entropy metrics of "
        "mode collapse (figure 7, S10).",
    )
    sub = parser.add_subparsers(dest="command", required=True)
    add_config_command(
        sub,
        "gan",
        GanConfig,
        _gan,
        help="train a GAN (table S4 shapes, table S6 LSUN-style folder)",
        description="Train a GAN. FILE = coordconv-data shapes .npz; DIR = folder of images.",
    )
    add_config_command(sub, "vae", VaeConfig, _vae, help="train a VAE on colored shapes (table S5)")

    ent = sub.add_parser(
        "entropy",
        help="coverage / relative-position entropies of real and generated images (fig. S10)",
    )
    ent.add_argument("--data", type=Path, help="coordconv-data shapes .npz (the real data)")
    ent.add_argument(
        "--checkpoint", type=Path, nargs="*", default=[],
        help="run directories or weights .safetensors files of trained GANs / VAEs",
    )  # fmt: skip
    ent.add_argument("--out", type=Path, required=True, help="folder for entropy.json/.png")
    ent.add_argument("--n", type=int, default=1000, help="images per repeat (default: 1000)")
    ent.add_argument("--repeats", type=int, default=10, help="repeats for the CI (default: 10)")
    ent.add_argument("--bin-size", type=int, default=4, help="histogram cell in px (default: 4)")
    ent.add_argument("--seed", type=seed, default=0, help="random seed (default: 0)")
    ent.add_argument("--device", default="auto", choices=["auto", "cpu", "cuda"])
    ent.add_argument(
        "--overwrite", action="store_true", help="replace entropy.json/.png already in --out"
    )
    ent.set_defaults(func=_entropy)

    interp = sub.add_parser(
        "interpolate", help="latent interpolation strips between random z pairs (S7-S9, S11, S12)"
    )
    interp.add_argument("--checkpoint", type=Path, required=True, help="run dir or weights file")
    interp.add_argument("--out", type=Path, required=True, help="PNG to write (NAME.png)")
    interp.add_argument("--pairs", type=int, default=5, help="rows: random z pairs (default: 5)")
    interp.add_argument("--steps", type=int, default=10, help="images per row (default: 10)")
    interp.add_argument("--seed", type=seed, default=0, help="random seed (default: 0)")
    interp.add_argument(
        "--data",
        type=Path,
        default=None,
        help="VAE only, not the paper's (S7.2 interpolates uniform latents): start and end each "
        "row at the posterior means of two random images of this shapes .npz",
    )
    interp.add_argument("--device", default="auto", choices=["auto", "cpu", "cuda"])
    interp.add_argument("--overwrite", action="store_true", help="replace an existing --out PNG")
    interp.set_defaults(func=_interpolate)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``coordconv-generative`` console script."""
    return console_main(
        "coordconv-generative", lambda: run_cli(build_parser(), argv, lambda args: args.func(args))
    )


if __name__ == "__main__":
    raise SystemExit(main())
