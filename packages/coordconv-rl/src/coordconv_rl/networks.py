"""Policy/value networks for A2C: the Nature CNN with its conv layer passed as a callable (S8).

Mnih et al. 2015 ("Nature CNN", OpenAI baselines' ``cnn`` policy): 84x84x4 uint8 frames / 255 ->
conv 8x8/4 32 -> conv 4x4/2 64 -> conv 3x3/1 64 -> FC 512 -> policy logits and a value, ReLUs,
orthogonal init (gain sqrt 2; 0.01 for the policy head, 1 for the value head) as baselines.

The CoordConv agent of the paper (S8) makes the *first* conv a CoordConv (Liu et al. 2018,
arXiv:1807.03247, section 3); ``coordconv_layers="all"`` makes every conv one. The layers are
injected as callables (``first_conv_layer``, ``conv_layer``), never switched by flags inside.
A small torso (3x3 convs) serves images too small for the Nature strides (the tiny env).

Initialisation of a CoordConv layer's coordinate weights (``coord_init``, a :data:`LayerInit`):

- ``paper``: baselines' ``ortho_init`` over the whole first-layer weight, coordinate channels
  included. The paper's RL code is not public (uber-research/CoordConv has none); a CoordConv
  in baselines' ``nature_cnn`` is AddCoords then baselines' ``conv``, whose weight
  ``(k, k, C + 2, 32)`` gets one orthogonal matrix of ``k*k*(C+2)`` rows: what this does.
- ``zero``: the data weights initialised exactly as the plain conv's (same random stream, so a
  seed gives the conv network bit for bit) and the coordinate weights 0: the agent starts as
  the conv agent and only learning can make it use the coordinates
  (``coordconv_core.convert_to_coordconv`` does the same for a trained model). On sparse
  frames (TargetReach: two lit pixels) the dense coordinate maps under ``paper`` init dominate
  the first layer's output at the start (the README gives the measurement).

The ablation of what makes ``paper`` differ from ``zero`` (issue: is CoordConv's slowdown on
TargetReach its initialisation?) crosses the two things that differ. The data weights' scale:
one orthogonal matrix over ``C + 2`` channels gives each data weight ``sqrt(C / (C + 2))`` of
the plain conv's scale (x0.707 for TargetReach's 2 channels). The coordinate weights: orthogonal
or 0. ``paper`` = paper scale + orthogonal, ``zero`` = conv scale + 0, and the other two cells:

- ``paper-zero``: the ``paper`` draw with its coordinate weights zeroed (paper scale + 0).
- ``conv-ortho``: the plain conv's data weights with the coordinate weights of a ``paper`` draw
  (conv scale + orthogonal).
- ``glorot``: Glorot uniform over the whole CoordConv weight, bias 0, as ``tf.layers.conv2d``
  (the paper's S9 code) starts a layer; every other layer orthogonal as baselines.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable, Sequence

import torch
from torch import nn

from coordconv_core import CoordConv2d
from coordconv_train import UserError

ConvLayer = Callable[..., nn.Conv2d]
LayerInit = Callable[[nn.Conv2d | nn.Linear, float], None]
# (out_channels, kernel_size, stride) per conv
NATURE_CONVS: tuple[tuple[int, int, int], ...] = ((32, 8, 4), (64, 4, 2), (64, 3, 1))
NATURE_HIDDEN = 512
SMALL_CONVS: tuple[tuple[int, int, int], ...] = ((16, 3, 1), (32, 3, 1))
SMALL_HIDDEN = 128
MODELS = ("conv", "coordconv")
ARCHS = ("auto", "nature", "small")


def orthogonal_init(layer: nn.Conv2d | nn.Linear, gain: float) -> None:
    """Baselines' ``ortho_init(gain)`` over the whole weight, bias 0 (``coord_init="paper"``)."""
    nn.init.orthogonal_(layer.weight, gain=gain)
    nn.init.zeros_(layer.bias)


def zero_coord_init(layer: nn.Conv2d | nn.Linear, gain: float) -> None:
    """As :func:`orthogonal_init`, but a CoordConv's coordinate weights start at 0.

    The data weights ``(out, data_channels, k, k)`` are drawn as the plain conv's would be (same
    shape, same random numbers), so the layer starts as exactly the plain conv.
    """
    if not isinstance(layer, CoordConv2d):
        orthogonal_init(layer, gain)
        return
    c = layer.data_channels
    data = torch.empty_like(layer.weight[:, :c])  # (out, data_channels, k, k)
    nn.init.orthogonal_(data, gain=gain)
    with torch.no_grad():
        layer.weight[:, :c] = data
        layer.weight[:, c:] = 0.0
    nn.init.zeros_(layer.bias)


def paper_zero_coord_init(layer: nn.Conv2d | nn.Linear, gain: float) -> None:
    """The paper's data weights with the coordinate weights set to 0 (an ablation cell).

    The whole weight is drawn as ``paper`` (one orthogonal matrix over data and coordinate
    channels, so the data weights have the paper's smaller scale), then the coordinate
    weights are zeroed: it isolates the data-weight scale from the coordinate weights.
    """
    orthogonal_init(layer, gain)
    if isinstance(layer, CoordConv2d):
        with torch.no_grad():
            layer.weight[:, layer.data_channels :] = 0.0


def conv_data_ortho_coord_init(layer: nn.Conv2d | nn.Linear, gain: float) -> None:
    """The plain conv's data weights with the paper's coordinate weights (an ablation cell).

    The data weights are drawn exactly as the plain conv's (same random numbers); the
    coordinate weights are those of a ``paper`` draw over the whole weight, made with a
    generator of its own (seeded from the run's seed) so that every later layer draws the
    same numbers as in the plain conv agent: the cell differs from ``zero`` only in the
    coordinate weights.
    """
    if not isinstance(layer, CoordConv2d):
        orthogonal_init(layer, gain)
        return
    zero_coord_init(layer, gain)
    c = layer.data_channels
    whole = torch.empty_like(layer.weight)  # (out, data_channels + coord_channels, k, k)
    own = torch.Generator().manual_seed(torch.initial_seed() + 1)
    nn.init.orthogonal_(whole, gain=gain, generator=own)
    with torch.no_grad():
        layer.weight[:, c:] = whole[:, c:]


def glorot_init(layer: nn.Conv2d | nn.Linear, gain: float) -> None:
    """A CoordConv layer as ``tf.layers.conv2d`` would start it: Glorot (Xavier) uniform over
    the whole weight, bias 0 (the default init of the paper's supplementary S9 code); every
    other layer as :func:`orthogonal_init`."""
    if not isinstance(layer, CoordConv2d):
        orthogonal_init(layer, gain)
        return
    nn.init.xavier_uniform_(layer.weight)
    nn.init.zeros_(layer.bias)


COORD_INITS: dict[str, LayerInit] = {
    "paper": orthogonal_init,
    "zero": zero_coord_init,
    "paper-zero": paper_zero_coord_init,
    "conv-ortho": conv_data_ortho_coord_init,
    "glorot": glorot_init,
}
# the agents compared (experiment grid, report): name -> (model, coord_init)
VARIANTS: dict[str, tuple[str, str]] = {
    "conv": ("conv", "paper"),
    "coordconv": ("coordconv", "paper"),
    **{f"coordconv-{init}": ("coordconv", init) for init in COORD_INITS if init != "paper"},
}


def variant_name(model: str, coord_init: str) -> str:
    """``conv``, ``coordconv`` (paper init) or ``coordconv-zero``: the key of :data:`VARIANTS`."""
    return model if model == "conv" or coord_init == "paper" else f"{model}-{coord_init}"


class ActorCritic(nn.Module):
    """Conv torso + FC + policy and value heads, on uint8 observations ``(N, C, H, W)``."""

    def __init__(
        self,
        obs_shape: Sequence[int],
        num_actions: int,
        *,
        convs: Sequence[tuple[int, int, int]] = NATURE_CONVS,
        hidden: int = NATURE_HIDDEN,
        conv_layer: ConvLayer = nn.Conv2d,
        first_conv_layer: ConvLayer | None = None,
        init: LayerInit = orthogonal_init,
    ) -> None:
        super().__init__()
        # The layers' default inits are overwritten below; our init draws from the RNG state
        # before them, so that layers differing only in coordinate channels (whose default
        # inits draw more numbers) do not shift the stream: one seed, one start.
        rng = torch.get_rng_state()
        channels, height, width = obs_shape
        layers: list[nn.Module] = []
        in_ch = channels
        for i, (out_ch, kernel, stride) in enumerate(convs):
            make = first_conv_layer if (i == 0 and first_conv_layer is not None) else conv_layer
            layers += [make(in_ch, out_ch, kernel, stride=stride), nn.ReLU()]
            in_ch = out_ch
        self.torso = nn.Sequential(*layers, nn.Flatten())
        with torch.no_grad():
            flat = self.torso(torch.zeros(1, channels, height, width)).shape[1]
        self.fc = nn.Sequential(nn.Linear(flat, hidden), nn.ReLU())
        self.policy = nn.Linear(hidden, num_actions)
        self.value = nn.Linear(hidden, 1)
        torch.set_rng_state(rng)
        for module in self.modules():  # baselines: gain sqrt 2, heads 0.01 (policy) and 1
            if isinstance(module, nn.Conv2d | nn.Linear):
                gain = {self.policy: 0.01, self.value: 1.0}.get(module, math.sqrt(2))
                init(module, gain)

    def forward(self, obs: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """``obs`` uint8 ``(N, C, H, W)`` -> logits ``(N, A)``, values ``(N,)``."""
        h = self.fc(self.torso(obs.float() / 255.0))  # (N, hidden)
        return self.policy(h), self.value(h).squeeze(-1)


def conv_layers_for(
    model: str, coordconv_layers: str = "first", with_r: bool = False
) -> tuple[ConvLayer, ConvLayer]:
    """``(first_conv_layer, conv_layer)`` for ``model`` in ``conv``/``coordconv``."""
    if model not in MODELS:
        raise UserError(f"unknown model {model!r}; choose one of {', '.join(MODELS)}")
    if coordconv_layers not in ("first", "all"):
        raise UserError(f"coordconv_layers must be 'first' or 'all', got {coordconv_layers!r}")
    if model == "conv":
        return nn.Conv2d, nn.Conv2d
    coord = functools.partial(CoordConv2d, with_r=with_r)
    return coord, (coord if coordconv_layers == "all" else nn.Conv2d)


def make_network(
    obs_shape: Sequence[int],
    num_actions: int,
    model: str = "conv",
    *,
    arch: str = "auto",
    coordconv_layers: str = "first",
    with_r: bool = False,
    coord_init: str = "paper",
) -> ActorCritic:
    """The A2C network: ``arch`` ``nature`` (84x84 Atari), ``small`` or ``auto`` (by image size).

    ``coord_init``: ``paper`` or ``zero``, how CoordConv coordinate weights start (module doc).
    """
    if len(obs_shape) != 3:
        raise UserError(f"expected image observations (C, H, W), got shape {tuple(obs_shape)}")
    if arch not in ARCHS:
        raise UserError(f"unknown arch {arch!r}; choose one of {', '.join(ARCHS)}")
    if coord_init not in COORD_INITS:
        raise UserError(
            f"unknown coord_init {coord_init!r}; choose one of {', '.join(COORD_INITS)}"
        )
    if arch == "auto":
        arch = "nature" if min(obs_shape[1:]) >= 36 else "small"
    if arch == "nature" and min(obs_shape[1:]) < 36:  # its 8/4, 4/2, 3/1 convs need 36 px
        raise UserError(
            f"--arch nature needs images of at least 36x36 px, this environment's are "
            f"{obs_shape[1]}x{obs_shape[2]}; use --arch small or auto"
        )
    first, rest = conv_layers_for(model, coordconv_layers, with_r)
    convs, hidden = (
        (NATURE_CONVS, NATURE_HIDDEN) if arch == "nature" else (SMALL_CONVS, SMALL_HIDDEN)
    )
    return ActorCritic(
        obs_shape,
        num_actions,
        convs=convs,
        hidden=hidden,
        conv_layer=rest,
        first_conv_layer=first,
        init=COORD_INITS[coord_init],
    )
