"""Figures for "rotations act on irrep blocks": matrices as heat-maps, features in 3D, the commuting square.

Every builder is pure: it takes numbers (numpy arrays, labels) and returns a ``plotly.graph_objects.Figure``;
the only math it does is *drawing* math (a signed spherical function on a grid, arrow geometry). Coordinates are
the Lab's (e3nn's): y is the polar axis of the spherical harmonics, so 3D scenes are drawn with y pointing up.
The data they draw comes from the core (the point clouds from :mod:`equi_core.lessons.molecules`, the commuting square and
the deliberately wrong ``D`` from :mod:`equi_core.lessons.irreps_rotations`); the look from :mod:`equi_core.viz.style`.

Invariants the tests check
--------------------------
* A block of degree ``l >= 2`` is drawn as the signed surface ``|f(n)| n`` of ``f = sum_m c_m Y^l_m`` ('norm'
  harmonics); in :func:`feature_scene` the surface of the rotated coefficients ``D^l(R) c`` is the surface of ``c``
  turned by ``R``.
* :func:`feature_scene` draws exactly one 3D scene, whatever the number of blocks.
* :func:`rotation_animation` has one frame per angle, each with the same number of traces as the base figure.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import plotly.graph_objects as go
from numpy.typing import ArrayLike, NDArray

from ..o3.sphere import latlong_grid
from ..o3.spherical_harmonics import spherical_harmonics
from . import style
from .style import BLUE, DIVERGING, FLOOR, RED, SIGNED_SURFACE, log_floor, panel_title, typed_array

__all__ = [
    "FeatureBlock",
    "SIGN_COLORS",
    "matrix_latex",
    "matrix_heatmap",
    "matrices_row",
    "block_diagonal_heatmap",
    "sphere_directions",
    "feature_scene",
    "rotation_animation",
    "point_cloud_scene",
    "commuting_square_figure",
    "equivariance_error_bars",
]

Array = NDArray[np.float64]

#: Colours of a signed spherical function: sign(f) < 0 and sign(f) > 0.
SIGN_COLORS: tuple[str, str] = (BLUE, RED)
_MAX_TEXT_CELLS = 12  # matrices up to this size show their numbers in the cells


def _fmt(v: float, digits: int) -> str:
    s = f"{v:.{digits}f}"
    if float(s) == 0.0:
        s = f"{0.0:.{digits}f}"  # no "-0.000"
    return s


def matrix_latex(M: ArrayLike, digits: int = 3) -> str:
    r"""A LaTeX ``bmatrix`` of a real matrix, entries rounded to ``digits`` decimals (no ``-0``).

    Raises
    ------
    ValueError
        If ``M`` is not a finite 2D array or ``digits`` is not in 0..12.
    """
    A = np.asarray(M, dtype=np.float64)
    if A.ndim != 2 or not np.all(np.isfinite(A)):
        raise ValueError(f"matrix_latex needs a finite 2D array, got shape {A.shape}")
    if not 0 <= int(digits) <= 12:
        raise ValueError(f"digits must be in 0..12, got {digits}")
    rows = [" & ".join(_fmt(v, digits) for v in row) for row in A]
    return r"\begin{bmatrix}" + r" \\ ".join(rows) + r"\end{bmatrix}"


def _check_matrix(M: ArrayLike, name: str) -> Array:
    A = np.asarray(M, dtype=np.float64)
    if A.ndim != 2 or A.size == 0 or not np.all(np.isfinite(A)):
        raise ValueError(f"{name} must be a finite non-empty 2D array, got shape {A.shape}")
    return A


def _heatmap_trace(
    M: Array,
    *,
    zmax: float,
    show_values: bool | None,
    row_labels: Sequence[str] | None = None,
    col_labels: Sequence[str] | None = None,
    showscale: bool = False,
    digits: int = 2,
    name: str = "",
    axis_suffix: str = "",
) -> dict:
    n_rows, n_cols = M.shape
    show = (max(n_rows, n_cols) <= _MAX_TEXT_CELLS) if show_values is None else show_values
    trace: dict = dict(
        type="heatmap",
        z=np.round(M, 6).tolist(),
        zmin=-zmax,
        zmax=zmax,
        zmid=0.0,
        colorscale=DIVERGING,
        showscale=showscale,
        hovertemplate="row %{y}, column %{x}: %{z:.6f}<extra>" + name + "</extra>",
        xgap=1,
        ygap=1,
        xaxis="x" + axis_suffix,
        yaxis="y" + axis_suffix,
    )
    if col_labels is not None:
        trace["x"] = list(col_labels)
    if row_labels is not None:
        trace["y"] = list(row_labels)
    if show:  # exact zeros stay blank, so the structure (blocks, sparsity) stands out
        trace["text"] = [["" if abs(v) < 1e-12 else _fmt(v, digits) for v in row] for row in M]
        trace["texttemplate"] = "%{text}"
        trace["textfont"] = dict(size=14 if max(n_rows, n_cols) <= 7 else 11)
    if showscale:
        trace["colorbar"] = dict(thickness=14, len=0.85, tickfont=dict(size=12))
    return trace


def _matrix_axes(suffix: str, *, domain: tuple[float, float], ticks: bool, side: str = "bottom") -> dict:
    """x/y axis dicts that draw a matrix with square cells, row 0 on top."""
    x: dict = dict(
        domain=list(domain),
        anchor="y" + suffix,
        constrain="domain",
        showgrid=False,
        zeroline=False,
        showticklabels=ticks,
        side=side,
        ticks="",
        tickfont=dict(size=12),
    )
    y: dict = dict(
        anchor="x" + suffix,
        autorange="reversed",
        scaleanchor="x" + suffix,
        constrain="domain",
        showgrid=False,
        zeroline=False,
        showticklabels=ticks,
        ticks="",
        tickfont=dict(size=12),
    )
    return {"xaxis" + suffix: x, "yaxis" + suffix: y}


def matrix_heatmap(
    M: ArrayLike,
    *,
    title: str | None = None,
    row_labels: Sequence[str] | None = None,
    col_labels: Sequence[str] | None = None,
    zmax: float | None = None,
    show_values: bool | None = None,
    digits: int = 2,
    height: int = 360,
) -> go.Figure:
    """One real matrix as a heat-map read like a matrix (row 0 at the top), zero in white.

    Parameters
    ----------
    M
        A finite real 2D array.
    zmax
        Colour range ``[-zmax, zmax]``; default ``max |M|`` (1 for an all-zero matrix).
    show_values
        Write the entries in the cells (default: when the matrix is at most 12 x 12).
    """
    A = _check_matrix(M, "matrix_heatmap's matrix")
    zmax = float(zmax) if zmax is not None else (float(np.abs(A).max()) or 1.0)
    trace = _heatmap_trace(
        A,
        zmax=zmax,
        show_values=show_values,
        row_labels=row_labels,
        col_labels=col_labels,
        showscale=True,
        digits=digits,
    )
    layout = style.layout(title=title, height=height, **_matrix_axes("", domain=(0.0, 1.0), ticks=True, side="top"))
    return go.Figure(data=[trace], layout=layout)


def matrices_row(
    items: Sequence[tuple[str, ArrayLike]],
    *,
    title: str | None = None,
    zmax: float | None = None,
    show_values: bool | None = None,
    digits: int = 2,
    height: int = 330,
    row_labels: Sequence[Sequence[str] | None] | None = None,
    col_labels: Sequence[Sequence[str] | None] | None = None,
) -> go.Figure:
    """Several real matrices side by side (one panel each, shared colour range), titled by their labels.

    Parameters
    ----------
    items
        ``(label, matrix)`` pairs; labels may use plotly's HTML subset (``D<sup>2</sup>``).
    zmax
        Shared colour range ``[-zmax, zmax]``; default the largest ``|entry|`` over all matrices.
    row_labels, col_labels
        Optional tick labels per panel (``None`` for index ticks).
    """
    if not items:
        raise ValueError("matrices_row needs at least one (label, matrix) pair")
    if len(items) > 12:
        raise ValueError(f"matrices_row draws at most 12 panels, got {len(items)}")
    mats = [_check_matrix(m, f"matrix {label!r}") for label, m in items]
    if zmax is None:
        zmax = max(float(np.abs(A).max()) for A in mats) or 1.0
    widths = np.array([A.shape[1] + 1.0 for A in mats])
    gap = 0.075 if row_labels else 0.05  # room for the next panel's row labels
    usable = 1.0 - gap * (len(mats) - 1) - 0.06  # leave room for the colour bar
    starts = np.concatenate([[0.0], np.cumsum(widths[:-1] / widths.sum() * usable + gap)])
    data, annotations = [], []
    layout = style.layout(title=title, height=height)
    for i, (A, (label, _)) in enumerate(zip(mats, items)):
        suffix = "" if i == 0 else str(i + 1)
        x0 = float(starts[i])
        x1 = x0 + float(widths[i] / widths.sum() * usable)
        data.append(
            _heatmap_trace(
                A,
                zmax=float(zmax),
                show_values=show_values,
                showscale=(i == len(mats) - 1),
                digits=digits,
                name=str(label),
                axis_suffix=suffix,
                row_labels=row_labels[i] if row_labels else None,
                col_labels=col_labels[i] if col_labels else None,
            )
        )
        axes = _matrix_axes(suffix, domain=(x0, x1), ticks=max(A.shape) <= 12)
        if row_labels and row_labels[i] is not None:
            axes["yaxis" + suffix]["type"] = "category"  # never let plotly read "0".."4" as numbers
        if col_labels and col_labels[i] is not None:
            axes["xaxis" + suffix]["type"] = "category"
        layout.update(axes)
        annotations.append(panel_title(str(label), (x0, x1), size=16))
    layout["annotations"] = annotations
    layout["margin"] = dict(l=10, r=10, t=(64 if title else 36), b=10)
    return go.Figure(data=data, layout=layout)


def block_diagonal_heatmap(
    D: ArrayLike,
    blocks: Sequence[tuple[str, slice]],
    *,
    title: str | None = None,
    show_values: bool | None = None,
    height: int = 520,
) -> go.Figure:
    """The block-diagonal ``D(R)`` of an ``Irreps`` as a heat-map with every diagonal block outlined and labelled.

    Parameters
    ----------
    D
        Square finite matrix, shape ``(dim, dim)``.
    blocks
        ``(label, slice)`` per block in order (e.g. ``("1o", slice(1, 4))``); the slices must tile ``0..dim``.

    Raises
    ------
    ValueError
        If ``D`` is not square and finite, or the slices do not tile its rows exactly.
    """
    A = _check_matrix(D, "D")
    if A.shape[0] != A.shape[1]:
        raise ValueError(f"D must be square, got shape {A.shape}")
    pos = 0
    for label, sl in blocks:
        if sl.start != pos or sl.stop <= sl.start or (sl.step not in (None, 1)):
            raise ValueError(f"block {label!r} {sl} does not continue the tiling at index {pos}")
        pos = sl.stop
    if pos != A.shape[0]:
        raise ValueError(f"the blocks cover {pos} rows but D has {A.shape[0]}")
    dim = A.shape[0]
    trace = _heatmap_trace(A, zmax=1.0, show_values=show_values, showscale=True, digits=2, name="D(R)")
    palette = ["#444444", "#7b3294", "#008837", "#e66101", "#2166ac", "#b2182b"]
    shapes, annotations = [], []
    for k, (label, sl) in enumerate(blocks):
        color = palette[k % len(palette)]
        shapes.append(
            dict(
                type="rect",
                xref="x",
                yref="y",
                x0=sl.start - 0.5,
                x1=sl.stop - 0.5,
                y0=sl.start - 0.5,
                y1=sl.stop - 0.5,
                line=dict(color=color, width=3),
            )
        )
        if len(blocks) <= 16:  # the label sits just right of the block's top row, over blank (zero) cells
            annotations.append(
                dict(
                    x=sl.stop - 0.5,
                    y=sl.start - 0.5,
                    xref="x",
                    yref="y",
                    text=f"<b>{label}</b>",
                    showarrow=False,
                    xanchor="left",
                    yanchor="top",
                    xshift=4,
                    yshift=-2,
                    font=dict(color=color, size=16 if dim <= 16 else 12),
                )
            )
    axes = _matrix_axes("", domain=(0.0, 1.0), ticks=dim <= 24, side="top")
    axes["xaxis"].update(range=[-0.5, dim - 0.5 + max(1.2, dim * 0.08)], dtick=1 if dim <= 24 else None)
    axes["yaxis"].update(autorange=None, range=[dim - 0.5, -0.5], dtick=1 if dim <= 24 else None)
    layout = style.layout(title=title, height=height, shapes=shapes, annotations=annotations, **axes)
    return go.Figure(data=[trace], layout=layout)


def sphere_directions(n_theta: int = 36, n_phi: int = 48) -> Array:
    """Unit vectors on a (polar angle, azimuth) grid about the y axis, shape ``(n_theta, n_phi, 3)``, read-only.

    The azimuth runs over ``n_phi`` points of ``[0, 2 pi]`` (first = last column, so surfaces close);
    the polar angle over ``n_theta`` points of ``[0, pi]`` (both poles included): the points of
    :func:`equi_core.sphere.latlong_grid` (cached there).
    """
    if not (2 <= n_theta <= 400 and 3 <= n_phi <= 800):
        raise ValueError(f"grid must have 2 <= n_theta <= 400 and 3 <= n_phi <= 800, got {n_theta} x {n_phi}")
    return latlong_grid(n_theta, n_phi).points


@lru_cache(maxsize=32)
def _sh_on_grid(l: int, n_theta: int, n_phi: int) -> Array:
    Y = spherical_harmonics(l, sphere_directions(n_theta, n_phi), normalization="norm")
    Y.setflags(write=False)
    return Y


def _shift(points: Array, center: Sequence[float]) -> Array:
    return points + np.asarray(center, dtype=np.float64)


def _lst(a: ArrayLike) -> list[float]:
    return [round(float(v), 4) for v in np.ravel(a)]


_NO_HIGHLIGHT = dict(x=dict(highlight=False), y=dict(highlight=False), z=dict(highlight=False))


def _block_traces(
    l: int,
    coeffs: Array,
    center: tuple[float, float, float],
    *,
    scale: float,
    grid: tuple[int, int],
    name: str,
) -> list[dict]:
    """Trace dicts of one irrep block at ``center`` (always the same number of traces for a given ``l``).

    l = 0: a sphere whose colour is the scalar's value; l = 1: an arrow (shaft + cone);
    l >= 2: the signed surface radius |f|, colour sign f. ``scale`` maps ``|coeffs|`` to the drawing size.
    Traces are plain dicts with typed arrays (see :func:`~equi_core.viz.style.typed_array`): the figure validates
    them once.
    """
    if l == 0:
        s = float(coeffs[0])
        P = _shift(0.42 * sphere_directions(10, 16), center)
        value = float(np.clip(s / scale, -1.0, 1.0))
        return [
            dict(
                type="surface",
                x=typed_array(P[..., 0]),
                y=typed_array(P[..., 1]),
                z=typed_array(P[..., 2]),
                surfacecolor=typed_array(np.full(P.shape[:2], value)),
                cmin=-1.0,
                cmax=1.0,
                colorscale=SIGNED_SURFACE,
                showscale=False,
                name=name,
                hovertemplate=f"{name}: {s:+.4f}<extra></extra>",
                lighting=dict(ambient=0.7, diffuse=0.6, specular=0.2),
                contours=_NO_HIGHLIGHT,
            )
        ]
    if l == 1:
        c = np.asarray(coeffs, dtype=np.float64)
        v = c / scale
        tip = np.asarray(center) + v
        shaft_end = np.asarray(center) + 0.78 * v
        return [
            dict(
                type="scatter3d",
                x=_lst([center[0], shaft_end[0]]),
                y=_lst([center[1], shaft_end[1]]),
                z=_lst([center[2], shaft_end[2]]),
                mode="lines",
                line=dict(color=SIGN_COLORS[1], width=9),
                name=name,
                showlegend=False,
                hovertemplate=f"{name}: ({c[0]:+.3f}, {c[1]:+.3f}, {c[2]:+.3f})<extra></extra>",
            ),
            dict(
                type="cone",
                x=_lst(tip[:1]),
                y=_lst(tip[1:2]),
                z=_lst(tip[2:3]),
                u=_lst(0.22 * v[:1]),
                v=_lst(0.22 * v[1:2]),
                w=_lst(0.22 * v[2:3]),
                anchor="tip",
                sizemode="absolute",
                sizeref=0.3,
                showscale=False,
                colorscale=[[0, SIGN_COLORS[1]], [1, SIGN_COLORS[1]]],
                name=name,
                hoverinfo="skip",
            ),
        ]
    n_theta, n_phi = grid
    f = _sh_on_grid(l, n_theta, n_phi) @ (np.asarray(coeffs, dtype=np.float64) / scale)
    P = _shift(np.abs(f)[..., None] * sphere_directions(n_theta, n_phi), center)
    fmax = float(np.abs(f).max()) or 1.0
    return [
        dict(
            type="surface",
            x=typed_array(P[..., 0]),
            y=typed_array(P[..., 1]),
            z=typed_array(P[..., 2]),
            surfacecolor=typed_array(f / fmax),
            cmin=-1.0,
            cmax=1.0,
            colorscale=SIGNED_SURFACE,
            showscale=False,
            name=name,
            hovertemplate=f"{name}<br>f = %{{surfacecolor:.3f}} × max|f|<extra></extra>",
            lighting=dict(ambient=0.55, diffuse=0.7, specular=0.25, roughness=0.6),
            contours=_NO_HIGHLIGHT,
        )
    ]


@dataclass(frozen=True)
class FeatureBlock:
    """One irrep block of a feature, before and after a rotation.

    Attributes
    ----------
    label : str
        E.g. ``"1o"`` or ``"2e #2"`` (shown in the scene).
    l : int
        The degree (``before`` and ``after`` have ``2l+1`` entries).
    before, after : ndarray
        The block's coefficients before and after ``D(R)`` (after = ``D^l`` (times parity) @ before).
    """

    label: str
    l: int
    before: Array
    after: Array

    def __post_init__(self) -> None:
        if isinstance(self.l, bool) or int(self.l) != self.l or self.l < 0:
            raise ValueError(f"FeatureBlock {self.label!r}: l must be a non-negative integer, got {self.l!r}")
        for name in ("before", "after"):
            arr = np.asarray(getattr(self, name), dtype=np.float64)
            if arr.shape != (2 * self.l + 1,) or not np.all(np.isfinite(arr)):
                raise ValueError(
                    f"FeatureBlock {self.label!r}: {name} must be {2 * self.l + 1} finite numbers, "
                    f"got shape {arr.shape}"
                )
            object.__setattr__(self, name, arr)


_CELL = 2.6  # distance between block centres in a scene
_ROW = 2.7  # distance between the 'before' and 'after' rows


def _block_scale(before: Array) -> float:
    """Rotation-invariant drawing scale of a block: its norm (so drawings have radius <= ~1)."""
    return max(float(np.linalg.norm(before)), 1e-12)


def _text_trace(
    points: Sequence[tuple[float, float, float]], texts: Sequence[str], size: int = 15, color: str = "#333"
) -> dict:
    P = np.asarray(points, dtype=np.float64).reshape(-1, 3)
    return dict(
        type="scatter3d",
        x=_lst(P[:, 0]),
        y=_lst(P[:, 1]),
        z=_lst(P[:, 2]),
        mode="text",
        text=list(texts),
        textfont=dict(size=size, color=color),
        hoverinfo="skip",
        showlegend=False,
    )


def _axes_triad(origin: tuple[float, float, float], length: float = 0.8) -> list[dict]:
    traces = []
    for k, (name, color) in enumerate(zip("xyz", ("#d62728", "#2ca02c", "#1f77b4"))):
        end = np.array(origin, dtype=np.float64)
        end[k] += length
        traces.append(
            dict(
                type="scatter3d",
                x=_lst([origin[0], end[0]]),
                y=_lst([origin[1], end[1]]),
                z=_lst([origin[2], end[2]]),
                mode="lines+text",
                line=dict(color=color, width=5),
                text=["", f"<b>{name}</b>"],
                textfont=dict(color=color, size=15),
                textposition="top center",
                hoverinfo="skip",
                showlegend=False,
            )
        )
    return traces


def _scene_layout(
    *,
    n_cols: int,
    n_rows: int,
    height: int,
    title: str | None,
    bottom: int = 0,
    eye: tuple[float, float, float] = (0.35, 0.4, 1.5),
    zoom: float = 1.35,
) -> dict:
    axis = dict(visible=False, showbackground=False)
    width_units = _CELL * max(n_cols, 1) + 1.6
    height_units = _ROW * n_rows + 1.4
    scale = max(width_units, height_units) / 2.0
    return style.layout(
        title=title,
        height=height,
        top=(50, 10),
        margin=dict(l=0, r=0, b=bottom),
        showlegend=False,
        scene=dict(
            xaxis=axis,
            yaxis=axis,
            zaxis=axis,
            aspectmode="manual",
            aspectratio=dict(x=zoom * width_units / scale, y=zoom * height_units / scale, z=zoom * 2.6 / scale),
            camera=dict(
                up=dict(x=0, y=1, z=0),
                center=dict(x=0, y=0.12, z=0),
                eye=dict(x=eye[0], y=eye[1], z=eye[2]),
                projection=dict(type="orthographic"),
            ),
            dragmode="orbit",
        ),
    )


def feature_scene(
    blocks: Sequence[FeatureBlock],
    *,
    title: str | None = None,
    rotation_label: str = "D(R)",
    grid: tuple[int, int] = (36, 48),
    height: int = 560,
) -> go.Figure:
    """A feature's irrep blocks before (top row) and after ``D(R)`` (bottom row) in ONE 3D scene.

    Each block sits in its own column: l = 0 as a sphere coloured by the scalar's value, l = 1 as an arrow,
    l >= 2 as the signed function ``f(n) = sum_m c_m Y_lm(n)`` drawn with radius ``|f|`` and colour ``sign f``
    (red positive, blue negative). Sizes are normalised per block by ``|before|``, which a rotation preserves,
    so before and after are drawn at the same scale. y (e3nn's polar axis) points up.

    Raises
    ------
    ValueError
        If there is no block or more than 12 (a scene stays legible).
    """
    if not blocks:
        raise ValueError("feature_scene needs at least one FeatureBlock")
    if len(blocks) > 12:
        raise ValueError(f"feature_scene draws at most 12 blocks, got {len(blocks)}")
    data: list[dict] = []
    labels_pts, labels_txt = [], []
    for i, b in enumerate(blocks):
        scale = _block_scale(b.before)
        x0 = _CELL * i
        for coeffs, tag, y0 in ((b.before, "before", _ROW / 2), (b.after, "after", -_ROW / 2)):
            data += _block_traces(b.l, coeffs, (x0, y0, 0.0), scale=scale, grid=grid, name=f"{b.label} {tag}")
        labels_pts.append((x0, _ROW / 2 + 1.3, 0.0))
        labels_txt.append(f"<b>{b.label}</b>" + (f" ({b.before[0]:+.3g} → {b.after[0]:+.3g})" if b.l == 0 else ""))
    left = -_CELL * 0.8
    labels_pts += [(left, _ROW / 2, 0.0), (left, -_ROW / 2, 0.0)]
    labels_txt += ["<b>x</b>", f"<b>{rotation_label} x</b>"]
    data.append(_text_trace(labels_pts, labels_txt, size=17))
    data += _axes_triad((left - 0.2, -_ROW / 2 - 1.3, 0.0), 0.7)
    layout = _scene_layout(n_cols=len(blocks), n_rows=2, height=height, title=title)
    return go.Figure(data=data, layout=layout)


def rotation_animation(
    frames: Sequence[Sequence[FeatureBlock]],
    angles_deg: Sequence[float],
    *,
    axis: ArrayLike,
    title: str | None = None,
    grid: tuple[int, int] = (22, 30),
    height: int = 480,
    frame_ms: int = 70,
    mark_angle_deg: float | None = None,
) -> go.Figure:
    """A client-side animation of a feature turning a full turn (plotly frames + play button + slider).

    Parameters
    ----------
    frames
        ``frames[k]`` holds the blocks at angle ``angles_deg[k]``: each block's ``after`` is drawn (its
        ``before`` sets the scale, so use the unrotated coefficients). Every frame has the same blocks.
    angles_deg
        Slider labels, one per frame.
    axis
        The rotation axis, drawn as a dashed line through every block.
    mark_angle_deg
        An angle to highlight with a star in the slider's labels (e.g. the angle of the chosen ``R``).

    All frames are precomputed and shipped once: playing and scrubbing never call the server.
    """
    if not frames or len(frames) != len(angles_deg):
        raise ValueError(f"need one angle per frame, got {len(frames)} frames and {len(angles_deg)} angles")
    n_blocks = len(frames[0])
    if n_blocks == 0 or n_blocks > 8 or any(len(f) != n_blocks for f in frames):
        raise ValueError("every frame must hold the same 1..8 blocks")
    ls = [b.l for b in frames[0]]
    if any([b.l for b in f] != ls for f in frames):
        raise ValueError("every frame must hold blocks of the same degrees in the same order")
    ax = np.asarray(axis, dtype=np.float64)
    if ax.shape != (3,) or not np.isfinite(ax).all() or np.linalg.norm(ax) == 0:
        raise ValueError(f"axis must be a nonzero finite 3-vector, got {axis!r}")
    ax = ax / np.linalg.norm(ax)

    def block_traces(i: int, b: FeatureBlock) -> list[dict]:
        return _block_traces(b.l, b.after, (_CELL * i, 0.0, 0.0), scale=_block_scale(b.before), grid=grid, name=b.label)

    # A block moves when its drawn coefficients differ between frames (a scalar never does under a rotation).
    moving = [any(not np.array_equal(f[i].after, frames[0][i].after) for f in frames) for i in range(n_blocks)]
    data: list[dict] = []
    dynamic: list[int] = []
    for i, b in enumerate(frames[0]):
        traces = block_traces(i, b)
        if moving[i]:
            dynamic += list(range(len(data), len(data) + len(traces)))
        data += traces
    for i in range(n_blocks):
        c = np.array([_CELL * i, 0.0, 0.0])
        a, e = c - 1.15 * ax, c + 1.15 * ax
        data.append(
            dict(
                type="scatter3d",
                x=_lst([a[0], e[0]]),
                y=_lst([a[1], e[1]]),
                z=_lst([a[2], e[2]]),
                mode="lines",
                line=dict(color="#666", width=4, dash="dash"),
                hoverinfo="skip",
                showlegend=False,
            )
        )
    data.append(
        _text_trace(
            [(_CELL * i, 1.45, 0.0) for i in range(n_blocks)], [f"<b>{b.label}</b>" for b in frames[0]], size=17
        )
    )
    names = [f"{ang:.0f}" for ang in angles_deg]
    if len(set(names)) != len(names):
        raise ValueError("angles must differ by at least 1 degree (they name the frames)")
    # Frames carry only what changes (geometry and colour); plotly merges them into the base traces.
    keep = ("type", "x", "y", "z", "u", "v", "w", "surfacecolor")
    frame_dicts = []
    for blocks, name in zip(frames, names):
        fdata = []
        for i, b in enumerate(blocks):
            if moving[i]:
                fdata += [{k: t[k] for k in keep if k in t} for t in block_traces(i, b)]
        frame_dicts.append(dict(data=fdata, traces=dynamic, name=name))
    anim = dict(
        frame=dict(duration=frame_ms, redraw=True), transition=dict(duration=0), fromcurrent=True, mode="immediate"
    )
    play = dict(label="▶ play", method="animate", args=[None, anim])
    pause = dict(
        label="❚❚ pause",
        method="animate",
        args=[[None], dict(frame=dict(duration=0, redraw=False), transition=dict(duration=0), mode="immediate")],
    )
    steps = [
        dict(
            method="animate",
            label=f"{ang:.0f}°" + (" ★" if mark_angle_deg is not None and abs(ang - mark_angle_deg) < 0.5 else ""),
            args=[[name], dict(frame=dict(duration=0, redraw=True), transition=dict(duration=0), mode="immediate")],
        )
        for ang, name in zip(angles_deg, names)
    ]
    layout = _scene_layout(n_cols=n_blocks, n_rows=1, height=height, title=title, bottom=90, zoom=1.6)
    layout["updatemenus"] = [
        dict(
            type="buttons",
            direction="left",
            x=0.0,
            y=0.0,
            xanchor="left",
            yanchor="top",
            pad=dict(t=12, r=10),
            buttons=[play, pause],
            showactive=False,
            font=dict(size=15),
        )
    ]
    layout["sliders"] = [
        dict(
            active=0,
            steps=steps,
            x=0.24,
            len=0.76,
            y=0.0,
            yanchor="top",
            pad=dict(t=12),
            currentvalue=dict(prefix="turned by ", font=dict(size=16), xanchor="right"),
            font=dict(size=11),
            transition=dict(duration=0),
        )
    ]
    return go.Figure(data=data, layout=layout, frames=frame_dicts)


def point_cloud_scene(
    points: ArrayLike,
    rotated: ArrayLike,
    *,
    labels: Sequence[str] | None = None,
    bonds: Sequence[tuple[int, int]] = (),
    title: str | None = None,
    height: int = 420,
) -> go.Figure:
    """A small point cloud (e.g. a molecule) before (grey, translucent) and after the rotation (coloured).

    Parameters
    ----------
    points, rotated
        Shape ``(n, 3)`` each: ``x_i`` and ``R x_i``.
    labels
        Per-point names (element symbols), shown as text.
    bonds
        Index pairs drawn as lines in both copies.
    """
    P = np.asarray(points, dtype=np.float64)
    Q = np.asarray(rotated, dtype=np.float64)
    if P.ndim != 2 or P.shape[-1] != 3 or P.shape != Q.shape or not (np.isfinite(P).all() and np.isfinite(Q).all()):
        raise ValueError(f"points and rotated must both be finite (n, 3) arrays, got {P.shape} and {Q.shape}")
    labels = list(labels) if labels is not None else [str(i) for i in range(len(P))]
    if len(labels) != len(P):
        raise ValueError(f"{len(labels)} labels for {len(P)} points")
    for i, j in bonds:
        if not (0 <= i < len(P) and 0 <= j < len(P)):
            raise ValueError(f"bond ({i}, {j}) refers to a point that does not exist")
    palette = {"O": "#d62728", "H": "#9aa4ad", "C": "#333333", "N": "#1f77b4"}
    colors = [palette.get(lbl.rstrip("0123456789"), "#7b3294") for lbl in labels]
    data: list[dict] = []
    for X, name, opacity in ((P, "x", 0.3), (Q, "R x", 1.0)):
        if bonds:
            bx: list[float | None] = []
            by: list[float | None] = []
            bz: list[float | None] = []
            for i, j in bonds:
                bx += [round(float(X[i, 0]), 4), round(float(X[j, 0]), 4), None]
                by += [round(float(X[i, 1]), 4), round(float(X[j, 1]), 4), None]
                bz += [round(float(X[i, 2]), 4), round(float(X[j, 2]), 4), None]
            data.append(
                dict(
                    type="scatter3d",
                    x=bx,
                    y=by,
                    z=bz,
                    mode="lines",
                    opacity=opacity,
                    hoverinfo="skip",
                    line=dict(color="#888" if opacity < 1 else "#555", width=7),
                    showlegend=False,
                )
            )
        data.append(
            dict(
                type="scatter3d",
                x=_lst(X[:, 0]),
                y=_lst(X[:, 1]),
                z=_lst(X[:, 2]),
                mode="markers+text" if opacity == 1.0 else "markers",
                name=name,
                opacity=opacity,
                marker=dict(size=12, color=colors, line=dict(color="#222", width=1)),
                text=labels,
                textposition="top center",
                textfont=dict(size=14),
                hovertemplate=name + " %{text}: (%{x:.3f}, %{y:.3f}, %{z:.3f})<extra></extra>",
            )
        )
    r = float(max(np.abs(P).max(), 1e-9)) * 1.3
    axis = dict(range=[-r, r], showbackground=True, backgroundcolor="#f4f5f7", zeroline=False, showticklabels=False)
    layout = style.layout(
        title=title,
        height=height,
        top=(50, 10),
        showlegend=False,
        margin=dict(l=0, r=0, b=0),
        scene=dict(
            xaxis=dict(axis, title="x"),
            yaxis=dict(axis, title="y"),
            zaxis=dict(axis, title="z"),
            aspectmode="cube",
            camera=dict(up=dict(x=0, y=1, z=0), eye=dict(x=1.3, y=0.9, z=1.5)),
        ),
    )
    return go.Figure(data=data, layout=layout)


def commuting_square_figure(
    path_a: ArrayLike,
    path_b: ArrayLike,
    wrong: ArrayLike,
    *,
    column_labels: Sequence[str],
    row_labels: Sequence[str],
    wrong_label: str = "wrong D",
    height: int = 380,
) -> go.Figure:
    """The commuting square as numbers: path A ``Y(R x)``, path B ``D(R) Y(x)``, and the errors on a log scale.

    Four heat-maps (rows = points, columns = feature components): path A, path B, ``log10 |A - B|`` and
    ``log10 |A - wrong|`` where ``wrong`` is path B computed with a deliberately wrong ``D``. The error maps
    share a fixed colour range ``[-17, 0]`` so "1e-16" and "0.5" are visibly different worlds.
    """
    A = np.asarray(path_a, dtype=np.float64)
    B = np.asarray(path_b, dtype=np.float64)
    W = np.asarray(wrong, dtype=np.float64)
    if A.ndim != 2 or A.shape != B.shape or A.shape != W.shape or not all(np.isfinite(M).all() for M in (A, B, W)):
        raise ValueError(
            f"path_a, path_b, wrong must be finite 2D arrays of one shape, got {A.shape}, {B.shape}, {W.shape}"
        )
    if len(column_labels) != A.shape[1] or len(row_labels) != A.shape[0]:
        raise ValueError("one label per column and per row is needed")
    err_ok, err_bad = np.abs(A - B), np.abs(A - W)
    titles = ["A = Y(R x)", "B = D(R) Y(x)", "|A − B|", f"|A − B| with {wrong_label}"]
    zmax = float(max(np.abs(A).max(), np.abs(B).max(), 1e-12))
    xs, ys = list(column_labels), list(row_labels)
    err_scale = [[0.0, "#f7fcf5"], [0.55, "#c7e9c0"], [0.8, "#fdae6b"], [1.0, "#a50f15"]]
    gap, cb = 0.03, 0.05
    w = (1.0 - 3 * gap - cb) / 4
    data, annotations = [], []
    layout = style.layout(title=None, height=height)
    for i, M in enumerate((A, B, err_ok, err_bad)):
        suffix = "" if i == 0 else str(i + 1)
        x0 = i * (w + gap)
        common = dict(x=xs, y=ys, xgap=1, ygap=1, xaxis="x" + suffix, yaxis="y" + suffix)
        if i < 2:
            data.append(
                dict(
                    type="heatmap",
                    z=np.round(M, 6).tolist(),
                    zmin=-zmax,
                    zmax=zmax,
                    zmid=0.0,
                    colorscale=DIVERGING,
                    showscale=False,
                    hovertemplate="%{y}, %{x}: %{z:.6f}<extra></extra>",
                    **common,
                )
            )
        else:
            data.append(
                dict(
                    type="heatmap",
                    z=np.round(np.log10(log_floor(M)), 3).tolist(),
                    zmin=-17,
                    zmax=0,
                    colorscale=err_scale,
                    showscale=(i == 3),
                    customdata=M.tolist(),
                    hovertemplate="%{y}, %{x}: %{customdata:.2e}<extra></extra>",
                    colorbar=dict(
                        title=dict(text="log10 |error|", side="right"), thickness=14, tickvals=[-16, -12, -8, -4, 0]
                    ),
                    **common,
                )
            )
        layout["xaxis" + suffix] = dict(
            domain=[x0, x0 + w],
            anchor="y" + suffix,
            showgrid=False,
            zeroline=False,
            tickangle=0,
            tickfont=dict(size=11),
        )
        layout["yaxis" + suffix] = dict(
            anchor="x" + suffix,
            autorange="reversed",
            showgrid=False,
            zeroline=False,
            showticklabels=(i == 0),
            tickfont=dict(size=13),
        )
        annotations.append(panel_title(titles[i], (x0, x0 + w), size=15))
    layout["annotations"] = annotations
    layout["margin"] = dict(l=10, r=10, t=36, b=10)
    return go.Figure(data=data, layout=layout)


def equivariance_error_bars(
    labels: Sequence[str],
    errors: ArrayLike,
    *,
    threshold: float = 1e-10,
    title: str | None = None,
    height: int = 340,
) -> go.Figure:
    """Vertical bars of equivariance errors on a log axis; green below ``threshold`` (exact), red above.

    Each bar is annotated with its value; a dotted line marks float64's machine epsilon (2.2e-16). Zero errors
    are drawn at 1e-17 (below float64 resolution). Labels may contain ``<br>`` line breaks.
    """
    E = np.asarray(errors, dtype=np.float64)
    if E.ndim != 1 or len(labels) != len(E) or len(E) == 0 or not np.all(np.isfinite(E)) or np.any(E < 0):
        raise ValueError("need one finite non-negative error per label")
    shown = log_floor(E)
    colors = ["#2e8b57" if e < threshold else "#c0392b" for e in E]
    bar = dict(
        type="bar",
        x=list(labels),
        y=shown.tolist(),
        marker=dict(color=colors),
        base=FLOOR,
        text=[f"<b>{e:.1e}</b>" for e in E],
        textposition="outside",
        textfont=dict(size=17),
        cliponaxis=False,
        hovertemplate="%{x}: %{y:.2e}<extra></extra>",
        width=0.6,
    )
    eps = float(np.finfo(np.float64).eps)
    layout = style.layout(
        title=title,
        height=height,
        yaxis=dict(
            type="log",
            range=[-17, 1.3],
            title=dict(text="max |f(g x) − D(g) f(x)|"),
            dtick=4,
            showgrid=True,
            gridcolor="#e5e5e5",
            exponentformat="power",
            zeroline=False,
            tickfont=dict(size=13),
        ),
        xaxis=dict(tickfont=dict(size=13), automargin=True, tickangle=0),
        shapes=[
            dict(
                type="line",
                xref="paper",
                yref="y",
                x0=0,
                x1=1,
                y0=eps,
                y1=eps,
                line=dict(color="#777", dash="dot", width=1.5),
            )
        ],
        annotations=[
            dict(
                xref="paper",
                yref="y",
                x=1.0,
                y=np.log10(eps),
                xanchor="left",
                yanchor="middle",
                text="float64<br>ε",
                showarrow=False,
                font=dict(size=12, color="#555"),
                xshift=4,
            )
        ],
        bargap=0.35,
    )
    layout["margin"] = dict(l=10, r=60, t=64 if title else 30, b=10)
    return go.Figure(data=[bar], layout=layout)
