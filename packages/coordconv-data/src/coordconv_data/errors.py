"""The one error type of coordconv-data (docs/architecture.md: bad input -> clear error).

``DatasetError`` is a ``ValueError`` so callers that already catch ``ValueError`` keep working;
the ``coordconv-data`` console script turns it into a one-line message and exit status 2.
"""

from __future__ import annotations


class DatasetError(ValueError):
    """A dataset file or a generation request is invalid (corrupt, wrong version, bad count...)."""
