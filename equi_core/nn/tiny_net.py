"""A small seeded O(3)-equivariant feed-forward network assembled from the layers of :mod:`equi_core.nn`."""

from __future__ import annotations

import numpy as np

from .._checks import check_int
from ..o3.irreps import Irreps, as_irreps
from ._common import IrrepsLike
from .gate import Gate
from .linear import EquivariantLinear
from .norm_activation import NormActivation
from .sequential import Sequential
from .tensor_square import TensorSquare

__all__ = ["tiny_equivariant_net"]


def tiny_equivariant_net(
    irreps_in: IrrepsLike = "1x1o",
    irreps_out: IrrepsLike = "1x0e + 1x1o",
    *,
    mul: int = 2,
    lmax: int = 2,
    depth: int = 2,
    seed: int = 0,
) -> Sequential:
    """A small seeded feed-forward O(3)-equivariant network assembled from this module's blocks.

    Each of the ``depth`` hidden layers is ``EquivariantLinear -> Gate -> TensorSquare`` (residual): the gate uses
    ``silu`` on ``0e`` scalars, ``tanh`` on ``0o`` pseudo-scalars and ``sigmoid`` gates on every copy of
    ``l = 1..lmax`` (both parities); the tensor square mixes degrees. The head is
    ``NormActivation -> EquivariantLinear`` to ``irreps_out``.

    Parameters
    ----------
    irreps_in, irreps_out : Irreps or str
    mul : int
        Copies of each hidden irrep, 1..8.
    lmax : int
        Highest hidden degree, 1..4.
    depth : int
        Hidden layers, 1..6.
    seed : int
        Same seed, same network.

    Invariants
    ----------
    ``net(x @ D_in(g).T) == net(x) @ D_out(g).T`` to ~1e-13 for every g in O(3) (tested).

    Examples
    --------
    >>> from equi_core import equivariance_error, tiny_equivariant_net
    >>> net = tiny_equivariant_net("1x1o", "1x0e + 1x1o", seed=0)
    >>> str(net.irreps_in), str(net.irreps_out)
    ('1x1o', '1x0e + 1x1o')
    >>> equivariance_error(net, net.irreps_in, net.irreps_out, n=8, rng=0).relative < 1e-12
    True
    """
    mul, lmax, depth = check_int(mul, "mul", 1, 8), check_int(lmax, "lmax", 1, 4), check_int(depth, "depth", 1, 6)
    rng = np.random.default_rng(seed)
    gated = " + ".join(f"{mul}x{l}{p}" for l in range(1, lmax + 1) for p in ("e", "o"))
    n_gated = 2 * lmax * mul
    gate = Gate(Irreps(f"{mul}x0e + {mul}x0o"), ("silu", "tanh"), Irreps(f"{n_gated}x0e"), "sigmoid", Irreps(gated))
    hidden = gate.irreps_out
    layers: list = []
    prev = as_irreps(irreps_in, "irreps_in")
    for _ in range(depth):
        layers.append(EquivariantLinear.random(prev, gate.irreps_in, rng))
        layers.append(gate)
        layers.append(TensorSquare.random(hidden, hidden, rng, residual=True))
        prev = hidden
    layers.append(NormActivation(hidden, "tanh", 0.0))
    layers.append(EquivariantLinear.random(hidden, irreps_out, rng))
    return Sequential(tuple(layers))
