"""Point groups of finite point clouds and the subspaces their symmetry leaves fixed (Curie's principle).

* :func:`congruences` -- every orthogonal ``g`` (proper *and* improper) with ``g (X - c_X) = Y - c_Y`` as sets
  (centred at the centroids), found exactly by matching frames built from the clouds' own points;
* :func:`point_group` -- the :class:`PointGroup` of one cloud (``congruences(X, X)``), with its Schoenflies name;
  a collinear cloud has the infinite group ``C∞v`` or ``D∞h``, represented by ``C_nv`` / ``D_nh`` with
  ``n = AXIAL_ORDER`` (same fixed subspaces for every degree ``l < n``, see :attr:`PointGroup.valid_up_to_l`);
* :func:`is_closed` -- the group axioms checked on the matrices;
* :func:`projector` -- ``P = (1/|G|) sum_g D(g)``: the orthogonal projector onto the vectors of an irrep that every
  ``g`` leaves fixed; :func:`fixed_dimension` is its trace.

Curie's principle in one line: if ``f`` is O(3)-equivariant, ``f(g X) = D(g) f(X)``, and ``g X = X``, then
``f(X) = D(g) f(X)`` for every ``g`` in the group, so ``f(X) = P f(X)``: an output irrep with ``P = 0`` is *zero* on
that shape, for every equivariant model, trained or not.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import ArrayLike, NDArray

from .irreps import Irrep, Irreps

__all__ = [
    "AXIAL_ORDER",
    "PointGroup",
    "centred",
    "congruences",
    "fixed_dimension",
    "fixed_dimensions",
    "irrep_list",
    "is_closed",
    "point_group",
    "projector",
]

Array = NDArray[np.float64]
#: Order ``n`` of the finite stand-in ``C_nv`` / ``D_nh`` for the infinite group of a collinear cloud.
AXIAL_ORDER = 24


def centred(points: ArrayLike) -> Array:
    """The points as an ``(n, 3)`` float64 array minus their centroid.

    Raises
    ------
    ValueError
        If ``points`` is not a non-empty ``(n, 3)`` array of finite numbers.
    """
    X = np.asarray(points, dtype=np.float64)
    if X.ndim != 2 or X.shape[1] != 3 or X.shape[0] == 0:
        raise ValueError(f"points must have shape (n, 3) with n >= 1, got {X.shape}")
    if not np.all(np.isfinite(X)):
        raise ValueError("points must be finite numbers")
    return X - X.mean(axis=0)


def _same_set(A: Array, B: Array, tol: float) -> bool:
    """True when every row of ``A`` is within ``tol`` of a distinct row of ``B`` (same counts)."""
    if A.shape != B.shape:
        return False
    d = np.linalg.norm(A[:, None, :] - B[None, :, :], axis=-1)
    used = np.zeros(len(B), dtype=bool)
    for i in range(len(A)):
        cand = np.flatnonzero((d[i] < tol) & ~used)
        if not len(cand):
            return False
        used[cand[0]] = True
    return True


def _unique(mats: list[Array], tol: float) -> list[Array]:
    out: list[Array] = []
    for g in mats:
        if not any(np.abs(g - h).max() < tol for h in out):
            out.append(g)
    return out


def _frame_pair(Y: Array, scale: float, tol: float) -> tuple[int, int] | None:
    """Indices ``(a, b)`` of two points spanning a plane with the largest ``|y_a x y_b|``, or None if collinear."""
    best, pair = tol * scale * scale, None
    for a, b in itertools.combinations(range(len(Y)), 2):
        c = float(np.linalg.norm(np.cross(Y[a], Y[b])))
        if c > best + 1e-12 * scale * scale:
            best, pair = c, (a, b)
    return pair


def _axial_group(axis: Array, with_h: bool, n: int) -> list[Array]:
    """``D_nh`` (``with_h``) or ``C_nv`` about the unit ``axis``: rotations by ``2 pi k / n`` and mirrors."""
    z = axis / np.linalg.norm(axis)
    helper = np.array([1.0, 0.0, 0.0]) if abs(z[0]) < 0.9 else np.array([0.0, 1.0, 0.0])
    x = np.cross(helper, z)
    x /= np.linalg.norm(x)
    y = np.cross(z, x)
    Q = np.stack([x, y, z], axis=1)  # columns: the frame; Q e_z = axis
    mats = []
    for k in range(n):
        t = 2 * math.pi * k / n
        c, s = math.cos(t), math.sin(t)
        rot = np.array([[c, -s, 0.0], [s, c, 0.0], [0.0, 0.0, 1.0]])
        mirror_v = rot @ np.diag([1.0, -1.0, 1.0])  # a mirror plane containing the axis
        mats += [rot, mirror_v]
        if with_h:
            mats += [-rot, -mirror_v]  # times the inversion: improper rotations and the C2' axes
    return [Q @ m @ Q.T for m in mats]


def congruences(X: ArrayLike, Y: ArrayLike, tol: float = 1e-6) -> list[Array]:
    """Every orthogonal ``g`` with ``g (X - mean X) = Y - mean Y`` as sets of points, up to ``tol``.

    Guarantees: each returned matrix is orthogonal to ``~1e-12`` and maps the centred ``X`` onto the centred ``Y``
    (a permutation of the rows, within ``tol``); proper and improper ``g`` are both found; for a non-collinear cloud
    the list is complete (a ``g`` is fixed by the images of two non-parallel points, and every candidate image pair
    with the same lengths and angle is tried). A collinear ``X`` has infinitely many; :func:`point_group` handles that
    case, here it raises.

    Examples
    --------
    >>> X = [[0, 0, 0], [0, 0, 1], [1, 0, 0], [1, 1, 0]]
    >>> Y = [[0, 0, 0], [0, 0, 1], [1, 0, 0], [1, -1, 0]]   # its mirror image
    >>> [round(float(np.linalg.det(g))) for g in congruences(X, Y)]   # only reflections map one onto the other
    [-1, -1]
    """
    A, B = centred(X), centred(Y)
    if A.shape != B.shape:
        return []
    scale = max(float(np.linalg.norm(A, axis=1).max()), 1.0)
    pair = _frame_pair(A, scale, tol)
    if pair is None:
        raise ValueError("the points are collinear: infinitely many congruences (use point_group)")
    a, b = pair
    F = np.stack([A[a], A[b], np.cross(A[a], A[b])], axis=1)
    F_inv = np.linalg.inv(F)
    na, nb, ab = np.linalg.norm(A[a]), np.linalg.norm(A[b]), A[a] @ A[b]
    found = []
    norms = np.linalg.norm(B, axis=1)
    for i in np.flatnonzero(np.abs(norms - na) < tol):
        for j in np.flatnonzero(np.abs(norms - nb) < tol):
            if i == j or abs(B[i] @ B[j] - ab) > tol * scale:
                continue
            for sign in (1.0, -1.0):
                g = np.stack([B[i], B[j], sign * np.cross(B[i], B[j])], axis=1) @ F_inv
                # exact orthogonalisation of a nearly orthogonal matrix (polar factor), then the set check
                u, _, vt = np.linalg.svd(g)
                g = u @ vt
                if _same_set(A @ g.T, B, tol * scale):
                    found.append(g)
    return _unique(found, 1e-8)


@dataclass(frozen=True)
class PointGroup:
    """A finite group of orthogonal 3x3 matrices: the symmetry of a point cloud about its centroid.

    Attributes
    ----------
    elements
        ``(|G|, 3, 3)`` matrices; the identity first.
    name
        Schoenflies symbol (``C2``, ``Cs``, ``C2v``, ``C3v``, ``D4h``, ``Oh``, ``D∞h``, ...).
    infinite
        True for a collinear cloud: ``elements`` is then the finite stand-in ``C_nv``/``D_nh``, ``n = AXIAL_ORDER``.
    valid_up_to_l
        Degrees for which :func:`projector` over ``elements`` equals the projector over the true group
        (all degrees for a finite group: ``None``; ``n - 1`` for the stand-in).
    """

    elements: Array
    name: str
    infinite: bool = False
    valid_up_to_l: int | None = None
    axis: Array | None = field(default=None, compare=False)

    @property
    def order(self) -> int:
        """``|G|`` (of the stand-in for an infinite group)."""
        return len(self.elements)

    @property
    def dets(self) -> NDArray[np.int64]:
        """``det g`` (+1 proper, -1 improper) of every element."""
        return np.rint(np.linalg.det(self.elements)).astype(np.int64)

    @property
    def n_improper(self) -> int:
        """Number of improper elements (mirrors, inversion, rotoreflections)."""
        return int((self.dets < 0).sum())

    @property
    def is_chiral(self) -> bool:
        """No improper element: the shape differs from its mirror image (no rotation maps one onto the other)."""
        return self.n_improper == 0

    @property
    def has_inversion(self) -> bool:
        """``-1`` is an element."""
        return bool(any(np.abs(g + np.eye(3)).max() < 1e-8 for g in self.elements))


def _rotation_order(g: Array) -> int:
    """Order ``n`` of a proper rotation by ``2 pi / n`` (or ``k 2 pi / n``): the smallest ``n`` with ``g^n = 1``."""
    h = np.eye(3)
    for n in range(1, 61):
        h = h @ g
        if np.abs(h - np.eye(3)).max() < 1e-8:
            return n
    raise ValueError("not a rotation of finite order <= 60")


def _axis(g: Array) -> Array:
    """Unit axis of a proper rotation (eigenvector of eigenvalue 1)."""
    w, v = np.linalg.eig(g)
    k = int(np.argmin(np.abs(w - 1.0)))
    a = np.real(v[:, k])
    return a / np.linalg.norm(a)


def _mirror_normal(g: Array) -> Array | None:
    """Normal of a mirror plane (an improper ``g`` with trace 1), else None."""
    if np.linalg.det(g) > 0 or abs(np.trace(g) - 1.0) > 1e-8:
        return None
    w, v = np.linalg.eigh((g + g.T) / 2)
    return v[:, int(np.argmin(w))]


def _schoenflies(G: Array) -> str:
    dets = np.linalg.det(G)
    proper = G[dets > 0]
    improper = G[dets < 0]
    has_inv = any(np.abs(g + np.eye(3)).max() < 1e-8 for g in improper)
    orders = [_rotation_order(g) for g in proper]
    n = max(orders)
    axes_n = _unique(
        [_axis(g) * np.sign(_axis(g)[np.argmax(np.abs(_axis(g)))]) for g, o in zip(proper, orders) if o == n and n > 1],
        1e-6,
    )
    mirrors = [m for m in (_mirror_normal(g) for g in improper) if m is not None]
    if len(axes_n) > 1 and n >= 3:  # several high-order axes: the cubic and icosahedral groups
        base = {5: "I", 4: "O", 3: "T"}[n]
        if not len(improper):
            return base
        if base == "T":
            return "Th" if has_inv else "Td"
        return base + "h"
    if n == 1:
        if not len(improper):
            return "C1"
        return "Ci" if has_inv else "Cs"
    if n == 2 and len(proper) == 4:
        axis = axes_n[0]  # D2: three C2 axes, any one is principal
    else:
        axis = axes_n[0]
    dihedral = len(proper) == 2 * n
    if not len(improper):
        return f"D{n}" if dihedral else f"C{n}"
    sigma_h = any(abs(abs(m @ axis) - 1.0) < 1e-6 for m in mirrors)
    sigma_v = any(abs(m @ axis) < 1e-6 for m in mirrors)
    if dihedral:
        return f"D{n}h" if sigma_h else f"D{n}d"
    if sigma_h:
        return f"C{n}h"
    if sigma_v:
        return f"C{n}v"
    return f"S{2 * n}"


def point_group(points: ArrayLike, tol: float = 1e-6) -> PointGroup:
    """The point group of a finite cloud: every orthogonal ``g`` with ``g X = X`` about the centroid.

    Guarantees: complete for a non-collinear cloud (see :func:`congruences`), closed under products and inverses
    (:func:`is_closed`), identity first. A collinear cloud gets ``D∞h`` (symmetric about its centre) or ``C∞v``,
    represented by ``D_nh`` / ``C_nv`` with ``n = AXIAL_ORDER``; its projectors are exact for degrees ``l < n``.

    Raises
    ------
    ValueError
        Fewer than two distinct points (the symmetry would be all of O(3)) or a malformed array.

    Examples
    --------
    >>> square = [[0, 0, 0], [1, 0, 0], [0, 1, 0], [1, 1, 0]]
    >>> G = point_group(square)
    >>> G.name, G.order, G.n_improper
    ('D4h', 16, 8)
    >>> point_group([[0, 0, 0], [0, 0, 1], [1, 0, 0], [1, 1, 0]]).name   # a chiral tetromino
    'C2'
    """
    Y = centred(points)
    scale = max(float(np.linalg.norm(Y, axis=1).max()), 1.0)
    distinct = _unique(list(Y), tol * scale)
    if len(distinct) < 2:
        raise ValueError("a point group needs at least two distinct points (one point is fixed by all of O(3))")
    if _frame_pair(Y, scale, tol) is None:  # collinear
        far = Y[int(np.argmax(np.linalg.norm(Y, axis=1)))]
        axis = far / np.linalg.norm(far)
        symmetric = _same_set(-Y, Y, tol * scale)
        mats = _axial_group(axis, symmetric, AXIAL_ORDER)
        G = np.stack(_unique(mats, 1e-8))
        return PointGroup(G, "D∞h" if symmetric else "C∞v", True, AXIAL_ORDER - 1, axis)
    mats = congruences(Y, Y, tol)
    mats.sort(key=lambda g: (float(np.abs(g - np.eye(3)).max()) > 1e-8, float(np.linalg.det(g)) < 0))
    G = np.stack(mats)
    return PointGroup(G, _schoenflies(G))


def is_closed(elements: ArrayLike, atol: float = 1e-8) -> bool:
    """True when the matrices form a group: identity present, every product and inverse present (up to ``atol``).

    Examples
    --------
    >>> is_closed(point_group([[0, 0, 0], [1, 0, 0], [0, 1, 0], [1, 1, 0]]).elements)
    True
    >>> is_closed([np.eye(3), np.diag([1.0, 1.0, -1.0]), np.diag([-1.0, 1.0, 1.0])])
    False
    """
    G = np.asarray(elements, dtype=np.float64)
    if G.ndim != 3 or G.shape[1:] != (3, 3):
        raise ValueError(f"elements must have shape (k, 3, 3), got {G.shape}")
    flat = G.reshape(len(G), 9)

    def member(h: Array) -> bool:
        return bool((np.abs(flat - h.reshape(1, 9)).max(axis=1) < atol).any())

    if not member(np.eye(3)):
        return False
    return all(member(g @ h) for g in G for h in G) and all(member(g.T) for g in G)


def _as_group(group: PointGroup | ArrayLike) -> tuple[Array, int | None]:
    if isinstance(group, PointGroup):
        return group.elements, group.valid_up_to_l
    G = np.asarray(group, dtype=np.float64)
    if G.ndim != 3 or G.shape[1:] != (3, 3) or not len(G):
        raise ValueError(f"a group is a PointGroup or a (k, 3, 3) array of orthogonal matrices, got {G.shape}")
    return G, None


def projector(irrep: Irrep | Irreps | str, group: PointGroup | ArrayLike) -> Array:
    """``P = (1/|G|) sum_{g in G} D(g)``, the projector onto the ``G``-fixed vectors of an irrep (or irreps).

    Guarantees (for a group): ``P @ P = P``, ``P = P.T`` (``D`` is orthogonal and ``G`` closed under inverses),
    ``D(g) P = P`` for every ``g``, and ``trace P`` = the dimension of the fixed subspace (an integer).
    ``D`` is :meth:`Irrep.D_from_matrix`: ``p^k D^l(det(g) g)`` with ``det g = (-1)^k``.

    Raises
    ------
    ValueError
        If the irrep's degree exceeds what an infinite group's finite stand-in represents exactly.

    Examples
    --------
    >>> G = point_group([[0, 0, 0], [0, 0, 1], [0, 1, 0], [1, 0, 0]])   # the corner: C3v about (1, 1, 1)
    >>> P = projector("1o", G)
    >>> round(float(np.trace(P)), 12)    # one fixed polar vector: the 3-fold axis
    1.0
    >>> np.allclose(P, np.ones((3, 3)) / 3)
    True
    """
    G, valid = _as_group(group)
    irreps = Irreps(irrep) if not isinstance(irrep, Irrep) else Irreps([(1, irrep)])
    if valid is not None and irreps.lmax > valid:
        raise ValueError(f"this infinite group's stand-in is exact up to l = {valid}, got l = {irreps.lmax}")
    D = irreps.D_from_matrix(G)
    return np.asarray(D.mean(axis=0))


def fixed_dimension(irrep: Irrep | Irreps | str, group: PointGroup | ArrayLike) -> int:
    """Dimension of the ``G``-fixed subspace of an irrep: ``trace`` of :func:`projector`, rounded (exact integer)."""
    t = float(np.trace(projector(irrep, group)))
    k = round(t)
    if abs(t - k) > 1e-6:
        raise ValueError(f"trace {t} of the averaged representation is not an integer: not a group?")
    return k


def irrep_list(lmax: int) -> list[Irrep]:
    """``0e, 0o, 1o, 1e, 2e, 2o, ...`` up to ``lmax``: for each degree the natural parity first.

    >>> [str(ir) for ir in irrep_list(1)]
    ['0e', '0o', '1o', '1e']
    """
    if not isinstance(lmax, int) or lmax < 0:
        raise ValueError(f"lmax must be a non-negative integer, got {lmax!r}")
    out = []
    for l in range(lmax + 1):
        natural = 1 if l % 2 == 0 else -1
        out += [Irrep(l, natural), Irrep(l, -natural)]
    return out


def fixed_dimensions(group: PointGroup | ArrayLike, lmax: int = 3) -> dict[str, int]:
    """``{"0e": dim, "0o": dim, "1o": ..., ...}``: fixed-subspace dimension of every irrep up to ``lmax``.

    >>> fixed_dimensions(point_group([[0, 0, 0], [1, 0, 0], [0, 1, 0], [1, 1, 0]]), lmax=1)
    {'0e': 1, '0o': 0, '1o': 0, '1e': 0}
    """
    return {str(ir): fixed_dimension(ir, group) for ir in irrep_list(lmax)}
