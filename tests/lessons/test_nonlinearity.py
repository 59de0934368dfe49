"""Tests of equi_core.lessons.nonlinearity: the seed's example, directions, relu in a frame, the best equivariant fit."""

from __future__ import annotations

import numpy as np
import pytest

from equi_core import (
    ACTIVATIONS,
    bend_angles,
    best_equivariant_fit,
    compare_pair,
    direction_map_in_plane,
    fibonacci_sphere,
    norm_nonlinearity,
    random_o3,
    relu,
    relu_in_frame,
    relu_in_frame_steps,
)
from tests.conftest import TOL_F64_DEEP

TOL = TOL_F64_DEEP


def test_seed_example_values():
    c = compare_pair((1, -2, 3), (-1, 2, 3))
    np.testing.assert_array_equal(c.relu1, [1.0, 0.0, 3.0])
    np.testing.assert_array_equal(c.relu2, [0.0, 2.0, 3.0])
    assert c.input_norms == pytest.approx((np.sqrt(14), np.sqrt(14)), abs=1e-15)
    assert c.relu_norms == pytest.approx((np.sqrt(10), np.sqrt(13)), abs=1e-15)
    # default norm nonlinearity relu(|v| - 1): both outputs have length sqrt(14) - 1
    assert c.norm_norms == pytest.approx((np.sqrt(14) - 1, np.sqrt(14) - 1), abs=1e-14)
    np.testing.assert_allclose(c.norm1, np.array([1, -2, 3]) * (np.sqrt(14) - 1) / np.sqrt(14), atol=1e-15)
    assert c.relu_tells_apart and not c.norm_tells_apart and c.same_length
    # any sigma: same length in, same length out
    for sigma in ("tanh", "softplus", "sigmoid"):
        c = compare_pair((1, -2, 3), (-1, 2, 3), sigma=sigma, bias=0.3)
        assert not c.norm_tells_apart
        assert c.norm_norms[0] == pytest.approx(abs(ACTIVATIONS[sigma](np.sqrt(14) + 0.3)), rel=1e-14)
    # different lengths: the norm nonlinearity does see the length
    c = compare_pair((1, 0, 0), (0, 3, 0))
    assert not c.same_length and c.norm_tells_apart
    with pytest.raises(ValueError):
        compare_pair((1, 2), (1, 2, 3))
    with pytest.raises(ValueError):
        compare_pair((np.nan, 0, 0), (1, 2, 3))


def test_fibonacci_sphere_and_bend_angles():
    p = fibonacci_sphere(200)
    np.testing.assert_allclose(np.linalg.norm(p, axis=-1), 1.0, atol=1e-15)
    assert np.abs(p.mean(axis=0)).max() < 0.02
    b = bend_angles(p, relu(p))
    assert np.all(np.isnan(b[np.all(p < 0, axis=-1)]))
    assert np.nanmax(b) > np.radians(50)
    np.testing.assert_allclose(bend_angles(p[np.all(p > 0, axis=-1)], relu(p[np.all(p > 0, axis=-1)])), 0.0, atol=1e-7)


def test_direction_map_in_plane():
    t, a = direction_map_in_plane(lambda v: norm_nonlinearity(v, "1o", "tanh", 0.0), 181)
    np.testing.assert_allclose(a, t, atol=1e-12)
    t, a = direction_map_in_plane(relu, 361)
    deg_in, deg_out = np.degrees(t), np.degrees(a)
    second = (deg_in > 91) & (deg_in < 179)
    np.testing.assert_allclose(deg_out[second], 90.0, atol=1e-9)  # the 2nd quadrant collapses onto +y
    third = (deg_in > 181) & (deg_in < 269)
    assert np.all(np.isnan(deg_out[third]))  # ReLU kills the 3rd quadrant
    first = (deg_in > 1) & (deg_in < 89)
    np.testing.assert_allclose(deg_out[first], deg_in[first], atol=1e-9)


def test_relu_in_frame_equals_relu_and_is_jointly_equivariant():
    rng = np.random.default_rng(40)
    v = rng.standard_normal((20, 3))
    np.testing.assert_allclose(relu_in_frame(v, np.eye(3)), relu(v), atol=1e-14)
    np.testing.assert_allclose(relu_in_frame(np.array([1.0, -2, 3]), np.eye(3)), [1.0, 0.0, 3.0], atol=1e-15)
    worst = 0.0
    for g in random_o3(8, 41):
        frame_g = np.eye(3) @ g.T  # rows e_i -> g e_i
        worst = max(worst, np.abs(relu_in_frame(v @ g.T, frame_g) - relu_in_frame(v, np.eye(3)) @ g.T).max())
    assert worst < TOL
    steps = relu_in_frame_steps()
    assert len(steps) == 4 and steps[0][2] == 27 and steps[2][2] == 27
    assert sum(s[2] for s in steps) > 10 * 3


def test_best_equivariant_fit_of_relu():
    gain, res, rms = best_equivariant_fit(relu)
    assert gain == pytest.approx(0.5, abs=1e-3)
    assert res == pytest.approx(0.5, abs=1e-3)
    assert rms == pytest.approx(np.sqrt(0.5), abs=1e-3)
    g2, r2, _ = best_equivariant_fit(lambda v: norm_nonlinearity(v, "1o", "tanh", 0.0))
    assert g2 == pytest.approx(np.tanh(1.0), abs=1e-12) and r2 < 1e-12
