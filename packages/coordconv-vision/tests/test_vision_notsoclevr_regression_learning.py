"""Honest learning test (seeded, CPU): the CoordConv regressor generalises perfectly (paper S3).

The paper's claim for its CoordConv regressor is perfect generalisation on both splits. Its own
906-parameter model (global max pool) got there for only 1-4 of seeds 0-9 here (package README),
so this tests OUR regressor, the default of ``--task regression --model coordconv``: table S1's layers
read out by a soft-argmax + learned offset (908 parameters). Property asserted: at least 99% of
the test positions exactly right (rounded prediction == centre) on the unseen quadrant, for seeds
0, 1, 2 fixed in advance, and on the uniform split; the same under ``ATEN_CPU_CAPABILITY=avx2``.
The CLI default trains 5 epochs; seeds 0-9 reached 100% test accuracy on both splits after 1-2
epochs here (seed 6 after 3), under both kernel paths; seeds 0-2 here get 3.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from coordconv_vision.notsoclevr.config import NotSoClevrConfig
from coordconv_vision.notsoclevr.train import train

pytestmark = pytest.mark.slow
EPOCHS = 3


@pytest.mark.parametrize(
    ("split", "seed"), [("quadrant", 0), ("quadrant", 1), ("quadrant", 2), ("uniform", 0)]
)
def test_coordconv_regressor_is_exact_on_unseen_positions(
    tmp_path: Path, split: str, seed: int
) -> None:
    config = NotSoClevrConfig(task="regression", model="coordconv", split=split, seed=seed,
                              epochs=EPOCHS, eval_every=100, out=tmp_path / "run", device="cpu",
                              progress=False, figures=False)  # fmt: skip
    results = train(config)
    assert results["params"] == 908
    # "generalises perfectly": at least 99% of the unseen positions exactly right
    assert results["train_accuracy"] >= 0.99
    assert results["test_accuracy"] >= 0.99
