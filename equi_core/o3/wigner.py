"""Real Wigner D matrices: how a block of degree l turns when space turns.

``wigner_D(l, R)`` is the (2l+1) x (2l+1) orthogonal matrix with

    spherical_harmonics(l, x @ R.T) == spherical_harmonics(l, x) @ wigner_D(l, R).T

in the Lab's (e3nn's) real basis, so ``wigner_D(1, R) == R``.

How it is computed (no generators rebuilt per call, no ``expm``):

* A turn about the polar y axis is sparse in this basis: ``D(Ry(t))[m, m] = cos(m t)``,
  ``D(Ry(t))[m, -m] = -sin(m t)``.
* A turn about x is a turn about y seen from a frame turned by ``Q = Rz(-pi/2)`` (``Q e_y = e_x``):
  ``D(Rx(b)) = K D(Ry(b)) K.T`` with ``K = D(Q)``, computed once per l by an exact quadrature
  ``K = integral of Y(Q x) Y(x)^T`` over the sphere (Gauss-Legendre x uniform grid, exact for degree 2l) and cached.
* So ``D(Ry(a) Rx(b) Ry(g)) = Y(a) K Y(b) K.T Y(g)``: one dense matrix product per rotation.
  Near the gimbal-lock poles the rotation is split as ``R = (R Q0^T) Q0`` with a fixed quarter turn Q0,
  so accuracy does not degrade there.

Accuracy (float64, measured by the tests): orthogonality and the homomorphism ``D(R1 R2) = D(R1) D(R2)`` hold to
about 1e-13 up to l = 100.
"""

from __future__ import annotations

import math
from functools import lru_cache

import numpy as np
from numpy.typing import ArrayLike, NDArray

from .rotations import _matrix_to_angles, check_rotation, matrix_x, matrix_z
from .spherical_harmonics import spherical_harmonics

__all__ = ["wigner_D", "wigner_D_from_angles", "so3_generators", "sphere_quadrature", "MAX_L_WIGNER"]

Array = NDArray[np.float64]


#: Largest degree of :func:`wigner_D` (the one-off quadrature that builds its cached frame grows as l^4).
MAX_L_WIGNER: int = 200


def _check_l(l: int) -> int:
    if isinstance(l, (bool, np.bool_)) or int(l) != l or l < 0 or l > MAX_L_WIGNER:
        raise ValueError(f"the degree l must be an integer in 0..{MAX_L_WIGNER}, got {l!r}")
    return int(l)


@lru_cache(maxsize=256)
def sphere_quadrature(degree: int) -> tuple[Array, Array]:
    """Points and weights that integrate every polynomial of degree <= ``degree`` on the unit sphere exactly.

    Gauss-Legendre nodes in ``cos(theta)`` about the polar y axis times a uniform grid in the azimuth.

    Returns
    -------
    points : ndarray, shape (n, 3)
        Unit vectors.
    weights : ndarray, shape (n,)
        Summing to ``4 pi``.
    """
    n_theta = degree // 2 + 1
    n_phi = degree + 1
    c, w = np.polynomial.legendre.leggauss(n_theta)
    phi = 2.0 * np.pi * np.arange(n_phi) / n_phi
    s = np.sqrt(1.0 - c * c)
    pts = np.stack([np.outer(s, np.sin(phi)), np.outer(c, np.ones(n_phi)), np.outer(s, np.cos(phi))], -1).reshape(-1, 3)
    wts = np.outer(w, np.full(n_phi, 2.0 * np.pi / n_phi)).reshape(-1)
    pts.setflags(write=False)
    wts.setflags(write=False)
    return pts, wts


def _project_rotation(l: int, R: Array) -> Array:
    """D^l(R) by exact quadrature: ``integral Y(R x) Y(x)^T`` with orthonormal harmonics."""
    pts, wts = sphere_quadrature(2 * l)
    out = np.zeros((2 * l + 1, 2 * l + 1))
    for start in range(0, len(wts), 8192):  # bounded memory at high l
        p, w = pts[start : start + 8192], wts[start : start + 8192]
        y = spherical_harmonics(l, p, normalization="integral")
        yr = spherical_harmonics(l, p @ R.T, normalization="integral")
        out += (yr * w[:, None]).T @ y
    return out


_Q = matrix_z(-np.pi / 2)  # Q e_y = e_x
_Q0 = matrix_x(np.pi / 2)  # the fixed quarter turn used away from gimbal lock


@lru_cache(maxsize=256)
def _frame(l: int) -> tuple[Array, Array, Array]:
    """Cached ``K = D^l(Rz(-pi/2))``, ``m = -l..l`` and ``D^l(Rx(pi/2))``."""
    K = _project_rotation(l, _Q)
    m = np.arange(-l, l + 1, dtype=np.float64)
    D0 = _rot_y_right(K, m, np.array(np.pi / 2)) @ K.T  # D(Rx(pi/2)) = K D(Ry(pi/2)) K^T
    for a in (K, m, D0):
        a.setflags(write=False)
    return K, m, D0


def _rot_y_left(m: Array, t: Array, M: Array) -> Array:
    """``D(Ry(t)) @ M`` for a batch: t (...,), M (..., k, k) or (k, k)."""
    mt = m * np.asarray(t)[..., None]
    c, s = np.cos(mt)[..., :, None], np.sin(mt)[..., :, None]
    return c * M - s * M[..., ::-1, :]


def _rot_y_right(M: Array, m: Array, t: Array) -> Array:
    """``M @ D(Ry(t))`` for a batch."""
    mt = m * np.asarray(t)[..., None]
    c, s = np.cos(mt)[..., None, :], np.sin(mt)[..., None, :]
    return M * c + M[..., :, ::-1] * s


def wigner_D_from_angles(l: int, alpha: ArrayLike, beta: ArrayLike, gamma: ArrayLike) -> Array:
    """Real Wigner D of the Y-X-Y Euler angles: ``D^l(Ry(alpha) Rx(beta) Ry(gamma))``.

    Equal to e3nn's ``o3.wigner_D(l, alpha, beta, gamma)``.

    Returns
    -------
    ndarray, shape ``broadcast(alpha, beta, gamma).shape + (2l+1, 2l+1)``, orthogonal, ``det = 1``.

    Examples
    --------
    >>> from equi_core import angles_to_matrix, wigner_D, wigner_D_from_angles
    >>> bool(np.allclose(wigner_D_from_angles(3, 0.3, 1.1, -0.4), wigner_D(3, angles_to_matrix(0.3, 1.1, -0.4))))
    True
    """
    l = _check_l(l)
    a, b, g = np.broadcast_arrays(*(np.asarray(v, dtype=np.float64) for v in (alpha, beta, gamma)))
    if not (np.all(np.isfinite(a)) and np.all(np.isfinite(b)) and np.all(np.isfinite(g))):
        raise ValueError("Euler angles must be finite numbers (got NaN or infinity)")
    return _wigner_D_angles(l, a, b, g)


def _wigner_D_angles(l: int, a: Array, b: Array, g: Array) -> Array:
    """:func:`wigner_D_from_angles` without validation."""
    if l == 0:
        return np.ones(a.shape + (1, 1))
    K, m, _ = _frame(l)
    inner = _rot_y_right(K, m, b)  # K Y(b)
    M = inner @ K.T  # K Y(b) K^T = D(Rx(b))
    M = _rot_y_left(m, a, M)
    return _rot_y_right(M, m, g)


def wigner_D(l: int, R: ArrayLike) -> Array:
    """Real Wigner D matrix of proper rotation matrices.

    Parameters
    ----------
    l
        Degree, ``0 <= l <= 200``.
    R
        Rotation matrices, shape ``(..., 3, 3)``, orthogonal with ``det = +1``.

    Returns
    -------
    ndarray, shape ``(..., 2l+1, 2l+1)``

    Guarantees
    ----------
    * ``spherical_harmonics(l, x @ R.T) == spherical_harmonics(l, x) @ wigner_D(l, R).T``
    * ``wigner_D(1, R) == R``; ``wigner_D(l, I) == I``; ``wigner_D(0, R) == [[1]]``
    * homomorphism ``wigner_D(l, R1 @ R2) == wigner_D(l, R1) @ wigner_D(l, R2)``; orthogonality.

    Raises
    ------
    ValueError
        For a bad degree, or ``R`` not a proper rotation (use :meth:`Irreps.D_from_matrix` for O(3)).

    Examples
    --------
    >>> from equi_core import random_rotation, spherical_harmonics, wigner_D
    >>> R = random_rotation(rng=0)
    >>> bool(np.allclose(wigner_D(1, R), R)), wigner_D(0, R).tolist()
    (True, [[1.0]])
    >>> D = wigner_D(2, R)
    >>> float(np.abs(D @ D.T - np.eye(5)).max()) < 1e-13  # orthogonal
    True
    >>> x = np.array([[0.3, -1.2, 0.5]])
    >>> float(np.abs(spherical_harmonics(2, x @ R.T) - spherical_harmonics(2, x) @ D.T).max()) < 1e-13
    True
    >>> R2 = random_rotation(rng=1)
    >>> float(np.abs(wigner_D(3, R @ R2) - wigner_D(3, R) @ wigner_D(3, R2)).max()) < 1e-13  # a homomorphism
    True
    """
    l = _check_l(l)
    if isinstance(R, np.ndarray) and R.shape == (3, 3) and l > 0:
        return _wigner_D_single(l, R)
    M = check_rotation(R)
    if l == 0:
        return np.ones(M.shape[:-2] + (1, 1))
    # split off a quarter turn where R is close to gimbal lock (R e_y close to +-e_y)
    near_pole = M[..., 0, 1] ** 2 + M[..., 2, 1] ** 2 < 0.09
    any_pole = bool(np.any(near_pole))
    if any_pole:
        M = np.where(near_pole[..., None, None], M @ _Q0.T, M)
    a, b, g = _matrix_to_angles(M)
    D = _wigner_D_angles(l, a, b, g)
    if any_pole:
        D = np.where(near_pole[..., None, None], D @ _frame(l)[2], D)
    return D


def _wigner_D_single(l: int, R: Array) -> Array:
    """:func:`wigner_D` for one (3, 3) matrix: the same algorithm with scalar angles (few numpy calls)."""
    M = R.astype(np.float64, copy=False)
    r = M.tolist()
    (r00, r01, r02), (r10, r11, r12), (r20, r21, r22) = r
    if not all(math.isfinite(v) for row in r for v in row):
        raise ValueError("a rotation matrix must hold finite numbers (got NaN or infinity)")
    err = float(np.abs(M @ M.T - _EYE3).max())
    if err > 1e-9:
        raise ValueError(f"not an orthogonal matrix: |R R^T - I| = {err:.2e} > 1e-09")
    det = r00 * (r11 * r22 - r12 * r21) - r01 * (r10 * r22 - r12 * r20) + r02 * (r10 * r21 - r11 * r20)
    if det < 0:
        raise ValueError(
            "det R = -1: an improper rotation (reflection or inversion) is not allowed here; "
            "use Irreps.D_from_matrix for O(3)"
        )
    K, m, D0 = _frame(l)
    near_pole = r01 * r01 + r21 * r21 < 0.09
    if near_pole:  # R = (R Q0^T) Q0 with R Q0^T far from gimbal lock
        (r00, r01, r02), (r10, r11, r12), (r20, r21, r22) = (M @ _Q0.T).tolist()
    a = math.atan2(r01, r21)
    b = math.atan2(math.hypot(r01, r21), r11)
    g = math.atan2(r10, -r12)
    mt = np.multiply.outer(np.array((a, b, g)), m)
    c, s = np.cos(mt), np.sin(mt)
    inner = K * c[1] + K[:, ::-1] * s[1]  # K D(Ry(b))
    X = inner @ K.T  # D(Rx(b))
    X = c[0][:, None] * X - s[0][:, None] * X[::-1]  # D(Ry(a)) @ X
    D = X * c[2] + X[:, ::-1] * s[2]  # @ D(Ry(g))
    return D @ D0 if near_pole else D


_EYE3 = np.eye(3)
_EYE3.setflags(write=False)


def so3_generators(l: int) -> Array:
    """The three real generators ``(J_x, J_y, J_z)`` of degree l, shape ``(3, 2l+1, 2l+1)``, antisymmetric.

    ``wigner_D(l, axis_angle_to_matrix(e_k, t)) == expm(t J_k)``, obtained as the derivative of the
    Wigner D matrices at the identity; ``[J_x, J_y] = J_z`` (cyclic).

    Examples
    --------
    >>> from equi_core import so3_generators
    >>> so3_generators(1).shape  # one (2l+1) x (2l+1) antisymmetric matrix per axis
    (3, 3, 3)
    """
    l = _check_l(l)
    K, m, _ = _frame(l)
    Jy = np.zeros((2 * l + 1, 2 * l + 1))
    # d/dt D(Ry(t)) at 0: D[m, -m] = -sin(m t) -> -m
    idx = np.arange(2 * l + 1)
    Jy[idx, idx[::-1]] = -m
    Jx = K @ Jy @ K.T
    Jz = Jx @ Jy - Jy @ Jx
    return np.stack([Jx, Jy, Jz])
