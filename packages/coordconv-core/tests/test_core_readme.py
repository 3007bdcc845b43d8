"""The README's usage snippets run and print what their comments say."""

from __future__ import annotations

import contextlib
import io
import re
from pathlib import Path

import torch

README = Path(__file__).resolve().parents[1] / "README.md"


def test_readme_snippets_print_what_they_claim() -> None:
    text = README.read_text()
    blocks = re.findall(r"```python\n(.*?)```", text, flags=re.DOTALL)
    assert len(blocks) == 3
    source = "\n".join(blocks)
    expected = [
        line.split("#", 1)[1].split(":", 1)[0].strip()
        for line in source.splitlines()
        if line.startswith("print(")
    ]
    stdout = io.StringIO()
    torch.manual_seed(0)
    with contextlib.redirect_stdout(stdout), torch.no_grad():
        exec(compile(source, str(README), "exec"), {})
    assert stdout.getvalue().splitlines() == expected
