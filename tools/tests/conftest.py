"""Make ``tools/`` importable (``reproduction`` package, ``reproduce`` script) in its tests, and
this folder too (``cli_grammar``, the fuzz's argument vectors)."""

from __future__ import annotations

import sys
from pathlib import Path

TESTS = Path(__file__).resolve().parent
for folder in (TESTS.parent, TESTS):
    if str(folder) not in sys.path:
        sys.path.insert(0, str(folder))
