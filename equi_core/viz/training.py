"""Plotly builders for the training lab (pure functions of an experiment result dict).

A *result* is what :func:`equi_core.training.experiments.run_experiment` returns (or a shipped JSON):
``experiment``, ``rows`` (flat per-point numbers), ``config``, ``device``... Every builder states the
seed's claim beside the figure (``claim_caption``) and returns a ``go.Figure``; rows may be a partial
list (a stopped run), and an empty list gives an empty, labelled figure rather than an error.

* :func:`learning_curve_figure` -- log-log test error vs training-set size, the 5 % line.
* :func:`equivariance_figure` -- energy change and force error on rotated copies vs angle (log y).
* :func:`truncation_figure` -- error vs model degree L, the cliff at L = K marked.
* :func:`depth_figure` -- error vs depth per nonlinearity.
* :func:`result_figure` -- dispatch on the experiment; :func:`result_columns` -- the CSV table.
"""
from __future__ import annotations

from types import MappingProxyType
from typing import Any, Mapping, Sequence

import plotly.graph_objects as go
from plotly.subplots import make_subplots

from equi_core.training.experiments import EXPERIMENTS, MODEL_LABELS, experiment_key

__all__ = [
    "MODEL_COLORS",
    "claim_caption",
    "learning_curve_figure",
    "equivariance_figure",
    "truncation_figure",
    "depth_figure",
    "result_figure",
    "result_columns",
    "MODEL_SHORT",
    "measured_text",
]

MODEL_COLORS: Mapping[str, str] = MappingProxyType({
    "invariant-mlp": "#1f77b4",
    "invariant-linear": "#17becf",
    "irreps-gate": "#2ca02c",
    "transformer": "#d62728",
    "transformer+aug": "#ff7f0e",
    "transformer+aug+penalty": "#9467bd",
    "gate": "#2ca02c",
    "norm": "#8c564b",
    "scalar-silu": "#1f77b4",
    "scalar-relu": "#17becf",
    "mlp": "#d62728",
})
MODEL_SHORT: Mapping[str, str] = MappingProxyType({
    "invariant-mlp": "equivariant MLP", "invariant-linear": "equivariant linear", "irreps-gate": "irreps net (gate)",
    "transformer": "unconstrained", "transformer+aug": "unconstrained + aug.",
    "transformer+aug+penalty": "uncons. + aug. + penalty", "gate": "gate net", "norm": "norm net",
    "scalar-silu": "scalar net (SiLU)", "scalar-relu": "scalar net (ReLU)", "mlp": "unconstrained MLP",
})
_DASH = MappingProxyType({"transformer+aug": "dash", "transformer+aug+penalty": "dot", "invariant-linear": "dash", "scalar-relu": "dash"})


def claim_caption(result: Mapping[str, Any]) -> str:
    """The seed's claim the experiment measures (plain text)."""
    return EXPERIMENTS[experiment_key(result["experiment"])].claim


def _models(rows: Sequence[Mapping[str, Any]]) -> list[str]:
    seen: list[str] = []
    for r in rows:
        if r.get("model") is not None and r["model"] not in seen:
            seen.append(r["model"])
    return seen


def _layout(fig: go.Figure, title: str, x: str, y: str, *, logx: bool = False, logy: bool = True) -> go.Figure:
    fig.update_layout(
        title=title, template="plotly_white", height=430, margin=dict(l=60, r=20, t=60, b=50),
        legend=dict(orientation="h", yanchor="top", y=-0.18, x=0),
    )
    fig.update_xaxes(title_text=x, type="log" if logx else "linear")
    fig.update_yaxes(title_text=y, type="log" if logy else "linear", exponentformat="power")
    return fig


def _positive(values: Sequence[float], floor: float = 1e-12) -> list[float]:
    """Log axes cannot show 0: exact zeros are drawn at ``floor`` (the hover text keeps the true value)."""
    return [max(float(v), floor) for v in values]


def learning_curve_figure(result: Mapping[str, Any], threshold: float = 0.05) -> go.Figure:
    """Log-log test error (relative RMSE of the energy) vs training-set size, one line per model, with the
    ``threshold`` line and the number of samples each model needs to cross it in the legend."""
    rows = result.get("rows", [])
    summary = result.get("summary", {}).get("samples_to_5pct", {})
    fig = go.Figure()
    for m in _models(rows):
        pts = sorted((r["n_train"], r["test_error"]) for r in rows if r.get("model") == m)
        need = summary.get(m)
        label = MODEL_LABELS.get(m, m) + (f" (5 % at N≈{need:,.0f})" if need else "")
        fig.add_trace(go.Scatter(
            x=[p[0] for p in pts], y=_positive([p[1] for p in pts]), mode="lines+markers", name=label,
            line=dict(color=MODEL_COLORS.get(m), dash=_DASH.get(m, "solid")),
            hovertemplate="N = %{x}<br>test error = %{y:.3g}<extra>" + m + "</extra>",
        ))
    ns = [r["n_train"] for r in rows]
    if ns:
        fig.add_trace(go.Scatter(x=[min(ns), max(ns)], y=[threshold, threshold], mode="lines",
                                 name=f"{threshold:.0%} error", line=dict(color="grey", dash="dot", width=1),
                                 hoverinfo="skip"))
    title = "Test error vs training-set size"
    if result.get("experiment") == "large-data":
        title = "Large data: test error vs training-set size (target with a 4-body term)"
    return _layout(fig, title, "training structures N", "relative RMSE of E (test)", logx=True)


def equivariance_figure(result: Mapping[str, Any]) -> go.Figure:
    """Two panels: rms energy change ``|E(Rx) - E(x)|`` / std(E) and force error ``|F(Rx) - R F(x)|`` / rms(F)
    vs rotation angle > 0, log y (an exact zero at a nonzero angle is drawn at 1e-12; angle 0 is omitted)."""
    rows = result.get("rows", [])
    fig = make_subplots(rows=1, cols=2, subplot_titles=("energy change / std(E)", "force error / rms(F)"),
                        horizontal_spacing=0.1)
    for m in _models(rows):
        # angle 0 is the identity: every model is exact there, and log axes cannot show the zero
        pts = sorted((r["angle_deg"], r["energy_error"], r["force_error"]) for r in rows
                     if r.get("model") == m and r["angle_deg"] > 0)
        for col, idx in ((1, 1), (2, 2)):
            fig.add_trace(go.Scatter(
                x=[p[0] for p in pts], y=_positive([p[idx] for p in pts]), mode="lines+markers",
                name=MODEL_LABELS.get(m, m), legendgroup=m, showlegend=col == 1,
                line=dict(color=MODEL_COLORS.get(m), dash=_DASH.get(m, "solid")),
                customdata=[p[idx] for p in pts],
                hovertemplate="angle %{x}°<br>error %{customdata:.3g}<extra>" + m + "</extra>",
            ), row=1, col=col)
    _layout(fig, "Equivariance error on rotated copies of the test set (rotations about random axes)", "", "")
    fig.update_xaxes(title_text="rotation angle (degrees)")
    fig.update_yaxes(type="log", exponentformat="power")
    fig.update_yaxes(title_text="relative error", row=1, col=1)
    return fig


def truncation_figure(result: Mapping[str, Any]) -> go.Figure:
    """Test error vs model degree L for the ``cos(K theta)`` target, with the line L = K."""
    rows = sorted(result.get("rows", []), key=lambda r: r["L"])
    k = result.get("config", {}).get("order")
    fig = go.Figure()
    fig.add_trace(go.Scatter(
        x=[r["L"] for r in rows], y=_positive([r["test_error"] for r in rows]), mode="lines+markers",
        name="test error", line=dict(color="#1f77b4"),
        hovertemplate="L = %{x}<br>test error = %{y:.3g}<extra></extra>"))
    fig.add_trace(go.Scatter(
        x=[r["L"] for r in rows], y=_positive([r["train_error"] for r in rows]), mode="lines+markers",
        name="train error", line=dict(color="#aec7e8", dash="dash"),
        hovertemplate="L = %{x}<br>train error = %{y:.3g}<extra></extra>"))
    if k is not None:
        fig.add_vline(x=k, line=dict(color="#d62728", dash="dot"), annotation_text=f"L = K = {k}",
                      annotation_position="top right")
    readout = result.get("config", {}).get("readout", "mlp")
    _layout(fig, f"Target cos({k}θ): error vs model degree L ({readout} readout)", "max degree L of the model",
            "relative RMSE of E")
    fig.update_xaxes(dtick=1)
    return fig


def depth_figure(result: Mapping[str, Any]) -> go.Figure:
    """Test error of the vector target (force on the central atom) vs depth, one line per model."""
    rows = result.get("rows", [])
    fig = go.Figure()
    for m in _models(rows):
        pts = sorted((r["depth"], r["test_error"]) for r in rows if r.get("model") == m)
        fig.add_trace(go.Scatter(
            x=[p[0] for p in pts], y=_positive([p[1] for p in pts]), mode="lines+markers", name=MODEL_LABELS.get(m, m),
            line=dict(color=MODEL_COLORS.get(m), dash=_DASH.get(m, "solid")),
            hovertemplate="depth %{x}<br>test error = %{y:.3g}<extra>" + m + "</extra>"))
    width = result.get("config", {}).get("width")
    _layout(fig, f"Vector target: error vs depth (width {width})", "depth (nonlinear layers)",
            "relative RMSE of the force on the centre")
    depths = sorted({r["depth"] for r in rows})
    if depths:
        fig.update_xaxes(tickmode="array", tickvals=depths)
    return fig


def result_figure(result: Mapping[str, Any]) -> go.Figure:
    """The experiment's own figure."""
    key = experiment_key(result["experiment"])
    if key in ("sample-efficiency", "large-data"):
        return learning_curve_figure(result)
    if key == "equivariance":
        return equivariance_figure(result)
    if key == "truncation":
        return truncation_figure(result)
    return depth_figure(result)


def result_columns(result: Mapping[str, Any]) -> dict[str, list[Any]]:
    """The rows as equally long columns (union of keys, missing cells as ``None``), for CSV / tables."""
    rows = result.get("rows", [])
    names: list[str] = []
    for r in rows:
        for k in r:
            if k not in names:
                names.append(k)
    if not names:
        return {"empty": []}
    return {k: [r.get(k) for r in rows] for k in names}


def _budget_text(result: Mapping[str, Any]) -> str:
    """The training budgets behind a learning curve (empty when the config does not say)."""
    cfg = result.get("config", {})
    steps, u_steps = cfg.get("steps"), cfg.get("unconstrained_steps")
    models = {r.get("model") for r in result.get("rows", [])}
    if steps is None or u_steps is None or not any(str(m).startswith("transformer") for m in models):
        return ""
    u = "/".join(map(str, u_steps)) if isinstance(u_steps, list) else str(u_steps)
    return (f" Budgets: {steps} steps for the invariant MLPs, {u} for the transformer (width {cfg.get('width')}); "
            "a transformer step costs ~5× more on a CPU, and with few steps its curve is limited by the budget as "
            "much as by the data (more steps: `--set unconstrained_steps=...` or the GPU defaults).")


def measured_text(result: Mapping[str, Any]) -> str:
    """One sentence with the measured headline numbers, to set against the claim (Markdown)."""
    key = experiment_key(result["experiment"])
    rows = result.get("rows", [])
    summ = result.get("summary", {})
    if not rows:
        return "Nothing measured yet."
    short = lambda m: MODEL_SHORT.get(m, m)  # noqa: E731
    if key in ("sample-efficiency", "large-data"):
        n_max = max(r["n_train"] for r in rows)
        parts = []
        for m, need in summ.get("samples_to_5pct", {}).items():
            best = summ["best_error"][m]
            parts.append(f"{short(m)}: 5 % at N ≈ {need:,.0f} (best {best:.3f})" if need is not None
                         else f"{short(m)}: 5 % not reached up to N = {n_max:,} (best {best:.3f})")
        return "**Measured here.** " + "; ".join(parts) + "." + _budget_text(result)
    if key == "equivariance":
        parts = [f"{short(m)} {summ['max_energy_error'][m]:.2g} / {summ['max_force_error'][m]:.2g}"
                 for m in summ.get("max_energy_error", {})]
        return ("**Measured here** (largest energy / force error over the angles, relative): " + "; ".join(parts)
                + ". Test errors: " + "; ".join(f"{short(m)} {e:.3f}" for m, e in summ.get("test_error", {}).items())
                + ".")
    if key == "truncation":
        by_l = ", ".join(f"L={r['L']}: {r['test_error']:.3g}" for r in sorted(rows, key=lambda r: r["L"]))
        return f"**Measured here** (target cos({summ.get('K')}θ)): {by_l}."
    parts = []
    for m in _models(rows):
        pts = sorted((r["depth"], r["test_error"]) for r in rows if r["model"] == m)
        parts.append(f"{short(m)} " + ", ".join(f"{e:.2f}" for _, e in pts))
    depths = sorted({r["depth"] for r in rows})
    return f"**Measured here** (error at depth {', '.join(map(str, depths))}): " + "; ".join(parts) + "."
