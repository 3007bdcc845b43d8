"""``coordconv-vision compare`` reproduces table S2's statistics from its own numbers (S5)."""

import json

import pytest

from coordconv_vision.cli import main
from coordconv_vision.compare import compare_results, format_table, parse_metric

# Table S2: the five runs of each model, (test loss, top-1, top-5): the baseline's, CoordConv's
TABLE_S2 = [
    ((1.43005, 0.75722, 0.92622), (1.42335, 0.75732, 0.92802)),
    ((1.42385, 0.75844, 0.9272), (1.42492, 0.75836, 0.92754)),
    ((1.42634, 0.75782, 0.92754), (1.42478, 0.75774, 0.92818)),
    ((1.42166, 0.75692, 0.92756), (1.42882, 0.75702, 0.92694)),
    ((1.42671, 0.75724, 0.92708), (1.42438, 0.75668, 0.92714)),
]
BASELINE = [baseline for baseline, _ in TABLE_S2]
COORDCONV = [coordconv for _, coordconv in TABLE_S2]


def as_results(rows):
    return [{"loss": a, "top1": b, "top5": c, "params": 1, "model": "x"} for a, b, c in rows]


def test_table_s2_means_and_the_papers_p_value():
    table = compare_results(as_results(COORDCONV), as_results(BASELINE))
    assert list(table) == ["loss", "top1", "top5"]  # bookkeeping and text entries left out
    assert table["loss"]["direction"] == "less"
    assert table["top5"]["direction"] == "greater"
    # the averages printed in table S2
    assert table["loss"]["baseline_mean"] == pytest.approx(1.425722)
    assert table["top1"]["candidate_mean"] == pytest.approx(0.757424)
    assert table["top5"]["candidate_mean"] == pytest.approx(0.927564)
    # S5: "a one-sided t-test tells that the improvement on Top 5 accuracy is not quite
    # statistically significant with p = .11"
    assert table["top5"]["p_value"] == pytest.approx(0.1155, abs=5e-4)
    assert table["top1"]["p_value"] > 0.5  # CoordConv's top-1 is (slightly) lower
    assert "top5" in format_table(table)


def test_welch_two_sided_by_hand():
    """Welch's statistic and Welch-Satterthwaite degrees of freedom, written out."""
    from scipy import stats

    table = compare_results(as_results(COORDCONV), as_results(BASELINE), welch=True, two_sided=True)
    a, b = [r[2] for r in COORDCONV], [r[2] for r in BASELINE]
    va, vb = (sum((x - sum(v) / 5) ** 2 for x in v) / 4 / 5 for v in (a, b))  # var / n
    t = (sum(a) / 5 - sum(b) / 5) / (va + vb) ** 0.5
    df = (va + vb) ** 2 / (va**2 / 4 + vb**2 / 4)
    assert table["top5"]["t_statistic"] == pytest.approx(t)
    assert table["top5"]["p_value"] == pytest.approx(2 * stats.t.sf(abs(t), df))
    assert table["top5"]["test"] == "welch two-sided"


def test_p_value_needs_two_runs_a_side():
    table = compare_results(as_results(COORDCONV[:1]), as_results(BASELINE))
    assert table["top5"]["p_value"] is None
    assert table["top5"]["candidate_std"] is None


def test_parse_metric():
    assert parse_metric("top5") == ("top5", "greater")
    assert parse_metric("box_loss") == ("box_loss", "less")
    assert parse_metric("x:less") == ("x", "less")


def test_cli_writes_json_and_refuses_bad_input(tmp_path, capsys):
    dirs = {}
    for side, rows in (("cc", COORDCONV), ("base", BASELINE)):
        dirs[side] = []
        for i, row in enumerate(as_results(rows)):
            run = tmp_path / f"{side}{i}"
            run.mkdir()
            (run / "results.json").write_text(json.dumps(row))
            dirs[side].append(str(run))
    out = tmp_path / "s2.json"
    argv = [
        "compare",
        *dirs["cc"],
        "--baseline",
        *dirs["base"],
        "--out",
        str(out),
        "--metric",
        "top5",
    ]
    assert main(argv) == 0
    written = json.loads(out.read_text())
    assert list(written["metrics"]) == ["top5"]
    assert written["metrics"]["top5"]["p_value"] == pytest.approx(0.1155, abs=5e-4)
    assert main(argv) == 2  # no silent overwrite
    assert "exists" in capsys.readouterr().err
    assert main([*argv, "--overwrite"]) == 0
    assert (
        main(
            [
                "compare",
                str(tmp_path),
                "--baseline",
                *dirs["base"],
                "--out",
                str(tmp_path / "o.json"),
            ]
        )
        == 2
    )
    assert "no results.json" in capsys.readouterr().err
    assert main([*argv[:-2], "--metric", "top5:sideways", "--overwrite"]) == 2


@pytest.mark.parametrize("command", ["imagenet", "detect", "compare"])
def test_part2_subcommands_have_help(command, capsys):
    with pytest.raises(SystemExit) as exc:
        main([command, "--help"])
    assert exc.value.code == 0
    assert "--out" in capsys.readouterr().out
