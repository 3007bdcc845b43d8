"""A2C training loop (S8): rollout -> n-step returns -> one update, until ``frames`` are used.

The paper (S8) trained conv and CoordConv agents with "OpenAI baselines implementation and
default parameters", i.e. A2C, the synchronous variant of A3C (Mnih et al. 2016,
"Asynchronous Methods for Deep Reinforcement Learning"). Read with its parts, one file each:
:mod:`coordconv_rl.a2c_config` (:class:`A2CConfig`, every field a ``coordconv-rl train``
flag, defaults baselines'), :mod:`coordconv_rl.a2c_maths` (:func:`n_step_returns`,
:func:`a2c_loss`, :func:`a2c_update`) and :mod:`coordconv_rl.a2c_episodes`
(:func:`episode_ends`, :func:`reward_clipper`, :func:`linear_lr`), the optimiser
:mod:`coordconv_rl.rmsprop_tf`. Here: rewards are clipped to their sign for the
update on Atari only (as baselines; see ``--reward-clip``) while the logged and evaluated scores
stay raw, whole games.
"""

from __future__ import annotations

import math
import time
from collections import deque
from pathlib import Path
from typing import Any

import numpy as np
import torch
from tqdm.auto import tqdm

from coordconv_rl.a2c_config import NOT_RESULTS, A2CConfig, check_config
from coordconv_rl.a2c_episodes import episode_ends, linear_lr, reward_clipper
from coordconv_rl.a2c_maths import a2c_update, n_step_returns
from coordconv_rl.envs import lives_of, make_vector_env
from coordconv_rl.evaluate import evaluate
from coordconv_rl.games import resolve_env_id
from coordconv_rl.networks import COORD_INITS, make_network, variant_name
from coordconv_rl.rmsprop_tf import make_optimizer, optimizer_for
from coordconv_train import (
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
from coordconv_train.tracking import end_tracking, start_tracking, tracking_options

__all__ = ["A2CConfig", "train"]  # A2CConfig stays importable from here (tools/bench)


def train(cfg: A2CConfig) -> dict[str, Any] | None:
    """Train one agent; write config, metrics, checkpoints, weights and results to ``cfg.out``.

    Returns the results dict, or ``{"stopped": True, ...}`` if stopped by SIGINT/SIGTERM
    (checkpoint written), or None on processes other than the main one. Every input (game,
    counts, the network for the observations) is checked before the run directory is written.
    """
    cfg.env = resolve_env_id(cfg.env)
    check_config(cfg)
    tracking = tracking_options(cfg.log_with, cfg.out)
    clip_reward = reward_clipper(cfg.reward_clip, cfg.env)  # the new choices, also before writing
    if cfg.coord_init not in COORD_INITS:
        raise UserError(f"--coord-init must be one of {', '.join(COORD_INITS)}")
    optimizer_name = optimizer_for(cfg.optimizer, cfg.env)
    run = RunDir(cfg.out)
    prepare = {"overwrite": cfg.overwrite, "resume": cfg.resume, "ignore_on_resume": NOT_RESULTS}
    run.check(config_to_dict(cfg), **prepare)  # --out mistakes first, without writing
    if cfg.resume and run.read_results() is not None:
        return run.read_results()
    if cfg.threads > 0:
        torch.set_num_threads(cfg.threads)
    accelerator = make_accelerator(cfg.device, amp=cfg.amp, **tracking)
    device = accelerator.device
    seed_everything(cfg.seed + accelerator.process_index)
    batch = cfg.num_envs * cfg.num_steps
    num_updates = math.ceil(cfg.frames / batch)

    envs = make_vector_env(
        cfg.env, cfg.num_envs, cfg.seed, cfg.backend, cfg.repeat_action_probability
    )  # type: ignore[arg-type]
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
        resuming = run.prepare(config_to_dict(cfg), **prepare)
    except BaseException:
        envs.close()
        raise
    if accelerator.is_main_process:  # after the first write: trackers write under --out
        start_tracking(accelerator, "coordconv-rl", config_to_dict(cfg))
    optimizer = make_optimizer(
        optimizer_name, model.parameters(), lr=cfg.lr, alpha=cfg.alpha, eps=cfg.eps
    )
    update, wall_before, cpu_before = 0, 0.0, 0.0
    recent: deque[float] = deque(maxlen=100)  # recent true game scores
    if resuming:
        state = load_checkpoint(run.checkpoint)
        model.load_state_dict(state["model"])
        optimizer.load_state_dict(state["optimizer"])
        update, wall_before = state["update"], state["wall_time_s"]
        cpu_before = state.get("cpu_time_s", 0.0)
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
                "cpu_time_s": cpu_before + time.process_time() - cpu_start,
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
    start, cpu_start = time.time(), time.process_time()
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
                        record = {
                            "frames": frames_now,
                            "charts/episodic_return": float(scores[i]),
                            "charts/episodic_length": int(lengths[i]),
                        }
                        run.log(record)
                        accelerator.log(record, step=frames_now)
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
            bar.update(batch)
            fps = (update - start_update) * batch / max(time.time() - start, 1e-9)
            bar.set_postfix(fps=f"{fps:.0f}", ret=f"{np.mean(recent):.1f}" if recent else "-")
            if is_main and (update % cfg.log_interval == 0 or update == num_updates):
                record = {
                    "frames": update * batch,
                    "charts/learning_rate": lr,
                    "charts/fps": fps,
                    **{f"losses/{k}": v for k, v in stats.items()},
                }
                run.log(record)
                accelerator.log(record, step=update * batch)
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
                end_tracking(accelerator)
                return {"stopped": True, "frames": update * batch}
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
    run.write_results(results)
    end_tracking(accelerator)
    return results
