"""Tests of the figure builders of the nonlinearity lesson (pure functions: numbers in, figures out)."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
import pytest

from equi_core import (
    angles_to_matrix,
    direction_map_in_plane,
    norm_nonlinearity,
    parity_trap,
    relu,
    relu_in_frame_steps,
    rotation_check,
)
from equi_core.viz.nonlinearity import (
    depth_figure,
    error_vs_angle_figure,
    parity_trap_figure,
    rotation_arrows_figure,
    sphere_map_data,
    sphere_map_figure,
)


def _scenes(fig: go.Figure) -> list[str]:
    return sorted(k for k in fig.layout.to_plotly_json() if k.startswith("scene"))


def _trace(fig: go.Figure, name: str):
    hits = [t for t in fig.data if t.name == name]
    assert hits, f"no trace named {name!r}: {[t.name for t in fig.data]}"
    return hits[0]


def test_rotation_arrows_figure_draws_the_numbers_in_one_scene():
    check = rotation_check([1.0, -2.0, 3.0], angles_to_matrix(*np.radians([240, 85, 330])))
    fig = rotation_arrows_figure(check, title="t")
    assert _scenes(fig) == ["scene"]

    def tip(tr):
        return np.array([tr.x[1], tr.y[1], tr.z[1]])

    np.testing.assert_allclose(tip(_trace(fig, "ReLU(R v)")), check.relu_of_Rv)
    np.testing.assert_allclose(tip(_trace(fig, "norm(R v)")), check.norm_of_Rv)
    np.testing.assert_allclose(tip(_trace(fig, "R v (rotated input)")), check.Rv)
    names = [t.name for t in fig.data if t.name]
    relu_name = next(n for n in names if n.startswith("R·ReLU(v)"))
    assert f"{check.relu_error.absolute:.3g}" in relu_name
    np.testing.assert_allclose(tip(_trace(fig, relu_name)), check.R_relu_v)
    # ReLU's two arrows differ, the norm nonlinearity's coincide
    assert np.abs(check.relu_of_Rv - check.R_relu_v).max() > 0.5
    assert np.abs(check.norm_of_Rv - check.R_norm_v).max() < 1e-14
    assert sum(isinstance(t, go.Cone) for t in fig.data) >= 5


def test_rotation_arrows_zero_vector_draws_markers_not_nan():
    check = rotation_check([0.0, 0.0, 0.0], angles_to_matrix(0.3, 0.4, 0.5))
    fig = rotation_arrows_figure(check)
    for t in fig.data:
        if isinstance(t, go.Scatter3d):
            assert np.all(np.isfinite(np.asarray(t.x, dtype=float)))
            assert t.mode == "markers"
    assert check.norm_error.absolute == 0.0 and check.relu_error.absolute == 0.0


def test_sphere_map_data_and_figure_relu_vs_norm():
    d_relu = sphere_map_data(relu, n_theta=11, n_phi=21, n_arrows=120)
    assert d_relu["grid"].shape == (11, 21, 3) and d_relu["grid_gain"].shape == (11, 21)
    assert d_relu["points"].shape == (120, 3)
    dead = np.all(d_relu["points"] <= 0, axis=-1)
    assert np.all(np.isnan(d_relu["bend_deg"][dead])) and dead.sum() > 0
    assert np.nanmax(d_relu["bend_deg"]) > 60 and d_relu["gain"].min() == 0.0
    fig = sphere_map_figure(d_relu, name="ReLU")
    assert _scenes(fig) == ["scene"]
    lost = _trace(fig, "ReLU(v) = 0 (direction lost)")
    assert len(lost.x) == dead.sum()

    d_norm = sphere_map_data(lambda v: norm_nonlinearity(v, "1o", "tanh", 0.0), n_theta=11, n_phi=21, n_arrows=120)
    np.testing.assert_allclose(d_norm["bend_deg"], 0.0, atol=1e-5)
    np.testing.assert_allclose(d_norm["gain"], np.tanh(1.0), atol=1e-14)
    np.testing.assert_allclose(d_norm["grid_gain"], np.tanh(1.0), atol=1e-14)
    fig = sphere_map_figure(d_norm, name="norm")
    assert _scenes(fig) == ["scene"]
    assert not [t for t in fig.data if t.name and "lost" in t.name]
    # on a sphere of radius r the gain of relu(|v| - 1) is (r - 1) / r; ReLU's gain does not depend on r
    d_r = sphere_map_data(
        lambda v: norm_nonlinearity(v, "1o", "relu", -1.0), radius=4.0, n_theta=5, n_phi=7, n_arrows=20
    )
    np.testing.assert_allclose(d_r["gain"], 0.75, atol=1e-14)
    np.testing.assert_allclose(
        sphere_map_data(relu, radius=3.0, n_theta=5, n_phi=7, n_arrows=20)["gain"],
        sphere_map_data(relu, n_theta=5, n_phi=7, n_arrows=20)["gain"],
        atol=1e-14,
    )
    with pytest.raises(ValueError):
        sphere_map_data(relu, radius=0.0)
    with pytest.raises(ValueError):
        sphere_map_data(relu, n_theta=1)
    with pytest.raises(ValueError):
        sphere_map_data(relu, n_arrows=10**6)


def test_error_vs_angle_figure_log_axis_and_floor():
    a = np.linspace(0, 360, 5)
    fig = error_vs_angle_figure(a, {"ReLU, v": [0.0, 1.0, 2.0, 1.0, 0.0], "norm, v": [0, 1e-16, 0, 2e-16, 0]})
    assert fig.layout.yaxis.type == "log"
    relu_tr = _trace(fig, "ReLU, v")
    np.testing.assert_allclose(relu_tr.y, [1e-17, 1.0, 2.0, 1.0, 1e-17])
    assert len(relu_tr.y) == 5  # zeros are drawn, not dropped
    assert _scenes(fig) == []
    with pytest.raises(ValueError):
        error_vs_angle_figure(a, {"bad": [1.0, 2.0]})


def test_parity_trap_figure_shows_measured_errors():
    rows = parity_trap(("relu", "tanh"), n=8, rng=0)
    fig = parity_trap_figure(rows, acts=("relu", "tanh"))
    bars = [t for t in fig.data if isinstance(t, go.Bar)]
    so3 = next(b for b in bars if b.name.startswith("SO(3)"))
    o3_ = next(b for b in bars if b.name.startswith("O(3)"))
    assert list(so3.x) == ["relu", "tanh"]
    np.testing.assert_allclose(so3.y, [1e-17, 1e-17])  # exact zeros, drawn at the floor
    assert o3_.y[0] == pytest.approx(rows[0].o3_error) and rows[0].o3_error > 0.1
    assert o3_.y[1] == pytest.approx(1e-17)
    curves = [t for t in fig.data if isinstance(t, go.Scatter)]
    relu_pair, tanh_pair = curves[:2], curves[2:4]
    assert np.abs(np.asarray(relu_pair[0].y) - np.asarray(relu_pair[1].y)).max() > 1.0
    np.testing.assert_allclose(tanh_pair[0].y, tanh_pair[1].y, atol=1e-15)
    assert _scenes(fig) == []


def test_depth_figure_counts_and_curves():
    t, a = direction_map_in_plane(relu, 181)
    _, b = direction_map_in_plane(lambda v: norm_nonlinearity(v, "1o", "tanh", 0.0), 181)
    steps = relu_in_frame_steps()
    fig = depth_figure(t, a, b, steps, fit=(0.5, 0.5, 0.7071))
    assert _scenes(fig) == []
    texts = " ".join(str(an.text) for an in fig.layout.annotations)
    total = sum(s[2] for s in steps)
    assert f"{total} mult-adds" in texts and "0.50·v" in texts
    assert len(fig.layout.shapes) == len(steps) + 2
    norm_tr = fig.data[0]
    np.testing.assert_allclose(norm_tr.y, np.degrees(t), atol=1e-9)
