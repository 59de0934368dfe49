"""Figures for "Tensor products: the price": CG blocks, the 1 x 1 decomposition, cost curves, lost paths.

Pure builders (numbers in, ``plotly.graph_objects.Figure`` out), all 2D: no WebGL context is used.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import plotly.graph_objects as go
from numpy.typing import ArrayLike, NDArray

from .style import BLUE, DIVERGING, fast_figure, subplot_axes

__all__ = [
    "CG_COLOR",
    "GAUNT_COLOR",
    "cg_block_heatmaps",
    "vector_coupling_figure",
    "cost_figure",
    "timing_figure",
    "lost_paths_figure",
    "reference_slope",
]

Array = NDArray[np.float64]

CG_COLOR = BLUE
GAUNT_COLOR = "#e07b39"
EVEN_COLOR = "#6a9fd4"


def cg_block_heatmaps(
    C: ArrayLike, *, l1: int, l2: int, l3: int, max_cols: int = 5, title: str | None = None, height: int | None = None
) -> go.Figure:
    """One heat-map per output component ``k``: the ``(2l1+1) x (2l2+1)`` matrix ``C[:, :, k]``.

    ``z_k = sum_ij C_ijk x_i y_j = x^T C[:, :, k] y``. All panels share one symmetric colour range.
    Rows are indexed by ``m1`` (e3nn order ``-l1..l1``), columns by ``m2``.

    Invariants
    ----------
    ``2 l3 + 1`` heatmap traces, trace ``k`` has ``z == C[:, :, k]``.
    """
    C = np.asarray(C, dtype=np.float64)
    if C.shape != (2 * l1 + 1, 2 * l2 + 1, 2 * l3 + 1):
        raise ValueError(f"C must have shape {(2 * l1 + 1, 2 * l2 + 1, 2 * l3 + 1)}, got {C.shape}")
    n = 2 * l3 + 1
    cols = min(n, max_cols)
    rows = math.ceil(n / cols)
    M = float(np.abs(C).max()) or 1.0
    titles = [f"k = {k - l3:+d}" if k != l3 else "k = 0" for k in range(n)]
    layout, refs = subplot_axes(rows, cols, hspace=0.03, vspace=0.12 if rows > 1 else 0.05, titles=titles, top=0.95)
    m1 = [str(m) for m in range(-l1, l1 + 1)]
    m2 = [str(m) for m in range(-l2, l2 + 1)]
    show_text = (2 * l1 + 1) * (2 * l2 + 1) <= 25
    data = []
    for k in range(n):
        r, c = divmod(k, cols)
        xr, yr = refs[k]
        z = C[:, :, k]
        trace = {
            "type": "heatmap",
            "z": z,
            "x": m2,
            "y": m1,
            "zmin": -M,
            "zmax": M,
            "zmid": 0.0,
            "colorscale": DIVERGING,
            "showscale": k == 0,
            "xaxis": xr,
            "yaxis": yr,
            "hovertemplate": "m1 = %{y}, m2 = %{x}<br>C = %{z:.4f}<extra>k = " + str(k - l3) + "</extra>",
        }
        if k == 0:
            trace["colorbar"] = {"len": 0.8, "thickness": 12}
        if show_text:
            trace["text"] = np.round(z, 3)
            trace["texttemplate"] = "%{text}"
        data.append(trace)
        layout["yaxis" + yr[1:]].update({"autorange": "reversed", "showticklabels": c == 0, "type": "category"})
        layout["xaxis" + xr[1:]].update({"type": "category"})
        if c == 0:
            layout["yaxis" + yr[1:]]["title"] = {"text": "m1"}
        if r == rows - 1 or k + cols >= n:
            layout["xaxis" + xr[1:]]["title"] = {"text": "m2"}
    h = height or int(min(900, 70 + rows * max(170, 26 * (2 * l1 + 1))))
    return fast_figure(data, layout, title=title, height=h)


def vector_coupling_figure(
    labels: Sequence[str],
    cg_values: Sequence[ArrayLike],
    gaunt_values: Sequence[ArrayLike],
    *,
    title: str | None = None,
    height: int = 330,
) -> go.Figure:
    """Components of each output of ``1 (x) 1`` from the CG product (blue) and the Gaunt product (orange).

    One panel per output (``0e``, ``1e``, ``2e``). The Gaunt panel of ``1e`` is flat zero: the cross product is
    antisymmetric, a product of functions is symmetric.

    Invariants
    ----------
    For each output two bar traces (CG then Gaunt), the bars' y are the given components.
    """
    if not (len(labels) == len(cg_values) == len(gaunt_values)) or not labels:
        raise ValueError("labels, cg_values and gaunt_values must have the same non-zero length")
    layout, refs = subplot_axes(
        1, len(labels), hspace=0.06, titles=list(labels), widths=[max(1, np.size(v)) + 1 for v in cg_values], top=0.9
    )
    data = []
    for i, (cg, ga) in enumerate(zip(cg_values, gaunt_values)):
        cg = np.ravel(np.asarray(cg, dtype=np.float64))
        ga = np.ravel(np.asarray(ga, dtype=np.float64))
        l3 = (cg.size - 1) // 2
        ks = [f"{k:+d}" if k else "0" for k in range(-l3, l3 + 1)]
        xr, yr = refs[i]
        data.append(
            {
                "type": "bar",
                "x": ks,
                "y": cg,
                "name": "Clebsch-Gordan",
                "marker": {"color": CG_COLOR},
                "showlegend": i == 0,
                "legendgroup": "cg",
                "xaxis": xr,
                "yaxis": yr,
                "hovertemplate": "k = %{x}<br>CG: %{y:.4g}<extra></extra>",
            }
        )
        data.append(
            {
                "type": "bar",
                "x": ks,
                "y": ga,
                "name": "Gaunt (grid/FFT)",
                "marker": {"color": GAUNT_COLOR},
                "showlegend": i == 0,
                "legendgroup": "gaunt",
                "xaxis": xr,
                "yaxis": yr,
                "hovertemplate": "k = %{x}<br>Gaunt: %{y:.4g}<extra></extra>",
            }
        )
        layout["xaxis" + xr[1:]]["title"] = {"text": "component k"}
        layout["xaxis" + xr[1:]]["type"] = "category"
    layout["barmode"] = "group"
    return fast_figure(data, layout, title=title, height=height)


def reference_slope(xs: ArrayLike, ys: ArrayLike, exponent: float) -> Array:
    """``y_ref = y[-1] * (x / x[-1])^exponent``: a guide line of slope ``exponent`` through the last point."""
    x = np.asarray(xs, dtype=np.float64)
    y = np.asarray(ys, dtype=np.float64)
    return y[-1] * (x / x[-1]) ** exponent


def cost_figure(
    Ls: ArrayLike,
    cg_counts: ArrayLike,
    gaunt_counts: ArrayLike,
    *,
    cg_even_counts: ArrayLike | None = None,
    title: str | None = None,
    height: int = 400,
) -> go.Figure:
    """Operation counts against L on log-log axes, with dashed ``L^6`` and ``L^3`` guides through the last points.

    Invariants
    ----------
    Traces in order: CG counts, (CG even paths), Gaunt counts, the ``L^6`` guide, the ``L^3`` guide.
    """
    L = np.asarray(Ls, dtype=np.float64)
    cg = np.asarray(cg_counts, dtype=np.float64)
    ga = np.asarray(gaunt_counts, dtype=np.float64)
    if not (L.shape == cg.shape == ga.shape) or L.size < 2 or np.any(L <= 0):
        raise ValueError("Ls (positive), cg_counts and gaunt_counts must have the same length >= 2")
    data = [
        {
            "type": "scatter",
            "x": L,
            "y": cg,
            "mode": "lines+markers",
            "name": "full Clebsch-Gordan (all paths)",
            "line": {"color": CG_COLOR, "width": 3},
            "hovertemplate": "L = %{x}<br>%{y:.3s} multiply-adds<extra>CG</extra>",
        }
    ]
    if cg_even_counts is not None:
        ev = np.asarray(cg_even_counts, dtype=np.float64)
        data.append(
            {
                "type": "scatter",
                "x": L,
                "y": ev,
                "mode": "lines",
                "name": "CG, only the paths Gaunt computes",
                "line": {"color": EVEN_COLOR, "width": 2, "dash": "dot"},
                "hovertemplate": "L = %{x}<br>%{y:.3s}<extra>CG even paths</extra>",
            }
        )
    data.append(
        {
            "type": "scatter",
            "x": L,
            "y": ga,
            "mode": "lines+markers",
            "name": "Gaunt (grid + FFT)",
            "line": {"color": GAUNT_COLOR, "width": 3},
            "hovertemplate": "L = %{x}<br>%{y:.3s} operations<extra>Gaunt</extra>",
        }
    )
    data.append(
        {
            "type": "scatter",
            "x": L,
            "y": reference_slope(L, cg, 6.0),
            "mode": "lines",
            "name": "slope L⁶",
            "line": {"color": "#555", "dash": "dash", "width": 1.5},
            "hoverinfo": "skip",
        }
    )
    data.append(
        {
            "type": "scatter",
            "x": L,
            "y": reference_slope(L, ga, 3.0),
            "mode": "lines",
            "name": "slope L³",
            "line": {"color": "#999", "dash": "dash", "width": 1.5},
            "hoverinfo": "skip",
        }
    )
    layout = {
        "xaxis": {"type": "log", "title": {"text": "maximum degree L"}},
        "yaxis": {"type": "log", "title": {"text": "operations per product"}, "exponentformat": "power"},
    }
    return fast_figure(data, layout, title=title, height=height)


def timing_figure(
    Ls: ArrayLike,
    cg_seconds: ArrayLike,
    gaunt_seconds: ArrayLike,
    *,
    title: str | None = None,
    height: int = 360,
) -> go.Figure:
    """Measured wall times (ms) of both products against L, log-log.

    Invariants
    ----------
    Two traces (CG, Gaunt) whose y are the times in milliseconds.
    """
    L = np.asarray(Ls, dtype=np.float64)
    cg = np.asarray(cg_seconds, dtype=np.float64) * 1e3
    ga = np.asarray(gaunt_seconds, dtype=np.float64) * 1e3
    if not (L.shape == cg.shape == ga.shape) or L.size < 1:
        raise ValueError("Ls, cg_seconds and gaunt_seconds must have the same non-zero length")
    data = [
        {
            "type": "scatter",
            "x": L,
            "y": cg,
            "mode": "lines+markers",
            "name": "full Clebsch-Gordan",
            "line": {"color": CG_COLOR, "width": 3},
            "hovertemplate": "L = %{x}<br>%{y:.3g} ms<extra>CG</extra>",
        },
        {
            "type": "scatter",
            "x": L,
            "y": ga,
            "mode": "lines+markers",
            "name": "Gaunt (grid + FFT)",
            "line": {"color": GAUNT_COLOR, "width": 3},
            "hovertemplate": "L = %{x}<br>%{y:.3g} ms<extra>Gaunt</extra>",
        },
    ]
    layout = {
        "xaxis": {"type": "log", "title": {"text": "maximum degree L"}},
        "yaxis": {"type": "log", "title": {"text": "time per batch (ms)"}, "exponentformat": "power"},
    }
    return fast_figure(data, layout, title=title, height=height)


def lost_paths_figure(
    L: int, lost: Sequence[tuple[int, int, int]], *, title: str | None = None, height: int = 380
) -> go.Figure:
    """For each input pair ``(l1, l2)`` with degrees ``<= L``: how many output degrees ``l3 <= L`` the Gaunt
    product loses (``l1 + l2 + l3`` odd), with the lost ``l3`` in the hover text.

    Invariants
    ----------
    One heatmap trace of shape ``(L + 1, L + 1)`` whose entries sum to ``len(lost)``.
    """
    if L < 0:
        raise ValueError("L must be >= 0")
    counts = np.zeros((L + 1, L + 1))
    names = [["" for _ in range(L + 1)] for _ in range(L + 1)]
    for l1, l2, l3 in lost:
        if max(l1, l2, l3) > L:
            raise ValueError(f"path {(l1, l2, l3)} exceeds L = {L}")
        counts[l1, l2] += 1
        names[l1][l2] += (", " if names[l1][l2] else "") + str(l3)
    hover = [[f"l1 = {a}, l2 = {b}<br>lost l3: {names[a][b] or 'none'}" for b in range(L + 1)] for a in range(L + 1)]
    trace = {
        "type": "heatmap",
        "z": counts,
        "x": list(range(L + 1)),
        "y": list(range(L + 1)),
        "text": hover,
        "hoverinfo": "text",
        "colorscale": [[0, "#f7f7f7"], [1, "#d1495b"]],
        "zmin": 0,
        "colorbar": {"title": {"text": "lost paths"}, "thickness": 12, "dtick": 1},
    }
    if L <= 12:
        trace["texttemplate"] = "%{z:.0f}"
    layout = {
        "xaxis": {"title": {"text": "l2"}, "dtick": 1, "range": [-0.5, L + 0.5], "constrain": "domain"},
        "yaxis": {
            "title": {"text": "l1"},
            "dtick": 1,
            "range": [L + 0.5, -0.5],
            "scaleanchor": "x",
            "constrain": "domain",
        },
    }
    return fast_figure([trace], layout, title=title, height=height)
