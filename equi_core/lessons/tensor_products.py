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
from ..o3.clebsch_gordan import clebsch_gordan, clebsch_gordan_invariance_error
from ..o3.gaunt import cg_full_product, count_cg_operations, count_gaunt_operations, gaunt_path_constant, gaunt_product
from ..o3.irreps import Irrep
from ..o3.rotations import random_rotation
from ..o3.wigner import wigner_D
from .classroom import Quiz, format_vector

__all__ = [
    "VectorCouplingRow",
    "couple_two_vectors",
    "PathCensus",
    "path_census",
    "ProductTiming",
    "time_products",
    "fit_power_law",
    "CG_ZERO",
    "DEFAULT_U",
    "DEFAULT_V",
    "L_COUNT_MAX",
    "L_IN_MAX",
    "L_TIME_MAX",
    "PARITIES",
    "TIME_BATCH",
    "CGBlock",
    "CountSummary",
    "OperationCounts",
    "TimingSummary",
    "VectorCoupling",
    "all_operation_counts",
    "block_columns",
    "cg_block",
    "product_outputs",
    "quizzes",
    "timing_summary",
    "vector_coupling",
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


def fit_power_law(xs: ArrayLike, ys: ArrayLike) -> tuple[float, float]:
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


# ------------------------------------------------------------------------------------------------ the page
L_IN_MAX = 6  #: l1, l2 of the explorer (l3 up to 12: 25 heat-map panels at most)
L_COUNT_MAX = 64  #: operation counts are formulas: cheap to any L
#: Measured times: the bound keeps one press quick on a shared server. Measured on the 2-core dev machine (cold CG
#: cache, batch 16, best of 3): the sweep L = 1..12 takes 2.3 s (full CG at L = 12: 117 ms per batch); 1..16 would
#: take 7.8 s. The core keeps every CG tensor of a product up to L ~ 16 cached (two-tier cache), so no thrashing.
L_TIME_MAX = 12
TIME_BATCH = 16  #: random pairs per timed batch
PARITIES = {"e": 1, "o": -1}  #: parity letters
DEFAULT_U, DEFAULT_V = "1, -2, 3", "0.5, 1, 2"  #: the page's two vectors
#: A CG coefficient this small counts as zero (the tensors are exact to ~1e-16, their nonzero entries are > 1e-3).
CG_ZERO = 1e-14
#: A Gaunt path constant this small means the path is lost (it is exactly 0 for odd l1 + l2 + l3).
GAUNT_ZERO = 1e-12


def product_outputs(l1: int, p1: str, l2: int, p2: str) -> tuple[Irrep, Irrep, list[Irrep]]:
    """The two input irreps (parities given as ``'e'``/``'o'``) and the irreps of their product, in order."""
    ir1, ir2 = Irrep(int(l1), PARITIES[p1]), Irrep(int(l2), PARITIES[p2])
    return ir1, ir2, list(ir1 * ir2)


@dataclass(frozen=True)
class CGBlock:
    """The Clebsch-Gordan tensor ``C(l1, l2, l3)`` with the page's numbers.

    Attributes
    ----------
    C : ndarray (2 l1 + 1, 2 l2 + 1, 2 l3 + 1)
    nonzero : int
        Entries with ``|C| > CG_ZERO``; ``size`` all entries.
    invariance_error : float
        ``max |C(D1 x D2 x D3) - C|`` for the seeded random rotation (rounding).
    gaunt_constant : float
        ``kappa`` with ``Gaunt = kappa CG`` on this path (0: the Gaunt product loses it).
    """

    l1: int
    l2: int
    l3: int
    C: Array
    nonzero: int
    size: int
    invariance_error: float
    gaunt_constant: float

    @property
    def gaunt_keeps(self) -> bool:
        """True when the Gaunt product computes this path (``l1 + l2 + l3`` even)."""
        return abs(self.gaunt_constant) > GAUNT_ZERO


def cg_block(l1: int, l2: int, l3: int, seed: int) -> CGBlock:
    """Compute :class:`CGBlock`; the invariance is checked with ``random_rotation(rng=seed)``.

    Raises
    ------
    ValueError
        Degrees that violate the triangle rule or a bad seed.
    """
    R = random_rotation(rng=check_int(seed, "seed", 0, 2**31 - 1))
    C = np.asarray(clebsch_gordan(l1, l2, l3), dtype=np.float64)
    return CGBlock(
        l1=int(l1),
        l2=int(l2),
        l3=int(l3),
        C=C,
        nonzero=int(np.count_nonzero(np.abs(C) > CG_ZERO)),
        size=int(C.size),
        invariance_error=float(clebsch_gordan_invariance_error(l1, l2, l3, R)),
        gaunt_constant=float(gaunt_path_constant(l1, l2, l3)),
    )


def block_columns(C: ArrayLike) -> dict[str, Array]:
    """The CG tensor's download table: index columns ``i, j, k`` (``m + l``) and the value."""
    T = np.asarray(C, dtype=np.float64)
    ii, jj, kk = np.indices(T.shape)
    return {"i (m1 + l1)": ii.ravel(), "j (m2 + l2)": jj.ravel(), "k (m3 + l3)": kk.ravel(), "C": T.ravel()}


@dataclass(frozen=True)
class VectorCoupling:
    """``1o (x) 1o`` on two vectors: the three outputs (:func:`couple_two_vectors`) and the cross product.

    ``cross`` is ``u x v`` (textbook); ``gaunt_cross`` the Gaunt product's ``1`` output (exactly zero: the Gaunt
    product cannot make a cross product).
    """

    rows: tuple[VectorCouplingRow, ...]
    cross: Array
    gaunt_cross: Array

    @property
    def cross_is_zero(self) -> bool:
        """True for parallel (or zero) vectors."""
        return not bool(np.any(self.cross))

    def columns(self) -> dict[str, list]:
        """The download table: output, CG and Gaunt products (as text), equivariance error."""
        return {
            "output": [r.irrep for r in self.rows],
            "cg": [format_vector(r.cg) for r in self.rows],
            "gaunt": [format_vector(r.gaunt) for r in self.rows],
            "equivariance_error": [r.equivariance_error for r in self.rows],
        }


def vector_coupling(u: ArrayLike, v: ArrayLike, seed: int) -> VectorCoupling:
    """Couple ``u`` and ``v``; the equivariance errors use ``random_rotation(rng=seed)``."""
    a, b = np.asarray(u, dtype=np.float64), np.asarray(v, dtype=np.float64)
    rows = tuple(couple_two_vectors(a, b, random_rotation(rng=check_int(seed, "seed", 0, 2**31 - 1))))
    return VectorCoupling(rows=rows, cross=np.cross(a, b), gaunt_cross=rows[1].gaunt)


@dataclass(frozen=True)
class CountSummary:
    """Operation counts for ``L = 1..L_max`` and power laws fitted over the upper half ``L >= max(2, L_max // 2)``."""

    Ls: Array
    cg: Array
    cg_even: Array
    gaunt: Array
    fit_from: int
    slope_cg: float
    slope_gaunt: float

    @property
    def ratio(self) -> float:
        """How many times fewer operations the Gaunt product needs at ``L_max``."""
        return float(self.cg[-1] / self.gaunt[-1])

    def columns(self) -> dict[str, Array]:
        """The counts' download table."""
        return {
            "L": self.Ls,
            "cg_multiply_adds_all_paths": self.cg,
            "cg_multiply_adds_even_paths": self.cg_even,
            "gaunt_operations": self.gaunt,
        }


@dataclass(frozen=True)
class OperationCounts:
    """Counts of both products for every ``L = 1..L_COUNT_MAX``, computed once (about 0.4 s); slices are free."""

    Ls: Array
    cg: Array
    cg_even: Array
    gaunt: Array

    def up_to(self, L_max: int) -> CountSummary:
        """The counts for ``L = 1..L_max`` with their fitted slopes (``4 <= L_max <= L_COUNT_MAX``)."""
        n = check_int(L_max, "L_max", 4, len(self.Ls))
        Ls, cg, even, ga = self.Ls[:n], self.cg[:n], self.cg_even[:n], self.gaunt[:n]
        half = Ls >= max(2, n // 2)
        slope_cg, _ = fit_power_law(Ls[half], cg[half])
        slope_g, _ = fit_power_law(Ls[half], ga[half])
        return CountSummary(Ls, cg, even, ga, int(Ls[half][0]), float(slope_cg), float(slope_g))


def all_operation_counts(L_max: int = L_COUNT_MAX) -> OperationCounts:
    """Full CG multiply-adds (all paths and even paths only) and Gaunt operations for ``L = 1..L_max``."""
    Ls = np.arange(1, check_int(L_max, "L_max", 4, 256) + 1)
    return OperationCounts(
        Ls=Ls.astype(np.float64),
        cg=np.array([count_cg_operations(int(L)) for L in Ls], dtype=np.float64),
        cg_even=np.array([count_cg_operations(int(L), even_paths_only=True) for L in Ls], dtype=np.float64),
        gaunt=np.array([count_gaunt_operations(int(L)).total for L in Ls], dtype=np.float64),
    )


@dataclass(frozen=True)
class TimingSummary:
    """Exponents fitted to measured times over ``L = fit_from .. L_max``; ``speedup`` is CG / Gaunt at ``L_max``."""

    fit_from: int
    L_max: int
    exponent_cg: float
    exponent_gaunt: float
    speedup: float


def timing_summary(
    Ls: Sequence[int], cg_seconds: Sequence[float], gaunt_seconds: Sequence[float]
) -> TimingSummary | None:
    """Fit power laws to measured times over the upper half ``L >= max(2, max L // 2)`` (None: fewer than 2 points)."""
    L = np.asarray(Ls, dtype=np.float64)
    upper = max(2, int(L.max()) // 2) <= L
    if upper.sum() < 2:
        return None
    e_cg, _ = fit_power_law(L[upper], np.asarray(cg_seconds)[upper])
    e_g, _ = fit_power_law(L[upper], np.asarray(gaunt_seconds)[upper])
    return TimingSummary(
        int(L[upper][0]), int(L.max()), float(e_cg), float(e_g), float(cg_seconds[-1] / gaunt_seconds[-1])
    )


def quizzes() -> dict[str, Quiz]:
    """The page's three questions, answered by the core (triangle rule, the lost Gaunt path, the L^6 growth)."""
    ls_23 = ", ".join(str(ir.l) for ir in Irrep("2e") * Irrep("3e"))
    rows = couple_two_vectors((1.0, -2.0, 3.0), (0.5, 1.0, 2.0), random_rotation(rng=0))
    names = [f"{r.irrep} ({r.name.split(' (')[0]})" for r in rows]
    lost = [name for name, r in zip(names, rows) if r.gaunt_constant == 0]
    ratio = count_cg_operations(32) / count_cg_operations(16)
    ratio_g = count_gaunt_operations(32).total / count_gaunt_operations(16).total
    right = f"about {ratio:.0f}×"
    cost_options = sorted(
        {right, f"about {ratio_g:.0f}×", "about 2×", "about 4×"}, key=lambda t: float(t.split()[1][:-1])
    )
    return {
        "q_23": Quiz(
            "Which output degrees l₃ does the product of a degree-2 and a degree-3 feature contain?",
            tuple(sorted({ls_23, "1, 3, 5", "5", "0, 1, 2, 3, 4, 5, 6", "2, 3"})),
            ls_23,
            "The triangle rule |l₁ − l₂| ≤ l₃ ≤ l₁ + l₂ gives 1 … 5: five blocks of sizes 3 + 5 + 7 + 9 + 11 = 35 = "
            "5 × 7.",
        ),
        "q_lost": Quiz(
            "Which output of 1o ⊗ 1o does the Gaunt product lose?",
            (*names, "none of them"),
            lost[0] if lost else "none of them",
            "Gaunt coefficients vanish when l₁ + l₂ + l₃ is odd: 1 + 1 + 1 = 3. The cross product is antisymmetric in "
            "u, v; a product of two functions on the sphere is symmetric.",
        ),
        "q_cost": Quiz(
            "Going from L = 16 to L = 32, by how much does the full CG product's multiply-add count grow?",
            tuple(cost_options),
            right,
            f"Computed: {count_cg_operations(16):.3g} → {count_cg_operations(32):.3g}, {ratio:.1f}× (2⁶ = 64 "
            f"asymptotically). The Gaunt product grows {ratio_g:.1f}× (2³ = 8).",
        ),
    }
