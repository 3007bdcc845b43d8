"""Table S7 from a results tree: final scores per agent and game, Welch's t-test, IQM (S8).

Reads ``ROOT/<Game>/<variant>/seed<k>/results.json`` (and ``metrics.jsonl`` for the curves) as
written by ``coordconv-rl experiment`` and writes ``ROOT/table_s7.md``, ``ROOT/table_s7.json``
and one ``ROOT/curves_<Game>.png`` per game (episodic return against frames, mean over seeds
with a 95% confidence band). Per game and agent (``conv``, ``coordconv``, ``coordconv-zero``):
mean ± sd, every seed's score, the interquartile mean with its 95% stratified-bootstrap interval
and Welch's p against conv (:mod:`coordconv_rl.aggregate`), the paper's numbers (table S7) beside
ours. With two or more Atari games, every agent also gets the IQM of human-normalised scores over
all games (as ``rliable`` reports Atari suites).
"""

from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path
from typing import Any

import numpy as np
from scipy import stats

from coordconv_rl.aggregate import iqm, stratified_bootstrap_ci, welch_p
from coordconv_rl.games import human_normalised, paper_score
from coordconv_train import UserError, own, write_json_atomic

__all__ = ["collect", "markdown_table", "summarise", "welch_p", "write_report"]


def collect(root: Path, metric: str = "final_score") -> dict[str, dict[str, list[dict[str, Any]]]]:
    """``{env_id: {variant: [results, ...]}}`` for every finished run under ``root``, by seed."""
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
        for key in ("seed", "frames", metric):
            if isinstance(results.get(key), bool) or not isinstance(results.get(key), int | float):
                raise UserError(
                    f"{path} lacks a number for {key!r} (a damaged or edited results.json); "
                    "rerun that run or move it out of the tree"
                )
        results["_dir"] = str(path.parent)
        found[results["env"]][results.get("variant", results["model"])].append(results)
    for by_variant in found.values():
        for runs in by_variant.values():
            runs.sort(key=lambda r: r["seed"])
    return found


def _cell(runs: list[dict[str, Any]], metric: str) -> dict[str, Any]:
    """One agent on one game: mean, sd, n, per-seed scores, IQM and its bootstrap interval."""
    scores = [float(r[metric]) for r in runs]
    ci = stratified_bootstrap_ci(np.array(scores)[:, None]) if scores else None
    return {
        "mean": _mean(scores),
        "std": _std(scores),
        "n": len(scores),
        "seeds": [r["seed"] for r in runs],
        "scores": scores,
        "iqm": float(iqm(np.array(scores))) if scores else None,
        "iqm_ci95": list(ci) if ci else None,
        "cpu_time_s": [r.get("cpu_time_s") for r in runs],
    }


def summarise(root: Path, metric: str = "final_score") -> list[dict[str, Any]]:
    """One row per game: every agent's cell, Welch p of each against conv, the paper's row.

    ``row["conv"]``, ``row["coordconv"]`` and ``row["p_value"]`` (conv vs the paper's CoordConv)
    are kept at the top level for table S7's two columns.
    """
    rows = []
    for env_id, by_variant in sorted(collect(root, metric).items()):
        cells = {v: _cell(runs, metric) for v, runs in sorted(by_variant.items())}
        conv = cells.get("conv", {}).get("scores", [])
        p_values = {v: welch_p(conv, c["scores"]) for v, c in cells.items() if v != "conv"}
        empty = _cell([], metric)
        paper = paper_score(env_id)
        rows.append(
            {
                "env": env_id,
                "variants": cells,
                "p_values_vs_conv": p_values,
                "conv": cells.get("conv", empty),
                "coordconv": cells.get("coordconv", empty),
                "p_value": p_values.get("coordconv"),
                "frames": sorted({r["frames"] for rs in by_variant.values() for r in rs}),
                "paper": None
                if paper is None
                else {"conv": paper.conv, "coordconv": paper.coordconv, "p_value": paper.p_value},
            }
        )
    return rows


def aggregate_atari(rows: list[dict[str, Any]]) -> dict[str, Any] | None:
    """IQM of human-normalised scores over the Atari games, per agent, stratified over games.

    Needs >= 2 Atari games with the same number of runs per agent; None otherwise.
    """
    atari = [r for r in rows if human_normalised(r["env"], 0.0) is not None]
    if len(atari) < 2:
        return None
    out: dict[str, Any] = {"games": [r["env"] for r in atari]}
    for variant in sorted({v for r in atari for v in r["variants"]}):
        cells = [r["variants"].get(variant) for r in atari]
        if any(c is None for c in cells) or len({c["n"] for c in cells}) != 1:
            continue
        per_game = [
            [human_normalised(r["env"], s) for s in c["scores"]]
            for r, c in zip(atari, cells, strict=True)
        ]
        matrix = np.array(per_game).T  # (runs, games)
        out[variant] = {
            "n": matrix.shape[0],
            "iqm": float(iqm(matrix)),
            "iqm_ci95": list(stratified_bootstrap_ci(matrix)),
        }
    return out


def ablations(rows: list[dict[str, Any]]) -> dict[str, list[str]]:
    """Per environment whose runs hold every cell of the init ablation
    (:data:`coordconv_rl.paper.ABLATION`): what its final scores support
    (:func:`coordconv_rl.paper.ablation_findings`)."""
    from coordconv_rl.paper import ABLATION, ablation_findings, ablation_intervals

    needed = {"conv", *ABLATION.values()}
    return {
        row["env"]: ablation_findings(
            ablation_intervals({v: c["scores"] for v, c in row["variants"].items()})
        )
        for row in rows
        if needed <= {v for v, c in row["variants"].items() if c["n"] >= 2}
    }


def _mean(x: list[float]) -> float | None:
    return float(np.mean(x)) if x else None


def _std(x: list[float]) -> float | None:
    return float(np.std(x, ddof=1)) if len(x) > 1 else None


def _fmt(x: float | None, sig: int = 5) -> str:
    return "-" if x is None else f"{x:.{sig}g}"


def _fmt_p(p: float | None) -> str:
    return "-" if p is None else (f"{p:.4f}" if p >= 1e-4 else f"{p:.1e}")


def _fmt_ci(cell: dict[str, Any]) -> str:
    if cell["iqm"] is None:
        return "-"
    low, high = cell["iqm_ci95"]
    return f"{_fmt(cell['iqm'], 4)} [{_fmt(low, 4)}, {_fmt(high, 4)}]"


def markdown_table(
    rows: list[dict[str, Any]],
    metric: str,
    aggregate: dict[str, Any] | None = None,
    ablation: dict[str, list[str]] | None = None,
) -> str:
    """Table S7 as markdown: one line per game and agent, the paper's numbers beside ours."""
    lines = [
        f"# Table S7: A2C final scores, conv vs CoordConv (metric: {metric})",
        "",
        "| game | frames | agent | n | mean ± sd | IQM [95% CI] | p vs conv (Welch) "
        "| per seed | paper mean | paper p |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for row in rows:
        paper = row["paper"] or {}
        for variant, cell in row["variants"].items():
            per_seed = " / ".join(_fmt(s, 4) for s in cell["scores"])
            lines.append(
                f"| {row['env']} | {', '.join(str(f) for f in row['frames'])} | {variant} "
                f"| {cell['n']} | {_fmt(cell['mean'])} ± {_fmt(cell['std'], 3)} "
                f"| {_fmt_ci(cell)} | {_fmt_p(row['p_values_vs_conv'].get(variant))} "
                f"| {per_seed} | {_fmt(paper.get(variant))} "
                f"| {_fmt_p(paper.get('p_value')) if variant == 'coordconv' else ''} |"
            )
    if aggregate:
        lines += [
            "",
            f"All Atari games ({len(aggregate['games'])}), human-normalised "
            "((score - random) / (human - random)), IQM over runs x games [95% CI]:",
            "",
        ]
        for variant, agg in aggregate.items():
            if variant != "games":
                lines.append(f"- {variant} (n={agg['n']} per game): {_fmt_ci(agg)}")
    for env_id, findings in (ablation or {}).items():
        lines += [
            "",
            f"Init ablation on {env_id} (coordconv_rl.networks): IQM of the second agent minus "
            "the first's, 95% bootstrap interval (runs resampled within each agent):",
            "",
            *(f"- {finding}" for finding in findings),
        ]
    lines += [
        "",
        "frames: agent steps per run summed over envs (x4 emulator frames on Atari). "
        "coordconv: the paper's agent (coordinate weights initialised as baselines would); "
        "coordconv-zero: coordinate weights 0 at init (not in the paper). IQM: interquartile "
        "mean, 95% percentile interval of 50,000 stratified-bootstrap replicates (as rliable). "
        "Paper: OpenAI baselines A2C defaults, 10 runs per cell, 10M agent steps.",
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
    own(path)  # listed as ours before matplotlib writes it
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
    aggregate = aggregate_atari(rows)
    ablation = ablations(rows)
    paths = [root / "table_s7.md", root / "table_s7.json"]
    own(paths[0])
    paths[0].write_text(markdown_table(rows, metric, aggregate, ablation))
    write_json_atomic(
        paths[1],
        {"metric": metric, "rows": rows, "atari_aggregate": aggregate, "ablation": ablation},
    )
    for env_id, by_model in found.items():
        name = env_id.split("/")[-1].rsplit("-v", 1)[0]
        paths.append(plot_curves(env_id, by_model, root / f"curves_{name}.png"))
    return paths
