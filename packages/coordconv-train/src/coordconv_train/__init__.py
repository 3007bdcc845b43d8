"""coordconv-train: the run plumbing the coordconv experiment packages share.

The layer itself is :mod:`coordconv_core` (torch only); this package is what the experiments of
``coordconv-vision``, ``coordconv-generative`` and ``coordconv-rl`` run on (safetensors, tqdm,
accelerate, numpy; the ``tensorboard`` extra for ``--log-with tensorboard``).

- :mod:`.run`: :class:`Run`, the one run skeleton every trainer uses (open/restore, stop,
  checkpoint, finish), with the statuses and :data:`RESUMABLE`
- :mod:`.config`, :mod:`.option`: config dataclasses <-> CLI flags <-> ``config.json``; one
  field with its help and bounds in one line
- :mod:`.rundir`: the run directory (marker, config, ``metrics.jsonl``, ``results.json``)
- :mod:`.manifest`, :mod:`.removal`: the list of files we made, and the one function that
  deletes (only those)
- :mod:`.checkpoint`: atomic safetensors checkpoints, truncation detected; a trainer's state
- :mod:`.lock`: one writer per run directory (``.coordconv-run.lock``)
- :mod:`.nonfinite`: a NaN or infinite loss stops a run cleanly
- :mod:`.strict_json`: every JSON written is strict (non-finite values as ``null``, noted)
- :mod:`.stop`: graceful SIGINT/SIGTERM
- :mod:`.device`: ``--device``, mixed precision, Accelerate, seeding, RNG state
- :mod:`.cli`: one-line errors, exit statuses; a trainer's subcommand and its printed results
- :mod:`.testing`: what the tests of every package share (tree digests, a lock held by
  another process, a tiny run config, real subprocesses)

What every command promises (the contract; the root README repeats it for users)
-------------------------------------------------------------------------------

1. Nothing of the user's is deleted. A run directory carries a marker file ``.coordconv-run``
   (JSON: ``{"format": "coordconv-run-1", "made_by": ..., "coordconv_core": <version>}``) and
   the list of every file the run wrote, ``.coordconv-files`` (:mod:`.manifest`). Everything
   that deletes goes through one function, :func:`remove_made_by_us` (:mod:`.removal`): it
   deletes only marked folders and listed files, never follows or deletes a symbolic link, and
   refuses anything else before deleting anything. So ``--overwrite`` replaces a run only if
   its directory carries the marker and holds nothing but the run's own files; a non-empty
   directory without it is refused, with or without ``--overwrite``. A file the user put inside
   a run directory is never deleted: ``--overwrite`` is refused (exit 2, naming the file) until
   it is moved away. A new run goes into a new or empty directory. Code that writes into a run
   directory through another library (figures, trackers) records the file first with
   :func:`own`.
2. ``--resume`` needs a resumable run: a marked directory whose ``config.json`` is readable and
   agrees with the command's config. Anything else (no such directory, a foreign or damaged
   one) is a user error; ``--resume`` never starts a fresh run silently. ``--resume`` and
   ``--overwrite`` together are refused.
3. Inputs are checked before anything is written: data paths, names (models, games,
   datasets), sizes and counts, flags that do not apply, and the ``--out`` location itself.
   Trainers call :meth:`RunDir.check` (no writes) early, validate their other inputs, and call
   :meth:`RunDir.prepare` (the first write) last; a failed command leaves the file tree as it
   was.
4. Every user error is one line on stderr, ``<prog>: error: <what is wrong and what to do>``,
   and exit status 2 (:data:`EXIT_USER_ERROR`); never a traceback. Raise :class:`UserError`;
   :func:`run_cli` and :class:`CliParser` print it.
5. A run stopped by SIGINT or SIGTERM finishes its step, writes its checkpoint and exits with
   status 130 (:data:`EXIT_STOPPED`), every command alike; ``--resume`` continues it. A signal
   before the first step also exits 130 (the run, if its directory was made, restarts at step 0
   on ``--resume``); a second SIGINT abandons the step, keeping the last checkpoint.
6. Files are written to a temporary name, fsynced and renamed: a kill (even SIGKILL) leaves the
   previous file intact, and a failed write (a full disk) removes its temporary file, keeps the
   previous checkpoint and is a one-line error with status 2.
7. One writer per run directory: :meth:`RunDir.prepare` takes ``<dir>/.coordconv-run.lock``
   (:mod:`.lock`; ``flock``, the holder's pid and command inside) and keeps it until the run
   finishes or stops or the process ends; a second writer is a user error naming the holder's
   pid. The kernel frees the lock of a killed process, and the next writer takes it over.
8. A non-finite loss or state stops the run (:meth:`Run.check_finite`, :meth:`Run.checkpoint`):
   status 2, one line naming the step, the last good checkpoint kept, no ``results.json``.
   Every JSON written is strict (:mod:`.strict_json`): NaN and infinities become ``null``,
   their paths listed under ``"non_finite"`` in the outermost object.
"""

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # the names below, imported lazily (PEP 562) so that light users
    # (coordconv-data's CLI: errors, removal) do not import torch
    from coordconv_train.checkpoint import (
        CheckpointError,
        load_checkpoint,
        save_checkpoint,
        training_state,
    )
    from coordconv_train.cli import (
        EXIT_STOPPED,
        EXIT_USER_ERROR,
        CliParser,
        add_config_command,
        log_to_stdout,
        one_line,
        report_results,
        run_cli,
    )
    from coordconv_train.config import (
        add_config_arguments,
        config_from_args,
        config_from_dict,
        config_to_dict,
    )
    from coordconv_train.device import (
        denormals_flushed,
        flush_denormals,
        make_accelerator,
        mixed_precision_for,
        resolve_device,
        rng_state,
        seed_everything,
        set_rng_state,
    )
    from coordconv_train.errors import UserError, describe_os_error
    from coordconv_train.lock import LOCK, DirInUse, check_not_in_use, lock_dir, release_dir
    from coordconv_train.manifest import own
    from coordconv_train.measured import load_committed
    from coordconv_train.nonfinite import NonFiniteLoss
    from coordconv_train.removal import check_removable, remove_made_by_us
    from coordconv_train.run import FINISHED, RESUMABLE, STATUSES, STOPPED, Run, is_stopped
    from coordconv_train.rundir import (
        MARKER,
        RunDir,
        check_writable_dir,
        is_run_dir,
        mark_new_dir,
        remove_marked_dir,
        write_atomic,
        write_json_atomic,
    )
    from coordconv_train.stop import GracefulStop

_LAZY = {
    "LOCK": "coordconv_train.lock",
    "DirInUse": "coordconv_train.lock",
    "check_not_in_use": "coordconv_train.lock",
    "lock_dir": "coordconv_train.lock",
    "release_dir": "coordconv_train.lock",
    "NonFiniteLoss": "coordconv_train.nonfinite",
    "CheckpointError": "coordconv_train.checkpoint",
    "CliParser": "coordconv_train.cli",
    "EXIT_STOPPED": "coordconv_train.cli",
    "EXIT_USER_ERROR": "coordconv_train.cli",
    "FINISHED": "coordconv_train.run",
    "GracefulStop": "coordconv_train.stop",
    "MARKER": "coordconv_train.rundir",
    "RESUMABLE": "coordconv_train.run",
    "Run": "coordconv_train.run",
    "RunDir": "coordconv_train.rundir",
    "STATUSES": "coordconv_train.run",
    "STOPPED": "coordconv_train.run",
    "UserError": "coordconv_train.errors",
    "add_config_arguments": "coordconv_train.config",
    "check_writable_dir": "coordconv_train.rundir",
    "config_from_args": "coordconv_train.config",
    "config_from_dict": "coordconv_train.config",
    "config_to_dict": "coordconv_train.config",
    "denormals_flushed": "coordconv_train.device",
    "describe_os_error": "coordconv_train.errors",
    "flush_denormals": "coordconv_train.device",
    "is_run_dir": "coordconv_train.rundir",
    "is_stopped": "coordconv_train.run",
    "load_checkpoint": "coordconv_train.checkpoint",
    "load_committed": "coordconv_train.measured",
    "make_accelerator": "coordconv_train.device",
    "mark_new_dir": "coordconv_train.rundir",
    "mixed_precision_for": "coordconv_train.device",
    "one_line": "coordconv_train.cli",
    "remove_marked_dir": "coordconv_train.rundir",
    "resolve_device": "coordconv_train.device",
    "rng_state": "coordconv_train.device",
    "run_cli": "coordconv_train.cli",
    "save_checkpoint": "coordconv_train.checkpoint",
    "training_state": "coordconv_train.checkpoint",
    "add_config_command": "coordconv_train.cli",
    "log_to_stdout": "coordconv_train.cli",
    "report_results": "coordconv_train.cli",
    "seed_everything": "coordconv_train.device",
    "set_rng_state": "coordconv_train.device",
    "write_atomic": "coordconv_train.rundir",
    "write_json_atomic": "coordconv_train.rundir",
    "own": "coordconv_train.manifest",
    "check_removable": "coordconv_train.removal",
    "remove_made_by_us": "coordconv_train.removal",
}


def __getattr__(name: str) -> Any:
    if name not in _LAZY:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    import importlib

    value = getattr(importlib.import_module(_LAZY[name]), name)
    globals()[name] = value
    return value


__all__ = [
    "EXIT_STOPPED",
    "EXIT_USER_ERROR",
    "FINISHED",
    "LOCK",
    "MARKER",
    "RESUMABLE",
    "STATUSES",
    "STOPPED",
    "CheckpointError",
    "CliParser",
    "DirInUse",
    "GracefulStop",
    "NonFiniteLoss",
    "Run",
    "RunDir",
    "UserError",
    "add_config_arguments",
    "add_config_command",
    "check_not_in_use",
    "check_removable",
    "check_writable_dir",
    "config_from_args",
    "config_from_dict",
    "config_to_dict",
    "denormals_flushed",
    "describe_os_error",
    "flush_denormals",
    "is_run_dir",
    "is_stopped",
    "load_checkpoint",
    "load_committed",
    "lock_dir",
    "log_to_stdout",
    "make_accelerator",
    "mark_new_dir",
    "mixed_precision_for",
    "one_line",
    "own",
    "release_dir",
    "remove_made_by_us",
    "remove_marked_dir",
    "report_results",
    "resolve_device",
    "rng_state",
    "run_cli",
    "save_checkpoint",
    "seed_everything",
    "set_rng_state",
    "training_state",
    "write_atomic",
    "write_json_atomic",
]
