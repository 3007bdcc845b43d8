"""The ``coordconv-vision`` console script: subcommand registry and exit statuses."""

from __future__ import annotations

import pytest

from coordconv_vision.cli import COMMAND_MODULES, build_parser, main


def test_every_command_module_registers_a_subcommand() -> None:
    parser = build_parser()
    assert "coordconv_vision.notsoclevr.train" in COMMAND_MODULES
    assert "coordconv_vision.notsoclevr.sweep" in COMMAND_MODULES
    assert parser.parse_args(["notsoclevr"]).func is not None


def test_help_exits_zero(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["--help"])
    assert exc.value.code == 0
    assert "notsoclevr" in capsys.readouterr().out


def test_unknown_command_exits_two() -> None:
    with pytest.raises(SystemExit) as exc:
        main(["no-such-command"])
    assert exc.value.code == 2
