"""Every statement of the conventions text, checked against sympy, scipy and e3nn."""

import numpy as np
import pytest
import scipy.special
from sympy.physics.wigner import wigner_d

from equi_core import angles_to_matrix, clebsch_gordan, random_rotation, spherical_harmonics, wigner_D
from equi_core.o3.conventions import (
    CONVENTIONS_MARKDOWN,
    change_basis_real_to_complex,
    e3nn_to_textbook_axes,
    spherical_harmonics_complex,
    spherical_harmonics_textbook,
    textbook_m_order,
    wigner_D_complex,
    wigner_D_textbook,
)
from equi_core.o3.rotations import zyz_angles_to_matrix


def test_text_states_the_conventions():
    for claim in [
        "Y-X-Y",
        "Z-Y-Z",
        "(x, y, z)",
        "(y, z, x)",
        "component",
        "integral",
        "Condon-Shortley",
        "change_basis_real_to_complex",
        "R itself",
        "1e-13",
        "l = 62",
    ]:
        assert claim in CONVENTIONS_MARKDOWN


def test_relabelling_matrix():
    P = e3nn_to_textbook_axes()
    assert np.array_equal(P @ [1, 2, 3], [3, 1, 2])
    a, b, g = 0.3, 1.1, -0.7
    assert np.abs(P @ angles_to_matrix(a, b, g) @ P.T - zyz_angles_to_matrix(a, b, g)).max() < 1e-15


def test_textbook_real_harmonics_wikipedia_table():
    v = np.array([0.1888, -0.1984, 0.9618])
    v = v / np.linalg.norm(v)
    x, y, z = v
    # l = 1: sqrt(3/4pi) (y, z, x) ; the worked example of the reference
    assert np.abs(spherical_harmonics_textbook(1, v) - np.sqrt(3 / (4 * np.pi)) * np.array([y, z, x])).max() < 1e-15
    c = 0.5 * np.sqrt(15 / np.pi)
    expected2 = [c * x * y, c * y * z, 0.25 * np.sqrt(5 / np.pi) * (3 * z**2 - 1), c * x * z, 0.5 * c * (x**2 - y**2)]
    assert np.abs(spherical_harmonics_textbook(2, v) - expected2).max() < 1e-15
    assert textbook_m_order(1) == ["y", "z", "x"]
    # the Lab's harmonic is the textbook one at the relabelled point (z, x, y)
    w = np.random.default_rng(0).standard_normal((10, 3))
    assert (
        np.abs(spherical_harmonics(3, w, "integral") - spherical_harmonics_textbook(3, w[:, [2, 0, 1]])).max() < 1e-14
    )


@pytest.mark.parametrize("l", [1, 2, 3, 5])
def test_complex_harmonics_equal_scipy(l):
    v = np.random.default_rng(l).standard_normal((20, 3))
    u = v / np.linalg.norm(v, axis=-1, keepdims=True)
    theta, phi = np.arccos(u[:, 2]), np.arctan2(u[:, 1], u[:, 0])
    ref = np.stack([scipy.special.sph_harm_y(l, m, theta, phi) for m in range(-l, l + 1)], -1)
    assert np.abs(spherical_harmonics_complex(l, v) - ref).max() < 1e-13


@pytest.mark.parametrize("l", [1, 2, 3])
def test_quantum_wigner_D_equals_sympy(l):
    a, b, g = 0.3, 1.1, -0.7
    ref = np.array(wigner_d(l, a, b, g).evalf(), dtype=complex)
    assert np.abs(wigner_D_complex(l, a, b, g) - ref).max() < 1e-14
    # and the Lab's matrix is its real form: D_Lab = Q^H conj(D_QM) Q
    Q = change_basis_real_to_complex(l)
    lab = Q.conj().T @ np.conj(ref) @ Q
    assert np.abs(lab.imag).max() < 1e-14
    assert np.abs(lab.real - wigner_D(l, angles_to_matrix(a, b, g))).max() < 1e-14


def test_textbook_wigner_D():
    S = random_rotation(None, 9)
    P1 = np.array([[0, 1, 0], [0, 0, 1], [1, 0, 0]])
    assert np.abs(wigner_D_textbook(1, S) - P1 @ S @ P1.T).max() < 1e-14
    v = np.random.default_rng(1).standard_normal((10, 3))
    for l in (2, 4):
        lhs = spherical_harmonics_textbook(l, v @ S.T)
        assert np.abs(lhs - spherical_harmonics_textbook(l, v) @ wigner_D_textbook(l, S).T).max() < 1e-13


def test_change_of_basis_matches_e3nn_and_is_unitary():
    torch = pytest.importorskip("torch")
    o3 = pytest.importorskip("e3nn.o3")
    for l in range(6):
        Q = change_basis_real_to_complex(l)
        assert np.abs(Q @ Q.conj().T - np.eye(2 * l + 1)).max() < 1e-15
        assert np.abs(Q - o3.change_basis_real_to_complex(l, dtype=torch.float64).numpy()).max() < 1e-15


def test_cross_product_is_the_l1_l1_l1_coupling():
    u, w = np.array([1.0, -2, 3]), np.array([0.5, 4, -1])
    z = np.einsum("ijk,i,j->k", clebsch_gordan(1, 1, 1), u, w)
    assert np.abs(z * np.sqrt(6) - np.cross(u, w)).max() < 1e-14
