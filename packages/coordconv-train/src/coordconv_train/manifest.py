"""The record of what coordconv made: a marker file that lists every file the project wrote.

A folder a coordconv tool creates (a run directory, a reproduction folder, a published report,
a COCO export) carries :data:`MANIFEST`, ``.coordconv-files``. Its first line is a JSON header,
``{"format": "coordconv-files-1", "made_by": <tool>}``; every further line is one JSON pair
``[kind, path]``, the path relative to that folder:

- ``"file"``: a file we wrote (registered *before* it is written, so a temporary left by a
  killed write, ``.<name>.tmp-<pid>``, is recognisable as ours too);
- ``"dir"``: a folder we created; what lies in it must itself be listed;
- ``"tree"``: a folder written wholesale by a library we ran (a tracker's event files);
- ``"gone"``: a path we deleted (it and everything under it are no longer ours).

Lines are only ever appended (``O_APPEND``, one ``write`` each), so processes that write into
one folder at once (the reproduction's experiment workers) never lose each other's entries.
The writers of :mod:`coordconv_train` (:func:`~coordconv_train.rundir.write_atomic` and so
:meth:`~coordconv_train.run.Run.checkpoint`, ``save_weights``, ``finish``, ``config.json``,
``metrics.jsonl``) register their files themselves; code that writes through another library
(matplotlib figures, tracker folders, copies) calls :func:`own` first. :func:`own` files a path
in the nearest enclosing marked folder; outside any marked folder it records nothing (nothing
there will ever be deleted). :mod:`coordconv_train.removal` is the one reader that deletes.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable
from pathlib import Path
from typing import Literal

MANIFEST = ".coordconv-files"
FORMAT = "coordconv-files-1"
Kind = Literal["file", "dir", "tree", "gone"]


def absolute(path: str | os.PathLike[str]) -> Path:
    """``path`` made absolute without resolving symbolic links (``.`` and ``..`` folded)."""
    return Path(os.path.abspath(path))


def is_marked(folder: str | os.PathLike[str]) -> bool:
    """Whether ``folder`` is a real folder (not a symbolic link) that carries our manifest."""
    folder = Path(folder)
    if folder.is_symlink() or not folder.is_dir():
        return False
    path = folder / MANIFEST
    if path.is_symlink():
        return False
    try:
        with open(path) as fh:
            header = json.loads(fh.readline())
    except (OSError, ValueError):
        return False
    return isinstance(header, dict) and header.get("format") == FORMAT


def made_by(folder: str | os.PathLike[str]) -> str | None:
    """The tool its manifest names, for a marked ``folder``; None for any other path."""
    if not is_marked(folder):
        return None
    with open(Path(folder) / MANIFEST) as fh:
        return json.loads(fh.readline()).get("made_by")


def owner_of(path: str | os.PathLike[str]) -> Path | None:
    """The nearest marked folder strictly above ``path`` (lexically), or None."""
    path = absolute(path)
    for folder in path.parents:
        if is_marked(folder):
            return folder
    return None


def entries(folder: str | os.PathLike[str]) -> dict[str, Kind]:
    """What ``folder``'s manifest says is ours now: relative path -> kind (``"gone"`` applied)."""
    owned: dict[str, Kind] = {}
    with open(Path(folder) / MANIFEST) as fh:
        fh.readline()
        for line in fh:
            try:
                kind, rel = json.loads(line)
            except ValueError:
                continue  # a line cut short by a kill: that write never happened
            if kind == "gone":
                owned = {p: k for p, k in owned.items() if p != rel and not p.startswith(rel + "/")}
            else:
                owned[rel] = kind
    return owned


def _line(kind: Kind, rel: str) -> str:
    return json.dumps([kind, rel]) + "\n"


def _append(folder: Path, lines: Iterable[str]) -> None:
    text = "".join(lines)
    if not text:
        return
    fd = os.open(folder / MANIFEST, os.O_WRONLY | os.O_APPEND)
    try:
        os.write(fd, text.encode())
    finally:
        os.close(fd)


def mark(folder: str | os.PathLike[str], made_by: str, files: Iterable[str] = ()) -> Path:
    """Give ``folder`` (which must exist) its manifest, listing ``files`` (relative paths;
    a trailing ``/`` marks a folder). An already marked folder only gets the new entries."""
    folder = absolute(folder)
    lines = [_line("dir", f[:-1]) if f.endswith("/") else _line("file", f) for f in files]
    if is_marked(folder):
        _append(folder, lines)
        return folder
    header = json.dumps({"format": FORMAT, "made_by": made_by}) + "\n"
    tmp = folder / f".{MANIFEST}.tmp-{os.getpid()}"  # the usual temporary name of ``MANIFEST``
    try:
        with open(tmp, "x") as fh:
            fh.write(header + "".join(lines))
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, folder / MANIFEST)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return folder


def own(path: str | os.PathLike[str], kind: Kind = "file") -> None:
    """Record ``path`` (about to be written, or just made) as ours in the manifest of the
    nearest marked folder above it, with every folder between them; a no-op outside any
    marked folder. ``kind="tree"`` claims a folder a library fills wholesale."""
    path = absolute(path)
    folder = owner_of(path)
    if folder is None:
        return
    known = entries(folder)
    rel = path.relative_to(folder)
    wanted = [(str(parent), "dir") for parent in reversed(rel.parents) if str(parent) != "."]
    wanted.append((rel.as_posix(), kind))
    _append(folder, [_line(k, p) for p, k in wanted if known.get(p) not in (k, "tree")])


def gone(folder: Path, path: Path) -> None:
    """Record that ``path`` (inside marked ``folder``) was deleted."""
    _append(folder, [_line("gone", path.relative_to(folder).as_posix())])
