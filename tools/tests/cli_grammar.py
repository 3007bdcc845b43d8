"""Argument vectors for every console script and subcommand, built from their real argparse
parsers (issue 24, "Search, not a list"): the fuzz of ``test_cli_fuzz.py`` draws from them.

:func:`leaves` walks each script's parser down its subparsers to the commands a user runs
(``coordconv-data generate``, ..., ``reproduce``); :func:`argv_strategy` reads a command's
actions (option strings, ``type``, ``choices``, ``nargs``) and draws an argument vector: its
positionals (or a valid start), a few of its own flags with values at the edges (0, -1, 1e12, 1e308, inf, nan,
-0.0, huge counts, odd paths, unicode), now and then a flag that belongs to another command, a
repeated flag or ``--help``. A flag added to a parser is fuzzed without a change here.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from cli_scripts import SCRIPTS, build_parser
from hypothesis import strategies as st


@dataclass(frozen=True)
class Leaf:
    """One command a user runs: the script, its subcommand words and its parser's actions."""

    script: str
    words: tuple[str, ...]
    actions: tuple[argparse.Action, ...]

    @property
    def name(self) -> str:
        return " ".join((self.script, *self.words))

    @property
    def positionals(self) -> list[argparse.Action]:
        return [a for a in self.actions if not a.option_strings]

    @property
    def flags(self) -> list[argparse.Action]:
        return [
            a for a in self.actions if a.option_strings and not isinstance(a, argparse._HelpAction)
        ]


def leaves() -> list[Leaf]:
    """Every command of every script, found by walking the parsers' subparsers."""
    found: list[Leaf] = []

    def walk(script: str, words: tuple[str, ...], parser: argparse.ArgumentParser) -> None:
        subs = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
        if not subs:
            found.append(Leaf(script, words, tuple(parser._actions)))
            return
        for word, sub in subs[0].choices.items():
            walk(script, (*words, word), sub)

    for script in SCRIPTS:
        walk(script, (), build_parser(script))
    return found


# ------------------------------------------------------------------------------ values

EDGE_NUMBERS = ("0", "-1", "1", "2", "1e12", "1e308", "inf", "-inf", "nan", "-0.0", "1e-300")
HUGE_COUNTS = ("1000000000000", "9223372036854775808", "9" * 40)
TEXT = st.text(
    # what a real command line can carry: no NUL, no lone surrogate
    st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"),
    min_size=0,
    max_size=12,
)
NAMES = ("resnet18", "coordconv_rl/TargetReach-v0", "ALE/Pong-v5", "tensorboard", "1/2", "0/0")
NAMES += ("2/1", "accuracy", "ünï cödé", "", " ", "-", "--")


@dataclass(frozen=True)
class Values:
    """Where the values come from: the paths of the case's sandbox, and whether huge counts
    are drawn for integer flags (``huge_counts(flag)``)."""

    paths: Sequence[str]
    huge_counts: Callable[[str], bool] = lambda flag: True


def _number(flag: str, values: Values, floats: bool) -> st.SearchStrategy[str]:
    small = st.integers(-1, 4).map(str)  # mostly valid: the vector gets past argparse
    parts = [small, small, small, small, st.sampled_from(EDGE_NUMBERS)]
    if floats:
        parts.append(st.floats(allow_nan=True, allow_infinity=True).map(repr))
    if values.huge_counts(flag):
        parts.append(st.sampled_from(HUGE_COUNTS))
    return st.one_of(*parts, TEXT)


def value_strategy(action: argparse.Action, values: Values) -> st.SearchStrategy[str]:
    """One command-line word for ``action``'s value (its type and choices read from it)."""
    flag = action.option_strings[0] if action.option_strings else action.dest
    anything = st.one_of(TEXT, st.sampled_from(NAMES), st.sampled_from(EDGE_NUMBERS))
    if action.choices is not None:
        valid = st.sampled_from([str(c) for c in action.choices])
        return st.one_of(valid, valid, valid, valid, anything)
    if action.type is Path:
        return st.one_of(st.sampled_from(list(values.paths)), TEXT.filter(bool))
    if action.type not in (None, str):  # int, float or a parsing function (a seed)
        return _number(flag, values, floats=action.type is float)
    return anything


def _count(action: argparse.Action) -> tuple[int, int]:
    """How many values ``action`` takes: (least, most) drawn."""
    nargs = action.nargs
    if isinstance(nargs, int):
        return (nargs, nargs)
    return {"?": (0, 1), "*": (0, 3), "+": (1, 3)}.get(nargs, (1, 1))


@st.composite
def _words(draw: st.DrawFn, action: argparse.Action, values: Values) -> list[str]:
    if action.nargs == 0:  # a switch: store_true, --x / --no-x
        return [draw(st.sampled_from(action.option_strings))]
    least, most = _count(action)
    n = draw(st.integers(least, most))
    words = [draw(value_strategy(action, values)) for _ in range(n)]
    return ([action.option_strings[0]] if action.option_strings else []) + words


@st.composite
def argv_strategy(
    draw: st.DrawFn,
    leaf: Leaf,
    others: Sequence[Leaf],
    values: Values,
    start: Sequence[str] = (),
) -> list:
    """An argument vector for ``leaf`` (subcommand words first). Half the time it starts from
    ``start`` (positionals and flags that make a valid command, such as a real ``--data``
    file, so the search also gets past the first check), and the drawn flags follow (argparse
    keeps the last of a repeated flag)."""
    argv = list(leaf.words)
    if start and draw(st.booleans()):
        argv += start
    else:
        for action in leaf.positionals:
            argv += draw(_words(action, values))
    flags = leaf.flags
    if flags:
        chosen = draw(st.lists(st.sampled_from(flags), max_size=4))
        for action in chosen:
            argv += draw(_words(action, values))
        if chosen and draw(st.booleans()):  # a repeated flag: argparse keeps the last
            argv += draw(_words(draw(st.sampled_from(chosen)), values))
    foreign = [
        a
        for other in others
        for a in other.flags
        if not set(a.option_strings) & {s for b in flags for s in b.option_strings}
    ]
    if foreign and draw(st.integers(0, 4)) == 0:  # a flag this command does not have
        argv += draw(_words(draw(st.sampled_from(foreign)), values))
    if draw(st.integers(0, 30)) == 0:
        argv.append(draw(st.sampled_from(["--help", "-h"])))
    return argv
