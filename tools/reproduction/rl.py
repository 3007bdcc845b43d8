"""Reinforcement-learning experiment of the reproduction (S8, table S7): A2C with a conv vs a
CoordConv first layer, on our TargetReach pixel task and on Atari games, through
``coordconv-rl experiment`` (one job per model, game and seed of the preset) and
``coordconv-rl report`` (table S7, Welch's t-test, IQM, learning curves); the paper's claim, numbers
and verdicts are ``coordconv_rl.paper``'s."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from reproduction.jobs import Job
from reproduction.presets import TARGET_REACH, flags
from reproduction.report import Section, copy_figure
from reproduction.runner import Context
from reproduction.seeds import count, mean_std, per_seed


def atari_jobs(ctx: Context) -> list[Job]:
    """One A2C run per game, model and seed of the preset (``coordconv-rl experiment`` on a
    one-run grid, so every run lands in the one results tree ``<key>/a2c`` that
    ``coordconv-rl report`` reads)."""
    from coordconv_rl.experiment import game_dir_name
    from coordconv_rl.games import resolve_env_id

    budget, root, jobs = ctx.budget, ctx.run_dir("a2c"), []
    for game, frames in budget["games"].items():
        game_dir = game_dir_name(resolve_env_id(game))
        for model in budget["models"]:
            for seed in budget["seeds"]:
                run = root / game_dir / model / f"seed{seed}"
                argv = ["coordconv-rl", "experiment", "--games", game, "--models", model]
                argv += ["--seeds", "1", "--first-seed", str(seed), "--frames", str(frames)]
                argv += ["--out", str(root), "--no-progress", *flags(budget), *ctx.common_args()]
                argv += ["--threads", str(ctx.threads)] if ctx.threads else []
                name = f"{game_dir}-{model}-seed{seed}"
                jobs.append(
                    Job(
                        experiment=ctx.key,
                        name=name,
                        argv=tuple(argv),
                        done=run / "results.json",
                        home=ctx.run_dir(),
                        resources=ctx.resources,
                        work=frames,
                    )
                )  # the experiment command resumes an interrupted run itself
    return jobs


def atari(ctx: Context) -> Section:
    """Table S7 from the finished runs: ``coordconv-rl report`` over the results tree."""
    from coordconv_rl.cli import main
    from coordconv_rl.games import resolve_env_id
    from coordconv_rl.paper import AGENTS, NOTE, SETUP, TITLE, paper_score
    from coordconv_rl.report import collect

    budget = ctx.budget
    seeds, models = budget["seeds"], budget["models"]
    root = ctx.run_dir("a2c")
    for job in atari_jobs(ctx):
        ctx.result(job)  # every run finished
    if main(["report", str(root)]):
        raise RuntimeError("coordconv-rl report failed")
    table = {row["env"]: row for row in json.loads((root / "table_s7.json").read_text())["rows"]}
    found = collect(root)
    rows, headline = [], []
    for game, frames in budget["games"].items():
        env = resolve_env_id(game)
        scores = {
            model: {r["seed"]: r["final_score"] for r in found[env].get(model, [])}
            for model in models
        }
        paper = paper_score(env)
        p_values = table[env].get("p_values_vs_conv", {})  # variant -> Welch p vs conv
        for model in models:
            rows.append(
                [
                    env,
                    frames,
                    model,
                    per_seed(scores[model], 2),
                    mean_std(scores[model], 2),
                    _iqm(table[env]["variants"].get(model)),
                    p_values.get(model) if model != "conv" else None,
                    None if paper is None else getattr(paper, model, None),
                    None if paper is None or model != "coordconv" else paper.p_value,
                ]
            )
        headline.append(_headline(env, frames, scores, p_values, paper))
    figures = [
        copy_figure(png, ctx.report_dir, f"atari-{png.name}")
        for png in sorted(root.glob("curves_*.png"))
    ]
    return Section(
        key="atari",
        title=TITLE,
        status="ran",
        what=(
            f"{SETUP}; final score = mean return of the trained policy over evaluation games; "
            f"p = Welch's t-test, conv vs each CoordConv agent ({AGENTS}). "
            "TargetReach is our tiny pixel task where the target's position decides the action. "
            f"Seeds {', '.join(map(str, seeds))} per model and game, fixed in advance."
        ),
        columns=[
            "environment",
            "frames",
            "model",
            "final score per seed",
            "mean ± std",
            "IQM [95% bootstrap CI]",
            "p (Welch)",
            "paper",
            "p (paper)",
        ],
        rows=rows,
        headline=headline,
        figures=figures,
        notes=[
            *([NOTE] if any(paper_score(resolve_env_id(g)) for g in budget["games"]) else []),
            *([ablation_note(load_ablation())] if TARGET_REACH in budget["games"] else []),
        ],
    )


# The committed TargetReach init ablation (coordconv-rl README): the conclusion this section
# restates is computed from its per-run scores, never written by hand.
ABLATION_FILE = Path("packages/coordconv-rl/docs/measured/target_reach_ablation_200k/table_s7.json")
REPO = Path(__file__).resolve().parents[2]


def load_ablation(path: Path = REPO / ABLATION_FILE) -> dict[str, Any]:
    """The ablation's ``coordconv-rl report`` table (``table_s7.json``)."""
    return json.loads(path.read_text())


def ablation_note(table: dict[str, Any], source: Path = ABLATION_FILE) -> str:
    """The init ablation's conclusion and IQM differences, recomputed from ``table``'s runs,
    naming the file they come from, its frames and seeds."""
    from coordconv_rl.paper import ablation_conclusion, ablation_findings, ablation_intervals

    row = next(r for r in table["rows"] if r["env"] == TARGET_REACH)
    intervals = ablation_intervals({v: c["scores"] for v, c in row["variants"].items()})
    seeds = sorted(row["variants"]["conv"]["seeds"])
    return (
        f"Why the paper's CoordConv trails conv on TargetReach: the init ablation in `{source}` "
        f"({row['frames'][0]:,} frames, seeds {seeds[0]}-{seeds[-1]}, "
        f"{count(len(seeds), 'run')} per agent): {ablation_conclusion(intervals)} "
        f"IQM differences (95% bootstrap): {'; '.join(ablation_findings(intervals))}."
    )


def _iqm(cell: dict[str, Any] | None) -> str:
    """``IQM [low, high]`` of one agent's runs from ``coordconv-rl report``'s table (its
    stratified-bootstrap interval), or a dash."""
    if not cell or cell.get("iqm") is None:
        return "—"
    low, high = cell["iqm_ci95"]
    return f"{cell['iqm']:.2f} [{low:.2f}, {high:.2f}]"


def _headline(env: str, frames: int, scores: dict, p_values: dict, paper) -> list[str]:
    """One headline row per environment: conv vs each CoordConv variant (means, Welch p), and
    the paper's row."""
    from coordconv_rl.paper import VARIANT_NAMES, claim, paper_text, variant_verdict

    conv = scores.get("conv", {})
    variants = [v for v in VARIANT_NAMES if scores.get(v)]
    n = len(conv)
    ours = f"conv {mean_std(conv, 2)}"
    verdicts = []
    for v in variants:
        p = p_values.get(v)
        said_p = "—" if p is None else f"{p:.3g}"
        ours += f" vs {VARIANT_NAMES[v]} {mean_std(scores[v], 2)} (p {said_p})"
        if conv:
            verdicts.append(variant_verdict(v, conv, scores[v], said_p))
    ours += f"; {count(n, 'seed')}, {frames:,} frames, Welch p vs conv"
    return [claim(env, paper), ours, paper_text(paper), "; ".join(verdicts) or "—"]
