"""Crash-safe checkpoints in safetensors (docs/architecture.md).

Any nested state (model and optimizer ``state_dict``s, epoch counters, RNG states) is split
into its tensors, stored as safetensors, and the rest, which must be JSON-able, stored in the
file's metadata. Files are written to a temporary name, fsynced and renamed, so a kill (even
SIGKILL) never leaves a half-written checkpoint under the real name; a write that fails (a full
disk) removes its temporary file, keeps the previous checkpoint and raises
:class:`CheckpointError`. A file cut short on disk is refused with :class:`CheckpointError`
instead of being loaded. Nothing is ever unpickled.

A checkpoint written into a run directory also records the run's ``config.json``; loading it
back there compares the two (what a resume may change, :data:`~coordconv_train.run.RESUMABLE`,
aside), so the checkpoint of another trainer or another model copied into a run is refused by
name (:class:`CheckpointError`) before anything is loaded into a model or written.

Tensors that share memory (tied weights: one tensor under two names) are stored once and come
back as one tensor, so the sharing survives the round trip; other overlapping views of one
storage are stored as copies (safetensors refuses overlapping tensors).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

from coordconv_train.errors import UserError, describe_os_error
from coordconv_train.rundir import write_atomic

if TYPE_CHECKING:  # torch is imported where it is used: `import coordconv_train` stays light
    import torch

_FORMAT = "coordconv-checkpoint-1"


class CheckpointError(UserError):
    """A checkpoint could not be written, or the file is missing, truncated, corrupted or
    not one of ours."""


class _Tensors:
    """The tensors of one checkpoint: one entry per distinct view, no overlapping storage."""

    def __init__(self) -> None:
        self.tensors: dict[str, torch.Tensor] = {}
        self._keys: dict[tuple[Any, ...], str] = {}
        self._spans: list[tuple[int, int]] = []  # [start, end) byte ranges of stored CPU tensors

    def add(self, tensor: torch.Tensor) -> str:
        tensor = tensor.detach()
        view = (
            tensor.device,
            tensor.data_ptr(),
            tensor.dtype,
            tuple(tensor.shape),
            tensor.stride(),
        )
        if tensor.numel() and view in self._keys:  # the same tensor again (tied weights)
            return self._keys[view]
        stored = tensor.cpu().contiguous()
        if stored.numel():
            start = stored.data_ptr()
            end = start + stored.numel() * stored.element_size()
            if any(start < e and s < end for s, e in self._spans):  # overlaps a stored tensor
                stored = stored.clone()
                start = stored.data_ptr()
                end = start + stored.numel() * stored.element_size()
            self._spans.append((start, end))
        key = f"t{len(self.tensors)}"
        self.tensors[key] = stored
        if tensor.numel():
            self._keys[view] = key
        return key


def _flatten(obj: Any, tensors: _Tensors, prefix: str) -> Any:
    import torch

    if isinstance(obj, torch.Tensor):
        return {"__tensor__": tensors.add(obj)}
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


def training_state(
    accelerator: Any, model: torch.nn.Module, optimizer: torch.optim.Optimizer, **counters: Any
) -> dict[str, Any]:
    """A trainer's checkpoint state: the (unwrapped) model's and the optimiser's state dicts,
    then ``counters`` (step, times, ...) in the order given; for :meth:`Run.checkpoint`."""
    return {
        "model": accelerator.unwrap_model(model).state_dict(),
        "optimizer": optimizer.state_dict(),
        **counters,
    }


def save_checkpoint(path: str | Path, state: dict[str, Any]) -> Path:
    """Write ``state`` to ``path`` atomically (temporary file, fsync, rename).

    A value that cannot be stored is a ``TypeError`` raised before anything is written; a
    failed write (``OSError``: disk full, folder gone) leaves the previous file at ``path``
    untouched, removes the temporary file and raises :class:`CheckpointError`.
    """
    from safetensors.torch import save_file

    path = Path(path)
    tensors = _Tensors()
    tree = _flatten(state, tensors, "state")
    metadata = {"format": _FORMAT, "tree": json.dumps(tree)}
    config = _run_config(path)
    if config is not None:
        metadata["config"] = json.dumps(config)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        write_atomic(path, lambda tmp: save_file(tensors.tensors, str(tmp), metadata=metadata))
    except OSError as exc:
        raise CheckpointError(
            f"cannot write checkpoint {path} ({describe_os_error(exc)}); "
            "the previous checkpoint is kept"
        ) from exc
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
        made_for = json.loads(meta["config"]) if "config" in meta else None
    except CheckpointError:
        raise
    except Exception as exc:  # safetensors raises its own error types for truncated headers/data
        raise CheckpointError(
            f"checkpoint {path} is damaged or truncated ({type(exc).__name__}: {exc}); "
            "start the run over with --overwrite"
        ) from exc
    _check_made_for(path, made_for)
    return _unflatten(tree, tensors)


def _run_config(path: Path) -> dict[str, Any] | None:
    """The ``config.json`` of the run directory holding ``path``, if it is one."""
    try:
        config = json.loads((path.parent / "config.json").read_text())
    except (OSError, ValueError):
        return None
    return config if isinstance(config, dict) else None


def _check_made_for(path: Path, made_for: Any) -> None:
    """Refuse a checkpoint that another run wrote (another trainer, another model or setting)."""
    from coordconv_train.run import RESUMABLE  # run imports this module

    config = _run_config(path)
    if not isinstance(made_for, dict) or config is None:
        return  # a checkpoint outside a run directory, or written before checkpoints said
    start_over = "give the --out of the run it belongs to, or start this one over with --overwrite"
    if set(made_for) != set(config):
        raise CheckpointError(
            f"--resume: {path} is a foreign checkpoint, written by another trainer than the "
            f"run in {path.parent}; {start_over}"
        )
    differs = [k for k in config if k not in RESUMABLE and k != "out" and made_for[k] != config[k]]
    if differs:
        detail = ", ".join(f"{k} {made_for[k]!r}, not {config[k]!r}" for k in differs[:3])
        raise CheckpointError(
            f"--resume: {path} is the checkpoint of another run ({detail}), mismatched with "
            f"the run in {path.parent}; {start_over}"
        )
