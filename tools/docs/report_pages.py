"""MkDocs hook: the experiment pages show the committed report's sections and figures.

``reports/quick/REPORT.md`` and its ``figures/`` are written by ``tools/reproduce.py --publish``
and stay where they are: nothing is copied into ``docs/``. At build time

- every ``reports/quick/figures/*.png`` is served as ``experiments/figures/<name>.png``, so the
  report's relative image links (``figures/<name>.png``) resolve on every page under
  ``docs/experiments/``;
- a line ``<!-- report: TITLE -->`` in a page is replaced by the report's ``## TITLE...``
  section (the first whose heading starts with TITLE); ``<!-- report: header -->`` by the
  report's opening (what was run where, before its first ``##`` heading). Links to a section's
  anchor (the "Time per experiment" table's) are pointed at the page that holds that section.

A marker naming no section, or a report section placed on no page or on two, stops the build
(an error, whatever ``--strict``), so a re-published report whose headings changed cannot
silently drop a section from the site. Every function but the MkDocs events is plain text
processing and imports nothing from MkDocs.
"""

from __future__ import annotations

import posixpath
import re
from pathlib import Path

REPORT_DIR = Path(__file__).resolve().parents[2] / "reports" / "quick"
FIGURES_URI = "experiments/figures"
MARKER = re.compile(r"^<!-- report: (?P<title>.+?) -->[ \t]*$", re.MULTILINE)
ANCHOR_LINK = re.compile(r"\]\(#(?P<slug>[^)\s]+)\)")
HEADER = "header"


def split_report(text: str) -> dict[str, str]:
    """The report as ``{heading: markdown}``: ``HEADER`` (the opening, title dropped) first,
    then each ``## `` section keyed by its heading text, its markdown including the heading."""
    parts = re.split(r"^(?=## )", text, flags=re.MULTILINE)
    opening = parts[0].split("\n", 1)[1] if parts[0].startswith("# ") else parts[0]
    sections = {HEADER: opening.strip() + "\n"}
    for part in parts[1:]:
        heading = part.split("\n", 1)[0].removeprefix("## ").strip()
        sections[heading] = part.rstrip() + "\n"
    return sections


def find_section(sections: dict[str, str], title: str) -> str:
    """The heading of the one section a marker's TITLE names (``header`` or a heading prefix)."""
    if title == HEADER:
        return HEADER
    found = [h for h in sections if h != HEADER and h.startswith(title)]
    if len(found) != 1:
        raise ValueError(
            f"<!-- report: {title} --> names {len(found)} sections of {REPORT_DIR / 'REPORT.md'} "
            f"(headings: {[h for h in sections if h != HEADER]})"
        )
    return found[0]


def place_sections(pages: dict[str, str], sections: dict[str, str]) -> dict[str, str]:
    """``{heading: page src_uri}`` for every marker of ``pages`` (``{src_uri: markdown}``);
    every section must be placed exactly once."""
    placed: dict[str, str] = {}
    for uri, markdown in sorted(pages.items()):
        for match in MARKER.finditer(markdown):
            heading = find_section(sections, match["title"])
            if heading in placed:
                raise ValueError(
                    f"report section {heading!r} placed twice: {placed[heading]}, {uri}"
                )
            placed[heading] = uri
    missing = [h for h in sections if h not in placed]
    if missing:
        raise ValueError(
            f"report sections on no page (add <!-- report: ... --> markers): {missing}"
        )
    return placed


def splice(
    markdown: str, uri: str, sections: dict[str, str], placed: dict[str, str], slugify
) -> str:
    """``markdown`` of page ``uri`` with its markers replaced by their sections; an anchor link
    to a section held by another page points at that page."""
    page_of_slug = {slugify(h, "-"): placed[h] for h in sections if h != HEADER}

    def relink(match: re.Match) -> str:
        target = page_of_slug.get(match["slug"])
        if target is None or target == uri:
            return match.group(0)
        path = posixpath.relpath(target, posixpath.dirname(uri) or ".")
        return f"]({path}#{match['slug']})"

    def section(match: re.Match) -> str:
        return ANCHOR_LINK.sub(relink, sections[find_section(sections, match["title"])])

    return MARKER.sub(section, markdown)


# --- MkDocs events ------------------------------------------------------------------------------

_placed: dict[str, str] = {}


def _sections() -> dict[str, str]:
    return split_report((REPORT_DIR / "REPORT.md").read_text(encoding="utf-8"))


def on_files(files, config):
    """Serve the report's figures under ``experiments/figures/`` and check the markers."""
    from mkdocs.exceptions import PluginError
    from mkdocs.structure.files import File

    for png in sorted((REPORT_DIR / "figures").glob("*.png")):
        uri = f"{FIGURES_URI}/{png.name}"
        files.append(File.generated(config, uri, abs_src_path=str(png)))
    pages = {
        f.src_uri: Path(f.abs_src_path).read_text(encoding="utf-8")
        for f in files.documentation_pages()
        if f.abs_src_path and not f.generated_by
    }
    _placed.clear()
    try:
        _placed.update(place_sections(pages, _sections()))
    except ValueError as error:
        raise PluginError(str(error)) from None
    return files


def on_page_markdown(markdown, page, config, files):
    """Replace the page's report markers by the report's sections."""
    from markdown.extensions.toc import slugify

    if not MARKER.search(markdown):
        return markdown
    return splice(markdown, page.file.src_uri, _sections(), _placed, slugify)


def on_serve(server, config, builder):
    """``mkdocs serve`` rebuilds when the report changes too."""
    server.watch(str(REPORT_DIR))
    return server
