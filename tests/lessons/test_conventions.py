"""What the conventions page shows, checked against independent values (sympy's own CG class and wigner_d,
closed forms of the axis permutation, the selection rule)."""

from __future__ import annotations

import numpy as np
import pytest
import sympy
from sympy.physics.quantum.cg import CG

from equi_core import zyz_angles_to_matrix
from equi_core.lessons import conventions as C

ANGLES = [(30, 60, -45), (-100, 60, -45), (0, 0, 0), (179, 30, -10), (90, 90, 90)]


@pytest.mark.parametrize("l", range(C.MAX_L + 1))
@pytest.mark.parametrize("angles", ANGLES)
def test_each_basis_turns_its_own_harmonics(l, angles):
    r = C.three_bases(l, *angles)
    assert max(r.err_lab, r.err_textbook, r.err_complex, r.err_B, r.err_Q, r.imag_Q, r.unitarity) < 1e-13
    if l == 0:
        assert r.err_mixed < 1e-14 and r.lab_vs_textbook == 0.0
    elif angles != (0, 0, 0):
        assert r.err_mixed > 0.1 and r.lab_vs_textbook > 0.1  # the silent O(1) bug
    # the Z-Y-Z angles shown are those of the same matrix (textbook composition, computed independently)
    assert np.abs(zyz_angles_to_matrix(*np.deg2rad(r.zyz_deg)) - r.R).max() < 1e-12


def test_lab_degree_one_is_R_and_the_axes_permutation():
    r = C.three_bases(1, 30, 60, -45)
    a, b, g = np.deg2rad([30, 60, -45])
    Ry = lambda t: np.array([[np.cos(t), 0, np.sin(t)], [0, 1, 0], [-np.sin(t), 0, np.cos(t)]])  # noqa: E731
    Rx = lambda t: np.array([[1, 0, 0], [0, np.cos(t), -np.sin(t)], [0, np.sin(t), np.cos(t)]])  # noqa: E731
    R = Ry(a) @ Rx(b) @ Ry(g)
    np.testing.assert_allclose(r.R, R, atol=1e-15)
    np.testing.assert_allclose(r.D_lab, R, atol=1e-14)  # D^1(R) = R
    np.testing.assert_array_equal(r.P, [[0, 0, 1], [1, 0, 0], [0, 1, 0]])  # (x, y, z) -> (z, x, y)
    assert r.textbook_labels == ("y", "z", "x")  # the textbook m order of degree 1
    cols = r.columns()
    assert cols["row"] == [0, 0, 0, 1, 1, 1, 2, 2, 2] and cols["column"] == [0, 1, 2] * 3
    np.testing.assert_allclose(cols["D_lab"], R.ravel(), atol=1e-14)
    assert cols["D_complex_im"] == r.D_complex.imag.ravel().tolist()


def test_sympy_wigner_d_agrees():
    for l in (0, 2, 4):
        assert C.sympy_wigner_error(C.three_bases(l, 30, 60, -45)) < 1e-12


def test_allowed_l3_is_the_triangle():
    for l1 in range(4):
        for l2 in range(4):
            assert C.allowed_l3(l1, l2) == list(range(abs(l1 - l2), l1 + l2 + 1))


@pytest.mark.parametrize(("l1", "l2", "l3"), [(1, 1, 1), (2, 1, 3), (3, 3, 6), (0, 2, 2), (2, 2, 0)])
def test_exact_table_matches_sympy_cg_class(l1, l2, l3):
    rep = C.cg_report(l1, l2, l3)
    expected = {}
    for m1 in range(-l1, l1 + 1):
        for m2 in range(-l2, l2 + 1):
            if abs(m1 + m2) <= l3:
                value = sympy.nsimplify(CG(l1, m1, l2, m2, l3, m1 + m2).doit())
                if value != 0:
                    expected[(m1, m2)] = value
    assert len(rep.rows) == len(expected)
    for m1, m2, m3, text, value in rep.rows:
        assert m3 == m1 + m2
        assert sympy.simplify(sympy.sympify(text) - expected[(m1, m2)]) == 0
        assert value == pytest.approx(float(expected[(m1, m2)]), abs=1e-15)
    assert rep.from_exact_error < 1e-14 and rep.invariance_error < 1e-13
    assert rep.frobenius == pytest.approx(1.0, abs=1e-14)
    assert rep.C.shape == (2 * l1 + 1, 2 * l2 + 1, 2 * l3 + 1)
    assert rep.columns()["m1"] == [r[0] for r in rep.rows]


def test_cg_report_rejects_what_the_page_cannot_show():
    with pytest.raises(ValueError, match="not allowed"):
        C.cg_report(2, 0, 3)
    with pytest.raises(ValueError):
        C.cg_report(4, 0, 4)


def test_quiz_answers():
    q = C.quizzes()
    assert q["quiz_0"].answer == "y" and q["quiz_1"].answer == "(x, y, z)"
    assert sympy.sympify(q["quiz_2"].answer) == sympy.sqrt(sympy.Rational(2, 3))  # <1 0; 1 0 | 2 0>
