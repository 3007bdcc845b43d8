"""Issue 24: ``generate --overwrite`` replaces only what ``generate`` wrote.

The COCO folder beside ``scattered_mnist.npz`` is deleted only through
``coordconv_train.remove_made_by_us``: a folder without our file list, with a user's file in it,
or that is a symbolic link survives byte for byte (exit 2, one line, and the ``.npz`` is not
replaced either); a COCO folder of ours is still replaced.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from coordconv_data.cli import main
from coordconv_train.testing import one_error_line, unchanged

GEN = ["generate", "scattered-mnist", "--n-train", "3", "--n-test", "2", "--quiet"]
REGEN = [*GEN, "--seed", "1"]  # another dataset, to replace the one ``GEN`` wrote


@pytest.fixture
def data(digits, tmp_path: Path) -> Path:
    """A folder where ``generate scattered-mnist`` wrote its ``.npz`` and COCO folder."""
    out = tmp_path / "data"
    assert main([*GEN, "--out", str(out)]) == 0
    return out


def _refused(
    tmp_path: Path, out: Path, capsys, offending: Path, command: list[str] = REGEN
) -> None:
    """``command --out out --overwrite`` is refused in one line naming ``offending``, and
    nothing under ``tmp_path`` changes."""
    capsys.readouterr()
    with unchanged(tmp_path):
        assert main([*command, "--out", str(out), "--overwrite"]) == 2
    err = one_error_line(capsys.readouterr().err)
    assert err.startswith(f"coordconv-data: error: refusing --overwrite: {offending} ")


def test_our_coco_folder_is_replaced(data: Path, capsys) -> None:
    coco = data / "scattered_mnist_coco"
    before = (coco / "annotations" / "instances_train.json").read_bytes()
    assert main([*REGEN, "--out", str(data), "--overwrite"]) == 0
    assert (coco / "annotations" / "instances_train.json").read_bytes() != before
    assert sorted(p.name for p in data.iterdir()) == ["scattered_mnist.npz", coco.name]


def test_a_users_file_in_the_coco_folder_keeps_it(data: Path, tmp_path, capsys) -> None:
    note = data / "scattered_mnist_coco" / "train" / "labels-i-fixed.txt"
    note.write_text("an afternoon of relabelling\n")
    _refused(tmp_path, data, capsys, note)


def test_a_coco_folder_without_our_list_is_kept(data: Path, tmp_path, capsys) -> None:
    (data / "scattered_mnist_coco" / ".coordconv-files").unlink()
    _refused(tmp_path, data, capsys, data / "scattered_mnist_coco")


@pytest.mark.parametrize("target", ["a-users-folder", "a-coco-folder-of-ours"])
def test_a_coco_folder_that_is_a_link_is_kept(data: Path, tmp_path, capsys, target) -> None:
    """A link is never followed: not even to a COCO folder we wrote (kept elsewhere)."""
    coco = data / "scattered_mnist_coco"
    elsewhere = tmp_path / "elsewhere"
    if target == "a-users-folder":
        (elsewhere / "annotations").mkdir(parents=True)
        (elsewhere / "annotations" / "mine.json").write_text("{}\n")
        coco.rename(tmp_path / "our-old-coco")
    else:
        coco.rename(elsewhere)
    coco.symlink_to(elsewhere)
    _refused(tmp_path, data, capsys, coco)


@pytest.mark.parametrize("kind", ["users-file", "link"])
def test_a_dataset_file_not_ours_is_kept(data: Path, tmp_path, capsys, kind) -> None:
    npz = data / "scattered_mnist.npz"
    npz.unlink()
    if kind == "link":
        (tmp_path / "big-disk.npz").write_bytes(npz.with_name("x").as_posix().encode())
        npz.symlink_to(tmp_path / "big-disk.npz")
    else:
        npz.write_bytes(b"the user's own archive")
    _refused(tmp_path, data, capsys, npz)


@pytest.mark.parametrize("kind", ["a user's PNG", "a user's text", "a link"])
def test_preview_overwrite_keeps_a_file_it_did_not_write(
    data: Path, tmp_path, capsys, kind
) -> None:
    from PIL import Image

    out = tmp_path / "figure.png"
    if kind == "a link":
        Image.new("RGB", (4, 4)).save(tmp_path / "elsewhere.png")
        out.symlink_to(tmp_path / "elsewhere.png")
    elif kind == "a user's PNG":
        Image.new("RGB", (4, 4)).save(out)
    else:
        out.write_text("not even a PNG")
    _refused(tmp_path, out, capsys, out, command=["preview", str(data / "scattered_mnist.npz")])


def test_preview_overwrite_replaces_its_own_preview(data: Path, tmp_path) -> None:
    out, npz = tmp_path / "figure.png", str(data / "scattered_mnist.npz")
    assert main(["preview", npz, "--out", str(out), "--count", "1"]) == 0
    first = out.read_bytes()
    assert main(["preview", npz, "--out", str(out), "--count", "2", "--overwrite"]) == 0
    assert out.read_bytes() != first  # replaced: two images now, not one
