"""Tests of the pure figure builders of equi_core.viz.truncation (numbers in, figures out)."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
import pytest

from equi_core.lessons import truncation as T
from equi_core.o3 import sphere as S
from equi_core.viz import truncation as V
from equi_core.viz.style import FLOOR, as_array


def _revalidate(fig: go.Figure) -> go.Figure:
    """The builders skip plotly.py's validation for speed; full validation must still accept them."""
    return go.Figure(fig.to_dict())


@pytest.fixture(scope="module")
def water():
    grid = S.latlong_grid(13, 25)
    signal = T.make_target("water", kappa=10.0)
    study = T.truncation_study(signal, 8, grid)
    original = signal.values(grid.flat_points).reshape(grid.n_theta, grid.n_phi)
    recon = T.reconstruct(study.coefficients, 3, grid)
    return grid, signal, study, original, recon


def test_sphere_comparison_is_one_scene_with_both_surfaces(water):
    grid, signal, _, original, recon = water
    fig = V.sphere_comparison_figure(grid.points, original, recon, L=3, directions=signal.directions, radial=0.3)
    _revalidate(fig)
    layout = fig.to_dict()["layout"]
    assert "scene" in layout and not any(k.startswith("scene") and k != "scene" for k in layout)
    surfaces = [t for t in fig.data if t.type == "surface"]
    assert len(surfaces) == 2
    assert np.allclose(as_array(surfaces[0].surfacecolor), original, atol=1e-6)
    assert np.allclose(as_array(surfaces[1].surfacecolor), recon, atol=1e-6)
    # shared, symmetric colour range
    M = max(np.abs(original).max(), np.abs(recon).max())
    assert surfaces[0].cmin == surfaces[1].cmin == pytest.approx(-M) and surfaces[0].cmax == pytest.approx(M)
    # radius 1 + radial * f / M around each sphere's centre
    shift = 1.0 + 0.3 + 0.25  # the reconstruction sits to the right of the original
    pts = np.stack([as_array(surfaces[1].x) - shift, as_array(surfaces[1].y), as_array(surfaces[1].z)], -1)
    assert np.allclose(np.linalg.norm(pts, axis=-1), 1 + 0.3 * recon / M, atol=1e-5)
    bonds = [t for t in fig.data if t.type == "scatter3d" and t.mode == "lines"]
    assert len(bonds) == 1 and len(bonds[0].x) == 3 * len(signal.directions)


def test_sphere_comparison_rejects_bad_shapes(water):
    grid, _, _, original, _ = water
    with pytest.raises(ValueError):
        V.sphere_comparison_figure(grid.points, original, original[:-1], L=1)
    with pytest.raises(ValueError):
        V.sphere_comparison_figure(grid.points, original, original, L=1, radial=2.0)


def test_error_figure_draws_exact_values_with_a_floor(water):
    _, _, study, _, _ = water
    l2 = study.rel_l2_error.copy()
    l2[-1] = 0.0
    fig = V.error_vs_degree_figure(study.ls, l2, study.rel_max_error, current_L=3)
    _revalidate(fig)
    assert [t.name for t in fig.data] == ["L2 error", "max error"]
    assert np.allclose(fig.data[0].customdata, l2)
    assert fig.data[0].y[-1] == FLOOR and np.allclose(fig.data[0].y[:-1], l2[:-1])
    assert fig.layout.yaxis.type == "log"
    assert fig.layout.shapes[0].x0 == 3
    with pytest.raises(ValueError):
        V.error_vs_degree_figure([0, 1], [1.0], [1.0, 2.0])


@pytest.mark.parametrize("L", [0, 3, 8])
def test_power_spectrum_splits_kept_and_lost(water, L):
    _, _, study, _, _ = water
    fig = V.power_spectrum_figure(study.ls, study.energy_fraction, L=L)
    _revalidate(fig)
    kept, lost = fig.data
    assert list(kept.x) == list(range(L + 1)) and list(lost.x) == list(range(L + 1, 9))
    assert np.allclose(np.concatenate([kept.customdata, lost.customdata]), study.energy_fraction)


def test_blind_spot_figure_marks_visible_degrees():
    blind = T.blind_spot(4, 9)
    fig = V.blind_spot_figure(blind.ls, blind.difference, blind.feature_norm, n=4, L=3)
    _revalidate(fig)
    bars, norms = fig.data
    assert np.allclose(bars.customdata, blind.difference)
    colors = list(bars.marker.color)
    assert all(c != V.MAX_COLOR for c in colors[:4]) and colors[4] == V.MAX_COLOR
    assert np.allclose(norms.customdata, blind.feature_norm)
    rects = [s for s in fig.layout.shapes if s.type == "rect"]
    assert len(rects) == 1 and rects[0].x0 == 3.5
    # no shading when the model sees every degree drawn
    assert not [
        s
        for s in V.blind_spot_figure(blind.ls, blind.difference, blind.feature_norm, n=4, L=9).layout.shapes
        if s.type == "rect"
    ]


def test_star_pair_figure_draws_both_stars():
    blind = T.blind_spot(3, 3)
    fig = V.star_pair_figure(blind.star, blind.turned)
    _revalidate(fig)
    markers = [t for t in fig.data if t.mode == "markers"]
    assert len(markers) == 2
    assert np.allclose(markers[0].x, blind.star[:, 2]) and np.allclose(markers[0].y, blind.star[:, 0])
    assert np.allclose(markers[1].x, blind.turned[:, 2])
    assert markers[0].xaxis == "x" and markers[1].xaxis == "x2"
