"""MkDocs hook: Sphinx roles in docstrings render as plain code on the API pages.

The packages' docstrings name other objects the Sphinx way (``:func:`add_coords```,
``:mod:`.coords```); mkdocstrings renders Markdown, where the role's prefix would stay as
literal text before the code span (":func:add_coords"). This drops the prefix, keeping the code.
"""

from __future__ import annotations

import re

ROLE = re.compile(r":(?:py:)?(?:mod|func|class|meth|attr|data|exc|obj|const):(?=<code>)")


def on_page_content(html, page, config, files):
    """The page's HTML without the role prefixes."""
    return ROLE.sub("", html)
