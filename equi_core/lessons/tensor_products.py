"""What the tensor-product lesson shows: ``1 (x) 1 = 0 + 1 + 2`` on two vectors, the path census, timings, fits.

The product kernels themselves (Gaunt and Clebsch-Gordan products, their counts) live in
:mod:`equi_core.o3.gaunt` and :mod:`equi_core.o3.tensor_product`.
"""

from __future__ import annotations

import math
import time
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

from .._checks import check_int
from ..o3.clebsch_gordan import clebsch_gordan
from ..o3.gaunt import cg_full_product, count_cg_operations, count_gaunt_operations, gaunt_path_constant, gaunt_product
from ..o3.wigner import wigner_D

__all__ = [
    "VectorCouplingRow",
    "couple_two_vectors",
    "PathCensus",
    "path_census",
    "ProductTiming",
    "time_products",
    "fit_power_law",
]

Array = NDArray[np.float64]


@dataclass(frozen=True)
class VectorCouplingRow:
    """One output of ``1o (x) 1o`` for two vectors ``u, v``.

    Attributes
    ----------
    l3 : int
    irrep : str
        ``'0e'`` (dot), ``'1e'`` (cross, a pseudovector), ``'2e'`` (symmetric traceless).
    name : str
    cg : ndarray (2 l3 + 1,)
        ``z_k = sum_ij C(1,1,l3)_ijk u_i v_j``.
    cartesian : ndarray (2 l3 + 1,)
        The same from the textbook formula: ``u.v / sqrt(3)``, ``(u x v) / sqrt(6)``, and the five
        ``l = 2`` components of ``(u v^T + v u^T)/2 - (u.v/3) I`` in the basis of ``C(1,1,2)``.
    equivariance_error : float
        ``max |z(R u, R v) - D^l3(R) z(u, v)|`` for the given rotation (~1e-16: every CG path is equivariant).
    gaunt : ndarray (2 l3 + 1,)
        The Gaunt product's degree-l3 output on the same vectors (as degree-1 coefficient vectors): a multiple
        of ``cg`` for l3 = 0, 2; exactly zero for l3 = 1.
    gaunt_constant : float
        ``kappa(1, 1, l3)`` (0 for l3 = 1).
    """

    l3: int
    irrep: str
    name: str
    cg: Array
    cartesian: Array
    equivariance_error: float
    gaunt: Array
    gaunt_constant: float


def _symmetric_traceless_components(u: Array, v: Array) -> Array:
    """``sum_ij C(1,1,2)_ijk S_ij`` for ``S = (u v^T + v u^T)/2 - (u.v/3) I`` (only S's l=2 part survives)."""
    S = 0.5 * (np.outer(u, v) + np.outer(v, u)) - np.dot(u, v) / 3.0 * np.eye(3)
    return np.einsum("ijk,ij->k", clebsch_gordan(1, 1, 2), S)


def couple_two_vectors(u: ArrayLike, v: ArrayLike, R: ArrayLike) -> list[VectorCouplingRow]:
    """Decompose ``u (x) v`` (two ``1o`` vectors) into ``0e + 1e + 2e`` and check each output's equivariance.

    Parameters
    ----------
    u, v : array (3,)
        Finite vectors (zero allowed: every output is then zero).
    R : array (3, 3)
        A rotation for the equivariance check.

    Returns
    -------
    list of VectorCouplingRow
        For l3 = 0, 1, 2. ``cg`` and ``cartesian`` agree to rounding; ``equivariance_error`` is ~1e-16 relative.
    """
    u = np.asarray(u, dtype=np.float64).reshape(-1)
    v = np.asarray(v, dtype=np.float64).reshape(-1)
    if u.shape != (3,) or v.shape != (3,) or not (np.all(np.isfinite(u)) and np.all(np.isfinite(v))):
        raise ValueError("u and v must be three finite numbers each")
    R = np.asarray(R, dtype=np.float64)
    D_R = {l: wigner_D(l, R) for l in (0, 1, 2)}
    # degree-1 'integral' coefficients of the function f(x) = u . x (up to the constant sqrt(4 pi / 3))
    x1 = np.concatenate([[0.0], u])
    x2 = np.concatenate([[0.0], v])
    gaunt_out = gaunt_product(x1, x2, L_out=2)
    names = {
        0: ("0e", "dot product (scalar)"),
        1: ("1e", "cross product (pseudovector)"),
        2: ("2e", "symmetric traceless part (5 numbers)"),
    }
    cartesian = {
        0: np.array([np.dot(u, v) / math.sqrt(3.0)]),
        1: np.cross(u, v) / math.sqrt(6.0),
        2: _symmetric_traceless_components(u, v),
    }
    rows = []
    for l3 in (0, 1, 2):
        C = clebsch_gordan(1, 1, l3)
        z = np.einsum("ijk,i,j->k", C, u, v)
        z_rot = np.einsum("ijk,i,j->k", C, R @ u, R @ v)
        err = float(np.max(np.abs(z_rot - D_R[l3] @ z)))
        rows.append(
            VectorCouplingRow(
                l3=l3,
                irrep=names[l3][0],
                name=names[l3][1],
                cg=z,
                cartesian=cartesian[l3],
                equivariance_error=err,
                gaunt=gaunt_out[l3 * l3 : (l3 + 1) ** 2],
                gaunt_constant=gaunt_path_constant(1, 1, l3),
            )
        )
    return rows


@dataclass(frozen=True)
class PathCensus:
    """The SO(3) paths ``l1 (x) l2 -> l3`` with ``l1, l2, l3 <= L``.

    Attributes
    ----------
    total, even, odd : int
        Counts (``even``: ``l1 + l2 + l3`` even, computed by both products; ``odd``: lost by Gaunt).
    lost : tuple of (l1, l2, l3)
        The odd paths, sorted.
    """

    L: int
    total: int
    even: int
    odd: int
    lost: tuple[tuple[int, int, int], ...]


def path_census(L: int) -> PathCensus:
    """Which paths the Gaunt product keeps and which it loses, for degrees up to ``L`` (0..64)."""
    L = check_int(L, "L", 0, 64)
    lost = []
    total = 0
    for l1 in range(L + 1):
        for l2 in range(L + 1):
            for l3 in range(abs(l1 - l2), min(l1 + l2, L) + 1):
                total += 1
                if (l1 + l2 + l3) % 2:
                    lost.append((l1, l2, l3))
    return PathCensus(L, total, total - len(lost), len(lost), tuple(lost))


@dataclass(frozen=True)
class ProductTiming:
    """Best-of-``repeat`` wall time (seconds) of both products at degree ``L`` on a batch.

    ``cg_seconds``: :func:`cg_full_product` (every path into ``l <= L``); ``gaunt_seconds``:
    :func:`gaunt_product` into ``l <= L``; the operation counts of both beside them.
    """

    L: int
    batch: int
    cg_seconds: float
    gaunt_seconds: float
    cg_multiply_adds: int
    gaunt_operations: int


def time_products(L: int, batch: int = 16, repeat: int = 3, rng: int | np.random.Generator | None = 0) -> ProductTiming:
    """Measure both products at degree ``L`` (``0 <= L <= 16``) on ``batch`` random pairs (``1..1024``).

    Inputs are the same for both; the first call of each (cache warm-up) is not timed. The result depends on the
    machine and its load: it is a measurement, not a guarantee.
    """
    L = check_int(L, "L", 0, 16)
    batch = check_int(batch, "batch", 0, 1024)
    if batch < 1:
        raise ValueError("batch must be at least 1")
    repeat = check_int(repeat, "repeat", 0, 50)
    repeat = max(repeat, 1)
    gen = np.random.default_rng(rng)
    x1 = gen.standard_normal((batch, (L + 1) ** 2))
    x2 = gen.standard_normal((batch, (L + 1) ** 2))
    cg_full_product(x1[:1], x2[:1], L)
    gaunt_product(x1[:1], x2[:1], L)
    best_cg = best_g = math.inf
    for _ in range(repeat):
        t0 = time.perf_counter()
        cg_full_product(x1, x2, L)
        t1 = time.perf_counter()
        gaunt_product(x1, x2, L)
        t2 = time.perf_counter()
        best_cg = min(best_cg, t1 - t0)
        best_g = min(best_g, t2 - t1)
    return ProductTiming(L, batch, best_cg, best_g, count_cg_operations(L), count_gaunt_operations(L).total)


def fit_power_law(xs: Sequence[float], ys: Sequence[float]) -> tuple[float, float]:
    """Least-squares fit ``log y = a log x + b``; returns ``(exponent a, prefactor exp(b))``.

    Needs at least two points with ``x > 0``, ``y > 0``.
    """
    x = np.asarray(xs, dtype=np.float64)
    y = np.asarray(ys, dtype=np.float64)
    keep = (x > 0) & (y > 0) & np.isfinite(x) & np.isfinite(y)
    if keep.sum() < 2:
        raise ValueError("a power-law fit needs at least two positive points")
    a, b = np.polyfit(np.log(x[keep]), np.log(y[keep]), 1)
    return float(a), float(math.exp(b))
