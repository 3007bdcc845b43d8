"""Typed preset settings: written as the same flags as before, checked when reproduce.py starts.

A misspelt or mistyped setting of any experiment of the chosen preset fails at once, with one
line naming it and exit status 2, before anything is written or run.
"""

from __future__ import annotations

import dataclasses

import pytest
import reproduce
from reproduction.budgets import GAN, NOTSOCLEVR, Detection, Variant
from reproduction.experiments import ORDER
from reproduction.presets import BUDGETS, check_preset
from reproduction.settings import SettingError, check_settings, format_number, to_argv


def _patch(monkeypatch, preset: str, key: str, **changes) -> None:
    budget = dataclasses.replace(BUDGETS[preset][key], **changes)
    monkeypatch.setitem(BUDGETS[preset], key, budget)


def _start(tmp_path, capsys, preset: str = "quick") -> tuple[int, list[str]]:
    out = tmp_path / "out"
    status = reproduce.main(["--preset", preset, "--out", str(out), "--only", "classification"])
    assert not out.exists()  # refused before anything is written
    return status, capsys.readouterr().err.splitlines()


def test_misspelt_setting_is_refused_at_start_with_one_line(monkeypatch, tmp_path, capsys):
    settings = {**BUDGETS["quick"]["vae"].settings, "lrr": 1e-3}
    _patch(monkeypatch, "quick", "vae", settings=settings)
    status, err = _start(tmp_path, capsys)  # --only classification: every experiment is checked
    assert status == 2
    assert err == [
        "reproduce: error: preset quick, experiment vae: unknown setting 'lrr' (did you mean 'lr'?)"
    ]


@pytest.mark.parametrize(
    ("key", "changes", "message"),
    [
        ("gan", {"settings": {"lr_d": "2e-4"}}, "setting 'lr_d' must be float, got str '2e-4'"),
        ("gan", {"settings": {"select": "bset"}}, "setting 'select' must be one of last, best"),
        ("gan", {"settings": {"seed": 3}}, "setting 'seed' is set by the reproduction itself"),
        ("gan", {"epochs": "20"}, "epochs must be int, got str '20'"),
        ("detection", {"settings": {"zzz": 1}}, "unknown setting 'zzz' (see coordconv-vision"),
        ("atari", {"models": ["conv", 3]}, "models must be list[str]"),
    ],
)
def test_mistyped_settings_are_refused_at_start(
    monkeypatch, tmp_path, capsys, key, changes, message
):
    _patch(monkeypatch, "tiny", key, **changes)
    status, err = _start(tmp_path, capsys, "tiny")
    assert status == 2
    assert len(err) == 1
    assert err[0].startswith(f"reproduce: error: preset tiny, experiment {key}: {message}")


def test_variant_settings_and_models_are_checked(monkeypatch):
    variants = dict(BUDGETS["quick"]["classification"].variants)
    variants["deconv"] = Variant(model="deconv", epochs=2, seeds=[0], settings={"epoch": 3})
    _patch(monkeypatch, "quick", "classification", variants=variants)
    with pytest.raises(SettingError, match="variant deconv: unknown setting 'epoch'"):
        check_preset("quick", ORDER)
    variants["deconv"] = Variant(model="decon", epochs=2, seeds=[0])
    with pytest.raises(SettingError, match="variant deconv: setting 'model' must be one of"):
        check_preset("quick", ORDER)


def test_a_preset_budgets_each_experiment_with_its_kind(monkeypatch):
    monkeypatch.setitem(BUDGETS["tiny"], "gan", BUDGETS["tiny"]["vae"])
    with pytest.raises(SettingError, match="experiment gan: the budget must be a Gan, not a Vae"):
        check_preset("tiny", ORDER)
    monkeypatch.setitem(BUDGETS["tiny"], "gna", BUDGETS["tiny"]["vae"])
    with pytest.raises(SettingError, match="unknown experiment 'gna' \\(did you mean 'gan'\\?\\)"):
        check_preset("tiny", ORDER)


def test_settings_are_written_as_the_flags_the_presets_always_had():
    assert BUDGETS["quick"]["gan"].as_dict()["args"] == (
        "--batch-size 32 --width-divisor 8 --lr-d 2e-4 --lr-g 2e-3 --beta1 0 --g-steps 1 "
        "--r1 5 --select best"
    )
    assert BUDGETS["tiny"]["classification"].as_dict()["args"] == "--train-limit 64"
    assert BUDGETS["quick"]["classification"].as_dict()["variants"]["deconv-torch-init"] == {
        "model": "deconv",
        "epochs": 15,
        "seeds": [100],
        "args": "--init torch",
    }
    assert to_argv({"figures": False, "progress": True, "log_with": ["a", "b"]}) == [
        "--no-figures",
        "--progress",
        "--log-with",
        "a",
        "b",
    ]


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (2e-4, "2e-4"),
        (2e-3, "2e-3"),
        (0.5, "0.5"),
        (0, "0"),
        (5, "5"),
        (1e-10, "1e-10"),
        (0.1 + 0.2, "0.30000000000000004"),
        (123456.0, "123456.0"),
        (1.5e-5, "1.5e-5"),
    ],
)
def test_numbers_are_written_short_and_read_back_exactly(value, text):
    assert format_number(value) == text
    assert float(text) == value


def test_the_flags_must_mean_the_settings():
    check_settings(NOTSOCLEVR, {"train_limit": 64, "figures": False})
    check_settings(GAN, {"lr_d": 2e-4, "beta1": 0, "n_train": 100})
    with pytest.raises(SettingError, match="coordconv-generative gan refuses the settings"):
        check_settings(GAN, {"n_train": None})  # no flag says None
    with pytest.raises(SettingError, match="unknown setting 'n_trian' \\(did you mean 'n_train'"):
        check_settings(GAN, {"n_trian": 5})
    assert Detection(estimate_s=None, n_train=1, n_test=1, epochs=1, seeds=[0]).check() is None
