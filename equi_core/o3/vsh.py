"""The odd paths on a grid: ``r_hat . (grad f x grad g)`` of two band-limited functions (vector spherical harmonics).

The Gaunt product (:mod:`equi_core.o3.gaunt`) multiplies ``f = sum x_lm Y_lm`` and ``g = sum y_lm Y_lm`` on the
sphere; a product of two functions is symmetric in them, so it keeps only the paths ``l1 (x) l2 -> l3`` with
``l1 + l2 + l3`` even. The *odd* paths (the cross product ``1 (x) 1 -> 1`` among them) come from the
antisymmetric pseudo-scalar made of the two surface gradients (the gradient vector spherical harmonics)::

    h(r) = r_hat . (grad_s f  x  grad_s g),        odd(x, y)_k = integral h Y_k dOmega.

It is bilinear, antisymmetric (``h(f, g) = -h(g, f)``) and rotation invariant as a construction, so by
Wigner-Eckart each path is one constant times the Clebsch-Gordan tensor; under inversion ``h`` picks up
``-(-1)^(l1 + l2)``, so only ``l1 + l2 + l3`` odd survives (:func:`odd_path_constant`, closed form
:func:`odd_path_constant_formula`)::

    H^{l1 l2 l3} = lambda(l1, l2, l3) * clebsch_gordan(l1, l2, l3),
    |lambda| = sqrt((2l1+1)(2l2+1)(2l3+1) / (4 pi)) * sqrt(l1(l1+1) l2(l2+1)) * |(l1 l2 l3; 1 -1 0)|.

How it is computed (on the Gaunt product's own grid, :func:`~equi_core.o3.gaunt_grid_size`):

* The tangent field ``J f = r x grad f`` (the surface gradient turned by 90 degrees about ``r_hat``) has the
  components ``(J f)_a = sum_lm (J_a^T x)_lm Y_lm`` with ``J_a = so3_generators(l)``: the derivative of
  ``Y(R r) = D(R) Y(r)`` along the rotation about ``e_a``. Turning both vectors by 90 degrees in the tangent plane
  leaves their cross product alone, so ``h = r_hat . (J f x J g)``.
* Six syntheses (``J_x f, J_y f, J_z f`` and the same for ``g``) with the fast transform
  :class:`~equi_core.o3.SphericalFFT`, a pointwise cross product and dot with ``r_hat``, one analysis: ``O(L^3)``
  like the Gaunt product.
* **Exact quadrature.** On the unit sphere ``h`` is the restriction of ``r . (grad P x grad Q)`` for the harmonic
  polynomials ``P, Q`` of degrees ``l1, l2``: a polynomial of degree ``l1 + l2 - 1``. The integrand ``h Y_k`` is
  therefore band-limited at ``L1 + L2 - 1 + L_out``, below the degree ``L1 + L2 + L_out`` the Gaunt grid integrates
  exactly (Gauss-Legendre with ``n_theta = D // 2 + 1`` nodes is exact to degree ``2 n_theta - 1 >= D`` in
  ``cos theta``; ``n_phi > D`` uniform azimuths are exact for every frequency ``<= D``). The grid values of ``J f``
  are exact too (``n_phi > 2 L``). So the result equals the dense ``sum_ij H_ijk x_i y_j`` to rounding.

What it does *not* give: the grid returns, per output degree, the sum over all input pairs ``(l1, l2)`` with one
fixed constant per path (``kappa`` even, ``lambda`` odd), not every path apart with its own weight (one path at a
time is :func:`cg_path_from_grid`). Xie, Daigavane, Kotak & Smidt (arXiv:2602.21466) describe, in their abstract,
a complete algorithm for the full CG tensor product in ``O(L^4 log^2 L)``, going "from scalar signals to irrep
valued signals" and showing that "we only need up to vector valued signals to recover the missing interactions of
Gaunt tensor product". The same gradient pairing ("the spherical Poisson bracket") is used by Bochkarev,
Lysogorskiy & Drautz (arXiv:2605.15073).

Example
-------
>>> import numpy as np
>>> u, v = np.array([1.0, 0, 0]), np.array([0, 1.0, 0])
>>> z = odd_product(np.r_[0.0, u], np.r_[0.0, v], L_out=1)[1:4]   # the cross product, up to a constant
>>> bool(np.allclose(z / np.linalg.norm(z), np.cross(u, v)))
True
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
from numpy.typing import ArrayLike, NDArray

from .._checks import check_int
from .clebsch_gordan import clebsch_gordan, clebsch_gordan_complex
from .gaunt import (
    MAX_ABS_FEATURE,
    MAX_GAUNT_L,
    cg_full_product,
    count_cg_operations,
    count_gaunt_operations,
    gaunt_grid_size,
    gaunt_path_constant,
    spherical_fft,
)
from .irreps import Irrep, Irreps
from .sphere import degree_of, gauss_grid, quadrature_grid
from .spherical_harmonics import spherical_harmonics
from .wigner import so3_generators

__all__ = [
    "GridPathRow",
    "GridProduct",
    "GridTiming",
    "cg_path_from_grid",
    "count_grid_operations",
    "grid_full_product",
    "grid_path_constant",
    "grid_path_table",
    "odd_coefficients",
    "odd_irreps",
    "odd_path_constant",
    "odd_path_constant_formula",
    "odd_product",
    "three_j_1m10",
    "time_grid_vs_cg",
]

Array = NDArray[np.float64]


@lru_cache(maxsize=8)
def _generators_up_to(L: int) -> tuple[Array, ...]:
    """``so3_generators(l)`` transposed (``J_a^T``, shape (3, 2l+1, 2l+1)) for l = 0..L, read-only."""
    out = []
    for l in range(L + 1):
        g = np.ascontiguousarray(np.swapaxes(so3_generators(l), 1, 2))
        g.setflags(write=False)
        out.append(g)
    return tuple(out)


def _tangent_coefficients(x: Array, L: int) -> Array:
    """Coefficients of ``(J f)_a``, a = x, y, z: shape ``(3, ..., (L+1)^2)`` (per degree ``J_a^T x_l``)."""
    gens = _generators_up_to(L)
    out = np.empty((3,) + x.shape)
    for l in range(L + 1):
        s = slice(l * l, (l + 1) ** 2)
        out[..., s] = np.einsum("aij,...j->a...i", gens[l], x[..., s])
    return out


def _check_pair(x1: ArrayLike, x2: ArrayLike, L_out: int | None) -> tuple[Array, Array, int, int, int]:
    x1 = np.asarray(x1, dtype=np.float64)
    x2 = np.asarray(x2, dtype=np.float64)
    L1 = check_int(degree_of(x1), "L1", 0, MAX_GAUNT_L)
    L2 = check_int(degree_of(x2), "L2", 0, MAX_GAUNT_L)
    L_out = L1 + L2 if L_out is None else check_int(L_out, "L_out", 0, 2 * MAX_GAUNT_L)
    if not (np.all(np.isfinite(x1)) and np.all(np.isfinite(x2))):
        raise ValueError("features must be finite (got NaN or infinity)")
    if max(float(np.abs(x1).max(initial=0.0)), float(np.abs(x2).max(initial=0.0))) > MAX_ABS_FEATURE:
        raise ValueError(f"feature entries must be at most {MAX_ABS_FEATURE:g} in size (their product would overflow)")
    batch = np.broadcast_shapes(x1.shape[:-1], x2.shape[:-1])
    return (
        np.broadcast_to(x1, batch + x1.shape[-1:]),
        np.broadcast_to(x2, batch + x2.shape[-1:]),
        L1,
        L2,
        L_out,
    )


@dataclass(frozen=True)
class GridProduct:
    """Both grid products of one pair of features, from one set of syntheses.

    Attributes
    ----------
    even : ndarray (..., (L_out+1)^2)
        The Gaunt product ``integral f g Y_k`` (paths with ``l1 + l2 + l3`` even).
    odd : ndarray (..., (L_out+1)^2)
        ``integral r_hat . (grad f x grad g) Y_k`` (paths with ``l1 + l2 + l3`` odd).
    L_out, n_theta, n_phi : int
    """

    even: Array
    odd: Array
    L_out: int
    n_theta: int
    n_phi: int


def _grid_products(x1: Array, x2: Array, L1: int, L2: int, L_out: int, even: bool) -> GridProduct:
    n_theta, n_phi = gaunt_grid_size(L1, L2, L_out)
    t1, t2 = spherical_fft(L1, n_theta, n_phi), spherical_fft(L2, n_theta, n_phi)
    out_t = spherical_fft(L_out, n_theta, n_phi)
    batch = x1.shape[:-1]
    if even:
        g_even = out_t.analysis(t1.synthesis(x1) * t2.synthesis(x2))
    else:
        g_even = np.zeros(batch + ((L_out + 1) ** 2,))
    j1 = t1.synthesis(_tangent_coefficients(x1, L1))  # (3, ..., n_theta, n_phi)
    j2 = t2.synthesis(_tangent_coefficients(x2, L2))
    r = np.moveaxis(gauss_grid(n_theta, n_phi).points, -1, 0)  # (3, n_theta, n_phi)
    r = r.reshape((3,) + (1,) * len(batch) + (n_theta, n_phi))
    h = (
        r[0] * (j1[1] * j2[2] - j1[2] * j2[1])
        + r[1] * (j1[2] * j2[0] - j1[0] * j2[2])
        + r[2] * (j1[0] * j2[1] - j1[1] * j2[0])
    )
    return GridProduct(g_even, out_t.analysis(h), L_out, n_theta, n_phi)


def odd_product(x1: ArrayLike, x2: ArrayLike, L_out: int | None = None) -> Array:
    """The odd-path grid product of two features ``0e + 1o + 2e + ...`` (one copy of each degree).

    Parameters
    ----------
    x1 : array, shape (..., (L1 + 1)^2)
    x2 : array, shape (..., (L2 + 1)^2)
        Coefficients in the orthonormal real harmonics ('integral', index ``l^2 + l + m``); leading axes broadcast.
        ``L1, L2 <= MAX_GAUNT_L``.
    L_out : int, optional
        Highest output degree (default ``L1 + L2``; the top degree is zero, the highest odd path ends at
        ``L1 + L2 - 1``).

    Returns
    -------
    ndarray, shape (..., (L_out + 1)^2)
        ``out_k = integral r_hat . (grad f1 x grad f2) Y_k``.

    Invariants
    ----------
    * Equivariant under rotations: ``odd(D x1, D x2) = D odd(x1, x2)``; a pseudo-scalar under inversion (output
      degree ``l`` has parity ``(-1)^(l+1)``: ``0o + 1e + 2o + ...`` for inputs ``0e + 1o + 2e + ...``).
    * Antisymmetric: ``odd(x1, x2) = -odd(x2, x1)``.
    * Per path ``l1 (x) l2 -> l3``: ``odd_path_constant(l1, l2, l3) * einsum('ijk,i,j', C, x1_l1, x2_l2)``; zero when
      ``l1 + l2 + l3`` is even.
    * Exact quadrature (module docstring); cost ``O(L^3)`` (:func:`count_grid_operations`).
    """
    x1, x2, L1, L2, L_out = _check_pair(x1, x2, L_out)
    return _grid_products(x1, x2, L1, L2, L_out, even=False).odd


def grid_full_product(x1: ArrayLike, x2: ArrayLike, L_out: int | None = None) -> GridProduct:
    """Even (Gaunt) and odd grid products of the same pair on the same grid (the syntheses of ``f``, ``g`` shared).

    Together they hold every path ``l1 (x) l2 -> l3`` of the full Clebsch-Gordan product, each with the fixed
    constant :func:`grid_path_constant`: ``even + odd`` output both parities of every degree ``<= L_out``, like
    :func:`~equi_core.o3.cg_full_product`, but summed over the input pairs ``(l1, l2)`` (tested against it).
    """
    x1, x2, L1, L2, L_out = _check_pair(x1, x2, L_out)
    return _grid_products(x1, x2, L1, L2, L_out, even=True)


def odd_irreps(L_out: int) -> Irreps:
    """``0o + 1e + 2o + ...`` up to ``L_out``: the irreps of :func:`odd_product` for inputs ``0e + 1o + 2e + ...``."""
    L_out = check_int(L_out, "L_out", 0, 2 * MAX_GAUNT_L)
    return Irreps([(1, Irrep(l, -((-1) ** l))) for l in range(L_out + 1)])


@lru_cache(maxsize=256)
def _odd_coefficients_cached(l1: int, l2: int, l3: int) -> Array:
    grid = quadrature_grid(l1 + l2 + l3)
    pts = grid.flat_points
    assert grid.weights is not None  # a Gauss grid has weights
    w = grid.weights.reshape(-1)
    y1 = spherical_harmonics(l1, pts, normalization="integral")  # (N, 2l1+1)
    y2 = spherical_harmonics(l2, pts, normalization="integral")
    y3 = spherical_harmonics(l3, pts, normalization="integral")
    # (J Y_i)_a = sum_j (J_a)_ij Y_j
    j1 = np.einsum("aij,nj->ani", so3_generators(l1), y1)
    j2 = np.einsum("aij,nj->ani", so3_generators(l2), y2)
    cross = np.cross(j1[:, :, :, None], j2[:, :, None, :], axis=0)  # (3, N, i, j)
    h = np.einsum("na,anij->nij", pts, cross)
    H = np.einsum("n,nij,nk->ijk", w, h, y3)
    H.setflags(write=False)
    return H


def odd_coefficients(l1: int, l2: int, l3: int) -> Array:
    """``H_ijk = integral r_hat . (grad Y^l1_i x grad Y^l2_j) Y^l3_k dOmega`` by dense exact quadrature.

    Shape ``(2l1+1, 2l2+1, 2l3+1)``, cached, read-only; degrees ``0..12`` (a reference for tests and tables; the
    fast path is :func:`odd_product`). Zero unless ``l1 + l2 + l3`` is odd and the triangle rule holds.
    """
    l1, l2, l3 = (check_int(v, n, 0, 12) for v, n in ((l1, "l1"), (l2, "l2"), (l3, "l3")))
    return _odd_coefficients_cached(l1, l2, l3)


def odd_path_constant(l1: int, l2: int, l3: int) -> float:
    """``lambda`` with ``odd_coefficients(l1, l2, l3) == lambda * clebsch_gordan(l1, l2, l3)`` (signed).

    The inner product ``<H, C>`` (``C`` has unit norm). Zero for ``l1 + l2 + l3`` even. Raises ``ValueError`` if the
    triangle rule fails or a degree is outside 0..12.
    """
    C = clebsch_gordan(l1, l2, l3)
    return float(np.sum(odd_coefficients(l1, l2, l3) * C))


def three_j_1m10(l1: int, l2: int, l3: int) -> float:
    """The Wigner 3j symbol ``(l1 l2 l3; 1 -1 0)`` (float; 0 if ``l1`` or ``l2`` is 0 or the triangle rule fails).

    From the complex Clebsch-Gordan coefficient: ``(l1 l2 l3; m1 m2 m3) = (-1)^(l1 - l2 - m3) / sqrt(2l3+1)
    <l1 m1 l2 m2 | l3 -m3>``.
    """
    l1, l2, l3 = (check_int(v, n, 0, 200) for v, n in ((l1, "l1"), (l2, "l2"), (l3, "l3")))
    if l1 == 0 or l2 == 0 or not abs(l1 - l2) <= l3 <= l1 + l2:
        return 0.0
    cg = clebsch_gordan_complex(l1, l2, l3)[l1 + 1, l2 - 1, l3]
    return float((-1) ** (l1 - l2) * cg / math.sqrt(2 * l3 + 1))


def odd_path_constant_formula(l1: int, l2: int, l3: int) -> float:
    """``|lambda| = sqrt((2l1+1)(2l2+1)(2l3+1)/(4 pi)) sqrt(l1(l1+1) l2(l2+1)) |(l1 l2 l3; 1 -1 0)|`` for odd
    ``l1 + l2 + l3`` (0 for even). Agrees with :func:`odd_path_constant` in magnitude (tested to 1e-12)."""
    if (l1 + l2 + l3) % 2 == 0:
        return 0.0
    pref = math.sqrt((2 * l1 + 1) * (2 * l2 + 1) * (2 * l3 + 1) / (4 * math.pi))
    return pref * math.sqrt(l1 * (l1 + 1) * l2 * (l2 + 1)) * abs(three_j_1m10(l1, l2, l3))


def grid_path_constant(l1: int, l2: int, l3: int) -> float:
    """The constant of path ``l1 (x) l2 -> l3`` in :func:`grid_full_product`: Gaunt's ``kappa`` for ``l1+l2+l3``
    even, ``lambda`` for odd; non-zero for every triangle-allowed path (tested up to l = 8)."""
    if (l1 + l2 + l3) % 2 == 0:
        return gaunt_path_constant(l1, l2, l3)
    return odd_path_constant(l1, l2, l3)


def cg_path_from_grid(l1: int, x: ArrayLike, l2: int, y: ArrayLike, l3: int) -> Array:
    """One Clebsch-Gordan path ``einsum('ijk,...i,...j->...k', C(l1, l2, l3), x, y)`` computed on the grid.

    ``x`` (..., 2l1+1) and ``y`` (..., 2l2+1) are placed as the only degree of two features, multiplied with the even
    or odd grid product (by the parity of ``l1 + l2 + l3``), and the degree-``l3`` block is divided by
    :func:`grid_path_constant`. Equal to the CG contraction to rounding (tested): every path of the full product
    at grid cost, one path per call.
    """
    for name, l in (("l1", l1), ("l2", l2), ("l3", l3)):
        check_int(l, name, 0, 12)
    if not abs(l1 - l2) <= l3 <= l1 + l2:
        raise ValueError(f"no path {l1} x {l2} -> {l3}: the triangle rule allows l3 in {abs(l1 - l2)}..{l1 + l2}")
    x = np.asarray(x, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    if x.shape[-1:] != (2 * l1 + 1,) or y.shape[-1:] != (2 * l2 + 1,):
        raise ValueError(f"x must have {2 * l1 + 1} and y {2 * l2 + 1} entries on the last axis")
    X = np.zeros(x.shape[:-1] + ((l1 + 1) ** 2,))
    X[..., l1 * l1 :] = x
    Y = np.zeros(y.shape[:-1] + ((l2 + 1) ** 2,))
    Y[..., l2 * l2 :] = y
    product = grid_full_product(X, Y, L_out=l3)
    out = product.even if (l1 + l2 + l3) % 2 == 0 else product.odd
    return out[..., l3 * l3 :] / grid_path_constant(l1, l2, l3)


@dataclass(frozen=True)
class GridPathRow:
    """One path: ``kind`` 'even' (Gaunt) or 'odd' (gradient cross product), its grid constant, the closed form,
    and ``residual = max |block - constant * C|`` (~1e-15)."""

    l1: int
    l2: int
    l3: int
    kind: str
    constant: float
    formula: float
    residual: float


def grid_path_table(L: int) -> tuple[GridPathRow, ...]:
    """Every path with ``l1, l2, l3 <= L`` (``L <= 6``) and its grid constant (even: Gaunt, odd: gradients)."""
    from .gaunt import gaunt_coefficients, gaunt_path_constant_formula

    L = check_int(L, "L", 0, 6)
    rows = []
    for l1 in range(L + 1):
        for l2 in range(L + 1):
            for l3 in range(abs(l1 - l2), min(l1 + l2, L) + 1):
                C = clebsch_gordan(l1, l2, l3)
                if (l1 + l2 + l3) % 2 == 0:
                    block, kind = gaunt_coefficients(l1, l2, l3), "even"
                    formula = gaunt_path_constant_formula(l1, l2, l3)
                else:
                    block, kind = odd_coefficients(l1, l2, l3), "odd"
                    formula = odd_path_constant_formula(l1, l2, l3)
                c = float(np.sum(block * C))
                rows.append(
                    GridPathRow(
                        l1,
                        l2,
                        l3,
                        kind,
                        c,
                        formula,
                        float(np.max(np.abs(block - c * C))),
                    )
                )
    return tuple(rows)


def count_grid_operations(L: int) -> int:
    """Multiply-adds of :func:`grid_full_product` of two degree-``L`` features into degrees ``<= L``: ``O(L^3)``.

    The Gaunt count (:func:`~equi_core.o3.count_gaunt_operations`) plus, for the odd part: the tangent coefficients
    (``3 sum_l (2l+1)^2`` per input), six more syntheses and one analysis (Legendre step ``2 n_theta (L+1)^2`` and
    one real FFT ``n_phi log2 n_phi`` per polar node each), and the pointwise cross/dot product (``9 n_theta n_phi``).
    """
    L = check_int(L, "L", 0, 10**4)
    g = count_gaunt_operations(L)
    n_theta, n_phi = g.n_theta, g.n_phi
    tangent = 2 * 3 * sum((2 * l + 1) ** 2 for l in range(L + 1))
    legendre = 7 * 2 * n_theta * (L + 1) ** 2
    fft = round(7 * n_theta * n_phi * math.log2(max(n_phi, 2)))
    return g.total + tangent + legendre + fft + 9 * n_theta * n_phi


@dataclass(frozen=True)
class GridTiming:
    """Best-of-``repeat`` wall times (s) at degree ``L`` on a batch: the full CG product (every path into
    ``l <= L``), the Gaunt product (even paths) and the even + odd grid product, with operation counts."""

    L: int
    batch: int
    cg_seconds: float
    gaunt_seconds: float
    grid_seconds: float
    cg_multiply_adds: int
    grid_operations: int


def time_grid_vs_cg(
    L: int,
    batch: int = 8,
    repeat: int = 3,
    rng: int | np.random.Generator | None = 0,
    with_cg: bool = True,
) -> GridTiming:
    """Measure the grid product (even + odd) and the full CG product on the same random inputs.

    ``L`` in 0..64 (the CG product only up to 16: beyond it each call takes seconds, ``cg_seconds`` is then NaN),
    ``batch`` in 1..1024. The first call of each is not timed (caches). A measurement of this machine under its
    load, not a guarantee.
    """
    from .gaunt import gaunt_product

    L = check_int(L, "L", 0, MAX_GAUNT_L)
    batch = check_int(batch, "batch", 1, 1024)
    repeat = check_int(repeat, "repeat", 1, 50)
    gen = np.random.default_rng(rng)
    x1 = gen.standard_normal((batch, (L + 1) ** 2))
    x2 = gen.standard_normal((batch, (L + 1) ** 2))
    run_cg = with_cg and L <= 16
    grid_full_product(x1[:1], x2[:1], L)
    gaunt_product(x1[:1], x2[:1], L)
    if run_cg:
        cg_full_product(x1[:1], x2[:1], L)
    best_cg = best_gaunt = best_grid = math.inf
    for _ in range(repeat):
        t0 = time.perf_counter()
        grid_full_product(x1, x2, L)
        t1 = time.perf_counter()
        gaunt_product(x1, x2, L)
        t2 = time.perf_counter()
        if run_cg:
            cg_full_product(x1, x2, L)
        t3 = time.perf_counter()
        best_grid, best_gaunt = min(best_grid, t1 - t0), min(best_gaunt, t2 - t1)
        best_cg = min(best_cg, t3 - t2)
    return GridTiming(
        L,
        batch,
        best_cg if run_cg else math.nan,
        best_gaunt,
        best_grid,
        count_cg_operations(L),
        count_grid_operations(L),
    )
