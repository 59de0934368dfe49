"""Figures for "Truncation at L": a signal and its degree-L reconstruction, errors, spectra, the blind spot.

Pure builders: numbers in, ``plotly.graph_objects.Figure`` out (no Streamlit, no math beyond drawing).
Only :func:`sphere_comparison_figure` uses WebGL (ONE 3D scene holding both spheres side by side, so they also
turn together); everything else is 2D SVG. y (e3nn's polar axis) points up in the 3D scene.

Speed: plotly.py validates every property it is given, which costs 20-70 ms per small figure (the template alone
is deep-copied twice). The builders here assemble plain dicts and create the figure with
:func:`~equi_core.viz.style.fast_figure` (validation off): about 2 ms. The tests re-validate every builder's output
with ``go.Figure(fig.to_dict())``, so a misspelt property still fails a test.
"""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
from numpy.typing import ArrayLike, NDArray

from .style import BLUE, RED, SIGNED_SMOOTH, fast_figure, log_floor, subplot_axes, typed_array

__all__ = [
    "KEPT_COLOR",
    "LOST_COLOR",
    "sphere_comparison_figure",
    "error_vs_degree_figure",
    "power_spectrum_figure",
    "blind_spot_figure",
    "star_pair_figure",
]

Array = NDArray[np.float64]

KEPT_COLOR = BLUE
LOST_COLOR = "#c9ced6"
L2_COLOR = BLUE
MAX_COLOR = RED
_LEGEND_BELOW = {"orientation": "h", "yanchor": "top", "y": -0.28, "xanchor": "left", "x": 0.0}


def _vline(x: float, text: str, *, color: str = "#555", dash: str = "dash") -> tuple[dict, dict]:
    """A vertical line across the plot at ``x`` and its label just above the plot area."""
    shape = {
        "type": "line",
        "x0": x,
        "x1": x,
        "y0": 0,
        "y1": 1,
        "xref": "x",
        "yref": "paper",
        "line": {"color": color, "dash": dash, "width": 1.5},
    }
    note = {
        "text": text,
        "x": x,
        "y": 1.0,
        "xref": "x",
        "yref": "paper",
        "yanchor": "bottom",
        "xanchor": "left",
        "showarrow": False,
        "font": {"size": 12, "color": color},
    }
    return shape, note


def sphere_comparison_figure(
    points: ArrayLike,
    original: ArrayLike,
    reconstruction: ArrayLike,
    *,
    L: int,
    directions: ArrayLike | None = None,
    radial: float = 0.35,
    title: str | None = None,
    height: int = 480,
) -> go.Figure:
    """The original signal (left) and its reconstruction from degrees ``<= L`` (right) in ONE 3D scene.

    Each surface is the sphere pushed out by its value, radius ``1 + radial * f / M``, and coloured by ``f``:
    bumps stick out, negative ringing of a truncated density dents the surface and shows blue.

    Parameters
    ----------
    points : array (n_theta, n_phi, 3)
        A closed lat-long mesh of unit vectors (:func:`equi_core.sphere.latlong_grid`).
    original, reconstruction : array (n_theta, n_phi)
        Values on that mesh; both spheres share one symmetric colour range ``[-M, M]``,
        ``M = max(|original|, |reconstruction|)``, so negative ringing of the truncation shows in blue.
    L : int
        Shown in the label.
    directions : array (n, 3), optional
        Bond directions, drawn as short sticks on the original.
    radial : float
        Relative height of the bumps, ``0 <= radial <= 0.9`` (0: plain spheres).

    Invariants
    ----------
    Exactly one 3D scene; two surface traces (original first) whose ``surfacecolor`` are the given values and
    whose points are ``(1 + radial * value / M) * points`` shifted sideways.
    """
    P = np.asarray(points, dtype=np.float64)
    f = np.asarray(original, dtype=np.float64)
    g = np.asarray(reconstruction, dtype=np.float64)
    if P.ndim != 3 or P.shape[-1] != 3 or f.shape != P.shape[:2] or g.shape != P.shape[:2]:
        raise ValueError(
            f"points must be (n_theta, n_phi, 3) and values (n_theta, n_phi); got {P.shape}, {f.shape}, {g.shape}"
        )
    if not 0.0 <= radial <= 0.9:
        raise ValueError(f"radial must be between 0 and 0.9, got {radial}")
    M = float(max(np.abs(f).max(), np.abs(g).max(), 1e-300))
    shift = 1.0 + radial + 0.25
    no_hl = {"x": {"highlight": False}, "y": {"highlight": False}, "z": {"highlight": False}}
    data: list[dict] = []
    for values, dx, name, show in ((f, -shift, "original", True), (g, shift, f"L = {L}", False)):
        Q = P * (1.0 + radial * values / M)[..., None]
        trace = {
            "type": "surface",
            "name": name,
            "x": typed_array(Q[..., 0] + dx),
            "y": typed_array(Q[..., 1]),
            "z": typed_array(Q[..., 2]),
            "surfacecolor": typed_array(values),
            "cmin": -M,
            "cmax": M,
            "colorscale": SIGNED_SMOOTH,
            "showscale": show,
            "hovertemplate": f"{name}<br>f = %{{surfacecolor:.3g}}<extra></extra>",
            "lighting": {"ambient": 0.85, "diffuse": 0.25, "specular": 0.05},
            "contours": no_hl,
        }
        if show:
            trace["colorbar"] = {"title": {"text": "f"}, "len": 0.7, "thickness": 14}
        data.append(trace)
    if directions is not None:
        U = np.asarray(directions, dtype=np.float64).reshape(-1, 3)
        xs: list = []
        ys: list = []
        zs: list = []
        for u in U:
            a, b = 0.0 * u, (1.15 + radial) * u
            xs += [float(a[0] - shift), float(b[0] - shift), None]
            ys += [float(a[1]), float(b[1]), None]
            zs += [float(a[2]), float(b[2]), None]
        data.append(
            {
                "type": "scatter3d",
                "mode": "lines",
                "x": xs,
                "y": ys,
                "z": zs,
                "name": "bonds",
                "line": {"color": "#333", "width": 6},
                "hoverinfo": "skip",
                "showlegend": False,
            }
        )
    data.append(
        {
            "type": "scatter3d",
            "mode": "text",
            "x": [-shift, shift],
            "y": [1.25 + radial] * 2,
            "z": [0.0, 0.0],
            "text": ["<b>original</b>", f"<b>degrees ≤ {L}</b>"],
            "textfont": {"size": 15},
            "hoverinfo": "skip",
            "showlegend": False,
        }
    )
    axis = {"visible": False, "showbackground": False}
    # manual aspect ratio in data units, so the two spheres fill the scene (the labels sit just above them)
    r_max = 1.0 + radial
    width_units = 2 * (shift + r_max)
    height_units = 2 * r_max + 0.6
    scale = max(width_units, height_units) / 3.2  # larger aspect ratios draw the scene larger (orthographic)
    layout = {
        "showlegend": False,
        "margin": {"l": 0, "r": 0, "t": 50 if title else 10, "b": 0},
        "scene": {
            "xaxis": axis,
            "yaxis": axis,
            "zaxis": axis,
            "aspectmode": "manual",
            "dragmode": "orbit",
            "aspectratio": {"x": width_units / scale, "y": height_units / scale, "z": 2 * r_max / scale},
            "camera": {
                "up": {"x": 0, "y": 1, "z": 0},
                "center": {"x": 0, "y": 0, "z": 0},
                "eye": {"x": 0.1, "y": 0.22, "z": 1.0},
                "projection": {"type": "orthographic"},
            },
        },
    }
    return fast_figure(data, layout, title=title, height=height)


def error_vs_degree_figure(
    ls: ArrayLike,
    rel_l2: ArrayLike,
    rel_max: ArrayLike,
    *,
    current_L: int | None = None,
    title: str | None = None,
    height: int = 360,
) -> go.Figure:
    """Relative L2 and max errors of the truncation against L (log y; exact zeros drawn at :data:`~equi_core.viz.style.FLOOR`).

    Invariants
    ----------
    Two line traces, ``'L2 error'`` then ``'max error'``, whose y are ``log_floor`` of the inputs and whose
    ``customdata`` hold the exact values; a vertical line (a layout shape) marks ``current_L``.
    """
    ls = np.asarray(ls)
    l2 = np.asarray(rel_l2, dtype=np.float64)
    mx = np.asarray(rel_max, dtype=np.float64)
    if not (ls.shape == l2.shape == mx.shape):
        raise ValueError("ls, rel_l2 and rel_max must have the same length")
    data = [
        {
            "type": "scatter",
            "x": ls,
            "y": log_floor(y),
            "customdata": y,
            "mode": "lines+markers",
            "name": name,
            "line": {"color": color, "width": 2.5},
            "marker": {"size": 6},
            "hovertemplate": "L = %{x}<br>" + name + " = %{customdata:.3e}<extra></extra>",
        }
        for y, name, color in ((l2, "L2 error", L2_COLOR), (mx, "max error", MAX_COLOR))
    ]
    layout: dict = {
        "legend": _LEGEND_BELOW,
        "margin": {"l": 10, "r": 10, "t": 70 if title else 40, "b": 10},
        "xaxis": {"title": {"text": "maximum degree L"}, "dtick": 2 if ls.size > 12 else 1},
        "yaxis": {"type": "log", "title": {"text": "relative error"}, "exponentformat": "power"},
    }
    if current_L is not None:
        shape, note = _vline(float(current_L), f"L = {current_L}")
        layout["shapes"], layout["annotations"] = [shape], [note]
    return fast_figure(data, layout, title=title, height=height)


def power_spectrum_figure(
    ls: ArrayLike,
    energy_fraction: ArrayLike,
    *,
    L: int,
    log_y: bool = True,
    title: str | None = None,
    height: int = 360,
) -> go.Figure:
    """Energy per degree ``P_l / ||f||^2`` as bars: kept (``l <= L``) in blue, thrown away (``l > L``) in grey.

    Invariants
    ----------
    Two bar traces ``'kept (l ≤ L)'`` and ``'lost (l > L)'`` that together hold every degree once.
    """
    ls = np.asarray(ls)
    e = np.asarray(energy_fraction, dtype=np.float64)
    if ls.shape != e.shape:
        raise ValueError("ls and energy_fraction must have the same length")
    kept = ls <= L
    data = [
        {
            "type": "bar",
            "x": ls[mask],
            "y": log_floor(e[mask]) if log_y else e[mask],
            "customdata": e[mask],
            "name": name,
            "marker": {"color": color},
            "hovertemplate": "l = %{x}<br>P_l / ||f||² = %{customdata:.3e}<extra></extra>",
        }
        for mask, name, color in ((kept, "kept (l ≤ L)", KEPT_COLOR), (~kept, "lost (l > L)", LOST_COLOR))
    ]
    layout = {
        "barmode": "overlay",
        "bargap": 0.15,
        "xaxis": {"title": {"text": "degree l"}, "dtick": 2 if ls.size > 12 else 1},
        "yaxis": {
            "title": {"text": "share of the energy"},
            "type": "log" if log_y else "linear",
            "exponentformat": "power",
        },
    }
    return fast_figure(data, layout, title=title, height=height)


def blind_spot_figure(
    ls: ArrayLike,
    difference: ArrayLike,
    feature_norm: ArrayLike,
    *,
    n: int,
    L: int,
    title: str | None = None,
    height: int = 360,
) -> go.Figure:
    """Per-degree difference ``||h^l(star) - h^l(turned star)||`` (bars, log y) beside ``||h^l||`` (markers).

    Degrees above the model's ``L`` are shaded: the model never computes them. Bars below ``l = n`` sit at
    rounding level (~1e-15): the two orientations are identical there (grey); visible differences are red.

    Invariants
    ----------
    First trace: the difference bars with ``customdata`` = exact differences; second: the feature norms.
    """
    ls = np.asarray(ls)
    d = np.asarray(difference, dtype=np.float64)
    h = np.asarray(feature_norm, dtype=np.float64)
    if not (ls.shape == d.shape == h.shape):
        raise ValueError("ls, difference and feature_norm must have the same length")
    tol = 1e-9 * max(1.0, float(h.max()) if h.size else 1.0)
    colors = [MAX_COLOR if dd > tol else "#9aa5b1" for dd in d]
    data = [
        {
            "type": "bar",
            "x": ls,
            "y": log_floor(d),
            "customdata": d,
            "name": "‖h(star) − h(turned)‖",
            "marker": {"color": colors},
            "hovertemplate": "l = %{x}<br>difference = %{customdata:.2e}<extra></extra>",
        },
        {
            "type": "scatter",
            "x": ls,
            "y": log_floor(h),
            "customdata": h,
            "mode": "markers",
            "name": "‖h(star)‖ (same for both)",
            "marker": {"symbol": "diamond", "size": 9, "color": "#333"},
            "hovertemplate": "l = %{x}<br>feature norm = %{customdata:.3g}<extra></extra>",
        },
    ]
    shapes, notes = [], []
    top = float(ls.max()) if ls.size else 0.0
    if top > L:
        shapes.append(
            {
                "type": "rect",
                "x0": L + 0.5,
                "x1": top + 0.5,
                "y0": 0,
                "y1": 1,
                "xref": "x",
                "yref": "paper",
                "fillcolor": "#888",
                "opacity": 0.12,
                "line": {"width": 0},
                "layer": "below",
            }
        )
        notes.append(
            {
                "text": f" beyond L = {L}",
                "x": L + 0.5,
                "y": 1.0,
                "xref": "x",
                "yref": "paper",
                "xanchor": "left",
                "yanchor": "bottom",
                "showarrow": False,
                "font": {"size": 12, "color": "#555"},
            }
        )
    shape, note = _vline(n - 0.5, f"l = n = {n} ", color="#333", dash="dot")
    note["xanchor"] = "right"
    shapes.append(shape)
    notes.append(note)
    layout = {
        "shapes": shapes,
        "annotations": notes,
        "legend": _LEGEND_BELOW,
        "xaxis": {"title": {"text": "feature degree l"}, "dtick": 1 if ls.size <= 16 else 2},
        "yaxis": {"type": "log", "title": {"text": "norm"}, "exponentformat": "power"},
    }
    return fast_figure(data, layout, title=title, height=height)


def star_pair_figure(star: ArrayLike, turned: ArrayLike, *, title: str | None = None, height: int = 360) -> go.Figure:
    """Top view (down the y axis) of an n-fold star and its copy turned by ``pi / n``: arms as segments.

    The plane drawn is e3nn's (z, x) plane: horizontal axis z, vertical axis x.

    Invariants
    ----------
    Two panels; per panel one line trace (arms) and one marker trace (bond ends) at the given directions.
    """
    A = np.asarray(star, dtype=np.float64).reshape(-1, 3)
    B = np.asarray(turned, dtype=np.float64).reshape(-1, 3)
    layout, refs = subplot_axes(1, 2, hspace=0.08, titles=("star", "turned by π/n"), top=0.92)
    data = []
    for (xr, yr), U, color in zip(refs, (A, B), (KEPT_COLOR, MAX_COLOR)):
        xs: list = []
        ys: list = []
        for u in U:
            xs += [0.0, float(u[2]), None]
            ys += [0.0, float(u[0]), None]
        data.append(
            {
                "type": "scatter",
                "x": xs,
                "y": ys,
                "mode": "lines",
                "line": {"color": color, "width": 4},
                "showlegend": False,
                "hoverinfo": "skip",
                "xaxis": xr,
                "yaxis": yr,
            }
        )
        data.append(
            {
                "type": "scatter",
                "x": U[:, 2],
                "y": U[:, 0],
                "mode": "markers",
                "marker": {"size": 12, "color": color},
                "showlegend": False,
                "hoverinfo": "skip",
                "xaxis": xr,
                "yaxis": yr,
            }
        )
        ax = "xaxis" + xr[1:]
        ay = "yaxis" + yr[1:]
        layout[ax].update({"range": [-1.25, 1.25], "visible": False})
        layout[ay].update({"range": [-1.25, 1.25], "visible": False, "scaleanchor": xr})
    return fast_figure(data, layout, title=title, height=height)
