"""The A2C run configuration (S8): every field a ``coordconv-rl train`` flag with its help.

Defaults are OpenAI baselines' A2C on Atari, which the paper (S8, after Mnih et al. 2016,
"Asynchronous Methods for Deep Reinforcement Learning") trained its conv and CoordConv agents
with: 16 envs, 5-step rollouts, RMSprop as TensorFlow computes it (lr 7e-4, alpha 0.99, eps 1e-5;
:mod:`coordconv_rl.rmsprop_tf`) with the lr decayed linearly to 0, entropy coef 0.01, value coef
0.5, global grad-norm clip 0.5, gamma 0.99, Atari rewards clipped to their sign (baselines'
``ClipRewardEnv`` sits in ``wrap_deepmind``, i.e. Atari only) and a lost life ending the episode
for the value targets. CoordConv coordinate weights are initialised as the paper's baselines code
would have (``--coord-init paper``) unless ``--coord-init zero``.

``frames`` counts agent steps summed over the envs (baselines' ``num_timesteps``); with
Atari's frame skip of 4 each is 4 emulator frames.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from coordconv_rl.a2c_episodes import REWARD_CLIPS
from coordconv_rl.envs import BACKENDS
from coordconv_rl.networks import ARCHS, COORD_INITS, MODELS
from coordconv_rl.rmsprop_tf import OPTIMIZERS
from coordconv_train import UserError
from coordconv_train.tracking import LOG_WITH_HELP


def option(default: Any, help: str, *, choices: list[str] | None = None) -> Any:
    """A config field carrying its ``--help`` text (and choices) for ``add_config_arguments``."""
    metadata: dict[str, Any] = {"help": help} | ({"choices": choices} if choices else {})
    return field(default=default, metadata=metadata)


@dataclass
class A2CConfig:
    """One A2C run (``coordconv-rl train``); defaults are OpenAI baselines' A2C on Atari."""

    env: str = option(
        "ALE/MsPacman-v5", "ALE/<Game>-v5 id, a table S7 game name, or coordconv_rl/TargetReach-v0"
    )
    model: str = option(
        "conv", "conv: Nature CNN; coordconv: its first conv a CoordConv", choices=list(MODELS)
    )
    coordconv_layers: str = option(
        "first",
        "which convs are CoordConv for --model coordconv (paper: first)",
        choices=["first", "all"],
    )
    with_r: bool = option(False, "add the radius channel to CoordConv layers")
    coord_init: str = option(
        "paper",
        "CoordConv coordinate weights at init: paper (baselines' orthogonal init over the whole "
        "weight, as the paper's code would have done); zero (NOT the paper: coordinate weights 0, "
        "the agent starts as the plain conv agent)",
        choices=list(COORD_INITS),
    )
    arch: str = option(
        "auto",
        "network torso: nature (84x84 Atari), small (tiny images), auto by image size",
        choices=list(ARCHS),
    )
    frames: int = option(
        10_000_000, "training budget in agent steps summed over envs (x4 emulator frames on Atari)"
    )
    seed: int = option(0, "random seed (torch, envs)")
    num_envs: int = option(16, "parallel environments")
    num_steps: int = option(5, "rollout length per env between updates")
    optimizer: str = option(
        "auto",
        "rmsprop-tf: RMSprop as TensorFlow 1 computes it (baselines'; eps inside the square "
        "root, mean square started at 1); rmsprop-torch: torch.optim.RMSprop (NOT baselines': "
        "eps outside, started at 0); auto: rmsprop-tf on Atari, rmsprop-torch on TargetReach "
        "(where the TF maths at lr 7e-4 stays at chance for 200k frames; see README)",
        choices=["auto", *OPTIMIZERS],
    )
    lr: float = option(7e-4, "RMSprop learning rate (start of the schedule)")
    lr_schedule: str = option(
        "linear",
        "linear: decay to 0 over --frames (baselines); constant",
        choices=["linear", "constant"],
    )
    alpha: float = option(0.99, "RMSprop smoothing constant")
    eps: float = option(1e-5, "RMSprop epsilon")
    gamma: float = option(0.99, "discount factor")
    ent_coef: float = option(0.01, "entropy bonus coefficient")
    vf_coef: float = option(0.5, "value loss coefficient")
    max_grad_norm: float = option(0.5, "global gradient-norm clip")
    reward_clip: str = option(
        "auto",
        "reward the agent learns from: sign (baselines' ClipRewardEnv), none, or auto: sign on "
        "Atari, none elsewhere (baselines clips Atari only; TargetReach's 0.1 shaping stays 0.1); "
        "logged and evaluated scores are always raw",
        choices=list(REWARD_CLIPS),
    )
    episodic_life: bool = option(True, "a lost life ends the episode for value targets")
    backend: str = option(
        "ale-vector",
        "Atari pipeline: ale-vector (C++ AtariVectorEnv) or gymnasium (Python wrappers)",
        choices=list(BACKENDS),
    )
    repeat_action_probability: float = option(
        0.0, "sticky actions (0 as baselines' NoFrameskip-v4; 0.25 as ALE v5)"
    )
    eval_episodes: int = option(10, "episodes for the final evaluation (results.json final_score)")
    eval_greedy: bool = option(False, "evaluate the argmax action instead of sampling")
    eval_max_steps: int = option(27_000, "cap on agent steps per evaluation game")
    log_interval: int = option(100, "updates between loss/fps records in metrics.jsonl")
    checkpoint_interval: int = option(2_500, "updates between checkpoints")
    threads: int = option(
        0,
        "torch CPU threads (0: torch's default; 1 is fastest for the small net or on a busy machine)",
    )
    device: str = option("auto", "auto, cpu or cuda", choices=["auto", "cpu", "cuda"])
    amp: bool = option(False, "bf16/fp16 autocast on CUDA")
    progress: bool = option(True, "show a tqdm progress bar")
    log_with: list[str] = field(default_factory=list, metadata={"help": LOG_WITH_HELP})
    out: Path = field(default=Path("runs/a2c"), metadata={"help": "run directory"})
    resume: bool = option(False, "continue the run in --out from its checkpoint")
    overwrite: bool = option(False, "replace an existing run in --out")


# fields that may change between a run and its --resume (they do not change what is learnt)
NOT_RESULTS: tuple[str, ...] = (
    "resume",
    "overwrite",
    "device",
    "threads",
    "progress",
    "log_interval",
    "checkpoint_interval",
    "log_with",
)


def check_config(cfg: A2CConfig) -> None:
    """Refuse counts and rates out of range (:class:`UserError`), before anything is written."""
    rules = {
        "--frames": cfg.frames >= 1,
        "--num-envs": cfg.num_envs >= 1,
        "--num-steps": cfg.num_steps >= 1,
        "--log-interval": cfg.log_interval >= 1,
        "--checkpoint-interval": cfg.checkpoint_interval >= 1,
        "--eval-max-steps": cfg.eval_max_steps >= 1,
        "--eval-episodes": cfg.eval_episodes >= 0,
        "--threads": cfg.threads >= 0,
        "--lr": cfg.lr > 0,
        "--eps": cfg.eps > 0,
        "--alpha": 0 <= cfg.alpha < 1,
        "--gamma": 0 <= cfg.gamma <= 1,
        "--max-grad-norm": cfg.max_grad_norm > 0,
        "--repeat-action-probability": 0 <= cfg.repeat_action_probability <= 1,
    }
    bad = [flag for flag, ok in rules.items() if not ok]
    if bad:
        raise UserError(
            f"out of range: {', '.join(bad)} (counts and intervals >= 1, --eval-episodes and "
            "--threads >= 0, rates > 0, probabilities and --alpha/--gamma in [0, 1])"
        )
