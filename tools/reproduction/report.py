"""Report sections and the markdown report (``reports/<preset>/REPORT.md``).

Each experiment produces one :class:`Section`: what was run, a table of our measured numbers
beside the paper's, the figures, and honest notes where we fall short or could not run. A
section is stored as ``sections/<key>.json`` so a rerun skips finished experiments.
"""

from __future__ import annotations

import json
import shutil
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

STATUSES = ("ran", "not run", "failed")


@dataclass
class Section:
    """One experiment's part of the report."""

    key: str
    title: str
    status: str
    what: str
    columns: list[str] = field(default_factory=list)
    rows: list[list[Any]] = field(default_factory=list)
    figures: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    wall_time_s: float = 0.0

    def __post_init__(self) -> None:
        if self.status not in STATUSES:
            raise ValueError(f"status must be one of {STATUSES}, got {self.status!r}")

    def save(self, directory: Path) -> Path:
        directory.mkdir(parents=True, exist_ok=True)
        path = directory / f"{self.key}.json"
        path.write_text(json.dumps(asdict(self), indent=2) + "\n")
        return path

    @classmethod
    def load(cls, path: Path) -> Section:
        return cls(**json.loads(path.read_text()))


def fmt(value: Any, digits: int = 4) -> str:
    """Table cell: floats rounded, None as an em dash."""
    if value is None:
        return "—"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        if abs(value) < 1e-9:
            return "0"
        return f"{value:.{digits}g}" if abs(value) < 1e4 else f"{value:,.0f}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def copy_figure(src: Path, report_dir: Path, name: str) -> str:
    """Copy a run's PNG into ``report_dir/figures/`` and return its path relative to the report."""
    dest = report_dir / "figures" / name
    dest.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(src, dest)
    return f"figures/{name}"


def render_section(section: Section) -> str:
    lines = [f"## {section.title}", "", f"**Status:** {section.status}"]
    if section.wall_time_s:
        lines[-1] += f" ({section.wall_time_s:.0f} s)"
    lines += ["", section.what, ""]
    if section.columns and section.rows:
        lines.append("| " + " | ".join(section.columns) + " |")
        lines.append("| " + " | ".join("---" for _ in section.columns) + " |")
        lines += ["| " + " | ".join(fmt(c) for c in row) + " |" for row in section.rows]
        lines.append("")
    for note in section.notes:
        lines.append(f"- {note}")
    if section.notes:
        lines.append("")
    for fig in section.figures:
        lines += [f"![{Path(fig).stem}]({fig})", ""]
    return "\n".join(lines)


def render_report(preset: str, sections: list[Section], header: dict[str, Any]) -> str:
    """The whole REPORT.md: header, a summary table of sections, then each section."""
    lines = [
        f"# CoordConv reproduction report — preset `{preset}`",
        "",
        "Liu et al., *An intriguing failing of convolutional neural networks and the CoordConv "
        "solution*, NeurIPS 2018 (arXiv:1807.03247). Every number below was measured by "
        "`tools/reproduce.py` on the machine described here; the paper's numbers stand beside "
        "ours. "
        + (
            "Budgets are the paper's."
            if preset == "paper"
            else f"Budgets of the `{preset}` preset are far below the paper's: read each "
            "section's notes before comparing."
        ),
        "",
    ]
    lines += [f"- **{k}:** {v}" for k, v in header.items()]
    lines += ["", "| experiment | status | wall time (s) |", "| --- | --- | --- |"]
    lines += [
        f"| [{s.title}](#{_anchor(s.title)}) | {s.status} | {s.wall_time_s:.0f} |" for s in sections
    ]
    lines.append("")
    lines += [render_section(s) for s in sections]
    return "\n".join(lines).rstrip() + "\n"


def _anchor(title: str) -> str:
    keep = "".join(c for c in title.lower() if c.isalnum() or c in " -")
    return keep.replace(" ", "-")
