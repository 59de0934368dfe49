"""Torch models of an atom-centred environment: equivariant by construction, or not at all.

Every model maps neighbour positions ``pos`` (B, n, 3) to an energy (B,) or a vector (B, 3) in two
stages: :meth:`EnvModel.featurize` (parameter-free, so its output can be cached once per data set:
that is what makes a 1500-step run take about a second) and :meth:`EnvModel.from_features` (the
learned part). ``model(pos) == model.from_features(*model.featurize(pos))``.

Equivariant / invariant by construction (tested in float64 to < 1e-10):

* :class:`PowerSpectrumModel` -- the cheap invariant baseline: power spectrum of the neighbour
  density up to degree ``L`` (body order 3), then an MLP, or a *linear* readout fitted in closed form
  (ACE / MACE style: exact for any three-body target of angular degree <= L).
* :class:`IrrepsNet` -- an irreps network: spherical-harmonic edge features up to ``L`` times a
  learned Chebyshev radial basis, channel-wise Clebsch-Gordan tensor products with the density,
  gate or norm nonlinearity, invariant energy readout (``0e``) or vector readout (``1o``).
* :class:`ScalarVectorNet` -- invariant per-neighbour features through an ordinary ReLU/SiLU MLP that
  outputs one coefficient per neighbour; vector output ``sum_j c_j r_j`` (all nonlinearity on
  scalars: legal, so any activation may be used).

Unconstrained:

* :class:`CartesianTransformer` -- the unconstrained model of the experiments (a small point
  transformer in the spirit of PET, the unconstrained architecture of Bigi et al.): neighbour tokens
  from raw Cartesian coordinates, self-attention without positional encoding, sum pooling, MLP.
  Permutation invariant, **not** rotation invariant. Trained plainly, with random-rotation
  augmentation, or with the net-torque penalty (see :mod:`equi_core.training.train`).
* :class:`DeepSetsModel` -- the simplest unconstrained permutation-invariant model (sum over
  neighbours of an MLP of coordinates, then an MLP); it learns angular correlations much more
  slowly than the transformer, so the experiments use the transformer.
"""

from __future__ import annotations

import math
from typing import Literal

import numpy as np
import torch
from torch import nn

from .data import cutoff_function
from .features import (
    density_projections,
    neighbour_invariants,
    power_spectrum,
    power_spectrum_size,
)
from .layers import ChannelwiseTensorProduct, Gate, NormActivation, PathMix, degree_of_columns

__all__ = [
    "EnvModel",
    "PowerSpectrumModel",
    "IrrepsNet",
    "ScalarVectorNet",
    "DeepSetsModel",
    "CartesianTransformer",
    "mlp",
    "kaiming_init_",
    "count_parameters",
    "ACTIVATIONS",
]

ACTIVATIONS = {"silu": nn.SiLU, "relu": nn.ReLU, "tanh": nn.Tanh}


def mlp(n_in: int, hidden: int, depth: int, n_out: int, activation: str = "silu") -> nn.Sequential:
    """``depth`` hidden layers of width ``hidden`` with ``activation``, then a linear output layer.
    ``depth = 0`` is a linear map."""
    if activation not in ACTIVATIONS:
        raise ValueError(f"activation must be one of {sorted(ACTIVATIONS)}, got {activation!r}")
    layers: list[nn.Module] = []
    width = n_in
    for _ in range(depth):
        layers += [nn.Linear(width, hidden), ACTIVATIONS[activation]()]
        width = hidden
    layers.append(nn.Linear(width, n_out))
    return nn.Sequential(*layers)


def kaiming_init_(module: nn.Module) -> nn.Module:
    """He-normal weights and zero biases for every ``nn.Linear`` inside ``module`` (in place).

    PyTorch's default (uniform, variance 1/(3 fan_in)) shrinks the signal layer after layer; with it the
    unconstrained models sat on the radial-only plateau for thousands of steps."""
    for mod in module.modules():
        if isinstance(mod, nn.Linear):
            nn.init.kaiming_normal_(mod.weight, nonlinearity="relu")
            if mod.bias is not None:
                nn.init.zeros_(mod.bias)
    return module


def count_parameters(model: nn.Module) -> int:
    """Number of trainable scalars."""
    return sum(p.numel() for p in model.parameters() if p.requires_grad)


class EnvModel(nn.Module):
    """Base class: ``output`` is ``"energy"`` (B,) or ``"vector"`` (B, 3).

    The prediction is ``shift + scale * raw`` for energies and ``scale * raw`` for vectors (a shift
    would break equivariance), with ``shift``/``scale`` set from the training targets by
    :meth:`set_target_scale` so every model learns an O(1) quantity.
    """

    output: Literal["energy", "vector"] = "energy"
    equivariant: bool = True

    target_shift: torch.Tensor  # buffer
    target_scale: torch.Tensor  # buffer

    def __init__(self) -> None:
        super().__init__()
        self.register_buffer("target_shift", torch.zeros(()))
        self.register_buffer("target_scale", torch.ones(()))

    def featurize(self, pos: torch.Tensor) -> tuple[torch.Tensor, ...]:
        """Parameter-free features of ``pos`` (cacheable)."""
        raise NotImplementedError

    def raw(self, *features: torch.Tensor) -> torch.Tensor:
        """The learned part, before target scaling."""
        raise NotImplementedError

    def from_features(self, *features: torch.Tensor) -> torch.Tensor:
        out = self.raw(*features)
        if self.output == "energy":
            return self.target_shift + self.target_scale * out
        return self.target_scale * out

    def forward(self, pos: torch.Tensor) -> torch.Tensor:
        return self.from_features(*self.featurize(pos))

    def set_target_scale(self, target: torch.Tensor) -> None:
        """Shift/scale from training targets: mean/std for energies, RMS norm for vectors."""
        with torch.no_grad():
            if self.output == "energy":
                self.target_shift.fill_(float(target.mean()))
                self.target_scale.fill_(float(target.std()) if target.numel() > 1 else 1.0)
            else:
                self.target_scale.fill_(float(target.pow(2).sum(-1).mean().sqrt()))
            if not math.isfinite(float(self.target_scale)) or float(self.target_scale) == 0.0:
                self.target_scale.fill_(1.0)

    def fit_input_normalization(self, *features: torch.Tensor) -> None:
        """Hook for models that standardize their cached features (default: nothing)."""


class PowerSpectrumModel(EnvModel):
    """Invariant baseline: standardized power spectrum (degrees ``0..lmax``, ``n_radial`` Chebyshev
    radial functions) -> MLP (``depth`` hidden layers of ``hidden``) -> energy.

    With ``linear=True`` the readout is a single linear layer, fitted in closed form by
    :meth:`fit_linear` (ridge least squares in float64): exact for three-body targets of angular
    degree <= ``lmax`` once the data determine the coefficients.
    Invariance: the features are rotation and reflection invariant, so the energy is.
    """

    feat_mean: torch.Tensor  # buffer
    feat_std: torch.Tensor  # buffer

    def __init__(
        self,
        lmax: int = 4,
        n_radial: int = 6,
        cutoff: float = 1.0,
        hidden: int = 64,
        depth: int = 2,
        activation: str = "silu",
        linear: bool = False,
    ) -> None:
        super().__init__()
        self.lmax, self.n_radial, self.cutoff, self.linear = lmax, n_radial, cutoff, linear
        n = power_spectrum_size(lmax, n_radial)
        self.n_features = n
        self.register_buffer("feat_mean", torch.zeros(n))
        self.register_buffer("feat_std", torch.ones(n))
        self.net = mlp(n, hidden, 0 if linear else depth, 1, activation)

    def featurize(self, pos: torch.Tensor) -> tuple[torch.Tensor, ...]:
        proj = density_projections(pos, self.lmax, self.n_radial, self.cutoff)
        return (power_spectrum(proj, self.lmax),)

    def fit_input_normalization(self, *features: torch.Tensor) -> None:
        (f,) = features
        with torch.no_grad():
            self.feat_mean.copy_(f.mean(0))
            std = f.std(0) if f.shape[0] > 1 else torch.ones_like(f[0])
            self.feat_std.copy_(torch.where(std > 1e-12, std, torch.ones_like(std)))

    def raw(self, *features: torch.Tensor) -> torch.Tensor:
        (f,) = features
        return self.net((f - self.feat_mean) / self.feat_std).squeeze(-1)

    def fit_linear(self, features: torch.Tensor, target: torch.Tensor, ridge: float = 1e-6) -> None:
        """Closed-form ridge fit of the linear readout on cached ``features`` (requires ``linear=True``).

        Solves ``min |X w - y|^2 + ridge * N * |w|^2`` in float64 on standardized features and
        targets (bias unpenalized via centring).
        """
        if not self.linear:
            raise ValueError("fit_linear needs a model built with linear=True")
        x = ((features - self.feat_mean) / self.feat_std).double()
        y = ((target - self.target_shift) / self.target_scale).double()
        xm, ym = x.mean(0), y.mean()
        xc, yc = x - xm, y - ym
        n, p = xc.shape
        a = xc.T @ xc + ridge * max(n, 1) * torch.eye(p, dtype=torch.float64, device=x.device)
        w = torch.linalg.solve(a, xc.T @ yc)
        layer = self.net[0]
        assert isinstance(layer, nn.Linear)
        with torch.no_grad():
            layer.weight.copy_(w.view(1, -1).to(layer.weight.dtype))
            layer.bias.copy_((ym - xm @ w).view(1).to(layer.bias.dtype))


class IrrepsNet(EnvModel):
    """Equivariant irreps network on one environment.

    ``A_t = sum_j (W_{t,l} R(r_j)) Y^l(r_j)``: the density with ``channels`` learned radial mixtures per
    degree ``l <= lmax``, one set per layer (linear in the cached projections ``B = sum_j R_k(r_j) Y(r_j)``,
    which is why they can be cached). Then ``h = A_0`` and ``depth`` layers
    ``h <- act(PathMix(TP(h, A_t)))`` (+ ``h`` if ``residual``; optionally after an invariant RMS
    normalization per degree), each raising the body order by one, with ``act`` = :class:`Gate` or :class:`NormActivation`; readout:
    a linear map of the ``0e`` channels (energy) or of the ``1o`` channels (vector, in the (x, y, z) basis
    since ``D^1(R) = R``).
    Equivariance (float64, tested): ``E(pos R^T) = E(pos)``; ``v(pos R^T) = v(pos) R^T``, also for
    reflections (natural parity only).
    """

    proj_scale: torch.Tensor  # buffer
    col_degree: torch.Tensor  # buffer
    degree_mean: torch.Tensor  # buffer

    def __init__(
        self,
        lmax: int = 2,
        channels: int = 16,
        depth: int = 2,
        nonlinearity: str = "gate",
        residual: bool = False,
        output: str = "energy",
        n_radial: int = 6,
        cutoff: float = 1.0,
        normalize: bool = False,
    ) -> None:
        super().__init__()
        if nonlinearity not in ("gate", "norm"):
            raise ValueError(f"nonlinearity must be 'gate' or 'norm', got {nonlinearity!r}")
        if output not in ("energy", "vector"):
            raise ValueError(f"output must be 'energy' or 'vector', got {output!r}")
        if not isinstance(depth, int) or depth < 1:
            raise ValueError(f"depth must be an integer >= 1, got {depth!r}")
        if output == "vector" and lmax < 1:
            raise ValueError("a vector output needs lmax >= 1")
        self.output = output  # type: ignore[assignment]
        self.lmax, self.channels, self.depth, self.n_radial, self.cutoff = lmax, channels, depth, n_radial, cutoff
        self.nonlinearity, self.residual, self.normalize = nonlinearity, residual, normalize
        # per (radial k, degree l) scale of the cached projections, set from the training data
        self.register_buffer("proj_scale", torch.ones(n_radial, lmax + 1))
        # one radial embedding per layer (+ the input): every product couples *different* radial functions
        self.embed = nn.Parameter(torch.randn(depth + 1, lmax + 1, n_radial, channels) / math.sqrt(n_radial))
        self.tps = nn.ModuleList()
        self.mixes = nn.ModuleList()
        self.acts = nn.ModuleList()
        for _ in range(depth):
            tp = ChannelwiseTensorProduct(lmax, lmax, lmax)
            act = Gate(lmax, channels) if nonlinearity == "gate" else NormActivation(lmax, channels)
            extra = act.n_gates if isinstance(act, Gate) else 0
            self.tps.append(tp)
            self.mixes.append(PathMix(tp.paths, tp.path_slices, channels, channels, lmax, extra))
            self.acts.append(act)
        cols = degree_of_columns(lmax)
        mean = np.zeros((len(cols), lmax + 1))
        mean[np.arange(len(cols)), cols] = 1.0 / (2 * cols + 1)
        self.register_buffer("col_degree", torch.as_tensor(cols), persistent=False)
        self.register_buffer("degree_mean", torch.as_tensor(mean, dtype=torch.get_default_dtype()), persistent=False)
        self.readout = nn.Linear(channels, 1, bias=False)
        self.readout_bias = nn.Parameter(torch.zeros(())) if output == "energy" else None

    def featurize(self, pos: torch.Tensor) -> tuple[torch.Tensor, ...]:
        return (density_projections(pos, self.lmax, self.n_radial, self.cutoff),)

    def fit_input_normalization(self, *features: torch.Tensor) -> None:
        """Scale each (radial function, degree) block of the projections to unit RMS on the training
        data (one invariant number per block, so equivariance is untouched)."""
        (proj,) = features
        with torch.no_grad():
            for l in range(self.lmax + 1):
                block = proj[..., l * l : (l + 1) ** 2]
                rms = block.pow(2).sum(-1).mean(0).sqrt()
                self.proj_scale[:, l] = torch.where(rms > 1e-12, 1.0 / rms, torch.ones_like(rms))

    def densities(self, proj: torch.Tensor) -> torch.Tensor:
        """``A`` of every embedding at once, (B, depth+1, channels, (lmax+1)**2), from cached projections
        (B, n_radial, (lmax+1)**2): one einsum (the per-degree weights spread over the columns)."""
        w = self.embed * self.proj_scale.t().unsqueeze(0).unsqueeze(-1)  # (T, L+1, K, C)
        w = w.index_select(1, self.col_degree)  # (T, D, K, C)
        return torch.einsum("bkd,tdkc->btcd", proj, w)

    def density(self, proj: torch.Tensor, layer: int = 0) -> torch.Tensor:
        """``A`` (B, channels, (lmax+1)**2) of embedding ``layer`` from cached projections (B, n_radial, (lmax+1)**2)."""
        return self.densities(proj)[:, layer]

    def hidden_features(self, proj: torch.Tensor) -> torch.Tensor:
        dens = self.densities(proj).unbind(1)
        h = dens[0]
        for t, (tp, mix, act) in enumerate(zip(self.tps, self.mixes, self.acts)):
            if self.normalize:
                h = self._block_rms_normalize(h)
            y, gates = mix(tp(h, dens[t + 1]))
            y = act(y, gates)
            h = h + y if self.residual else y
        return h

    def _block_rms_normalize(self, h: torch.Tensor, eps: float = 1e-6) -> torch.Tensor:
        """Divide each degree block by its RMS over channels and components (an invariant number per
        sample and degree, so equivariance is kept); keeps deep stacks of products at unit scale."""
        ms = (h * h).mean(1) @ self.degree_mean  # (B, L+1): mean over channels and the 2l+1 components
        inv = torch.rsqrt(ms + eps).index_select(1, self.col_degree)
        return h * inv.unsqueeze(1)

    def raw(self, *features: torch.Tensor) -> torch.Tensor:
        (proj,) = features
        h = self.hidden_features(proj)
        if self.output == "energy":
            return self.readout(h[..., 0]).squeeze(-1) + self.readout_bias
        return torch.einsum("bcm,c->bm", h[..., 1:4], self.readout.weight[0])


class ScalarVectorNet(EnvModel):
    """Vector model whose nonlinearities all act on invariants: per-neighbour invariants
    (:func:`~equi_core.training.features.neighbour_invariants`, standardized) -> MLP of ``depth`` hidden
    layers with ``activation`` (ReLU/SiLU: legal on scalars) -> coefficient ``c_j``; output
    ``sum_j c_j r_j / r_c``. Equivariant: ``c_j`` are invariant, the ``r_j`` rotate."""

    output = "vector"

    feat_mean: torch.Tensor  # buffer
    feat_std: torch.Tensor  # buffer

    def __init__(
        self,
        lmax: int = 2,
        n_radial: int = 6,
        cutoff: float = 1.0,
        hidden: int = 32,
        depth: int = 1,
        activation: str = "silu",
    ) -> None:
        super().__init__()
        self.lmax, self.n_radial, self.cutoff = lmax, n_radial, cutoff
        n = n_radial * (lmax + 2)
        self.register_buffer("feat_mean", torch.zeros(n))
        self.register_buffer("feat_std", torch.ones(n))
        self.net = mlp(n, hidden, depth, 1, activation)

    def featurize(self, pos: torch.Tensor) -> tuple[torch.Tensor, ...]:
        return neighbour_invariants(pos, self.lmax, self.n_radial, self.cutoff), pos / self.cutoff

    def fit_input_normalization(self, *features: torch.Tensor) -> None:
        inv = features[0].reshape(-1, features[0].shape[-1])
        with torch.no_grad():
            self.feat_mean.copy_(inv.mean(0))
            std = inv.std(0)
            self.feat_std.copy_(torch.where(std > 1e-12, std, torch.ones_like(std)))

    def raw(self, *features: torch.Tensor) -> torch.Tensor:
        inv, rel = features
        c = self.net((inv - self.feat_mean) / self.feat_std).squeeze(-1)
        return (c.unsqueeze(-1) * rel).sum(-2) / math.sqrt(rel.shape[-2])


class DeepSetsModel(EnvModel):
    """Unconstrained, permutation-invariant model on raw Cartesian coordinates:
    ``rho(sum_j phi(r_j / r_c) f_c(r_j))`` with MLPs ``phi`` (3 -> hidden, ``depth`` hidden layers) and
    ``rho`` (hidden -> 1 or 3). Not rotation invariant: its equivariance error is what the experiments
    measure (augmentation and the torque penalty only *reduce* it)."""

    equivariant = False

    def __init__(
        self, hidden: int = 64, depth: int = 2, output: str = "energy", cutoff: float = 1.0, activation: str = "silu"
    ) -> None:
        super().__init__()
        if output not in ("energy", "vector"):
            raise ValueError(f"output must be 'energy' or 'vector', got {output!r}")
        self.output = output  # type: ignore[assignment]
        self.cutoff = cutoff
        self.phi = mlp(3, hidden, depth, hidden, activation)
        self.rho = mlp(hidden, hidden, max(depth - 1, 1), 1 if output == "energy" else 3, activation)

    def featurize(self, pos: torch.Tensor) -> tuple[torch.Tensor, ...]:
        return (pos,)

    def raw(self, *features: torch.Tensor) -> torch.Tensor:
        (pos,) = features
        r = pos.norm(dim=-1, keepdim=True)
        h = (self.phi(pos / self.cutoff) * cutoff_function(r, self.cutoff)).sum(-2) / math.sqrt(pos.shape[-2])
        out = self.rho(h)
        return out.squeeze(-1) if self.output == "energy" else out


class _AttentionBlock(nn.Module):
    """Pre-norm transformer block with explicit softmax attention (twice differentiable, which the
    torque penalty and force training need; the fused CPU kernels have no double backward).

    The scores are built transposed (keys along axis -2) and normalized over that axis: the same
    attention, but torch's CPU softmax over a short *non-last* axis is about 3x faster than over a
    last axis of length ``n`` (8 neighbours). SiLU in the feed-forward part (GELU's erf costs 2x)."""

    def __init__(self, width: int, heads: int) -> None:
        super().__init__()
        self.heads = heads
        self.norm1 = nn.LayerNorm(width)
        self.qkv = nn.Linear(width, 3 * width)
        self.proj = nn.Linear(width, width)
        self.norm2 = nn.LayerNorm(width)
        self.ff = nn.Sequential(nn.Linear(width, 2 * width), nn.SiLU(), nn.Linear(2 * width, width))

    def forward(self, t: torch.Tensor) -> torch.Tensor:
        b, n, w = t.shape
        q, k, v = self.qkv(self.norm1(t)).reshape(b, n, 3, self.heads, w // self.heads).permute(2, 0, 3, 1, 4)
        att_t = torch.softmax(k @ q.transpose(-1, -2) / math.sqrt(w // self.heads), dim=-2)  # [.., key, query]
        t = t + self.proj((att_t.transpose(-1, -2) @ v).transpose(1, 2).reshape(b, n, w))
        return t + self.ff(self.norm2(t))


class CartesianTransformer(EnvModel):
    """Unconstrained point transformer on raw Cartesian coordinates.

    Tokens ``t_j = MLP(r_j / r_c, f_c(r_j))`` (width ``width``), ``layers`` pre-norm self-attention
    blocks (``heads`` heads, no positional encoding, so the model is permutation equivariant), then
    ``rho(sum_j f_c(r_j) t_j / sqrt(n))`` with an MLP ``rho`` to an energy or a 3-vector.
    Not rotation invariant: nothing ties the outputs of rotated inputs together except training.
    """

    equivariant = False

    def __init__(
        self,
        width: int = 64,
        layers: int = 1,
        heads: int = 4,
        output: str = "energy",
        cutoff: float = 1.0,
        depth: int = 1,
    ) -> None:
        super().__init__()
        if output not in ("energy", "vector"):
            raise ValueError(f"output must be 'energy' or 'vector', got {output!r}")
        if width % heads:
            raise ValueError(f"width ({width}) must be a multiple of heads ({heads})")
        self.output = output  # type: ignore[assignment]
        self.cutoff = cutoff
        self.embed = mlp(4, width, 1, width, "silu")
        self.blocks = nn.ModuleList([_AttentionBlock(width, heads) for _ in range(layers)])
        self.rho = mlp(width, width, depth, 1 if output == "energy" else 3, "silu")
        kaiming_init_(self)

    def featurize(self, pos: torch.Tensor) -> tuple[torch.Tensor, ...]:
        return (pos,)

    def raw(self, *features: torch.Tensor) -> torch.Tensor:
        (pos,) = features
        r = pos.norm(dim=-1, keepdim=True)
        fc = cutoff_function(r, self.cutoff)
        t = self.embed(torch.cat([pos / self.cutoff, fc], dim=-1))
        for block in self.blocks:
            t = block(t)
        out = self.rho((t * fc).sum(-2) / math.sqrt(pos.shape[-2]))
        return out.squeeze(-1) if self.output == "energy" else out
