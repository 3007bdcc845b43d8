"""COCO-format export of scattered-MNIST detection (docs/architecture.md: "export COCO-format JSON too").

Layout written under ``out_dir`` (the usual COCO layout, readable by pycocotools, torchvision's
``CocoDetection``, detectron2, mmdet, FiftyOne...)::

    annotations/instances_train.json   annotations/instances_test.json
    train/000000.png ...               test/000000.png ...      (64x64 8-bit grey PNG)

``bbox`` is COCO's ``[x, y, width, height]`` in pixels from the stored xyxy pixel-edge boxes,
clipped to the 64x64 image (COCO boxes lie inside their image; the ``.npz`` keeps the official
unclipped box of a digit cut by the border); ``category_id`` is the digit + 1 (COCO keeps 0
free; names are "0".."9"); ``area`` is the clipped box's area; ``iscrowd`` 0. The whole folder
is written to a temporary sibling and renamed into place. It carries the list of every file it
holds (``.coordconv-files``, :mod:`coordconv_train.manifest`), so ``--overwrite`` replaces it
only while it holds nothing else (:func:`coordconv_train.remove_made_by_us`).
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image
from tqdm.auto import tqdm

from coordconv_data.errors import DatasetError
from coordconv_data.scattered_mnist import CANVAS, VERSION, DetectionSplit, ScatteredMnist
from coordconv_train.manifest import mark
from coordconv_train.removal import remove_made_by_us


def coco_dict(split: DetectionSplit, image_dir: str) -> dict[str, Any]:
    """The COCO annotation object for one split (file names ``<image_dir>/<index:06d>.png``)."""
    images, annotations = [], []
    clipped = np.clip(split.boxes, 0, CANVAS)  # (N, K, 4) xyxy inside the image
    for i in range(len(split)):
        images.append({"id": i, "file_name": f"{i:06d}.png", "width": CANVAS, "height": CANVAS})
        for box, label in zip(clipped[i].tolist(), split.labels[i].tolist(), strict=True):
            x1, y1, x2, y2 = box
            annotations.append(
                {
                    "id": len(annotations) + 1,
                    "image_id": i,
                    "category_id": int(label) + 1,
                    "bbox": [x1, y1, x2 - x1, y2 - y1],
                    "area": (x2 - x1) * (y2 - y1),
                    "iscrowd": 0,
                }
            )
    return {
        "info": {
            "description": f"scattered-MNIST detection ({image_dir}), coordconv-data",
            "version": str(VERSION),
        },
        "licenses": [{"id": 1, "name": "CC BY-SA 3.0 (MNIST)"}],
        "images": images,
        "annotations": annotations,
        "categories": [{"id": d + 1, "name": str(d), "supercategory": "digit"} for d in range(10)],
    }


def export_coco(
    data: ScatteredMnist,
    out_dir: str | os.PathLike[str],
    *,
    overwrite: bool = False,
    progress: bool = False,
) -> Path:
    """Write both splits as COCO JSON + PNG images into ``out_dir`` (see the module docstring)."""
    out = Path(out_dir)
    if (out.exists() or out.is_symlink()) and not overwrite:
        raise DatasetError(f"{out} exists; pass --overwrite to replace it")
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.", dir=out.parent))
    files = ["annotations/"]
    try:
        (tmp / "annotations").mkdir()
        for name in ("train", "test"):
            split: DetectionSplit = getattr(data, name)
            (tmp / name).mkdir()
            files.append(f"{name}/")
            for i in tqdm(range(len(split)), desc=f"coco {name}", disable=not progress):
                Image.fromarray(split.images[i]).save(tmp / name / f"{i:06d}.png")
                files.append(f"{name}/{i:06d}.png")
            with open(tmp / "annotations" / f"instances_{name}.json", "w") as handle:
                json.dump(coco_dict(split, name), handle)
            files.append(f"annotations/instances_{name}.json")
        mark(tmp, "coordconv-data generate scattered-mnist", files)
        remove_made_by_us(out, flag="--overwrite")  # ours only; refused before any change
        os.replace(tmp, out)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return out
