"""Figures of the molecular-dynamics lesson (plotly builders only: arrays in, ``go.Figure`` out; no math, no torch).

* :func:`trajectory_animation` -- the molecule moving in 3D, one panel per model (the reference beside them), as
  client-side plotly frames with a play button and a slider: playing never calls the server.
* :func:`energy_figure` -- total, potential and kinetic energy against time, per model.
* :func:`bond_histogram_figure` -- bond-length (or angle) histograms of each model against the reference.
* :func:`averaging_figure` -- rotational averaging: invariance error and cost against ``k``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import plotly.graph_objects as go
from numpy.typing import ArrayLike, NDArray
from plotly.subplots import make_subplots

from .style import font, layout

__all__ = [
    "MODEL_COLORS",
    "ELEMENT_COLORS",
    "Panel",
    "EnergySeries",
    "model_color",
    "trajectory_animation",
    "energy_figure",
    "bond_histogram_figure",
    "averaging_figure",
]

MODEL_COLORS = {
    "xtb": "#222222",
    "nequip": "#2c6fbb",
    "tensornet": "#2a9d8f",
    "transformer": "#e09f3e",
    "transformer-direct": "#d1495b",
}
_EXTRA = ("#7b2cbf", "#6a994e", "#bc6c25", "#577590")
#: CPK-like colours and drawn sizes (px) by atomic number.
ELEMENT_COLORS = {1: ("#e8e8e8", 7), 6: ("#404040", 11), 7: ("#3050f8", 11), 8: ("#e03030", 11)}


def model_color(name: str) -> str:
    """A fixed colour per model kind (``kind@avgK`` shares its kind's colour)."""
    base = name.split("@")[0]
    if base in MODEL_COLORS:
        return MODEL_COLORS[base]
    return _EXTRA[sum(map(ord, base)) % len(_EXTRA)]


@dataclass(frozen=True)
class Panel:
    """One animated panel: a title and its frames ``(F, n, 3)`` (every panel of a figure has the same ``F``)."""

    title: str
    frames: NDArray[np.floating]


@dataclass(frozen=True)
class EnergySeries:
    """One model's energies at logged times (eV), for :func:`energy_figure`."""

    name: str
    t_ps: NDArray[np.floating]
    potential: NDArray[np.floating]
    kinetic: NDArray[np.floating]


def _bond_xyz(x: NDArray[np.floating], bonds: NDArray[np.integer]) -> tuple[list, list, list]:
    xs: list = []
    ys: list = []
    zs: list = []
    for i, j in bonds:
        xs += [float(x[i, 0]), float(x[j, 0]), None]
        ys += [float(x[i, 1]), float(x[j, 1]), None]
        zs += [float(x[i, 2]), float(x[j, 2]), None]
    return xs, ys, zs


def trajectory_animation(
    panels: Sequence[Panel],
    numbers: ArrayLike,
    bonds: ArrayLike,
    times_ps: ArrayLike,
    *,
    title: str | None = None,
    frame_ms: int = 80,
    height: int = 420,
) -> go.Figure:
    """The molecule moving, one 3D scene per panel side by side, animated client-side.

    Every frame of every panel is in the figure (``fig.frames``): the play button and the slider are plotly's own
    ``animate`` calls, so playing and scrubbing never rerun the Streamlit script. Bonds are those of the starting
    frame (a broken bond shows as a long stick). Axes are fixed over the whole run (no rescaling per frame).
    """
    nums = np.asarray(numbers)
    b = np.asarray(bonds, dtype=int).reshape(-1, 2)
    t = np.asarray(times_ps, dtype=float)
    if not panels:
        raise ValueError("need at least one panel")
    n_frames = panels[0].frames.shape[0]
    if any(p.frames.shape[0] != n_frames for p in panels) or len(t) != n_frames:
        raise ValueError("every panel needs the same number of frames, one time per frame")
    if len(panels) > 6:
        raise ValueError(f"at most 6 panels, got {len(panels)}")
    colors = [ELEMENT_COLORS.get(int(z), ("#b070d0", 10))[0] for z in nums]
    sizes = [ELEMENT_COLORS.get(int(z), ("#b070d0", 10))[1] for z in nums]
    all_x = np.concatenate([p.frames.reshape(-1, 3) for p in panels])
    centre = np.asarray(panels[0].frames[0]).mean(axis=0)
    half = float(np.clip(np.abs(all_x - centre).max() + 0.4, 2.0, 12.0))
    gap = 0.01
    w = (1 - gap * (len(panels) - 1)) / len(panels)
    lay = layout(title=title, height=height, showlegend=False, margin={"b": 90})
    data = []
    annotations = []
    for k, p in enumerate(panels):
        scene = "scene" if k == 0 else f"scene{k + 1}"
        x0 = k * (w + gap)
        axis = {"range": [-half, half], "visible": False}
        lay[scene] = {
            "domain": {"x": [x0, x0 + w], "y": [0.0, 0.92]},
            "xaxis": {**axis, "range": [centre[0] - half, centre[0] + half]},
            "yaxis": {**axis, "range": [centre[1] - half, centre[1] + half]},
            "zaxis": {**axis, "range": [centre[2] - half, centre[2] + half]},
            "aspectmode": "cube",
            "camera": {"eye": {"x": 1.2, "y": 1.2, "z": 0.9}},
        }
        annotations.append(
            {
                "text": f"<b>{p.title}</b>",
                "x": x0 + w / 2,
                "y": 1.0,
                "xref": "paper",
                "yref": "paper",
                "showarrow": False,
                "font": font(14),
                "xanchor": "center",
                "yanchor": "top",
            }
        )
        x = np.asarray(p.frames[0])
        bx, by, bz = _bond_xyz(x, b)
        data.append(
            go.Scatter3d(
                x=bx, y=by, z=bz, mode="lines", line={"color": "#888", "width": 6}, hoverinfo="skip", scene=scene
            )
        )
        data.append(
            go.Scatter3d(
                x=x[:, 0],
                y=x[:, 1],
                z=x[:, 2],
                mode="markers",
                scene=scene,
                marker={"color": colors, "size": sizes, "line": {"color": "#333", "width": 1}},
                hoverinfo="skip",
            )
        )
    lay["annotations"] = annotations
    frames = []
    names = [f"{i}" for i in range(n_frames)]
    for i in range(n_frames):
        fdata = []
        for p in panels:
            x = np.asarray(p.frames[i])
            bx, by, bz = _bond_xyz(x, b)
            fdata.append({"type": "scatter3d", "x": bx, "y": by, "z": bz})
            fdata.append({"type": "scatter3d", "x": x[:, 0].tolist(), "y": x[:, 1].tolist(), "z": x[:, 2].tolist()})
        frames.append(go.Frame(data=fdata, traces=list(range(2 * len(panels))), name=names[i]))
    anim = {
        "frame": {"duration": frame_ms, "redraw": True},
        "transition": {"duration": 0},
        "fromcurrent": True,
        "mode": "immediate",
    }
    lay["updatemenus"] = [
        {
            "type": "buttons",
            "direction": "left",
            "x": 0.0,
            "y": 0.0,
            "xanchor": "left",
            "yanchor": "top",
            "pad": {"t": 12, "r": 10},
            "showactive": False,
            "font": {"size": 15},
            "buttons": [
                {"label": "▶ play", "method": "animate", "args": [None, anim]},
                {
                    "label": "❚❚ pause",
                    "method": "animate",
                    "args": [
                        [None],
                        {"frame": {"duration": 0, "redraw": False}, "transition": {"duration": 0}, "mode": "immediate"},
                    ],
                },
            ],
        }
    ]
    lay["sliders"] = [
        {
            "active": 0,
            "x": 0.24,
            "len": 0.76,
            "y": 0.0,
            "yanchor": "top",
            "pad": {"t": 12},
            "currentvalue": {"prefix": "t = ", "suffix": " ps", "font": {"size": 15}, "xanchor": "right"},
            "font": {"size": 10},
            "transition": {"duration": 0},
            "steps": [
                {
                    "method": "animate",
                    "label": f"{t[i]:.2f}",
                    "args": [
                        [names[i]],
                        {"frame": {"duration": 0, "redraw": True}, "transition": {"duration": 0}, "mode": "immediate"},
                    ],
                }
                for i in range(n_frames)
            ],
        }
    ]
    return go.Figure(data=data, layout=lay, frames=frames)


def energy_figure(
    series: Sequence[EnergySeries], *, n_atoms: int, title: str | None = None, height: int = 560
) -> go.Figure:
    """Total, potential and kinetic energy (eV/atom, each relative to its value at t = 0) against time.

    A conservative model integrated well keeps the top curve flat while the other two trade energy; a drift or a
    jump in the top panel is energy created or destroyed by the forces or the integrator.
    """
    fig = make_subplots(
        rows=3,
        cols=1,
        shared_xaxes=True,
        vertical_spacing=0.06,
        subplot_titles=("total energy E − E(0)", "potential energy", "kinetic energy"),
    )
    for s in series:
        c = model_color(s.name)
        tot = (np.asarray(s.potential) + np.asarray(s.kinetic)) / n_atoms
        pot = np.asarray(s.potential) / n_atoms
        kin = np.asarray(s.kinetic) / n_atoms
        for row, y in ((1, tot - tot[0]), (2, pot - pot[0]), (3, kin - kin[0])):
            fig.add_trace(
                go.Scatter(
                    x=s.t_ps,
                    y=y,
                    mode="lines",
                    name=s.name,
                    legendgroup=s.name,
                    showlegend=row == 1,
                    line={"color": c, "width": 1.8},
                ),
                row=row,
                col=1,
            )
    fig.update_layout(
        **layout(
            title=title,
            height=height,
            template="plotly_white",
            legend={"orientation": "h", "yanchor": "bottom", "y": 1.04, "x": 0.0},
        )
    )
    for row in (1, 2, 3):
        fig.update_yaxes(title_text="eV/atom", row=row, col=1)
    fig.update_xaxes(title_text="time (ps)", row=3, col=1)
    return fig


def bond_histogram_figure(
    bins: ArrayLike,
    hists: Sequence[tuple[str, ArrayLike]],
    reference: ArrayLike | None,
    *,
    xlabel: str = "bond length (Å)",
    title: str | None = None,
    height: int = 380,
) -> go.Figure:
    """Normalised histograms (densities) of each model, the reference as a grey filled area."""
    edges = np.asarray(bins, dtype=float)
    centres = (edges[:-1] + edges[1:]) / 2
    width = np.diff(edges)

    def density(h: ArrayLike) -> NDArray[np.floating]:
        h = np.asarray(h, dtype=float)
        total = h.sum()
        return h / (total * width) if total > 0 else h

    data = []
    if reference is not None:
        data.append(
            go.Scatter(
                x=centres,
                y=density(reference),
                mode="lines",
                name="GFN2-xTB (reference)",
                line={"color": "#999", "width": 0, "shape": "hvh"},
                fill="tozeroy",
                fillcolor="rgba(120,120,120,0.35)",
            )
        )
    for name, h in hists:
        data.append(
            go.Scatter(
                x=centres,
                y=density(h),
                mode="lines",
                name=name,
                line={"color": model_color(name), "width": 1.8, "shape": "hvh"},
            )
        )
    lay = layout(
        title=title,
        height=height,
        template="plotly_white",
        xaxis={"title": {"text": xlabel}},
        yaxis={"title": {"text": "density"}},
        legend={"orientation": "h", "yanchor": "bottom", "y": 1.02, "x": 0.0},
    )
    return go.Figure(data=data, layout=lay)


def averaging_figure(
    k: ArrayLike,
    error_eV: ArrayLike,
    ms_per_call: ArrayLike,
    *,
    bare_error_eV: float,
    bare_ms: float,
    quadrature: tuple[int, float, float] | None = None,
    selected_k: int | None = None,
    title: str | None = None,
    height: int = 380,
) -> go.Figure:
    """Left: max |E(Rx) − E(x)| against k (log-log), the bare model dashed; right: ms per evaluation against k.

    ``quadrature = (k, error, ms)`` adds the icosahedral group as a diamond; ``selected_k`` rings that point.
    """
    ks = np.asarray(k, dtype=float)
    err = np.asarray(error_eV, dtype=float)
    ms = np.asarray(ms_per_call, dtype=float)
    fig = make_subplots(
        rows=1,
        cols=2,
        horizontal_spacing=0.12,
        subplot_titles=("rotation error of the averaged model", "cost per evaluation"),
    )
    fig.add_trace(
        go.Scatter(x=ks, y=err, mode="lines+markers", name="k random rotations", line={"color": "#e09f3e"}),
        row=1,
        col=1,
    )
    fig.add_trace(
        go.Scatter(
            x=[ks.min(), ks.max()],
            y=[bare_error_eV] * 2,
            mode="lines",
            name="no averaging",
            line={"color": "#555", "dash": "dash"},
        ),
        row=1,
        col=1,
    )
    fig.add_trace(
        go.Scatter(x=ks, y=ms, mode="lines+markers", name="ms per call", showlegend=False, line={"color": "#e09f3e"}),
        row=1,
        col=2,
    )
    fig.add_trace(
        go.Scatter(
            x=[ks.min(), ks.max()],
            y=[bare_ms] * 2,
            mode="lines",
            showlegend=False,
            line={"color": "#555", "dash": "dash"},
        ),
        row=1,
        col=2,
    )
    if quadrature is not None:
        qk, qe, qm = quadrature
        fig.add_trace(
            go.Scatter(
                x=[qk],
                y=[qe],
                mode="markers",
                name="icosahedral group (60)",
                marker={"symbol": "diamond", "size": 12, "color": "#7b2cbf"},
            ),
            row=1,
            col=1,
        )
        fig.add_trace(
            go.Scatter(
                x=[qk],
                y=[qm],
                mode="markers",
                showlegend=False,
                marker={"symbol": "diamond", "size": 12, "color": "#7b2cbf"},
            ),
            row=1,
            col=2,
        )
    if selected_k is not None and selected_k in ks:
        i = int(np.nonzero(ks == selected_k)[0][0])
        ring = {"symbol": "circle-open", "size": 18, "color": "#d1495b", "line": {"width": 3}}
        fig.add_trace(
            go.Scatter(x=[ks[i]], y=[err[i]], mode="markers", name=f"k = {selected_k}", marker=ring), row=1, col=1
        )
        fig.add_trace(go.Scatter(x=[ks[i]], y=[ms[i]], mode="markers", showlegend=False, marker=ring), row=1, col=2)
    fig.update_layout(
        **layout(
            title=title,
            height=height,
            template="plotly_white",
            legend={"orientation": "h", "yanchor": "bottom", "y": 1.08, "x": 0.0},
        )
    )
    fig.update_xaxes(type="log", title_text="k (rotations averaged)")
    fig.update_yaxes(type="log", title_text="max |ΔE| (eV)", row=1, col=1)
    fig.update_yaxes(type="log", title_text="ms", row=1, col=2)
    return fig
