"""What the "ReLU versus norm nonlinearity" page shows, against closed forms (the gain sigma(|v| + b)/|v|, the
best fit 1/2 of ReLU, a hand-written rotation about z) and the library's own checks."""

from __future__ import annotations

import numpy as np
import pytest

from equi_core.lessons import nonlinearity as N

V1 = np.array([1.0, -2.0, 3.0])


def _rz(t: float) -> np.ndarray:
    return np.array([[np.cos(t), -np.sin(t), 0.0], [np.sin(t), np.cos(t), 0.0], [0.0, 0.0, 1.0]])


def test_norm_gain_and_sphere_radius():
    pair = N.compare_pair(V1, -V1 * np.array([1, 1, -1]), "relu", -1.0)  # (-1, 2, 3): same length
    assert N.norm_gain(pair) == pytest.approx((np.sqrt(14) - 1) / np.sqrt(14), abs=1e-15)
    assert N.sphere_radius(V1) == pytest.approx(np.sqrt(14), abs=1e-15) and N.sphere_radius([0, 0, 0]) == 1.0


def test_rotation_check_in_degrees():
    check = N.rotation_check_deg(V1, 240, 85, 330, "relu", -1.0)
    assert check.norm_error.absolute < 1e-14 and check.relu_error.absolute > 0.1
    identity = N.rotation_check_deg(V1, 0, 0, 0)
    assert max(identity.relu_error.absolute, identity.norm_error.absolute) < 1e-15
    cols = N.rotation_columns(check)
    assert cols["quantity"][0] == "v" and cols["x"][0] == 1.0 and cols["z"][0] == 3.0
    assert cols["error of this map"][2] == check.relu_error.absolute


def test_error_curve_about_z_matches_a_hand_rotation():
    curve = N.error_curve(V1, "z")
    assert len(curve.angles_deg) == 145 and curve.angles_deg[0] == 0.0 and curve.angles_deg[-1] == 360.0
    expected = [
        np.abs(np.maximum(_rz(t) @ V1, 0) - _rz(t) @ np.maximum(V1, 0)).max() for t in np.radians(curve.angles_deg)
    ]
    np.testing.assert_allclose(curve.relu_v, expected, atol=1e-12)
    assert curve.relu_v[0] < 1e-15 and curve.relu_v.max() > 1.0
    assert curve.norm_max < 1e-14
    assert set(curve.columns()) == {"angle_deg", "relu_error_v1", "norm_error_v1", "relu_error_mean", "norm_error_mean"}
    with pytest.raises(ValueError):
        N.error_curve(V1, "w")


def test_sphere_maps():
    r = np.sqrt(14)
    relu = N.sphere_map("ReLU", "relu", -1.0, r)
    assert relu.total == 160 and relu.lost == 20  # directions in the negative octant go to 0
    assert relu.gain_max == pytest.approx(1.0, abs=1e-12) and relu.gain_min == 0.0
    assert relu.max_bend_deg is not None and 45 < relu.max_bend_deg < 90
    norm = N.sphere_map("norm nonlinearity", "relu", -1.0, r)
    g = (r - 1) / r  # relu(|v| - 1) / |v|
    assert norm.gain_min == pytest.approx(g, abs=1e-14) and norm.gain_max == pytest.approx(g, abs=1e-14)
    assert norm.lost == 0 and norm.max_bend_deg == pytest.approx(0.0, abs=1e-5)
    dead = N.sphere_map("norm nonlinearity", "relu", -3.0, 1.0)  # relu(1 - 3) = 0: everything goes to 0
    assert dead.lost == dead.total and dead.max_bend_deg is None
    with pytest.raises(ValueError):
        N.sphere_map("GELU")


def test_gate_verdicts():
    assert N.gate_verdict("tanh").output == "0o" and N.gate_verdict("tanh").keeps_sign
    assert N.gate_verdict("abs").output == "0e" and not N.gate_verdict("abs").keeps_sign
    relu = N.gate_verdict("relu")
    assert relu.output is None and "illegal on a pseudo-scalar" in relu.reason


def test_block_errors():
    rows = {r.name: r for r in N.block_errors()}
    assert len(rows) == 7
    for name in (
        "equivariant linear",
        "norm nonlinearity",
        "gate",
        "tensor square (CG paths)",
        "tiny net (2 gated layers)",
    ):
        assert rows[name].absolute < 1e-12, name
    assert rows["componentwise ReLU (baseline)"].absolute > 0.1
    assert rows["componentwise tanh (baseline)"].absolute > 0.1


def test_depth_argument():
    depth = N.depth_argument()
    gain, res, rms = depth.fit
    assert gain == pytest.approx(0.5, abs=1e-6) and res == pytest.approx(0.5, abs=1e-6)
    assert rms == pytest.approx(np.sqrt(0.5), abs=1e-6)
    assert depth.frame_error < 1e-12
    assert [s[0] for s in depth.steps][1] == "scalar nonlinearity (gate)"


def test_quiz_answers():
    q = N.quizzes()
    assert q["q_parity"].answer == "tanh" and q["q_abs"].answer == "0e"
    assert q["q_depth"].answer == "0.5 v, with RMS error 0.5 at any depth"
