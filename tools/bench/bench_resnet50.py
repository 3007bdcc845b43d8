"""Training throughput of CoordConv ResNet-50 against plain ResNet-50, measured in the same run.

S5 / table S2 (Liu et al., NeurIPS 2018, arXiv:1807.03247): the CoordConv variant adds a 1x1
CoordConv (RGB + i, j, r -> 8 channels) in front of a ResNet-50 whose first conv takes 8 channels.
Goal: its training throughput at >= 0.97x the baseline's. The models are timed in alternating
rounds (so background load hits both alike) and the median round gives images/s.

    python tools/bench/bench_resnet50.py                                   # CPU, 64x64, batch 8
    python tools/bench/bench_resnet50.py --device cuda --size 224 --batch 128 --amp --channels-last

``--stem-only`` times just conv1 against the CoordConv stem (forward + backward), a steadier
number on a busy machine. ``--naive`` also times the literal two-layer stem (``CoordConvStem.reference_forward``: build the
8-channel image, then the 7x7 conv) to show what the fused stem saves.
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable

import torch
import torch.nn.functional as F
import torchvision
from torch import nn

from coordconv_vision.imagenet.models import coordconv_resnet50
from coordconv_vision.imagenet.stem import CoordConvStem


class _NaiveStem(nn.Module):
    """The stem computed literally (for comparison only)."""

    def __init__(self, stem: CoordConvStem) -> None:
        super().__init__()
        self.stem = stem

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.stem.reference_forward(x)


def build(name: str, stem_only: bool = False) -> nn.Module:
    if stem_only:  # just the first layer(s): the only part the two models differ in
        if name == "resnet50":
            return nn.Conv2d(3, 64, 7, 2, 3, bias=False)
        stem = CoordConvStem()
        return _NaiveStem(stem) if name.endswith("naive") else stem
    if name == "resnet50":
        return torchvision.models.resnet50(weights=None)
    model = coordconv_resnet50()
    if name == "coordconv-resnet50-naive":
        model.conv1 = _NaiveStem(model.conv1)
    return model


def make_step(
    model: nn.Module, args: argparse.Namespace, device: torch.device
) -> Callable[[], None]:
    model = model.to(device)
    memory = torch.channels_last if args.channels_last else torch.contiguous_format
    model = model.to(memory_format=memory)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9, weight_decay=1e-4)
    x = torch.randn(args.batch, 3, args.size, args.size, device=device).contiguous(
        memory_format=memory
    )
    y = torch.randint(0, 1000, (args.batch,), device=device)
    dtype = torch.bfloat16  # CPU and CUDA autocast both take bf16

    def step() -> None:
        with torch.autocast(device.type, dtype=dtype, enabled=args.amp):
            out = model(x)
            loss = out.float().square().mean() if args.stem_only else F.cross_entropy(out, y)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()

    return step


def sync(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize()


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--device", default="cpu", choices=["cpu", "cuda"])
    parser.add_argument("--size", type=int, default=64, help="image side")
    parser.add_argument("--batch", type=int, default=8)
    parser.add_argument("--steps", type=int, default=5, help="timed steps per round")
    parser.add_argument("--rounds", type=int, default=5, help="alternating rounds per model")
    parser.add_argument("--warmup", type=int, default=2, help="untimed steps per model first")
    parser.add_argument("--amp", action="store_true", help="bf16 autocast")
    parser.add_argument("--channels-last", action="store_true")
    parser.add_argument("--naive", action="store_true", help="also time the unfused stem")
    parser.add_argument(
        "--stem-only",
        action="store_true",
        help="time only the part that differs: conv1 vs the CoordConv stem (forward + backward)",
    )
    args = parser.parse_args()
    device = torch.device(args.device)
    torch.manual_seed(0)
    names = ["resnet50", "coordconv-resnet50"] + (
        ["coordconv-resnet50-naive"] if args.naive else []
    )
    steps = {name: make_step(build(name, args.stem_only), args, device) for name in names}
    for name in names:
        for _ in range(args.warmup):
            steps[name]()
    sync(device)
    rates: dict[str, list[float]] = {name: [] for name in names}
    for r in range(args.rounds):
        for name in names:
            start = time.perf_counter()
            for _ in range(args.steps):
                steps[name]()
            sync(device)
            rates[name].append(args.steps * args.batch / (time.perf_counter() - start))
        ratio = rates["coordconv-resnet50"][-1] / rates["resnet50"][-1]
        print(f"round {r}: coordconv/resnet50 = {ratio:.3f}", flush=True)
    base = statistics.median(rates["resnet50"])
    print(
        f"device={device} size={args.size} batch={args.batch} amp={args.amp} "
        f"channels_last={args.channels_last} rounds={args.rounds}x{args.steps} steps"
    )
    if args.stem_only:
        print("stem only: 'resnet50' = its conv1, 'coordconv-resnet50' = CoordConvStem")
    for name in names:
        rate = statistics.median(rates[name])
        print(f"{name:<26} {rate:9.1f} img/s   ratio vs resnet50: {rate / base:.3f}")
    ratio = statistics.median(rates["coordconv-resnet50"]) / base
    print(f"RATIO coordconv-resnet50 / resnet50 = {ratio:.3f} (goal >= 0.97)")


if __name__ == "__main__":
    main()
