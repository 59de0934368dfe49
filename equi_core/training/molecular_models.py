"""Interatomic potentials for whole molecules: NequIP-style, TensorNet-style and unconstrained transformers.

Every model maps ``(numbers (n,), positions (B, n, 3))`` of a batch of frames of one molecule to energies ``(B,)``
(eV). The graph is every ordered pair ``(i, j)``, ``i != j``, weighted by a smooth cutoff that vanishes with its
first derivatives at ``r_c``: identical to a radius graph (pairs beyond ``r_c`` contribute exactly zero), with
fixed shapes so a batch is one tensor. Energies are ``E = scale * sum_i e_i + sum_i shift[Z_i]`` with the per-species
shift fitted by least squares on the training energies and the scale (RMS force) stored in the model
(:meth:`MolecularModel.set_energy_reference`).

* :class:`NequIPModel` (``"nequip"``) -- equivariant message passing, O(3): node features of degrees ``0..lmax``
  with natural parity (``0e + 1o + 2e``), messages ``TP(h_j, Y(r_ij))`` weighted per channel and path by a radial
  MLP of a Bessel basis times a polynomial cutoff, the Lab's Clebsch-Gordan tensor products
  (:class:`~equi_core.training.layers.ChannelwiseTensorProduct`, :class:`~equi_core.training.layers.PathMix`),
  gate nonlinearity, residual self-interaction, species embedding, per-atom energies summed. ``lmax = 0`` is the
  invariant SchNet-like ablation (continuous-filter convolution on distances only).
* :class:`TensorNetModel` (``"tensornet"``) -- Cartesian rank-2 features ``X = I + A + S`` per channel (trace,
  antisymmetric and symmetric-traceless parts) built from ``Id``, ``[r_hat]_x`` and ``r_hat r_hat^T - Id/3``;
  updates by matrix products ``Y M + M Y``, decomposition, invariant norms into MLPs. O(3): the antisymmetric part
  flips sign under inversion and every update keeps that grading, so energies are invariant under improper
  rotations too.
* :class:`TransformerModel` (``"transformer"``, ``"transformer-direct"``) -- unconstrained: attention over atoms on
  centred raw Cartesian coordinates and species; permutation- and translation-invariant, *not* rotation-invariant.
  The direct variant predicts forces with a separate head (``conservative = False``: they are not a gradient).
"""

from __future__ import annotations

import math
from typing import Any, cast

import numpy as np
import torch
from torch import nn

from .features import sh_dim, spherical_harmonics_torch
from .layers import ChannelwiseTensorProduct, Gate, PathMix, degree_of_columns

__all__ = [
    "KINDS",
    "MolecularModel",
    "NequIPModel",
    "TensorNetModel",
    "TransformerModel",
    "bessel_basis",
    "polynomial_cutoff",
    "pair_indices",
    "make_model",
]

KINDS = ("nequip", "tensornet", "transformer", "transformer-direct")


def bessel_basis(r: torch.Tensor, n_basis: int, cutoff: float) -> torch.Tensor:
    """``sqrt(2 / r_c) sin(k pi r / r_c) / r`` for ``k = 1..n_basis`` (NequIP's radial basis), shape (..., n_basis)."""
    k = torch.arange(1, n_basis + 1, dtype=r.dtype, device=r.device)
    return math.sqrt(2.0 / cutoff) * torch.sin(k * math.pi * r.unsqueeze(-1) / cutoff) / r.unsqueeze(-1)


def polynomial_cutoff(r: torch.Tensor, cutoff: float, p: int = 6) -> torch.Tensor:
    """``1 - (p+1)(p+2)/2 x^p + p(p+2) x^(p+1) - p(p+1)/2 x^(p+2)`` with ``x = r / r_c`` for ``r < r_c``, else 0.

    Equal to 1 at 0; it and its first two derivatives vanish at ``r_c`` (so energies and forces are smooth when a
    pair crosses the cutoff)."""
    x = r / cutoff
    f = 1.0 - (p + 1) * (p + 2) / 2 * x**p + p * (p + 2) * x ** (p + 1) - p * (p + 1) / 2 * x ** (p + 2)
    return torch.where(x < 1.0, f, torch.zeros_like(f))


def pair_indices(n: int) -> tuple[np.ndarray, np.ndarray]:
    """Receivers and senders of every ordered pair ``i != j``, sorted by receiver (``n - 1`` senders each)."""
    recv = np.repeat(np.arange(n), n - 1)
    send = np.array([j for i in range(n) for j in range(n) if j != i], dtype=np.int64)
    return recv, send


def _mlp(n_in: int, hidden: int, n_out: int, layers: int = 1) -> nn.Sequential:
    mods: list[nn.Module] = []
    d = n_in
    for _ in range(layers):
        mods += [nn.Linear(d, hidden), nn.SiLU()]
        d = hidden
    mods.append(nn.Linear(d, n_out))
    return nn.Sequential(*mods)


class MolecularModel(nn.Module):
    """Base class: species lookup, energy reference (per-species shift, scale), the public ``energy``.

    Subclasses implement :meth:`atomic_energies` ``(species index (n,), positions (B, n, 3)) -> (B, n)``
    (dimensionless); non-conservative ones also :meth:`raw_forces`.
    """

    kind: str = ""
    conservative: bool = True
    #: "O(3)", "SO(3)" or "none": the exact symmetry of the energy (tested).
    symmetry: str = "none"
    species_table: torch.Tensor
    energy_shift: torch.Tensor
    energy_scale: torch.Tensor

    def __init__(self, species: list[int] | tuple[int, ...], hyper: dict[str, Any]) -> None:
        super().__init__()
        species = sorted({int(z) for z in species})
        if not species or any(not 1 <= z <= 118 for z in species):
            raise ValueError(f"species must be atomic numbers in 1..118, got {species!r}")
        self.species = species
        self.hyper = dict(hyper)
        table = torch.full((119,), -1, dtype=torch.long)
        table[torch.as_tensor(species)] = torch.arange(len(species))
        self.register_buffer("species_table", table, persistent=False)
        self.register_buffer("energy_shift", torch.zeros(len(species)))
        self.register_buffer("energy_scale", torch.ones(()))
        self._pairs: dict[int, tuple[torch.Tensor, torch.Tensor]] = {}

    def species_index(self, numbers: torch.Tensor | np.ndarray) -> torch.Tensor:
        """Row of each atomic number in :attr:`species`; ``ValueError`` for a species the model does not know."""
        z = torch.as_tensor(np.asarray(numbers), dtype=torch.long, device=self.species_table.device)
        if z.ndim != 1 or bool(((z < 1) | (z > 118)).any()):
            raise ValueError("numbers must be a 1-d array of atomic numbers")
        idx = self.species_table[z]
        if bool((idx < 0).any()):
            raise ValueError(f"the model knows species {self.species}, got {sorted(set(z.tolist()))}")
        return idx

    def pairs(self, n: int) -> tuple[torch.Tensor, torch.Tensor]:
        """Cached :func:`pair_indices` as tensors on the model's device."""
        dev = self.species_table.device
        if n not in self._pairs or self._pairs[n][0].device != dev:
            r, s = pair_indices(n)
            self._pairs[n] = (torch.as_tensor(r, device=dev), torch.as_tensor(s, device=dev))
        return self._pairs[n]

    def atomic_energies(self, species_idx: torch.Tensor, pos: torch.Tensor) -> torch.Tensor:
        raise NotImplementedError

    def raw_forces(self, species_idx: torch.Tensor, pos: torch.Tensor) -> torch.Tensor:
        raise NotImplementedError

    def energy(self, numbers: torch.Tensor | np.ndarray, pos: torch.Tensor) -> torch.Tensor:
        """``E = scale * sum_i e_i + sum_i shift[Z_i]`` in eV, shape (B,)."""
        idx = self.species_index(numbers)
        e = self.atomic_energies(idx, pos).sum(-1)
        return self.energy_scale * e + self.energy_shift[idx].sum()

    def direct_forces(self, numbers: torch.Tensor | np.ndarray, pos: torch.Tensor) -> torch.Tensor:
        """Forces of the direct head (eV/Å), only for ``conservative = False``."""
        if self.conservative:
            raise ValueError(f"{self.kind} is conservative: its forces are -dE/dx (use energy_and_forces)")
        return self.energy_scale * self.raw_forces(self.species_index(numbers), pos)

    @torch.no_grad()
    def set_energy_reference(self, numbers: np.ndarray, energy: np.ndarray, forces: np.ndarray | None = None) -> None:
        """Per-species shift by least squares ``E_f ~ sum_s count_s shift_s`` (minimum-norm: one molecule fixes only
        the composition-weighted sum) on training energies, and scale = RMS force (or energy std per atom)."""
        counts = np.array([[np.sum(np.asarray(numbers) == z) for z in self.species]], dtype=np.float64)
        a = np.repeat(counts, len(energy), axis=0)
        shift, *_ = np.linalg.lstsq(a, np.asarray(energy, dtype=np.float64), rcond=None)
        self.energy_shift.copy_(torch.as_tensor(shift))
        if forces is not None and np.size(forces):
            scale = float(np.sqrt(np.mean(np.asarray(forces, dtype=np.float64) ** 2)))
        else:
            scale = float(np.std(energy) / max(len(numbers), 1))
        self.energy_scale.fill_(scale if scale > 0 else 1.0)


class NequIPModel(MolecularModel):
    """Equivariant message passing (NequIP-style), exact O(3) invariance of the energy.

    Parameters
    ----------
    species
        Atomic numbers the model knows.
    lmax
        Highest degree of features and edge harmonics (0 = invariant SchNet-like ablation).
    channels
        Channels per degree.
    layers
        Interaction blocks.
    n_basis, cutoff
        Bessel functions and cutoff radius (Å).
    radial_hidden
        Width of the radial MLP that outputs one weight per (channel, tensor-product path).

    Notes
    -----
    Layer ``t``: ``m_i = sum_j R_t(r_ij) * TP(h_j, Y(r_ij)) / sqrt(n - 1)`` (channel-wise tensor product with all
    natural-parity paths ``l1 (x) l2 -> l3``), ``h_i <- Gate(PathMix(m_i)) + SelfLinear(h_i)``. Natural parity
    features only (``(-1)^l``), so inversion acts as ``(-1)^l`` on every block and the scalar energy is O(3)
    invariant.
    """

    kind = "nequip"
    symmetry = "O(3)"

    def __init__(
        self,
        species: list[int] | tuple[int, ...],
        lmax: int = 1,
        channels: int = 16,
        layers: int = 2,
        n_basis: int = 8,
        cutoff: float = 5.0,
        radial_hidden: int = 32,
    ) -> None:
        if lmax not in (0, 1, 2, 3):
            raise ValueError(f"lmax must be 0..3, got {lmax!r}")
        if layers < 1 or channels < 1:
            raise ValueError("layers and channels must be >= 1")
        super().__init__(
            species,
            dict(
                lmax=lmax, channels=channels, layers=layers, n_basis=n_basis, cutoff=cutoff, radial_hidden=radial_hidden
            ),
        )
        self.lmax, self.channels, self.cutoff, self.n_basis = lmax, channels, float(cutoff), n_basis
        self.embed = nn.Embedding(len(self.species), channels)
        self.tps = nn.ModuleList()
        self.radials = nn.ModuleList()
        self.mixes = nn.ModuleList()
        self.gates = nn.ModuleList()
        self.self_weights = nn.ParameterList()
        d = sh_dim(lmax)
        self.register_buffer("col_degree", torch.as_tensor(degree_of_columns(lmax)), persistent=False)
        self._path_cols: list[str] = []
        for t in range(layers):
            l_in = 0 if t == 0 else lmax
            tp = ChannelwiseTensorProduct(l_in, lmax, lmax)
            self.tps.append(tp)
            self.radials.append(_mlp(n_basis, radial_hidden, channels * len(tp.paths)))
            cols = np.concatenate([[k] * (sl.stop - sl.start) for k, sl in enumerate(tp.path_slices)])
            name = f"path_of_column_{t}"
            self.register_buffer(name, torch.as_tensor(cols, dtype=torch.long), persistent=False)
            self._path_cols.append(name)
            gate = Gate(lmax, channels)
            self.gates.append(gate)
            self.mixes.append(PathMix(tp.paths, tp.path_slices, channels, channels, lmax, extra_scalars=gate.n_gates))
            self.self_weights.append(nn.Parameter(torch.randn(lmax + 1, channels, channels) / math.sqrt(channels)))
        self.readout = _mlp(channels, channels, 1)
        self.dim = d

    def atomic_energies(self, species_idx: torch.Tensor, pos: torch.Tensor) -> torch.Tensor:
        b, n, _ = pos.shape
        c, d = self.channels, self.dim
        recv, send = self.pairs(n)
        vec = pos[:, send] - pos[:, recv]  # (B, E, 3), r_ij = x_j - x_i
        r = vec.norm(dim=-1)
        sh = spherical_harmonics_torch(self.lmax, vec, normalization="component")  # (B, E, d)
        fc = polynomial_cutoff(r, self.cutoff)
        basis = bessel_basis(r, self.n_basis, self.cutoff)
        n_edges = vec.shape[1]
        h = pos.new_zeros(b, n, c, d)
        h = torch.cat([self.embed(species_idx).to(pos.dtype).expand(b, n, c).unsqueeze(-1), h[..., 1:]], dim=-1)
        y = sh.reshape(b * n_edges, d)
        norm = 1.0 / math.sqrt(max(n - 1, 1))
        for t in range(len(self.tps)):
            tp = cast(ChannelwiseTensorProduct, self.tps[t])
            d_in = sh_dim(tp.lmax_in)
            # TP(h_j, Y)[c, k] = sum_{i,j} C[i, j, k] h_j[c, i] Y[j]: contract Y with the CG tensor once per edge,
            # then one small matmul per edge (the same numbers as tp(h_j, Y) channel by channel, fewer flops)
            y_cg = (y @ tp.cg.view(d_in, d, -1).transpose(0, 1).reshape(d, -1)).view(b * n_edges, d_in, -1)
            hj = h[:, send, :, :d_in].reshape(b * n_edges, c, d_in)
            z = hj * y_cg if d_in == 1 else torch.bmm(hj, y_cg)  # (B*E, C, dout)
            w = self.radials[t](basis) * fc.unsqueeze(-1)  # (B, E, C * paths)
            w = w.reshape(b * n_edges, c, len(tp.paths)).index_select(-1, getattr(self, self._path_cols[t]))
            m = (z * w).reshape(b, n, n - 1, c, -1).sum(2).reshape(b * n, c, -1) * norm
            mixed, gates = self.mixes[t](m)
            new = self.gates[t](mixed, gates).reshape(b, n, c, d)
            ws = self.self_weights[t].index_select(0, self.col_degree)  # (d, C, C)
            h = new + torch.einsum("bncd,dcw->bnwd", h, ws)
        return self.readout(h[..., 0]).squeeze(-1)


def _skew(v: torch.Tensor) -> torch.Tensor:
    """``[v]_x``: the antisymmetric matrix with ``[v]_x u = v x u``, shape (..., 3, 3)."""
    z = torch.zeros_like(v[..., 0])
    x, y, w = v[..., 0], v[..., 1], v[..., 2]
    return torch.stack([torch.stack([z, -w, y], -1), torch.stack([w, z, -x], -1), torch.stack([-y, x, z], -1)], -2)


def decompose(x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """``X = I + A + S``: trace part ``tr(X)/3 Id``, antisymmetric ``(X - X^T)/2``, symmetric traceless rest."""
    eye = torch.eye(3, dtype=x.dtype, device=x.device)
    tr = x.diagonal(dim1=-2, dim2=-1).sum(-1)
    i = tr[..., None, None] / 3.0 * eye
    a = 0.5 * (x - x.transpose(-1, -2))
    s = 0.5 * (x + x.transpose(-1, -2)) - i
    return i, a, s


def _norm2(x: torch.Tensor) -> torch.Tensor:
    return (x * x).sum((-1, -2))


class TensorNetModel(MolecularModel):
    """Cartesian rank-2 tensor message passing in the spirit of TensorNet (Simeon & De Fabritiis 2023), O(3).

    Parameters
    ----------
    species, channels, layers, n_basis, cutoff
        As for :class:`NequIPModel`.

    Notes
    -----
    Embedding: ``X_i = sum_j f_c(r_ij) e_ij (a_I Id + a_A [r_hat]_x + a_S (r_hat r_hat^T - Id/3))`` per channel, with
    ``e_ij`` from the species of both atoms and ``a_*`` radial, then scaled per component by an MLP of the norms.
    Interaction: ``X_hat = X / (|X| + 1)``; channel-mixed parts ``I, A, S``; message ``M_i = sum_j f_c(r_ij)
    (g_I I_j + g_A A_j + g_S S_j)``; ``Y = Y0 M + M Y0`` decomposed, normalized, channel-mixed, and
    ``X <- X_hat + Y' + Y'^2``. Readout: ``|I|^2, |A|^2, |S|^2`` per channel into an MLP.
    Under ``x -> R x``: ``I, S -> R . R^T`` and ``A -> det(R) R A R^T``; every product above keeps the odd part
    antisymmetric, and the norms are even: E is O(3)-invariant.
    """

    kind = "tensornet"
    symmetry = "O(3)"

    def __init__(
        self,
        species: list[int] | tuple[int, ...],
        channels: int = 16,
        layers: int = 2,
        n_basis: int = 8,
        cutoff: float = 5.0,
    ) -> None:
        if layers < 1 or channels < 1:
            raise ValueError("layers and channels must be >= 1")
        super().__init__(species, dict(channels=channels, layers=layers, n_basis=n_basis, cutoff=cutoff))
        self.channels, self.cutoff, self.n_basis = channels, float(cutoff), n_basis
        c = channels
        self.embed = nn.Embedding(len(self.species), c)
        self.pair = nn.Linear(2 * c, c)
        self.radial0 = nn.Linear(n_basis, 3 * c)
        self.norm_mlp0 = _mlp(3 * c, 2 * c, 3 * c)
        self.mix_in = nn.ModuleList()
        self.mix_out = nn.ModuleList()
        self.radials = nn.ModuleList()
        for _ in range(layers):
            self.mix_in.append(nn.ModuleList([nn.Linear(c, c, bias=False) for _ in range(3)]))
            self.mix_out.append(nn.ModuleList([nn.Linear(c, c, bias=False) for _ in range(3)]))
            self.radials.append(_mlp(n_basis, 2 * c, 3 * c))
        self.readout = _mlp(3 * c, 2 * c, 1)

    @staticmethod
    def _mix(lin: nn.Module, x: torch.Tensor) -> torch.Tensor:
        """Channel mixing of a (..., C, 3, 3) tensor (equivariant: acts on channels only)."""
        return lin(x.movedim(-3, -1)).movedim(-1, -3)

    def atomic_energies(self, species_idx: torch.Tensor, pos: torch.Tensor) -> torch.Tensor:
        b, n, _ = pos.shape
        c = self.channels
        # dense pair layout [b, i, j]: r_ij = x_j - x_i; the diagonal gets r = 1 and weight 0 (no 0/0 anywhere)
        eye_n = torch.eye(n, dtype=pos.dtype, device=pos.device)
        vec = pos.unsqueeze(1) - pos.unsqueeze(2)
        r = torch.sqrt((vec * vec).sum(-1) + eye_n)
        u = vec / r.unsqueeze(-1)
        fc = polynomial_cutoff(r, self.cutoff) * (1.0 - eye_n)  # (B, n, n)
        basis = bessel_basis(r, self.n_basis, self.cutoff)  # (B, n, n, K)
        eye = torch.eye(3, dtype=pos.dtype, device=pos.device)
        emb = self.embed(species_idx).to(pos.dtype)
        e_ij = self.pair(torch.cat([emb.unsqueeze(1).expand(n, n, c), emb.unsqueeze(0).expand(n, n, c)], -1))
        a = self.radial0(basis).reshape(b, n, n, 3, c) * (fc.unsqueeze(-1) * e_ij).unsqueeze(-2)
        t0 = a[..., 0, :].sum(2)  # (B, n, C)
        v0 = torch.einsum("bijc,bijk->bick", a[..., 1, :], u)
        s0 = torch.einsum("bijc,bijk,bijl->bickl", a[..., 2, :], u, u) - a[..., 2, :].sum(2)[..., None, None] * eye / 3
        i = t0[..., None, None] * eye
        an = _skew(v0)
        q = self.norm_mlp0(torch.cat([_norm2(i), _norm2(an), _norm2(s0)], -1)).reshape(b, n, 3, c)
        x = q[:, :, 0, :, None, None] * i + q[:, :, 1, :, None, None] * an + q[:, :, 2, :, None, None] * s0
        norm = 1.0 / math.sqrt(max(n - 1, 1))
        for t in range(len(self.radials)):
            x = x / (_norm2(x).unsqueeze(-1).unsqueeze(-1) + 1.0)
            i, an, s = decompose(x)
            mi, ma, ms = cast(nn.ModuleList, self.mix_in[t])
            i, an, s = self._mix(mi, i), self._mix(ma, an), self._mix(ms, s)
            g = (self.radials[t](basis) * fc.unsqueeze(-1) * norm).reshape(b, n, n, 3, c)
            m = (
                torch.einsum("bijc,bjckl->bickl", g[..., 0, :], i)
                + torch.einsum("bijc,bjckl->bickl", g[..., 1, :], an)
                + torch.einsum("bijc,bjckl->bickl", g[..., 2, :], s)
            )
            y0 = i + an + s
            y = y0 @ m + m @ y0
            y = y / (_norm2(y).unsqueeze(-1).unsqueeze(-1) + 1.0)
            yi, ya, ys = decompose(y)
            oi, oa, os_ = cast(nn.ModuleList, self.mix_out[t])
            y = self._mix(oi, yi) + self._mix(oa, ya) + self._mix(os_, ys)
            x = x + y + y @ y
        i, an, s = decompose(x)
        return self.readout(torch.cat([_norm2(i), _norm2(an), _norm2(s)], -1)).squeeze(-1)


class _PairAttentionBlock(nn.Module):
    """Pre-norm self-attention over atoms whose logits and values also see pair features ``p_ij`` (learned from the
    raw relative vectors): ``a_ij = softmax_j(q_i . k_j / sqrt(d) + b(p_ij))``, ``out_i = sum_j a_ij (v_j + u(p_ij))``,
    then a SiLU feed-forward. Explicit softmax (twice differentiable, for force training)."""

    def __init__(self, width: int, heads: int) -> None:
        super().__init__()
        self.heads = heads
        self.norm1 = nn.LayerNorm(width)
        self.qkv = nn.Linear(width, 3 * width)
        self.pair_bias = nn.Linear(width, heads)
        self.pair_value = nn.Linear(width, width)
        self.proj = nn.Linear(width, width)
        self.norm2 = nn.LayerNorm(width)
        self.ff = nn.Sequential(nn.Linear(width, 2 * width), nn.SiLU(), nn.Linear(2 * width, width))

    def forward(self, t: torch.Tensor, pair: torch.Tensor) -> torch.Tensor:
        b, n, w = t.shape
        h, d = self.heads, w // self.heads
        q, k, v = self.qkv(self.norm1(t)).reshape(b, n, 3, h, d).permute(2, 0, 3, 1, 4)  # (B, H, n, d)
        logits = q @ k.transpose(-1, -2) / math.sqrt(d) + self.pair_bias(pair).permute(0, 3, 1, 2)  # (B, H, i, j)
        att = torch.softmax(logits, dim=-1)
        pv = self.pair_value(pair).reshape(b, n, n, h, d).permute(0, 3, 1, 2, 4)  # (B, H, i, j, d)
        out = att @ v + (att.unsqueeze(-1) * pv).sum(-2)
        t = t + self.proj(out.transpose(1, 2).reshape(b, n, w))
        return t + self.ff(self.norm2(t))


class TransformerModel(MolecularModel):
    """Unconstrained transformer over atoms on raw Cartesian coordinates (not rotation-invariant).

    Parameters
    ----------
    species
        Atomic numbers the model knows.
    width, layers, heads
        Token width, attention blocks, heads.
    direct_forces
        Add a direct force head ``F_i = scale * sum_j (s_ij r_ij + v_ij)``, ``(s, v) = MLP(edge features)`` (net
        force removed; ``conservative = False``, kind ``"transformer-direct"``).

    Notes
    -----
    Tokens ``t_i = embed(Z_i) + MLP(x_i - mean_j x_j)``; pair features ``p_ij = MLP(r_ij, g(|r_ij|))`` of the raw
    relative vector ``r_ij = x_j - x_i`` (its three Cartesian components as numbers, as in PET) and 16 Gaussians of
    its length (without them force learning stalls: a sharp function of ``|r|`` is slow to learn from raw
    components), which bias the
    attention logits and add to the values (:class:`_PairAttentionBlock`); per-atom energies from an MLP, summed.
    Permutation-invariant (no positional encoding; sums over atoms), translation-invariant (centred and relative
    coordinates); nothing makes it rotation-invariant except training (augmentation, a penalty).
    """

    kind = "transformer"
    symmetry = "none"

    def __init__(
        self,
        species: list[int] | tuple[int, ...],
        width: int = 32,
        layers: int = 2,
        heads: int = 4,
        direct_forces: bool = False,
    ) -> None:
        if width % heads:
            raise ValueError(f"width ({width}) must be a multiple of heads ({heads})")
        super().__init__(species, dict(width=width, layers=layers, heads=heads))
        self.direct = bool(direct_forces)
        if self.direct:
            self.kind = "transformer-direct"
            self.conservative = False
        self.embed = nn.Embedding(len(self.species), width)
        self.coords = _mlp(3, width, width)
        self.n_rbf = 16
        self.pair = _mlp(3 + self.n_rbf, width, width)
        self.blocks = nn.ModuleList([_PairAttentionBlock(width, heads) for _ in range(layers)])
        self.norm = nn.LayerNorm(width)
        self.head = _mlp(width, width, 1)
        self.force_head = _mlp(width, width, 4) if self.direct else None
        self.force_i = nn.Linear(width, width) if self.direct else None
        self.force_j = nn.Linear(width, width, bias=False) if self.direct else None

    def tokens(self, species_idx: torch.Tensor, pos: torch.Tensor) -> torch.Tensor:
        return self.tokens_and_pairs(species_idx, pos)[0]

    def tokens_and_pairs(self, species_idx: torch.Tensor, pos: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Final atom tokens (B, n, W) and pair features (B, n, n, W)."""
        x = pos - pos.mean(dim=-2, keepdim=True)
        t = self.embed(species_idx).to(pos.dtype) + self.coords(x)
        vec = pos.unsqueeze(1) - pos.unsqueeze(2)  # [b, i, j] = x_j - x_i
        n = pos.shape[-2]
        r = torch.sqrt((vec * vec).sum(-1, keepdim=True) + torch.eye(n, dtype=pos.dtype, device=pos.device)[..., None])
        centres = torch.linspace(0.5, 5.0, self.n_rbf, dtype=pos.dtype, device=pos.device)
        rbf = torch.exp(-(((r - centres) / (4.5 / self.n_rbf)) ** 2))
        pair = self.pair(torch.cat([vec, rbf], -1))  # the diagonal sees r = 1, vec = 0 (no sqrt(0) in the gradient)
        for block in self.blocks:
            t = block(t, pair)
        return self.norm(t), pair

    def atomic_energies(self, species_idx: torch.Tensor, pos: torch.Tensor) -> torch.Tensor:
        return self.head(self.tokens(species_idx, pos)).squeeze(-1)

    def energy_and_raw_forces(self, species_idx: torch.Tensor, pos: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Atomic energies (B, n) and direct raw forces (B, n, 3) from one backbone pass: ``F_i = sum_{j != i}
        s_ij r_ij + v_ij`` with ``(s_ij, v_ij) = MLP(p_ij + A t_i + B t_j)`` (an edge readout as in PET's direct
        forces; the MLP sees raw Cartesian pair features, so neither ``s`` nor ``v`` is invariant and nothing makes
        the forces equivariant or curl-free; the ``s r_ij`` term only makes pair forces easy to learn), net force
        removed."""
        assert self.force_head is not None and self.force_i is not None and self.force_j is not None
        t, pair = self.tokens_and_pairs(species_idx, pos)
        n = pos.shape[-2]
        edge = pair + self.force_i(t).unsqueeze(2) + self.force_j(t).unsqueeze(1)
        off = 1.0 - torch.eye(n, dtype=pos.dtype, device=pos.device)
        out = self.force_head(edge) * off[..., None]
        vec = pos.unsqueeze(1) - pos.unsqueeze(2)
        f = (out[..., :1] * vec + out[..., 1:]).sum(2) / math.sqrt(max(n - 1, 1))
        return self.head(t).squeeze(-1), f - f.mean(dim=-2, keepdim=True)

    def raw_forces(self, species_idx: torch.Tensor, pos: torch.Tensor) -> torch.Tensor:
        return self.energy_and_raw_forces(species_idx, pos)[1]


def make_model(kind: str, species: list[int] | tuple[int, ...] | np.ndarray, **hyper: Any) -> MolecularModel:
    """Build a model of ``kind`` (one of :data:`KINDS`) for the given species (atomic numbers).

    ``hyper`` goes to the class (:class:`NequIPModel`: lmax, channels, layers, n_basis, cutoff, radial_hidden;
    :class:`TensorNetModel`: channels, layers, n_basis, cutoff; :class:`TransformerModel`: width, layers, heads).
    Float32 parameters (``.double()`` for float64 tests). Initialization draws from ``torch.Generator`` seeded by
    ``hyper.pop("seed", 0)``; the global RNG is left untouched.

    Example
    -------
    >>> m = make_model("nequip", [1, 6, 8], lmax=1, seed=0)
    >>> m.conservative, m.symmetry
    (True, 'O(3)')
    """
    if kind not in KINDS:
        raise ValueError(f"unknown model kind {kind!r}; allowed: {list(KINDS)}")
    seed = int(hyper.pop("seed", 0))
    species = [int(z) for z in np.asarray(species).reshape(-1)]
    try:
        with torch.random.fork_rng(devices=[]):  # the global stream is restored on exit
            torch.manual_seed(seed)
            model = _build(kind, species, hyper)
    except TypeError as exc:
        raise ValueError(f"bad hyperparameters for {kind!r}: {exc}") from None
    model.hyper["seed"] = seed
    return model


def _build(kind: str, species: list[int], hyper: dict[str, Any]) -> MolecularModel:
    if kind == "nequip":
        model: MolecularModel = NequIPModel(species, **hyper)
    elif kind == "tensornet":
        model = TensorNetModel(species, **hyper)
    else:
        model = TransformerModel(species, direct_forces=kind == "transformer-direct", **hyper)
    return model
