"""Cartesian rank-2 tensors as irreps: ``X = (tr X / 3) I + A + S`` is ``0e + 1e + 2e`` (the TensorNet view).

A 3x3 matrix turns under a rotation as ``X -> R X R^T``. Split it into its trace, antisymmetric part ``A`` and
symmetric traceless part ``S``; each part turns into itself, and in the orthonormal basis

    B^l_m = sqrt(2l + 1) * clebsch_gordan(1, 1, l)[:, :, m],     l = 0, 1, 2    (9 matrices, <B, B'> = delta)

the coefficient vector ``x = (<B^l_m, X>)`` (9 numbers, laid out as ``Irreps("0e + 1e + 2e")``) turns with the
block-diagonal ``D^0(R) + D^1(R) + D^2(R)`` of :func:`~equi_core.wigner_D`. In closed form (the Lab's e3nn basis,
y the polar axis)::

    0e:  tr X / sqrt(3)
    1e:  (X_yz - X_zy, X_zx - X_xz, X_xy - X_yx) / sqrt(2)  = sqrt(2) * a,  A_ij = eps_ijk a_k (a: the axial vector)
    2e:  (sqrt(2) S_xz, sqrt(2) S_xy, sqrt(3/2) S_yy, sqrt(2) S_yz, (S_zz - S_xx) / sqrt(2))

For ``X = u v^T`` this is exactly e3nn's ``FullTensorProduct("1o", "1o")`` of ``u`` and ``v`` (dot / sqrt 3,
cross / sqrt 2, the symmetric traceless part): the change of basis *is* the Clebsch-Gordan decomposition of
``1 (x) 1``. Both parts are even under inversion (``X -> (-I) X (-I) = X``), so the vector ``a`` of ``A`` is an
axial vector: ``1e``.

The matrix product ``Z = X Y`` is bilinear and equivariant (``R X R^T R Y R^T = R (X Y) R^T``), so by Schur's lemma
its ``l1 (x) l2 -> l3`` part is one constant times the Clebsch-Gordan path:
``z_l3 = sum_{l1, l2} c(l1, l2, l3) * einsum('ijk,i,j->k', clebsch_gordan(l1, l2, l3), x_l1, y_l2)``.
:func:`matrix_product_paths` computes every ``c`` (all 15 paths with ``l3 <= 2`` are present) and the residual
against ``clebsch_gordan``; the paths ``1 (x) 2 -> 3``, ``2 (x) 1 -> 3``, ``2 (x) 2 -> 3`` and ``2 (x) 2 -> 4`` of
the full product of ``0e + 1e + 2e`` cannot be produced (a 3x3 matrix has no ``l = 3, 4`` part), and the constants
are fixed (no free weight per path).

Example
-------
>>> import numpy as np
>>> X = np.arange(9.0).reshape(3, 3)
>>> x = cartesian_to_irreps(X)
>>> bool(np.allclose(irreps_to_cartesian(x), X)), round(float(x[0]), 6)
(True, 6.928203)
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction
from functools import lru_cache

import numpy as np
from numpy.typing import ArrayLike, NDArray

from .clebsch_gordan import clebsch_gordan
from .irreps import Irreps
from .wigner import wigner_D

__all__ = [
    "CARTESIAN_IRREPS",
    "MAX_CARTESIAN_RANK",
    "CartesianParts",
    "CartesianRankRow",
    "CostRow",
    "MatrixProductPath",
    "RotationBlockCheck",
    "antisymmetric_to_1e",
    "axial_vector",
    "cartesian_basis",
    "cartesian_rank_table",
    "cartesian_to_irreps",
    "decompose_cartesian",
    "exact_sqrt_string",
    "full_product_paths_012",
    "irrep_multiplicities_of_rank",
    "irreps_to_cartesian",
    "matrix_product_paths",
    "matrix_product_via_paths",
    "matrix_vs_cg_costs",
    "missing_matrix_product_paths",
    "rotation_block_check",
    "symmetric_traceless_to_2e",
]

Array = NDArray[np.float64]

#: The layout of :func:`cartesian_to_irreps`.
CARTESIAN_IRREPS = Irreps("0e + 1e + 2e")
#: Largest rank accepted by :func:`cartesian_rank_table` (3^20 is about 3.5e9 numbers).
MAX_CARTESIAN_RANK = 20
_SLICES = {0: slice(0, 1), 1: slice(1, 4), 2: slice(4, 9)}


@lru_cache(maxsize=1)
def cartesian_basis() -> Array:
    """The nine orthonormal 3x3 basis matrices ``B[k]``, shape ``(9, 3, 3)``, read-only.

    ``B[l^2 + m + l] = sqrt(2l + 1) clebsch_gordan(1, 1, l)[:, :, m + l]``. Guarantees
    ``einsum('kij,lij->kl', B, B) == I_9`` (to rounding): the map ``X -> x`` is orthogonal (norm preserving).
    """
    B = np.concatenate([math.sqrt(2 * l + 1) * np.moveaxis(clebsch_gordan(1, 1, l), 2, 0) for l in range(3)])
    B = np.ascontiguousarray(B)
    B.setflags(write=False)
    return B


def _check_matrices(X: ArrayLike, name: str = "X") -> Array:
    try:
        X = np.asarray(X, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{name} must be an array of real numbers of shape (..., 3, 3)") from exc
    if X.ndim < 2 or X.shape[-2:] != (3, 3):
        raise ValueError(f"{name} must have shape (..., 3, 3), got {X.shape}")
    if not np.all(np.isfinite(X)):
        raise ValueError(f"{name} must be finite (got NaN or infinity)")
    return X


def cartesian_to_irreps(X: ArrayLike) -> Array:
    """Coefficients of 3x3 matrices in the ``0e + 1e + 2e`` basis.

    Parameters
    ----------
    X : array, shape (..., 3, 3)
        Finite real matrices.

    Returns
    -------
    ndarray, shape (..., 9)
        ``x[..., k] = sum_ij B[k, i, j] X[..., i, j]`` (:func:`cartesian_basis`), laid out as
        ``Irreps("0e + 1e + 2e")``: ``x[0] = tr X / sqrt 3``, ``x[1:4] = sqrt 2 * axial(A)``, ``x[4:9]`` the five
        components of ``S`` (module docstring).

    Invariants
    ----------
    * Orthogonal: ``|x| = |X|_F`` and ``irreps_to_cartesian(cartesian_to_irreps(X)) == X``.
    * Equivariant: ``cartesian_to_irreps(R X R^T) = D(R) x`` with ``D = D^0 + D^1 + D^2``.

    Raises
    ------
    ValueError
        If ``X`` is not finite or its last two axes are not (3, 3).
    """
    X = _check_matrices(X)
    return np.einsum("kij,...ij->...k", cartesian_basis(), X)


def irreps_to_cartesian(x: ArrayLike) -> Array:
    """The 3x3 matrices ``sum_k x[..., k] B[k]`` of coefficient vectors ``x`` of shape ``(..., 9)``.

    Inverse of :func:`cartesian_to_irreps`. Raises ``ValueError`` unless the last axis has 9 finite entries.
    """
    try:
        x = np.asarray(x, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise ValueError("x must be an array of real numbers of shape (..., 9)") from exc
    if x.ndim < 1 or x.shape[-1] != 9:
        raise ValueError(f"x must have shape (..., 9) (0e + 1e + 2e), got {x.shape}")
    if not np.all(np.isfinite(x)):
        raise ValueError("x must be finite (got NaN or infinity)")
    return np.einsum("kij,...k->...ij", cartesian_basis(), x)


@dataclass(frozen=True)
class CartesianParts:
    """``X = trace_part + antisymmetric + symmetric_traceless`` (each ``(..., 3, 3)``) and their sizes.

    ``trace_part = (tr X / 3) I`` (1 number), ``antisymmetric = (X - X^T) / 2`` (3), ``symmetric_traceless =
    (X + X^T) / 2 - trace_part`` (5).
    """

    trace_part: Array
    antisymmetric: Array
    symmetric_traceless: Array


def decompose_cartesian(X: ArrayLike) -> CartesianParts:
    """The trace, antisymmetric and symmetric traceless parts of ``X`` (shape ``(..., 3, 3)``); they sum to ``X``."""
    X = _check_matrices(X)
    tr = np.trace(X, axis1=-2, axis2=-1)[..., None, None] / 3.0 * np.eye(3)
    A = 0.5 * (X - np.swapaxes(X, -1, -2))
    S = 0.5 * (X + np.swapaxes(X, -1, -2)) - tr
    return CartesianParts(tr, A, S)


def axial_vector(A: ArrayLike) -> Array:
    """``a = (A_yz, A_zx, A_xy)`` of an antisymmetric ``A``, i.e. ``A_ij = eps_ijk a_k``.

    For ``A = (u v^T - v u^T) / 2``: ``a = (u x v) / 2``. Only the antisymmetric part of the input is used.
    """
    A = _check_matrices(A, "A")
    A = 0.5 * (A - np.swapaxes(A, -1, -2))
    return np.stack([A[..., 1, 2], A[..., 2, 0], A[..., 0, 1]], axis=-1)


def antisymmetric_to_1e(A: ArrayLike) -> Array:
    """The ``1e`` block of an antisymmetric matrix in closed form: ``sqrt(2) * axial_vector(A)``.

    Equals ``cartesian_to_irreps(A)[..., 1:4]`` (tested to 1e-15).
    """
    return math.sqrt(2.0) * axial_vector(A)


def symmetric_traceless_to_2e(S: ArrayLike) -> Array:
    """The ``2e`` block of a symmetric traceless ``S`` in closed form (e3nn basis, y the polar axis).

    ``(sqrt2 S_xz, sqrt2 S_xy, (2 S_yy - S_xx - S_zz) / sqrt6, sqrt2 S_yz, (S_zz - S_xx) / sqrt2)``; the middle entry
    is ``sqrt(3/2) S_yy`` when ``tr S = 0``. Equals ``cartesian_to_irreps(S)[..., 4:9]`` and, for
    ``S = sym(u v^T) - (u.v / 3) I``, ``sqrt(5) einsum('ijk,i,j->k', clebsch_gordan(1, 1, 2), u, v)`` (tested).
    Uses only the symmetric traceless part of the input.
    """
    S = _check_matrices(S, "S")
    S = 0.5 * (S + np.swapaxes(S, -1, -2))
    r2 = math.sqrt(2.0)
    return np.stack(
        [
            r2 * S[..., 0, 2],
            r2 * S[..., 0, 1],
            (2.0 * S[..., 1, 1] - S[..., 0, 0] - S[..., 2, 2]) / math.sqrt(6.0),
            r2 * S[..., 1, 2],
            (S[..., 2, 2] - S[..., 0, 0]) / r2,
        ],
        axis=-1,
    )


@dataclass(frozen=True)
class RotationBlockCheck:
    """``M = B (R (x) R) B^T`` (the 9x9 matrix of ``X -> R X R^T`` in the irrep basis) against ``D^0+D^1+D^2``.

    Attributes
    ----------
    matrix : ndarray (9, 9)
        ``M``.
    block_errors : tuple of float
        ``max |M_ll - D^l(R)|`` for l = 0, 1, 2 (~1e-15).
    off_block : float
        Largest entry of ``M`` outside the three diagonal blocks (~1e-16: the parts never mix).
    """

    matrix: Array
    block_errors: tuple[float, float, float]
    off_block: float

    @property
    def max_error(self) -> float:
        """``max(block_errors + (off_block,))``."""
        return max(*self.block_errors, self.off_block)


def rotation_block_check(R: ArrayLike) -> RotationBlockCheck:
    """Show that ``X -> R X R^T`` is ``D^0(R) + D^1(R) + D^2(R)`` in the basis of :func:`cartesian_basis`.

    Raises ``ValueError`` if ``R`` is not a rotation (through :func:`~equi_core.wigner_D`).
    """
    R = _check_matrices(R, "R")
    if R.ndim != 2:
        raise ValueError("R must be a single 3x3 rotation matrix")
    B = cartesian_basis()
    M = np.einsum("kab,ai,bj,lij->kl", B, R, R, B)
    errors = []
    mask = np.ones((9, 9), dtype=bool)
    for l in range(3):
        s = _SLICES[l]
        errors.append(float(np.max(np.abs(M[s, s] - wigner_D(l, R)))))
        mask[s, s] = False
    return RotationBlockCheck(M, (errors[0], errors[1], errors[2]), float(np.max(np.abs(M[mask]))))


def exact_sqrt_string(c: float, max_denominator: int = 1000, tol: float = 1e-12) -> str:
    """``c`` written as ``±sqrt(p/q)`` (or ``±p/q``) when ``c^2`` is a small fraction, else ``repr``-like text.

    >>> exact_sqrt_string(-math.sqrt(15) / 2)
    '-sqrt(15/4)'
    >>> exact_sqrt_string(1.0)
    '1'
    """
    if c == 0.0:
        return "0"
    sign = "-" if c < 0 else ""
    frac = Fraction(c * c).limit_denominator(max_denominator)
    if abs(math.sqrt(frac.numerator / frac.denominator) - abs(c)) > tol * max(1.0, abs(c)):
        return f"{c:.12g}"
    root = Fraction(math.isqrt(frac.numerator), math.isqrt(frac.denominator))
    if root * root == frac:
        return f"{sign}{root}"
    body = f"{frac.numerator}" if frac.denominator == 1 else f"{frac.numerator}/{frac.denominator}"
    return f"{sign}sqrt({body})"


@dataclass(frozen=True)
class MatrixProductPath:
    """One path ``l1 (x) l2 -> l3`` of ``cartesian_to_irreps(X @ Y)``.

    Attributes
    ----------
    l1, l2, l3 : int
        Degree of the part of ``X``, of ``Y``, of the product.
    constant : float
        ``c`` with ``z_l3 += c * einsum('ijk,i,j->k', clebsch_gordan(l1, l2, l3), x_l1, y_l2)`` (inner product of
        the block with the unit-norm CG tensor).
    exact : str
        ``constant`` as ``±sqrt(p/q)`` (:func:`exact_sqrt_string`).
    residual : float
        ``max |T - c C|`` over the block ``T``: ~1e-16 (the block *is* a multiple of the CG tensor).
    e3nn_weight : float
        ``c / sqrt(2 l3 + 1)``: the weight relative to e3nn's component-normalized ``FullTensorProduct`` path.
    """

    l1: int
    l2: int
    l3: int
    constant: float
    exact: str
    residual: float
    e3nn_weight: float


@lru_cache(maxsize=1)
def _product_tensor() -> Array:
    """``T[i, j, k]`` with ``cartesian_to_irreps(X @ Y)_k = sum_ij T_ijk x_i y_j`` (9 x 9 x 9)."""
    B = cartesian_basis()
    T = np.einsum("kab,iac,jcb->ijk", B, B, B)
    T.setflags(write=False)
    return T


def full_product_paths_012() -> tuple[tuple[int, int, int], ...]:
    """Every path ``l1 (x) l2 -> l3`` of the full CG product of ``0e + 1e + 2e`` with itself (19 paths)."""
    return tuple((l1, l2, l3) for l1 in range(3) for l2 in range(3) for l3 in range(abs(l1 - l2), l1 + l2 + 1))


def matrix_product_paths() -> tuple[MatrixProductPath, ...]:
    """The 15 Clebsch-Gordan paths (``l3 <= 2``) of the matrix product, their constants and residuals.

    Each 3-index block of the 9x9x9 coupling tensor of ``X @ Y`` is projected on ``clebsch_gordan(l1, l2, l3)``.
    Guarantee (tested): every residual is below 1e-14 and every constant is non-zero, so the matrix product
    contains every path with ``l3 <= 2``, each with one fixed constant.
    """
    T = _product_tensor()
    rows = []
    for l1, l2, l3 in full_product_paths_012():
        if l3 > 2:
            continue
        block = T[_SLICES[l1], _SLICES[l2], _SLICES[l3]]
        C = clebsch_gordan(l1, l2, l3)
        c = float(np.sum(block * C))
        rows.append(
            MatrixProductPath(
                l1,
                l2,
                l3,
                c,
                exact_sqrt_string(c),
                float(np.max(np.abs(block - c * C))),
                c / math.sqrt(2 * l3 + 1),
            )
        )
    return tuple(rows)


def missing_matrix_product_paths() -> tuple[tuple[int, int, int], ...]:
    """The paths of the full product of ``0e + 1e + 2e`` the matrix product cannot produce (``l3 = 3, 4``)."""
    return tuple(p for p in full_product_paths_012() if p[2] > 2)


def matrix_product_via_paths(x: ArrayLike, y: ArrayLike) -> Array:
    """``cartesian_to_irreps(X @ Y)`` rebuilt from the 15 CG paths of :func:`matrix_product_paths`.

    ``x, y`` of shape ``(..., 9)`` (broadcast). Equal to the matrix product to rounding (tested).
    """
    x = np.asarray(x, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    if x.shape[-1:] != (9,) or y.shape[-1:] != (9,):
        raise ValueError("x and y must have shape (..., 9) (0e + 1e + 2e)")
    batch = np.broadcast_shapes(x.shape[:-1], y.shape[:-1])
    z = np.zeros(batch + (9,))
    for p in matrix_product_paths():
        C = clebsch_gordan(p.l1, p.l2, p.l3)
        z[..., _SLICES[p.l3]] += p.constant * np.einsum(
            "ijk,...i,...j->...k", C, x[..., _SLICES[p.l1]], y[..., _SLICES[p.l2]]
        )
    return z


@dataclass(frozen=True)
class CostRow:
    """Multiply-adds of one product of two ``0e + 1e + 2e`` features (one pair, no batching)."""

    name: str
    multiply_adds: int
    paths: int
    outputs: int
    note: str


def matrix_vs_cg_costs() -> tuple[CostRow, ...]:
    """The operation counts of the matrix product and of the full CG product on ``0e + 1e + 2e``.

    * ``3x3 matrix product``: 27 multiply-adds, 15 paths (fixed constants), 9 outputs.
    * ``full CG, l3 <= 2``: dense ``sum (2l1+1)(2l2+1)(2l3+1)`` over the same 15 paths.
    * ``full CG, all 19 paths``: also ``l3 = 3, 4`` (dense count) -- ``81`` output numbers.
    * the same two with only the non-zero CG coefficients counted (sparse).
    """

    def dense(paths: tuple[tuple[int, int, int], ...]) -> int:
        return sum((2 * a + 1) * (2 * b + 1) * (2 * c + 1) for a, b, c in paths)

    def sparse(paths: tuple[tuple[int, int, int], ...]) -> int:
        return sum(int(np.count_nonzero(np.abs(clebsch_gordan(a, b, c)) > 1e-14)) for a, b, c in paths)

    allp = full_product_paths_012()
    low = tuple(p for p in allp if p[2] <= 2)
    out_all = sum(2 * c + 1 for _, _, c in allp)
    out_low = sum(2 * c + 1 for _, _, c in low)
    return (
        CostRow("3x3 matrix product X Y", 27, 15, 9, "15 paths with fixed constants"),
        CostRow(
            "full CG, paths with l3 <= 2 (dense)",
            dense(low),
            15,
            out_low,
            "one output block per path",
        ),
        CostRow(
            "full CG, paths with l3 <= 2 (sparse)",
            sparse(low),
            15,
            out_low,
            "non-zero CG entries only",
        ),
        CostRow(
            "full CG, all 19 paths (dense)",
            dense(allp),
            19,
            out_all,
            "includes l3 = 3, 4",
        ),
        CostRow(
            "full CG, all 19 paths (sparse)",
            sparse(allp),
            19,
            out_all,
            "non-zero CG entries only",
        ),
    )


def irrep_multiplicities_of_rank(L: int) -> tuple[int, ...]:
    """How many copies of each degree ``l = 0..L`` a rank-``L`` Cartesian tensor holds (``1^{(x) L}``).

    From the recursion ``n_{L+1}(l) = n_L(l-1) + n_L(l) + n_L(l+1)`` (coupling one more vector). Guarantee:
    ``sum_l n(l) (2l+1) = 3^L``; ``n(L) = 1`` (one copy of the top degree).
    """
    L = _check_rank(L)
    n = [1]
    for _ in range(L):
        m = [0] * (len(n) + 1)
        for l, k in enumerate(n):
            if l == 0:
                m[1] += k  # 0 (x) 1 = 1
            else:
                m[l - 1] += k  # l (x) 1 = (l-1) + l + (l+1)
                m[l] += k
                m[l + 1] += k
        n = m
    return tuple(n)


def _check_rank(L: object) -> int:
    if isinstance(L, (bool, np.bool_)) or not isinstance(L, (int, np.integer)):
        # ValueError, not TypeError, for a wrong type too: the house rule is one error type naming what is allowed
        raise ValueError(f"the rank must be an integer in 0..{MAX_CARTESIAN_RANK}, got {L!r}")
    if not 0 <= int(L) <= MAX_CARTESIAN_RANK:
        raise ValueError(f"the rank must be an integer in 0..{MAX_CARTESIAN_RANK}, got {L}")
    return int(L)


@dataclass(frozen=True)
class CartesianRankRow:
    """A rank-``L`` Cartesian tensor (``3^L`` numbers) against one degree-``L`` irrep (``2L + 1``).

    ``redundant_share = 1 - (2L + 1) / 3^L``: the fraction of the Cartesian numbers that are not the top-degree
    irrep (lower-degree copies, ``multiplicities``) when only degree ``L`` is wanted.
    """

    L: int
    cartesian: int
    irrep: int
    redundant_share: float
    multiplicities: tuple[int, ...]


def cartesian_rank_table(L_max: int = 8) -> tuple[CartesianRankRow, ...]:
    """Rows for ``L = 0..L_max`` (``L_max <= MAX_CARTESIAN_RANK``)."""
    L_max = _check_rank(L_max)
    return tuple(
        CartesianRankRow(
            L,
            3**L,
            2 * L + 1,
            1.0 - (2 * L + 1) / 3**L,
            irrep_multiplicities_of_rank(L),
        )
        for L in range(L_max + 1)
    )
