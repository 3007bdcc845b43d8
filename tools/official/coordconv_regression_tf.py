"""The paper's own CoordConv regressor, loss and optimiser, in TensorFlow (paper S3, table S1).

A check of whether uber-research/CoordConv's code reproduces the regression claim ("CoordConv
generalises perfectly on both splits"), run on our Not-so-Clevr data. It rebuilds, layer for layer,
``model_builders.ConvRegressor(_type='coordconv')`` and the parts of ``train.py`` that train it:

- ``AddCoords(skiptile=True)``: concat [one-hot, xx, yy], xx = column / 63 * 2 - 1 (varies along
  the width), yy = row / 63 * 2 - 1;
- ``Conv2D`` 8 1x1, 8 1x1, 8 1x1, 8 3x3, 2 3x3, ``padding='same'``, no activation,
  ``kernel_initializer=he_normal``, ``kernel_regularizer=l2reg(l2)`` (``l2 * sum(w ** 2)``), zero
  biases; ``MaxPooling2D(pool_size=64, strides=64, padding='valid')``; flatten to (N, 2);
- loss ``reduce_mean(square(logits - labels)) + regularization loss``; labels = centre / 64;
- ``tf.train.AdamOptimizer(lr, beta1=0.9, beta2=0.99)`` (eps 1e-8; Keras' Adam applies epsilon
  the same way), minibatch 256 of a fresh ``np.random.permutation`` per epoch (indices sorted in
  the batch), 100 epochs; the official command is ``--lr 0.01 --l2 0.00001``.

Data: ``coordconv_data.not_so_clevr`` (numpy only; the repository's copy is put on the path), the
same 3,136 images and splits as the PyTorch runs. Runs in its own environment:

    python -m venv /tmp/tfvenv && /tmp/tfvenv/bin/pip install tensorflow-cpu
    OMP_NUM_THREADS=1 /tmp/tfvenv/bin/python tools/official/coordconv_regression_tf.py --split quadrant

Prints one JSON line per seed: exact-position accuracy (``round(64 * output) == centre``) and mean
pixel error (the official ``eucl_dist``), train and test. No package imports this script.
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np
import tensorflow as tf

try:
    from coordconv_data import not_so_clevr
except ImportError:  # run from a checkout without the package installed
    sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "packages/coordconv-data/src"))
    from coordconv_data import not_so_clevr
from regression_recipe import build_parser, lr_l2, result_row  # beside this file


def add_coords(images: tf.Tensor) -> tf.Tensor:
    """(N, 64, 64, 1) -> (N, 64, 64, 3): the official ``AddCoords(skiptile=True)``, no r."""
    n, h, w = tf.shape(images)[0], images.shape[1], images.shape[2]
    xx = tf.cast(tf.range(w), tf.float32) / (w - 1) * 2 - 1  # varies along the width
    yy = tf.cast(tf.range(h), tf.float32) / (h - 1) * 2 - 1
    xx = tf.tile(tf.reshape(xx, [1, 1, w, 1]), [n, h, 1, 1])
    yy = tf.tile(tf.reshape(yy, [1, h, 1, 1]), [n, 1, w, 1])
    return tf.concat([images, xx, yy], axis=-1)


def official_model(l2: float, seed: int) -> tf.keras.Model:
    """``ConvRegressor._type='coordconv'``: 906 parameters."""
    layers = tf.keras.layers
    init = tf.keras.initializers.HeNormal  # truncated normal, std sqrt(2 / fan_in) / .8796...
    reg = tf.keras.regularizers.L2(l2)  # l2 * sum(square(w)), as tf_plus.l2reg
    inputs = tf.keras.Input((64, 64, 1))
    x = layers.Lambda(add_coords)(inputs)
    for i, (filters, size) in enumerate([(8, 1), (8, 1), (8, 1), (8, 3), (2, 3)]):
        x = layers.Conv2D(filters, size, padding="same", kernel_initializer=init(seed + i),
                          kernel_regularizer=reg)(x)  # fmt: skip
    x = layers.MaxPooling2D(pool_size=64, strides=64, padding="valid")(x)
    return tf.keras.Model(inputs, layers.Flatten()(x))


def evaluate(model: tf.keras.Model, images: np.ndarray, coords: np.ndarray) -> dict[str, float]:
    """Exact-position accuracy and the official ``eucl_dist`` (pixels) on one split."""
    out = model(images, training=False).numpy() * 64.0  # (N, 2) pixels
    exact = float(np.mean(np.all(np.round(out) == coords, axis=1)))
    error = float(np.mean(np.sqrt(np.sum((out - coords) ** 2, axis=1))))
    return {"exact": exact, "pixel_error": error}


def run(split: str, seed: int, setting: str, epochs: int, batch: int) -> dict:
    """Train the official model with the official recipe; return final train/test metrics."""
    lr, l2 = lr_l2(setting)
    rng = np.random.default_rng(seed)  # the official code seeds np.random and TF with --seed
    tf.random.set_seed(seed)
    data = not_so_clevr.generate()
    train_idx, test_idx = not_so_clevr.split_indices(split)
    images = data.onehots.astype(np.float32)[..., None]  # (3136, 64, 64, 1), 1 at [y, x]
    coords = data.coords.astype(np.float32)  # (3136, 2) (x, y)
    labels = coords / 64.0  # normalized_locations
    model = official_model(l2, seed)
    optimizer = tf.keras.optimizers.Adam(lr, beta_1=0.9, beta_2=0.99, epsilon=1e-8)

    @tf.function
    def step(x: tf.Tensor, y: tf.Tensor) -> tf.Tensor:
        with tf.GradientTape() as tape:
            loss = tf.reduce_mean(tf.square(model(x, training=True) - y)) + tf.add_n(model.losses)
        grads = tape.gradient(loss, model.trainable_variables)
        optimizer.apply_gradients(zip(grads, model.trainable_variables, strict=True))
        return loss

    start = time.process_time()
    x_train, y_train = images[train_idx], labels[train_idx]
    for _ in range(epochs):
        order = rng.permutation(len(train_idx))
        for i in range(0, len(order), batch):
            idx = np.sort(order[i : i + batch])
            step(tf.constant(x_train[idx]), tf.constant(y_train[idx]))
    train = evaluate(model, x_train, coords[train_idx])
    test = evaluate(model, images[test_idx], coords[test_idx])
    return {
        "framework": f"tensorflow {tf.__version__}",
        **result_row(
            split=split, seed=seed, setting=setting, params=int(model.count_params()),
            epochs=epochs, train=train, test=test, cpu_s=round(time.process_time() - start, 1),
        ),
    }  # fmt: skip


def main() -> None:
    parser = build_parser(__doc__.split("\n")[0], default="0", help="comma-separated seeds")
    args = parser.parse_args()
    tf.config.threading.set_intra_op_parallelism_threads(1)
    tf.config.threading.set_inter_op_parallelism_threads(1)
    for seed in (int(s) for s in args.seeds.split(",")):
        print(json.dumps(run(args.split, seed, args.setting, args.epochs, args.batch_size)),
              flush=True)  # fmt: skip


if __name__ == "__main__":
    main()
