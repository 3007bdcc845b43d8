"""Console-script plumbing: one line and exit status 2 for user errors, 130 for a stop.

:class:`CliParser` is ``argparse.ArgumentParser`` whose usage errors are one line (its
subparsers inherit the class). :func:`run_cli` parses, dispatches, and turns

- :class:`UserError` (and an ``OSError`` of the machine's making: full disk, read-only or
  foreign folder) into ``prog: error: message`` on one stderr line and :data:`EXIT_USER_ERROR`;
- SIGINT / SIGTERM outside a training loop (which checkpoints and returns
  :data:`EXIT_STOPPED` itself) into one stderr line and :data:`EXIT_STOPPED`.

:func:`console_main` wraps a console script's whole ``main`` (building the parser imports
torch, seconds before :func:`run_cli` runs), so a signal while it starts is that same one line
and status, not a traceback (SIGINT) or death by signal, status 143 (SIGTERM). It works only
because ``import coordconv_train`` itself does not import torch.

A training command is :func:`add_config_command` (its flags are a config dataclass's fields)
and ends in :func:`report_results` (the results as JSON, or where a stopped run is and exit
:data:`EXIT_STOPPED`); :func:`log_to_stdout` sends its progress and stop notice to stdout.
"""

from __future__ import annotations

import argparse
import logging
import signal
import sys
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any, NoReturn

from coordconv_train import strict_json
from coordconv_train.config import add_config_arguments
from coordconv_train.errors import ENVIRONMENT_ERRNOS, UserError, describe_os_error
from coordconv_train.lock import release_all
from coordconv_train.run import is_stopped

EXIT_USER_ERROR = 2
EXIT_STOPPED = 130  # 128 + SIGINT, what shells report for Ctrl-C; used for SIGTERM as well


class CliParser(argparse.ArgumentParser):
    """``argparse.ArgumentParser`` with one-line usage errors (the usage stays in --help)."""

    def error(self, message: str) -> NoReturn:
        # an argument may hold a line break: the message stays one line all the same
        self.exit(EXIT_USER_ERROR, f"{self.prog}: error: {one_line(message)} (see --help)\n")


def add_config_command(
    subparsers: Any,
    name: str,
    config_cls: type,
    func: Callable[[argparse.Namespace], int],
    **parser_kwargs: Any,
) -> argparse.ArgumentParser:
    """Add subcommand ``name`` whose flags are ``config_cls``'s fields and whose handler is
    ``func`` (``args.func``); ``parser_kwargs`` go to ``add_parser`` (help, description...)."""
    parser = subparsers.add_parser(name, **parser_kwargs)
    add_config_arguments(parser, config_cls)
    parser.set_defaults(func=func)
    return parser


def log_to_stdout(level: int) -> None:
    """Log messages (progress, a stop notice: which signal, where the checkpoint is) as bare
    lines on stdout: stderr holds nothing but an error's one line."""
    logging.basicConfig(level=level, format="%(message)s", stream=sys.stdout)


def report_results(results: Mapping[str, Any], stopped: str) -> int:
    """Print a trainer's ``results`` and return the command's exit status: the results as
    indented JSON and 0, or, for a run stopped by a signal, ``stopped`` formatted with the
    results (e.g. ``"stopped at step {step}; rerun with --resume"``) and :data:`EXIT_STOPPED`.
    The JSON is strict (:mod:`.strict_json`): NaN and infinities as ``null``, noted."""
    if is_stopped(results):
        print(stopped.format_map(results))
        return EXIT_STOPPED
    print(strict_json.dumps(results, indent=2, default=None))
    return 0


def one_line(text: str) -> str:
    """``text`` with its line breaks folded into spaces."""
    return " ".join(part.strip() for part in str(text).splitlines() if part.strip())


@contextmanager
def sigterm_as_interrupt() -> Iterator[None]:
    """SIGTERM raises ``KeyboardInterrupt`` as SIGINT does, so both stop a command the same
    way (``finally`` blocks run, temporary files are removed). ``coordconv_data.cli`` keeps a
    copy: neither package depends on the other."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGTERM, signal.default_int_handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def console_main(prog: str, body: Callable[[], int]) -> int:
    """``body()`` (a console script's work: build the parser, :func:`run_cli`) with SIGTERM
    raising ``KeyboardInterrupt`` from the start; a stop before :func:`run_cli` takes over is
    one stderr line and :data:`EXIT_STOPPED`. At the end, :func:`end_process_group`. Import only
    light modules before calling it."""
    try:
        with sigterm_as_interrupt():
            return body()
    except KeyboardInterrupt:
        print(f"{prog}: stopped by a signal while starting; nothing was written", file=sys.stderr)
        return EXIT_STOPPED
    finally:
        end_process_group()


def end_process_group() -> None:
    """Tear down the process group of a multi-process run (torchrun) when the process's work is
    done. Runs leave it up (a sweep trains several runs in one process), so the process's end
    does it: without it, gloo's threads meet interpreter exit and a process can abort (SIGABRT,
    "terminate called without an active exception"), which torchrun reports as a failure.
    Nothing to do where torch was never imported or no group was made."""
    dist = sys.modules.get("torch.distributed")
    if dist is not None and dist.is_available() and dist.is_initialized():
        dist.destroy_process_group()


def run_cli(
    parser: argparse.ArgumentParser,
    argv: Sequence[str] | None,
    dispatch: Callable[[argparse.Namespace], int | None],
) -> int:
    """Parse ``argv`` and call ``dispatch(args)``; returns the exit status for ``sys.exit``.

    Argparse's own errors exit 2 (one line with :class:`CliParser`). A user error returns
    :data:`EXIT_USER_ERROR`, a stop by signal :data:`EXIT_STOPPED`.
    """
    args = parser.parse_args(argv)
    try:
        with sigterm_as_interrupt():
            return int(dispatch(args) or 0)
    except UserError as exc:
        message = one_line(str(exc))
    except OSError as exc:
        if exc.errno not in ENVIRONMENT_ERRNOS:
            raise
        message = describe_os_error(exc)
    except KeyboardInterrupt:
        print(
            f"{parser.prog}: stopped by a signal; checkpoints already written are kept",
            file=sys.stderr,
        )
        return EXIT_STOPPED
    finally:
        release_all()  # the command is over: its run directories are free again
    print(f"{parser.prog}: error: {one_line(message)}", file=sys.stderr)
    return EXIT_USER_ERROR
