"""The coordinate term of a CoordConv layer: ``conv(coords, w_coord) + bias`` at batch 1.

Liu et al., "An intriguing failing of convolutional neural networks and the CoordConv
solution", NeurIPS 2018 (arXiv:1807.03247), section 3 / S9.

The coordinate channels are the same for every sample, so a CoordConv output is
``conv(x, w_data) + T`` with ``T = conv(coords, w_coord) + bias`` of shape ``(1, out, *o)``.
``T`` has only ``rank + with_r`` (2 or 3) input channels, and at batch 1 oneDNN picks very slow
kernels for that (a 2-channel 8x8/4 convolution over 84x84 took 5 ms at batch 1 against 1 ms for
the 4-channel data term at batch 16). Written as im2col + one small matrix product
(``F.unfold`` / ``F.fold`` + ``addmm``) it costs microseconds. That form exists in torch for 2-D
(and 1-D seen as 2-D with height 1); 3-D layers use the plain convolution, and so does ONNX
export (TorchScript's ONNX exporter has no im2col). :func:`coordinate_term` picks the form.

With torch 2.14 (oneDNN 3.12) the batch-1 convolution is the faster one again, for every shape
measured (CPU time of forward + backward, one thread: 2 channels 8x8/4 over 84x84: 0.37 ms direct
against 0.41 ms im2col; 3 channels 7x7/2 over 224x224: 5.4 against 9.4 ms; 16 Fourier channels
3x3 over 56x56: 1.4 against 2.1 ms), and it keeps only the coordinates for backward, not their
im2col (``extra * prod(k)`` times larger). Convolutions whose numbers must not change, the
default encoding with ``groups=1`` (trained results depend on them bit for bit), keep the im2col
form (``im2col=True``); every newer option uses the convolution.

The coordinate weight is always dense (``groups=1``): the coordinates are shared by every group
of a grouped layer, so every output channel has its own weights for all of them.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
import torch.nn.functional as F

_CONV = {1: F.conv1d, 2: F.conv2d, 3: F.conv3d}
_CONV_TRANSPOSE = {1: F.conv_transpose1d, 2: F.conv_transpose2d, 3: F.conv_transpose3d}


def _as_2d(values: Sequence[int], fill: int) -> tuple[int, int]:
    """Per-dim hyper-parameters of a 1-D or 2-D layer as 2-D (1-D -> height 1 / ``fill``)."""
    return (fill, values[0]) if len(values) == 1 else (values[0], values[1])


def im2col_form(rank: int, im2col: bool) -> bool:
    """Whether :func:`coordinate_term` computes the term from im2col columns (``F.fold`` for
    transposed layers) rather than as the batch-1 convolution: asked for, 1-D/2-D, and not in
    ONNX export (TorchScript's ONNX exporter has no im2col)."""
    return im2col and rank < 3 and not torch.onnx.is_in_onnx_export()


def conv_coord_columns(
    grid: torch.Tensor,
    *,
    stride: Sequence[int],
    dilation: Sequence[int],
    kernel_size: Sequence[int],
    reversed_padding: Sequence[int],
    padding_mode: str,
) -> torch.Tensor:
    """im2col of the padded coordinate grid of a 1-D/2-D convolution: ``(extra * prod(k), L_out)``.

    It depends only on the input's size and the layer's hyper-parameters, so a layer computes it
    once per input size (:mod:`coordconv_core.cache`).

    Args:
        grid: ``(extra, *spatial)`` coordinate channels.
        reversed_padding: ``F.pad`` amounts, last dim first (torch's
            ``_reversed_padding_repeated_twice``; covers ``padding="same"``).
        padding_mode: ``zeros``, ``reflect``, ``replicate`` or ``circular`` (applied per channel,
            so padding the coordinates alone is what padding the concatenation would give them).
    """
    extra = grid.shape[0]
    image = grid.reshape(1, extra, *_as_2d(grid.shape[1:], 1))  # (1, extra, H, W)
    pad = [*reversed_padding, 0, 0][:4]  # 1-D: pad W only
    if any(pad):
        image = F.pad(image, pad, mode="constant" if padding_mode == "zeros" else padding_mode)
    if all(k == 1 for k in kernel_size) and all(s == 1 for s in stride):
        return image.reshape(extra, -1)  # pointwise: im2col is the image itself (one op less)
    return F.unfold(
        image, _as_2d(kernel_size, 1), dilation=_as_2d(dilation, 1), stride=_as_2d(stride, 1)
    )[0]  # (extra * prod(k), L_out)


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
    columns: torch.Tensor | None = None,
) -> torch.Tensor:
    """``conv(grid[None], weight) + bias`` for a 1-D/2-D convolution, shape ``(1, out, *out_spatial)``.

    Args:
        grid: ``(extra, *spatial)`` coordinate channels.
        weight: ``(out, extra, *k)`` coordinate part of the layer's weight.
        out_spatial: spatial size of the layer's output (taken from the data term).
        reversed_padding: as for :func:`conv_coord_columns`.
        padding_mode: as for :func:`conv_coord_columns`.
        columns: :func:`conv_coord_columns` of these arguments, if the caller has it already.
    """
    if columns is None:
        columns = conv_coord_columns(
            grid,
            stride=stride,
            dilation=dilation,
            kernel_size=kernel_size,
            reversed_padding=reversed_padding,
            padding_mode=padding_mode,
        )
    out_channels = weight.shape[0]
    w = weight.reshape(out_channels, -1)  # (out, extra * prod(k)), same (c, kh, kw) order
    term = w @ columns if bias is None else torch.addmm(bias.unsqueeze(1), w, columns)  # (out, L)
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


def coordinate_term(
    grid: torch.Tensor,
    weight: torch.Tensor,
    bias: torch.Tensor | None,
    out_spatial: Sequence[int],
    *,
    transposed: bool,
    stride: Sequence[int],
    padding: Sequence[int] | str | None,
    dilation: Sequence[int],
    kernel_size: Sequence[int],
    reversed_padding: Sequence[int] = (),
    padding_mode: str = "zeros",
    output_padding: Sequence[int] = (),
    im2col: bool = True,
    columns: torch.Tensor | None = None,
) -> torch.Tensor:
    """The coordinate term ``(1, out, *out_spatial)`` of a convolution or transposed convolution.

    Args:
        grid: ``(extra, *spatial)`` coordinate channels (rank 1-3 from its shape).
        weight: dense coordinate weight, ``(out, extra, *k)`` or, ``transposed``,
            ``(extra, out, *k)``.
        bias: ``(out,)`` or ``None``; added to the term (so the data term needs none).
        out_spatial: spatial size of the layer's output.
        padding: convolutions: the layer's ``padding`` (numbers or ``"same"``/``"valid"``), or
            ``None`` to pad with ``reversed_padding`` (``F.pad`` amounts, last dim first, may be
            asymmetric) in ``padding_mode``; transposed: the layer's ``padding``.
        output_padding: transposed only, as the layer computed it for this input.
        im2col: convolutions: im2col + ``addmm`` for 1-D/2-D (the bit-compatible form, see the
            module docstring); ``False``: the batch-1 convolution.
        columns: the im2col form's :func:`conv_coord_columns`, if the caller has them (unused
            by the other forms).
    """
    rank = grid.dim() - 1
    image = grid.unsqueeze(0)  # (1, extra, *spatial)
    direct = not im2col_form(rank, im2col or transposed)
    if transposed:
        assert padding is not None
        assert not isinstance(padding, str)
        fold_ok = all(p < s for p, s in zip(output_padding, stride, strict=True))
        if direct or not fold_ok:
            return _CONV_TRANSPOSE[rank](
                image, weight, bias, stride, padding, output_padding, 1, dilation
            )
        return conv_transpose_coord_term(
            grid,
            weight,
            bias,
            out_spatial,
            stride=stride,
            padding=padding,
            dilation=dilation,
            kernel_size=kernel_size,
        )
    if direct:  # as torch's _conv_forward, with groups=1
        if padding_mode != "zeros" or padding is None:
            mode = "constant" if padding_mode == "zeros" else padding_mode
            image, padding = F.pad(image, list(reversed_padding), mode=mode), 0
        return _CONV[rank](image, weight, bias, stride, padding, dilation, 1)
    return conv_coord_term(
        grid,
        weight,
        bias,
        out_spatial,
        stride=stride,
        dilation=dilation,
        kernel_size=kernel_size,
        reversed_padding=reversed_padding,
        padding_mode=padding_mode,
        columns=columns,
    )
