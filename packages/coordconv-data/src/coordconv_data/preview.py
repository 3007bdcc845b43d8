"""PNG preview grids of any dataset file (boxes drawn for detection), with PIL only."""

from __future__ import annotations

import numpy as np
from PIL import Image, ImageDraw

from coordconv_data.errors import DatasetError


def grid_image(
    images: np.ndarray,
    *,
    boxes: np.ndarray | None = None,
    columns: int = 8,
    scale: int = 3,
    gap: int = 2,
) -> Image.Image:
    """Tile images (N, H, W) or (N, H, W, 3) uint8 into one RGB image, ``scale``x enlarged.

    ``boxes`` (N, K, 4) xyxy pixel edges are drawn in red (green on RGB images' own red).
    Values of {0, 1}-images (Not-so-Clevr) are stretched to 0..255.
    """
    if len(images) == 0:
        raise DatasetError("nothing to preview: the dataset is empty")
    images = np.asarray(images)
    if images.ndim == 3:
        if images.max() <= 1:
            images = images * np.uint8(255)
        images = np.repeat(images[..., None], 3, axis=-1)  # (N, H, W) -> (N, H, W, 3)
    n, h, w, _ = images.shape
    columns = max(1, min(columns, n))
    rows = (n + columns - 1) // columns
    cell_h, cell_w = h * scale + gap, w * scale + gap
    canvas = Image.new("RGB", (columns * cell_w + gap, rows * cell_h + gap), (128, 128, 128))
    draw = ImageDraw.Draw(canvas)
    for i in range(n):
        x0, y0 = gap + (i % columns) * cell_w, gap + (i // columns) * cell_h
        tile = Image.fromarray(images[i].astype(np.uint8)).resize(
            (w * scale, h * scale), Image.Resampling.NEAREST
        )
        canvas.paste(tile, (x0, y0))
        for box in [] if boxes is None else boxes[i]:
            x1, y1, x2, y2 = (float(v) * scale for v in box)
            draw.rectangle([x0 + x1, y0 + y1, x0 + x2 - 1, y0 + y2 - 1], outline=(255, 40, 40))
    return canvas
