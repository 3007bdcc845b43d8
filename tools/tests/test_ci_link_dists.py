"""tools/ci/link_dists.py: the dependency closure a standalone wheel environment gets linked."""

from __future__ import annotations

import pytest
from ci.link_dists import closure

CORE_WHEEL = {"coordconv-core": ("0.1.0", ["torch>=2.3", 'pytest>=8; extra == "test"'])}


def test_closure_follows_requirements_and_extras_but_never_links_a_wheel():
    plain = closure(["coordconv-core"], CORE_WHEEL)
    assert {"torch", "filelock"} <= set(plain)  # torch and torch's own dependencies
    assert "coordconv-core" not in plain  # pip installs it from its wheel
    assert "pytest" not in plain  # only with the test extra
    tested = closure(["coordconv-core[test]"], CORE_WHEEL)
    assert {"pytest", "pluggy", "torch"} <= set(tested)


def test_closure_refuses_what_the_environment_cannot_give():
    with pytest.raises(SystemExit, match="not installed"):
        closure(["no-such-distribution-here"], {})
    with pytest.raises(SystemExit, match="not satisfied"):
        closure(["torch<1"], {})
    # the workspace's own packages are installed editable here: their wheels must be built
    with pytest.raises(SystemExit, match="editable"):
        closure(["coordconv-train"], {})
