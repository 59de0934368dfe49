"""Figure builders of the rotation and conventions pages (equi_core.viz.rotations, equi_core.viz.conventions).

The builders are tested directly: trace types and counts, that every figure is valid plotly (re-validated through
``go.Figure(fig.to_dict())``), that the drawn geometry is the math (the rotated surface *is* the surface of the
rotated coefficients), and the numbers of the commuting square (1e-15 for the right D, O(1) for a wrong one).
"""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
import pytest

from equi_core import (
    Irreps,
    axis_angle_to_matrix,
    random_rotation,
    spherical_harmonics,
    wigner_D,
)
from equi_core.lessons import irreps_rotations as E
from equi_core.lessons import molecules as M
from equi_core.o3.conventions import wigner_D_textbook
from equi_core.viz import conventions as vc
from equi_core.viz import rotations as vr
from equi_core.viz.style import as_array


def _valid(fig: go.Figure) -> dict:
    """The figure's dict, after plotly has re-validated every property of it."""
    assert isinstance(fig, go.Figure)
    d = fig.to_dict()
    go.Figure(d)  # raises on any invalid property
    return d


def _R(seed: int = 0) -> np.ndarray:
    return random_rotation(rng=seed)


# ------------------------------------------------------------------------------------------ matrices
def test_matrix_latex_rounds_without_negative_zero():
    s = vr.matrix_latex(np.array([[1.0, -1e-9], [0.5, -0.25]]), 2)
    assert s == r"\begin{bmatrix}1.00 & 0.00 \\ 0.50 & -0.25\end{bmatrix}"
    with pytest.raises(ValueError):
        vr.matrix_latex(np.array([np.nan, 1.0]))
    with pytest.raises(ValueError):
        vr.matrix_latex(np.eye(2), digits=99)


def test_matrix_heatmap_reads_like_a_matrix_and_blanks_exact_zeros():
    M = np.array([[1.0, 0.0], [-0.5, 0.25]])
    d = _valid(vr.matrix_heatmap(M, title="M"))
    (trace,) = d["data"]
    assert trace["type"] == "heatmap"
    assert np.allclose(trace["z"], M)
    assert trace["text"] == [["1.00", ""], ["-0.50", "0.25"]]
    assert d["layout"]["yaxis"]["autorange"] == "reversed"
    assert trace["zmin"] == -1.0 and trace["zmax"] == 1.0
    with pytest.raises(ValueError):
        vr.matrix_heatmap(np.zeros((0, 3)))


def test_matrices_row_one_panel_per_matrix_on_one_colour_scale():
    mats = [("a", np.eye(1)), ("b", 2 * np.eye(3)), ("c", -np.ones((5, 5)))]
    d = _valid(vr.matrices_row(mats))
    assert [t["type"] for t in d["data"]] == ["heatmap"] * 3
    assert [t.get("xaxis", "x") for t in d["data"]] == ["x", "x2", "x3"]
    assert {t["zmax"] for t in d["data"]} == {2.0}
    assert [a["text"] for a in d["layout"]["annotations"]] == ["a", "b", "c"]
    domains = [d["layout"][k]["domain"] for k in ("xaxis", "xaxis2", "xaxis3")]
    assert all(lo < hi for lo, hi in domains)
    assert all(domains[i][1] < domains[i + 1][0] for i in range(2))  # panels do not overlap
    assert sum(t["showscale"] for t in d["data"]) == 1
    with pytest.raises(ValueError):
        vr.matrices_row([])


def test_block_diagonal_heatmap_outlines_and_labels_every_block():
    irreps = Irreps("1x0e + 2x1o + 1x2e")
    D = irreps.D_from_matrix(_R(1))
    blocks = [("0e", slice(0, 1)), ("1o", slice(1, 4)), ("1o", slice(4, 7)), ("2e", slice(7, 12))]
    d = _valid(vr.block_diagonal_heatmap(D, blocks))
    assert len(d["layout"]["shapes"]) == 4
    assert [a["text"] for a in d["layout"]["annotations"]] == ["<b>0e</b>", "<b>1o</b>", "<b>1o</b>", "<b>2e</b>"]
    rect = d["layout"]["shapes"][3]
    assert (rect["x0"], rect["x1"]) == (6.5, 11.5)
    assert np.allclose(d["data"][0]["z"], D, atol=1e-6)
    with pytest.raises(ValueError):
        vr.block_diagonal_heatmap(D, blocks[:3])  # does not cover D
    with pytest.raises(ValueError):
        vr.block_diagonal_heatmap(D, [("x", slice(1, 12))])  # does not start at 0
    with pytest.raises(ValueError):
        vr.block_diagonal_heatmap(D[:, :5], blocks)


# ------------------------------------------------------------------------------------------ 3D surfaces
def test_sphere_directions_are_unit_vectors_on_a_closed_grid():
    n = vr.sphere_directions(12, 20)
    assert n.shape == (12, 20, 3)
    assert np.allclose(np.linalg.norm(n, axis=-1), 1.0)
    assert np.allclose(n[:, 0], n[:, -1])  # the azimuth closes
    assert np.allclose(n[0], [0.0, 1.0, 0.0]) and np.allclose(n[-1], [0.0, -1.0, 0.0])  # poles on y
    assert not n.flags.writeable
    with pytest.raises(ValueError):
        vr.sphere_directions(1, 2)


def _surface(l: int, c: np.ndarray, n: np.ndarray) -> np.ndarray:
    """The expected drawing of a degree-l block: ``|f(n)| n`` with ``f = Y^l(n) . c`` ('norm' harmonics)."""
    f = spherical_harmonics(l, n, normalization="norm") @ c
    return np.abs(f)[..., None] * n


def _feature(R: np.ndarray) -> list:
    rng = np.random.default_rng(3)
    blocks = []
    for label, l, p in (("0e", 0, 1), ("1o", 1, -1), ("2e", 2, 1)):
        c = rng.standard_normal(2 * l + 1)
        D = Irreps([(1, (l, p))]).D_from_matrix(R)
        blocks.append(vr.FeatureBlock(label, l, c, D @ c))
    return blocks


def test_feature_scene_is_one_scene_with_the_rotated_feature():
    R = _R(7)
    blocks = _feature(R)
    d = _valid(vr.feature_scene(blocks))
    assert "scene" in d["layout"] and not any(k.startswith("scene") and k != "scene" for k in d["layout"])
    types = [t["type"] for t in d["data"]]
    # per block and row: l=0 sphere, l=1 shaft + cone, l=2 surface; then labels and the xyz triad
    assert types[:8] == ["surface", "surface", "scatter3d", "cone", "scatter3d", "cone", "surface", "surface"]
    assert types.count("surface") == 4 and types.count("cone") == 2
    # the l=1 arrow after the rotation points along R v (drawn at scale 1/|v|)
    v = blocks[1].before
    after_cone = d["data"][5]
    direction = np.array([after_cone["u"][0], after_cone["v"][0], after_cone["w"][0]])
    assert np.allclose(direction / np.linalg.norm(direction), (blocks[1].after) / np.linalg.norm(v), atol=1e-3)
    # the l=2 surface after the rotation is the before-surface turned by R (float32 drawing precision)
    center_before = np.array([2 * vr._CELL, vr._ROW / 2, 0.0])
    center_after = np.array([2 * vr._CELL, -vr._ROW / 2, 0.0])
    before = np.stack([as_array(d["data"][6][k]) for k in "xyz"], -1) - center_before
    after = np.stack([as_array(d["data"][7][k]) for k in "xyz"], -1) - center_after
    n = vr.sphere_directions()
    scale = np.linalg.norm(blocks[2].before)
    expected = _surface(2, blocks[2].before / scale, n @ R)  # surface at R^T n ...
    assert np.abs(after - expected @ R.T).max() < 1e-5  # ... turned by R
    assert np.abs(before - _surface(2, blocks[2].before / scale, n)).max() < 1e-5
    with pytest.raises(ValueError):
        vr.feature_scene([])
    with pytest.raises(ValueError):
        vr.FeatureBlock("bad", 2, np.ones(3), np.ones(5))


def test_rotation_animation_frames_are_the_turning_feature():
    axis = np.array([1.0, 1.0, 0.0])
    angles = [0.0, 90.0, 180.0, 270.0]
    base = _feature(np.eye(3))
    frames = []
    for ang in angles:
        Rt = axis_angle_to_matrix(axis, np.deg2rad(ang))
        frames.append(
            [
                vr.FeatureBlock(
                    b.label, b.l, b.before, Irreps([(1, (b.l, 1 if b.l != 1 else -1))]).D_from_matrix(Rt) @ b.before
                )
                for b in base
            ]
        )
    d = _valid(vr.rotation_animation(frames, angles, axis=axis, mark_angle_deg=90.0))
    assert len(d["frames"]) == 4
    assert [f["name"] for f in d["frames"]] == ["0", "90", "180", "270"]
    # the scalar never moves: only the arrow (2 traces) and the l=2 surface are animated
    assert all(f["traces"] == [1, 2, 3] for f in d["frames"])
    assert all([t["type"] for t in f["data"]] == ["scatter3d", "cone", "surface"] for f in d["frames"])
    # frame 180 draws D(R(180)) c for the l=2 block
    R180 = axis_angle_to_matrix(axis, np.pi)
    surf = d["frames"][2]["data"][2]
    pts = np.stack([as_array(surf[k]) for k in "xyz"], -1) - np.array([2 * vr._CELL, 0.0, 0.0])
    c = base[2].before / np.linalg.norm(base[2].before)
    expected = _surface(2, wigner_D(2, R180) @ c, vr.sphere_directions(22, 30))
    assert np.abs(pts - expected).max() < 1e-5
    steps = d["layout"]["sliders"][0]["steps"]
    assert [s["label"] for s in steps] == ["0°", "90° ★", "180°", "270°"]
    assert [b["label"] for b in d["layout"]["updatemenus"][0]["buttons"]] == ["▶ play", "❚❚ pause"]
    with pytest.raises(ValueError):
        vr.rotation_animation(frames, angles[:3], axis=axis)
    with pytest.raises(ValueError):
        vr.rotation_animation(frames, angles, axis=[0.0, 0.0, 0.0])


# ------------------------------------------------------------------------------------------ point clouds
def test_point_cloud_scene_one_scene_before_and_after():
    X, labels, bonds = M.point_cloud_preset("water")
    R = _R(3)
    d = _valid(vr.point_cloud_scene(X, X @ R.T, labels=labels, bonds=bonds))
    assert [t["type"] for t in d["data"]] == ["scatter3d"] * 4  # bonds + atoms, before and after
    after = d["data"][3]
    assert np.allclose(np.stack([after["x"], after["y"], after["z"]], -1), X @ R.T, atol=1e-4)
    assert d["data"][1]["opacity"] < 1 and d["data"][3]["opacity"] == 1
    with pytest.raises(ValueError):
        vr.point_cloud_scene(X, X[:2])
    with pytest.raises(ValueError):
        vr.point_cloud_scene(X, X, bonds=[(0, 7)])


def test_commuting_square_figure_shows_both_paths_and_log_errors():
    X, labels, _ = M.point_cloud_preset("water")
    sq = E.commuting_square_data(X, _R(6), 2, "textbook basis")
    d = _valid(
        vr.commuting_square_figure(
            sq.path_a,
            sq.path_b,
            sq.wrong,
            column_labels=sq.column_labels,
            row_labels=labels[1:],
            wrong_label="textbook basis",
        )
    )
    assert [t["type"] for t in d["data"]] == ["heatmap"] * 4
    ok, bad = np.array(d["data"][2]["z"]), np.array(d["data"][3]["z"])
    assert ok.max() < -12  # log10 |A - B|
    assert bad.max() > -1  # log10 |A - wrong|
    assert d["data"][2]["zmin"] == -17 and d["data"][3]["zmax"] == 0
    with pytest.raises(ValueError):
        vr.commuting_square_figure(
            sq.path_a, sq.path_b[:1], sq.wrong, column_labels=sq.column_labels, row_labels=labels[1:]
        )


def test_equivariance_error_bars_colour_exact_and_broken():
    d = _valid(vr.equivariance_error_bars(["a", "b"], [3e-16, 0.4]))
    (bar,) = d["data"]
    assert bar["marker"]["color"] == ["#2e8b57", "#c0392b"]
    assert d["layout"]["yaxis"]["type"] == "log"
    assert bar["text"] == ["<b>3.0e-16</b>", "<b>4.0e-01</b>"]
    with pytest.raises(ValueError):
        vr.equivariance_error_bars(["a"], [-1.0])


# ------------------------------------------------------------------------------------------ conventions
def test_three_bases_figure_has_four_labelled_panels():
    from equi_core import matrix_to_zyz_angles
    from equi_core.o3.conventions import textbook_m_order, wigner_D_complex

    R = _R(8)
    D_qm = wigner_D_complex(2, *matrix_to_zyz_angles(R))
    d = _valid(
        vc.three_bases_figure(2, wigner_D(2, R), wigner_D_textbook(2, R), D_qm, textbook_labels=textbook_m_order(2))
    )
    assert len(d["data"]) == 4
    assert np.allclose(d["data"][2]["z"], D_qm.real, atol=1e-6)
    assert np.allclose(d["data"][3]["z"], D_qm.imag, atol=1e-6)
    assert d["data"][1]["y"] == ["m=-2", "m=-1", "m=0", "m=1", "m=2"]
    assert vc.lab_labels(1) == ["x", "y", "z"] and vc.complex_labels(1) == ["m=-1", "m=0", "m=1"]
    with pytest.raises(ValueError):
        vc.three_bases_figure(2, np.eye(3), np.eye(5), np.eye(5), textbook_labels=textbook_m_order(2))


def test_change_of_basis_and_cg_figures():
    from equi_core import change_basis_real_to_complex, clebsch_gordan
    from equi_core.o3.conventions import e3nn_to_textbook_axes, textbook_m_order

    B = wigner_D(1, e3nn_to_textbook_axes().T)
    Q = change_basis_real_to_complex(1)
    d = _valid(vc.change_of_basis_figure(B, Q, 1, textbook_labels=textbook_m_order(1)))
    assert np.allclose(d["data"][0]["z"], [[0, 1, 0], [0, 0, 1], [1, 0, 0]], atol=1e-9)  # (x,y,z) -> (y,z,x)
    C = clebsch_gordan(1, 1, 2)
    d = _valid(vc.cg_slices_figure(C))
    assert len(d["data"]) == 5
    assert np.allclose(d["data"][2]["z"], C[:, :, 2], atol=1e-6)
    with pytest.raises(ValueError):
        vc.cg_slices_figure(np.ones((2, 3, 3)))
