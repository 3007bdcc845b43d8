"""Benchmark: A2C training frames/s on the two Atari backends, and what baselines' wrappers cost.

Issue 7 (coordconv-rl, S8): the same A2C agent (``coordconv_rl.a2c.train``, baselines defaults:
16 envs, 5-step rollouts, Nature CNN) trained for ``--frames`` agent steps on

- ``ale-vector``: one ``ale_py.AtariVectorEnv`` per env (C++ threads do emulation +
  preprocessing), and
- ``gymnasium``: ``ale_py``'s gymnasium ``AtariEnv`` one frame a step, the rest in Python,

both under baselines' DeepMind wrappers (``coordconv_rl.deepmind``: FIRE and a cleared frame
stack after a lost life; issue 23), for the conv and the CoordConv agent, measured in one
process, interleaved (A, B, A, B, ...) so load on a shared machine hits both alike. Also times
bare env stepping (random actions), which is what differs between the pipelines, and bare
stepping of one ``AtariVectorEnv`` of 16 envs on its own (its C++ frame stack, FIRE only at a
game's start): the backend before issue 23, so the ratio is what the reference semantics cost.
Prints frames/s and the ratios; goal (issue 7): ale-vector >= 2x gymnasium on CPU.

    python tools/bench/bench_a2c_envs.py --frames 4000 --repeats 2 --threads 1
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import torch

from coordconv_rl.a2c import A2CConfig, train
from coordconv_rl.envs import BACKENDS, make_vector_env, max_episode_frames
from coordconv_rl.games import rom_id
from coordconv_train import EXIT_STOPPED, is_stopped

ALONE = "AtariVectorEnv alone"  # the bare-stepping row of one C++ vector env, no wrappers


def env_steps_per_s(env_id: str, backend: str, num_envs: int, steps: int) -> float:
    """Agent steps/s (summed over envs) of bare stepping with random actions; ``backend`` one
    of ``BACKENDS`` or :data:`ALONE`."""
    if backend == ALONE:
        from ale_py import AtariVectorEnv

        envs = AtariVectorEnv(
            rom_id(env_id),
            num_envs,
            stack_num=4,
            noop_max=30,
            use_fire_reset=True,
            episodic_life=False,
            reward_clipping=False,
            repeat_action_probability=0.0,
            max_num_frames_per_episode=max_episode_frames(env_id),
            autoreset_mode="SameStep",
        )
    else:
        envs = make_vector_env(env_id, num_envs, 0, backend)  # type: ignore[arg-type]
    envs.reset(seed=0)
    rng = np.random.default_rng(0)
    n = int(envs.single_action_space.n)
    start = time.perf_counter()
    for _ in range(steps):
        envs.step(rng.integers(0, n, num_envs))
    elapsed = time.perf_counter() - start
    envs.close()
    return steps * num_envs / elapsed


class Stopped(Exception):
    """A timed run was stopped by SIGINT/SIGTERM (``train`` returned ``{"status": "stopped"}``)."""


def train_fps(
    env_id: str, backend: str, model: str, frames: int, device: str, threads: int
) -> float:
    """Training frames/s (agent steps/s, all envs) of one short A2C run (:class:`Stopped`)."""
    with tempfile.TemporaryDirectory() as tmp:
        cfg = A2CConfig(
            env=env_id,
            model=model,
            frames=frames,
            backend=backend,
            device=device,
            threads=threads,
            eval_episodes=0,
            progress=False,
            out=Path(tmp) / "run",
            checkpoint_interval=10**9,
            log_interval=10**9,
        )
        results = train(cfg)
    if results is None or is_stopped(results):
        raise Stopped
    return float(results["fps"])


def main() -> int:
    """Run the benchmark; 0, or 130 (nothing printed as a result) when stopped by Ctrl-C."""
    try:
        bench()
    except (Stopped, KeyboardInterrupt):
        print("bench_a2c_envs: stopped; no figures", file=sys.stderr)
        return EXIT_STOPPED
    return 0


def bench() -> None:
    """Time both pipelines and print (and optionally write) the figures."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--env", default="ALE/MsPacman-v5")
    parser.add_argument(
        "--frames", type=int, default=4000, help="agent steps per timed training run"
    )
    parser.add_argument(
        "--repeats", type=int, default=2, help="interleaved repeats per cell (median)"
    )
    parser.add_argument("--device", default="cpu", choices=["cpu", "cuda", "auto"])
    parser.add_argument("--threads", type=int, default=0, help="torch threads (0: default)")
    parser.add_argument(
        "--env-steps", type=int, default=200, help="vector steps for the bare-env timing"
    )
    parser.add_argument("--json", type=Path, default=None, help="also write the figures here")
    args = parser.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)

    print(f"{args.env}: 16 envs, torch threads {torch.get_num_threads()}, device {args.device}")
    bare: dict[str, list[float]] = {b: [] for b in (*BACKENDS, ALONE)}
    for _ in range(args.repeats):
        for b, timings in bare.items():
            timings.append(env_steps_per_s(args.env, b, 16, args.env_steps))
    env_fps = {b: float(np.median(v)) for b, v in bare.items()}
    for b, v in env_fps.items():
        print(f"  bare env stepping  {b:>20}: {v:8.0f} agent steps/s")
    print(
        f"  bare env ratio ale-vector / gymnasium: {env_fps['ale-vector'] / env_fps['gymnasium']:.2f}x"
    )
    print(
        f"  bare env ratio ale-vector / {ALONE}: {env_fps['ale-vector'] / env_fps[ALONE]:.2f}x "
        "(the cost of baselines' wrappers)"
    )

    fps: dict[str, dict[str, list[float]]] = {
        m: {b: [] for b in BACKENDS} for m in ("conv", "coordconv")
    }
    train_fps(args.env, "ale-vector", "conv", 160, args.device, args.threads)  # warm-up
    for _ in range(args.repeats):
        for model in fps:
            for backend in BACKENDS:
                fps[model][backend].append(
                    train_fps(args.env, backend, model, args.frames, args.device, args.threads)
                )
    summary = {
        "env": args.env,
        "frames": args.frames,
        "device": args.device,
        "threads": torch.get_num_threads(),
        "env_steps_per_s": env_fps,
        "train_fps": {},
    }
    for model, by_backend in fps.items():
        med = {b: float(np.median(v)) for b, v in by_backend.items()}
        ratio = med["ale-vector"] / med["gymnasium"]
        summary["train_fps"][model] = {**med, "ratio": ratio}
        print(
            f"  A2C training {model:>9}: ale-vector {med['ale-vector']:7.0f} frames/s, "
            f"gymnasium {med['gymnasium']:7.0f} frames/s, ratio {ratio:.2f}x (goal >= 2x)"
        )
    if args.json:
        args.json.write_text(json.dumps(summary, indent=2) + "\n")


if __name__ == "__main__":
    sys.exit(main())
