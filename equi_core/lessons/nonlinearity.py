"""What the nonlinearity lesson shows: the seed's ReLU-vs-norm example, directions, the depth argument, the parity trap.

The seed's example: ``relu((1, -2, 3)) = (1, 0, 3)`` and ``relu((-1, 2, 3)) = (0, 2, 3)`` differ in length
(sqrt(10) vs sqrt(13)); a norm nonlinearity sees only ``|v| = sqrt(14)`` for both and gives the same gain
(see :func:`compare_pair`). Every result is a frozen dataclass the page only displays.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import partial

import numpy as np
from numpy.typing import ArrayLike

from .._checks import check_int
from ..nn._common import Activation, Array, RngLike, readonly
from ..nn.activations import activation_parity, relu, scalar_activation_output
from ..nn.componentwise import Componentwise, componentwise
from ..nn.gate import Gate
from ..nn.linear import EquivariantLinear
from ..nn.norm_activation import NormActivation, norm_nonlinearity
from ..nn.tensor_square import TensorSquare
from ..nn.tiny_net import tiny_equivariant_net
from ..o3.irreps import Irreps
from ..o3.rotations import angles_to_matrix
from ..o3.sphere import latlong_grid
from ..o3.tensor_product import count_multiply_adds, full_tensor_product
from ..testing import EquivarianceError, equivariance_error, rotation_error_curve
from .classroom import Quiz

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
    "AXES",
    "GATE_ACTS",
    "SIGMAS",
    "SPHERE_MAPS",
    "BlockError",
    "DepthArgument",
    "ErrorCurve",
    "GateVerdict",
    "SphereMap",
    "block_errors",
    "depth_argument",
    "error_curve",
    "gate_verdict",
    "norm_gain",
    "quizzes",
    "rotation_check_deg",
    "rotation_columns",
    "sphere_map",
    "sphere_map_data",
    "sphere_radius",
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


# ------------------------------------------------------------------------------------------------ the page
#: The page's choices: sigma of the norm nonlinearity, rotation axes, sphere maps, activations on a 0o scalar.
SIGMAS = ("relu", "tanh", "softplus", "sigmoid")
AXES: dict[str, tuple[float, float, float]] = {
    "z": (0.0, 0.0, 1.0),
    "x": (1.0, 0.0, 0.0),
    "y": (0.0, 1.0, 0.0),
    "(1,1,1)": (1.0, 1.0, 1.0),
}
SPHERE_MAPS = ("ReLU", "norm nonlinearity")
GATE_ACTS = ("relu", "softplus", "sigmoid", "tanh", "abs", "square")
CURVE_POINTS = 145  #: angles 0..360 degrees on the error curve
CURVE_DIRECTIONS = 200  #: directions averaged on the error curve


def sphere_radius(v: ArrayLike) -> float:
    """The length of ``v``, or 1 for the zero vector (the radius of the sphere of directions the page draws)."""
    return float(np.linalg.norm(np.asarray(v, dtype=np.float64))) or 1.0


def norm_gain(pair: PairComparison) -> float:
    """The norm nonlinearity's gain ``|norm(v1)| / |v1|`` (one number for every input of that length)."""
    return float(pair.norm_norms[0] / max(pair.input_norms[0], 1e-300))


def rotation_check_deg(
    v: ArrayLike, alpha_deg: float, beta_deg: float, gamma_deg: float, sigma: str = "relu", bias: float = -1.0
) -> RotationCheck:
    """:func:`rotation_check` with ``R = R_y(alpha) R_x(beta) R_y(gamma)`` given in degrees."""
    R = angles_to_matrix(*np.radians([alpha_deg, beta_deg, gamma_deg]))
    return rotation_check(v, R, sigma, bias)


def rotation_columns(check: RotationCheck) -> dict[str, list]:
    """The arrows' download table: ``v, R v, ReLU(R v), R ReLU(v), norm(R v), R norm(v)`` and the two errors."""
    rows = (check.v, check.Rv, check.relu_of_Rv, check.R_relu_v, check.norm_of_Rv, check.R_norm_v)
    return {
        "quantity": ["v", "R v", "ReLU(R v)", "R ReLU(v)", "norm(R v)", "R norm(v)"],
        "x": [float(a[0]) for a in rows],
        "y": [float(a[1]) for a in rows],
        "z": [float(a[2]) for a in rows],
        "error of this map": ["", "", check.relu_error.absolute, "", check.norm_error.absolute, ""],
    }


@dataclass(frozen=True)
class ErrorCurve:
    """``|f(R(t) v) - R(t) f(v)|`` against the angle t of a rotation about one axis, for ReLU and the norm map.

    ``relu_v`` / ``norm_v`` for the page's vector, ``relu_mean`` / ``norm_mean`` averaged over directions of
    length 1 (:data:`CURVE_DIRECTIONS` of them). The norm curves are rounding (< 1e-14 for |v| of order 1).
    """

    angles_deg: Array
    relu_v: Array
    norm_v: Array
    relu_mean: Array
    norm_mean: Array

    @property
    def norm_max(self) -> float:
        """The largest norm-nonlinearity error on the curve (rounding)."""
        return float(max(self.norm_v.max(), self.norm_mean.max()))

    def columns(self) -> dict[str, Array]:
        """The curve's download table."""
        return {
            "angle_deg": self.angles_deg,
            "relu_error_v1": self.relu_v,
            "norm_error_v1": self.norm_v,
            "relu_error_mean": self.relu_mean,
            "norm_error_mean": self.norm_mean,
        }


def error_curve(v: ArrayLike, axis: str, sigma: str = "relu", bias: float = -1.0) -> ErrorCurve:
    """The equivariance error of ReLU and of ``norm_nonlinearity(sigma, bias)`` along a full turn about ``axis``.

    Raises
    ------
    ValueError
        An axis not in :data:`AXES` or a ``v`` that is not 3 finite numbers.
    """
    if axis not in AXES:
        raise ValueError(f"axis must be one of {', '.join(AXES)}")
    vv = np.asarray(v, dtype=np.float64).reshape(1, 3)
    angles = np.linspace(0.0, 360.0, CURVE_POINTS)
    t = np.radians(angles)
    pts = fibonacci_sphere(CURVE_DIRECTIONS)

    def f_norm(x: Array) -> Array:
        return norm_nonlinearity(x, "1x1o", sigma, bias)

    def curve(f: Callable[[Array], Array], x: Array) -> Array:
        return np.asarray(rotation_error_curve(f, x, AXES[axis], t), dtype=np.float64)

    return ErrorCurve(
        angles_deg=angles,
        relu_v=curve(relu, vv)[:, 0],
        norm_v=curve(f_norm, vv)[:, 0],
        relu_mean=curve(relu, pts).mean(axis=1),
        norm_mean=curve(f_norm, pts).mean(axis=1),
    )


def sphere_map_data(
    f: Callable[[Array], ArrayLike], *, radius: float = 1.0, n_theta: int = 41, n_phi: int = 81, n_arrows: int = 160
) -> dict[str, Array]:
    """Evaluate a map of 3-vectors on the sphere ``|v| = radius`` (for ``viz.nonlinearity.sphere_map_figure``).

    Returns
    -------
    dict
        ``grid`` (n_theta, n_phi, 3) unit directions (lat-long about y), ``grid_gain`` = |f(r u)| / r on it,
        ``points`` (n_arrows, 3) nearly uniform unit directions, ``f_points`` = f(r u) / r at them, ``gain``
        its length and ``bend_deg`` the angle between u and f(r u) in degrees (NaN where f = 0).
        For a norm nonlinearity the gain is one number, ``sigma(r + b) / r``, and the bend is 0 everywhere.

    Raises
    ------
    ValueError
        A radius outside (0, 1e6] or grid sizes out of range.
    """
    if not (isinstance(radius, (int, float, np.floating)) and np.isfinite(radius) and 0 < radius <= 1e6):
        raise ValueError(f"radius must be a finite number in (0, 1e6], got {radius!r}")
    r = float(radius)
    n_theta, n_phi = check_int(n_theta, "n_theta", 3, 200), check_int(n_phi, "n_phi", 3, 400)
    n_arrows = check_int(n_arrows, "n_arrows", 2, 2000)
    grid = latlong_grid(n_theta, n_phi).points
    fg = np.asarray(f(r * grid.reshape(-1, 3)), dtype=np.float64).reshape(grid.shape) / r
    pts = fibonacci_sphere(n_arrows)
    fp = np.asarray(f(r * pts), dtype=np.float64) / r
    return {
        "grid": grid,
        "grid_gain": np.linalg.norm(fg, axis=-1),
        "points": pts,
        "f_points": fp,
        "gain": np.linalg.norm(fp, axis=-1),
        "bend_deg": np.degrees(bend_angles(pts, fp)),
    }


@dataclass(frozen=True)
class SphereMap:
    """:func:`sphere_map_data` of ReLU or the norm map, with the page's three summary numbers.

    ``gain_min``/``gain_max``: range of ``|f(v)|/|v|`` over the arrows; ``max_bend_deg``: the largest angle between
    ``v`` and ``f(v)`` (None when every arrow is 0); ``lost``: arrows sent to 0, of ``total``.
    """

    data: dict[str, Array]
    gain_min: float
    gain_max: float
    max_bend_deg: float | None
    lost: int
    total: int


def sphere_map(which: str, sigma: str = "relu", bias: float = -1.0, radius: float = 1.0) -> SphereMap:
    """Every direction at length ``radius`` through ReLU (``which == "ReLU"``) or the norm nonlinearity.

    Raises
    ------
    ValueError
        ``which`` not in :data:`SPHERE_MAPS`, or a radius outside (0, 1e6].
    """
    if which not in SPHERE_MAPS:
        raise ValueError(f"which must be one of {', '.join(SPHERE_MAPS)}")

    def f_norm(x: Array) -> Array:
        return norm_nonlinearity(x, "1x1o", sigma, bias)

    data = sphere_map_data(relu if which == "ReLU" else f_norm, radius=radius)
    gain, bend = data["gain"], data["bend_deg"]
    finite = ~np.isnan(bend)
    return SphereMap(
        data=data,
        gain_min=float(gain.min()),
        gain_max=float(gain.max()),
        max_bend_deg=float(np.nanmax(bend)) if np.any(finite) else None,
        lost=int(np.sum(~finite)),
        total=int(gain.size),
    )


@dataclass(frozen=True)
class GateVerdict:
    """What a gate may do with a pseudo-scalar ``0o``: ``output`` the irrep it gives (None: rejected, ``reason``)."""

    act: str
    output: str | None
    reason: str

    @property
    def keeps_sign(self) -> bool:
        """True when the output is still ``0o`` (an odd activation)."""
        return self.output == "0o"


def gate_verdict(act: str) -> GateVerdict:
    """Ask the library (:func:`scalar_activation_output`) what ``act`` on a ``0o`` scalar gives."""
    try:
        return GateVerdict(act, str(scalar_activation_output("0o", act)), "")
    except ValueError as exc:
        return GateVerdict(act, None, str(exc))


@dataclass(frozen=True)
class BlockError:
    """One block of the library (or a baseline) measured: O(3) error ``absolute`` and ``relative``."""

    name: str
    irreps_in: str
    irreps_out: str
    absolute: float
    relative: float


def block_errors() -> tuple[BlockError, ...]:
    """O(3) equivariance errors of every block of the library and of two componentwise baselines (seeded).

    32 random O(3) elements (half improper) and float64 inputs, degrees up to 4. The library's blocks are below
    1e-12; componentwise ReLU and tanh are O(1).
    """
    rng = np.random.default_rng(0)
    irr = "2x0e + 1x0o + 2x1o + 1x1e + 1x2e + 1x3o + 1x4e"
    gate = Gate("2x0e + 1x0o", ("silu", "tanh"), "5x0e + 1x0o", ("sigmoid", "tanh"), "2x1o + 1x1e + 1x2e + 1x3o + 1x4e")
    blocks: list[tuple[str, object]] = [
        ("equivariant linear", EquivariantLinear.random(irr, "3x0e + 2x1o + 2x2e + 1x4e", rng)),
        ("norm nonlinearity", NormActivation(irr, "relu", -1.0)),
        ("gate", gate),
        (
            "tensor square (CG paths)",
            TensorSquare.random("1x0e + 1x1o + 1x2e", "2x0e + 2x1o + 1x1e + 2x2e + 1x3o", rng),
        ),
        ("tiny net (2 gated layers)", tiny_equivariant_net("1x0e + 1x1o + 1x2e", "1x0e + 1x1o", seed=0)),
    ]
    rows = []
    for name, layer in blocks:
        ir_in, ir_out = str(layer.irreps_in), str(layer.irreps_out)  # type: ignore[attr-defined]
        e = equivariance_error(layer, ir_in, ir_out, n=32, rng=1)  # type: ignore[arg-type]
        rows.append(BlockError(name, ir_in, ir_out, float(e.absolute), float(e.relative)))
    for act in ("relu", "tanh"):
        e = equivariance_error(partial(componentwise, act=act), irr, irr, n=32, rng=1)
        label = "ReLU" if act == "relu" else "tanh"
        rows.append(BlockError(f"componentwise {label} (baseline)", irr, irr, float(e.absolute), float(e.relative)))
    return tuple(rows)


@dataclass(frozen=True)
class DepthArgument:
    """The depth argument's numbers: the in-plane direction maps of ReLU and a norm map, the stack that rebuilds
    ReLU in a frame, the best frame-free equivariant fit ``(gain, rms residual, rms f)`` and the stack's error."""

    t: Array
    relu_map: Array
    norm_map: Array
    steps: tuple[tuple[str, str, int], ...]
    fit: tuple[float, float, float]
    frame_error: float


def depth_argument() -> DepthArgument:
    """Compute :class:`DepthArgument` (seeded; the frame construction's error is rounding, < 1e-12)."""
    t, a = direction_map_in_plane(relu)
    _, b = direction_map_in_plane(lambda v: norm_nonlinearity(v, "1x1o", "tanh", 0.0))
    frame_error = equivariance_error(
        lambda x: relu_in_frame(x[:, :3], x[:, 3:].reshape(-1, 3, 3)), "4x1o", "1x1o", n=32, rng=2
    ).absolute
    return DepthArgument(t, a, b, relu_in_frame_steps(), best_equivariant_fit(relu), float(frame_error))


def _legal_odd(act: str) -> bool:
    return gate_verdict(act).output == "0o"


def quizzes() -> dict[str, Quiz]:
    """The page's three questions, answered by the library (parity of activations, abs on 0o, the best fit)."""
    acts = ("relu", "softplus", "sigmoid", "tanh")
    legal = [a for a in acts if _legal_odd(a)]
    gain, res, _ = best_equivariant_fit(relu)
    answer = f"{gain:.1f} v, with RMS error {res:.1f} at any depth"
    return {
        "q_parity": Quiz(
            "A pseudo-scalar `0o` (think: a signed volume) flips sign under inversion. Which activation may act on "
            "it pointwise and keep the layer O(3)-equivariant with output `0o`?",
            acts,
            legal[0],
            "Under inversion s -> -s, so the activation must satisfy f(-s) = -f(s): an **odd** function. Only tanh "
            "is odd; relu, softplus and sigmoid have no parity and fail every test that includes an inversion.",
        ),
        "q_abs": Quiz(
            "`abs` is applied to a pseudo-scalar `0o`. What irrep comes out?",
            ("0o", "0e", "1o", "illegal"),
            str(scalar_activation_output("0o", "abs")),
            "abs is even: |-s| = |s|, so the output no longer changes sign under inversion: it is a true scalar 0e.",
        ),
        "q_depth": Quiz(
            "A network sees only ONE vector v (no other features). What is the best O(3)-equivariant imitation of "
            "ReLU(v) on unit vectors?",
            (answer, "ReLU(v) exactly, with enough layers", "v itself, error 0", "0, error 0"),
            answer,
            "An equivariant map of a single vector must be g(|v|) v: it cannot prefer any axis. The least-squares g "
            "is 1/2 and the error cannot shrink, however deep the net. ReLU needs reference directions (other "
            "features) and tensor products to be imitated: that is the depth argument.",
        ),
    }
