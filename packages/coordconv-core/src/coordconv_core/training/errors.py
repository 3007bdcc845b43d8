"""The one exception type that command-line tools turn into a clear message and exit status 2."""

from __future__ import annotations


class UserError(Exception):
    """A problem with what the user asked for or gave (bad path, bad file, refused overwrite).

    Console scripts catch it, print ``<prog>: error: <message>`` and exit with status 2.
    """
