"""Clebsch-Gordan coefficients: the only bilinear way to couple two irreps into a third.

``clebsch_gordan(l1, l2, l3)`` is the real tensor ``C`` (2l1+1, 2l2+1, 2l3+1) of the Lab's (e3nn's) basis with

* invariance ``einsum('ijk,ia,jb,kc->abc', C, D1, D2, D3) == C`` for ``Dk = wigner_D(lk, R)``, i.e. the map
  ``z_k = sum_ij C_ijk x_i y_j`` is equivariant: ``z(D1 x, D2 y) = D3 z(x, y)``;
* unit Frobenius norm; numerically equal to e3nn's ``o3.wigner_3j(l1, l2, l3)`` (the real-basis 3j symbol);
* ``C(1, 1, 0) = delta_ij / sqrt(3)`` (dot product), ``C(1, 1, 1) = epsilon_ijk / sqrt(6)`` (cross product).

How it is computed, accurate to ~1e-14 up to l = 100 and beyond (e3nn's exact-fraction route silently underflows to
zeros from l1 = l2 = l3 = 62 on; sympy's exact values take minutes there):

1. For each total projection M >= 0 the complex (Condon-Shortley) coefficients ``<j1 m1 j2 M-m1 | J M>`` over m1
   form the eigenvector of the symmetric tridiagonal matrix of ``J^2 = J1^2 + J2^2 + 2 J1z J2z + J1+ J2- + J1- J2+``
   with the exactly known eigenvalue ``J (J + 1)`` (LAPACK's bisection + inverse iteration for that one vector).
   The sign follows Condon-Shortley: ``<j1 j1; j2 M-j1 | J M> > 0``; negative M by the symmetry
   ``<j1 -m1 j2 -m2 | J -M> = (-1)^(j1+j2-J) <j1 m1 j2 m2 | J M>``.
2. The complex tensor is carried to the real basis with the sparse unitary ``change_basis_real_to_complex``:
   ``C[j,k,n] = Re(sum Q1[a,j] Q2[b,k] conj(Q3[c,n]) CG[a,b,c]) / sqrt(2 l3 + 1)``.
"""

from __future__ import annotations

from functools import lru_cache
from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy.linalg import eigh_tridiagonal

if TYPE_CHECKING:  # sympy is imported lazily (only the exact values need it)
    import sympy

from .wigner import wigner_D

__all__ = [
    "clebsch_gordan",
    "clebsch_gordan_complex",
    "clebsch_gordan_exact",
    "clebsch_gordan_invariance_error",
    "change_basis_real_to_complex",
    "selection_rule",
    "MAX_L_CG",
]

#: Largest degree accepted by :func:`clebsch_gordan` (a (2l+1)^3 tensor: 1.6 GB at l = 300).
MAX_L_CG: int = 200


def _check_degrees(*ls: int) -> tuple[int, ...]:
    out = []
    for l in ls:
        if isinstance(l, (bool, np.bool_)) or (not isinstance(l, (int, np.integer)) and int(l) != l):
            raise ValueError(f"degrees must be non-negative integers, got {l!r}")
        v = int(l)
        if v < 0 or v > MAX_L_CG:
            raise ValueError(f"degrees must be integers in 0..{MAX_L_CG}, got {v}")
        out.append(v)
    return tuple(out)


def selection_rule(l1: int, l2: int, l3: int) -> bool:
    """True when ``|l1 - l2| <= l3 <= l1 + l2`` (the triangle rule: only then is the coupling non-zero).

    Examples
    --------
    >>> from equi_core import selection_rule
    >>> selection_rule(1, 1, 2), selection_rule(1, 1, 3)  # |l1 - l2| <= l3 <= l1 + l2
    (True, False)
    """
    return abs(l1 - l2) <= l3 <= l1 + l2


@lru_cache(maxsize=512)
def change_basis_real_to_complex(l: int) -> NDArray[np.complex128]:
    """Unitary ``Q`` (rows: complex m = -l..l, columns: the Lab's real index) with ``Y_complex = i^l Q Y_real``.

    Identical to e3nn's ``o3.change_basis_real_to_complex(l)``: the Wikipedia real-to-complex matrix times the global
    phase ``(-i)^l`` (the phase cancels in every D matrix but makes every Clebsch-Gordan tensor real).
    Read-only.
    """
    (l,) = _check_degrees(l)
    q = np.zeros((2 * l + 1, 2 * l + 1), dtype=np.complex128)
    s2 = 1.0 / np.sqrt(2.0)
    for m in range(-l, 0):
        q[l + m, l + abs(m)] = s2
        q[l + m, l - abs(m)] = -1j * s2
    q[l, l] = 1.0
    for m in range(1, l + 1):
        q[l + m, l + m] = (-1) ** m * s2
        q[l + m, l - m] = 1j * (-1) ** m * s2
    q *= (-1j) ** l
    q.setflags(write=False)
    return q


def _cg_column(j1: int, j2: int, J: int, M: int) -> tuple[int, NDArray[np.float64]]:
    """Complex CG ``<j1 m1 j2 M-m1 | J M>`` for M >= 0 over the allowed m1, Condon-Shortley sign."""
    lo, hi = max(-j1, M - j2), min(j1, M + j2)
    m1 = np.arange(lo, hi + 1, dtype=np.float64)
    if m1.size == 1:
        return lo, np.ones(1)
    m2 = M - m1
    d = j1 * (j1 + 1.0) + j2 * (j2 + 1.0) + 2.0 * m1 * m2
    a, b = m1[:-1], m2[:-1]
    e = np.sqrt((j1 - a) * (j1 + a + 1.0)) * np.sqrt((j2 + b) * (j2 - b + 1.0))
    k = J - max(abs(j1 - j2), M)  # eigenvalues J'(J'+1), J' = max(|j1-j2|, M) .. j1+j2, ascending
    _, v = eigh_tridiagonal(d, e, select="i", select_range=(k, k), check_finite=False)
    vec = v[:, 0]
    if j1 - j2 <= M:
        sign = np.sign(vec[-1])  # m1 = j1 is the last entry: positive
    else:
        sign = np.sign(vec[0]) * (-1) ** (j1 + j2 - J)  # m2 = j2 is the first entry
    return lo, vec * sign


def _check_triangle(j1: int, j2: int, J: int) -> None:
    if not selection_rule(j1, j2, J):
        raise ValueError(
            f"no coupling {j1} x {j2} -> {J}: the triangle rule |l1-l2| <= l3 <= l1+l2 allows "
            f"l3 in {abs(j1 - j2)}..{j1 + j2} only"
        )


def _cg_sparse(
    j1: int, j2: int, J: int
) -> tuple[NDArray[np.intp], NDArray[np.intp], NDArray[np.intp], NDArray[np.float64]]:
    """Non-zero complex CG coefficients as index arrays ``(m1 + j1, m2 + j2, M + J)`` and values."""
    phase = (-1) ** (j1 + j2 - J)
    idx1, idx2, idx3, vals = [], [], [], []
    for M in range(J + 1):
        lo, vec = _cg_column(j1, j2, J, M)
        i1 = np.arange(lo, lo + vec.size)
        i2 = M - i1
        idx1.append(i1 + j1)
        idx2.append(i2 + j2)
        idx3.append(np.full(vec.size, M + J))
        vals.append(vec)
        if M > 0:
            idx1.append(-i1 + j1)
            idx2.append(-i2 + j2)
            idx3.append(np.full(vec.size, -M + J))
            vals.append(phase * vec)
    return np.concatenate(idx1), np.concatenate(idx2), np.concatenate(idx3), np.concatenate(vals)


@lru_cache(maxsize=32)
def clebsch_gordan_complex(j1: int, j2: int, J: int) -> NDArray[np.float64]:
    """Complex-basis (Condon-Shortley) coefficients ``CG[m1+j1, m2+j2, M+J] = <j1 m1 j2 m2 | J M>``.

    The same numbers as ``sympy.physics.wigner.clebsch_gordan(j1, j2, J, m1, m2, M)`` (they are real), in float64.
    Read-only; raises ``ValueError`` if the triangle rule fails.
    """
    j1, j2, J = _check_degrees(j1, j2, J)
    _check_triangle(j1, j2, J)
    cg = np.zeros((2 * j1 + 1, 2 * j2 + 1, 2 * J + 1))
    i1, i2, i3, v = _cg_sparse(j1, j2, J)
    cg[i1, i2, i3] = v
    cg.setflags(write=False)
    return cg


@lru_cache(maxsize=512)
def _basis_pairs(l: int) -> tuple[NDArray[np.intp], NDArray[np.complex128]]:
    """For each complex row of ``Q(l)``: its two real columns and the two entries (the second is 0 for m = 0)."""
    q = change_basis_real_to_complex(l)
    m = np.arange(-l, l + 1)
    cols = np.stack([l + np.abs(m), l - np.abs(m)], -1)
    vals = np.stack([q[l + m, l + np.abs(m)], np.where(m == 0, 0.0, q[l + m, l - np.abs(m)])], -1)
    return cols, vals


#: Tensors with at most this many entries go to the large cache of small tensors; bigger ones to a short cache.
_SMALL_TENSOR = 40_000


@lru_cache(maxsize=8192)
def _cached_small(l1: int, l2: int, l3: int) -> NDArray[np.float64]:
    return _real_tensor(l1, l2, l3)


@lru_cache(maxsize=8)
def _cached_large(l1: int, l2: int, l3: int) -> NDArray[np.float64]:
    return _real_tensor(l1, l2, l3)


def _clebsch_gordan_cached(l1: int, l2: int, l3: int) -> NDArray[np.float64]:
    """Two bounded caches: every tensor of a product up to L ~ 16 stays cached; at most 8 big ones are kept."""
    if (2 * l1 + 1) * (2 * l2 + 1) * (2 * l3 + 1) <= _SMALL_TENSOR:
        return _cached_small(l1, l2, l3)
    return _cached_large(l1, l2, l3)


def _real_tensor(l1: int, l2: int, l3: int) -> NDArray[np.float64]:
    a, b, c, v = _cg_sparse(l1, l2, l3)
    c1, q1 = _basis_pairs(l1)
    c2, q2 = _basis_pairs(l2)
    c3, q3 = _basis_pairs(l3)
    n1, n2, n3 = 2 * l1 + 1, 2 * l2 + 1, 2 * l3 + 1
    # each complex non-zero (a, b, c) feeds the 2 x 2 x 2 real entries its rows of Q1, Q2, Q3 point to
    flat = (c1[a][:, :, None, None] * n2 + c2[b][:, None, :, None]) * n3 + c3[c][:, None, None, :]
    w = (q1[a][:, :, None, None] * q2[b][:, None, :, None] * q3[c].conj()[:, None, None, :]).real
    w = w * (v / np.sqrt(n3))[:, None, None, None]
    counts = np.bincount(flat.ravel(), weights=w.ravel(), minlength=n1 * n2 * n3)  # float64: weighted
    out = np.asarray(counts, dtype=np.float64).reshape(n1, n2, n3)
    out.setflags(write=False)
    return out


def clebsch_gordan(l1: int, l2: int, l3: int) -> NDArray[np.float64]:
    """The real Clebsch-Gordan tensor coupling degrees l1 and l2 into l3, shape ``(2l1+1, 2l2+1, 2l3+1)``.

    Parameters
    ----------
    l1, l2, l3
        Degrees in ``0..200`` satisfying the triangle rule ``|l1 - l2| <= l3 <= l1 + l2``.

    Returns
    -------
    ndarray (read-only, cached)
        Unit Frobenius norm; equal to e3nn's ``o3.wigner_3j(l1, l2, l3)``.

    Guarantees
    ----------
    * Invariance: ``einsum('ijk,ia,jb,kc->abc', C, D(l1), D(l2), D(l3)) == C`` for every rotation.
    * Orthogonality: for fixed (l1, l2), ``sum_ij C(l1,l2,l3)_ijk C(l1,l2,l3')_ijk' = delta_{l3 l3'} delta_kk' / (2l3+1)``.
    * Symmetry: ``C(l2, l1, l3) = (-1)^(l1+l2+l3) C(l1, l2, l3).transpose(1, 0, 2)``.

    Raises
    ------
    ValueError
        If a degree is negative, not an integer or above 200, or the triangle rule fails (the coupling is zero:
        we refuse rather than hand back an empty or all-zero tensor).

    Examples
    --------
    >>> from equi_core import clebsch_gordan, random_rotation, wigner_D
    >>> bool(np.allclose(clebsch_gordan(1, 1, 0)[:, :, 0], np.eye(3) / np.sqrt(3)))  # the dot product
    True
    >>> C, R = clebsch_gordan(1, 2, 3), random_rotation(rng=1)
    >>> turned = np.einsum("ijk,ia,jb,kc->abc", C, wigner_D(1, R), wigner_D(2, R), wigner_D(3, R))
    >>> float(np.abs(turned - C).max()) < 1e-13  # invariant
    True
    >>> clebsch_gordan(1, 1, 3)
    Traceback (most recent call last):
    ...
    ValueError: ...
    """
    l1, l2, l3 = _check_degrees(l1, l2, l3)
    _check_triangle(l1, l2, l3)
    return _clebsch_gordan_cached(l1, l2, l3)


def clebsch_gordan_invariance_error(l1: int, l2: int, l3: int, R: ArrayLike) -> float:
    """How far ``C = clebsch_gordan(l1, l2, l3)`` is from invariant under the rotation ``R``.

    Returns
    -------
    float
        ``max |einsum('ijk,ia,jb,kc->abc', C, D1, D2, D3) - C|`` with ``Dk = wigner_D(lk, R)``: ~1e-15 in float64,
        the invariance that makes every Clebsch-Gordan path equivariant.

    Raises
    ------
    ValueError
        For degrees :func:`clebsch_gordan` refuses or an ``R`` that is not a rotation.

    Examples
    --------
    >>> from equi_core import clebsch_gordan_invariance_error, random_rotation
    >>> clebsch_gordan_invariance_error(2, 2, 3, random_rotation(rng=0)) < 1e-13
    True
    """
    C = clebsch_gordan(l1, l2, l3)
    D1, D2, D3 = (wigner_D(l, R) for l in (l1, l2, l3))
    return float(np.max(np.abs(np.einsum("ijk,ia,jb,kc->abc", C, D1, D2, D3, optimize=True) - C)))


def clear_cache() -> None:
    """Forget every cached tensor (used by the benchmarks to time cold calls)."""
    _cached_small.cache_clear()
    _cached_large.cache_clear()
    clebsch_gordan_complex.cache_clear()
    change_basis_real_to_complex.cache_clear()
    _basis_pairs.cache_clear()


def clebsch_gordan_exact(j1: int, m1: int, j2: int, m2: int, J: int, M: int) -> sympy.Expr:
    """Exact ``<j1 m1 j2 m2 | J M>`` in the complex Condon-Shortley basis, as a sympy expression (for display).

    Example: ``clebsch_gordan_exact(1, 1, 1, -1, 1, 0) == sqrt(2)/2``. Zero where ``m1 + m2 != M`` or a triangle
    rule fails. Links to :func:`clebsch_gordan` through :func:`change_basis_real_to_complex` (see the module doc).

    Examples
    --------
    >>> from equi_core import clebsch_gordan_exact
    >>> clebsch_gordan_exact(1, 0, 1, 0, 2, 0), clebsch_gordan_exact(1, 1, 1, -1, 0, 0)
    (sqrt(6)/3, sqrt(3)/3)
    """
    from sympy.physics.wigner import clebsch_gordan as _sympy_cg

    for name, v in (("j1", j1), ("j2", j2), ("J", J)):
        if int(v) != v or v < 0 or v > 60:
            raise ValueError(f"{name} must be an integer in 0..60 for exact values, got {v!r}")
    for name, v, j in (("m1", m1, j1), ("m2", m2, j2), ("M", M, J)):
        if int(v) != v or abs(v) > j:
            raise ValueError(f"{name} must be an integer with |{name}| <= {j}, got {v!r}")
    return _sympy_cg(int(j1), int(j2), int(J), int(m1), int(m2), int(M))
