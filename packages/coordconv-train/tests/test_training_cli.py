"""Console-script statuses: one-line user errors (2), stops by signal (130), the parser's usage
errors in one line; and ``flush_denormals`` restoring the state it found."""

from __future__ import annotations

import errno
import signal

import pytest
import torch

from coordconv_train import (
    EXIT_STOPPED,
    EXIT_USER_ERROR,
    CliParser,
    UserError,
    denormals_flushed,
    flush_denormals,
    run_cli,
)


def _parser() -> CliParser:
    parser = CliParser(prog="demo")
    sub = parser.add_subparsers(dest="command", required=True)
    train = sub.add_parser("train")
    train.add_argument("--epochs", type=int, default=1)
    return parser


def _run(dispatch, argv=("train",)):
    return run_cli(_parser(), list(argv), dispatch)


def test_usage_errors_of_the_parser_and_its_subparsers_are_one_line(capsys):
    # an argument holding a line break too (found by the argument fuzz)
    for argv in (["fly"], ["train", "--epochs", "x"], ["train", "--nope"], ["train", "x\ny"]):
        with pytest.raises(SystemExit) as info:
            _run(lambda args: 0, argv)
        assert info.value.code == EXIT_USER_ERROR
        err = capsys.readouterr().err
        assert err.count("\n") == 1, err
        assert err.startswith("demo")
        assert "error:" in err


def test_a_user_error_is_one_line_even_if_its_message_is_not(capsys):
    def dispatch(args):
        raise UserError("the data file is truncated;\n  regenerate it")

    assert _run(dispatch) == EXIT_USER_ERROR
    assert capsys.readouterr().err == "demo: error: the data file is truncated; regenerate it\n"


def test_disk_errors_are_one_line_and_bugs_keep_their_traceback(capsys):
    def disk_full(args):
        raise OSError(errno.ENOSPC, "No space left on device", "/runs/x/results.json")

    assert _run(disk_full) == EXIT_USER_ERROR
    assert capsys.readouterr().err == (
        "demo: error: No space left on device: /runs/x/results.json\n"
    )

    def bug(args):
        raise FileNotFoundError(errno.ENOENT, "No such file", "/a/b")

    with pytest.raises(FileNotFoundError):
        _run(bug)


@pytest.fixture
def sigint_raises():
    """Python's default SIGINT handler (pytest-xdist workers ignore SIGINT)."""
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    yield
    signal.signal(signal.SIGINT, previous)


@pytest.mark.usefixtures("sigint_raises")
@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM])
def test_a_signal_outside_a_training_loop_exits_130_in_one_line(capsys, signum):
    reached = []

    def dispatch(args):
        signal.raise_signal(signum)
        reached.append(True)  # never: the signal stops the command at once

    assert _run(dispatch) == EXIT_STOPPED == 130
    assert not reached
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert "stopped by a signal" in err
    assert signal.getsignal(signal.SIGTERM) is signal.SIG_DFL  # restored


def test_flush_denormals_restores_the_state_it_found():
    cpu = torch.device("cpu")
    if not torch.set_flush_denormal(True):
        pytest.skip("this CPU has no flush-to-zero mode")
    try:
        for before in (True, False):
            torch.set_flush_denormal(before)
            assert denormals_flushed() is before
            with flush_denormals(cpu):
                assert denormals_flushed()
                with flush_denormals(cpu):  # nested: the inner block leaves flushing on
                    pass
                assert denormals_flushed()
            assert denormals_flushed() is before
        with flush_denormals(torch.device("meta")):
            assert not denormals_flushed()  # other devices: the CPU mode is left alone
    finally:
        torch.set_flush_denormal(False)
