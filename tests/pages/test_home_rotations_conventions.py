"""AppTest for the Home, "Rotations act on irrep blocks" and "Conventions" pages.

Every main widget is changed and the numbers the page shows are compared with values computed here from
``equi_core`` (assert on values, not on existence). Malformed input must give an error element, never an exception.
"""

from __future__ import annotations

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from equi_core import (
    Irreps,
    angles_to_matrix,
    clebsch_gordan_exact,
    matrix_to_axis_angle,
    random_rotation,
)
from equi_core.lessons.irreps_rotations import BUGS
from equi_core.lessons.molecules import POINT_CLOUDS, point_cloud_preset
from tests.conftest import new_app_test


def run(page: str, query: dict[str, str] | None = None) -> AppTest:
    at = new_app_test(page)
    for k, v in (query or {}).items():
        at.query_params[k] = v
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    return at


def rerun(at: AppTest) -> AppTest:
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    return at


def metric(at: AppTest, label_start: str) -> str:
    found = [m.value for m in at.metric if m.label.startswith(label_start)]
    assert found, f"no metric {label_start!r} in {[m.label for m in at.metric]}"
    return found[0]


def fmetric(at: AppTest, label_start: str) -> float:
    return float(metric(at, label_start).rstrip("°×"))


def turn_angle(R: np.ndarray) -> float:
    proper = R if np.linalg.det(R) > 0 else -R
    return float(np.degrees(matrix_to_axis_angle(proper)[1]))


# ------------------------------------------------------------------------------------------------ home
def test_home_measures_exact_versus_relu():
    at = run("home")
    assert fmetric(at, "equivariant maps") < 1e-12
    relu0 = fmetric(at, "ReLU on a vector")
    assert relu0 > 0.1
    at.slider(key="seed").set_value(5)
    rerun(at)
    assert fmetric(at, "equivariant maps") < 1e-12
    assert fmetric(at, "ReLU on a vector") != relu0  # a new draw, a new number
    assert len(at.get("plotly_chart")) == 1


# ------------------------------------------------------------------------------------------------ rotations page
def test_rotations_defaults_show_the_theorem_numbers():
    at = run("irreps_rotations")
    R = angles_to_matrix(*np.deg2rad([30, 60, -45]))
    assert metric(at, "det R") == "+1"
    assert fmetric(at, "turn angle") == pytest.approx(turn_angle(R), abs=0.05)
    assert fmetric(at, "max |D¹(R) − R|") < 1e-12
    assert fmetric(at, "max |A − B| (correct D)") < 1e-13
    assert fmetric(at, "max |A − B| (textbook basis)") > 0.1
    assert at.query_params["alpha"] == ["30"] or at.query_params["alpha"] == "30"
    assert len(at.get("plotly_chart")) == 5  # D(R), feature scene, cloud, square, animation
    assert not at.error


def test_rotations_euler_sliders_change_R():
    at = run("irreps_rotations")
    at.slider(key="alpha").set_value(90)
    at.slider(key="beta").set_value(0)
    at.slider(key="gamma").set_value(0)
    rerun(at)
    assert fmetric(at, "turn angle") == pytest.approx(90.0, abs=0.05)  # Ry(90°)
    at.slider(key="beta").set_value(90)
    rerun(at)
    expected = turn_angle(angles_to_matrix(*np.deg2rad([90, 90, 0])))
    assert fmetric(at, "turn angle") == pytest.approx(expected, abs=0.05)
    assert fmetric(at, "max |A − B| (correct D)") < 1e-13
    assert dict(at.query_params)["beta"] in ("90", ["90"])


def test_rotations_axis_angle_and_bad_axis():
    at = run("irreps_rotations")
    at.radio(key="mode").set_value("Axis and angle")
    rerun(at)
    at.text_input(key="axis").set_value("0, 0, 1")
    at.slider(key="angle").set_value(45)
    rerun(at)
    assert fmetric(at, "turn angle") == pytest.approx(45.0, abs=0.05)
    at.text_input(key="axis").set_value("0, 0, 0")
    rerun(at)
    assert any("zero" in e.value.lower() for e in at.error)
    assert fmetric(at, "turn angle") == pytest.approx(0.0, abs=1e-9)  # falls back to the identity


def test_rotations_random_seed_is_reproducible():
    at = run("irreps_rotations")
    at.radio(key="mode").set_value("Random (seeded)")
    rerun(at)
    at.number_input(key="seed").set_value(42)
    rerun(at)
    assert fmetric(at, "turn angle") == pytest.approx(turn_angle(random_rotation(rng=42)), abs=0.05)


def test_rotations_inversion_preset_is_improper():
    at = run("irreps_rotations")
    at.radio(key="mode").set_value("Preset")
    rerun(at)
    at.selectbox(key="preset").set_value("inversion −I")
    rerun(at)
    assert metric(at, "det R") == "-1"
    assert fmetric(at, "turn angle") == pytest.approx(0.0, abs=1e-9)
    assert fmetric(at, "max |A − B| (correct D)") < 1e-13  # harmonics have parity (-1)^l: still commutes
    at.selectbox(key="preset").set_value("90° about z")
    rerun(at)
    assert metric(at, "det R") == "+1" and fmetric(at, "turn angle") == pytest.approx(90.0, abs=0.05)


@pytest.mark.parametrize("bad", ["2x1q", "1x0e + + 1o", "1x9e", "", "1o" * 200])
def test_rotations_malformed_irreps_give_an_error_not_an_exception(bad):
    at = run("irreps_rotations")
    at.text_input(key="irreps").set_value(bad)
    rerun(at)
    assert at.error, f"no error for {bad!r}"
    message = " ".join(e.value for e in at.error)
    if bad == "2x1q":
        assert "2x1q" in message and "parity" in message
    # the rotation and the commuting square still work
    assert fmetric(at, "max |A − B| (correct D)") < 1e-13


def test_rotations_irreps_text_changes_D():
    at = run("irreps_rotations")
    at.text_input(key="irreps").set_value("2x1o + 1x3o")
    rerun(at)
    assert not at.error
    text = " ".join(m.value for m in at.markdown)
    assert "13** numbers" in text  # 2*3 + 7
    latex = " ".join(m.value for m in at.latex)
    assert r"\texttt{1o}" in latex
    assert len(at.get("plotly_chart")) == 6  # D(R), the l = 3 block as heat-map, scene, cloud, square, animation


def _wrong_square_error(X: np.ndarray, R: np.ndarray, lmax: int, bug: str) -> float:
    """max |Y(R x) - W Y(x)| over degrees 0..lmax with each bug's W written here, independently of the lesson code:
    the textbook bug is R's Z-Y-Z angles fed to the Y-X-Y formula, the others D(R^T) and D(gamma, beta, alpha)."""
    from equi_core import matrix_to_angles, matrix_to_zyz_angles, spherical_harmonics, wigner_D, wigner_D_from_angles

    X = X[np.linalg.norm(X, axis=1) > 1e-12]
    a, b, g = matrix_to_angles(R)
    worst = 0.0
    for l in range(lmax + 1):
        if bug == "textbook basis":
            W = wigner_D_from_angles(l, *matrix_to_zyz_angles(R))
        elif bug == "inverse rotation":
            W = wigner_D(l, R.T)
        else:
            W = wigner_D_from_angles(l, g, b, a)
        Y_rot = spherical_harmonics(l, X @ R.T, normalization="component")
        worst = max(worst, float(np.abs(Y_rot - spherical_harmonics(l, X, normalization="component") @ W.T).max()))
    return worst


def test_rotations_commuting_square_widgets():
    at = run("irreps_rotations")
    R = angles_to_matrix(*np.deg2rad([30, 60, -45]))
    for cloud in POINT_CLOUDS:
        at.selectbox(key="cloud").set_value(cloud)
        for bug, _ in BUGS:
            at.selectbox(key="bug").set_value(bug)
            rerun(at)
            X, _, _ = point_cloud_preset(cloud, seed=6)
            expected = _wrong_square_error(np.asarray(X), R, 2, bug)
            assert fmetric(at, f"max |A − B| ({bug})") == pytest.approx(expected, abs=0.006)
    at.slider(key="lmax").set_value(0)
    rerun(at)
    assert fmetric(at, f"max |A − B| ({BUGS[-1][0]})") == 0.0  # scalars are immune to every bug


def test_rotations_url_state_round_trip_and_bad_values():
    at = run("irreps_rotations", {"mode": "Preset", "preset": "90° about y", "irreps": "1x1e"})
    assert fmetric(at, "turn angle") == pytest.approx(90.0, abs=0.05)
    assert at.text_input(key="irreps").value == "1x1e"
    at = run("irreps_rotations", {"alpha": "999", "lmax": "abc"})
    notices = " ".join(w.value for w in at.warning)
    assert "alpha" in notices and "lmax" in notices
    assert at.slider(key="alpha").value == 30  # the default
    assert dict(at.query_params)["alpha"] in ("30", ["30"])


def test_rotations_quiz_answers_are_checked():
    at = run("irreps_rotations")
    dim = Irreps("2x1o + 3x2e").dim
    at.radio(key="quiz_0").set_value(dim)
    rerun(at)
    assert any("Right" in s.value for s in at.success)
    at.radio(key="quiz_0").set_value(5)
    at.radio(key="quiz_1").set_value("1o flips, 1e stays")
    rerun(at)
    assert any("Not quite" in e.value for e in at.error)
    assert any("1o" in s.value for s in at.success)
    at.radio(key="quiz_2").set_value(-1)
    rerun(at)
    assert sum("Right" in s.value for s in at.success) == 2


def test_rotations_classroom_features():
    at = run("irreps_rotations")
    labels = [b.label for b in at.get("download_button")]
    assert any("CSV" in lab for lab in labels) and any("HTML" in lab for lab in labels)
    code = [c.value for c in at.code]
    assert any("def wigner_D" in c and "def commuting_square_data" in c for c in code)


# ------------------------------------------------------------------------------------------------ conventions
def test_conventions_defaults():
    at = run("conventions")
    for label in ("Lab: |Y(Rv)", "textbook: |Y(Rv)", "complex: |Y(Rv)", "max |D_tb − B D_Lab", "max |D_tb − Qᴴ"):
        assert fmetric(at, label) < 1e-13, label
    assert fmetric(at, "mixed up") > 0.1
    assert fmetric(at, "max |C − C from sympy") < 1e-14
    assert fmetric(at, "invariance") < 1e-13
    assert fmetric(at, "Frobenius norm of C") == pytest.approx(1.0, abs=1e-14)
    assert any("The Lab's conventions" in m.value for m in at.markdown)  # the core's text is rendered


def test_conventions_degree_and_angles():
    at = run("conventions")
    at.slider(key="l").set_value(0)
    rerun(at)
    assert fmetric(at, "mixed up") < 1e-14  # l = 0: every basis agrees
    assert fmetric(at, "max |D_Lab − D_tb|") == 0.0
    at.slider(key="l").set_value(3)
    at.slider(key="alpha").set_value(-100)
    rerun(at)
    assert fmetric(at, "mixed up") > 0.1
    assert fmetric(at, "complex: |Y(Rv)") < 1e-13
    assert "(l = 3)" in next(m.label for m in at.metric if m.label.startswith("max |Q Qᴴ"))
    assert dict(at.query_params)["alpha"] in ("-100", ["-100"])


def test_conventions_clebsch_gordan_table():
    at = run("conventions")
    at.selectbox(key="l1").set_value(2)
    rerun(at)
    assert at.selectbox(key="l3").options == ["1", "2", "3"]
    at.selectbox(key="l3").set_value(3)
    rerun(at)
    df = at.dataframe[0].value
    nonzero = sum(
        1
        for m1 in range(-2, 3)
        for m2 in range(-1, 2)
        if abs(m1 + m2) <= 3 and clebsch_gordan_exact(2, m1, 1, m2, 3, m1 + m2) != 0
    )
    assert len(df) == nonzero
    row = df[(df["m₁"] == 0) & (df["m₂"] == 0)].iloc[0]
    assert row["exact"] == str(clebsch_gordan_exact(2, 0, 1, 0, 3, 0))
    assert fmetric(at, "max |C − C from sympy") < 1e-14
    # l2 = 0 forces l3 = l1: the previous l3 = 3 is not allowed any more
    at.selectbox(key="l2").set_value(0)
    rerun(at)
    assert at.selectbox(key="l3").value == 2


def test_conventions_sympy_check_and_quiz():
    at = run("conventions")
    at.button(key="sympy_check").click()
    rerun(at)
    msg = at.success[0].value
    assert float(msg.split("= ")[1].split(" ")[0]) < 1e-12
    at.radio(key="quiz_0").set_value("y")
    at.radio(key="quiz_1").set_value("(x, y, z)")
    # <1 0; 1 0 | 2 0> = sqrt(2/3) = sqrt(6)/3 (the standard tables), written out: not recomputed by the code under test
    at.radio(key="quiz_2").set_value("sqrt(6)/3")
    rerun(at)
    assert sum("Right" in s.value for s in at.success) == 3


def test_conventions_bad_url_values_fall_back():
    at = run("conventions", {"l": "99", "l3": "7"})
    notices = [w.value for w in at.warning]
    assert any("`l`" in n and "`99`" in n for n in notices), notices  # names the parameter and echoes the value
    assert any("`l3`" in n and "`7`" in n for n in notices), notices
    assert at.slider(key="l").value == 2
    assert dict(at.query_params)["l"] in ("2", ["2"])
