"""Figure builders of the molecular-dynamics lesson (:mod:`equi_core.viz.molecular_dynamics`)."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
import pytest

from equi_core.viz import molecular_dynamics as vz

NUMBERS = np.array([8, 1, 1])
BONDS = np.array([[0, 1], [0, 2]])


def _frames(n: int = 4, shift: float = 0.0) -> np.ndarray:
    base = np.array([[0.0, 0.0, 0.0], [0.96, 0.0, 0.0], [-0.24, 0.93, 0.0]])
    return np.stack([base + shift + 0.01 * i for i in range(n)])


def test_animation_carries_every_frame_of_every_panel() -> None:
    panels = [vz.Panel("a", _frames()), vz.Panel("b", _frames(shift=0.1))]
    fig = vz.trajectory_animation(panels, NUMBERS, BONDS, [0.0, 0.1, 0.2, 0.3])
    go.Figure(fig.to_dict())  # validates
    assert len(fig.frames) == 4 and len(fig.data) == 4  # bonds + atoms per panel
    assert fig.layout.sliders[0].steps[2].label == "0.20"
    assert fig.layout.scene2.domain.x[0] > fig.layout.scene.domain.x[1]
    last = fig.frames[-1].data[1]
    np.testing.assert_allclose(last.x, _frames()[-1][:, 0])
    assert list(fig.frames[-1].traces) == [0, 1, 2, 3]
    # a bond is two points and a gap
    assert len(fig.data[0].x) == 3 * len(BONDS)


def test_animation_refuses_mismatched_panels() -> None:
    with pytest.raises(ValueError):
        vz.trajectory_animation([vz.Panel("a", _frames(4)), vz.Panel("b", _frames(3))], NUMBERS, BONDS, [0, 1, 2, 3])
    with pytest.raises(ValueError):
        vz.trajectory_animation([vz.Panel("a", _frames(4))], NUMBERS, BONDS, [0, 1])
    with pytest.raises(ValueError):
        vz.trajectory_animation([], NUMBERS, BONDS, [])


def test_energy_figure_is_relative_per_atom() -> None:
    t = np.linspace(0, 1, 5)
    s = vz.EnergySeries("nequip", t, -300 + 0.1 * t, 0.3 - 0.1 * t)
    fig = vz.energy_figure([s], n_atoms=3)
    assert len(fig.data) == 3
    np.testing.assert_allclose(fig.data[0].y, 0.0, atol=1e-12)  # total conserved
    np.testing.assert_allclose(fig.data[1].y, 0.1 * t / 3)
    assert fig.data[0].line.color == vz.MODEL_COLORS["nequip"]


def test_histograms_are_densities() -> None:
    bins = np.linspace(0.0, 1.0, 11)
    fig = vz.bond_histogram_figure(bins, [("nequip", np.arange(10))], np.ones(10))
    for tr in fig.data:
        assert np.sum(np.asarray(tr.y) * 0.1) == pytest.approx(1.0)


def test_averaging_figure() -> None:
    fig = vz.averaging_figure(
        [1, 2, 4],
        [0.1, 0.05, 0.02],
        [1.0, 1.2, 2.0],
        bare_error_eV=0.1,
        bare_ms=0.9,
        quadrature=(60, 1e-4, 10.0),
        selected_k=2,
    )
    names = [tr.name for tr in fig.data]
    assert "icosahedral group (60)" in names and "k = 2" in names
    assert fig.layout.xaxis.type == "log" and fig.layout.yaxis.type == "log"


def test_model_colors_are_stable() -> None:
    assert vz.model_color("transformer@avg8") == vz.MODEL_COLORS["transformer"]
    assert vz.model_color("something") == vz.model_color("something")
