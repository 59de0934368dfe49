"""Tests of equi_core.nn: every equivariant layer is equivariant in O(3) to < 1e-12, the componentwise baseline is not."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from equi_core import (
    ACTIVATIONS,
    Componentwise,
    EquivariantLinear,
    Gate,
    Irrep,
    Irreps,
    NormActivation,
    ScalarActivation,
    Sequential,
    TensorSquare,
    activation_parity,
    bend_angles,
    componentwise,
    equivariance_error,
    norm_nonlinearity,
    scalar_activation_output,
    tiny_equivariant_net,
)
from tests.conftest import TOL_F64_DEEP

TOL = TOL_F64_DEEP


def _random_irreps(rng: np.random.Generator, lmax: int = 4, nblocks: int = 4, maxmul: int = 3) -> Irreps:
    parts = []
    for _ in range(int(rng.integers(1, nblocks + 1))):
        parts.append(
            (int(rng.integers(1, maxmul + 1)), Irrep(int(rng.integers(0, lmax + 1)), int(rng.choice([1, -1]))))
        )
    return Irreps(parts)


def test_relu_componentwise_is_not_equivariant():
    err = equivariance_error(lambda x: componentwise(x, "relu"), "1o", "1o", n=32, rng=0)
    assert err.absolute > 0.1 and err.relative > 0.1
    err_tanh = equivariance_error(Componentwise(Irreps("1o"), "tanh"), "1o", "1o", n=32, rng=0)
    assert err_tanh.absolute > 0.1
    # on vectors of degree 2 too, even under rotations only
    assert (
        equivariance_error(Componentwise(Irreps("2x2e"), "relu"), "2x2e", "2x2e", n=16, parity=False, rng=1).absolute
        > 0.1
    )


def test_componentwise_on_true_scalars_is_fine_and_parity_trap_on_pseudoscalars():
    # 0e: any pointwise function is equivariant
    assert equivariance_error(Componentwise(Irreps("3x0e"), "relu"), "3x0e", "3x0e", n=16, rng=2).absolute == 0.0
    # 0o with relu: passes every SO(3) test, fails O(3)
    so3 = equivariance_error(Componentwise(Irreps("3x0o"), "relu"), "3x0o", "3x0o", n=16, parity=False, rng=3)
    o3_ = equivariance_error(Componentwise(Irreps("3x0o"), "relu"), "3x0o", "3x0o", n=16, parity=True, rng=3)
    assert so3.absolute == 0.0
    assert o3_.absolute > 0.1
    assert np.all(o3_.per_sample[~o3_.improper] == 0.0) and np.all(o3_.per_sample[o3_.improper] > 0)
    # tanh (odd) passes both
    assert equivariance_error(Componentwise(Irreps("3x0o"), "tanh"), "3x0o", "3x0o", n=16, rng=3).absolute < TOL


@pytest.mark.parametrize(
    "name, parity",
    [
        ("relu", 0),
        ("softplus", 0),
        ("sigmoid", 0),
        ("silu", 0),
        ("tanh", -1),
        ("sin", -1),
        ("identity", -1),
        ("abs", 1),
        ("square", 1),
    ],
)
def test_activation_parity(name, parity):
    assert activation_parity(name) == parity


def test_scalar_activation_output_rules():
    assert scalar_activation_output("0e", "relu") == Irrep("0e")
    assert scalar_activation_output("0o", "tanh") == Irrep("0o")
    assert scalar_activation_output("0o", "abs") == Irrep("0e")
    with pytest.raises(ValueError, match="illegal on a pseudo-scalar"):
        scalar_activation_output("0o", "relu")
    with pytest.raises(ValueError, match="only on scalars"):
        scalar_activation_output("1o", "tanh")
    with pytest.raises(ValueError):
        ScalarActivation(Irreps("1x0e + 1x0o"), ("relu", "relu"))
    with pytest.raises(ValueError, match="unknown activation"):
        scalar_activation_output("0e", "leaky")


def test_scalar_activation_layer_equivariant_and_irreps():
    layer = ScalarActivation(Irreps("2x0e + 3x0o + 1x0o"), ("relu", "tanh", "abs"))
    assert layer.irreps_out == Irreps("2x0e + 3x0o + 1x0e")
    err = equivariance_error(layer, layer.irreps_in, layer.irreps_out, n=16, rng=4)
    assert err.absolute < TOL


@pytest.mark.parametrize("seed", range(6))
def test_norm_activation_equivariant_random_irreps(seed):
    rng = np.random.default_rng(seed)
    irreps = _random_irreps(rng)
    for sigma, bias in (("relu", -1.0), ("tanh", 0.0), ("softplus", 0.5)):
        layer = NormActivation(irreps, sigma, bias)
        err = equivariance_error(layer, irreps, irreps, n=12, rng=seed)
        assert err.absolute < TOL, (str(irreps), sigma, err.absolute)


def test_norm_nonlinearity_keeps_directions_and_zero_is_finite():
    rng = np.random.default_rng(5)
    x = rng.standard_normal((50, 3))
    y = norm_nonlinearity(x, "1o", "tanh", 0.0)
    np.testing.assert_allclose(bend_angles(x, y), 0.0, atol=1e-7)
    np.testing.assert_allclose(np.linalg.norm(y, axis=-1), np.tanh(np.linalg.norm(x, axis=-1)), atol=1e-15)
    irreps = Irreps("2x0e + 1x0o + 2x1o + 1x2e + 1x4o")
    for sigma, bias in (("relu", -1.0), ("softplus", 0.0), ("sigmoid", 2.0), ("tanh", 0.0)):
        z = norm_nonlinearity(np.zeros((2, irreps.dim)), irreps, sigma, bias)
        assert np.all(np.isfinite(z)) and np.all(z == 0.0)
    tiny = norm_nonlinearity(np.full(3, 1e-300), "1o", "softplus", 0.0)
    assert np.all(np.isfinite(tiny))
    with pytest.raises(ValueError):
        norm_nonlinearity(np.ones(4), "1o")
    with pytest.raises(ValueError):
        norm_nonlinearity(np.ones(3), "1o", eps=0.0)


def test_norm_on_scalars_is_odd():
    s = np.array([[-2.0], [2.0]])
    y = norm_nonlinearity(s, "0o", "relu", -0.5)
    np.testing.assert_allclose(y.ravel(), [-1.5, 1.5])


@pytest.mark.parametrize("seed", range(6))
def test_equivariant_linear_random_irreps(seed):
    rng = np.random.default_rng(10 + seed)
    a = _random_irreps(rng)
    b = Irreps(list(a)[::-1]) + _random_irreps(rng) + Irreps("2x0e")
    lin = EquivariantLinear.random(a, b, rng)
    err = equivariance_error(lin, a, b, n=12, rng=seed)
    assert err.absolute < TOL, (str(a), str(b), err.absolute)


def test_equivariant_linear_bias_only_on_0e_and_readonly():
    lin = EquivariantLinear.random("2x0e + 1x0o + 1x1o", "3x0e + 2x0o + 1x1e + 2x1o", 0)
    assert lin.bias_numel == 3
    assert lin.weight_numel == 2 * 3 + 1 * 2 + 1 * 2
    out0 = lin(np.zeros(lin.irreps_in.dim))
    np.testing.assert_array_equal(out0[:3], lin.bias)
    assert np.all(out0[3:] == 0.0)
    with pytest.raises(ValueError):
        lin.weight[0] = 1.0
    with pytest.raises(dataclasses.FrozenInstanceError):
        lin.weight = np.zeros(3)  # type: ignore[misc]
    with pytest.raises(ValueError):
        EquivariantLinear("1o", "1o", np.ones(2))


def test_equivariant_linear_matches_e3nn():
    torch = pytest.importorskip("torch")
    o3 = pytest.importorskip("e3nn.o3")
    old = torch.get_default_dtype()
    torch.set_default_dtype(torch.float64)
    try:
        a, b = "2x0e + 1x1o + 3x1o + 2x2e", "3x0e + 2x1o + 1x2e + 1x0o"
        lin = EquivariantLinear.random(a, b, 7)
        ref = o3.Linear(a, b, internal_weights=False, shared_weights=True, biases=True)
        assert ref.weight_numel == lin.weight_numel and ref.bias_numel == lin.bias_numel
        x = np.random.default_rng(8).standard_normal((5, lin.irreps_in.dim))
        expected = ref(
            torch.from_numpy(x), torch.from_numpy(np.array(lin.weight)), torch.from_numpy(np.array(lin.bias))
        )
        np.testing.assert_allclose(lin(x), expected.numpy(), atol=1e-13)
    finally:
        torch.set_default_dtype(old)


@pytest.mark.parametrize("seed", range(5))
def test_gate_equivariant_random_irreps(seed):
    rng = np.random.default_rng(20 + seed)
    gated = _random_irreps(rng)
    n = gated.num_irreps
    # some 0e gates (sigmoid) and some 0o gates (tanh: they flip the parity of what they gate)
    k = int(rng.integers(0, n + 1))
    gates = Irreps([(k, Irrep("0e")), (n - k, Irrep("0o"))]).simplify()
    acts_g = tuple("sigmoid" if m.ir.p == 1 else "tanh" for m in gates)
    gate = Gate(Irreps("2x0e + 1x0o"), ("silu", "tanh"), gates, acts_g, gated)
    assert gate.irreps_in.dim == 2 + 1 + n + gated.dim
    err = equivariance_error(gate, gate.irreps_in, gate.irreps_out, n=12, rng=seed)
    assert err.absolute < TOL, (str(gated), err.absolute)


def test_gate_parity_cases():
    g = Gate("1x0e", "relu", "1x0e + 1x0o", ("sigmoid", "tanh"), "1x1o + 1x2e")
    assert g.irreps_out == Irreps("1x0e + 1x1o + 1x2o")  # a 0o gate turns 2e into 2o
    x = np.array([-1.0, 0.5, 2.0, 1.0, 2.0, 3.0, 1, 1, 1, 1, 1])
    y = g(x)
    np.testing.assert_allclose(y[0], 0.0)
    np.testing.assert_allclose(y[1:4], ACTIVATIONS["sigmoid"](0.5) * np.array([1.0, 2.0, 3.0]))
    np.testing.assert_allclose(y[4:], np.tanh(2.0) * np.ones(5))
    with pytest.raises(ValueError, match="illegal on a pseudo-scalar"):
        Gate("1x0o", "relu", "1x0e", "sigmoid", "1x1o")
    with pytest.raises(ValueError, match="illegal on a pseudo-scalar"):
        Gate("1x0e", "relu", "1x0o", "sigmoid", "1x1o")
    with pytest.raises(ValueError, match="one gate scalar per gated"):
        Gate("1x0e", "relu", "2x0e", "sigmoid", "1x1o")
    with pytest.raises(ValueError, match="only scalars"):
        Gate("1x1o", "relu", "1x0e", "sigmoid", "1x1o")
    # zero input: finite output
    assert np.all(np.isfinite(g(np.zeros(g.irreps_in.dim))))


@pytest.mark.parametrize("seed", range(3))
def test_tensor_square_equivariant(seed):
    rng = np.random.default_rng(30 + seed)
    a = _random_irreps(rng, nblocks=3, maxmul=2)
    b = _random_irreps(rng, nblocks=3, maxmul=2)
    sq = TensorSquare.random(a, b, rng)
    assert equivariance_error(sq, a, b, n=8, rng=seed).absolute < TOL
    res = TensorSquare.random(a, a, rng, residual=True)
    assert equivariance_error(res, a, a, n=8, rng=seed).absolute < TOL
    with pytest.raises(ValueError):
        TensorSquare(a, b, np.zeros(1), residual=True) if a != b else TensorSquare(a, a, np.zeros(10**6))


@pytest.mark.parametrize(
    "irreps_in, irreps_out",
    [("1x1o", "1x0e + 1x1o"), ("1x0e + 1x0o + 2x1o + 1x1e + 1x2e", "1x0e + 1x0o + 1x1o + 1x1e + 1x4e")],
)
def test_tiny_net_equivariant_seeded_and_nontrivial(irreps_in, irreps_out):
    net = tiny_equivariant_net(irreps_in, irreps_out, mul=2, lmax=2, depth=2, seed=3)
    err = equivariance_error(net, net.irreps_in, net.irreps_out, n=12, rng=4)
    assert err.absolute < TOL and err.relative < TOL
    x = np.random.default_rng(0).standard_normal((6, net.irreps_in.dim))
    y = net(x)
    assert np.abs(y).max() > 1e-3  # not trivially zero
    np.testing.assert_array_equal(y, tiny_equivariant_net(irreps_in, irreps_out, mul=2, lmax=2, depth=2, seed=3)(x))
    assert not np.array_equal(y, tiny_equivariant_net(irreps_in, irreps_out, mul=2, lmax=2, depth=2, seed=4)(x))
    # the same architecture with componentwise ReLU inserted is not equivariant
    broken = Sequential(net.layers[:-1] + (Componentwise(net.layers[-1].irreps_in, "relu"), net.layers[-1]))
    assert equivariance_error(broken, net.irreps_in, net.irreps_out, n=12, rng=4).absolute > 1e-3


def test_tiny_net_symmetry_fact_single_vector_has_no_pseudoscalar():
    """From one polar vector no pseudo-scalar (0o) or axial vector (1e) can be built: the net returns exactly 0."""
    net = tiny_equivariant_net("1x1o", "1x0o + 1x1e", seed=1)
    y = net(np.random.default_rng(1).standard_normal((5, 3)))
    assert np.abs(y).max() < 1e-12


def test_tiny_net_bad_args():
    for kw in ({"mul": 0}, {"lmax": 9}, {"depth": 0}, {"mul": True}):
        with pytest.raises(ValueError):
            tiny_equivariant_net(**kw)
    with pytest.raises(ValueError):
        Sequential((NormActivation("1o"), NormActivation("1e")))
