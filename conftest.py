"""Workspace-wide pytest setup.

Under ``pytest -n N`` (pytest-xdist) every worker is one process per core already, so each
worker runs torch on one intra-op thread: two workers with two threads each on the 2-core CI
machine oversubscribe it and small ops mostly wait on each other. ``OMP_NUM_THREADS`` is set
too, so a test's subprocesses compute with the same thread count as the test itself (results
that must match bit for bit, such as an interrupted-and-resumed run, stay comparable).

Hypothesis profiles: the default runs each property test's usual number of examples (the
argument fuzz of ``tools/tests/test_cli_fuzz.py`` a bounded, derandomised number);
``HYPOTHESIS_PROFILE=long`` runs many more, with fresh random draws each time.
"""

from __future__ import annotations

import os

from hypothesis import settings

settings.register_profile("long", max_examples=1000, deadline=None)
if os.environ.get("HYPOTHESIS_PROFILE"):
    settings.load_profile(os.environ["HYPOTHESIS_PROFILE"])


def pytest_configure(config) -> None:
    if os.environ.get("PYTEST_XDIST_WORKER"):
        os.environ["OMP_NUM_THREADS"] = "1"
        import torch

        torch.set_num_threads(1)
