"""Tests of equi_core.testing: random_o3, equivariance_error and rotation_error_curve report what they say."""

from __future__ import annotations

import numpy as np
import pytest

from equi_core import (
    equivariance_error,
    fibonacci_sphere,
    norm_nonlinearity,
    random_o3,
    random_rotation,
    relu,
    rotation_error_curve,
)
from tests.conftest import TOL_F64_DEEP

TOL = TOL_F64_DEEP


def test_equivariance_error_details():
    gs = random_o3(10, 0)
    assert gs.shape == (10, 3, 3)
    dets = np.linalg.det(gs)
    np.testing.assert_allclose(dets, np.where(np.arange(10) % 2, -1.0, 1.0), atol=1e-12)
    assert np.all(np.linalg.det(random_o3(6, 0, parity=False)) > 0)
    # a map that is exactly equivariant under rotations but has the wrong parity: 1o -> 1e identity
    err = equivariance_error(lambda x: x, "1o", "1e", n=8, rng=1)
    assert err.absolute > 0.1 and np.all(err.per_sample[~err.improper] < TOL)
    assert equivariance_error(lambda x: x, "1o", "1e", n=8, parity=False, rng=1).absolute < TOL
    # given inputs and group elements; relative error
    R = random_rotation(rng=3)
    v = np.array([1.0, -2.0, 3.0])
    e = equivariance_error(lambda x: relu(x), "1o", "1o", x=v, group_elements=R)
    expected = np.abs(relu(R @ v) - R @ relu(v)).max()
    assert e.absolute == pytest.approx(expected, abs=1e-15)
    assert e.relative == pytest.approx(expected / 3.0, abs=1e-15)
    assert e.n == 1
    many = equivariance_error(relu, "1o", "1o", x=fibonacci_sphere(10), group_elements=R)
    assert many.n == 10
    np.testing.assert_allclose(
        many.per_sample, np.abs(relu(fibonacci_sphere(10) @ R.T) - relu(fibonacci_sphere(10)) @ R.T).max(axis=1)
    )
    assert equivariance_error(relu, "1o", "1o", x=fibonacci_sphere(7), rng=0).n == 7
    with pytest.raises(ValueError):
        equivariance_error(relu, "1o", "1o", x=fibonacci_sphere(3), group_elements=random_o3(2, 0))
    zero = equivariance_error(lambda x: 0 * x, "1o", "1o", n=4, rng=0)
    assert zero.absolute == 0.0 and zero.relative == 0.0
    with pytest.raises(ValueError):
        equivariance_error(lambda x: x, "1o", "1o", group_elements=2 * np.eye(3))
    with pytest.raises(ValueError):
        equivariance_error(lambda x: x[:, :2], "1o", "1o", n=3)
    with pytest.raises(ValueError):
        equivariance_error(lambda x: x, "1o", "1o", x=[np.nan, 0, 0])
    with pytest.raises(ValueError):
        random_o3(0)


def test_rotation_error_curve():
    angles = np.linspace(0, 2 * np.pi, 73)
    x = fibonacci_sphere(50)
    curve_relu = rotation_error_curve(relu, x, (0, 0, 1), angles)
    curve_norm = rotation_error_curve(lambda v: norm_nonlinearity(v, "1o", "tanh", 0.0), x, (0, 0, 1), angles)
    assert curve_relu.shape == (73, 50)
    assert curve_relu[0].max() < 1e-15  # the identity (up to rounding of the rotation matrix)
    assert curve_relu[np.argmin(np.abs(angles - np.pi / 2))].mean() > 0.1
    assert curve_norm.max() < TOL
    # a full turn is the identity again
    assert curve_relu[-1].max() < 1e-12
    with pytest.raises(ValueError):
        rotation_error_curve(relu, x, (0, 0, 0), angles)
