"""torch Dataset wrappers: tensor shapes, dtypes and value ranges the models take."""

from __future__ import annotations

import numpy as np
import torch

from coordconv_data import not_so_clevr, shapes
from coordconv_data.torch_datasets import NotSoClevrDataset, ShapesDataset


def test_shapes_dataset_gives_float_chw_in_unit_range():
    data = shapes.generate(n=5, seed=0)
    ds = ShapesDataset(data)
    assert len(ds) == 5
    x = ds[3]
    assert x.shape == (3, 64, 64)
    assert x.dtype == torch.float32
    np.testing.assert_array_equal((x * 255).round().byte().permute(1, 2, 0).numpy(), data.images[3])
    loader = torch.utils.data.DataLoader(ds, batch_size=4)
    assert next(iter(loader)).shape == (4, 3, 64, 64)


def test_not_so_clevr_dataset_targets_agree():
    data = not_so_clevr.generate()
    _, test = not_so_clevr.split_indices("quadrant")
    ds = NotSoClevrDataset(data, test)
    assert len(ds) == 729
    item = ds[0]
    x, y = data.coords[test[0]]
    assert item["pixel"].item() == y * 64 + x
    assert item["onehot"].shape == (1, 64, 64)
    assert item["onehot"].flatten().argmax().item() == y * 64 + x
    assert item["square"].sum().item() == 81
    assert item["coords"].dtype == torch.float32
    assert -1 <= item["coords"].min() <= item["coords"].max() <= 1
    raw = NotSoClevrDataset(data, test, normalise=False)[0]["coords"]
    assert raw.tolist() == [float(x), float(y)]


def test_detection_dataset_gives_torchvision_targets(small_det):
    from coordconv_data.torch_datasets import DetectionDataset

    ds = DetectionDataset(small_det.train)
    image, target = ds[2]
    assert image.shape == (1, 64, 64)
    assert image.dtype == torch.float32
    assert 0 <= image.min() <= image.max() <= 1
    assert target["boxes"].shape == (5, 4)
    assert target["boxes"].dtype == torch.float32
    assert target["labels"].dtype == torch.int64
    np.testing.assert_array_equal(target["boxes"].numpy(), small_det.train.boxes[2])
    target["boxes"][0, 0] = -7  # targets are copies: the dataset is not modified
    assert ds[2][1]["boxes"][0, 0] != -7
