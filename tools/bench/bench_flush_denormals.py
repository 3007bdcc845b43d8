"""Benchmark: CPU training steps with and without flushing denormal floats to zero.

``coordconv_train.flush_denormals`` sets torch's flush-to-zero while the Not-so-Clevr
trainer runs on CPU. Late in training, small activations and gradients fall into the float
denormal range, where x86 maths is many times slower. This script trains the default CoordConv
rendering model (paper S4; 3x3 painting convs, where map trained as the classifier) on the
quadrant split for ``--warmup-steps`` steps, then times ``--steps`` further steps from that same
state with flushing off and on, alternating for ``--rounds`` rounds, and checks that both give the
same loss.

    python tools/bench/bench_flush_denormals.py [--threads 1] [--warmup-steps 75] [--steps 40]

Reported: median seconds per step of each mode and their ratio (flushed / default; below 1 is
faster). The machine is shared, so the numbers are noisy.
"""

from __future__ import annotations

import argparse
import contextlib
import copy
import statistics
import time

import torch

from coordconv_train import flush_denormals
from coordconv_vision.notsoclevr.config import NotSoClevrConfig, resolve
from coordconv_vision.notsoclevr.data import TaskData, load_task_data
from coordconv_vision.notsoclevr.models import build_model
from coordconv_vision.notsoclevr.train import batch_loss, make_optimizer


def run_steps(
    model: torch.nn.Module,
    opt: torch.optim.Optimizer,
    config: NotSoClevrConfig,
    data: TaskData,
    batches: list[torch.Tensor],
) -> float:
    """Train on each index batch in turn; returns the last loss."""
    loss = torch.zeros(())
    for idx in batches:
        loss = batch_loss(model, config, data, idx)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
    return loss.item()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--warmup-steps", type=int, default=75)
    parser.add_argument("--steps", type=int, default=40)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    config = resolve(NotSoClevrConfig(task="rendering", model="coordconv", split="quadrant"))
    data = load_task_data("rendering", "quadrant")
    model = build_model("rendering", "coordconv", "quadrant", filter_size=config.filter_size,
                        where_loss=config.where_loss)  # fmt: skip
    opt = make_optimizer(model, config.lr, config.wd)
    gen = torch.Generator().manual_seed(args.seed)
    order = data.train[torch.randperm(len(data.train), generator=gen)]
    batches = list(order.split(config.batch_size))
    warmup = [batches[i % len(batches)] for i in range(args.warmup_steps)]
    timed = [batches[(args.warmup_steps + i) % len(batches)] for i in range(args.steps)]
    with flush_denormals(torch.device("cpu")):
        run_steps(model, opt, config, data, warmup)
    print(f"warmed up {args.warmup_steps} steps; timing {args.steps} steps per mode")

    seconds: dict[str, list[float]] = {"default": [], "flushed": []}
    losses: dict[str, float] = {}
    for _ in range(args.rounds):
        for mode in ("default", "flushed"):
            m, o = copy.deepcopy((model, opt))  # one deepcopy: o steps m's parameters
            flushing = mode == "flushed"
            start = time.perf_counter()
            with flush_denormals(torch.device("cpu")) if flushing else contextlib.nullcontext():
                losses[mode] = run_steps(m, o, config, data, timed)
            seconds[mode].append((time.perf_counter() - start) / args.steps)
    per_step = {mode: statistics.median(s) for mode, s in seconds.items()}
    for mode, s in per_step.items():
        print(f"{mode:8s} {s * 1000:7.1f} ms/step  last loss {losses[mode]:.6f}")
    print(f"ratio flushed / default: {per_step['flushed'] / per_step['default']:.3f}")


if __name__ == "__main__":
    main()
