"""Rotations of 3D space: matrices, Euler angles, axis-angle, quaternions.

Conventions (the Lab's, shared with e3nn):

* A rotation acts on column vectors, ``x -> R @ x``; a batch of row vectors turns as ``X @ R.T``.
* Euler angles are **Y-X-Y**: ``angles_to_matrix(alpha, beta, gamma) = Ry(alpha) @ Rx(beta) @ Ry(gamma)``
  (gamma is applied first). ``beta`` lies in ``[0, pi]``, ``alpha`` and ``gamma`` in ``(-pi, pi]``.
* The textbook **Z-Y-Z** angles are the same three numbers after relabelling the axes
  (e3nn y -> textbook z, e3nn x -> textbook y, e3nn z -> textbook x), see :mod:`equi_core.conventions`.

Every function is vectorised over leading axes and works in float64.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

__all__ = [
    "matrix_x",
    "matrix_y",
    "matrix_z",
    "angles_to_matrix",
    "matrix_to_angles",
    "zyz_angles_to_matrix",
    "matrix_to_zyz_angles",
    "axis_angle_to_matrix",
    "matrix_to_axis_angle",
    "quaternion_to_matrix",
    "matrix_to_quaternion",
    "random_rotation",
    "check_rotation",
    "INVERSION",
]

Array = NDArray[np.float64]

#: The point inversion ``x -> -x`` (an improper orthogonal matrix, det = -1).
INVERSION: Array = -np.eye(3)
INVERSION.setflags(write=False)


def _as_float(x: ArrayLike, name: str) -> Array:
    arr = np.asarray(x, dtype=np.float64)
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} must be finite numbers (got NaN or infinity)")
    return arr


def matrix_x(angle: ArrayLike) -> Array:
    """Active rotation by ``angle`` (radians) about the x axis, shape ``(..., 3, 3)``."""
    t = _as_float(angle, "angle")
    c, s = np.cos(t), np.sin(t)
    o, z = np.ones_like(t), np.zeros_like(t)
    return np.stack([np.stack([o, z, z], -1), np.stack([z, c, -s], -1), np.stack([z, s, c], -1)], -2)


def matrix_y(angle: ArrayLike) -> Array:
    """Active rotation by ``angle`` (radians) about the y axis, shape ``(..., 3, 3)``.

    ``matrix_y(t) = [[cos t, 0, sin t], [0, 1, 0], [-sin t, 0, cos t]]`` (right-handed, as e3nn).
    """
    t = _as_float(angle, "angle")
    c, s = np.cos(t), np.sin(t)
    o, z = np.ones_like(t), np.zeros_like(t)
    return np.stack([np.stack([c, z, s], -1), np.stack([z, o, z], -1), np.stack([-s, z, c], -1)], -2)


def matrix_z(angle: ArrayLike) -> Array:
    """Active rotation by ``angle`` (radians) about the z axis, shape ``(..., 3, 3)``.

    Examples
    --------
    >>> from equi_core import matrix_x, matrix_y, matrix_z
    >>> np.round(matrix_z(np.pi / 2) @ [1, 0, 0], 12), np.round(matrix_x(np.pi / 2) @ [0, 1, 0], 12)  # right-handed
    (array([0., 1., 0.]), array([0., 0., 1.]))
    >>> np.round(matrix_y(np.pi / 2) @ [0, 0, 1], 12)
    array([1., 0., 0.])
    """
    t = _as_float(angle, "angle")
    c, s = np.cos(t), np.sin(t)
    o, z = np.ones_like(t), np.zeros_like(t)
    return np.stack([np.stack([c, -s, z], -1), np.stack([s, c, z], -1), np.stack([z, z, o], -1)], -2)


def angles_to_matrix(alpha: ArrayLike, beta: ArrayLike, gamma: ArrayLike) -> Array:
    """Y-X-Y Euler angles to a rotation matrix: ``Ry(alpha) @ Rx(beta) @ Ry(gamma)``.

    Parameters
    ----------
    alpha, beta, gamma
        Angles in radians; they broadcast against each other.

    Returns
    -------
    ndarray, shape ``(..., 3, 3)``
        A proper rotation (orthogonal, det = +1). Equal to e3nn's ``o3.angles_to_matrix``.

    Examples
    --------
    >>> from equi_core import angles_to_matrix, matrix_to_angles
    >>> R = angles_to_matrix(0.3, 1.1, -0.4)
    >>> bool(np.allclose(angles_to_matrix(*matrix_to_angles(R)), R))  # the round trip
    True
    """
    a, b, g = np.broadcast_arrays(_as_float(alpha, "alpha"), _as_float(beta, "beta"), _as_float(gamma, "gamma"))
    return matrix_y(a) @ matrix_x(b) @ matrix_y(g)


def check_rotation(R: ArrayLike, allow_improper: bool = False, atol: float = 1e-9) -> Array:
    """Validate rotation matrices and return them as a float64 array.

    Raises
    ------
    ValueError
        If the shape is not ``(..., 3, 3)``, an entry is not finite, ``R @ R.T`` differs from the identity
        by more than ``atol``, or ``det R`` is -1 while ``allow_improper`` is False.

    Examples
    --------
    >>> from equi_core import check_rotation
    >>> check_rotation(-np.eye(3))
    Traceback (most recent call last):
    ...
    ValueError: det R = -1: an improper rotation ...
    >>> check_rotation(-np.eye(3), allow_improper=True).shape
    (3, 3)
    """
    M = np.asarray(R, dtype=np.float64)
    if M.ndim < 2 or M.shape[-2:] != (3, 3):
        raise ValueError(f"a rotation matrix must have shape (..., 3, 3), got {M.shape}")
    if not np.all(np.isfinite(M)):
        raise ValueError("a rotation matrix must hold finite numbers (got NaN or infinity)")
    err = np.abs(M @ np.swapaxes(M, -1, -2) - np.eye(3)).max() if M.size else 0.0
    if err > atol:
        raise ValueError(f"not an orthogonal matrix: |R R^T - I| = {err:.2e} > {atol:g}")
    if not allow_improper and M.size and np.any(_det3(M) < 0):
        raise ValueError(
            "det R = -1: an improper rotation (reflection or inversion) is not allowed here; "
            "use Irreps.D_from_matrix for O(3)"
        )
    return M


def _det3(M: Array) -> Array:
    """Determinants of (..., 3, 3) matrices (explicit cofactor formula, cheaper than LAPACK for 3x3)."""
    return (
        M[..., 0, 0] * (M[..., 1, 1] * M[..., 2, 2] - M[..., 1, 2] * M[..., 2, 1])
        - M[..., 0, 1] * (M[..., 1, 0] * M[..., 2, 2] - M[..., 1, 2] * M[..., 2, 0])
        + M[..., 0, 2] * (M[..., 1, 0] * M[..., 2, 1] - M[..., 1, 1] * M[..., 2, 0])
    )


def matrix_to_angles(R: ArrayLike) -> tuple[Array, Array, Array]:
    """Y-X-Y Euler angles of proper rotations, the inverse of :func:`angles_to_matrix`.

    Returns
    -------
    alpha, beta, gamma : ndarray
        ``beta`` in ``[0, pi]``. At the gimbal-lock poles (``beta`` = 0 or pi) ``alpha`` is set to 0 and the whole
        turn about y is put in ``gamma``, so ``angles_to_matrix(*matrix_to_angles(R)) == R`` holds everywhere.

    Raises
    ------
    ValueError
        If ``R`` is not a proper rotation.
    """
    return _matrix_to_angles(check_rotation(R))


def _matrix_to_angles(M: Array) -> tuple[Array, Array, Array]:
    """:func:`matrix_to_angles` without the validation (M is known to be a proper rotation)."""
    # R e_y = (sin a sin b, cos b, cos a sin b)
    x, y, z = M[..., 0, 1], M[..., 1, 1], M[..., 2, 1]
    beta = np.arctan2(np.hypot(x, z), y)
    alpha = np.arctan2(x, z)
    # e_y^T R = (sin b sin g, cos b, -sin b cos g)
    gamma = np.arctan2(M[..., 1, 0], -M[..., 1, 2])
    pole = np.hypot(x, z) < 1e-12
    if np.any(pole):
        # beta = 0: R = Ry(a + g); beta = pi: R = Ry(a - g) Rx(pi). With a = 0, in both cases
        # (R[0, 2], R[0, 0]) = (sin g, cos g).
        full = np.arctan2(M[..., 0, 2], M[..., 0, 0])
        alpha = np.where(pole, 0.0, alpha)
        gamma = np.where(pole, full, gamma)
    return alpha, beta, gamma


_P_E3NN_TO_ZYZ = np.array([[0.0, 0.0, 1.0], [1.0, 0.0, 0.0], [0.0, 1.0, 0.0]])


def zyz_angles_to_matrix(alpha: ArrayLike, beta: ArrayLike, gamma: ArrayLike) -> Array:
    """Textbook Z-Y-Z Euler angles to a matrix: ``Rz(alpha) @ Ry(beta) @ Rz(gamma)``.

    The same three numbers in the Lab's Y-X-Y convention give the same rotation after relabelling the axes:
    ``P @ angles_to_matrix(a, b, g) @ P.T == zyz_angles_to_matrix(a, b, g)`` with ``P w = (w_z, w_x, w_y)``.

    Examples
    --------
    >>> from equi_core import matrix_to_zyz_angles, zyz_angles_to_matrix
    >>> S = zyz_angles_to_matrix(0.3, 1.1, -0.4)
    >>> bool(np.allclose(zyz_angles_to_matrix(*matrix_to_zyz_angles(S)), S))
    True
    """
    a, b, g = np.broadcast_arrays(_as_float(alpha, "alpha"), _as_float(beta, "beta"), _as_float(gamma, "gamma"))
    return matrix_z(a) @ matrix_y(b) @ matrix_z(g)


def matrix_to_zyz_angles(R: ArrayLike) -> tuple[Array, Array, Array]:
    """Textbook Z-Y-Z Euler angles of a proper rotation (inverse of :func:`zyz_angles_to_matrix`)."""
    M = check_rotation(R)
    P = _P_E3NN_TO_ZYZ
    return matrix_to_angles(P.T @ M @ P)


def axis_angle_to_matrix(axis: ArrayLike, angle: ArrayLike) -> Array:
    """Rotation by ``angle`` (radians, right-hand rule) about ``axis`` (any nonzero length), Rodrigues' formula.

    Raises
    ------
    ValueError
        If an axis is the zero vector or not finite.

    Examples
    --------
    >>> from equi_core import axis_angle_to_matrix
    >>> np.round(axis_angle_to_matrix([0, 0, 1], np.pi / 2) @ [1, 0, 0], 12)  # a quarter turn about z: x -> y
    array([0., 1., 0.])
    """
    ax = _as_float(axis, "axis")
    if ax.shape[-1:] != (3,):
        raise ValueError(f"an axis must have 3 components, got shape {ax.shape}")
    n = np.linalg.norm(ax, axis=-1, keepdims=True)
    if np.any(n < 1e-300):
        raise ValueError("the rotation axis is the zero vector: give a direction (x, y, z) with nonzero length")
    u = ax / n
    t = _as_float(angle, "angle")[..., None, None]
    K = np.zeros(u.shape[:-1] + (3, 3))
    K[..., 0, 1], K[..., 0, 2] = -u[..., 2], u[..., 1]
    K[..., 1, 0], K[..., 1, 2] = u[..., 2], -u[..., 0]
    K[..., 2, 0], K[..., 2, 1] = -u[..., 1], u[..., 0]
    return np.eye(3) + np.sin(t) * K + (1.0 - np.cos(t)) * (K @ K)


def matrix_to_axis_angle(R: ArrayLike) -> tuple[Array, Array]:
    """Axis (unit vector) and angle in ``[0, pi]`` of a proper rotation (axis is (0, 1, 0) for the identity).

    Examples
    --------
    >>> from equi_core import axis_angle_to_matrix, matrix_to_axis_angle
    >>> axis, angle = matrix_to_axis_angle(axis_angle_to_matrix([0.0, 0.6, 0.8], 1.2))
    >>> np.round(axis, 12), round(float(angle), 12)
    (array([0. , 0.6, 0.8]), 1.2)
    """
    q = matrix_to_quaternion(R)
    w = np.abs(q[..., 0])
    v = q[..., 1:] * np.where(q[..., 0] < 0, -1.0, 1.0)[..., None]
    s = np.linalg.norm(v, axis=-1)
    angle = 2.0 * np.arctan2(s, w)
    axis = np.where(s[..., None] > 1e-15, v / np.maximum(s, 1e-300)[..., None], np.array([0.0, 1.0, 0.0]))
    return axis, angle


def quaternion_to_matrix(q: ArrayLike) -> Array:
    """Unit quaternion ``(w, x, y, z)`` (normalised here; q and -q give the same R) to a rotation matrix."""
    Q = _as_float(q, "quaternion")
    if Q.shape[-1:] != (4,):
        raise ValueError(f"a quaternion has 4 components (w, x, y, z), got shape {Q.shape}")
    n = np.linalg.norm(Q, axis=-1, keepdims=True)
    if np.any(n < 1e-300):
        raise ValueError("the zero quaternion is not a rotation")
    w, x, y, z = np.moveaxis(Q / n, -1, 0)
    return np.stack(
        [
            np.stack([1 - 2 * (y * y + z * z), 2 * (x * y - z * w), 2 * (x * z + y * w)], -1),
            np.stack([2 * (x * y + z * w), 1 - 2 * (x * x + z * z), 2 * (y * z - x * w)], -1),
            np.stack([2 * (x * z - y * w), 2 * (y * z + x * w), 1 - 2 * (x * x + y * y)], -1),
        ],
        -2,
    )


def matrix_to_quaternion(R: ArrayLike) -> Array:
    """Unit quaternion ``(w, x, y, z)`` with ``w >= 0`` of a proper rotation (Shepperd's stable method).

    Examples
    --------
    >>> from equi_core import matrix_to_quaternion, quaternion_to_matrix, random_rotation
    >>> R = random_rotation(rng=1)
    >>> bool(np.allclose(quaternion_to_matrix(matrix_to_quaternion(R)), R))
    True
    """
    M = check_rotation(R)
    m = M.reshape(-1, 3, 3)
    tr = np.trace(m, axis1=-2, axis2=-1)
    cand = np.stack([tr, m[:, 0, 0], m[:, 1, 1], m[:, 2, 2]], -1)
    k = np.argmax(cand, axis=-1)
    q = np.empty((m.shape[0], 4))
    for i in range(m.shape[0]):
        a = m[i]
        if k[i] == 0:
            s = np.sqrt(1.0 + tr[i]) * 2
            q[i] = [0.25 * s, (a[2, 1] - a[1, 2]) / s, (a[0, 2] - a[2, 0]) / s, (a[1, 0] - a[0, 1]) / s]
        elif k[i] == 1:
            s = np.sqrt(1.0 + a[0, 0] - a[1, 1] - a[2, 2]) * 2
            q[i] = [(a[2, 1] - a[1, 2]) / s, 0.25 * s, (a[0, 1] + a[1, 0]) / s, (a[0, 2] + a[2, 0]) / s]
        elif k[i] == 2:
            s = np.sqrt(1.0 + a[1, 1] - a[0, 0] - a[2, 2]) * 2
            q[i] = [(a[0, 2] - a[2, 0]) / s, (a[0, 1] + a[1, 0]) / s, 0.25 * s, (a[1, 2] + a[2, 1]) / s]
        else:
            s = np.sqrt(1.0 + a[2, 2] - a[0, 0] - a[1, 1]) * 2
            q[i] = [(a[1, 0] - a[0, 1]) / s, (a[0, 2] + a[2, 0]) / s, (a[1, 2] + a[2, 1]) / s, 0.25 * s]
    q *= np.where(q[:, :1] < 0, -1.0, 1.0)
    q /= np.linalg.norm(q, axis=-1, keepdims=True)
    return q.reshape(M.shape[:-2] + (4,))


def random_rotation(n: int | None = None, rng: int | np.random.Generator | None = None) -> Array:
    """Haar-uniform random proper rotations.

    Parameters
    ----------
    n
        ``None`` for one ``(3, 3)`` matrix, else ``n`` matrices ``(n, 3, 3)``.
    rng
        A seed or a ``numpy.random.Generator`` (same seed, same rotations).

    Notes
    -----
    A normalised 4D Gaussian is a uniform unit quaternion, whose rotation is Haar-distributed on SO(3).

    Examples
    --------
    >>> from equi_core import random_rotation
    >>> R = random_rotation(rng=0)
    >>> bool(np.allclose(R @ R.T, np.eye(3))), round(float(np.linalg.det(R)), 12)
    (True, 1.0)
    >>> random_rotation(5, rng=0).shape
    (5, 3, 3)
    """
    gen = rng if isinstance(rng, np.random.Generator) else np.random.default_rng(rng)
    if n is not None and (int(n) != n or n < 0):
        raise ValueError(f"n must be a non-negative integer or None, got {n!r}")
    q = gen.standard_normal((1 if n is None else int(n), 4))
    R = quaternion_to_matrix(q)
    return R[0] if n is None else R
