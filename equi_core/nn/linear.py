"""Equivariant linear layer: mixes the copies of each irrep, never different irreps; a bias only on ``0e``."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, cast

import numpy as np
from numpy.typing import ArrayLike

from ..o3.irreps import Irreps, as_irreps, check_features
from ._common import Array, IrrepsLike, RngLike, readonly

__all__ = ["EquivariantLinear"]


@dataclass(frozen=True, eq=False)
class EquivariantLinear:
    """Equivariant linear map: mixes the copies of each irrep, with a bias only on ``0e``.

    For every output block ``j`` (``mul_out x ir``)::

        out_j[w] = sum over input blocks i with the same ir of  sum_u W_ij[u, w] x_i[u] / sqrt(fan_in_j)
                   (+ b_j[w] if ir == 0e)

    ``fan_in_j`` = total input multiplicity of that irrep (e3nn's ``o3.Linear``, ``path_normalization='element'``;
    the same flat ``weight`` and ``bias`` give the same numbers). Output blocks with no matching input are zero
    (plus their bias).

    Parameters
    ----------
    irreps_in, irreps_out : Irreps or str
    weight : ndarray, shape (weight_numel,)
        Paths in order (input block outer, output block inner), each a C-ordered ``(mul_in, mul_out)`` array.
    bias : ndarray, shape (bias_numel,)
        One number per ``0e`` output copy (zeros if omitted).

    Invariants
    ----------
    Equivariant under O(3) for every weight and bias (Schur: only maps between equal irreps commute with
    every ``D``; only ``0e`` constants are invariant). Stored weights are read-only.

    Examples
    --------
    >>> from equi_core import EquivariantLinear, equivariance_error
    >>> lin = EquivariantLinear.random("2x0e + 1x1o", "1x0e + 3x1o", rng=0)
    >>> lin.weight_numel, lin.bias_numel  # 2 x 1 scalar paths + 1 x 3 vector paths; a bias on the one 0e output
    (5, 1)
    >>> equivariance_error(lin, lin.irreps_in, lin.irreps_out, rng=0).absolute < 1e-13
    True
    """

    irreps_in: Irreps
    irreps_out: Irreps
    weight: Array
    bias: Array | None = None
    paths: tuple[tuple[int, int, float], ...] = field(init=False, repr=False)

    if TYPE_CHECKING:  # the constructor also takes irreps strings; __post_init__ converts them

        def __init__(
            self, irreps_in: IrrepsLike, irreps_out: IrrepsLike, weight: ArrayLike, bias: ArrayLike | None = None
        ) -> None: ...

    def __post_init__(self) -> None:
        irreps_in = as_irreps(self.irreps_in, "irreps_in")
        irreps_out = as_irreps(self.irreps_out, "irreps_out")
        object.__setattr__(self, "irreps_in", irreps_in)
        object.__setattr__(self, "irreps_out", irreps_out)
        raw = [(i, j) for i, mi in enumerate(irreps_in) for j, mo in enumerate(irreps_out) if mi.ir == mo.ir]
        fan: dict[int, int] = {}
        for i, j in raw:
            fan[j] = fan.get(j, 0) + irreps_in[i].mul
        paths = tuple((i, j, float(fan[j] ** -0.5) if fan[j] > 0 else 1.0) for i, j in raw)
        object.__setattr__(self, "paths", paths)
        w = readonly(np.ravel(self.weight))
        if w.shape != (self.weight_numel,):
            raise ValueError(
                f"weight must have {self.weight_numel} numbers for {irreps_in} -> {irreps_out}, got {w.size}"
            )
        object.__setattr__(self, "weight", w)
        b = np.zeros(self.bias_numel) if self.bias is None else np.ravel(self.bias)
        if b.shape != (self.bias_numel,):
            raise ValueError(f"bias must have {self.bias_numel} numbers (one per 0e output copy), got {b.size}")
        object.__setattr__(self, "bias", readonly(b))

    @property
    def weight_numel(self) -> int:
        return int(sum(self.irreps_in[i].mul * self.irreps_out[j].mul for i, j, _ in self.paths))

    @property
    def bias_numel(self) -> int:
        return int(sum(m.mul for m in self.irreps_out if m.ir.l == 0 and m.ir.p == 1))

    @classmethod
    def random(
        cls, irreps_in: IrrepsLike, irreps_out: IrrepsLike, rng: RngLike = None, *, bias: bool = True
    ) -> EquivariantLinear:
        """Standard-normal weights (and biases, if ``bias``), seeded by ``rng``."""
        rng = np.random.default_rng(rng)
        shell = cls(
            as_irreps(irreps_in, "irreps_in"),
            as_irreps(irreps_out, "irreps_out"),
            np.zeros(_linear_numel(irreps_in, irreps_out)),
        )
        w = rng.standard_normal(shell.weight_numel)
        b = rng.standard_normal(shell.bias_numel) if bias else None
        return cls(shell.irreps_in, shell.irreps_out, w, b)

    def __call__(self, x: ArrayLike) -> Array:
        x = check_features(x, self.irreps_in)
        out = np.zeros(x.shape[:-1] + (self.irreps_out.dim,))
        si, so = self.irreps_in.slices(), self.irreps_out.slices()
        off = 0
        for i, j, c in self.paths:
            mi, mo = self.irreps_in[i], self.irreps_out[j]
            n = mi.mul * mo.mul
            w = self.weight[off : off + n].reshape(mi.mul, mo.mul)
            off += n
            xi = x[..., si[i]].reshape(x.shape[:-1] + (mi.mul, 2 * mi.ir.l + 1))
            out[..., so[j]] += c * np.einsum("uw,...ui->...wi", w, xi).reshape(x.shape[:-1] + (-1,))
        bias = cast(Array, self.bias)  # __post_init__ replaced None by zeros
        off = 0
        for j, mo in enumerate(self.irreps_out):
            if mo.ir.l == 0 and mo.ir.p == 1:
                out[..., so[j]] += bias[off : off + mo.mul]
                off += mo.mul
        return out


def _linear_numel(irreps_in: IrrepsLike, irreps_out: IrrepsLike) -> int:
    a, b = as_irreps(irreps_in, "irreps_in"), as_irreps(irreps_out, "irreps_out")
    return int(sum(mi.mul * mo.mul for mi in a for mo in b if mi.ir == mo.ir))
