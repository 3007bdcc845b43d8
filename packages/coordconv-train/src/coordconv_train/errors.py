"""The one exception type that command-line tools turn into a clear message and exit status 2."""

from __future__ import annotations

import errno

# OSErrors that are the machine's or the user's doing (a full disk, a read-only or foreign
# folder, a path through a file), not a bug: console scripts report them in one line, status 2.
ENVIRONMENT_ERRNOS = frozenset(
    {
        errno.ENOSPC,
        errno.EDQUOT,
        errno.EFBIG,
        errno.EACCES,
        errno.EPERM,
        errno.EROFS,
        errno.ENOTDIR,
        errno.EISDIR,
        errno.EEXIST,
        errno.ENAMETOOLONG,
        errno.EIO,
    }
)


class UserError(Exception):
    """A problem with what the user asked for or gave (bad path, bad file, refused overwrite).

    Console scripts catch it, print ``<prog>: error: <message>`` on one line and exit with
    status 2 (:func:`coordconv_train.run_cli`).
    """


def describe_os_error(exc: OSError) -> str:
    """``OSError`` -> ``"<strerror>: <path>"`` (one line, no errno number or repr)."""
    text = exc.strerror or str(exc)
    paths = [p for p in (exc.filename, exc.filename2) if p is not None]
    return f"{text}: {' -> '.join(map(str, paths))}" if paths else text
