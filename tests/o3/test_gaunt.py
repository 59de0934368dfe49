"""Tests of equi_core.o3.gaunt: the FFT Gaunt product against CG paths, the lost odd paths, operation counts."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from equi_core import Irreps, clebsch_gordan, random_rotation, wigner_D
from equi_core.lessons import tensor_products as TP
from equi_core.o3 import gaunt as G
from equi_core.o3 import sphere as S
from equi_core.o3.tensor_product import count_multiply_adds, full_tensor_product


def _block_D(L: int, R: np.ndarray) -> np.ndarray:
    D = np.zeros(((L + 1) ** 2, (L + 1) ** 2))
    for l in range(L + 1):
        D[l * l : (l + 1) ** 2, l * l : (l + 1) ** 2] = wigner_D(l, R)
    return D


def _one_degree(l: int, L: int, rng) -> np.ndarray:
    x = np.zeros((L + 1) ** 2)
    x[l * l : (l + 1) ** 2] = rng.standard_normal(2 * l + 1)
    return x


@pytest.mark.parametrize("L", [0, 1, 4, 9])
def test_spherical_fft_matches_dense_transforms(L):
    rng = np.random.default_rng(L)
    n_theta, n_phi = G.gaunt_grid_size(L, L, L)
    T = G.spherical_fft(L, n_theta, n_phi)
    grid = S.gauss_grid(n_theta, n_phi)
    x = rng.standard_normal((2, (L + 1) ** 2))
    assert np.abs(T.synthesis(x) - S.synthesize(x, grid)).max() < 1e-13
    v = rng.standard_normal((3, n_theta, n_phi))
    assert np.abs(T.analysis(v) - S.project(v, L, grid)).max() < 1e-13
    assert np.abs(T.analysis(T.synthesis(x)) - x).max() < 1e-13


def test_spherical_fft_rejects_aliasing_grid():
    with pytest.raises(ValueError, match="exceed 2 L"):
        G.spherical_fft(5, 6, 10)


@pytest.mark.parametrize("L1,L2,L_out", [(0, 0, 0), (1, 1, 2), (3, 2, 4), (4, 4, 4), (2, 5, 7), (5, 0, 1)])
def test_gaunt_product_equals_dense_gaunt_contraction(L1, L2, L_out):
    rng = np.random.default_rng(L1 * 100 + L2 * 10 + L_out)
    x1 = rng.standard_normal((L1 + 1) ** 2)
    x2 = rng.standard_normal((L2 + 1) ** 2)
    out = G.gaunt_product(x1, x2, L_out)
    dense = np.zeros((L_out + 1) ** 2)
    for l1 in range(L1 + 1):
        for l2 in range(L2 + 1):
            for l3 in range(abs(l1 - l2), min(l1 + l2, L_out) + 1):
                dense[l3 * l3 : (l3 + 1) ** 2] += np.einsum(
                    "ijk,i,j->k",
                    G.gaunt_coefficients(l1, l2, l3),
                    x1[l1 * l1 : (l1 + 1) ** 2],
                    x2[l2 * l2 : (l2 + 1) ** 2],
                )
    assert np.abs(out - dense).max() < 1e-13 * max(1.0, np.abs(dense).max())


def test_gaunt_product_is_the_projected_pointwise_product():
    """Independent of the FFT code: multiply on a dense quadrature grid, project."""
    rng = np.random.default_rng(5)
    x1, x2 = rng.standard_normal(16), rng.standard_normal(9)
    grid = S.quadrature_grid(3 + 2 + 5)
    prod = S.synthesize(x1, grid) * S.synthesize(x2, grid)
    assert np.abs(G.gaunt_product(x1, x2, 5) - S.project(prod, 5, grid)).max() < 1e-13


def test_gaunt_product_is_equivariant_symmetric_and_batched():
    rng = np.random.default_rng(1)
    L = 4
    x1 = rng.standard_normal((3, (L + 1) ** 2))
    x2 = rng.standard_normal((3, (L + 1) ** 2))
    R = random_rotation(rng=2)
    D = _block_D(L, R)
    out = G.gaunt_product(x1, x2, L)
    assert out.shape == (3, (L + 1) ** 2)
    assert np.abs(G.gaunt_product(x1 @ D.T, x2 @ D.T, L) - out @ D.T).max() < 1e-12
    assert np.abs(G.gaunt_product(x2, x1, L) - out).max() < 1e-13
    assert np.abs(G.gaunt_product(x1[1], x2[1], L) - out[1]).max() < 1e-13
    # broadcasting one input against a batch
    assert np.abs(G.gaunt_product(x1[0], x2, L)[2] - G.gaunt_product(x1[0], x2[2], L)).max() < 1e-13


def test_gaunt_product_rejects_bad_input():
    with pytest.raises(ValueError, match=r"\(L\+1\)\^2"):
        G.gaunt_product(np.zeros(5), np.zeros(4))
    with pytest.raises(ValueError, match="finite"):
        G.gaunt_product(np.full(4, np.nan), np.zeros(4))
    with pytest.raises(ValueError, match="L1"):
        G.gaunt_product(np.zeros((G.MAX_GAUNT_L + 2) ** 2), np.zeros(1))


PATHS = [(l1, l2, l3) for l1 in range(5) for l2 in range(5) for l3 in range(abs(l1 - l2), l1 + l2 + 1)]


@pytest.mark.parametrize("l1,l2,l3", PATHS)
def test_gaunt_and_cg_agree_up_to_a_path_constant(l1, l2, l3):
    rng = np.random.default_rng(1000 + 100 * l1 + 10 * l2 + l3)
    L = max(l1, l2)
    x1, x2 = _one_degree(l1, L, rng), _one_degree(l2, L, rng)
    gaunt_block = G.gaunt_product(x1, x2, l3)[l3 * l3 :]
    p1, p2 = (-1) ** l1, (-1) ** l2
    ir = f"{l3}{'e' if p1 * p2 == 1 else 'o'}"
    _, cg = full_tensor_product(
        f"1x{l1}{'e' if p1 == 1 else 'o'}",
        x1[l1 * l1 : (l1 + 1) ** 2],
        f"1x{l2}{'e' if p2 == 1 else 'o'}",
        x2[l2 * l2 : (l2 + 1) ** 2],
        filter_ir_out=[ir],
    )
    assert cg.shape == (2 * l3 + 1,)
    assert np.abs(cg).max() > 1e-3  # the CG path itself is alive
    kappa = G.gaunt_path_constant(l1, l2, l3)
    if (l1 + l2 + l3) % 2 == 0:
        # full_tensor_product carries sqrt(2 l3 + 1); the Gaunt block is kappa * C
        assert np.abs(gaunt_block - kappa / math.sqrt(2 * l3 + 1) * cg).max() < 1e-12
        assert abs(kappa) == pytest.approx(G.gaunt_path_constant_formula(l1, l2, l3), rel=1e-12)
        assert abs(kappa) > 0.1
        assert np.abs(G.gaunt_coefficients(l1, l2, l3) - kappa * clebsch_gordan(l1, l2, l3)).max() < 1e-13
    else:
        assert np.abs(gaunt_block).max() < 1e-14
        assert abs(kappa) < 1e-15
        assert np.abs(G.gaunt_coefficients(l1, l2, l3)).max() < 1e-15


def test_three_j_zero_matches_sympy():
    wigner = pytest.importorskip("sympy.physics.wigner")
    for l1, l2, l3 in [(0, 0, 0), (1, 1, 0), (1, 1, 2), (2, 2, 2), (2, 3, 3), (4, 3, 5), (5, 5, 6), (10, 12, 14)]:
        assert G.three_j_zero(l1, l2, l3) == pytest.approx(float(wigner.wigner_3j(l1, l2, l3, 0, 0, 0)), rel=1e-13)
    assert G.three_j_zero(1, 1, 1) == 0.0
    assert G.three_j_zero(1, 1, 3) == 0.0


def test_gaunt_block_norm_matches_sympy_gaunt():
    """The Frobenius norm is basis-independent: our real Gaunt tensor against sympy's complex one."""
    wigner = pytest.importorskip("sympy.physics.wigner")
    for l1, l2, l3 in [(1, 1, 2), (2, 2, 2), (1, 2, 3), (3, 2, 3)]:
        ref = math.sqrt(
            sum(
                float(wigner.gaunt(l1, l2, l3, m1, m2, -m1 - m2)) ** 2
                for m1 in range(-l1, l1 + 1)
                for m2 in range(-l2, l2 + 1)
                if abs(m1 + m2) <= l3
            )
        )
        assert np.linalg.norm(G.gaunt_coefficients(l1, l2, l3)) == pytest.approx(ref, rel=1e-12)


def test_cg_counts_match_tensor_product_and_hand_sum():
    for L in (1, 3, 5):
        irreps = Irreps.spherical_harmonics(L)
        assert G.count_cg_operations(L) == count_multiply_adds(irreps, irreps, G.all_outputs_up_to(L))
        by_hand = sum(
            (2 * a + 1) * (2 * b + 1) * (2 * c + 1)
            for a in range(L + 1)
            for b in range(L + 1)
            for c in range(abs(a - b), min(a + b, L) + 1)
        )
        assert G.count_cg_operations(L) == by_hand
        even = sum(
            (2 * a + 1) * (2 * b + 1) * (2 * c + 1)
            for a in range(L + 1)
            for b in range(L + 1)
            for c in range(abs(a - b), min(a + b, L) + 1)
            if (a + b + c) % 2 == 0
        )
        assert G.count_cg_operations(L, even_paths_only=True) == even
    assert G.count_cg_operations(1) == 1 + 9 + 9 + 9 + 27 + 45 - 45  # paths into l3 <= 1 only
    assert G.count_cg_operations(1) == 1 * 1 * 1 + 1 * 3 * 3 + 3 * 1 * 3 + 3 * 3 * 1 + 3 * 3 * 3


def test_operation_count_exponents():
    Ls = [16, 24, 32]
    cg = [G.count_cg_operations(L) for L in Ls]
    slope_cg, _ = TP.fit_power_law(Ls, cg)
    assert 5.5 < slope_cg < 6.2
    Lg = [64, 96]
    gaunt = [G.count_gaunt_operations(L).total for L in Lg]
    slope_g, _ = TP.fit_power_law(Lg, gaunt)
    assert 2.7 < slope_g < 3.2
    cost = G.count_gaunt_operations(8)
    assert cost.total == cost.legendre + cost.fft + cost.pointwise
    assert (cost.n_theta, cost.n_phi) == G.gaunt_grid_size(8, 8, 8) == (13, 30)  # 26 = 2 * 13, 28 = 4 * 7: slow FFTs
    assert cost.legendre == 2 * 13 * 3 * 81
    assert G.count_cg_operations(8) > 30 * cost.total


@pytest.mark.parametrize("L1,L2,L_out", [(0, 0, 0), (1, 1, 2), (8, 8, 8), (48, 48, 48), (5, 0, 1), (30, 2, 3)])
def test_gaunt_grid_is_exact_and_fft_friendly(L1, L2, L_out):
    n_theta, n_phi = G.gaunt_grid_size(L1, L2, L_out)
    D = L1 + L2 + L_out
    assert 2 * n_theta - 1 >= D and n_phi > D and n_phi > 2 * max(L1, L2, L_out) and n_phi % 2 == 0
    k = n_phi
    for p in (2, 3, 5):
        while k % p == 0:
            k //= p
    assert k == 1


@settings(max_examples=1000, deadline=None)
@given(
    n1=st.integers(0, 40),
    n2=st.integers(0, 40),
    L_out=st.one_of(st.none(), st.integers(-3, 12), st.floats(), st.text(max_size=5)),
    bad=st.sampled_from([None, "nan", "inf", "big"]),
)
def test_gaunt_product_validation_fuzz(n1, n2, L_out, bad):
    x1 = np.linspace(-1, 1, n1)
    x2 = np.linspace(0.5, -0.5, n2)
    if bad == "nan" and n1:
        x1[0] = np.nan
    if bad == "inf" and n2:
        x2[-1] = np.inf
    if bad == "big" and n1:
        x1[0] = 1e308
    try:
        out = G.gaunt_product(x1, x2, L_out)
    except ValueError as exc:
        if not str(exc):
            pytest.fail("a ValueError must say what is allowed")
        return
    assert bad is None or (bad == "nan" and not n1) or (bad == "inf" and not n2) or (bad == "big" and not n1)
    assert out.shape[-1] == ((L_out if L_out is not None else S.degree_of(x1) + S.degree_of(x2)) + 1) ** 2
    assert np.all(np.isfinite(out))
