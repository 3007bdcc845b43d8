"""The run directory every training entry point writes, and the rules that protect it.

Layout (docs/architecture.md)::

    OUT/.coordconv-run     marker: this directory was made by a coordconv tool (JSON, below)
    OUT/.coordconv-run.lock  while a process writes the run: its lock (coordconv_train.lock)
    OUT/config.json        the resolved config
    OUT/metrics.jsonl      one JSON object per logged step or epoch
    OUT/results.json       the final results
    OUT/checkpoint.safetensors, OUT/*.safetensors   weights and resumable state
    OUT/*.png              figures

The marker holds ``{"format": "coordconv-run-1", "made_by": <tool>, "coordconv_core": <version>}``.
The rules (the package's module docstring states the whole contract):

- a new run goes into a directory that does not exist yet or is empty;
- ``overwrite=True`` deletes a previous run only if its directory carries the marker and holds
  nothing but the files the run wrote (:func:`coordconv_train.removal.remove_made_by_us`, which
  reads the directory's ``.coordconv-files`` list, :mod:`coordconv_train.manifest`); any other
  non-empty directory, or a file the user put inside a run, is refused (:class:`UserError`) and
  nothing is touched;
- ``resume=True`` needs a marked directory with a readable ``config.json`` that agrees with the
  new config (except the fields in ``ignore_on_resume``);
- :meth:`RunDir.check` runs every one of these checks without writing anything, so a trainer
  can check its ``--out`` first, then its other inputs, and only then :meth:`RunDir.prepare`.
"""

from __future__ import annotations

import contextlib
import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any, Literal

from coordconv_train import manifest, strict_json
from coordconv_train.errors import UserError, describe_os_error
from coordconv_train.lock import LOCK, check_not_in_use, lock_dir, release_dir
from coordconv_train.removal import check_removable, remove_made_by_us

MARKER = ".coordconv-run"
MARKER_FORMAT = "coordconv-run-1"
CONFIG = "config.json"
METRICS = "metrics.jsonl"
RESULTS = "results.json"
CHECKPOINT = "checkpoint.safetensors"
MODEL = "model.safetensors"  # the final weights (some trainers write it with safetensors)
TMP_INFIX = ".tmp-"  # temporary files of atomic writes: ".<name>.tmp-<pid>"

Plan = Literal["new", "overwrite", "resume"]


def tmp_path_for(path: Path) -> Path:
    """The temporary name an atomic write of ``path`` uses before renaming."""
    return path.with_name(f".{path.name}{TMP_INFIX}{os.getpid()}")


def _fsync_dir(path: Path) -> None:
    """Make a rename in ``path`` durable (a no-op where directories cannot be opened)."""
    with contextlib.suppress(OSError):
        fd = os.open(path, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def write_atomic(path: str | Path, write: Callable[[Path], None]) -> Path:
    """Call ``write(tmp)`` on a temporary sibling of ``path``, fsync it and rename it over
    ``path``. If anything fails (a full disk, a signal) the temporary file is removed and
    ``path`` keeps its previous content. Inside a marked folder ``path`` is recorded as ours
    first (:func:`coordconv_train.manifest.own`)."""
    path = Path(path)
    manifest.own(path)
    tmp = tmp_path_for(path)
    try:
        write(tmp)
        with open(tmp, "rb") as fh:
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException as exc:
        tmp.unlink(missing_ok=True)
        if isinstance(exc, OSError) and exc.filename is None:
            exc.filename = str(path)  # a write to an open file (a full disk) names no file
        raise
    _fsync_dir(path.parent)
    return path


def write_json_atomic(path: str | Path, data: Any) -> Path:
    """Write ``data`` as indented strict JSON (:mod:`~coordconv_train.strict_json`: a
    non-finite number becomes ``null``, noted) via a temporary file and rename."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    text = strict_json.dumps(data, indent=2, sort_keys=False, default=str) + "\n"
    return write_atomic(path, lambda tmp: tmp.write_text(text))


def is_run_dir(path: str | Path) -> bool:
    """True if ``path`` is a directory whose marker says a coordconv tool made it."""
    marker = Path(path) / MARKER
    try:
        return json.loads(marker.read_text()).get("format") == MARKER_FORMAT
    except (OSError, ValueError, AttributeError):
        return False


def mark_new_dir(path: str | Path, tool: str) -> bool:
    """Create ``path`` (or take an empty folder) and mark it as made by ``tool``, so that a
    later :func:`remove_marked_dir` may delete what it writes there. A non-empty unmarked folder
    is left unmarked (it holds something of the user's); returns whether ``path`` carries the
    marker."""
    path = Path(path)
    if is_run_dir(path) and manifest.is_marked(path):
        return True
    if path.is_dir() and any(path.iterdir()):
        return False
    manifest.own(path, "dir")
    path.mkdir(parents=True, exist_ok=True)
    manifest.mark(path, tool)
    write_json_atomic(path / MARKER, _marker(tool))
    return True


def remove_marked_dir(path: str | Path, flag: str) -> None:
    """Delete ``path`` if one of our tools made it and everything in it
    (:func:`coordconv_train.removal.remove_made_by_us`); refuse (:class:`UserError`, nothing
    deleted) anything else. A missing path is fine."""
    remove_made_by_us(path, flag=flag)


def _marker(tool: str) -> dict[str, str]:
    from coordconv_core import __version__

    return {"format": MARKER_FORMAT, "made_by": tool, "coordconv_core": __version__}


def _first_missing(path: Path) -> Path | None:
    """The outermost directory that creating ``path`` would make (None if it exists)."""
    missing = None
    while not (path.exists() or path.is_symlink()):
        missing = path
        if path.parent == path:
            break
        path = path.parent
    return missing


def check_writable_dir(path: Path, what: str = "--out") -> None:
    """Refuse (:class:`UserError`) a ``path`` that is a file, lies under a file, or whose
    nearest existing folder cannot be written. Writes nothing."""
    if path.exists() and not path.is_dir():
        raise UserError(f"{what} {path} is a file, not a directory")
    existing = path if path.exists() else (_first_missing(path) or path).parent
    if not existing.is_dir():
        raise UserError(f"cannot create {what} {path}: {existing} is a file, not a directory")
    if not os.access(existing, os.W_OK | os.X_OK):
        raise UserError(f"cannot write {what} {path}: {existing} is not writable")


def _remove_empty_dirs(path: Path, created: Path) -> None:
    """Undo a failed :meth:`RunDir.prepare` that made ``created`` (``path`` or a parent of
    it): each folder from ``path`` up to ``created`` while it is empty."""
    for folder in (path, *path.parents):
        with contextlib.suppress(OSError):
            folder.rmdir()
        if folder == created:
            break


class RunDir:
    """A run directory: marker, config, metrics log, results and checkpoints."""

    def __init__(self, path: str | Path, tool: str = "coordconv") -> None:
        self.path = Path(path)
        self.tool = tool

    @property
    def checkpoint(self) -> Path:
        return self.path / CHECKPOINT

    @property
    def made_by_us(self) -> bool:
        """The directory carries the marker of a coordconv tool."""
        return is_run_dir(self.path)

    @property
    def resumable(self) -> bool:
        """A marked directory with a readable ``config.json`` (``--resume`` can continue it)."""
        try:
            self.read_config()
        except UserError:
            return False
        return True

    def read_config(self) -> dict[str, Any]:
        """The run's ``config.json``; :class:`UserError` if it is not a resumable run."""
        if not self.path.is_dir():
            raise UserError(
                f"--resume: {self.path} does not exist, so there is no run to resume; "
                "start it without --resume"
            )
        if not self.made_by_us:
            raise UserError(
                f"--resume: {self.path} is not a coordconv run directory (it has no {MARKER} "
                "marker); give the --out of an earlier run"
            )
        try:
            config = json.loads((self.path / CONFIG).read_text())
        except FileNotFoundError:
            raise UserError(
                f"--resume: {self.path} has no {CONFIG} (the run never started or the file was "
                "deleted); start over with --overwrite"
            ) from None
        except (OSError, ValueError) as exc:
            raise UserError(
                f"--resume: {self.path / CONFIG} is damaged ({type(exc).__name__}); "
                "start over with --overwrite"
            ) from exc
        if not isinstance(config, dict):
            raise UserError(
                f"--resume: {self.path / CONFIG} is not a config object; start over with --overwrite"
            )
        return config

    def _holds_anything(self) -> bool:
        return self.path.is_dir() and any(
            p.name not in (MARKER, manifest.MANIFEST, LOCK) for p in self.path.iterdir()
        )

    def check(
        self,
        config: dict[str, Any] | None = None,
        *,
        overwrite: bool = False,
        resume: bool = False,
        ignore_on_resume: tuple[str, ...] = ("resume", "overwrite", "device"),
    ) -> Plan:
        """Everything :meth:`prepare` will refuse, checked without writing anything.

        Returns the plan: ``"new"`` (create or fill an empty directory), ``"overwrite"``
        (delete a previous run of ours first) or ``"resume"``. ``config=None`` skips the
        comparison with the resumed run's config.
        """
        if overwrite and resume:
            raise UserError("--resume and --overwrite exclude each other; give one of them")
        check_writable_dir(self.path)
        check_not_in_use(self.path)
        if resume:
            old = self.read_config()
            diff = {
                k: (old.get(k), v)
                for k, v in (config or {}).items()
                if k not in ignore_on_resume and old.get(k) != v
            }
            if diff:
                detail = ", ".join(f"{k}: {a!r} -> {b!r}" for k, (a, b) in diff.items())
                raise UserError(f"cannot resume {self.path}: config differs ({detail})")
            return "resume"
        if not self._holds_anything():
            return "new"
        if not self.made_by_us:
            if overwrite:
                raise UserError(
                    f"refusing --overwrite: {self.path} was not made by a coordconv tool (no "
                    f"{MARKER} marker), so nothing in it is deleted; choose a new or empty --out"
                )
            raise UserError(
                f"{self.path} is not empty and not a coordconv run directory; "
                "choose a new or empty --out"
            )
        if not overwrite:
            raise UserError(
                f"{self.path} already holds a run; pass --resume to continue it "
                "or --overwrite to replace it"
            )
        if self.path.is_symlink():
            raise UserError(f"refusing --overwrite: {self.path} is a symbolic link")
        check_removable(self.path, flag="--overwrite")
        return "overwrite"

    def prepare(
        self,
        config: dict[str, Any],
        *,
        overwrite: bool = False,
        resume: bool = False,
        ignore_on_resume: tuple[str, ...] = ("resume", "overwrite", "device"),
    ) -> bool:
        """Check (:meth:`check`), then create the directory and write the marker and
        ``config.json``. Returns True if resuming from a checkpoint.

        Call it after every other input is checked: it is the first thing that writes.
        Resuming a run that has no checkpoint yet restarts it at step 0 (its metrics log is
        emptied); leftover temporary files of an interrupted write are removed.

        It takes the directory's lock (:mod:`~coordconv_train.lock`) first and keeps it until
        :meth:`release` or the end of the process: a second writer is refused.
        """
        args = {"overwrite": overwrite, "resume": resume, "ignore_on_resume": ignore_on_resume}
        self.check(config, **args)
        created = _first_missing(self.path)
        try:
            lock_dir(self.path)  # DirInUse: another writer; nothing of ours to undo
        except OSError as exc:
            raise UserError(f"cannot write the run directory: {describe_os_error(exc)}") from exc
        try:
            plan = self.check(config, **args)  # again, now that no one else can change it
            return self._prepare(plan, config)
        except BaseException:
            if created is not None:
                (self.path / LOCK).unlink(missing_ok=True)  # while still held: no one has it
            self.release()
            if created is not None:
                _remove_empty_dirs(self.path, created)
            raise

    def release(self) -> None:
        """Let go of the directory's lock (the run is over; another process may write)."""
        release_dir(self.path)

    def _prepare(self, plan: Plan, config: dict[str, Any]) -> bool:
        try:
            if plan == "resume":
                for stale in self.path.glob(f".*{TMP_INFIX}*"):
                    with contextlib.suppress(UserError):  # not one of ours: left alone
                        remove_made_by_us(stale, flag="--resume")
                if not self.checkpoint.exists():
                    remove_made_by_us(self.path / METRICS, flag="--resume")
                return self.checkpoint.exists()
            if plan == "overwrite":
                remove_made_by_us(self.path, flag="--overwrite", keep_folder=True)
            self._create(config)
        except OSError as exc:
            raise UserError(f"cannot write the run directory: {describe_os_error(exc)}") from exc
        return False

    def _create(self, config: dict[str, Any]) -> None:
        """Make the directory, its file list, marker and config (the folders it creates are
        recorded in an enclosing marked folder, if any); on failure remove what this call
        made."""
        created = _first_missing(self.path)
        try:
            manifest.own(self.path, "dir")
            self.path.mkdir(parents=True, exist_ok=True)
            manifest.mark(self.path, self.tool, [METRICS, CHECKPOINT, MODEL, RESULTS])
            write_json_atomic(self.path / MARKER, _marker(self.tool))
            write_json_atomic(self.path / CONFIG, config)
        except BaseException:
            with contextlib.suppress(OSError, UserError):
                if manifest.is_marked(self.path):
                    remove_made_by_us(self.path, flag="cleanup", keep_folder=True)
                if created is not None:  # the folders this call made, now empty
                    folder = self.path
                    while folder != created.parent:
                        folder.rmdir()
                        folder = folder.parent
            raise

    def log(self, record: dict[str, Any]) -> None:
        """Append one strict JSON object to ``metrics.jsonl`` (a non-finite value as ``null``,
        noted in the record's ``"non_finite"`` list)."""
        with open(self.path / METRICS, "a") as fh:
            fh.write(strict_json.dumps(record, default=float) + "\n")

    def truncate_metrics(self, keep: Callable[[dict[str, Any]], bool]) -> None:
        """Drop logged records for which ``keep(record)`` is false (used on resume, so the
        log holds exactly the steps the restored checkpoint has seen)."""
        path = self.path / METRICS
        if not path.exists():
            return
        text = "".join(strict_json.dumps(r, default=None) + "\n" for r in self.metrics() if keep(r))
        write_atomic(path, lambda tmp: tmp.write_text(text))

    def metrics(self) -> list[dict[str, Any]]:
        """The records of ``metrics.jsonl``. A last line cut short (the process was killed
        while appending it) is skipped; damage anywhere else is a :class:`UserError`."""
        path = self.path / METRICS
        if not path.exists():
            return []
        lines = [line for line in path.read_text().splitlines() if line.strip()]
        records = []
        for number, line in enumerate(lines, 1):
            try:
                records.append(json.loads(line))
            except ValueError:
                if number == len(lines):
                    break
                raise UserError(f"{path} is damaged at line {number}") from None
        return records

    def write_results(self, results: dict[str, Any]) -> Path:
        return write_json_atomic(self.path / RESULTS, results)

    def read_results(self) -> dict[str, Any] | None:
        path = self.path / RESULTS
        if not path.exists():
            return None
        try:
            results = json.loads(path.read_text())
        except ValueError as exc:
            raise UserError(f"{path} is not valid JSON ({exc})") from exc
        if not isinstance(results, dict):
            raise UserError(f"{path} is not a results object")
        return results
