"""Training lab core: data, torch spherical harmonics, CG layers, models (equivariance in float64),
training loop, stop hook. Oracles: the numpy core (equi_core) and e3nn (test-only)."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from equi_core import random_rotation, spherical_harmonics, wigner_D
from equi_core.training.data import (
    TargetSpec,
    cutoff_function,
    legendre_spectrum,
    make_dataset,
    make_splits,
    random_rotations,
    rotate,
    rotations_about_axes,
    site_energy,
)
from equi_core.training.features import (
    chebyshev_radial_basis,
    density_projections,
    neighbour_invariants,
    power_spectrum,
    power_spectrum_size,
    spherical_harmonics_torch,
)
from equi_core.training.layers import (
    ChannelwiseTensorProduct,
    FullyConnectedTensorProductTorch,
    Gate,
    NormActivation,
    natural_paths,
)
from equi_core.training.models import (
    CartesianTransformer,
    DeepSetsModel,
    IrrepsNet,
    PowerSpectrumModel,
    ScalarVectorNet,
)
from equi_core.training.train import (
    Control,
    StopRequested,
    TrainConfig,
    net_torque,
    predict,
    predict_with_forces,
    relative_rmse,
    resolve_device,
    train_model,
)

torch.set_num_threads(1)
F64 = torch.float64


def _rot(seed: int) -> torch.Tensor:
    return torch.as_tensor(random_rotation(rng=seed), dtype=F64)


def _block_D(lmax: int, R: np.ndarray) -> torch.Tensor:
    dim = (lmax + 1) ** 2
    D = np.zeros((dim, dim))
    for l in range(lmax + 1):
        D[l * l : (l + 1) ** 2, l * l : (l + 1) ** 2] = wigner_D(l, R)
    return torch.as_tensor(D, dtype=F64)


# ------------------------------------------------------------------------------------------------ data
def test_site_energy_is_invariant_and_forces_rotate():
    spec = TargetSpec(angular="cos", order=5, four_body_weight=0.7)
    d = make_dataset(40, spec, seed=1, dtype=F64)
    R = random_rotations(40, torch.Generator().manual_seed(2))
    r = rotate(d, R)
    assert torch.allclose(site_energy(r.pos, spec), d.energy, atol=1e-12)
    # reflection and permutation
    assert torch.allclose(site_energy(-d.pos, spec), d.energy, atol=1e-12)
    perm = torch.randperm(spec.n_neighbors, generator=torch.Generator().manual_seed(0))
    assert torch.allclose(site_energy(d.pos[:, perm], spec), d.energy, atol=1e-12)
    # autograd forces of the rotated copy are the rotated forces
    p = r.pos.clone().requires_grad_(True)
    (g,) = torch.autograd.grad(site_energy(p, spec).sum(), p)
    assert torch.allclose(-g, r.forces, atol=1e-11)
    assert torch.allclose(d.center_force, -d.forces.sum(1), atol=1e-12)
    assert float(d.energy.std()) > 0.1


def test_positions_inside_the_shell_and_splits_nested():
    spec = TargetSpec()
    tr, te, te_rot = make_splits(64, 10, spec, seed=3, dtype=F64)
    r = tr.pos.norm(dim=-1)
    assert float(r.min()) >= spec.r_min - 1e-12 and float(r.max()) <= spec.cutoff + 1e-12
    tr_small, _, _ = make_splits(16, 10, spec, seed=3, dtype=F64)
    assert torch.equal(tr_small.pos, tr.pos[:16])  # nested learning curves
    assert torch.allclose(te_rot.energy, te.energy)
    assert torch.allclose(te_rot.pos.norm(dim=-1), te.pos.norm(dim=-1), atol=1e-12)
    assert not torch.allclose(te_rot.pos, te.pos)


def test_target_spec_validation():
    for bad in (dict(angular="x"), dict(order=0), dict(n_neighbors=1), dict(r_min=2.0), dict(pair_weight=math.nan)):
        with pytest.raises(ValueError):
            TargetSpec(**bad)


@pytest.mark.parametrize("spec", [TargetSpec(), TargetSpec(angular="cos", order=4), TargetSpec(angular="cos", order=6)])
def test_legendre_spectrum_reconstructs_g(spec):
    a = legendre_spectrum(spec)
    assert len(a) == spec.angular_order + 1 and a[-1] != 0.0
    c = np.linspace(-1, 1, 41)
    g = (c + 1 / 3) ** 2 if spec.angular == "sw" else np.cos(spec.order * np.arccos(c))
    assert np.allclose(np.polynomial.legendre.legval(c, a), g, atol=1e-12)


def test_cutoff_and_radial_basis_vanish_at_cutoff():
    r = torch.tensor([0.0, 0.5, 1.0, 1.3], dtype=F64)
    fc = cutoff_function(r, 1.0)
    assert fc[0] == 1.0 and fc[2] == 0.0 and fc[3] == 0.0
    rb = chebyshev_radial_basis(r, 6, 1.0)
    assert rb.shape == (4, 6) and torch.all(rb[2:] == 0)


# ------------------------------------------------------------------------------------------------ SH
@pytest.mark.parametrize("normalization", ["component", "norm", "integral"])
def test_torch_sh_matches_numpy_core(normalization):
    x = np.random.default_rng(0).normal(size=(50, 3))
    ours = spherical_harmonics_torch(8, torch.as_tensor(x), normalization).numpy()
    ref = spherical_harmonics(list(range(9)), x, normalization=normalization)
    assert np.abs(ours - ref).max() < 1e-12


def test_torch_sh_matches_e3nn_and_is_equivariant():
    o3 = pytest.importorskip("e3nn.o3")
    x = torch.randn(30, 3, dtype=F64)
    ref = o3.spherical_harmonics(list(range(7)), x, True, normalization="component")
    assert (spherical_harmonics_torch(6, x) - ref).abs().max() < 1e-12
    R = random_rotation(rng=4)
    D = _block_D(6, R)
    lhs = spherical_harmonics_torch(6, x @ torch.as_tensor(R).T)
    assert (lhs - spherical_harmonics_torch(6, x) @ D.T).abs().max() < 1e-12


def test_torch_sh_rejects_bad_input():
    with pytest.raises(ValueError):
        spherical_harmonics_torch(-1, torch.ones(3))
    with pytest.raises(ValueError):
        spherical_harmonics_torch(2, torch.ones(3), normalization="nope")
    with pytest.raises(ValueError):
        spherical_harmonics_torch(2, torch.ones(4))


def test_power_spectrum_is_invariant_and_matches_legendre_sum():
    spec = TargetSpec()
    d = make_dataset(8, spec, seed=5, dtype=F64)
    R = _rot(6)
    proj = density_projections(d.pos, 4, 5, 1.0)
    D = _block_D(4, random_rotation(rng=6))
    assert (density_projections(d.pos @ R.T, 4, 5, 1.0) - proj @ D.T).abs().max() < 1e-12
    ps = power_spectrum(proj, 4)
    assert ps.shape == (8, power_spectrum_size(4, 5))
    assert (power_spectrum(density_projections(d.pos @ R.T, 4, 5, 1.0), 4) - ps).abs().max() < 1e-12
    # addition theorem: p[k=0,k'=0,l] = sum_ij R0(ri) R0(rj) P_l(cos theta_ij)
    r = d.pos.norm(dim=-1)
    rb = chebyshev_radial_basis(r, 5, 1.0)[..., 0]
    u = d.pos / r.unsqueeze(-1)
    c = (u @ u.transpose(-1, -2)).numpy()
    for l in range(5):
        pl = np.polynomial.legendre.legval(c, np.eye(l + 1)[l])
        expect = np.einsum("bi,bj,bij->b", rb.numpy(), rb.numpy(), pl)
        col = 5 + l * 15  # first (k=0, k'=0) entry of degree l
        assert np.allclose(ps[:, col].numpy(), expect, atol=1e-12)
    inv = neighbour_invariants(d.pos, 3, 4, 1.0)
    assert (neighbour_invariants(d.pos @ R.T, 3, 4, 1.0) - inv).abs().max() < 1e-12


# ------------------------------------------------------------------------------------------------ tensor products
def test_channelwise_tp_is_equivariant_per_path():
    torch.set_default_dtype(F64)
    try:
        tp = ChannelwiseTensorProduct(3, 2, 3)
    finally:
        torch.set_default_dtype(torch.float32)
    assert tp.paths == natural_paths(3, 2, 3)
    assert all((l1 + l2 + l3) % 2 == 0 and abs(l1 - l2) <= l3 <= l1 + l2 for l1, l2, l3 in tp.paths)
    x, y = torch.randn(4, 5, 16, dtype=F64), torch.randn(4, 5, 9, dtype=F64)
    Rn = random_rotation(rng=8)
    z = tp(x, y)
    z_rot = tp(x @ _block_D(3, Rn).T, y @ _block_D(2, Rn).T)
    for (_l1, _l2, l3), sl in zip(tp.paths, tp.path_slices):
        D3 = torch.as_tensor(wigner_D(l3, Rn), dtype=F64)
        assert (z_rot[..., sl] - z[..., sl] @ D3.T).abs().max() < 1e-12


def test_fully_connected_tp_equals_e3nn_and_numpy_core():
    o3 = pytest.importorskip("e3nn.o3")
    from equi_core.o3.tensor_product import FullyConnectedTensorProduct

    irreps1, irreps2, irreps_out = "3x0e + 2x1o + 2x2e", "2x0e + 1x1o + 1x2e", "2x0e + 3x1o + 2x2e + 1x1e"
    torch.set_default_dtype(F64)
    try:
        ours = FullyConnectedTensorProductTorch(irreps1, irreps2, irreps_out)
        ref = o3.FullyConnectedTensorProduct(irreps1, irreps2, irreps_out)
    finally:
        torch.set_default_dtype(torch.float32)
    assert ours.weight_numel == ref.weight_numel
    w = torch.randn(ours.weight_numel, dtype=F64)
    with torch.no_grad():
        ours.weight.copy_(w)
        ref.weight.copy_(w)
    x1 = torch.randn(7, ours.irreps1.dim, dtype=F64)
    x2 = torch.randn(7, ours.irreps2.dim, dtype=F64)
    out = ours(x1, x2)
    assert (out - ref(x1, x2)).abs().max() < 1e-12
    np_core = FullyConnectedTensorProduct(irreps1, irreps2, irreps_out)(x1.numpy(), x2.numpy(), w.numpy())
    assert np.abs(out.detach().numpy() - np_core).max() < 1e-12


def test_pathmix_gate_norm_match_their_per_degree_formulas():
    """The loop-free layers against the formulas of their docstrings, degree by degree (float64)."""
    from equi_core.training.layers import PathMix

    torch.set_default_dtype(F64)
    try:
        tp = ChannelwiseTensorProduct(2, 2, 2)
        mix = PathMix(tp.paths, tp.path_slices, 3, 4, 2, extra_scalars=5)
        gate, norm = Gate(2, 4), NormActivation(2, 4)
    finally:
        torch.set_default_dtype(torch.float32)
    with torch.no_grad():
        mix.bias.normal_()
        norm.bias.normal_()
    z = torch.randn(6, 3, tp.dim_out, dtype=F64)
    out, extra = mix(z)
    for l in range(3):
        g = mix.groups[l]
        zz = torch.stack([z[..., tp.path_slices[i]] for i in g], dim=2).reshape(6, 3 * len(g), 2 * l + 1)
        ref = torch.einsum("bpm,pw->bwm", zz, mix.weights[l]) / math.sqrt(3 * len(g))
        if l == 0:
            ref = ref + mix.bias.view(1, -1, 1)
            assert (extra - ref[:, 4:, 0]).abs().max() < 1e-12
            ref = ref[:, :4]
        assert (out[..., l * l : (l + 1) ** 2] - ref).abs().max() < 1e-12
    x, gates = torch.randn(6, 4, 9, dtype=F64), torch.randn(6, 8, dtype=F64)
    y_gate, y_norm = gate(x, gates), norm(x)
    assert (y_gate[..., 0] - torch.nn.functional.silu(x[..., 0])).abs().max() < 1e-12
    assert (y_norm[..., 0] - torch.nn.functional.silu(x[..., 0] + norm.bias[0])).abs().max() < 1e-12
    for l in (1, 2):
        v = x[..., l * l : (l + 1) ** 2]
        sig = torch.sigmoid(gates.view(6, 2, 4)[:, l - 1]).unsqueeze(-1)
        assert (y_gate[..., l * l : (l + 1) ** 2] - v * sig).abs().max() < 1e-12
        n = torch.sqrt((v * v).sum(-1, keepdim=True) + norm.eps)
        want = v * torch.nn.functional.silu(n + norm.bias[l].view(1, -1, 1)) / n
        assert (y_norm[..., l * l : (l + 1) ** 2] - want).abs().max() < 1e-12


FC_CASES = [
    # the benchmark's irreps (x2 contracted first)
    ("8x0e+8x1o+8x2e", "0e+1o+2e", "8x0e+8x1o+8x2e"),
    ("16x0e+16x1o+16x2e+16x3o", "0e+1o+2e+3o", "16x0e+16x1o+16x2e+16x3o"),
    ("32x0e+32x1o", "4x0e+4x1o", "32x0e+32x1o+32x1e"),
    # x1 contracted first (swap), unequal multiplicities (zero-padded channels), unreachable output blocks
    ("0e+1o", "5x0e+3x1o+2x2e", "4x1o+0e+2x2o+3x0o"),
    ("2x1o+0e", "1e+1o", "3x1o+2x1e+0e+2x2e"),
    ("4x2e", "3x2e+1x1o", "5x0e+5x4e+2x3o"),
]


@pytest.mark.parametrize("irreps1,irreps2,irreps_out", FC_CASES)
def test_fully_connected_tp_fused_matches_e3nn_with_gradients(irreps1, irreps2, irreps_out):
    o3 = pytest.importorskip("e3nn.o3")
    torch.set_default_dtype(F64)
    try:
        ours = FullyConnectedTensorProductTorch(irreps1, irreps2, irreps_out)
        ref = o3.FullyConnectedTensorProduct(irreps1, irreps2, irreps_out)
    finally:
        torch.set_default_dtype(torch.float32)
    assert ours.weight_numel == ref.weight_numel
    with torch.no_grad():
        ref.weight.copy_(ours.weight)
    x1 = torch.randn(6, ours.irreps1.dim, dtype=F64, requires_grad=True)
    x2 = torch.randn(6, ours.irreps2.dim, dtype=F64, requires_grad=True)
    g = torch.randn(6, ours.irreps_out.dim, dtype=F64)
    out, out_ref = ours(x1, x2), ref(x1, x2)
    assert float(out_ref.detach().abs().max()) > 0.1
    assert (out - out_ref).abs().max() < 1e-12
    grads = torch.autograd.grad((out * g).sum(), (x1, x2, ours.weight))
    grads_ref = torch.autograd.grad((out_ref * g).sum(), (x1, x2, ref.weight))
    for a, b in zip(grads, grads_ref):
        assert (a - b).abs().max() < 1e-12


@pytest.mark.parametrize("irreps1,irreps2,irreps_out", FC_CASES[1:4])
def test_fully_connected_tp_is_equivariant_float64(irreps1, irreps2, irreps_out):
    from equi_core import Irreps

    tp = FullyConnectedTensorProductTorch(irreps1, irreps2, irreps_out).double()  # float32 init, cast
    x1 = torch.randn(5, tp.irreps1.dim, dtype=F64)
    x2 = torch.randn(5, tp.irreps2.dim, dtype=F64)
    out = tp(x1, x2)
    for R in (random_rotation(rng=3), -random_rotation(rng=4)):  # proper and improper
        D1, D2, Do = (torch.as_tensor(Irreps(s).D_from_matrix(R), dtype=F64) for s in (irreps1, irreps2, irreps_out))
        err = (tp(x1 @ D1.T, x2 @ D2.T) - out @ Do.T).abs().max()
        assert err < 1e-10
    # an x2 that is not rotated with x1 breaks it: the check can fail
    assert (tp(x1 @ D1.T, x2) - out @ Do.T).abs().max() > 1e-3


def test_fully_connected_tp_rejects_bad_shapes():
    tp = FullyConnectedTensorProductTorch("2x0e+1x1o", "1o", "1o+0e")
    with pytest.raises(ValueError, match="weight must have shape"):
        tp(torch.randn(3, 5), torch.randn(3, 3), weight=torch.randn(3, tp.weight_numel))
    with pytest.raises(ValueError, match="x1 must be"):
        tp(torch.randn(3, 4), torch.randn(3, 3))


# ------------------------------------------------------------------------------------------------ models
EQUIVARIANT_MODELS = [
    ("power-spectrum", lambda: PowerSpectrumModel(lmax=4)),
    ("irreps-gate", lambda: IrrepsNet(lmax=3, channels=6, depth=3, nonlinearity="gate", residual=True)),
    ("irreps-norm", lambda: IrrepsNet(lmax=2, channels=6, depth=2, nonlinearity="norm")),
    ("irreps-gate-vector", lambda: IrrepsNet(lmax=2, channels=6, depth=2, output="vector")),
    ("irreps-norm-vector", lambda: IrrepsNet(lmax=3, channels=6, depth=3, nonlinearity="norm", output="vector")),
    ("scalar-vector", lambda: ScalarVectorNet(lmax=3, depth=2)),
]


@pytest.mark.parametrize("name,make", EQUIVARIANT_MODELS, ids=[m[0] for m in EQUIVARIANT_MODELS])
def test_equivariant_models_float64(name, make):
    torch.manual_seed(0)
    model = make().double()
    d = make_dataset(12, TargetSpec(), seed=7, dtype=F64)
    model.fit_input_normalization(*model.featurize(d.pos))
    out = model(d.pos)
    assert float(out.detach().abs().mean()) > 1e-4  # not trivially zero
    for seed in (1, 2):
        R = _rot(seed)
        rot = model(d.pos @ R.T)
        expect = out if model.output == "energy" else out @ R.T
        assert (rot - expect).abs().max() < 1e-10
    refl = model(-d.pos)  # inversion: energy invariant, polar vector flips
    assert (refl - (out if model.output == "energy" else -out)).abs().max() < 1e-10
    perm = torch.randperm(8, generator=torch.Generator().manual_seed(1))
    assert (model(d.pos[:, perm]) - out).abs().max() < 1e-10


@pytest.mark.parametrize(
    "make",
    [
        lambda: CartesianTransformer(width=16),
        lambda: DeepSetsModel(hidden=16),
        lambda: CartesianTransformer(width=16, output="vector"),
    ],
)
def test_unconstrained_models_are_permutation_invariant_but_not_rotation_invariant(make):
    torch.manual_seed(0)
    model = make().double().eval()
    d = make_dataset(12, TargetSpec(), seed=7, dtype=F64)
    out = model(d.pos)
    perm = torch.randperm(8, generator=torch.Generator().manual_seed(1))
    assert (model(d.pos[:, perm]) - out).abs().max() < 1e-10
    R = _rot(3)
    expect = out if model.output == "energy" else out @ R.T
    assert (model(d.pos @ R.T) - expect).abs().max() > 1e-3


def test_net_torque_vanishes_only_for_invariant_models():
    d = make_dataset(10, TargetSpec(), seed=2, dtype=F64)
    assert net_torque(d.pos, d.forces).abs().max() < 1e-12  # the target itself
    torch.manual_seed(0)
    inv = PowerSpectrumModel(lmax=3).double()
    _, f = predict_with_forces(inv, d.pos)
    assert net_torque(d.pos, f).abs().max() < 1e-10
    unc = CartesianTransformer(width=16).double()
    _, f = predict_with_forces(unc, d.pos)
    assert net_torque(d.pos, f).abs().max() > 1e-3


# ------------------------------------------------------------------------------------------------ training
def test_linear_readout_is_exact_for_three_body_target():
    spec = TargetSpec()
    tr, te, _ = make_splits(256, 200, spec, seed=0, dtype=F64)
    model = PowerSpectrumModel(lmax=2, linear=True).double()
    hist = train_model(model, tr, TrainConfig())
    assert hist["steps"] == 0
    assert relative_rmse(predict(model, te.pos), te.energy) < 5e-3
    low = PowerSpectrumModel(lmax=1, linear=True).double()
    train_model(low, tr, TrainConfig())
    assert relative_rmse(predict(low, te.pos), te.energy) > 0.2  # degree 2 missing


def test_training_reduces_loss_and_stop_hook_interrupts():
    tr, te, _ = make_splits(128, 64, TargetSpec(), seed=1)
    torch.manual_seed(0)
    m = PowerSpectrumModel(lmax=2, hidden=16)
    before = relative_rmse(predict(m, te.pos) * 0 + tr.energy.mean(), te.energy)
    hist = train_model(m, tr, TrainConfig(steps=150))
    assert hist["cached"] and relative_rmse(predict(m, te.pos), te.energy) < 0.8 * before
    calls = {"n": 0}

    def stop_after_3() -> bool:
        calls["n"] += 1
        return calls["n"] > 3

    with pytest.raises(StopRequested):
        train_model(
            PowerSpectrumModel(lmax=2, hidden=16), tr, TrainConfig(steps=500), Control(should_stop=stop_after_3)
        )
    assert calls["n"] == 4  # checked every 10 steps: stopped at step 30 of 500


def test_uncached_modes_run_augmentation_forces_penalty():
    tr, _, _ = make_splits(32, 8, TargetSpec(), seed=1)
    for cfg in (
        TrainConfig(steps=5, augment=True),
        TrainConfig(steps=5, force_weight=1.0),
        TrainConfig(steps=5, augment=True, penalty_weight=1.0),
    ):
        hist = train_model(CartesianTransformer(width=16), tr, cfg)
        assert not hist["cached"] and math.isfinite(hist["final_loss"])


def test_control_progress_is_throttled_and_scoped():
    seen = []
    c = Control(on_progress=lambda f, m: seen.append(f), min_interval=3600)
    c.scoped(1, 4, "p")
    c.check(0.0)
    c.check(0.5)  # throttled
    c.check(1.0)  # the end always passes
    assert seen == [0.25, 0.5]


def test_rotations_about_axes_and_device():
    axes = torch.tensor([[0.0, 1.0, 0.0]], dtype=F64)
    R = rotations_about_axes(axes, math.pi / 2)[0]
    assert torch.allclose(
        R @ torch.tensor([0.0, 0.0, 1.0], dtype=F64), torch.tensor([1.0, 0.0, 0.0], dtype=F64), atol=1e-12
    )
    assert resolve_device("cpu").type == "cpu"
    assert resolve_device("auto").type in ("cpu", "cuda")
    with pytest.raises(ValueError):
        resolve_device("tpu")
    if not torch.cuda.is_available():
        with pytest.raises(ValueError):
            resolve_device("cuda")


@pytest.mark.parametrize("lmax", [0, 1, 3, 6])
@pytest.mark.parametrize("n_radial", [1, 2, 5])
def test_power_spectrum_size_is_its_closed_form(lmax, n_radial):
    """n_radial two-body sums, then one invariant per radial pair k <= k' and degree l <= lmax."""
    closed_form = n_radial + (lmax + 1) * n_radial * (n_radial + 1) // 2
    counted = n_radial + sum(1 for _l in range(lmax + 1) for k in range(n_radial) for _k2 in range(k, n_radial))
    assert power_spectrum_size(lmax, n_radial) == closed_form == counted
    proj = torch.randn(3, n_radial, (lmax + 1) ** 2, dtype=torch.float64, generator=torch.Generator().manual_seed(0))
    assert power_spectrum(proj, lmax).shape == (3, closed_form)
