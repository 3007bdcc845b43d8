"""Table S7 from a results tree: mean final score per model and game, Welch's t-test (S8).

Reads ``ROOT/<Game>/<model>/seed<k>/results.json`` (and ``metrics.jsonl`` for the curves) as
written by ``coordconv-rl experiment`` and writes ``ROOT/table_s7.md``, ``ROOT/table_s7.json``
and one ``ROOT/curves_<Game>.png`` per game (episodic return against frames, mean over seeds
with a 95% confidence band). The paper's numbers (table S7) sit beside ours. The paper does not
say which t-test it used; we use Welch's (unequal variances), two-sided.
"""

from __future__ import annotations

import json
import math
from collections import defaultdict
from pathlib import Path
from typing import Any

import numpy as np
from scipy import stats

from coordconv_core.training import UserError, write_json_atomic
from coordconv_rl.games import paper_score


def welch_p(a: list[float], b: list[float]) -> float | None:
    """Two-sided Welch t-test p-value; None with < 2 runs a side or no variance in either."""
    if len(a) < 2 or len(b) < 2:
        return None
    if np.ptp(a) == 0 and np.ptp(b) == 0:  # both constant: t is undefined
        return None
    p = float(stats.ttest_ind(a, b, equal_var=False).pvalue)
    return None if math.isnan(p) else p


def collect(root: Path, metric: str = "final_score") -> dict[str, dict[str, list[dict[str, Any]]]]:
    """``{env_id: {model: [results, ...]}}`` for every finished run under ``root``."""
    found: dict[str, dict[str, list[dict[str, Any]]]] = defaultdict(lambda: defaultdict(list))
    for path in sorted(root.glob("*/*/seed*/results.json")):
        try:
            results = json.loads(path.read_text())
        except ValueError as exc:
            raise UserError(f"{path} is not valid JSON ({exc}); rerun or delete that run") from exc
        if not isinstance(results, dict) or not {"env", "model"} <= results.keys():
            raise UserError(f"{path} is not the results.json of a coordconv-rl run")
        if results.get(metric) is None:
            continue
        results["_dir"] = str(path.parent)
        found[results["env"]][results["model"]].append(results)
    return found


def summarise(root: Path, metric: str = "final_score") -> list[dict[str, Any]]:
    """One row per game: our mean/std/n per model, Welch p, and the paper's row."""
    rows = []
    for env_id, by_model in sorted(collect(root, metric).items()):
        conv = [r[metric] for r in by_model.get("conv", [])]
        coord = [r[metric] for r in by_model.get("coordconv", [])]
        paper = paper_score(env_id)
        rows.append(
            {
                "env": env_id,
                "conv": {"mean": _mean(conv), "std": _std(conv), "n": len(conv)},
                "coordconv": {"mean": _mean(coord), "std": _std(coord), "n": len(coord)},
                "p_value": welch_p(conv, coord),
                "frames": sorted({r["frames"] for rs in by_model.values() for r in rs}),
                "paper": None
                if paper is None
                else {"conv": paper.conv, "coordconv": paper.coordconv, "p_value": paper.p_value},
            }
        )
    return rows


def _mean(x: list[float]) -> float | None:
    return float(np.mean(x)) if x else None


def _std(x: list[float]) -> float | None:
    return float(np.std(x, ddof=1)) if len(x) > 1 else None


def _fmt(x: float | None, sig: int = 5) -> str:
    return "-" if x is None else f"{x:.{sig}g}"


def _fmt_p(p: float | None) -> str:
    return "-" if p is None else (f"{p:.4f}" if p >= 1e-4 else f"{p:.1e}")


def markdown_table(rows: list[dict[str, Any]], metric: str) -> str:
    """Table S7 as markdown: ours (mean ± sd, n) beside the paper's."""
    lines = [
        f"# Table S7: A2C final scores, conv vs CoordConv (metric: {metric})",
        "",
        "| game | frames | conv (ours) | CoordConv (ours) | p (ours, Welch) "
        "| conv (paper) | CoordConv (paper) | p (paper) |",
        "| --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for row in rows:
        paper = row["paper"] or {}
        ours = [
            f"{_fmt(row[m]['mean'])} ± {_fmt(row[m]['std'], 3)} (n={row[m]['n']})"
            for m in ("conv", "coordconv")
        ]
        lines.append(
            f"| {row['env']} | {', '.join(str(f) for f in row['frames'])} | {ours[0]} | {ours[1]} "
            f"| {_fmt_p(row['p_value'])} | {_fmt(paper.get('conv'))} "
            f"| {_fmt(paper.get('coordconv'))} | {_fmt_p(paper.get('p_value'))} |"
        )
    lines += [
        "",
        "frames: agent steps per run summed over envs (x4 emulator frames on Atari). "
        "Paper: OpenAI baselines A2C defaults, 10 runs per cell.",
    ]
    return "\n".join(lines) + "\n"


def learning_curve(run_dir: Path, bins: np.ndarray) -> np.ndarray:
    """Mean episodic return of one run in each frame bin ``[bins[i], bins[i+1])`` (NaN if none)."""
    frames, returns = [], []
    path = run_dir / "metrics.jsonl"
    for line in path.read_text().splitlines() if path.exists() else []:
        record = json.loads(line)
        if "charts/episodic_return" in record:
            frames.append(record["frames"])
            returns.append(record["charts/episodic_return"])
    curve = np.full(len(bins) - 1, np.nan)
    if frames:
        idx = np.digitize(frames, bins) - 1
        for i in range(len(bins) - 1):
            sel = np.asarray(returns)[idx == i]
            if sel.size:
                curve[i] = sel.mean()
    return curve


def plot_curves(env_id: str, by_model: dict[str, list[dict[str, Any]]], path: Path) -> Path:
    """Mean learning curve over seeds per model with a 95% confidence band (t interval)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    total = max(r["frames"] for rs in by_model.values() for r in rs)
    bins = np.linspace(0, total, 41)
    centres = (bins[:-1] + bins[1:]) / 2
    fig, ax = plt.subplots(figsize=(6, 4))
    for model, runs in sorted(by_model.items()):
        curves = np.stack([learning_curve(Path(r["_dir"]), bins) for r in runs])  # (seeds, bins)
        n = np.sum(~np.isnan(curves), axis=0)
        ok = n > 0
        mean = np.full(len(centres), np.nan)
        mean[ok] = np.nanmean(curves[:, ok], axis=0)
        (line,) = ax.plot(centres[ok], mean[ok], label=f"{model} (n={len(runs)})")
        band = n > 1
        if band.any():
            sem = np.nanstd(curves[:, band], axis=0, ddof=1) / np.sqrt(n[band])
            half = stats.t.ppf(0.975, n[band] - 1) * sem
            ax.fill_between(
                centres[band],
                mean[band] - half,
                mean[band] + half,
                color=line.get_color(),
                alpha=0.25,
                linewidth=0,
            )
    ax.set_xlabel("frames (agent steps, all envs)")
    ax.set_ylabel("episodic return (true score)")
    ax.set_title(env_id)
    ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return path


def write_report(root: Path, metric: str = "final_score") -> list[Path]:
    """Write ``table_s7.md``, ``table_s7.json`` and ``curves_<Game>.png`` into ``root``."""
    root = Path(root)
    if not root.is_dir():
        what = "is a file, not a results tree" if root.exists() else "does not exist"
        raise UserError(f"results tree {root} {what}")
    found = collect(root, metric)
    if not found:
        raise UserError(f"no finished runs (*/*/seed*/results.json) under {root}")
    rows = summarise(root, metric)
    paths = [root / "table_s7.md", root / "table_s7.json"]
    paths[0].write_text(markdown_table(rows, metric))
    write_json_atomic(paths[1], {"metric": metric, "rows": rows})
    for env_id, by_model in found.items():
        name = env_id.split("/")[-1].rsplit("-v", 1)[0]
        paths.append(plot_curves(env_id, by_model, root / f"curves_{name}.png"))
    return paths
