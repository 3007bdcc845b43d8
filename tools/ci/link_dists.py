"""Give a fresh environment a package's third-party dependencies by hard-linking installed ones.

Usage (with the interpreter of the environment that has the dependencies installed, e.g. the
workspace's Hatch environment)::

    python tools/ci/link_dists.py --wheels DIR --dest SITE_PACKAGES "coordconv-vision[test]"

Resolves the requirements and, recursively, their dependencies (environment markers evaluated,
extras followed): a distribution with a wheel in ``--wheels`` (the workspace's own packages,
just built) is read from that wheel's metadata and *not* linked, since pip installs it from the
wheel; any other must be installed in this interpreter's environment, at a version the
requirement allows, and every file its ``RECORD`` lists under site-packages is hard-linked into
``--dest`` (copied where a link cannot be made, across file systems). This is what uv does from
its cache: torch and its CUDA libraries (5 GB) appear in a new environment in a second, and pip
then finds them satisfied. Console scripts (outside site-packages) are not linked: tests run tools
as ``python -m``. An undeclared dependency is never linked, so importing it fails there.
"""

from __future__ import annotations

import argparse
import email
import errno
import json
import os
import shutil
import sys
import zipfile
from importlib import metadata
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name, parse_wheel_filename


def wheel_requirements(wheels: Path) -> dict[str, tuple[str, list[str]]]:
    """``{name: (version, Requires-Dist lines)}`` of every wheel in ``wheels``."""
    found = {}
    for wheel in sorted(wheels.glob("*.whl")):
        name, version, _, _ = parse_wheel_filename(wheel.name)
        with zipfile.ZipFile(wheel) as archive:
            meta = next(n for n in archive.namelist() if n.endswith(".dist-info/METADATA"))
            message = email.message_from_bytes(archive.read(meta))
        found[name] = (str(version), message.get_all("Requires-Dist") or [])
    return found


def closure(requirements: list[str], wheels: dict) -> dict[str, metadata.Distribution]:
    """The installed distributions (not those of ``wheels``) that ``requirements`` need."""
    todo = [Requirement(r) for r in requirements]
    done: set[tuple[str, str]] = set()
    linked: dict[str, metadata.Distribution] = {}
    while todo:
        req = todo.pop()
        name = canonicalize_name(req.name)
        if name in wheels:
            version, requires = wheels[name]
        else:
            try:
                dist = metadata.distribution(name)
            except metadata.PackageNotFoundError:
                sys.exit(f"link_dists: {req} is not installed in {sys.prefix}")
            direct_url = json.loads(dist.read_text("direct_url.json") or "{}")
            if direct_url.get("dir_info", {}).get("editable"):
                sys.exit(f"link_dists: {name} is installed in editable mode: build its wheel")
            version, requires = dist.version, dist.requires or []
            linked[name] = dist
        if not req.specifier.contains(version, prereleases=True):
            sys.exit(f"link_dists: {req} is not satisfied by {name} {version}")
        for extra in {"", *req.extras}:
            if (name, extra) in done:
                continue
            done.add((name, extra))
            for line in requires:
                dep = Requirement(line)
                if dep.marker is None or dep.marker.evaluate({"extra": extra}):
                    todo.append(dep)
    return linked


def link_tree(dist: metadata.Distribution, dest: Path) -> int:
    """Hard-link (or copy) the files of ``dist`` under site-packages into ``dest``."""
    count = 0
    for entry in dist.files or []:
        if entry.parts[0] == "..":
            continue  # console scripts and data outside site-packages
        source = Path(dist.locate_file(entry))
        if not source.is_file():
            continue  # RECORD lists a .pyc that was never written
        target = dest / entry
        target.parent.mkdir(parents=True, exist_ok=True)
        try:
            os.link(source, target)
        except OSError as error:
            if error.errno != errno.EXDEV:
                raise
            shutil.copy2(source, target)
        count += 1
    return count


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--wheels", type=Path, required=True, help="the workspace's wheels")
    parser.add_argument("--dest", type=Path, required=True, help="site-packages to fill")
    parser.add_argument("requirements", nargs="+")
    args = parser.parse_args()
    linked = closure(args.requirements, wheel_requirements(args.wheels))
    files = sum(link_tree(dist, args.dest) for dist in linked.values())
    print(f"linked {len(linked)} distributions ({files} files): {' '.join(sorted(linked))}")


if __name__ == "__main__":
    main()
