"""Every JSON the project writes is strict (coordconv_train.strict_json)."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest
import torch

from coordconv_train import RunDir, write_json_atomic
from coordconv_train.strict_json import NON_FINITE, dumps


def strict_load(text: str):
    def refuse(name: str):
        raise ValueError(f"bare {name} in the JSON")

    return json.loads(text, parse_constant=refuse)


def test_results_with_nan_and_inf_are_strict_json_with_a_note(tmp_path: Path) -> None:
    results = {
        "loss": math.nan,
        "eval": {"fid": math.inf, "scores": [1.0, -math.inf], "ok": 2.5},
        "np": np.float32("nan"),
        "t": torch.tensor(float("inf")),
        "n": 3,
        "path": tmp_path,
    }
    path = write_json_atomic(tmp_path / "results.json", results)
    data = strict_load(path.read_text())
    assert data["loss"] is None
    assert data["eval"]["fid"] is None
    assert data["np"] is None
    assert data["eval"]["scores"] == [1.0, None]
    assert data["eval"]["ok"] == 2.5
    assert data["t"] is None
    assert data["n"] == 3
    assert data["path"] == str(tmp_path)
    assert data[NON_FINITE] == ["loss", "eval.fid", "eval.scores.1", "np", "t"]


def test_finite_records_are_written_exactly_as_before(tmp_path: Path) -> None:
    record = {"step": 3, "loss": 0.125, "xs": [1, 2.5], "name": "a"}
    assert dumps(record) == json.dumps(record)
    assert dumps(record, indent=2) == json.dumps(record, indent=2)


def test_metrics_records_with_nan_stay_readable(tmp_path: Path) -> None:
    run = RunDir(tmp_path / "run")
    run.prepare({"lr": 0.1})
    run.log({"step": 1, "loss": math.nan})
    run.log({"step": 2, "loss": 0.5})
    lines = (tmp_path / "run" / "metrics.jsonl").read_text().splitlines()
    assert [strict_load(line) for line in lines] == [
        {"step": 1, "loss": None, NON_FINITE: ["loss"]},
        {"step": 2, "loss": 0.5},
    ]
    assert strict_load((tmp_path / "run" / "config.json").read_text()) == {"lr": 0.1}


def test_a_config_with_an_infinite_value_is_written_strictly(tmp_path: Path) -> None:
    run = RunDir(tmp_path / "run")
    run.prepare({"lr": math.inf})
    data = strict_load((tmp_path / "run" / "config.json").read_text())
    assert data == {"lr": None, NON_FINITE: ["lr"]}
    with pytest.raises(ValueError, match="bare NaN"):
        strict_load('{"loss": NaN}')  # what json.dumps alone would have written
