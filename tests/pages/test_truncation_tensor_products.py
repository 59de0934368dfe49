"""AppTest of the pages "Truncation at L" and "Tensor products: the price": they run, and the numbers they show
are the core's numbers and change the way the math says they must."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from equi_core.lessons import truncation as T
from equi_core.o3 import gaunt as G
from equi_core.o3 import sphere as S
from tests.conftest import new_app_test


def _page(name: str) -> AppTest:
    return new_app_test(name)


def _ok(at: AppTest) -> AppTest:
    at.run()
    assert not at.exception, at.exception[0].message if at.exception else ""
    return at


def _metric(at: AppTest, starts: str) -> str:
    found = [m.value for m in at.metric if m.label.startswith(starts)]
    assert found, f"no metric starting with {starts!r}: {[m.label for m in at.metric]}"
    return found[0]


def _l2(at: AppTest) -> float:
    text = _metric(at, "relative L2 error")
    return 0.0 if text.startswith("0 (exact)") else float(text)


# ------------------------------------------------------------------------------------------- truncation
@pytest.fixture(scope="module")
def trunc() -> AppTest:
    return _ok(_page("truncation"))


def test_truncation_runs_and_shows_the_core_numbers(trunc):
    study = T.truncation_study(T.make_target("water", kappa=25.0), 20, S.latlong_grid(49, 97))
    assert _l2(trunc) == pytest.approx(study.rel_l2_error[4], rel=1e-3)
    assert float(_metric(trunc, "relative max error")) == pytest.approx(study.rel_max_error[4], rel=1e-3)
    assert _metric(trunc, "numbers per feature") == "25"
    assert dict(trunc.query_params)["L"] == "4" and dict(trunc.query_params)["target"] == "water"
    labels = [b.label for b in trunc.download_button]
    assert any("CSV" in b for b in labels) and any("HTML" in b for b in labels)
    assert any("code" in e.label.lower() for e in trunc.expander)


@pytest.mark.parametrize("target", ["water", "ammonia", "methane", "benzene", "star", "cap", "random"])
def test_truncation_error_falls_with_L_for_every_preset(target):
    at = _ok(_page("truncation"))
    at.selectbox(key="target").set_value(target)
    _ok(at)
    shown = []
    for L in (0, 1, 3, 6, 10, 20):
        at.slider(key="L").set_value(L)
        _ok(at)
        shown.append(_l2(at))
        assert _metric(at, "numbers per feature") == str((L + 1) ** 2)
    assert all(b <= a for a, b in itertools.pairwise(shown)), shown
    assert shown[-1] < shown[0]  # the slider does change the error
    if target == "random":  # band 8 by default: exact from L = 8 on
        assert shown[-1] == 0.0
    else:
        assert shown[-1] > 0.0


def test_truncation_blind_spot_follows_L():
    at = _ok(_page("truncation"))
    at.slider(key="n").set_value(6)
    at.slider(key="L").set_value(5)
    _ok(at)
    assert any("blind" in w.value for w in at.warning)  # a lesson statement, not an error box
    assert not any("blind" in e.value for e in at.error)
    at.slider(key="L").set_value(6)
    _ok(at)
    assert any("can" in s.value for s in at.success)
    assert not any("blind" in m.value for m in list(at.error) + list(at.warning))


def test_truncation_defaults_show_no_error_box():
    at = _ok(_page("truncation"))
    assert not at.error, [e.value for e in at.error]  # on a projector a red box reads as a failure
    assert any("blind" in w.value for w in at.warning)  # defaults n = 5 > L = 4: the lesson's statement


def test_truncation_and_tensor_product_widgets_carry_their_live_value():
    """The browser (re)mounts a widget at its proto default: it must be the live value on every run."""
    at = _ok(_page("truncation"))
    at.slider(key="L").set_value(7)
    _ok(at)
    at.slider(key="n").set_value(9)
    _ok(at)
    assert list(at.slider(key="L").proto.default) == [7.0] and list(at.slider(key="n").proto.default) == [9.0]
    target = at.selectbox(key="target")
    assert target.options[target.proto.default] == "water (H₂O)" and target.value == "water"
    tp = _ok(_page("tensor_products"))
    tp.text_input(key="u").set_value("1, 0, 0")
    _ok(tp)
    tp.slider(key="l1").set_value(2)
    _ok(tp)
    assert tp.text_input(key="u").proto.default == "1, 0, 0" == tp.text_input(key="u").value
    assert tp.text_input(key="v").proto.default == "0.5, 1, 2" == tp.text_input(key="v").value
    assert list(tp.slider(key="l1").proto.default) == [2.0]
    assert tp.radio(key="l3").value == 1 and tp.radio(key="l3").proto.default == 0  # 2o x 1o: l3 = 1, 2, 3


def test_truncation_url_state_and_bad_values():
    at = _page("truncation")
    at.query_params["target"] = "cap"
    at.query_params["L"] = "7"
    at.query_params["kappa"] = "1e308"
    _ok(at)
    assert at.selectbox(key="target").value == "cap" and at.slider(key="L").value == 7
    assert any("kappa" in w.value for w in at.warning)
    assert at.slider(key="kappa").value == 25
    study = T.truncation_study(T.make_target("cap", cap_angle_deg=30.0), 20, S.latlong_grid(49, 97))
    assert _l2(at) == pytest.approx(study.rel_l2_error[7], rel=1e-3)


def test_truncation_quiz_checks_the_computed_answer():
    at = _ok(_page("truncation"))
    at.slider(key="n").set_value(7)
    _ok(at)
    at.radio(key="q_star").set_value(T.star_needs_degree(7))
    _ok(at)
    assert any(s.value.startswith("Right") for s in at.success)
    at.radio(key="q_star").set_value(1)
    _ok(at)
    assert any(e.value.startswith("Not quite") for e in at.error)


# ------------------------------------------------------------------------------------------- tensor products
@pytest.fixture(scope="module")
def tp() -> AppTest:
    return _ok(_page("tensor_products"))


def test_tensor_products_runs_with_live_numbers(tp):
    assert float(_metric(tp, "invariance error")) < 1e-13
    assert _metric(tp, "Gaunt loses this path") == "κ = 0"  # defaults: 1o x 1o -> 1e, the cross product
    table = tp.dataframe[0].value
    assert list(table["output"]) == ["0e", "1e", "2e"]
    assert (table["equivariance error"] < 1e-13).all()
    assert table["Gaunt / CG"][1] == "0 (lost)"
    assert any("Quiz" in h.value for h in tp.header)


def test_tensor_products_explorer_follows_l1_l2():
    at = _ok(_page("tensor_products"))
    at.slider(key="l1").set_value(2)
    at.slider(key="l2").set_value(3)
    _ok(at)
    assert list(at.radio(key="l3").options) == ["1e", "2e", "3e", "4e", "5e"]
    at.radio(key="l3").set_value(3)
    _ok(at)
    kappa = G.gaunt_path_constant(2, 3, 3)
    assert _metric(at, "Gaunt keeps this path") == f"κ = {kappa:.4f}"
    assert _metric(at, "nonzero CG coefficients").endswith(f"of {5 * 7 * 7}")
    at.radio(key="p1").set_value("e")
    _ok(at)
    assert list(at.radio(key="l3").options) == ["1o", "2o", "3o", "4o", "5o"]
    at.radio(key="l3").set_value(4)
    _ok(at)
    assert _metric(at, "Gaunt loses this path").startswith("κ = 0")


def test_tensor_products_vectors_and_bad_input():
    at = _ok(_page("tensor_products"))
    at.text_input(key="u").set_value("1, 0, 0")
    at.text_input(key="v").set_value("0, 1, 0")
    _ok(at)
    cross = at.dataframe[0].value["CG: Σ C_ijk u_i v_j"][1]
    assert cross == "(0, 0, 0.4082)"  # (x cross y) / sqrt(6) = z / sqrt(6)
    for bad in ("nan, 1, 2", "1, 2", "", "1e400, 0, 0"):
        at.text_input(key="u").set_value(bad)
        _ok(at)
        assert at.error, f"no message for u = {bad!r}"


def test_tensor_products_measures_times_with_progress():
    at = _ok(_page("tensor_products"))
    assert at.slider(key="Lt").max == 12  # the CG cache keeps every tensor to L ~ 16: 1..12 takes ~2 s here
    assert any("L ≤ 12" in c.value for c in at.caption)  # and the page says so
    at.slider(key="Lt").set_value(3)
    _ok(at)
    assert not any("Measured exponents" in m.value for m in at.markdown)
    at.button(key="measure").click()
    _ok(at)
    assert any("Measured exponents" in m.value for m in at.markdown)
    assert any("Measured times" in b.label for b in at.download_button)


def test_tensor_products_url_state_and_invalid_l3():
    at = _page("tensor_products")
    at.query_params["l1"] = "2"
    at.query_params["l2"] = "2"
    at.query_params["l3"] = "9"
    _ok(at)
    assert any("not in" in i.value for i in at.info)
    assert at.radio(key="l3").value == 0
    assert dict(at.query_params)["l3"] == "0"


def test_tensor_products_quiz_answers_are_computed():
    at = _ok(_page("tensor_products"))
    at.radio(key="q_23").set_value("1, 2, 3, 4, 5")
    at.radio(key="q_lost").set_value("1e (cross product)")
    _ok(at)
    assert sum(s.value.startswith("Right") for s in at.success) == 2
    ratio = G.count_cg_operations(32) / G.count_cg_operations(16)
    at.radio(key="q_cost").set_value(f"about {ratio:.0f}×")
    _ok(at)
    assert sum(s.value.startswith("Right") for s in at.success) == 3
    assert np.isclose(ratio, 53.5, atol=0.5)
