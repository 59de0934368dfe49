"""The odd-path grid product r_hat . (grad f x grad g): cross product, constants (closed form, sympy), completeness."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from equi_core import (
    cg_full_product,
    clebsch_gordan,
    fit_power_law,
    full_tensor_product_paths,
    gaunt_path_constant,
    grid_full_product,
    odd_path_constant,
    odd_product,
    random_rotation,
    wigner_D,
)
from equi_core.o3 import Irreps, all_outputs_up_to, count_cg_operations
from equi_core.o3.vsh import (
    cg_path_from_grid,
    count_grid_operations,
    grid_path_constant,
    grid_path_table,
    odd_coefficients,
    odd_irreps,
    odd_path_constant_formula,
    three_j_1m10,
    time_grid_vs_cg,
)


def _block_D(L: int, R: np.ndarray) -> np.ndarray:
    D = np.zeros(((L + 1) ** 2, (L + 1) ** 2))
    for l in range(L + 1):
        D[l * l : (l + 1) ** 2, l * l : (l + 1) ** 2] = wigner_D(l, R)
    return D


def test_cross_product_recovered() -> None:
    rng = np.random.default_rng(0)
    u, v = rng.standard_normal((2, 3))
    out = odd_product(np.r_[0.0, u], np.r_[0.0, v], L_out=2)
    # f = u . Y_1, g = v . Y_1 ('integral' harmonics, Y_1 = sqrt(3 / 4 pi) r): h = (3 / 4 pi) r . (u x v)
    assert np.max(np.abs(out[1:4] - math.sqrt(3 / (4 * math.pi)) * np.cross(u, v))) < 1e-15
    assert np.max(np.abs(out[[0, 4, 5, 6, 7, 8]])) < 1e-15  # the dot product and the 2e part are Gaunt's
    # the constant of the path times C(1,1,1) = eps / sqrt 6 gives the same number
    assert abs(odd_path_constant(1, 1, 1) - math.sqrt(3 / (4 * math.pi)) * math.sqrt(6)) < 1e-14
    # the Gaunt product on the same inputs has no 1e part at all
    even = grid_full_product(np.r_[0.0, u], np.r_[0.0, v], L_out=2).even
    assert np.max(np.abs(even[1:4])) < 1e-15
    assert abs(even[0]) > 1e-3


def test_odd_constants_match_the_closed_form() -> None:
    for row in grid_path_table(5):
        if row.kind == "odd":
            assert row.residual < 1e-14 * max(1.0, row.formula)  # the block is a multiple of the CG tensor
            assert abs(row.constant - row.formula) < 1e-12 * max(1.0, row.formula)  # and positive in this basis
            assert row.formula > 0.1
        else:
            assert abs(abs(row.constant) - row.formula) < 1e-12 * max(1.0, row.formula)
    # zero for even l1 + l2 + l3 and at l1 = 0 (grad of a constant is zero)
    assert np.max(np.abs(odd_coefficients(1, 1, 2))) < 1e-15
    assert np.max(np.abs(odd_coefficients(0, 3, 3))) < 1e-15
    assert odd_path_constant_formula(2, 2, 2) == 0.0


def test_closed_form_against_exact_sympy() -> None:
    sympy = pytest.importorskip("sympy")
    from sympy.physics.wigner import wigner_3j

    for l1, l2, l3 in [(1, 1, 1), (1, 2, 2), (2, 2, 1), (2, 2, 3), (1, 3, 3), (2, 3, 2), (3, 3, 1), (3, 3, 5)]:
        tj = wigner_3j(l1, l2, l3, 1, -1, 0)
        exact = sympy.sqrt(sympy.Rational((2 * l1 + 1) * (2 * l2 + 1) * (2 * l3 + 1), 4)) / sympy.sqrt(sympy.pi)
        exact = exact * sympy.sqrt(l1 * (l1 + 1) * l2 * (l2 + 1)) * sympy.Abs(tj)
        assert abs(float(tj) - three_j_1m10(l1, l2, l3)) < 1e-15
        assert abs(float(exact) - odd_path_constant(l1, l2, l3)) < 1e-13
    # (1 1 1) in closed form: sqrt(18 / (4 pi)) = 3 / sqrt(2 pi)
    assert abs(odd_path_constant(1, 1, 1) - 3 / math.sqrt(2 * math.pi)) < 1e-14


@pytest.mark.parametrize(("L1", "L2"), [(1, 1), (2, 3), (4, 2)])
def test_fast_product_equals_dense_sum(L1: int, L2: int) -> None:
    rng = np.random.default_rng(L1 * 10 + L2)
    x1, x2 = rng.standard_normal((3, (L1 + 1) ** 2)), rng.standard_normal((3, (L2 + 1) ** 2))
    L_out = L1 + L2
    out = odd_product(x1, x2)
    ref = np.zeros((3, (L_out + 1) ** 2))
    for l1 in range(L1 + 1):
        for l2 in range(L2 + 1):
            for l3 in range(abs(l1 - l2), l1 + l2 + 1):
                H = odd_coefficients(l1, l2, l3)
                ref[:, l3 * l3 : (l3 + 1) ** 2] += np.einsum(
                    "ijk,bi,bj->bk", H, x1[:, l1 * l1 : (l1 + 1) ** 2], x2[:, l2 * l2 : (l2 + 1) ** 2]
                )
    assert np.max(np.abs(out - ref)) < 1e-13


@settings(max_examples=15, deadline=None)
@given(st.integers(0, 10_000), st.integers(1, 4), st.integers(1, 4))
def test_equivariant_and_antisymmetric(seed: int, L1: int, L2: int) -> None:
    rng = np.random.default_rng(seed)
    x1, x2 = rng.standard_normal((L1 + 1) ** 2), rng.standard_normal((L2 + 1) ** 2)
    R = random_rotation(rng=seed)
    L_out = L1 + L2
    lhs = odd_product(_block_D(L1, R) @ x1, _block_D(L2, R) @ x2)
    rhs = _block_D(L_out, R) @ odd_product(x1, x2)
    assert np.max(np.abs(lhs - rhs)) < 1e-12
    if L1 == L2:
        assert np.max(np.abs(odd_product(x1, x2) + odd_product(x2, x1))) < 1e-13


def test_even_plus_odd_is_every_cg_path_with_fixed_weights() -> None:
    rng = np.random.default_rng(4)
    L = 3
    x1, x2 = rng.standard_normal((2, (L + 1) ** 2)), rng.standard_normal((2, (L + 1) ** 2))
    grid = grid_full_product(x1, x2, L_out=L)
    irreps_out, cg = cg_full_product(x1, x2, L)
    _, _, irreps_out2, paths = full_tensor_product_paths(
        Irreps.spherical_harmonics(L), Irreps.spherical_harmonics(L), all_outputs_up_to(L)
    )
    assert irreps_out == irreps_out2
    slices = irreps_out.slices()
    even = np.zeros_like(grid.even)
    odd = np.zeros_like(grid.odd)
    for p in paths:
        block = cg[..., slices[p.i_out]] / p.path_weight  # = einsum(C, x_l1, y_l2)
        target = even if (p.l1 + p.l2 + p.l3) % 2 == 0 else odd
        target[..., p.l3 * p.l3 : (p.l3 + 1) ** 2] += grid_path_constant(p.l1, p.l2, p.l3) * block
        # the parities: even paths land on (-1)^l3, odd ones on -(-1)^l3
        assert p.p3 == ((-1) ** p.l3 if (p.l1 + p.l2 + p.l3) % 2 == 0 else -((-1) ** p.l3))
    assert np.max(np.abs(grid.even - even)) < 1e-13
    assert np.max(np.abs(grid.odd - odd)) < 1e-13
    assert len(paths) == sum(
        1 for a in range(L + 1) for b in range(L + 1) for c in range(abs(a - b), min(a + b, L) + 1)
    )


def test_every_path_recovered_on_the_grid() -> None:
    rng = np.random.default_rng(9)
    for l1 in range(4):
        for l2 in range(4):
            for l3 in range(abs(l1 - l2), l1 + l2 + 1):
                x, y = rng.standard_normal(2 * l1 + 1), rng.standard_normal(2 * l2 + 1)
                ref = np.einsum("ijk,i,j->k", clebsch_gordan(l1, l2, l3), x, y)
                assert np.max(np.abs(cg_path_from_grid(l1, x, l2, y, l3) - ref)) < 1e-13
    # every constant is non-zero (even ones from Gaunt, odd ones from the gradients), except the odd l1 = 0 or
    # l2 = 0 paths, which do not exist (0 x l -> l has l1 + l2 + l3 even)
    for row in grid_path_table(6):
        assert abs(row.constant) > 0.05
        assert (row.kind == "even") == ((row.l1 + row.l2 + row.l3) % 2 == 0)
    assert abs(grid_path_constant(2, 2, 2) - gaunt_path_constant(2, 2, 2)) < 1e-15


def test_odd_irreps() -> None:
    assert odd_irreps(3) == Irreps("0o + 1e + 2o + 3e")


@pytest.mark.parametrize(
    "args",
    [
        (np.ones(5), np.ones(4)),  # not (L+1)^2
        (np.array([np.nan, 0, 0, 0]), np.ones(4)),
        (np.ones(66**2), np.ones(4)),  # L = 65 > MAX_GAUNT_L
        (np.ones(4) * 1e200, np.ones(4)),
    ],
)
def test_bad_input(args: tuple[np.ndarray, np.ndarray]) -> None:
    with pytest.raises(ValueError):
        odd_product(*args)


def test_bad_path_input() -> None:
    with pytest.raises(ValueError):
        cg_path_from_grid(1, np.ones(3), 1, np.ones(3), 3)
    with pytest.raises(ValueError):
        cg_path_from_grid(1, np.ones(2), 1, np.ones(3), 1)
    with pytest.raises(ValueError):
        odd_coefficients(13, 1, 12)


def test_operation_counts_scale() -> None:
    Ls = [16, 24, 32, 48, 64]
    a_grid, _ = fit_power_law(Ls, [count_grid_operations(L) for L in Ls])
    a_cg, _ = fit_power_law(Ls, [count_cg_operations(L) for L in Ls])
    assert 2.5 < a_grid < 3.5
    assert a_cg > 5.5


def test_timing_returns_measurements() -> None:
    t = time_grid_vs_cg(2, batch=2, repeat=1)
    assert t.grid_seconds > 0 and t.gaunt_seconds > 0 and t.cg_seconds > 0
    assert math.isnan(time_grid_vs_cg(17, batch=1, repeat=1, with_cg=True).cg_seconds)


def test_pseudoscalar_under_inversion() -> None:
    # inversion multiplies degree l by (-1)^l; the odd product's degree-l output then by -(-1)^l (irreps 0o+1e+2o+...)
    rng = np.random.default_rng(11)
    L1, L2 = 3, 2
    x1, x2 = rng.standard_normal((L1 + 1) ** 2), rng.standard_normal((L2 + 1) ** 2)

    def parity(L: int) -> np.ndarray:
        return np.concatenate([np.full(2 * l + 1, (-1.0) ** l) for l in range(L + 1)])

    out = odd_product(x1, x2)
    flipped = odd_product(parity(L1) * x1, parity(L2) * x2)
    assert np.max(np.abs(flipped + parity(L1 + L2) * out)) < 1e-13
    assert np.max(np.abs(out)) > 0.1
