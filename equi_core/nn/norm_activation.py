"""Norm nonlinearity: ``sigma(|v| + b) v / |v|`` on every irrep copy; equivariant under O(3) for every ``sigma``."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import ArrayLike

from ..o3.irreps import Irreps, as_irreps, check_features
from ._common import Activation, Array, IrrepsLike
from .activations import as_activation

__all__ = ["NormActivation", "norm_nonlinearity"]


def norm_nonlinearity(
    x: ArrayLike,
    irreps: IrrepsLike = "1x1o",
    sigma: str | Activation = "relu",
    bias: float = -1.0,
    eps: float = 1e-12,
) -> Array:
    """``sigma(|v| + bias) * v / |v|`` on every irrep copy ``v`` (a block of ``2l+1`` numbers).

    Parameters
    ----------
    x : ndarray, shape (..., irreps.dim)
    irreps : Irreps or str
        Default ``'1x1o'``: ``x`` is a batch of 3-vectors.
    sigma : str or callable
        Scalar function of the (shifted) norm; names in :data:`ACTIVATIONS`. The default
        ``relu(|v| - 1)`` is the "norm-ReLU": it shortens every vector by 1 and kills those shorter than 1.
    bias : float
        Added to the norm before ``sigma``.
    eps : float
        The norm is clamped below at ``eps`` in the denominator, so ``v = 0`` gives exactly 0 (never NaN).

    Returns
    -------
    ndarray, same shape as ``x``, float64

    Invariants
    ----------
    Equivariant under O(3) for every ``sigma`` (the factor depends on ``|v|`` only, which every ``D`` keeps;
    for a scalar it is ``sigma(|s| + b) sign(s)``, an odd function, so ``0o`` stays legal).
    Preserves every direction: the output is a nonnegative-or-nonpositive multiple of ``v``.
    Finite for finite input, including ``v = 0``.

    Examples
    --------
    >>> from equi_core import equivariance_error, norm_nonlinearity
    >>> norm_nonlinearity([3.0, 0.0, 4.0])  # relu(|v| - 1) v / |v| = 4/5 of v
    array([2.4, 0. , 3.2])
    >>> norm_nonlinearity([0.0, 0.0, 0.0])  # no NaN at the origin
    array([0., 0., 0.])
    >>> irreps = "2x1o + 1x2e"
    >>> equivariance_error(lambda x: norm_nonlinearity(x, irreps), irreps, irreps, rng=0).absolute < 1e-13
    True
    """
    irreps = as_irreps(irreps)
    x = check_features(x, irreps)
    if not (isinstance(eps, (int, float)) and eps > 0 and np.isfinite(eps)):
        raise ValueError(f"eps must be a positive finite number, got {eps!r}")
    f = as_activation(sigma)
    out = np.empty_like(x)
    for mul_ir, sl in zip(irreps, irreps.slices()):
        d = 2 * mul_ir.ir.l + 1
        v = x[..., sl].reshape(x.shape[:-1] + (mul_ir.mul, d))
        n = np.sqrt(np.sum(v * v, axis=-1, keepdims=True))
        factor = np.asarray(f(n + bias), dtype=np.float64) / np.maximum(n, eps)
        out[..., sl] = (factor * v).reshape(x.shape[:-1] + (-1,))
    return out


@dataclass(frozen=True)
class NormActivation:
    """Layer form of :func:`norm_nonlinearity` (``irreps_out == irreps_in``); equivariant under O(3).

    Examples
    --------
    >>> from equi_core import NormActivation
    >>> NormActivation("2x1o")([3.0, 0.0, 4.0, 0.0, 0.0, 0.5])  # |v| = 5 shrinks to 4; |v| = 0.5 dies
    array([2.4, 0. , 3.2, 0. , 0. , 0. ])
    """

    irreps_in: Irreps
    sigma: str = "relu"
    bias: float = -1.0
    eps: float = 1e-12

    if TYPE_CHECKING:  # the constructor also takes irreps strings; __post_init__ converts them

        def __init__(
            self, irreps_in: IrrepsLike, sigma: str = "relu", bias: float = -1.0, eps: float = 1e-12
        ) -> None: ...

    def __post_init__(self) -> None:
        object.__setattr__(self, "irreps_in", as_irreps(self.irreps_in))
        as_activation(self.sigma)

    @property
    def irreps_out(self) -> Irreps:
        return self.irreps_in

    def __call__(self, x: ArrayLike) -> Array:
        return norm_nonlinearity(x, self.irreps_in, self.sigma, self.bias, self.eps)
