"""Honest learning tests (seeded, CPU): the paper's headline Not-so-Clevr results, really trained.

- the CoordConv classifier reaches 100% test accuracy on the quadrant and the uniform split
  (paper S2: "perfect" on both);
- the CoordConv rendering model paints the unseen quadrant with test IOU >= 0.99 (S4: ~1.0);
- the deconv classifier stays near chance (1/4096) on the quadrant split.

Each claim is checked on seeds 100, 101 and 102, the quick preset's claim seeds, fixed in
advance (issue 22): the package's recipe was chosen looking at seeds 0-9, so a claim is never
scored on those (``tools/sweeps/notsoclevr_inits.py`` runs seeds 100-109 per init). The models
start as the package defaults (the CoordConv painters' ``--init equivariant``, ours; the deconv
baseline PyTorch's default), with nothing tuned per seed. The thresholds are the paper's.
``.ci/run`` runs this file a second time under ``ATEN_CPU_CAPABILITY=avx2`` (another CPU
arithmetic path, so another training trajectory); the claims must hold on both.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from coordconv_vision.notsoclevr.config import NotSoClevrConfig
from coordconv_vision.notsoclevr.train import train

pytestmark = pytest.mark.slow
SEEDS = (100, 101, 102)


def _run(tmp_path: Path, **kwargs) -> dict:
    config = NotSoClevrConfig(
        out=tmp_path / "run", device="cpu", progress=False, figures=False, **kwargs
    )
    return train(config)


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("split", ["quadrant", "uniform"])
def test_coordconv_classifier_generalises_perfectly(tmp_path: Path, split: str, seed: int) -> None:
    results = _run(tmp_path, task="classification", model="coordconv", split=split, seed=seed,
                   eval_every=100)  # fmt: skip
    assert results["params"] == 7_553
    assert results["train_accuracy"] == 1.0
    assert results["test_accuracy"] == 1.0


@pytest.mark.parametrize("seed", SEEDS)
def test_coordconv_renderer_paints_unseen_quadrant(tmp_path: Path, seed: int) -> None:
    results = _run(tmp_path, task="rendering", model="coordconv", split="quadrant", seed=seed,
                   eval_every=100)  # fmt: skip
    assert results["params"] == 11_850
    assert results["train_iou"] >= 0.99
    assert results["test_iou"] >= 0.99


def test_deconv_classifier_fails_on_the_quadrant(tmp_path: Path) -> None:
    results = _run(tmp_path, task="classification", model="deconv", split="quadrant", epochs=3,
                   lr=0.01, lr_step=0, eval_every=100, seed=100)  # fmt: skip
    # it learns training positions (~95x chance after 3 epochs)...
    assert results["train_accuracy"] > 0.01
    # ...but not the unseen quadrant (chance is 1/4096)
    assert results["test_accuracy"] < 0.01
