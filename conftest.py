"""Workspace-wide pytest setup.

Under ``pytest -n N`` (pytest-xdist) every worker is one process per core already, so each
worker runs torch on one intra-op thread: two workers with two threads each on the 2-core CI
machine oversubscribe it and small ops mostly wait on each other. ``OMP_NUM_THREADS`` is set
too, so a test's subprocesses compute with the same thread count as the test itself (results
that must match bit for bit, such as an interrupted-and-resumed run, stay comparable).

Hypothesis profiles: the default runs each property test's usual number of examples (the
argument fuzz of ``tools/tests/test_cli_fuzz.py`` a bounded, derandomised number);
``HYPOTHESIS_PROFILE=long`` runs many more, with fresh random draws each time.

Documentation blocks: every ```python block of the README files and of the documentation site's
pages (:data:`DOC_PAGES`) runs as a test, with Sybil, one test per block, the blocks of one file
sharing one namespace in order. A block that cannot run in a test (it needs a GPU, a dataset
folder, minutes of training) is preceded by ``<!-- skip: next "the reason" -->``: pytest reports
it as skipped with that reason. Sybil is imported only when a Markdown file is collected, so a
package's tests run without it (the standalone wheel check).
"""

from __future__ import annotations

import functools
import os
from fnmatch import fnmatch
from pathlib import Path

import pytest
from hypothesis import settings

settings.register_profile("long", max_examples=1000, deadline=None)
if os.environ.get("HYPOTHESIS_PROFILE"):
    settings.load_profile(os.environ["HYPOTHESIS_PROFILE"])


def pytest_configure(config) -> None:
    if os.environ.get("PYTEST_XDIST_WORKER"):
        os.environ["OMP_NUM_THREADS"] = "1"
        import torch

        torch.set_num_threads(1)


ROOT = Path(__file__).resolve().parent
# Markdown files whose ```python blocks run as tests, relative to the repository root
DOC_PAGES = ("README.md", "packages/*/README.md", "docs/*.md", "docs/*/*.md")
# READMEs whose blocks their package's own test already runs, checking what they print
DOC_PAGES_TESTED_ELSEWHERE = {
    "packages/coordconv-core/README.md": "packages/coordconv-core/tests/test_core_readme.py",
    "packages/coordconv-data/README.md": "packages/coordconv-data/tests/test_data_cli.py",
    "packages/coordconv-rl/README.md": "packages/coordconv-rl/tests/test_rl_networks.py",
}


def pytest_collect_file(file_path: Path, parent):
    if file_path.suffix != ".md" or not file_path.is_relative_to(ROOT):
        return None
    relative = file_path.relative_to(ROOT).as_posix()
    if relative in DOC_PAGES_TESTED_ELSEWHERE or not any(fnmatch(relative, p) for p in DOC_PAGES):
        return None
    if not _requested(parent.config, file_path):
        return None  # pytest offers every file of a folder it passes (the root's README too)
    return _doc_block_collector()(file_path, parent)


def _requested(config, path: Path) -> bool:
    """Whether ``path`` is, or is inside, one of the paths pytest was asked to collect."""
    for arg in config.args:
        asked = (config.invocation_params.dir / arg.split("::")[0]).resolve()
        if asked == path or asked in path.parents:
            return True
    return False


@functools.cache
def _doc_block_collector():
    from sybil import Sybil
    from sybil.parsers.markdown import PythonCodeBlockParser, SkipParser

    sybil = Sybil(
        parsers=[PythonCodeBlockParser(), SkipParser()], patterns=["*.md"], path=str(ROOT)
    )
    return sybil.pytest()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """A skipped documentation block is reported at its file and line (not at unittest's)."""
    outcome = yield
    report = outcome.get_result()
    if report.skipped and item.path.suffix == ".md" and isinstance(report.longrepr, tuple):
        path, line, _ = item.location
        report.longrepr = (path, line, report.longrepr[2])
