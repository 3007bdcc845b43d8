"""Checkpoints: exact round trip of nested training state, atomic writes, damaged files refused."""

from __future__ import annotations

import pytest
import torch

from coordconv_core.training import CheckpointError, load_checkpoint, save_checkpoint


def _trained_state() -> tuple[torch.nn.Module, torch.optim.Optimizer]:
    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.BatchNorm1d(4))
    opt = torch.optim.Adam(model.parameters(), lr=1e-2, betas=(0.8, 0.9))
    for _ in range(3):
        opt.zero_grad()
        model(torch.randn(8, 3)).pow(2).mean().backward()
        opt.step()
    return model, opt


def test_round_trip_restores_model_optimizer_and_plain_values(tmp_path):
    model, opt = _trained_state()
    state = {
        "model": model.state_dict(),
        "optimizer": opt.state_dict(),
        "epoch": 7,
        "history": [0.5, 0.25],
        "pair": (1, "a"),
        "none": None,
        "rng": torch.get_rng_state(),
    }
    path = save_checkpoint(tmp_path / "ck.safetensors", state)
    loaded = load_checkpoint(path)

    assert loaded["epoch"] == 7
    assert loaded["history"] == [0.5, 0.25]
    assert loaded["pair"] == (1, "a")
    assert loaded["none"] is None
    assert torch.equal(loaded["rng"], state["rng"])
    for key, value in model.state_dict().items():
        assert torch.equal(loaded["model"][key], value), key
    assert loaded["model"]["1.num_batches_tracked"].dtype == torch.int64

    # An optimizer restored from the checkpoint takes exactly the same next step.
    model2, _ = _trained_state()
    opt2 = torch.optim.Adam(model2.parameters(), lr=1.0)
    opt2.load_state_dict(loaded["optimizer"])
    assert opt2.param_groups[0]["lr"] == 1e-2
    assert tuple(opt2.param_groups[0]["betas"]) == (0.8, 0.9)
    x = torch.randn(8, 3)
    for m, o in ((model, opt), (model2, opt2)):
        o.zero_grad()
        m(x).pow(2).mean().backward()
        o.step()
    for a, b in zip(model.parameters(), model2.parameters(), strict=True):
        assert torch.equal(a, b)


def test_save_leaves_no_temporary_file_and_replaces_atomically(tmp_path):
    path = tmp_path / "sub" / "ck.safetensors"
    save_checkpoint(path, {"step": 1})
    save_checkpoint(path, {"step": 2})
    assert load_checkpoint(path)["step"] == 2
    assert sorted(p.name for p in path.parent.iterdir()) == ["ck.safetensors"]


@pytest.mark.parametrize("cut", [1, 100, 0.5])
def test_truncated_checkpoint_is_refused_with_clear_error(tmp_path, cut):
    model, _ = _trained_state()
    path = save_checkpoint(tmp_path / "ck.safetensors", {"model": model.state_dict()})
    data = path.read_bytes()
    keep = int(len(data) * cut) if isinstance(cut, float) else len(data) - cut
    path.write_bytes(data[:keep])
    with pytest.raises(CheckpointError, match="damaged or truncated"):
        load_checkpoint(path)


def test_missing_and_foreign_files_are_refused(tmp_path):
    with pytest.raises(CheckpointError, match="does not exist"):
        load_checkpoint(tmp_path / "nope.safetensors")
    from safetensors.torch import save_file

    save_file({"w": torch.zeros(2)}, str(tmp_path / "foreign.safetensors"))
    with pytest.raises(CheckpointError, match="not a coordconv checkpoint"):
        load_checkpoint(tmp_path / "foreign.safetensors")


def test_unstorable_values_are_rejected_before_writing(tmp_path):
    with pytest.raises(TypeError, match="cannot store object"):
        save_checkpoint(tmp_path / "ck.safetensors", {"x": object()})
    assert not (tmp_path / "ck.safetensors").exists()
