"""The commuting square Y(R x) = D(R) Y(x) and the deliberately wrong D matrices (equi_core.equivariance)."""

from __future__ import annotations

import numpy as np
import pytest

from equi_core import angles_to_matrix, random_rotation, wigner_D
from equi_core.lessons import irreps_rotations as E
from equi_core.lessons import molecules as M
from equi_core.o3.conventions import wigner_D_textbook


def _R(seed: int = 0) -> np.ndarray:
    return random_rotation(rng=seed)


@pytest.mark.parametrize("cloud", M.POINT_CLOUDS)
@pytest.mark.parametrize("bug", [b for b, _ in E.BUGS])
def test_commuting_square_commutes_and_the_bug_does_not(cloud, bug):
    X, _, _ = M.point_cloud_preset(cloud, seed=4)
    for R in (_R(11), -_R(11)):  # proper and improper
        sq = E.commuting_square_data(X, R, 3, bug)
        assert sq.error < 1e-13
        assert sq.wrong_error > 0.1
        assert sq.path_a.shape == (len([x for x in X if np.linalg.norm(x) > 0]), 16)
        assert len(sq.column_labels) == 16 and sq.column_labels[4] == "2:0"


def test_commuting_square_scalars_are_immune_to_every_bug():
    X, _, _ = M.point_cloud_preset("methane")
    for bug, _ in E.BUGS:
        sq = E.commuting_square_data(X, _R(2), 0, bug)
        assert sq.error < 1e-15 and sq.wrong_error < 1e-15


def test_commuting_square_path_a_matches_e3nn():
    torch = pytest.importorskip("torch")
    o3 = pytest.importorskip("e3nn.o3")
    X, _, _ = M.point_cloud_preset("methane")
    R = _R(5)
    sq = E.commuting_square_data(X, R, 3, "inverse rotation")
    ref = o3.spherical_harmonics(
        [0, 1, 2, 3], torch.tensor(X[1:] @ R.T), normalize=True, normalization="component"
    ).numpy()
    assert np.abs(sq.path_a - ref).max() < 1e-12


def test_wrong_D_is_what_its_name_says():
    R = _R(9)
    assert np.allclose(E.wrong_D("inverse rotation", 2, R), wigner_D(2, R).T)
    assert np.allclose(E.wrong_D("textbook basis", 2, R), wigner_D_textbook(2, R))
    a, b, g = 0.4, 1.0, -1.3
    assert np.allclose(
        E.wrong_D("alpha and gamma swapped", 2, angles_to_matrix(a, b, g)), wigner_D(2, angles_to_matrix(g, b, a))
    )
    for bug, _ in E.BUGS:  # every bug is still an orthogonal matrix: it "looks like" a rotation
        W = E.wrong_D(bug, 3, R)
        assert np.allclose(W @ W.T, np.eye(7), atol=1e-12)
        assert np.abs(W - wigner_D(3, R)).max() > 0.05
    with pytest.raises(ValueError):
        E.wrong_D("off by one", 1, R)
