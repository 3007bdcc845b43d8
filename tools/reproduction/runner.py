"""Running one package command for the reproduction, resumably.

Every experiment calls a package's console-script ``main(argv)`` in-process (no
re-implementation here). A run whose ``results.json`` exists is reused; a run directory left
by an interrupted reproduction is continued with ``--resume``.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

Main = Callable[[Sequence[str] | None], int]


class ExperimentFailed(RuntimeError):
    """A package command exited with a non-zero status (``status``: 2 bad input, 130 stopped)."""

    def __init__(self, message: str, status: int = 1) -> None:
        super().__init__(message)
        self.status = status


@dataclass
class Context:
    """What every experiment runner gets: preset budgets, folders and the user's data paths."""

    preset: str
    budget: dict[str, Any]
    runs_dir: Path
    report_dir: Path
    device: str = "auto"
    data_paths: dict[str, Path | None] = field(default_factory=dict)
    log: Callable[[str], None] = print

    def run_dir(self, *parts: str) -> Path:
        return self.runs_dir.joinpath(*parts)


def run_command(main: Main, argv: list[str], out: Path, log: Callable[[str], None] = print) -> dict:
    """Run ``main(argv + ['--out', out])`` unless ``out/results.json`` already exists.

    Returns the run's ``results.json``. Raises :class:`ExperimentFailed` on a non-zero exit.
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
    if status:
        raise ExperimentFailed(f"{' '.join(argv[:2])} exited with status {status}", status)
    log(f"  done in {time.perf_counter() - start:.0f} s")
    return json.loads(results.read_text())
