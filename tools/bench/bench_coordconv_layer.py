"""Speed and memory of ``CoordConv2d`` against ``nn.Conv2d`` and concatenate-then-convolve.

    python tools/bench/bench_coordconv_layer.py                 # CPU, 1 and 2 threads (minutes)
    python tools/bench/bench_coordconv_layer.py --quick         # batch 4, fewer repeats
    python tools/bench/bench_coordconv_layer.py --threads 1     # one thread count only
    python tools/bench/bench_coordconv_layer.py --device cuda

Four layers per row, measured in the same run, round-robin (so drifting machine load hits all
alike; each round starts with the next layer, so none always runs after the same one):

- ``conv``: ``nn.Conv2d`` of the same shape over the data channels only (the floor: no
  coordinates at all), with the same ``groups``;
- ``naive``: concatenate the coordinates, then ``nn.Conv2d(C + extra)``, the way public ports
  write CoordConv (for a grouped layer the coordinates go after each group's channels, which is
  what ``CoordConv2d(groups=g)`` computes);
- ``coordconv``: ``coordconv_core.CoordConv2d`` (data term + a batch-1 coordinate term);
- ``floor``: the data convolution without bias plus a learned ``(1, out, H, W)`` map added in
  place, the coordinate term taken as free: the least any CoordConv built from PyTorch ops can
  cost, since it must add a per-position term (one pass over the output in forward) and sum its
  gradient over the batch per position (one pass over the output gradient in backward), where
  ``nn.Conv2d``'s per-channel bias is fused into oneDNN's kernels. ``t/floor`` (CoordConv over
  it) says how much of CoordConv's cost is ours; ``floor/c`` (it over conv) what is left.

Rows (Liu et al. 2018, arXiv:1807.03247): a ResNet stage 3x3 64->64 at 56x56 (S5), a 1x1 256->256
at 28x28 (bottleneck), the first layer of the paper's CoordConv painter (1x1 from 2 channels to 32
at 64x64, S1/S2), then the grouped variants (3x3 depthwise 64 at 56x56, 1x1 256->256 in 4 groups)
and the Fourier variants (default ``coords="fourier"``: 16 channels, on the two wide shapes).
Batch 16 (4 with ``--quick``), at 1 and 2 intra-op threads (``--threads`` picks one).

Time: one forward + backward (input gradient too, except for the painter's first layer whose
input is data). Reported: each layer's median wall time, and the ratios ``t/`` as the median over
rounds of the per-round ratio (a round times the three layers back to back, so a burst of load on
the shared machine moves both sides of a ratio). ``c/``: the same ratios in process CPU time
(``time.process_time``, all threads), which time spent descheduled does not inflate: on a loaded
machine at 1 thread it is the closer estimate of what the ratio is on an idle one (at 2 threads
it includes OpenMP's spin-waiting at barriers). Memory: on CUDA the peak of
``torch.cuda.max_memory_allocated`` during forward + backward above what was allocated before
(input, weights, upstream gradient). On CPU there is no allocator peak to read, so it reports the
activation memory the layer adds to a training step: bytes of the distinct storages autograd saves
for backward (``torch.autograd.graph.saved_tensors_hooks``) other than the input and the
parameters (which the model holds anyway: the input is the previous layer's output), plus the
output's bytes. For the naive layer that is the concatenated copy of the input + the output; for
``conv`` just the output.

Fresh processes (``--processes N``): the whole measurement runs in N fresh processes one after
another and each row prints the median over processes of its ratios, with their range; the goals
are judged on those medians. ``--goals-only`` keeps the two rows that have goals.

The allocator (``--malloc``): glibc's malloc serves a large block from fresh ``mmap`` pages or
from its heap by a threshold that it moves as blocks are freed, and gives heap memory back to the
OS above another. A layer's 13-50 MB buffers (output, input gradient, oneDNN's work space) then
land on fresh pages in some processes and not in others, depending on what was freed before:
measured on the idle machine, one forward + backward took 0 page faults for ``nn.Conv2d`` 3x3 and
6,240 (24 MiB of fresh pages, ~10% of its time) for CoordConv in one process, 12,512 for both
1x1 layers in another. That, not the layers, is what moved a row's ratio between fresh processes
(t/conv of the 3x3 row at 1 thread ranged 0.95-1.10 over 7 processes; with the thresholds fixed,
1.038-1.061 over 5). By default (``--malloc steady``) the benchmark fixes both thresholds with
``mallopt`` before measuring, so every layer reuses heap memory as a long training loop (or
jemalloc / tcmalloc) would, and the ratios measure the layers. ``--malloc glibc`` leaves glibc's
defaults, to see the effect.

Goals (issue 25): time / conv at most 1.05 for the 1x1 256->256 row and 1.03 for the 3x3 64->64
row at 1 and 2 threads, time / naive at most 1, memory / conv at most 1.05. The last lines say
which held. The machine's load average is printed: on the shared 2-core machine other jobs'
threads compete with the two benchmark threads, and every OpenMP barrier then waits for a
descheduled thread, so 2-thread numbers under load say more about the machine than the layer.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass

import torch
from torch import nn

from coordconv_core import AddCoords, CoordConv2d

_M_TRIM_THRESHOLD = -1  # glibc's mallopt parameters (malloc.h)
_M_MMAP_THRESHOLD = -3


def steady_malloc() -> str:
    """Fix glibc's mmap and trim thresholds (1 GiB, 2 GiB) so that freed blocks are reused
    from the heap instead of mapped afresh (see the module docstring); says what it did."""
    import ctypes
    import ctypes.util

    name = ctypes.util.find_library("c")
    try:
        libc = ctypes.CDLL(name)
        ok = libc.mallopt(_M_MMAP_THRESHOLD, 1 << 30) and libc.mallopt(_M_TRIM_THRESHOLD, 2**31 - 1)
    except (OSError, AttributeError, TypeError):
        ok = False
    return (
        "steady (glibc mallopt: mmap and trim thresholds fixed)"
        if ok
        else ("left as it is (no glibc mallopt here)")
    )


class NaiveCoordConv2d(nn.Module):
    """Concatenate-then-convolve, as in public CoordConv ports (coordinates in every group)."""

    def __init__(
        self, in_channels: int, out_channels: int, kernel_size: int, coords: str, **kwargs: int
    ) -> None:
        super().__init__()
        self.add_coords = AddCoords(2, coords=coords)
        self.groups = kwargs.get("groups", 1)
        extra = self.groups * self.add_coords.extra_channels
        self.conv = nn.Conv2d(in_channels + extra, out_channels, kernel_size, **kwargs)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.groups == 1:
            return self.conv(self.add_coords(x))
        n, c, h, w = x.shape
        per_group = self.add_coords(x.view(n * self.groups, c // self.groups, h, w))
        return self.conv(per_group.view(n, -1, h, w))


@dataclass
class Shape:
    name: str
    in_channels: int
    out_channels: int
    kernel_size: int
    size: int
    input_grad: bool = True
    groups: int = 1
    coords: str = "minus_one_one"
    goal: float | None = None  # time / conv goal


SHAPES = [
    Shape("3x3 64->64 @56 (ResNet stage)", 64, 64, 3, 56, goal=1.03),
    Shape("1x1 256->256 @28 (bottleneck)", 256, 256, 1, 28, goal=1.05),
    Shape("1x1 2->32 @64 (painter layer 1)", 2, 32, 1, 64, input_grad=False),
    Shape("3x3 depthwise 64 @56", 64, 64, 3, 56, groups=64),
    Shape("1x1 256->256 @28 groups=4", 256, 256, 1, 28, groups=4),
    Shape("3x3 64->64 @56 fourier", 64, 64, 3, 56, coords="fourier"),
    Shape("1x1 256->256 @28 fourier", 256, 256, 1, 28, coords="fourier"),
]


class FloorConv2d(nn.Module):
    """The least any CoordConv built from PyTorch ops can cost: the data convolution without
    its bias, plus a learned ``(1, out, H, W)`` map added in place (the coordinate term taken
    as free). Against ``nn.Conv2d`` it pays one broadcast add over the output in forward and
    one per-position sum of the output gradient over the batch in backward; oneDNN fuses the
    per-channel bias into the convolution's kernels but has no fused form of either."""

    def __init__(self, in_channels: int, out_channels: int, kernel_size: int, size: int,
                 **kwargs: int) -> None:  # fmt: skip
        super().__init__()
        self.conv = nn.Conv2d(in_channels, out_channels, kernel_size, bias=False, **kwargs)
        self.term = nn.Parameter(torch.zeros(1, out_channels, size, size))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.conv(x).add_(self.term)


def make_layers(shape: Shape, device: torch.device) -> dict[str, nn.Module]:
    args = (shape.in_channels, shape.out_channels, shape.kernel_size)
    kwargs = {"padding": shape.kernel_size // 2, "groups": shape.groups}
    return {
        "conv": nn.Conv2d(*args, **kwargs).to(device),
        "naive": NaiveCoordConv2d(*args, coords=shape.coords, **kwargs).to(device),
        "coordconv": CoordConv2d(*args, coords=shape.coords, **kwargs).to(device),
        "floor": FloorConv2d(*args, shape.size, **kwargs).to(device),
    }


def step(layer: nn.Module, x: torch.Tensor, grad: torch.Tensor) -> None:
    """One forward + backward; gradients are left for the next zeroing."""
    out = layer(x)
    out.backward(grad)


def sync(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def time_layers(
    layers: dict[str, nn.Module],
    x: torch.Tensor,
    grad: torch.Tensor,
    repeats: int,
    timed: Callable[[nn.Module, torch.Tensor, torch.Tensor], None] = step,
) -> tuple[dict[str, list[float]], dict[str, list[float]]]:
    """Wall and process-CPU seconds of ``timed(layer, x, grad)`` (default: one forward +
    backward) for each layer, one entry per round (interleaved)."""
    wall: dict[str, list[float]] = {name: [] for name in layers}
    cpu: dict[str, list[float]] = {name: [] for name in layers}
    names = list(layers)
    for rep in range(repeats + 2):  # two warm-up rounds
        for i in range(len(names)):  # each round starts with the next layer: no order bias
            name = names[(rep + i) % len(names)]
            layer = layers[name]
            layer.zero_grad(set_to_none=True)
            x.grad = None
            sync(x.device)
            start, start_cpu = time.perf_counter(), time.process_time()
            timed(layer, x, grad)
            sync(x.device)
            if rep >= 2:
                wall[name].append(time.perf_counter() - start)
                cpu[name].append(time.process_time() - start_cpu)
    return wall, cpu


def paired(ours: list[float], theirs: list[float]) -> float:
    """Median over rounds of the per-round ratio."""
    return statistics.median(a / b for a, b in zip(ours, theirs, strict=True))


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
    """Sanity: coordconv with naive's weights computes naive's output (same weight layout)."""
    with torch.no_grad():
        layers["coordconv"].load_state_dict(layers["naive"].conv.state_dict())
        torch.testing.assert_close(layers["coordconv"](x), layers["naive"](x), rtol=1e-4, atol=1e-4)


@dataclass
class Result:
    ms: dict[str, float]  # median wall time per layer
    t_conv: float  # median over rounds of coordconv / conv, wall time
    t_naive: float
    t_floor: float  # coordconv / the floor of an unfused implementation (FloorConv2d)
    f_conv: float  # the floor / conv: what no unfused implementation can go below
    c_conv: float  # the same in process CPU time
    c_naive: float
    mib: dict[str, float]

    def ratios(self) -> dict[str, float]:
        """The row's ratios: time (wall, CPU) and memory against conv and naive."""
        return {
            "t_conv": self.t_conv,
            "t_naive": self.t_naive,
            "t_floor": self.t_floor,
            "f_conv": self.f_conv,
            "c_conv": self.c_conv,
            "m_conv": self.mib["coordconv"] / self.mib["conv"],
            "m_naive": self.mib["coordconv"] / self.mib["naive"],
        }


def run(shape: Shape, batch: int, repeats: int, device: torch.device) -> Result:
    torch.manual_seed(0)
    layers = make_layers(shape, device)
    x = torch.randn(batch, shape.in_channels, shape.size, shape.size, device=device)
    check_equal(layers, x)
    x.requires_grad_(shape.input_grad)
    grad = torch.randn(batch, shape.out_channels, shape.size, shape.size, device=device)
    wall, cpu = time_layers(layers, x, grad, repeats)
    measure: Callable[[nn.Module], int]
    if device.type == "cuda":
        measure = lambda layer: cuda_peak_bytes(layer, x, grad)  # noqa: E731
    else:
        measure = lambda layer: added_activation_bytes(layer, x)  # noqa: E731
    return Result(
        ms={name: 1e3 * statistics.median(t) for name, t in wall.items()},
        t_conv=paired(wall["coordconv"], wall["conv"]),
        t_naive=paired(wall["coordconv"], wall["naive"]),
        t_floor=paired(wall["coordconv"], wall["floor"]),
        f_conv=paired(wall["floor"], wall["conv"]),
        c_conv=paired(cpu["coordconv"], cpu["conv"]),
        c_naive=paired(cpu["coordconv"], cpu["naive"]),
        mib={name: measure(layer) / 2**20 for name, layer in layers.items() if name != "floor"},
    )


def across_processes(args: argparse.Namespace, argv: list[str]) -> int:
    """``--processes N``: the measurement in N fresh processes, one at a time; per row the
    median over processes of each ratio and its range, and the goals judged on the medians."""
    import subprocess

    child = [sys.executable, __file__, *_without_processes(argv), "--json"]
    rows: dict[tuple[str, int], list[dict[str, float]]] = {}
    print(f"{args.processes} fresh processes, one at a time: {' '.join(child[1:])}")
    print(f"malloc: {args.malloc}")
    print(f"load average at start: {os.getloadavg()[0]:.1f} (2 cores)", flush=True)
    for k in range(args.processes):
        out = subprocess.run(child, capture_output=True, text=True, check=True).stdout
        for line in out.splitlines():
            row = json.loads(line)
            rows.setdefault((row.pop("shape"), row.pop("threads")), []).append(row)
        print(f"  process {k + 1}/{args.processes} done", flush=True)
    keys = ["t_conv", "t_naive", "t_floor", "f_conv", "c_conv", "m_conv", "m_naive"]
    print(f"{'shape':32} {'thr':>3} " + " ".join(f"{k:>21}" for k in keys))
    print(f"{'':32} {'':>3} " + " ".join(f"{'median [min, max]':>21}" for _ in keys))
    goals = {s.name: s.goal for s in SHAPES}
    missed = []
    for (name, threads), found in rows.items():
        cells, med = [], {}
        for key in keys:
            values = [r[key] for r in found]
            med[key] = statistics.median(values)
            cells.append(f"{med[key]:.3f} [{min(values):.3f}, {max(values):.3f}]")
        print(f"{name:32} {threads:3d} " + " ".join(f"{c:>21}" for c in cells), flush=True)
        goal = goals.get(name)
        if goal is not None:
            if med["t_conv"] > goal:
                missed.append(f"{name} at {threads} threads: t/conv {med['t_conv']:.3f}")
            if med["t_naive"] > 1:
                missed.append(f"{name} at {threads} threads: t/naive {med['t_naive']:.3f}")
            if med["m_conv"] > 1.05:
                missed.append(f"{name} at {threads} threads: m/conv {med['m_conv']:.3f}")
    print(f"load average at end: {os.getloadavg()[0]:.1f}")
    print("goals missed (medians over processes): " + ("; ".join(missed) if missed else "none"))
    return 0


def _without_processes(argv: list[str]) -> list[str]:
    """``argv`` less ``--processes N`` / ``--processes=N`` (a child runs one measurement)."""
    out, skip = [], False
    for arg in argv:
        if skip:
            skip = False
        elif arg == "--processes":
            skip = True
        elif not arg.startswith("--processes="):
            out.append(arg)
    return out


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
        "--batch", type=int, default=None, help="batch size (default 16, 4 with --quick)"
    )
    parser.add_argument(
        "--repeats", type=int, default=None, help="timed rounds (default 21, 5 with --quick)"
    )
    parser.add_argument(
        "--threads",
        type=int,
        default=None,
        help="torch intra-op threads (default: 1 then 2 on CPU, torch's on CUDA)",
    )
    parser.add_argument(
        "--processes",
        type=int,
        default=1,
        help="repeat the whole measurement in N fresh processes and report, per row, the "
        "median over processes and its range (default 1: this process only)",
    )
    parser.add_argument(
        "--goals-only", action="store_true", help="only the rows with goals (the 3x3 and 1x1)"
    )
    parser.add_argument(
        "--malloc",
        choices=["steady", "glibc"],
        default="steady",
        help="steady: fix glibc's mmap/trim thresholds before measuring (default); glibc: leave "
        "its moving defaults (page faults then differ between processes, see above)",
    )
    parser.add_argument("--json", action="store_true", help=argparse.SUPPRESS)  # one process's rows
    args = parser.parse_args(argv)
    if args.processes < 1:
        parser.error("--processes must be >= 1")
    if args.processes > 1:
        return across_processes(args, sys.argv[1:] if argv is None else argv)
    allocator = steady_malloc() if args.malloc == "steady" else "glibc's defaults"
    device = torch.device(args.device)
    batch = args.batch or (4 if args.quick else 16)
    repeats = args.repeats or (5 if args.quick else 21)
    if args.threads:
        thread_counts = [args.threads]
    else:
        thread_counts = [1, 2] if device.type == "cpu" else [torch.get_num_threads()]
    memory = (
        "peak CUDA bytes fwd+bwd"
        if device.type == "cuda"
        else "added activation bytes (see --help)"
    )
    shapes = [s for s in SHAPES if s.goal is not None] if args.goals_only else SHAPES
    if args.json:  # a child of --processes: its rows as JSON lines, nothing else
        for threads in thread_counts:
            torch.set_num_threads(threads)
            for shape in shapes:
                r = run(shape, batch, repeats, device)
                row = {"shape": shape.name, "threads": threads, **r.ratios()}
                print(json.dumps(row), flush=True)
        return 0
    print(f"device={device} batch={batch} repeats={repeats}; memory = {memory}")
    print(f"malloc: {allocator}")
    print(f"load average at start: {os.getloadavg()[0]:.1f} (2 cores)", flush=True)
    header = (
        f"{'shape':32} {'thr':>3} {'conv ms':>8} {'naive ms':>9} {'coord ms':>9} {'t/conv':>7} "
        f"{'t/naive':>8} {'t/floor':>8} {'floor/c':>8} {'c/conv':>7} {'c/naive':>8} "
        f"{'conv MiB':>9} {'coord MiB':>10} "
        f"{'m/conv':>7} {'m/naive':>8}"
    )
    print(header)
    missed = []
    for threads in thread_counts:
        torch.set_num_threads(threads)
        for shape in shapes:
            r = run(shape, batch, repeats, device)
            m_conv = r.mib["coordconv"] / r.mib["conv"]
            print(
                f"{shape.name:32} {threads:3d} {r.ms['conv']:8.2f} {r.ms['naive']:9.2f} "
                f"{r.ms['coordconv']:9.2f} {r.t_conv:7.3f} {r.t_naive:8.3f} {r.t_floor:8.3f} "
                f"{r.f_conv:8.3f} {r.c_conv:7.3f} "
                f"{r.c_naive:8.3f} {r.mib['conv']:9.2f} {r.mib['coordconv']:10.2f} "
                f"{m_conv:7.3f} {r.mib['coordconv'] / r.mib['naive']:8.3f}",
                flush=True,
            )
            if shape.goal is not None:
                if r.t_conv > shape.goal:
                    missed.append(f"{shape.name} at {threads} threads: t/conv {r.t_conv:.3f}")
                if r.t_naive > 1:
                    missed.append(f"{shape.name} at {threads} threads: t/naive {r.t_naive:.3f}")
                if m_conv > 1.05:
                    missed.append(f"{shape.name} at {threads} threads: m/conv {m_conv:.3f}")
    print(f"load average at end: {os.getloadavg()[0]:.1f}")
    print("goals missed: " + ("; ".join(missed) if missed else "none"))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
