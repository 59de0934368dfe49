"""Figures for "ReLU versus norm nonlinearity": arrows, a sphere of directions, error curves, the parity trap, depth.

Every builder is pure (numbers in, ``plotly.graph_objects.Figure`` out, inputs never mutated) and draws at most
ONE 3D scene. Colours: ReLU is red/orange, the norm nonlinearity blue/teal; a solid arrow is ``f(R v)``, a dashed
one ``R f(v)``; where the two coincide the map is equivariant. Coordinates are the Lab's (e3nn's), y drawn up.

Invariants the tests check
--------------------------
* :func:`rotation_arrows_figure` and :func:`sphere_map_figure` have exactly one 3D scene.
* The arrow tips drawn are the numbers of the :class:`~equi_core.nets.RotationCheck` given (no recomputation).
* :func:`error_vs_angle_figure` uses a log axis and draws exact zeros at ``floor`` (never drops them).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import plotly.graph_objects as go
from numpy.typing import ArrayLike, NDArray

from ..lessons.nonlinearity import ParityTrapRow, RotationCheck, bend_angles, sphere_map_data
from ..nn.activations import ACTIVATIONS
from . import style

__all__ = [
    "COLORS",
    "rotation_arrows_figure",
    "sphere_map_data",
    "sphere_map_figure",
    "error_vs_angle_figure",
    "parity_trap_figure",
    "depth_figure",
]

Array = NDArray[np.float64]

#: Colours of the page (ReLU warm, norm nonlinearity cool, inputs grey).
COLORS: Mapping[str, str] = {
    "input": "#555555",
    "rotated_input": "#222222",
    "relu": "#d62728",
    "relu_rot": "#ff7f0e",
    "norm": "#1f5fbf",
    "norm_rot": "#17becf",
    "tanh": "#2ca02c",
}
_AXIS_STYLE = dict(
    gridcolor="#e5e7eb",
    zerolinecolor="#c9ccd1",
    linecolor="#c9ccd1",
    ticks="outside",
    tickcolor="#c9ccd1",
    automargin=True,
)


def _layout(*, title: str | None, height: int, **extra: Any) -> dict:
    """This page's variant of :func:`~equi_core.viz.style.layout` (16 px text, ``template='none'``, styled axes).

    A plain dict passed once to ``go.Figure``: ``template='none'`` plus explicit colours, and one construction instead
    of repeated ``update_layout`` (plotly's validation dominated the cost; a 'plotly_white' template alone costs
    ~20 ms per figure, and Streamlit's theme replaces the template in the app anyway).
    """
    base = dict(
        legend=dict(font=dict(size=15), bgcolor="rgba(255,255,255,0.8)"),
        xaxis=dict(_AXIS_STYLE),
        yaxis=dict(_AXIS_STYLE),
    )
    return style.layout(
        title=title, height=height, font_size=16, top=(70, 30), template="none", **style.merge(base, extra)
    )


def _scene(extent: float, eye: tuple[float, float, float] = (1.3, 0.8, 1.4)) -> dict:
    ax = dict(
        range=[-extent, extent],
        zeroline=True,
        zerolinewidth=3,
        zerolinecolor="#999",
        showbackground=True,
        backgroundcolor="#f6f7f9",
        gridcolor="#dde",
        title=dict(font=dict(size=16)),
    )
    return dict(
        xaxis=dict(ax, title=dict(text="x", font=dict(size=16))),
        yaxis=dict(ax, title=dict(text="y", font=dict(size=16))),
        zaxis=dict(ax, title=dict(text="z", font=dict(size=16))),
        aspectmode="cube",
        camera=dict(up=dict(x=0, y=1, z=0), eye=dict(x=eye[0], y=eye[1], z=eye[2])),
    )


def _arrow(
    end: ArrayLike,
    color: str,
    name: str,
    *,
    dash: str = "solid",
    width: float = 9,
    start: ArrayLike = (0, 0, 0),
    head: float = 0.35,
    group: str | None = None,
    hover: str | None = None,
    opacity: float = 1.0,
) -> list:
    """A 3D arrow: a line from ``start`` to ``end`` and a cone at the tip (a marker if the arrow is ~0)."""
    s = np.asarray(start, dtype=np.float64)
    e = np.asarray(end, dtype=np.float64)
    d = e - s
    L = float(np.linalg.norm(d))
    text = hover or f"{name}<br>({e[0]:.4f}, {e[1]:.4f}, {e[2]:.4f})"
    line = dict(
        type="scatter3d",
        x=[s[0], e[0]],
        y=[s[1], e[1]],
        z=[s[2], e[2]],
        mode="lines" if L > 1e-12 else "markers",
        line=dict(color=color, width=width, dash=dash),
        marker=dict(size=6, color=color),
        name=name,
        legendgroup=group or name,
        hovertext=[text, text],
        hoverinfo="text",
        opacity=opacity,
    )
    out = [line]
    if L > 1e-12:
        out.append(
            dict(
                type="cone",
                x=[e[0]],
                y=[e[1]],
                z=[e[2]],
                u=[d[0] / L],
                v=[d[1] / L],
                w=[d[2] / L],
                anchor="tip",
                sizemode="absolute",
                sizeref=head,
                colorscale=[[0, color], [1, color]],
                showscale=False,
                showlegend=False,
                legendgroup=group or name,
                hovertext=text,
                hoverinfo="text",
                opacity=opacity,
            )
        )
    return out


def rotation_arrows_figure(check: RotationCheck, *, title: str | None = None, height: int = 620) -> go.Figure:
    """One 3D scene: the input ``v``, ``R v``, and ``f(R v)`` (narrow) against ``R f(v)`` (wide, light) for both maps.

    For the norm nonlinearity the blue arrow sits inside its teal halo (equivariant); for ReLU the red and
    orange arrows point in different directions (the error in the legend is ``max |f(Rv) - R f(v)|``).
    """
    rel, nor = check.relu_error.absolute, check.norm_error.absolute
    # R f(v) first, wide and light; f(R v) on top, narrow and saturated: where they agree you see one arrow
    # with a light halo, where they disagree two arrows.
    nor_text = "0, exact" if nor == 0 else f"{nor:.1e}"
    arrows = [  # (legend name, vector, colour, dash, width, opacity, legend rank)
        ("v (input)", check.v, "#9a9a9a", "solid", 5, 1.0, 1),
        ("R v (rotated input)", check.Rv, COLORS["rotated_input"], "solid", 5, 1.0, 2),
        (f"R·ReLU(v)   (error {rel:.3g})", check.R_relu_v, COLORS["relu_rot"], "solid", 18, 0.55, 4),
        ("ReLU(R v)", check.relu_of_Rv, COLORS["relu"], "solid", 8, 1.0, 3),
        (f"R·norm(v)   (error {nor_text})", check.R_norm_v, COLORS["norm_rot"], "solid", 18, 0.55, 6),
        ("norm(R v)", check.norm_of_Rv, COLORS["norm"], "solid", 8, 1.0, 5),
    ]
    extent = 1.15 * max(1e-9, *(float(np.max(np.abs(a[1]))) for a in arrows))
    traces = []
    for name, vec, color, dash, width, opacity, rank in arrows:
        parts = _arrow(
            vec, color, name, dash=dash, width=width, head=(0.16 if width > 10 else 0.11) * extent, opacity=opacity
        )
        parts[0]["legendrank"] = rank
        traces += parts
    layout = _layout(
        title=title,
        height=height,
        scene=dict(_scene(extent), domain=dict(x=[0.0, 0.70], y=[0.0, 1.0])),
        legend=dict(
            x=0.70, y=0.95, xanchor="left", font=dict(size=16), itemsizing="constant", bgcolor="rgba(255,255,255,0.0)"
        ),
    )
    return go.Figure(data=traces, layout=layout)


def sphere_map_figure(
    data: Mapping[str, Array], *, name: str, title: str | None = None, height: int = 560, cmax: float | None = None
) -> go.Figure:
    """One 3D scene: the sphere of input directions coloured by the gain ``|f(v)| / |v|``, f(v) as arrows.

    A norm nonlinearity paints the sphere one colour and its cones point straight out (radial); ReLU's
    colour changes with direction, its cones lean toward the positive octant, and in the negative octant
    there are none (f(v) = 0).
    """
    grid, gain = np.asarray(data["grid"]), np.asarray(data["grid_gain"])
    pts, fp = np.asarray(data["points"]), np.asarray(data["f_points"])
    top = float(cmax) if cmax is not None else max(1e-9, float(np.max(gain)))
    traces: list[dict] = [
        dict(
            type="surface",
            x=grid[..., 0],
            y=grid[..., 1],
            z=grid[..., 2],
            surfacecolor=gain,
            cmin=0.0,
            cmax=top,
            colorscale="Viridis",
            opacity=1.0,
            name=f"|{name}(v)| / |v|",
            colorbar=dict(title=dict(text=f"|{name}(v)|/|v|", font=dict(size=15)), len=0.75, thickness=18),
            hovertemplate="v = (%{x:.2f}, %{y:.2f}, %{z:.2f})<br>gain %{surfacecolor:.3f}<extra></extra>",
            lighting=dict(ambient=0.75, diffuse=0.5),
            showlegend=False,
        )
    ]
    alive = np.linalg.norm(fp, axis=-1) > 1e-9
    if np.any(alive):
        base = pts[alive] * 1.01
        dirs = fp[alive] / np.linalg.norm(fp[alive], axis=-1, keepdims=True)
        tips = base + 0.32 * dirs
        bend = np.degrees(bend_angles(pts[alive], fp[alive]))
        segs = np.full((3 * base.shape[0], 3), np.nan)
        segs[0::3], segs[1::3] = base, tips
        traces.append(
            dict(
                type="scatter3d",
                x=segs[:, 0],
                y=segs[:, 1],
                z=segs[:, 2],
                mode="lines",
                line=dict(color="#111", width=4),
                name=f"direction of {name}(v)",
                hoverinfo="skip",
            )
        )
        traces.append(
            dict(
                type="cone",
                x=tips[:, 0],
                y=tips[:, 1],
                z=tips[:, 2],
                u=dirs[:, 0],
                v=dirs[:, 1],
                w=dirs[:, 2],
                anchor="tip",
                sizemode="absolute",
                sizeref=0.09,
                colorscale=[[0, "#111"], [1, "#111"]],
                showscale=False,
                showlegend=False,
                customdata=bend,
                hovertemplate="bent by %{customdata:.1f} deg<extra></extra>",
            )
        )
    dead = ~alive
    if np.any(dead):
        traces.append(
            dict(
                type="scatter3d",
                x=pts[dead, 0] * 1.02,
                y=pts[dead, 1] * 1.02,
                z=pts[dead, 2] * 1.02,
                mode="markers",
                marker=dict(size=5, color="#e377c2", symbol="x"),
                name=f"{name}(v) = 0 (direction lost)",
            )
        )
    return go.Figure(
        data=traces,
        layout=_layout(
            title=title, height=height, scene=_scene(1.45, eye=(1.9, 0.5, -0.9)), legend=dict(x=0.0, y=0.02)
        ),
    )


def error_vs_angle_figure(
    angles_deg: ArrayLike,
    curves: Mapping[str, ArrayLike],
    *,
    title: str | None = None,
    floor: float = style.FLOOR,
    height: int = 430,
    marker_deg: float | None = None,
) -> go.Figure:
    """Equivariance error against rotation angle, log scale; exact zeros are drawn at ``floor``.

    ``curves`` maps a legend name to values (same length as ``angles_deg``); names containing "ReLU" are
    drawn warm, "norm" cool. A grey band marks float64 rounding (1e-16 .. 1e-14).
    """
    a = np.asarray(angles_deg, dtype=np.float64)
    palette = [COLORS["relu"], COLORS["relu_rot"], COLORS["norm"], COLORS["norm_rot"], COLORS["tanh"], "#9467bd"]
    traces = []
    for k, (name, vals) in enumerate(curves.items()):
        y = np.asarray(vals, dtype=np.float64)
        if y.shape != a.shape:
            raise ValueError(f"curve {name!r} has shape {y.shape}, angles have {a.shape}")
        low, mean = name.lower(), "mean" in name.lower()
        if "relu" in low:
            color = COLORS["relu_rot"] if mean else COLORS["relu"]
        elif "norm" in low:
            color = COLORS["norm_rot"] if mean else COLORS["norm"]
        else:
            color = palette[k % len(palette)]
        traces.append(
            dict(
                type="scatter",
                x=a,
                y=style.log_floor(y, floor),
                mode="lines",
                name=name,
                line=dict(color=color, width=4, dash="dot" if mean else "solid"),
                hovertemplate="%{x:.1f} deg: %{y:.3g}<extra>" + name + "</extra>",
            )
        )
    shapes = [
        dict(
            type="rect",
            xref="paper",
            x0=0,
            x1=1,
            yref="y",
            y0=style.FLOOR,
            y1=1e-14,
            fillcolor="#e8e8e8",
            opacity=0.6,
            line_width=0,
            layer="below",
        )
    ]
    if marker_deg is not None:
        shapes.append(
            dict(
                type="line",
                xref="x",
                x0=float(marker_deg),
                x1=float(marker_deg),
                yref="paper",
                y0=0,
                y1=1,
                line=dict(color="#444", width=2, dash="dash"),
            )
        )
    layout = _layout(
        title=title,
        height=height,
        shapes=shapes,
        annotations=[
            dict(
                x=float(a.max()) if a.size else 360,
                y=np.log10(3e-15),
                xanchor="right",
                showarrow=False,
                text="float64 rounding",
                font=dict(size=14, color="#666"),
            )
        ],
        xaxis=dict(
            title=dict(text="rotation angle (degrees)", font=dict(size=17)),
            dtick=45,
            range=[float(a.min()), float(a.max())] if a.size else None,
            tickfont=dict(size=15),
        ),
        yaxis=dict(
            type="log",
            title=dict(text="max |f(Rv) - R f(v)|", font=dict(size=17)),
            exponentformat="power",
            range=[-17.2, 1.0],
            tickfont=dict(size=15),
        ),
        legend=dict(orientation="h", y=-0.22, x=0.0),
    )
    return go.Figure(data=traces, layout=layout)


def parity_trap_figure(
    rows: Sequence[ParityTrapRow],
    *,
    s_max: float = 3.0,
    acts: Sequence[str] = ("relu", "tanh"),
    height: int = 460,
    title: str | None = None,
    floor: float = style.FLOOR,
) -> go.Figure:
    """The parity trap: for a pseudo-scalar ``s`` (``0o``), inversion maps ``s -> -s``.

    Left panels (one per activation in ``acts``): ``f(-s)`` (apply f after inverting) against ``-f(s)``
    (invert after f); they coincide only for odd f. Right panel: measured errors under SO(3) (always 0:
    rotations do not touch a pseudo-scalar) and under O(3), log scale.
    """
    k = len(acts)
    doms = style.panel_domains([1.0] * k + [1.3], 0.07)
    s = np.linspace(-s_max, s_max, 241)
    traces: list[dict] = []
    axes: dict = {}
    for c, a in enumerate(acts, start=1):
        f = ACTIVATIONS[a]
        ax = "" if c == 1 else str(c)
        traces.append(
            dict(
                type="scatter",
                x=s,
                y=f(-s),
                name="f(-s): act on the inverted input",
                legendgroup="a",
                showlegend=c == 1,
                line=dict(color=COLORS["relu"], width=5),
                xaxis=f"x{ax}",
                yaxis=f"y{ax}",
            )
        )
        traces.append(
            dict(
                type="scatter",
                x=s,
                y=-f(s),
                name="-f(s): invert the output",
                legendgroup="b",
                showlegend=c == 1,
                line=dict(color=COLORS["norm"], width=4, dash="dash"),
                xaxis=f"x{ax}",
                yaxis=f"y{ax}",
            )
        )
        axes[f"xaxis{ax}"] = dict(_AXIS_STYLE, domain=doms[c - 1], anchor=f"y{ax}", title=dict(text="pseudo-scalar s"))
        axes[f"yaxis{ax}"] = dict(_AXIS_STYLE, anchor=f"x{ax}")
    b = str(k + 1)
    names = [r.act for r in rows]
    traces.append(
        dict(
            type="bar",
            x=names,
            y=style.log_floor([r.so3_error for r in rows], floor),
            name="SO(3) test (rotations)",
            marker_color="#8c8c8c",
            text=[f"{r.so3_error:.1g}" for r in rows],
            textposition="outside",
            xaxis=f"x{b}",
            yaxis=f"y{b}",
        )
    )
    traces.append(
        dict(
            type="bar",
            x=names,
            y=style.log_floor([r.o3_error for r in rows], floor),
            name="O(3) test (with inversion)",
            marker_color="#9467bd",
            text=[f"{r.o3_error:.2g}" for r in rows],
            textposition="outside",
            xaxis=f"x{b}",
            yaxis=f"y{b}",
        )
    )
    axes[f"xaxis{b}"] = dict(_AXIS_STYLE, domain=doms[k], anchor=f"y{b}")
    axes[f"yaxis{b}"] = dict(_AXIS_STYLE, anchor=f"x{b}", type="log", range=[-17.5, 2.5], exponentformat="power")
    titles = [f"{a}: f(-s) vs -f(s)" for a in acts] + ["error: SO(3) test vs O(3) test"]
    layout = _layout(
        title=title,
        height=height,
        barmode="group",
        legend=dict(orientation="h", y=-0.2, x=0.0),
        annotations=[style.panel_title(t, d) for t, d in zip(titles, doms)],
        **axes,
    )
    return go.Figure(data=traces, layout=layout)


def depth_figure(
    theta_in: ArrayLike,
    theta_relu: ArrayLike,
    theta_norm: ArrayLike,
    steps: Sequence[tuple[str, str, int]],
    *,
    fit: tuple[float, float, float] | None = None,
    height: int = 620,
    title: str | None = None,
) -> go.Figure:
    """The depth argument in one picture.

    Left: what one layer does to a direction in the x-y plane (output angle vs input angle): the norm
    nonlinearity is the identity line, ReLU flattens whole quadrants onto the axes and loses the third.
    Right: the blocks an equivariant network stacks to do what one ReLU does (given reference axes as extra
    features), with their multiply-adds; ``fit`` = (gain, rms residual, rms) of the best equivariant imitation
    without axes, written under the diagram.
    """
    ti = np.degrees(np.asarray(theta_in, dtype=np.float64))
    tr = np.degrees(np.asarray(theta_relu, dtype=np.float64))
    tn = np.degrees(np.asarray(theta_norm, dtype=np.float64))
    doms = style.panel_domains([0.45, 0.55], 0.06)
    traces = [
        dict(
            type="scatter",
            x=ti,
            y=tn,
            name="norm nonlinearity (keeps every direction)",
            line=dict(color=COLORS["norm"], width=6),
        ),
        dict(
            type="scatter",
            x=ti,
            y=tr,
            name="ReLU (snaps quadrants to axes; loses 180-270)",
            line=dict(color=COLORS["relu"], width=5),
            connectgaps=False,
        ),
    ]
    # right: a pipeline of boxes, drawn in the second axes' data coordinates
    xref, yref = "x2", "y2"
    n = len(steps)
    total = sum(int(c) for _, _, c in steps)
    boxes = (
        [("input: v and reference axes e1, e2, e3", "4 x 1o", None)]
        + list(steps)
        + [("output: ReLU(v) in that frame", "1o", None)]
    )
    ys = np.linspace(0.94, 0.10, len(boxes))
    half = 0.062
    shapes, notes = (
        [],
        [
            style.panel_title("one layer, one direction: angle out vs angle in", doms[0]),
            style.panel_title("to imitate ONE ReLU layer equivariantly", doms[1]),
        ],
    )
    for i, (name, sig, cost) in enumerate(boxes):
        y = float(ys[i])
        is_step = cost is not None
        shapes.append(
            dict(
                type="rect",
                x0=0.02,
                x1=0.98,
                y0=y - half,
                y1=y + half,
                xref=xref,
                yref=yref,
                line=dict(color=COLORS["norm"] if is_step else "#777", width=2),
                fillcolor="#e8f0fb" if is_step else "#f2f2f2",
            )
        )
        label = f"<b>{name}</b><br><span style='font-size:13px'>{sig}"
        label += f"   ·   {cost} mult-adds</span>" if is_step else "</span>"
        notes.append(dict(x=0.5, y=y, xref=xref, yref=yref, text=label, showarrow=False, font=dict(size=15)))
        if i + 1 < len(boxes):
            notes.append(
                dict(
                    x=0.5,
                    y=float(ys[i + 1]) + half,
                    ax=0.5,
                    ay=y - half,
                    xref=xref,
                    yref=yref,
                    axref=xref,
                    ayref=yref,
                    showarrow=True,
                    arrowhead=3,
                    arrowsize=1.2,
                    arrowwidth=2,
                    arrowcolor="#777",
                    text="",
                )
            )
    note = f"{n} equivariant blocks, {total} mult-adds   vs   plain ReLU: 1 block, 3 comparisons"
    if fit is not None:
        note += f"<br>no axes: best equivariant map {fit[0]:.2f}·v, RMS error {fit[1]:.2f} of {fit[2]:.2f}"
    notes.append(
        dict(x=0.5, y=-0.02, xref=xref, yref=yref, text=note, showarrow=False, font=dict(size=14, color="#a00"))
    )
    layout = _layout(
        title=title,
        height=height,
        shapes=shapes,
        annotations=notes,
        legend=dict(orientation="h", y=-0.18, x=0.0),
        xaxis=dict(domain=doms[0], anchor="y", title=dict(text="input direction (deg)"), dtick=90, range=[0, 360]),
        yaxis=dict(anchor="x", title=dict(text="output direction (deg)"), dtick=90, range=[-10, 370]),
        xaxis2=dict(domain=doms[1], anchor="y2", visible=False, range=[0, 1]),
        yaxis2=dict(anchor="x2", visible=False, range=[-0.09, 1.01]),
    )
    return go.Figure(data=traces, layout=layout)
