"""Committed detection measurements and the report notes built from them (S6, table S3).

A note that quotes a number names the file the number comes from, and the number is read from
that file here, never typed in: ``packages/coordconv-vision/docs/measured/detection_*.json``.
Each file holds ``recipes`` (name -> ``{"recipe", "commands", "runs": {model: results.json}}``)
and ``data`` (how the canvases were made); :func:`recipe_note` writes one sentence per file.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from coordconv_vision.paper import DETECTION_ALSO, DETECTION_HEADLINE, DETECTION_NAMES

# the committed comparison of the official recipe with ours, relative to the repository root
OFFICIAL_RECIPE_FILE = Path(
    "packages/coordconv-vision/docs/measured/detection_official_recipe.json"
)
NOTE_METRICS = (DETECTION_HEADLINE, *DETECTION_ALSO)


def load_measured(path: Path) -> dict[str, Any]:
    """A committed ``detection_*.json``: ``{"data": ..., "recipes": {name: {...}}}``."""
    record = json.loads(Path(path).read_text())
    for name, recipe in record["recipes"].items():
        missing = {"conv", "coordconv"} - set(recipe["runs"])
        if missing:
            raise ValueError(f"{path}: recipe {name!r} lacks the {', '.join(sorted(missing))} run")
    return record


def recipe_figures(recipe: dict[str, Any]) -> str:
    """``IOU-average conv 0.0882 vs CoordConv 0.1452; IOU-select ...`` for one recipe's runs."""
    conv, cc = recipe["runs"]["conv"], recipe["runs"]["coordconv"]
    return "; ".join(
        f"{DETECTION_NAMES[m]} conv {conv[m]:.4f} vs CoordConv {cc[m]:.4f}" for m in NOTE_METRICS
    )


def recipe_note(record: dict[str, Any], source: Path) -> str:
    """One sentence: every recipe of ``record`` with its headline metrics, naming ``source``."""
    parts = [f"{r['recipe']}: {recipe_figures(r)}" for r in record["recipes"].values()]
    return f"{record['data']}, one run each ({source}): " + " | ".join(parts) + "."
