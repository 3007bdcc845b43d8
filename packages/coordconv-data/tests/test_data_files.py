"""The .npz format: round trips, and every kind of bad file gives a DatasetError naming it."""

from __future__ import annotations

import json
import zipfile

import numpy as np
import pytest

from coordconv_data import DatasetError, not_so_clevr, shapes
from coordconv_data.npz_format import read_meta, save_npz


@pytest.fixture
def shapes_file(tmp_path):
    return shapes.save(shapes.generate(n=20, seed=0), tmp_path / "shapes.npz")


def test_header_records_dataset_version_and_checksum(shapes_file):
    meta = read_meta(shapes_file)
    assert meta["format"] == "coordconv-data"
    assert meta["dataset"] == "shapes"
    assert meta["version"] == shapes.VERSION
    assert len(meta["sha256"]) == 64
    with np.load(shapes_file, allow_pickle=False) as plain:  # any npz reader sees plain arrays
        assert plain["images"].shape == (20, 64, 64, 3)


def test_truncated_file(shapes_file):
    raw = shapes_file.read_bytes()
    shapes_file.write_bytes(raw[: len(raw) // 2])
    with pytest.raises(DatasetError, match=r"shapes\.npz"):
        shapes.load(shapes_file)


def test_flipped_byte_is_caught(shapes_file):
    raw = bytearray(shapes_file.read_bytes())
    raw[len(raw) // 3] ^= 0xFF
    shapes_file.write_bytes(bytes(raw))
    with pytest.raises(DatasetError):
        shapes.load(shapes_file)


def test_edited_array_fails_the_checksum(shapes_file, tmp_path):
    with np.load(shapes_file, allow_pickle=False) as archive:
        arrays = {name: archive[name] for name in archive.files}
    arrays["kinds"] = 1 - arrays["kinds"]  # a valid zip with a lying header
    edited = tmp_path / "edited.npz"
    np.savez_compressed(edited, **arrays)
    with pytest.raises(DatasetError, match="checksum"):
        shapes.load(edited)


def test_wrong_version_and_wrong_dataset(tmp_path, shapes_file):
    data = shapes.load(shapes_file)
    arrays = {
        "images": data.images,
        "kinds": data.kinds,
        "centres": data.centres,
        "sizes": data.sizes,
    }
    future = save_npz(tmp_path / "future.npz", "shapes", shapes.VERSION + 1, arrays)
    with pytest.raises(DatasetError, match="version 2"):
        shapes.load(future)
    with pytest.raises(DatasetError, match="holds dataset 'shapes'"):
        not_so_clevr.load(shapes_file)


def test_wrong_dtype_is_named(tmp_path):
    arrays = {
        "images": np.zeros((2, 64, 64, 3), np.float32),
        "kinds": np.zeros((2, 2), np.int8),
        "centres": np.zeros((2, 2, 2), np.float32),
        "sizes": np.zeros((2, 2), np.float32),
    }
    path = save_npz(tmp_path / "bad.npz", "shapes", shapes.VERSION, arrays)
    with pytest.raises(DatasetError, match="'images' is float32"):
        shapes.load(path)


def test_not_an_archive_missing_file_and_foreign_npz(tmp_path):
    junk = tmp_path / "junk.npz"
    junk.write_bytes(b"definitely not a zip file")
    with pytest.raises(DatasetError, match="not a readable") as info:
        shapes.load(junk)
    assert "pickle" not in str(info.value)  # numpy's own message would suggest unpickling it
    with pytest.raises(DatasetError, match="no such"):
        shapes.load(tmp_path / "absent.npz")
    foreign = tmp_path / "foreign.npz"
    np.savez(foreign, x=np.arange(3))
    with pytest.raises(DatasetError, match="not a coordconv-data archive"):
        shapes.load(foreign)
    with zipfile.ZipFile(foreign, "a") as archive:  # __meta__ that is not ours
        archive.writestr("__meta__.npy", b"broken")
    with pytest.raises(DatasetError):
        read_meta(foreign)


def test_save_refuses_to_overwrite_when_asked(shapes_file):
    before = shapes_file.read_bytes()
    with pytest.raises(DatasetError, match="exists"):
        shapes.save(shapes.generate(n=3, seed=9), shapes_file, overwrite=False)
    assert shapes_file.read_bytes() == before
    assert not [p for p in shapes_file.parent.iterdir() if p.name.endswith(".tmp")]


def test_meta_is_plain_json(shapes_file):
    with np.load(shapes_file, allow_pickle=False) as archive:
        assert json.loads(str(archive["__meta__"]))["n"] == 20
