"""Committed result files of a package: ``packages/<package>/docs/measured/*.json``.

A package's report notes quote numbers measured by its documented sweeps and committed beside
its README. The files live in the repository, outside the package's source, so an installed
wheel has none of them: :func:`load_committed` then returns ``None`` and the note that needs one
is left out rather than written from memory.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any


def load_committed(package: str, package_dir: Path, relative: str) -> dict[str, Any] | None:
    """The JSON file ``relative`` (to the repository root, so ``packages/<package>/...``) of
    ``package``, looked for under ``package_dir`` (its folder ``packages/<package>`` in a
    checkout; in an installed wheel a folder without ``docs/``), or ``None`` where it is not
    there. A path of another package is a ``ValueError``."""
    inside = Path(relative).relative_to(Path("packages") / package)
    path = package_dir / inside
    return json.loads(path.read_text()) if path.is_file() else None
