"""The paper's RL claim (S8, table S7): the claim and the paper's row per environment, and the
verdict on each CoordConv agent (its mean final score over seeds against conv's)."""

from __future__ import annotations

import pytest

from coordconv_rl.games import PAPER_GAMES, TINY_ENV_ID
from coordconv_rl.paper import (
    TABLE_S7,
    TITLE,
    VARIANT_NAMES,
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
    assert variant_verdict("coordconv", conv, {0: 16.0}, "0.2") == "CoordConv higher (p 0.2)"
    assert variant_verdict("coordconv-zero", conv, {0: 0.0, 1: 30.0}, "—") == (
        "CoordConv (zero init) lower (p —)"  # a tie is not higher
    )
    assert variant_verdict("coordconv", conv, {0: 14.0, 1: 15.0}, "1") == "CoordConv lower (p 1)"
    from coordconv_rl.networks import VARIANTS

    assert set(VARIANT_NAMES) == set(VARIANTS) - {"conv"}  # every CoordConv agent has a name
    with pytest.raises(KeyError):
        variant_verdict("conv", conv, conv, "1")
