"""Rotations: conventions (Y-X-Y as e3nn, Z-Y-Z textbook), round trips, Haar sampling, validation."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from equi_core import (
    angles_to_matrix,
    axis_angle_to_matrix,
    check_rotation,
    matrix_to_angles,
    matrix_to_axis_angle,
    matrix_to_quaternion,
    matrix_to_zyz_angles,
    matrix_x,
    matrix_y,
    matrix_z,
    quaternion_to_matrix,
    random_rotation,
    zyz_angles_to_matrix,
)
from equi_core.o3.conventions import e3nn_to_textbook_axes

angle = st.floats(-np.pi, np.pi, allow_nan=False)
seeds = st.integers(0, 2**32 - 1)


def test_matrix_y_is_right_handed_as_e3nn():
    t = 0.3
    expected = np.array([[np.cos(t), 0, np.sin(t)], [0, 1, 0], [-np.sin(t), 0, np.cos(t)]])
    assert np.allclose(matrix_y(t), expected, atol=1e-15)
    # right-handed: a quarter turn about z takes x to y, about x takes y to z, about y takes z to x
    assert np.allclose(matrix_z(np.pi / 2) @ [1, 0, 0], [0, 1, 0], atol=1e-15)
    assert np.allclose(matrix_x(np.pi / 2) @ [0, 1, 0], [0, 0, 1], atol=1e-15)
    assert np.allclose(matrix_y(np.pi / 2) @ [0, 0, 1], [1, 0, 0], atol=1e-15)


def test_angles_to_matrix_worked_example_from_reference():
    # e3nn o3.angles_to_matrix(0.3, 1.1, -0.7), measured in shared/reference
    expected = np.array([[0.8170, 0.2634, -0.5129], [-0.5741, 0.4536, -0.6816], [0.0531, 0.8514, 0.5218]])
    assert np.allclose(angles_to_matrix(0.3, 1.1, -0.7), expected, atol=1e-4)
    assert np.allclose(angles_to_matrix(0.3, 1.1, -0.7), matrix_y(0.3) @ matrix_x(1.1) @ matrix_y(-0.7))


def test_angles_against_e3nn():
    torch = pytest.importorskip("torch")
    o3 = pytest.importorskip("e3nn.o3")
    rng = np.random.default_rng(0)
    a, b, g = rng.uniform(-3, 3, (3, 50))
    ref = o3.angles_to_matrix(*(torch.tensor(v, dtype=torch.float64) for v in (a, b, g))).numpy()
    assert np.abs(angles_to_matrix(a, b, g) - ref).max() < 1e-14
    R = random_rotation(50, 1)
    ref_angles = o3.matrix_to_angles(torch.tensor(R))
    ours = matrix_to_angles(R)
    for x, y in zip(ours, ref_angles):
        d = np.angle(np.exp(1j * (x - y.numpy())))  # compare mod 2 pi
        assert np.abs(d).max() < 1e-10


@settings(max_examples=200, deadline=None)
@given(seeds)
def test_matrix_to_angles_round_trip(seed):
    R = random_rotation(8, seed)
    a, b, g = matrix_to_angles(R)
    assert np.all((b >= 0) & (b <= np.pi))
    assert np.abs(angles_to_matrix(a, b, g) - R).max() < 1e-13


@pytest.mark.parametrize("beta", [0.0, np.pi, 1e-13, np.pi - 1e-13])
def test_matrix_to_angles_at_gimbal_lock(beta):
    R = angles_to_matrix(0.4, beta, -1.3)
    assert np.abs(angles_to_matrix(*matrix_to_angles(R)) - R).max() < 1e-12


@settings(max_examples=100, deadline=None)
@given(angle, st.floats(0, np.pi), angle)
def test_zyz_is_yxy_after_relabelling(a, b, g):
    P = e3nn_to_textbook_axes()
    assert np.abs(P @ angles_to_matrix(a, b, g) @ P.T - zyz_angles_to_matrix(a, b, g)).max() < 1e-14
    R = zyz_angles_to_matrix(a, b, g)
    assert np.abs(zyz_angles_to_matrix(*matrix_to_zyz_angles(R)) - R).max() < 1e-12


def test_axis_angle_and_quaternion_round_trips():
    R = random_rotation(100, 2)
    q = matrix_to_quaternion(R)
    assert np.all(q[:, 0] >= 0)
    assert np.abs(np.linalg.norm(q, axis=-1) - 1).max() < 1e-14
    assert np.abs(quaternion_to_matrix(q) - R).max() < 1e-14
    assert np.abs(quaternion_to_matrix(-q) - R).max() < 1e-14
    axis, ang = matrix_to_axis_angle(R)
    assert np.abs(axis_angle_to_matrix(axis, ang) - R).max() < 1e-13
    # the axis is fixed by R
    assert np.abs(np.einsum("nij,nj->ni", R, axis) - axis).max() < 1e-13
    assert np.allclose(axis_angle_to_matrix([0, 0, 2.0], np.pi / 2) @ [1, 0, 0], [0, 1, 0], atol=1e-15)


def test_random_rotation_is_haar_and_seeded():
    R = random_rotation(20000, 7)
    assert np.abs(R @ np.swapaxes(R, 1, 2) - np.eye(3)).max() < 1e-13
    assert np.all(np.linalg.det(R) > 0)
    # Haar: E[R] = 0 and the rotated north pole is uniform on the sphere: E[(R e)_i^2] = 1/3
    assert np.abs(R.mean(0)).max() < 0.03
    v = R[:, :, 1]
    assert np.abs((v**2).mean(0) - 1 / 3).max() < 0.02
    # angle density of Haar measure: (1 - cos t)/pi -> mean angle pi/2 + 2/pi
    _, ang = matrix_to_axis_angle(R)
    assert abs(ang.mean() - (np.pi / 2 + 2 / np.pi)) < 0.02
    assert np.array_equal(random_rotation(3, 5), random_rotation(3, 5))
    assert random_rotation(rng=1).shape == (3, 3)


@pytest.mark.parametrize(
    "bad, message",
    [
        (np.eye(2), "shape"),
        (np.full((3, 3), np.nan), "finite"),
        (2 * np.eye(3), "orthogonal"),
        (-np.eye(3), "improper"),
    ],
)
def test_check_rotation_rejects(bad, message):
    with pytest.raises(ValueError, match=message):
        check_rotation(bad)


def test_bad_axis_and_angles():
    with pytest.raises(ValueError, match="zero vector"):
        axis_angle_to_matrix([0, 0, 0], 1.0)
    with pytest.raises(ValueError, match="finite"):
        angles_to_matrix(np.nan, 0, 0)
    with pytest.raises(ValueError):
        quaternion_to_matrix([0, 0, 0, 0])
    assert check_rotation(-np.eye(3), allow_improper=True).shape == (3, 3)
