"""Plotly builders of the training lab, tested on hand-made results (values traced to the figure)."""
from __future__ import annotations

import pytest

from equi_core.classroom import table_to_csv
from equi_core.training.experiments import EXPERIMENTS, summarize
from equi_core.viz.training import (
    claim_caption,
    depth_figure,
    equivariance_figure,
    learning_curve_figure,
    measured_text,
    result_columns,
    result_figure,
    truncation_figure,
)


def _result(key, rows, **config):
    return {"experiment": key, "rows": rows, "config": config, "summary": summarize(key, rows, config)}


def test_learning_curve_is_log_log_with_threshold_and_samples_needed():
    rows = [{"model": "invariant-mlp", "n_train": n, "test_error": e} for n, e in ((32, 0.4), (128, 0.08), (512, 0.02))]
    rows += [{"model": "transformer", "n_train": n, "test_error": e} for n, e in ((32, 0.8), (128, 0.6), (512, 0.3))]
    fig = learning_curve_figure(_result("sample-efficiency", rows))
    assert fig.layout.xaxis.type == "log" and fig.layout.yaxis.type == "log"
    names = [t.name for t in fig.data]
    assert any("5 % at N≈" in n for n in names if n.startswith("equivariant"))
    assert not any("5 % at" in n for n in names if n.startswith("unconstrained"))
    mlp = next(t for t in fig.data if t.name.startswith("equivariant"))
    assert list(mlp.x) == [32, 128, 512] and list(mlp.y) == [0.4, 0.08, 0.02]
    assert fig.data[-1].y[0] == pytest.approx(0.05)  # the 5 % line


def test_equivariance_figure_two_panels_and_zero_floor():
    rows = [{"model": "invariant-mlp", "angle_deg": a, "energy_error": e, "force_error": 2 * e, "test_error": 0.1}
            for a, e in ((0, 0.0), (30, 0.0), (90, 3e-7))]
    rows += [{"model": "transformer", "angle_deg": a, "energy_error": e, "force_error": e, "test_error": 0.3}
             for a, e in ((0, 0.0), (90, 0.3))]
    fig = equivariance_figure(_result("equivariance", rows))
    assert len(fig.data) == 4
    inv_energy = fig.data[0]
    assert list(inv_energy.x) == [30, 90]  # the identity (angle 0) is left out
    assert list(inv_energy.y) == [1e-12, 3e-7] and list(inv_energy.customdata) == [0.0, 3e-7]
    assert fig.data[1].y[1] == pytest.approx(6e-7)  # force panel


def test_truncation_figure_marks_L_equals_K():
    rows = [{"L": l, "K": 4, "test_error": e, "train_error": e / 2} for l, e in enumerate((1.0, 0.9, 0.6, 0.5, 0.03))]
    fig = truncation_figure(_result("truncation", rows, order=4, readout="mlp"))
    assert list(fig.data[0].x) == [0, 1, 2, 3, 4]
    assert any(s.x0 == 4 for s in fig.layout.shapes)
    assert "cos(4θ)" in fig.layout.title.text


def test_depth_figure_and_dispatch():
    rows = [{"model": m, "depth": d, "test_error": e} for m, d, e in
            (("norm", 1, 0.5), ("norm", 2, 0.4), ("scalar-silu", 1, 0.2), ("scalar-silu", 2, 0.1))]
    res = _result("depth", rows, width=16)
    fig = depth_figure(res)
    assert [list(t.y) for t in fig.data] == [[0.5, 0.4], [0.2, 0.1]]
    assert result_figure(res).to_dict() == fig.to_dict()
    assert res["summary"]["best_depth"]["scalar-silu"] == (2, 0.1)


def test_empty_and_partial_results_do_not_fail():
    for key in EXPERIMENTS:
        fig = result_figure({"experiment": key, "rows": [], "config": {"order": 4}})
        assert fig.layout.title.text
        assert claim_caption({"experiment": key}) == EXPERIMENTS[key].claim
    assert result_columns({"rows": []}) == {"empty": []}


def test_result_columns_make_a_csv():
    rows = [{"model": "a", "n_train": 1, "test_error": 0.5}, {"model": "b", "n_train": 2, "test_error": 0.25, "x": 1}]
    cols = result_columns({"rows": rows})
    assert cols["x"] == [None, 1]
    csv = table_to_csv(cols)
    assert csv.splitlines()[0] == "model,n_train,test_error,x" and "0.25" in csv


def test_measured_text_states_the_numbers():
    rows = [{"model": "invariant-mlp", "n_train": n, "test_error": e} for n, e in ((32, 0.4), (128, 0.08), (512, 0.02))]
    rows += [{"model": "transformer", "n_train": n, "test_error": e} for n, e in ((32, 0.8), (512, 0.3))]
    text = measured_text(_result("sample-efficiency", rows))
    assert "equivariant MLP: 5 % at N ≈ 2" in text and "unconstrained: 5 % not reached up to N = 512 (best 0.300)" in text
    assert "Budgets" not in text  # no step budgets in this config
    budget = measured_text(_result("sample-efficiency", rows, steps=800, unconstrained_steps=[100, 350], width=32))
    assert "Budgets: 800 steps for the invariant MLPs, 100/350 for the transformer (width 32)" in budget
    trunc = [{"L": l, "K": 4, "test_error": e, "train_error": e} for l, e in ((3, 0.75), (4, 0.044))]
    assert "L=3: 0.75, L=4: 0.044" in measured_text(_result("truncation", trunc, order=4))
    assert measured_text({"experiment": "depth", "rows": []}) == "Nothing measured yet."
