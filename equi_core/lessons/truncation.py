"""What the truncation lesson shows: signals that know their exact expansion, truncation at L, the blind spot.

:class:`BondDensity` (a sum of von Mises-Fisher bumps on bond directions: molecules as spherical signals),
:class:`SphericalCap` (a sharp, discontinuous cap) and :class:`BandLimited` (finitely many harmonics)
know their *exact* coefficients (Funk-Hecke formula for the zonal kernels) and exact spectra, so the L2
truncation error of :func:`truncation_study` is exact, not a grid estimate. :func:`blind_spot` shows the
L-fold blind spot of an n-fold star. The pure math (grids, quadrature, projection, kernels) is
:mod:`equi_core.o3.sphere`.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, Protocol, cast, runtime_checkable

import numpy as np
from numpy.typing import ArrayLike, NDArray

from .._checks import check_float, check_int
from ..o3.sphere import (
    MAX_PROJECT_L,
    SphereGrid,
    _readonly,
    _unit_rows,
    cap_kernel,
    degree_of,
    evaluate,
    latlong_grid,
    num_coefficients,
    power_spectrum,
    sh_matrix,
    synthesize,
    von_mises_fisher_kernel,
)
from ..o3.spherical_harmonics import spherical_harmonics
from . import molecules as _molecules
from .classroom import Quiz

__all__ = [
    "SphericalSignal",
    "BondDensity",
    "SphericalCap",
    "BandLimited",
    "random_band_limited",
    "star_directions",
    "TARGET_MOLECULES",
    "molecule_directions",
    "TARGET_KINDS",
    "make_target",
    "TruncationStudy",
    "truncation_study",
    "reconstruct",
    "star_features",
    "BlindSpot",
    "blind_spot",
    "star_needs_degree",
    "BONDS",
    "GRID",
    "L_MAX",
    "TARGETS",
    "TruncationView",
    "blind_columns",
    "degree_table",
    "quizzes",
    "silent_degrees",
    "study_columns",
    "target_key",
    "truncation_view",
]

Array = NDArray[np.float64]
IntArray = NDArray[np.signedinteger[Any]]


@runtime_checkable
class SphericalSignal(Protocol):
    """A function on the sphere that knows its exact expansion.

    Implementations: :class:`BondDensity`, :class:`SphericalCap`, :class:`BandLimited`.
    """

    @property
    def name(self) -> str:
        """What the signal is called (shown in tables and titles)."""

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


def _legendre_sum(ls: IntArray, gram: Array, weights: Array) -> Array:
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
    weights: Array | None = None
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
    def _w(self) -> Array:
        """The weights as an array (``__post_init__`` replaced ``None`` by ones)."""
        return cast(Array, self.weights)

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
        return np.exp(self.kappa * (t - 1.0)) @ self._w

    def coefficients(self, L: int) -> Array:
        L = check_int(L, "L", 0, MAX_PROJECT_L)
        lam = von_mises_fisher_kernel(self.kappa, np.arange(L + 1))
        Y = spherical_harmonics(list(range(L + 1)), self.directions, normalization="integral")
        per_l = np.repeat(lam, 2 * np.arange(L + 1) + 1)
        return per_l * (self._w @ Y)

    def spectrum(self, L: int) -> Array:
        L = check_int(L, "L", 0, 100_000)
        ls = np.arange(L + 1)
        lam = von_mises_fisher_kernel(self.kappa, ls)
        gram = self.directions @ self.directions.T
        return lam**2 * (2 * ls + 1) / (4.0 * np.pi) * _legendre_sum(ls, gram, self._w)

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
        return float(4.0 * np.pi * (self._w @ pair @ self._w))

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


def random_band_limited(band: int, rng: int | np.random.Generator | None = 0) -> BandLimited:
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
TARGET_MOLECULES: dict[str, tuple[str, Callable[[], Array]]] = {
    **{name: (m.description, m.bond_directions) for name, m in _molecules.MOLECULES.items()},
    "benzene": (
        "benzene-like ring: six directions 60 degrees apart in a plane (6-fold axis along y)",
        lambda: star_directions(6),
    ),
}


def molecule_directions(name: str) -> Array:
    """Unit bond directions of a preset: ``'water'``, ``'ammonia'``, ``'methane'`` or ``'benzene'``."""
    if name not in TARGET_MOLECULES:
        raise ValueError(f"unknown molecule {name!r}; choose one of {', '.join(TARGET_MOLECULES)}")
    return _unit_rows(TARGET_MOLECULES[name][1]())


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
) -> BondDensity | SphericalCap | BandLimited:
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
    if kind in TARGET_MOLECULES:
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
    ls: IntArray
    n_coefficients: IntArray
    spectrum: Array
    energy_fraction: Array
    rel_l2_error: Array
    max_error: Array
    rel_max_error: Array
    coefficients: Array
    grid: SphereGrid = field(repr=False)

    def degree_for(self, tolerance: float) -> int | None:
        """The smallest L with ``rel_l2_error <= tolerance`` (None if not reached up to L_max)."""
        hit = np.nonzero(self.rel_l2_error <= tolerance)[0]
        return int(hit[0]) if hit.size else None


def truncation_study(signal: SphericalSignal, L_max: int, grid: SphereGrid | None = None) -> TruncationStudy:
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
    ls: IntArray
    difference: Array
    feature_norm: Array
    spectrum_difference: Array
    first_visible: int | None
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


# ------------------------------------------------------------------------------------------------ the page
L_MAX = 20  #: the page's largest L (stated on the page); the error curves are computed up to it
GRID = (49, 97)  #: drawing / max-error mesh: 49 x 97 nodes (3.75 degree steps)
#: The page's targets and their names.
TARGETS = {
    "water": "water (H₂O)",
    "ammonia": "ammonia (NH₃)",
    "methane": "methane (CH₄)",
    "benzene": "benzene-like ring (6-fold)",
    "star": "n-fold star",
    "cap": "sharp cap",
    "random": "random band-limited",
}
#: Targets made of bonds (a bump of sharpness kappa per bond).
BONDS = ("water", "ammonia", "methane", "benzene", "star")


def target_key(target: str, kappa: int, n: int, cap: int, band: int, seed: int) -> tuple[str, int, int, int, int, int]:
    """Only the parameters ``target`` uses (the others 0), so that an unrelated slider changes nothing."""
    return (
        target,
        kappa if target in BONDS else 0,
        n if target == "star" else 0,
        cap if target == "cap" else 0,
        band if target == "random" else 0,
        seed if target == "random" else 0,
    )


@dataclass(frozen=True)
class TruncationView:
    """A target, its truncation study up to :data:`L_MAX` and its values on the :data:`GRID` drawing mesh.

    ``directions`` are the bond directions of a bond target (None otherwise); ``description`` the molecule's
    description for a molecule target (None otherwise).
    """

    study: TruncationStudy
    original: Array
    directions: Array | None
    name: str
    description: str | None

    def error_at(self, L: int) -> tuple[float, float]:
        """Relative L2 and max errors at ``L``."""
        return float(self.study.rel_l2_error[L]), float(self.study.rel_max_error[L])


def truncation_view(key: tuple[str, int, int, int, int, int]) -> TruncationView:
    """Build the target of :func:`target_key` ``key`` and study it.

    Raises
    ------
    ValueError
        A target or parameter the core rejects.
    """
    target, kappa, n, cap, band, seed = key
    signal = make_target(
        target, n=max(n, 1), kappa=float(max(kappa, 1)), cap_angle_deg=float(max(cap, 1)), band=band, seed=seed
    )
    grid = latlong_grid(*GRID)
    study = truncation_study(signal, L_MAX, grid)
    original = np.asarray(signal.values(grid.flat_points), dtype=np.float64).reshape(grid.n_theta, grid.n_phi)
    directions = signal.directions if isinstance(signal, BondDensity) else None
    description = TARGET_MOLECULES[target][0] if target in TARGET_MOLECULES else None
    return TruncationView(study, original, directions, signal.name, description)


def silent_degrees(study: TruncationStudy, tolerance: float = 1e-12) -> list[int]:
    """Degrees whose energy fraction is below ``tolerance``: the signal's symmetry cancels them."""
    return [int(l) for l in study.ls if study.energy_fraction[l] < tolerance]


def degree_table(kappa: int, n: int) -> list[tuple[str, int | None, int | None, float]]:
    """For every bond target at sharpness ``kappa``: (name, L for 10 % L2 error, L for 1 %, L2 error at L = 4)."""
    rows = []
    for name in BONDS:
        study = truncation_study(make_target(name, n=n, kappa=float(kappa)), L_MAX, latlong_grid(5, 9))
        rows.append((study.name, study.degree_for(0.10), study.degree_for(0.01), float(study.rel_l2_error[4])))
    return rows


def study_columns(study: TruncationStudy) -> dict[str, np.ndarray]:
    """The errors-and-spectrum download table."""
    return {
        "L": study.ls,
        "numbers_per_feature": study.n_coefficients,
        "relative_l2_error": study.rel_l2_error,
        "relative_max_error": study.rel_max_error,
        "P_l_over_norm2": study.energy_fraction,
    }


def blind_columns(blind: BlindSpot) -> dict[str, np.ndarray]:
    """The blind-spot download table."""
    return {"l": blind.ls, "feature_difference": blind.difference, "feature_norm": blind.feature_norm}


def quizzes(n: int, L: int, study: TruncationStudy) -> dict[str, Quiz]:
    """The page's three questions for the present ``n`` and ``L``; the answers are computed by the core."""
    needs = star_needs_degree(int(n))
    n_coeff = num_coefficients(int(L))
    truth = "it never increases"
    monotone = bool(np.all(np.diff(study.rel_l2_error) <= 0))
    return {
        "q_star": Quiz.with_distractors(
            f"A network sees the {n}-fold star through features of degree ≤ L. What is the smallest L that can tell "
            f"the star from its copy turned by π/{n}?",
            needs,
            [max(needs - 1, 0), needs + 1, 2 * needs, 1, 3],
            f"Below degree n = {n} the features of both orientations are identical; the degree-{n} features "
            f"(components m = ±{n}) flip sign under the turn. Computed by `star_needs_degree({n})` = {needs}.",
        ),
        "q_count": Quiz.with_distractors(
            f"How many numbers does one feature carry if it keeps every degree l = 0 … {L} (one copy of each)?",
            n_coeff,
            [int(L) + 1, 2 * int(L) + 1, max(int(L) ** 2, 2), (int(L) + 1) ** 3],
            f"Degree l has 2l + 1 components, and 1 + 3 + 5 + … + (2L + 1) = (L + 1)² = {n_coeff}.",
        ),
        "q_mono": Quiz(
            "As L grows, what does the L2 error of the truncated expansion do?",
            (truth, "it can go up or down", "it halves at every step", "it is zero once L ≥ 3"),
            truth if monotone else "it can go up or down",
            "Each degree is orthogonal to the others, so adding degree L + 1 removes exactly its energy P_{L+1} from "
            "the error (Parseval). The max error is different: for a discontinuous signal it need not fall at all.",
        ),
    }
