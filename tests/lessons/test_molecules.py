"""The Lab's one source of molecule geometry (equi_core.molecules) and the sphere presets built on it."""

from __future__ import annotations

import math

import numpy as np
import pytest

from equi_core.lessons import molecules as M
from equi_core.lessons import truncation as T


def test_point_cloud_presets_are_the_molecules():
    X, labels, bonds = M.point_cloud_preset("water")
    assert labels == ["O", "H1", "H2"] and bonds == [(0, 1), (0, 2)]
    assert np.allclose(np.linalg.norm(X[1:], axis=1), 0.9572)
    cos = X[1] @ X[2] / (np.linalg.norm(X[1]) * np.linalg.norm(X[2]))
    assert np.degrees(np.arccos(cos)) == pytest.approx(104.52)
    X, labels, bonds = M.point_cloud_preset("methane")
    H = X[1:]
    assert np.allclose(np.linalg.norm(H, axis=1), 1.09)
    cosines = [H[i] @ H[j] / 1.09**2 for i in range(4) for j in range(i + 1, 4)]
    assert np.allclose(cosines, -1 / 3)  # tetrahedral angle 109.47 degrees
    X1, _, _ = M.point_cloud_preset("random cloud", seed=1)
    X2, _, _ = M.point_cloud_preset("random cloud", seed=2)
    assert X1.shape == (6, 3) and np.allclose(X1.mean(0), 0) and not np.allclose(X1, X2)
    with pytest.raises(ValueError):
        M.point_cloud_preset("benzene")


def _angles(u: np.ndarray) -> list[float]:
    u = u / np.linalg.norm(u, axis=-1, keepdims=True)
    return sorted(
        {
            round(math.degrees(math.acos(np.clip(u[i] @ u[j], -1, 1))), 2)
            for i in range(len(u))
            for j in range(i + 1, len(u))
        }
    )


@pytest.mark.parametrize(
    "name, angle, length", [("water", 104.52, 0.9572), ("ammonia", 106.7, 1.012), ("methane", 109.47, 1.09)]
)
def test_molecules_are_their_bond_lengths_and_angles(name, angle, length):
    m = M.molecule(name)
    assert np.array_equal(m.positions[0], np.zeros(3)) and not m.positions.flags.writeable
    assert all(i == 0 for i, _ in m.bonds) and len(m.bonds) == len(m.labels) - 1
    assert np.abs(np.linalg.norm(m.bond_vectors(), axis=-1) - length).max() < 1e-12
    assert _angles(m.bond_vectors()) == [angle] and round(m.bond_angle_deg, 2) == angle
    assert np.abs(np.linalg.norm(M.bond_directions(name), axis=-1) - 1.0).max() < 1e-15
    with pytest.raises(ValueError, match="unknown molecule"):
        M.molecule("caffeine")


def test_sphere_presets_use_the_molecules_geometry():
    for name in M.MOLECULES:
        assert np.abs(T.molecule_directions(name) - M.bond_directions(name)).max() < 1e-15
        assert T.TARGET_MOLECULES[name][0] == M.molecule(name).description
    X, _labels, _bonds = M.point_cloud_preset("water")
    assert np.abs(X - M.molecule("water").positions).max() == 0.0 and X.flags.writeable
