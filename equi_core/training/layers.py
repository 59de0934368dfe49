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

import numpy as np
import torch
from torch import nn

from equi_core import Irreps, clebsch_gordan
from equi_core.tensor_product import FullyConnectedTensorProduct

from .features import sh_dim, sh_slices

__all__ = [
    "natural_paths",
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
            big[s1[l1], s2[l2], col:col + n3] = math.sqrt(n3) * np.asarray(clebsch_gordan(l1, l2, l3))
            self.path_slices.append(slice(col, col + n3))
            col += n3
        self._cg_exact = big.reshape(d1 * d2, dout)
        self.register_buffer("cg", torch.as_tensor(self._cg_exact, dtype=torch.get_default_dtype()))
        self.dim_out = dout

    def forward(self, x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        b, c = x.shape[0], x.shape[1]
        outer = (x.unsqueeze(-1) * y.unsqueeze(-2)).reshape(b * c, -1)
        return (outer @ self.cg).reshape(b, c, self.dim_out)

    def _apply(self, fn, recurse=True):  # type: ignore[override]
        # after .double()/.to(): rebuild the CG matrix from the exact float64 numbers, so a model built
        # in float32 and cast to float64 is equivariant to 1e-15, not to float32 round-off
        out = super()._apply(fn, recurse)
        self.cg = torch.as_tensor(self._cg_exact, dtype=self.cg.dtype, device=self.cg.device)
        return out


class PathMix(nn.Module):
    """Linear map from the paths of a :class:`ChannelwiseTensorProduct` to ``C_out`` channels per degree.

    ``out[b, w, l3 m] = sum_{c, path -> l3} W_l3[(c, path), w] z[b, c, path m] / sqrt(fan_in)``; for the
    gate, ``extra_scalars`` more ``l3 = 0`` outputs are returned separately. Only copies of the same
    degree are mixed, which is what keeps the map equivariant. A bias is added to scalars only.
    """

    def __init__(self, paths: list[tuple[int, int, int]], path_slices: list[slice], channels_in: int,
                 channels_out: int, lmax_out: int, extra_scalars: int = 0) -> None:
        super().__init__()
        self.lmax_out, self.channels_out, self.extra_scalars = lmax_out, channels_out, extra_scalars
        self.groups: list[list[int]] = [[] for _ in range(lmax_out + 1)]
        for i, (_, _, l3) in enumerate(paths):
            self.groups[l3].append(i)
        if any(not g for g in self.groups):
            missing = [l for l, g in enumerate(self.groups) if not g]
            raise ValueError(f"no tensor-product path reaches output degrees {missing}")
        self.index = [torch.cat([torch.arange(path_slices[i].start, path_slices[i].stop) for i in g]) for g in self.groups]
        for l, idx in enumerate(self.index):
            self.register_buffer(f"idx{l}", idx, persistent=False)
        self.weights = nn.ParameterList()
        for l, g in enumerate(self.groups):
            n_out = channels_out + (extra_scalars if l == 0 else 0)
            self.weights.append(nn.Parameter(torch.randn(channels_in * len(g), n_out)))
        self.bias = nn.Parameter(torch.zeros(channels_out + extra_scalars))
        self.fan_in = [channels_in * len(g) for g in self.groups]

    def forward(self, z: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor | None]:
        b = z.shape[0]
        blocks = []
        extra = None
        for l in range(self.lmax_out + 1):
            idx = getattr(self, f"idx{l}")
            zz = z.index_select(2, idx).reshape(b, -1, len(self.groups[l]), 2 * l + 1).reshape(b, -1, 2 * l + 1)
            out = torch.einsum("bpm,pw->bwm", zz, self.weights[l]) / math.sqrt(self.fan_in[l])
            if l == 0:
                out = out + self.bias.view(1, -1, 1)
                if self.extra_scalars:
                    extra = out[:, self.channels_out:, 0]
                    out = out[:, : self.channels_out]
            blocks.append(out)
        return torch.cat(blocks, dim=-1), extra


class Gate(nn.Module):
    """Gate nonlinearity: scalars ``-> silu(s)``; every degree-``l > 0`` channel is multiplied by
    ``sigmoid(g)`` of its own *separate* learned scalar gate ``g`` (so the response to a vector can depend
    on every invariant of the input, not only on the vector's own norm). Equivariant: only invariants
    enter the nonlinear functions."""

    def __init__(self, lmax: int, channels: int) -> None:
        super().__init__()
        self.lmax, self.channels = lmax, channels

    @property
    def n_gates(self) -> int:
        """Extra scalars the previous layer must produce: ``lmax * channels``."""
        return self.lmax * self.channels

    def forward(self, x: torch.Tensor, gates: torch.Tensor | None) -> torch.Tensor:
        parts = [nn.functional.silu(x[..., :1])]
        if self.lmax:
            assert gates is not None
            g = torch.sigmoid(gates).reshape(x.shape[0], self.lmax, self.channels)
            for l in range(1, self.lmax + 1):
                sl = slice(l * l, (l + 1) ** 2)
                parts.append(x[..., sl] * g[:, l - 1].unsqueeze(-1))
        return torch.cat(parts, dim=-1)


class NormActivation(nn.Module):
    """Norm nonlinearity (Tensor Field Networks): scalars ``-> silu(s + b)``; a degree-``l > 0`` channel
    ``v -> silu(|v| + b) v / |v|``. The direction of ``v`` is kept exactly: the layer cannot respond
    differently to a vector pointing up or sideways (the essay's point). ``|v|`` is smoothed by
    ``eps`` so the map is differentiable at 0 (still equivariant: the norm is invariant)."""

    def __init__(self, lmax: int, channels: int, eps: float = 1e-8) -> None:
        super().__init__()
        self.lmax, self.eps = lmax, eps
        self.bias = nn.Parameter(torch.zeros(lmax + 1, channels))

    def forward(self, x: torch.Tensor, gates: torch.Tensor | None = None) -> torch.Tensor:
        parts = [nn.functional.silu(x[..., :1] + self.bias[0].view(1, -1, 1))]
        for l in range(1, self.lmax + 1):
            v = x[..., l * l:(l + 1) ** 2]
            norm = torch.sqrt((v * v).sum(-1, keepdim=True) + self.eps)
            parts.append(v * (nn.functional.silu(norm + self.bias[l].view(1, -1, 1)) / norm))
        return torch.cat(parts, dim=-1)


class FullyConnectedTensorProductTorch(nn.Module):
    """Torch version of :class:`equi_core.tensor_product.FullyConnectedTensorProduct` (e3nn ``uvw``).

    Same paths, same flat weight layout (``weight``, length ``weight_numel``), same normalization
    ``sqrt((2 l3 + 1) / fan_in)``; inputs/outputs in e3nn's multiplicity-major layout ``(B, irreps.dim)``.
    For each pair of input blocks, the outer product ``x1 (x) x2`` is contracted once with the stacked CG
    tensors of every path it feeds (one matmul), then with the path weights.
    Equivariance for every ``g`` in O(3): ``tp(x1 D1^T, x2 D2^T) = tp(x1, x2) D_out^T``.
    """

    def __init__(self, irreps1: Irreps | str, irreps2: Irreps | str, irreps_out: Irreps | str) -> None:
        super().__init__()
        spec = FullyConnectedTensorProduct(irreps1, irreps2, irreps_out)
        self.irreps1, self.irreps2, self.irreps_out = spec.irreps1, spec.irreps2, spec.irreps_out
        self.weight_numel = spec.weight_numel
        self.weight = nn.Parameter(torch.randn(self.weight_numel))
        s1, s2, so = self.irreps1.slices(), self.irreps2.slices(), self.irreps_out.slices()
        # group the paths by input pair
        groups: dict[tuple[int, int], list[tuple[int, object]]] = {}
        offset = 0
        for p in spec.paths:
            n = p.mul1 * p.mul2 * p.mul_out
            groups.setdefault((p.i1, p.i2), []).append((offset, p))
            offset += n
        self._plan = []
        self._exact: dict[str, np.ndarray] = {}
        for k, ((i1, i2), items) in enumerate(groups.items()):
            cols = []
            col_slices = []
            col = 0
            for _, p in items:
                c = np.asarray(clebsch_gordan(p.l1, p.l2, p.l3)) * p.path_weight
                cols.append(c.reshape(-1, 2 * p.l3 + 1))
                col_slices.append(slice(col, col + 2 * p.l3 + 1))
                col += 2 * p.l3 + 1
            self._exact[f"cg{k}"] = np.concatenate(cols, axis=1)
            self.register_buffer(f"cg{k}", torch.as_tensor(self._exact[f"cg{k}"], dtype=torch.get_default_dtype()))
            first = items[0][1]
            self._plan.append((k, s1[i1], s2[i2], first.mul1, first.mul2, 2 * first.l1 + 1, 2 * first.l2 + 1,
                               [(off, p.mul_out, 2 * p.l3 + 1, p.i_out, cs) for (off, p), cs in zip(items, col_slices)]))

    def _apply(self, fn, recurse=True):  # type: ignore[override]
        out = super()._apply(fn, recurse)
        for name, exact in self._exact.items():
            buf = getattr(self, name)
            setattr(self, name, torch.as_tensor(exact, dtype=buf.dtype, device=buf.device))
        return out

    def forward(self, x1: torch.Tensor, x2: torch.Tensor, weight: torch.Tensor | None = None) -> torch.Tensor:
        w = self.weight if weight is None else weight
        b = x1.shape[0]
        out = x1.new_zeros(b, self.irreps_out.dim)
        outs: dict[int, list[torch.Tensor]] = {}
        for k, sl1, sl2, u, v, d1, d2, items in self._plan:
            a = x1[:, sl1].reshape(b, u, d1)
            c = x2[:, sl2].reshape(b, v, d2)
            outer = (a.reshape(b, u, 1, d1, 1) * c.reshape(b, 1, v, 1, d2)).reshape(b, u * v, d1 * d2)
            t = outer @ getattr(self, f"cg{k}")  # (b, uv, sum k)
            for off, wo, d3, i_out, cs in items:
                wp = w[off:off + u * v * wo].reshape(u * v, wo)
                z = torch.einsum("bpk,pw->bwk", t[..., cs], wp)
                outs.setdefault(i_out, []).append(z.reshape(b, wo * d3))
        for i_out, so in enumerate(self.irreps_out.slices()):
            if i_out in outs:
                out[:, so] = sum(outs[i_out])
        return out
