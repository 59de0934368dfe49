"""Functions on the sphere: exact quadrature, projection onto real spherical harmonics, truncation at L.

A square-integrable function on the unit sphere is a sum of spherical harmonics::

    f(x) = sum_{l >= 0} sum_{m=-l..l} c_lm Y_lm(x),      c_lm = integral of f(x) Y_lm(x) dOmega,

with the *orthonormal* ('integral') real harmonics of :func:`equi_core.spherical_harmonics` (e3nn's basis:
y is the polar axis). An equivariant network with maximum degree ``L`` keeps only ``l <= L``: the
``(L + 1)^2`` numbers ``c_lm``. This module measures what that truncation throws away.

Conventions
-----------
* Coefficients are always in the ``'integral'`` normalization (so Parseval reads
  ``integral f^2 = sum c_lm^2``), ordered like ``spherical_harmonics(range(L + 1), x)``: index ``l^2 + l + m``.
* The grid uses e3nn's axes: ``theta`` is measured from the +y axis, ``phi`` is the azimuth about y with
  ``x = (sin theta sin phi, cos theta, sin theta cos phi)`` (as e3nn's ``angles_to_xyz(alpha=phi, beta=theta)``).
* The power spectrum ``P_l = sum_m c_lm^2`` is rotation-invariant (each ``D^l`` is orthogonal).

Quadrature
----------
:func:`quadrature_grid` ``(degree)`` puts Gauss-Legendre nodes in ``cos theta`` (``n_theta = degree // 2 + 1``)
times ``n_phi = degree + 1`` uniform azimuths. It integrates every polynomial of degree ``<= degree``
restricted to the sphere *exactly* (up to rounding): the azimuthal sum kills every Fourier mode
``0 < |m| < n_phi``, and Gauss-Legendre with ``n`` nodes is exact to degree ``2n - 1`` in ``cos theta``.
So :func:`project` is exact (to ~1e-13) for a function band-limited at ``L_f`` on a grid of degree
``>= L_f + L``.

Signals
-------
:class:`BondDensity` (a sum of von Mises-Fisher bumps on bond directions: molecules as spherical signals),
:class:`SphericalCap` (a sharp, discontinuous cap) and :class:`BandLimited` (finitely many harmonics)
know their *exact* coefficients (Funk-Hecke formula for the zonal kernels) and exact spectra, so the L2
truncation error is exact, not a grid estimate. :func:`blind_spot` shows the L-fold blind spot of an n-fold star.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Callable, Optional, Protocol, Sequence, Union, runtime_checkable

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy import special

from . import molecules as _molecules
from ._checks import check_float, check_int
from .spherical_harmonics import spherical_harmonics

__all__ = [
    "MAX_PROJECT_L",
    "MAX_GRID_THETA",
    "MAX_GRID_PHI",
    "SphereGrid",
    "quadrature_grid",
    "gauss_grid",
    "latlong_grid",
    "sh_matrix",
    "num_coefficients",
    "degree_of",
    "project",
    "synthesize",
    "evaluate",
    "power_spectrum",
    "SphericalSignal",
    "BondDensity",
    "SphericalCap",
    "BandLimited",
    "von_mises_fisher_kernel",
    "cap_kernel",
    "star_directions",
    "molecule_directions",
    "MOLECULES",
    "TARGET_KINDS",
    "make_target",
    "random_band_limited",
    "TruncationStudy",
    "truncation_study",
    "reconstruct",
    "BlindSpot",
    "star_features",
    "blind_spot",
    "star_needs_degree",
]

Array = NDArray[np.float64]

#: Largest degree :func:`project` / :func:`truncation_study` accept (memory stays bounded).
MAX_PROJECT_L = 128
#: Largest grid sizes accepted (a grid of 512 x 1024 nodes and (L+1)^2 harmonics is already ~100 MB at L = 40).
MAX_GRID_THETA = 512
MAX_GRID_PHI = 1024


def _unit_rows(directions: ArrayLike, name: str = "directions") -> Array:
    u = np.asarray(directions, dtype=np.float64)
    if u.ndim == 1:
        u = u[None, :]
    if u.ndim != 2 or u.shape[-1] != 3 or u.shape[0] == 0:
        raise ValueError(f"{name} must have shape (n, 3) with n >= 1, got {np.shape(directions)}")
    if not np.all(np.isfinite(u)):
        raise ValueError(f"{name} must be finite (got NaN or infinity)")
    r = np.linalg.norm(u, axis=-1)
    if np.any(r == 0.0):
        raise ValueError(f"{name} must be nonzero vectors (a zero vector has no direction)")
    return u / r[:, None]


# ------------------------------------------------------------------------------------------------
# grids
# ------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class SphereGrid:
    """A product grid on the sphere: polar nodes (about +y) times uniform azimuths.

    Attributes
    ----------
    kind : {'gauss', 'latlong'}
        ``'gauss'``: Gauss-Legendre nodes in ``cos theta`` with quadrature weights;
        ``'latlong'``: equally spaced ``theta`` from 0 to pi *and* ``phi`` from 0 to 2 pi inclusive (a closed mesh
        for drawing; no quadrature weights).
    n_theta, n_phi : int
        Number of polar and azimuthal nodes.
    cos_theta : ndarray, shape (n_theta,)
    phi : ndarray, shape (n_phi,)
    points : ndarray, shape (n_theta, n_phi, 3)
        Unit vectors ``(sin t sin p, cos t, sin t cos p)``.
    weights : ndarray, shape (n_theta, n_phi) or None
        Quadrature weights (sum ``4 pi``) for ``'gauss'``; None for ``'latlong'``.
    exact_degree : int
        Every polynomial of degree ``<= exact_degree`` is integrated exactly by ``weights``
        (``min(2 n_theta - 1, n_phi - 1)``); ``-1`` for ``'latlong'``.

    Invariants
    ----------
    Immutable (read-only arrays). Grids are compared and hashed by ``(kind, n_theta, n_phi)`` only.
    """

    kind: str
    n_theta: int
    n_phi: int
    cos_theta: Array = field(compare=False, repr=False)
    phi: Array = field(compare=False, repr=False)
    points: Array = field(compare=False, repr=False)
    weights: Optional[Array] = field(compare=False, repr=False)
    exact_degree: int = field(compare=False)

    @property
    def size(self) -> int:
        """Number of nodes ``n_theta * n_phi``."""
        return self.n_theta * self.n_phi

    @property
    def flat_points(self) -> Array:
        """The nodes as an ``(n_theta * n_phi, 3)`` array."""
        return self.points.reshape(-1, 3)


def _grid_points(cos_theta: Array, phi: Array) -> Array:
    s = np.sqrt(np.clip(1.0 - cos_theta**2, 0.0, None))
    pts = np.stack(
        [np.outer(s, np.sin(phi)), np.outer(cos_theta, np.ones_like(phi)), np.outer(s, np.cos(phi))], axis=-1
    )
    return pts


def _readonly(*arrays: Optional[np.ndarray]) -> None:
    for a in arrays:
        if a is not None:
            a.setflags(write=False)


@lru_cache(maxsize=64)
def gauss_grid(n_theta: int, n_phi: int) -> SphereGrid:
    """Gauss-Legendre (in ``cos theta``) x uniform (in ``phi``) grid with exact quadrature weights.

    Parameters
    ----------
    n_theta : int
        ``1 <= n_theta <= MAX_GRID_THETA``.
    n_phi : int
        ``1 <= n_phi <= MAX_GRID_PHI``.

    Returns
    -------
    SphereGrid
        ``kind='gauss'``, weights summing to ``4 pi``, ``exact_degree = min(2 n_theta - 1, n_phi - 1)``.
        Cached: the same sizes return the same (immutable) object.
    """
    n_theta = check_int(n_theta, "n_theta", 1, MAX_GRID_THETA)
    n_phi = check_int(n_phi, "n_phi", 1, MAX_GRID_PHI)
    c, w = np.polynomial.legendre.leggauss(n_theta)
    # nodes from the north (+y) pole to the south pole
    c, w = c[::-1].copy(), w[::-1].copy()
    phi = 2.0 * np.pi * np.arange(n_phi) / n_phi
    pts = _grid_points(c, phi)
    weights = np.outer(w, np.full(n_phi, 2.0 * np.pi / n_phi))
    _readonly(c, phi, pts, weights)
    return SphereGrid("gauss", n_theta, n_phi, c, phi, pts, weights, min(2 * n_theta - 1, n_phi - 1))


def quadrature_grid(degree: int) -> SphereGrid:
    """The smallest :func:`gauss_grid` that integrates every polynomial of degree ``<= degree`` exactly.

    ``n_theta = degree // 2 + 1`` and ``n_phi = degree + 1``. To project a function band-limited at ``L_f``
    onto degrees ``<= L`` exactly, use ``degree = L_f + L``.

    Raises
    ------
    ValueError
        If ``degree`` is not an integer from 0 to ``MAX_GRID_PHI - 1``.
    """
    degree = check_int(degree, "degree", 0, MAX_GRID_PHI - 1)
    return gauss_grid(degree // 2 + 1, degree + 1)


@lru_cache(maxsize=16)
def latlong_grid(n_theta: int, n_phi: int) -> SphereGrid:
    """A closed latitude-longitude mesh for drawing (poles and the seam ``phi = 2 pi`` included, no weights).

    Parameters
    ----------
    n_theta : int
        ``2 <= n_theta <= MAX_GRID_THETA`` rows from the +y pole (theta = 0) to the -y pole (theta = pi).
    n_phi : int
        ``2 <= n_phi <= MAX_GRID_PHI`` columns, phi from 0 to 2 pi inclusive (first and last coincide).
    """
    n_theta = check_int(n_theta, "n_theta", 2, MAX_GRID_THETA)
    n_phi = check_int(n_phi, "n_phi", 2, MAX_GRID_PHI)
    theta = np.linspace(0.0, np.pi, n_theta)
    c = np.cos(theta)
    phi = np.linspace(0.0, 2.0 * np.pi, n_phi)
    pts = _grid_points(c, phi)
    pts[0, :] = (0.0, 1.0, 0.0)
    pts[-1, :] = (0.0, -1.0, 0.0)
    _readonly(c, phi, pts)
    return SphereGrid("latlong", n_theta, n_phi, c, phi, pts, None, -1)


@lru_cache(maxsize=24)
def _sh_matrix_cached(kind: str, n_theta: int, n_phi: int, L: int) -> Array:
    grid = gauss_grid(n_theta, n_phi) if kind == "gauss" else latlong_grid(n_theta, n_phi)
    Y = spherical_harmonics(list(range(L + 1)), grid.flat_points, normalization="integral")
    Y = np.ascontiguousarray(Y)
    Y.setflags(write=False)
    return Y


def sh_matrix(L: int, grid: SphereGrid) -> Array:
    """Orthonormal real harmonics of degrees ``0..L`` at the grid's nodes (cached, read-only).

    Returns
    -------
    ndarray, shape (grid.size, (L + 1)^2)
        ``Y[k, l^2 + l + m] = Y_lm(node k)`` ('integral' normalization). On a 'gauss' grid with
        ``exact_degree >= 2 L``: ``Y.T @ diag(w) @ Y == I`` (discrete orthonormality).
    """
    L = check_int(L, "L", 0, MAX_PROJECT_L)
    if grid.size * (L + 1) ** 2 > 60_000_000:
        raise ValueError(
            f"grid of {grid.size} nodes times {(L + 1) ** 2} harmonics is too large (limit 6e7 values); "
            "use a smaller L or a coarser grid"
        )
    return _sh_matrix_cached(grid.kind, grid.n_theta, grid.n_phi, L)


def num_coefficients(L: int) -> int:
    """``(L + 1)^2``: how many numbers a feature truncated at degree ``L`` carries (one copy of each l)."""
    L = check_int(L, "L", 0, 10**6)
    return (L + 1) ** 2


def degree_of(coeffs: ArrayLike) -> int:
    """The degree ``L`` of a coefficient array whose last axis has ``(L + 1)^2`` entries.

    Raises
    ------
    ValueError
        If the last axis length is not a perfect square.
    """
    n = np.shape(coeffs)[-1] if np.ndim(coeffs) else 0
    L = math.isqrt(n) - 1 if n > 0 else -1
    if n <= 0 or (L + 1) ** 2 != n:
        raise ValueError(f"the last axis must have (L+1)^2 = 1, 4, 9, 16, ... entries, got {n}")
    return L


# ------------------------------------------------------------------------------------------------
# analysis / synthesis
# ------------------------------------------------------------------------------------------------
def project(
    f: Union[Callable[[Array], ArrayLike], ArrayLike], L: int, grid: Optional[SphereGrid] = None
) -> Array:
    """Coefficients ``c_lm = integral f Y_lm`` for ``l <= L`` by exact quadrature.

    Parameters
    ----------
    f : callable or array
        A callable maps unit vectors of shape ``(N, 3)`` to values ``(N,)``; an array holds the values at
        the grid's nodes, shape ``(..., n_theta, n_phi)`` or ``(..., n_theta * n_phi)`` (batched).
    L : int
        Highest degree, ``0 <= L <= MAX_PROJECT_L``.
    grid : SphereGrid, optional
        A 'gauss' grid with ``exact_degree >= 2 L`` (discrete orthonormality). Default (only for a callable):
        :func:`quadrature_grid` ``(2 L)``, exact when ``f`` is band-limited at ``L``.

    Returns
    -------
    ndarray, shape (..., (L + 1)^2)
        'integral'-normalized coefficients, index ``l^2 + l + m``.

    Invariants
    ----------
    * Exact (to rounding) when ``f`` is band-limited at ``L_f`` and ``grid.exact_degree >= L_f + L``;
      in particular ``project(synthesize(c, grid), L, grid) == c`` whenever ``exact_degree >= 2 L``.
    * The result is the orthogonal projection in the grid's discrete inner product, so the discrete L2 error
      of ``synthesize(project(f, L, grid), grid)`` is non-increasing in ``L``.

    Raises
    ------
    ValueError
        Bad ``L``, a grid without weights or too coarse for ``L``, values of the wrong shape or non-finite.
    """
    L = check_int(L, "L", 0, MAX_PROJECT_L)
    if grid is None:
        if not callable(f):
            raise ValueError("project(values, L) needs the grid the values were sampled on")
        grid = quadrature_grid(2 * L)
    if grid.weights is None:
        raise ValueError(f"a {grid.kind!r} grid has no quadrature weights: use gauss_grid / quadrature_grid")
    if grid.exact_degree < 2 * L:
        raise ValueError(
            f"the grid ({grid.n_theta} x {grid.n_phi}, exact to degree {grid.exact_degree}) is too coarse for "
            f"L = {L}: it needs n_theta >= {L + 1} and n_phi >= {2 * L + 1}"
        )
    if callable(f):
        values = np.asarray(f(grid.flat_points), dtype=np.float64)
        if values.shape != (grid.size,):
            raise ValueError(f"f must map points (N, 3) to values (N,), got shape {values.shape} for N = {grid.size}")
    else:
        values = np.asarray(f, dtype=np.float64)
        if values.ndim >= 2 and values.shape[-2:] == (grid.n_theta, grid.n_phi):
            values = values.reshape(values.shape[:-2] + (grid.size,))
        elif values.ndim == 0 or values.shape[-1] != grid.size:
            raise ValueError(
                f"values must have shape (..., {grid.n_theta}, {grid.n_phi}) or (..., {grid.size}), got {values.shape}"
            )
    if not np.all(np.isfinite(values)):
        raise ValueError("the function values must be finite (got NaN or infinity)")
    Y = sh_matrix(L, grid)
    return (values * grid.weights.reshape(-1)) @ Y


def synthesize(coeffs: ArrayLike, grid: SphereGrid) -> Array:
    """Values ``sum_lm c_lm Y_lm`` at the grid's nodes.

    Parameters
    ----------
    coeffs : array, shape (..., (L + 1)^2)
        'integral'-normalized coefficients.
    grid : SphereGrid

    Returns
    -------
    ndarray, shape (..., n_theta, n_phi)
    """
    c = np.asarray(coeffs, dtype=np.float64)
    L = degree_of(c)
    if not np.all(np.isfinite(c)):
        raise ValueError("coefficients must be finite")
    Y = sh_matrix(L, grid)
    return (c @ Y.T).reshape(c.shape[:-1] + (grid.n_theta, grid.n_phi))


def evaluate(coeffs: ArrayLike, xyz: ArrayLike) -> Array:
    """Values ``sum_lm c_lm Y_lm(x)`` at arbitrary points ``xyz`` of shape ``(..., 3)`` (nonzero)."""
    c = np.asarray(coeffs, dtype=np.float64)
    L = degree_of(c)
    Y = spherical_harmonics(list(range(L + 1)), xyz, normalization="integral")
    return Y @ c


def power_spectrum(coeffs: ArrayLike) -> Array:
    """``P_l = sum_m c_lm^2`` for each degree: the energy per degree.

    Parameters
    ----------
    coeffs : array, shape (..., (L + 1)^2)

    Returns
    -------
    ndarray, shape (..., L + 1)

    Invariants
    ----------
    Rotation-invariant: rotating the function multiplies each degree-l block by the orthogonal ``D^l(R)``,
    which keeps its norm. Parseval: ``sum_l P_l = integral f^2`` for a function band-limited at L.
    """
    c = np.asarray(coeffs, dtype=np.float64)
    L = degree_of(c)
    sq = c**2
    return np.stack([sq[..., l * l : (l + 1) ** 2].sum(-1) for l in range(L + 1)], axis=-1)


# ------------------------------------------------------------------------------------------------
# zonal kernels (Funk-Hecke)
# ------------------------------------------------------------------------------------------------
def von_mises_fisher_kernel(kappa: float, ls: ArrayLike) -> Array:
    """Funk-Hecke eigenvalues ``lambda_l = 2 pi integral_{-1}^{1} exp(kappa (t - 1)) P_l(t) dt``.

    For the bump ``g(x) = exp(kappa (x . u - 1))`` (peak 1 at ``u``):
    ``integral g(x) Y_lm(x) dOmega = lambda_l Y_lm(u)``. Closed form
    ``lambda_l = 4 pi sqrt(pi / (2 kappa)) ive(l + 1/2, kappa)`` (exponentially scaled Bessel function:
    no overflow). Decays like ``exp(-l (l + 1) / (2 kappa))``: a bump of width ``~1/sqrt(kappa)`` needs
    ``L ~ sqrt(kappa)`` and more.
    """
    kappa = check_float(kappa, "kappa", 1e-3, 1e4)
    ls = np.asarray(ls, dtype=np.float64)
    return 4.0 * np.pi * np.sqrt(np.pi / (2.0 * kappa)) * special.ive(ls + 0.5, kappa)


def cap_kernel(half_angle: float, ls: ArrayLike) -> Array:
    """Funk-Hecke eigenvalues of the indicator of a cap ``x . u >= cos(half_angle)``.

    ``lambda_0 = 2 pi (1 - c)``, ``lambda_l = 2 pi (P_{l-1}(c) - P_{l+1}(c)) / (2 l + 1)`` for ``l >= 1``,
    with ``c = cos(half_angle)`` (from ``(2l+1) P_l = (P_{l+1} - P_{l-1})'``).
    """
    half_angle = check_float(half_angle, "half_angle", 1e-6, np.pi)
    c = math.cos(half_angle)
    ls = np.asarray(ls, dtype=np.int64)
    lam = np.empty(ls.shape, dtype=np.float64)
    zero = ls == 0
    lam[zero] = 2.0 * np.pi * (1.0 - c)
    lp = ls[~zero]
    lam[~zero] = 2.0 * np.pi * (special.eval_legendre(lp - 1, c) - special.eval_legendre(lp + 1, c)) / (2 * lp + 1)
    return lam


@runtime_checkable
class SphericalSignal(Protocol):
    """A function on the sphere that knows its exact expansion.

    Implementations: :class:`BondDensity`, :class:`SphericalCap`, :class:`BandLimited`.
    """

    name: str

    def values(self, xyz: ArrayLike) -> Array:
        """Function values at points ``(..., 3)``."""

    def coefficients(self, L: int) -> Array:
        """Exact 'integral' coefficients for ``l <= L``, shape ``((L + 1)^2,)``."""

    def spectrum(self, L: int) -> Array:
        """Exact power spectrum ``P_0..P_L``."""

    def norm_squared(self) -> float:
        """Exact ``integral f^2``."""

    def tail_energy(self, L: int) -> float:
        """Exact ``sum_{l > L} P_l`` (the squared L2 truncation error), computed without cancellation."""


def _legendre_sum(ls: Array, gram: Array, weights: Array) -> Array:
    """``sum_ij w_i w_j P_l(u_i . u_j)`` for every l in ``ls`` (addition theorem), by the three-term recursion."""
    t = np.clip(gram, -1.0, 1.0)
    ww = np.outer(weights, weights)
    lmax = int(ls.max()) if ls.size else 0
    out = np.empty(lmax + 1)
    p_prev = np.ones_like(t)
    out[0] = float((ww * p_prev).sum())
    if lmax >= 1:
        p = t.copy()
        out[1] = float((ww * p).sum())
        for l in range(1, lmax):
            p_prev, p = p, ((2 * l + 1) * t * p - l * p_prev) / (l + 1)
            out[l + 1] = float((ww * p).sum())
    return out[ls.astype(int)]


@dataclass(frozen=True)
class BondDensity:
    """An angular density of bond directions: ``f(x) = sum_i w_i exp(kappa (x . u_i - 1))``.

    Each bond is a von Mises-Fisher bump of peak ``w_i`` and angular width about ``1/sqrt(kappa)`` rad.
    This is how a molecule's neighbourhood becomes a spherical signal (what an equivariant network's first
    layer "sees": its degree-l features are ``sum_i Y^l(u_i)``, up to the factor ``lambda_l``).

    Parameters
    ----------
    directions : array (n, 3)
        Bond vectors (normalized here; nonzero, finite).
    kappa : float
        Concentration, ``0.001 <= kappa <= 10000``.
    weights : array (n,), optional
        Peak heights (default 1).
    name : str

    Invariants
    ----------
    ``coefficients(L)[l-block] = lambda_l * sum_i w_i Y^l(u_i)`` exactly (Funk-Hecke); ``spectrum`` from the
    addition theorem ``P_l = lambda_l^2 (2l+1)/(4 pi) sum_ij w_i w_j P_l(u_i . u_j)``; ``norm_squared`` in closed
    form. Rotating the directions rotates the coefficients by ``D^l`` and leaves ``spectrum`` unchanged.
    """

    directions: Array
    kappa: float
    weights: Optional[Array] = None
    name: str = "bond density"

    def __post_init__(self) -> None:
        u = _unit_rows(self.directions)
        if u.shape[0] > 256:
            raise ValueError(f"at most 256 bond directions, got {u.shape[0]}")
        w = np.ones(u.shape[0]) if self.weights is None else np.asarray(self.weights, dtype=np.float64)
        if w.shape != (u.shape[0],) or not np.all(np.isfinite(w)):
            raise ValueError(f"weights must be {u.shape[0]} finite numbers, got shape {w.shape}")
        kappa = check_float(self.kappa, "kappa", 1e-3, 1e4)
        _readonly(u, w)
        object.__setattr__(self, "directions", u)
        object.__setattr__(self, "weights", w)
        object.__setattr__(self, "kappa", kappa)

    @property
    def cutoff_degree(self) -> int:
        """A degree beyond which ``P_l / P_0 < 1e-32`` (the spectrum is complete to double precision)."""
        lam0 = von_mises_fisher_kernel(self.kappa, [0])[0]
        l = int(4 * math.sqrt(self.kappa)) + 8
        while l < 100_000:
            ls = np.arange(l, l + 1)
            if von_mises_fisher_kernel(self.kappa, ls)[0] < 1e-17 * lam0:
                return l
            l = int(l * 1.25) + 1
        return l

    def values(self, xyz: ArrayLike) -> Array:
        x = np.asarray(xyz, dtype=np.float64)
        r = np.linalg.norm(x, axis=-1, keepdims=True)
        if np.any(r == 0) or not np.all(np.isfinite(x)):
            raise ValueError("points must be finite and nonzero")
        t = (x / r) @ self.directions.T
        return np.exp(self.kappa * (t - 1.0)) @ self.weights

    def coefficients(self, L: int) -> Array:
        L = check_int(L, "L", 0, MAX_PROJECT_L)
        lam = von_mises_fisher_kernel(self.kappa, np.arange(L + 1))
        Y = spherical_harmonics(list(range(L + 1)), self.directions, normalization="integral")
        per_l = np.repeat(lam, 2 * np.arange(L + 1) + 1)
        return per_l * (self.weights @ Y)

    def spectrum(self, L: int) -> Array:
        L = check_int(L, "L", 0, 100_000)
        ls = np.arange(L + 1)
        lam = von_mises_fisher_kernel(self.kappa, ls)
        gram = self.directions @ self.directions.T
        return lam**2 * (2 * ls + 1) / (4.0 * np.pi) * _legendre_sum(ls, gram, self.weights)

    def norm_squared(self) -> float:
        # integral exp(k(x.u-1)) exp(k(x.v-1)) = 4 pi exp(-2k) sinh(r)/r, r = k |u + v|
        s = self.directions[:, None, :] + self.directions[None, :, :]
        r = self.kappa * np.linalg.norm(s, axis=-1)
        with np.errstate(divide="ignore", invalid="ignore"):
            # exp(r - 2k) (1 - exp(-2r)) / (2 r), stable for large r; limit exp(-2k) at r = 0
            pair = np.where(
                r > 1e-8,
                np.exp(r - 2 * self.kappa) * (-np.expm1(-2 * r)) / (2 * np.where(r > 1e-8, r, 1.0)),
                np.exp(-2 * self.kappa) * (1 + r**2 / 6),
            )
        return float(4.0 * np.pi * (self.weights @ pair @ self.weights))

    def tail_energy(self, L: int) -> float:
        L = check_int(L, "L", 0, 100_000)
        top = max(self.cutoff_degree, L + 1)
        return float(self.spectrum(top)[L + 1 :].sum())


@dataclass(frozen=True)
class SphericalCap:
    """The indicator of a cap: 1 where the angle to ``center`` is below ``half_angle``, else 0.

    Discontinuous, so its spectrum decays only like ``l^-2`` (times oscillations): the L2 error of the
    truncation falls like ``L^-1/2`` and the *max* error never falls below about 1/2 (Gibbs phenomenon at the rim).

    Invariants
    ----------
    Exact coefficients ``lambda_l Y^l(center)`` (:func:`cap_kernel`), ``P_l = lambda_l^2 (2l+1)/(4 pi)``,
    ``norm_squared = 2 pi (1 - cos half_angle)`` (the area).
    """

    center: Array
    half_angle: float
    name: str = "sharp cap"

    #: degree up to which the tail is summed term by term before the closed-form remainder
    TAIL_DEGREE = 4096

    def __post_init__(self) -> None:
        c = _unit_rows(self.center, "center")[0]
        _readonly(c)
        object.__setattr__(self, "center", c)
        object.__setattr__(self, "half_angle", check_float(self.half_angle, "half_angle", 1e-3, np.pi - 1e-3))

    def values(self, xyz: ArrayLike) -> Array:
        x = np.asarray(xyz, dtype=np.float64)
        r = np.linalg.norm(x, axis=-1)
        if np.any(r == 0) or not np.all(np.isfinite(x)):
            raise ValueError("points must be finite and nonzero")
        return ((x @ self.center) / r >= math.cos(self.half_angle)).astype(np.float64)

    def coefficients(self, L: int) -> Array:
        L = check_int(L, "L", 0, MAX_PROJECT_L)
        lam = cap_kernel(self.half_angle, np.arange(L + 1))
        Y = spherical_harmonics(list(range(L + 1)), self.center, normalization="integral")
        return np.repeat(lam, 2 * np.arange(L + 1) + 1) * Y

    def spectrum(self, L: int) -> Array:
        L = check_int(L, "L", 0, 100_000)
        return _cap_spectrum(self.half_angle, L).copy()

    def norm_squared(self) -> float:
        return 2.0 * np.pi * (1.0 - math.cos(self.half_angle))

    def tail_energy(self, L: int) -> float:
        L = check_int(L, "L", 0, 100_000)
        top = max(self.TAIL_DEGREE, L + 1)
        spec = _cap_spectrum(self.half_angle, top)
        remainder = max(self.norm_squared() - float(spec.sum()), 0.0)
        return float(spec[L + 1 :].sum()) + remainder


@lru_cache(maxsize=8)
def _cap_spectrum(half_angle: float, L: int) -> Array:
    ls = np.arange(L + 1)
    spec = cap_kernel(half_angle, ls) ** 2 * (2 * ls + 1) / (4.0 * np.pi)
    spec.setflags(write=False)
    return spec


@dataclass(frozen=True)
class BandLimited:
    """A function with finitely many harmonics: ``f = sum_{l <= band} c_lm Y_lm`` ('integral' coefficients).

    Invariants
    ----------
    ``coefficients(L)`` is the given array truncated (or zero-padded) at L; ``tail_energy(L) == 0`` for
    ``L >= band`` exactly.
    """

    coeffs: Array
    name: str = "band-limited"

    def __post_init__(self) -> None:
        c = np.array(self.coeffs, dtype=np.float64).reshape(-1)
        band = degree_of(c)
        if band > MAX_PROJECT_L or not np.all(np.isfinite(c)):
            raise ValueError(f"coefficients must be finite with degree <= {MAX_PROJECT_L}")
        _readonly(c)
        object.__setattr__(self, "coeffs", c)

    @property
    def band(self) -> int:
        """The band limit (highest degree present in the coefficient array)."""
        return degree_of(self.coeffs)

    def values(self, xyz: ArrayLike) -> Array:
        return evaluate(self.coeffs, xyz)

    def coefficients(self, L: int) -> Array:
        L = check_int(L, "L", 0, MAX_PROJECT_L)
        out = np.zeros((L + 1) ** 2)
        n = min(out.size, self.coeffs.size)
        out[:n] = self.coeffs[:n]
        return out

    def spectrum(self, L: int) -> Array:
        L = check_int(L, "L", 0, 100_000)
        out = np.zeros(L + 1)
        spec = power_spectrum(self.coeffs)
        n = min(L + 1, spec.size)
        out[:n] = spec[:n]
        return out

    def norm_squared(self) -> float:
        return float(self.coeffs @ self.coeffs)

    def tail_energy(self, L: int) -> float:
        L = check_int(L, "L", 0, 100_000)
        return float(power_spectrum(self.coeffs)[L + 1 :].sum())


def random_band_limited(band: int, rng: Union[int, np.random.Generator, None] = 0) -> BandLimited:
    """A random function band-limited at ``band`` with a flat expected spectrum, unit L2 norm.

    ``c_lm ~ N(0, 1 / (2l + 1))`` for ``l <= band``, then scaled so ``integral f^2 = 1``.
    ``0 <= band <= MAX_PROJECT_L``; ``rng`` an int seed or a Generator.
    """
    band = check_int(band, "band", 0, MAX_PROJECT_L)
    gen = np.random.default_rng(rng)
    ls = np.repeat(np.arange(band + 1), 2 * np.arange(band + 1) + 1)
    c = gen.standard_normal(ls.size) / np.sqrt(2 * ls + 1)
    c /= np.linalg.norm(c)
    return BandLimited(c, name=f"random band-limited (band {band})")


# ------------------------------------------------------------------------------------------------
# presets
# ------------------------------------------------------------------------------------------------
def star_directions(n: int, phase: float = 0.0) -> Array:
    """``n`` unit vectors equally spaced in the equatorial (x, z) plane, turned by ``phase`` about +y.

    ``u_k = (sin phi_k, 0, cos phi_k)``, ``phi_k = phase + 2 pi k / n``: an n-fold symmetric star whose symmetry
    axis is the polar (y) axis. ``1 <= n <= 64``.
    """
    n = check_int(n, "n", 1, 64)
    phase = check_float(phase, "phase", -1e6, 1e6)
    phi = phase + 2.0 * np.pi * np.arange(n) / n
    return np.stack([np.sin(phi), np.zeros(n), np.cos(phi)], axis=-1)


#: Molecule presets: name -> (description, bond-direction factory). Symmetry axes along +y (e3nn's polar axis).
#: The molecules' geometry comes from :mod:`equi_core.molecules` (their bond directions); "benzene" is a ring of
#: six directions, not a molecule with a central atom.
MOLECULES: dict[str, tuple[str, Callable[[], Array]]] = {
    **{name: (m.description, m.bond_directions) for name, m in _molecules.MOLECULES.items()},
    "benzene": ("benzene-like ring: six directions 60 degrees apart in a plane (6-fold axis along y)",
                lambda: star_directions(6)),
}


def molecule_directions(name: str) -> Array:
    """Unit bond directions of a preset: ``'water'``, ``'ammonia'``, ``'methane'`` or ``'benzene'``."""
    if name not in MOLECULES:
        raise ValueError(f"unknown molecule {name!r}; choose one of {', '.join(MOLECULES)}")
    return _unit_rows(MOLECULES[name][1]())


#: Target kinds understood by :func:`make_target`.
TARGET_KINDS: tuple[str, ...] = ("water", "ammonia", "methane", "benzene", "star", "cap", "random")


def make_target(
    kind: str,
    *,
    n: int = 5,
    kappa: float = 25.0,
    cap_angle_deg: float = 30.0,
    band: int = 6,
    seed: int = 0,
) -> Union[BondDensity, SphericalCap, BandLimited]:
    """Build one of the lesson's target signals.

    Parameters
    ----------
    kind : str
        One of :data:`TARGET_KINDS`: a molecule's bond density (``water``, ``ammonia``, ``methane``,
        ``benzene``), an n-fold ``star`` bond density, a sharp ``cap`` or a ``random`` band-limited function.
    n : int
        Arms of the star, 1..64.
    kappa : float
        Bump concentration for the bond densities, 0.5..1000.
    cap_angle_deg : float
        Half-angle of the cap in degrees, 1..179 (the cap is centred on a tilted axis).
    band : int
        Band limit of the random function, 0..MAX_PROJECT_L.
    seed : int
        Seed of the random function.

    Raises
    ------
    ValueError
        Unknown kind or a parameter out of range (the message says what is allowed).
    """
    if kind not in TARGET_KINDS:
        raise ValueError(f"unknown target {kind!r}; choose one of {', '.join(TARGET_KINDS)}")
    if kind in MOLECULES:
        kappa = check_float(kappa, "kappa", 0.5, 1000.0)
        return BondDensity(molecule_directions(kind), kappa, name=kind)
    if kind == "star":
        n = check_int(n, "n", 1, 64)
        kappa = check_float(kappa, "kappa", 0.5, 1000.0)
        return BondDensity(star_directions(n), kappa, name=f"{n}-fold star")
    if kind == "cap":
        angle = check_float(cap_angle_deg, "cap_angle_deg", 1.0, 179.0)
        return SphericalCap(np.array([1.0, 2.0, 1.0]), math.radians(angle), name=f"cap of {angle:g} degrees")
    seed = check_int(seed, "seed", 0, 2**32 - 1)
    return random_band_limited(band, seed)


# ------------------------------------------------------------------------------------------------
# truncation
# ------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class TruncationStudy:
    """What truncating a signal at each degree ``L = 0..L_max`` costs.

    Attributes
    ----------
    ls : ndarray (L_max + 1,)
        Degrees 0..L_max.
    n_coefficients : ndarray (L_max + 1,)
        ``(L + 1)^2``.
    spectrum : ndarray (L_max + 1,)
        Exact power spectrum ``P_l``.
    energy_fraction : ndarray (L_max + 1,)
        ``P_l / integral f^2``.
    rel_l2_error : ndarray (L_max + 1,)
        Exact ``||f - f_L||_2 / ||f||_2 = sqrt(sum_{l > L} P_l / sum_l P_l)``: non-increasing in L (Parseval).
    max_error : ndarray (L_max + 1,)
        ``max |f - f_L|`` over the evaluation grid's nodes (not monotone in general: Gibbs).
    rel_max_error : ndarray (L_max + 1,)
        ``max_error / max |f|``.
    coefficients : ndarray ((L_max + 1)^2,)
        Exact coefficients up to L_max.
    grid : SphereGrid
        Where ``max_error`` was measured.
    """

    name: str
    ls: Array
    n_coefficients: Array
    spectrum: Array
    energy_fraction: Array
    rel_l2_error: Array
    max_error: Array
    rel_max_error: Array
    coefficients: Array
    grid: SphereGrid = field(repr=False)

    def degree_for(self, tolerance: float) -> Optional[int]:
        """The smallest L with ``rel_l2_error <= tolerance`` (None if not reached up to L_max)."""
        hit = np.nonzero(self.rel_l2_error <= tolerance)[0]
        return int(hit[0]) if hit.size else None


def truncation_study(
    signal: SphericalSignal, L_max: int, grid: Optional[SphereGrid] = None
) -> TruncationStudy:
    """Exact L2 and measured max truncation errors of ``signal`` for every ``L <= L_max``.

    Parameters
    ----------
    signal : SphericalSignal
        :class:`BondDensity`, :class:`SphericalCap` or :class:`BandLimited`.
    L_max : int
        ``0 <= L_max <= 64``.
    grid : SphereGrid, optional
        Nodes for the max error (default ``latlong_grid(49, 97)``).

    Invariants
    ----------
    ``rel_l2_error`` is exact (tail sums of the exact spectrum, no cancellation) and non-increasing;
    ``rel_l2_error[L] == 0`` for a band-limited signal once ``L >= band``.
    """
    L_max = check_int(L_max, "L_max", 0, 64)
    grid = latlong_grid(49, 97) if grid is None else grid
    norm2 = signal.norm_squared()
    if not norm2 > 0:
        raise ValueError("the signal is identically zero: nothing to truncate")
    spec = signal.spectrum(L_max)
    tails = np.array([signal.tail_energy(L) for L in range(L_max + 1)])
    rel_l2 = np.sqrt(np.clip(tails, 0.0, None) / norm2)
    rel_l2 = np.minimum.accumulate(rel_l2)  # guard the last ulp: the exact sequence is non-increasing
    coeffs = signal.coefficients(L_max)
    Y = sh_matrix(L_max, grid)
    f = signal.values(grid.flat_points)
    partial = np.zeros(grid.size)
    max_err = np.empty(L_max + 1)
    for L in range(L_max + 1):
        sl = slice(L * L, (L + 1) ** 2)
        partial = partial + Y[:, sl] @ coeffs[sl]
        max_err[L] = float(np.max(np.abs(f - partial)))
    fmax = float(np.max(np.abs(f)))
    ls = np.arange(L_max + 1)
    for a in (ls, spec, rel_l2, max_err, coeffs):
        a.setflags(write=False)
    return TruncationStudy(
        name=signal.name,
        ls=ls,
        n_coefficients=(ls + 1) ** 2,
        spectrum=spec,
        energy_fraction=spec / norm2,
        rel_l2_error=rel_l2,
        max_error=max_err,
        rel_max_error=max_err / fmax if fmax > 0 else max_err,
        coefficients=coeffs,
        grid=grid,
    )


def reconstruct(coefficients: ArrayLike, L: int, grid: SphereGrid) -> Array:
    """``f_L = sum_{l <= L} c_lm Y_lm`` on ``grid`` from coefficients of any degree ``>= L``."""
    c = np.asarray(coefficients, dtype=np.float64)
    top = degree_of(c)
    L = check_int(L, "L", 0, top)
    return synthesize(c[..., : (L + 1) ** 2], grid)


# ------------------------------------------------------------------------------------------------
# the L-fold blind spot
# ------------------------------------------------------------------------------------------------
def star_features(directions: ArrayLike, L: int) -> Array:
    """Degree-l features of a neighbourhood: ``h^l = sum_i Y^l(u_i)`` ('component' normalization), ``l <= L``.

    This is what a one-layer equivariant network (NequIP/MACE-style edge embedding summed over neighbours)
    computes from the bond directions; shape ``((L + 1)^2,)``.
    """
    L = check_int(L, "L", 0, MAX_PROJECT_L)
    u = _unit_rows(directions)
    return spherical_harmonics(list(range(L + 1)), u, normalization="component").sum(axis=0)


@dataclass(frozen=True)
class BlindSpot:
    """Features of an n-fold star and of the same star turned by ``pi / n`` about its axis.

    Attributes
    ----------
    n : int
    ls : ndarray (L + 1,)
    difference : ndarray (L + 1,)
        ``|| h^l(star) - h^l(turned star) ||`` per degree.
    feature_norm : ndarray (L + 1,)
        ``|| h^l(star) ||`` (equal for both: they are rotations of each other).
    spectrum_difference : ndarray (L + 1,)
        ``| ||h^l(star)||^2 - ||h^l(turned)||^2 |``: the invariants never differ.
    first_visible : int or None
        Smallest l with ``difference > tol`` (None if none up to L); equals ``n`` when ``L >= n``.
    tol : float
        Threshold used (``1e-9 * max(1, max feature norm)``).
    """

    n: int
    ls: Array
    difference: Array
    feature_norm: Array
    spectrum_difference: Array
    first_visible: Optional[int]
    tol: float
    star: Array
    turned: Array


def blind_spot(n: int, L: int) -> BlindSpot:
    """The L-fold blind spot: degrees ``l < n`` cannot see a turn of an n-fold star by ``pi / n``.

    For a star with n-fold symmetry about y, ``h^l`` is invariant under the turn by ``2 pi / n``; in e3nn's basis
    that turn acts on the ``(m, -m)`` pair by the angle ``2 pi m / n``, so only ``m = 0 (mod n)`` survives. For
    ``l < n`` that leaves ``m = 0``, which no turn about y changes: ``h^l(turned) = h^l(star)`` exactly. At
    ``l = n`` the ``m = +-n`` components appear and the turn by ``pi / n`` flips their sign.

    Parameters
    ----------
    n : int
        Arms, 1..64.
    L : int
        Highest degree compared, 0..MAX_PROJECT_L.

    Invariants
    ----------
    ``difference[l] ~ 1e-15`` for ``l < n``; ``difference[n] > 0`` (when ``L >= n``); ``spectrum_difference ~ 0``
    for every l (the two stars are rotations of each other, so every invariant agrees).
    """
    n = check_int(n, "n", 1, 64)
    L = check_int(L, "L", 0, MAX_PROJECT_L)
    star = star_directions(n)
    turned = star_directions(n, phase=np.pi / n)
    h1 = star_features(star, L)
    h2 = star_features(turned, L)
    diff = np.array([np.linalg.norm(h1[l * l : (l + 1) ** 2] - h2[l * l : (l + 1) ** 2]) for l in range(L + 1)])
    norm1 = np.array([np.linalg.norm(h1[l * l : (l + 1) ** 2]) for l in range(L + 1)])
    norm2 = np.array([np.linalg.norm(h2[l * l : (l + 1) ** 2]) for l in range(L + 1)])
    tol = 1e-9 * max(1.0, float(norm1.max()))
    visible = np.nonzero(diff > tol)[0]
    return BlindSpot(
        n=n,
        ls=np.arange(L + 1),
        difference=diff,
        feature_norm=norm1,
        spectrum_difference=np.abs(norm1**2 - norm2**2),
        first_visible=int(visible[0]) if visible.size else None,
        tol=tol,
        star=star,
        turned=turned,
    )


def star_needs_degree(n: int) -> int:
    """The smallest feature degree that tells an n-fold star from its copy turned by ``pi / n`` (computed).

    Scans :func:`blind_spot` (it is ``n``); raises ValueError for n outside 1..64.
    """
    n = check_int(n, "n", 1, 64)
    result = blind_spot(n, n + 1)
    if result.first_visible is None:  # pragma: no cover - the theorem says it is n
        raise RuntimeError(f"no degree up to {n + 1} separates the {n}-fold star from its turned copy")
    return result.first_visible
