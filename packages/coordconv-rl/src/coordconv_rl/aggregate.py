"""Few-seed statistics for table S7: Welch's t-test, IQM with stratified-bootstrap CIs (S8).

The paper (S8, table S7) reports mean final scores over 10 runs and a p-value without naming the
test; we use Welch's (unequal variances), two-sided. Beside it, the aggregate that deep RL now
expects for few-seed comparisons (Agarwal et al. 2021, "Deep Reinforcement Learning at the Edge of
the Statistical Precipice", NeurIPS; the ``rliable`` library), computed as ``rliable`` does:

- **IQM**, the interquartile mean: ``scipy.stats.trim_mean(scores, 0.25, axis=None)`` over every
  run of every task (``rliable.metrics.aggregate_iqm``);
- **stratified bootstrap**: each replicate resamples the runs *within each task* with replacement
  (``rliable.library.StratifiedBootstrap``; runs are never mixed across tasks), 50,000 replicates;
- **percentile interval**: the 2.5% and 97.5% percentiles of the replicates' statistic
  (``get_interval_estimates(method="percentile")``, the default).

Our own numpy version (rliable pulls in ``arch``, ``absl`` and plotting dependencies); the random
replicates differ from rliable's, the estimator does not.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

import numpy as np
from scipy import stats

BOOTSTRAP_REPS = 50_000


def welch_p(a: Sequence[float], b: Sequence[float]) -> float | None:
    """Two-sided Welch t-test p-value; None with < 2 runs a side or no variance in either."""
    if len(a) < 2 or len(b) < 2:
        return None
    if np.ptp(a) == 0 and np.ptp(b) == 0:  # both constant: t is undefined
        return None
    p = float(stats.ttest_ind(a, b, equal_var=False).pvalue)
    return None if math.isnan(p) else p


def iqm(scores: np.ndarray, axis: int | None = None) -> np.ndarray | float:
    """Interquartile mean (25% trimmed at each end) over all of ``scores`` or along ``axis``."""
    return stats.trim_mean(scores, 0.25, axis=axis)


def stratified_bootstrap_ci(
    scores: np.ndarray,
    statistic: Callable[[np.ndarray], np.ndarray] | None = None,
    *,
    reps: int = BOOTSTRAP_REPS,
    size: float = 0.95,
    seed: int = 0,
) -> tuple[float, float]:
    """Percentile confidence interval of ``statistic`` under the stratified bootstrap.

    ``scores``: ``(runs, tasks)``. Each of ``reps`` replicates draws ``runs`` run indices with
    replacement independently for every task: ``(reps, runs, tasks)``. ``statistic`` maps the
    replicates flattened to ``(reps, runs * tasks)`` to ``(reps,)`` (default: the IQM of each).
    Returns the ``(1 - size) / 2`` and ``(1 + size) / 2`` percentiles of the replicates.
    """
    scores = np.asarray(scores, dtype=np.float64)
    if scores.ndim != 2 or min(scores.shape) < 1:
        raise ValueError(f"scores must be (runs, tasks) with both >= 1, got {scores.shape}")
    runs, tasks = scores.shape
    statistic = statistic or (lambda flat: iqm(flat, axis=1))
    rng = np.random.default_rng(seed)
    idx = rng.integers(0, runs, size=(reps, runs, tasks))  # run drawn per (replicate, slot, task)
    replicates = scores[idx, np.arange(tasks)]  # (reps, runs, tasks), task j from column j only
    values = np.asarray(statistic(replicates.reshape(reps, runs * tasks)))
    low, high = np.percentile(values, [100 * (1 - size) / 2, 100 * (1 + size) / 2])
    return float(low), float(high)


def iqm_difference_ci(
    a: Sequence[float],
    b: Sequence[float],
    *,
    reps: int = BOOTSTRAP_REPS,
    size: float = 0.95,
    seed: int = 0,
) -> tuple[float, float, float]:
    """``IQM(b) - IQM(a)`` of two independent groups of runs and its percentile interval: each
    replicate resamples the runs of each group with replacement, on its own (the groups are
    different agents, never paired by seed). Returns ``(difference, low, high)``."""
    a_arr, b_arr = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    if a_arr.ndim != 1 or b_arr.ndim != 1 or min(len(a_arr), len(b_arr)) < 1:
        raise ValueError(f"need two non-empty lists of scores, got {len(a_arr)} and {len(b_arr)}")
    rng = np.random.default_rng(seed)
    boot_a = a_arr[rng.integers(0, len(a_arr), size=(reps, len(a_arr)))]  # (reps, runs a)
    boot_b = b_arr[rng.integers(0, len(b_arr), size=(reps, len(b_arr)))]  # (reps, runs b)
    values = iqm(boot_b, axis=1) - iqm(boot_a, axis=1)
    low, high = np.percentile(values, [100 * (1 - size) / 2, 100 * (1 + size) / 2])
    return float(iqm(b_arr) - iqm(a_arr)), float(low), float(high)
