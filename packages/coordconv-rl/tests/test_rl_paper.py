"""The paper's RL claim (S8, table S7): the claim and the paper's row per environment, and the
verdict on each CoordConv agent (its mean final score over seeds against conv's)."""

from __future__ import annotations

import pytest

from coordconv_rl.games import PAPER_GAMES, TINY_ENV_ID
from coordconv_rl.paper import (
    ABLATION,
    TABLE_S7,
    TITLE,
    VARIANT_NAMES,
    ablation_conclusion,
    ablation_intervals,
    claim,
    paper_score,
    paper_text,
    variant_verdict,
)


def test_table_s7_is_the_games_table():
    assert len(TABLE_S7) == 9
    assert tuple(row.game for row in TABLE_S7) == PAPER_GAMES
    assert paper_score(TINY_ENV_ID) is None
    assert TITLE == "A2C on Atari and TargetReach (S8, table S7)"


def test_claim_and_paper_row_of_a_paper_game():
    row = paper_score("ALE/MsPacman-v5")
    assert row is not None
    assert claim(row.game, row) == f"{row.title}: CoordConv beats conv (table S7)"
    assert paper_text(row) == (f"{row.conv:,} vs {row.coordconv:,} (p {row.p_value}), 10M frames")


def test_claim_and_paper_row_of_our_task():
    assert claim(TINY_ENV_ID, None) == "TargetReach-v0: CoordConv learns as well as conv (our task)"
    assert paper_text(None) == "—"


def test_variant_verdict_compares_means_over_seeds():
    conv = {0: 10.0, 1: 20.0}  # mean 15
    assert variant_verdict("coordconv", conv, {0: 16.0}, "0.2").startswith(
        "CoordConv higher (p 0.2; "
    )
    assert variant_verdict("coordconv-zero", conv, {0: 0.0, 1: 30.0}, "—").startswith(
        "CoordConv (zero init) lower (p —; "  # a tie is not higher
    )
    assert variant_verdict("coordconv", conv, {0: 14.0, 1: 15.0}, "1").startswith(
        "CoordConv lower (p 1; "
    )


def test_variant_verdict_says_whether_the_runs_separate_conv_from_the_agent():
    """conv's IQM lead with its bootstrap interval: "supported" only when the interval
    excludes 0. Five runs each, every conv run above every CoordConv run: supported; the
    same scores interleaved: not."""
    conv = {s: 1.0 + 0.01 * s for s in range(5)}
    behind = {s: 0.2 + 0.01 * s for s in range(5)}
    said = variant_verdict("coordconv", conv, behind, "1e-06")
    head, interval = said.split(" [")
    assert head == "CoordConv lower (p 1e-06; IQM conv - CoordConv +0.800"  # 1.02 - 0.22
    low, high = (float(x) for x in interval.removesuffix("], supported)").split(", "))
    assert 0.75 < low < 0.8 < high < 0.85  # IQM differences of resampled runs: 0.8 +- 0.04
    mixed = {s: 1.0 + 0.01 * (4 - s) + (0.005 if s % 2 else -0.005) for s in range(5)}
    said = variant_verdict("coordconv-zero", conv, mixed, "0.9")
    assert said.endswith(", not distinguishable from 0)"), said


def test_variant_verdict_names_only_coordconv_agents():
    conv = {0: 10.0, 1: 20.0}
    from coordconv_rl.networks import VARIANTS

    assert set(VARIANT_NAMES) == set(VARIANTS) - {"conv"}  # every CoordConv agent has a name
    with pytest.raises(KeyError):
        variant_verdict("conv", conv, conv, "1")


def _cells(**iqm: float) -> dict[str, list[float]]:
    """Ten runs per agent around the given level (spread 0.02): conv, the paper's CoordConv
    and the four cells of the ablation, keyed by agent name."""
    return {agent: [level + 0.002 * (i - 4.5) for i in range(10)] for agent, level in iqm.items()}


def _ablation(conv: float, ortho_paper: float, ortho_conv: float, zero_paper: float,
              zero_conv: float) -> dict[str, list[float]]:  # fmt: skip
    return _cells(
        conv=conv,
        **{
            ABLATION[("paper", "orthogonal")]: ortho_paper,
            ABLATION[("conv", "orthogonal")]: ortho_conv,
            ABLATION[("paper", "zero")]: zero_paper,
            ABLATION[("conv", "zero")]: zero_conv,
        },
    )


def _conclusion(scores: dict[str, list[float]]) -> str:
    return ablation_conclusion(ablation_intervals(scores))


def test_ablation_conclusion_follows_which_differences_the_runs_support():
    """The sentence is built from the runs: each pattern of cells gives its own conclusion."""
    both = _conclusion(_ablation(1.5, 1.2, 1.5, 1.5, 1.5))
    assert both == (
        "conv leads the paper's CoordConv; neither orthogonal coordinate weights nor the paper's "
        "data scale alone slows it measurably; the two together do; started as the conv (zero "
        "coordinate weights), CoordConv is not distinguishable from conv."
    )
    coords = _conclusion(_ablation(1.5, 1.2, 1.2, 1.5, 1.5))
    assert "; orthogonal coordinate weights alone already slows it;" in coords
    scale = _conclusion(_ablation(1.5, 1.2, 1.5, 1.3, 1.5))
    assert "; the paper's data scale alone already slows it;" in scale
    zero_behind = _conclusion(_ablation(1.5, 1.2, 1.5, 1.5, 1.3))
    assert zero_behind.endswith("CoordConv is behind conv.")
    tie = _conclusion(_ablation(1.5, 1.5, 1.5, 1.5, 1.5))
    assert tie.startswith("conv and the paper's CoordConv are not distinguishable; started")
    ahead = _conclusion(_ablation(1.2, 1.5, 1.5, 1.5, 1.2))
    assert ahead.startswith("the paper's CoordConv leads conv;")
