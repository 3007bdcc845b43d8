"""RMSprop as TensorFlow 1 computes it: the optimiser of OpenAI baselines' A2C (S8).

The paper (S8) trained with "OpenAI baselines implementation and default parameters"; baselines'
A2C builds ``tf.train.RMSPropOptimizer(learning_rate, decay=alpha, epsilon=epsilon)`` (alpha
0.99, epsilon 1e-5). TensorFlow 1's RMSProp (``ApplyRMSProp``) differs from
``torch.optim.RMSprop`` in two places:

- the mean square ``ms`` starts at **1** (TF's "rms" slot uses a ones initializer), not at 0;
- epsilon is added **inside** the square root: ``var -= lr * g / sqrt(ms + eps)``, where torch
  divides by ``sqrt(ms) + eps``.

Both matter at baselines' settings. Starting at 0 makes torch's first steps about
``lr / sqrt(1 - alpha) = 10 lr`` per weight whatever the gradient's size (``ms`` is then only
``(1 - alpha) g^2``), i.e. the early updates are ten times larger than TF's; with eps 1e-5 inside
the root, TF damps weights whose gradient RMS is below ``sqrt(1e-5) ~ 3e-3``, where torch's eps
(outside) only matters below 1e-5. stable-baselines3 ships the same correction
(``RMSpropTFLike``, "for stabler learning than with the PyTorch RMSProp" with A2C); this is our
own minimal version (no momentum, no centring: baselines used neither). The measured effect on
our runs is in the package README.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

import torch

from coordconv_rl.games import TINY_ENV_ID
from coordconv_train import UserError


class RMSpropTF(torch.optim.Optimizer):
    """TF1 RMSProp without momentum: ``ms = alpha ms + (1 - alpha) g^2`` from ``ms = 1``,
    then ``p -= lr * g / sqrt(ms + eps)``. State: ``square_avg`` per parameter."""

    def __init__(
        self,
        params: Iterable[torch.nn.Parameter] | Iterable[dict[str, Any]],
        lr: float = 7e-4,
        alpha: float = 0.99,
        eps: float = 1e-5,
    ) -> None:
        if lr < 0.0:
            raise ValueError(f"invalid learning rate {lr}")
        if not 0.0 <= alpha < 1.0:
            raise ValueError(f"invalid alpha {alpha}: need 0 <= alpha < 1")
        if eps < 0.0:
            raise ValueError(f"invalid eps {eps}")
        super().__init__(params, {"lr": lr, "alpha": alpha, "eps": eps})

    @torch.no_grad()
    def step(self, closure: Callable[[], float] | None = None) -> float | None:  # type: ignore[override]
        """One update of every parameter that has a gradient."""
        loss = None
        if closure is not None:
            with torch.enable_grad():
                loss = closure()
        for group in self.param_groups:
            lr, alpha, eps = group["lr"], group["alpha"], group["eps"]
            for p in group["params"]:
                if p.grad is None:
                    continue
                grad = p.grad
                state = self.state[p]
                if "square_avg" not in state:  # TF's "rms" slot: ones, not zeros
                    state["square_avg"] = torch.ones_like(p, memory_format=torch.preserve_format)
                square_avg = state["square_avg"]
                square_avg.mul_(alpha).addcmul_(grad, grad, value=1.0 - alpha)
                p.addcdiv_(grad, square_avg.add(eps).sqrt_(), value=-lr)  # eps inside the root
        return loss


def make_optimizer(
    name: str, params: Iterable[torch.nn.Parameter], *, lr: float, alpha: float, eps: float
) -> torch.optim.Optimizer:
    """``rmsprop-tf`` (:class:`RMSpropTF`, baselines') or ``rmsprop-torch`` (``torch.optim.RMSprop``)."""
    if name == "rmsprop-tf":
        return RMSpropTF(params, lr=lr, alpha=alpha, eps=eps)
    if name == "rmsprop-torch":
        return torch.optim.RMSprop(params, lr=lr, alpha=alpha, eps=eps)
    raise UserError(f"unknown optimizer {name!r}; choose one of {', '.join(OPTIMIZERS)}")


OPTIMIZERS: tuple[str, ...] = ("rmsprop-tf", "rmsprop-torch")


def optimizer_for(choice: str, env_id: str) -> str:
    """Resolve ``auto``: ``rmsprop-tf`` on Atari (baselines'), ``rmsprop-torch`` on TargetReach.

    On TargetReach (rewards of 0.1 and 1, not Atari's clipped +-1) the TF maths at baselines'
    lr 7e-4 left the policy at chance for 200k frames (mean square started at 1, eps 1e-5 inside
    the root: steps of weights with small gradients stay far below lr), where torch's RMSprop
    learns in 40k; measured in the package README. The optimiser is the same for every agent.
    """
    if choice == "auto":
        return "rmsprop-torch" if env_id == TINY_ENV_ID else "rmsprop-tf"
    if choice not in OPTIMIZERS:
        raise UserError(
            f"unknown optimizer {choice!r}; choose auto or one of {', '.join(OPTIMIZERS)}"
        )
    return choice
