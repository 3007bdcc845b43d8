"""``coordconv-vision compare``: repeated runs of two models, table S2 / S3 style (S5, S6).

S5: "Each model is run 5 times on the same setting [...] a one-sided t-test tells that the
improvement on Top 5 accuracy is not quite statistically significant with p = .11." For each
metric this gives both models' mean (and sample std) over their runs' ``results.json``, the change
in percent and the one-sided two-sample t-test p-value (``scipy.stats.ttest_ind``, equal
variances, ``alternative`` in the metric's better direction: ``less`` for losses, ``greater``
otherwise). ``--welch`` uses Welch's test instead (unequal variances) and ``--two-sided`` drops
the direction (table S3's comparison in the README: both). Printed as a table and written as
JSON.

    coordconv-vision compare runs/cc50-{1..5} --baseline runs/r50-{1..5} --out table_s2.json
"""

from __future__ import annotations

import argparse
import json
import math
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from coordconv_train import RunDir, UserError, write_json_atomic

# results.json entries that describe the run rather than measure the model
BOOKKEEPING = frozenset(
    {
        "params",
        "epochs",
        "steps",
        "wall_time_s",
        "cpu_time_s",
        "global_batch",
        "processes",
        "seed",
        "interrupted",
    }
)
DIRECTIONS = ("greater", "less")


def default_direction(metric: str) -> str:
    """``less`` is better for losses and errors, ``greater`` for everything else."""
    return "less" if ("loss" in metric or "error" in metric) else "greater"


def parse_metric(spec: str) -> tuple[str, str]:
    """``NAME`` or ``NAME:greater`` / ``NAME:less`` -> (name, direction)."""
    name, _, direction = spec.partition(":")
    direction = direction or default_direction(name)
    if not name or direction not in DIRECTIONS:
        raise UserError(f"bad --metric {spec!r}; use NAME, NAME:greater or NAME:less")
    return name, direction


def _numeric_keys(results: dict[str, Any]) -> set[str]:
    return {
        k
        for k, v in results.items()
        if isinstance(v, int | float) and not isinstance(v, bool) and k not in BOOKKEEPING
    }


def compare_results(
    candidate: Sequence[dict[str, Any]],
    baseline: Sequence[dict[str, Any]],
    metrics: Sequence[tuple[str, str]] | None = None,
    *,
    welch: bool = False,
    two_sided: bool = False,
) -> dict[str, dict[str, Any]]:
    """Per metric: means, sample stds, values, change % and the t-test.

    ``metrics`` is a list of (name, direction); by default every numeric metric all runs share.
    The test is Student's (``welch=False``) or Welch's, one-sided in the metric's better
    direction unless ``two_sided``. ``p_value`` is ``None`` unless both sides have at least two
    runs and some spread.
    """
    from scipy import stats

    if not candidate or not baseline:
        raise UserError("compare needs at least one run on each side")
    if metrics is None:
        shared = set.intersection(*(_numeric_keys(r) for r in [*candidate, *baseline]))
        metrics = [(k, default_direction(k)) for k in sorted(shared)]
        if not metrics:
            raise UserError("the runs share no numeric metric in their results.json")
    table: dict[str, dict[str, Any]] = {}
    for name, direction in metrics:
        try:
            cand = np.array([float(r[name]) for r in candidate])
            base = np.array([float(r[name]) for r in baseline])
        except KeyError as exc:
            raise UserError(f"metric {name!r} is missing from some results.json") from exc
        row: dict[str, Any] = {
            "direction": direction,
            "test": ("welch" if welch else "student") + (" two-sided" if two_sided else ""),
            "candidate_mean": float(cand.mean()),
            "baseline_mean": float(base.mean()),
            "candidate_std": float(cand.std(ddof=1)) if len(cand) > 1 else None,
            "baseline_std": float(base.std(ddof=1)) if len(base) > 1 else None,
            "change_percent": float((cand.mean() - base.mean()) / abs(base.mean()) * 100)
            if base.mean() != 0
            else None,
            "t_statistic": None,
            "p_value": None,
            "candidate_values": cand.tolist(),
            "baseline_values": base.tolist(),
        }
        if len(cand) > 1 and len(base) > 1:
            with warnings.catch_warnings():
                warnings.simplefilter(
                    "ignore", RuntimeWarning
                )  # zero spread -> nan, reported as None
                test = stats.ttest_ind(
                    cand,
                    base,
                    equal_var=not welch,
                    alternative="two-sided" if two_sided else direction,
                )
            if math.isfinite(test.pvalue):
                row["t_statistic"], row["p_value"] = float(test.statistic), float(test.pvalue)
        table[name] = row
    return table


def format_table(table: dict[str, dict[str, Any]]) -> str:
    """Plain-text table: metric, both means +- std, change %, p."""

    def cell(mean: float, std: float | None) -> str:
        return f"{mean:.5f}" + (f" ± {std:.5f}" if std is not None else "")

    header = f"{'metric':<22} {'baseline':>20} {'candidate':>20} {'change %':>9} {'p':>11}"
    lines = [header, "-" * len(header)]
    for name, row in table.items():
        change = "" if row["change_percent"] is None else f"{row['change_percent']:+.2f}"
        p = "" if row["p_value"] is None else f"{row['p_value']:.4f}"
        base = cell(row["baseline_mean"], row["baseline_std"])
        cand = cell(row["candidate_mean"], row["candidate_std"])
        lines.append(f"{name:<22} {base:>20} {cand:>20} {change:>9} {p:>11}")
    return "\n".join(lines)


def _read(run_dirs: Sequence[Path]) -> list[dict[str, Any]]:
    results = []
    for path in run_dirs:
        if not path.is_dir():
            raise UserError(f"{path} is not a run directory")
        try:
            found = RunDir(path).read_results()
        except json.JSONDecodeError as exc:
            raise UserError(f"{path}/results.json is not valid JSON: {exc}") from exc
        if found is None:
            raise UserError(f"{path} has no results.json (is the run finished?)")
        results.append(found)
    return results


def run(args: argparse.Namespace) -> int:
    """Compare the runs named on the command line; print the table and write the JSON."""
    if args.out.exists() and not args.overwrite:
        raise UserError(f"{args.out} exists; pass --overwrite to replace it")
    metrics = [parse_metric(m) for m in args.metric] if args.metric else None
    table = compare_results(
        _read(args.runs), _read(args.baseline), metrics, welch=args.welch, two_sided=args.two_sided
    )
    print(format_table(table))
    write_json_atomic(
        args.out,
        {
            "candidate": [str(p) for p in args.runs],
            "baseline": [str(p) for p in args.baseline],
            "metrics": table,
        },
    )
    print(f"written to {args.out}")
    return 0


def register(subparsers: Any) -> None:
    """Add the ``compare`` subcommand."""
    parser = subparsers.add_parser(
        "compare",
        help="mean per metric and one-sided t-tests over repeated runs (tables S2, S3)",
        description=__doc__.split("\n\n")[1],
    )
    parser.add_argument(
        "runs", nargs="+", type=Path, metavar="RUN_DIR", help="candidate runs (e.g. CoordConv)"
    )
    parser.add_argument(
        "--baseline", nargs="+", type=Path, required=True, metavar="RUN_DIR", help="baseline runs"
    )
    parser.add_argument(
        "--metric",
        action="append",
        default=[],
        metavar="NAME[:greater|less]",
        help="metric to compare and its better direction (repeatable; default: every shared "
        "numeric metric, 'less' for names with loss/error)",
    )
    parser.add_argument(
        "--welch",
        action="store_true",
        help="Welch's t-test (unequal variances) instead of Student's",
    )
    parser.add_argument(
        "--two-sided", action="store_true", help="two-sided p-values (default: one-sided)"
    )
    parser.add_argument("--out", type=Path, default=Path("compare.json"), help="JSON output file")
    parser.add_argument("--overwrite", action="store_true", help="replace an existing --out file")
    parser.set_defaults(func=run)
