"""Clebsch-Gordan tensor products on features described by :class:`~equi_core.Irreps`.

A *path* ``l1 (x) l2 -> l3`` couples a degree-``l1`` block ``x`` and a degree-``l2`` block ``y`` into a
degree-``l3`` block through the real Clebsch-Gordan tensor ``C = clebsch_gordan(l1, l2, l3)``::

    z_k = c * sum_ij C_ijk x_i y_j

It exists only if ``|l1 - l2| <= l3 <= l1 + l2`` (selection rule) and the output parity is ``p1 * p2``.
Because ``C`` is invariant (``einsum('ijk,ia,jb,kc->abc', C, D1, D2, D3) == C``), every path is
equivariant: ``z(D1 x, D2 y) = D3 z(x, y)`` for every rotation, and for inversions too when the parities
multiply.

Two products are provided, both numerically identical (float64) to their e3nn counterparts:

* :func:`full_tensor_product` -- every path, no weights (e3nn ``o3.FullTensorProduct``), ``c = sqrt(2 l3 + 1)``
  (``irrep_normalization='component'``); the output keeps every ``(u, v)`` pair of multiplicities apart.
* :class:`FullyConnectedTensorProduct` -- every allowed path into a *given* output irreps, with a learned
  weight ``w_uvw`` per path and multiplicity triple (e3nn ``o3.FullyConnectedTensorProduct``,
  ``path_normalization='element'``: ``c = sqrt((2 l3 + 1) / fan_in)``, ``fan_in`` = sum of ``mul1 * mul2``
  over all paths that end in the same output block).

:func:`count_multiply_adds` counts the work of the naive (dense or sparse) Clebsch-Gordan contraction,
the O(L^6) cost that the Gaunt / FFT products (``equi_core.gaunt``) undercut.

Everything is numpy float64, batched over leading axes (they broadcast between the two inputs).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from typing import TYPE_CHECKING

import numpy as np

from .clebsch_gordan import clebsch_gordan
from .irreps import Irrep, Irreps, as_irreps, check_features

__all__ = [
    "TensorProductPath",
    "full_tensor_product_paths",
    "full_tensor_product",
    "FullyConnectedTensorProduct",
    "count_multiply_adds",
]

IrrepsLike = Irreps | str
IrrepLike = Irrep | str


# ----------------------------------------------------------------------------------------------
# paths
# ----------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class TensorProductPath:
    """One Clebsch-Gordan path ``irreps1[i1] (x) irreps2[i2] -> irreps_out[i_out]``.

    Attributes
    ----------
    i1, i2, i_out : int
        Indices of the :class:`MulIr` blocks in the first input, second input and output.
    l1, l2, l3 : int
        Degrees; always ``|l1 - l2| <= l3 <= l1 + l2``.
    p1, p2, p3 : int
        Parities (+1 even, -1 odd); always ``p3 == p1 * p2``.
    mul1, mul2, mul_out : int
        Multiplicities of the three blocks.
    path_weight : float
        The normalization constant ``c`` multiplying ``sum_ij C_ijk x_i y_j``.
    """

    i1: int
    i2: int
    i_out: int
    l1: int
    l2: int
    l3: int
    p1: int
    p2: int
    p3: int
    mul1: int
    mul2: int
    mul_out: int
    path_weight: float


def full_tensor_product_paths(
    irreps1: IrrepsLike, irreps2: IrrepsLike, filter_ir_out: Iterable[IrrepLike] | None = None
) -> tuple[Irreps, Irreps, Irreps, tuple[TensorProductPath, ...]]:
    """The output irreps and the paths of the full (unweighted) tensor product, in e3nn's layout.

    The inputs are simplified first (neighbouring equal irreps merged; the data layout is unchanged).
    For every pair of input blocks and every ``ir3`` in ``ir1 * ir2`` (allowed by the selection rule and
    parity, and in ``filter_ir_out`` when given) there is one output block ``(mul1 * mul2) x ir3``.
    The output blocks are then stably sorted by ``(l, p)`` (odd before even), exactly like e3nn's
    ``FullTensorProduct``.

    Returns
    -------
    irreps1, irreps2 : Irreps
        The simplified inputs.
    irreps_out : Irreps
        Sorted, not simplified (one block per path).
    paths : tuple of TensorProductPath
        In input order (``i1`` outer, ``i2``, then increasing ``l3``); ``path_weight = sqrt(2 l3 + 1)``.

    Examples
    --------
    >>> from equi_core.o3.tensor_product import full_tensor_product_paths
    >>> _, _, irreps_out, paths = full_tensor_product_paths("1o", "1o")
    >>> str(irreps_out), len(paths)
    ('1x0e + 1x1e + 1x2e', 3)
    """
    irreps1 = as_irreps(irreps1, "irreps1", allow_lmax=True).simplify()
    irreps2 = as_irreps(irreps2, "irreps2", allow_lmax=True).simplify()
    filt = None if filter_ir_out is None else {Irrep(ir) for ir in filter_ir_out}
    raw = []
    for i1, mi1 in enumerate(irreps1):
        for i2, mi2 in enumerate(irreps2):
            for ir3 in mi1.ir * mi2.ir:
                if filt is not None and ir3 not in filt:
                    continue
                raw.append((i1, i2, mi1, mi2, ir3))
    # stable sort of the output blocks by (l, p), as e3nn's Irreps.sort
    order = sorted(range(len(raw)), key=lambda k: (raw[k][4].l, raw[k][4].p, k))
    position = {k: pos for pos, k in enumerate(order)}
    out_pairs = [(raw[k][2].mul * raw[k][3].mul, raw[k][4]) for k in order]
    paths = tuple(
        TensorProductPath(
            i1=i1,
            i2=i2,
            i_out=position[k],
            l1=mi1.ir.l,
            l2=mi2.ir.l,
            l3=ir3.l,
            p1=mi1.ir.p,
            p2=mi2.ir.p,
            p3=ir3.p,
            mul1=mi1.mul,
            mul2=mi2.mul,
            mul_out=mi1.mul * mi2.mul,
            path_weight=float(np.sqrt(2 * ir3.l + 1)),
        )
        for k, (i1, i2, mi1, mi2, ir3) in enumerate(raw)
    )
    irreps_out = Irreps(out_pairs)
    return irreps1, irreps2, irreps_out, paths


def full_tensor_product(
    irreps1: IrrepsLike,
    x1: np.ndarray,
    irreps2: IrrepsLike,
    x2: np.ndarray,
    filter_ir_out: Iterable[IrrepLike] | None = None,
) -> tuple[Irreps, np.ndarray]:
    """Full Clebsch-Gordan tensor product of two features (every path, no weights).

    Each output block of path ``(i1, i2, l3)`` holds, for every multiplicity pair ``(u, v)``
    (``u`` outer)::

        out[..., u, v, k] = sqrt(2 l3 + 1) * sum_ij C_ijk x1[..., u, i] x2[..., v, j]

    with ``C = clebsch_gordan(l1, l2, l3)``. This is e3nn's ``o3.FullTensorProduct(irreps1, irreps2,
    filter_ir_out)`` (``irrep_normalization='component'``), same output layout.

    Parameters
    ----------
    irreps1, irreps2 : Irreps or str
        Descriptions of the two inputs.
    x1 : ndarray, shape (..., irreps1.dim)
    x2 : ndarray, shape (..., irreps2.dim)
        Leading axes broadcast against each other.
    filter_ir_out : iterable of Irrep or str, optional
        Keep only these output irreps (e.g. ``["1e"]`` for the cross product of two ``1o``).

    Returns
    -------
    irreps_out : Irreps
        See :func:`full_tensor_product_paths` (sorted by ``(l, p)``).
    out : ndarray, shape (..., irreps_out.dim), float64

    Invariants
    ----------
    Equivariance: for every ``g`` in O(3), ``out(D1(g) x1, D2(g) x2) = D_out(g) out(x1, x2)``;
    bilinear in ``(x1, x2)``. Example: ``1o (x) 1o -> 1e`` equals ``cross(u, w) / sqrt(2)``,
    ``1o (x) 1o -> 0e`` equals ``dot(u, w) / sqrt(3)``.

    Raises
    ------
    ValueError
        If an irreps string is malformed or a feature's last axis does not match its irreps dimension.

    Examples
    --------
    >>> from equi_core import Irreps, full_tensor_product, random_o3
    >>> irreps, z = full_tensor_product("1o", [1.0, 2.0, 3.0], "1o", [0.5, -1.0, 2.0])
    >>> str(irreps)
    '1x0e + 1x1e + 1x2e'
    >>> g = random_o3(2, rng=0)[1]  # an improper element: parity acts
    >>> u, v = np.array([1.0, 2.0, 3.0]) @ g.T, np.array([0.5, -1.0, 2.0]) @ g.T
    >>> _, z_rot = full_tensor_product("1o", u, "1o", v)
    >>> float(np.abs(z_rot - irreps.D_from_matrix(g) @ z).max()) < 1e-13
    True
    """
    irreps1, irreps2, irreps_out, paths = full_tensor_product_paths(irreps1, irreps2, filter_ir_out)
    x1 = check_features(x1, irreps1, "x1")
    x2 = check_features(x2, irreps2, "x2")
    batch = np.broadcast_shapes(x1.shape[:-1], x2.shape[:-1])
    out = np.zeros(batch + (irreps_out.dim,), dtype=np.float64)
    s1, s2, so = irreps1.slices(), irreps2.slices(), irreps_out.slices()
    for p in paths:
        a = x1[..., s1[p.i1]].reshape(x1.shape[:-1] + (p.mul1, 2 * p.l1 + 1))
        b = x2[..., s2[p.i2]].reshape(x2.shape[:-1] + (p.mul2, 2 * p.l2 + 1))
        c = clebsch_gordan(p.l1, p.l2, p.l3) * p.path_weight
        z = np.einsum("...ui,...vj,ijk->...uvk", a, b, c, optimize=True)
        out[..., so[p.i_out]] = z.reshape(batch + (-1,))
    return irreps_out, out


# ----------------------------------------------------------------------------------------------
# weighted, fully connected
# ----------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class FullyConnectedTensorProduct:
    """Weighted tensor product with every allowed path into a fixed output irreps (e3nn's ``uvw`` mode).

    For each path ``irreps1[i1] (x) irreps2[i2] -> irreps_out[i_out]`` (selection rule and parity)::

        out[..., w, k] += c * sum_{u, v} W[u, v, w] * sum_ij C_ijk x1[..., u, i] x2[..., v, j]

    with ``c = sqrt((2 l3 + 1) / fan_in)`` and ``fan_in = sum(mul1 * mul2)`` over the paths into block
    ``i_out`` (e3nn ``irrep_normalization='component'``, ``path_normalization='element'``). Output blocks
    no path reaches are zero.

    The object is an immutable *configuration*: the weights are passed to :meth:`__call__` as one flat
    vector of length :attr:`weight_numel` (paths in order ``i1``, ``i2``, ``i_out``; each path's block is a
    C-ordered ``(mul1, mul2, mul_out)`` array), exactly e3nn's ``weight`` layout, so the same vector
    gives the same result in both libraries.

    Parameters
    ----------
    irreps1, irreps2, irreps_out : Irreps or str
        Not simplified (the block structure is part of the weight layout, as in e3nn).

    Invariants
    ----------
    For every weight vector and every ``g`` in O(3):
    ``tp(D1(g) x1, D2(g) x2, W) = D_out(g) tp(x1, x2, W)``; linear in each of ``x1``, ``x2``, ``W``.

    Examples
    --------
    >>> from equi_core import FullyConnectedTensorProduct, random_o3
    >>> tp = FullyConnectedTensorProduct("2x1o", "1x1o", "3x0e + 1x1e")
    >>> tp.weight_numel  # 2 x 1 x 3 paths to 0e, 2 x 1 x 1 to 1e
    8
    >>> rng = np.random.default_rng(0)
    >>> w, x, y = rng.standard_normal(8), rng.standard_normal((4, 6)), rng.standard_normal((4, 3))
    >>> g = random_o3(1, rng=1)[0]
    >>> Dx, Dy, Dz = (irreps.D_from_matrix(g) for irreps in (tp.irreps1, tp.irreps2, tp.irreps_out))
    >>> float(np.abs(tp(x @ Dx.T, y @ Dy.T, w) - tp(x, y, w) @ Dz.T).max()) < 1e-13
    True
    """

    irreps1: Irreps
    irreps2: Irreps
    irreps_out: Irreps
    paths: tuple[TensorProductPath, ...] = field(init=False, repr=False)
    weight_numel: int = field(init=False)

    if TYPE_CHECKING:  # the constructor also takes irreps strings; __post_init__ converts them

        def __init__(self, irreps1: IrrepsLike, irreps2: IrrepsLike, irreps_out: IrrepsLike) -> None: ...

    def __post_init__(self) -> None:
        irreps1 = as_irreps(self.irreps1, "irreps1", allow_lmax=True)
        irreps2 = as_irreps(self.irreps2, "irreps2", allow_lmax=True)
        irreps_out = as_irreps(self.irreps_out, "irreps_out", allow_lmax=True)
        object.__setattr__(self, "irreps1", irreps1)
        object.__setattr__(self, "irreps2", irreps2)
        object.__setattr__(self, "irreps_out", irreps_out)
        raw = [
            (i1, i2, io, m1, m2, mo)
            for i1, m1 in enumerate(irreps1)
            for i2, m2 in enumerate(irreps2)
            for io, mo in enumerate(irreps_out)
            if mo.ir in list(m1.ir * m2.ir)
        ]
        fan_in: dict[int, int] = {}
        for _i1, _i2, io, m1, m2, _mo in raw:
            fan_in[io] = fan_in.get(io, 0) + m1.mul * m2.mul
        paths = []
        for i1, i2, io, m1, m2, mo in raw:
            fi = fan_in[io]
            c = float(np.sqrt((2 * mo.ir.l + 1) / fi)) if fi > 0 else 0.0
            paths.append(
                TensorProductPath(
                    i1=i1,
                    i2=i2,
                    i_out=io,
                    l1=m1.ir.l,
                    l2=m2.ir.l,
                    l3=mo.ir.l,
                    p1=m1.ir.p,
                    p2=m2.ir.p,
                    p3=mo.ir.p,
                    mul1=m1.mul,
                    mul2=m2.mul,
                    mul_out=mo.mul,
                    path_weight=c,
                )
            )
        object.__setattr__(self, "paths", tuple(paths))
        object.__setattr__(self, "weight_numel", int(sum(p.mul1 * p.mul2 * p.mul_out for p in paths)))

    def random_weights(self, rng: int | np.random.Generator | None = None) -> np.ndarray:
        """Standard-normal weights of length :attr:`weight_numel` (e3nn's initialization)."""
        rng = np.random.default_rng(rng)
        return rng.standard_normal(self.weight_numel)

    def __call__(self, x1: np.ndarray, x2: np.ndarray, weights: np.ndarray) -> np.ndarray:
        """Apply the product.

        Parameters
        ----------
        x1 : ndarray, shape (..., irreps1.dim)
        x2 : ndarray, shape (..., irreps2.dim)
        weights : ndarray, shape (weight_numel,) (shared) or (..., weight_numel) (per sample, broadcast)

        Returns
        -------
        ndarray, shape (..., irreps_out.dim), float64
        """
        x1 = check_features(x1, self.irreps1, "x1")
        x2 = check_features(x2, self.irreps2, "x2")
        w = np.asarray(weights, dtype=np.float64)
        if w.ndim == 0 or w.shape[-1] != self.weight_numel:
            raise ValueError(
                f"weights must have shape (..., {self.weight_numel}) (weight_numel of {self}); got {w.shape}"
            )
        batch = np.broadcast_shapes(x1.shape[:-1], x2.shape[:-1], w.shape[:-1])
        out = np.zeros(batch + (self.irreps_out.dim,), dtype=np.float64)
        s1, s2, so = self.irreps1.slices(), self.irreps2.slices(), self.irreps_out.slices()
        offset = 0
        for p in self.paths:
            n = p.mul1 * p.mul2 * p.mul_out
            wp = w[..., offset : offset + n].reshape(w.shape[:-1] + (p.mul1, p.mul2, p.mul_out))
            offset += n
            a = x1[..., s1[p.i1]].reshape(x1.shape[:-1] + (p.mul1, 2 * p.l1 + 1))
            b = x2[..., s2[p.i2]].reshape(x2.shape[:-1] + (p.mul2, 2 * p.l2 + 1))
            c = clebsch_gordan(p.l1, p.l2, p.l3) * p.path_weight
            z = np.einsum("...ui,...vj,ijk,...uvw->...wk", a, b, c, wp, optimize=True)
            out[..., so[p.i_out]] += z.reshape(batch + (-1,))
        return out

    def __str__(self) -> str:
        return f"FullyConnectedTensorProduct({self.irreps1} x {self.irreps2} -> {self.irreps_out}, {self.weight_numel} weights)"


# ----------------------------------------------------------------------------------------------
# cost
# ----------------------------------------------------------------------------------------------
@lru_cache(maxsize=4096)
def _cg_nnz(l1: int, l2: int, l3: int) -> int:
    return int(np.count_nonzero(np.abs(clebsch_gordan(l1, l2, l3)) > 1e-14))


def count_multiply_adds(
    irreps1: IrrepsLike | int,
    irreps2: IrrepsLike | int | None = None,
    filter_ir_out: Iterable[IrrepLike] | None = None,
    *,
    sparse: bool = False,
) -> int:
    """Multiply-adds of the naive Clebsch-Gordan contraction of the full tensor product.

    Each path ``l1 (x) l2 -> l3`` of multiplicities ``mul1, mul2`` costs one multiply-add per term
    ``C_ijk x_i y_j`` that is summed: ``mul1 * mul2 * (2l1+1)(2l2+1)(2l3+1)`` for a dense ``C``
    (``sparse=False``) or ``mul1 * mul2 * nnz(C)`` when only the nonzero coefficients are visited.
    For ``irreps1 = irreps2 = L`` (spherical harmonics up to degree L) the dense count grows like
    ``L^6`` and the sparse one like ``L^5``.

    Parameters
    ----------
    irreps1 : Irreps, str or int
        An int ``L`` means ``Irreps.spherical_harmonics(L)`` (``0e + 1o + ... + L``).
    irreps2 : Irreps, str, int or None
        Defaults to ``irreps1``.
    filter_ir_out : iterable of Irrep or str, optional
        Count only the paths into these irreps (as :func:`full_tensor_product`).
    sparse : bool
        Count nonzero Clebsch-Gordan coefficients only.

    Returns
    -------
    int
        Nonnegative; 0 when there is no path.

    Examples
    --------
    >>> from equi_core import count_multiply_adds
    >>> count_multiply_adds("1o", "1o")  # (2l1+1)(2l2+1)(2l3+1) summed over l3 = 0, 1, 2: 3 * 3 * 9
    81
    >>> count_multiply_adds("1o", "1o", sparse=True)  # only the nonzero Clebsch-Gordan coefficients
    20
    """
    i1 = as_irreps(irreps1, "irreps1", allow_lmax=True)
    i2 = i1 if irreps2 is None else as_irreps(irreps2, "irreps2", allow_lmax=True)
    _, _, _, paths = full_tensor_product_paths(i1, i2, filter_ir_out)
    total = 0
    for p in paths:
        per = _cg_nnz(p.l1, p.l2, p.l3) if sparse else (2 * p.l1 + 1) * (2 * p.l2 + 1) * (2 * p.l3 + 1)
        total += p.mul1 * p.mul2 * per
    return int(total)
