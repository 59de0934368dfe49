"""What the "Tensor products: the price" page shows, against closed forms: the Levi-Civita tensor, the cross
product, operation counts summed here path by path, exact power laws for the timing fit."""

from __future__ import annotations

import numpy as np
import pytest

from equi_core.lessons import tensor_products as P


def _cg_count(L: int) -> int:
    """Multiply-adds of the full CG product, summed here: (2l1+1)(2l2+1)(2l3+1) over every path into l3 <= L."""
    return sum(
        (2 * a + 1) * (2 * b + 1) * (2 * c + 1)
        for a in range(L + 1)
        for b in range(L + 1)
        for c in range(abs(a - b), min(a + b, L) + 1)
    )


def test_product_outputs_follow_the_triangle_and_parity():
    ir1, ir2, out = P.product_outputs(2, "o", 3, "e")
    assert (str(ir1), str(ir2)) == ("2o", "3e")
    assert [str(ir) for ir in out] == ["1o", "2o", "3o", "4o", "5o"]
    assert sum(ir.dim for ir in out) == 5 * 7


def test_cg_block_cross_product_path():
    block = P.cg_block(1, 1, 1, 0)
    assert (block.nonzero, block.size) == (6, 27)  # the Levi-Civita symbol has 6 nonzero entries
    assert block.invariance_error < 1e-13 and not block.gaunt_keeps and block.gaunt_constant == 0.0
    keeps = P.cg_block(2, 3, 3, 0)
    assert keeps.gaunt_keeps and abs(keeps.gaunt_constant) > 0.01 and keeps.size == 5 * 7 * 7
    assert not P.cg_block(2, 3, 4, 0).gaunt_keeps  # 2 + 3 + 4 is odd
    cols = P.block_columns(block.C)
    assert len(cols["C"]) == 27 and cols["i (m1 + l1)"][-1] == 2


def test_vector_coupling():
    c = P.vector_coupling((1.0, 0.0, 0.0), (0.0, 1.0, 0.0), 0)
    np.testing.assert_array_equal(c.cross, [0.0, 0.0, 1.0])
    np.testing.assert_allclose(c.rows[1].cg, [0.0, 0.0, 1 / np.sqrt(6)], atol=1e-15)
    assert np.abs(c.gaunt_cross).max() < 1e-15 and not c.cross_is_zero
    assert all(r.equivariance_error < 1e-13 for r in c.rows)
    assert P.vector_coupling((1.0, 2.0, 3.0), (2.0, 4.0, 6.0), 0).cross_is_zero
    assert c.columns()["cg"][1] == "(0, 0, 0.4082)"


def test_operation_counts():
    counts = P.all_operation_counts().up_to(32)
    assert list(counts.Ls) == list(range(1, 33))
    assert [int(c) for c in counts.cg[:8]] == [_cg_count(L) for L in range(1, 9)]
    assert counts.cg[-1] == _cg_count(32)
    assert np.all(counts.cg_even <= counts.cg) and counts.fit_from == 16
    assert 5.0 < counts.slope_cg < 6.0 and 2.0 < counts.slope_gaunt < 3.2
    assert counts.ratio == pytest.approx(counts.cg[-1] / counts.gaunt[-1], rel=1e-15) and counts.ratio > 1000
    with pytest.raises(ValueError):
        P.all_operation_counts().up_to(65)


def test_timing_summary_recovers_exact_power_laws():
    L = [1, 2, 3, 4, 5, 6]
    fit = P.timing_summary(L, [1e-6 * x**6 for x in L], [1e-5 * x**3 for x in L])
    assert fit is not None and (fit.fit_from, fit.L_max) == (3, 6)
    assert fit.exponent_cg == pytest.approx(6.0, abs=1e-9) and fit.exponent_gaunt == pytest.approx(3.0, abs=1e-9)
    assert fit.speedup == pytest.approx(6**6 * 1e-6 / (6**3 * 1e-5), rel=1e-12)
    assert P.timing_summary([2], [1.0], [1.0]) is None


def test_quiz_answers():
    q = P.quizzes()
    assert q["q_23"].answer == "1, 2, 3, 4, 5" and q["q_lost"].answer == "1e (cross product)"
    assert q["q_cost"].answer == f"about {_cg_count(32) / _cg_count(16):.0f}×" == "about 53×"
