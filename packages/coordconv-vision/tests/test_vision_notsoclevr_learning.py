"""Honest learning tests (seeded, CPU): the paper's headline Not-so-Clevr results, really trained.

- the CoordConv classifier reaches 100% test accuracy on the quadrant and the uniform split;
- the CoordConv rendering model paints the unseen quadrant: test IOU >= 0.99 after 2 epochs (the
  default model: filter size 3, where map trained with the classification loss; the paper's
  end-to-end 9,490-parameter model reached 0.95-0.99 depending on the seed in 5-6 epochs, which
  the package README reports);
- the deconv classifier stays near chance (1/4096) on the quadrant split.

Budgets are the smallest that pass with margin on this CPU; the wall times are in the package
README.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from coordconv_vision.notsoclevr.config import NotSoClevrConfig
from coordconv_vision.notsoclevr.train import train

pytestmark = pytest.mark.slow


def _run(tmp_path: Path, **kwargs) -> dict:
    config = NotSoClevrConfig(
        out=tmp_path / "run", device="cpu", progress=False, figures=False, seed=0, **kwargs
    )
    return train(config)


# quadrant: 100% test accuracy after 2 epochs at lr 0.005 (1 epoch at lr 0.01 gives 21%);
# uniform: 100% after 1 epoch at lr 0.01
@pytest.mark.parametrize(("split", "epochs", "lr"), [("quadrant", 2, 0.005), ("uniform", 1, 0.01)])
def test_coordconv_classifier_generalises_perfectly(
    tmp_path: Path, split: str, epochs: int, lr: float
) -> None:
    results = _run(tmp_path, task="classification", model="coordconv", split=split, epochs=epochs,
                   lr=lr, eval_every=100)  # fmt: skip
    assert results["params"] == 7_553
    assert results["train_accuracy"] == 1.0
    assert results["test_accuracy"] == 1.0


def test_coordconv_renderer_paints_unseen_quadrant(tmp_path: Path) -> None:
    # seed 0 measured 0.9930 (epoch 2); seeds 1-3 ended higher
    results = _run(tmp_path, task="rendering", model="coordconv", split="quadrant", epochs=2,
                   eval_every=100)  # fmt: skip
    assert results["params"] == 11_850
    assert results["train_iou"] >= 0.99
    assert results["test_iou"] >= 0.99


def test_deconv_classifier_fails_on_the_quadrant(tmp_path: Path) -> None:
    results = _run(tmp_path, task="classification", model="deconv", split="quadrant", epochs=3,
                   lr=0.01, lr_step=0, eval_every=100)  # fmt: skip
    # it learns training positions (2.3% after 3 epochs, ~95x chance)...
    assert results["train_accuracy"] > 0.01
    # ...but not the unseen quadrant (chance is 1/4096)
    assert results["test_accuracy"] < 0.01
