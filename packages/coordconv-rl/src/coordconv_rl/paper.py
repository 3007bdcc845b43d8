"""What the paper claims for reinforcement learning, its numbers and the verdicts (S8, table S7).

Liu et al., "An intriguing failing of convolutional neural networks and the CoordConv
solution", NeurIPS 2018 (arXiv:1807.03247), supplementary S8: A2C with a conv or a CoordConv
first layer on nine Atari games, 10 runs per model and game for 10M frames; table S7 gives the
mean final scores and the p-values. The numbers of table S7 live in :mod:`coordconv_rl.games`
(:data:`TABLE_S7`, :func:`paper_score`) and are re-exported here, so that this module is the one
place to read the experiment's claim: :func:`claim` and :func:`paper_text` per environment,
:func:`variant_verdict` per CoordConv agent. Everything here is pure: ``tools/reproduce.py``
runs the experiment and calls these to write the report.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from coordconv_rl.aggregate import iqm_difference_ci
from coordconv_rl.games import TABLE_S7, PaperScore, paper_score

__all__ = [
    "ABLATION",
    "AGENTS",
    "NOTE",
    "SETUP",
    "TABLE_S7",
    "TITLE",
    "VARIANT_NAMES",
    "PaperScore",
    "ablation_conclusion",
    "ablation_findings",
    "ablation_intervals",
    "claim",
    "paper_score",
    "paper_text",
    "variant_verdict",
]

TITLE = "A2C on Atari and TargetReach (S8, table S7)"
SETUP = (
    "A2C with the OpenAI-baselines defaults (16 envs, 5-step rollouts, RMSprop 7e-4) and "
    "the Nature CNN, first conv plain or CoordConv"
)
AGENTS = (
    "coordconv: the paper's init of the coordinate weights; "
    "coordconv-zero: zero, so it starts as the plain conv"
)
# the CoordConv agents compared with conv, as the report names them
VARIANT_NAMES = {
    "coordconv": "CoordConv",
    "coordconv-zero": "CoordConv (zero init)",
    "coordconv-paper-zero": "CoordConv (paper data scale, zero coordinate weights)",
    "coordconv-conv-ortho": "CoordConv (conv data weights, orthogonal coordinate weights)",
    "coordconv-glorot": "CoordConv (Glorot first layer)",
}
# The init ablation (coordconv_rl.networks): (data-weight scale, coordinate weights) -> variant.
# "paper" scale: one orthogonal draw over data + coordinate channels (x0.707 on TargetReach).
ABLATION: dict[tuple[str, str], str] = {
    ("conv", "zero"): "coordconv-zero",
    ("paper", "zero"): "coordconv-paper-zero",
    ("conv", "orthogonal"): "coordconv-conv-ortho",
    ("paper", "orthogonal"): "coordconv",
}
NOTE = (
    "The paper trained each of 9 games x 2 models x 10 seeds for 10M frames on GPUs; "
    "this preset's Atari runs are orders of magnitude shorter and show only that "
    "the pipeline runs end to end, not the paper's scores."
)


def claim(env: str, paper: PaperScore | None) -> str:
    """The claim for one environment: table S7's for the paper's games, ours for our task."""
    if paper is None:
        return f"{env.split('/')[-1]}: CoordConv learns as well as conv (our task)"
    return f"{paper.title}: CoordConv beats conv (table S7)"


def paper_text(paper: PaperScore | None) -> str:
    """Table S7's row as the report's headline shows it (a dash for a game it lacks)."""
    if paper is None:
        return "—"
    return f"{paper.conv:,} vs {paper.coordconv:,} (p {paper.p_value}), 10M frames"


def variant_verdict(
    variant: str, conv: Mapping[int, float], scores: Mapping[int, float], said_p: str
) -> str:
    """Whether a CoordConv agent's mean final score over seeds is higher than conv's, with the
    Welch p-value as the report writes it (``said_p``), and conv's IQM lead over it with its 95%
    bootstrap interval: "supported" only when the interval excludes 0, so the verdict says what
    the runs can tell apart."""
    higher = sum(scores.values()) / len(scores) > sum(conv.values()) / len(conv)
    text, supported = _said(iqm_difference_ci(list(scores.values()), list(conv.values())))
    lead = "supported" if supported else "not distinguishable from 0"
    return (
        f"{VARIANT_NAMES[variant]} {'higher' if higher else 'lower'} (p {said_p}; "
        f"IQM conv - {VARIANT_NAMES[variant]} {text}, {lead})"
    )


# (first agent, second agent, what their difference measures): the second minus the first
ABLATION_COMPARISONS: tuple[tuple[str, str, str], ...] = (
    ("coordconv", "conv", "conv over the paper's CoordConv"),
    *(
        (
            ABLATION[(scale, "orthogonal")],
            ABLATION[(scale, "zero")],
            f"zero over orthogonal coordinate weights, at the {scale}'s data scale",
        )
        for scale in ("conv", "paper")
    ),
    *(
        (
            ABLATION[("paper", coords)],
            ABLATION[("conv", coords)],
            f"the conv's over the paper's data scale, coordinate weights {coords}",
        )
        for coords in ("zero", "orthogonal")
    ),
    (ABLATION[("conv", "zero")], "conv", "conv over CoordConv started as conv (zero init)"),
)


GLOROT_COMPARISON = ("coordconv", "coordconv-glorot", "Glorot over the paper's init")

# (first agent, second agent) -> IQM(second) - IQM(first) and its 95% bootstrap interval
Intervals = dict[tuple[str, str], tuple[float, float, float]]


def _said(interval: tuple[float, float, float]) -> tuple[str, bool]:
    """A difference with its bootstrap interval, as text, and whether the interval excludes 0
    (the difference is supported by the runs)."""
    diff, low, high = interval
    return f"{diff:+.3f} [{low:+.3f}, {high:+.3f}]", low > 0 or high < 0


def _comparisons(agents: Iterable[str]) -> tuple[tuple[str, str, str], ...]:
    """:data:`ABLATION_COMPARISONS`, plus Glorot's when its runs are among ``agents``."""
    return ABLATION_COMPARISONS + ((GLOROT_COMPARISON,) if GLOROT_COMPARISON[1] in agents else ())


def ablation_intervals(scores: Mapping[str, Sequence[float]]) -> Intervals:
    """The init ablation's differences, each bootstrapped once (50,000 replicates), for
    :func:`ablation_findings` and :func:`ablation_conclusion` to read.

    ``scores``: variant -> final scores of its runs (conv, coordconv, the four cells of
    :data:`ABLATION`, optionally coordconv-glorot); per comparison of :data:`ABLATION_COMPARISONS`
    ``IQM(b) - IQM(a)`` with its 95% interval (:func:`~coordconv_rl.aggregate.iqm_difference_ci`).
    """
    missing = {"conv", *ABLATION.values()} - set(scores)
    if missing:
        raise ValueError(f"the ablation needs every cell; missing {sorted(missing)}")
    return {(a, b): iqm_difference_ci(scores[a], scores[b]) for a, b, _ in _comparisons(scores)}


def ablation_findings(intervals: Intervals) -> list[str]:
    """What the init ablation's runs support, one sentence per comparison of
    :func:`ablation_intervals`: the IQM difference with its 95% bootstrap interval, "supported"
    only when the interval excludes 0."""

    def said(a: str, b: str, what: str) -> str:
        text, supported = _said(intervals[(a, b)])
        verdict = "supported" if supported else "not distinguishable from 0"
        return f"{what}: IQM difference {text} ({verdict})"

    return [said(a, b, what) for a, b, what in _comparisons({b for _, b in intervals})]


def ablation_conclusion(intervals: Intervals) -> str:
    """The conclusion the init ablation's runs support, in one sentence built from which of
    :func:`ablation_intervals`' intervals lie wholly above or below 0 (so it changes with the
    runs; nothing here is a fixed finding)."""

    def supported(a: str, b: str) -> bool:
        """``b`` ahead of ``a``: the whole interval of IQM(b) - IQM(a) above 0."""
        return intervals[(a, b)][1] > 0

    gap = supported("coordconv", "conv")
    reversed_gap = intervals[("coordconv", "conv")][2] < 0  # the whole interval below 0
    coords_alone = supported(ABLATION[("conv", "orthogonal")], ABLATION[("conv", "zero")])
    scale_alone = supported(ABLATION[("paper", "zero")], ABLATION[("conv", "zero")])
    coords_at_paper = supported(ABLATION[("paper", "orthogonal")], ABLATION[("paper", "zero")])
    scale_with_coords = supported(
        ABLATION[("paper", "orthogonal")], ABLATION[("conv", "orthogonal")]
    )
    zero_vs_conv = supported(ABLATION[("conv", "zero")], "conv")
    parts = [
        "conv leads the paper's CoordConv"
        if gap
        else "the paper's CoordConv leads conv"
        if reversed_gap
        else "conv and the paper's CoordConv are not distinguishable"
    ]
    if gap:
        alone = [
            name
            for name, shown in (
                ("orthogonal coordinate weights", coords_alone),
                ("the paper's data scale", scale_alone),
            )
            if shown
        ]
        if alone:
            parts.append(f"{' and '.join(alone)} alone already slow{'s' * (len(alone) == 1)} it")
        elif coords_at_paper and scale_with_coords:
            parts.append(
                "neither orthogonal coordinate weights nor the paper's data scale alone slows it "
                "measurably; the two together do"
            )
        else:
            parts.append("the ablation does not isolate which part of the init slows it")
    parts.append(
        "started as the conv (zero coordinate weights), CoordConv is "
        + ("behind conv" if zero_vs_conv else "not distinguishable from conv")
    )
    return "; ".join(parts) + "."
