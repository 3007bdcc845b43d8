"""Workspace-wide pytest setup.

Under ``pytest -n N`` (pytest-xdist) every worker is one process per core already, so each
worker runs torch on one intra-op thread: two workers with two threads each on the 2-core CI
machine oversubscribe it and small ops mostly wait on each other. ``OMP_NUM_THREADS`` is set
too, so a test's subprocesses compute with the same thread count as the test itself (results
that must match bit for bit, such as an interrupted-and-resumed run, stay comparable).
"""

from __future__ import annotations

import os


def pytest_configure(config) -> None:
    if os.environ.get("PYTEST_XDIST_WORKER"):
        os.environ["OMP_NUM_THREADS"] = "1"
        import torch

        torch.set_num_threads(1)
