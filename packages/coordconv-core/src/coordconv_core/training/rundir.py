"""The run directory every training entry point writes (DESIGN.md section 6).

Layout::

    OUT/config.json        the resolved config
    OUT/metrics.jsonl      one JSON object per logged step or epoch
    OUT/results.json       the final results
    OUT/checkpoint.safetensors, OUT/*.safetensors   weights and resumable state
    OUT/*.png              figures

A directory that already holds a run is never overwritten without ``overwrite=True``; with
``resume=True`` it is reused and its config must match.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path
from typing import Any

from coordconv_core.training.errors import UserError

CONFIG = "config.json"
METRICS = "metrics.jsonl"
RESULTS = "results.json"
CHECKPOINT = "checkpoint.safetensors"


def write_json_atomic(path: str | Path, data: Any) -> Path:
    """Write ``data`` as indented JSON via a temporary file and rename."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    tmp.write_text(json.dumps(data, indent=2, sort_keys=False, default=str) + "\n")
    os.replace(tmp, path)
    return path


class RunDir:
    """A run directory: config, metrics log, results and checkpoints."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)

    @property
    def checkpoint(self) -> Path:
        return self.path / CHECKPOINT

    def prepare(
        self,
        config: dict[str, Any],
        *,
        overwrite: bool = False,
        resume: bool = False,
        ignore_on_resume: tuple[str, ...] = ("resume", "overwrite", "device"),
    ) -> bool:
        """Create the directory and write ``config.json``. Returns True if resuming.

        Refuses (:class:`UserError`) to reuse a directory holding a previous run unless
        ``overwrite`` (wipe it) or ``resume`` (continue it; the config must agree).
        """
        has_run = (self.path / CONFIG).exists() or (self.path / METRICS).exists()
        if has_run and resume:
            old = json.loads((self.path / CONFIG).read_text())
            diff = {
                k: (old.get(k), v)
                for k, v in config.items()
                if k not in ignore_on_resume and old.get(k) != v
            }
            if diff:
                detail = ", ".join(f"{k}: {a!r} -> {b!r}" for k, (a, b) in diff.items())
                raise UserError(f"cannot resume {self.path}: config differs ({detail})")
            return self.checkpoint.exists()
        if has_run and not overwrite:
            raise UserError(
                f"{self.path} already holds a run; pass --resume to continue it "
                "or --overwrite to replace it"
            )
        if self.path.exists() and overwrite:
            shutil.rmtree(self.path)
        self.path.mkdir(parents=True, exist_ok=True)
        write_json_atomic(self.path / CONFIG, config)
        return False

    def log(self, record: dict[str, Any]) -> None:
        """Append one JSON object to ``metrics.jsonl``."""
        with open(self.path / METRICS, "a") as fh:
            fh.write(json.dumps(record, default=float) + "\n")

    def truncate_metrics(self, keep: Any) -> None:
        """Drop logged records for which ``keep(record)`` is false (used on resume, so the
        log holds exactly the steps the restored checkpoint has seen)."""
        path = self.path / METRICS
        if not path.exists():
            return
        records = [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
        tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
        tmp.write_text("".join(json.dumps(r) + "\n" for r in records if keep(r)))
        os.replace(tmp, path)

    def metrics(self) -> list[dict[str, Any]]:
        path = self.path / METRICS
        if not path.exists():
            return []
        return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]

    def write_results(self, results: dict[str, Any]) -> Path:
        return write_json_atomic(self.path / RESULTS, results)

    def read_results(self) -> dict[str, Any] | None:
        path = self.path / RESULTS
        return json.loads(path.read_text()) if path.exists() else None
