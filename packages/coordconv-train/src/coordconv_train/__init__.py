"""coordconv-train: the run plumbing the coordconv experiment packages share.

The layer itself is :mod:`coordconv_core` (torch only); this package is what the experiments of
``coordconv-vision``, ``coordconv-generative`` and ``coordconv-rl`` run on (safetensors, tqdm,
accelerate, numpy; the ``tensorboard`` extra for ``--log-with tensorboard``).

- :mod:`.run`: :class:`Run`, the one run skeleton every trainer uses (open/restore, stop,
  checkpoint, finish), with the statuses and :data:`RESUMABLE`
- :mod:`.config`: config dataclasses <-> CLI flags <-> ``config.json``
- :mod:`.rundir`: the run directory (marker, config, ``metrics.jsonl``, ``results.json``)
- :mod:`.checkpoint`: atomic safetensors checkpoints, truncation detected; a trainer's state
- :mod:`.stop`: graceful SIGINT/SIGTERM
- :mod:`.device`: ``--device``, mixed precision, Accelerate, seeding, RNG state
- :mod:`.cli`: one-line errors, exit statuses; a trainer's subcommand and its printed results

What every command promises (the contract; the root README repeats it for users)
-------------------------------------------------------------------------------

1. Nothing of the user's is deleted. A run directory carries a marker file ``.coordconv-run``
   (JSON: ``{"format": "coordconv-run-1", "made_by": ..., "coordconv_core": <version>}``).
   ``--overwrite`` deletes a directory only if it carries the marker; a non-empty directory
   without it is refused, with or without ``--overwrite``, and nothing in it is touched. A new
   run goes into a new or empty directory. Anything put inside a marked run directory goes with
   it on ``--overwrite``.
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
"""

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

__all__ = [
    "EXIT_STOPPED",
    "EXIT_USER_ERROR",
    "FINISHED",
    "MARKER",
    "RESUMABLE",
    "STATUSES",
    "STOPPED",
    "CheckpointError",
    "CliParser",
    "GracefulStop",
    "Run",
    "RunDir",
    "UserError",
    "add_config_arguments",
    "add_config_command",
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
    "log_to_stdout",
    "make_accelerator",
    "mark_new_dir",
    "mixed_precision_for",
    "one_line",
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
