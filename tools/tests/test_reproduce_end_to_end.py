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

    # the tables of the Not-so-Clevr tasks carry the paper's parameter counts
    assert re.search(r"\| coordconv \| quadrant \| 7,553 \|", text)
    assert re.search(r"\| coordconv \| quadrant \| 9,490 \|", text)

    capsys.readouterr()
    assert reproduce.main(argv) == 0
    rerun = capsys.readouterr().out
    assert rerun.count("already in the report") == len(reproduce.EXPERIMENTS)


def test_missing_data_path_is_a_usage_error(tmp_path, capsys):
    with pytest.raises(SystemExit) as info:
        reproduce.main(["--imagenet", str(tmp_path / "nope")])
    assert info.value.code == 2
    assert "is not a directory" in capsys.readouterr().err
