"""Torch features of an atom-centred environment, in the e3nn basis of :mod:`equi_core`.

* :func:`spherical_harmonics_torch`: real spherical harmonics by a Cartesian recursion (modified
  solid harmonics), in the same basis and normalizations as :func:`equi_core.spherical_harmonics`
  (y is the polar axis; ``l = 1`` is ``sqrt(3) * (x, y, z) / |r|`` in ``"component"``), differentiable,
  float32 or float64, any device.
* :func:`chebyshev_radial_basis`: Chebyshev polynomials of ``r`` times the smooth cutoff.
* :func:`density_projections`: the neighbour density projected on radial x angular functions,
  ``B[k, lm] = sum_j R_k(r_j) Y_lm(r_j)``: each ``l`` block turns with ``D^l(R)``.
* :func:`power_spectrum`: the rotation invariants ``sum_m B[k, lm] B[k', lm]`` (body order 3).
* :func:`neighbour_invariants`: per-neighbour invariants ``sum_i R_k(r_i) P_l(cos theta_ji)``.
"""

from __future__ import annotations

import math

import torch

from .data import cutoff_function

__all__ = [
    "NORMALIZATIONS",
    "sh_dim",
    "sh_slices",
    "spherical_harmonics_torch",
    "chebyshev_radial_basis",
    "density_projections",
    "power_spectrum",
    "power_spectrum_size",
    "neighbour_invariants",
]

NORMALIZATIONS = ("component", "norm", "integral")
MAX_L = 16


def sh_dim(lmax: int) -> int:
    """Number of components of all degrees ``0..lmax``: ``(lmax + 1)**2``."""
    return (lmax + 1) ** 2


def sh_slices(lmax: int) -> list[slice]:
    """Slice of degree ``l`` inside a ``0..lmax`` concatenation: ``slice(l*l, (l+1)*(l+1))``."""
    return [slice(l * l, (l + 1) * (l + 1)) for l in range(lmax + 1)]


def spherical_harmonics_torch(
    lmax: int, vectors: torch.Tensor, normalization: str = "component", normalize: bool = True
) -> torch.Tensor:
    """Real spherical harmonics of degrees ``0..lmax`` of ``vectors`` (..., 3), shape (..., (lmax+1)**2).

    Same basis as :func:`equi_core.spherical_harmonics` (and e3nn): ``Y(x @ R.T) = Y(x) @ D(R).T`` with
    the block-diagonal Wigner matrices. Computed with the recursion of the modified solid harmonics
    :math:`Q_l^m` on the relabelled axes ``(x', y', z') = (z, x, y)`` (so ``z' = y`` is polar):

    .. math::

        Q_m^m = (2m-1)!!,\\quad Q_{m+1}^m = (2m+1) z' Q_m^m,\\quad
        Q_l^m = \\frac{(2l-1) z' Q_{l-1}^m - (l+m-1) r^2 Q_{l-2}^m}{l-m},

    times :math:`\\Re/\\Im (x' + i y')^m` and the orthonormalising constants.

    Parameters
    ----------
    lmax
        Highest degree, 0..16.
    vectors
        (..., 3) tensor. With ``normalize=True`` only directions matter (a zero vector gives NaN;
        callers never pass one: neighbours sit at ``r >= r_min > 0``).
    normalization
        ``"component"`` (``|Y^l|^2 = 2l+1`` on the unit sphere), ``"norm"`` (``|Y^l| = 1``) or
        ``"integral"`` (orthonormal on the sphere).
    normalize
        Project the input on the unit sphere first; otherwise return the solid harmonics
        ``|r|^l Y(r_hat)``.
    """
    if not isinstance(lmax, int) or not 0 <= lmax <= MAX_L:
        raise ValueError(f"lmax must be an integer in 0..{MAX_L}, got {lmax!r}")
    if normalization not in NORMALIZATIONS:
        raise ValueError(f"normalization must be one of {NORMALIZATIONS}, got {normalization!r}")
    if vectors.shape[-1] != 3:
        raise ValueError(f"vectors must have a last axis of size 3, got shape {tuple(vectors.shape)}")
    v = vectors
    if normalize:
        v = v / v.norm(dim=-1, keepdim=True)
    # relabel axes: standard (x', y', z') = e3nn (z, x, y)
    xp, yp, zp = v[..., 2], v[..., 0], v[..., 1]
    r2 = (v * v).sum(-1)
    one = torch.ones_like(xp)
    # (x' + i y')^m = c_m + i s_m
    c = [one]
    s = [torch.zeros_like(xp)]
    for m in range(1, lmax + 1):
        c.append(xp * c[m - 1] - yp * s[m - 1])
        s.append(xp * s[m - 1] + yp * c[m - 1])
    # Q[l][m]
    q: list[list[torch.Tensor]] = [[one]]
    for l in range(1, lmax + 1):
        row: list[torch.Tensor] = []
        for m in range(l + 1):
            if m == l:
                row.append((2 * m - 1) * q[l - 1][m - 1])
            elif m == l - 1:
                row.append((2 * m + 1) * zp * q[l - 1][m])
            else:
                row.append(((2 * l - 1) * zp * q[l - 1][m] - (l + m - 1) * r2 * q[l - 2][m]) / (l - m))
        q.append(row)
    out: list[torch.Tensor] = []
    for l in range(lmax + 1):
        if normalization == "integral":
            scale = math.sqrt((2 * l + 1) / (4 * math.pi))
        elif normalization == "component":
            scale = math.sqrt(2 * l + 1)
        else:
            scale = 1.0
        comps: list[torch.Tensor] = [torch.empty(0)] * (2 * l + 1)
        for m in range(l + 1):
            n_lm = scale * math.sqrt(math.factorial(l - m) / math.factorial(l + m))
            if m == 0:
                comps[l] = n_lm * q[l][0]
            else:
                comps[l + m] = math.sqrt(2.0) * n_lm * q[l][m] * c[m]
                comps[l - m] = math.sqrt(2.0) * n_lm * q[l][m] * s[m]
        out.extend(comps)
    return torch.stack(out, dim=-1)


def chebyshev_radial_basis(r: torch.Tensor, n_basis: int, cutoff: float) -> torch.Tensor:
    """``R_k(r) = T_k(2 r / r_c - 1) * f_c(r)`` for ``k = 0..n_basis-1``, shape (..., n_basis).

    ``f_c`` is the smooth cutoff of :func:`equi_core.training.data.cutoff_function`, so every basis
    function and its derivative vanish at ``r_c``. Invariant under rotations (depends on ``r`` only).
    """
    if not isinstance(n_basis, int) or not 1 <= n_basis <= 64:
        raise ValueError(f"n_basis must be an integer in 1..64, got {n_basis!r}")
    s = (2.0 * r / cutoff - 1.0).clamp(-1.0, 1.0)
    t = [torch.ones_like(s)]
    if n_basis > 1:
        t.append(s)
    for _ in range(2, n_basis):
        t.append(2.0 * s * t[-1] - t[-2])
    return torch.stack(t, dim=-1) * cutoff_function(r, cutoff).unsqueeze(-1)


def density_projections(pos: torch.Tensor, lmax: int, n_radial: int, cutoff: float) -> torch.Tensor:
    """``B[..., k, lm] = sum_j R_k(r_j) Y_lm(r_j)`` ('component' SH), shape (..., n_radial, (lmax+1)**2).

    Equivariance: ``B(pos @ R.T)[..., k, block l] = B(pos)[..., k, block l] @ D^l(R).T``.
    Permutation invariant over neighbours (axis -2 of ``pos``).
    """
    r = pos.norm(dim=-1)
    y = spherical_harmonics_torch(lmax, pos)
    rad = chebyshev_radial_basis(r, n_radial, cutoff)
    return torch.einsum("...jk,...jd->...kd", rad, y)


def power_spectrum_size(lmax: int, n_radial: int) -> int:
    """Length of :func:`power_spectrum`'s output: ``n_radial + (lmax+1) * n_radial*(n_radial+1)/2``."""
    return n_radial + (lmax + 1) * n_radial * (n_radial + 1) // 2


def power_spectrum(proj: torch.Tensor, lmax: int) -> torch.Tensor:
    """Rotation invariants of :func:`density_projections`, shape (..., power_spectrum_size).

    The two-body sums ``B[k, 00]`` followed by ``p[k, k', l] = sum_m B[k, lm] B[k', lm] / (2l+1)``
    for ``k <= k'`` and ``l = 0..lmax``. With component SH, ``p[k, k', l] = sum_{i,j} R_k(r_i) R_k'(r_j)
    P_l(cos theta_ij)`` (Legendre addition theorem), so a linear function of ``p`` represents every
    three-body term whose angular part has degree <= lmax and whose radial part lies in the basis span.
    """
    n_radial = proj.shape[-2]
    iu = torch.triu_indices(n_radial, n_radial, device=proj.device)
    feats = [proj[..., :, 0]]
    for l, sl in enumerate(sh_slices(lmax)):
        b = proj[..., sl]
        gram = b @ b.transpose(-1, -2) / (2 * l + 1)
        feats.append(gram[..., iu[0], iu[1]])
    return torch.cat(feats, dim=-1)


def neighbour_invariants(pos: torch.Tensor, lmax: int, n_radial: int, cutoff: float) -> torch.Tensor:
    """Per-neighbour invariants, shape (..., n, n_radial * (lmax + 2)).

    For neighbour ``j``: its radial basis ``R_k(r_j)`` and ``q[j, k, l] = sum_i R_k(r_i) P_l(cos theta_ji)``
    (including ``i = j``), for ``k < n_radial``, ``l <= lmax``. Invariant under rotations, equivariant
    (permuted along) under neighbour permutations.
    """
    r = pos.norm(dim=-1)
    y = spherical_harmonics_torch(lmax, pos)
    rad = chebyshev_radial_basis(r, n_radial, cutoff)
    proj = torch.einsum("...jk,...jd->...kd", rad, y)
    feats = [rad]
    for l, sl in enumerate(sh_slices(lmax)):
        feats.append(torch.einsum("...jm,...km->...jk", y[..., sl], proj[..., sl]) / (2 * l + 1))
    return torch.cat(feats, dim=-1)
