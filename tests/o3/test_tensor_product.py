"""Tests of equi_core.tensor_product: e3nn as oracle, equivariance in O(3), known examples, costs."""

from __future__ import annotations

import numpy as np
import pytest

from equi_core import Irreps, random_rotation
from equi_core.o3.tensor_product import (
    FullyConnectedTensorProduct,
    count_multiply_adds,
    full_tensor_product,
    full_tensor_product_paths,
)

torch = pytest.importorskip("torch")
o3 = pytest.importorskip("e3nn.o3")


@pytest.fixture
def float64_torch():
    old = torch.get_default_dtype()
    torch.set_default_dtype(torch.float64)
    yield
    torch.set_default_dtype(old)


def _blocks(irreps) -> list[tuple[int, int, int]]:
    """(mul, l, p) of every block, for comparing our Irreps with e3nn's."""
    return [(int(m.mul), int(m.ir.l), int(m.ir.p)) for m in irreps]


def _random_irreps(rng: np.random.Generator, lmax: int = 4, nblocks: int = 3, maxmul: int = 2) -> str:
    parts = []
    for _ in range(rng.integers(1, nblocks + 1)):
        l = int(rng.integers(0, lmax + 1))
        p = "e" if rng.integers(0, 2) else "o"
        parts.append(f"{int(rng.integers(1, maxmul + 1))}x{l}{p}")
    return " + ".join(parts)


def _random_o3(rng: np.random.Generator) -> np.ndarray:
    R = random_rotation(rng=rng)
    return R if rng.integers(0, 2) else -R


PAIRS = [
    ("1o", "1o", None),
    ("1o", "1o", ["1e"]),
    ("2x0e + 1x1o", "1x1e + 2x2o", None),
    ("1x2e + 1x0o", "1x3o", None),
    ("2x1o + 1x1o + 0e", "1x2e + 1x4o", None),
    ("1x4e", "1x4o", ["0o", "2o", "8o"]),
    ("3x0e", "2x0o", None),
]


@pytest.mark.parametrize("irreps1, irreps2, filt", PAIRS)
def test_full_tensor_product_matches_e3nn(float64_torch, irreps1, irreps2, filt):
    rng = np.random.default_rng(0)
    i1, i2 = Irreps(irreps1), Irreps(irreps2)
    x1 = rng.standard_normal((5, i1.dim))
    x2 = rng.standard_normal((5, i2.dim))
    irreps_out, out = full_tensor_product(irreps1, x1, irreps2, x2, filter_ir_out=filt)
    tp = o3.FullTensorProduct(irreps1, irreps2, filter_ir_out=filt)
    ref = tp(torch.from_numpy(x1), torch.from_numpy(x2)).numpy()
    assert _blocks(irreps_out) == [(m, ir.l, ir.p) for m, ir in tp.irreps_out]
    assert out.shape == ref.shape
    np.testing.assert_allclose(out, ref, atol=1e-13, rtol=0)


@pytest.mark.parametrize(
    "irreps1, irreps2, irreps_out",
    [
        ("2x1o", "1x1o", "1x1e"),
        ("2x0e + 1x1o", "1x1o + 1x2e", "3x0e + 2x1o + 1x1e + 2x2e + 1x3o"),
        ("1x1o + 2x2e", "2x1o + 1x2e", "2x0e + 1x1o + 2x1e + 1x2e + 1x3o + 1x4e"),
        ("1x0e", "1x0e", "1x1o"),  # no path: output is zero
        ("3x3o + 1x4e", "2x2e + 1x1o", "1x1o + 2x4e + 1x3e + 2x5o"),
    ],
)
def test_fully_connected_matches_e3nn_same_weights(float64_torch, irreps1, irreps2, irreps_out):
    rng = np.random.default_rng(1)
    tp = FullyConnectedTensorProduct(irreps1, irreps2, irreps_out)
    ref_tp = o3.FullyConnectedTensorProduct(irreps1, irreps2, irreps_out, internal_weights=False, shared_weights=True)
    assert tp.weight_numel == ref_tp.weight_numel
    # same path weights as e3nn's instructions
    ours = sorted((p.i1, p.i2, p.i_out, round(p.path_weight, 12)) for p in tp.paths)
    theirs = sorted((i.i_in1, i.i_in2, i.i_out, round(float(i.path_weight), 12)) for i in ref_tp.instructions)
    assert ours == theirs
    x1 = rng.standard_normal((4, tp.irreps1.dim))
    x2 = rng.standard_normal((4, tp.irreps2.dim))
    w = tp.random_weights(rng)
    out = tp(x1, x2, w)
    ref = ref_tp(torch.from_numpy(x1), torch.from_numpy(x2), torch.from_numpy(w)).numpy()
    np.testing.assert_allclose(out, ref, atol=1e-12, rtol=0)
    if tp.weight_numel == 0:
        assert np.all(out == 0.0)


def test_fully_connected_per_sample_weights_broadcast():
    rng = np.random.default_rng(2)
    tp = FullyConnectedTensorProduct("2x1o", "1x1o + 1x0e", "2x1e + 1x0e + 1x1o")
    x1 = rng.standard_normal((3, tp.irreps1.dim))
    x2 = rng.standard_normal((3, tp.irreps2.dim))
    w = rng.standard_normal((3, tp.weight_numel))
    batched = tp(x1, x2, w)
    one_by_one = np.stack([tp(x1[i], x2[i], w[i]) for i in range(3)])
    np.testing.assert_allclose(batched, one_by_one, atol=1e-14)


def test_examples_cross_and_dot_product():
    rng = np.random.default_rng(3)
    u, w = rng.standard_normal(3), rng.standard_normal(3)
    irreps_out, z = full_tensor_product("1o", u, "1o", w)
    assert str(irreps_out).replace(" ", "") in ("1x0e+1x1e+1x2e", "0e+1e+2e")
    np.testing.assert_allclose(z[0], u @ w / np.sqrt(3), atol=1e-14)
    np.testing.assert_allclose(z[1:4], np.cross(u, w) / np.sqrt(2), atol=1e-14)
    # the 2e part is symmetric traceless: it vanishes for u = w only on its trace, not identically
    _, zz = full_tensor_product("1o", u, "1o", u, filter_ir_out=["1e"])
    np.testing.assert_allclose(zz, 0.0, atol=1e-15)  # u x u = 0


def test_fully_connected_doc_example():
    """e3nn doc value: FullyConnectedTensorProduct('2x1o','1x1o','1x1e'), weights 1 -> (u1 x w + u2 x w) sqrt(3/2)/sqrt(6)."""
    rng = np.random.default_rng(4)
    tp = FullyConnectedTensorProduct("2x1o", "1x1o", "1x1e")
    u = rng.standard_normal(6)
    w = rng.standard_normal(3)
    out = tp(u, w, np.ones(tp.weight_numel))
    expected = (np.cross(u[:3], w) + np.cross(u[3:], w)) * np.sqrt(3 / 2) / np.sqrt(6)
    np.testing.assert_allclose(out, expected, atol=1e-14)


def test_broadcasting_over_leading_axes():
    rng = np.random.default_rng(5)
    x1 = rng.standard_normal((4, 1, Irreps("1x1o + 1x2e").dim))
    x2 = rng.standard_normal((1, 3, Irreps("2x1e").dim))
    irreps_out, out = full_tensor_product("1x1o + 1x2e", x1, "2x1e", x2)
    assert out.shape == (4, 3, irreps_out.dim)
    _, single = full_tensor_product("1x1o + 1x2e", x1[2, 0], "2x1e", x2[0, 1])
    np.testing.assert_allclose(out[2, 1], single, atol=1e-14)


@pytest.mark.parametrize("seed", range(8))
def test_full_product_equivariant_in_o3(seed):
    rng = np.random.default_rng(100 + seed)
    s1, s2 = _random_irreps(rng), _random_irreps(rng)
    i1, i2 = Irreps(s1), Irreps(s2)
    x1 = rng.standard_normal((3, i1.dim))
    x2 = rng.standard_normal((3, i2.dim))
    irreps_out, out = full_tensor_product(s1, x1, s2, x2)
    worst = 0.0
    for _ in range(4):
        g = _random_o3(rng)
        _, out_g = full_tensor_product(s1, x1 @ i1.D_from_matrix(g).T, s2, x2 @ i2.D_from_matrix(g).T)
        worst = max(worst, np.abs(out_g - out @ irreps_out.D_from_matrix(g).T).max())
    assert worst < 1e-12, (s1, s2, worst)


@pytest.mark.parametrize("seed", range(6))
def test_fully_connected_equivariant_in_o3(seed):
    rng = np.random.default_rng(200 + seed)
    s1, s2, so = _random_irreps(rng), _random_irreps(rng), _random_irreps(rng, nblocks=4)
    tp = FullyConnectedTensorProduct(s1, s2, so)
    x1 = rng.standard_normal((3, tp.irreps1.dim))
    x2 = rng.standard_normal((3, tp.irreps2.dim))
    w = tp.random_weights(rng)
    out = tp(x1, x2, w)
    for _ in range(4):
        g = _random_o3(rng)
        out_g = tp(x1 @ tp.irreps1.D_from_matrix(g).T, x2 @ tp.irreps2.D_from_matrix(g).T, w)
        assert np.abs(out_g - out @ tp.irreps_out.D_from_matrix(g).T).max() < 1e-12


def test_parity_selection_rule():
    """0e x 0o can only give 0o; asking for 0e yields no path."""
    _, _, irreps_out, _paths = full_tensor_product_paths("0e", "0o")
    assert _blocks(irreps_out) == [(1, 0, -1)]
    tp = FullyConnectedTensorProduct("1x0e", "1x0o", "1x0e")
    assert tp.weight_numel == 0
    out = tp(np.ones(1), np.ones(1), np.zeros(0))
    assert out.shape == (1,) and out[0] == 0.0


def test_count_multiply_adds_values_and_growth():
    # 1o x 1o: paths to l3 = 0, 1, 2 -> 9 * (1 + 3 + 5) = 81 dense; nnz = 3 + 6 + 11 = 20
    assert count_multiply_adds("1o", "1o") == 81
    assert count_multiply_adds("1o", "1o", sparse=True) == 20
    assert count_multiply_adds("2x1o", "3x1o") == 6 * 81
    assert count_multiply_adds("1o", "1o", filter_ir_out=["1e"]) == 27
    # int L means the spherical harmonics up to L; explicit sum
    L = 3
    brute = sum(
        (2 * a + 1) * (2 * b + 1) * (2 * c + 1)
        for a in range(L + 1)
        for b in range(L + 1)
        for c in range(abs(a - b), a + b + 1)
    )
    assert count_multiply_adds(L) == brute
    assert Irreps.spherical_harmonics(L).dim == (L + 1) ** 2
    # O(L^6): doubling L multiplies the dense count by ~64 for large L
    ratio = count_multiply_adds(16) / count_multiply_adds(8)
    assert 40 < ratio < 70
    assert count_multiply_adds(8, sparse=True) < count_multiply_adds(8)


def test_bad_inputs_raise_value_error():
    with pytest.raises(ValueError):
        full_tensor_product("1o", np.ones(2), "1o", np.ones(3))
    with pytest.raises(ValueError):
        FullyConnectedTensorProduct("1o", "1o", "1e")(np.ones(3), np.ones(3), np.ones(5))
    with pytest.raises(ValueError):
        full_tensor_product("2x1q", np.ones(6), "1o", np.ones(3))
    with pytest.raises(ValueError):
        count_multiply_adds(-1)
    with pytest.raises(ValueError):
        Irreps.spherical_harmonics(1000)
