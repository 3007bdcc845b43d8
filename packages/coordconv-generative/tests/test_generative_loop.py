"""The shared resumable loop of ``coordconv_generative.loop`` with a stand-in training step.

The step records the batches it is given, so these tests check exactly which data the loop
feeds, when it logs, snapshots and checkpoints, and that a stopped-and-resumed run sees the
same batches, in the same order, as one straight run; then that real GAN and VAE runs resume
to the very same weights.
"""

from __future__ import annotations

import json
import signal
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import torch
from safetensors.torch import load_file
from torch.utils.data import TensorDataset

from coordconv_generative.cli import main
from coordconv_generative.loop import Progress, epoch_steps, new_run, open_run, train_epochs
from coordconv_train import UserError, is_stopped, load_checkpoint, make_accelerator

DATA = TensorDataset(torch.arange(10).view(10, 1))  # item i is the tensor [i]


@dataclass
class Cfg:
    out: Path
    resume: bool = False
    overwrite: bool = False
    epochs: int = 2
    max_steps: int | None = None
    batch_size: int = 2
    seed: int = 3
    num_workers: int = 0
    log_every: int = 4
    device: str = "cpu"
    amp: bool = False
    log_with: list[str] = field(default_factory=list)


def _train(cfg: Cfg, *, log_first_step: bool = False) -> tuple[Progress, list, list, Any]:
    """Run the loop; return its progress, the batches seen, the snapshots and the run dir."""
    run = new_run(cfg)
    resumed = open_run(run)
    seen: list[list[int]] = []
    snapshots: list[tuple[str, int]] = []

    def step(batch: torch.Tensor) -> dict[str, float]:  # batch (2, 1) int64
        seen.append(batch.view(-1).tolist())
        return {"loss": float(batch.sum())}

    def snapshot(tag: str, at: int) -> None:
        snapshots.append((tag, at))

    progress = train_epochs(
        step, cfg=cfg, dataset=DATA, run=run, resumed=resumed,
        checkpoint_state=lambda: {"seen": len(seen)}, snapshot=snapshot, desc="test",
        log_first_step=log_first_step,
    )  # fmt: skip
    return progress, seen, snapshots, run.dir


def test_loop_feeds_every_epoch_once_logs_and_snapshots(tmp_path):
    progress, seen, snapshots, run = _train(Cfg(tmp_path / "a"))
    assert progress.step == 10  # 10 items / batch 2 = 5 steps per epoch, 2 epochs
    assert progress.steps_per_epoch == 5
    assert progress.stopped is None
    first, second = seen[:5], seen[5:]
    assert sorted(i for batch in first for i in batch) == list(range(10))  # every item once
    assert sorted(i for batch in second for i in batch) == list(range(10))
    assert first != second  # epochs are shuffled differently
    assert [r["step"] for r in run.metrics()] == [4, 8, 10]  # every 4th step and the last
    assert run.metrics()[0] == {"step": 4, "epoch": 0, "loss": float(sum(seen[3]))}
    assert snapshots == [("_epoch001", 5), ("_epoch002", 10)]
    state = load_checkpoint(run.checkpoint)
    assert (state["seen"], state["step"]) == (10, 10)
    assert progress.summary() == {
        "epochs": 2.0,
        "steps": 10,
        "wall_time_s": progress.wall_time_s,
        "loss": float(sum(seen[-1])),
    }


def test_loop_logs_the_first_step_when_asked(tmp_path):
    cfg = Cfg(tmp_path / "a", max_steps=6, log_every=5)
    _, _, _, run = _train(cfg, log_first_step=True)
    assert [r["step"] for r in run.metrics()] == [1, 5, 6]


def test_stopped_then_resumed_run_sees_the_batches_of_a_straight_run(tmp_path):
    _, straight, straight_snaps, straight_run = _train(Cfg(tmp_path / "straight"))
    part = Cfg(tmp_path / "resumed", max_steps=3)
    progress, first, snaps, _ = _train(part)
    assert progress.step == 3
    assert load_checkpoint(part.out / "checkpoint.safetensors")["step"] == 3
    progress, rest, more_snaps, run = _train(Cfg(part.out, resume=True))
    assert progress.step == 10
    assert first + rest == straight
    assert snaps + more_snaps == straight_snaps
    # the same records, plus the one the first part wrote at its last step (its budget's end)
    assert [r["step"] for r in run.metrics()] == [3, 4, 8, 10]
    assert run.metrics()[1:] == straight_run.metrics()


def test_a_set_smaller_than_one_batch_is_refused():
    accelerator = make_accelerator("cpu", amp=False)
    assert epoch_steps(DATA, 10, accelerator) == 1
    with pytest.raises(UserError, match="10 images are fewer than one batch of 11"):
        epoch_steps(DATA, 11, accelerator)


@pytest.mark.parametrize("kind", ["gan", "vae"])
def test_a_resumed_training_run_ends_exactly_as_a_straight_one(kind, shapes_file, tmp_path):
    """Stop after 1 step, resume to 3 (across an epoch end): the same weights and losses."""
    tiny = [kind, "--data", str(shapes_file), "--width-divisor", "16", "--batch-size", "8",
            "--n-train", "16", "--device", "cpu", "--log-every", "1"]  # fmt: skip
    straight, resumed = tmp_path / "straight", tmp_path / "resumed"
    assert main([*tiny, "--max-steps", "3", "--out", str(straight)]) == 0
    assert main([*tiny, "--max-steps", "1", "--out", str(resumed)]) == 0
    assert main([*tiny, "--max-steps", "3", "--out", str(resumed), "--resume"]) == 0
    a, b = (json.loads((d / "results.json").read_text()) for d in (straight, resumed))
    for key in ("wall_time_s", "weights"):
        a.pop(key), b.pop(key)
    assert a == b
    assert (straight / "metrics.jsonl").read_text() == (resumed / "metrics.jsonl").read_text()
    for name in ("weights.safetensors", "weights_epoch001.safetensors"):
        x, y = load_file(straight / name), load_file(resumed / name)
        assert x.keys() == y.keys()
        assert all(torch.equal(x[k], y[k]) for k in x), name


def test_a_signal_stops_after_its_step_and_resume_sees_the_rest(tmp_path):
    """SIGTERM during step 3: that step completes, the checkpoint holds it, the run says
    stopped (status "stopped"), and --resume feeds the batches a straight run would."""
    _, straight, _, _ = _train(Cfg(tmp_path / "straight"))
    cfg = Cfg(tmp_path / "stopped")
    run = new_run(cfg)
    seen: list[list[int]] = []

    def step(batch: torch.Tensor) -> dict[str, float]:
        seen.append(batch.view(-1).tolist())
        if len(seen) == 3:
            signal.raise_signal(signal.SIGTERM)  # handled by the run: a flag, not a kill
        return {"loss": float(batch.sum())}

    progress = train_epochs(
        step, cfg=cfg, dataset=DATA, run=run, resumed=open_run(run),
        checkpoint_state=lambda: {}, snapshot=lambda tag, at: None, desc="test",
    )  # fmt: skip
    assert progress.stopped == {"status": "stopped", "step": 3}
    assert is_stopped(progress.stopped)
    assert load_checkpoint(cfg.out / "checkpoint.safetensors")["step"] == 3
    assert not (cfg.out / "results.json").exists()
    _, rest, _, _ = _train(Cfg(cfg.out, resume=True))
    assert seen + rest == straight
