"""The cost model behind ``tools/reproduce.py --plan``: CPU-hours and GPU-hours of jobs.

Each :class:`~reproduction.jobs.Job` states its ``work`` in its experiment's unit (epochs for
Not-so-Clevr runs and ImageNet/LSUN, epochs x canvases or images for detection and the
generative models, agent steps for Atari) and the ``resources`` it asks for. A :class:`Rate`
turns one unit into seconds:

- on ONE core of the reference machine (this 2-core x86 CPU, one torch thread, the other core
  busy): the quick preset's measured estimate (``presets.BUDGETS["quick"][key].estimate_s``,
  data and evaluations included) divided by the quick preset's work, so a re-measured
  estimate moves the plan with it; Atari games from one measured run (:data:`ALE_CPU_S`);
- on one GPU: the one-core cost divided by a stated speed-up (:data:`GPU_SPEEDUP`), or, for
  ImageNet and LSUN, which have no CPU measurement, a stated images/s per GPU.

A job that asks for GPUs runs at its GPU rate spread over all of them and counts GPU-hours
(wall x GPUs x nodes) and CPU-hours (wall x the CPUs it holds); a CPU job runs at its one-core
rate and counts CPU-hours (wall x CPUs). Every assumption is printed with the plan
(:func:`assumptions`).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path

from reproduction.jobs import Job

# Atari (ALE) A2C, 16 environments: one `coordconv-rl train --env ALE/Pong-v5 --threads 1
# --device cpu` run took 1.19 CPU s for 512 agent steps and 8.49 CPU s for 4,096 (loaded
# 2-core machine, 2026-12-06), i.e. 2.0 ms per agent step on one core, start-up excluded
ALE_CPU_S = (8.49 - 1.19) / (4096 - 512)
# A2C on a GPU node: emulation stays on the CPUs; the coordconv-rl README's (unmeasured)
# estimate of ~2,000 agent steps/s per run with 16 environments and its network on the GPU
ALE_STEPS_PER_GPU_S = 2000.0
TARGET_REACH = "TargetReach"

# How many times faster one H100 runs a job's unit of work than one core of this machine.
# Not measured (no GPU here): small convolutional nets on 64x64 images in batches of 32 are
# bound by kernel launches on a GPU, not by arithmetic; these are deliberately modest.
GPU_SPEEDUP = {
    "classification": 20.0,  # Not-so-Clevr CoordConv/deconv painters, batch 32
    "regression": 20.0,  # the same nets and data
    "rendering": 20.0,
    "detection": 5.0,  # the paper preset trains one canvas a step (batch 1): launch-bound
    "gan": 30.0,  # DCGAN-style nets on 64x64 shapes, batch 32
    "vae": 30.0,
    "atari": 1.0,  # unused: ALE_STEPS_PER_GPU_S (TargetReach: the network is tiny, CPU-bound)
}
# ImageNet: ResNet-50 training on one H100 in fp32/TF32 at ~1,000 images/s (~3x a V100's
# ~350), 1,281,167 training images an epoch; a CPU core ~200x slower
IMAGENET_IMAGES = 1_281_167
IMAGENET_IMAGES_PER_GPU_S = 1000.0
# LSUN bedroom (3,033,042 training images) through the 64x64 LSUN GAN at ~5,000 images/s per
# H100 (a DCGAN's generator + discriminator step); a CPU core ~200x slower
LSUN_IMAGES = 3_033_042
LSUN_IMAGES_PER_GPU_S = 5000.0
CPU_SLOWDOWN = 200.0


@dataclass(frozen=True)
class Rate:
    """Seconds per unit of work on one core of this machine and on one GPU."""

    cpu_s: float
    gpu_s: float


@dataclass(frozen=True)
class Cost:
    """What jobs cost: their wall time summed, and the CPU- and GPU-hours they hold."""

    jobs: int = 0
    wall_h: float = 0.0
    cpu_h: float = 0.0
    gpu_h: float = 0.0

    def __add__(self, other: Cost) -> Cost:
        return Cost(
            self.jobs + other.jobs,
            self.wall_h + other.wall_h,
            self.cpu_h + other.cpu_h,
            self.gpu_h + other.gpu_h,
        )


@functools.cache
def quick_work(key: str) -> float:
    """The work of the quick preset's jobs for experiment ``key`` (0 without them)."""
    from reproduction.experiments import EXPERIMENTS
    from reproduction.presets import BUDGETS
    from reproduction.runner import Context

    ctx = Context(key=key, preset="quick", budget=BUDGETS["quick"][key].as_dict(), root=Path("/"))
    return sum(job.work for job in EXPERIMENTS[key].jobs(ctx))


def quick_rate(key: str) -> float:
    """One core's seconds per unit of ``key``'s work from the quick preset's estimate."""
    from reproduction.presets import BUDGETS

    estimate, work = BUDGETS["quick"][key].estimate_s, quick_work(key)
    if estimate is None or work <= 0:
        raise KeyError(f"the quick preset has no measured estimate for {key}")
    return estimate / work


def rate(job: Job) -> Rate:
    """The rate of ``job``'s experiment (Atari: the game's)."""
    key = job.experiment
    if key == "imagenet":
        gpu_s = IMAGENET_IMAGES / IMAGENET_IMAGES_PER_GPU_S
        return Rate(gpu_s * CPU_SLOWDOWN, gpu_s)
    if key == "lsun":
        gpu_s = LSUN_IMAGES / LSUN_IMAGES_PER_GPU_S
        return Rate(gpu_s * CPU_SLOWDOWN, gpu_s)
    if key == "atari":
        if any(TARGET_REACH in arg for arg in job.argv):  # the quick preset's measured game
            cpu_s = quick_rate(key)
            return Rate(cpu_s, cpu_s)
        return Rate(ALE_CPU_S, 1 / ALE_STEPS_PER_GPU_S)
    cpu_s = quick_rate(key)
    return Rate(cpu_s, cpu_s / GPU_SPEEDUP[key])


def cost(job: Job) -> Cost:
    """The job's wall time, CPU-hours and GPU-hours under its resources."""
    res, r = job.resources, rate(job)
    tasks = res.gpus if job.distributed and res.gpus else 1
    if res.gpus:
        gpus = res.gpus * res.nodes
        wall_s = job.work * r.gpu_s / gpus
        return Cost(
            1, wall_s / 3600, wall_s * res.cpus * tasks * res.nodes / 3600, wall_s * gpus / 3600
        )
    wall_s = job.work * r.cpu_s  # one torch thread, as the quick preset's estimates
    return Cost(1, wall_s / 3600, wall_s * res.cpus * res.nodes / 3600, 0.0)


def total(jobs: list[Job]) -> Cost:
    return sum(map(cost, jobs), Cost())


def assumptions() -> list[str]:
    """The plan's footnotes: where each rate comes from."""
    lines = [
        "one core of this machine: the quick preset's estimates (presets.py, data and "
        "evaluations included) per unit of its work:",
    ]
    for key, unit in (
        ("classification", "epoch"),
        ("regression", "epoch"),
        ("rendering", "epoch"),
        ("detection", "canvas-epoch"),
        ("gan", "image-epoch"),
        ("vae", "image-epoch"),
        ("atari", "TargetReach agent step"),
    ):
        speedup = f", GPU {GPU_SPEEDUP[key]:g}x faster" if key != "atari" else ""
        lines.append(f"  {key}: {quick_rate(key):.3g} CPU s per {unit}{speedup}")
    lines += [
        f"  Atari games: {ALE_CPU_S * 1000:.1f} CPU ms per agent step (one measured Pong run); "
        f"on a GPU node {ALE_STEPS_PER_GPU_S:,.0f} agent steps/s per run (coordconv-rl README's "
        "estimate)",
        f"  ImageNet: {IMAGENET_IMAGES_PER_GPU_S:,.0f} images/s per GPU (ResNet-50, H100, "
        f"fp32/TF32), {IMAGENET_IMAGES:,} images an epoch",
        f"  LSUN: {LSUN_IMAGES_PER_GPU_S:,.0f} images/s per GPU (64x64 GAN), {LSUN_IMAGES:,} "
        "images an epoch (LSUN bedroom)",
        "  GPU speed-ups are assumptions (no GPU measured here); a job with several GPUs is "
        "taken to use them all; CPU-hours count every CPU a job holds",
    ]
    return lines
