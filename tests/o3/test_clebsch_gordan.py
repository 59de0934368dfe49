"""Clebsch-Gordan: exact sympy values, e3nn agreement, invariance, orthogonality, high l, selection rule."""

import numpy as np
import pytest
import sympy
from hypothesis import given, settings
from hypothesis import strategies as st

from equi_core import clebsch_gordan, clebsch_gordan_exact, random_rotation, selection_rule, wigner_D
from equi_core.o3.clebsch_gordan import clebsch_gordan_complex
from equi_core.o3.conventions import clebsch_gordan_from_complex


def _invariance_error(l1, l2, l3, R):
    C = clebsch_gordan(l1, l2, l3)
    D1, D2, D3 = wigner_D(l1, R), wigner_D(l2, R), wigner_D(l3, R)
    t = np.tensordot(C, D1, axes=([0], [0]))  # (j, k, a)
    t = np.tensordot(t, D2, axes=([0], [0]))  # (k, a, b)
    t = np.tensordot(t, D3, axes=([0], [0]))  # (a, b, c)
    return np.abs(t - C).max()


def test_worked_examples():
    assert np.abs(clebsch_gordan(1, 1, 0)[:, :, 0] - np.eye(3) / np.sqrt(3)).max() < 1e-15
    eps = np.zeros((3, 3, 3))
    for (i, j, k), s in {(0, 1, 2): 1, (1, 2, 0): 1, (2, 0, 1): 1, (0, 2, 1): -1, (2, 1, 0): -1, (1, 0, 2): -1}.items():
        eps[i, j, k] = s
    assert np.abs(clebsch_gordan(1, 1, 1) - eps / np.sqrt(6)).max() < 1e-15
    C = clebsch_gordan(1, 1, 2) * np.sqrt(30)
    s3 = np.sqrt(3)
    assert np.allclose(C[:, :, 2], np.diag([-1, 2, -1]), atol=1e-14)
    assert np.allclose(C[:, :, 0], [[0, 0, s3], [0, 0, 0], [s3, 0, 0]], atol=1e-14)
    assert np.allclose(C[:, :, 4], np.diag([-s3, 0, s3]), atol=1e-14)


@pytest.mark.parametrize("j1,j2,J", [(1, 1, 0), (1, 1, 2), (2, 1, 2), (3, 5, 4), (4, 4, 8), (6, 2, 5), (7, 7, 0)])
def test_complex_coefficients_equal_exact_sympy(j1, j2, J):
    cg = clebsch_gordan_complex(j1, j2, J)
    for m1 in range(-j1, j1 + 1):
        for m2 in range(-j2, j2 + 1):
            M = m1 + m2
            if abs(M) > J:
                continue
            exact = clebsch_gordan_exact(j1, m1, j2, m2, J, M)
            assert abs(cg[m1 + j1, m2 + j2, M + J] - float(exact)) < 1e-14


def test_exact_values_from_reference():
    assert clebsch_gordan_exact(1, 1, 1, -1, 1, 0) == sympy.sqrt(2) / 2
    assert clebsch_gordan_exact(1, 0, 1, 0, 2, 0) == sympy.sqrt(6) / 3


@pytest.mark.parametrize("l1,l2,l3", [(1, 1, 2), (2, 3, 4), (3, 3, 3), (4, 2, 5)])
def test_real_tensor_is_the_change_of_basis_of_sympy_exact(l1, l2, l3):
    # build the complex tensor from exact sympy values, then the documented change of basis
    cg = np.zeros((2 * l1 + 1, 2 * l2 + 1, 2 * l3 + 1))
    for m1 in range(-l1, l1 + 1):
        for m2 in range(-l2, l2 + 1):
            if abs(m1 + m2) <= l3:
                cg[m1 + l1, m2 + l2, m1 + m2 + l3] = float(clebsch_gordan_exact(l1, m1, l2, m2, l3, m1 + m2))
    from equi_core import change_basis_real_to_complex as Q

    t = np.einsum("aj,bk,cn,abc->jkn", Q(l1), Q(l2), Q(l3).conj(), cg)
    assert np.abs(t.imag).max() < 1e-15
    assert np.abs(t.real / np.sqrt(2 * l3 + 1) - clebsch_gordan(l1, l2, l3)).max() < 1e-14
    assert np.abs(clebsch_gordan_from_complex(l1, l2, l3) - clebsch_gordan(l1, l2, l3)).max() < 1e-14


def test_equal_to_e3nn_for_all_l_up_to_10():
    torch = pytest.importorskip("torch")
    o3 = pytest.importorskip("e3nn.o3")
    worst = 0.0
    for l1 in range(11):
        for l2 in range(11):
            for l3 in range(abs(l1 - l2), min(l1 + l2, 10) + 1):
                ref = o3.wigner_3j(l1, l2, l3, dtype=torch.float64).numpy()
                worst = max(worst, np.abs(clebsch_gordan(l1, l2, l3) - ref).max())
    assert worst < 1e-13


@settings(max_examples=80, deadline=None)
@given(st.integers(0, 8), st.integers(0, 8), st.data())
def test_invariance_norm_symmetry(l1, l2, data):
    l3 = data.draw(st.integers(abs(l1 - l2), l1 + l2))
    R = random_rotation(None, data.draw(st.integers(0, 2**31)))
    assert _invariance_error(l1, l2, l3, R) < 1e-12
    C = clebsch_gordan(l1, l2, l3)
    assert abs(np.linalg.norm(C) - 1) < 1e-14
    assert np.abs(clebsch_gordan(l2, l1, l3) - (-1) ** (l1 + l2 + l3) * C.transpose(1, 0, 2)).max() < 1e-14


@pytest.mark.parametrize("l1,l2", [(2, 3), (4, 4), (5, 1)])
def test_orthogonality_relations(l1, l2):
    n1, n2 = 2 * l1 + 1, 2 * l2 + 1
    blocks = [
        clebsch_gordan(l1, l2, l3).reshape(n1 * n2, -1) * np.sqrt(2 * l3 + 1) for l3 in range(abs(l1 - l2), l1 + l2 + 1)
    ]
    U = np.concatenate(blocks, axis=1)  # the full change of basis of l1 x l2: orthogonal
    assert U.shape == (n1 * n2, n1 * n2)
    assert np.abs(U.T @ U - np.eye(n1 * n2)).max() < 1e-13
    assert np.abs(U @ U.T - np.eye(n1 * n2)).max() < 1e-13


@pytest.mark.parametrize(
    "l1,l2,l3", [(60, 60, 60), (62, 62, 62), (64, 64, 64), (100, 100, 100), (40, 60, 80), (100, 100, 0), (100, 50, 120)]
)
def test_high_l_where_e3nn_underflows(l1, l2, l3):
    C = clebsch_gordan(l1, l2, l3)
    assert abs(np.linalg.norm(C) - 1) < 1e-12
    assert _invariance_error(l1, l2, l3, random_rotation(None, l3)) < 1e-11
    if l3 == 0:  # closed form: <j m j -m | 0 0> = (-1)^(j-m) / sqrt(2j+1)
        j = l1
        cg = clebsch_gordan_complex(j, j, 0)
        m = np.arange(-j, j + 1)
        assert np.abs(cg[m + j, -m + j, 0] - (-1.0) ** (j - m) / np.sqrt(2 * j + 1)).max() < 1e-14
    # the largest coefficient agrees with exact sympy
    if l1 == l2 == l3 == 62:
        cg = clebsch_gordan_complex(62, 62, 62)
        exact = float(sympy.physics.wigner.clebsch_gordan(62, 62, 62, 1, -1, 0))
        assert abs(cg[63, 61, 62] - exact) < 1e-13


def test_selection_rule_and_bad_input():
    assert selection_rule(1, 1, 2) and not selection_rule(1, 1, 3) and not selection_rule(3, 1, 1)
    with pytest.raises(ValueError, match="triangle"):
        clebsch_gordan(1, 1, 3)
    with pytest.raises(ValueError, match=r"0\.\.200"):
        clebsch_gordan(-1, 1, 1)
    with pytest.raises(ValueError):
        clebsch_gordan(1.5, 1, 1)
    with pytest.raises(ValueError):
        clebsch_gordan_exact(1, 2, 1, 0, 1, 2)


def test_cached_and_read_only():
    C = clebsch_gordan(2, 2, 2)
    assert clebsch_gordan(2, 2, 2) is C
    with pytest.raises(ValueError):
        C[0, 0, 0] = 1.0
