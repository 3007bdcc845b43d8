"""Search, not a list (issue 24): Hypothesis draws argument vectors for every console script and
subcommand from their real parsers (``cli_grammar``) and checks the contract of the root
README's "What every command promises" on each:

- the exit status is 0 or 2 (a vector valid enough to start training counts as 0, see below);
- no traceback; on exit 2 at most one line on stderr;
- the file tree is unchanged, except that a command that succeeded may add files under its
  ``--out`` (given or default): the case's sandbox folder (the user's files, odd paths) and the
  shared input files are digested before and after.

Cheap by construction: a vector that passes every check runs only to the point where real work
would start (the ``GracefulStop`` every training loop runs in, after its run directory, data and
model are made; A2C's ``Run.open``, after its games and network are checked; ``reproduce.run``,
after its plan is checked), and the data commands' sizes are cut to a few images. Most cases
run in-process (``main(argv)``, stderr captured); a few run as real processes.

Examples: :data:`EXAMPLES` per command in the fast suite (derandomised: the same draws every
run), or with ``HYPOTHESIS_PROFILE=long`` :data:`LONG_EXAMPLES` per command with fresh random
draws; ``FUZZ_EXAMPLES=N`` sets another number. ``FUZZ_LOG=FILE`` appends what each example
ran and how it ended to FILE (one JSON line each).
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import signal
import tempfile
import time
import traceback
from collections.abc import Callable, Iterator
from pathlib import Path
from types import SimpleNamespace

import pytest
from cli_files import write_inputs, write_users_files
from cli_grammar import Leaf, Values, argv_strategy, leaves
from cli_scripts import script_main
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from coordconv_train.testing import run_python, tree_digest

TOOLS = Path(__file__).resolve().parent.parent
LONG = os.environ.get("HYPOTHESIS_PROFILE") == "long"
EXAMPLES = 20  # per command in the fast suite (16 commands: 320 in-process examples)
LONG_EXAMPLES = 400
SUBPROCESS_EXAMPLES = 2  # in real processes, over all commands
TIME_LIMIT_S = 60  # one example; more means a vector started real work
LEAVES = leaves()
BY_NAME = {leaf.name: leaf for leaf in LEAVES}
FUZZ = settings(
    max_examples=int(os.environ.get("FUZZ_EXAMPLES", LONG_EXAMPLES if LONG else EXAMPLES)),
    derandomize=not LONG,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    database=None,
)


class WouldRun(BaseException):  # not an error: the vector passed every check
    """Raised where a command that passed every check would start its real work."""


class TookTooLong(BaseException):
    """An example ran past :data:`TIME_LIMIT_S`."""


# ------------------------------------------------------------------------------ files

# The user's files in each case's sandbox (the current folder of the command), and the odd
# paths a value may be: nonexistent, a file where a folder is expected and the reverse, unicode
# and spaces, ``.``, a name too long for the file system.
SPACES = "dir with spaces ünï"
SANDBOX_PATHS = (".", "file.txt", "file.txt/under", "folder", "folder/shapes.npz", "empty")
SANDBOX_PATHS += (SPACES, f"{SPACES}/new ö.png", "missing", "missing/deeper/x.png", "new-out")
SANDBOX_PATHS += ("out.png", "picture.png", "a" * 300, "folder/notes.txt")


def make_sandbox(root: Path) -> None:
    """The user's files (:func:`cli_files.write_users_files`) and a folder with unicode and
    spaces in its name."""
    write_users_files(root)
    (root / SPACES).mkdir()
    (root / SPACES / "keep me.txt").write_text("ünïcödé\n")


@pytest.fixture(scope="module")
def inputs(tmp_path_factory: pytest.TempPathFactory) -> SimpleNamespace:
    """Read-only inputs every case may name (:func:`cli_files.write_inputs`), an A2C results
    tree, and the list of their paths."""
    root = tmp_path_factory.mktemp("fuzz-inputs")
    p = write_inputs(root)
    p.rl_tree = root / "rl-tree"
    for model, score in (("conv", 1.0), ("coordconv", 2.0)):
        run = p.rl_tree / "MsPacman" / model / "seed0"
        run.mkdir(parents=True)
        (run / "results.json").write_text(json.dumps({"final_score": score}))
    p.paths = [str(v) for k, v in vars(p).items() if k != "root"]
    return p


# ------------------------------------------------------------------------------ running


def _would_run(*args: object, **kwargs: object) -> None:
    raise WouldRun


def _cheap(mp: pytest.MonkeyPatch, sandbox: Path) -> None:
    """Stop a vector that passed every check where its real work would start, and cut the
    data commands' sizes and the number of emulators: every example stays cheap, whatever
    budget it names."""
    import reproduce

    from coordconv_data import scattered_mnist, shapes
    from coordconv_generative import evaluate
    from coordconv_rl import a2c
    from coordconv_train import GracefulStop, Run

    mp.setattr(GracefulStop, "__enter__", _would_run)  # every training loop starts in one
    mp.setattr(Run, "open", _would_run)  # A2C's first write, after its inputs are checked
    mp.setattr(reproduce, "run", _would_run)
    mp.setattr(reproduce, "ROOT", sandbox)  # the default --out lands in the sandbox
    real_shapes, real_mnist = shapes.generate, scattered_mnist.generate
    mp.setattr(shapes, "generate", lambda n, *a, **k: real_shapes(min(n, 3), *a, **k))
    mp.setattr(
        scattered_mnist,
        "generate",
        lambda d, n_train=9000, n_test=1000, *a, **k: real_mnist(
            d, min(n_train, 2), min(n_test, 2), *a, **k
        ),
    )
    real_envs = a2c.make_vector_env  # 16 emulators take seconds to start; 2 make the same checks
    mp.setattr(a2c, "make_vector_env", lambda i, n, *a, **k: real_envs(i, min(n, 2), *a, **k))
    real_entropy = evaluate.repeated_entropy

    def small_entropy(sample, n, *, repeats, **kwargs):
        return real_entropy(sample, min(n, 4), repeats=min(repeats, 2), **kwargs)

    mp.setattr(evaluate, "repeated_entropy", small_entropy)


@contextlib.contextmanager
def _time_limit(seconds: int) -> Iterator[None]:
    def expired(signum: int, frame: object) -> None:
        raise TookTooLong(f"more than {seconds} s")

    previous = signal.signal(signal.SIGALRM, expired)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def run_in_process(script: str, argv: list[str], sandbox: Path) -> tuple[object, str]:
    """``main(argv)`` of ``script`` in ``sandbox``: (status or ``"would run"``, stderr)."""
    import torch

    threads, handlers = torch.get_num_threads(), {}
    for sig in (signal.SIGINT, signal.SIGTERM):
        handlers[sig] = signal.getsignal(sig)
    err = io.StringIO()
    status: object
    with pytest.MonkeyPatch.context() as mp:
        mp.chdir(sandbox)
        _cheap(mp, sandbox)
        try:
            with (
                contextlib.redirect_stdout(io.StringIO()),
                contextlib.redirect_stderr(err),
                _time_limit(TIME_LIMIT_S),
            ):
                status = script_main(script)(argv)
        except SystemExit as exc:
            status = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
        except WouldRun:
            status = "would run"
        except BaseException:  # a traceback: the contract's first failure
            status = "raised"
            err.write(traceback.format_exc())
        finally:
            torch.set_num_threads(threads)
            for sig, handler in handlers.items():
                signal.signal(sig, handler)
    return status, err.getvalue()


# ------------------------------------------------------------------------------ the contract


def _outs(leaf: Leaf, argv: list[str], sandbox: Path) -> list[Path]:
    """Where ``argv`` may write when it succeeds: each ``--out``/``--publish`` given, else the
    parser's default ``--out``."""
    given = [argv[i + 1] for i, word in enumerate(argv[:-1]) if word in ("--out", "--publish")]
    default = [a.default for a in leaf.flags if a.dest == "out" and a.default is not None]
    if leaf.script == "reproduce":
        default = [Path("runs")]
    return [(sandbox / path).resolve() for path in [*given, *default]]


def check_contract(leaf: Leaf, argv: list[str], status: object, err: str) -> None:
    """Exit status and stderr."""
    shown = f"{leaf.name} {argv!r}\nexit {status}\n{err}"
    assert status in (0, 2, "would run"), shown
    assert "Traceback" not in err, shown
    if status == 2:
        assert err.count("\n") <= 1, f"more than one stderr line:\n{shown}"


def check_files(
    command: str, status: object, root: Path, before: dict, after: dict, outs: list[Path]
) -> list[Path]:
    """The files under ``root``: unchanged on exit 2; else the files that were there unchanged
    and the new ones under an ``--out``. Returns the new paths."""
    shown = f"{command}\nexit {status}"
    if status == 2:
        assert after == before, f"exit 2 changed the files under {root}:\n{shown}"
        return []
    changed = {k for k in before if after.get(k) != before[k]}
    assert not changed, f"changed or removed the user's files {sorted(changed)}:\n{shown}"
    made = []
    for new in set(after) - set(before):
        path = (root / new).resolve()
        made.append(path)
        made_for = [
            out for out in outs if path == out or out in path.parents or path in out.parents
        ]
        assert made_for, f"wrote {new} outside --out:\n{shown}"
    return made


# Integer flags not yet drawn with huge counts (10^12 and more): issue 24 lists them among its
# tracebacks ("--threads 1e12"; sizes and counts bounded where parsed, before any allocation:
# "--hidden-channels 1000000000000" tries to allocate 2.4 PB, "sweep --channel-mults
# 1000000000000" 2 PB, "interpolate --pairs 1000000000000" 1 PB), fixed on another branch;
# then this set can go.
NO_HUGE_COUNTS_YET: set[str] = set()  # every count and size is bounded now


def _values(inputs: SimpleNamespace) -> Values:
    return Values(
        paths=[*SANDBOX_PATHS, *inputs.paths], huge_counts=lambda f: f not in NO_HUGE_COUNTS_YET
    )


def valid_start(command: str, p: SimpleNamespace) -> list[str]:
    """Arguments that make ``command`` valid (a real input, a new output), for the vectors that
    start from them: the search then reaches past a missing ``--data``."""
    imagenet = ["--data", str(p.imagenet), "--model", "resnet18", "--image-size", "32"]
    small = ["--batch-size", "4", "--width-divisor", "64"]
    return {
        "coordconv-data generate": ["shapes", "--out", "new-out"],
        "coordconv-data info": [str(p.shapes)],
        "coordconv-data preview": [str(p.det), "--out", "out.png"],
        "coordconv-generative gan": ["--data", str(p.shapes), *small],
        "coordconv-generative vae": ["--data", str(p.shapes), *small],
        "coordconv-generative entropy": ["--data", str(p.shapes), "--out", "new-out"],
        "coordconv-generative interpolate": ["--checkpoint", str(p.weights), "--out", "out.png"],
        "coordconv-rl report": [str(p.rl_tree)],
        "coordconv-rl train": ["--env", "coordconv_rl/TargetReach-v0"],
        "coordconv-vision compare": [str(p.finished), "--baseline", str(p.finished)],
        "coordconv-vision detect": ["--data", str(p.det), "--batch-size", "2"],
        "coordconv-vision imagenet": [*imagenet, "--workers", "0", "--batch-size", "2"],
        "reproduce": ["--preset", "tiny", "--out", "new-out"],
    }.get(command, [])


def _digest(root: Path) -> dict[str, str]:
    return tree_digest(root, relative=True)


def check_example(
    leaf: Leaf,
    argv: list[str],
    inputs: SimpleNamespace,
    run: Callable[[Path], tuple[object, str]],
) -> None:
    """``run(sandbox)`` (its status and stderr) in a new sandbox, checked against the contract
    (:func:`check_contract`, :func:`check_files` on the sandbox and the shared inputs)."""
    shared = _digest(inputs.root)
    with tempfile.TemporaryDirectory(prefix="fuzz-") as tmp:
        sandbox = Path(tmp).resolve()
        make_sandbox(sandbox)
        before = _digest(sandbox)
        status, err = run(sandbox)
        shown = f"{leaf.name} {argv!r}"
        check_contract(leaf, argv, status, err)
        outs = _outs(leaf, argv, sandbox)
        check_files(shown, status, sandbox, before, _digest(sandbox), outs)
    # an --out may name a shared input folder too: what a success adds there is removed
    made = check_files(shown, status, inputs.root, shared, _digest(inputs.root), outs)
    for path in sorted(made, key=lambda p: -len(p.parts)):
        path.rmdir() if path.is_dir() else path.unlink()


@pytest.mark.filterwarnings("ignore::DeprecationWarning")
@pytest.mark.filterwarnings("ignore::UserWarning")
@pytest.mark.filterwarnings("ignore::RuntimeWarning")
@pytest.mark.parametrize("command", sorted(BY_NAME))
@FUZZ
@given(data=st.data())
def test_any_argument_vector_keeps_the_contract(
    command: str, data: st.DataObject, inputs: SimpleNamespace
) -> None:
    leaf = BY_NAME[command]
    start = valid_start(command, inputs)
    argv = data.draw(argv_strategy(leaf, LEAVES, _values(inputs), start), label="argv")

    def run(sandbox: Path) -> tuple[object, str]:
        started = time.perf_counter()
        status, err = run_in_process(leaf.script, argv, sandbox)
        if os.environ.get("FUZZ_LOG"):  # one JSON line per example: what the search tried
            with open(os.environ["FUZZ_LOG"], "a") as log:
                log.write(json.dumps({"command": command, "argv": argv, "status": status,
                                      "s": round(time.perf_counter() - started, 2), "stderr": err[-300:]}) + "\n")  # fmt: skip
        return status, err

    check_example(leaf, argv, inputs, run)


# ------------------------------------------------------------------------------ real processes

# A real process runs the same stops and cuts (``_cheap``) before the script's ``main``.
_REAL = """
import sys
sys.path[:0] = [{tests!r}, {tools!r}]
from pathlib import Path
import pytest
import test_cli_fuzz as fuzz
from cli_scripts import script_main
mp = pytest.MonkeyPatch()
fuzz._cheap(mp, Path.cwd())
try:
    status = script_main({script!r})(sys.argv[1:])
except fuzz.WouldRun:
    status = 0
sys.exit(status)
"""


@settings(FUZZ, max_examples=LONG_EXAMPLES // 10 if LONG else SUBPROCESS_EXAMPLES)
@given(data=st.data())
def test_any_argument_vector_in_a_real_process(
    data: st.DataObject, inputs: SimpleNamespace
) -> None:
    leaf = data.draw(st.sampled_from(LEAVES), label="command")
    start = valid_start(leaf.name, inputs)
    argv = data.draw(argv_strategy(leaf, LEAVES, _values(inputs), start), label="argv")
    code = _REAL.format(tests=str(Path(__file__).parent), tools=str(TOOLS), script=leaf.script)

    def run(sandbox: Path) -> tuple[object, str]:
        proc = run_python("-c", code, *argv, cwd=sandbox)
        return proc.returncode, proc.stderr

    check_example(leaf, argv, inputs, run)
