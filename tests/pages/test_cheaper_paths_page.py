"""AppTest of the page "Cheaper paths": it runs, every number it shows is the core's, bad input gets a message."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from equi_core.lessons import cheaper_paths as cp


def _ok(at: AppTest) -> AppTest:
    at.run()
    assert not at.exception, at.exception[0].message if at.exception else ""
    return at


def _metrics(at: AppTest) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


@pytest.fixture(scope="module")
def page(app_test: Callable[..., AppTest]) -> AppTest:
    return _ok(app_test("cheaper_paths"))


def test_defaults_show_the_core_numbers(page: AppTest) -> None:
    m = _metrics(page)
    dec = cp.decomposition_report(cp.DEFAULT_X, 0)
    prod = cp.matrix_product_report(cp.DEFAULT_X, cp.DEFAULT_Y)
    cr = cp.cross_product_report("1, -2, 3", "0.5, 1, 2")
    comp = cp.completeness_report(3)
    small = [
        "parts sum to X, error",
        "round trip, error",
        "closed forms of 1e, 2e, error",
        "x(R X Rᵀ) − D(R) x, error",
        "block 0 − D^0(R)",
        "block 1 − D^1(R)",
        "block 2 − D^2(R)",
        "outside",
        "largest residual against CG",
        "X Y rebuilt from the paths, error",
        "grid − √(3/4π) u × v",
        "grid − λ(1,1,1) C(u, v)",
        "Gaunt's degree-1 output, largest",
        "each path from the grid, error",
        "grid = Σ constant · CG path, error",
    ]
    for label in small:
        assert float(m[label]) < 1e-13, label  # float64 round-off, every one
    assert m["x(R X Rᵀ) − D(R) x, error"] == f"{dec.equivariance_error:.1e}"
    assert m["X Y rebuilt from the paths, error"] == f"{prod.rebuild_error:.1e}"
    assert m["grid − √(3/4π) u × v"] == f"{cr.odd_error:.1e}"
    assert m["paths with a non-zero constant"] == "15"
    assert m["paths"] == str(comp.n_paths) == "34"
    assert m["even (Gaunt) / odd (gradients)"] == "23 / 11"
    assert m["smallest |constant|"] == f"{comp.min_constant:.3f}"


def test_tables_are_the_core_tables(page: AppTest) -> None:
    frames = [df.value for df in page.dataframe]
    coeff = next(f for f in frames if list(f.columns) == list(cp.IRREP_LABELS))
    assert np.allclose(coeff.to_numpy()[0], cp.decomposition_report(cp.DEFAULT_X).x)
    paths = next(f for f in frames if "exact" in f.columns)
    assert list(paths["exact"]) == [p.exact for p in cp.matrix_product_report(cp.DEFAULT_X, cp.DEFAULT_Y).paths]
    costs = next(f for f in frames if "multiply-adds" in f.columns)
    assert list(costs["multiply-adds"]) == cp.costs_table()["multiply-adds"]
    rank = next(f for f in frames if "3^L" in f.columns)
    assert list(rank["3^L"]) == [3**L for L in range(9)]
    assert list(rank["redundant share"]) == pytest.approx([r.redundant_share for r in cp.rank_rows()])
    consts = next(f for f in frames if "closed form |.|" in f.columns)
    ref = cp.constants_table(cp.odd_constants(3))
    assert list(consts["constant"]) == pytest.approx(ref["constant"], rel=1e-12)
    bench = cp.load_bench()
    assert bench is not None
    ex = next(f for f in frames if "exponent a" in f.columns)
    assert list(ex["exponent a"]) == pytest.approx(cp.exponent_table(bench)["exponent a"])
    text = " ".join(md.value for md in page.markdown)
    assert cp.cartesian_summary(bench) in text and cp.grid_summary(bench) in text


def test_page_furniture(page: AppTest) -> None:
    labels = [b.label for b in page.download_button]
    assert any("CSV" in b for b in labels) and any("HTML" in b for b in labels)
    assert any("code" in e.label.lower() for e in page.expander)
    assert len(page.radio) == len(cp.quizzes())
    assert dict(page.query_params)["L"] == "3"
    text = " ".join(md.value for md in page.markdown)
    for key in ("ideal", "tensornet", "xie", "equigrad", "bigi"):
        assert cp.ESSAY[key] in text
    infos = " ".join(i.value for i in page.info)
    for ev in cp.learned_symmetry_evidence():  # section 3: each shipped result's own sentence, or a plain note
        if ev.text is None:
            assert f"{ev.topic.capitalize()}**: not shipped yet" in infos
        else:
            assert ev.text in text


def test_quiz_answer_is_accepted(app_test: Callable[..., AppTest]) -> None:
    at = _ok(app_test("cheaper_paths"))
    q = cp.quizzes()["q_missing"]
    at.radio(key="q_missing").set_value(q.answer)
    _ok(at)
    assert any(s.value.startswith("Right.") for s in at.success)


def test_slider_changes_the_numbers(app_test: Callable[..., AppTest]) -> None:
    at = _ok(app_test("cheaper_paths"))
    at.slider(key="Lc").set_value(4)
    _ok(at)
    assert _metrics(at)["paths"] == str(cp.completeness_report(4).n_paths) == "65"
    at.slider(key="L").set_value(5)
    _ok(at)
    consts = next(df.value for df in at.dataframe if "closed form |.|" in df.value.columns)
    assert len(consts) == len(cp.odd_constants(5))


@pytest.mark.parametrize(
    ("key", "value", "needle"),
    [
        ("X", "1, 2, 3", "Cannot read the matrices"),
        ("Y", "1, 2, 3, 4, 5, 6, 7, 8, nan", "Cannot read the matrices"),
        ("X", "<img src=x> **bold**", "Cannot read the matrices"),
        ("u", "0, 0", "Cannot read the vectors"),
    ],
)
def test_bad_input_gets_a_message(app_test: Callable[..., AppTest], key: str, value: str, needle: str) -> None:
    at = _ok(app_test("cheaper_paths"))
    at.text_input(key=key).set_value(value)
    _ok(at)
    errors = [e.value for e in at.error]
    assert any(needle in e for e in errors), errors
    assert all("<img src=x>" not in e and "**bold**" not in e for e in errors)  # echoed only inertly


def test_bad_deep_link_is_answered(app_test: Callable[..., AppTest]) -> None:
    at = _ok(app_test("cheaper_paths", {"L": "99", "Lc": "x", "seed": "-3"}))
    warnings = " ".join(w.value for w in at.warning)
    assert "L" in warnings and "Lc" in warnings and "seed" in warnings
    assert _metrics(at)["paths"] == "34"  # the default L = 3 is used


def test_live_measure_buttons(app_test: Callable[..., AppTest]) -> None:
    at = _ok(app_test("cheaper_paths"))
    n = len(at.dataframe)
    at.button(key="live_cart").click()
    _ok(at)
    live = next(df.value for df in at.dataframe if "seconds per batch" in df.value.columns and len(df.value) == 3)
    assert (live["seconds per batch"] > 0).all()
    assert len(at.dataframe) >= n
