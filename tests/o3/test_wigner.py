"""Wigner D: D^1 = R, homomorphism, orthogonality, e3nn agreement, high l accuracy."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from equi_core import (
    angles_to_matrix,
    axis_angle_to_matrix,
    matrix_to_angles,
    matrix_y,
    random_rotation,
    so3_generators,
    wigner_D,
    wigner_D_from_angles,
)

seeds = st.integers(0, 2**32 - 1)


def test_degree_one_is_R():
    R = random_rotation(100, 0)
    assert np.abs(wigner_D(1, R) - R).max() < 1e-14
    assert np.array_equal(wigner_D(0, R), np.ones((100, 1, 1)))


def test_rotation_about_y_is_sparse_reference_example():
    # from shared/reference: l = 2, t = 0.3
    D = wigner_D(2, matrix_y(0.3))
    c2, s2, c1, s1 = np.cos(0.6), np.sin(0.6), np.cos(0.3), np.sin(0.3)
    expected = np.array([[c2, 0, 0, 0, s2], [0, c1, 0, s1, 0], [0, 0, 1, 0, 0], [0, -s1, 0, c1, 0], [-s2, 0, 0, 0, c2]])
    assert np.abs(D - expected).max() < 1e-14


@settings(max_examples=60, deadline=None)
@given(st.integers(0, 16), seeds)
def test_homomorphism_orthogonality_identity(l, seed):
    R1, R2 = random_rotation(2, seed)
    D1, D2 = wigner_D(l, R1), wigner_D(l, R2)
    assert np.abs(wigner_D(l, R1 @ R2) - D1 @ D2).max() < 1e-12
    assert np.abs(D1 @ D1.T - np.eye(2 * l + 1)).max() < 1e-12
    assert np.abs(wigner_D(l, np.eye(3)) - np.eye(2 * l + 1)).max() < 1e-13
    assert np.abs(wigner_D(l, R1.T) - D1.T).max() < 1e-12


@pytest.mark.parametrize("l", [60, 80, 100])
def test_high_l_to_1e12(l):
    R1, R2 = random_rotation(2, l)
    D1, D2 = wigner_D(l, R1), wigner_D(l, R2)
    assert np.abs(wigner_D(l, R1 @ R2) - D1 @ D2).max() < 1e-12
    assert np.abs(D1 @ D1.T - np.eye(2 * l + 1)).max() < 1e-12
    assert abs(np.linalg.det(D1) - 1) < 1e-10


def test_against_e3nn_up_to_l_10():
    torch = pytest.importorskip("torch")
    o3 = pytest.importorskip("e3nn.o3")
    previous = torch.get_default_dtype()
    torch.set_default_dtype(torch.float64)  # e3nn builds its generators in the default dtype
    try:
        _compare_with_e3nn(torch, o3)
    finally:
        torch.set_default_dtype(previous)


def _compare_with_e3nn(torch, o3):
    R = random_rotation(20, 3)
    a, b, g = matrix_to_angles(R)
    for l in range(11):
        ref = o3.wigner_D(l, *(torch.tensor(v, dtype=torch.float64) for v in (a, b, g))).numpy()
        assert np.abs(wigner_D(l, R) - ref).max() < 1e-12, l
        assert np.abs(wigner_D_from_angles(l, a, b, g) - ref).max() < 1e-12, l


@pytest.mark.parametrize("beta", [0.0, 1e-12, 1e-6, np.pi - 1e-9, np.pi])
def test_near_gimbal_lock_is_accurate(beta):
    R = angles_to_matrix(0.7, beta, -0.2)
    x = np.random.default_rng(0).standard_normal((10, 3))
    from equi_core import spherical_harmonics

    for l in (1, 3, 7):
        assert np.abs(spherical_harmonics(l, x @ R.T) - spherical_harmonics(l, x) @ wigner_D(l, R).T).max() < 1e-12


def test_generators_exponentiate_to_D():
    from scipy.linalg import expm

    for l in (1, 2, 5):
        J = so3_generators(l)
        assert np.abs(J + np.swapaxes(J, 1, 2)).max() < 1e-13
        assert np.abs(J[0] @ J[1] - J[1] @ J[0] - J[2]).max() < 1e-12
        for k, axis in enumerate(np.eye(3)):
            assert np.abs(expm(0.4 * J[k]) - wigner_D(l, axis_angle_to_matrix(axis, 0.4))).max() < 1e-12


def test_batched_shapes():
    R = random_rotation(6, 1).reshape(2, 3, 3, 3)
    assert wigner_D(3, R).shape == (2, 3, 7, 7)
    assert wigner_D_from_angles(2, np.zeros(4), 0.0, 0.0).shape == (4, 5, 5)


@pytest.mark.parametrize("bad", [-1, 1.5, 100000])
def test_bad_degree(bad):
    with pytest.raises(ValueError, match="degree"):
        wigner_D(bad, np.eye(3))


def test_improper_rejected():
    with pytest.raises(ValueError, match="improper"):
        wigner_D(2, -np.eye(3))
    with pytest.raises(ValueError, match="finite"):
        wigner_D_from_angles(2, np.nan, 0, 0)


def test_single_matrix_fast_path_equals_batched_path():
    R = np.concatenate([random_rotation(10, 5), angles_to_matrix(0.2, np.array([0.0, 1e-9, np.pi, 0.1]), 0.4)])
    for l in (1, 3, 9):
        batched = wigner_D(l, R)
        for i, r in enumerate(R):
            assert np.abs(wigner_D(l, r) - batched[i]).max() < 1e-13
    with pytest.raises(ValueError, match="improper"):
        wigner_D(3, -np.eye(3))
    with pytest.raises(ValueError, match="orthogonal"):
        wigner_D(3, 2 * np.eye(3))
    with pytest.raises(ValueError, match="finite"):
        wigner_D(3, np.full((3, 3), np.nan))
