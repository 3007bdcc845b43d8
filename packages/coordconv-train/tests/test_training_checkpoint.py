"""Checkpoints: exact round trip of nested training state (tied weights too), atomic writes that
survive a failed write, damaged files refused."""

from __future__ import annotations

import errno
from pathlib import Path

import pytest
import torch

from coordconv_train import CheckpointError, load_checkpoint, save_checkpoint


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


def test_tied_weights_are_stored_once_and_stay_tied(tmp_path):
    class Tied(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.embed = torch.nn.Embedding(5, 3)
            self.head = torch.nn.Linear(3, 5, bias=False)
            self.head.weight = self.embed.weight  # weight tying

    model = Tied()
    opt = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    model.head(model.embed(torch.tensor([1, 2]))).sum().backward()
    opt.step()
    state = {"model": model.state_dict(), "optimizer": opt.state_dict()}
    loaded = load_checkpoint(save_checkpoint(tmp_path / "ck.safetensors", state))
    assert loaded["model"]["embed.weight"] is loaded["model"]["head.weight"]
    assert torch.equal(loaded["model"]["embed.weight"], model.embed.weight)
    again = Tied()
    again.load_state_dict(loaded["model"])
    assert again.head.weight is again.embed.weight
    assert torch.equal(again.head.weight, model.head.weight)


def test_overlapping_views_are_stored_as_copies(tmp_path):
    whole = torch.arange(10.0)
    state = {"whole": whole, "part": whole[2:5], "strided": whole[::2], "again": whole}
    loaded = load_checkpoint(save_checkpoint(tmp_path / "ck.safetensors", state))
    for key, value in state.items():
        assert torch.equal(loaded[key], value), key
    assert loaded["again"] is loaded["whole"]


def _partial_writer(real, fraction=0.5, exc=None):
    """A stand-in for safetensors' ``save_file`` that writes part of the real bytes, then fails."""

    def save_file(tensors, filename, metadata=None):
        real(tensors, filename, metadata=metadata)
        data = Path(filename).read_bytes()
        Path(filename).write_bytes(data[: int(len(data) * fraction)])
        raise exc or OSError(errno.ENOSPC, "No space left on device", filename)

    return save_file


@pytest.mark.parametrize("exc", [None, KeyboardInterrupt()])
def test_a_write_that_fails_part_way_keeps_the_previous_checkpoint(tmp_path, monkeypatch, exc):
    import safetensors.torch

    model, _ = _trained_state()
    path = save_checkpoint(tmp_path / "ck.safetensors", {"model": model.state_dict(), "step": 1})
    before = path.read_bytes()
    monkeypatch.setattr(
        safetensors.torch, "save_file", _partial_writer(safetensors.torch.save_file, exc=exc)
    )
    if exc is not None:  # a second Ctrl-C in the middle of the write
        with pytest.raises(KeyboardInterrupt):
            save_checkpoint(path, {"model": model.state_dict(), "step": 2})
    else:
        with pytest.raises(CheckpointError, match="No space left on device") as info:
            save_checkpoint(path, {"model": model.state_dict(), "step": 2})
        assert "\n" not in str(info.value)
        assert "previous checkpoint is kept" in str(info.value)
    monkeypatch.undo()
    assert path.read_bytes() == before
    assert load_checkpoint(path)["step"] == 1
    assert [p.name for p in tmp_path.iterdir()] == ["ck.safetensors"]  # no temporary file left


def test_a_checkpoint_of_another_run_is_refused_by_name(tmp_path):
    """A checkpoint remembers its run's config.json: copied into a run of another model or
    another trainer it is refused on load, naming what differs; a resumable setting (epochs)
    may differ."""
    import json

    mine, other = tmp_path / "mine", tmp_path / "other"
    for run, model in ((mine, "conv"), (other, "coordconv")):
        run.mkdir()
        (run / "config.json").write_text(json.dumps({"model": model, "epochs": 3, "out": str(run)}))
        save_checkpoint(run / "checkpoint.safetensors", {"step": 1})
    (mine / "checkpoint.safetensors").write_bytes((other / "checkpoint.safetensors").read_bytes())
    with pytest.raises(CheckpointError, match="another run \\(model 'coordconv', not 'conv'\\)"):
        load_checkpoint(mine / "checkpoint.safetensors")
    (mine / "config.json").write_text(json.dumps({"arch": "lsun", "out": str(mine)}))
    with pytest.raises(CheckpointError, match="foreign checkpoint"):
        load_checkpoint(mine / "checkpoint.safetensors")
    (mine / "config.json").write_text(
        json.dumps({"model": "coordconv", "epochs": 9, "out": str(mine)})
    )
    assert load_checkpoint(mine / "checkpoint.safetensors")["step"] == 1
