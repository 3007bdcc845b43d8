"""``coordconv-rl``: train A2C agents, run the table S7 grid, report it (S8, table S7).

Examples::

    coordconv-rl train --env ALE/MsPacman-v5 --model coordconv --frames 10000000 --seed 0 --out runs/mspacman-cc-0
    coordconv-rl experiment --games MsPacman Asterix --seeds 10 --frames 10000000 --out runs/s7 --shard 1/20
    coordconv-rl report runs/s7
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from pathlib import Path

from coordconv_train import (
    EXIT_STOPPED,
    CliParser,
    add_config_command,
    config_from_args,
    is_stopped,
    run_cli,
)
from coordconv_train.cli import console_main

PROG = "coordconv-rl"


def _build_parser() -> argparse.ArgumentParser:
    from coordconv_rl.a2c import A2CConfig  # torch and the games: imported under console_main
    from coordconv_rl.experiment import ExperimentConfig

    parser = CliParser(
        prog=PROG,
        description="A2C agents on Atari, conv vs CoordConv (Liu et al. 2018, S8 / table S7).",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog=__doc__.split("Examples::", 1)[1],
    )
    sub = parser.add_subparsers(dest="command", required=True)
    add_config_command(
        sub,
        "train",
        A2CConfig,
        _train,
        help="train one A2C agent; writes config.json, metrics.jsonl, checkpoints, results.json",
        description="Train one A2C agent (OpenAI-baselines defaults) on one environment.",
    )
    add_config_command(
        sub,
        "experiment",
        ExperimentConfig,
        _experiment,
        help="run the conv x CoordConv x game x seed grid into OUT/<game>/<model>/seed<k> (resumable)",
        description="Run the table S7 grid; finished runs are skipped, unfinished ones resumed. "
        "Extra A2C flags (e.g. --num-envs, --device) come from the train subcommand's list.",
    )
    p_rep = sub.add_parser(
        "report",
        help="table S7 (markdown + JSON: Welch t-test, IQM with stratified-bootstrap 95%% CIs) "
        "and learning curves (PNG) from a results tree",
        description="Summarise OUT/<game>/<agent>/seed<k>/results.json into table S7.",
    )
    p_rep.add_argument("root", type=Path, help="results tree written by `coordconv-rl experiment`")
    p_rep.add_argument(
        "--metric",
        choices=["final_score", "train_last_returns_mean"],
        default="final_score",
        help="score per run: evaluation mean (default) or mean of the last 100 training games",
    )
    p_rep.set_defaults(func=_report)
    return parser


def _train(args: argparse.Namespace) -> int:
    from coordconv_rl.a2c import A2CConfig, train

    results = train(config_from_args(A2CConfig, args))
    if is_stopped(results):
        return EXIT_STOPPED
    if results is not None:
        print(f"final score {results['final_score']} over {len(results['eval_returns'])} games")
    return 0


def _experiment(args: argparse.Namespace) -> int:
    from coordconv_rl.experiment import ExperimentConfig, parse_shard, run_experiment

    cfg = config_from_args(ExperimentConfig, args)
    parse_shard(cfg.shard)
    return 0 if run_experiment(cfg) is not None else EXIT_STOPPED


def _report(args: argparse.Namespace) -> int:
    from coordconv_rl.report import write_report

    paths = write_report(args.root, metric=args.metric)
    for path in paths:
        print(path)
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``coordconv-rl`` console script."""
    return console_main(PROG, lambda: run_cli(_build_parser(), argv, lambda args: args.func(args)))


if __name__ == "__main__":
    raise SystemExit(main())
