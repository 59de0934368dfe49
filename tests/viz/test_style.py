"""The Lab's one plotting style (equi_core.viz.style): layout merge, fast figures, log floors, panels, typed arrays."""

from __future__ import annotations

import itertools

import numpy as np
import plotly.graph_objects as go
import pytest

from equi_core.viz import style as vs


def test_typed_array_round_trip():
    a = np.linspace(-1, 1, 12).reshape(3, 4)
    spec = vs.typed_array(a)
    assert spec["dtype"] == "f4" and spec["shape"] == "3, 4"
    assert np.allclose(vs.as_array(spec), a, atol=1e-7)
    assert np.array_equal(vs.as_array([1, 2]), np.array([1, 2]))


def test_layout_merges_extra_into_the_base_without_touching_inputs():
    margin = {"l": 0}
    lay = vs.layout(title="T", height=300, font_size=14, top=(70, 40), margin=margin, xaxis={"title": "x"})
    assert lay["margin"] == {"l": 0, "r": 10, "t": 70, "b": 10} and margin == {"l": 0}
    assert lay["title"]["text"] == "T" and lay["title"]["font"]["size"] == vs.TITLE_SIZE
    assert lay["font"] == {"family": vs.FONT_FAMILY, "size": 14, "color": vs.TEXT_COLOR}
    assert lay["xaxis"] == {"title": "x"} and lay["height"] == 300
    untitled = vs.layout(height=200, top=(70, 40))
    assert untitled["margin"]["t"] == 40 and "title" not in untitled and "template" not in untitled
    assert vs.layout(height=200, template="none")["template"] == "none"
    go.Figure(layout=lay)  # a valid plotly layout


def test_fast_figure_is_the_dense_chart_look_and_extra_wins():
    fig = vs.fast_figure([{"type": "bar", "x": [1, 2], "y": [3, 4]}], {"legend": {"x": 0.0}}, title="t", height=250)
    d = fig.to_dict()
    go.Figure(d)  # re-validates every property
    assert d["layout"]["legend"] == {"x": 0.0}  # replaced, not merged with the default legend
    assert d["layout"]["font"]["size"] == 14 and d["layout"]["margin"]["t"] == 70 and d["layout"]["height"] == 250
    assert vs.fast_figure([], {}).to_dict()["layout"]["legend"]["orientation"] == "h"


def test_log_floor_keeps_zeros_at_the_floor():
    y = vs.log_floor([0.0, -1e-20, 3e-3, -2.0])
    assert y.tolist() == [vs.FLOOR, vs.FLOOR, 3e-3, 2.0]
    assert vs.log_floor([0.0], floor=1e-10).tolist() == [1e-10]


def test_panel_domains_and_titles_tile_the_width():
    doms = vs.panel_domains([1.0, 2.0, 1.0], 0.1)
    assert doms[0][0] == 0.0 and doms[-1][1] == pytest.approx(1.0)
    assert all(a[1] + 0.1 == pytest.approx(b[0]) for a, b in itertools.pairwise(doms))
    assert doms[1][1] - doms[1][0] == pytest.approx(2 * (doms[0][1] - doms[0][0]))
    note = vs.panel_title("p", doms[1], size=15)
    assert note["x"] == pytest.approx(0.5) and note["font"] == {"size": 15} and note["yanchor"] == "bottom"
    with pytest.raises(ValueError):
        vs.panel_domains([], 0.1)
    with pytest.raises(ValueError):
        vs.panel_domains([1.0, 1.0], 1.5)


def test_colour_scales_run_from_zero_to_one_through_the_middle():
    for scale in (vs.DIVERGING, vs.SIGNED_SURFACE, vs.SIGNED_SMOOTH):
        stops = [s[0] for s in scale]
        assert stops[0] == 0.0 and stops[-1] == 1.0 and 0.5 in stops and stops == sorted(stops)


def test_subplot_axes_domains_do_not_overlap():
    layout, refs = vs.subplot_axes(2, 3, titles=list("abcdef"))
    assert refs[0] == ("x", "y") and refs[5] == ("x6", "y6")
    xs = [layout["xaxis" + r[0][1:]]["domain"] for r in refs[:3]]
    assert all(a[1] < b[0] for a, b in itertools.pairwise(xs))
    assert len(layout["annotations"]) == 6
    with pytest.raises(ValueError):
        vs.subplot_axes(0, 1)
