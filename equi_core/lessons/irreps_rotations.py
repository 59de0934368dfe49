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
from ..o3.irreps import Irreps
from ..o3.rotations import check_rotation, matrix_to_angles
from ..o3.spherical_harmonics import spherical_harmonics
from ..o3.wigner import wigner_D, wigner_D_from_angles

__all__ = ["BUGS", "wrong_D", "CommutingSquare", "commuting_square_data"]

Array = NDArray[np.float64]

#: Names of the deliberate bugs :func:`wrong_D` knows, with what each one gets wrong.
BUGS: tuple[tuple[str, str], ...] = (
    ("textbook basis", "D^l built in the textbook basis (z polar, m order y, z, x) applied to e3nn-basis features; "
                       "the same matrix as feeding R's Z-Y-Z angles to the Y-X-Y formula"),
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
