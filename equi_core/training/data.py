"""Synthetic atom-centred environments with a rotation-invariant site energy.

A sample is a central atom at the origin with ``n_neighbors`` neighbours at random positions
inside a smooth cutoff sphere (radius ``cutoff``, no neighbour closer than ``r_min``). Its energy is

.. math::

    E = w_2 \\sum_j \\phi(r_j) + w_3 \\sum_{j<k} f(r_j) f(r_k)\\, g(\\cos\\theta_{jk})
        + w_4 \\sum_{j<k<m} f(r_j) f(r_k) f(r_m)\\,
          \\big(\\hat r_j \\cdot (\\hat r_k \\times \\hat r_m)\\big)^2

with a smooth polynomial cutoff :math:`f_c(r) = (1 - (r/r_c)^2)^2` inside every radial function, and an
angular term ``g`` of selectable order: Stillinger-Weber-like :math:`(\\cos\\theta + 1/3)^2` (degree 2 in
:math:`\\cos\\theta`, so spherical harmonics up to ``l = 2`` represent it) or :math:`\\cos(K\\theta)` (the
Chebyshev polynomial :math:`T_K(\\cos\\theta)`, which needs spherical harmonics up to ``l = K``).
The four-body term (a squared triple product) cannot be written with body order 3.

Invariants: ``E`` is invariant under every rotation *and* reflection of the neighbour positions
and under permutations of the neighbours; forces are ``F_j = -dE/dr_j`` (autograd), so they rotate
with the environment; the force on the central atom is ``F_0 = -sum_j F_j``.

Everything here is plain torch; generation runs in float64 and is cast at the end, so the targets are
exact to float64 round-off whatever the training dtype.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from typing import Any, Literal

import numpy as np
import torch

__all__ = [
    "TargetSpec",
    "EnvironmentData",
    "cutoff_function",
    "sample_positions",
    "site_energy",
    "make_dataset",
    "make_splits",
    "rotate",
    "random_rotations",
    "rotations_about_axes",
    "random_unit_vectors",
    "legendre_spectrum",
]

ANGULAR_KINDS = ("sw", "cos")


@dataclass(frozen=True)
class TargetSpec:
    """Definition of the synthetic site energy.

    Parameters
    ----------
    angular
        ``"sw"`` for the Stillinger-Weber-like :math:`(\\cos\\theta + 1/3)^2`, ``"cos"`` for
        :math:`\\cos(K\\theta)`.
    order
        ``K`` of the ``"cos"`` target (1..12); ignored for ``"sw"`` (whose angular order is 2).
    n_neighbors
        Neighbours per environment (2..64).
    cutoff, r_min
        Neighbours lie at distances in ``[r_min, cutoff]`` (``0 <= r_min < cutoff``), uniform in volume.
    pair_weight, three_body_weight, four_body_weight
        Weights ``w_2, w_3, w_4`` of the terms (finite).
    """

    angular: Literal["sw", "cos"] = "sw"
    order: int = 4
    n_neighbors: int = 8
    cutoff: float = 1.0
    r_min: float = 0.25
    pair_weight: float = 0.5
    three_body_weight: float = 1.0
    four_body_weight: float = 0.0

    def __post_init__(self) -> None:
        if self.angular not in ANGULAR_KINDS:
            raise ValueError(f"angular must be one of {ANGULAR_KINDS}, got {self.angular!r}")
        if not isinstance(self.order, int) or not 1 <= self.order <= 12:
            raise ValueError(f"order K must be an integer in 1..12, got {self.order!r}")
        if not isinstance(self.n_neighbors, int) or not 2 <= self.n_neighbors <= 64:
            raise ValueError(f"n_neighbors must be an integer in 2..64, got {self.n_neighbors!r}")
        for name in ("cutoff", "r_min", "pair_weight", "three_body_weight", "four_body_weight"):
            if not math.isfinite(getattr(self, name)):
                raise ValueError(f"{name} must be finite, got {getattr(self, name)!r}")
        if not 0.0 <= self.r_min < self.cutoff:
            raise ValueError(f"need 0 <= r_min < cutoff, got r_min={self.r_min}, cutoff={self.cutoff}")

    @property
    def angular_order(self) -> int:
        """The highest spherical-harmonic degree the three-body term contains (2 for ``"sw"``)."""
        return 2 if self.angular == "sw" else self.order

    def describe(self) -> str:
        """Short human-readable name, e.g. ``"cos(4θ)"``."""
        g = "(cos θ + 1/3)²" if self.angular == "sw" else f"cos({self.order}θ)"
        s = f"pair + 3-body {g}"
        if self.four_body_weight:
            s += " + 4-body (triple product)²"
        return s

    def with_(self, **changes: Any) -> TargetSpec:
        """Copy with some fields changed (validated again)."""
        return replace(self, **changes)


@dataclass
class EnvironmentData:
    """A batch of environments and their targets (all tensors share dtype and device).

    Attributes
    ----------
    pos : (N, n, 3) neighbour positions relative to the central atom.
    energy : (N,) site energies.
    forces : (N, n, 3) ``-dE/dpos``.
    center_force : (N, 3) force on the central atom, ``-forces.sum(1)``.
    """

    pos: torch.Tensor
    energy: torch.Tensor
    forces: torch.Tensor
    center_force: torch.Tensor

    def __len__(self) -> int:
        return int(self.pos.shape[0])

    def subset(self, index: slice | torch.Tensor) -> EnvironmentData:
        """Rows ``index`` of every field."""
        return EnvironmentData(self.pos[index], self.energy[index], self.forces[index], self.center_force[index])

    def to(self, device: torch.device | str | None = None, dtype: torch.dtype | None = None) -> EnvironmentData:
        """Move / cast every field."""
        return EnvironmentData(
            *(t.to(device=device, dtype=dtype) for t in (self.pos, self.energy, self.forces, self.center_force))
        )


def cutoff_function(r: torch.Tensor, cutoff: float) -> torch.Tensor:
    """Smooth polynomial cutoff :math:`(1 - (r/r_c)^2)^2` for ``r < r_c``, 0 beyond.

    Value and first derivative vanish at ``r_c``.
    """
    x = (r / cutoff).clamp(max=1.0)
    return (1.0 - x * x) ** 2


def _pair_radial(r: torch.Tensor, spec: TargetSpec) -> torch.Tensor:
    # a repulsive-then-attractive smooth pair function
    s = r / spec.cutoff
    return cutoff_function(r, spec.cutoff) * (2.0 * torch.exp(-6.0 * s) - 0.6)


def _three_body_radial(r: torch.Tensor, spec: TargetSpec) -> torch.Tensor:
    s = r / spec.cutoff
    return cutoff_function(r, spec.cutoff) * (1.0 + 0.5 * torch.cos(2.5 * s))


def _angular(c: torch.Tensor, spec: TargetSpec) -> torch.Tensor:
    if spec.angular == "sw":
        return (c + 1.0 / 3.0) ** 2
    # Chebyshev T_K(c) = cos(K acos c), by recursion (smooth in c, unlike acos)
    t_prev, t = torch.ones_like(c), c
    if spec.order == 0:
        return t_prev
    for _ in range(spec.order - 1):
        t_prev, t = t, 2.0 * c * t - t_prev
    return t


def legendre_spectrum(spec: TargetSpec) -> np.ndarray:
    """Coefficients ``a_l`` of the angular function in Legendre polynomials, ``g(c) = sum_l a_l P_l(c)``.

    Length ``angular_order + 1``; the last one is non-zero, which is why a model needs spherical
    harmonics up to ``l = angular_order``: by the addition theorem the three-body term is a sum of
    ``a_l``-weighted degree-``l`` power-spectrum invariants and nothing else.
    """
    from numpy.polynomial import chebyshev, legendre

    if spec.angular == "sw":
        power = np.array([1.0 / 9.0, 2.0 / 3.0, 1.0])  # (c + 1/3)^2
    else:
        power = chebyshev.cheb2poly(np.eye(spec.order + 1)[spec.order])
    coeffs = legendre.poly2leg(power)
    coeffs[np.abs(coeffs) < 1e-12] = 0.0
    return coeffs


def site_energy(pos: torch.Tensor, spec: TargetSpec) -> torch.Tensor:
    """Energy of each environment, shape ``pos.shape[:-2]``.

    Invariant under ``pos -> pos @ Q.T`` for every orthogonal ``Q`` and under neighbour permutations.
    Differentiable (used for forces).
    """
    r = pos.norm(dim=-1)
    unit = pos / r.unsqueeze(-1)
    e = spec.pair_weight * _pair_radial(r, spec).sum(-1)
    f = _three_body_radial(r, spec)
    cos = unit @ unit.transpose(-1, -2)
    n = pos.shape[-2]
    upper = torch.triu(torch.ones(n, n, dtype=torch.bool, device=pos.device), diagonal=1)
    ff = f.unsqueeze(-1) * f.unsqueeze(-2)
    e = e + spec.three_body_weight * (ff * _angular(cos, spec) * upper).sum((-1, -2))
    if spec.four_body_weight:
        # (r_j . (r_k x r_m))^2 = det of the Gram matrix of the three unit vectors
        c = cos
        cjk = c.unsqueeze(-1)  # (.., j, k, 1)
        cjm = c.unsqueeze(-2)  # (.., j, 1, m)
        ckm = c.unsqueeze(-3)  # (.., 1, k, m)
        triple_sq = (1.0 - cjk**2 - cjm**2 - ckm**2 + 2.0 * cjk * cjm * ckm).clamp(min=0.0)
        fff = f[..., :, None, None] * f[..., None, :, None] * f[..., None, None, :]
        idx = torch.arange(n, device=pos.device)
        ordered = (idx[:, None, None] < idx[None, :, None]) & (idx[None, :, None] < idx[None, None, :])
        e = e + spec.four_body_weight * (fff * triple_sq * ordered).sum((-1, -2, -3))
    return e


def random_unit_vectors(n: int, generator: torch.Generator, dtype: torch.dtype = torch.float64) -> torch.Tensor:
    """``n`` directions uniform on the sphere, shape (n, 3)."""
    v = torch.randn(n, 3, generator=generator, dtype=dtype)
    return v / v.norm(dim=-1, keepdim=True)


def sample_positions(
    n_samples: int, spec: TargetSpec, generator: torch.Generator, dtype: torch.dtype = torch.float64
) -> torch.Tensor:
    """Neighbour positions, shape (n_samples, n_neighbors, 3), uniform in volume in the shell
    ``r_min <= r <= cutoff``, isotropic (so a rotated copy has the same distribution)."""
    if n_samples < 0:
        raise ValueError(f"n_samples must be >= 0, got {n_samples}")
    n = spec.n_neighbors
    u = torch.rand(n_samples, n, generator=generator, dtype=dtype)
    r3 = spec.r_min**3 + u * (spec.cutoff**3 - spec.r_min**3)
    r = r3 ** (1.0 / 3.0)
    d = random_unit_vectors(n_samples * n, generator, dtype).reshape(n_samples, n, 3)
    return d * r.unsqueeze(-1)


def _label(pos: torch.Tensor, spec: TargetSpec) -> EnvironmentData:
    p = pos.detach().clone().requires_grad_(True)
    e = site_energy(p, spec)
    (grad,) = torch.autograd.grad(e.sum(), p)
    forces = -grad
    return EnvironmentData(pos.detach(), e.detach(), forces.detach(), -forces.sum(1).detach())


def make_dataset(
    n_samples: int, spec: TargetSpec, seed: int, dtype: torch.dtype = torch.float32, device: torch.device | str = "cpu"
) -> EnvironmentData:
    """``n_samples`` labelled environments from seed ``seed`` (deterministic across runs and devices:
    generated on the CPU in float64, then cast and moved; nested: a prefix of a larger set)."""
    if n_samples < 0:
        raise ValueError(f"n_samples must be >= 0, got {n_samples}")
    # fixed-size chunks with their own seeds: the first n samples are the same for every n_samples >= n
    chunk = 256
    parts = [
        sample_positions(chunk, spec, torch.Generator().manual_seed(int(seed) * 100_003 + c))
        for c in range(-(-n_samples // chunk))
    ]
    pos = torch.cat(parts)[:n_samples] if parts else torch.zeros(0, spec.n_neighbors, 3, dtype=torch.float64)
    chunks = [_label(pos[i : i + 4096], spec) for i in range(0, max(n_samples, 1), 4096)] if n_samples else []
    if chunks:
        data = EnvironmentData(
            *(torch.cat(parts) for parts in zip(*((c.pos, c.energy, c.forces, c.center_force) for c in chunks)))
        )
    else:
        z = torch.zeros(0, spec.n_neighbors, 3, dtype=torch.float64)
        data = EnvironmentData(
            z, torch.zeros(0, dtype=torch.float64), z.clone(), torch.zeros(0, 3, dtype=torch.float64)
        )
    return data.to(device=device, dtype=dtype)


def make_splits(
    n_train: int,
    n_test: int,
    spec: TargetSpec,
    seed: int,
    dtype: torch.dtype = torch.float32,
    device: torch.device | str = "cpu",
) -> tuple[EnvironmentData, EnvironmentData, EnvironmentData]:
    """Train set, test set and a randomly rotated copy of the test set.

    The train and test sets come from independent streams (seeds ``2*seed`` and ``2*seed+1``), so
    the first ``n`` training samples are the same for every ``n_train >= n`` (nested learning curves).
    The rotated copy applies one Haar-random rotation per environment; its energies are the test
    energies, its forces the rotated test forces.
    """
    train = make_dataset(n_train, spec, 2 * seed, dtype, device)
    test = make_dataset(n_test, spec, 2 * seed + 1, dtype, device)
    g = torch.Generator().manual_seed(10_007 * seed + 3)
    rot = random_rotations(n_test, g).to(device=device, dtype=dtype)
    return train, test, rotate(test, rot)


def rotate(data: EnvironmentData, rotation: torch.Tensor) -> EnvironmentData:
    """Apply ``rotation`` ((3, 3) or one per sample (N, 3, 3)) to positions and forces.

    The energy is kept: it is invariant (checked in the tests against :func:`site_energy`).
    """
    r = rotation.to(dtype=data.pos.dtype, device=data.pos.device)
    if r.dim() == 2:
        r = r.expand(len(data), 3, 3)
    rt = r.transpose(-1, -2)
    return EnvironmentData(
        data.pos @ rt, data.energy.clone(), data.forces @ rt, (data.center_force.unsqueeze(1) @ rt).squeeze(1)
    )


def quaternion_to_matrix_torch(q: torch.Tensor) -> torch.Tensor:
    """Rotation matrices from (not necessarily unit) quaternions ``(w, x, y, z)``, shape (..., 3, 3)."""
    q = q / q.norm(dim=-1, keepdim=True)
    w, x, y, z = q.unbind(-1)
    return torch.stack(
        [
            1 - 2 * (y * y + z * z),
            2 * (x * y - z * w),
            2 * (x * z + y * w),
            2 * (x * y + z * w),
            1 - 2 * (x * x + z * z),
            2 * (y * z - x * w),
            2 * (x * z - y * w),
            2 * (y * z + x * w),
            1 - 2 * (x * x + y * y),
        ],
        dim=-1,
    ).reshape(q.shape[:-1] + (3, 3))


def random_rotations(
    n: int,
    generator: torch.Generator,
    dtype: torch.dtype = torch.float64,
    device: torch.device | str = "cpu",
) -> torch.Tensor:
    """``n`` Haar-uniform rotations (normalised Gaussian quaternions), shape (n, 3, 3), det +1, drawn from
    ``generator`` only (never torch's process-wide generator: a run's numbers depend on its own seed)."""
    q = torch.randn(n, 4, generator=generator, dtype=dtype).to(device)
    return quaternion_to_matrix_torch(q)


def rotations_about_axes(axes: torch.Tensor, angle: float | torch.Tensor) -> torch.Tensor:
    """Rotation by ``angle`` (radians) about each unit axis in ``axes`` (n, 3) (Rodrigues), shape (n, 3, 3)."""
    a = axes / axes.norm(dim=-1, keepdim=True)
    angle = torch.as_tensor(angle, dtype=a.dtype, device=a.device)
    half = angle / 2
    q = torch.cat([torch.cos(half).expand(a.shape[0], 1), torch.sin(half) * a], dim=-1)
    return quaternion_to_matrix_torch(q)
