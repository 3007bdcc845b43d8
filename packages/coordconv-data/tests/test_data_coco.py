"""COCO export of scattered-MNIST: JSON boxes and PNG pixels equal the .npz arrays."""

from __future__ import annotations

import json

import numpy as np
import pytest
from PIL import Image

from coordconv_data import DatasetError
from coordconv_data.coco import export_coco


def test_coco_export_matches_arrays(small_det, tmp_path):
    out = export_coco(small_det, tmp_path / "coco")
    for name in ("train", "test"):
        split = getattr(small_det, name)
        coco = json.loads((out / "annotations" / f"instances_{name}.json").read_text())
        assert len(coco["images"]) == len(split)
        assert len(coco["annotations"]) == 5 * len(split)
        assert [c["name"] for c in coco["categories"]] == [str(d) for d in range(10)]
        for ann in coco["annotations"]:
            image, digit = divmod(ann["id"] - 1, 5)
            x1, y1, x2, y2 = (min(max(v, 0.0), 64.0) for v in split.boxes[image, digit].tolist())
            assert ann["image_id"] == image
            assert ann["bbox"] == [x1, y1, x2 - x1, y2 - y1]  # clipped to the image
            assert ann["area"] == (x2 - x1) * (y2 - y1)
            assert ann["category_id"] == split.labels[image, digit] + 1
        # digits cut by the border: their stored box runs outside, the COCO box stops at the edge
        assert any(a["bbox"][0] == 0.0 for a in coco["annotations"])
        assert (split.boxes[..., 0] < 0).any()
        assert len({a["id"] for a in coco["annotations"]}) == len(coco["annotations"])
        with Image.open(out / name / coco["images"][3]["file_name"]) as image:
            png = np.asarray(image)
        np.testing.assert_array_equal(png, split.images[3])


def test_coco_export_refuses_to_overwrite(small_det, tmp_path):
    (tmp_path / "coco").mkdir()
    (tmp_path / "coco" / "mine.txt").write_text("keep")
    with pytest.raises(DatasetError, match="exists"):
        export_coco(small_det, tmp_path / "coco")
    assert (tmp_path / "coco" / "mine.txt").read_text() == "keep"
