"""The Tetris network: float64 O(3) equivariance (proper and improper), invariance to translations and point order,
outputs in each piece's fixed subspace, seeding without the global RNG, and a short training that learns."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from equi_core import Irreps, random_rotation
from equi_core.lessons.tetris import LABELS, PIECES, piece_points
from equi_core.o3.point_groups import point_group, projector
from equi_core.training.tetris import CoordinateMLP, IrrepsGate, TetrisNetwork, accuracy, correct, fit, make_model

FULL = "0e + 0o + 1o + 1e + 2e + 2o + 3o"


def _net(seed: int = 0, **hyper) -> torch.nn.Module:
    return make_model("equivariant", torch.Generator().manual_seed(seed), torch.float64, **hyper)


def _clouds(n: int = 5, seed: int = 0) -> torch.Tensor:
    rng = np.random.default_rng(seed)
    return torch.as_tensor(rng.uniform(-0.6, 0.6, size=(n, 5, 3)))  # all pairs inside the cutoff, generic


@pytest.mark.parametrize("irreps_out", ["0o + 6x0e", FULL])
@pytest.mark.parametrize("improper", [False, True])
@torch.no_grad()
def test_o3_equivariance_float64(irreps_out: str, improper: bool) -> None:
    net = _net(1, irreps_out=irreps_out)
    X = _clouds()
    y = net(X)
    assert float(y.detach().abs().amax(dim=0).min()) > 1e-5  # no output component trivially zero
    for k in range(3):
        g = random_rotation(rng=10 + k) * (-1.0 if improper else 1.0)
        D = torch.as_tensor(Irreps(irreps_out).D_from_matrix(g))
        y_g = net(X @ torch.as_tensor(g).T)
        assert float((y_g - y @ D.T).abs().max()) < 1e-12


@torch.no_grad()
def test_pseudoscalar_flips_under_a_mirror_and_scalars_stay() -> None:
    net = _net(2)
    X = _clouds(3, 1)
    M = torch.diag(torch.tensor([1.0, -1.0, 1.0], dtype=torch.float64))
    y, y_m = net(X), net(X @ M)
    assert float((y_m[:, 0] + y[:, 0]).abs().max()) < 1e-12 and float(y[:, 0].abs().min()) > 1e-6
    assert float((y_m[:, 1:] - y[:, 1:]).abs().max()) < 1e-12


@torch.no_grad()
def test_translation_and_permutation_invariance() -> None:
    net = _net(3, irreps_out=FULL)
    X = _clouds(4, 2)
    y = net(X)
    assert float((net(X + torch.tensor([0.7, -3.0, 2.0], dtype=torch.float64)) - y).abs().max()) < 1e-12
    assert float((net(X[:, [3, 0, 4, 1, 2]]) - y).abs().max()) < 1e-12


def test_outputs_lie_in_each_pieces_fixed_subspace() -> None:
    irreps = Irreps(FULL)
    X = piece_points()
    for seed in (0, 1):
        with torch.no_grad():
            Y = _net(seed, irreps_out=FULL)(torch.as_tensor(X)).numpy()
        for p, x, y in zip(PIECES, X, Y):
            P = projector(irreps, point_group(x))
            assert np.linalg.norm(y - P @ y) < 1e-12, p.name
    # and the residual is a real test: a non-equivariant output (the MLP's) is far from the subspace
    mlp = make_model("mlp", torch.Generator().manual_seed(0), torch.float64, n_out=Irreps(FULL).dim)
    with torch.no_grad():
        y = mlp(torch.as_tensor(X[2:3])).numpy()[0]
    P = projector(irreps, point_group(X[2]))
    assert np.linalg.norm(y - P @ y) > 1e-2


@torch.no_grad()
def test_mlp_is_not_rotation_invariant() -> None:
    mlp = make_model("mlp", torch.Generator().manual_seed(0), torch.float64)
    X = _clouds(4, 3)[:, :4]
    g = torch.as_tensor(random_rotation(rng=3))
    assert float((mlp(X @ g.T) - mlp(X)).abs().max()) > 1e-2
    assert isinstance(mlp, CoordinateMLP)


def test_seeding_uses_only_the_generator() -> None:
    before = torch.get_rng_state()
    a, b = _net(5), _net(5)
    c = _net(6)
    assert torch.equal(torch.get_rng_state(), before)
    pa, pb, pc = (torch.cat([p.flatten() for p in m.parameters()]) for m in (a, b, c))
    assert torch.equal(pa, pb) and not torch.equal(pa, pc)


def test_gate_keeps_parity() -> None:
    gate = IrrepsGate("2x0e + 2x0o", "1x1o + 1x2e").double()
    x = torch.randn(4, gate.irreps_in.dim, dtype=torch.float64, generator=torch.Generator().manual_seed(0))
    odd = torch.tensor([0, 0, 1, 1], dtype=torch.bool)
    flip = x.clone()
    flip[:, 2:4] *= -1  # flip the pseudoscalars only
    out, out_f = gate(x), gate(flip)
    assert torch.allclose(out_f[:, :4][:, odd], -out[:, :4][:, odd], atol=0, rtol=0)
    assert gate.irreps_out == Irreps("2x0e + 2x0o + 1x1o + 1x2e")
    with pytest.raises(ValueError):
        IrrepsGate("1x1o", "1x1o")


def test_short_training_learns_all_pieces_from_one_orientation() -> None:
    torch.set_num_threads(1)
    X = torch.as_tensor(piece_points(), dtype=torch.float32)
    Y = torch.as_tensor(LABELS, dtype=torch.float32)
    net = make_model("equivariant", torch.Generator().manual_seed(0))
    untrained = accuracy(net, X, Y)
    stats = fit(net, X[1:], Y[1:], 150, 0.05)  # e3nn's protocol: "chiral 1" never seen
    assert stats["train_accuracy"] == 1.0 and stats["train_loss"] < 0.05
    R = torch.as_tensor(random_rotation(32, rng=4), dtype=torch.float32)
    Xr = torch.einsum("rij,paj->rpai", R, X).reshape(-1, 4, 3)
    assert accuracy(net, Xr, Y.repeat(32, 1)) == 1.0  # every piece in every orientation, the mirror piece too
    assert untrained < 0.5
    assert bool(correct(torch.tensor([[0.6, -0.4]]), torch.tensor([[1.0, 0.0]]))[0])


@pytest.mark.parametrize("bad", [{"layers": 0}, {"lmax": 5}, {"n_radial": 0}])
def test_bad_hyperparameters_raise(bad) -> None:
    with pytest.raises(ValueError):
        TetrisNetwork(**bad)


def test_bad_inputs_raise() -> None:
    net = _net()
    with pytest.raises(ValueError):
        net(torch.zeros(2, 1, 3, dtype=torch.float64))
    with pytest.raises(ValueError):
        make_model("transformer", torch.Generator())
    with pytest.raises(ValueError):
        fit(net, torch.zeros(1, 4, 3, dtype=torch.float64), torch.zeros(1, 7, dtype=torch.float64), 0, 0.1)
