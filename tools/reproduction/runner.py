"""Running one package command for the reproduction, resumably.

Every experiment calls a package's console-script ``main(argv)`` in its worker process (no
re-implementation here). A run whose ``results.json`` exists is reused (it was finished by an
earlier invocation of the same preset: the caller lists it in the report); a run directory left
by an interrupted reproduction is continued with ``--resume``.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from reproduction.presets import flags

Main = Callable[[Sequence[str] | None], int]


class ExperimentFailed(RuntimeError):
    """A package command exited with a non-zero status."""


class ExperimentStopped(RuntimeError):
    """A package command stopped on SIGINT/SIGTERM and left a checkpoint to resume from."""


@dataclass
class Context:
    """What every experiment runner gets: its budget, folders, device and the user's data."""

    key: str
    preset: str
    budget: dict[str, Any]  # presets.BUDGETS[preset][key].as_dict(): what the runner reads
    root: Path  # the reproduction folder: runs/reproduce/<preset> by default
    device: str = "auto"
    threads: int = 0  # torch threads of this experiment's process (0: torch's default)
    data_paths: dict[str, Path | None] = field(default_factory=dict)
    log_with: list[str] = field(default_factory=list)
    reused: list[str] = field(default_factory=list)  # runs finished by an earlier invocation
    resumed: list[str] = field(default_factory=list)  # runs continued from a checkpoint
    log: Callable[[str], None] = print

    @property
    def report_dir(self) -> Path:
        """Where the report and its figures go (the reproduction folder itself)."""
        return self.root

    def run_dir(self, *parts: str) -> Path:
        """A path inside this experiment's folder, ``<root>/<key>/...``."""
        return self.root.joinpath(self.key, *parts)

    def common_args(self) -> list[str]:
        """Flags every training command of this reproduction gets: device and trackers."""
        args = ["--device", self.device]
        return args + (["--log-with", *self.log_with] if self.log_with else [])

    def train(
        self, main: Main, command: str, data: Path, model: str, seed: int, *extra: str
    ) -> tuple[Path, dict[str, Any]]:
        """Train ``model`` on ``data`` with ``seed`` in ``<key>/<model>-seed<seed>``:
        ``<command> --data DATA --model MODEL --seed SEED --epochs E <budget flags> <extra>``
        (:meth:`run`). Returns the run's folder and its ``results.json``."""
        out = self.run_dir(f"{model}-seed{seed}")
        argv = [command, "--data", str(data), "--model", model, "--seed", str(seed)]
        argv += ["--epochs", str(self.budget["epochs"]), *flags(self.budget), *extra]
        return out, self.run(main, argv, out)

    def run(self, main: Main, argv: list[str], out: Path) -> dict[str, Any]:
        """:func:`run_command`, recording reused and resumed runs for the report."""
        results = out / "results.json"
        name = str(out.relative_to(self.root))
        if results.exists():
            self.reused.append(name)
        elif (out / "config.json").exists():
            self.resumed.append(name)
        return run_command(main, [*argv, *self.common_args()], out, self.log)


def run_command(main: Main, argv: list[str], out: Path, log: Callable[[str], None] = print) -> dict:
    """Run ``main(argv + ['--out', out])`` unless ``out/results.json`` already exists.

    Returns the run's ``results.json``. Raises :class:`ExperimentFailed` on a non-zero exit and
    :class:`ExperimentStopped` when the command stopped on a signal without finishing.
    """
    results = out / "results.json"
    if results.exists():
        log(f"  reuse {out}")
        return json.loads(results.read_text())
    full = [*argv, "--out", str(out)]
    if (out / "config.json").exists():
        full.append("--resume")
    log("  $ " + " ".join(full))
    start = time.perf_counter()
    status = main(full)
    if status == 130 or (status == 0 and not results.exists()):
        raise ExperimentStopped(f"{' '.join(argv[:1])} stopped; its checkpoint is in {out}")
    if status:
        raise ExperimentFailed(f"{' '.join(argv[:2])} exited with status {status}")
    log(f"  done in {time.perf_counter() - start:.0f} s")
    return json.loads(results.read_text())
