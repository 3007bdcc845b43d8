"""Honest learning test (seeded, CPU): the CoordConv regressor generalises perfectly (paper S3),
and so does its control, because the read-out supplies the coordinates.

The paper's claim for its CoordConv regressor is perfect generalisation on both splits. Its own
906-parameter model (global max pool) reaches it on only a few seeds (package README, and the
committed sweep docs/measured/regression_readouts.json), so this tests OUR regressor, the default
of ``--task regression --model coordconv``: table S1's layers read out by a soft-argmax + learned
offset (908 parameters). Property asserted: at least 99% of the test positions exactly right
(rounded prediction == centre) on the unseen quadrant for claim seeds 100, 101, 102 fixed in
advance, and on the uniform split for seed 100. The claim needs its control: the same layers,
read-out, init and training without the coordinate channels (``--model conv --readout
softargmax``, 892 parameters) is exact as well (quadrant, seed 100), so what makes this regressor
exact is the soft-argmax read-out, not the coordinate channels; the README and the report say so.
The CLI trains 5 epochs (the documented sweep, seeds 100-109 at 5 epochs: 10/10 exact for both
rows on both splits, docs/measured/regression_readouts.json); these runs get 2. With the test
checked after every epoch, the five runs below were 100% exact after epoch 2, 2, 1, 2 and 1 (train
loss of epoch 2 at most 0.04), so 2 epochs keep the five runs within the time of the four at 3
epochs this test ran before.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from coordconv_vision.notsoclevr.config import NotSoClevrConfig
from coordconv_vision.notsoclevr.train import train

pytestmark = pytest.mark.slow
EPOCHS = 2
PARAMS = {"coordconv": 908, "conv": 892}


@pytest.mark.parametrize(
    ("model", "split", "seed"),
    [
        ("coordconv", "quadrant", 100),
        ("coordconv", "quadrant", 101),
        ("coordconv", "quadrant", 102),
        ("coordconv", "uniform", 100),
        ("conv", "quadrant", 100),
    ],
)
def test_softargmax_regressor_is_exact_on_unseen_positions(
    tmp_path: Path, model: str, split: str, seed: int
) -> None:
    config = NotSoClevrConfig(task="regression", model=model, readout="softargmax", split=split,
                              seed=seed, epochs=EPOCHS, eval_every=100, out=tmp_path / "run",
                              device="cpu", progress=False, figures=False)  # fmt: skip
    results = train(config)
    assert results["params"] == PARAMS[model]
    # "generalises perfectly": at least 99% of the unseen positions exactly right
    assert results["train_accuracy"] >= 0.99
    assert results["test_accuracy"] >= 0.99
