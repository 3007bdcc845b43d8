"""Crash-safe checkpoints in safetensors (DESIGN.md section 6).

Any nested state (model and optimizer ``state_dict``s, epoch counters, RNG states) is split
into its tensors, stored as safetensors, and the rest, which must be JSON-able, stored in the
file's metadata. Files are written to a temporary name and renamed, so a kill never leaves a
half-written checkpoint, and a file cut short on disk is refused with :class:`CheckpointError`
instead of being loaded. Nothing is ever unpickled.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import torch

from coordconv_core.training.errors import UserError

_FORMAT = "coordconv-checkpoint-1"


class CheckpointError(UserError):
    """The checkpoint file is missing, truncated, corrupted or not one of ours."""


def _flatten(obj: Any, tensors: dict[str, torch.Tensor], prefix: str) -> Any:
    if isinstance(obj, torch.Tensor):
        key = f"t{len(tensors)}"
        tensors[key] = obj.detach().cpu().contiguous()
        return {"__tensor__": key}
    if isinstance(obj, dict):
        if not all(isinstance(k, str | int) for k in obj):
            raise TypeError(f"checkpoint dict keys must be str or int at {prefix!r}")
        return {"__dict__": [[k, _flatten(v, tensors, f"{prefix}.{k}")] for k, v in obj.items()]}
    if isinstance(obj, list | tuple):
        items = [_flatten(v, tensors, f"{prefix}[{i}]") for i, v in enumerate(obj)]
        return {"__tuple__": items} if isinstance(obj, tuple) else items
    if obj is None or isinstance(obj, bool | int | float | str):
        return obj
    raise TypeError(f"cannot store {type(obj).__name__} at {prefix!r} in a checkpoint")


def _unflatten(obj: Any, tensors: dict[str, torch.Tensor]) -> Any:
    if isinstance(obj, dict):
        if "__tensor__" in obj:
            return tensors[obj["__tensor__"]]
        if "__dict__" in obj:
            return {k: _unflatten(v, tensors) for k, v in obj["__dict__"]}
        if "__tuple__" in obj:
            return tuple(_unflatten(v, tensors) for v in obj["__tuple__"])
    if isinstance(obj, list):
        return [_unflatten(v, tensors) for v in obj]
    return obj


def save_checkpoint(path: str | Path, state: dict[str, Any]) -> Path:
    """Write ``state`` to ``path`` atomically (temporary file, fsync, rename)."""
    from safetensors.torch import save_file

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tensors: dict[str, torch.Tensor] = {}
    tree = _flatten(state, tensors, "state")
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    save_file(tensors, str(tmp), metadata={"format": _FORMAT, "tree": json.dumps(tree)})
    with open(tmp, "rb") as fh:
        os.fsync(fh.fileno())
    os.replace(tmp, path)
    return path


def load_checkpoint(path: str | Path, map_location: str | torch.device = "cpu") -> dict[str, Any]:
    """Read a checkpoint written by :func:`save_checkpoint`; refuse damaged files clearly."""
    from safetensors import safe_open

    path = Path(path)
    if not path.is_file():
        raise CheckpointError(f"checkpoint {path} does not exist")
    try:
        with safe_open(str(path), framework="pt", device=str(map_location)) as fh:
            meta = fh.metadata() or {}
            if meta.get("format") != _FORMAT:
                raise CheckpointError(
                    f"{path} is not a coordconv checkpoint (format {meta.get('format')!r})"
                )
            tensors = {k: fh.get_tensor(k) for k in fh.keys()}  # noqa: SIM118 (safe_open has no __iter__)
        tree = json.loads(meta["tree"])
    except CheckpointError:
        raise
    except Exception as exc:  # safetensors raises its own error types for truncated headers/data
        raise CheckpointError(
            f"checkpoint {path} is damaged or truncated ({type(exc).__name__}: {exc}); "
            "delete it or start without --resume"
        ) from exc
    return _unflatten(tree, tensors)
