"""Plotly figures of the Tetris lesson (builders only: the data come from :mod:`equi_core.lessons.tetris`).

* :func:`pieces_figure` -- the pieces as unit cubes in 3D (one scene each), the chiral pair in red and labelled;
* :func:`accuracy_figure` -- test accuracy over random rotations vs augmented copies (MLP, error bars = std over
  seeds) against the equivariant network (one orientation, no augmentation);
* :func:`allowed_figure` -- the allowed-output table: fixed-subspace dimension per piece and output irrep (0 = the
  output is impossible for that piece);
* :func:`projector_figure` -- one projector matrix ``P = mean_g D(g)`` as a heatmap.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import plotly.graph_objects as go
from plotly.subplots import make_subplots

from .style import BLUE, RED, layout

__all__ = ["pieces_figure", "accuracy_figure", "allowed_figure", "projector_figure"]

GREY = "#7f8c8d"


def pieces_figure(
    meshes: Sequence[Mapping[str, Any]],
    names: Sequence[str],
    chiral: Sequence[bool],
    *,
    columns: int = 4,
    height: int = 460,
    title: str | None = None,
) -> go.Figure:
    """One 3D scene per piece (cubes from ``piece_mesh``); chiral pieces red with "(chiral)" in the subtitle."""
    n = len(meshes)
    rows = (n + columns - 1) // columns
    fig = make_subplots(
        rows=rows,
        cols=columns,
        specs=[[{"type": "scene"}] * columns for _ in range(rows)],
        subplot_titles=[f"{nm}{' (chiral)' if c else ''}" for nm, c in zip(names, chiral)],
        horizontal_spacing=0.01,
        vertical_spacing=0.06,
    )
    for k, (m, nm, c) in enumerate(zip(meshes, names, chiral)):
        v, f = m["vertices"], m["faces"]
        fig.add_trace(
            go.Mesh3d(
                x=v[:, 0],
                y=v[:, 1],
                z=v[:, 2],
                i=f[:, 0],
                j=f[:, 1],
                k=f[:, 2],
                color=RED if c else BLUE,
                opacity=0.9,
                flatshading=True,
                name=nm,
                hovertext=nm,
                hoverinfo="text",
                showscale=False,
            ),
            row=k // columns + 1,
            col=k % columns + 1,
        )
    axis = {"visible": False, "range": [-2.35, 2.35]}  # a centred, turned piece reaches at most 1.5 + 0.8 (line)
    camera = {"eye": {"x": 0.95, "y": 0.95, "z": 0.75}}
    scenes: dict[str, Any] = {
        f"scene{'' if k == 0 else k + 1}": {
            "xaxis": axis,
            "yaxis": axis,
            "zaxis": axis,
            "aspectmode": "cube",
            "camera": camera,
        }
        for k in range(n)
    }
    fig.update_layout(**layout(title=title, height=height, showlegend=False))
    fig.update_layout(scenes)
    return fig


def accuracy_figure(
    summary: Sequence[Mapping[str, Any]],
    held_out: bool = True,
    *,
    height: int = 400,
    title: str | None = "Accuracy on 8 pieces in random orientations",
) -> go.Figure:
    """MLP accuracy vs augmented copies (mean ± std over seeds, log-ish x via ``copies + 1``) and the equivariant
    network's mean ± std as a band; with ``held_out`` a 7/8 line marks "all but the never-seen mirror piece"."""
    mlp = sorted([s for s in summary if s["model"] == "mlp"], key=lambda s: s["copies"])
    eq = [s for s in summary if s["model"] == "equivariant"]
    fig = go.Figure()
    if mlp:
        x = [s["copies"] + 1 for s in mlp]
        fig.add_trace(
            go.Scatter(
                x=x,
                y=[s["mean"] for s in mlp],
                mode="lines+markers",
                name="MLP on coordinates",
                line={"color": RED},
                error_y={"type": "data", "array": [s["std"] for s in mlp]},
                customdata=[[s["copies"], s["n_seeds"]] for s in mlp],
                hovertemplate="copies %{customdata[0]}: %{y:.3f} (%{customdata[1]} seeds)<extra></extra>",
            )
        )
        fig.add_trace(
            go.Scatter(
                x=x,
                y=[s["mean_other_pieces"] for s in mlp],
                mode="lines+markers",
                name="MLP, the 7 pieces other than chiral 1",
                line={"color": RED, "dash": "dot"},
                error_y={"type": "data", "array": [s["std_other_pieces"] for s in mlp]},
            )
        )
    if eq:
        e = eq[0]
        xs = [1, max([s["copies"] + 1 for s in mlp] + [2])]
        fig.add_trace(
            go.Scatter(
                x=xs,
                y=[e["mean"]] * 2,
                mode="lines",
                line={"color": BLUE, "width": 3},
                name=f"equivariant net, 1 orientation ({e['n_seeds']} seeds)",
                error_y={"type": "data", "array": [e["std"]] * 2},
            )
        )
    if held_out:
        fig.add_hline(
            y=7 / 8,
            line={"color": GREY, "dash": "dash"},
            annotation_text="7/8: all but the never-seen mirror piece",
            annotation_position="top left",
        )
    fig.update_layout(
        **layout(
            title=title,
            height=height,
            xaxis={"title": "randomly rotated training copies per piece + 1", "type": "log"},
            yaxis={"title": "accuracy", "range": [-0.02, 1.05]},
            legend={"orientation": "h", "y": -0.25},
        )
    )
    return fig


def allowed_figure(
    pieces: Sequence[str],
    groups: Sequence[str],
    irreps: Sequence[str],
    dims: Sequence[Sequence[int]],
    irrep_dims: Sequence[int],
    *,
    height: int = 380,
    title: str | None = "Fixed-subspace dimension (0 = impossible output)",
) -> go.Figure:
    """Heatmap ``dims[piece][irrep]`` with each cell showing ``k / (2l+1)``; zeros in grey."""
    z = [[float(v) for v in row] for row in dims]
    text = [[f"{int(v)}/{d}" for v, d in zip(row, irrep_dims)] for row in dims]
    fig = go.Figure(
        go.Heatmap(
            z=z,
            x=list(irreps),
            y=[f"{p} ({g})" for p, g in zip(pieces, groups)],
            text=text,
            texttemplate="%{text}",
            colorscale=[[0, "#eeeeee"], [1e-9, "#c6dbef"], [1, BLUE]],
            showscale=False,
            hovertemplate="%{y}, %{x}: %{text}<extra></extra>",
        )
    )
    fig.update_layout(
        **layout(
            title=title,
            height=height,
            yaxis={"autorange": "reversed"},
            xaxis={"title": "output irrep", "side": "bottom"},
        )
    )
    return fig


def projector_figure(
    P: Sequence[Sequence[float]], labels: Sequence[str], *, height: int = 320, title: str | None = None
) -> go.Figure:
    """The projector as a diverging heatmap with values in the cells."""
    z = [[float(v) for v in row] for row in P]
    fig = go.Figure(
        go.Heatmap(
            z=z,
            x=list(labels),
            y=list(labels),
            zmin=-1,
            zmax=1,
            colorscale="RdBu",
            reversescale=True,
            text=[[f"{v:.3g}" for v in row] for row in z],
            texttemplate="%{text}",
            showscale=False,
        )
    )
    fig.update_layout(**layout(title=title, height=height, yaxis={"autorange": "reversed"}))
    return fig
