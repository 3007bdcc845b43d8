"""``load_committed``: a package's committed result file by its repository path, ``None``
where an installed wheel has no ``docs/``, and a path of another package refused."""

from __future__ import annotations

import json

import pytest

from coordconv_train import load_committed


def test_reads_the_packages_file_by_its_repository_path(tmp_path):
    package = tmp_path / "packages" / "coordconv-foo"
    (package / "docs" / "measured").mkdir(parents=True)
    (package / "docs" / "measured" / "sweep.json").write_text(json.dumps({"seeds": [100]}))
    found = load_committed(
        "coordconv-foo", package, "packages/coordconv-foo/docs/measured/sweep.json"
    )
    assert found == {"seeds": [100]}


def test_a_missing_file_is_none(tmp_path):
    installed = tmp_path / "lib" / "python3.11"  # a wheel's package_dir: no docs/ there
    relative = "packages/coordconv-foo/docs/measured/sweep.json"
    assert load_committed("coordconv-foo", installed, relative) is None


def test_another_packages_file_is_refused(tmp_path):
    with pytest.raises(ValueError, match="coordconv-bar"):
        load_committed("coordconv-foo", tmp_path, "packages/coordconv-bar/docs/measured/x.json")
