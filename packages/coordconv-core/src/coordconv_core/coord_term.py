"""The coordinate term of a CoordConv layer: ``conv(coords, w_coord) + bias`` at batch 1.

Liu et al., "An intriguing failing of convolutional neural networks and the CoordConv
solution", NeurIPS 2018 (arXiv:1807.03247), section 3 / S9.

The coordinate channels are the same for every sample, so a CoordConv output is
``conv(x, w_data) + T`` with ``T = conv(coords, w_coord) + bias`` of shape ``(1, out, *o)``.
``T`` has only ``rank + with_r`` (2 or 3) input channels, and at batch 1 oneDNN picks very slow
kernels for that (a 2-channel 8x8/4 convolution over 84x84 took 5 ms at batch 1 against 1 ms for
the 4-channel data term at batch 16). Written as im2col + one small matrix product
(``F.unfold`` / ``F.fold`` + ``addmm``) it costs microseconds. That form exists in torch for 2-D
(and 1-D seen as 2-D with height 1); 3-D layers use the plain convolution.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
import torch.nn.functional as F


def _as_2d(values: Sequence[int], fill: int) -> tuple[int, int]:
    """Per-dim hyper-parameters of a 1-D or 2-D layer as 2-D (1-D -> height 1 / ``fill``)."""
    return (fill, values[0]) if len(values) == 1 else (values[0], values[1])


def conv_coord_term(
    grid: torch.Tensor,
    weight: torch.Tensor,
    bias: torch.Tensor | None,
    out_spatial: Sequence[int],
    *,
    stride: Sequence[int],
    dilation: Sequence[int],
    kernel_size: Sequence[int],
    reversed_padding: Sequence[int],
    padding_mode: str,
) -> torch.Tensor:
    """``conv(grid[None], weight) + bias`` for a 1-D/2-D convolution, shape ``(1, out, *out_spatial)``.

    Args:
        grid: ``(extra, *spatial)`` coordinate channels.
        weight: ``(out, extra, *k)`` coordinate part of the layer's weight.
        out_spatial: spatial size of the layer's output (taken from the data term).
        reversed_padding: ``F.pad`` amounts, last dim first (torch's
            ``_reversed_padding_repeated_twice``; covers ``padding="same"``).
        padding_mode: ``zeros``, ``reflect``, ``replicate`` or ``circular`` (applied per channel,
            so padding the coordinates alone is what padding the concatenation would give them).
    """
    out_channels, extra = weight.shape[:2]
    image = grid.reshape(1, extra, *_as_2d(grid.shape[1:], 1))  # (1, extra, H, W)
    pad = [*reversed_padding, 0, 0][:4]  # 1-D: pad W only
    if any(pad):
        image = F.pad(image, pad, mode="constant" if padding_mode == "zeros" else padding_mode)
    cols = F.unfold(
        image, _as_2d(kernel_size, 1), dilation=_as_2d(dilation, 1), stride=_as_2d(stride, 1)
    )[0]  # (extra * prod(k), L_out)
    w = weight.reshape(out_channels, -1)  # (out, extra * prod(k)), same (c, kh, kw) order
    term = w @ cols if bias is None else torch.addmm(bias.unsqueeze(1), w, cols)  # (out, L_out)
    return term.view(1, out_channels, *out_spatial)


def conv_transpose_coord_term(
    grid: torch.Tensor,
    weight: torch.Tensor,
    bias: torch.Tensor | None,
    out_spatial: Sequence[int],
    *,
    stride: Sequence[int],
    padding: Sequence[int],
    dilation: Sequence[int],
    kernel_size: Sequence[int],
) -> torch.Tensor:
    """``conv_transpose(grid[None], weight) + bias`` for 1-D/2-D, shape ``(1, out, *out_spatial)``.

    ``weight``: ``(extra, out, *k)``. Requires every ``output_padding < stride`` (so ``F.fold``
    sees exactly one block per input position); callers fall back to the convolution otherwise.
    """
    extra, out_channels = weight.shape[:2]
    cols = weight.reshape(extra, -1).t() @ grid.reshape(extra, -1)  # (out * prod(k), L_in)
    out = F.fold(
        cols.unsqueeze(0),
        _as_2d(out_spatial, 1),
        _as_2d(kernel_size, 1),
        dilation=_as_2d(dilation, 1),
        padding=_as_2d(padding, 0),
        stride=_as_2d(stride, 1),
    )  # (1, out, H_out, W_out)
    if bias is not None:
        out = out + bias.view(1, out_channels, 1, 1)
    return out.view(1, out_channels, *out_spatial)
