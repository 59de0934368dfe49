"""The network of the depth experiment (Hypothesis 2): one irreps network whose *only* varying part is the
nonlinearity (norm, gate or tensor product) and, as its own factor, the residual connection.

:class:`NonlinearityNet` is :class:`equi_core.training.models.IrrepsNet` (edge spherical harmonics up to ``lmax``
times learned radial mixtures, channel-wise Clebsch-Gordan products with the density, an invariant RMS
normalization per degree before each layer, a vector readout) with ``nonlinearity`` one of

* ``"norm"`` -- :class:`equi_core.training.layers.NormActivation`: ``v -> silu(|v| + b) v/|v|`` (direction kept);
* ``"gate"`` -- :class:`equi_core.training.layers.Gate`: ``v -> v sigmoid(g)`` with a separate learned scalar ``g``;
* ``"tp"`` -- :class:`TensorProductActivation`: ``y -> y + W (y (x) y)``, the channel-wise CG self-product
  (a quadratic, direction-aware, equivariant nonlinearity; the MACE-style choice).

:func:`matched_channels` picks, per nonlinearity and depth, the channel count whose parameter count is closest to a
reference network's, so that the comparison is at matched parameter counts (the counts are recorded).
"""

from __future__ import annotations

import torch
from torch import nn

from .layers import ChannelwiseTensorProduct, PathMix
from .models import IrrepsNet, count_parameters

__all__ = ["TensorProductActivation", "NonlinearityNet", "matched_channels", "NONLINEARITIES"]

NONLINEARITIES = ("norm", "gate", "tp")


class TensorProductActivation(nn.Module):
    """``y -> y + W(y (x) y)``: the channel-wise Clebsch-Gordan product of the features with themselves, mixed per
    output degree by a learned :class:`PathMix`. Equivariant (a CG product of equivariant features), quadratic,
    and, unlike the norm nonlinearity, it responds to the *direction* of each vector relative to the others."""

    def __init__(self, lmax: int, channels: int) -> None:
        super().__init__()
        self.tp = ChannelwiseTensorProduct(lmax, lmax, lmax)
        self.mix = PathMix(self.tp.paths, self.tp.path_slices, channels, channels, lmax)

    def forward(self, x: torch.Tensor, gates: torch.Tensor | None = None) -> torch.Tensor:
        y, _ = self.mix(self.tp(x, x))
        return x + y


class NonlinearityNet(IrrepsNet):
    """:class:`IrrepsNet` with a vector readout, the per-degree RMS normalization on, and ``nonlinearity`` in
    :data:`NONLINEARITIES`. Equivariant for every choice: ``v(pos R^T) = v(pos) R^T`` (tested in float64).

    Example
    -------
    >>> net = NonlinearityNet(nonlinearity="tp", depth=2, channels=4, lmax=1, residual=False)
    >>> net.nonlinearity, net.depth
    ('tp', 2)
    """

    def __init__(
        self,
        nonlinearity: str = "gate",
        depth: int = 2,
        channels: int = 8,
        lmax: int = 2,
        residual: bool = True,
        n_radial: int = 4,
        cutoff: float = 1.0,
    ) -> None:
        if nonlinearity not in NONLINEARITIES:
            raise ValueError(f"nonlinearity must be one of {NONLINEARITIES}, got {nonlinearity!r}")
        super().__init__(
            lmax=lmax,
            channels=channels,
            depth=depth,
            nonlinearity="gate" if nonlinearity == "gate" else "norm",
            residual=residual,
            output="vector",
            n_radial=n_radial,
            cutoff=cutoff,
            normalize=True,
        )
        if nonlinearity == "tp":
            self.acts = nn.ModuleList(TensorProductActivation(lmax, channels) for _ in range(depth))
        self.nonlinearity = nonlinearity


def matched_channels(
    nonlinearity: str,
    depth: int,
    target_params: int,
    *,
    lmax: int = 2,
    residual: bool = True,
    n_radial: int = 4,
    choices: range = range(2, 65),
) -> tuple[int, int]:
    """``(channels, parameter count)`` of the :class:`NonlinearityNet` whose count is closest to ``target_params``
    (ties: fewer channels). Parameter counts do not depend on ``residual``; it is accepted for clarity."""
    best: tuple[int, int] | None = None
    for c in choices:
        n = count_parameters(NonlinearityNet(nonlinearity, depth, c, lmax, residual, n_radial))
        if best is None or abs(n - target_params) < abs(best[1] - target_params):
            best = (c, n)
        if n > 2 * target_params:
            break
    assert best is not None
    return best
