"""Cartesian rank-2 tensors as 0e + 1e + 2e: change of basis, rotation blocks, the matrix product as CG paths."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from equi_core import (
    Irreps,
    cartesian_to_irreps,
    clebsch_gordan,
    irreps_to_cartesian,
    random_rotation,
    wigner_D,
)
from equi_core.o3.cartesian import (
    CARTESIAN_IRREPS,
    antisymmetric_to_1e,
    axial_vector,
    cartesian_basis,
    cartesian_rank_table,
    decompose_cartesian,
    exact_sqrt_string,
    irrep_multiplicities_of_rank,
    matrix_product_paths,
    matrix_product_via_paths,
    matrix_vs_cg_costs,
    missing_matrix_product_paths,
    rotation_block_check,
    symmetric_traceless_to_2e,
)

finite = st.floats(-1e3, 1e3, allow_nan=False, allow_infinity=False)
matrices = arrays(np.float64, (3, 3), elements=finite)


def test_layout_and_orthonormal_basis() -> None:
    assert Irreps("0e + 1e + 2e") == CARTESIAN_IRREPS
    assert CARTESIAN_IRREPS.dim == 9
    B = cartesian_basis()
    assert np.max(np.abs(np.einsum("kij,lij->kl", B, B) - np.eye(9))) < 1e-15
    assert not B.flags.writeable


@settings(max_examples=50, deadline=None)
@given(matrices)
def test_round_trip_and_norm(X: np.ndarray) -> None:
    x = cartesian_to_irreps(X)
    scale = max(1.0, float(np.abs(X).max()))
    assert np.max(np.abs(irreps_to_cartesian(x) - X)) < 1e-14 * scale
    assert abs(np.linalg.norm(x) - np.linalg.norm(X)) < 1e-13 * scale


@settings(max_examples=30, deadline=None)
@given(matrices, st.integers(0, 10_000))
def test_equivariance(X: np.ndarray, seed: int) -> None:
    R = random_rotation(rng=seed)
    lhs = cartesian_to_irreps(R @ X @ R.T)
    D = np.zeros((9, 9))
    for l, s in ((0, slice(0, 1)), (1, slice(1, 4)), (2, slice(4, 9))):
        D[s, s] = wigner_D(l, R)
    scale = max(1.0, float(np.abs(X).max()))
    assert np.max(np.abs(lhs - D @ cartesian_to_irreps(X))) < 1e-13 * scale


def test_rotation_is_block_diagonal_d0_d1_d2() -> None:
    for seed in range(5):
        check = rotation_block_check(random_rotation(rng=seed))
        assert check.max_error < 1e-14
        assert check.matrix.shape == (9, 9)
    # a deliberately wrong "rotation" is refused
    with pytest.raises(ValueError):
        rotation_block_check(2 * np.eye(3))


def test_closed_forms_of_the_parts() -> None:
    rng = np.random.default_rng(3)
    X = rng.standard_normal((4, 3, 3))
    parts = decompose_cartesian(X)
    assert np.max(np.abs(parts.trace_part + parts.antisymmetric + parts.symmetric_traceless - X)) < 1e-15
    x = cartesian_to_irreps(X)
    assert np.allclose(x[:, 0], np.trace(X, axis1=1, axis2=2) / math.sqrt(3), atol=1e-15, rtol=0)
    assert np.max(np.abs(antisymmetric_to_1e(parts.antisymmetric) - x[:, 1:4])) < 1e-15
    assert np.max(np.abs(symmetric_traceless_to_2e(parts.symmetric_traceless) - x[:, 4:9])) < 1e-15
    # the trace-free symmetric part has sqrt(3/2) S_yy as its m = 0 entry
    S = parts.symmetric_traceless
    assert np.allclose(symmetric_traceless_to_2e(S)[:, 2], math.sqrt(1.5) * S[:, 1, 1], atol=1e-15, rtol=0)
    # only the antisymmetric part has a 1e block, only the symmetric traceless one a 2e block
    assert np.max(np.abs(cartesian_to_irreps(parts.antisymmetric)[:, [0, 4, 5, 6, 7, 8]])) < 1e-15
    assert np.max(np.abs(cartesian_to_irreps(parts.symmetric_traceless)[:, :4])) < 1e-15


def test_outer_product_is_the_cg_decomposition_of_1x1() -> None:
    rng = np.random.default_rng(0)
    u, v = rng.standard_normal(3), rng.standard_normal(3)
    x = cartesian_to_irreps(np.outer(u, v))
    assert abs(x[0] - u @ v / math.sqrt(3)) < 1e-15
    assert np.max(np.abs(x[1:4] - np.cross(u, v) / math.sqrt(2))) < 1e-15
    assert np.max(np.abs(axial_vector(0.5 * (np.outer(u, v) - np.outer(v, u))) - np.cross(u, v) / 2)) < 1e-15
    z2 = math.sqrt(5) * np.einsum("ijk,i,j->k", clebsch_gordan(1, 1, 2), u, v)
    assert np.max(np.abs(x[4:9] - z2)) < 1e-15


def test_outer_product_matches_e3nn_full_tensor_product() -> None:
    torch = pytest.importorskip("torch")
    o3 = pytest.importorskip("e3nn.o3")
    rng = np.random.default_rng(1)
    u, v = rng.standard_normal((5, 3)), rng.standard_normal((5, 3))
    old = torch.get_default_dtype()
    torch.set_default_dtype(torch.float64)  # e3nn builds its CG buffers and D matrices in the default dtype
    try:
        tp = o3.FullTensorProduct("1o", "1o")
        assert str(tp.irreps_out) == "1x0e+1x1e+1x2e"
        ref = tp(torch.tensor(u), torch.tensor(v)).numpy()
        R = random_rotation(rng=7)
        D2 = o3.Irrep("2e").D_from_matrix(torch.tensor(R)).numpy()
    finally:
        torch.set_default_dtype(old)
    ours = cartesian_to_irreps(np.einsum("bi,bj->bij", u, v))
    assert np.max(np.abs(ours - ref)) < 1e-14
    # and the e3nn basis of 2e: e3nn's D^2 equals ours
    assert np.max(np.abs(D2 - wigner_D(2, R))) < 1e-13


@pytest.mark.parametrize("bad", [np.eye(2), np.ones((3, 4)), np.array([[np.nan] * 3] * 3), "abc", np.ones(9)])
def test_bad_matrices_raise_value_error(bad: object) -> None:
    with pytest.raises(ValueError):
        cartesian_to_irreps(bad)  # type: ignore[arg-type]


@pytest.mark.parametrize("bad", [np.ones(8), np.ones((2, 10)), np.array([np.inf] * 9)])
def test_bad_vectors_raise_value_error(bad: np.ndarray) -> None:
    with pytest.raises(ValueError):
        irreps_to_cartesian(bad)


def test_matrix_product_paths_are_cg_multiples() -> None:
    paths = matrix_product_paths()
    assert len(paths) == 15
    assert {(p.l1, p.l2, p.l3) for p in paths} == {
        (a, b, c) for a in range(3) for b in range(3) for c in range(abs(a - b), min(a + b, 2) + 1)
    }
    for p in paths:
        assert p.residual < 1e-14
        assert abs(p.constant) > 0.5  # every path is present, none vanishes
        assert abs(p.e3nn_weight - p.constant / math.sqrt(2 * p.l3 + 1)) < 1e-15
    by = {(p.l1, p.l2, p.l3): p for p in paths}
    # closed forms (derived by hand): I I / 3 -> tr = 3/3 ... x0 y0 / sqrt3; A A' and the cross product
    assert abs(by[0, 0, 0].constant - 1 / math.sqrt(3)) < 1e-15
    assert abs(by[0, 1, 1].constant - 1.0) < 1e-15
    assert abs(by[1, 1, 0].constant + 1.0) < 1e-15
    assert abs(by[1, 1, 1].constant + math.sqrt(3) / 2) < 1e-15
    assert abs(by[2, 2, 2].constant - math.sqrt(35 / 12)) < 1e-14
    assert by[1, 2, 2].exact == "-sqrt(15/4)"


def test_matrix_product_rebuilt_from_paths() -> None:
    rng = np.random.default_rng(5)
    X, Y = rng.standard_normal((6, 3, 3)), rng.standard_normal((6, 3, 3))
    z = matrix_product_via_paths(cartesian_to_irreps(X), cartesian_to_irreps(Y))
    assert np.max(np.abs(z - cartesian_to_irreps(X @ Y))) < 1e-14


def test_products_of_pure_parts() -> None:
    # the commutator of two antisymmetric matrices is the cross product of their axial vectors
    rng = np.random.default_rng(2)
    a, b = rng.standard_normal(3), rng.standard_normal(3)
    eps = np.zeros((3, 3, 3))
    eps[0, 1, 2] = eps[1, 2, 0] = eps[2, 0, 1] = 1
    eps[0, 2, 1] = eps[2, 1, 0] = eps[1, 0, 2] = -1
    A, B = np.einsum("ijk,k->ij", eps, a), np.einsum("ijk,k->ij", eps, b)
    assert np.max(np.abs(axial_vector(A @ B - B @ A) + np.cross(a, b))) < 1e-15


def test_missing_paths_and_costs() -> None:
    assert missing_matrix_product_paths() == ((1, 2, 3), (2, 1, 3), (2, 2, 3), (2, 2, 4))
    rows = {r.name: r for r in matrix_vs_cg_costs()}
    assert rows["3x3 matrix product X Y"].multiply_adds == 27
    dense_all = sum(
        (2 * a + 1) * (2 * b + 1) * (2 * c + 1)
        for a in range(3)
        for b in range(3)
        for c in range(abs(a - b), a + b + 1)
    )
    assert rows["full CG, all 19 paths (dense)"].multiply_adds == dense_all == 1225
    assert rows["full CG, paths with l3 <= 2 (dense)"].multiply_adds == 615
    assert 27 < rows["full CG, paths with l3 <= 2 (sparse)"].multiply_adds < 615
    assert rows["full CG, all 19 paths (dense)"].outputs == 81


def test_cartesian_rank_table() -> None:
    rows = cartesian_rank_table(8)
    assert [r.cartesian for r in rows] == [3**L for L in range(9)]
    assert [r.irrep for r in rows] == [2 * L + 1 for L in range(9)]
    for r in rows:
        assert sum(n * (2 * l + 1) for l, n in enumerate(r.multiplicities)) == 3**r.L
        assert r.multiplicities[-1] == 1
        assert abs(r.redundant_share - (1 - (2 * r.L + 1) / 3**r.L)) < 1e-15
    assert irrep_multiplicities_of_rank(2) == (1, 1, 1)
    assert irrep_multiplicities_of_rank(3) == (1, 3, 2, 1)
    assert rows[8].redundant_share > 0.997
    with pytest.raises(ValueError):
        cartesian_rank_table(21)
    with pytest.raises(ValueError):
        cartesian_rank_table(2.0)  # type: ignore[arg-type]


def test_exact_sqrt_string() -> None:
    assert exact_sqrt_string(-math.sqrt(15) / 2) == "-sqrt(15/4)"
    assert exact_sqrt_string(1 / math.sqrt(3)) == "sqrt(1/3)"
    assert exact_sqrt_string(0.5) == "1/2"
    assert exact_sqrt_string(0.0) == "0"
    assert exact_sqrt_string(math.pi) == f"{math.pi:.12g}"


def test_symmetric_traceless_closed_form_turns_with_wigner_d2() -> None:
    rng = np.random.default_rng(8)
    M = rng.standard_normal((3, 3))
    S = 0.5 * (M + M.T) - np.trace(M) / 3 * np.eye(3)
    for seed in range(3):
        R = random_rotation(rng=seed)
        lhs = symmetric_traceless_to_2e(R @ S @ R.T)
        assert np.max(np.abs(lhs - wigner_D(2, R) @ symmetric_traceless_to_2e(S))) < 1e-14
        A = 0.5 * (M - M.T)
        assert np.max(np.abs(antisymmetric_to_1e(R @ A @ R.T) - R @ antisymmetric_to_1e(A))) < 1e-14
