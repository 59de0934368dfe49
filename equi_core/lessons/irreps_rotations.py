"""The commuting square ``Y(R x) = D(R) Y(x)``, and what a conventions bug does to it.

Equivariance of the spherical harmonics says that two paths from a point cloud to rotated features agree:

* path A: rotate the points, then compute the harmonics, ``Y(R x_i)``;
* path B: compute the harmonics, then turn them with the block-diagonal Wigner matrix, ``D(R) Y(x_i)``.

In float64 they agree to ~1e-15. A deliberately wrong ``D`` (:func:`wrong_D`: the textbook basis, the inverse
rotation, swapped Euler angles; each one still an orthogonal matrix that "looks like" a rotation) breaks the square
by O(1) on every block of degree ``l >= 1``; scalars (``l = 0``) are immune to every bug.

Invariants (tested)
-------------------
* ``commuting_square_data(...).error < 1e-13`` for proper and improper ``R`` (``D`` carries the parity ``(-1)^l``).
* With a generic ``R``, ``wrong_error`` is of order 1 (> 0.1 for ``lmax = 3``, every point cloud and bug); for
  ``lmax = 0`` it is below 1e-15: scalars are immune.
* Every :func:`wrong_D` is orthogonal (it "looks like" a rotation) and, for a generic ``R``, far from
  ``wigner_D(l, R)`` (by more than 0.05 at ``l = 3``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

from .._checks import check_int
from ..o3.conventions import wigner_D_textbook
from ..o3.irreps import Irrep, Irreps
from ..o3.rotations import (
    INVERSION,
    angles_to_matrix,
    axis_angle_to_matrix,
    check_rotation,
    matrix_to_angles,
    matrix_to_axis_angle,
    matrix_to_zyz_angles,
    random_rotation,
)
from ..o3.spherical_harmonics import spherical_harmonics
from ..o3.wigner import wigner_D, wigner_D_from_angles
from .classroom import Quiz, parse_vector

__all__ = [
    "ANIMATION_STEP_DEG",
    "BUGS",
    "MAX_BLOCKS",
    "MAX_DIM",
    "MAX_L",
    "MODES",
    "PRESETS",
    "Block",
    "CommutingSquare",
    "FeatureReport",
    "RotationReport",
    "SquareView",
    "TurnAnimation",
    "TypeBlock",
    "commuting_square_data",
    "commuting_square_view",
    "describe_rotation",
    "feature_report",
    "parse_feature_irreps",
    "preset_matrix",
    "quizzes",
    "rotation_from_axis",
    "rotation_from_euler",
    "rotation_from_seed",
    "turn_animation",
    "wrong_D",
]

Array = NDArray[np.float64]

#: Names of the deliberate bugs :func:`wrong_D` knows, with what each one gets wrong.
BUGS: tuple[tuple[str, str], ...] = (
    (
        "textbook basis",
        "D^l built in the textbook basis (z polar, m order y, z, x) applied to e3nn-basis features; "
        "the same matrix as feeding R's Z-Y-Z angles to the Y-X-Y formula",
    ),
    ("inverse rotation", "D^l(R^T) instead of D^l(R): the rotation applied backwards"),
    ("alpha and gamma swapped", "D^l from the Euler angles (gamma, beta, alpha) instead of (alpha, beta, gamma)"),
)


def wrong_D(bug: str, l: int, R: ArrayLike) -> Array:
    """A deliberately wrong ``D^l`` for the commuting square (what a conventions bug looks like).

    For an improper ``R`` (``det R = -1``) the same bug is applied to the proper part ``-R`` and multiplied by the
    parity ``(-1)^l`` of the spherical harmonics, exactly as the correct matrix would be.

    Parameters
    ----------
    bug : str
        One of the names in :data:`BUGS`.
    l : int
        The degree.
    R : array (3, 3)
        An orthogonal matrix (proper or improper).

    Returns
    -------
    ndarray, shape (2l+1, 2l+1)
        Orthogonal, and different from ``wigner_D(l, R)`` for ``l >= 1`` and a generic ``R``.

    Raises
    ------
    ValueError
        For an unknown bug name or an ``R`` that is not orthogonal.
    """
    M = check_rotation(R, allow_improper=True)
    sign = 1.0
    if np.linalg.det(M) < 0:
        M, sign = -M, float((-1) ** l)
    if bug == "textbook basis":
        return sign * wigner_D_textbook(l, M)
    if bug == "inverse rotation":
        return sign * wigner_D(l, M.T)
    if bug == "alpha and gamma swapped":
        alpha, beta, gamma = matrix_to_angles(M)
        return sign * wigner_D_from_angles(l, gamma, beta, alpha)
    raise ValueError(f"unknown bug {bug!r}; choose one of {', '.join(b for b, _ in BUGS)}")


@dataclass(frozen=True)
class CommutingSquare:
    """Both paths of the commuting square for a point cloud, and the same with a wrong ``D``.

    Attributes
    ----------
    path_a : ndarray (n, dim)
        ``Y(R x_i)``: rotate the points, then compute the spherical harmonics.
    path_b : ndarray (n, dim)
        ``D(R) Y(x_i)``: compute the harmonics, then turn them with the block-diagonal ``D(R)``.
    wrong : ndarray (n, dim)
        Path B with the deliberately wrong ``D`` of :func:`wrong_D`.
    column_labels : list of str
        ``"l=2:3"`` style names of the feature components.
    """

    path_a: Array
    path_b: Array
    wrong: Array
    column_labels: list[str]

    @property
    def error(self) -> float:
        """``max |A - B|``: about 1e-15 (float64 round-off) because the square commutes."""
        return float(np.abs(self.path_a - self.path_b).max())

    @property
    def wrong_error(self) -> float:
        """``max |A - wrong|``: of order 1, what a bug looks like."""
        return float(np.abs(self.path_a - self.wrong).max())


def commuting_square_data(points: ArrayLike, R: ArrayLike, lmax: int, bug: str) -> CommutingSquare:
    """Compute the commuting square ``Y(R x) = D(R) Y(x)`` for every nonzero point, degrees ``0..lmax``.

    ``D(R)`` is ``Irreps.spherical_harmonics(lmax).D_from_matrix(R)`` (proper or improper ``R``), the features are
    ``spherical_harmonics(range(lmax + 1), x, normalization='component')``.

    Raises
    ------
    ValueError
        If ``lmax`` is not an integer in 0..12, ``R`` is not orthogonal, or no point is nonzero.
    """
    lmax = check_int(lmax, "lmax", 0, 12)
    M = check_rotation(R, allow_improper=True)
    X = np.asarray(points, dtype=np.float64)
    X = X[np.linalg.norm(X, axis=-1) > 1e-12]
    if X.ndim != 2 or X.shape[-1] != 3 or len(X) == 0:
        raise ValueError("need at least one nonzero point, shape (n, 3)")
    ls = list(range(lmax + 1))
    irreps = Irreps.spherical_harmonics(lmax)
    D = irreps.D_from_matrix(M)
    Wd = np.zeros_like(D)
    for l, sl in zip(ls, irreps.slices()):
        Wd[sl, sl] = wrong_D(bug, l, M)
    Y = spherical_harmonics(ls, X, normalization="component")
    A = spherical_harmonics(ls, X @ M.T, normalization="component")
    labels = [f"{l}:{k}" for l in ls for k in range(2 * l + 1)]
    return CommutingSquare(path_a=A, path_b=Y @ D.T, wrong=Y @ Wd.T, column_labels=labels)


# ------------------------------------------------------------------------------------------------ the page's R
#: How the page lets a learner give R.
MODES = ("Euler angles (Y-X-Y)", "Axis and angle", "Random (seeded)", "Preset")
#: Named matrices of the preset mode (five proper rotations, the inversion and a rotoinversion).
PRESETS = (
    "identity",
    "90° about x",
    "90° about y",
    "90° about z",
    "180° about z",
    "inversion −I",
    "rotoinversion −Rz(90°)",
)
MAX_L = 8  #: largest degree the page draws
MAX_DIM = 64  #: largest total dimension of the D(R) heat-map
MAX_BLOCKS = 6  #: blocks drawn in 3D
ANIMATION_STEP_DEG = 15  #: angle between two frames of the full turn


def preset_matrix(name: str) -> Array:
    """The matrix of a named preset (:data:`PRESETS`).

    Raises
    ------
    ValueError
        An unknown name.
    """
    quarter = np.pi / 2
    z = [0.0, 0.0, 1.0]
    table = {
        "identity": lambda: np.eye(3),
        "90° about x": lambda: axis_angle_to_matrix([1.0, 0.0, 0.0], quarter),
        "90° about y": lambda: axis_angle_to_matrix([0.0, 1.0, 0.0], quarter),
        "90° about z": lambda: axis_angle_to_matrix(z, quarter),
        "180° about z": lambda: axis_angle_to_matrix(z, np.pi),
        "inversion −I": lambda: np.array(INVERSION, dtype=np.float64),
        "rotoinversion −Rz(90°)": lambda: -axis_angle_to_matrix(z, quarter),
    }
    if name not in table:
        raise ValueError(f"unknown preset; allowed: {', '.join(PRESETS)}")
    return np.asarray(table[name](), dtype=np.float64)


def rotation_from_euler(alpha_deg: float, beta_deg: float, gamma_deg: float) -> Array:
    """``R_y(alpha) R_x(beta) R_y(gamma)`` from angles in degrees (e3nn's Y-X-Y convention)."""
    return np.asarray(angles_to_matrix(*np.deg2rad([alpha_deg, beta_deg, gamma_deg])), dtype=np.float64)


def rotation_from_seed(seed: int) -> Array:
    """The Haar-random rotation of ``seed`` (the same seed, the same rotation)."""
    return np.asarray(random_rotation(rng=check_int(seed, "seed", 0, 2**31 - 1)), dtype=np.float64)


def rotation_from_axis(axis_text: str, angle_deg: float) -> Array:
    """The rotation by ``angle_deg`` (right-hand rule) about the axis a learner typed, e.g. ``"1, 1, 0"``.

    Raises
    ------
    ValueError
        The axis is not three finite numbers of size at most 1e6, or it is zero (the message shows the typed text
        only through :func:`~equi_core.lessons.classroom.display_value`).
    """
    axis = parse_vector(axis_text, 3, 1e6, allow_zero=False, name="axis")
    return np.asarray(axis_angle_to_matrix(axis, np.deg2rad(float(angle_deg))), dtype=np.float64)


@dataclass(frozen=True)
class RotationReport:
    """What the page says about ``R``: its determinant, its angles in two conventions, its axis and turn angle.

    Attributes
    ----------
    R : ndarray (3, 3)
        The matrix (proper or improper).
    det : float
        ``det R`` (+1 or -1).
    proper : ndarray (3, 3)
        ``R det R``: the rotation part (``-R`` for an improper ``R``).
    yxy_deg, zyz_deg : tuple of float
        Euler angles (alpha, beta, gamma) of ``proper`` in degrees: Y-X-Y (e3nn, this Lab) and Z-Y-Z (textbook).
    axis : tuple of float
        Unit axis of ``proper``.
    angle_deg : float
        Its turn angle in [0, 180] degrees.
    d1_error : float
        ``max |D^1(proper) - proper|`` with D^1 from the general Wigner-D code (0 up to rounding).
    """

    R: Array
    det: float
    proper: Array
    yxy_deg: tuple[float, float, float]
    zyz_deg: tuple[float, float, float]
    axis: tuple[float, float, float]
    angle_deg: float
    d1_error: float

    @property
    def improper(self) -> bool:
        """True for ``det R = -1``."""
        return self.det < 0


def describe_rotation(R: ArrayLike) -> RotationReport:
    """Describe an orthogonal matrix (see :class:`RotationReport`).

    Raises
    ------
    ValueError
        ``R`` is not an orthogonal 3x3 matrix.
    """
    M = check_rotation(R, allow_improper=True)
    det = float(np.linalg.det(M))
    proper = M if det > 0 else -M
    yxy = tuple(float(np.degrees(v)) for v in matrix_to_angles(proper))
    zyz = tuple(float(np.degrees(v)) for v in matrix_to_zyz_angles(proper))
    axis, angle = matrix_to_axis_angle(proper)
    return RotationReport(
        R=M,
        det=det,
        proper=proper,
        yxy_deg=(yxy[0], yxy[1], yxy[2]),
        zyz_deg=(zyz[0], zyz[1], zyz[2]),
        axis=tuple(float(v) for v in np.asarray(axis, dtype=np.float64)),  # type: ignore[arg-type]
        angle_deg=float(np.degrees(angle)),
        d1_error=float(np.abs(wigner_D(1, proper) - proper).max()),
    )


# ------------------------------------------------------------------------------------------------ the feature
def parse_feature_irreps(text: str, max_l: int = MAX_L, max_dim: int = MAX_DIM) -> Irreps:
    """The irreps a learner typed, if the page can draw them.

    Raises
    ------
    ValueError
        Unreadable irreps (the parser says which term), empty irreps, or a degree above ``max_l`` / a dimension
        above ``max_dim``.
    """
    irreps = Irreps(text)
    if irreps.dim == 0:
        raise ValueError("these irreps are empty (dimension 0); write at least one term, e.g. `1x1o`.")
    if irreps.lmax > max_l or irreps.dim > max_dim:
        raise ValueError(
            f"this page draws at most l = {max_l} and {max_dim} components in total; "
            f"these irreps have l max = {irreps.lmax} and {irreps.dim} components."
        )
    return irreps


@dataclass(frozen=True)
class Block:
    """One block of a feature (multiplicities expanded) before and after ``D(R)``: ``after = D^l(R) before``."""

    label: str
    l: int
    before: Array
    after: Array


@dataclass(frozen=True)
class TypeBlock:
    """The matrix of one irrep type: ``label`` is ``D^{l}`` (or ``-D^{l}(-R)`` for an odd block and ``det R = -1``)."""

    irrep: str
    l: int
    label: str
    matrix: Array


@dataclass(frozen=True)
class FeatureReport:
    """A random (seeded) feature of the given irreps and what ``D(R)`` does to it.

    Attributes
    ----------
    irreps : str
        The simplified irreps text.
    num_irreps, dim : int
        Number of blocks (multiplicities expanded) and of numbers.
    degrees : tuple of int
        The distinct degrees, sorted.
    D : ndarray (dim, dim)
        The block-diagonal ``D(R)``.
    slices : tuple of (str, slice)
        Each block's label and its rows/columns in ``D``.
    off_block_max : float
        ``max |D|`` outside the diagonal blocks: exactly 0 (rotations never mix blocks).
    orthogonality_error : float
        ``max |D D^T - I|`` (rounding).
    types : tuple of TypeBlock
        The matrix of each distinct irrep type, at most four.
    blocks : tuple of Block
        Every block of the feature ``x`` and of ``D(R) x``.
    norms_before, norms_after : tuple of float
        ``|x_b|`` and ``|(D(R) x)_b|`` per block: equal (the norms are invariants).
    """

    irreps: str
    num_irreps: int
    dim: int
    degrees: tuple[int, ...]
    D: Array
    slices: tuple[tuple[str, slice], ...]
    off_block_max: float
    orthogonality_error: float
    types: tuple[TypeBlock, ...]
    blocks: tuple[Block, ...]
    norms_before: tuple[float, ...]
    norms_after: tuple[float, ...]


def _expanded(irreps: Irreps) -> list[tuple[str, Irrep, slice]]:
    """Label, irrep and slice of every block, multiplicities expanded (``2x1o`` -> ``1o #1``, ``1o #2``)."""
    out = []
    for (mul, ir), sl in zip(irreps, irreps.slices()):
        for k in range(mul):
            start = sl.start + k * ir.dim
            out.append((f"{ir}" + (f" #{k + 1}" if mul > 1 else ""), ir, slice(start, start + ir.dim)))
    return out


def feature_report(irreps_text: str, R: ArrayLike, fseed: int) -> FeatureReport:
    """Draw the feature ``x`` (``Irreps.randn`` seeded by ``fseed``) and turn it with ``D(R)``.

    Raises
    ------
    ValueError
        Irreps the page cannot draw (:func:`parse_feature_irreps`) or a non-orthogonal ``R``.
    """
    irreps = parse_feature_irreps(irreps_text)
    M = check_rotation(R, allow_improper=True)
    det = float(np.linalg.det(M))
    D = irreps.D_from_matrix(M)
    x = irreps.randn(rng=int(fseed))
    x_rot = D @ x
    expanded = _expanded(irreps)
    off = D.copy()
    for _, _, sl in expanded:
        off[sl, sl] = 0.0
    distinct: list[Irrep] = []
    for _, ir in irreps:
        if ir not in distinct:
            distinct.append(ir)
    types = tuple(
        TypeBlock(
            irrep=str(ir),
            l=ir.l,
            label=f"D^{{{ir.l}}}" if det > 0 or ir.p > 0 else f"-D^{{{ir.l}}}(-R)",
            matrix=Irreps([(1, ir)]).D_from_matrix(M),
        )
        for ir in distinct[:4]
    )
    blocks = tuple(Block(label, ir.l, x[sl], x_rot[sl]) for label, ir, sl in expanded)
    return FeatureReport(
        irreps=str(irreps),
        num_irreps=irreps.num_irreps,
        dim=irreps.dim,
        degrees=tuple(sorted(set(irreps.ls))),
        D=D,
        slices=tuple((str(ir), sl) for _, ir, sl in expanded),
        off_block_max=float(np.abs(off).max()),
        orthogonality_error=float(np.abs(D @ D.T - np.eye(irreps.dim)).max()),
        types=types,
        blocks=blocks,
        norms_before=tuple(float(np.linalg.norm(b.before)) for b in blocks),
        norms_after=tuple(float(np.linalg.norm(b.after)) for b in blocks),
    )


@dataclass(frozen=True)
class TurnAnimation:
    """A full turn about ``axis`` in steps of ``step_deg``: frame ``i`` holds the first blocks turned by
    ``R(angles_deg[i])``; ``mark_deg`` is the frame nearest to the page's own ``R``."""

    angles_deg: tuple[float, ...]
    frames: tuple[tuple[Block, ...], ...]
    axis: tuple[float, float, float]
    mark_deg: float
    step_deg: int


def turn_animation(
    irreps_text: str,
    fseed: int,
    axis: ArrayLike,
    angle_deg: float,
    step_deg: int = ANIMATION_STEP_DEG,
    max_blocks: int = 4,
) -> TurnAnimation:
    """Frames of the feature's first ``max_blocks`` blocks turning once about ``axis`` (the axis rounded to 1e-6).

    Raises
    ------
    ValueError
        Irreps the page cannot draw, a zero axis or a step outside 1..180.
    """
    step = check_int(step_deg, "step_deg", 1, 180)
    irreps = parse_feature_irreps(irreps_text)
    spin = np.round(np.asarray(axis, dtype=np.float64), 6)
    if spin.shape != (3,) or not np.any(spin):
        raise ValueError("the axis must be three numbers, not all zero")
    x = irreps.randn(rng=int(fseed))
    shown = _expanded(irreps)[:max_blocks]
    angles = np.arange(0, 360, step, dtype=np.float64)
    Rs = axis_angle_to_matrix(np.broadcast_to(spin, (len(angles), 3)), np.deg2rad(angles))
    frames = []
    for R_t in Rs:
        frames.append(
            tuple(Block(label, ir.l, x[sl], Irreps([(1, ir)]).D_from_matrix(R_t) @ x[sl]) for label, ir, sl in shown)
        )
    return TurnAnimation(
        angles_deg=tuple(float(a) for a in angles),
        frames=tuple(frames),
        axis=(float(spin[0]), float(spin[1]), float(spin[2])),
        mark_deg=float(round(float(angle_deg) / step) * step % 360),
        step_deg=step,
    )


# ------------------------------------------------------------------------------------------------ the square
@dataclass(frozen=True)
class SquareView:
    """The commuting square of a preset point cloud, with what the page draws beside it.

    Attributes
    ----------
    square : CommutingSquare
        Paths A, B and the wrong path (rows: the nonzero points).
    points, rotated : ndarray (n, 3)
        The cloud ``x`` and ``R x`` (all points, the centre included).
    atom_labels : list of str
        One label per point; ``row_labels`` those of the nonzero points (the square's rows).
    bonds : list of (int, int)
        Bonds between points.
    """

    square: CommutingSquare
    points: Array
    rotated: Array
    atom_labels: tuple[str, ...]
    row_labels: tuple[str, ...]
    bonds: tuple[tuple[int, int], ...]

    @property
    def ratio(self) -> float:
        """How many times larger the wrong path's error is than the correct one's."""
        return self.square.wrong_error / max(self.square.error, 1e-300)

    def columns(self) -> dict[str, list]:
        """The CSV table: one row per point; columns ``A l:k``, ``B l:k``, ``wrong l:k`` per component."""
        cols: dict[str, list] = {"point": list(self.row_labels)}
        for j, name in enumerate(self.square.column_labels):
            cols[f"A {name}"] = self.square.path_a[:, j].tolist()
            cols[f"B {name}"] = self.square.path_b[:, j].tolist()
            cols[f"wrong {name}"] = self.square.wrong[:, j].tolist()
        return cols


def commuting_square_view(cloud: str, R: ArrayLike, lmax: int, bug: str, seed: int) -> SquareView:
    """:func:`commuting_square_data` of a preset cloud (:func:`~equi_core.lessons.molecules.point_cloud_preset`).

    Raises
    ------
    ValueError
        An unknown cloud or bug, ``lmax`` outside 0..12 or a non-orthogonal ``R``.
    """
    from .molecules import point_cloud_preset

    M = check_rotation(R, allow_improper=True)
    points, labels, bonds = point_cloud_preset(cloud, seed=int(seed))
    X = np.asarray(points, dtype=np.float64)
    rows = tuple(lbl for lbl, p in zip(labels, X) if np.linalg.norm(p) > 1e-12)
    return SquareView(
        square=commuting_square_data(X, M, int(lmax), bug),
        points=X,
        rotated=X @ M.T,
        atom_labels=tuple(labels),
        row_labels=rows,
        bonds=tuple((int(a), int(b)) for a, b in bonds),
    )


# ------------------------------------------------------------------------------------------------ the quiz
def quizzes() -> dict[str, Quiz]:
    """The page's three questions; every answer is computed here (dimension, parity under -I, a character)."""
    dim_text = "2x1o + 3x2e"
    dim_answer = Irreps(dim_text).dim
    inv = -np.eye(3)
    flips = {n: bool(np.allclose(Irreps(n).D_from_matrix(inv), -np.eye(Irreps(n).dim))) for n in ("1o", "1e")}
    options = ("both flip", "1o flips, 1e stays", "1e flips, 1o stays", "neither flips")
    verdict = {(True, True): 0, (True, False): 1, (False, True): 2, (False, False): 3}[(flips["1o"], flips["1e"])]
    trace = round(float(np.trace(wigner_D(2, axis_angle_to_matrix([1.0, 2.0, 2.0], np.pi / 2)))))
    return {
        "quiz_0": Quiz.with_distractors(
            f"How many numbers does a feature of type `{dim_text}` hold?",
            dim_answer,
            [5, 9, 13, 25],
            f"dim = Σ mul·(2l+1) = 2·3 + 3·5 = {dim_answer}.",
        ),
        "quiz_1": Quiz(
            "Under the inversion x → −x (R = −I), what happens to a `1o` block and a `1e` block?",
            options,
            options[verdict],
            "For det R = −1 a block of parity p turns with p·D^l(−R) = p·I here: `1o` (a polar vector, like a force) "
            "flips, `1e` (an axial vector, like a cross product or angular momentum) stays.",
        ),
        "quiz_2": Quiz.with_distractors(
            "What is the trace of D²(R) for a 90° turn (about the axis (1, 2, 2))?",
            trace,
            [0, 1, 5, -5],
            "The trace (the character) depends only on the angle θ, not on the axis: "
            "χ_l(θ) = sin((l+½)θ)/sin(θ/2), so χ₂(90°) = sin(225°)/sin(45°) = −1.",
        ),
    }
