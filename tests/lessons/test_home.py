"""What the home page shows: three maps exact to float64 round-off, componentwise ReLU off by O(1)."""

from __future__ import annotations

import pytest

from equi_core.lessons.home import SAMPLES, equivariance_maps


@pytest.mark.parametrize("seed", [0, 5, 99])
def test_three_maps_are_exact_and_relu_is_not(seed):
    maps = equivariance_maps(seed)
    assert maps.samples == SAMPLES == 16 and maps.seed == seed
    assert maps.equivariant == (True, True, True, False)
    assert [lbl.split("<br>")[0] for lbl in maps.labels] == ["harmonics", "CG product", "norm", "ReLU on"]
    assert all(e < 1e-12 for e in maps.errors[:3]), maps.errors
    assert maps.worst_equivariant == max(maps.errors[:3]) < 1e-12
    assert 0.1 < maps.relu_error == maps.errors[3] < 20  # of the order of a standard normal input


def test_draws_are_reproducible_and_differ_between_seeds():
    assert equivariance_maps(3) == equivariance_maps(3)
    assert equivariance_maps(3).relu_error != equivariance_maps(4).relu_error


@pytest.mark.parametrize("seed", [-1, 2**31, 1.5, True])
def test_bad_seeds_are_rejected(seed):
    with pytest.raises(ValueError):
        equivariance_maps(seed)
