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

The lesson's signals (bond densities, caps, band-limited functions), the truncation study and the blind spot
live in :mod:`equi_core.lessons.truncation`.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy import special

from .._checks import check_float, check_int
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
    "von_mises_fisher_kernel",
    "cap_kernel",
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

    Examples
    --------
    >>> from equi_core import gauss_grid, latlong_grid
    >>> g = gauss_grid(5, 10)
    >>> g.kind, g.size, g.exact_degree, g == gauss_grid(5, 10), g.points.flags.writeable
    ('gauss', 50, 9, True, False)
    >>> latlong_grid(3, 5).weights is None  # a drawing grid: no quadrature
    True
    """

    kind: str
    n_theta: int
    n_phi: int
    cos_theta: Array = field(compare=False, repr=False)
    phi: Array = field(compare=False, repr=False)
    points: Array = field(compare=False, repr=False)
    weights: Array | None = field(compare=False, repr=False)
    exact_degree: int = field(compare=False)

    @property
    def size(self) -> int:
        """Number of nodes ``n_theta * n_phi``."""
        return self.n_theta * self.n_phi

    @property
    def flat_points(self) -> Array:
        """The nodes as an ``(n_theta * n_phi, 3)`` array."""
        return self.points.reshape(-1, 3)

    @property
    def quadrature_weights(self) -> Array:
        """``weights`` of a quadrature grid; ``ValueError`` for a drawing grid (``'latlong'``), which has none."""
        if self.weights is None:
            raise ValueError(f"a {self.kind!r} grid has no quadrature weights: use quadrature_grid or gauss_grid")
        return self.weights


def _grid_points(cos_theta: Array, phi: Array) -> Array:
    s = np.sqrt(np.clip(1.0 - cos_theta**2, 0.0, None))
    pts = np.stack(
        [np.outer(s, np.sin(phi)), np.outer(cos_theta, np.ones_like(phi)), np.outer(s, np.cos(phi))], axis=-1
    )
    return pts


def _readonly(*arrays: np.ndarray | None) -> None:
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

    Examples
    --------
    >>> from equi_core import quadrature_grid, spherical_harmonics
    >>> grid = quadrature_grid(8)
    >>> Y = spherical_harmonics([0, 1, 2, 3, 4], grid.flat_points, normalization="integral")
    >>> gram = Y.T @ (grid.quadrature_weights.reshape(-1, 1) * Y)  # degree 4 + 4 = 8: integrated exactly
    >>> float(np.abs(gram - np.eye(25)).max()) < 1e-13
    True
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

    Examples
    --------
    >>> from equi_core import quadrature_grid, sh_matrix
    >>> sh_matrix(2, quadrature_grid(4)).shape  # (nodes, (L+1)^2)
    (15, 9)
    """
    L = check_int(L, "L", 0, MAX_PROJECT_L)
    if grid.size * (L + 1) ** 2 > 60_000_000:
        raise ValueError(
            f"grid of {grid.size} nodes times {(L + 1) ** 2} harmonics is too large (limit 6e7 values); "
            "use a smaller L or a coarser grid"
        )
    return _sh_matrix_cached(grid.kind, grid.n_theta, grid.n_phi, L)


def num_coefficients(L: int) -> int:
    """``(L + 1)^2``: how many numbers a feature truncated at degree ``L`` carries (one copy of each l).

    Examples
    --------
    >>> from equi_core import num_coefficients
    >>> num_coefficients(3)  # (L + 1)^2
    16
    """
    L = check_int(L, "L", 0, 10**6)
    return (L + 1) ** 2


def degree_of(coeffs: ArrayLike) -> int:
    """The degree ``L`` of a coefficient array whose last axis has ``(L + 1)^2`` entries.

    Raises
    ------
    ValueError
        If the last axis length is not a perfect square.

    Examples
    --------
    >>> from equi_core import degree_of
    >>> degree_of(np.zeros(9))
    2
    >>> degree_of(np.zeros(8))
    Traceback (most recent call last):
    ...
    ValueError: the last axis must have (L+1)^2 = 1, 4, 9, 16, ... entries, got 8
    """
    n = np.shape(coeffs)[-1] if np.ndim(coeffs) else 0
    L = math.isqrt(n) - 1 if n > 0 else -1
    if n <= 0 or n != (L + 1) ** 2:
        raise ValueError(f"the last axis must have (L+1)^2 = 1, 4, 9, 16, ... entries, got {n}")
    return L


# ------------------------------------------------------------------------------------------------
# analysis / synthesis
# ------------------------------------------------------------------------------------------------
def project(f: Callable[[Array], ArrayLike] | ArrayLike, L: int, grid: SphereGrid | None = None) -> Array:
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

    Examples
    --------
    >>> from equi_core import evaluate, project, quadrature_grid
    >>> c = np.random.default_rng(0).standard_normal(16)  # a function band-limited at L = 3
    >>> grid = quadrature_grid(6)
    >>> f = evaluate(c, grid.points)
    >>> float(np.abs(project(f, 3, grid) - c).max()) < 1e-13  # exact on a grid of degree >= 3 + 3
    True
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

    Examples
    --------
    >>> from equi_core import evaluate, quadrature_grid, synthesize
    >>> c, grid = np.random.default_rng(0).standard_normal(9), quadrature_grid(4)
    >>> bool(np.allclose(synthesize(c, grid), evaluate(c, grid.points)))
    True
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

    Examples
    --------
    >>> from equi_core import power_spectrum, random_rotation, wigner_D
    >>> c = np.random.default_rng(0).standard_normal(9)
    >>> D = [wigner_D(l, random_rotation(rng=1)) for l in range(3)]
    >>> turned = np.concatenate([D[l] @ c[l * l:(l + 1) ** 2] for l in range(3)])
    >>> bool(np.allclose(power_spectrum(turned), power_spectrum(c)))  # rotation-invariant
    True
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

    Examples
    --------
    >>> from equi_core import von_mises_fisher_kernel
    >>> kappa = 10.0
    >>> lam0 = von_mises_fisher_kernel(kappa, [0])[0]
    >>> bool(np.isclose(lam0, 2 * np.pi * (1 - np.exp(-2 * kappa)) / kappa))  # l = 0: the bump's integral
    True
    """
    kappa = check_float(kappa, "kappa", 1e-3, 1e4)
    ls = np.asarray(ls, dtype=np.float64)
    return 4.0 * np.pi * np.sqrt(np.pi / (2.0 * kappa)) * special.ive(ls + 0.5, kappa)


def cap_kernel(half_angle: float, ls: ArrayLike) -> Array:
    """Funk-Hecke eigenvalues of the indicator of a cap ``x . u >= cos(half_angle)``.

    ``lambda_0 = 2 pi (1 - c)``, ``lambda_l = 2 pi (P_{l-1}(c) - P_{l+1}(c)) / (2 l + 1)`` for ``l >= 1``,
    with ``c = cos(half_angle)`` (from ``(2l+1) P_l = (P_{l+1} - P_{l-1})'``).

    Examples
    --------
    >>> from equi_core import cap_kernel
    >>> lam = cap_kernel(np.pi, [0, 1, 2])  # the whole sphere: 4 pi at l = 0, nothing above
    >>> bool(np.isclose(lam[0], 4 * np.pi)), float(np.abs(lam[1:]).max()) < 1e-15
    (True, True)
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
