"""Speed and memory of ``CoordConv2d`` against ``nn.Conv2d`` and a naive concatenate-then-convolve layer.

    python tools/bench/bench_coordconv_layer.py                 # CPU, full sizes (a few minutes)
    python tools/bench/bench_coordconv_layer.py --quick         # batch 4, fewer repeats
    python tools/bench/bench_coordconv_layer.py --device cuda

Three layers per shape, measured in the same run, round-robin (so drifting machine load hits all
three alike):

- ``conv``: ``nn.Conv2d`` over the data channels only (the floor: no coordinates at all);
- ``naive``: ``AddCoords`` + ``nn.Conv2d(C + 2, ...)``, the way public ports write CoordConv
  (``torch.cat([x, coords])``, then convolve);
- ``coordconv``: ``coordconv_core.CoordConv2d`` (data term + a batch-1 coordinate term).

Shapes (Liu et al. 2018, arXiv:1807.03247): a ResNet stage 3x3 64->64 at 56x56 (S5), a 1x1
256->256 at 28x28 (bottleneck), and the first layer of the paper's CoordConv painter, 1x1 from the
tiled (x, y) (2 channels) + coordinates to 32 at 64x64 (S1/S2). Batch 32 (4 with ``--quick``).

Time: median over repeats of one forward + backward (input gradient too, except for the painter's
first layer whose input is data). Memory: on CUDA the peak of ``torch.cuda.max_memory_allocated``
during forward + backward above what was allocated before (input, weights, upstream gradient).
On CPU there is no allocator peak to read, so it reports the activation memory the layer adds to
a training step: bytes of the distinct storages autograd saves for backward
(``torch.autograd.graph.saved_tensors_hooks``) other than the input and the parameters (which the
model holds anyway: the input is the previous layer's output), plus the output's bytes. For the
naive layer that is the concatenated copy of the input + the output; for ``conv`` just the output.

Goals (issue 2): coordconv within 1.05x of conv in time and memory on the 64- and 256-channel
shapes; never slower than naive. Timings on the shared 2-core machine are noisy; ratios measured
in one run are the robust numbers.
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass

import torch
from torch import nn

from coordconv_core import AddCoords, CoordConv2d


class NaiveCoordConv2d(nn.Module):
    """Concatenate-then-convolve, as in public CoordConv ports."""

    def __init__(
        self, in_channels: int, out_channels: int, kernel_size: int, **kwargs: object
    ) -> None:
        super().__init__()
        self.add_coords = AddCoords(2)
        self.conv = nn.Conv2d(in_channels + 2, out_channels, kernel_size, **kwargs)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.conv(self.add_coords(x))


@dataclass
class Shape:
    name: str
    in_channels: int
    out_channels: int
    kernel_size: int
    padding: int
    size: int
    input_grad: bool


SHAPES = [
    Shape("3x3 64->64 @56x56 (ResNet stage)", 64, 64, 3, 1, 56, True),
    Shape("1x1 256->256 @28x28 (bottleneck)", 256, 256, 1, 0, 28, True),
    Shape("1x1 2->32 @64x64 (painter layer 1)", 2, 32, 1, 0, 64, False),
]


def make_layers(shape: Shape, device: torch.device) -> dict[str, nn.Module]:
    args = (shape.in_channels, shape.out_channels, shape.kernel_size)
    kwargs = {"padding": shape.padding}
    return {
        "conv": nn.Conv2d(*args, **kwargs).to(device),
        "naive": NaiveCoordConv2d(*args, **kwargs).to(device),
        "coordconv": CoordConv2d(*args, **kwargs).to(device),
    }


def step(layer: nn.Module, x: torch.Tensor, grad: torch.Tensor) -> None:
    """One forward + backward; gradients are left for the next zeroing."""
    out = layer(x)
    out.backward(grad)


def sync(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def time_layers(
    layers: dict[str, nn.Module], x: torch.Tensor, grad: torch.Tensor, repeats: int
) -> dict[str, float]:
    """Median seconds per forward + backward, the layers interleaved each repeat."""
    times: dict[str, list[float]] = {name: [] for name in layers}
    for rep in range(repeats + 2):  # two warm-up rounds
        for name, layer in layers.items():
            layer.zero_grad(set_to_none=True)
            x.grad = None
            sync(x.device)
            start = time.perf_counter()
            step(layer, x, grad)
            sync(x.device)
            if rep >= 2:
                times[name].append(time.perf_counter() - start)
    return {name: statistics.median(t) for name, t in times.items()}


def added_activation_bytes(layer: nn.Module, x: torch.Tensor) -> int:
    """CPU measure: saved-for-backward storages other than the input's and the parameters', plus
    the output (bytes of distinct storages)."""
    held = {x.untyped_storage().data_ptr()} | {
        p.untyped_storage().data_ptr() for p in layer.parameters()
    }
    saved: dict[int, int] = {}

    def pack(t: torch.Tensor) -> torch.Tensor:
        storage = t.untyped_storage()
        if storage.data_ptr() not in held:
            saved[storage.data_ptr()] = storage.nbytes()
        return t

    with torch.autograd.graph.saved_tensors_hooks(pack, lambda t: t):
        out = layer(x)
    return sum(saved.values()) + out.untyped_storage().nbytes()


def cuda_peak_bytes(layer: nn.Module, x: torch.Tensor, grad: torch.Tensor) -> int:
    """CUDA measure: peak allocated during forward + backward above the memory held before."""
    layer.zero_grad(set_to_none=True)
    x.grad = None
    torch.cuda.synchronize()
    base = torch.cuda.memory_allocated()
    torch.cuda.reset_peak_memory_stats()
    step(layer, x, grad)
    torch.cuda.synchronize()
    return torch.cuda.max_memory_allocated() - base


def check_equal(layers: dict[str, nn.Module], x: torch.Tensor) -> None:
    """Sanity: coordconv with naive's weights computes naive's output."""
    with torch.no_grad():
        layers["coordconv"].load_state_dict(layers["naive"].conv.state_dict())
        torch.testing.assert_close(layers["coordconv"](x), layers["naive"](x), rtol=1e-4, atol=1e-4)


def run(
    shape: Shape, batch: int, repeats: int, device: torch.device
) -> dict[str, dict[str, float]]:
    torch.manual_seed(0)
    layers = make_layers(shape, device)
    x = torch.randn(batch, shape.in_channels, shape.size, shape.size, device=device)
    check_equal(layers, x)
    x.requires_grad_(shape.input_grad)
    grad = torch.randn(batch, shape.out_channels, shape.size, shape.size, device=device)
    seconds = time_layers(layers, x, grad, repeats)
    measure: Callable[[nn.Module], int]
    if device.type == "cuda":
        measure = lambda layer: cuda_peak_bytes(layer, x, grad)  # noqa: E731
    else:
        measure = lambda layer: added_activation_bytes(layer, x)  # noqa: E731
    return {
        name: {"ms": 1e3 * seconds[name], "MiB": measure(layer) / 2**20}
        for name, layer in layers.items()
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--quick", action="store_true", help="batch 4 and 5 repeats (a few seconds)"
    )
    parser.add_argument(
        "--device", default="cpu", help="torch device, e.g. cpu or cuda (default cpu)"
    )
    parser.add_argument(
        "--batch", type=int, default=None, help="batch size (default 32, 4 with --quick)"
    )
    parser.add_argument(
        "--repeats", type=int, default=None, help="timed repeats (default 15, 5 with --quick)"
    )
    parser.add_argument(
        "--threads", type=int, default=None, help="torch intra-op threads (default: torch's)"
    )
    args = parser.parse_args(argv)
    if args.threads:
        torch.set_num_threads(args.threads)
    device = torch.device(args.device)
    batch = args.batch or (4 if args.quick else 32)
    repeats = args.repeats or (5 if args.quick else 15)
    memory = (
        "peak CUDA bytes fwd+bwd"
        if device.type == "cuda"
        else "added activation bytes (see --help)"
    )
    print(
        f"device={device} threads={torch.get_num_threads()} batch={batch} repeats={repeats}; memory = {memory}"
    )
    header = (
        f"{'shape':36} {'conv ms':>8} {'naive ms':>9} {'coord ms':>9} {'t/conv':>7} {'t/naive':>8}"
    )
    header += f" {'conv MiB':>9} {'naive MiB':>10} {'coord MiB':>10} {'m/conv':>7} {'m/naive':>8}"
    print(header)
    for shape in SHAPES:
        r = run(shape, batch, repeats, device)
        c, n, o = r["conv"], r["naive"], r["coordconv"]
        print(
            f"{shape.name:36} {c['ms']:8.2f} {n['ms']:9.2f} {o['ms']:9.2f} {o['ms'] / c['ms']:7.3f} "
            f"{o['ms'] / n['ms']:8.3f} {c['MiB']:9.2f} {n['MiB']:10.2f} {o['MiB']:10.2f} "
            f"{o['MiB'] / c['MiB']:7.3f} {o['MiB'] / n['MiB']:8.3f}",
            flush=True,
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
