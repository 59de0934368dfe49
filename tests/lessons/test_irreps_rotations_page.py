"""What the "Rotations act on irrep blocks" page shows, against closed forms (rotation matrices written out, the
character formula, D^1 = R) and an independent computation of the commuting square."""

from __future__ import annotations

import numpy as np
import pytest

from equi_core import spherical_harmonics, wigner_D
from equi_core.lessons import irreps_rotations as L
from equi_core.lessons.molecules import POINT_CLOUDS

R_DEFAULT = L.rotation_from_euler(30, 60, -45)


def _turn_angle_deg(R: np.ndarray) -> float:
    proper = R * np.sign(np.linalg.det(R))
    return float(np.degrees(np.arccos(np.clip((np.trace(proper) - 1) / 2, -1, 1))))


def test_presets_are_the_named_matrices():
    z90 = np.array([[0.0, -1.0, 0.0], [1.0, 0.0, 0.0], [0.0, 0.0, 1.0]])
    np.testing.assert_allclose(L.preset_matrix("90° about z"), z90, atol=1e-15)
    np.testing.assert_allclose(L.preset_matrix("inversion −I"), -np.eye(3), atol=0)
    np.testing.assert_allclose(L.preset_matrix("rotoinversion −Rz(90°)"), -z90, atol=1e-15)
    np.testing.assert_allclose(L.preset_matrix("identity"), np.eye(3), atol=0)
    assert len(L.PRESETS) == 7 and all(L.preset_matrix(p).shape == (3, 3) for p in L.PRESETS)
    with pytest.raises(ValueError):
        L.preset_matrix("45° about w")


def test_rotation_inputs():
    np.testing.assert_allclose(L.rotation_from_euler(90, 0, 0), [[0, 0, 1], [0, 1, 0], [-1, 0, 0]], atol=1e-15)
    np.testing.assert_allclose(L.rotation_from_axis("0, 0, 1", 90), L.preset_matrix("90° about z"), atol=1e-15)
    with pytest.raises(ValueError, match="zero"):
        L.rotation_from_axis("0, 0, 0", 90)
    with pytest.raises(ValueError):
        L.rotation_from_axis("[x](http://evil)", 90)
    assert L.rotation_from_seed(42).shape == (3, 3)
    np.testing.assert_array_equal(L.rotation_from_seed(42), L.rotation_from_seed(42))


@pytest.mark.parametrize("name", ["identity", "90° about y", "180° about z", "inversion −I", "rotoinversion −Rz(90°)"])
def test_describe_rotation(name):
    R = L.preset_matrix(name)
    rot = L.describe_rotation(R)
    assert rot.det == pytest.approx(np.linalg.det(R), abs=1e-15)
    assert rot.improper == (name.startswith(("inversion", "rotoinversion")))
    assert rot.angle_deg == pytest.approx(_turn_angle_deg(R), abs=1e-6)
    assert rot.d1_error < 1e-14
    assert np.linalg.norm(rot.axis) == pytest.approx(1.0, abs=1e-12)


def test_describe_the_default_rotation():
    rot = L.describe_rotation(R_DEFAULT)
    np.testing.assert_allclose(rot.yxy_deg, (30, 60, -45), atol=1e-9)  # the angles it was built from
    assert rot.angle_deg == pytest.approx(_turn_angle_deg(R_DEFAULT), abs=1e-9)
    assert rot.det == pytest.approx(1.0, abs=1e-14)


def test_feature_report_block_bookkeeping():
    rep = L.feature_report("2x1o + 1x3o", R_DEFAULT, 6)
    assert (rep.dim, rep.num_irreps, rep.degrees) == (13, 3, (1, 3))
    assert [label for label, _ in rep.slices] == ["1o", "1o", "3o"]
    assert [(s.start, s.stop) for _, s in rep.slices] == [(0, 3), (3, 6), (6, 13)]
    assert [b.label for b in rep.blocks] == ["1o #1", "1o #2", "3o"]
    assert rep.off_block_max == 0.0  # exactly: rotations never mix blocks
    assert rep.orthogonality_error < 1e-13
    for b in rep.blocks[:2]:  # D^1(R) = R acts on a vector block
        np.testing.assert_allclose(b.after, R_DEFAULT @ b.before, atol=1e-14)
    np.testing.assert_allclose(rep.norms_before, rep.norms_after, atol=1e-13)
    np.testing.assert_allclose(rep.norms_before, [np.linalg.norm(b.before) for b in rep.blocks], atol=0)
    assert [t.irrep for t in rep.types] == ["1o", "3o"] and rep.types[0].label == "D^{1}"
    np.testing.assert_allclose(rep.types[1].matrix, wigner_D(3, R_DEFAULT) * 1, atol=1e-13)  # 3o, det R = +1


def test_improper_blocks_carry_the_parity():
    rep = L.feature_report("1x1o + 1x1e", -np.eye(3), 0)
    odd, even = rep.blocks
    np.testing.assert_allclose(odd.after, -odd.before, atol=1e-15)  # a polar vector flips
    np.testing.assert_allclose(even.after, even.before, atol=1e-15)  # an axial vector stays
    assert [t.label for t in rep.types] == ["-D^{1}(-R)", "D^{1}"]


@pytest.mark.parametrize(
    ("text", "match"),
    [
        ("2x1q", "1q"),
        ("", "empty"),
        ("1x9e", "at most l = 8"),
        ("22x1o", "64 components"),
        ("1x0e + + 1o", "empty term"),
    ],
)
def test_irreps_the_page_cannot_draw(text, match):
    with pytest.raises(ValueError, match=match):
        L.parse_feature_irreps(text)


def test_turn_animation_frames():
    rot = L.describe_rotation(L.preset_matrix("90° about z"))
    turn = L.turn_animation("1x0e + 1x1o + 1x2e + 1x3o + 1x4e", 6, rot.axis, rot.angle_deg)
    assert turn.angles_deg == tuple(float(a) for a in range(0, 360, 15)) and len(turn.frames) == 24
    assert [b.label for b in turn.frames[0]] == ["0e", "1o", "2e", "3o"]  # the first four blocks
    assert turn.mark_deg == 90.0 and turn.step_deg == 15
    for b in turn.frames[0]:
        np.testing.assert_allclose(b.after, b.before, atol=1e-14)  # frame 0 is the identity
    vec = turn.frames[6][1]  # 90 degrees about z
    np.testing.assert_allclose(vec.after, L.preset_matrix("90° about z") @ vec.before, atol=1e-14)
    assert L.turn_animation("1o", 0, (0, 0, 1), 172).mark_deg == 165.0
    with pytest.raises(ValueError):
        L.turn_animation("1o", 0, (0, 0, 0), 0)


def _independent_wrong_error(points: np.ndarray, R: np.ndarray, lmax: int) -> float:
    """The 'inverse rotation' bug computed here: max |Y(R x) - D(R^T) Y(x)| over degrees 1..lmax."""
    X = points[np.linalg.norm(points, axis=1) > 1e-12]
    worst = 0.0
    for l in range(lmax + 1):
        a = spherical_harmonics(l, X @ R.T, normalization="component")
        b = spherical_harmonics(l, X, normalization="component") @ wigner_D(l, R.T).T
        worst = max(worst, float(np.abs(a - b).max()))
    return worst


@pytest.mark.parametrize("cloud", POINT_CLOUDS)
def test_commuting_square_view(cloud):
    view = L.commuting_square_view(cloud, R_DEFAULT, 2, "inverse rotation", 6)
    assert view.square.error < 1e-13
    assert view.square.wrong_error == pytest.approx(_independent_wrong_error(view.points, R_DEFAULT, 2), abs=1e-12)
    assert view.square.wrong_error > 0.1 and view.ratio > 1e10
    nonzero = [lbl for lbl, p in zip(view.atom_labels, view.points) if np.linalg.norm(p) > 1e-12]
    assert list(view.row_labels) == nonzero and len(view.square.path_a) == len(nonzero)
    np.testing.assert_allclose(view.rotated, view.points @ R_DEFAULT.T, atol=0)
    cols = view.columns()
    assert cols["point"] == nonzero and len(cols) == 1 + 3 * 9  # 9 components for l <= 2
    assert L.commuting_square_view(cloud, R_DEFAULT, 0, "textbook basis", 6).square.wrong_error < 1e-15


def test_quiz_answers():
    q = L.quizzes()
    assert q["quiz_0"].answer == 2 * 3 + 3 * 5
    assert q["quiz_1"].answer == "1o flips, 1e stays"
    theta = np.pi / 2
    assert q["quiz_2"].answer == round(np.sin(2.5 * theta) / np.sin(theta / 2)) == -1  # the character chi_2(90°)
