"""The one-command reproduction, end to end in its ``tiny`` preset (seconds per experiment).

Every experiment really runs through the packages' console scripts; the test checks the report
has every section, numbers in each table, the figures on disk, the "not run" sections say how
to provide the missing data, and a rerun skips what is finished.
"""

from __future__ import annotations

import re

import pytest
import reproduce
from reproduction.report import Section


@pytest.mark.filterwarnings("ignore::DeprecationWarning")
@pytest.mark.filterwarnings("ignore::UserWarning")
def test_tiny_reproduction_writes_every_section(tmp_path, capsys):
    out, runs = tmp_path / "report", tmp_path / "runs"
    argv = ["--preset", "tiny", "--out", str(out), "--runs", str(runs), "--device", "cpu"]
    assert reproduce.main(argv) == 0

    text = (out / "REPORT.md").read_text()
    sections = {s.key: s for s in map(Section.load, (out / "sections").glob("*.json"))}
    assert set(sections) == set(reproduce.EXPERIMENTS)
    for key, section in sections.items():
        assert f"## {section.title}" in text, key
        if key in ("imagenet", "lsun"):
            assert section.status == "not run"
            assert f"--{key}" in " ".join(section.notes)
            continue
        assert section.status == "ran", key
        assert section.rows, key
        numbers = [c for row in section.rows for c in row if isinstance(c, int | float)]
        assert numbers, f"{key} has no measured numbers"
        assert section.figures, key
        for fig in section.figures:
            assert (out / fig).stat().st_size > 1000, fig
            assert f"]({fig})" in text

    # the tables of the Not-so-Clevr tasks carry the models' parameter counts: the paper's 7,553,
    # the default regressor's 908 (the paper's is 906 at --readout max) and the default rendering
    # model's 11,850 (the paper's is 9,490 at --filter-size 2)
    assert re.search(r"\| coordconv \| quadrant \| 7,553 \|", text)
    assert re.search(r"\| coordconv \| quadrant \| 908 \|", text)
    assert re.search(r"\| coordconv \| quadrant \| 11,850 \|", text)

    capsys.readouterr()
    assert reproduce.main(argv) == 0
    rerun = capsys.readouterr().out
    assert rerun.count("already in the report") == len(reproduce.EXPERIMENTS)


def test_missing_data_path_is_a_usage_error(tmp_path, capsys):
    assert reproduce.main(["--imagenet", str(tmp_path / "nope")]) == 2
    assert "is not a directory" in capsys.readouterr().err


def _image_folder(root, classes: int, per_class: int, size: int = 32) -> None:
    """Write ``root/<class>/<i>.png`` images: class k is a bright square at its own place."""
    import numpy as np
    from PIL import Image

    rng = np.random.default_rng(0)
    for k in range(classes):
        folder = root / f"class{k}"
        folder.mkdir(parents=True)
        for i in range(per_class):
            img = rng.integers(0, 60, (size, size, 3), dtype=np.uint8)
            img[4 + 6 * k : 12 + 6 * k, 4:12] = 255
            Image.fromarray(img).save(folder / f"{i}.png")


@pytest.mark.filterwarnings("ignore::DeprecationWarning")
@pytest.mark.filterwarnings("ignore::UserWarning")
def test_imagenet_and_lsun_run_on_user_folders(tmp_path):
    imagenet, lsun = tmp_path / "imagenet", tmp_path / "lsun"
    _image_folder(imagenet / "train", classes=3, per_class=4)
    _image_folder(imagenet / "val", classes=3, per_class=2)
    _image_folder(lsun / "bedroom", classes=1, per_class=8, size=64)
    out = tmp_path / "report"
    argv = ["--preset", "tiny", "--only", "imagenet", "lsun", "--out", str(out)]
    argv += ["--runs", str(tmp_path / "runs"), "--device", "cpu"]
    argv += ["--imagenet", str(imagenet), "--lsun", str(lsun)]
    assert reproduce.main(argv) == 0

    imagenet_section = Section.load(out / "sections" / "imagenet.json")
    assert imagenet_section.status == "ran"
    assert [row[0] for row in imagenet_section.rows] == ["loss", "top1", "top5"]
    assert all(
        isinstance(row[1], float) and isinstance(row[2], float) for row in imagenet_section.rows
    )
    lsun_section = Section.load(out / "sections" / "lsun.json")
    assert lsun_section.status == "ran"
    assert [row[0] for row in lsun_section.rows] == ["conv", "coordconv-gd"]
    assert all((out / fig).is_file() for fig in lsun_section.figures)
