"""What the nonlinearity lesson shows: the seed's ReLU-vs-norm example, directions, the depth argument, the parity trap.

The seed's example: ``relu((1, -2, 3)) = (1, 0, 3)`` and ``relu((-1, 2, 3)) = (0, 2, 3)`` differ in length
(sqrt(10) vs sqrt(13)); a norm nonlinearity sees only ``|v| = sqrt(14)`` for both and gives the same gain
(see :func:`compare_pair`). Every result is a frozen dataclass the page only displays.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

from .._checks import check_int
from ..nn._common import Activation, Array, RngLike, readonly
from ..nn.activations import activation_parity, relu, scalar_activation_output
from ..nn.componentwise import Componentwise
from ..nn.norm_activation import norm_nonlinearity
from ..o3.irreps import Irreps
from ..o3.tensor_product import count_multiply_adds, full_tensor_product
from ..testing import EquivarianceError, equivariance_error

__all__ = [
    "PairComparison",
    "compare_pair",
    "fibonacci_sphere",
    "bend_angles",
    "direction_map_in_plane",
    "relu_in_frame",
    "relu_in_frame_steps",
    "best_equivariant_fit",
    "RotationCheck",
    "rotation_check",
    "ParityTrapRow",
    "parity_trap",
]


@dataclass(frozen=True, eq=False)
class PairComparison:
    """ReLU vs a norm nonlinearity on two 3-vectors (see :func:`compare_pair`).

    ``relu_*`` / ``norm_*``: outputs (3,), their lengths and gains ``|f(v)| / |v|`` (NaN for v = 0).
    ``relu_tells_apart`` / ``norm_tells_apart``: the two responses differ (output lengths differ by more
    than ``1e-9`` relative). For two inputs of the *same* length a norm nonlinearity never tells them apart.
    """

    v1: Array
    v2: Array
    relu1: Array
    relu2: Array
    norm1: Array
    norm2: Array
    input_norms: tuple[float, float]
    relu_norms: tuple[float, float]
    norm_norms: tuple[float, float]
    relu_tells_apart: bool
    norm_tells_apart: bool
    same_length: bool


def _length(v: Array) -> float:
    return float(np.linalg.norm(v))


def _differ(a: float, b: float, rtol: float = 1e-9) -> bool:
    return abs(a - b) > rtol * max(abs(a), abs(b), 1e-300)


def compare_pair(v1: ArrayLike, v2: ArrayLike, sigma: str | Activation = "relu", bias: float = -1.0) -> PairComparison:
    """The seed's example: componentwise ReLU and a norm nonlinearity on two vectors.

    ``compare_pair((1, -2, 3), (-1, 2, 3))``: ReLU gives (1, 0, 3) and (0, 2, 3), lengths sqrt(10) and
    sqrt(13) (it tells them apart); the norm nonlinearity gives ``sigma(sqrt(14) + bias)`` times each unit
    vector, equal lengths (it cannot).

    Raises
    ------
    ValueError
        If a vector is not 3 finite numbers.
    """
    a = np.asarray(v1, dtype=np.float64)
    b = np.asarray(v2, dtype=np.float64)
    for name, v in (("v1", a), ("v2", b)):
        if v.shape != (3,) or not np.all(np.isfinite(v)):
            raise ValueError(f"{name} must be 3 finite numbers, got {v!r}")
    r1, r2 = relu(a), relu(b)
    n1 = norm_nonlinearity(a, "1x1o", sigma, bias)
    n2 = norm_nonlinearity(b, "1x1o", sigma, bias)
    rn, nn = (_length(r1), _length(r2)), (_length(n1), _length(n2))
    return PairComparison(
        v1=readonly(a),
        v2=readonly(b),
        relu1=readonly(r1),
        relu2=readonly(r2),
        norm1=readonly(n1),
        norm2=readonly(n2),
        input_norms=(_length(a), _length(b)),
        relu_norms=rn,
        norm_norms=nn,
        relu_tells_apart=_differ(*rn),
        norm_tells_apart=_differ(*nn),
        same_length=not _differ(_length(a), _length(b)),
    )


def fibonacci_sphere(n: int) -> Array:
    """``n`` nearly uniform unit vectors (golden-angle spiral about the y axis), shape (n, 3); 2 <= n <= 100000."""
    n = check_int(n, "n", 2, 100_000)
    i = np.arange(n) + 0.5
    y = 1.0 - 2.0 * i / n
    r = np.sqrt(np.maximum(0.0, 1.0 - y * y))
    phi = np.pi * (3.0 - np.sqrt(5.0)) * i
    return np.stack([r * np.sin(phi), y, r * np.cos(phi)], axis=-1)


def bend_angles(v: ArrayLike, fv: ArrayLike) -> Array:
    """Angle (radians) between each input ``v`` and output ``f(v)``; NaN where ``f(v) = 0`` (direction lost)."""
    v = np.asarray(v, dtype=np.float64)
    fv = np.asarray(fv, dtype=np.float64)
    nv, nf = np.linalg.norm(v, axis=-1), np.linalg.norm(fv, axis=-1)
    ok = (nv > 0) & (nf > 1e-300)
    cos = np.full(nv.shape, np.nan)
    cos[ok] = np.sum(v * fv, axis=-1)[ok] / (nv[ok] * nf[ok])
    return np.arccos(np.clip(cos, -1.0, 1.0))


def direction_map_in_plane(f: Callable[[Array], ArrayLike], n: int = 721) -> tuple[Array, Array]:
    """What ``f`` does to directions in the x-y plane: output polar angle against input polar angle.

    Returns
    -------
    theta_in : ndarray, shape (n,)
        Angles in [0, 2 pi] of ``v = (cos t, sin t, 0)``.
    theta_out : ndarray, shape (n,)
        Angle of ``f(v)`` in the x-y plane, unwrapped next to ``theta_in`` (in [t - pi, t + pi]); NaN where
        ``f(v) = 0``. The identity line for a norm nonlinearity; for ReLU whole quadrants collapse onto the
        axes (flat steps) and the third quadrant is lost.
    """
    n = check_int(n, "n", 2, 100_000)
    t = np.linspace(0.0, 2.0 * np.pi, n)
    v = np.stack([np.cos(t), np.sin(t), np.zeros_like(t)], axis=-1)
    fv = np.asarray(f(v), dtype=np.float64)
    ang = np.arctan2(fv[:, 1], fv[:, 0])
    ang = t + (ang - t + np.pi) % (2.0 * np.pi) - np.pi
    ang[np.hypot(fv[:, 0], fv[:, 1]) < 1e-12] = np.nan
    return t, ang


def relu_in_frame(v: ArrayLike, frame: ArrayLike) -> Array:
    """Componentwise ReLU *in a frame*, built only from equivariant blocks.

    With the frame's rows ``e_1, e_2, e_3`` (three more ``1o`` features, e.g. bond directions)::

        s_i = sqrt(3) * [v (x) e_i]_{0e}      (tensor product 1o x 1o -> 0e: s_i = v . e_i)
        a_i = relu(s_i)                       (legal: s_i is a true scalar 0e)
        out = sum_i sqrt(3)/sqrt(3) [a_i (x) e_i]_{1o}   (tensor product 0e x 1o -> 1o: a_i e_i), a linear sum

    For the standard frame (identity) this is exactly ``relu(v)``; rotating ``v`` and the frame together rotates
    the output: the map is equivariant in ``(v, frame)``. Without such reference vectors no equivariant map
    can do it (see :func:`best_equivariant_fit`).

    Parameters
    ----------
    v : ndarray, shape (..., 3)
    frame : ndarray, shape (..., 3, 3)
        Rows are the reference vectors.

    Returns
    -------
    ndarray, shape (..., 3)
    """
    v = np.asarray(v, dtype=np.float64)
    fr = np.asarray(frame, dtype=np.float64)
    if v.shape[-1:] != (3,) or fr.shape[-2:] != (3, 3):
        raise ValueError(f"v must be (..., 3) and frame (..., 3, 3); got {v.shape} and {fr.shape}")
    out = np.zeros(np.broadcast_shapes(v.shape, fr.shape[:-1]))
    for i in range(3):
        e = fr[..., i, :]
        _, s = full_tensor_product("1o", v, "1o", e, filter_ir_out=["0e"])
        a = relu(np.sqrt(3.0) * s)
        _, t = full_tensor_product("0e", a, "1o", e, filter_ir_out=["1o"])
        out = out + t
    return out


def relu_in_frame_steps() -> tuple[tuple[str, str, int], ...]:
    """The blocks :func:`relu_in_frame` stacks, with their multiply-adds (dense Clebsch-Gordan count).

    Returns
    -------
    tuple of (name, irreps signature, multiply-adds)
        Project (3 x 1o (x) 1o -> 0e), activate (3 relu on 0e), re-expand (3 x 0e (x) 1o -> 1o), sum (linear).
        A plain ReLU layer on a 3-vector is one block of 3 operations.
    """
    project = 3 * count_multiply_adds("1o", "1o", filter_ir_out=["0e"])
    expand = 3 * count_multiply_adds("0e", "1o", filter_ir_out=["1o"])
    return (
        ("tensor product: project on each axis", "1o (x) 1o -> 0e, 3 times", project),
        ("scalar nonlinearity (gate)", "relu on 3 x 0e", 3),
        ("tensor product: scale each axis", "0e (x) 1o -> 1o, 3 times", expand),
        ("equivariant linear: sum", "3 x 1o -> 1o", 6),
    )


def best_equivariant_fit(
    f: Callable[[Array], ArrayLike], directions: ArrayLike | None = None
) -> tuple[float, float, float]:
    """Best *equivariant* imitation of a map ``f`` of one 3-vector on the unit sphere.

    Every O(3)- (and SO(3)-) equivariant map of a single vector is ``g(|v|) v``; on the unit sphere that is
    ``g v`` with one number ``g``. The least-squares ``g = mean(f(v) . v)`` and the RMS residual are returned.

    Returns
    -------
    gain : float
        For ReLU: 1/2.
    rms_residual : float
        ``sqrt(mean |f(v) - g v|^2)``; for ReLU: 1/2 (it cannot be reduced by any depth without a frame).
    rms_f : float
        ``sqrt(mean |f(v)|^2)``; for ReLU: sqrt(1/2).
    """
    d = fibonacci_sphere(20_000) if directions is None else np.asarray(directions, dtype=np.float64)
    d = d / np.linalg.norm(d, axis=-1, keepdims=True)
    fv = np.asarray(f(d), dtype=np.float64)
    g = float(np.mean(np.sum(fv * d, axis=-1)))
    res = float(np.sqrt(np.mean(np.sum((fv - g * d) ** 2, axis=-1))))
    rms = float(np.sqrt(np.mean(np.sum(fv * fv, axis=-1))))
    return g, res, rms


@dataclass(frozen=True, eq=False)
class RotationCheck:
    """One input vector, one O(3) element: ``f(R v)`` against ``R f(v)`` for ReLU and a norm nonlinearity.

    Attributes
    ----------
    v, Rv : ndarray (3,)
    relu_of_Rv, R_relu_v, norm_of_Rv, R_norm_v : ndarray (3,)
    relu_error, norm_error : EquivarianceError
        From :func:`equivariance_error` at this single (input, element) pair. ``norm_error.absolute`` is
        ~1e-16 (rounding), ``relu_error.absolute`` is O(|v|) for a generic rotation.
    """

    v: Array
    R: Array
    Rv: Array
    relu_of_Rv: Array
    R_relu_v: Array
    norm_of_Rv: Array
    R_norm_v: Array
    relu_error: EquivarianceError
    norm_error: EquivarianceError


def rotation_check(v: ArrayLike, R: ArrayLike, sigma: str | Activation = "relu", bias: float = -1.0) -> RotationCheck:
    """Compare ``f(R v)`` with ``R f(v)`` for componentwise ReLU and ``norm_nonlinearity(sigma, bias)``.

    Raises
    ------
    ValueError
        If ``v`` is not 3 finite numbers or ``R`` is not orthogonal.
    """
    v = np.asarray(v, dtype=np.float64)
    if v.shape != (3,) or not np.all(np.isfinite(v)):
        raise ValueError(f"v must be 3 finite numbers, got {v!r}")
    R = np.asarray(R, dtype=np.float64)
    if R.shape != (3, 3) or not np.all(np.isfinite(R)) or np.abs(R @ R.T - np.eye(3)).max() > 1e-9:
        raise ValueError("R must be an orthogonal 3x3 matrix")

    def f_norm(x: ArrayLike) -> Array:
        return norm_nonlinearity(x, "1x1o", sigma, bias)

    irreps = Irreps("1x1o")
    D = np.asarray(irreps.D_from_matrix(R))
    Rv = D @ v
    return RotationCheck(
        v=readonly(v),
        R=readonly(R),
        Rv=readonly(Rv),
        relu_of_Rv=readonly(relu(Rv)),
        R_relu_v=readonly(D @ relu(v)),
        norm_of_Rv=readonly(f_norm(Rv)),
        R_norm_v=readonly(D @ f_norm(v)),
        relu_error=equivariance_error(relu, irreps, irreps, x=v, group_elements=R),
        norm_error=equivariance_error(f_norm, irreps, irreps, x=v, group_elements=R),
    )


@dataclass(frozen=True)
class ParityTrapRow:
    """One activation applied pointwise to pseudo-scalars (``0o``), tested as a map ``0o -> 0o``.

    ``so3_error`` (rotations only) is exactly 0 for every function: a pseudo-scalar does not change under
    rotations. ``o3_error`` (with inversions) is ~0 only for odd functions. ``output_irrep`` is what
    :func:`scalar_activation_output` allows (``'0o'``, ``'0e'`` for even functions, ``'illegal'``).
    """

    act: str
    parity: int
    so3_error: float
    o3_error: float
    output_irrep: str


def parity_trap(
    acts: Sequence[str] = ("relu", "softplus", "tanh", "abs"), n: int = 16, rng: RngLike = 0
) -> tuple[ParityTrapRow, ...]:
    """The parity trap, measured: each activation on ``4x0o`` under SO(3) and under O(3).

    Returns
    -------
    tuple of ParityTrapRow
        relu / softplus: ``so3_error == 0`` and ``o3_error`` O(1): the trap. tanh: both ~0. abs: O(3) error as
        a ``0o -> 0o`` map, but legal as ``0o -> 0e``.
    """
    irreps = Irreps("4x0o")
    rows = []
    for a in acts:
        layer = Componentwise(irreps, a)
        so3 = equivariance_error(layer, irreps, irreps, n=n, parity=False, rng=rng).absolute
        o3 = equivariance_error(layer, irreps, irreps, n=n, parity=True, rng=rng).absolute
        try:
            out = str(scalar_activation_output("0o", a))
        except ValueError:
            out = "illegal"
        rows.append(ParityTrapRow(a, activation_parity(a), so3, o3, out))
    return tuple(rows)
