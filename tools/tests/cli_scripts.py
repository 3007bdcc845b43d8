"""The console scripts the command-line tests run (the contract matrix, the argument fuzz and
its grammar): each one's module, ``main(argv)`` and parser, imported lazily (the packages
import torch)."""

from __future__ import annotations

import argparse
import importlib
from collections.abc import Callable
from types import ModuleType

# script -> the module holding its main(argv) and parser (``reproduce`` is tools/reproduce.py)
MODULES = {
    "coordconv-data": "coordconv_data.cli",
    "coordconv-vision": "coordconv_vision.cli",
    "coordconv-generative": "coordconv_generative.cli",
    "coordconv-rl": "coordconv_rl.cli",
    "reproduce": "reproduce",
}
SCRIPTS = tuple(MODULES)


def script_module(script: str) -> ModuleType:
    """The module of ``script`` (``coordconv-data``, ..., ``reproduce``)."""
    return importlib.import_module(MODULES[script])


def script_main(script: str) -> Callable[[list[str]], int]:
    """The ``main(argv)`` of ``script``."""
    return script_module(script).main


def build_parser(script: str) -> argparse.ArgumentParser:
    """The real parser of ``script`` (coordconv-rl names its builder ``_build_parser``)."""
    module = script_module(script)
    build = getattr(module, "build_parser", None) or module._build_parser
    return build()


def exit_status(script: str, argv: list[str]) -> int:
    """``main(argv)`` of ``script`` in this process: the status it returns, or the one
    argparse exits with (usage errors, ``--help``)."""
    try:
        return script_main(script)(argv)
    except SystemExit as exc:
        return int(exc.code or 0)
