"""Plotly builders for the Training lab: pure functions of a result (plain JSON; no torch import).

A *result* is what ``python -m equi_core.training experiment NAME`` writes (``results/molecular/<key>.json``) or a
live run returns: its ``table`` holds the seed aggregates (``<metric>_mean``, ``<metric>_std``). Error bars are the
standard deviation over the seeds; an empty or partial table gives a labelled, possibly empty figure.

* :func:`learning_curve_figure` -- energy and force MAE vs N (log-log), test (solid, error bars) and train (dotted).
* :func:`wall_time_figure` -- test force MAE vs mean training wall time per run (the compute side of the trade).
* :func:`equivariance_figure` -- energy change and force error of rotated test molecules vs angle (log y).
* :func:`truncation_figure` -- relative test RMSE vs model degree L, the line L = K.
* :func:`depth_figure` -- relative test RMSE vs depth per nonlinearity, residual on (solid) and off (dashed).
* :func:`force_distribution_figure` -- the density of per-atom force magnitudes of each shipped dataset.
* :func:`result_figure` dispatches; :func:`result_columns` is the CSV table.

Example
-------
>>> res = {"experiment": "truncation", "config": {"order": 3}, "table": [
...     {"model": "irreps", "L": 2, "test_rmse_mean": 0.5, "test_rmse_std": 0.01, "n_seeds": 3}]}
>>> len(truncation_figure(res).data) >= 1
True
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import plotly.graph_objects as go
from plotly.subplots import make_subplots

from ..lessons.training_lab import model_label, series
from ..training.catalog import experiment_key

__all__ = [
    "MODEL_COLORS",
    "learning_curve_figure",
    "wall_time_figure",
    "equivariance_figure",
    "truncation_figure",
    "depth_figure",
    "result_figure",
    "result_columns",
]

MODEL_COLORS: Mapping[str, str] = {
    "nequip-l0": "#8c564b",
    "nequip-l1": "#2ca02c",
    "nequip-l2": "#006d2c",
    "tensornet": "#1f77b4",
    "transformer": "#d62728",
    "transformer+aug": "#ff7f0e",
    "transformer+aug+penalty": "#9467bd",
    "transformer-direct": "#e377c2",
    "irreps": "#2ca02c",
    "ps-mlp": "#1f77b4",
    "ps-linear": "#17becf",
    "norm": "#8c564b",
    "gate": "#2ca02c",
    "tp": "#9467bd",
}
_FLOOR = 1e-9


def _layout(fig: go.Figure, title: str, height: int = 460) -> go.Figure:
    fig.update_layout(
        title=dict(text=title, x=0, xanchor="left", font=dict(size=18)),
        template="plotly_white",
        height=height,
        margin=dict(l=60, r=20, t=70, b=50),
        legend=dict(orientation="h", yanchor="top", y=-0.16, x=0),
    )
    return fig


def _pos(values: list[float]) -> list[float]:
    return [max(v, _FLOOR) for v in values]


def learning_curve_figure(result: Mapping[str, Any]) -> go.Figure:
    """Test (solid, ±1 std over seeds) and train (dotted) energy and force MAE vs training-set size, log-log."""
    fig = make_subplots(rows=1, cols=2, subplot_titles=("energy MAE (meV/atom)", "force MAE (eV/Å)"))
    for col, metric in ((1, "energy_mae"), (2, "force_mae")):
        test = series(result, f"test_{metric}")
        train = series(result, f"train_{metric}")
        for m, s in test.items():
            c = MODEL_COLORS.get(m, "#555")
            fig.add_trace(
                go.Scatter(
                    x=s["x"],
                    y=_pos(s["mean"]),
                    mode="lines+markers",
                    name=model_label(m),
                    legendgroup=m,
                    showlegend=col == 1,
                    line=dict(color=c),
                    error_y=dict(type="data", array=s["std"], visible=True),
                    hovertemplate="N=%{x}<br>test %{y:.3g}<extra>" + m + "</extra>",
                ),
                1,
                col,
            )
            if m in train:
                t = train[m]
                fig.add_trace(
                    go.Scatter(
                        x=t["x"],
                        y=_pos(t["mean"]),
                        mode="lines",
                        name=f"{m} (train)",
                        legendgroup=m,
                        showlegend=False,
                        line=dict(color=c, dash="dot", width=1),
                        hovertemplate="N=%{x}<br>train %{y:.3g}<extra>" + m + "</extra>",
                    ),
                    1,
                    col,
                )
        fig.update_xaxes(type="log", title_text="training frames N", row=1, col=col)
        fig.update_yaxes(type="log", row=1, col=col)
    return _layout(fig, "Error vs training-set size (test: solid ± seed std; train: dotted)")


def wall_time_figure(result: Mapping[str, Any]) -> go.Figure:
    """Test force MAE vs mean wall time of a training run (points labelled by N), log-log: the compute trade."""
    err = series(result, "test_force_mae")
    wall = series(result, "wall_s")
    fig = go.Figure()
    for m, s in err.items():
        if m not in wall:
            continue
        w = dict(zip(wall[m]["x"], wall[m]["mean"]))
        xs = [w.get(n) for n in s["x"]]
        fig.add_trace(
            go.Scatter(
                x=xs,
                y=_pos(s["mean"]),
                mode="lines+markers+text",
                name=model_label(m),
                text=[f"N={n}" for n in s["x"]],
                textposition="top center",
                line=dict(color=MODEL_COLORS.get(m, "#555")),
                error_y=dict(type="data", array=s["std"], visible=True),
            )
        )
    fig.update_xaxes(type="log", title_text="wall time per training run (s, one thread, shared CPU)")
    fig.update_yaxes(type="log", title_text="test force MAE (eV/Å)")
    return _layout(fig, "Error vs compute")


def force_distribution_figure(histograms: Mapping[str, tuple[Any, Any]]) -> go.Figure:
    """One line per dataset: the probability density of the per-atom force magnitude ``|F_i|`` (bin centres,
    density), as :func:`equi_core.lessons.molecular_datasets.force_histograms` gives them.

    Example
    -------
    >>> len(force_distribution_figure({"a": ([0.5, 1.5], [0.6, 0.4])}).data)
    1
    """
    fig = go.Figure()
    for name, (centres, density) in histograms.items():
        fig.add_trace(
            go.Scatter(
                x=list(map(float, centres)), y=list(map(float, density)), mode="lines", name=name.replace("_", " ")
            )
        )
    fig.update_xaxes(title_text="per-atom force magnitude |F_i| (eV/Å)")
    fig.update_yaxes(title_text="probability density (1/(eV/Å))")
    return _layout(fig, "What the models learn: the force labels of each dataset", height=380)


def equivariance_figure(result: Mapping[str, Any]) -> go.Figure:
    """Mean energy change and force error of rotated test molecules vs rotation angle (log y, floored at 1e-9)."""
    fig = make_subplots(rows=1, cols=2, subplot_titles=("|E(Rx) − E(x)| (meV/atom)", "|F(Rx) − R F(x)| (eV/Å)"))
    for col, metric in ((1, "energy_change"), (2, "force_error")):
        for m, s in series(result, metric, x="angle_deg").items():
            fig.add_trace(
                go.Scatter(
                    x=s["x"],
                    y=_pos(s["mean"]),
                    mode="lines+markers",
                    name=model_label(m),
                    legendgroup=m,
                    showlegend=col == 1,
                    line=dict(color=MODEL_COLORS.get(m, "#555")),
                    error_y=dict(type="data", array=s["std"], visible=True),
                ),
                1,
                col,
            )
        fig.update_xaxes(title_text="rotation angle (degrees)", row=1, col=col)
        fig.update_yaxes(type="log", row=1, col=col)
    return _layout(fig, "Symmetry error of rotated test molecules (mean over molecules, ± seed std)")


def truncation_figure(result: Mapping[str, Any]) -> go.Figure:
    """Relative test RMSE (solid, ± seed std) and train RMSE (dotted) vs model degree L; dashed line at L = K."""
    fig = go.Figure()
    train = series(result, "train_rmse", x="L")
    for m, s in series(result, "test_rmse", x="L").items():
        c = MODEL_COLORS.get(m, "#555")
        fig.add_trace(
            go.Scatter(
                x=s["x"],
                y=_pos(s["mean"]),
                mode="lines+markers",
                name=model_label(m),
                legendgroup=m,
                line=dict(color=c),
                error_y=dict(type="data", array=s["std"], visible=True),
            )
        )
        if m in train:
            fig.add_trace(
                go.Scatter(
                    x=train[m]["x"],
                    y=_pos(train[m]["mean"]),
                    mode="lines",
                    showlegend=False,
                    legendgroup=m,
                    name=f"{m} (train)",
                    line=dict(color=c, dash="dot", width=1),
                )
            )
    k = result.get("config", {}).get("order")
    if k is not None:
        fig.add_vline(x=k, line=dict(dash="dash", color="#888"), annotation_text=f"L = K = {k}")
    fig.update_xaxes(title_text="model degree L", dtick=1)
    fig.update_yaxes(type="log", title_text="relative RMSE (test solid, train dotted)")
    return _layout(fig, "Truncation: cos(Kθ) three-body target (synthetic)")


def depth_figure(result: Mapping[str, Any]) -> go.Figure:
    """Relative test RMSE vs depth for each nonlinearity; residual on solid, off dashed; ± seed std."""
    fig = go.Figure()
    for res in (True, False):
        recs = [r for r in result.get("table", []) if bool(r.get("residual")) == res]
        sub = dict(result, table=recs)
        for nl, s in series(sub, "test_rmse", by="nonlinearity", x="depth").items():
            fig.add_trace(
                go.Scatter(
                    x=s["x"],
                    y=_pos(s["mean"]),
                    mode="lines+markers",
                    name=f"{model_label(nl)}, {'residual' if res else 'no residual'}",
                    line=dict(color=MODEL_COLORS.get(nl, "#555"), dash="solid" if res else "dash"),
                    error_y=dict(type="data", array=s["std"], visible=True),
                )
            )
    fig.update_xaxes(type="log", title_text="depth (layers)", tickvals=[1, 2, 4, 8, 12])
    fig.update_yaxes(type="log", title_text="relative test RMSE of the vector target")
    return _layout(fig, "Depth vs nonlinearity at matched parameter counts (synthetic vector target)")


def result_figure(result: Mapping[str, Any]) -> go.Figure:
    """The main figure of a result's experiment."""
    key = experiment_key(result["experiment"])
    if key in ("sample-efficiency", "large-data"):
        return learning_curve_figure(result)
    if key == "equivariance":
        return equivariance_figure(result)
    if key == "truncation":
        return truncation_figure(result)
    return depth_figure(result)


def result_columns(result: Mapping[str, Any]) -> dict[str, list[Any]]:
    """The seed-aggregated table as equal-length columns (for the CSV download)."""
    table = list(result.get("table", []))
    keys: list[str] = []
    for r in table:
        for k in r:
            if k not in keys:
                keys.append(k)
    return {k: [r.get(k, "") for r in table] for k in keys}
