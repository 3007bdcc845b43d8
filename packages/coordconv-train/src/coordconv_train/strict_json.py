"""Strict JSON for every file the project writes: no bare ``NaN`` or ``Infinity``.

Python's ``json`` writes a non-finite float as ``NaN``/``Infinity``, which is not JSON (other
readers refuse the file). Every JSON the project writes goes through :func:`dumps`, which
encodes with ``allow_nan=False`` after replacing each non-finite number with ``null`` and
noting where: the outermost object gets a ``"non_finite"`` list of the dotted paths (keys and
list indices) whose values were NaN or infinite, for example
``{"loss": null, "eval": {"fid": null}, "non_finite": ["loss", "eval.fid"]}``. A record whose
values are all finite is written exactly as before (no note). Numbers from NumPy or torch
(scalars, one-element arrays and tensors) become plain Python numbers first.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from typing import Any

NON_FINITE = "non_finite"  # the note: paths of the values written as null


def _non_finite_scalar(value: Any) -> bool:
    """A NumPy or torch floating scalar (or one-element array) that is NaN or infinite. Finite
    ones are left to ``default``, exactly as before, so finite output does not change."""
    dtype = getattr(value, "dtype", None)
    if dtype is None or isinstance(value, float):
        return False
    floating = getattr(dtype, "kind", None) == "f" or getattr(dtype, "is_floating_point", False)
    if not floating:
        return False
    try:
        return not math.isfinite(float(value))
    except (TypeError, ValueError, RuntimeError):
        return False  # not a single number


def _clean(value: Any, path: str, found: list[str]) -> Any:
    if (isinstance(value, float) and not math.isfinite(value)) or _non_finite_scalar(value):
        found.append(path or "<value>")
        return None
    if isinstance(value, dict):
        return {k: _clean(v, f"{path}.{k}" if path else str(k), found) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_clean(v, f"{path}.{i}" if path else str(i), found) for i, v in enumerate(value)]
    return value


def finite(data: Any) -> Any:
    """``data`` with every non-finite number as ``None`` and, where there were any, the
    ``"non_finite"`` note in the outermost object (in each object of a top-level list)."""
    if isinstance(data, list | tuple):
        return [finite(item) for item in data]
    found: list[str] = []
    clean = _clean(data, "", found)
    if found and isinstance(clean, dict):
        earlier = clean.get(NON_FINITE)
        noted = [*earlier] if isinstance(earlier, list) else []
        clean[NON_FINITE] = noted + [p for p in found if p not in noted]
    return clean


def dumps(data: Any, *, default: Callable[[Any], Any] | None = str, **kwargs: Any) -> str:
    """``json.dumps`` of :func:`finite` ``(data)`` with ``allow_nan=False`` (always valid
    JSON). ``default`` converts other objects (paths, ...) as ``json.dumps``'s does."""
    return json.dumps(finite(data), allow_nan=False, default=default, **kwargs)
