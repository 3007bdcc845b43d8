"""A2C (synchronous advantage actor-critic) with the OpenAI-baselines defaults, one file (S8).

The paper (S8) trained conv and CoordConv agents with "OpenAI baselines implementation and
default parameters": 16 envs, 5-step rollouts, RMSprop (lr 7e-4, alpha 0.99, eps 1e-5) with the
lr decayed linearly to 0, entropy coef 0.01, value coef 0.5, global grad-norm clip 0.5,
gamma 0.99, rewards clipped to their sign and a lost life treated as the end of an episode for
the value targets (baselines' ``wrap_deepmind``), whole games for the reported scores.

Read top to bottom: :class:`A2CConfig` (every field a ``coordconv-rl train`` flag), the maths
(:func:`n_step_returns`, :func:`a2c_loss`, :func:`a2c_update`, :func:`linear_lr`), then
:func:`train`: rollout -> returns -> one update, repeated until ``frames`` are used.

``frames`` counts agent steps summed over the envs (baselines' ``num_timesteps``); with
Atari's frame skip of 4 each is 4 emulator frames. PyTorch's RMSprop puts eps outside the
square root and starts its average at 0 (TF1, used by baselines: inside, at 1); the effect on
A2C is small and is the same for both models.
"""

from __future__ import annotations

import math
import time
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch
from tqdm.auto import tqdm

from coordconv_core.training import (
    GracefulStop,
    RunDir,
    UserError,
    config_to_dict,
    load_checkpoint,
    make_accelerator,
    rng_state,
    save_checkpoint,
    seed_everything,
    set_rng_state,
)
from coordconv_rl.envs import BACKENDS, lives_of, make_vector_env
from coordconv_rl.evaluate import evaluate
from coordconv_rl.games import resolve_env_id
from coordconv_rl.networks import ARCHS, MODELS, make_network


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
    clip_rewards: bool = option(True, "train on sign(reward) (scores stay raw)")
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
    out: Path = field(default=Path("runs/a2c"), metadata={"help": "run directory"})
    resume: bool = option(False, "continue the run in --out from its checkpoint")
    overwrite: bool = option(False, "replace an existing run in --out")


# fields that may change between a run and its --resume (they do not change what is learnt)
_NOT_RESULTS = (
    "resume",
    "overwrite",
    "device",
    "threads",
    "progress",
    "log_interval",
    "checkpoint_interval",
)

# ----------------------------------------------------------------------------- the maths


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
    """One gradient step: loss on the rollout ``obs (B, C, H, W)``, clip the global norm, step."""
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
    a life was lost (baselines' ``EpisodicLifeEnv``). With same-step autoreset ``new_lives`` of
    a finished game are the new game's, hence the ``~game_over``.
    """
    game_over = np.asarray(terminated, dtype=bool) | np.asarray(truncated, dtype=bool)
    done = game_over.copy()
    if episodic_life and lives is not None and new_lives is not None:
        done |= (new_lives < lives) & ~game_over
    return game_over, done


def linear_lr(base: float, frames_done: int, total_frames: int) -> float:
    """Baselines' linear schedule: ``base * (1 - frames_done / total_frames)``."""
    return base * max(0.0, 1.0 - frames_done / total_frames)


# ----------------------------------------------------------------------------- training


def train(cfg: A2CConfig) -> dict[str, Any] | None:
    """Train one agent; write config, metrics, checkpoints, weights and results to ``cfg.out``.

    Returns the results dict, or None if stopped by SIGINT/SIGTERM (checkpoint written).
    """
    cfg.env = resolve_env_id(cfg.env)
    if min(cfg.frames, cfg.num_envs, cfg.num_steps) < 1:
        raise UserError("--frames, --num-envs and --num-steps must be >= 1")
    run = RunDir(cfg.out)
    resuming = run.prepare(
        config_to_dict(cfg),
        overwrite=cfg.overwrite,
        resume=cfg.resume,
        ignore_on_resume=_NOT_RESULTS,
    )
    if cfg.resume and run.read_results() is not None:
        return run.read_results()
    if cfg.threads > 0:
        torch.set_num_threads(cfg.threads)
    accelerator = make_accelerator(cfg.device, amp=cfg.amp)
    device = accelerator.device
    seed_everything(cfg.seed + accelerator.process_index)
    batch = cfg.num_envs * cfg.num_steps
    num_updates = math.ceil(cfg.frames / batch)

    envs = make_vector_env(
        cfg.env, cfg.num_envs, cfg.seed, cfg.backend, cfg.repeat_action_probability
    )  # type: ignore[arg-type]
    obs_shape = envs.single_observation_space.shape
    model = make_network(
        obs_shape,
        int(envs.single_action_space.n),
        cfg.model,
        arch=cfg.arch,
        coordconv_layers=cfg.coordconv_layers,
        with_r=cfg.with_r,
    ).to(device)
    optimizer = torch.optim.RMSprop(model.parameters(), lr=cfg.lr, alpha=cfg.alpha, eps=cfg.eps)
    update, wall_before, recent = 0, 0.0, deque(maxlen=100)  # recent true game scores
    if resuming:
        state = load_checkpoint(run.checkpoint)
        model.load_state_dict(state["model"])
        optimizer.load_state_dict(state["optimizer"])
        update, wall_before = state["update"], state["wall_time_s"]
        recent.extend(state["recent_returns"])
        set_rng_state(state["rng"])
        run.truncate_metrics(lambda r: r["frames"] <= update * batch)
    elif cfg.resume:
        run.truncate_metrics(lambda r: False)  # no checkpoint yet: start over
    model, optimizer = accelerator.prepare(model, optimizer)
    is_main = accelerator.is_main_process

    def save(path: Path) -> None:
        save_checkpoint(
            path,
            {
                "model": accelerator.unwrap_model(model).state_dict(),
                "optimizer": optimizer.state_dict(),
                "update": update,
                "wall_time_s": wall_before + time.time() - start,
                "recent_returns": list(recent),
                "rng": rng_state(),
                "config": config_to_dict(cfg),
            },
        )

    # rollout storage; obs stay uint8 on the device: (T, N, C, H, W)
    obs_buf = torch.zeros(
        (cfg.num_steps, cfg.num_envs, *obs_shape), dtype=torch.uint8, device=device
    )
    act_buf = torch.zeros((cfg.num_steps, cfg.num_envs), dtype=torch.long, device=device)
    rew_buf = torch.zeros((cfg.num_steps, cfg.num_envs), device=device)
    done_buf = torch.zeros((cfg.num_steps, cfg.num_envs), device=device)
    # a resumed run starts fresh games (emulator state is not checkpointed), seeded apart
    obs, info = envs.reset(seed=cfg.seed + 1_000 * update + 100_000 * accelerator.process_index)
    lives = lives_of(info, cfg.num_envs)
    scores = np.zeros(cfg.num_envs)  # true (unclipped, whole-game) score so far
    lengths = np.zeros(cfg.num_envs, dtype=np.int64)
    start = time.time()
    start_update = update
    bar = tqdm(
        total=num_updates * batch,
        initial=update * batch,
        unit="frame",
        disable=not (cfg.progress and is_main),
        desc=f"{cfg.env} {cfg.model} s{cfg.seed}",
    )
    with GracefulStop() as stop:
        while update < num_updates:
            # 1. rollout: num_steps steps of every env with the current policy
            for t in range(cfg.num_steps):
                obs_t = torch.as_tensor(obs, device=device)
                with torch.no_grad(), accelerator.autocast():
                    logits, _ = model(obs_t)
                actions = torch.distributions.Categorical(logits=logits.float()).sample()
                obs, rewards, terminated, truncated, info = envs.step(actions.cpu().numpy())
                rewards = np.asarray(rewards, dtype=np.float64)
                new_lives = lives_of(info, cfg.num_envs)
                game_over, done = episode_ends(
                    terminated, truncated, lives, new_lives, cfg.episodic_life
                )
                lives = new_lives
                scores += rewards
                lengths += 1
                frames_now = (update * cfg.num_steps + t + 1) * cfg.num_envs
                for i in np.flatnonzero(game_over):
                    recent.append(float(scores[i]))
                    if is_main:
                        run.log(
                            {
                                "frames": frames_now,
                                "charts/episodic_return": float(scores[i]),
                                "charts/episodic_length": int(lengths[i]),
                            }
                        )
                    scores[i], lengths[i] = 0.0, 0
                obs_buf[t] = obs_t
                act_buf[t] = actions
                rew_buf[t] = torch.as_tensor(
                    np.sign(rewards) if cfg.clip_rewards else rewards, device=device
                )
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
            bar.update(batch)
            fps = (update - start_update) * batch / max(time.time() - start, 1e-9)
            bar.set_postfix(fps=f"{fps:.0f}", ret=f"{np.mean(recent):.1f}" if recent else "-")
            if is_main and (update % cfg.log_interval == 0 or update == num_updates):
                run.log(
                    {
                        "frames": update * batch,
                        "charts/learning_rate": lr,
                        "charts/fps": fps,
                        **{f"losses/{k}": v for k, v in stats.items()},
                    }
                )
            if is_main and update % cfg.checkpoint_interval == 0:
                save(run.checkpoint)
            if stop.requested:
                if is_main:
                    save(run.checkpoint)
                    bar.write(
                        f"stopped by {stop.signal_name} at {update * batch} frames; "
                        f"checkpoint in {run.checkpoint} (continue with --resume)"
                    )
                bar.close()
                envs.close()
                return None
    bar.close()
    envs.close()
    wall = wall_before + time.time() - start
    if not is_main:
        return None
    save(run.checkpoint)
    net = accelerator.unwrap_model(model)
    from safetensors.torch import save_file

    save_file(
        {k: v.contiguous() for k, v in net.state_dict().items()},
        str(run.path / "model.safetensors"),
    )
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
    )
    results = {
        "env": cfg.env,
        "model": cfg.model,
        "seed": cfg.seed,
        "frames": num_updates * batch,
        "final_score": float(np.mean(eval_returns)) if eval_returns else None,
        "eval_returns": eval_returns,
        "train_last_returns_mean": float(np.mean(recent)) if recent else None,
        "wall_time_s": wall,
        "fps": num_updates * batch / wall if wall > 0 else None,
    }
    run.write_results(results)
    return results
