"""Training-lab figures: built from plain result JSON (no torch), error bars from the seeds, every model labelled for
what it is, empty tables give empty labelled figures."""

from __future__ import annotations

import subprocess
import sys

import plotly.graph_objects as go
import pytest

from equi_core.lessons.training_lab import model_label
from equi_core.viz import training as viz


def _table(metrics: dict[str, float], **keys) -> dict:
    rec = dict(keys, n_seeds=3)
    for m, v in metrics.items():
        rec[f"{m}_mean"], rec[f"{m}_std"] = v, v / 10
    return rec


def _sample() -> dict:
    table = [
        _table(
            {
                "test_force_mae": 0.3 / n**0.5,
                "train_force_mae": 0.2 / n**0.5,
                "test_energy_mae": 5 / n,
                "train_energy_mae": 4 / n,
                "wall_s": n / 10,
            },
            model=m,
            n_train=n,
        )
        for m in ("nequip-l1", "transformer+aug")
        for n in (25, 50, 100)
    ]
    return {"experiment": "sample-efficiency", "config": {}, "table": table}


def test_learning_curve_has_error_bars_and_labels() -> None:
    fig = viz.result_figure(_sample())
    go.Figure(fig)  # validates
    named = [t for t in fig.data if t.showlegend is not False]
    assert {t.name for t in named} == {model_label("nequip-l1"), model_label("transformer+aug")}
    test = [t for t in fig.data if t.error_y.array is not None and t.xaxis == "x2" and t.legendgroup == "nequip-l1"]
    assert len(test) == 1 and list(test[0].error_y.array) == pytest.approx([0.3 / n**0.5 / 10 for n in (25, 50, 100)])
    assert any((t.line.dash or "") == "dot" for t in fig.data)  # train curves drawn


def test_wall_time_figure_pairs_error_with_compute() -> None:
    fig = viz.wall_time_figure(_sample())
    assert list(fig.data[0].x) == pytest.approx([2.5, 5.0, 10.0])


@pytest.mark.parametrize(
    "key,keys",
    [
        ("equivariance", {"model": "nequip-l1", "angle_deg": 90.0}),
        ("truncation", {"model": "irreps", "L": 3}),
        ("depth", {"nonlinearity": "norm", "residual": True, "depth": 2}),
    ],
)
def test_other_figures(key: str, keys: dict) -> None:
    metrics = (
        {"energy_change": 1e-6, "force_error": 1e-7}
        if key == "equivariance"
        else {"test_rmse": 0.1, "train_rmse": 0.05}
    )
    fig = viz.result_figure({"experiment": key, "config": {"order": 3}, "table": [_table(metrics, **keys)]})
    go.Figure(fig)
    assert fig.data and all(min(t.y) > 0 for t in fig.data)  # log axes: floored, never zero
    empty = viz.result_figure({"experiment": key, "config": {}, "table": []})
    assert empty.layout.title.text


def test_columns_for_csv() -> None:
    cols = viz.result_columns(_sample())
    assert len(cols["model"]) == 6 and "test_force_mae_std" in cols


def test_viz_does_not_import_torch() -> None:
    code = "import sys, equi_core.viz, equi_core.viz.training, equi_core.lessons.training_lab; print('torch' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_force_distribution_figure_draws_each_dataset_as_given() -> None:
    from equi_core.lessons.molecular_datasets import force_histograms
    from equi_core.viz.training import force_distribution_figure

    hists = force_histograms()
    fig = force_distribution_figure(hists)
    assert [t.name for t in fig.data] == [n.replace("_", " ") for n in hists]
    for t, (centres, density) in zip(fig.data, hists.values()):
        assert list(t.x) == list(map(float, centres)) and list(t.y) == list(map(float, density))
    assert "force magnitude" in fig.layout.xaxis.title.text
