"""Irreps: parsing, round trips, dimensions, selection rule, O(3) matrices with parity."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from equi_core import Irrep, Irreps, random_rotation

irrep_st = st.builds(Irrep, st.integers(0, 6), st.sampled_from([1, -1]))
irreps_st = st.lists(st.tuples(st.integers(0, 4), irrep_st), max_size=6).map(Irreps)


def test_parse_and_describe():
    ir = Irreps("2x0e + 1x1o + 3x2e")
    assert ir.dim == 2 + 3 + 15 and ir.num_irreps == 6 and ir.lmax == 2
    assert [str(mi) for mi in ir] == ["2x0e", "1x1o", "3x2e"]
    assert ir.slices() == [slice(0, 2), slice(2, 5), slice(5, 20)]
    assert ir.ls == [0, 0, 1, 2, 2, 2]
    assert Irreps("1o") == Irreps("1x1o") == Irreps([(1, "1o")]) == Irreps("  1 x 1 o ")
    assert str(Irreps("2x0e+1x1o")) == "2x0e + 1x1o"
    assert Irreps("") == Irreps() and Irreps("").dim == 0
    assert Irreps("1o + 1o + 0x2e").simplify() == Irreps("2x1o")
    assert Irreps("1o") + "0e" == Irreps("1o + 0e")
    assert Irrep("1o") in Irreps("2x0e+1o") and Irrep("1e") not in Irreps("1o")
    assert 3 * Irrep("2e") == Irreps("3x2e")
    assert isinstance(ir[1:], Irreps) and ir[1:].dim == 18


@settings(max_examples=300, deadline=None)
@given(irreps_st)
def test_string_round_trip(irreps):
    assert Irreps(str(irreps)) == irreps
    assert Irreps(repr(irreps)) == irreps
    assert irreps.dim == sum(mul * (2 * ir.l + 1) for mul, ir in irreps)


def test_selection_rule_with_parity():
    assert list(Irrep("1o") * Irrep("1o")) == [Irrep("0e"), Irrep("1e"), Irrep("2e")]
    assert list(Irrep("2e") * Irrep("1o")) == [Irrep("1o"), Irrep("2o"), Irrep("3o")]
    assert [ir.l for ir in Irrep("2e") * Irrep("3e")] == [1, 2, 3, 4, 5]


@pytest.mark.parametrize(
    "text, fragment",
    [
        ("2x1q", "'2x1q'"),
        ("1x", "missing"),
        ("1e++2o", "empty term"),
        ("-1e", "negative"),
        ("abc", "'abc'"),
        ("1", "parity"),
        ("1e + 2", "'2'"),
        ("2x1000e", "at most"),
        ("x" * 3000, "too long"),
    ],
)
def test_bad_strings_name_the_token(text, fragment):
    with pytest.raises(ValueError) as info:
        Irreps(text)
    assert fragment in str(info.value)
    if "long" not in fragment and "most" not in fragment:
        assert "2x0e + 1x1o + 3x2e" in str(info.value)  # the grammar is explained


def test_irrep_validation():
    assert Irrep(2, -1) == Irrep("2o") and Irrep("2o").dim == 5
    with pytest.raises(ValueError):
        Irrep(1, 0)
    with pytest.raises(ValueError):
        Irrep(-1, 1)
    with pytest.raises(ValueError):
        Irrep("1q")


def test_D_from_matrix_block_diagonal_and_parity():
    ir = Irreps("0e + 0o + 1o + 1e + 2e + 2o")
    R = random_rotation(None, 0)
    D = ir.D_from_matrix(R)
    assert np.abs(D @ D.T - np.eye(ir.dim)).max() < 1e-13
    assert np.allclose(D[2:5, 2:5], R) and np.allclose(D[5:8, 5:8], R)
    Dinv = ir.D_from_matrix(-R)  # an improper element: inversion composed with R
    assert Dinv[0, 0] == 1.0 and Dinv[1, 1] == -1.0
    assert np.abs(Dinv[2:5, 2:5] + R).max() < 1e-14  # 1o: a polar vector flips
    assert np.abs(Dinv[5:8, 5:8] - R).max() < 1e-14  # 1e: an axial vector does not
    assert np.abs(Dinv[8:13, 8:13] - D[8:13, 8:13]).max() < 1e-14
    assert np.abs(Dinv[13:18, 13:18] + D[13:18, 13:18]).max() < 1e-14
    # off-diagonal blocks are zero
    mask = np.ones_like(D, dtype=bool)
    for sl in ir.slices():
        mask[sl, sl] = False
    assert np.all(D[mask] == 0)


@settings(max_examples=50, deadline=None)
@given(irreps_st, st.integers(0, 2**31), st.booleans(), st.booleans())
def test_D_is_a_homomorphism_on_O3(irreps, seed, inv1, inv2):
    R1, R2 = random_rotation(2, seed)
    R1, R2 = (-R1 if inv1 else R1), (-R2 if inv2 else R2)
    D = irreps.D_from_matrix
    assert D(R1).shape == (irreps.dim, irreps.dim)
    assert np.allclose(D(R1 @ R2), D(R1) @ D(R2), rtol=0, atol=1e-12)


def test_irrep_D_and_randn():
    R = random_rotation(None, 4)
    assert np.allclose(Irrep("1o").D_from_matrix(-R), -R)
    assert np.allclose(Irrep("1e").D_from_matrix(-R), R)
    assert Irreps("2x1o").randn(5, 0).shape == (5, 6)
    assert Irreps.spherical_harmonics(3) == Irreps("0e+1o+2e+3o")
    with pytest.raises(ValueError, match="orthogonal"):
        Irreps("1o").D_from_matrix(2 * np.eye(3))
