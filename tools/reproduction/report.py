"""Report sections, the markdown report (``REPORT.md``) and the headline table.

Each experiment produces one :class:`Section`: what was run, a table of our measured numbers
beside the paper's, the headline rows (claim, ours, paper, verdict) that the report's summary,
the terminal and the README show, the figures, honest notes, and when, where and how long it
was measured. A section is stored as ``sections/<key>.json``, so a rerun can reuse it (and the
report then says it was measured by an earlier invocation).
"""

from __future__ import annotations

import json
import shutil
import textwrap
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any

STATUSES = ("ran", "not run", "failed", "stopped")
HEADLINE_COLUMNS = ["experiment", "claim", "ours", "paper", "verdict"]


@dataclass
class Section:
    """One experiment's part of the report."""

    key: str
    title: str
    status: str
    what: str
    columns: list[str] = field(default_factory=list)
    rows: list[list[Any]] = field(default_factory=list)
    headline: list[list[str]] = field(default_factory=list)  # [claim, ours, paper, verdict]
    figures: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    wall_time_s: float = 0.0
    cpu_time_s: float = 0.0
    estimate_s: float | None = None
    measured_at: str = ""  # UTC time the experiment started, e.g. 2026-11-30 10:15 UTC
    invocation: str = ""  # id of the tools/reproduce.py invocation that measured it
    commit: str = ""
    inputs: dict[str, Any] = field(default_factory=dict)  # preset entry and data it ran with
    reused_runs: list[str] = field(default_factory=list)  # finished by an earlier invocation
    resumed_runs: list[str] = field(default_factory=list)  # continued from a checkpoint

    def __post_init__(self) -> None:
        if self.status not in STATUSES:
            raise ValueError(f"status must be one of {STATUSES}, got {self.status!r}")

    def save(self, directory: Path) -> Path:
        from coordconv_train import write_atomic  # lists the file as ours in a marked folder

        directory.mkdir(parents=True, exist_ok=True)
        path = directory / f"{self.key}.json"
        from coordconv_train import strict_json  # here: importing it loads torch

        # strict JSON: a NaN or infinite value is written as null, named in "non_finite"
        text = strict_json.dumps(asdict(self), indent=2, default=None) + "\n"
        return write_atomic(path, lambda tmp: tmp.write_text(text))

    @classmethod
    def load(cls, path: Path) -> Section:
        data = json.loads(path.read_text())
        known = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in known})


def not_run(
    key: str, data: str, title: str, what: str, claim: str, paper: str, how: str
) -> Section:
    """The section of an experiment on the user's ``data`` (ImageNet, LSUN) when no ``--key``
    path was given: not run, and ``how`` to run it."""
    return Section(
        key=key,
        title=title,
        status="not run",
        what=what,
        headline=[[claim, f"not run: no {data} here", paper, "not run"]],
        notes=[
            f"{data} cannot be shipped or downloaded here, and no --{key} path was given.",
            f"To run it: {how}",
        ],
    )


def load_sections(directory: Path, order: list[str]) -> list[Section]:
    """The sections saved in ``directory``, in ``order`` (unknown keys last)."""
    found = [Section.load(p) for p in sorted(directory.glob("*.json"))]
    rank = {key: i for i, key in enumerate(order)}
    return sorted(found, key=lambda s: (rank.get(s.key, len(rank)), s.key))


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


def minutes(seconds: float | None) -> str:
    """``12 min 05 s`` / ``45 s``; a dash when unknown."""
    if seconds is None:
        return "—"
    seconds = round(seconds)
    return f"{seconds // 60} min {seconds % 60:02d} s" if seconds >= 60 else f"{seconds} s"


def copy_figure(src: Path, report_dir: Path, name: str) -> str:
    """Copy a run's PNG into ``report_dir/figures/`` and return its path relative to the report."""
    from coordconv_train import own

    dest = report_dir / "figures" / name
    own(dest)  # listed as ours before it is written (only listed files are ever deleted)
    dest.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(src, dest)
    return f"figures/{name}"


def markdown_table(columns: list[str], rows: list[list[Any]]) -> list[str]:
    lines = ["| " + " | ".join(columns) + " |", "| " + " | ".join("---" for _ in columns) + " |"]
    return lines + ["| " + " | ".join(fmt(c).replace("|", "\\|") for c in r) + " |" for r in rows]


def headline_rows(sections: list[Section]) -> list[list[str]]:
    """Every section's headline rows, prefixed by the section's short name."""
    return [[s.key, *row] for s in sections for row in s.headline]


def render_headline(sections: list[Section]) -> str:
    """The headline table in markdown: the report's summary and the README's table."""
    return "\n".join(markdown_table(HEADLINE_COLUMNS, headline_rows(sections)))


def render_section(section: Section, invocation: str) -> str:
    lines = [f"## {section.title}", "", f"**Status:** {section.status}"]
    if section.wall_time_s:
        lines[-1] += f" ({minutes(section.wall_time_s)} wall, {minutes(section.cpu_time_s)} CPU"
        if section.estimate_s:
            lines[-1] += f"; estimated {minutes(section.estimate_s)}"
        lines[-1] += ")"
    if section.measured_at:
        lines[-1] += f"; measured {section.measured_at} at commit {section.commit}"
        if section.invocation != invocation:
            lines[-1] += " — **reused from an earlier invocation**"
    lines += ["", section.what, ""]
    if section.columns and section.rows:
        lines += [*markdown_table(section.columns, section.rows), ""]
    notes = list(section.notes)
    if section.reused_runs:
        notes.append(
            f"{len(section.reused_runs)} run(s) were finished by an earlier invocation and "
            f"reused: {', '.join(section.reused_runs)}; the times above cover the rest only."
        )
    if section.resumed_runs:
        notes.append(
            f"Resumed from a checkpoint left by an interrupted invocation: "
            f"{', '.join(section.resumed_runs)}."
        )
    lines += [f"- {note}" for note in notes]
    if notes:
        lines.append("")
    for fig in section.figures:
        lines += [f"![{Path(fig).stem}]({fig})", ""]
    return "\n".join(lines)


def render_report(
    preset: str, sections: list[Section], header: dict[str, Any], invocation: str
) -> str:
    """The whole REPORT.md: header, headline table, time table, then each section."""
    reused = [s for s in sections if s.measured_at and s.invocation != invocation]
    intro = (
        "Liu et al., *An intriguing failing of convolutional neural networks and the CoordConv "
        "solution*, NeurIPS 2018 (arXiv:1807.03247). Every number below was measured by "
        "`tools/reproduce.py` at the time, on the machine and at the commit given in its "
        "section's status line; the paper's numbers stand beside ours. "
        + (
            "Budgets are the paper's."
            if preset == "paper"
            else f"Budgets of the `{preset}` preset are far below the paper's: read each "
            "section's notes before comparing."
        )
    )
    lines = [f"# CoordConv reproduction report — preset `{preset}`", "", intro, ""]
    lines += [f"- **{k}:** {v}" for k, v in header.items()]
    if reused:
        lines.append(
            "- **reused sections:** "
            + "; ".join(f"{s.key} (measured {s.measured_at}, commit {s.commit})" for s in reused)
            + ". Rerun with `--fresh` to measure everything now."
        )
    lines += ["", "## Headline: our numbers beside the paper's", ""]
    lines += [render_headline(sections), ""]
    lines += ["## Time per experiment", ""]
    time_rows = [
        [
            f"[{s.key}](#{_anchor(s.title)})",
            s.status,
            minutes(s.estimate_s) if s.estimate_s else "—",
            minutes(s.wall_time_s) if s.wall_time_s else "—",
            minutes(s.cpu_time_s) if s.cpu_time_s else "—",
            "this run" if s.invocation == invocation else (s.measured_at or "—"),
        ]
        for s in sections
    ]
    lines += markdown_table(
        ["experiment", "status", "estimate", "wall", "CPU", "measured"], time_rows
    )
    lines.append("")
    lines += [render_section(s, invocation) for s in sections]
    return "\n".join(lines).rstrip() + "\n"


def terminal_table(sections: list[Section], width: int = 110) -> str:
    """The headline rows as a plain-text table for the terminal (cells wrapped)."""
    rows = [HEADLINE_COLUMNS, *headline_rows(sections)]
    first = max(len(row[0]) for row in rows)  # experiment keys are never wrapped
    rest = max(width - first - 2 * len(HEADLINE_COLUMNS), 40)
    share = [26, 30, 20, 20]
    widths = [first, *(w * rest // sum(share) for w in share)]
    out = []
    for i, row in enumerate(rows):
        cells = [textwrap.wrap(str(c), w) or [""] for c, w in zip(row, widths, strict=True)]
        for j in range(max(map(len, cells))):
            out.append(
                "  ".join(
                    (c[j] if j < len(c) else "").ljust(w)
                    for c, w in zip(cells, widths, strict=True)
                ).rstrip()
            )
        if i == 0:
            out.append("  ".join("-" * w for w in widths))
    return "\n".join(out)


def _anchor(title: str) -> str:
    keep = "".join(c for c in title.lower() if c.isalnum() or c in " -")
    return keep.replace(" ", "-")
