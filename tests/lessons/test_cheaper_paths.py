"""What the "Cheaper paths" lesson shows: every number the page prints, and its figures."""

from __future__ import annotations

import json
import math
import re
from pathlib import Path

import numpy as np
import plotly.graph_objects as go
import pytest

from equi_core import cartesian_to_irreps
from equi_core.lessons import cheaper_paths as cp
from equi_core.viz import cheaper_paths as vz

ESSAY = Path(__file__).resolve().parents[3] / "shared" / "seed" / "equivariance-free-lunch-essay.txt"


def test_essay_quotes_are_verbatim() -> None:
    if not ESSAY.is_file():
        pytest.skip("the essay is not next to the repository")
    text = ESSAY.read_text()
    for key, quote in cp.ESSAY.items():
        assert quote in text, key


def test_decomposition_report_defaults() -> None:
    r = cp.decomposition_report(cp.DEFAULT_X, seed=0)
    assert r.parts_error < 1e-14
    assert r.round_trip_error < 1e-14
    assert r.closed_form_error < 1e-14
    assert r.equivariance_error < 1e-13
    assert max(r.block_errors) < 1e-14 and r.off_block < 1e-14
    assert r.max_error < 1e-13
    assert np.allclose(r.x, cartesian_to_irreps(r.X))
    assert r.X[0, 1] == 2.0  # row by row
    table = cp.coefficients_table(r)
    assert table["component"][0] == "0e" and len(table["x"]) == 9


@pytest.mark.parametrize("bad", ["1, 2, 3", "1,2,3,4,5,6,7,8,nan", "a b c", "1e400, 0, 0, 0, 0, 0, 0, 0, 0", ""])
def test_bad_matrix_text_raises_value_error(bad: str) -> None:
    with pytest.raises(ValueError):
        cp.decomposition_report(bad)
    with pytest.raises(ValueError):
        cp.matrix_product_report(cp.DEFAULT_X, bad)


def test_matrix_product_report() -> None:
    r = cp.matrix_product_report(cp.DEFAULT_X, cp.DEFAULT_Y)
    assert len(r.paths) == 15 and len(r.missing) == 4
    assert r.rebuild_error < 1e-14 and r.max_residual < 1e-14
    X, Y = cp.parse_matrix(cp.DEFAULT_X), cp.parse_matrix(cp.DEFAULT_Y)
    assert np.allclose(r.z, cartesian_to_irreps(X @ Y))
    t = cp.paths_table(r)
    assert len(t["c"]) == 15 and set(t) >= {"l1", "l2", "l3", "exact", "residual vs CG"}
    costs = cp.costs_table()
    assert costs["multiply-adds"][0] == 27 and max(costs["multiply-adds"]) == 1225


def test_rank_rows() -> None:
    rows = cp.rank_rows()
    assert len(rows) == cp.RANK_MAX + 1 == 9
    assert rows[-1].cartesian == 6561 and rows[-1].irrep == 17
    assert cp.rank_table(rows)["copies of l = 0..L"][2] == "1 1 1"
    with pytest.raises(ValueError):
        cp.rank_rows(9)


def test_cross_product_report() -> None:
    r = cp.cross_product_report("1, -2, 3", "0.5, 1, 2")
    assert np.allclose(r.cross, np.cross([1, -2, 3], [0.5, 1, 2]))
    assert r.odd_error < 1e-14 and r.cg_error < 1e-14
    assert float(np.abs(r.gaunt_1e).max()) < 1e-14
    assert float(np.abs(r.odd).max()) > 0.5  # the cross product is there, and large
    assert abs(r.constant - 3 / math.sqrt(2 * math.pi)) < 1e-14
    with pytest.raises(ValueError):
        cp.cross_product_report("1, 2", "0, 0, 1")


def test_odd_constants_and_limits() -> None:
    rows = cp.odd_constants(3)
    assert len(rows) == 34
    odd = [r for r in rows if r.kind == "odd"]
    assert len(odd) == 11
    assert all(abs(r.constant - r.formula) < 1e-12 * max(1, r.formula) for r in odd)
    with pytest.raises(ValueError):
        cp.odd_constants(cp.L_PATHS_MAX + 1)
    table = cp.constants_table(rows)
    assert table["kind"].count("odd") == 11
    exact = dict(zip(zip(table["l1"], table["l2"], table["l3"]), table["exact"]))
    assert exact[1, 1, 1] == "sqrt(9/2) / sqrt(pi)"  # 3 / sqrt(2 pi)
    assert exact[0, 0, 0] == "1/2 / sqrt(pi)"  # Gaunt: 1 / sqrt(4 pi)
    assert exact[2, 2, 3] == "sqrt(90) / sqrt(pi)"
    assert all("." not in e for e in cp.constants_table(cp.odd_constants(cp.L_PATHS_MAX))["exact"])


@pytest.mark.parametrize("L", [1, 3, 4])
def test_completeness_report(L: int) -> None:
    r = cp.completeness_report(L)
    assert r.n_paths == r.n_even + r.n_odd
    assert r.min_constant > 0.2
    assert r.path_error < 1e-13 and r.sum_error < 1e-12
    with pytest.raises(ValueError):
        cp.completeness_report(cp.L_CHECK_MAX + 1)


def test_output_sizes_grow_like_l4_vs_l2() -> None:
    from equi_core import fit_power_law

    rows = cp.output_size_rows((8, 16, 32, 64))
    a_cg, _ = fit_power_law([r[0] for r in rows], [r[1] for r in rows])
    a_grid, _ = fit_power_law([r[0] for r in rows], [r[2] for r in rows])
    assert 3.5 < a_cg < 4.2 and 1.8 < a_grid < 2.2


def test_shipped_bench_loads_and_missing_file_is_none(tmp_path: Path) -> None:
    b = cp.load_bench()
    assert b is not None
    assert "numpy X @ Y (B,3,3)" in b.cartesian and b.cartesian_batch >= 1
    assert max(r["L"] for r in b.grid) >= 32
    assert b.exponents["grid_s"] < b.exponents["cg_contraction_s"]
    assert "bench/bench_cheaper_paths.py" in b.command
    cols = cp.grid_timing_columns(b)
    assert len(cols["L"]) == len(b.grid)
    assert cp.load_bench(tmp_path / "absent.json") is None
    (tmp_path / "bad.json").write_text(json.dumps({"cartesian": {}}))
    assert cp.load_bench(tmp_path / "bad.json") is None


def test_summaries_read_the_shipped_numbers() -> None:
    b = cp.load_bench()
    assert b is not None
    base = b.cartesian["numpy X @ Y (B,3,3)"]
    full = b.cartesian["full CG, Lab full_tensor_product (19 paths)"]
    assert f"({full / base:.0f}x)" in cp.cartesian_summary(b)
    top = max((r for r in b.grid if r["cg_contraction_s"]), key=lambda r: r["L"])
    text = cp.grid_summary(b)
    assert f"at L = {top['L']}" in text and f"({top['cg_contraction_s'] / top['grid_s']:.0f}x)" in text
    assert f"L^{b.exponents['grid_s']:.2f}" in text
    assert top["cg_contraction_s"] / top["grid_s"] > 100  # the grid is much faster at L = 32
    t = cp.exponent_table(b)
    assert len(t["quantity"]) == len(t["exponent a"]) == len(b.exponents)
    assert 5.5 < b.exponents["cg_multiply_adds"] < 6.0 and 2.3 < b.exponents["grid_operations"] < 3.0


def test_section_3_reads_the_shipped_md_results(tmp_path: Path) -> None:
    import shutil

    from equi_core.lessons import molecular_dynamics as md

    ev = cp.learned_symmetry_evidence()
    topics = {e.topic for e in ev}
    assert {"exact vs learned invariance", "rotational averaging", "conservation"} <= topics
    for e in ev:
        assert e.essay in cp.ESSAY and e.page.startswith("pages/")
    # with nothing shipped: every item says so (text None), nothing raises
    empty = cp.learned_symmetry_evidence(tmp_path)
    assert all(e.text is None for e in empty) and cp.evidence_bars(empty) == ([], [])
    # a broken file is "not shipped yet", not an exception
    (tmp_path / "md").mkdir()
    (tmp_path / "md" / "ethanol.json").write_text("{ not json")
    assert all(e.text is None for e in cp.learned_symmetry_evidence(tmp_path))
    # with the shipped MD file: the MD lesson's own sentences, numbers read from the file
    shipped = sorted((cp.RESULTS_ROOT / "md").glob("*.json"))
    if not shipped:
        pytest.skip("no MD results shipped")
    (tmp_path / "md" / "ethanol.json").unlink()
    shutil.copy(shipped[0], tmp_path / "md" / shipped[0].name)
    got = {e.topic: e for e in cp.learned_symmetry_evidence(tmp_path)}
    try:
        studies = md.load_shipped(shipped[0].stem, cp.RESULTS_ROOT / "md")
    except (KeyError, ValueError, TypeError):  # the MD file and its lesson disagree (one being rebuilt)
        assert all(e.text is None for e in got.values() if e.page == "pages/molecular_dynamics.py")
        return
    study = studies.get("nve") or next(iter(studies.values()))
    statements = {s.topic: s for s in md.lesson_statements(study)}
    if "invariance" in statements:
        assert got["exact vs learned invariance"].text == statements["invariance"].text
        labels, values = cp.evidence_bars(tuple(got.values()))
        assert "exactly invariant models, worst (eV)" in labels
        assert (
            values[labels.index("exactly invariant models, worst (eV)")]
            == statements["invariance"].values["worst_constrained_eV"]
        )


def test_section_3_reads_the_training_lab_findings(tmp_path: Path) -> None:
    from equi_core.lessons import training_lab as tl

    by = {e.topic: e for e in cp.learned_symmetry_evidence()}
    for topic, name in (("augmentation and a rotation penalty", "equivariance"), ("large data", "large-data")):
        found = tl.finding(tl.shown(name))  # the training lab's own sentence: joined curve, failed runs left out
        if found.verdict == "no result":
            assert by[topic].text is None  # "not shipped yet"
        else:
            text = by[topic].text
            assert text is not None and found.text in text and found.verdict in text
            if name == "equivariance":  # beside the Equigrad quote: the verdict is about the symmetry sentence
                assert (
                    f"The training lab's verdict on the essay's symmetry sentence: {found.verdict}; the Equigrad "
                    "sentence quoted beside it is not tested there." in text
                )
        assert by[topic].source.endswith(f"molecular/{name}.json")
    # an unreadable result is "not shipped yet", never an exception
    (tmp_path / "molecular").mkdir()
    (tmp_path / "molecular" / "equivariance.json").write_text("[1, 2")
    (tmp_path / "molecular" / "large-data.json").write_text(json.dumps({"experiment": "large-data", "table": [{}]}))
    assert all(e.text is None for e in cp.learned_symmetry_evidence(tmp_path))


def test_live_timings_are_measurements() -> None:
    t = cp.live_cartesian_timing(batch=64, repeat=1)
    assert set(t) == {
        "numpy X @ Y (B,3,3)",
        "CG paths of X @ Y (15 paths, einsum each)",
        "full CG, Lab full_tensor_product (19 paths)",
    }
    assert all(v > 0 for v in t.values())
    rows = cp.live_grid_timing((2, 3), batch=2, repeat=1)
    assert [r["L"] for r in rows] == [2, 3]
    with pytest.raises(ValueError):
        cp.live_grid_timing((11,))


def test_quizzes_answers_come_from_the_core() -> None:
    q = cp.quizzes()
    assert q["q_axial"].answer == "1e"
    assert q["q_missing"].answer == "2 ⊗ 2 → 4"
    assert q["q_cross"].answer == "the gradient product r·(∇f × ∇g)"
    assert q["q_share"].answer == "99.7%"
    for quiz in q.values():
        assert quiz.check(quiz.answer)


def test_text_placeholders() -> None:
    text = cp.TEXT["grid_limits"].format(cg="1", L=2, grid="3")
    assert "{" not in text and "arXiv:2602.21466" in text
    assert re.search(r"O\(L\^4 log\^2 L\)", text)


# ------------------------------------------------------------------------------------------------ figures
def _valid(fig: go.Figure) -> go.Figure:
    return go.Figure(fig.to_dict())  # re-validate what fast_figure built without validation


def test_figures_build_and_validate() -> None:
    r = cp.decomposition_report(cp.DEFAULT_X)
    p = cp.matrix_product_report(cp.DEFAULT_X, cp.DEFAULT_Y)
    c = cp.cross_product_report("1, 0, 0", "0, 1, 0")
    rows = cp.odd_constants(2)
    ranks = cp.rank_rows()
    b = cp.load_bench()
    assert b is not None
    cols = cp.grid_timing_columns(b)
    figs = [
        vz.tensor_parts_figure(r.X, r.trace_part, r.antisymmetric, r.symmetric_traceless, title="t"),
        vz.rotation_matrix_figure(r.M),
        vz.product_paths_figure([(q.l1, q.l2, q.l3, q.constant, q.exact) for q in p.paths], p.missing),
        vz.rank_figure(
            [q.L for q in ranks],
            [q.cartesian for q in ranks],
            [q.irrep for q in ranks],
            [q.redundant_share for q in ranks],
        ),
        vz.seconds_bar_figure(b.cartesian),
        vz.cross_product_figure(c.odd, c.expected, c.gaunt_1e),
        vz.path_constants_figure([(q.l1, q.l2, q.l3, q.kind, q.constant) for q in rows]),
        vz.grid_timing_figure(cols["L"], {k: v for k, v in cols.items() if k != "L"}),
        vz.output_size_figure([2, 4], [51, 375], [18, 50]),
        vz.results_figure(["a", "b"], [1.0, 200.0], unit="meV"),
    ]
    for fig in figs:
        _valid(fig)
    assert len(figs[0].data) == 4
    assert figs[2].data[0].text[8][2] == p.paths[-1].exact  # 2 x 2 -> 2
    # the cannot-cells are exactly the four missing paths
    text = figs[2].data[0].text
    assert sum(t == "cannot" for row in text for t in row) == 4
    # the Gaunt bar of the cross product is zero
    assert max(abs(v) for v in figs[5].data[2].y) < 1e-14
    # a missing measurement (None) is skipped, not drawn at zero
    assert all(v > 0 for tr in figs[7].data for v in tr.y)
    assert figs[9].layout.xaxis.type == "log"


def test_figure_input_checks() -> None:
    with pytest.raises(ValueError):
        vz.tensor_parts_figure(np.eye(2), np.eye(3), np.eye(3), np.eye(3))
    with pytest.raises(ValueError):
        vz.rotation_matrix_figure(np.eye(3))
    with pytest.raises(ValueError):
        vz.rank_figure([], [], [], [])
    with pytest.raises(ValueError):
        vz.seconds_bar_figure({})
    with pytest.raises(ValueError):
        vz.grid_timing_figure([1], {"a": [None]})
    with pytest.raises(ValueError):
        vz.results_figure(["a"], [], unit="x")
