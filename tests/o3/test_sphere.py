"""Tests of equi_core.o3.sphere: exact quadrature, projection, power spectra, zonal kernels."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import integrate, special

from equi_core import random_rotation, wigner_D
from equi_core.lessons import truncation as T
from equi_core.o3 import sphere as S


def _monomial_integral(a: int, b: int, c: int) -> float:
    """Exact integral of x^a y^b z^c over the unit sphere."""
    if a % 2 or b % 2 or c % 2:
        return 0.0
    g = math.gamma
    return 2.0 * g((a + 1) / 2) * g((b + 1) / 2) * g((c + 1) / 2) / g((a + b + c + 3) / 2)


def _rotate_coefficients(c: np.ndarray, R: np.ndarray) -> np.ndarray:
    L = S.degree_of(c)
    return np.concatenate([wigner_D(l, R) @ c[l * l : (l + 1) ** 2] for l in range(L + 1)])


@pytest.mark.parametrize("degree", [0, 1, 4, 7, 12])
def test_quadrature_integrates_every_monomial_up_to_its_degree(degree):
    grid = S.quadrature_grid(degree)
    x, y, z = grid.flat_points.T
    w = grid.weights.reshape(-1)
    assert w.sum() == pytest.approx(4 * np.pi, abs=1e-13)
    worst = 0.0
    for a in range(degree + 1):
        for b in range(degree + 1 - a):
            for c in range(degree + 1 - a - b):
                num = float(w @ (x**a * y**b * z**c))
                worst = max(worst, abs(num - _monomial_integral(a, b, c)))
    assert worst < 1e-13


def test_quadrature_is_not_exact_beyond_its_degree():
    """The exactness claim can fail: one degree more than the grid is built for is visibly wrong."""
    degree = 8
    grid = S.quadrature_grid(degree)
    y = grid.flat_points[:, 1]
    # polar direction: Gauss-Legendre with 5 nodes is exact to degree 9, wrong at 10
    err = abs(float(grid.weights.reshape(-1) @ y**10) - _monomial_integral(0, 10, 0))
    assert err > 1e-4
    # azimuth: 9 uniform nodes cannot integrate cos(9 phi)-like terms (x^9 needs frequency 9)
    x, _, z = grid.flat_points.T
    assert (
        abs(
            float(
                grid.weights.reshape(-1)
                @ (z**9 - 36 * z**7 * x**2 + 126 * z**5 * x**4 - 84 * z**3 * x**6 + 9 * z * x**8)
            )
        )
        > 1e-3
    )


def test_discrete_orthonormality_of_the_harmonics():
    L = 9
    grid = S.quadrature_grid(2 * L)
    Y = S.sh_matrix(L, grid)
    gram = Y.T @ (grid.weights.reshape(-1, 1) * Y)
    assert np.abs(gram - np.eye((L + 1) ** 2)).max() < 1e-13


@pytest.mark.parametrize("band,seed", [(0, 0), (3, 1), (10, 2), (20, 3)])
def test_band_limited_function_reproduced_to_1e12(band, seed):
    f = T.random_band_limited(band, seed)
    grid = S.quadrature_grid(2 * band)
    values = S.synthesize(f.coeffs, grid)
    c = S.project(values, band, grid)
    assert np.abs(c - f.coeffs).max() < 1e-12
    # also through a callable, and projecting to a higher degree gives zeros above the band
    c_hi = S.project(f.values, band + 3, S.quadrature_grid(2 * band + 6))
    assert np.abs(c_hi[: (band + 1) ** 2] - f.coeffs).max() < 1e-12
    assert np.abs(c_hi[(band + 1) ** 2 :]).max() < 1e-12
    # and synthesis from the projection reproduces the values
    assert np.abs(S.synthesize(c, grid) - values).max() < 1e-12


def test_project_is_batched():
    grid = S.quadrature_grid(8)
    cs = np.stack([T.random_band_limited(4, s).coeffs for s in range(3)])
    vals = S.synthesize(cs, grid)
    assert vals.shape == (3, grid.n_theta, grid.n_phi)
    assert np.abs(S.project(vals, 4, grid) - cs).max() < 1e-12
    assert np.abs(S.project(vals.reshape(3, -1), 4, grid) - cs).max() < 1e-12


def test_project_rejects_bad_input():
    grid = S.quadrature_grid(6)
    with pytest.raises(ValueError, match="too coarse"):
        S.project(np.zeros(grid.size), 4, grid)
    with pytest.raises(ValueError, match="no quadrature weights"):
        S.project(lambda x: x[:, 0], 2, S.latlong_grid(10, 20))
    with pytest.raises(ValueError, match="finite"):
        S.project(np.full(grid.size, np.nan), 2, grid)
    with pytest.raises(ValueError, match="shape"):
        S.project(np.zeros(7), 2, grid)
    with pytest.raises(ValueError, match="integer"):
        S.project(lambda x: x[:, 0], -1)
    with pytest.raises(ValueError, match="integer"):
        S.project(lambda x: x[:, 0], 10**6)
    with pytest.raises(ValueError, match="needs the grid"):
        S.project(np.zeros(10), 2)
    with pytest.raises(ValueError, match=r"\(L\+1\)\^2"):
        S.power_spectrum(np.zeros(5))


def test_power_spectrum_is_rotation_invariant():
    f = T.random_band_limited(12, 7)
    R = random_rotation(rng=3)
    rotated = _rotate_coefficients(f.coeffs, R)
    assert np.abs(rotated - f.coeffs).max() > 0.1  # the coefficients do change
    assert np.abs(S.power_spectrum(rotated) - S.power_spectrum(f.coeffs)).max() < 1e-13


@pytest.mark.parametrize("kappa", [0.7, 5.0, 40.0])
def test_von_mises_fisher_kernel_matches_numerical_integral(kappa):
    for l in [0, 1, 2, 5, 9]:
        num, _ = integrate.quad(
            lambda t, l=l: np.exp(kappa * (t - 1)) * special.eval_legendre(l, t),
            -1,
            1,
            epsabs=1e-14,
            epsrel=1e-12,
            limit=200,
        )
        assert S.von_mises_fisher_kernel(kappa, [l])[0] == pytest.approx(2 * np.pi * num, rel=1e-9, abs=1e-15)


def test_cap_kernel_matches_numerical_integral():
    c = math.cos(0.6)
    for l in [0, 1, 2, 3, 8]:
        num, _ = integrate.quad(lambda t, l=l: special.eval_legendre(l, t), c, 1, epsabs=1e-14)
        assert S.cap_kernel(0.6, [l])[0] == pytest.approx(2 * np.pi * num, rel=1e-10, abs=1e-14)


@settings(max_examples=60, deadline=None)
@given(band=st.integers(0, 10), seed=st.integers(0, 2**31), rot=st.integers(0, 2**31))
def test_spectrum_invariance_property(band, seed, rot):
    c = T.random_band_limited(band, seed).coeffs
    R = random_rotation(rng=rot)
    assert np.abs(S.power_spectrum(_rotate_coefficients(c, R)) - S.power_spectrum(c)).max() < 1e-12
