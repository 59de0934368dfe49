"""Equivariant torch layers built on the Clebsch-Gordan tensors of :mod:`equi_core`.

Features of the networks here have the same multiplicity ``C`` (channels) for every degree
``l = 0..L`` with natural parity (``0e + 1o + 2e + 3o + ...``, what spherical harmonics of a polar
vector produce) and are stored channel-major as one tensor of shape ``(B, C, (L+1)**2)`` in the
layout of :func:`~equi_core.training.features.spherical_harmonics_torch` (degree ``l`` in columns
``l*l .. (l+1)**2 - 1``). Under a rotation ``R`` every channel turns with the block-diagonal
``D(R) = diag(D^0, D^1(R), ..., D^L(R))``; every layer below commutes with that action:

* :class:`ChannelwiseTensorProduct` -- all paths ``l1 (x) l2 -> l3`` (triangle rule, ``l1 + l2 + l3``
  even), channel by channel, as one matmul against a fused Clebsch-Gordan matrix (torch buffer);
* :class:`PathMix` -- learned linear maps per output degree across channels and paths (a linear map
  may only mix copies of the *same* irrep: Schur);
* :class:`Gate` / :class:`NormActivation` -- the two legal nonlinearities;
* :class:`FullyConnectedTensorProductTorch` -- e3nn's ``FullyConnectedTensorProduct`` (``uvw``) for any
  :class:`~equi_core.Irreps`, same weight layout and normalization (used by the benchmark and checked
  against e3nn in the tests).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import numpy as np
import torch
from torch import nn

from equi_core import Irreps, clebsch_gordan
from equi_core.o3.tensor_product import FullyConnectedTensorProduct

from .features import sh_dim, sh_slices

if TYPE_CHECKING:
    from typing_extensions import Self  # typing.Self is 3.11+; typing_extensions comes with torch

__all__ = [
    "natural_paths",
    "degree_of_columns",
    "ChannelwiseTensorProduct",
    "PathMix",
    "Gate",
    "NormActivation",
    "FullyConnectedTensorProductTorch",
]


def natural_paths(lmax_in: int, lmax_other: int, lmax_out: int) -> list[tuple[int, int, int]]:
    """Paths ``(l1, l2, l3)`` with ``|l1-l2| <= l3 <= l1+l2``, each ``l`` within its max and ``l1+l2+l3``
    even (natural parity in, natural parity out: the products of polar tensors that stay polar)."""
    return [
        (l1, l2, l3)
        for l1 in range(lmax_in + 1)
        for l2 in range(lmax_other + 1)
        for l3 in range(abs(l1 - l2), min(l1 + l2, lmax_out) + 1)
        if (l1 + l2 + l3) % 2 == 0
    ]


class ChannelwiseTensorProduct(nn.Module):
    """``z[b, c, path] = sqrt(2 l3 + 1) * sum_ij C(l1,l2,l3)_ijk x[b, c, l1 i] y[b, c, l2 j]`` for all paths.

    Parameters
    ----------
    lmax_in, lmax_other, lmax_out
        Max degrees of ``x``, ``y`` and the output.

    Notes
    -----
    Output shape ``(B, C, sum over paths of 2 l3 + 1)``; :attr:`paths` and :attr:`path_slices` say which
    columns hold which path. All paths are computed by a single matmul of the channel-wise outer product
    ``x (x) y`` (``(B*C, dim_x*dim_y)``) with the fused, sparse-in-practice CG matrix (a buffer built from
    :func:`equi_core.clebsch_gordan`, so it follows the module's dtype and device).
    Equivariance: ``z(x D^T, y D^T)[path] = z(x, y)[path] D^{l3}^T``.
    """

    cg: torch.Tensor  # buffer

    def __init__(self, lmax_in: int, lmax_other: int, lmax_out: int) -> None:
        super().__init__()
        self.lmax_in, self.lmax_other, self.lmax_out = lmax_in, lmax_other, lmax_out
        self.paths = natural_paths(lmax_in, lmax_other, lmax_out)
        d1, d2 = sh_dim(lmax_in), sh_dim(lmax_other)
        dout = sum(2 * l3 + 1 for _, _, l3 in self.paths)
        big = np.zeros((d1, d2, dout))
        s1, s2 = sh_slices(lmax_in), sh_slices(lmax_other)
        self.path_slices: list[slice] = []
        col = 0
        for l1, l2, l3 in self.paths:
            n3 = 2 * l3 + 1
            big[s1[l1], s2[l2], col : col + n3] = math.sqrt(n3) * np.asarray(clebsch_gordan(l1, l2, l3))
            self.path_slices.append(slice(col, col + n3))
            col += n3
        self._cg_exact = big.reshape(d1 * d2, dout)
        self.register_buffer("cg", torch.as_tensor(self._cg_exact, dtype=torch.get_default_dtype()))
        self.dim_out = dout

    def forward(self, x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        b, c = x.shape[0], x.shape[1]
        outer = (x.unsqueeze(-1) * y.unsqueeze(-2)).reshape(b * c, -1)
        return (outer @ self.cg).reshape(b, c, self.dim_out)

    def _apply(self, fn: Callable[[torch.Tensor], torch.Tensor], recurse: bool = True) -> Self:
        # after .double()/.to(): rebuild the CG matrix from the exact float64 numbers, so a model built
        # in float32 and cast to float64 is equivariant to 1e-15, not to float32 round-off
        out = super()._apply(fn, recurse)
        self.cg = torch.as_tensor(self._cg_exact, dtype=self.cg.dtype, device=self.cg.device)
        return out


class _PermuteContiguous(torch.autograd.Function):
    """``x.permute(dims).contiguous()`` whose backward also returns a *contiguous* gradient: a permuted
    (strided) gradient would send the batched matmul that produced ``x`` to torch's slow per-matrix
    CPU path. Twice differentiable (the backward is made of differentiable ops)."""

    @staticmethod
    def forward(ctx: Any, x: torch.Tensor, dims: tuple[int, ...]) -> torch.Tensor:
        ctx.inverse = tuple(int(i) for i in np.argsort(dims))
        return x.permute(dims).contiguous()

    @staticmethod
    def backward(ctx: Any, grad: torch.Tensor) -> tuple[torch.Tensor, None]:
        return _PermuteContiguous.apply(grad, ctx.inverse), None


def degree_of_columns(lmax: int) -> np.ndarray:
    """``l`` of each column of a ``0..lmax`` concatenation (length ``(lmax+1)**2``)."""
    return np.repeat(np.arange(lmax + 1), [2 * l + 1 for l in range(lmax + 1)])


class PathMix(nn.Module):
    """Linear map from the paths of a :class:`ChannelwiseTensorProduct` to ``C_out`` channels per degree.

    ``out[b, w, l3 m] = sum_{c, path -> l3} W_l3[(c, path), w] z[b, c, path m] / sqrt(fan_in)``; for the
    gate, ``extra_scalars`` more ``l3 = 0`` outputs are returned separately. Only copies of the same
    degree are mixed, which is what keeps the map equivariant. A bias is added to scalars only.

    Notes
    -----
    The per-degree weight matrices are the parameters. Every output column ``(l, m)`` is a *slot* whose
    inputs are the columns ``m`` of the paths into ``l``; padded to the largest number of paths per
    degree (zero weights), all slots are one batched matmul (bias included), with the slot weights
    gathered from the parameters by one ``index_select``: no loop over degrees in :meth:`forward`.
    """

    slot_cols: torch.Tensor  # buffer
    w_index: torch.Tensor  # buffer
    w_scale: torch.Tensor  # buffer
    e_index: torch.Tensor  # buffer

    def __init__(
        self,
        paths: list[tuple[int, int, int]],
        path_slices: list[slice],
        channels_in: int,
        channels_out: int,
        lmax_out: int,
        extra_scalars: int = 0,
    ) -> None:
        super().__init__()
        self.lmax_out, self.channels_out, self.extra_scalars = lmax_out, channels_out, extra_scalars
        self.groups: list[list[int]] = [[] for _ in range(lmax_out + 1)]
        for i, (_, _, l3) in enumerate(paths):
            self.groups[l3].append(i)
        if any(not g for g in self.groups):
            missing = [l for l, g in enumerate(self.groups) if not g]
            raise ValueError(f"no tensor-product path reaches output degrees {missing}")
        self.weights = nn.ParameterList()
        for l, g in enumerate(self.groups):
            n_out = channels_out + (extra_scalars if l == 0 else 0)
            self.weights.append(nn.Parameter(torch.randn(channels_in * len(g), n_out)))
        self.bias = nn.Parameter(torch.zeros(channels_out + extra_scalars))
        self.fan_in = [channels_in * len(g) for g in self.groups]
        # slot layout: every output column (l, m) is a "slot"; its inputs are the columns m of the paths
        # into l (padded to the largest path count with zero weights), so all degrees are one bmm
        dim = (lmax_out + 1) ** 2
        p_max = max(len(g) for g in self.groups)
        self.dim, self.p_max, self.channels_in = dim, p_max, channels_in
        slot_cols = np.zeros((dim, p_max), dtype=np.int64)
        n_out_main = channels_out
        offsets = np.cumsum([0] + [w.numel() for w in self.weights])
        sentinel = int(offsets[-1])
        w_index = np.full((dim, channels_in, p_max, n_out_main), sentinel, dtype=np.int64)
        w_scale = np.zeros((dim, channels_in, p_max, n_out_main))
        for l, g in enumerate(self.groups):
            n_out = channels_out + (extra_scalars if l == 0 else 0)
            c, j, w = np.meshgrid(np.arange(channels_in), np.arange(len(g)), np.arange(n_out_main), indexing="ij")
            for m in range(2 * l + 1):
                slot = l * l + m
                slot_cols[slot, : len(g)] = [path_slices[i].start + m for i in g]
                w_index[slot, :, : len(g), :] = offsets[l] + (c * len(g) + j) * n_out + w
                w_scale[slot, :, : len(g), :] = 1.0 / math.sqrt(self.fan_in[l])
        self.register_buffer("slot_cols", torch.as_tensor(slot_cols.reshape(-1)), persistent=False)
        self.register_buffer("w_index", torch.as_tensor(w_index.reshape(-1)), persistent=False)
        self.register_buffer(
            "w_scale", torch.as_tensor(w_scale.reshape(-1), dtype=torch.get_default_dtype()), persistent=False
        )
        if extra_scalars:
            g0, n0 = len(self.groups[0]), channels_out + extra_scalars
            e_index = np.full((channels_in, p_max, extra_scalars), sentinel, dtype=np.int64)
            c, j, e = np.meshgrid(np.arange(channels_in), np.arange(g0), np.arange(extra_scalars), indexing="ij")
            e_index[:, :g0, :] = (c * g0 + j) * n0 + channels_out + e
            self.register_buffer("e_index", torch.as_tensor(e_index.reshape(-1)), persistent=False)
            self.e_scale = 1.0 / math.sqrt(self.fan_in[0])

    def slot_weights(self) -> tuple[torch.Tensor, torch.Tensor | None]:
        """Per-slot weight matrices ``(slots, C_in * p_max, C_out)`` (scaled, zero rows for padding) and the
        gate-scalar matrix ``(C_in * p_max, extra_scalars)`` (or None)."""
        flat = torch.cat([w.reshape(-1) for w in self.weights] + [self.bias.new_zeros(1)])
        ws = (flat.index_select(0, self.w_index) * self.w_scale).view(
            self.dim, self.channels_in * self.p_max, self.channels_out
        )
        we = None
        if self.extra_scalars:
            we = flat.index_select(0, self.e_index).view(-1, self.extra_scalars) * self.e_scale
        return ws, we

    def forward(self, z: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor | None]:
        b = z.shape[0]
        ws, we = self.slot_weights()
        zs = z.index_select(2, self.slot_cols).view(b, self.channels_in, self.dim, self.p_max)
        zt = zs.permute(2, 0, 1, 3).reshape(self.dim, b, self.channels_in * self.p_max)
        bias = torch.cat(
            [self.bias[: self.channels_out].view(1, 1, -1), self.bias.new_zeros(self.dim - 1, 1, self.channels_out)]
        )
        out = _PermuteContiguous.apply(torch.baddbmm(bias, zt, ws), (1, 2, 0))  # (B, C_out, slots)
        extra = torch.addmm(self.bias[self.channels_out :], zt[0], we) if we is not None else None
        return out, extra


class Gate(nn.Module):
    """Gate nonlinearity: scalars ``-> silu(s)``; every degree-``l > 0`` channel is multiplied by
    ``sigmoid(g)`` of its own *separate* learned scalar gate ``g`` (so the response to a vector can depend
    on every invariant of the input, not only on the vector's own norm). Equivariant: only invariants
    enter the nonlinear functions. All degrees at once (the gates are spread over the columns by one
    ``index_select``)."""

    col_gate: torch.Tensor  # buffer

    def __init__(self, lmax: int, channels: int) -> None:
        super().__init__()
        self.lmax, self.channels = lmax, channels
        self.register_buffer("col_gate", torch.as_tensor(degree_of_columns(lmax)[1:] - 1), persistent=False)

    @property
    def n_gates(self) -> int:
        """Extra scalars the previous layer must produce: ``lmax * channels``."""
        return self.lmax * self.channels

    def forward(self, x: torch.Tensor, gates: torch.Tensor | None) -> torch.Tensor:
        s = nn.functional.silu(x[..., :1])
        if not self.lmax:
            return s
        assert gates is not None
        g = torch.sigmoid(gates).view(x.shape[0], self.lmax, self.channels).transpose(1, 2)  # (B, C, lmax)
        return torch.cat([s, x[..., 1:] * g.index_select(-1, self.col_gate)], dim=-1)


class NormActivation(nn.Module):
    """Norm nonlinearity (Tensor Field Networks): scalars ``-> silu(s + b)``; a degree-``l > 0`` channel
    ``v -> silu(|v| + b) v / |v|``. The direction of ``v`` is kept exactly: the layer cannot respond
    differently to a vector pointing up or sideways (the essay's point). ``|v|`` is smoothed by
    ``eps`` so the map is differentiable at 0 (still equivariant: the norm is invariant).
    All degrees at once: the squared norms are one matmul with the 0/1 matrix "column belongs to degree l"."""

    member: torch.Tensor  # buffer
    col_degree: torch.Tensor  # buffer

    def __init__(self, lmax: int, channels: int, eps: float = 1e-8) -> None:
        super().__init__()
        self.lmax, self.eps = lmax, eps
        self.bias = nn.Parameter(torch.zeros(lmax + 1, channels))
        cols = degree_of_columns(lmax)[1:] - 1
        member = np.zeros((len(cols), lmax))
        member[np.arange(len(cols)), cols] = 1.0
        self.register_buffer("member", torch.as_tensor(member, dtype=torch.get_default_dtype()), persistent=False)
        self.register_buffer("col_degree", torch.as_tensor(cols), persistent=False)

    def forward(self, x: torch.Tensor, gates: torch.Tensor | None = None) -> torch.Tensor:
        s = nn.functional.silu(x[..., :1] + self.bias[0].view(1, -1, 1))
        if not self.lmax:
            return s
        v = x[..., 1:]
        norm = torch.sqrt((v * v) @ self.member + self.eps)  # (B, C, lmax)
        f = nn.functional.silu(norm + self.bias[1:].t()) / norm
        return torch.cat([s, v * f.index_select(-1, self.col_degree)], dim=-1)


class FullyConnectedTensorProductTorch(nn.Module):
    """Torch version of :class:`equi_core.tensor_product.FullyConnectedTensorProduct` (e3nn ``uvw``).

    Same paths, same flat weight layout (``weight``, length ``weight_numel``), same normalization
    ``sqrt((2 l3 + 1) / fan_in)``; inputs/outputs in e3nn's multiplicity-major layout ``(B, irreps.dim)``.
    Equivariance for every ``g`` in O(3): ``tp(x1 D1^T, x2 D2^T) = tp(x1, x2) D_out^T``.

    Notes
    -----
    Every path is evaluated at once, with no Python loop over paths in :meth:`forward` (only one
    matmul per *output block*). Write ``a`` for the operand contracted first (the one with the
    smaller multiplicity cost, usually ``x2``: the filter) and ``b`` for the other, both brought to a
    channel-major layout ``(B, mul, sum of 2l+1)`` with multiplicities zero-padded to their maximum
    (one ``index_select`` each; skipped when it is the identity):

    1. ``Q[z, a, (q, i)] = sum_j x_a[z, a, j] G[j, (q, i)]`` -- one matmul with the precomputed
       coupling matrix ``G`` holding every path's Clebsch-Gordan tensor times its path weight, where
       ``q = (output block, m_out, path)`` runs over the outputs of all paths;
    2. ``R[z, (q, a), b] = sum_i Q[z, (q, a), i] x_b[z, b, i]`` -- one batched matmul;
    3. per output block ``o``: ``out_o[z, m, w] = R[z, (m, path, a, b)] @ W_o[(path, a, b), w]`` -- one
       matmul against the path weights of ``o`` stacked by a single ``index_select`` of ``weight``.

    ``G`` is a buffer rebuilt from the exact float64 Clebsch-Gordan numbers on ``.double()``/``.to()``.
    """

    G: torch.Tensor  # buffer
    widx: torch.Tensor  # buffer
    perm1: torch.Tensor  # buffer
    perm2: torch.Tensor  # buffer

    def __init__(self, irreps1: Irreps | str, irreps2: Irreps | str, irreps_out: Irreps | str) -> None:
        super().__init__()
        spec = FullyConnectedTensorProduct(irreps1, irreps2, irreps_out)
        self.irreps1, self.irreps2, self.irreps_out = spec.irreps1, spec.irreps2, spec.irreps_out
        self.weight_numel = spec.weight_numel
        self.weight = nn.Parameter(torch.randn(self.weight_numel))
        paths = list(spec.paths)
        offsets, off = [], 0
        for p in paths:
            offsets.append(off)
            off += p.mul1 * p.mul2 * p.mul_out
        mul1 = max([m.mul for m in self.irreps1] + [1])
        mul2 = max([m.mul for m in self.irreps2] + [1])
        d1 = [m.ir.dim for m in self.irreps1]
        d2 = [m.ir.dim for m in self.irreps2]
        start1 = np.concatenate([[0], np.cumsum(d1)]).astype(int) if d1 else np.zeros(1, int)
        start2 = np.concatenate([[0], np.cumsum(d2)]).astype(int) if d2 else np.zeros(1, int)
        D1, D2 = int(start1[-1]), int(start2[-1])
        # q runs over (output block, m_out, path into that block)
        by_out: list[list[int]] = [[] for _ in self.irreps_out]
        for n, p in enumerate(paths):
            by_out[p.i_out].append(n)
        S = sum(len(g) * m.ir.dim for g, m in zip(by_out, self.irreps_out))
        # which operand is contracted first: cost of steps 1 + 2 (swap: x1 first)
        cost_x2_first = S * D1 * mul2 * (D2 + mul1)
        cost_x1_first = S * D2 * mul1 * (D1 + mul2)
        self.swap = bool(cost_x1_first < cost_x2_first)
        ma, mb = (mul1, mul2) if self.swap else (mul2, mul1)
        Da, Db = (D1, D2) if self.swap else (D2, D1)
        G = np.zeros((Da, S, Db))
        self._out_plan: list[tuple[int, int, int, int, int]] = []  # (q0, q1, dim, mul_out, n_weight_rows)
        widx: list[int] = []
        q = 0
        for group, mo in zip(by_out, self.irreps_out):
            d3 = mo.ir.dim
            for k in range(d3):
                for slot, n in enumerate(group):
                    p = paths[n]
                    c = np.asarray(clebsch_gordan(p.l1, p.l2, p.l3))[:, :, k] * p.path_weight  # (i1, i2)
                    s1, s2 = start1[p.i1], start2[p.i2]
                    if self.swap:  # a = x1 (rows), b = x2 (cols)
                        G[s1 : s1 + c.shape[0], q + slot, s2 : s2 + c.shape[1]] = c
                    else:
                        G[s2 : s2 + c.shape[1], q + slot, s1 : s1 + c.shape[0]] = c.T
                q += len(group)
            rows = len(group) * ma * mb
            self._out_plan.append((q - d3 * len(group), q, d3, mo.mul, rows))
            for n in group:
                p = paths[n]
                for ia in range(ma):
                    for ib in range(mb):
                        u, v = (ia, ib) if self.swap else (ib, ia)
                        for w in range(mo.mul):
                            if u < p.mul1 and v < p.mul2:
                                widx.append(offsets[n] + (u * p.mul2 + v) * p.mul_out + w)
                            else:
                                widx.append(self.weight_numel)  # a zero-padded channel
        self.S, self.ma, self.mb, self.Da, self.Db = S, ma, mb, Da, Db
        self._q_sizes = [(q1 - q0) * ma for q0, q1, _, _, _ in self._out_plan]
        self._w_sizes = [rows * mul_out for _, _, _, mul_out, rows in self._out_plan]
        self._G_exact = G.reshape(Da, S * Db)
        self.register_buffer("G", torch.as_tensor(self._G_exact, dtype=torch.get_default_dtype()))
        self.register_buffer("widx", torch.as_tensor(widx, dtype=torch.long), persistent=False)
        self.w_pad = any(i == self.weight_numel for i in widx)

        def layout(irreps: Irreps, mul: int) -> torch.Tensor | None:
            # channel-major index into [x, 0]: cm[c, g] = x[offset_b + c * d_b + (g - start_b)]
            idx = np.full((mul, sum(m.ir.dim for m in irreps)), irreps.dim, dtype=np.int64)
            col, off_ = 0, 0
            for m in irreps:
                for c in range(m.mul):
                    idx[c, col : col + m.ir.dim] = off_ + c * m.ir.dim + np.arange(m.ir.dim)
                col += m.ir.dim
                off_ += m.dim
            flat = idx.reshape(-1)
            if len(flat) == irreps.dim and np.array_equal(flat, np.arange(irreps.dim)):
                return None
            return torch.as_tensor(flat)

        p1, p2 = layout(self.irreps1, mul1), layout(self.irreps2, mul2)
        self.perm1_pad = p1 is not None and bool((p1 == self.irreps1.dim).any())
        self.perm2_pad = p2 is not None and bool((p2 == self.irreps2.dim).any())
        self.register_buffer("perm1", p1, persistent=False)
        self.register_buffer("perm2", p2, persistent=False)
        self.mul1, self.mul2, self.D1, self.D2 = mul1, mul2, D1, D2
        self._empty = S == 0 or D1 == 0 or D2 == 0

    def _apply(self, fn: Callable[[torch.Tensor], torch.Tensor], recurse: bool = True) -> Self:
        # after .double()/.to(): rebuild G from the exact float64 numbers (float64 equivariance to 1e-15)
        out = super()._apply(fn, recurse)
        self.G = torch.as_tensor(self._G_exact, dtype=self.G.dtype, device=self.G.device)
        return out

    @staticmethod
    def _channel_major(x: torch.Tensor, perm: torch.Tensor | None, pad: bool, mul: int, dim: int) -> torch.Tensor:
        b = x.shape[0]
        if perm is None:
            return x.reshape(b, mul, dim)
        if pad:
            x = torch.cat([x, x.new_zeros(b, 1)], dim=1)
        return x.index_select(1, perm).view(b, mul, dim)

    def forward(self, x1: torch.Tensor, x2: torch.Tensor, weight: torch.Tensor | None = None) -> torch.Tensor:
        """``x1`` (B, irreps1.dim), ``x2`` (B, irreps2.dim), optional shared ``weight`` (weight_numel,)
        replacing :attr:`weight`; returns (B, irreps_out.dim)."""
        w = self.weight if weight is None else weight
        if w.dim() != 1 or w.shape[0] != self.weight_numel:
            raise ValueError(f"weight must have shape ({self.weight_numel},), got {tuple(w.shape)}")
        if (
            x1.dim() != 2
            or x2.dim() != 2
            or x1.shape[1] != self.irreps1.dim
            or x2.shape[1] != self.irreps2.dim
            or x1.shape[0] != x2.shape[0]
        ):
            raise ValueError(
                f"x1 must be (B, {self.irreps1.dim}) and x2 (B, {self.irreps2.dim}), got "
                f"{tuple(x1.shape)} and {tuple(x2.shape)}"
            )
        z = x1.shape[0]
        if self._empty:
            return x1.new_zeros(z, self.irreps_out.dim)
        c1 = self._channel_major(x1, self.perm1, self.perm1_pad, self.mul1, self.D1)
        c2 = self._channel_major(x2, self.perm2, self.perm2_pad, self.mul2, self.D2)
        xa, xb = (c1, c2) if self.swap else (c2, c1)
        ma, S, Db = self.ma, self.S, self.Db
        q = (xa.reshape(z * ma, self.Da) @ self.G).view(z, ma, S, Db)
        q = q.view(z, S, Db) if ma == 1 else q.transpose(1, 2).reshape(z, S * ma, Db)
        xbt = xb.transpose(1, 2)
        if self.w_pad:
            w = torch.cat([w, w.new_zeros(1)])
        wcat = w.index_select(0, self.widx)
        # split (not slices): the backward of a split is one cat, a slice's backward zero-fills the whole input
        q_parts = q.split(self._q_sizes, dim=1)
        w_parts = wcat.split(self._w_sizes)
        outs = []
        for (_q0, _q1, d3, mul_out, rows), qo, wo in zip(self._out_plan, q_parts, w_parts):
            if rows == 0 or mul_out == 0:
                outs.append(x1.new_zeros(z, mul_out * d3))
                continue
            ro = torch.bmm(qo, xbt)  # (z, (m_out, path, a), b)
            y = ro.view(z * d3, rows) @ wo.view(rows, mul_out)
            outs.append(y.view(z, d3, mul_out).transpose(1, 2).reshape(z, mul_out * d3))
        return outs[0] if len(outs) == 1 else torch.cat(outs, dim=1)
