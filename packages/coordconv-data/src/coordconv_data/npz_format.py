"""The on-disk format shared by every dataset: one compressed ``.npz`` with a JSON header.

An archive holds the dataset's arrays plus ``__meta__``, a 0-d unicode array with a JSON object:
``{"format": "coordconv-data", "dataset": <name>, "version": <int>, "sha256": <hex>, ...}``.
The checksum covers every array's name, dtype, shape and bytes (C order), so truncation, bit rot
or an edited array is detected on load. Nothing is pickled (``allow_pickle=False``), so any tool
with a zip reader and an ``.npy`` parser (numpy, Julia's NPZ.jl, ``cnpy``) reads the files.
Member timestamps are fixed, so the same data gives the same file bytes.
Writes go to a temporary file in the target folder and are renamed into place, so an interrupted
write never leaves a half-written archive under the final name.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import math
import os
import zipfile
import zlib
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import numpy as np

from coordconv_data.errors import DatasetError
from coordconv_train.rundir import write_atomic

FORMAT = "coordconv-data"
META_KEY = "__meta__"
_EPOCH = (1980, 1, 1, 0, 0, 0)  # zip member timestamp: fixed, so equal data -> equal bytes


def checksum(arrays: Mapping[str, np.ndarray]) -> str:
    """SHA-256 over each array's name, dtype, shape and C-order bytes, in sorted name order."""
    digest = hashlib.sha256()
    for name in sorted(arrays):
        array = np.asarray(arrays[name])
        header = f"{name}|{array.dtype.str}|{array.shape}|"
        digest.update(header.encode())
        digest.update(memoryview(np.ascontiguousarray(array).reshape(-1)).cast("B"))  # no copy
    return digest.hexdigest()


def save_npz(
    path: str | os.PathLike[str],
    dataset: str,
    version: int,
    arrays: Mapping[str, np.ndarray],
    meta: Mapping[str, Any] | None = None,
    *,
    overwrite: bool = True,
) -> Path:
    """Write ``arrays`` and a JSON header atomically to ``path`` (compressed ``.npz``)."""
    path = Path(path)
    if path.exists() and not overwrite:
        raise DatasetError(f"{path} exists; pass overwrite=True (--overwrite) to replace it")
    header = {
        "format": FORMAT,
        "dataset": dataset,
        "version": version,
        "sha256": checksum(arrays),
        **(meta or {}),
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    members = {META_KEY: np.array(json.dumps(header, sort_keys=True)), **arrays}

    def write(tmp: Path) -> None:
        with open(tmp, "wb") as handle:
            _write_zip(handle, members)

    # a temporary sibling, fsynced and renamed; listed as ours inside a marked folder
    return write_atomic(path, write)


def _write_zip(handle: Any, arrays: Mapping[str, np.ndarray]) -> None:
    """What ``np.savez_compressed`` writes, but with fixed member timestamps (same bytes)."""
    with zipfile.ZipFile(handle, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, array in arrays.items():
            info = zipfile.ZipInfo(f"{name}.npy", date_time=_EPOCH)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            with archive.open(info, "w", force_zip64=True) as member:
                np.lib.format.write_array(member, np.asanyarray(array), allow_pickle=False)


def read_meta(path: str | os.PathLike[str]) -> dict[str, Any]:
    """The JSON header of a coordconv-data archive, without loading or checking the arrays."""
    with _open(path) as archive:
        return _meta(archive, path)


def load_npz(
    path: str | os.PathLike[str],
    dataset: str,
    version: int,
    schema: Mapping[str, tuple[str, tuple[int | None, ...]]],
) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
    """Load and verify an archive written by :func:`save_npz`.

    ``schema`` maps array name -> (dtype string, shape with ``None`` for free sizes). Raises
    :class:`DatasetError` naming the problem for a missing, truncated or corrupt file, another
    dataset, another version, a checksum mismatch, or an array of the wrong dtype/shape.
    """
    with _open(path) as archive:
        meta = _meta(archive, path)
        if meta.get("dataset") != dataset:
            raise DatasetError(f"{path} holds dataset {meta.get('dataset')!r}, not {dataset!r}")
        if meta.get("version") != version:
            raise DatasetError(
                f"{path} has {dataset} format version {meta.get('version')!r}; this coordconv-data "
                f"reads version {version}: regenerate it with `coordconv-data generate`"
            )
        try:
            arrays = {name: archive[name] for name in archive.files if name != META_KEY}
        except (OSError, ValueError, EOFError, KeyError, zipfile.BadZipFile, zlib.error) as exc:
            raise DatasetError(f"{path} is corrupt ({exc})") from exc
    missing = sorted(set(schema) - set(arrays))
    if missing:
        raise DatasetError(f"{path} lacks the arrays {', '.join(missing)}")
    if checksum(arrays) != meta.get("sha256"):
        raise DatasetError(f"{path} failed its checksum: the file is corrupt or was edited")
    for name, (dtype, shape) in schema.items():
        array = arrays[name]
        shape_ok = len(array.shape) == len(shape) and all(
            want is None or want == got for want, got in zip(shape, array.shape, strict=True)
        )
        if array.dtype != np.dtype(dtype) or not shape_ok:
            want_shape = tuple("*" if s is None else s for s in shape)
            raise DatasetError(
                f"{path}: array {name!r} is {array.dtype}{array.shape}, expected {dtype}{want_shape}"
            )
    return arrays, meta


@contextlib.contextmanager
def _open(path: str | os.PathLike[str]) -> Iterator[Any]:
    """``np.load`` of an ``.npz`` with the file handle closed on every path (errors included)."""
    if not Path(path).is_file():
        raise DatasetError(f"{path}: no such dataset file")
    with open(path, "rb") as handle:
        if handle.read(2) != b"PK":  # every zip (.npz) starts so; numpy would talk of pickles
            raise DatasetError(f"{path} is not a readable .npz archive (not a zip file)")
        handle.seek(0)
        try:
            archive = np.load(handle, allow_pickle=False)
        except (OSError, ValueError, EOFError, zipfile.BadZipFile, zlib.error) as exc:
            raise DatasetError(f"{path} is not a readable .npz archive ({exc})") from exc
        if not isinstance(archive, np.lib.npyio.NpzFile):
            raise DatasetError(f"{path} is a single .npy array, not a coordconv-data archive")
        with archive:
            _check_declared_sizes(archive.zip, path)
            yield archive


def _check_declared_sizes(archive: zipfile.ZipFile, path: str | os.PathLike[str]) -> None:
    """Refuse an archive whose ``.npy`` headers declare more bytes than the members hold (a
    damaged or crafted file), from the headers alone: numpy would allocate what a header
    declares, say 10^12 elements, before finding the data short."""
    for info in archive.infolist():
        try:
            with archive.open(info) as member:
                version = np.lib.format.read_magic(member)
                read_header = (
                    np.lib.format.read_array_header_1_0
                    if version == (1, 0)
                    else np.lib.format.read_array_header_2_0
                )
                shape, _, dtype = read_header(member)
                header_bytes = member.tell()
        except (OSError, ValueError, EOFError, zipfile.BadZipFile, zlib.error) as exc:
            raise DatasetError(f"{path} is corrupt: member {info.filename} ({exc})") from exc
        declared = math.prod(shape) * dtype.itemsize  # Python integers: no overflow
        if declared != info.file_size - header_bytes:
            raise DatasetError(
                f"{path} is corrupt: member {info.filename} declares shape {shape} of {dtype} "
                f"({declared:,} bytes) but holds {info.file_size - header_bytes:,}"
            )


def _meta(archive: Any, path: str | os.PathLike[str]) -> dict[str, Any]:
    try:
        if META_KEY not in archive.files:
            raise DatasetError(f"{path} is not a coordconv-data archive (no {META_KEY} header)")
        meta = json.loads(str(archive[META_KEY]))
    except (OSError, ValueError, EOFError, KeyError, zipfile.BadZipFile, zlib.error) as exc:
        if isinstance(exc, DatasetError):
            raise
        raise DatasetError(f"{path} has a corrupt header ({exc})") from exc
    if not isinstance(meta, dict) or meta.get("format") != FORMAT:
        raise DatasetError(f"{path} is not a coordconv-data archive")
    return meta
