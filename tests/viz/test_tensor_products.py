"""Tests of the pure figure builders of equi_core.viz.tensor_products."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
import pytest

from equi_core import clebsch_gordan
from equi_core.lessons import tensor_products as TP
from equi_core.o3 import gaunt as G
from equi_core.viz import tensor_products as T


def _revalidate(fig: go.Figure) -> go.Figure:
    return go.Figure(fig.to_dict())


@pytest.mark.parametrize("l1,l2,l3", [(0, 0, 0), (1, 1, 1), (2, 3, 4), (4, 4, 8)])
def test_cg_block_heatmaps_show_every_component(l1, l2, l3):
    C = np.asarray(clebsch_gordan(l1, l2, l3))
    fig = T.cg_block_heatmaps(C, l1=l1, l2=l2, l3=l3, max_cols=5)
    _revalidate(fig)
    assert len(fig.data) == 2 * l3 + 1
    for k, trace in enumerate(fig.data):
        assert trace.type == "heatmap"
        assert np.allclose(np.asarray(trace.z), C[:, :, k])
        assert trace.zmin == -trace.zmax == pytest.approx(-np.abs(C).max())
    with pytest.raises(ValueError):
        T.cg_block_heatmaps(C, l1=l1 + 1, l2=l2, l3=l3)


def test_vector_coupling_figure_shows_cg_and_gaunt():
    rows = TP.couple_two_vectors([1.0, -2.0, 3.0], [0.5, 1.0, 2.0], np.eye(3))
    fig = T.vector_coupling_figure([r.irrep for r in rows], [r.cg for r in rows], [r.gaunt for r in rows])
    _revalidate(fig)
    assert len(fig.data) == 6
    cross_cg, cross_gaunt = fig.data[2], fig.data[3]
    assert np.allclose(cross_cg.y, rows[1].cg) and np.linalg.norm(cross_cg.y) > 1
    assert np.abs(np.asarray(cross_gaunt.y)).max() < 1e-15
    with pytest.raises(ValueError):
        T.vector_coupling_figure(["a"], [], [])


def test_cost_figure_has_guides_of_slope_6_and_3():
    Ls = np.arange(1, 17)
    cg = np.array([G.count_cg_operations(int(L)) for L in Ls], dtype=float)
    ga = np.array([G.count_gaunt_operations(int(L)).total for L in Ls], dtype=float)
    fig = T.cost_figure(Ls, cg, ga, cg_even_counts=cg / 2)
    _revalidate(fig)
    names = [t.name for t in fig.data]
    assert names[-2:] == ["slope L⁶", "slope L³"]
    g6, g3 = fig.data[-2], fig.data[-1]
    assert np.log(g6.y[-1] / g6.y[0]) / np.log(Ls[-1] / Ls[0]) == pytest.approx(6.0)
    assert np.log(g3.y[-1] / g3.y[0]) / np.log(Ls[-1] / Ls[0]) == pytest.approx(3.0)
    assert g6.y[-1] == cg[-1] and g3.y[-1] == ga[-1]
    assert fig.layout.xaxis.type == fig.layout.yaxis.type == "log"
    with pytest.raises(ValueError):
        T.cost_figure([0, 1], [1, 2], [1, 2])


def test_timing_figure_in_milliseconds():
    fig = T.timing_figure([1, 2, 4], [1e-3, 4e-3, 2e-2], [1e-4, 2e-4, 4e-4])
    _revalidate(fig)
    assert np.allclose(fig.data[0].y, [1.0, 4.0, 20.0]) and np.allclose(fig.data[1].y, [0.1, 0.2, 0.4])


def test_lost_paths_figure_counts_every_lost_path():
    census = TP.path_census(4)
    fig = T.lost_paths_figure(4, census.lost)
    _revalidate(fig)
    z = np.asarray(fig.data[0].z)
    assert z.shape == (5, 5) and z.sum() == census.odd
    assert z[1, 1] == 1 and "1" in fig.data[0].text[1][1]  # 1 x 1 -> 1, the cross product
    assert z[0].sum() == 0  # l1 = 0: every path l2 -> l2 is even
    with pytest.raises(ValueError):
        T.lost_paths_figure(1, [(2, 2, 1)])
