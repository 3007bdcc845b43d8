"""The official code's training recipe for the CoordConv regressor, in PyTorch (paper S3, table S1).

Trains this package's copy of the paper's 906-parameter CoordConv regressor (``--readout max``:
global max pool, TF init) the way uber-research/CoordConv's ``train.py`` trains
``--arch coordconv_regressor``, not the way our CLI does:

- targets: ``normalized_locations`` = centre / 64 (the CLI: [-1, 1]); a prediction is exact when
  ``round(64 * output)`` is the centre, and the pixel error is ``|64 * output - centre|``;
- loss: MSE + ``l2 * sum(kernel ** 2)`` over conv kernels (``tf_plus.l2reg``), biases free;
- Adam with beta2 0.99 (``make_standard_parser``'s default; torch's is 0.999), eps 1e-8;
- minibatch 256 (the official default: the experiment commands pass no ``-mb``), shuffled every
  epoch, 100 epochs (``experiment_logs.sh``);
- init: TF/Keras ``he_normal`` kernels, zero biases (the package's ``official_init_``).

Two settings the paper names (``--setting``): ``official`` = the experiment command, Adam lr 0.01,
``--l2 1e-5``; ``s3`` = section S3's "Adam, learning rate 5e-4" with "weight decay strength 5e-4"
(read as ``--l2 5e-4``). One JSON line per seed on stdout, then a summary line.

    OMP_NUM_THREADS=1 python tools/official/coordconv_regression_torch.py --split quadrant --seeds 0-9

No package imports this script. ``coordconv_regression_tf.py`` beside it runs the official
model itself in TensorFlow on the same data.
"""

from __future__ import annotations

import json
import time

import torch
import torch.nn.functional as F
from regression_recipe import build_parser, lr_l2, result_row  # beside this file

from coordconv_vision.notsoclevr.data import load_task_data
from coordconv_vision.notsoclevr.models import build_model, count_parameters

SCALE = 64.0  # official targets: centre / 64


def seed_list(text: str) -> list[int]:
    """'0-9' or '0,3,5' -> list of seeds."""
    if "-" in text:
        low, high = (int(v) for v in text.split("-"))
        return list(range(low, high + 1))
    return [int(v) for v in text.split(",")]


@torch.no_grad()
def metrics(model: torch.nn.Module, images: torch.Tensor, coords: torch.Tensor) -> dict[str, float]:
    """Exact-position accuracy and mean pixel error of the official-scale outputs."""
    model.eval()
    out = torch.cat([model(chunk) for chunk in images.split(512)]) * SCALE  # (N, 2) pixels
    model.train()
    centres = coords.to(out.dtype)
    exact = (out.round() == centres).all(dim=1).float().mean().item()
    error = (out - centres).norm(dim=1).mean().item()
    return {"exact": exact, "pixel_error": error}


def run(split: str, seed: int, setting: str, epochs: int, batch: int) -> dict:
    """One training run with the official recipe; returns its final metrics."""
    lr, l2 = lr_l2(setting)
    data = load_task_data("regression", split)
    targets = data.coords.float() / SCALE  # (N, 2) centre / 64
    torch.manual_seed(seed)
    model = build_model("regression", "coordconv", split, readout="max")
    kernels = [p for p in model.parameters() if p.dim() > 1]
    optimizer = torch.optim.Adam(model.parameters(), lr=lr, betas=(0.9, 0.99), eps=1e-8)
    generator = torch.Generator().manual_seed(seed)
    start = time.process_time()
    for _ in range(epochs):
        order = data.train[torch.randperm(len(data.train), generator=generator)]
        for idx in order.split(batch):
            loss = F.mse_loss(model(data.inputs[idx]), targets[idx])
            loss = loss + l2 * sum((k * k).sum() for k in kernels)
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
    train = metrics(model, data.inputs[data.train], data.coords[data.train])
    test = metrics(model, data.inputs[data.test], data.coords[data.test])
    return result_row(
        split=split, seed=seed, setting=setting, params=count_parameters(model), epochs=epochs,
        train=train, test=test, cpu_s=round(time.process_time() - start, 2),
    )  # fmt: skip


def main() -> None:
    parser = build_parser(
        __doc__.split("\n")[0], type=seed_list, default=seed_list("0-9"), help="'0-9' or '0,2'"
    )
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    rows = []
    for seed in args.seeds:
        row = run(args.split, seed, args.setting, args.epochs, args.batch_size)
        print(json.dumps(row), flush=True)
        rows.append(row)
    good = sum(r["test_exact"] >= 0.99 for r in rows)
    summary = {
        "summary": f"{args.setting}/{args.split}",
        "seeds_with_test_exact_ge_0.99": f"{good}/{len(rows)}",
        "mean_test_exact": sum(r["test_exact"] for r in rows) / len(rows),
        "mean_test_pixel_error": sum(r["test_pixel_error"] for r in rows) / len(rows),
        "cpu_s": round(sum(r["cpu_s"] for r in rows), 1),
    }
    print(json.dumps(summary), flush=True)


if __name__ == "__main__":
    main()
