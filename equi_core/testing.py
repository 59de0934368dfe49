"""Testing equivariance: random O(3) elements and ``max |f(D_in(g) x) - D_out(g) f(x)|``.

The numpy counterpart of e3nn's ``assert_equivariant``: :func:`equivariance_error` measures how far a batched map
is from equivariant over random (or given) inputs and group elements, with parity by default;
:func:`rotation_error_curve` scans one rotation axis.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

from ._checks import check_int
from .nn._common import Array, IrrepsLike, RngLike, readonly
from .o3.irreps import Irreps, as_irreps, check_features
from .o3.rotations import axis_angle_to_matrix, random_rotation

__all__ = ["EquivarianceError", "equivariance_error", "random_o3", "rotation_error_curve"]


@dataclass(frozen=True, eq=False)
class EquivarianceError:
    """Result of :func:`equivariance_error`.

    Attributes
    ----------
    absolute : float
        ``max_i max_k |f(D_in(g_i) x_i) - D_out(g_i) f(x_i)|_k`` (float64).
    relative : float
        ``absolute / max_i max_k |f(x_i)|_k``; 0 if both are 0, inf if only the scale is 0.
    per_sample : ndarray, shape (n,)
        ``max_k |...|`` for each sample (read-only).
    improper : ndarray of bool, shape (n,)
        Which group elements had ``det g = -1``.

    Examples
    --------
    >>> from equi_core import equivariance_error, relu
    >>> err = equivariance_error(relu, "1o", "1o", n=4, rng=0)
    >>> err.n, err.per_sample.shape, err.per_sample.flags.writeable
    (4, (4,), False)
    """

    absolute: float
    relative: float
    per_sample: Array
    improper: NDArray[np.bool_]

    @property
    def n(self) -> int:
        return int(self.per_sample.shape[0])


def random_o3(n: int, rng: RngLike = None, parity: bool = True) -> Array:
    """``n`` random O(3) elements, shape (n, 3, 3): Haar rotations, every other one times ``-1`` if ``parity``.

    With ``parity`` the odd-indexed samples are improper (``det = -1``), so any ``n >= 2`` tests inversion.

    Examples
    --------
    >>> from equi_core import random_o3
    >>> np.round(np.linalg.det(random_o3(4, rng=0)), 12)  # every other element is improper
    array([ 1., -1.,  1., -1.])
    """
    n = check_int(n, "n", 1, 100_000)
    R = np.asarray(random_rotation(int(n), rng=np.random.default_rng(rng)), dtype=np.float64).reshape(n, 3, 3)
    if parity:
        signs = np.where(np.arange(n) % 2 == 1, -1.0, 1.0)
        R = R * signs[:, None, None]
    return R


def _D_stack(irreps: Irreps, gs: Array) -> Array:
    """``(n, dim, dim)`` representation matrices of ``n`` orthogonal matrices (batched)."""
    return np.asarray(irreps.D_from_matrix(gs), dtype=np.float64).reshape(gs.shape[0], irreps.dim, irreps.dim)


def equivariance_error(
    f: Callable[[Array], ArrayLike],
    irreps_in: IrrepsLike,
    irreps_out: IrrepsLike,
    n: int = 16,
    parity: bool = True,
    rng: RngLike = None,
    *,
    x: ArrayLike | None = None,
    group_elements: ArrayLike | None = None,
) -> EquivarianceError:
    """How far ``f`` is from equivariant: ``max |f(D_in(g) x) - D_out(g) f(x)|`` over samples.

    Parameters
    ----------
    f : callable
        Batched map ``(n, irreps_in.dim) -> (n, irreps_out.dim)``.
    irreps_in, irreps_out : Irreps or str
    n : int
        Number of (input, group element) samples when they are drawn at random.
    parity : bool
        Draw from O(3) (half the elements improper) instead of SO(3).
    rng : int, Generator or None
        Seed for the random inputs (standard normal) and group elements.
    x : ndarray, shape (m, irreps_in.dim) or (irreps_in.dim,), optional
        Use these inputs instead of random ones (then ``m`` random elements are drawn).
    group_elements : ndarray, shape (k, 3, 3) or (3, 3), optional
        Use these orthogonal matrices instead of random ones (det -1 allowed: parity acts). One input is
        paired with every element, one element with every input; otherwise ``m == k``.

    Returns
    -------
    EquivarianceError
        ``absolute`` ~1e-15 for an equivariant float64 map; O(1) for componentwise ReLU on vectors.

    Raises
    ------
    ValueError
        Bad shapes, a non-orthogonal group element, or an ``f`` returning the wrong shape.

    Examples
    --------
    >>> from equi_core import equivariance_error, norm_nonlinearity, relu
    >>> equivariance_error(norm_nonlinearity, "1x1o", "1x1o", rng=0).absolute < 1e-13
    True
    >>> err = equivariance_error(relu, "1x1o", "1x1o", rng=0)
    >>> err.absolute > 0.1, err.n, err.improper.tolist()[:4]  # componentwise relu is not equivariant
    (True, 16, [False, True, False, True])
    """
    irreps_in = as_irreps(irreps_in, "irreps_in")
    irreps_out = as_irreps(irreps_out, "irreps_out")
    gen = np.random.default_rng(rng)
    xs = None if x is None else check_features(x, irreps_in).reshape(-1, irreps_in.dim)
    if group_elements is None:
        gs = random_o3(n if xs is None else xs.shape[0], gen, parity)
    else:
        gs = np.asarray(group_elements, dtype=np.float64)
        if gs.shape[-2:] != (3, 3) or gs.ndim > 3:
            raise ValueError(f"group_elements must have shape (n, 3, 3) or (3, 3), got {gs.shape}")
        gs = gs.reshape(-1, 3, 3)
        if not np.all(np.isfinite(gs)) or np.max(np.abs(gs @ np.swapaxes(gs, -1, -2) - np.eye(3))) > 1e-9:
            raise ValueError("group_elements must be finite orthogonal 3x3 matrices")
    if xs is None:
        xs = gen.standard_normal((gs.shape[0], irreps_in.dim))
    # one input for many elements, or one element for many inputs
    if xs.shape[0] == 1 and gs.shape[0] > 1:
        xs = np.repeat(xs, gs.shape[0], axis=0)
    elif gs.shape[0] == 1 and xs.shape[0] > 1:
        gs = np.repeat(gs, xs.shape[0], axis=0)
    if xs.shape[0] != gs.shape[0]:
        raise ValueError(f"x has {xs.shape[0]} samples but there are {gs.shape[0]} group elements")
    k = gs.shape[0]
    if not np.all(np.isfinite(xs)):
        raise ValueError("the inputs x must be finite (no NaN or inf)")
    D_in, D_out = _D_stack(irreps_in, gs), _D_stack(irreps_out, gs)
    x_rot = np.einsum("nij,nj->ni", D_in, xs)
    y = np.asarray(f(np.ascontiguousarray(xs)), dtype=np.float64)
    y_rot = np.asarray(f(x_rot), dtype=np.float64)
    if y.shape != (k, irreps_out.dim) or y_rot.shape != y.shape:
        raise ValueError(f"f must map (n, {irreps_in.dim}) to (n, {irreps_out.dim}); got {y.shape}")
    diff = np.abs(y_rot - np.einsum("nij,nj->ni", D_out, y))
    per = diff.max(axis=-1) if diff.shape[-1] else np.zeros(k)
    absolute = float(per.max())
    scale = float(np.abs(y).max()) if y.size else 0.0
    relative = 0.0 if absolute == 0.0 else (absolute / scale if scale > 0 else float("inf"))
    improper = np.linalg.det(gs) < 0
    return EquivarianceError(absolute, relative, readonly(per), improper)


def rotation_error_curve(
    f: Callable[[Array], ArrayLike],
    x: ArrayLike,
    axis: ArrayLike,
    angles: ArrayLike,
    irreps_in: IrrepsLike = "1x1o",
    irreps_out: IrrepsLike = "1x1o",
) -> Array:
    """Equivariance error of ``f`` for each rotation angle about one axis and each input.

    Returns
    -------
    ndarray, shape (len(angles), n_inputs)
        ``max_k |f(D_in x) - D_out f(x)|_k`` for rotation ``angle`` about ``axis`` (right hand).
        Zero at angle 0 for every f; ~1e-16 everywhere for an equivariant f.

    Examples
    --------
    >>> from equi_core import relu, rotation_error_curve
    >>> curve = rotation_error_curve(relu, [[1.0, -2.0, 3.0]], axis=[0, 0, 1], angles=[0.0, np.pi / 4])
    >>> curve.shape, float(curve[0, 0]), bool(curve[1, 0] > 0.1)  # zero at angle 0, O(1) after a turn
    ((2, 1), 0.0, True)
    """
    irreps_in = as_irreps(irreps_in, "irreps_in")
    irreps_out = as_irreps(irreps_out, "irreps_out")
    xs = check_features(x, irreps_in).reshape(-1, irreps_in.dim)
    ax = np.asarray(axis, dtype=np.float64)
    if ax.shape != (3,) or not np.all(np.isfinite(ax)) or np.linalg.norm(ax) == 0:
        raise ValueError("axis must be a finite nonzero 3-vector")
    angles = np.asarray(angles, dtype=np.float64).ravel()
    y = np.asarray(f(xs), dtype=np.float64)
    n_in = xs.shape[0]
    R = np.asarray(axis_angle_to_matrix(ax / np.linalg.norm(ax), angles), dtype=np.float64).reshape(-1, 3, 3)
    Di = np.asarray(irreps_in.D_from_matrix(R))  # (n_angles, d_in, d_in)
    Do = np.asarray(irreps_out.D_from_matrix(R))
    x_rot = np.einsum("aij,nj->ani", Di, xs).reshape(-1, irreps_in.dim)
    f_rot = np.asarray(f(x_rot), dtype=np.float64).reshape(angles.size, n_in, irreps_out.dim)
    d = np.abs(f_rot - np.einsum("aij,nj->ani", Do, y))
    return d.max(axis=-1) if d.shape[-1] else np.zeros((angles.size, n_in))
