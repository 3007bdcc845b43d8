"""CoordConv layers: drop-in subclasses of ``nn.Conv*d`` / ``nn.ConvTranspose*d``.

Liu et al., "An intriguing failing of convolutional neural networks and the CoordConv
solution", NeurIPS 2018 (arXiv:1807.03247), section 3 and S9: a convolution over the input
concatenated with coordinate channels (:mod:`coordconv_core.coords`; what they hold is the
``coords`` encoding, :mod:`coordconv_core.encoding`).

The constructor's ``in_channels`` is the number of data channels (kept as ``data_channels``); the
``extra`` coordinate channels (``extra_channels``: ``rank + with_r`` for the default encoding)
are added inside. The weight is torch's for the layer with the coordinates appended to **every
group**: ``(out, in / groups + extra, *k)`` for convolutions, ``(in + groups * extra,
out / groups, *k)`` for transposed ones (rows group by group: that group's data channels, then
the coordinates), and torch's ``in_channels`` attribute is ``in + groups * extra``. So a
CoordConv layer computes exactly ``nn.ConvNd(in + groups * extra, out, groups=groups)`` over the
input with the coordinate channels inserted after each group's channels, and a ``state_dict``
loads into that plain layer.

Why every group: the coordinates are shared by all positions' channels, not owned by one group, and
CoordConv's point is that *every* filter can use position. Giving each group its own copy of the
coordinate channels makes every output channel a function of its group's data and of all
coordinate channels, with ``out * extra * prod(k)`` coordinate weights whatever ``groups`` is
(a depthwise 3x3 over C channels gets ``C * extra * 9``). For ``groups == 1`` this is the paper's
layer and its layout, unchanged.

The forward equals that convolution but never builds the concatenation. Convolution is linear and
padding acts per channel, so it splits into::

    conv(x, W_data, groups) + [conv(coords, W_coord, groups=1) + bias]

with ``W_data = weight[:, :in / groups]`` (``data_weight``) and the dense
``W_coord = weight[:, in / groups:]`` ``(out, extra, *k)`` (``coord_weight``). The bracket is the
same for every sample: it is computed once at batch 1, shape ``(1, out, *out_spatial)``, and
broadcast-added in place. Compared with concatenate-then-convolve this saves the copy of the input
and, in training, the concatenated tensor autograd would keep for the weight gradient (a second
copy of every CoordConv input). The bracket is computed as im2col + one small matrix product
for 1-D/2-D layers of the first version's configurations (default encoding, ``groups=1``, whose
numbers must not change), as a batch-1 convolution otherwise (:mod:`coordconv_core.coord_term`).
One exception, by measurement: pointwise layers with thin inputs concatenate (see
``_CoordConv``).

:meth:`_CoordConvNd.from_conv` (``CoordConv2d.from_conv(conv)`` etc.) turns a plain torch
convolution into the matching CoordConv layer computing the same function (coordinate weights
zero); subclasses of the torch classes are wrapped instead (:mod:`coordconv_core.wrapper`).
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, ClassVar, cast

import torch
import torch.nn.functional as F
from torch import nn

from coordconv_core import cache
from coordconv_core.coord_term import conv_coord_columns, coordinate_term, im2col_form
from coordconv_core.coords import _check_input, append_grid, encode_grid, register_frequencies
from coordconv_core.encoding import CoordEncoding, as_encoding

if TYPE_CHECKING:
    # The mixins run before a torch convolution class in every layer's MRO, so for the type
    # checker they derive from the torch base whose attributes (``kernel_size``, ``stride``,
    # ``_conv_forward``, ``_output_padding``...) and ``super()`` methods they use; at run time
    # they derive from ``object`` and the layer class supplies the torch base.
    from typing import Self

    from torch.nn.modules.conv import _ConvNd as _ConvBase
    from torch.nn.modules.conv import _ConvTransposeNd as _ConvTransposeBase
else:
    _ConvBase = _ConvTransposeBase = object


_DEFAULT_COORDS = CoordEncoding()


def check_groups(who: str, in_channels: int, out_channels: int, groups: Any) -> int:
    """``groups`` as an int, or a ``ValueError`` naming what does not divide."""
    if isinstance(groups, bool) or not isinstance(groups, int) or groups < 1:
        raise ValueError(f"{who}: groups must be a positive int, got {groups!r}")
    for name, channels in (("in_channels", in_channels), ("out_channels", out_channels)):
        if channels % groups:
            raise ValueError(
                f"{who}: {name}={channels} must be divisible by groups={groups} (in_channels "
                "counts data channels only; the coordinate channels go to every group)"
            )
    return groups


class _CoordConvNd(_ConvBase):
    """Shared constructor, checks and forward pieces of every CoordConv layer.

    Mixed in before the torch layer class (``class CoordConv2d(_CoordConvNd, nn.Conv2d)``).
    """

    _rank: ClassVar[int]
    _torch_class: ClassVar[type[nn.Module]]  # the class whose forward the layer replaces
    with_r: bool
    coords: CoordEncoding
    data_channels: int
    weight: nn.Parameter
    bias: torch.Tensor | None
    fourier_frequencies: torch.Tensor | None

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        *args: Any,
        with_r: bool = False,
        coords: str | CoordEncoding = "minus_one_one",
        **kwargs: Any,
    ) -> None:
        bound = inspect.signature(self._torch_class.__init__).bind(
            self, in_channels, out_channels, *args, **kwargs
        )
        name = type(self).__name__
        groups = check_groups(name, in_channels, out_channels, bound.arguments.get("groups", 1))
        encoding = as_encoding(coords)
        extra = encoding.channels(self._rank, with_r)
        super().__init__(in_channels + groups * extra, out_channels, *args, **kwargs)
        self.with_r = with_r
        self.coords = encoding
        self.data_channels = in_channels
        register_frequencies(self, encoding, self._rank, self.weight.dtype, self.weight.device)

    @property
    def rank(self) -> int:
        """Number of spatial dimensions (1, 2 or 3)."""
        return self._rank

    @property
    def extra_channels(self) -> int:
        """Number of coordinate channels (``rank + with_r`` for the default encoding)."""
        return self.coords.channels(self._rank, self.with_r)

    @property
    def data_weight(self) -> torch.Tensor:
        """Weight of the data channels, torch's layout for the layer without coordinates:
        ``(out, in / groups, *k)``, transposed ``(in, out / groups, *k)``."""
        return self._split_weight()[0]

    @property
    def coord_weight(self) -> torch.Tensor:
        """Dense weight of the coordinate channels: ``(out, extra, *k)``, transposed
        ``(extra, out, *k)``."""
        return self._split_weight()[1]

    def _split_weight(self) -> tuple[torch.Tensor, torch.Tensor]:
        raise NotImplementedError

    @property
    def _bit_compatible(self) -> bool:
        """The configurations of the first version (default encoding, ``groups=1``), whose
        numbers must stay bit for bit: they keep its im2col coordinate term."""
        return self.groups == 1 and self.coords == _DEFAULT_COORDS

    def _check(self, x: torch.Tensor) -> None:
        _check_input(x, self._rank, type(self).__name__)
        if x.shape[1] != self.data_channels:
            raise ValueError(
                f"{type(self).__name__} expects {self.data_channels} data channels (the "
                f"{self.extra_channels} coordinate channels are added inside), got {x.shape[1]}"
            )

    def _grid(self, x: torch.Tensor) -> torch.Tensor:
        """``(extra, *spatial)`` coordinate channels for ``x``'s spatial size."""
        return encode_grid(
            x.shape[2:], self.coords, self.with_r, x.dtype, x.device, self.fourier_frequencies
        )

    def _constants_key(self, x: torch.Tensor) -> tuple[Any, ...]:
        """What the coordinate constants of ``x`` depend on (:mod:`coordconv_core.cache`)."""
        b = self.fourier_frequencies
        frequencies = None if b is None else (b.data_ptr(), b._version, b.dtype, b.device)
        return (
            tuple(x.shape[2:]),
            x.dtype,
            x.device,
            self.with_r,
            self.coords,
            frequencies,
            self.kernel_size,
            self.stride,
            self.padding,
            self.dilation,
            self.padding_mode,
            self.groups,
        )

    def _apply(self, fn: Any, recurse: bool = True) -> Self:
        cache.drop(self)  # its tensors would stay on the old device / dtype
        return super()._apply(fn, recurse)

    def __getstate__(self) -> dict[str, Any]:
        state = self.__dict__.copy()  # pickles (torch.save(model), deepcopy) leave the cache out
        state.pop(cache.ATTRIBUTE, None)
        return state

    def extra_repr(self) -> str:
        # ``in_channels`` (first in torch's repr) counts data + coordinate channels, like the weight.
        return (
            f"{super().extra_repr()}, data_channels={self.data_channels}, with_r={self.with_r}, "
            f"coords={self.coords}"
        )

    @classmethod
    def from_conv(
        cls,
        conv: nn.Module,
        *,
        with_r: bool = False,
        coords: str | CoordEncoding = "minus_one_one",
    ) -> Self:
        """The CoordConv layer computing what ``conv`` computes: same hyper-parameters (stride,
        padding, dilation, groups, padding mode, output padding), device, dtype, train/eval mode
        and ``requires_grad``; data weights and bias copied, coordinate weights zero.

        ``conv`` must be an instance of exactly the torch class this layer subclasses
        (``nn.Conv2d`` for ``CoordConv2d``). Hooks are not carried over.

        Raises:
            ValueError: for another class: a subclass (e.g. a weight-standardised conv) has its
                own forward, which this layer would not run: wrap it in
                :class:`~coordconv_core.wrapper.CoordConvWrapper` instead (as
                :func:`~coordconv_core.convert.convert_to_coordconv` does); for a lazy
                convolution that has not seen an input yet.
        """
        base = cls._torch_class
        if isinstance(getattr(conv, "weight", None), nn.parameter.UninitializedParameter):
            raise ValueError(f"{cls.__name__}.from_conv: run the lazy convolution once first")
        if type(conv) is not base:
            what = "a CoordConv layer" if isinstance(conv, _CoordConvNd) else type(conv).__name__
            hint = (
                f"; it subclasses {base.__name__} with its own forward, which {cls.__name__} "
                "would not run: wrap it with CoordConvWrapper(conv)"
                if isinstance(conv, base) and not isinstance(conv, _CoordConvNd)
                else ""
            )
            raise ValueError(f"{cls.__name__}.from_conv needs an {base.__name__}, got {what}{hint}")
        assert isinstance(conv, nn.modules.conv._ConvNd)
        kwargs: dict[str, Any] = {
            "stride": conv.stride,
            "padding": conv.padding,
            "dilation": conv.dilation,
            "groups": conv.groups,
            "bias": conv.bias is not None,
            "padding_mode": conv.padding_mode,
            "device": conv.weight.device,
            "dtype": conv.weight.dtype,
        }
        if conv.transposed:
            kwargs["output_padding"] = conv.output_padding
        new = cls(
            conv.in_channels,
            conv.out_channels,
            conv.kernel_size,
            with_r=with_r,
            coords=coords,
            **kwargs,
        )
        with torch.no_grad():
            data, coord = new._weight_blocks()
            data.copy_(conv.weight.view(data.shape))
            coord.zero_()
            if conv.bias is not None:
                assert new.bias is not None
                new.bias.copy_(conv.bias)
        new.weight.requires_grad_(conv.weight.requires_grad)
        if conv.bias is not None and new.bias is not None:
            new.bias.requires_grad_(conv.bias.requires_grad)
        new.train(conv.training)
        return new

    def _weight_blocks(self) -> tuple[torch.Tensor, torch.Tensor]:
        """Views of ``weight``: ``(data, coord)`` blocks in group-major form (for writing)."""
        raise NotImplementedError


class _CoordConv(_CoordConvNd):
    """Forward for ``nn.Conv*d`` bases: weight ``(out, in / groups + extra, *k)``.

    Pointwise (1x1) layers with ``groups == 1`` and thin inputs, ``4 * (in + extra) <= out``,
    concatenate instead: such a convolution is memory-bound, writing its output dominates, and
    the split form's extra pass over the output (the broadcast add) costs more than copying the
    thin input (1x1 layers from 1 or 2 to 32 channels at 64x64, like the first layer of the
    paper's painters, ran 1.5-1.8x slower split than concatenated on CPU). The copy kept for
    backward is then at most a quarter of the output's size.
    """

    @property
    def _concatenate(self) -> bool:
        pointwise = all(k == 1 for k in self.kernel_size)
        thin = 4 * (self.data_channels + self.extra_channels) <= self.out_channels
        return pointwise and thin and self.groups == 1

    def _split_weight(self) -> tuple[torch.Tensor, torch.Tensor]:
        # one split, not two slices: its backward is one cat, where two slices' backward fills
        # two weight-sized zero tensors and adds them (fewer passes and parallel regions, the
        # same numbers)
        c = self.data_channels // self.groups
        data, coord = torch.split(self.weight, [c, self.weight.shape[1] - c], dim=1)
        return data, coord

    def _weight_blocks(self) -> tuple[torch.Tensor, torch.Tensor]:
        c = self.data_channels // self.groups
        return self.weight[:, :c], self.weight[:, c:]

    def _coordinate_constants(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor | None]:
        """The grid of ``x``'s size and, where the coordinate term is im2col + ``addmm``, its
        columns (:func:`~coordconv_core.coord_term.conv_coord_columns`)."""
        grid = self._grid(x)
        if self._concatenate or not im2col_form(self._rank, self._bit_compatible):
            return grid, None
        columns = conv_coord_columns(
            grid,
            stride=self.stride,
            dilation=self.dilation,
            kernel_size=self.kernel_size,
            reversed_padding=self._reversed_padding_repeated_twice,
            padding_mode=self.padding_mode,
        )
        return grid, columns

    def forward(self, input: torch.Tensor) -> torch.Tensor:
        """``(N, in, *s)`` -> ``(N, out, *o)``, ``o`` as for the torch layer."""
        self._check(input)
        grid, columns = cache.cached(
            self, lambda: self._constants_key(input), lambda: self._coordinate_constants(input)
        )
        if self._concatenate:
            return self._conv_forward(append_grid(input, grid), self.weight, self.bias)
        data_weight, coord_weight = self._split_weight()
        # _conv_forward applies padding_mode (F.pad per channel, then conv) and groups.
        out = self._conv_forward(input, data_weight, None)
        coord = coordinate_term(
            grid,
            coord_weight,
            self.bias,
            out.shape[2:],
            transposed=False,
            stride=self.stride,
            padding=self.padding,
            dilation=self.dilation,
            kernel_size=self.kernel_size,
            reversed_padding=self._reversed_padding_repeated_twice,
            padding_mode=self.padding_mode,
            im2col=self._bit_compatible,
            columns=columns,
        )
        return out.add_(coord)  # (N, out, *o) += (1, out, *o); conv does not save its output


class _CoordConvTranspose(_CoordConvNd, _ConvTransposeBase):
    """Forward for ``nn.ConvTranspose*d`` bases: weight ``(in + groups * extra, out / groups, *k)``."""

    _conv_transpose: ClassVar[Callable[..., torch.Tensor]]  # F.conv_transpose{rank}d

    def _grouped(self) -> torch.Tensor:
        """``weight`` as ``(groups, in / groups + extra, out / groups, *k)`` (a view)."""
        return self.weight.view(self.groups, -1, *self.weight.shape[1:])

    def _weight_blocks(self) -> tuple[torch.Tensor, torch.Tensor]:
        c = self.data_channels // self.groups
        grouped = self._grouped()
        return grouped[:, :c], grouped[:, c:]  # (g, in / g, out / g, *k), (g, extra, out / g, *k)

    def _split_weight(self) -> tuple[torch.Tensor, torch.Tensor]:
        if self.groups == 1:  # one split, as for convolutions
            c = self.data_channels
            data, coord = torch.split(self.weight, [c, self.weight.shape[0] - c])
            return data, coord
        data, coord = self._weight_blocks()
        # the dense coordinate weight (extra, out, *k): group j's block feeds outputs j * out / g...
        coord = coord.transpose(0, 1).reshape(coord.shape[1], self.out_channels, *coord.shape[3:])
        return data.reshape(self.data_channels, *data.shape[2:]), coord

    def forward(self, input: torch.Tensor, output_size: list[int] | None = None) -> torch.Tensor:
        """``(N, in, *s)`` -> ``(N, out, *o)``; ``output_size`` as for the torch layer."""
        self._check(input)
        # torch stores these as tuples but types ``_output_padding``'s parameters ``list[int]``
        # (for TorchScript; it only indexes them), and a transposed layer's padding is never a
        # string ("same"/"valid" are refused by its constructor)
        stride = cast("list[int]", self.stride)
        padding = cast("list[int]", self.padding)
        kernel_size = cast("list[int]", self.kernel_size)
        dilation = cast("list[int]", self.dilation)
        output_padding = self._output_padding(
            input, output_size, stride, padding, kernel_size, self._rank, dilation
        )
        data_weight, coord_weight = self._split_weight()
        args = (stride, padding, output_padding, self.groups, dilation)
        out = self._conv_transpose(input, data_weight, None, *args)
        grid = cache.cached(self, lambda: self._constants_key(input), lambda: self._grid(input))
        coord = coordinate_term(
            grid,
            coord_weight,
            self.bias,
            out.shape[2:],
            transposed=True,
            stride=stride,
            padding=padding,
            dilation=dilation,
            kernel_size=kernel_size,
            output_padding=output_padding,
        )
        return out.add_(coord)


class CoordConv1d(_CoordConv, nn.Conv1d):
    """``nn.Conv1d`` over ``(N, C, L)`` plus the coordinate channels (x along L, then r if
    ``with_r``; what they hold: ``coords``) -> ``(N, out, L_out)``."""

    _rank = 1
    _torch_class = nn.Conv1d


class CoordConv2d(_CoordConv, nn.Conv2d):
    """``nn.Conv2d`` over ``(N, C, H, W)`` plus the coordinate channels: x (varies along W)
    first, then y (along H), then r if ``with_r`` (what they hold: ``coords``) ->
    ``(N, out, H_out, W_out)``."""

    _rank = 2
    _torch_class = nn.Conv2d


class CoordConv3d(_CoordConv, nn.Conv3d):
    """``nn.Conv3d`` over ``(N, C, D, H, W)`` plus the coordinate channels x (along W), y (along
    H), z (along D), then r if ``with_r`` -> ``(N, out, D_out, H_out, W_out)``."""

    _rank = 3
    _torch_class = nn.Conv3d


class CoordConvTranspose1d(_CoordConvTranspose, nn.ConvTranspose1d):
    """``nn.ConvTranspose1d`` with the coordinate channels of its input ``(N, C, L)`` (x, then r)."""

    _rank = 1
    _torch_class = nn.ConvTranspose1d
    _conv_transpose = staticmethod(F.conv_transpose1d)


class CoordConvTranspose2d(_CoordConvTranspose, nn.ConvTranspose2d):
    """``nn.ConvTranspose2d`` with the coordinate channels of its input ``(N, C, H, W)``: x (along
    W), y (along H), then r."""

    _rank = 2
    _torch_class = nn.ConvTranspose2d
    _conv_transpose = staticmethod(F.conv_transpose2d)


class CoordConvTranspose3d(_CoordConvTranspose, nn.ConvTranspose3d):
    """``nn.ConvTranspose3d`` with the coordinate channels of its input ``(N, C, D, H, W)``: x
    (along W), y (along H), z (along D), then r."""

    _rank = 3
    _torch_class = nn.ConvTranspose3d
    _conv_transpose = staticmethod(F.conv_transpose3d)


COORDCONV_FOR: dict[type[nn.Module], type[nn.Module]] = {
    nn.Conv1d: CoordConv1d,
    nn.Conv2d: CoordConv2d,
    nn.Conv3d: CoordConv3d,
    nn.ConvTranspose1d: CoordConvTranspose1d,
    nn.ConvTranspose2d: CoordConvTranspose2d,
    nn.ConvTranspose3d: CoordConvTranspose3d,
}
"""The CoordConv layer that replaces each torch convolution class."""
