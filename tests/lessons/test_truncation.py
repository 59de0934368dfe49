"""Tests of equi_core.lessons.truncation: exact signals, truncation errors, the n-fold blind spot."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from equi_core import random_rotation, wigner_D
from equi_core.lessons import truncation as T
from equi_core.o3 import sphere as S


def _rotate_coefficients(c: np.ndarray, R: np.ndarray) -> np.ndarray:
    L = S.degree_of(c)
    return np.concatenate([wigner_D(l, R) @ c[l * l : (l + 1) ** 2] for l in range(L + 1)])


def test_spectrum_of_rotated_signal_through_quadrature():
    """Rotate the *function* (not its coefficients): f_R(x) = f(R^T x). The projected spectra agree."""
    f = T.make_target("ammonia", kappa=6.0)
    R = random_rotation(rng=11)
    g = T.BondDensity(f.directions @ R.T, f.kappa)
    L = 10
    grid = S.gauss_grid(60, 120)  # kappa = 6: the bumps are band-limited to 1e-16 well below degree 110
    cf = S.project(f.values, L, grid)
    cg = S.project(g.values, L, grid)
    assert np.abs(cf - cg).max() > 1e-2
    assert np.abs(S.power_spectrum(cf) - S.power_spectrum(cg)).max() < 1e-12
    # and the rotated coefficients are D(R) times the original ones
    assert np.abs(_rotate_coefficients(cf, R) - cg).max() < 1e-12


@pytest.mark.parametrize("kind", ["water", "ammonia", "methane", "benzene", "star"])
def test_bond_density_exact_coefficients_match_quadrature(kind):
    f = T.make_target(kind, n=5, kappa=20.0)
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
    cap = T.make_target("cap", cap_angle_deg=40.0)
    assert cap.norm_squared() == pytest.approx(2 * np.pi * (1 - math.cos(math.radians(40))), rel=1e-15)
    assert np.abs(cap.spectrum(12) - S.power_spectrum(cap.coefficients(12))).max() < 1e-13
    # the exact coefficients agree with a fine quadrature up to the discontinuity's quadrature error
    grid = S.gauss_grid(400, 800)
    assert np.abs(S.project(cap.values, 6, grid) - cap.coefficients(6)).max() < 5e-3


def test_molecule_geometry():
    def angles(u):
        return sorted(
            {
                round(math.degrees(math.acos(np.clip(u[i] @ u[j], -1, 1))), 2)
                for i in range(len(u))
                for j in range(i + 1, len(u))
            }
        )

    assert angles(T.molecule_directions("water")) == [104.52]
    assert angles(T.molecule_directions("ammonia")) == [106.7]
    assert angles(T.molecule_directions("methane")) == [109.47]
    assert angles(T.molecule_directions("benzene")) == [60.0, 120.0, 180.0]
    with pytest.raises(ValueError, match="unknown molecule"):
        T.molecule_directions("caffeine")


def test_make_target_rejects_bad_input():
    with pytest.raises(ValueError, match="unknown target"):
        T.make_target("ozone")
    with pytest.raises(ValueError, match="kappa"):
        T.make_target("water", kappa=float("nan"))
    with pytest.raises(ValueError, match="n must be"):
        T.make_target("star", n=0)
    with pytest.raises(ValueError, match="cap_angle_deg"):
        T.make_target("cap", cap_angle_deg=1e308)
    with pytest.raises(ValueError, match="band"):
        T.make_target("random", band=10**6)
    with pytest.raises(ValueError, match="nonzero"):
        T.BondDensity(np.zeros((2, 3)), 3.0)


@pytest.mark.parametrize("kind", list(T.TARGET_KINDS))
def test_truncation_l2_error_is_exact_and_non_increasing(kind):
    f = T.make_target(kind, n=5, kappa=25.0, band=6)
    study = T.truncation_study(f, 20)
    err = study.rel_l2_error
    assert np.all(np.diff(err) <= 0)
    assert 0 < err[0] <= 1
    # independent check: the L2 error through a fine quadrature of (f - f_L)^2
    if kind != "cap":  # the cap is discontinuous: no quadrature is exact for it
        grid = S.gauss_grid(80, 160)
        w = grid.weights.reshape(-1)
        fv = f.values(grid.flat_points)
        for L in (0, 3, 8):
            fl = T.reconstruct(study.coefficients, L, grid).reshape(-1)
            direct = math.sqrt(float(w @ (fv - fl) ** 2) / f.norm_squared())
            assert direct == pytest.approx(err[L], rel=1e-8, abs=1e-12)


def test_band_limited_truncation_error_is_zero_from_its_band():
    study = T.truncation_study(T.make_target("random", band=6, seed=4), 10)
    assert np.all(study.rel_l2_error[6:] == 0.0)
    assert np.all(study.rel_l2_error[:6] > 1e-3)
    assert np.all(study.max_error[6:] < 1e-12)


def test_truncation_max_error_matches_direct_evaluation():
    f = T.make_target("methane", kappa=25.0)
    study = T.truncation_study(f, 12)
    grid = study.grid
    fl = T.reconstruct(study.coefficients, 7, grid).reshape(-1)
    assert study.max_error[7] == pytest.approx(np.abs(f.values(grid.flat_points) - fl).max(), rel=1e-12)
    assert study.degree_for(0.05) == int(np.nonzero(study.rel_l2_error <= 0.05)[0][0])


def test_cap_max_error_does_not_vanish_gibbs():
    study = T.truncation_study(T.make_target("cap"), 24)
    assert study.rel_l2_error[24] < 0.25
    assert study.max_error[12:].min() > 0.4  # the rim keeps an O(1) pointwise error


@pytest.mark.parametrize("n", [1, 2, 3, 4, 5, 6, 8, 11])
def test_blind_spot_identity(n):
    result = T.blind_spot(n, n + 3)
    scale = max(1.0, result.feature_norm.max())
    assert result.difference[:n].max() < 1e-12 * scale
    assert result.difference[n] > 0.5  # visible, not rounding noise
    assert result.first_visible == n
    assert result.spectrum_difference.max() < 1e-10 * scale**2  # invariants never differ
    assert T.star_needs_degree(n) == n


def test_blind_spot_features_match_e3nn():
    torch = pytest.importorskip("torch")
    o3 = pytest.importorskip("e3nn.o3")
    star = T.star_directions(5, 0.3)
    ours = T.star_features(star, 7)
    theirs = (
        o3.spherical_harmonics(list(range(8)), torch.tensor(star), normalize=True, normalization="component")
        .sum(0)
        .numpy()
    )
    assert np.abs(ours - theirs).max() < 1e-12


def test_blind_spot_rejects_bad_n():
    with pytest.raises(ValueError):
        T.blind_spot(0, 4)
    with pytest.raises(ValueError):
        T.star_needs_degree(10**9)


_ANY = st.one_of(
    st.integers(min_value=-(10**30), max_value=10**30),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=20),
    st.none(),
    st.booleans(),
)


@settings(max_examples=1000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    kind=st.one_of(st.sampled_from(T.TARGET_KINDS), st.text(max_size=12)),
    n=_ANY,
    kappa=_ANY,
    cap=_ANY,
    band=st.one_of(st.integers(min_value=-5, max_value=40), _ANY),
    seed=_ANY,
)
def test_make_target_never_fails_badly(kind, n, kappa, cap, band, seed):
    """Any input either builds a valid signal or raises ValueError with a message (never another exception)."""
    try:
        signal = T.make_target(kind, n=n, kappa=kappa, cap_angle_deg=cap, band=band, seed=seed)
    except ValueError as exc:
        if not str(exc):
            pytest.fail("a ValueError must say what is allowed")
        return
    assert np.isfinite(signal.norm_squared()) and signal.norm_squared() > 0
    assert np.all(np.isfinite(signal.coefficients(3)))


@settings(max_examples=1000, deadline=None)
@given(n=_ANY, L=_ANY)
def test_blind_spot_validation_fuzz(n, L):
    try:
        result = T.blind_spot(n, L)
    except ValueError as exc:
        if not str(exc):
            pytest.fail("a ValueError must say what is allowed")
        return
    assert result.difference.shape == (int(L) + 1,)
    assert np.all(np.isfinite(result.difference))
