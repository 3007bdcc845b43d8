"""Experiment trackers (TensorBoard, Weights & Biases, MLflow, ...) through Accelerate.

Every training command takes ``--log-with NAME [NAME ...]``: the scalars it appends to
``metrics.jsonl`` go to those trackers too, through Accelerate's tracking API
(``Accelerator(log_with=..., project_dir=OUT)``, ``init_trackers``, ``log``, ``end_training``), so
``tensorboard --logdir runs/`` shows every run. Trackers whose files live on disk (TensorBoard,
Aim, DVCLive, ...) write under the run directory, ``OUT/<project>/``. Their packages are optional
extras (``pip install "coordconv-train[tensorboard]"``); asking for a tracker whose package is
not installed is a :class:`UserError` raised before anything is written.

A trainer's config declares
``log_with: list[str] = field(default_factory=list, metadata={"help": LOG_WITH_HELP})`` and its
loop adds four lines::

    accelerator = make_accelerator(cfg.device, cfg.amp, **tracking_options(cfg.log_with, cfg.out))
    start_tracking(accelerator, "coordconv-notsoclevr", config_to_dict(cfg))  # after prepare()
    run.log(record); accelerator.log(record, step=record["epoch"])           # same scalars
    end_tracking(accelerator)                                                # at the end
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from coordconv_train.errors import UserError

# tracker name -> the pip package that provides it (Accelerate's LOGGER_TYPE_TO_CLASS names)
PACKAGES = {
    "tensorboard": "tensorboard",
    "wandb": "wandb",
    "comet_ml": "comet_ml",
    "aim": "aim",
    "mlflow": "mlflow",
    "clearml": "clearml",
    "dvclive": "dvclive",
    "swanlab": "swanlab",
    "trackio": "trackio",
}

LOG_WITH_HELP = (
    "also log metrics.jsonl's scalars to these experiment trackers, through Accelerate "
    f"({', '.join(PACKAGES)}; each needs its package installed, e.g. "
    "pip install 'coordconv-train[tensorboard]'); files go to OUT/<project>/"
)


def known_trackers() -> list[str]:
    """The tracker names this version of Accelerate knows."""
    from accelerate.tracking import LOGGER_TYPE_TO_CLASS

    return sorted(LOGGER_TYPE_TO_CLASS)


def installed_trackers() -> list[str]:
    """The trackers whose packages are installed here (Accelerate's own check)."""
    from accelerate.tracking import get_available_trackers

    return sorted(str(t) for t in get_available_trackers())


def check_log_with(names: Sequence[str]) -> list[str]:
    """``--log-with`` validated: known to Accelerate and installed; duplicates dropped.

    Accelerate itself skips a tracker whose package is missing without a word; a user who asked
    for one must hear about it, before the run directory is touched.
    """
    known, installed = known_trackers(), installed_trackers()
    for name in names:
        if name not in known:
            raise UserError(f"--log-with: unknown tracker {name!r}; choose from {', '.join(known)}")
        if name not in installed:
            package = PACKAGES.get(name, name)
            raise UserError(
                f"--log-with {name}: the {package!r} package is not installed "
                f"(pip install {package})"
            )
    return list(dict.fromkeys(names))


def tracking_options(log_with: Sequence[str], out: str | Path) -> dict[str, Any]:
    """``Accelerator`` keyword arguments for ``--log-with`` (validated); empty without trackers.

    Pass them to ``make_accelerator`` before the run directory is prepared, so a bad tracker
    name exits before anything is written.
    """
    names = check_log_with(log_with)
    if not names:
        return {}
    return {"log_with": names, "project_dir": str(out)}


def hparams(config: dict[str, Any]) -> dict[str, Any]:
    """A run's config as tracker hyperparameters: numbers, strings and booleans only.

    TensorBoard's ``add_hparams`` refuses lists and skips ``None``: lists become
    comma-separated strings, ``None`` becomes ``"None"`` so the reader still sees the field.
    """
    flat: dict[str, Any] = {}
    for key, value in config.items():
        if isinstance(value, bool | int | float | str):
            flat[key] = value
        elif isinstance(value, list | tuple):
            flat[key] = ", ".join(map(str, value))
        else:
            flat[key] = str(value)
    return flat


def start_tracking(accelerator: Any, project: str, config: dict[str, Any]) -> None:
    """``accelerator.init_trackers(project, config)`` when ``--log-with`` named any tracker.

    Call it once the run directory is prepared; TensorBoard then writes to ``OUT/<project>/``,
    which is first listed as ours, wholesale, in the run's file list
    (:func:`coordconv_train.manifest.own`), so ``--overwrite`` may replace it.
    """
    if accelerator.log_with:
        from coordconv_train.manifest import own

        if accelerator.logging_dir is not None:
            own(Path(accelerator.logging_dir) / project, "tree")
        accelerator.init_trackers(project, config=hparams(config))


def end_tracking(accelerator: Any) -> None:
    """Close the trackers (``accelerator.end_training()``) if any were started.

    Without trackers this does nothing, so a multi-process run's process group is not torn
    down by a trainer that did not track.
    """
    if accelerator.trackers:
        accelerator.end_training()


def read_tensorboard_scalars(logdir: str | Path) -> dict[str, list[tuple[int, float]]]:
    """Every scalar of the TensorBoard event files under ``logdir``: ``{tag: [(step, value)]}``.

    Reads them back with TensorBoard's own ``EventAccumulator`` (no size limit), e.g. to check
    them against ``metrics.jsonl`` or to plot them without a TensorBoard server.
    """
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    scalars: dict[str, list[tuple[int, float]]] = {}
    for events in sorted(Path(logdir).rglob("events.out.tfevents.*")):
        acc = EventAccumulator(str(events), size_guidance={"scalars": 0})
        acc.Reload()
        for tag in acc.Tags()["scalars"]:
            scalars.setdefault(tag, []).extend((e.step, e.value) for e in acc.Scalars(tag))
    return scalars
