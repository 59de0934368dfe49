"""Tests of equi_core.sphere: exact quadrature, projection, spectra, truncation errors, the n-fold blind spot."""
from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import integrate, special

from equi_core import random_rotation, spherical_harmonics, wigner_D
import equi_core as S


def _monomial_integral(a: int, b: int, c: int) -> float:
    """Exact integral of x^a y^b z^c over the unit sphere."""
    if a % 2 or b % 2 or c % 2:
        return 0.0
    g = math.gamma
    return 2.0 * g((a + 1) / 2) * g((b + 1) / 2) * g((c + 1) / 2) / g((a + b + c + 3) / 2)


def _rotate_coefficients(c: np.ndarray, R: np.ndarray) -> np.ndarray:
    L = S.degree_of(c)
    return np.concatenate([wigner_D(l, R) @ c[l * l : (l + 1) ** 2] for l in range(L + 1)])


# ------------------------------------------------------------------ quadrature
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
    assert abs(float(grid.weights.reshape(-1) @ (z**9 - 36 * z**7 * x**2 + 126 * z**5 * x**4 - 84 * z**3 * x**6 + 9 * z * x**8))) > 1e-3


def test_discrete_orthonormality_of_the_harmonics():
    L = 9
    grid = S.quadrature_grid(2 * L)
    Y = S.sh_matrix(L, grid)
    gram = Y.T @ (grid.weights.reshape(-1, 1) * Y)
    assert np.abs(gram - np.eye((L + 1) ** 2)).max() < 1e-13


@pytest.mark.parametrize("band,seed", [(0, 0), (3, 1), (10, 2), (20, 3)])
def test_band_limited_function_reproduced_to_1e12(band, seed):
    f = S.random_band_limited(band, seed)
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
    cs = np.stack([S.random_band_limited(4, s).coeffs for s in range(3)])
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


# ------------------------------------------------------------------ spectrum
def test_power_spectrum_is_rotation_invariant():
    f = S.random_band_limited(12, 7)
    R = random_rotation(rng=3)
    rotated = _rotate_coefficients(f.coeffs, R)
    assert np.abs(rotated - f.coeffs).max() > 0.1  # the coefficients do change
    assert np.abs(S.power_spectrum(rotated) - S.power_spectrum(f.coeffs)).max() < 1e-13


def test_spectrum_of_rotated_signal_through_quadrature():
    """Rotate the *function* (not its coefficients): f_R(x) = f(R^T x). The projected spectra agree."""
    f = S.make_target("ammonia", kappa=6.0)
    R = random_rotation(rng=11)
    g = S.BondDensity(f.directions @ R.T, f.kappa)
    L = 10
    grid = S.gauss_grid(60, 120)  # kappa = 6: the bumps are band-limited to 1e-16 well below degree 110
    cf = S.project(f.values, L, grid)
    cg = S.project(g.values, L, grid)
    assert np.abs(cf - cg).max() > 1e-2
    assert np.abs(S.power_spectrum(cf) - S.power_spectrum(cg)).max() < 1e-12
    # and the rotated coefficients are D(R) times the original ones
    assert np.abs(_rotate_coefficients(cf, R) - cg).max() < 1e-12


# ------------------------------------------------------------------ exact (Funk-Hecke) signals
@pytest.mark.parametrize("kappa", [0.7, 5.0, 40.0])
def test_von_mises_fisher_kernel_matches_numerical_integral(kappa):
    for l in [0, 1, 2, 5, 9]:
        num, _ = integrate.quad(lambda t: np.exp(kappa * (t - 1)) * special.eval_legendre(l, t), -1, 1,
                                epsabs=1e-14, epsrel=1e-12, limit=200)
        assert S.von_mises_fisher_kernel(kappa, [l])[0] == pytest.approx(2 * np.pi * num, rel=1e-9, abs=1e-15)


def test_cap_kernel_matches_numerical_integral():
    c = math.cos(0.6)
    for l in [0, 1, 2, 3, 8]:
        num, _ = integrate.quad(lambda t: special.eval_legendre(l, t), c, 1, epsabs=1e-14)
        assert S.cap_kernel(0.6, [l])[0] == pytest.approx(2 * np.pi * num, rel=1e-10, abs=1e-14)


@pytest.mark.parametrize("kind", ["water", "ammonia", "methane", "benzene", "star"])
def test_bond_density_exact_coefficients_match_quadrature(kind):
    f = S.make_target(kind, n=5, kappa=20.0)
    grid = S.gauss_grid(70, 140)
    L = 15
    exact = f.coefficients(L)
    assert np.abs(S.project(f.values, L, grid) - exact).max() < 1e-12
    # Parseval and the closed-form norm
    w = grid.weights.reshape(-1)
    assert f.norm_squared() == pytest.approx(float(w @ f.values(grid.flat_points) ** 2), rel=1e-12)
    assert f.spectrum(f.cutoff_degree).sum() == pytest.approx(f.norm_squared(), rel=1e-12)
    assert np.abs(f.spectrum(L) - S.power_spectrum(exact)).max() < 1e-13


def test_cap_exact_spectrum_and_norm():
    cap = S.make_target("cap", cap_angle_deg=40.0)
    assert cap.norm_squared() == pytest.approx(2 * np.pi * (1 - math.cos(math.radians(40))), rel=1e-15)
    assert np.abs(cap.spectrum(12) - S.power_spectrum(cap.coefficients(12))).max() < 1e-13
    # the exact coefficients agree with a fine quadrature up to the discontinuity's quadrature error
    grid = S.gauss_grid(400, 800)
    assert np.abs(S.project(cap.values, 6, grid) - cap.coefficients(6)).max() < 5e-3


def test_molecule_geometry():
    def angles(u):
        return sorted({round(math.degrees(math.acos(np.clip(u[i] @ u[j], -1, 1))), 2)
                       for i in range(len(u)) for j in range(i + 1, len(u))})
    assert angles(S.molecule_directions("water")) == [104.52]
    assert angles(S.molecule_directions("ammonia")) == [106.7]
    assert angles(S.molecule_directions("methane")) == [109.47]
    assert angles(S.molecule_directions("benzene")) == [60.0, 120.0, 180.0]
    with pytest.raises(ValueError, match="unknown molecule"):
        S.molecule_directions("caffeine")


def test_make_target_rejects_bad_input():
    with pytest.raises(ValueError, match="unknown target"):
        S.make_target("ozone")
    with pytest.raises(ValueError, match="kappa"):
        S.make_target("water", kappa=float("nan"))
    with pytest.raises(ValueError, match="n must be"):
        S.make_target("star", n=0)
    with pytest.raises(ValueError, match="cap_angle_deg"):
        S.make_target("cap", cap_angle_deg=1e308)
    with pytest.raises(ValueError, match="band"):
        S.make_target("random", band=10**6)
    with pytest.raises(ValueError, match="nonzero"):
        S.BondDensity(np.zeros((2, 3)), 3.0)


# ------------------------------------------------------------------ truncation
@pytest.mark.parametrize("kind", list(S.TARGET_KINDS))
def test_truncation_l2_error_is_exact_and_non_increasing(kind):
    f = S.make_target(kind, n=5, kappa=25.0, band=6)
    study = S.truncation_study(f, 20)
    err = study.rel_l2_error
    assert np.all(np.diff(err) <= 0)
    assert 0 < err[0] <= 1
    # independent check: the L2 error through a fine quadrature of (f - f_L)^2
    if kind != "cap":  # the cap is discontinuous: no quadrature is exact for it
        grid = S.gauss_grid(80, 160)
        w = grid.weights.reshape(-1)
        fv = f.values(grid.flat_points)
        for L in (0, 3, 8):
            fl = S.reconstruct(study.coefficients, L, grid).reshape(-1)
            direct = math.sqrt(float(w @ (fv - fl) ** 2) / f.norm_squared())
            assert direct == pytest.approx(err[L], rel=1e-8, abs=1e-12)


def test_band_limited_truncation_error_is_zero_from_its_band():
    study = S.truncation_study(S.make_target("random", band=6, seed=4), 10)
    assert np.all(study.rel_l2_error[6:] == 0.0)
    assert np.all(study.rel_l2_error[:6] > 1e-3)
    assert np.all(study.max_error[6:] < 1e-12)


def test_truncation_max_error_matches_direct_evaluation():
    f = S.make_target("methane", kappa=25.0)
    study = S.truncation_study(f, 12)
    grid = study.grid
    fl = S.reconstruct(study.coefficients, 7, grid).reshape(-1)
    assert study.max_error[7] == pytest.approx(np.abs(f.values(grid.flat_points) - fl).max(), rel=1e-12)
    assert study.degree_for(0.05) == int(np.nonzero(study.rel_l2_error <= 0.05)[0][0])


def test_cap_max_error_does_not_vanish_gibbs():
    study = S.truncation_study(S.make_target("cap"), 24)
    assert study.rel_l2_error[24] < 0.25
    assert study.max_error[12:].min() > 0.4  # the rim keeps an O(1) pointwise error


# ------------------------------------------------------------------ blind spot
@pytest.mark.parametrize("n", [1, 2, 3, 4, 5, 6, 8, 11])
def test_blind_spot_identity(n):
    result = S.blind_spot(n, n + 3)
    scale = max(1.0, result.feature_norm.max())
    assert result.difference[:n].max() < 1e-12 * scale
    assert result.difference[n] > 0.5  # visible, not rounding noise
    assert result.first_visible == n
    assert result.spectrum_difference.max() < 1e-10 * scale**2  # invariants never differ
    assert S.star_needs_degree(n) == n


def test_blind_spot_features_match_e3nn():
    torch = pytest.importorskip("torch")
    o3 = pytest.importorskip("e3nn.o3")
    star = S.star_directions(5, 0.3)
    ours = S.star_features(star, 7)
    theirs = o3.spherical_harmonics(list(range(8)), torch.tensor(star), normalize=True,
                                    normalization="component").sum(0).numpy()
    assert np.abs(ours - theirs).max() < 1e-12


def test_blind_spot_rejects_bad_n():
    with pytest.raises(ValueError):
        S.blind_spot(0, 4)
    with pytest.raises(ValueError):
        S.star_needs_degree(10**9)


# ------------------------------------------------------------------ fuzzing the validation layer (issue 7)
from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

_ANY = st.one_of(
    st.integers(min_value=-10**30, max_value=10**30),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=20),
    st.none(),
    st.booleans(),
)


@settings(max_examples=1000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(kind=st.one_of(st.sampled_from(S.TARGET_KINDS), st.text(max_size=12)), n=_ANY, kappa=_ANY, cap=_ANY,
       band=st.one_of(st.integers(min_value=-5, max_value=40), _ANY), seed=_ANY)
def test_make_target_never_fails_badly(kind, n, kappa, cap, band, seed):
    """Any input either builds a valid signal or raises ValueError with a message (never another exception)."""
    try:
        signal = S.make_target(kind, n=n, kappa=kappa, cap_angle_deg=cap, band=band, seed=seed)
    except ValueError as exc:
        assert str(exc)
        return
    assert np.isfinite(signal.norm_squared()) and signal.norm_squared() > 0
    assert np.all(np.isfinite(signal.coefficients(3)))


@settings(max_examples=1000, deadline=None)
@given(n=_ANY, L=_ANY)
def test_blind_spot_validation_fuzz(n, L):
    try:
        result = S.blind_spot(n, L)
    except ValueError as exc:
        assert str(exc)
        return
    assert result.difference.shape == (int(L) + 1,)
    assert np.all(np.isfinite(result.difference))


@settings(max_examples=60, deadline=None)
@given(band=st.integers(0, 10), seed=st.integers(0, 2**31), rot=st.integers(0, 2**31))
def test_spectrum_invariance_property(band, seed, rot):
    c = S.random_band_limited(band, seed).coeffs
    R = random_rotation(rng=rot)
    assert np.abs(S.power_spectrum(_rotate_coefficients(c, R)) - S.power_spectrum(c)).max() < 1e-12
