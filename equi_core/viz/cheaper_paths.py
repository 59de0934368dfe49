"""Figures for "Cheaper paths": the parts of a 3x3 tensor, its rotation blocks, the X Y path map, 3^L vs 2L+1,
the cross product on the grid, the path constants, costs and timings.

Pure builders: plain numbers and arrays in, ``plotly.graph_objects.Figure`` out (no math beyond formatting, no
torch). All 2D; :func:`~equi_core.viz.style.fast_figure` for the look of the Lab's dense charts.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import plotly.graph_objects as go
from numpy.typing import ArrayLike

from .style import BLUE, DIVERGING, RED, fast_figure, log_floor, panel_domains

__all__ = [
    "BLOCK_COLORS",
    "tensor_parts_figure",
    "rotation_matrix_figure",
    "product_paths_figure",
    "rank_figure",
    "seconds_bar_figure",
    "cross_product_figure",
    "path_constants_figure",
    "grid_timing_figure",
    "output_size_figure",
    "results_figure",
]

#: Colours of the 0e, 1e, 2e blocks.
BLOCK_COLORS = ("#555555", RED, BLUE)
GRID_COLOR = "#2a9d8f"
GAUNT_COLOR = "#e07b39"
CG_COLOR = BLUE


def _matrix_panel(M: np.ndarray, idx: int, zmax: float, show_scale: bool) -> dict:
    ax = "" if idx == 1 else str(idx)
    text = [[f"{v:.3g}" for v in row] for row in M]
    return {
        "type": "heatmap",
        "z": M.tolist(),
        "x": ["x", "y", "z"],
        "y": ["x", "y", "z"],
        "text": text,
        "texttemplate": "%{text}",
        "colorscale": DIVERGING,
        "zmin": -zmax,
        "zmax": zmax,
        "showscale": show_scale,
        "xaxis": f"x{ax}",
        "yaxis": f"y{ax}",
        "hovertemplate": "row %{y}, column %{x}: %{z:.4g}<extra></extra>",
    }


def tensor_parts_figure(
    X: ArrayLike,
    trace_part: ArrayLike,
    antisymmetric: ArrayLike,
    symmetric_traceless: ArrayLike,
    *,
    title: str | None = None,
    height: int = 300,
) -> go.Figure:
    """Four 3x3 heat maps side by side: ``X = (tr X/3) I + A + S`` (one shared diverging scale).

    Invariants: four heatmap traces in that order, on axes x/y, x2/y2, x3/y3, x4/y4.
    """
    mats = [np.asarray(m, dtype=np.float64) for m in (X, trace_part, antisymmetric, symmetric_traceless)]
    if any(m.shape != (3, 3) for m in mats):
        raise ValueError("every panel must be a 3x3 matrix")
    zmax = max(1e-12, max(float(np.abs(m).max()) for m in mats))
    doms = panel_domains([1, 1, 1, 1], 0.05)
    names = ["X", "(tr X/3) I → 0e", "A → 1e", "S → 2e"]
    data = [_matrix_panel(m, i + 1, zmax, i == 3) for i, m in enumerate(mats)]
    lay: dict = {"annotations": []}
    for i, d in enumerate(doms):
        ax = "" if i == 0 else str(i + 1)
        lay[f"xaxis{ax}"] = {"domain": d, "anchor": f"y{ax}", "side": "top"}
        lay[f"yaxis{ax}"] = {"anchor": f"x{ax}", "autorange": "reversed", "scaleanchor": f"x{ax}"}
        lay["annotations"].append(
            {
                "text": names[i],
                "x": (d[0] + d[1]) / 2,
                "y": -0.08,
                "xref": "paper",
                "yref": "paper",
                "showarrow": False,
                "font": {"size": 13},
            }
        )
    lay["margin"] = {"b": 40}
    return fast_figure(data, lay, title=title, height=height)


def rotation_matrix_figure(M: ArrayLike, *, title: str | None = None, height: int = 420) -> go.Figure:
    """The 9x9 matrix of ``X -> R X R^T`` in the ``0e + 1e + 2e`` basis (block-diagonal), with block outlines."""
    A = np.asarray(M, dtype=np.float64)
    if A.shape != (9, 9):
        raise ValueError("M must be 9x9")
    labels = ["0e", "1e:x", "1e:y", "1e:z", "2e:-2", "2e:-1", "2e:0", "2e:1", "2e:2"]
    data = [
        {
            "type": "heatmap",
            "z": A.tolist(),
            "x": labels,
            "y": labels,
            "colorscale": DIVERGING,
            "zmin": -1,
            "zmax": 1,
            "hovertemplate": "%{y} ← %{x}: %{z:.3e}<extra></extra>",
        }
    ]
    shapes = []
    for lo, hi in ((0, 1), (1, 4), (4, 9)):
        shapes.append(
            {
                "type": "rect",
                "x0": lo - 0.5,
                "x1": hi - 0.5,
                "y0": lo - 0.5,
                "y1": hi - 0.5,
                "line": {"color": "#222", "width": 2},
                "xref": "x",
                "yref": "y",
            }
        )
    lay = {"yaxis": {"autorange": "reversed", "scaleanchor": "x"}, "xaxis": {"side": "top"}, "shapes": shapes}
    return fast_figure(data, lay, title=title, height=height)


def product_paths_figure(
    paths: Sequence[tuple[int, int, int, float, str]],
    missing: Sequence[tuple[int, int, int]],
    *,
    title: str | None = None,
    height: int = 380,
) -> go.Figure:
    """Rows: input pairs ``l1 ⊗ l2``; columns: ``l3 = 0..4``. Colour: the constant of the matrix product's path
    (``paths`` as ``(l1, l2, l3, constant, exact text)``); cells of ``missing`` paths marked "cannot"."""
    rows = [f"{a} ⊗ {b}" for a in range(3) for b in range(3)]
    z = np.full((9, 5), np.nan)
    text = [["" for _ in range(5)] for _ in range(9)]
    for a, b, c, const, exact in paths:
        z[3 * a + b, c] = const
        text[3 * a + b][c] = exact
    for a, b, c in missing:
        text[3 * a + b][c] = "cannot"
    zmax = float(np.nanmax(np.abs(z))) if np.isfinite(z).any() else 1.0
    data = [
        {
            "type": "heatmap",
            "z": [[None if np.isnan(v) else float(v) for v in row] for row in z],
            "x": [f"l3 = {c}" for c in range(5)],
            "y": rows,
            "text": text,
            "texttemplate": "%{text}",
            "colorscale": DIVERGING,
            "zmin": -zmax,
            "zmax": zmax,
            "hovertemplate": "%{y} → %{x}: %{text}<extra></extra>",
        }
    ]
    lay = {"yaxis": {"autorange": "reversed", "title": {"text": "parts of X ⊗ Y"}}, "xaxis": {"side": "top"}}
    return fast_figure(data, lay, title=title, height=height)


def rank_figure(
    ranks: Sequence[int],
    cartesian: Sequence[int],
    irrep: Sequence[int],
    share: Sequence[float],
    *,
    title: str | None = None,
    height: int = 380,
) -> go.Figure:
    """``3^L`` against ``2L + 1`` (log y, bars) and the redundant share (line, right axis, percent)."""
    L = list(ranks)
    if not (len(L) == len(cartesian) == len(irrep) == len(share)) or not L:
        raise ValueError("ranks, cartesian, irrep and share must have the same non-zero length")
    data = [
        {
            "type": "bar",
            "x": L,
            "y": list(cartesian),
            "name": "rank-L Cartesian tensor: 3^L numbers",
            "marker": {"color": BLUE},
            "hovertemplate": "L = %{x}: %{y} numbers<extra></extra>",
        },
        {
            "type": "bar",
            "x": L,
            "y": list(irrep),
            "name": "one irrep of degree L: 2L + 1",
            "marker": {"color": GAUNT_COLOR},
            "hovertemplate": "L = %{x}: %{y} numbers<extra></extra>",
        },
        {
            "type": "scatter",
            "x": L,
            "y": [100 * s for s in share],
            "name": "share not in the degree-L irrep (%)",
            "yaxis": "y2",
            "mode": "lines+markers",
            "line": {"color": RED, "width": 3},
            "hovertemplate": "L = %{x}: %{y:.2f}%<extra></extra>",
        },
    ]
    lay = {
        "barmode": "group",
        "xaxis": {"title": {"text": "rank / degree L"}, "dtick": 1},
        "yaxis": {"type": "log", "title": {"text": "numbers stored"}},
        "yaxis2": {"overlaying": "y", "side": "right", "range": [0, 100], "title": {"text": "redundant share (%)"}},
    }
    return fast_figure(data, lay, title=title, height=height)


def seconds_bar_figure(seconds: Mapping[str, float], *, title: str | None = None, height: int = 320) -> go.Figure:
    """Horizontal bars of time per batch (ms, log x), one per product, in the given order."""
    if not seconds:
        raise ValueError("no timings to draw")
    names = list(seconds)
    ms = [1e3 * float(seconds[n]) for n in names]
    data = [
        {
            "type": "bar",
            "orientation": "h",
            "y": names,
            "x": ms,
            "marker": {"color": BLUE},
            "text": [f"{v:.3g} ms" for v in ms],
            "textposition": "auto",
            "hovertemplate": "%{y}: %{x:.3g} ms<extra></extra>",
        }
    ]
    lay = {
        "xaxis": {"type": "log", "title": {"text": "time per batch (ms)"}},
        "yaxis": {"autorange": "reversed"},
        "margin": {"l": 10},
        "showlegend": False,
    }
    return fast_figure(data, lay, title=title, height=height)


def cross_product_figure(
    odd: ArrayLike, expected: ArrayLike, gaunt_1e: ArrayLike, *, title: str | None = None, height: int = 340
) -> go.Figure:
    """Grouped bars per component x, y, z: the gradient product's 1e output, ``sqrt(3/4π) (u × v)``, and Gaunt's."""
    o, e, g = (np.asarray(a, dtype=np.float64).reshape(3) for a in (odd, expected, gaunt_1e))
    comps = ["x", "y", "z"]
    data = [
        {
            "type": "bar",
            "x": comps,
            "y": o.tolist(),
            "name": "grid: r·(∇f × ∇g), degree 1",
            "marker": {"color": GRID_COLOR},
        },
        {"type": "bar", "x": comps, "y": e.tolist(), "name": "√(3/4π) (u × v)", "marker": {"color": "#999"}},
        {
            "type": "bar",
            "x": comps,
            "y": g.tolist(),
            "name": "Gaunt f·g, degree 1 (zero)",
            "marker": {"color": GAUNT_COLOR},
        },
    ]
    lay = {"barmode": "group", "yaxis": {"title": {"text": "component"}, "zeroline": True}}
    return fast_figure(data, lay, title=title, height=height)


def path_constants_figure(
    paths: Sequence[tuple[int, int, int, str, float]], *, title: str | None = None, height: int = 380
) -> go.Figure:
    """Each path ``(l1, l2, l3, kind, constant)`` as a point: x = ``l1 + l2 + l3``, y = ``|constant|`` (log);
    even paths (Gaunt) and odd paths (gradients) in two colours. None is at zero: no path is lost."""
    data = []
    for kind, color, name in (
        ("even", GAUNT_COLOR, "even paths: Gaunt f·g"),
        ("odd", GRID_COLOR, "odd paths: r·(∇f × ∇g)"),
    ):
        pts = [p for p in paths if p[3] == kind]
        data.append(
            {
                "type": "scatter",
                "mode": "markers",
                "name": name,
                "x": [p[0] + p[1] + p[2] for p in pts],
                "y": log_floor([p[4] for p in pts]).tolist(),
                "text": [f"{p[0]} ⊗ {p[1]} → {p[2]}: {p[4]:.6g}" for p in pts],
                "marker": {"color": color, "size": 9},
                "hovertemplate": "%{text}<extra></extra>",
            }
        )
    lay = {
        "xaxis": {"title": {"text": "l1 + l2 + l3"}, "dtick": 1},
        "yaxis": {"type": "log", "title": {"text": "|constant| of the path"}},
    }
    return fast_figure(data, lay, title=title, height=height)


def grid_timing_figure(
    Ls: Sequence[int], series: Mapping[str, Sequence[float | None]], *, title: str | None = None, height: int = 400
) -> go.Figure:
    """Measured seconds per batch against L (log-log), one line per named series (None = not measured)."""
    colors = [GRID_COLOR, GAUNT_COLOR, CG_COLOR, "#7b2cbf", "#555"]
    data = []
    for i, (name, ys) in enumerate(series.items()):
        pts = [(L, y) for L, y in zip(Ls, ys) if y is not None and y > 0]
        if not pts:
            continue
        data.append(
            {
                "type": "scatter",
                "mode": "lines+markers",
                "name": name,
                "x": [p[0] for p in pts],
                "y": [1e3 * p[1] for p in pts],
                "line": {"color": colors[i % len(colors)], "width": 3},
                "hovertemplate": "L = %{x}: %{y:.3g} ms<extra>" + name + "</extra>",
            }
        )
    if not data:
        raise ValueError("no timings to draw")
    lay = {
        "xaxis": {"type": "log", "title": {"text": "maximum degree L"}},
        "yaxis": {"type": "log", "title": {"text": "time per batch (ms)"}, "exponentformat": "power"},
    }
    return fast_figure(data, lay, title=title, height=height)


def output_size_figure(
    Ls: Sequence[int],
    cg_outputs: Sequence[int],
    grid_outputs: Sequence[int],
    *,
    title: str | None = None,
    height: int = 360,
) -> go.Figure:
    """How many numbers each product returns: the full CG product (every path apart) and the grid (log-log)."""
    data = [
        {
            "type": "scatter",
            "mode": "lines+markers",
            "name": "full CG: every path apart",
            "x": list(Ls),
            "y": list(cg_outputs),
            "line": {"color": CG_COLOR, "width": 3},
        },
        {
            "type": "scatter",
            "mode": "lines+markers",
            "name": "grid: both parities of each l ≤ L",
            "x": list(Ls),
            "y": list(grid_outputs),
            "line": {"color": GRID_COLOR, "width": 3},
        },
    ]
    lay = {
        "xaxis": {"type": "log", "title": {"text": "maximum degree L"}},
        "yaxis": {"type": "log", "title": {"text": "output numbers"}, "exponentformat": "power"},
    }
    return fast_figure(data, lay, title=title, height=height)


def results_figure(
    labels: Sequence[str], values: Sequence[float], *, unit: str, title: str | None = None, height: int = 340
) -> go.Figure:
    """Horizontal bars of measured results read from shipped files (one bar per label, log x if spread wide)."""
    if not labels or len(labels) != len(values):
        raise ValueError("labels and values must have the same non-zero length")
    v = [float(x) for x in values]
    positive = [x for x in v if x > 0]
    log = bool(positive) and len(positive) == len(v) and max(positive) / min(positive) > 30
    data = [
        {
            "type": "bar",
            "orientation": "h",
            "y": list(labels),
            "x": v,
            "marker": {"color": BLUE},
            "text": [f"{x:.3g}" for x in v],
            "textposition": "auto",
            "hovertemplate": "%{y}: %{x:.4g} " + unit + "<extra></extra>",
        }
    ]
    lay = {
        "xaxis": {"type": "log" if log else "linear", "title": {"text": unit}},
        "yaxis": {"autorange": "reversed"},
        "showlegend": False,
    }
    return fast_figure(data, lay, title=title, height=height)
