"""Spherical harmonics: e3nn's basis and normalizations, any degree, equivariance, exact values, bad input."""

import numpy as np
import pytest
import sympy
from hypothesis import given, settings
from hypothesis import strategies as st

from equi_core import random_rotation, sphere_quadrature, spherical_harmonics, wigner_D

seeds = st.integers(0, 2**32 - 1)


def test_degree_0_and_1_component():
    x = np.array([[0.3, -1.2, 2.0], [1.0, 0.0, 0.0]])
    assert np.allclose(spherical_harmonics(0, x), 1.0, atol=1e-15)
    u = x / np.linalg.norm(x, axis=-1, keepdims=True)
    assert np.abs(spherical_harmonics(1, x) - np.sqrt(3) * u).max() < 1e-15


def test_degree_2_matches_reference_polynomials():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((20, 3))
    u = x / np.linalg.norm(x, axis=-1, keepdims=True)
    X, Y, Z = u.T
    s15 = np.sqrt(15)
    expected = np.stack(
        [s15 * X * Z, s15 * X * Y, np.sqrt(5) * (Y**2 - (X**2 + Z**2) / 2), s15 * Y * Z, s15 / 2 * (Z**2 - X**2)], -1
    )
    assert np.abs(spherical_harmonics(2, x) - expected).max() < 1e-14


def test_exact_sympy_values_for_degree_3():
    # textbook real harmonic Y_{3,0} = sqrt(7/(16 pi)) (5 z^3 - 3 z); in the Lab's basis z -> y (polar axis)
    t = sympy.Rational(1, 3)
    v = np.array([2 / 3, 1 / 3, 2 / 3])  # a unit vector with rational components
    exact = sympy.sqrt(sympy.Rational(7, 16) / sympy.pi) * (5 * t**3 - 3 * t)
    ours = spherical_harmonics(3, v, normalization="integral")[3]
    assert abs(ours - float(exact)) < 1e-15


@pytest.mark.parametrize("normalization", ["component", "norm", "integral"])
def test_against_e3nn_all_l_up_to_10(normalization):
    torch = pytest.importorskip("torch")
    o3 = pytest.importorskip("e3nn.o3")
    x = np.random.default_rng(1).standard_normal((200, 3))
    ls = list(range(11))
    ref = o3.spherical_harmonics(ls, torch.tensor(x), True, normalization=normalization).numpy()
    assert np.abs(spherical_harmonics(ls, x, normalization) - ref).max() < 1e-12
    ref = o3.spherical_harmonics([1, 3, 2], torch.tensor(x), False, normalization=normalization).numpy()
    assert np.abs(spherical_harmonics([1, 3, 2], x, normalization, normalize=False) - ref).max() < 1e-12


@pytest.mark.parametrize("l", [0, 1, 5, 20, 60, 100])
def test_normalizations_and_orthonormality(l):
    x = np.random.default_rng(l).standard_normal((100, 3))
    comp = spherical_harmonics(l, x)
    assert np.abs((comp**2).sum(-1) - (2 * l + 1)).max() < 1e-10 * (2 * l + 1)
    assert np.abs(np.linalg.norm(spherical_harmonics(l, x, "norm"), axis=-1) - 1).max() < 1e-12
    pts, w = sphere_quadrature(2 * l)
    y = spherical_harmonics(l, pts, "integral")
    gram = (y * w[:, None]).T @ y
    assert np.abs(gram - np.eye(2 * l + 1)).max() < 1e-12


@settings(max_examples=60, deadline=None)
@given(st.integers(0, 12), seeds)
def test_equivariance_property(l, seed):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((10, 3))
    R = random_rotation(None, rng)
    lhs = spherical_harmonics(l, x @ R.T)
    rhs = spherical_harmonics(l, x) @ wigner_D(l, R).T
    assert np.abs(lhs - rhs).max() < 1e-12


@pytest.mark.parametrize("l", [40, 80, 100])
def test_equivariance_high_l(l):
    rng = np.random.default_rng(l)
    x = rng.standard_normal((20, 3))
    R = random_rotation(None, rng)
    assert np.abs(spherical_harmonics(l, x @ R.T) - spherical_harmonics(l, x) @ wigner_D(l, R).T).max() < 1e-11


def test_parity_and_solid_harmonics():
    x = np.random.default_rng(2).standard_normal((30, 3))
    for l in range(8):
        assert np.abs(spherical_harmonics(l, -x) - (-1) ** l * spherical_harmonics(l, x)).max() < 1e-13
        r = np.linalg.norm(x, axis=-1, keepdims=True)
        assert np.abs(spherical_harmonics(l, x, normalize=False) - r**l * spherical_harmonics(l, x)).max() < 1e-12
    # the zero vector is allowed for solid harmonics: 0 for l > 0
    z = spherical_harmonics([0, 1, 2], np.zeros(3), normalize=False)
    assert z[0] == 1.0 and np.all(z[1:] == 0)


def test_shapes_and_concatenation():
    x = np.ones((4, 5, 3))
    out = spherical_harmonics([2, 0, 1, 2], x)
    assert out.shape == (4, 5, 5 + 1 + 3 + 5)
    assert np.array_equal(out[..., :5], out[..., -5:])
    assert np.array_equal(out[..., 5:6], spherical_harmonics(0, x))
    assert spherical_harmonics(3, np.array([1.0, 2.0, 3.0])).shape == (7,)


@pytest.mark.parametrize(
    "kwargs, message",
    [
        (dict(l=-1, xyz=[1, 0, 0]), "0.."),
        (dict(l=1.5, xyz=[1, 0, 0]), "integer"),
        (dict(l=1, xyz=[0, 0, 0]), "zero vector"),
        (dict(l=1, xyz=[np.nan, 0, 0]), "finite"),
        (dict(l=1, xyz=[1, 0]), "shape"),
        (dict(l=1, xyz=[1, 0, 0], normalization="unit"), "normalization"),
        (dict(l=[], xyz=[1, 0, 0]), "at least one"),
    ],
)
def test_bad_input(kwargs, message):
    with pytest.raises(ValueError, match=message):
        spherical_harmonics(**kwargs)
