"""Writing a finished matplotlib figure into a run directory (the Not-so-Clevr and detection
figures alike)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from coordconv_train import own


def save_figure(fig: Any, path: Path, dpi: int) -> Path:
    """Lay ``fig`` out, list ``path`` as the run's own file (:func:`coordconv_train.own`) before
    matplotlib writes it, save it at ``dpi`` and close it; returns ``path``."""
    import matplotlib.pyplot as plt  # the caller has chosen the backend and drawn with it

    fig.tight_layout()
    own(path)
    fig.savefig(path, dpi=dpi)
    plt.close(fig)
    return path
