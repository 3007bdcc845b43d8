"""A stop signal that reaches one of two processes stops both, at the same step (gloo, torchrun)."""

from __future__ import annotations

import json
import os
import socket
from pathlib import Path

from coordconv_train.testing import run_python

# both trainers below start the same way: a tiny config and an opened Run on each process
_OPEN_RUN = """
import json, os, signal, sys
from pathlib import Path

from coordconv_train import NonFiniteLoss, Run
from coordconv_train.cli import end_process_group
from coordconv_train.testing import TinyRunConfig

run = Run(TinyRunConfig(Path(sys.argv[1])), project="test")
run.open()
rank = run.accelerator.process_index
result = None
"""

_TRAINER = (
    _OPEN_RUN
    + """with run.stopping():
    for step in range(1, 101):
        if rank == 1 and step == 3:  # only this process is told to stop
            signal.raise_signal(signal.SIGTERM)
        if run.should_stop(step):
            run.checkpoint({"step": step})
            result = run.stopped(step=step)
            break
Path(sys.argv[1], f"rank{rank}.json").write_text(json.dumps(result))
end_process_group()  # as a console script ends (coordconv_train.cli.console_main)
"""
)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _torchrun(trainer: str, tmp_path: Path) -> tuple[Path, list[dict]]:
    """``trainer`` on two processes (torchrun, gloo): its run directory and what each rank
    wrote there."""
    script, out = tmp_path / "trainer.py", tmp_path / "run"
    script.write_text(trainer)
    proc = run_python(
        "-m", "torch.distributed.run", "--nproc-per-node", "2",
        "--master-addr", "127.0.0.1", "--master-port", str(_free_port()),
        str(script), str(out),
        env={**os.environ, "OMP_NUM_THREADS": "1"}, timeout_s=240,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr[-3000:]
    return out, [json.loads((out / f"rank{r}.json").read_text()) for r in (0, 1)]


def test_a_signal_on_one_process_stops_both_at_the_same_step(tmp_path: Path) -> None:
    out, results = _torchrun(_TRAINER, tmp_path)
    # rank 0 never saw a signal; both stop at the first agreement step after rank 1's signal
    assert results == [{"status": "stopped", "step": 10}] * 2
    assert (out / "checkpoint.safetensors").is_file()


_NAN_TRAINER = (
    _OPEN_RUN
    + """with run.stopping():
    try:
        for step in range(1, 101):
            run.check_finite(float("nan") if rank == 1 and step >= 3 else 1.0, step=step)
            if run.should_stop(step):
                break
    except NonFiniteLoss as exc:
        result = {"step": step, "error": str(exc)}
Path(sys.argv[1], f"rank{rank}.json").write_text(json.dumps(result))
end_process_group()  # as a console script ends (coordconv_train.cli.console_main)
"""
)


def test_a_nan_on_one_process_stops_both_at_the_same_agreement(tmp_path: Path) -> None:
    """Only rank 1 sees the NaN; both raise at the next agreement step (no rank left hanging
    in a collective), the lock (taken by rank 0 only) is let go."""
    out, results = _torchrun(_NAN_TRAINER, tmp_path)
    assert [r["step"] for r in results] == [10, 10]
    assert results[1]["error"].startswith("the loss became nan at step 3; ")
    assert results[0]["error"].startswith(
        "the loss became non-finite on another process at step 10; "
    )
    assert not (out / ".coordconv-run.lock").exists()
