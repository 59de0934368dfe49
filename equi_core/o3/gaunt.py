"""The Gaunt tensor product: multiply two spherical functions on a grid, project back. O(L^3), but incomplete.

Read a feature with one copy of every degree ``l <= L`` (irreps ``0e + 1o + 2e + ...``) as the coefficients of a
function on the sphere, ``f(x) = sum_lm x_lm Y_lm(x)`` (orthonormal 'integral' harmonics). The product of two such
functions, projected back onto the harmonics, is bilinear and equivariant::

    gaunt(x1, x2)_k = integral f1 f2 Y_k = sum_ij G_ijk x1_i x2_j,    G_ijk = integral Y_i Y_j Y_k  (Gaunt coefficients)

and for each path ``l1 (x) l2 -> l3`` the Gaunt block is a multiple of the Clebsch-Gordan block (Wigner-Eckart)::

    G^{l1 l2 l3} = kappa(l1, l2, l3) * clebsch_gordan(l1, l2, l3),
    |kappa| = sqrt((2l1+1)(2l2+1)(2l3+1) / (4 pi)) * |(l1 l2 l3; 0 0 0)|.

The 3j symbol ``(l1 l2 l3; 0 0 0)`` vanishes when ``l1 + l2 + l3`` is odd, so **the Gaunt product loses every odd
path**; among them ``1 (x) 1 -> 1``, the cross product (a product of two functions is symmetric in them; the cross
product is antisymmetric). Xie et al. (arXiv:2602.21466) recover these paths with vector spherical harmonics.

Why it is fast (Luo, Chen & Krishnapriyan, ICLR 2024, arXiv:2401.10216): on a Gauss-Legendre x uniform grid,
``Y_lm(theta, phi) = A_lm(theta) * (cos or sin)(|m| phi)``. Synthesis is, for every polar node and every
frequency ``m``, a sum over ``l`` (``O(L^3)`` in all) followed by an FFT over ``phi`` (``O(L^2 log L)``); the product
is pointwise (``O(L^2)``); analysis is the transpose. The full Clebsch-Gordan product costs ``O(L^6)``
(:func:`equi_core.tensor_product.count_multiply_adds`).

Here ``A_lm`` and the sign/phase of each ``(cos, sin)`` pair are *measured* from the core's
:func:`~equi_core.spherical_harmonics` with an FFT (no second convention to keep in sync), and the quadrature is
exact: the result equals the dense ``sum G_ijk x1_i x2_j`` to rounding.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction
from functools import lru_cache

import numpy as np
from numpy.typing import ArrayLike, NDArray

from .._checks import check_int
from .clebsch_gordan import clebsch_gordan
from .irreps import Irrep, Irreps
from .sphere import degree_of, gauss_grid, quadrature_grid
from .spherical_harmonics import spherical_harmonics
from .tensor_product import count_multiply_adds, full_tensor_product

__all__ = [
    "MAX_GAUNT_L",
    "MAX_ABS_FEATURE",
    "SphericalFFT",
    "spherical_fft",
    "gaunt_grid_size",
    "gaunt_product",
    "gaunt_coefficients",
    "gaunt_path_constant",
    "gaunt_path_constant_formula",
    "three_j_zero",
    "GauntCost",
    "count_gaunt_operations",
    "count_cg_operations",
    "all_outputs_up_to",
    "cg_full_product",
]

Array = NDArray[np.float64]

#: Largest degree the Gaunt product accepts (the grid has about (3L/2) x 3L nodes; a cached plan at L = 64 holds
#: about 26 MB).
MAX_GAUNT_L = 64
#: Largest feature entry accepted (products of larger numbers overflow float64).
MAX_ABS_FEATURE = 1e150


# ------------------------------------------------------------------------------------------------
# the fast spherical transform on a Gauss grid
# ------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class SphericalFFT:
    """Synthesis and analysis of degree-``<= L`` coefficient vectors on a Gauss grid through an FFT in ``phi``.

    Attributes
    ----------
    L : int
        Highest degree.
    n_theta, n_phi : int
        The :func:`~equi_core.sphere.gauss_grid` used; ``n_phi > 2 L`` (every frequency below Nyquist).
    synth : ndarray, shape (L + 1, 2 (L + 1), 2 n_theta)
        For frequency ``f``: rows are the ``m = +f`` then ``m = -f`` coefficients of degrees ``l = 0..L`` (zero rows
        where ``l < f``), columns the real then imaginary part of ``rfft_phi(Y_i)[theta_j, f]``.
    anal : ndarray, shape (L + 1, 2 n_theta, 2 (L + 1))
        The quadrature-weighted transpose: analysis is ``[Re G, Im G] @ anal`` per frequency.
    gather : ndarray of int, shape (L + 1, 2 (L + 1))
        Index into the coefficient vector (``l^2 + l + m``) of each row of ``synth``; ``(L+1)^2`` marks padding.

    Invariants
    ----------
    ``synthesis(x)`` equals ``synthesize(x, gauss_grid(n_theta, n_phi))`` and ``analysis`` equals
    :func:`~equi_core.sphere.project` on that grid (to rounding), at ``O(L^3)`` instead of ``O(L^4)`` cost.

    Examples
    --------
    >>> from equi_core import gauss_grid, synthesize
    >>> from equi_core.o3.gaunt import spherical_fft
    >>> c = np.random.default_rng(0).standard_normal(16)  # degrees 0..3
    >>> fft = spherical_fft(3, 4, 8)
    >>> float(np.abs(fft.synthesis(c) - synthesize(c, gauss_grid(4, 8))).max()) < 1e-13
    True
    >>> float(np.abs(fft.analysis(fft.synthesis(c)) - c).max()) < 1e-13  # exact quadrature: back to c
    True
    """

    L: int
    n_theta: int
    n_phi: int
    synth: Array
    anal: Array
    gather: NDArray[np.intp]

    @property
    def valid(self) -> NDArray[np.bool_]:
        """Mask of the non-padding rows of :attr:`gather`."""
        return self.gather < (self.L + 1) ** 2

    def synthesis(self, x: ArrayLike) -> Array:
        """Values on the grid, shape ``(..., n_theta, n_phi)``, of coefficients ``x`` of shape ``(..., (L+1)^2)``."""
        x = np.asarray(x, dtype=np.float64)
        if x.shape[-1] != (self.L + 1) ** 2:
            raise ValueError(f"expected coefficients of shape (..., {(self.L + 1) ** 2}), got {x.shape}")
        batch = x.shape[:-1]
        xb = x.reshape(-1, x.shape[-1])
        xpad = np.concatenate([xb, np.zeros((xb.shape[0], 1))], axis=1)
        X = xpad.T[self.gather]  # (F, 2(L+1), B)
        R = np.einsum("fkb,fkt->fbt", X, self.synth, optimize=True)  # (F, B, 2 n_theta): the Legendre step, O(L^3)
        n = self.n_theta
        spec = np.zeros((xb.shape[0], n, self.n_phi // 2 + 1), dtype=np.complex128)
        spec.real[:, :, : self.L + 1] = R[..., :n].transpose(1, 2, 0)
        spec.imag[:, :, : self.L + 1] = R[..., n:].transpose(1, 2, 0)
        values = np.fft.irfft(spec, n=self.n_phi, axis=-1)  # the FFT step, O(L^2 log L)
        return values.reshape(batch + (n, self.n_phi))

    def analysis(self, values: ArrayLike) -> Array:
        """Coefficients ``(..., (L+1)^2)`` of grid values ``(..., n_theta, n_phi)`` (exact quadrature)."""
        v = np.asarray(values, dtype=np.float64)
        if v.shape[-2:] != (self.n_theta, self.n_phi):
            raise ValueError(f"expected values of shape (..., {self.n_theta}, {self.n_phi}), got {v.shape}")
        batch = v.shape[:-2]
        vb = v.reshape((-1, self.n_theta, self.n_phi))
        spectrum: NDArray[np.complex128] = np.fft.rfft(vb, axis=-1)
        G = spectrum[:, :, : self.L + 1]  # (B, n_theta, F)
        Gs = np.concatenate([G.real, G.imag], axis=1)  # (B, 2 n_theta, F)
        out_f = np.einsum("btf,ftk->fbk", Gs, self.anal, optimize=True)  # (F, B, 2(L+1))
        out = np.zeros((len(vb), (self.L + 1) ** 2 + 1))
        # every real coefficient index appears exactly once among the valid rows: plain assignment
        out[:, self.gather[self.valid]] = np.moveaxis(out_f, 1, 0)[:, self.valid]
        return out[:, :-1].reshape(batch + ((self.L + 1) ** 2,))


@lru_cache(maxsize=16)
def spherical_fft(L: int, n_theta: int, n_phi: int) -> SphericalFFT:
    """The (cached, immutable) :class:`SphericalFFT` for degree ``L`` on ``gauss_grid(n_theta, n_phi)``.

    Raises
    ------
    ValueError
        If ``n_phi <= 2 L`` (frequencies would alias) or the sizes are out of range.
    """
    L = check_int(L, "L", 0, MAX_GAUNT_L)
    grid = gauss_grid(n_theta, n_phi)
    if n_phi <= 2 * L:
        raise ValueError(f"n_phi = {n_phi} must exceed 2 L = {2 * L} so that every azimuthal frequency is resolved")
    F = L + 1
    # rfft over phi of the harmonics, ring by ring; keep only each harmonic's own frequency |m|
    # (memory O(n_phi L^2) at a time, not O(n_theta n_phi L^2))
    index = np.arange((L + 1) ** 2)
    freq = np.abs(
        index
        - np.repeat(np.arange(L + 1), 2 * np.arange(L + 1) + 1) ** 2
        - np.repeat(np.arange(L + 1), 2 * np.arange(L + 1) + 1)
    )  # |m| of index l^2 + l + m
    Zf = np.empty((n_theta, (L + 1) ** 2), dtype=np.complex128)
    ls = list(range(L + 1))
    for j in range(n_theta):
        ring = spherical_harmonics(ls, grid.points[j], normalization="integral")  # (n_phi, (L+1)^2)
        Zf[j] = np.fft.rfft(ring, axis=0)[freq, index]
    dim = (L + 1) ** 2
    gather = np.full((F, 2 * F), dim, dtype=np.intp)
    synth = np.zeros((F, 2 * F, 2 * n_theta))
    anal = np.zeros((F, 2 * n_theta, 2 * F))
    wt = grid.quadrature_weights[:, 0] / n_phi  # Gauss weight * (2 pi / N) / N
    for l in range(L + 1):
        for m in range(-l, l + 1):
            i = l * l + l + m
            f = abs(m)
            row = l if m >= 0 else F + l
            z = Zf[:, i]
            gather[f, row] = i
            synth[f, row, :n_theta] = z.real
            synth[f, row, n_theta:] = z.imag
            s = 1.0 if f == 0 else 2.0
            # c_i = sum_j w_j (2 pi / N) (s / N) Re(G_jf conj(z_j))
            anal[f, :n_theta, row] = s * wt * z.real
            anal[f, n_theta:, row] = s * wt * z.imag
    for a in (synth, anal, gather):
        a.setflags(write=False)
    return SphericalFFT(L, n_theta, n_phi, synth, anal, gather)


def gaunt_grid_size(L1: int, L2: int, L_out: int) -> tuple[int, int]:
    """``(n_theta, n_phi)`` of the smallest Gauss grid on which the Gaunt product is exact.

    The integrand ``f1 f2 Y_k`` has degree ``D = L1 + L2 + L_out``: ``n_theta = D // 2 + 1``; ``n_phi`` is even,
    ``> D`` (exact azimuthal sum, no aliasing of the product into the kept frequencies) and ``> 2 max(L1, L2, L_out)``,
    rounded up to a length with prime factors 2, 3, 5 only (fast FFTs).

    Examples
    --------
    >>> from equi_core.o3.gaunt import gaunt_grid_size
    >>> gaunt_grid_size(4, 4, 4)  # (n_theta, n_phi): exact for the degree-12 integrand, an FFT-friendly n_phi
    (7, 16)
    """
    D = L1 + L2 + L_out
    n_phi = max(D + 1, 2 * max(L1, L2, L_out) + 1)
    return D // 2 + 1, _next_fast_even(n_phi)


def _next_fast_even(n: int) -> int:
    """The smallest even ``m >= n`` whose prime factors are 2, 3 and 5 (FFT-friendly: a prime length such as
    146 = 2 * 73 makes numpy's FFT ~30x slower)."""
    m = max(2, n + (n % 2))
    while True:
        k = m
        for p in (2, 3, 5):
            while k % p == 0:
                k //= p
        if k == 1:
            return m
        m += 2


def _product_degrees(x1: ArrayLike, x2: ArrayLike, L_out: int | None) -> tuple[Array, Array, int, int, int]:
    """The inputs of a product of two features ``0e + 1o + 2e + ...`` as float64, their degrees and ``L_out``.

    ``L1, L2 <= MAX_GAUNT_L`` (read from the last axis, ``(L + 1)^2`` entries); ``L_out`` defaults to ``L1 + L2``
    and must be at most ``2 MAX_GAUNT_L``. Shared by :func:`gaunt_product` and :func:`cg_full_product`, which
    therefore accept exactly the same inputs.
    """
    x1 = np.asarray(x1, dtype=np.float64)
    x2 = np.asarray(x2, dtype=np.float64)
    L1 = check_int(degree_of(x1), "L1", 0, MAX_GAUNT_L)
    L2 = check_int(degree_of(x2), "L2", 0, MAX_GAUNT_L)
    L_out = L1 + L2 if L_out is None else check_int(L_out, "L_out", 0, 2 * MAX_GAUNT_L)
    return x1, x2, L1, L2, L_out


def gaunt_product(x1: ArrayLike, x2: ArrayLike, L_out: int | None = None) -> Array:
    """The Gaunt tensor product of two features ``0e + 1o + 2e + ...`` (one copy of each degree).

    Parameters
    ----------
    x1 : array, shape (..., (L1 + 1)^2)
    x2 : array, shape (..., (L2 + 1)^2)
        Coefficients of ``f1``, ``f2`` in the orthonormal real harmonics (index ``l^2 + l + m``); leading axes
        broadcast. ``L1, L2 <= MAX_GAUNT_L``.
    L_out : int, optional
        Highest output degree (default ``L1 + L2``: nothing is lost to truncation).

    Returns
    -------
    ndarray, shape (..., (L_out + 1)^2)
        ``out_k = integral f1 f2 Y_k = sum_ij G_ijk x1_i x2_j``.

    Invariants
    ----------
    * Equivariant: ``gaunt(D x1, D x2) = D gaunt(x1, x2)`` (block-diagonal D of the harmonics).
    * Symmetric: ``gaunt(x1, x2) = gaunt(x2, x1)`` (so every antisymmetric coupling is lost).
    * Per path ``l1 (x) l2 -> l3`` it equals ``gaunt_path_constant(l1, l2, l3) * einsum('ijk,i,j', C, x1_l1, x2_l2)``;
      exactly zero (to rounding) when ``l1 + l2 + l3`` is odd.
    * Cost :func:`count_gaunt_operations`: ``O(L^3)``.

    Examples
    --------
    >>> from equi_core import gaunt_coefficients, gaunt_product
    >>> rng = np.random.default_rng(0)
    >>> x1, x2 = rng.standard_normal(9), rng.standard_normal(9)  # degrees 0..2
    >>> z = gaunt_product(x1, x2, L_out=2)
    >>> G = np.zeros((9, 9, 9))
    >>> for l1 in range(3):
    ...     for l2 in range(3):
    ...         for l3 in range(abs(l1 - l2), min(l1 + l2, 2) + 1):
    ...             G[l1**2:(l1 + 1)**2, l2**2:(l2 + 1)**2, l3**2:(l3 + 1)**2] = gaunt_coefficients(l1, l2, l3)
    >>> float(np.abs(z - np.einsum("ijk,i,j->k", G, x1, x2)).max()) < 1e-13  # the dense sum, to rounding
    True
    """
    x1, x2, L1, L2, L_out = _product_degrees(x1, x2, L_out)
    if not (np.all(np.isfinite(x1)) and np.all(np.isfinite(x2))):
        raise ValueError("features must be finite (got NaN or infinity)")
    if max(float(np.abs(x1).max(initial=0.0)), float(np.abs(x2).max(initial=0.0))) > MAX_ABS_FEATURE:
        raise ValueError(f"feature entries must be at most {MAX_ABS_FEATURE:g} in size (their product would overflow)")
    n_theta, n_phi = gaunt_grid_size(L1, L2, L_out)
    batch = np.broadcast_shapes(x1.shape[:-1], x2.shape[:-1])
    x1 = np.broadcast_to(x1, batch + x1.shape[-1:])
    x2 = np.broadcast_to(x2, batch + x2.shape[-1:])
    g1 = spherical_fft(L1, n_theta, n_phi).synthesis(x1)
    g2 = spherical_fft(L2, n_theta, n_phi).synthesis(x2)
    return spherical_fft(L_out, n_theta, n_phi).analysis(g1 * g2)


@lru_cache(maxsize=128)
def _gaunt_coefficients_cached(l1: int, l2: int, l3: int) -> Array:
    pts_grid = quadrature_grid(l1 + l2 + l3)
    pts = pts_grid.flat_points
    w = pts_grid.quadrature_weights.reshape(-1)
    y1 = spherical_harmonics(l1, pts, normalization="integral")
    y2 = spherical_harmonics(l2, pts, normalization="integral")
    y3 = spherical_harmonics(l3, pts, normalization="integral")
    G = np.einsum("n,ni,nj,nk->ijk", w, y1, y2, y3)
    G.setflags(write=False)
    return G


def gaunt_coefficients(l1: int, l2: int, l3: int) -> Array:
    """``G_ijk = integral Y^l1_i Y^l2_j Y^l3_k dOmega`` (orthonormal real harmonics), by exact quadrature.

    Shape ``(2l1+1, 2l2+1, 2l3+1)``; cached, read-only. Zero unless the triangle rule holds and
    ``l1 + l2 + l3`` is even. Degrees ``0..30``.

    Examples
    --------
    >>> from equi_core import gaunt_coefficients, gaunt_path_constant, clebsch_gordan
    >>> G = gaunt_coefficients(2, 1, 3)  # integral Y_2 Y_1 Y_3 over the sphere: a multiple of the CG block
    >>> bool(np.allclose(G, gaunt_path_constant(2, 1, 3) * clebsch_gordan(2, 1, 3)))
    True
    """
    l1, l2, l3 = (check_int(v, n, 0, 30) for v, n in ((l1, "l1"), (l2, "l2"), (l3, "l3")))
    return _gaunt_coefficients_cached(l1, l2, l3)


def three_j_zero(l1: int, l2: int, l3: int) -> float:
    """The Wigner 3j symbol ``(l1 l2 l3; 0 0 0)`` from its closed form (exact integers, then float).

    Zero when ``l1 + l2 + l3`` is odd or the triangle rule fails; otherwise, with ``J = l1 + l2 + l3 = 2 g``:
    ``(-1)^g sqrt((J-2l1)! (J-2l2)! (J-2l3)! / (J+1)!) g! / ((g-l1)! (g-l2)! (g-l3)!)``.

    Examples
    --------
    >>> from equi_core import gaunt_path_constant_formula, three_j_zero
    >>> round(three_j_zero(1, 1, 2), 12), three_j_zero(1, 1, 1)  # (1 1 2; 0 0 0) = sqrt(2/15); odd sum: 0
    (0.365148371670, 0.0)
    >>> round(gaunt_path_constant_formula(1, 1, 2), 12)
    0.690988298943
    """
    l1, l2, l3 = (check_int(v, n, 0, 400) for v, n in ((l1, "l1"), (l2, "l2"), (l3, "l3")))
    J = l1 + l2 + l3
    if J % 2 or not abs(l1 - l2) <= l3 <= l1 + l2:
        return 0.0
    g = J // 2
    f = math.factorial
    sq = Fraction(f(J - 2 * l1) * f(J - 2 * l2) * f(J - 2 * l3), f(J + 1))
    rest = Fraction(f(g), f(g - l1) * f(g - l2) * f(g - l3))
    value = math.sqrt(sq.numerator) / math.sqrt(sq.denominator) * float(rest)
    return (-1) ** g * value


def gaunt_path_constant_formula(l1: int, l2: int, l3: int) -> float:
    """``|kappa| = sqrt((2l1+1)(2l2+1)(2l3+1) / (4 pi)) |(l1 l2 l3; 0 0 0)|``: the Frobenius norm of the Gaunt block."""
    return math.sqrt((2 * l1 + 1) * (2 * l2 + 1) * (2 * l3 + 1) / (4 * math.pi)) * abs(three_j_zero(l1, l2, l3))


def gaunt_path_constant(l1: int, l2: int, l3: int) -> float:
    """``kappa`` with ``gaunt_coefficients(l1, l2, l3) == kappa * clebsch_gordan(l1, l2, l3)`` (signed).

    Computed as the inner product ``<G, C>`` (``C`` has unit norm). Zero for odd ``l1 + l2 + l3``.

    Raises
    ------
    ValueError
        If the triangle rule fails (there is no path) or a degree is out of 0..30.

    Examples
    --------
    >>> from equi_core import gaunt_path_constant
    >>> gaunt_path_constant(1, 1, 1)  # l1 + l2 + l3 odd: the cross product is lost
    0.0
    >>> round(gaunt_path_constant(1, 1, 2), 12)
    0.690988298943
    """
    C = clebsch_gordan(l1, l2, l3)
    return float(np.sum(gaunt_coefficients(l1, l2, l3) * C))


# ------------------------------------------------------------------------------------------------
# counting
# ------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class GauntCost:
    """Operation count of one Gaunt product (multiply-adds; FFTs estimated).

    Attributes
    ----------
    legendre : int
        ``2 n_theta ((L1+1)^2 + (L2+1)^2 + (L_out+1)^2)``: each real coefficient meets one complex
        ``A_lm(theta_j)`` per polar node in the two syntheses and the analysis.
    fft : int
        ``3 n_theta * N log2 N`` (two inverse and one forward real FFT of length ``N = n_phi`` per polar node,
        counted with the usual estimate of ``N log2 N`` multiply-adds each).
    pointwise : int
        ``n_theta * n_phi`` (the product on the grid).
    total : int
    n_theta, n_phi : int
    """

    legendre: int
    fft: int
    pointwise: int
    total: int
    n_theta: int
    n_phi: int


def count_gaunt_operations(L1: int, L2: int | None = None, L_out: int | None = None) -> GauntCost:
    """Multiply-adds of :func:`gaunt_product` for degrees ``L1``, ``L2`` (default ``L1``) into ``L_out``
    (default ``L1``, as a network layer keeps its degree): ``O(L^3)``.

    Examples
    --------
    >>> from equi_core import count_cg_operations, count_gaunt_operations
    >>> count_gaunt_operations(4).total, count_cg_operations(4)  # O(L^3) against O(L^6)
    (2506, 13075)
    """
    L1 = check_int(L1, "L1", 0, 10**4)
    L2 = L1 if L2 is None else check_int(L2, "L2", 0, 10**4)
    L_out = L1 if L_out is None else check_int(L_out, "L_out", 0, 2 * 10**4)
    n_theta, n_phi = gaunt_grid_size(L1, L2, L_out)
    legendre = 2 * n_theta * ((L1 + 1) ** 2 + (L2 + 1) ** 2 + (L_out + 1) ** 2)
    fft = round(3 * n_theta * n_phi * math.log2(max(n_phi, 2)))
    pointwise = n_theta * n_phi
    return GauntCost(legendre, fft, pointwise, legendre + fft + pointwise, n_theta, n_phi)


def all_outputs_up_to(L: int) -> list[Irrep]:
    """Every irrep ``l <= L`` of both parities (the output filter of a full product truncated at L).

    Examples
    --------
    >>> from equi_core import all_outputs_up_to
    >>> all_outputs_up_to(1)
    [0e, 0o, 1e, 1o]
    """
    L = check_int(L, "L", 0, 200)
    return [Irrep(l, p) for l in range(L + 1) for p in (1, -1)]


def count_cg_operations(L: int, *, sparse: bool = False, even_paths_only: bool = False) -> int:
    """Multiply-adds of the full Clebsch-Gordan product of ``0e + 1o + ... + L`` with itself into degrees ``<= L``.

    Dense count (``sparse=False``): ``sum over paths (2l1+1)(2l2+1)(2l3+1)``, equal to
    :func:`equi_core.tensor_product.count_multiply_adds` ``(L, L, all_outputs_up_to(L))`` (tested), computed here in
    closed array form so that it is instant up to L = 200. Grows like ``L^6``.
    ``sparse=True`` counts only nonzero CG coefficients (delegated to ``count_multiply_adds``, L <= 32).
    ``even_paths_only`` counts only the paths the Gaunt product also computes (``l1 + l2 + l3`` even).

    Examples
    --------
    >>> from equi_core import Irreps, all_outputs_up_to, count_cg_operations, count_multiply_adds
    >>> count_cg_operations(2) == count_multiply_adds(Irreps.spherical_harmonics(2), Irreps.spherical_harmonics(2),
    ...                                                all_outputs_up_to(2))
    True
    >>> count_cg_operations(2), count_cg_operations(2, even_paths_only=True) < count_cg_operations(2)
    (615, True)
    """
    L = check_int(L, "L", 0, 200)
    if sparse:
        if L > 32:
            raise ValueError("the sparse count builds every CG tensor: L must be <= 32")
        if not even_paths_only:
            irreps = Irreps.spherical_harmonics(L)
            return count_multiply_adds(irreps, irreps, all_outputs_up_to(L), sparse=True)
        total = 0
        for l1 in range(L + 1):
            for l2 in range(L + 1):
                for l3 in range(abs(l1 - l2), min(l1 + l2, L) + 1):
                    if (l1 + l2 + l3) % 2 == 0:
                        total += int(np.count_nonzero(np.abs(clebsch_gordan(l1, l2, l3)) > 1e-14))
        return total
    l = np.arange(L + 1, dtype=np.int64)
    a, b, c = np.meshgrid(l, l, l, indexing="ij")
    alive = (np.abs(a - b) <= c) & (c <= a + b)
    if even_paths_only:
        alive &= (a + b + c) % 2 == 0
    return int(((2 * a + 1) * (2 * b + 1) * (2 * c + 1))[alive].sum())


def cg_full_product(x1: ArrayLike, x2: ArrayLike, L_out: int | None = None) -> tuple[Irreps, Array]:
    """The full Clebsch-Gordan product of two features ``0e + 1o + ...`` into every irrep ``l <= L_out``.

    A thin wrapper of :func:`equi_core.tensor_product.full_tensor_product` (all paths, both output parities,
    e3nn layout and normalization), for comparing with :func:`gaunt_product` on the same inputs.

    Examples
    --------
    >>> from equi_core import cg_full_product
    >>> irreps, z = cg_full_product(np.ones(4), np.ones(4))  # (0e + 1o) x (0e + 1o), by default every l <= 1 + 1
    >>> str(irreps), z.shape
    ('1x0e + 1x0e + 1x1o + 1x1o + 1x1e + 1x2e', (16,))
    """
    x1, x2, L1, L2, L_out = _product_degrees(x1, x2, L_out)
    return full_tensor_product(
        Irreps.spherical_harmonics(L1), x1, Irreps.spherical_harmonics(L2), x2, all_outputs_up_to(L_out)
    )
