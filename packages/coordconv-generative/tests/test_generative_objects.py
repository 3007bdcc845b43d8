"""The strict object count on hand-made images: each rule rejects what it names, and the data
itself passes."""

from __future__ import annotations

import numpy as np
import pytest

from coordconv_data.shapes import SIZE, generate
from coordconv_generative.entropy import centre_spread, detect_objects
from coordconv_generative.objects import (
    RULES,
    detect_clean,
    is_clean,
    rejection,
    rejection_counts,
    size_band,
)

RED, BLUE, GREEN = (255, 0, 0), (0, 0, 255), (0, 160, 0)


def canvas() -> np.ndarray:
    return np.full((64, 64, 3), 255, dtype=np.uint8)


def square(image: np.ndarray, top: int, left: int, side: int, colour) -> np.ndarray:
    image[top : top + side, left : left + side] = colour
    return image


def disc(image: np.ndarray, cy: float, cx: float, diameter: int, colour, half=None) -> np.ndarray:
    rows, cols = np.mgrid[:64, :64]
    inside = (rows - cy) ** 2 + (cols - cx) ** 2 <= (diameter / 2) ** 2
    if half is not None:  # paint the left half ``colour`` and the right half ``half``
        image[inside & (cols < cx)] = colour
        image[inside & (cols >= cx)] = half
    else:
        image[inside] = colour
    return image


def triangle(image: np.ndarray, top: int, left: int, side: int) -> np.ndarray:
    """A red right triangle in a ``side`` box: it fills about half of it (a drawn circle 0.79)."""
    rows, cols = np.mgrid[:side, :side]
    image[top : top + side, left : left + side][cols <= rows] = RED
    return image


def good_pair() -> np.ndarray:
    return disc(square(canvas(), 5, 5, SIZE, RED), 45, 45, SIZE, BLUE)


def test_the_band_is_derived_from_the_drawn_size():
    assert size_band() == pytest.approx((0.6 * 21, 1.4 * 21))


def test_every_image_of_the_data_is_clean():
    data = generate(200, seed=3)
    det = detect_clean(data.images)
    assert det.both.all()
    # centres are the drawn ones (centroids of exact shapes: within half a pixel)
    np.testing.assert_allclose(det.centres, data.centres, atol=0.5)
    aliased = generate(100, seed=4, antialias=True)
    assert detect_clean(aliased.images).both.all()


def test_a_well_drawn_pair_is_clean():
    assert is_clean(good_pair())


@pytest.mark.parametrize(
    ("name", "image", "rule"),
    [
        ("bicoloured disc", disc(canvas(), 32, 32, SIZE, RED, half=BLUE), "red size"),
        (
            "touching pair",
            square(square(canvas(), 10, 10, SIZE, RED), 10, 31, SIZE, BLUE),
            "touching",
        ),
        ("8x8 squares", square(square(canvas(), 5, 5, 8, RED), 40, 40, 8, BLUE), "red size"),
        ("huge squares", square(square(canvas(), 0, 0, 31, RED), 33, 33, 31, BLUE), "red size"),
        ("second red object", square(good_pair(), 40, 5, 12, RED), "red several"),
        ("third object, green", square(good_pair(), 40, 5, 14, GREEN), "background"),
        (
            "bar, not an object",
            square(square(canvas(), 5, 5, 21, RED), 50, 2, 60, BLUE),
            "blue size",
        ),
        (
            "pink, not red",
            square(disc(canvas(), 45, 45, SIZE, BLUE), 5, 5, SIZE, (255, 150, 150)),
            "red purity",
        ),
        ("no blue", square(canvas(), 5, 5, SIZE, RED), "blue none"),
        ("red triangle", triangle(disc(canvas(), 45, 45, SIZE, BLUE), 5, 5, SIZE), "red fill"),
    ],
)
def test_each_rule_rejects_what_a_person_would_not_call_one_red_and_one_blue_object(
    name, image, rule
):
    assert not is_clean(image), name
    assert rejection(image) == rule, name
    assert rule.split()[-1] in RULES


def test_a_blob_is_not_an_object():
    rng = np.random.default_rng(0)
    image = disc(canvas(), 45, 45, SIZE, BLUE)
    blob = rng.random((20, 20)) < 0.55  # a ragged red blob, 20x20 box, ~55% filled
    image[5:25, 5:25][blob] = RED
    assert not is_clean(image)
    assert rejection(image) == "red size"  # its largest 4-connected piece is under 12.6 px


def test_rejection_counts_name_the_first_rule_each_image_fails():
    images = np.stack([good_pair(), good_pair(), canvas(), square(good_pair(), 40, 5, 12, RED)])
    assert rejection_counts(images) == {"clean": 2, "red none": 1, "red several": 1}
    assert rejection(good_pair()) is None


def test_a_noisy_background_is_rejected_and_the_permissive_detector_accepts_it():
    image = good_pair()
    rng = np.random.default_rng(1)
    speckle = rng.random((64, 64)) < 0.1
    speckle[:28, :28] = False
    speckle[33:, 33:] = False
    image[speckle] = (90, 90, 90)  # ~300 grey pixels, far from the objects
    assert not is_clean(image)
    assert detect_objects(image[None]).both.all()


def test_the_permissive_detector_accepts_what_the_strict_one_rejects():
    # a 20x20 square, left half red, right half blue: two 20x10 "objects" to the permissive one
    bicoloured = square(canvas(), 22, 22, 20, RED)
    bicoloured[22:42, 32:42] = BLUE
    assert detect_objects(bicoloured[None]).both.all()
    assert not detect_clean(bicoloured[None]).both.any()


def test_detect_clean_marks_only_clean_images_and_checks_shape():
    images = np.stack([good_pair(), canvas(), good_pair()])
    det = detect_clean(images)
    assert det.both.tolist() == [True, False, True]
    assert np.isnan(det.centres[1]).all()
    np.testing.assert_allclose(det.centres[0, 0], (15, 15), atol=1e-9)  # red square 5..25
    np.testing.assert_allclose(det.centres[0, 1], (45, 45), atol=1e-9)  # blue disc
    with pytest.raises(ValueError, match="shape"):
        detect_clean(images[..., 0])


def test_the_datas_centre_spread_is_what_the_docs_say():
    """14.1 px (the notes said 12.4): the no-overlap rule pushes the two objects apart, so
    their centres spread wider than a uniform draw over 10..53 (12.7 px)."""
    det = detect_clean(generate(2000, seed=0).images)
    assert det.both.all()
    assert centre_spread(det) == pytest.approx(14.05, abs=0.01)
