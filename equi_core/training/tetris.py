"""Torch models for the 3D Tetris lesson: an O(3)-equivariant point-cloud network and an unconstrained MLP.

* :class:`TetrisNetwork` -- message passing over the points of a piece (e3nn's ``examples/tetris.py`` idea,
  built from the Lab's own blocks): edge attributes ``phi_k(r) Y^l(r_hat)`` (radial basis times the spherical
  harmonics of :func:`~equi_core.training.features.spherical_harmonics_torch`), Clebsch-Gordan tensor products
  (:class:`~equi_core.training.layers.FullyConnectedTensorProductTorch`, e3nn's ``uvw`` layout, any parity),
  the gate nonlinearity :class:`IrrepsGate` (scalars ``0e`` through SiLU, pseudoscalars ``0o`` through tanh, an odd
  function, so parity is kept; every ``l > 0`` block times the sigmoid of its own ``0e`` gate), a sum over the
  points. Output irreps default ``0o + 6x0e``: one pseudoscalar (the chirality label) and six scalars.
  Guarantee: ``f(X g^T) = f(X) D_out(g)^T`` for every ``g`` in O(3) (float64: to ~1e-15), and ``f`` is invariant
  under translations and permutations of the points.
* :class:`CoordinateMLP` -- a plain MLP on the flattened centred coordinates (no symmetry at all).
* :func:`make_model` / :func:`fit` / :func:`predict` / :func:`accuracy` -- seeded only through a
  ``torch.Generator`` (construction runs under ``torch.random.fork_rng`` so the global RNG is untouched).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import torch
from torch import nn

from equi_core import Irreps

from .features import spherical_harmonics_torch
from .layers import FullyConnectedTensorProductTorch

__all__ = [
    "DEFAULT_HIDDEN",
    "IrrepsGate",
    "TetrisNetwork",
    "CoordinateMLP",
    "make_model",
    "fit",
    "predict",
    "accuracy",
    "correct",
]

DEFAULT_HIDDEN = "8x0e + 4x0o + 4x1o + 4x1e + 2x2e + 2x2o"


class IrrepsGate(nn.Module):
    """Gate on e3nn-layout features ``scalars + gates + gated`` (``(N, dim)``, multiplicity-major blocks).

    ``0e`` scalars -> ``silu``, ``0o`` scalars -> ``tanh`` (odd: keeps the sign flip under a mirror), each gated
    ``l > 0`` irrep copy -> times ``sigmoid(gate)`` of its own ``0e`` gate. Output irreps: ``scalars + gated``.
    """

    odd: torch.Tensor
    gate_of_col: torch.Tensor

    def __init__(self, irreps_scalars: Irreps | str, irreps_gated: Irreps | str) -> None:
        super().__init__()
        self.irreps_scalars, self.irreps_gated = Irreps(irreps_scalars), Irreps(irreps_gated)
        if any(ir.l != 0 for _, ir in self.irreps_scalars) or any(ir.l == 0 for _, ir in self.irreps_gated):
            raise ValueError("scalars must be l = 0 and gated irreps l > 0")
        self.n_gates = self.irreps_gated.num_irreps
        self.irreps_in = self.irreps_scalars + Irreps(f"{self.n_gates}x0e") + self.irreps_gated
        self.irreps_out = self.irreps_scalars + self.irreps_gated
        odd = torch.tensor([ir.p < 0 for mul, ir in self.irreps_scalars for _ in range(mul)], dtype=torch.bool)
        self.register_buffer("odd", odd, persistent=False)
        # column -> index of its gate (one gate per irrep copy)
        idx: list[int] = []
        k = 0
        for mul, ir in self.irreps_gated:
            for _ in range(mul):
                idx += [k] * ir.dim
                k += 1
        self.register_buffer("gate_of_col", torch.tensor(idx, dtype=torch.long), persistent=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        ns = self.irreps_scalars.dim
        s, g, v = x[:, :ns], x[:, ns : ns + self.n_gates], x[:, ns + self.n_gates :]
        s = torch.where(self.odd, torch.tanh(s), nn.functional.silu(s))
        return torch.cat([s, v * torch.sigmoid(g).index_select(1, self.gate_of_col)], dim=1)


def _split_scalars(irreps: Irreps) -> tuple[Irreps, Irreps]:
    scalars = Irreps([(m, ir) for m, ir in irreps if ir.l == 0])
    gated = Irreps([(m, ir) for m, ir in irreps if ir.l > 0])
    return scalars, gated


class TetrisNetwork(nn.Module):
    """O(3)-equivariant message passing on small point clouds ``(B, n, 3) -> (B, irreps_out.dim)``.

    Parameters
    ----------
    irreps_hidden
        Features after each gated layer (must contain odd irreps for a ``0o`` output to be reachable).
    irreps_out
        Output irreps (default ``0o + 6x0e``, e3nn's example).
    layers
        Gated message-passing layers before the output tensor product (>= 2 for ``0o``: 0e -> 1o -> 1e -> 0o).
    lmax
        Degree of the edge spherical harmonics.
    n_radial, max_radius
        Radial basis: ``n_radial`` Gaussians on ``[0.5, max_radius]`` times the envelope
        ``(1 - (r / max_radius)^8)^2`` (zero beyond ``max_radius``: far pairs send no message).

    Notes
    -----
    Layer: ``h_i' = Gate( sum_j TP(h_j, e_ij) / sqrt(num_neighbors) + TP_self(h_i, 1) )`` with
    ``e_ij = [phi_k(r_ij) Y^l(r_ij / r_ij)]_{k, l}`` (irreps ``n_radial x (0e + 1o + 2e + ...)``); output
    ``sum_i [sum_j TP_out(h_j, e_ij) / sqrt(num_neighbors) + TP_self_out(h_i, 1)] / sqrt(n)``. Every step is equivariant (CG products, gates on
    invariants, sums), so ``f(X g^T) = f(X) D_out(g)^T``.

    Examples
    --------
    >>> net = TetrisNetwork().double()
    >>> net(torch.zeros(2, 4, 3, dtype=torch.float64).normal_()).shape
    torch.Size([2, 7])
    """

    def __init__(
        self,
        irreps_hidden: str = DEFAULT_HIDDEN,
        irreps_out: str = "0o + 6x0e",
        layers: int = 2,
        lmax: int = 2,
        n_radial: int = 3,
        max_radius: float = 1.5,
        num_neighbors: float = 2.5,
    ) -> None:
        super().__init__()
        if not isinstance(layers, int) or not 1 <= layers <= 4:
            raise ValueError(f"layers must be an integer in 1..4, got {layers!r}")
        if not isinstance(lmax, int) or not 1 <= lmax <= 3:
            raise ValueError(f"lmax must be an integer in 1..3, got {lmax!r}")
        if not isinstance(n_radial, int) or not 1 <= n_radial <= 8:
            raise ValueError(f"n_radial must be an integer in 1..8, got {n_radial!r}")
        self.irreps_hidden, self.irreps_out = Irreps(irreps_hidden), Irreps(irreps_out)
        self.lmax, self.n_radial, self.max_radius, self.num_neighbors = lmax, n_radial, float(max_radius), num_neighbors
        self.irreps_edge = Irreps([(n_radial, (l, (-1) ** l)) for l in range(lmax + 1)])
        self.register_buffer("centers", torch.linspace(0.5, max_radius, n_radial), persistent=False)
        self.width = (max_radius - 0.5) / max(n_radial - 1, 1)
        scalars, gated = _split_scalars(self.irreps_hidden)
        self.tps, self.selfs, self.gates = nn.ModuleList(), nn.ModuleList(), nn.ModuleList()
        irreps_in = Irreps("0e")
        for _ in range(layers):
            gate = IrrepsGate(scalars, gated)
            self.tps.append(FullyConnectedTensorProductTorch(irreps_in, self.irreps_edge, gate.irreps_in))
            self.selfs.append(FullyConnectedTensorProductTorch(irreps_in, "0e", gate.irreps_in))
            self.gates.append(gate)
            irreps_in = gate.irreps_out
        self.tp_out = FullyConnectedTensorProductTorch(irreps_in, self.irreps_edge, self.irreps_out)
        self.self_out = FullyConnectedTensorProductTorch(irreps_in, "0e", self.irreps_out)

    def edge_attributes(self, pos: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """Edges over all ordered pairs ``i != j``: (source index, target index, attributes ``(B*E, dim)``)."""
        b, n, _ = pos.shape
        src, dst = torch.meshgrid(torch.arange(n), torch.arange(n), indexing="ij")
        keep = src != dst
        src, dst = src[keep], dst[keep]
        vec = pos[:, dst] - pos[:, src]  # (B, E, 3): from source j to target i
        r = vec.norm(dim=-1)
        x = (r / self.max_radius).clamp(max=1.0)
        env = (1 - x**8) ** 2
        phi = torch.exp(-(((r.unsqueeze(-1) - self.centers) / self.width) ** 2)) * env.unsqueeze(-1)  # (B, E, K)
        Y = spherical_harmonics_torch(self.lmax, vec, "component")  # (B, E, (lmax+1)^2)
        blocks = [
            (phi.unsqueeze(-1) * Y[..., l * l : (l + 1) ** 2].unsqueeze(-2)).flatten(-2) for l in range(self.lmax + 1)
        ]
        return src, dst, torch.cat(blocks, dim=-1).reshape(b * len(src), -1)

    def forward(self, pos: torch.Tensor) -> torch.Tensor:
        if pos.dim() != 3 or pos.shape[-1] != 3 or pos.shape[1] < 2:
            raise ValueError(f"pos must have shape (B, n >= 2, 3), got {tuple(pos.shape)}")
        b, n, _ = pos.shape
        src, dst, e = self.edge_attributes(pos)
        n_e = len(src)
        offs = (torch.arange(b) * n).repeat_interleave(n_e)
        src_g, dst_g = src.repeat(b) + offs, dst.repeat(b) + offs
        h = pos.new_ones(b * n, 1)
        ones = pos.new_ones(b * n, 1)
        norm = 1.0 / math.sqrt(self.num_neighbors)
        for tp, self_tp, gate in zip(self.tps, self.selfs, self.gates):
            msg = tp(h.index_select(0, src_g), e)
            agg = msg.new_zeros(b * n, msg.shape[1]).index_add_(0, dst_g, msg) * norm
            h = gate(agg + self_tp(h, ones))
        msg = self.tp_out(h.index_select(0, src_g), e).view(b, n_e, -1).sum(dim=1) * norm
        return (msg + self.self_out(h, ones).view(b, n, -1).sum(dim=1)) / math.sqrt(n)


class CoordinateMLP(nn.Module):
    """Unconstrained baseline: MLP on the flattened centred coordinates ``(B, n, 3) -> (B, n_out)`` (SiLU)."""

    def __init__(self, n_points: int = 4, n_out: int = 7, hidden: int = 64, depth: int = 2) -> None:
        super().__init__()
        dims = [3 * n_points] + [hidden] * depth + [n_out]
        mods: list[nn.Module] = []
        for i in range(len(dims) - 1):
            mods.append(nn.Linear(dims[i], dims[i + 1]))
            if i < len(dims) - 2:
                mods.append(nn.SiLU())
        self.net = nn.Sequential(*mods)

    def forward(self, pos: torch.Tensor) -> torch.Tensor:
        x = pos - pos.mean(dim=1, keepdim=True)
        return self.net(x.flatten(1))


def make_model(kind: str, generator: torch.Generator, dtype: torch.dtype = torch.float32, **hyper: Any) -> nn.Module:
    """``"equivariant"`` (:class:`TetrisNetwork`) or ``"mlp"`` (:class:`CoordinateMLP`), initialised from ``generator``.

    Tensor-product weights ~ N(0, 1) (their path normalisation scales them), linear weights ~ N(0, 1/fan_in),
    biases 0. The global torch RNG is left as it was (construction runs under ``fork_rng``).
    """
    with torch.random.fork_rng(devices=[]):
        if kind == "equivariant":
            model: nn.Module = TetrisNetwork(**hyper)
        elif kind == "mlp":
            model = CoordinateMLP(**hyper)
        else:
            raise ValueError(f"kind must be 'equivariant' or 'mlp', got {kind!r}")
    model = model.to(dtype)
    with torch.no_grad():
        for name, p in model.named_parameters():
            if name.endswith("bias"):
                p.zero_()
            elif p.dim() == 2:  # nn.Linear (out, in)
                p.copy_(
                    torch.randn(p.shape, generator=generator, dtype=torch.float64).to(dtype) / math.sqrt(p.shape[1])
                )
            else:
                p.copy_(torch.randn(p.shape, generator=generator, dtype=torch.float64).to(dtype))
    return model


def predict(model: nn.Module, pos: torch.Tensor, batch: int = 1024) -> torch.Tensor:
    """Model outputs without gradients, in chunks of ``batch`` pieces."""
    with torch.no_grad():
        return torch.cat([model(pos[i : i + batch]) for i in range(0, len(pos), batch)])


def correct(pred: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
    """e3nn's criterion, per piece: every rounded output equals its label (bool ``(B,)``)."""
    return pred.round().eq(labels).all(dim=1)


def accuracy(model: nn.Module, pos: torch.Tensor, labels: torch.Tensor) -> float:
    """Fraction of pieces whose rounded outputs all equal the labels."""
    return float(correct(predict(model, pos), labels).double().mean())


def fit(
    model: nn.Module,
    pos: torch.Tensor,
    labels: torch.Tensor,
    steps: int,
    lr: float,
    check: Callable[[float], None] | None = None,
    batch: int | None = None,
    generator: torch.Generator | None = None,
) -> dict[str, float | int]:
    """Adam with a cosine learning-rate decay on the mean squared error (e3nn's loss, averaged), full batch or mini-batches of ``batch``.

    ``check(fraction)`` is called every few steps (a stop hook may raise there). Returns the final train loss,
    train accuracy and the number of steps taken.
    """
    if not isinstance(steps, int) or steps < 1:
        raise ValueError(f"steps must be a positive integer, got {steps!r}")
    if not lr > 0:
        raise ValueError(f"lr must be positive, got {lr!r}")
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda s: 0.5 * (1 + math.cos(math.pi * s / steps)))
    n = len(pos)
    for step in range(steps):
        if batch is not None and batch < n:
            idx = torch.randint(n, (batch,), generator=generator)
            xb, yb = pos[idx], labels[idx]
        else:
            xb, yb = pos, labels
        loss = (model(xb) - yb).pow(2).mean()
        opt.zero_grad()
        loss.backward()
        opt.step()
        sched.step()
        if check is not None and step % 10 == 0:
            check(step / steps)
    pred = predict(model, pos)
    return {
        "train_loss": float((pred - labels).pow(2).mean()),
        "train_accuracy": float(correct(pred, labels).double().mean()),
        "steps": steps,
    }
