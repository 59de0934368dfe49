"""Point groups of point clouds: orders and names of known shapes, completeness against brute force, closure,
conjugation under a rotation of the cloud, and the projectors' algebra (P^2 = P = P^T, D(g) P = P, integer trace)."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest

from equi_core import Irreps, random_rotation
from equi_core.o3.point_groups import (
    AXIAL_ORDER,
    congruences,
    fixed_dimension,
    fixed_dimensions,
    irrep_list,
    is_closed,
    point_group,
    projector,
)

SQUARE = [(0, 0, 0), (1, 0, 0), (0, 1, 0), (1, 1, 0)]
CUBE = [(i, j, k) for i in (0, 1) for j in (0, 1) for k in (0, 1)]
TETRAHEDRON = [(1, 1, 1), (1, -1, -1), (-1, 1, -1), (-1, -1, 1)]
CHIRAL_1 = [(0, 0, 0), (0, 0, 1), (1, 0, 0), (1, 1, 0)]
CHIRAL_2 = [(0, 0, 0), (0, 0, 1), (1, 0, 0), (1, -1, 0)]
CORNER = [(0, 0, 0), (0, 0, 1), (0, 1, 0), (1, 0, 0)]
L_PIECE = [(0, 0, 0), (0, 0, 1), (0, 0, 2), (0, 1, 0)]
T_PIECE = [(0, 0, 0), (0, 0, 1), (0, 0, 2), (0, 1, 1)]
ZIGZAG = [(0, 0, 0), (1, 0, 0), (1, 1, 0), (2, 1, 0)]
LINE = [(0, 0, 0), (0, 0, 1), (0, 0, 2), (0, 0, 3)]
PHI = (1 + math.sqrt(5)) / 2
ICOSAHEDRON = [p for s1 in (-1, 1) for s2 in (-1, 1) for p in ((0, s1, s2 * PHI), (s1, s2 * PHI, 0), (s2 * PHI, 0, s1))]
PENTAGON = [(math.cos(2 * math.pi * k / 5), math.sin(2 * math.pi * k / 5), 0.0) for k in range(5)]
ANTIPRISM = [(math.cos(math.pi * k / 4), math.sin(math.pi * k / 4), 0.5 if k % 2 else -0.5) for k in range(8)]

KNOWN = [  # (points, Schoenflies, order, improper elements)
    (SQUARE, "D4h", 16, 8),
    (CUBE, "Oh", 48, 24),
    (TETRAHEDRON, "Td", 24, 12),
    (ICOSAHEDRON, "Ih", 120, 60),
    (PENTAGON, "D5h", 20, 10),
    (ANTIPRISM, "D4d", 16, 8),
    (CHIRAL_1, "C2", 2, 0),
    (CHIRAL_2, "C2", 2, 0),
    (CORNER, "C3v", 6, 3),
    (L_PIECE, "Cs", 2, 1),
    (T_PIECE, "C2v", 4, 2),
    (ZIGZAG, "C2h", 4, 2),
    ([(0, 0, 0), (1, 0, 0), (0, 2, 0), (0, 0, 3.5)], "C1", 1, 0),
]


@pytest.mark.parametrize(("points", "name", "order", "improper"), KNOWN)
def test_known_groups(points, name, order, improper) -> None:
    G = point_group(points)
    assert (G.name, G.order, G.n_improper) == (name, order, improper)
    assert G.is_chiral == (improper == 0)
    assert np.abs(G.elements[0] - np.eye(3)).max() < 1e-12
    assert is_closed(G.elements)
    X = np.asarray(points, dtype=float)
    X = X - X.mean(0)
    for g in G.elements:
        assert np.abs(g @ g.T - np.eye(3)).max() < 1e-12
        d = np.linalg.norm((X @ g.T)[:, None] - X[None], axis=-1)
        assert d.min(axis=1).max() < 1e-9  # every image is a point of the cloud


@pytest.mark.parametrize("points", [SQUARE, CUBE, CHIRAL_1, CORNER, L_PIECE, T_PIECE, ZIGZAG])
def test_complete_against_brute_force_over_signed_permutations(points) -> None:
    """Lattice shapes: every symmetry is one of the 48 signed permutation matrices; brute force finds the same set."""
    X = np.asarray(points, dtype=float)
    X = X - X.mean(0)
    brute = []
    for perm in itertools.permutations(range(3)):
        for signs in itertools.product((-1, 1), repeat=3):
            g = np.zeros((3, 3))
            g[range(3), perm] = signs
            Y = X @ g.T
            if all(np.abs(Y - x).sum(axis=1).min() < 1e-9 for x in X):
                brute.append(g)
    G = point_group(points)
    assert G.order == len(brute)
    for g in brute:
        assert np.abs(G.elements - g).max(axis=(1, 2)).min() < 1e-9


def test_rotating_the_cloud_conjugates_the_group() -> None:
    R = random_rotation(rng=7)
    for points, name, order, improper in KNOWN:
        X = np.asarray(points, dtype=float) @ R.T + np.array([0.3, -2.0, 5.0])  # turned and shifted
        G0, G = point_group(points), point_group(X)
        assert (G.name, G.order, G.n_improper) == (name, order, improper)
        for g in G0.elements:
            assert np.abs(G.elements - R @ g @ R.T).max(axis=(1, 2)).min() < 1e-8


def test_line_is_d_infinity_h_with_a_finite_stand_in() -> None:
    G = point_group(LINE)
    assert G.name == "D∞h" and G.infinite and G.valid_up_to_l == AXIAL_ORDER - 1
    assert G.order == 4 * AXIAL_ORDER and is_closed(G.elements)
    assert point_group([(0, 0, 0), (0, 0, 1), (0, 0, 3)]).name == "C∞v"
    # fixed subspaces of D∞h: 0e and, for every even l, the m = 0 component of le; nothing else
    assert fixed_dimensions(G, 4) == {
        "0e": 1,
        "0o": 0,
        "1o": 0,
        "1e": 0,
        "2e": 1,
        "2o": 0,
        "3o": 0,
        "3e": 0,
        "4e": 1,
        "4o": 0,
    }
    with pytest.raises(ValueError, match="exact up to l"):
        projector(f"{AXIAL_ORDER}e", G)


def test_is_closed_rejects_non_groups() -> None:
    assert not is_closed([np.eye(3), np.diag([1.0, 1.0, -1.0]), np.diag([-1.0, 1.0, 1.0])])
    assert not is_closed([np.diag([1.0, 1.0, -1.0])])  # no identity
    with pytest.raises(ValueError):
        is_closed(np.eye(3))


def test_chiral_pair_is_related_only_by_improper_maps() -> None:
    maps = congruences(CHIRAL_1, CHIRAL_2)
    assert len(maps) == point_group(CHIRAL_1).order == 2
    assert all(np.linalg.det(g) < 0 for g in maps)
    assert any(np.abs(g - np.diag([1.0, -1.0, 1.0])).max() < 1e-12 for g in maps)
    assert congruences(CHIRAL_1, SQUARE) == []


@pytest.mark.parametrize("points", [SQUARE, CORNER, L_PIECE, CHIRAL_1, TETRAHEDRON, ZIGZAG])
def test_projector_algebra(points) -> None:
    G = point_group(points)
    for ir in irrep_list(3):
        P = projector(ir, G)
        assert np.abs(P @ P - P).max() < 1e-13
        assert np.abs(P - P.T).max() < 1e-13
        D = Irreps([(1, ir)]).D_from_matrix(G.elements)
        assert np.abs(D @ P - P).max() < 1e-13  # every fixed vector is fixed by every g
        t = float(np.trace(P))
        assert abs(t - round(t)) < 1e-12
    P = projector("1o + 2e", G)
    assert P.shape == (8, 8)
    assert abs(np.trace(P) - fixed_dimension("1o", G) - fixed_dimension("2e", G)) < 1e-12


def test_fixed_dimensions_of_classic_groups() -> None:
    oh, td = point_group(CUBE), point_group(TETRAHEDRON)
    assert fixed_dimensions(oh, 4) == {
        "0e": 1,
        "0o": 0,
        "1o": 0,
        "1e": 0,
        "2e": 0,
        "2o": 0,
        "3o": 0,
        "3e": 0,
        "4e": 1,
        "4o": 0,
    }  # the first cubic harmonic is at l = 4
    assert fixed_dimension("3o", td) == 1  # xyz
    assert fixed_dimension("6e", point_group(ICOSAHEDRON)) == 1 and fixed_dimension("4e", point_group(ICOSAHEDRON)) == 0
    corner = projector("1o", point_group(CORNER))
    assert np.abs(corner - np.ones((3, 3)) / 3).max() < 1e-13  # only along the 3-fold axis (1, 1, 1)


def test_projector_accepts_plain_arrays_and_checks_them() -> None:
    G = point_group(SQUARE)
    assert np.abs(projector("2e", G.elements) - projector("2e", G)).max() == 0
    with pytest.raises(ValueError):
        projector("1o", np.eye(3))


@pytest.mark.parametrize("bad", [[(0, 0, 0)], [(1, 1, 1), (1, 1, 1)], [(0, 0)], [], [(0, 0, float("nan")), (1, 0, 0)]])
def test_bad_clouds_raise(bad) -> None:
    with pytest.raises(ValueError):
        point_group(bad)


def test_irrep_list_order() -> None:
    assert [str(i) for i in irrep_list(2)] == ["0e", "0o", "1o", "1e", "2e", "2o"]
    with pytest.raises(ValueError):
        irrep_list(-1)
