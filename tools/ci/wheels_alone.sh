#!/usr/bin/env bash
# Each wheel stands alone: build every package's wheel, install each one ALONE with its declared
# dependencies (its `test` extra included; the sibling packages it declares from the wheels just
# built) into a fresh virtual environment, and run that package's fast tests there, so that an
# import of a package it does not declare fails.
#
#   tools/ci/wheels_alone.sh [PACKAGE ...]        (default: all six; e.g. coordconv-vision)
#
# Environment: SOURCE_PYTHON, the interpreter of an environment that has the third-party
# dependencies installed (default: the workspace's Hatch environment, `hatch env find`); they are
# hard-linked from there into each fresh environment (tools/ci/link_dists.py: torch is 5 GB, a
# pip install of it a minute), then pip installs the package's wheel and its siblings' offline
# (--no-index) and finds everything else satisfied. PYTEST_ARGS: extra pytest arguments
# (default: -n 2). Everything it writes goes into one temporary folder it makes, removed at exit;
# it deletes nothing else.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$ROOT"

ALL=(coordconv-core coordconv-train coordconv-data coordconv-vision coordconv-generative coordconv-rl)
PACKAGES=("$@")
((${#PACKAGES[@]})) || PACKAGES=("${ALL[@]}")
SOURCE_PYTHON="${SOURCE_PYTHON:-$(hatch env find default)/bin/python}"
read -r -a PYTEST_EXTRA <<<"${PYTEST_ARGS:--n 2}"
[[ -x "$SOURCE_PYTHON" ]] || { echo "wheels_alone: no interpreter $SOURCE_PYTHON (run hatch env create, or set SOURCE_PYTHON)" >&2; exit 2; }
BASE_PYTHON="$("$SOURCE_PYTHON" -c 'import sys; print(sys._base_executable)')"
unset PYTHONPATH  # the wheels' code, never the sources

WORK="$(mktemp -d "${TMPDIR:-/tmp}/coordconv-wheels.XXXXXX")"
trap 'rm -rf -- "$WORK"' EXIT
mkdir "$WORK/wheels"

for pkg in "${ALL[@]}"; do
  (cd "packages/$pkg" && hatch build -t wheel "$WORK/wheels" >/dev/null)
done
echo "wheels: $(cd "$WORK/wheels" && echo *.whl)"

failed=()
for pkg in "${PACKAGES[@]}"; do
  [[ -d "packages/$pkg/tests" ]] || { echo "wheels_alone: no package $pkg" >&2; exit 2; }
  env="$WORK/env-$pkg"
  echo "=== $pkg: alone in a fresh environment"
  start=$SECONDS
  "$BASE_PYTHON" -m venv --without-pip "$env"
  site="$("$env/bin/python" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')"
  "$SOURCE_PYTHON" tools/ci/link_dists.py --wheels "$WORK/wheels" --dest "$site" "$pkg[test]"
  "$SOURCE_PYTHON" -m pip --python "$env/bin/python" install --quiet --disable-pip-version-check \
    --no-index --find-links "$WORK/wheels" "$pkg[test]"
  "$SOURCE_PYTHON" -m pip --python "$env/bin/python" list --disable-pip-version-check \
    --format freeze 2>/dev/null | grep '^coordconv-' | paste -sd' ' | sed 's/^/installed: /'
  echo "environment ready in $((SECONDS - start)) s"
  if ! "$env/bin/python" -m pytest "packages/$pkg/tests" -m "not slow" -p no:cacheprovider \
    "${PYTEST_EXTRA[@]}"; then
    failed+=("$pkg")
  fi
  echo "$pkg: $((SECONDS - start)) s"
done

if ((${#failed[@]})); then
  echo "wheels_alone: tests failed alone for: ${failed[*]}" >&2
  exit 1
fi
echo "wheels_alone: ${PACKAGES[*]}: passed, each alone"
