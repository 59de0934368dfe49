"""The Lab's one plotting style: font, titles, layout, colour scales, log floors, panel geometry, compact arrays.

Every figure builder in ``equi_core.viz`` (except the training charts) takes its look from here, so a change of
font, title size or colour scale is made once. The pieces:

* :func:`layout` -- the base layout every builder starts from (white background, the Lab's font, a left-aligned
  title of :data:`TITLE_SIZE`, margins that leave room for the title), merged recursively with what the figure
  adds (axes, legend, scenes, annotations). Options a topic varies: ``font_size`` (14 for the dense 2D charts,
  15 for matrices and 3D scenes, 16 for the nonlinearity page), ``top`` margins and ``template``.
* :func:`fast_figure` -- a figure from plain dicts without plotly.py's per-property validation (~2 ms instead of
  20-70 ms); the tests re-validate every builder's output with ``go.Figure(fig.to_dict())``.
* Colour scales: :data:`DIVERGING` for signed matrix entries, :data:`SIGNED_SURFACE` for the sign of a spherical
  function (sharp around zero), :data:`SIGNED_SMOOTH` for signed values on a sphere; :data:`BLUE` / :data:`RED`.
* :func:`log_floor` -- what a log axis can draw: exact zeros are drawn at :data:`FLOOR` = 1e-17, below float64's
  resolution, never dropped.
* :func:`panel_domains`, :func:`panel_title`, :func:`subplot_axes` -- side-by-side panels without
  ``make_subplots``' cost.
* :func:`typed_array`, :func:`as_array` -- float arrays as plotly's base64 typed arrays (compact, unvalidated).

Nothing here imports Streamlit; every function is pure and returns new objects (inputs are never mutated).
"""

from __future__ import annotations

import base64
from collections.abc import Mapping, Sequence

import numpy as np
import plotly.graph_objects as go
import plotly.io as pio
from numpy.typing import ArrayLike, NDArray

__all__ = [
    "FONT_FAMILY",
    "TEXT_COLOR",
    "TITLE_SIZE",
    "BLUE",
    "RED",
    "DIVERGING",
    "SIGNED_SURFACE",
    "SIGNED_SMOOTH",
    "FLOOR",
    "font",
    "figure_title",
    "merge",
    "layout",
    "fast_figure",
    "log_floor",
    "panel_domains",
    "panel_title",
    "subplot_axes",
    "typed_array",
    "as_array",
]

Array = NDArray[np.float64]

FONT_FAMILY = "Inter, Source Sans Pro, Helvetica, Arial, sans-serif"
TEXT_COLOR = "#222"
#: Size of every figure title (px).
TITLE_SIZE = 18
#: The Lab's blue (kept, CG, negative sign) and red (lost, error, positive sign).
BLUE = "#2c6fbb"
RED = "#d1495b"

#: Diverging colour scale for signed matrix entries (negative blue, zero white, positive red); use with
#: ``zmid = 0`` or a symmetric range.
DIVERGING: list[list[float | str]] = [
    [0.0, "#2c5d9c"],
    [0.25, "#8fb4dc"],
    [0.5, "#f7f7f7"],
    [0.75, "#f0a07e"],
    [1.0, "#b2182b"],
]
#: The sign of a spherical function on [-1, 1]: a sharp step from blue to red around zero.
SIGNED_SURFACE: list[list[float | str]] = [
    [0.0, "#1d4f91"],
    [0.45, "#7fa8d8"],
    [0.5, "#eeeeee"],
    [0.55, "#f2a08f"],
    [1.0, "#b3243a"],
]
#: Signed values on a sphere (negative blue, zero light grey, positive red), smooth through zero.
SIGNED_SMOOTH: list[list[float | str]] = [
    [0.0, "#1d4f91"],
    [0.25, "#6f9fd8"],
    [0.5, "#f2f2f2"],
    [0.75, "#f08a6e"],
    [1.0, "#a50f2d"],
]
#: Values below this are drawn at this height on log axes (exact zeros would vanish).
FLOOR = 1e-17


def font(size: int = 15, color: str = TEXT_COLOR) -> dict:
    """The Lab's font at ``size`` px."""
    return {"family": FONT_FAMILY, "size": size, "color": color}


def figure_title(text: str, size: int = TITLE_SIZE) -> dict:
    """A left-aligned figure title."""
    return {"text": text, "x": 0.0, "xanchor": "left", "font": {"size": size}}


def merge(base: Mapping, extra: Mapping) -> dict:
    """Recursive dict merge (``extra`` wins; nested dicts are merged, anything else is replaced).

    Returns a new dict; neither input is mutated.
    """
    out = dict(base)
    for k, v in extra.items():
        out[k] = merge(out[k], v) if isinstance(v, Mapping) and isinstance(out.get(k), Mapping) else v
    return out


def layout(
    *,
    title: str | None = None,
    height: int,
    font_size: int = 15,
    top: tuple[int, int] = (64, 30),
    template: object = None,
    **extra: object,
) -> dict:
    """The base layout of a Lab figure as a plain dict, merged recursively with ``extra``.

    Parameters
    ----------
    title : str, optional
        Left-aligned, :data:`TITLE_SIZE` px.
    height : int
        Pixels.
    font_size : int
        Base text size in px.
    top : (int, int)
        Top margin with and without a title.
    template : str or plotly template, optional
        E.g. ``'none'`` or ``pio.templates['plotly_white']``; left out, plotly's default applies.
    **extra
        Any layout property (``xaxis``, ``legend``, ``margin``, ``scene``, ...); dicts are merged into the base
        (``margin=dict(l=0)`` changes only the left margin).

    Returns
    -------
    dict
        White paper and plot background, the Lab's font, margins ``l = r = b = 10`` and ``t = top[0]`` (titled) or
        ``top[1]``, 14 px hover labels.
    """
    base: dict = {
        "font": font(font_size),
        "height": height,
        "margin": {"l": 10, "r": 10, "t": top[0] if title else top[1], "b": 10},
        "paper_bgcolor": "white",
        "plot_bgcolor": "white",
        "hoverlabel": {"font": {"size": 14}},
    }
    if template is not None:
        base["template"] = template
    if title:
        base["title"] = figure_title(title)
    return merge(base, extra)


#: Legend of the dense 2D charts: one row above the plot, right-aligned.
_LEGEND_ABOVE = {"orientation": "h", "yanchor": "bottom", "y": 1.02, "xanchor": "right", "x": 1.0}


def fast_figure(data: Sequence[dict], extra: Mapping, *, title: str | None = None, height: int = 360) -> go.Figure:
    """A 2D chart from plain trace/layout dicts, without plotly.py's per-property validation.

    The look of the dense 2D charts (truncation and tensor-product pages): :func:`layout` with 14 px text, the
    ``plotly_white`` template, top margins 70 / 40 and a one-row legend above the plot; the keys of ``extra``
    win (a ``legend`` given there replaces that legend). Building without validation costs ~2 ms instead of
    20-70 ms; the tests re-validate every builder's output. The inputs are not mutated.
    """
    lay = layout(
        title=title,
        height=height,
        font_size=14,
        top=(70, 40),
        template=pio.templates["plotly_white"],
        **{"legend": _LEGEND_ABOVE, **extra},
    )
    return go.Figure(data=list(data), layout=lay, _validate=False)


def log_floor(values: ArrayLike, floor: float = FLOOR) -> Array:
    """``max(|v|, floor)``: what a log axis can draw (put the true values into the hover data)."""
    return np.maximum(np.abs(np.asarray(values, dtype=np.float64)), floor)


def panel_domains(widths: Sequence[float], spacing: float) -> list[list[float]]:
    """Horizontal domains ``[x0, x1]`` of side-by-side panels with relative ``widths`` and ``spacing`` between them.

    The panels fill ``[0, 1]`` (what ``make_subplots`` computes, without its cost).
    """
    if not widths or any(w <= 0 for w in widths) or not 0 <= spacing * (len(widths) - 1) < 1:
        raise ValueError("need at least one positive width and room for the spacing")
    free = 1.0 - spacing * (len(widths) - 1)
    total = float(sum(widths))
    out, x = [], 0.0
    for w in widths:
        out.append([x, min(1.0, x + free * w / total)])
        x = out[-1][1] + spacing
    return out


def panel_title(text: str, domain: Sequence[float], *, size: int = 16, y: float = 1.0) -> dict:
    """An annotation centred above the panel whose horizontal domain is ``domain`` (paper coordinates)."""
    return {
        "text": text,
        "x": (domain[0] + domain[1]) / 2,
        "y": y,
        "xref": "paper",
        "yref": "paper",
        "xanchor": "center",
        "yanchor": "bottom",
        "showarrow": False,
        "font": {"size": size},
    }


def subplot_axes(
    rows: int,
    cols: int,
    *,
    hspace: float = 0.06,
    vspace: float = 0.12,
    titles: Sequence[str] | None = None,
    widths: Sequence[float] | None = None,
    top: float = 1.0,
) -> tuple[dict, list[tuple[str, str]]]:
    """Layout entries for a ``rows x cols`` grid of 2D axes (row-major), without ``make_subplots``' validation.

    Returns
    -------
    layout : dict
        ``xaxis``, ``yaxis``, ``xaxis2``, ... with domains and anchors, plus subplot-title annotations (14 px).
    refs : list of (xref, yref)
        Per cell, the axis names a trace uses (``'x'``, ``'y'``, ``'x2'``, ``'y2'``, ...).
    """
    if rows < 1 or cols < 1:
        raise ValueError("rows and cols must be >= 1")
    columns = panel_domains(list(widths) if widths is not None else [1.0] * cols, hspace)
    h = (top - (rows - 1) * vspace) / rows
    out: dict = {}
    refs = []
    annotations = []
    for r in range(rows):
        for c in range(cols):
            k = r * cols + c + 1
            sx = "" if k == 1 else str(k)
            y1 = top - r * (h + vspace)
            out[f"xaxis{sx}"] = {"domain": columns[c], "anchor": f"y{sx}"}
            out[f"yaxis{sx}"] = {"domain": [max(y1 - h, 0.0), y1], "anchor": f"x{sx}"}
            refs.append((f"x{sx}", f"y{sx}"))
            if titles is not None and k - 1 < len(titles):
                annotations.append(panel_title(titles[k - 1], columns[c], size=14, y=y1))
    out["annotations"] = annotations
    return out, refs


def typed_array(a: ArrayLike) -> dict[str, str]:
    """A float array as plotly's typed-array spec (float32, base64): compact JSON, no per-element validation.

    Plotly.js (>= 2.28) reads ``{"dtype": "f4", "bdata": ..., "shape": "r, c"}`` natively. Building 3D surfaces and
    animation frames from these specs is ~10x faster than from numpy arrays (plotly validates those element-wise),
    which keeps a slider change on the pages well under 150 ms. Use :func:`as_array` to read one back.
    """
    arr = np.ascontiguousarray(np.asarray(a, dtype=np.float32))
    spec = {"dtype": "f4", "bdata": base64.b64encode(arr.tobytes()).decode("ascii")}
    if arr.ndim > 1:
        spec["shape"] = ", ".join(str(n) for n in arr.shape)
    return spec


def as_array(value: object) -> NDArray[np.floating]:
    """The numbers of a trace property: decodes a typed-array spec (see :func:`typed_array`), else ``np.asarray``."""
    if isinstance(value, dict) and "bdata" in value:
        dtype = {
            "f4": np.float32,
            "f8": np.float64,
            "i4": np.int32,
            "i2": np.int16,
            "i1": np.int8,
            "u1": np.uint8,
            "u2": np.uint16,
            "u4": np.uint32,
        }[str(value["dtype"])]
        arr = np.frombuffer(base64.b64decode(value["bdata"]), dtype=dtype)
        if "shape" in value:
            arr = arr.reshape([int(n) for n in str(value["shape"]).split(",")])
        return arr
    return np.asarray(value)
