"""The one run skeleton every coordconv trainer uses: open or restore, stop, checkpoint, finish.

Shaped like Lightning Fabric or Accelerate: the training loop stays visible in the
experiment's own file, and the plumbing around it is one object the loop calls::

    run = Run(config, project="coordconv-vision")
    run.check()                                # --out mistakes, before anything is written
    ...                                        # check the other inputs, read the data
    accelerator = run.accelerator              # --device, mixed precision, trackers
    ...                                        # build the model and optimiser
    state = run.open()                         # the first write; on --resume the checkpoint
    if state is not None:
        model.load_state_dict(state["model"]); step = state["step"]
        run.restore(state, keep=lambda record: record["step"] <= step)
    with run.stopping():
        while step < total:
            ...                                # one training step
            if run.should_stop(step):
                run.checkpoint({"model": ..., "step": step})
                return run.stopped(step=step)
            if step % every == 0:
                run.checkpoint({"model": ..., "step": step})
    return run.finish(results, weights=model)

What it keeps once, for every trainer:

- **Statuses.** A run ends ``finished`` (``results.json`` written, exit 0) or ``stopped``
  (SIGINT/SIGTERM: the step in hand completed, a checkpoint written, ``results.json`` not
  written, exit :data:`~coordconv_train.cli.EXIT_STOPPED`, 130). :meth:`Run.stopped` returns
  ``{"status": "stopped", ...}``; :func:`is_stopped` reads it.
- **What a resume may change**: :data:`RESUMABLE`, the one list of settings that are
  housekeeping or budget, not the experiment (see its comment).
- **Stopping across processes.** A signal may reach the processes of a multi-process run at
  different steps. :meth:`Run.should_stop` makes them agree: with several processes they
  all-reduce the flag every :data:`AGREE_EVERY` steps, so either all stop at the same step or
  none does (one rank stopping alone would hang the others in their next collective).
- **One writer per directory.** :meth:`Run.open` takes the run directory's lock
  (:mod:`~coordconv_train.lock`, main process); :meth:`Run.finish` and :meth:`Run.stopped`
  let it go (so does the end of the process, even by SIGKILL).
- **A non-finite loss** stops the run: :meth:`Run.check_finite`, called by every trainer on
  the loss values it already reads, raises :class:`~coordconv_train.nonfinite.NonFiniteLoss`
  (one line naming the step, exit 2), before the bad state reaches a checkpoint; the last good
  checkpoint stays and ``results.json`` is not written. With several processes they agree on
  it where they agree to stop, and before every checkpoint.
- **Atomic files.** Checkpoints (:func:`~coordconv_train.checkpoint.save_checkpoint`) and the
  final weights (:meth:`Run.save_weights`) are written to a temporary name, fsynced and
  renamed, on the main process only.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from coordconv_train.checkpoint import load_checkpoint, save_checkpoint
from coordconv_train.config import config_to_dict
from coordconv_train.device import make_accelerator, rng_state, set_rng_state
from coordconv_train.nonfinite import (
    NonFiniteLoss,
    describe_where,
    message,
    non_finite,
    state_is_finite,
)
from coordconv_train.rundir import RunDir, write_atomic
from coordconv_train.stop import GracefulStop
from coordconv_train.tracking import end_tracking, start_tracking, tracking_options

if TYPE_CHECKING:  # torch is imported where it is used: `import coordconv_train` stays light
    import torch

log = logging.getLogger(__name__)

FINISHED, STOPPED = "finished", "stopped"
STATUSES = (FINISHED, STOPPED)

# The settings a ``--resume`` may change: housekeeping (where and how a run is shown, on which
# device and with how many workers) and budgets (how long it trains). Everything else in
# ``config.json`` defines the experiment, and a resume that changes it is refused. A name that
# a trainer's config does not have is simply absent from its ``config.json``. A2C's ``frames``
# is not here: it also sets the length of A2C's linear learning-rate decay, so it defines the
# experiment. (ImageNet's ``epochs`` stretch its schedule too; a resume that changes them
# continues on the stretched schedule, as asked.)
RESUMABLE: tuple[str, ...] = (
    # housekeeping
    "resume",
    "overwrite",
    "device",
    "log_with",
    "progress",
    "threads",
    "workers",
    "num_workers",
    "log_every",
    "log_interval",
    "checkpoint_every",
    "checkpoint_interval",
    "figure_images",
    # budgets
    "epochs",
    "max_steps",
)

AGREE_EVERY = 10  # steps between the all-reduces by which several processes agree to stop
# the state keys that say where a checkpoint is (named in the message of a non-finite loss)
WHERE_KEYS = ("epoch", "batch", "step", "update", "frames")


def is_stopped(results: dict[str, Any] | None) -> bool:
    """Whether a trainer's return value says the run was stopped by a signal."""
    return results is not None and results.get("status") == STOPPED


class Run:
    """One training run: its directory, accelerator, trackers, checkpoint and stop signal.

    ``config`` is the trainer's config dataclass; it must have ``out``, ``resume``,
    ``overwrite``, ``device``, ``amp`` and ``log_with`` fields (every trainer's config has).
    ``project`` names the tracker project (the package, for example ``"coordconv-vision"``).
    The accelerator is made on first use of :attr:`accelerator`, so a trainer can check its
    inputs before choosing a device.
    """

    def __init__(self, config: Any, *, project: str) -> None:
        self.config = config
        self.project = project
        self.dir = RunDir(config.out)
        self._tracking = tracking_options(config.log_with, config.out)
        self._accelerator: Any = None
        self._stop: GracefulStop | None = None
        self._bad: tuple[dict[str, float], str] | None = None  # a non-finite loss seen here
        self._checkpointed: str | None = None  # where the last checkpoint is, if any

    # -- setting up -----------------------------------------------------------------------

    @property
    def accelerator(self) -> Any:
        """The Accelerate ``Accelerator`` of ``--device`` and ``--amp``, with the trackers."""
        if self._accelerator is None:
            self._accelerator = make_accelerator(
                self.config.device, amp=self.config.amp, **self._tracking
            )
        return self._accelerator

    @property
    def is_main(self) -> bool:
        return bool(self.accelerator.is_main_process)

    @property
    def path(self) -> Path:
        return self.dir.path

    def _prepare_args(self) -> dict[str, Any]:
        return {
            "overwrite": self.config.overwrite,
            "resume": self.config.resume,
            "ignore_on_resume": RESUMABLE,
        }

    def check(self) -> None:
        """Refuse a ``--out``, ``--overwrite`` or ``--resume`` mistake without writing anything
        (:class:`~coordconv_train.errors.UserError`)."""
        self.dir.check(config_to_dict(self.config), **self._prepare_args())

    def open(self) -> dict[str, Any] | None:
        """Make or reopen the run directory (the first write; main process), start the trackers
        and wait for every process. Returns the checkpoint's state on ``--resume`` of a run that
        has one, else ``None``; the trainer loads its modules from it and calls
        :meth:`restore`."""
        accelerator = self.accelerator
        if accelerator.is_main_process:
            config = config_to_dict(self.config)
            self.dir.prepare(config, **self._prepare_args())
            start_tracking(accelerator, self.project, config)
        accelerator.wait_for_everyone()
        if self.config.resume and self.dir.checkpoint.exists():
            try:
                state = load_checkpoint(self.dir.checkpoint)
            except BaseException:
                self.dir.release()  # refused: this run never wrote
                raise
            self._checkpointed = _where_of(state)
            return state
        return None

    def restore(self, state: dict[str, Any], *, keep: Callable[[dict[str, Any]], bool]) -> None:
        """Continue from ``state``: the RNG state it saved comes back, and ``metrics.jsonl``
        keeps only the records ``keep(record)`` accepts (the steps the checkpoint has seen)."""
        set_rng_state(state["rng"])
        if self.is_main:
            self.dir.truncate_metrics(keep)

    # -- during training ------------------------------------------------------------------

    @contextlib.contextmanager
    def stopping(self) -> Iterator[GracefulStop]:
        """SIGINT and SIGTERM set a flag (polled by :meth:`should_stop`) instead of killing the
        process; a second SIGINT abandons the step. The handlers are restored on exit."""
        with GracefulStop() as stop:
            self._stop = stop
            try:
                yield stop
            finally:
                self._stop = None

    @property
    def stop_requested(self) -> bool:
        """Whether this process has received a stop signal (not yet agreed with the others)."""
        return self._stop is not None and self._stop.requested

    def should_stop(self, step: int) -> bool:
        """Whether every process stops after ``step``. One process answers at once; several
        answer together every :data:`AGREE_EVERY` steps (a blocking all-reduce), so they all
        stop at the same step."""
        accelerator = self.accelerator
        if accelerator.num_processes == 1:
            return self.stop_requested
        if step % AGREE_EVERY:
            return False
        return self._agree(f"step {step}")

    def _agree(self, where: str) -> bool:
        """All-reduce (stop requested, non-finite loss seen) over the processes; raise
        :class:`NonFiniteLoss` on every process if any saw one, else whether any must stop."""
        import torch

        accelerator = self.accelerator
        flags = [float(self.stop_requested), float(self._bad is not None)]
        total = accelerator.reduce(torch.tensor(flags, device=accelerator.device), reduction="sum")
        stop, bad = (float(v) for v in total.tolist())
        if bad > 0:
            self._raise_non_finite(where)
        return stop > 0

    def check_finite(self, values: float | dict[str, Any], *, step: int, **where: Any) -> None:
        """Stop the run if ``values`` (the loss, or named losses, as numbers the trainer has
        already read off the device: no extra sync) hold a NaN or infinity at ``step``
        (``where`` adds e.g. the epoch to the message). One process raises
        :class:`NonFiniteLoss` at once; several remember it and raise together at their next
        agreement (:meth:`should_stop`, :meth:`checkpoint`). Finite values change nothing."""
        bad = non_finite(values)
        if not bad or self._bad is not None:
            return
        self._bad = (bad, describe_where({"step": step, **where}))
        if self.accelerator.num_processes == 1:
            self._raise_non_finite()

    def _raise_non_finite(self, agreed_at: str = "a step") -> None:
        bad, where = self._bad if self._bad is not None else ({}, agreed_at)
        text = message(bad, where, self._checkpointed, self.path)
        end_tracking(self.accelerator)
        self.dir.release()
        raise NonFiniteLoss(text)

    def log(self, record: dict[str, Any], *, step: int) -> None:
        """Append ``record`` to ``metrics.jsonl`` and the trackers (main process only)."""
        if self.is_main:
            self.dir.log(record)
            self.accelerator.log(record, step=step)

    def checkpoint(self, state: dict[str, Any], *, wait: bool = True) -> None:
        """Write ``state`` plus the RNG state to ``checkpoint.safetensors`` atomically (main
        process). With ``wait``, every process first reaches this point, so the checkpoint
        holds a step all of them finished. A state holding a NaN or infinity is not written
        (:class:`NonFiniteLoss`): the previous checkpoint stays."""
        if self._bad is None and not state_is_finite(state):
            self._bad = ({"the weights": float("nan")}, _where_of(state) or "a checkpoint")
        if wait and self.accelerator.num_processes > 1:
            self._agree(_where_of(state) or "a checkpoint")  # a barrier that also refuses
            # to save a non-finite state
        elif self._bad is not None:
            self._raise_non_finite()
        if self.is_main:
            save_checkpoint(self.dir.checkpoint, {**state, "rng": rng_state()})
        self._checkpointed = _where_of(state)

    # -- ending -----------------------------------------------------------------------------

    def save_weights(self, module: torch.nn.Module, name: str = "model.safetensors") -> Path:
        """Write ``module``'s state dict as plain safetensors to the run directory, atomically
        (main process; ``accelerator.unwrap_model`` first for a prepared model)."""
        from safetensors.torch import save_file

        path = self.path / name
        if self.is_main:
            tensors = {k: v.detach().cpu().contiguous() for k, v in module.state_dict().items()}
            write_atomic(path, lambda tmp: save_file(tensors, str(tmp)))
        return path

    def finish(self, results: dict[str, Any]) -> dict[str, Any]:
        """Write ``results.json`` (main process), wait for every process and close the
        trackers. Returns ``results``."""
        if self.is_main:
            self.dir.write_results(results)
        self.accelerator.wait_for_everyone()
        end_tracking(self.accelerator)
        self.dir.release()
        return results

    def stopped(self, **where: Any) -> dict[str, Any]:
        """End a run stopped by a signal (its checkpoint already written): one line on the main
        process, trackers closed. Returns ``{"status": "stopped", **where}``."""
        signal_name = self._stop.signal_name if self._stop is not None else "a signal"
        if self.is_main:
            at = ", ".join(f"{k} {v}" for k, v in where.items())
            log.warning(
                "stopped by %s at %s; checkpoint in %s (continue with --resume)",
                signal_name,
                at,
                self.dir.checkpoint,
            )
        end_tracking(self.accelerator)
        self.dir.release()
        return {"status": STOPPED, **where}


def _where_of(state: dict[str, Any]) -> str | None:
    """``"epoch 2, batch 0"`` from a checkpoint's state (None if it names no position)."""
    parts = [f"{k} {state[k]}" for k in WHERE_KEYS if isinstance(state.get(k), int)]
    return ", ".join(parts) or "the last one"
