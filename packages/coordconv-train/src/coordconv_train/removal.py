"""The one way coordconv deletes anything: only what it made, as its manifest lists.

Every path that removes files goes through :func:`remove_made_by_us` (``--overwrite`` of a run
directory, ``tools/reproduce.py --fresh`` and ``--publish``, ``coordconv-data generate
--overwrite`` and its COCO folder). It deletes ``path`` only if

- ``path`` is a marked folder (:mod:`coordconv_train.manifest`), or is listed in the manifest of
  the nearest marked folder above it;
- every file under it is listed in the manifest of its nearest marked folder (or is that
  manifest, or the temporary file of a listed one, ``.<name>.tmp-<pid>``), every folder under
  it is listed or marked itself, or lies in a listed ``tree``;
- nothing on the way is a symbolic link: a link is never followed and never deleted, a linked
  folder never descended.

Anything else is refused with :class:`~coordconv_train.errors.UserError` naming the first
offending path, *before* anything is deleted, so a user's file inside one of our folders keeps
the whole folder (and the file) as it was. :func:`check_removable` runs the same checks without
deleting, for the "check every input before the first write" rule.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from coordconv_train import manifest
from coordconv_train.errors import UserError, describe_os_error
from coordconv_train.lock import LOCK

_TMP = re.compile(r"^\.(?P<name>.+)\.tmp-\d+$")


class _Refused(Exception):
    def __init__(self, path: Path, why: str) -> None:
        super().__init__(path, why)
        self.path, self.why = path, why


def _is_listed_file(name: str, rel: str, owned: dict[str, str]) -> bool:
    if owned.get(rel) == "file":
        return True
    tmp = _TMP.match(name)
    if tmp is None:
        return False
    return tmp["name"] == manifest.MANIFEST or owned.get(rel[: -len(name)] + tmp["name"]) == "file"


def _in_tree(rel: str, owned: dict[str, str]) -> bool:
    parts = rel.split("/")
    return any(owned.get("/".join(parts[:i])) == "tree" for i in range(1, len(parts) + 1))


def _walk(folder: Path, owner: Path, owned: dict[str, str], doomed: list[Path]) -> None:
    """Append everything under ``folder`` to ``doomed`` (children first) or raise _Refused."""
    with os.scandir(folder) as it:
        children = sorted(it, key=lambda e: e.name)
    for child in children:
        path = folder / child.name
        rel = path.relative_to(owner).as_posix()
        if child.is_symlink():
            raise _Refused(path, "is a symbolic link (never followed or deleted)")
        if child.is_dir(follow_symlinks=False):
            if manifest.is_marked(path):
                _walk(path, path, manifest.entries(path), doomed)
            elif owned.get(rel) == "dir" or _in_tree(rel, owned):
                _walk(path, owner, owned, doomed)
            else:
                raise _Refused(path, "is a folder coordconv did not make")
            doomed.append(path)
        elif folder == owner and child.name in (manifest.MANIFEST, LOCK):
            continue  # the record and the writer's lock go last (below)
        elif _is_listed_file(child.name, rel, owned) or _in_tree(rel, owned):
            doomed.append(path)
        else:
            raise _Refused(path, "is not a file coordconv wrote")
    if folder == owner:
        if (folder / LOCK).exists():
            doomed.append(folder / LOCK)
        doomed.append(folder / manifest.MANIFEST)


def _plan(path: Path) -> tuple[list[Path], Path | None]:
    """What deleting ``path`` removes (children first, ``path`` itself last) and the marked
    folder whose manifest listed it (None if ``path`` is a marked folder itself)."""
    if path.is_symlink():
        raise _Refused(path, "is a symbolic link (never followed or deleted)")
    owner = None if manifest.is_marked(path) else manifest.owner_of(path)
    if owner is None and not manifest.is_marked(path):
        raise _Refused(
            path, f"was not made by a coordconv tool (no {manifest.MANIFEST} list of its files)"
        )
    doomed: list[Path] = []
    if owner is None:
        _walk(path, path, manifest.entries(path), doomed)
    else:
        owned = manifest.entries(owner)
        rel = path.relative_to(owner).as_posix()
        for parent in path.relative_to(owner).parents:  # no link on the way down from owner
            if parent != Path(".") and (owner / parent).is_symlink():
                raise _Refused(owner / parent, "is a symbolic link (never followed)")
        if path.is_dir():
            if owned.get(rel) != "dir" and not _in_tree(rel, owned):
                raise _Refused(path, "is a folder coordconv did not make")
            _walk(path, owner, owned, doomed)
        elif not (_is_listed_file(path.name, rel, owned) or _in_tree(rel, owned)):
            raise _Refused(path, "is not a file coordconv wrote")
    doomed.append(path)
    return doomed, owner


def _refusal(flag: str, refused: _Refused) -> UserError:
    return UserError(
        f"refusing {flag}: {refused.path} {refused.why}, so nothing was deleted; "
        "move it away or delete it yourself, or choose another folder"
    )


def check_removable(path: str | os.PathLike[str], *, flag: str) -> None:
    """Raise :class:`UserError` if :func:`remove_made_by_us` would refuse ``path``; deletes
    nothing. A path that does not exist is fine."""
    path = manifest.absolute(path)
    if not (path.exists() or path.is_symlink()):
        return
    try:
        _plan(path)
    except _Refused as refused:
        raise _refusal(flag, refused) from None


def remove_made_by_us(
    path: str | os.PathLike[str], *, flag: str, keep_folder: bool = False
) -> None:
    """Delete ``path`` if coordconv made it and everything in it (module docstring); refuse
    (:class:`UserError`, nothing deleted) otherwise. A path that does not exist is fine.

    ``keep_folder`` empties a marked folder but keeps the folder itself (``--out .``).
    ``flag`` names the option that asked, for the message (``"--overwrite"``).
    """
    path = manifest.absolute(path)
    if not (path.exists() or path.is_symlink()):
        return
    try:
        doomed, owner = _plan(path)
    except _Refused as refused:
        raise _refusal(flag, refused) from None
    if keep_folder:  # the folder stays, and so does the lock its new writer holds
        doomed = [item for item in doomed if item not in (path, path / LOCK)]
    try:
        for item in doomed:
            if item.is_dir() and not item.is_symlink():
                item.rmdir()
            else:
                item.unlink(missing_ok=True)
        listed_in = owner if owner is not None else manifest.owner_of(path)
        if listed_in is not None and not keep_folder:  # no longer ours under that name
            manifest.gone(listed_in, path)
    except OSError as exc:
        raise UserError(f"{flag}: cannot delete {describe_os_error(exc)}") from exc
