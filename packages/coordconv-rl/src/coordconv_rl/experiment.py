"""The table S7 grid: conv x CoordConv x game x seed A2C runs in one results tree (S8).

Layout: ``OUT/<Game>/<variant>/seed<k>/`` each a ``coordconv-rl train`` run directory, a variant
being ``conv``, ``coordconv`` (the paper's agent, coordinate weights initialised as baselines
would) or ``coordconv-zero`` (coordinate weights 0 at init; not in the paper). The grid is
resumable (runs with a ``results.json`` are skipped, runs with a checkpoint are resumed) and
shardable: ``--shard K/N`` runs every N-th run starting at the K-th, so a job array (e.g. Slurm
``--array=1-N`` with ``--shard $SLURM_ARRAY_TASK_ID/N``) spreads the 9 x 2 x 10 = 180 runs of
table S7 over many machines writing into one shared tree.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from pathlib import Path

from coordconv_rl.a2c import A2CConfig, check_config, train
from coordconv_rl.games import PAPER_GAMES, TINY_ENV_ID, resolve_env_id
from coordconv_rl.networks import VARIANTS
from coordconv_rl.rmsprop_tf import OPTIMIZERS
from coordconv_train import RunDir, UserError, check_writable_dir, is_stopped
from coordconv_train.config import THREADS
from coordconv_train.option import option
from coordconv_train.tracking import LOG_WITH_HELP, check_log_with


@dataclass
class ExperimentConfig:
    """A grid of A2C runs (``coordconv-rl experiment``)."""

    games: list[str] = field(
        default_factory=lambda: list(PAPER_GAMES),
        metadata={"help": "games (ALE ids or table S7 names); default: the nine of table S7"},
    )
    models: list[str] = field(
        default_factory=lambda: ["conv", "coordconv"],
        metadata={
            "help": "agents to compare: conv, coordconv (paper: coordinate weights initialised "
            "as baselines would), coordconv-zero (NOT in the paper: coordinate weights 0 at "
            "init), and the init ablation's coordconv-paper-zero, coordconv-conv-ortho, "
            "coordconv-glorot (coordconv_rl.networks)"
        },
    )
    seeds: int = option(10, "runs per model and game (seeds first_seed..first_seed+seeds-1)")
    first_seed: int = option(0, "first seed of the grid")
    frames: int = option(10_000_000, "agent steps per run, summed over envs (x4 emulator frames)")
    out: Path = field(default=Path("runs/table_s7"), metadata={"help": "results tree root"})
    shard: str = option("1/1", "K/N: run only the K-th of N interleaved slices of the grid")
    num_envs: int = option(16, "parallel environments per run")
    lr_schedule: str = option(
        "auto",
        "linear/constant; auto: linear on Atari (baselines), constant on the tiny env",
        choices=["auto", "linear", "constant"],
    )
    eval_episodes: int = option(10, "evaluation games per finished run")
    backend: str = option("ale-vector", "Atari pipeline", choices=["ale-vector", "gymnasium"])
    optimizer: str = option(
        "auto",
        "rmsprop-tf (baselines', TF1 maths), rmsprop-torch (NOT baselines'), or auto: "
        "rmsprop-tf on Atari, rmsprop-torch on TargetReach",
        choices=["auto", *OPTIMIZERS],
    )
    device: str = option("auto", "auto, cpu or cuda", choices=["auto", "cpu", "cuda"])
    threads: int = option(0, "torch CPU threads per run (0: default)", **THREADS)
    progress: bool = option(True, "tqdm bar per run")
    log_with: list[str] = field(default_factory=list, metadata={"help": LOG_WITH_HELP})


def parse_shard(shard: str) -> tuple[int, int]:
    """``"K/N"`` -> ``(K, N)`` with ``1 <= K <= N``."""
    try:
        k, n = (int(part) for part in shard.split("/"))
    except ValueError:
        raise UserError(f"--shard must look like K/N (e.g. 3/20), got {shard!r}") from None
    if not 1 <= k <= n:
        raise UserError(f"--shard {shard}: need 1 <= K <= N")
    return k, n


def game_dir_name(env_id: str) -> str:
    """``ALE/MsPacman-v5`` -> ``MsPacman``; ``coordconv_rl/TargetReach-v0`` -> ``TargetReach``."""
    return env_id.split("/")[-1].rsplit("-v", 1)[0]


def grid(cfg: ExperimentConfig) -> list[A2CConfig]:
    """Every run of the grid, in a fixed order (game, seed, model), as train configs."""
    if cfg.seeds < 1 or cfg.frames < 1:
        raise UserError("--seeds and --frames must be >= 1")
    check_log_with(cfg.log_with)
    unknown = sorted(set(cfg.models) - set(VARIANTS))
    if unknown:
        raise UserError(f"unknown models {unknown}; choose from {', '.join(VARIANTS)}")
    runs = []
    for game in cfg.games:
        env_id = resolve_env_id(game)
        for seed in range(cfg.first_seed, cfg.first_seed + cfg.seeds):
            for variant in cfg.models:
                model, coord_init = VARIANTS[variant]
                runs.append(
                    A2CConfig(
                        env=env_id,
                        model=model,
                        coord_init=coord_init,
                        optimizer=cfg.optimizer,
                        seed=seed,
                        frames=cfg.frames,
                        num_envs=cfg.num_envs,
                        eval_episodes=cfg.eval_episodes,
                        backend=cfg.backend,
                        device=cfg.device,
                        threads=cfg.threads,
                        progress=cfg.progress,
                        log_with=cfg.log_with,
                        out=cfg.out / game_dir_name(env_id) / variant / f"seed{seed}",
                        lr_schedule=_lr_schedule(cfg.lr_schedule, env_id),
                    )
                )
    for run in runs:  # every run's counts checked before the first one starts
        check_config(run)
    return runs


def _lr_schedule(choice: str, env_id: str) -> str:
    if choice != "auto":
        return choice
    return "constant" if env_id == TINY_ENV_ID else "linear"


def run_experiment(cfg: ExperimentConfig) -> list[Path] | None:
    """Run this shard's unfinished runs; returns the run directories of the shard, or None if
    a run was stopped by SIGINT/SIGTERM (the rest of the shard is left for the next call)."""
    k, n = parse_shard(cfg.shard)
    mine = grid(cfg)[k - 1 :: n]
    check_writable_dir(cfg.out)
    for run in mine:
        if (run.out / "results.json").exists():
            continue
        results = train(dataclasses.replace(run, resume=RunDir(run.out).resumable))
        if is_stopped(results):
            return None
    return [run.out for run in mine]
