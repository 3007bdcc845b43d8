"""Reinforcement-learning experiment of the reproduction (S8, table S7): A2C with a conv vs a
CoordConv first layer, on our TargetReach pixel task and on Atari games, through
``coordconv-rl experiment`` and ``coordconv-rl report``."""

from __future__ import annotations

import json
import time

from reproduction.report import Section, copy_figure
from reproduction.runner import Context, ExperimentFailed


def atari(ctx: Context) -> Section:
    """Run the conv x CoordConv x game x seed grid of the preset, then table S7."""
    from coordconv_rl.cli import main

    start = time.perf_counter()
    budget = ctx.budget
    root = ctx.run_dir("a2c")
    rows, figures, frames = [], [], {}
    for game, game_frames in budget["games"].items():
        argv = ["experiment", "--games", game, "--seeds", str(budget["seeds"])]
        argv += ["--frames", str(game_frames), "--out", str(root), "--device", ctx.device]
        argv += ["--no-progress", *map(str, budget.get("args", []))]
        ctx.log("  $ " + " ".join(argv))
        if main(argv):
            raise ExperimentFailed(f"coordconv-rl experiment --games {game} failed")
        frames[game] = game_frames
    if main(["report", str(root)]):
        raise ExperimentFailed("coordconv-rl report failed")
    table = json.loads((root / "table_s7.json").read_text())
    for row in table["rows"]:
        paper = row.get("paper") or {}
        rows.append(
            [
                row["env"],
                ", ".join(f"{f:,}" for f in row["frames"]),
                f"{row['conv']['n']} / {row['coordconv']['n']}",
                row["conv"]["mean"],
                row["coordconv"]["mean"],
                row["p_value"],
                paper.get("conv"),
                paper.get("coordconv"),
                paper.get("p_value"),
            ]
        )
    figures = [
        copy_figure(png, ctx.report_dir, f"a2c-{png.name}")
        for png in sorted(root.glob("curves_*.png"))
    ]
    return Section(
        key="atari",
        title="A2C on Atari and TargetReach (S8, table S7)",
        status="ran",
        what=(
            "A2C with the OpenAI-baselines defaults (16 envs, 5-step rollouts, RMSprop 7e-4) and "
            "the Nature CNN, first conv plain or CoordConv; final score = mean return of the "
            "trained policy over evaluation games; p = Welch's t-test. TargetReach is our tiny "
            "pixel task where the target's position decides the action."
        ),
        columns=[
            "environment",
            "frames",
            "runs conv / CC",
            "conv",
            "CoordConv",
            "p",
            "conv (paper)",
            "CoordConv (paper)",
            "p (paper)",
        ],
        rows=rows,
        figures=figures,
        notes=[
            "The paper trained each of 9 games x 2 models x 10 seeds for the baselines default "
            "budget on GPUs; the quick preset's Atari runs are orders of magnitude shorter and "
            "show only that the pipeline runs end to end, not the paper's scores.",
        ],
        wall_time_s=time.perf_counter() - start,
    )
