"""A2C (S8), top to bottom: arguments, environments, network, rollout, n-step returns, update, logs.

The paper (S8) trained its conv and CoordConv agents with "OpenAI baselines implementation and
default parameters", i.e. A2C, the synchronous variant of A3C (Mnih et al. 2016, "Asynchronous
Methods for Deep Reinforcement Learning"). This file reads in the order of CleanRL's single-file
agents: the arguments (:class:`A2CConfig`, every field a ``coordconv-rl train`` flag, defaults
baselines'), the episode bookkeeping around the environments of :mod:`coordconv_rl.envs`, the
maths (:func:`n_step_returns`, :func:`a2c_loss`, :func:`a2c_update`, :func:`linear_lr`), then
:func:`train`, whose loop is rollout -> returns -> one update -> logging until ``frames`` are
used. Beside it: the networks (:mod:`coordconv_rl.networks`), the TF1 RMSprop
(:mod:`coordconv_rl.rmsprop_tf`), evaluation (:mod:`coordconv_rl.evaluate`) and the run
plumbing, :class:`coordconv_train.Run` (run directory, checkpoint, stop signal, resume).

Rewards are clipped to their sign for the update on Atari only (as baselines; ``--reward-clip``)
while the logged and evaluated scores stay raw, whole games. ``frames`` counts agent steps summed
over the envs (baselines' ``num_timesteps``); with Atari's frame skip of 4 each is 4 emulator
frames.
"""

from __future__ import annotations

import math
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch
from tqdm.auto import tqdm

from coordconv_rl.deepmind import life_lost
from coordconv_rl.emulators import FRAME_SKIP, MAX_EPISODE_FRAMES
from coordconv_rl.envs import (
    BACKENDS,
    lives_of,
    load_vector_env_state,
    make_vector_env,
    vector_env_state,
)
from coordconv_rl.evaluate import evaluate
from coordconv_rl.games import TINY_ENV_ID, resolve_env_id
from coordconv_rl.networks import ARCHS, COORD_INITS, MODELS, make_network, variant_name
from coordconv_rl.rmsprop_tf import OPTIMIZERS, make_optimizer, optimizer_for
from coordconv_train import Run, UserError, config_to_dict, seed_everything, training_state
from coordconv_train.config import LEARNING_RATE, THREADS
from coordconv_train.option import option
from coordconv_train.tracking import LOG_WITH_HELP

# ---------------------------------------------------------------------------------- arguments

REWARD_CLIPS: tuple[str, ...] = ("auto", "sign", "none")


@dataclass
class A2CConfig:
    """One A2C run (``coordconv-rl train``); defaults are OpenAI baselines' A2C on Atari: 16 envs,
    5-step rollouts, TF1 RMSprop (lr 7e-4 decayed linearly to 0, alpha 0.99, eps 1e-5), entropy
    0.01, value 0.5, grad-norm clip 0.5, gamma 0.99, Atari rewards sign-clipped, a lost life
    ending the episode for the value targets. Each field's help is its ``--flag``'s."""

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
        "the agent starts as the plain conv agent); paper-zero, conv-ortho, glorot: the "
        "ablation cells (coordconv_rl.networks)",
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
    lr: float = option(7e-4, "RMSprop learning rate (start of the schedule)", **LEARNING_RATE)
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
    episodic_life: bool = option(
        True,
        "a lost life ends the episode (baselines' EpisodicLifeEnv): for the value targets, and "
        "on Atari the frame stack is cleared and FIRE pressed as at a game's start",
    )
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
    eval_max_steps: int = option(
        MAX_EPISODE_FRAMES // FRAME_SKIP,
        "cap on agent steps per evaluation game (default: the games' own 400k-frame cap)",
    )
    log_interval: int = option(100, "updates between loss/fps records in metrics.jsonl")
    checkpoint_interval: int = option(2_500, "updates between checkpoints")
    threads: int = option(
        0,
        "torch CPU threads (0: torch's default; 1 is fastest for the small net or on a busy machine)",
        **THREADS,
    )
    device: str = option("auto", "auto, cpu or cuda", choices=["auto", "cpu", "cuda"])
    amp: bool = option(False, "bf16/fp16 autocast on CUDA")
    progress: bool = option(True, "show a tqdm progress bar")
    log_with: list[str] = field(default_factory=list, metadata={"help": LOG_WITH_HELP})
    out: Path = field(default=Path("runs/a2c"), metadata={"help": "run directory"})
    resume: bool = option(False, "continue the run in --out from its checkpoint")
    overwrite: bool = option(False, "replace an existing run in --out")


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


# ------------------------------------------------------------- episodes around the environments
# The envs (coordconv_rl.envs) give raw rewards and whole games (on Atari the rest of baselines'
# wrappers: FIRE and a cleared frame stack after a lost life); the episode end of EpisodicLifeEnv
# and ClipRewardEnv (inside wrap_deepmind: Atari only) are done here, for every backend alike.


def episode_ends(
    terminated: np.ndarray,
    truncated: np.ndarray,
    lives: np.ndarray | None,
    new_lives: np.ndarray | None,
    episodic_life: bool,
) -> tuple[np.ndarray, np.ndarray]:
    """``(game_over, done)`` per env after one vector step, both bool ``(N,)``.

    ``game_over``: the game really ended (terminated or truncated; scores are logged then).
    ``done``: the episode ended for the value targets: ``game_over``, or, with ``episodic_life``,
    a life was lost (baselines' ``EpisodicLifeEnv``: lives fell and are still above 0; the
    Atari envs clear their frame stacks by the same :func:`coordconv_rl.deepmind.life_lost`).
    With same-step autoreset ``new_lives`` of a finished game are the new game's, hence the
    ``~game_over``.
    """
    game_over = np.asarray(terminated, dtype=bool) | np.asarray(truncated, dtype=bool)
    done = game_over.copy()
    if episodic_life and lives is not None and new_lives is not None:
        done |= life_lost(lives, new_lives) & ~game_over
    return game_over, done


def reward_clipper(choice: str, env_id: str) -> Callable[[np.ndarray], np.ndarray]:
    """The map from raw rewards ``(N,)`` to the rewards the agent learns from.

    ``sign``: ``np.sign`` (baselines' ``ClipRewardEnv``); ``none``: unchanged; ``auto``: sign on
    Atari games, unchanged on TargetReach (whose +-0.1 shaping would otherwise become +-1, a step
    closer worth as much as reaching the target).
    """
    if choice not in REWARD_CLIPS:
        raise UserError(f"unknown reward clip {choice!r}; choose one of {', '.join(REWARD_CLIPS)}")
    if choice == "auto":
        choice = "none" if env_id == TINY_ENV_ID else "sign"
    return np.sign if choice == "sign" else _unchanged


def _unchanged(rewards: np.ndarray) -> np.ndarray:
    return rewards


# ------------------------------------------------------------------------------ n-step returns


def n_step_returns(
    rewards: torch.Tensor, dones: torch.Tensor, last_values: torch.Tensor, gamma: float
) -> torch.Tensor:
    """Discounted n-step returns (baselines ``discount_with_dones`` + bootstrap).

    ``rewards``, ``dones``: ``(T, N)``; ``dones[t]`` is 1 if the episode ended with step t.
    ``last_values``: ``(N,)`` value of the observation after the last step, used unless the
    last step ended the episode. Returns ``(T, N)``.
    """
    returns = torch.empty_like(rewards)
    running = last_values
    for t in reversed(range(rewards.shape[0])):
        running = rewards[t] + gamma * running * (1.0 - dones[t])
        returns[t] = running
    return returns


# ---------------------------------------------------------------------------------- the update


def linear_lr(base: float, frames_done: int, total_frames: int) -> float:
    """Baselines' linear schedule: ``base * (1 - frames_done / total_frames)``."""
    return base * max(0.0, 1.0 - frames_done / total_frames)


def a2c_loss(
    logits: torch.Tensor,
    values: torch.Tensor,
    actions: torch.Tensor,
    returns: torch.Tensor,
    ent_coef: float,
    vf_coef: float,
) -> dict[str, torch.Tensor]:
    """Baselines' A2C loss on a flat batch: ``logits (B, A)``, ``values/actions/returns (B,)``.

    advantage = R - V (V detached); policy = mean(-log pi(a) * adv); value = mean((V - R)^2);
    entropy = mean(H(pi)); loss = policy - ent_coef * entropy + vf_coef * value.
    """
    dist = torch.distributions.Categorical(logits=logits.float())
    advantages = returns - values.detach()
    policy_loss = -(dist.log_prob(actions) * advantages).mean()
    value_loss = (values.float() - returns).pow(2).mean()
    entropy = dist.entropy().mean()
    loss = policy_loss - ent_coef * entropy + vf_coef * value_loss
    return {"loss": loss, "policy_loss": policy_loss, "value_loss": value_loss, "entropy": entropy}


def a2c_update(
    model: torch.nn.Module,
    optimizer: torch.optim.Optimizer,
    obs: torch.Tensor,
    actions: torch.Tensor,
    returns: torch.Tensor,
    *,
    lr: float,
    ent_coef: float,
    vf_coef: float,
    max_grad_norm: float,
    accelerator: Any = None,
) -> dict[str, float]:
    """One gradient step: loss on the rollout ``obs (B, C, H, W)``, clip the global norm, step.

    The optimiser is baselines' TF1 RMSprop (:mod:`coordconv_rl.rmsprop_tf`) unless
    ``--optimizer`` says otherwise; the difference from ``torch.optim.RMSprop`` is not small
    (the package README measures it)."""
    if accelerator is not None:
        with accelerator.autocast():
            logits, values = model(obs)
    else:
        logits, values = model(obs)
    terms = a2c_loss(logits, values, actions, returns, ent_coef, vf_coef)
    optimizer.zero_grad(set_to_none=True)
    if accelerator is not None:
        accelerator.backward(terms["loss"])
        grad_norm = accelerator.clip_grad_norm_(model.parameters(), max_grad_norm)
    else:
        terms["loss"].backward()
        grad_norm = torch.nn.utils.clip_grad_norm_(model.parameters(), max_grad_norm)
    for group in optimizer.param_groups:
        group["lr"] = lr
    optimizer.step()
    stats = {k: float(v.detach()) for k, v in terms.items()}
    stats["grad_norm"] = float(grad_norm)
    return stats


# ---------------------------------------------------------------------------------- training


def train(cfg: A2CConfig) -> dict[str, Any] | None:
    """Train one agent; write config, metrics, checkpoints, weights and results to ``cfg.out``.

    Returns the results dict, or ``{"status": "stopped", "frames": ...}`` if stopped by
    SIGINT/SIGTERM (checkpoint written; :func:`coordconv_train.is_stopped`), or None on
    processes other than the main one. Every input (game, counts, the network for the
    observations) is checked before the run directory is written.
    """
    # arguments: every one checked before the first write
    cfg.env = resolve_env_id(cfg.env)
    check_config(cfg)
    run = Run(cfg, project="coordconv-rl")
    clip_reward = reward_clipper(cfg.reward_clip, cfg.env)
    if cfg.coord_init not in COORD_INITS:
        raise UserError(f"--coord-init must be one of {', '.join(COORD_INITS)}")
    optimizer_name = optimizer_for(cfg.optimizer, cfg.env)
    run.check()  # --out mistakes, without writing
    if cfg.resume and run.dir.read_results() is not None:
        return run.dir.read_results()
    if cfg.threads > 0:
        torch.set_num_threads(cfg.threads)
    accelerator = run.accelerator
    device = accelerator.device
    seed_everything(cfg.seed + accelerator.process_index)
    batch = cfg.num_envs * cfg.num_steps
    num_updates = math.ceil(cfg.frames / batch)

    # environments (coordconv_rl.envs) and the network (coordconv_rl.networks)
    envs = make_vector_env(
        cfg.env,
        cfg.num_envs,
        cfg.seed,
        cfg.backend,  # type: ignore[arg-type]
        cfg.repeat_action_probability,
        episodic_life=cfg.episodic_life,
    )
    obs_shape = envs.single_observation_space.shape
    try:  # the network must fit the observations; then every input is checked: first write
        model = make_network(
            obs_shape,
            int(envs.single_action_space.n),
            cfg.model,
            arch=cfg.arch,
            coordconv_layers=cfg.coordconv_layers,
            with_r=cfg.with_r,
            coord_init=cfg.coord_init,
        ).to(device)
        state = run.open()
    except BaseException:
        envs.close()
        raise
    optimizer = make_optimizer(
        optimizer_name, model.parameters(), lr=cfg.lr, alpha=cfg.alpha, eps=cfg.eps
    )
    update, wall_before, cpu_before = 0, 0.0, 0.0
    recent: deque[float] = deque(maxlen=100)  # recent true game scores
    if state is not None:
        model.load_state_dict(state["model"])
        optimizer.load_state_dict(state["optimizer"])
        update, wall_before = state["update"], state["wall_time_s"]
        cpu_before = state.get("cpu_time_s", 0.0)
        recent.extend(state["recent_returns"])
        run.restore(state, keep=lambda r: r["frames"] <= update * batch)
    model, optimizer = accelerator.prepare(model, optimizer)

    def checkpoint() -> None:
        run.checkpoint(
            training_state(
                accelerator,
                model,
                optimizer,
                update=update,
                wall_time_s=wall_before + time.time() - start,
                cpu_time_s=cpu_before + time.process_time() - cpu_start,
                recent_returns=list(recent),
                config=config_to_dict(cfg),
                **games_in_progress(),
            )
        )

    def games_in_progress() -> dict[str, Any]:
        """The games being played, where the backend can save them (TargetReach; not Atari)."""
        states = vector_env_state(envs)
        if states is None:
            return {}
        in_progress = {"states": states, "obs": torch.from_numpy(np.asarray(obs)).clone()}
        in_progress["scores"] = torch.from_numpy(scores).clone()
        in_progress["lengths"] = torch.from_numpy(lengths).clone()
        if lives is not None:
            in_progress["lives"] = torch.from_numpy(lives).clone()
        return {"envs": in_progress}

    # rollout storage; obs stay uint8 on the device: (T, N, C, H, W)
    obs_buf = torch.zeros(
        (cfg.num_steps, cfg.num_envs, *obs_shape), dtype=torch.uint8, device=device
    )
    act_buf = torch.zeros((cfg.num_steps, cfg.num_envs), dtype=torch.long, device=device)
    rew_buf = torch.zeros((cfg.num_steps, cfg.num_envs), device=device)
    done_buf = torch.zeros((cfg.num_steps, cfg.num_envs), device=device)
    # a resumed run continues the games of its checkpoint where the backend could save them
    # (TargetReach); otherwise (Atari's emulators) it starts fresh games, seeded apart
    obs, info = envs.reset(seed=cfg.seed + 1_000 * update + 100_000 * accelerator.process_index)
    lives = lives_of(info, cfg.num_envs)
    scores = np.zeros(cfg.num_envs)  # true (unclipped, whole-game) score so far
    lengths = np.zeros(cfg.num_envs, dtype=np.int64)
    saved = state.get("envs") if state is not None else None
    if saved is not None:
        load_vector_env_state(envs, saved["states"])
        obs = saved["obs"].numpy()
        scores, lengths = saved["scores"].numpy().copy(), saved["lengths"].numpy().copy()
        lives = saved["lives"].numpy().copy() if "lives" in saved else None
    start, cpu_start = time.time(), time.process_time()
    start_update = update
    bar = tqdm(
        total=num_updates * batch,
        initial=update * batch,
        unit="frame",
        disable=not (cfg.progress and run.is_main),
        desc=f"{cfg.env} {cfg.model} s{cfg.seed}",
    )
    with run.stopping():
        while update < num_updates:
            # 1. rollout: num_steps steps of every env with the current policy
            for t in range(cfg.num_steps):
                obs_t = torch.as_tensor(obs, device=device)
                with torch.no_grad(), accelerator.autocast():
                    logits, _ = model(obs_t)
                try:
                    actions = torch.distributions.Categorical(logits=logits.float()).sample()
                except (ValueError, RuntimeError):  # NaN logits: torch refuses to sample
                    if bool(torch.isfinite(logits).all()):
                        raise
                    run.check_finite(
                        {"the policy's logits": float("nan")}, step=update, frames=update * batch
                    )
                    raise
                obs, rewards, terminated, truncated, info = envs.step(actions.cpu().numpy())
                rewards = np.asarray(rewards, dtype=np.float64)
                new_lives = lives_of(info, cfg.num_envs)
                game_over, done = episode_ends(
                    terminated, truncated, lives, new_lives, cfg.episodic_life
                )
                lives = new_lives
                scores += rewards
                if "hidden_reward" in info:  # Atari: steps the env took after a lost life
                    scores += info["hidden_reward"]
                lengths += 1
                frames_now = (update * cfg.num_steps + t + 1) * cfg.num_envs
                for i in np.flatnonzero(game_over):
                    recent.append(float(scores[i]))
                    record = {
                        "frames": frames_now,
                        "charts/episodic_return": float(scores[i]),
                        "charts/episodic_length": int(lengths[i]),
                    }
                    run.log(record, step=frames_now)
                    scores[i], lengths[i] = 0.0, 0
                obs_buf[t] = obs_t
                act_buf[t] = actions
                rew_buf[t] = torch.as_tensor(clip_reward(rewards), device=device)
                done_buf[t] = torch.as_tensor(done, device=device, dtype=torch.float32)

            # 2. targets: n-step returns bootstrapped from V(next obs)
            with torch.no_grad(), accelerator.autocast():
                _, last_values = model(torch.as_tensor(obs, device=device))
            returns = n_step_returns(rew_buf, done_buf, last_values.float(), cfg.gamma)

            # 3. one RMSprop step on the flattened (T * N) batch
            lr = (
                linear_lr(cfg.lr, update * batch, num_updates * batch)
                if cfg.lr_schedule == "linear"
                else cfg.lr
            )
            stats = a2c_update(
                model,
                optimizer,
                obs_buf.flatten(0, 1),
                act_buf.flatten(),
                returns.flatten(),
                lr=lr,
                ent_coef=cfg.ent_coef,
                vf_coef=cfg.vf_coef,
                max_grad_norm=cfg.max_grad_norm,
                accelerator=accelerator,
            )
            update += 1
            # the stats are floats already (read every update): the check costs no sync
            run.check_finite(stats, step=update, frames=update * batch)

            # 4. logging, checkpoints, a stop signal
            bar.update(batch)
            fps = (update - start_update) * batch / max(time.time() - start, 1e-9)
            bar.set_postfix(fps=f"{fps:.0f}", ret=f"{np.mean(recent):.1f}" if recent else "-")
            if update % cfg.log_interval == 0 or update == num_updates:
                record = {
                    "frames": update * batch,
                    "charts/learning_rate": lr,
                    "charts/fps": fps,
                    **{f"losses/{k}": v for k, v in stats.items()},
                }
                run.log(record, step=update * batch)
            if update % cfg.checkpoint_interval == 0:
                checkpoint()
            if run.should_stop(update):
                checkpoint()
                bar.close()
                envs.close()
                return run.stopped(frames=update * batch)
    bar.close()
    envs.close()

    # the end: checkpoint, weights, evaluation on true game scores, results.json
    wall = wall_before + time.time() - start
    checkpoint()
    net = accelerator.unwrap_model(model)
    run.save_weights(net)
    eval_returns = []
    if run.is_main:
        eval_returns = evaluate(
            net,
            cfg.env,
            cfg.eval_episodes,
            cfg.seed + 10_000,
            device=device,
            backend=cfg.backend,
            greedy=cfg.eval_greedy,  # type: ignore[arg-type]
            max_steps=cfg.eval_max_steps,
            repeat_action_probability=cfg.repeat_action_probability,
            episodic_life=cfg.episodic_life,
        )
    results = {
        "env": cfg.env,
        "model": cfg.model,
        "variant": variant_name(cfg.model, cfg.coord_init),
        "optimizer": optimizer_name,
        "seed": cfg.seed,
        "frames": num_updates * batch,
        "final_score": float(np.mean(eval_returns)) if eval_returns else None,
        "eval_returns": eval_returns,
        "train_last_returns_mean": float(np.mean(recent)) if recent else None,
        "wall_time_s": wall,
        "cpu_time_s": cpu_before + time.process_time() - cpu_start,
        "fps": num_updates * batch / wall if wall > 0 else None,
    }
    run.finish(results)
    return results if run.is_main else None
