"""Gate nonlinearity: activated scalars multiply the higher-degree blocks (equivariant under O(3))."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import ArrayLike

from ..o3.irreps import Irrep, Irreps, as_irreps, check_features
from ._common import Array, IrrepsLike
from .activations import as_activation, per_block_activations, scalar_activation_output

__all__ = ["Gate"]


@dataclass(frozen=True)
class Gate:
    """Gate nonlinearity: scalars gate the higher-degree blocks.

    The input is ``irreps_scalars + irreps_gates + irreps_gated``. The output is
    ``act_scalars(scalars) + [act_gates(g_i) * v_i]``: every copy ``v_i`` of a gated irrep is multiplied by
    its own activated gate scalar ``g_i`` (so ``irreps_gates.num_irreps == irreps_gated.num_irreps``).

    Parameters
    ----------
    irreps_scalars : Irreps or str
        Scalars passed through ``act_scalars`` (``0e`` and/or ``0o``).
    act_scalars : str or tuple of str
        One per scalar block, parity-checked (tanh on ``0o``; relu there is rejected).
    irreps_gates : Irreps or str
        Gate scalars; ``act_gates`` is parity-checked on them too.
    act_gates : str or tuple of str
        E.g. ``'sigmoid'`` on ``0e`` gates.
    irreps_gated : Irreps or str
        The blocks being gated (any l). A ``0o`` gate output flips their parity.

    Invariants
    ----------
    Equivariant under O(3): the gate values are invariant (``0e``) or flip sign with ``det g`` (``0o``), and
    a scalar times an irrep block is the tensor product ``0p (x) lq -> l(pq)``.

    Examples
    --------
    >>> from equi_core import Gate, equivariance_error
    >>> gate = Gate("2x0e", "silu", "1x0e + 1x0o", ("sigmoid", "tanh"), "1x1o + 1x1e")
    >>> str(gate.irreps_in), str(gate.irreps_out)  # the 0o gate flips the parity of what it gates
    ('2x0e + 1x0e + 1x0o + 1x1o + 1x1e', '2x0e + 2x1o')
    >>> equivariance_error(gate, gate.irreps_in, gate.irreps_out, rng=0).absolute < 1e-13
    True
    >>> Gate("1x0o", "relu", "", "sigmoid", "")  # relu has no parity: illegal on a pseudo-scalar
    Traceback (most recent call last):
    ...
    ValueError: relu is neither odd nor even, ...
    """

    irreps_scalars: Irreps
    act_scalars: str | tuple[str, ...]
    irreps_gates: Irreps
    act_gates: str | tuple[str, ...]
    irreps_gated: Irreps
    irreps_in: Irreps = field(init=False)
    irreps_out: Irreps = field(init=False)

    if TYPE_CHECKING:  # the constructor also takes irreps strings; __post_init__ converts them

        def __init__(
            self,
            irreps_scalars: IrrepsLike | None,
            act_scalars: str | tuple[str, ...],
            irreps_gates: IrrepsLike | None,
            act_gates: str | tuple[str, ...],
            irreps_gated: IrrepsLike | None,
        ) -> None: ...

    def __post_init__(self) -> None:
        scalars = _irreps_or_empty(self.irreps_scalars)
        gates = _irreps_or_empty(self.irreps_gates)
        gated = _irreps_or_empty(self.irreps_gated)
        for name, irr in (("irreps_scalars", scalars), ("irreps_gates", gates)):
            if any(m.ir.l != 0 for m in irr):
                raise ValueError(f"{name} must hold only scalars (0e / 0o), got {_str(irr)}")
        n_gated = sum(m.mul for m in gated)
        n_gates = sum(m.mul for m in gates)
        if n_gates != n_gated:
            raise ValueError(
                f"one gate scalar per gated irrep copy: irreps_gates has {n_gates}, irreps_gated has {n_gated}"
            )
        act_s = per_block_activations(self.act_scalars, len(scalars), "act_scalars")
        act_g = per_block_activations(self.act_gates, len(gates), "act_gates")
        scal_out = [(m.mul, scalar_activation_output(m.ir, a)) for m, a in zip(scalars, act_s)]
        gate_par = []
        for m, a in zip(gates, act_g):
            gate_par += [scalar_activation_output(m.ir, a).p] * m.mul
        gated_out = []
        k = 0
        for m in gated:
            for _ in range(m.mul):
                gated_out.append((1, Irrep(m.ir.l, m.ir.p * gate_par[k])))
                k += 1
        object.__setattr__(self, "irreps_scalars", scalars)
        object.__setattr__(self, "irreps_gates", gates)
        object.__setattr__(self, "irreps_gated", gated)
        object.__setattr__(self, "act_scalars", act_s)
        object.__setattr__(self, "act_gates", act_g)
        object.__setattr__(self, "irreps_in", (scalars + gates + gated).remove_zero_multiplicities())
        object.__setattr__(self, "irreps_out", Irreps(scal_out + gated_out).simplify())

    def __call__(self, x: ArrayLike) -> Array:
        x = check_features(x, self.irreps_in)
        ds, dg = self.irreps_scalars.dim, self.irreps_gates.dim
        s, g, v = x[..., :ds], x[..., ds : ds + dg], x[..., ds + dg :]
        parts = []
        off = 0
        for m, a in zip(self.irreps_scalars, self.act_scalars):
            parts.append(as_activation(a)(s[..., off : off + m.mul]))
            off += m.mul
        gate_vals = []
        off = 0
        for m, a in zip(self.irreps_gates, self.act_gates):
            gate_vals.append(as_activation(a)(g[..., off : off + m.mul]))
            off += m.mul
        gv = np.concatenate(gate_vals, axis=-1) if gate_vals else np.zeros(x.shape[:-1] + (0,))
        off, k = 0, 0
        for m in self.irreps_gated:
            d = 2 * m.ir.l + 1
            blk = v[..., off : off + m.mul * d].reshape(x.shape[:-1] + (m.mul, d))
            parts.append((blk * gv[..., k : k + m.mul, None]).reshape(x.shape[:-1] + (-1,)))
            off += m.mul * d
            k += m.mul
        if not parts:
            return np.zeros(x.shape[:-1] + (0,))
        return np.concatenate(parts, axis=-1).astype(np.float64, copy=False)


def _str(irreps: Irreps) -> str:
    return "(none)" if len(irreps) == 0 else str(irreps)


def _irreps_or_empty(irreps: IrrepsLike | None) -> Irreps:
    return Irreps() if irreps is None else as_irreps(irreps)
