"""Would oneDNN's fused convolution + add make ``CoordConv2d`` cheaper on CPU? (issue 25's time goal)

    python tools/bench/bench_fused_coordinate_add.py              # 1 and 2 threads (about 2 min)
    python tools/bench/bench_fused_coordinate_add.py --threads 1 --repeats 41

A CoordConv layer (Liu et al. 2018, arXiv:1807.03247, S9) is ``conv(x) + T`` with a
per-position term ``T`` of shape ``(1, out, H, W)``. Built from PyTorch ops it pays one pass over
the output to add ``T`` in forward and one to sum the output gradient over the batch in backward;
``nn.Conv2d``'s per-channel bias costs nothing, since oneDNN adds it inside the convolution
kernel. The layer benchmark's ``floor`` (:class:`bench_coordconv_layer.FloorConv2d`) measures that
price. The one fused form torch ships for CPU is oneDNN's convolution with a binary ``add``
post-op, ``torch.ops.mkldnn._convolution_pointwise.binary`` (inductor's CPU inference fusion),
which accepts ``T`` broadcast over the batch. It has no autograd, so ``fused`` here pairs it with
the backward autograd gives the floor (``aten.convolution_backward`` for input and weight, the
batch sum for ``T``).

Per row, with glibc's allocator held steady as in the layer benchmark, measured in the same run and interleaved as in the layer benchmark: ``conv``
(``nn.Conv2d`` with bias), ``floor`` and ``fused``; forward-only and forward + backward, each the
median over rounds of the per-round ratio. ``fused`` computes the floor's numbers exactly (output
and every gradient, checked with ``torch.equal`` before timing), so it could replace the floor's
forward without changing a trained result; it is worth it only if ``fused/floor`` is below 1.

Measured on the 2-core dev VM (idle; this script, several runs): ``fused/floor`` 0.99-1.02 in
forward and fwd+bwd, i.e. no gain; see the core package's README for the table.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys

import torch
from bench_coordconv_layer import (
    SHAPES,
    FloorConv2d,
    Shape,
    paired,
    steady_malloc,
    step,
    time_layers,
)
from torch import nn


class _ConvPlusMap(torch.autograd.Function):
    """``conv2d(x, weight) + term`` with the add fused into oneDNN's kernel (forward); backward
    as autograd computes it for ``conv2d(x, weight).add_(term)``."""

    @staticmethod
    def forward(ctx, x, weight, term, padding):  # type: ignore[no-untyped-def]
        ctx.save_for_backward(x, weight)
        ctx.padding = padding
        pointwise = torch.ops.mkldnn._convolution_pointwise.binary
        return pointwise(x, term, weight, None, padding, [1, 1], [1, 1], 1, "add", None, None,
                         [], None)  # fmt: skip

    @staticmethod
    def backward(ctx, grad):  # type: ignore[no-untyped-def]
        x, weight = ctx.saved_tensors
        grad_x, grad_w, _ = torch.ops.aten.convolution_backward(
            grad, x, weight, None, [1, 1], ctx.padding, [1, 1], False, [0, 0], 1,
            [ctx.needs_input_grad[0], True, False],
        )  # fmt: skip
        return grad_x, grad_w, grad.sum(0, keepdim=True), None


class FusedFloorConv2d(FloorConv2d):
    """:class:`FloorConv2d` with its forward add fused into the convolution (oneDNN post-op)."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        padding = [int(p) for p in self.conv.padding]  # type: ignore[union-attr]
        return _ConvPlusMap.apply(x, self.conv.weight, self.term, padding)


def layers_for(shape: Shape) -> dict[str, nn.Module]:
    args = (shape.in_channels, shape.out_channels, shape.kernel_size)
    padding = shape.kernel_size // 2
    floor = FloorConv2d(*args, shape.size, padding=padding)
    with torch.no_grad():
        floor.term.normal_()
    fused = FusedFloorConv2d(*args, shape.size, padding=padding)
    fused.load_state_dict(floor.state_dict())
    return {"conv": nn.Conv2d(*args, padding=padding), "floor": floor, "fused": fused}


def check_identical(floor: nn.Module, fused: nn.Module, x: torch.Tensor) -> None:
    """The fused layer's output and gradients equal the floor's bit for bit."""
    grad = torch.randn(floor(x).shape)
    results = []
    for layer in (floor, fused):
        xi = x.detach().requires_grad_(True)
        out = layer(xi)
        results.append([out, *torch.autograd.grad(out, [xi, *layer.parameters()], grad)])
    for a, b in zip(*results, strict=True):
        if not torch.equal(a, b):
            raise SystemExit("fused and floor differ: the comparison would be meaningless")


def forward_only(layer: nn.Module, x: torch.Tensor, grad: torch.Tensor) -> None:
    with torch.no_grad():
        layer(x)


def ratios(x: torch.Tensor, grad: torch.Tensor, layers: dict[str, nn.Module], repeats: int,
           backward: bool) -> dict[str, float]:  # fmt: skip
    """Median over interleaved rounds of each layer's time over conv's (and fused over floor)."""
    times, _ = time_layers(layers, x, grad, repeats, step if backward else forward_only)
    return {
        "conv ms": 1e3 * statistics.median(times["conv"]),
        "floor/conv": paired(times["floor"], times["conv"]),
        "fused/conv": paired(times["fused"], times["conv"]),
        "fused/floor": paired(times["fused"], times["floor"]),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--batch", type=int, default=16, help="batch size (default 16)")
    parser.add_argument("--repeats", type=int, default=21, help="timed rounds (default 21)")
    parser.add_argument("--threads", type=int, default=None, help="intra-op threads (default 1, 2)")
    args = parser.parse_args(argv)
    if args.batch < 1 or args.repeats < 1 or (args.threads is not None and args.threads < 1):
        parser.error("--batch, --repeats and --threads must be >= 1")
    if not torch.backends.mkldnn.is_available():
        print("this torch has no oneDNN (mkldnn): nothing to compare", file=sys.stderr)
        return 2
    print(f"batch={args.batch} repeats={args.repeats}; malloc {steady_malloc()}")
    print(f"load average at start: {os.getloadavg()[0]:.1f} (2 cores)")
    print(f"{'shape':32} {'thr':>3} {'pass':>8} {'conv ms':>8} {'floor/conv':>11} "
          f"{'fused/conv':>11} {'fused/floor':>12}")  # fmt: skip
    for threads in [args.threads] if args.threads else [1, 2]:
        torch.set_num_threads(threads)
        for shape in (s for s in SHAPES if s.goal is not None):
            torch.manual_seed(0)
            layers = layers_for(shape)
            size = (args.batch, shape.in_channels, shape.size, shape.size)
            x = torch.randn(size)
            check_identical(layers["floor"], layers["fused"], x)
            x.requires_grad_(True)
            grad = torch.randn(args.batch, shape.out_channels, shape.size, shape.size)
            for backward in (False, True):
                r = ratios(x, grad, layers, args.repeats, backward)
                print(f"{shape.name:32} {threads:3d} {'fwd+bwd' if backward else 'fwd':>8} "
                      f"{r['conv ms']:8.2f} {r['floor/conv']:11.3f} {r['fused/conv']:11.3f} "
                      f"{r['fused/floor']:12.3f}", flush=True)  # fmt: skip
    print(f"load average at end: {os.getloadavg()[0]:.1f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
