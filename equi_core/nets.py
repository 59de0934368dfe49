"""Small equivariant networks in numpy: the building blocks, their non-equivariant baselines, and the test.

A feature is an array ``x`` of shape ``(..., irreps.dim)`` described by an :class:`~equi_core.Irreps`; a group
element ``g`` of O(3) acts on it by ``x -> x @ irreps.D_from_matrix(g).T``. A map ``f`` is *equivariant* when
``f(D_in(g) x) = D_out(g) f(x)`` for every ``g``. The blocks here are equivariant by construction:

* :class:`EquivariantLinear` -- mixes the copies (multiplicities) of each irrep, never different irreps;
  a bias only on ``0e`` (a constant is invariant only if it is an even scalar).
* :class:`NormActivation` -- ``sigma(|v| + b) v / |v|`` on every irrep copy (with a safe epsilon: no NaN at 0).
* :class:`ScalarActivation` and :class:`Gate` -- pointwise functions only on scalars; on pseudo-scalars
  (``0o``, which flip sign under inversion) only odd functions (``tanh``) keep the parity, even ones (``abs``)
  turn ``0o`` into ``0e``, and functions with no parity (``relu``, ``softplus``, ``sigmoid``) are illegal:
  ``relu(-s) != -relu(s)``. That is the *parity trap*: such a layer passes every SO(3) test and fails O(3).
* :class:`TensorSquare` -- a weighted Clebsch-Gordan product of a feature with itself (mixes degrees).

and the baselines are not: :class:`Componentwise` applies ``relu`` / ``tanh`` to every number.
:func:`equivariance_error` measures ``max |f(D_in x) - D_out f(x)|`` over random O(3) elements.
:func:`tiny_equivariant_net` stacks the blocks into a seeded feed-forward network.

The seed's example: ``relu((1, -2, 3)) = (1, 0, 3)`` and ``relu((-1, 2, 3)) = (0, 2, 3)`` differ in length
(sqrt(10) vs sqrt(13)); a norm nonlinearity sees only ``|v| = sqrt(14)`` for both and gives the same gain
(see :func:`compare_pair`).

All arithmetic is numpy float64. Configurations are immutable (frozen dataclasses; stored weights are read-only).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Callable, Mapping, Optional, Protocol, Sequence, Union

import numpy as np
from numpy.typing import ArrayLike, NDArray

from equi_core import Irrep, Irreps, random_rotation
from equi_core._checks import check_int
from equi_core.irreps import as_irreps, check_features
from equi_core.tensor_product import FullyConnectedTensorProduct, count_multiply_adds, full_tensor_product

__all__ = [
    "ACTIVATIONS",
    "activation_parity",
    "scalar_activation_output",
    "relu",
    "norm_nonlinearity",
    "componentwise",
    "Componentwise",
    "EquivariantLinear",
    "NormActivation",
    "ScalarActivation",
    "Gate",
    "TensorSquare",
    "Sequential",
    "tiny_equivariant_net",
    "EquivarianceError",
    "equivariance_error",
    "random_o3",
    "rotation_error_curve",
    "PairComparison",
    "compare_pair",
    "fibonacci_sphere",
    "bend_angles",
    "direction_map_in_plane",
    "relu_in_frame",
    "relu_in_frame_steps",
    "best_equivariant_fit",
    "RotationCheck",
    "rotation_check",
    "ParityTrapRow",
    "parity_trap",
]

Array = NDArray[np.float64]
IrrepsLike = Union[Irreps, str]
RngLike = Union[int, np.random.Generator, None]
Activation = Callable[[np.ndarray], np.ndarray]


# ----------------------------------------------------------------------------------------------
# activations and their parity
# ----------------------------------------------------------------------------------------------
def relu(x: ArrayLike) -> Array:
    """``max(x, 0)``, elementwise, float64."""
    return np.maximum(np.asarray(x, dtype=np.float64), 0.0)


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 0.5 * (1.0 + np.tanh(0.5 * x))


ACTIVATIONS: Mapping[str, Activation] = MappingProxyType(
    {
        "relu": relu,
        "tanh": np.tanh,
        "sigmoid": _sigmoid,
        "softplus": lambda x: np.logaddexp(0.0, x),
        "silu": lambda x: x * _sigmoid(x),
        "abs": np.abs,
        "square": np.square,
        "sin": np.sin,
        "identity": lambda x: np.asarray(x, dtype=np.float64) * 1.0,
    }
)
"""Named scalar activations (read-only mapping name -> elementwise float64 function)."""


def _activation(act: Union[str, Activation]) -> Activation:
    if callable(act):
        return act
    if isinstance(act, str) and act in ACTIVATIONS:
        return ACTIVATIONS[act]
    raise ValueError(f"unknown activation {act!r}; allowed: {', '.join(ACTIVATIONS)} (or a callable)")


def activation_parity(act: Union[str, Activation], *, atol: float = 1e-12) -> int:
    """Parity of a scalar function, checked numerically on ``x`` in [-10, 10].

    Returns
    -------
    int
        ``-1`` if odd (``f(-x) = -f(x)``, e.g. tanh, sin, identity), ``+1`` if even (``f(-x) = f(x)``,
        e.g. abs, square), ``0`` if neither (relu, softplus, sigmoid, silu). The zero function counts as odd.
    """
    f = _activation(act)
    x = np.linspace(0.0, 10.0, 513)
    a, b = np.asarray(f(x), dtype=np.float64), np.asarray(f(-x), dtype=np.float64)
    scale = max(1.0, float(np.max(np.abs(a))))
    if np.max(np.abs(a + b)) <= atol * scale:
        return -1
    if np.max(np.abs(a - b)) <= atol * scale:
        return 1
    return 0


def scalar_activation_output(ir: Union[Irrep, str], act: Union[str, Activation]) -> Irrep:
    """The irrep a pointwise activation produces from a scalar irrep, or ``ValueError`` if it is illegal.

    * ``0e`` (a true scalar, unchanged by every O(3) element): any function; the result is ``0e``.
    * ``0o`` (a pseudo-scalar, ``s -> det(g) s``): an odd function gives ``0o`` (``tanh(-s) = -tanh(s)``),
      an even one gives ``0e`` (``|-s| = |s|``), a function with no parity breaks equivariance under
      inversion (``relu(-s) != -relu(s)`` and ``!= relu(s)``): illegal.
    * ``l > 0``: a pointwise function of the components is never equivariant: illegal.

    Raises
    ------
    ValueError
        Explaining which rule is violated.
    """
    ir = ir if isinstance(ir, Irrep) else Irrep(ir)
    _activation(act)
    if ir.l != 0:
        raise ValueError(
            f"a pointwise activation acts only on scalars (l = 0), not on {ir}: use a norm nonlinearity or a gate"
        )
    if ir.p == 1:
        return ir
    parity = activation_parity(act)
    if parity == -1:
        return ir
    if parity == 1:
        return Irrep("0e")
    name = act if isinstance(act, str) else getattr(act, "__name__", "this function")
    raise ValueError(
        f"{name} is neither odd nor even, so it is illegal on a pseudo-scalar 0o: under inversion s -> -s, "
        f"{name}(-s) must equal -{name}(s) (odd: stays 0o, e.g. tanh) or {name}(s) (even: becomes 0e, e.g. abs)"
    )


def _readonly(a: ArrayLike) -> Array:
    a = np.array(a, dtype=np.float64, copy=True)
    a.setflags(write=False)
    return a


# ----------------------------------------------------------------------------------------------
# the layer protocol
# ----------------------------------------------------------------------------------------------
class Layer(Protocol):
    """What :class:`Sequential` needs: irreps in and out, and a batched call."""

    irreps_in: Irreps
    irreps_out: Irreps

    def __call__(self, x: Array) -> Array: ...


# ----------------------------------------------------------------------------------------------
# baselines: componentwise activations (NOT equivariant for l > 0 or on 0o)
# ----------------------------------------------------------------------------------------------
def componentwise(x: ArrayLike, act: Union[str, Activation] = "relu") -> Array:
    """Apply a scalar activation to every component, ignoring the irrep structure (the baseline).

    Not equivariant: ``relu(R v) != R relu(v)`` for generic rotations ``R``.
    """
    return np.asarray(_activation(act)(np.asarray(x, dtype=np.float64)), dtype=np.float64)


@dataclass(frozen=True)
class Componentwise:
    """Layer form of :func:`componentwise`: ``irreps_out == irreps_in``; a non-equivariant baseline."""

    irreps_in: Irreps
    act: str = "relu"

    def __post_init__(self) -> None:
        object.__setattr__(self, "irreps_in", as_irreps(self.irreps_in))
        _activation(self.act)

    @property
    def irreps_out(self) -> Irreps:
        return self.irreps_in

    def __call__(self, x: ArrayLike) -> Array:
        return componentwise(check_features(x, self.irreps_in), self.act)


# ----------------------------------------------------------------------------------------------
# norm nonlinearity
# ----------------------------------------------------------------------------------------------
def norm_nonlinearity(
    x: ArrayLike,
    irreps: IrrepsLike = "1x1o",
    sigma: Union[str, Activation] = "relu",
    bias: float = -1.0,
    eps: float = 1e-12,
) -> Array:
    """``sigma(|v| + bias) * v / |v|`` on every irrep copy ``v`` (a block of ``2l+1`` numbers).

    Parameters
    ----------
    x : ndarray, shape (..., irreps.dim)
    irreps : Irreps or str
        Default ``'1x1o'``: ``x`` is a batch of 3-vectors.
    sigma : str or callable
        Scalar function of the (shifted) norm; names in :data:`ACTIVATIONS`. The default
        ``relu(|v| - 1)`` is the "norm-ReLU": it shortens every vector by 1 and kills those shorter than 1.
    bias : float
        Added to the norm before ``sigma``.
    eps : float
        The norm is clamped below at ``eps`` in the denominator, so ``v = 0`` gives exactly 0 (never NaN).

    Returns
    -------
    ndarray, same shape as ``x``, float64

    Invariants
    ----------
    Equivariant under O(3) for every ``sigma`` (the factor depends on ``|v|`` only, which every ``D`` keeps;
    for a scalar it is ``sigma(|s| + b) sign(s)``, an odd function, so ``0o`` stays legal).
    Preserves every direction: the output is a nonnegative-or-nonpositive multiple of ``v``.
    Finite for finite input, including ``v = 0``.
    """
    irreps = as_irreps(irreps)
    x = check_features(x, irreps)
    if not (isinstance(eps, (int, float)) and eps > 0 and np.isfinite(eps)):
        raise ValueError(f"eps must be a positive finite number, got {eps!r}")
    f = _activation(sigma)
    out = np.empty_like(x)
    for mul_ir, sl in zip(irreps, irreps.slices()):
        d = 2 * mul_ir.ir.l + 1
        v = x[..., sl].reshape(x.shape[:-1] + (mul_ir.mul, d))
        n = np.sqrt(np.sum(v * v, axis=-1, keepdims=True))
        factor = np.asarray(f(n + bias), dtype=np.float64) / np.maximum(n, eps)
        out[..., sl] = (factor * v).reshape(x.shape[:-1] + (-1,))
    return out


@dataclass(frozen=True)
class NormActivation:
    """Layer form of :func:`norm_nonlinearity` (``irreps_out == irreps_in``); equivariant under O(3)."""

    irreps_in: Irreps
    sigma: str = "relu"
    bias: float = -1.0
    eps: float = 1e-12

    def __post_init__(self) -> None:
        object.__setattr__(self, "irreps_in", as_irreps(self.irreps_in))
        _activation(self.sigma)

    @property
    def irreps_out(self) -> Irreps:
        return self.irreps_in

    def __call__(self, x: ArrayLike) -> Array:
        return norm_nonlinearity(x, self.irreps_in, self.sigma, self.bias, self.eps)


# ----------------------------------------------------------------------------------------------
# scalar activations and gates
# ----------------------------------------------------------------------------------------------
def _per_block(acts: Union[str, Sequence[str]], n: int, what: str) -> tuple[str, ...]:
    if isinstance(acts, str):
        acts = (acts,) * n
    acts = tuple(acts)
    if len(acts) != n:
        raise ValueError(f"{what}: need one activation per block ({n}), got {len(acts)}")
    for a in acts:
        _activation(a)
    return acts


@dataclass(frozen=True)
class ScalarActivation:
    """Pointwise activations on scalar blocks, one name per block (or one for all), parity-checked.

    ``irreps_out`` follows :func:`scalar_activation_output`: ``0e -> 0e``; on ``0o`` odd -> ``0o``,
    even -> ``0e``; anything else raises ``ValueError`` at construction (e.g. relu on ``0o``).
    """

    irreps_in: Irreps
    acts: Union[str, tuple[str, ...]] = "tanh"
    irreps_out: Irreps = field(init=False)

    def __post_init__(self) -> None:
        irreps = as_irreps(self.irreps_in)
        object.__setattr__(self, "irreps_in", irreps)
        acts = _per_block(self.acts, len(irreps), "ScalarActivation")
        object.__setattr__(self, "acts", acts)
        out = [(m.mul, scalar_activation_output(m.ir, a)) for m, a in zip(irreps, acts)]
        object.__setattr__(self, "irreps_out", Irreps(out).remove_zero_multiplicities())

    def __call__(self, x: ArrayLike) -> Array:
        x = check_features(x, self.irreps_in)
        out = np.empty_like(x)
        for sl, a in zip(self.irreps_in.slices(), self.acts):
            out[..., sl] = _activation(a)(x[..., sl])
        return out


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
    """

    irreps_scalars: Irreps
    act_scalars: Union[str, tuple[str, ...]]
    irreps_gates: Irreps
    act_gates: Union[str, tuple[str, ...]]
    irreps_gated: Irreps
    irreps_in: Irreps = field(init=False)
    irreps_out: Irreps = field(init=False)

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
        act_s = _per_block(self.act_scalars, len(scalars), "act_scalars")
        act_g = _per_block(self.act_gates, len(gates), "act_gates")
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
        s, g, v = x[..., :ds], x[..., ds:ds + dg], x[..., ds + dg:]
        parts = []
        off = 0
        for m, a in zip(self.irreps_scalars, self.act_scalars):
            parts.append(_activation(a)(s[..., off:off + m.mul]))
            off += m.mul
        gate_vals = []
        off = 0
        for m, a in zip(self.irreps_gates, self.act_gates):
            gate_vals.append(_activation(a)(g[..., off:off + m.mul]))
            off += m.mul
        gv = np.concatenate(gate_vals, axis=-1) if gate_vals else np.zeros(x.shape[:-1] + (0,))
        off, k = 0, 0
        for m in self.irreps_gated:
            d = 2 * m.ir.l + 1
            blk = v[..., off:off + m.mul * d].reshape(x.shape[:-1] + (m.mul, d))
            parts.append((blk * gv[..., k:k + m.mul, None]).reshape(x.shape[:-1] + (-1,)))
            off += m.mul * d
            k += m.mul
        if not parts:
            return np.zeros(x.shape[:-1] + (0,))
        return np.concatenate(parts, axis=-1).astype(np.float64, copy=False)


def _str(irreps: Irreps) -> str:
    return "(none)" if len(irreps) == 0 else str(irreps)


def _irreps_or_empty(irreps: Union[IrrepsLike, None]) -> Irreps:
    return Irreps() if irreps is None else as_irreps(irreps)


# ----------------------------------------------------------------------------------------------
# equivariant linear layer
# ----------------------------------------------------------------------------------------------
@dataclass(frozen=True, eq=False)
class EquivariantLinear:
    """Equivariant linear map: mixes the copies of each irrep, with a bias only on ``0e``.

    For every output block ``j`` (``mul_out x ir``)::

        out_j[w] = sum over input blocks i with the same ir of  sum_u W_ij[u, w] x_i[u] / sqrt(fan_in_j)
                   (+ b_j[w] if ir == 0e)

    ``fan_in_j`` = total input multiplicity of that irrep (e3nn's ``o3.Linear``, ``path_normalization='element'``;
    the same flat ``weight`` and ``bias`` give the same numbers). Output blocks with no matching input are zero
    (plus their bias).

    Parameters
    ----------
    irreps_in, irreps_out : Irreps or str
    weight : ndarray, shape (weight_numel,)
        Paths in order (input block outer, output block inner), each a C-ordered ``(mul_in, mul_out)`` array.
    bias : ndarray, shape (bias_numel,)
        One number per ``0e`` output copy (zeros if omitted).

    Invariants
    ----------
    Equivariant under O(3) for every weight and bias (Schur: only maps between equal irreps commute with
    every ``D``; only ``0e`` constants are invariant). Stored weights are read-only.
    """

    irreps_in: Irreps
    irreps_out: Irreps
    weight: Array
    bias: Optional[Array] = None
    paths: tuple[tuple[int, int, float], ...] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        irreps_in = as_irreps(self.irreps_in, "irreps_in")
        irreps_out = as_irreps(self.irreps_out, "irreps_out")
        object.__setattr__(self, "irreps_in", irreps_in)
        object.__setattr__(self, "irreps_out", irreps_out)
        raw = [(i, j) for i, mi in enumerate(irreps_in) for j, mo in enumerate(irreps_out) if mi.ir == mo.ir]
        fan: dict[int, int] = {}
        for i, j in raw:
            fan[j] = fan.get(j, 0) + irreps_in[i].mul
        paths = tuple((i, j, float(fan[j] ** -0.5) if fan[j] > 0 else 1.0) for i, j in raw)
        object.__setattr__(self, "paths", paths)
        w = _readonly(np.ravel(self.weight))
        if w.shape != (self.weight_numel,):
            raise ValueError(f"weight must have {self.weight_numel} numbers for {irreps_in} -> {irreps_out}, got {w.size}")
        object.__setattr__(self, "weight", w)
        b = np.zeros(self.bias_numel) if self.bias is None else np.ravel(self.bias)
        if b.shape != (self.bias_numel,):
            raise ValueError(f"bias must have {self.bias_numel} numbers (one per 0e output copy), got {b.size}")
        object.__setattr__(self, "bias", _readonly(b))

    @property
    def weight_numel(self) -> int:
        return int(sum(self.irreps_in[i].mul * self.irreps_out[j].mul for i, j, _ in self.paths))

    @property
    def bias_numel(self) -> int:
        return int(sum(m.mul for m in self.irreps_out if m.ir.l == 0 and m.ir.p == 1))

    @classmethod
    def random(
        cls, irreps_in: IrrepsLike, irreps_out: IrrepsLike, rng: RngLike = None, *, bias: bool = True
    ) -> "EquivariantLinear":
        """Standard-normal weights (and biases, if ``bias``), seeded by ``rng``."""
        rng = np.random.default_rng(rng)
        shell = cls(irreps_in, irreps_out, np.zeros(_linear_numel(irreps_in, irreps_out)))
        w = rng.standard_normal(shell.weight_numel)
        b = rng.standard_normal(shell.bias_numel) if bias else None
        return cls(shell.irreps_in, shell.irreps_out, w, b)

    def __call__(self, x: ArrayLike) -> Array:
        x = check_features(x, self.irreps_in)
        out = np.zeros(x.shape[:-1] + (self.irreps_out.dim,))
        si, so = self.irreps_in.slices(), self.irreps_out.slices()
        off = 0
        for i, j, c in self.paths:
            mi, mo = self.irreps_in[i], self.irreps_out[j]
            n = mi.mul * mo.mul
            w = self.weight[off:off + n].reshape(mi.mul, mo.mul)
            off += n
            xi = x[..., si[i]].reshape(x.shape[:-1] + (mi.mul, 2 * mi.ir.l + 1))
            out[..., so[j]] += c * np.einsum("uw,...ui->...wi", w, xi).reshape(x.shape[:-1] + (-1,))
        off = 0
        for j, mo in enumerate(self.irreps_out):
            if mo.ir.l == 0 and mo.ir.p == 1:
                out[..., so[j]] += self.bias[off:off + mo.mul]
                off += mo.mul
        return out


def _linear_numel(irreps_in: IrrepsLike, irreps_out: IrrepsLike) -> int:
    a, b = as_irreps(irreps_in, "irreps_in"), as_irreps(irreps_out, "irreps_out")
    return int(sum(mi.mul * mo.mul for mi in a for mo in b if mi.ir == mo.ir))


# ----------------------------------------------------------------------------------------------
# tensor square and sequential
# ----------------------------------------------------------------------------------------------
@dataclass(frozen=True, eq=False)
class TensorSquare:
    """``x -> tp(x, x, weight)`` (``+ x`` if ``residual``) with a :class:`FullyConnectedTensorProduct`.

    Mixes degrees (e.g. ``1o (x) 1o -> 0e + 1e + 2e``); equivariant under O(3) for every weight. The residual
    form needs ``irreps_out == irreps_in``.
    """

    irreps_in: Irreps
    irreps_out: Irreps
    weight: Array
    residual: bool = False
    tp: FullyConnectedTensorProduct = field(init=False, repr=False)

    def __post_init__(self) -> None:
        irreps_in = as_irreps(self.irreps_in, "irreps_in")
        irreps_out = as_irreps(self.irreps_out, "irreps_out")
        tp = FullyConnectedTensorProduct(irreps_in, irreps_in, irreps_out)
        w = _readonly(np.ravel(self.weight))
        if w.shape != (tp.weight_numel,):
            raise ValueError(f"weight must have {tp.weight_numel} numbers, got {w.size}")
        if self.residual and irreps_in != irreps_out:
            raise ValueError(f"a residual tensor square needs irreps_out == irreps_in, got {irreps_in} -> {irreps_out}")
        object.__setattr__(self, "irreps_in", irreps_in)
        object.__setattr__(self, "irreps_out", irreps_out)
        object.__setattr__(self, "tp", tp)
        object.__setattr__(self, "weight", w)

    @classmethod
    def random(
        cls, irreps_in: IrrepsLike, irreps_out: IrrepsLike, rng: RngLike = None, *, residual: bool = False
    ) -> "TensorSquare":
        """Standard-normal weights, seeded by ``rng``."""
        rng = np.random.default_rng(rng)
        n = FullyConnectedTensorProduct(irreps_in, irreps_in, irreps_out).weight_numel
        return cls(irreps_in, irreps_out, rng.standard_normal(n), residual)

    def __call__(self, x: ArrayLike) -> Array:
        x = check_features(x, self.irreps_in)
        y = self.tp(x, x, self.weight)
        return x + y if self.residual else y


@dataclass(frozen=True, eq=False)
class Sequential:
    """A chain of layers; checks at construction that each layer's ``irreps_out`` is the next one's ``irreps_in``."""

    layers: tuple

    def __post_init__(self) -> None:
        layers = tuple(self.layers)
        if not layers:
            raise ValueError("Sequential needs at least one layer")
        for a, b in zip(layers[:-1], layers[1:]):
            if a.irreps_out != b.irreps_in:
                raise ValueError(f"layer output {a.irreps_out} does not match next input {b.irreps_in}")
        object.__setattr__(self, "layers", layers)

    @property
    def irreps_in(self) -> Irreps:
        return self.layers[0].irreps_in

    @property
    def irreps_out(self) -> Irreps:
        return self.layers[-1].irreps_out

    def __call__(self, x: ArrayLike) -> Array:
        for layer in self.layers:
            x = layer(x)
        return np.asarray(x, dtype=np.float64)


def tiny_equivariant_net(
    irreps_in: IrrepsLike = "1x1o",
    irreps_out: IrrepsLike = "1x0e + 1x1o",
    *,
    mul: int = 2,
    lmax: int = 2,
    depth: int = 2,
    seed: int = 0,
) -> Sequential:
    """A small seeded feed-forward O(3)-equivariant network assembled from this module's blocks.

    Each of the ``depth`` hidden layers is ``EquivariantLinear -> Gate -> TensorSquare`` (residual): the gate uses
    ``silu`` on ``0e`` scalars, ``tanh`` on ``0o`` pseudo-scalars and ``sigmoid`` gates on every copy of
    ``l = 1..lmax`` (both parities); the tensor square mixes degrees. The head is
    ``NormActivation -> EquivariantLinear`` to ``irreps_out``.

    Parameters
    ----------
    irreps_in, irreps_out : Irreps or str
    mul : int
        Copies of each hidden irrep, 1..8.
    lmax : int
        Highest hidden degree, 1..4.
    depth : int
        Hidden layers, 1..6.
    seed : int
        Same seed, same network.

    Invariants
    ----------
    ``net(x @ D_in(g).T) == net(x) @ D_out(g).T`` to ~1e-13 for every g in O(3) (tested).
    """
    mul, lmax, depth = check_int(mul, "mul", 1, 8), check_int(lmax, "lmax", 1, 4), check_int(depth, "depth", 1, 6)
    rng = np.random.default_rng(seed)
    gated = " + ".join(f"{mul}x{l}{p}" for l in range(1, lmax + 1) for p in ("e", "o"))
    n_gated = 2 * lmax * mul
    gate = Gate(f"{mul}x0e + {mul}x0o", ("silu", "tanh"), f"{n_gated}x0e", "sigmoid", gated)
    hidden = gate.irreps_out
    layers: list = []
    prev = as_irreps(irreps_in, "irreps_in")
    for _ in range(depth):
        layers.append(EquivariantLinear.random(prev, gate.irreps_in, rng))
        layers.append(gate)
        layers.append(TensorSquare.random(hidden, hidden, rng, residual=True))
        prev = hidden
    layers.append(NormActivation(hidden, "tanh", 0.0))
    layers.append(EquivariantLinear.random(hidden, irreps_out, rng))
    return Sequential(tuple(layers))


# ----------------------------------------------------------------------------------------------
# measuring equivariance
# ----------------------------------------------------------------------------------------------
@dataclass(frozen=True, eq=False)
class EquivarianceError:
    """Result of :func:`equivariance_error`.

    Attributes
    ----------
    absolute : float
        ``max_i max_k |f(D_in(g_i) x_i) - D_out(g_i) f(x_i)|_k`` (float64).
    relative : float
        ``absolute / max_i max_k |f(x_i)|_k``; 0 if both are 0, inf if only the scale is 0.
    per_sample : ndarray, shape (n,)
        ``max_k |...|`` for each sample (read-only).
    improper : ndarray of bool, shape (n,)
        Which group elements had ``det g = -1``.
    """

    absolute: float
    relative: float
    per_sample: Array
    improper: NDArray[np.bool_]

    @property
    def n(self) -> int:
        return int(self.per_sample.shape[0])


def random_o3(n: int, rng: RngLike = None, parity: bool = True) -> Array:
    """``n`` random O(3) elements, shape (n, 3, 3): Haar rotations, every other one times ``-1`` if ``parity``.

    With ``parity`` the odd-indexed samples are improper (``det = -1``), so any ``n >= 2`` tests inversion.
    """
    n = check_int(n, "n", 1, 100_000)
    R = np.asarray(random_rotation(int(n), rng=np.random.default_rng(rng)), dtype=np.float64).reshape(n, 3, 3)
    if parity:
        signs = np.where(np.arange(n) % 2 == 1, -1.0, 1.0)
        R = R * signs[:, None, None]
    return R


def _D_stack(irreps: Irreps, gs: Array) -> Array:
    """``(n, dim, dim)`` representation matrices of ``n`` orthogonal matrices (batched)."""
    return np.asarray(irreps.D_from_matrix(gs), dtype=np.float64).reshape(gs.shape[0], irreps.dim, irreps.dim)


def equivariance_error(
    f: Callable[[Array], ArrayLike],
    irreps_in: IrrepsLike,
    irreps_out: IrrepsLike,
    n: int = 16,
    parity: bool = True,
    rng: RngLike = None,
    *,
    x: Optional[ArrayLike] = None,
    group_elements: Optional[ArrayLike] = None,
) -> EquivarianceError:
    """How far ``f`` is from equivariant: ``max |f(D_in(g) x) - D_out(g) f(x)|`` over samples.

    Parameters
    ----------
    f : callable
        Batched map ``(n, irreps_in.dim) -> (n, irreps_out.dim)``.
    irreps_in, irreps_out : Irreps or str
    n : int
        Number of (input, group element) samples when they are drawn at random.
    parity : bool
        Draw from O(3) (half the elements improper) instead of SO(3).
    rng : int, Generator or None
        Seed for the random inputs (standard normal) and group elements.
    x : ndarray, shape (m, irreps_in.dim) or (irreps_in.dim,), optional
        Use these inputs instead of random ones (then ``m`` random elements are drawn).
    group_elements : ndarray, shape (k, 3, 3) or (3, 3), optional
        Use these orthogonal matrices instead of random ones (det -1 allowed: parity acts). One input is
        paired with every element, one element with every input; otherwise ``m == k``.

    Returns
    -------
    EquivarianceError
        ``absolute`` ~1e-15 for an equivariant float64 map; O(1) for componentwise ReLU on vectors.

    Raises
    ------
    ValueError
        Bad shapes, a non-orthogonal group element, or an ``f`` returning the wrong shape.
    """
    irreps_in = as_irreps(irreps_in, "irreps_in")
    irreps_out = as_irreps(irreps_out, "irreps_out")
    gen = np.random.default_rng(rng)
    xs = None if x is None else check_features(x, irreps_in).reshape(-1, irreps_in.dim)
    if group_elements is None:
        gs = random_o3(n if xs is None else xs.shape[0], gen, parity)
    else:
        gs = np.asarray(group_elements, dtype=np.float64)
        if gs.shape[-2:] != (3, 3) or gs.ndim > 3:
            raise ValueError(f"group_elements must have shape (n, 3, 3) or (3, 3), got {gs.shape}")
        gs = gs.reshape(-1, 3, 3)
        if not np.all(np.isfinite(gs)) or np.max(np.abs(gs @ np.swapaxes(gs, -1, -2) - np.eye(3))) > 1e-9:
            raise ValueError("group_elements must be finite orthogonal 3x3 matrices")
    if xs is None:
        xs = gen.standard_normal((gs.shape[0], irreps_in.dim))
    # one input for many elements, or one element for many inputs
    if xs.shape[0] == 1 and gs.shape[0] > 1:
        xs = np.repeat(xs, gs.shape[0], axis=0)
    elif gs.shape[0] == 1 and xs.shape[0] > 1:
        gs = np.repeat(gs, xs.shape[0], axis=0)
    if xs.shape[0] != gs.shape[0]:
        raise ValueError(f"x has {xs.shape[0]} samples but there are {gs.shape[0]} group elements")
    k = gs.shape[0]
    if not np.all(np.isfinite(xs)):
        raise ValueError("the inputs x must be finite (no NaN or inf)")
    D_in, D_out = _D_stack(irreps_in, gs), _D_stack(irreps_out, gs)
    x_rot = np.einsum("nij,nj->ni", D_in, xs)
    y = np.asarray(f(np.ascontiguousarray(xs)), dtype=np.float64)
    y_rot = np.asarray(f(x_rot), dtype=np.float64)
    if y.shape != (k, irreps_out.dim) or y_rot.shape != y.shape:
        raise ValueError(f"f must map (n, {irreps_in.dim}) to (n, {irreps_out.dim}); got {y.shape}")
    diff = np.abs(y_rot - np.einsum("nij,nj->ni", D_out, y))
    per = diff.max(axis=-1) if diff.shape[-1] else np.zeros(k)
    absolute = float(per.max())
    scale = float(np.abs(y).max()) if y.size else 0.0
    relative = 0.0 if absolute == 0.0 else (absolute / scale if scale > 0 else float("inf"))
    improper = np.linalg.det(gs) < 0
    return EquivarianceError(absolute, relative, _readonly(per), improper)


def rotation_error_curve(
    f: Callable[[Array], ArrayLike],
    x: ArrayLike,
    axis: ArrayLike,
    angles: ArrayLike,
    irreps_in: IrrepsLike = "1x1o",
    irreps_out: IrrepsLike = "1x1o",
) -> Array:
    """Equivariance error of ``f`` for each rotation angle about one axis and each input.

    Returns
    -------
    ndarray, shape (len(angles), n_inputs)
        ``max_k |f(D_in x) - D_out f(x)|_k`` for rotation ``angle`` about ``axis`` (right hand).
        Zero at angle 0 for every f; ~1e-16 everywhere for an equivariant f.
    """
    from equi_core import axis_angle_to_matrix

    irreps_in = as_irreps(irreps_in, "irreps_in")
    irreps_out = as_irreps(irreps_out, "irreps_out")
    xs = check_features(x, irreps_in).reshape(-1, irreps_in.dim)
    ax = np.asarray(axis, dtype=np.float64)
    if ax.shape != (3,) or not np.all(np.isfinite(ax)) or np.linalg.norm(ax) == 0:
        raise ValueError("axis must be a finite nonzero 3-vector")
    angles = np.asarray(angles, dtype=np.float64).ravel()
    y = np.asarray(f(xs), dtype=np.float64)
    n_in = xs.shape[0]
    R = np.asarray(axis_angle_to_matrix(ax / np.linalg.norm(ax), angles), dtype=np.float64).reshape(-1, 3, 3)
    Di = np.asarray(irreps_in.D_from_matrix(R))  # (n_angles, d_in, d_in)
    Do = np.asarray(irreps_out.D_from_matrix(R))
    x_rot = np.einsum("aij,nj->ani", Di, xs).reshape(-1, irreps_in.dim)
    f_rot = np.asarray(f(x_rot), dtype=np.float64).reshape(angles.size, n_in, irreps_out.dim)
    d = np.abs(f_rot - np.einsum("aij,nj->ani", Do, y))
    return d.max(axis=-1) if d.shape[-1] else np.zeros((angles.size, n_in))


# ----------------------------------------------------------------------------------------------
# the seed's example, directions and the depth argument
# ----------------------------------------------------------------------------------------------
@dataclass(frozen=True, eq=False)
class PairComparison:
    """ReLU vs a norm nonlinearity on two 3-vectors (see :func:`compare_pair`).

    ``relu_*`` / ``norm_*``: outputs (3,), their lengths and gains ``|f(v)| / |v|`` (NaN for v = 0).
    ``relu_tells_apart`` / ``norm_tells_apart``: the two responses differ (output lengths differ by more
    than ``1e-9`` relative). For two inputs of the *same* length a norm nonlinearity never tells them apart.
    """

    v1: Array
    v2: Array
    relu1: Array
    relu2: Array
    norm1: Array
    norm2: Array
    input_norms: tuple[float, float]
    relu_norms: tuple[float, float]
    norm_norms: tuple[float, float]
    relu_tells_apart: bool
    norm_tells_apart: bool
    same_length: bool


def _differ(a: float, b: float, rtol: float = 1e-9) -> bool:
    return abs(a - b) > rtol * max(abs(a), abs(b), 1e-300)


def compare_pair(
    v1: ArrayLike, v2: ArrayLike, sigma: Union[str, Activation] = "relu", bias: float = -1.0
) -> PairComparison:
    """The seed's example: componentwise ReLU and a norm nonlinearity on two vectors.

    ``compare_pair((1, -2, 3), (-1, 2, 3))``: ReLU gives (1, 0, 3) and (0, 2, 3), lengths sqrt(10) and
    sqrt(13) (it tells them apart); the norm nonlinearity gives ``sigma(sqrt(14) + bias)`` times each unit
    vector, equal lengths (it cannot).

    Raises
    ------
    ValueError
        If a vector is not 3 finite numbers.
    """
    a = np.asarray(v1, dtype=np.float64)
    b = np.asarray(v2, dtype=np.float64)
    for name, v in (("v1", a), ("v2", b)):
        if v.shape != (3,) or not np.all(np.isfinite(v)):
            raise ValueError(f"{name} must be 3 finite numbers, got {v!r}")
    r1, r2 = relu(a), relu(b)
    n1 = norm_nonlinearity(a, "1x1o", sigma, bias)
    n2 = norm_nonlinearity(b, "1x1o", sigma, bias)
    L = lambda v: float(np.linalg.norm(v))  # noqa: E731
    rn, nn = (L(r1), L(r2)), (L(n1), L(n2))
    return PairComparison(
        v1=_readonly(a), v2=_readonly(b), relu1=_readonly(r1), relu2=_readonly(r2),
        norm1=_readonly(n1), norm2=_readonly(n2),
        input_norms=(L(a), L(b)), relu_norms=rn, norm_norms=nn,
        relu_tells_apart=_differ(*rn), norm_tells_apart=_differ(*nn), same_length=not _differ(L(a), L(b)),
    )


def fibonacci_sphere(n: int) -> Array:
    """``n`` nearly uniform unit vectors (golden-angle spiral about the y axis), shape (n, 3); 2 <= n <= 100000."""
    n = check_int(n, "n", 2, 100_000)
    i = np.arange(n) + 0.5
    y = 1.0 - 2.0 * i / n
    r = np.sqrt(np.maximum(0.0, 1.0 - y * y))
    phi = np.pi * (3.0 - np.sqrt(5.0)) * i
    return np.stack([r * np.sin(phi), y, r * np.cos(phi)], axis=-1)


def bend_angles(v: ArrayLike, fv: ArrayLike) -> Array:
    """Angle (radians) between each input ``v`` and output ``f(v)``; NaN where ``f(v) = 0`` (direction lost)."""
    v = np.asarray(v, dtype=np.float64)
    fv = np.asarray(fv, dtype=np.float64)
    nv, nf = np.linalg.norm(v, axis=-1), np.linalg.norm(fv, axis=-1)
    ok = (nv > 0) & (nf > 1e-300)
    cos = np.full(nv.shape, np.nan)
    cos[ok] = np.sum(v * fv, axis=-1)[ok] / (nv[ok] * nf[ok])
    return np.arccos(np.clip(cos, -1.0, 1.0))


def direction_map_in_plane(f: Callable[[Array], ArrayLike], n: int = 721) -> tuple[Array, Array]:
    """What ``f`` does to directions in the x-y plane: output polar angle against input polar angle.

    Returns
    -------
    theta_in : ndarray, shape (n,)
        Angles in [0, 2 pi] of ``v = (cos t, sin t, 0)``.
    theta_out : ndarray, shape (n,)
        Angle of ``f(v)`` in the x-y plane, unwrapped next to ``theta_in`` (in [t - pi, t + pi]); NaN where
        ``f(v) = 0``. The identity line for a norm nonlinearity; for ReLU whole quadrants collapse onto the
        axes (flat steps) and the third quadrant is lost.
    """
    n = check_int(n, "n", 2, 100_000)
    t = np.linspace(0.0, 2.0 * np.pi, n)
    v = np.stack([np.cos(t), np.sin(t), np.zeros_like(t)], axis=-1)
    fv = np.asarray(f(v), dtype=np.float64)
    ang = np.arctan2(fv[:, 1], fv[:, 0])
    ang = t + (ang - t + np.pi) % (2.0 * np.pi) - np.pi
    ang[np.hypot(fv[:, 0], fv[:, 1]) < 1e-12] = np.nan
    return t, ang


def relu_in_frame(v: ArrayLike, frame: ArrayLike) -> Array:
    """Componentwise ReLU *in a frame*, built only from equivariant blocks.

    With the frame's rows ``e_1, e_2, e_3`` (three more ``1o`` features, e.g. bond directions)::

        s_i = sqrt(3) * [v (x) e_i]_{0e}      (tensor product 1o x 1o -> 0e: s_i = v . e_i)
        a_i = relu(s_i)                       (legal: s_i is a true scalar 0e)
        out = sum_i sqrt(3)/sqrt(3) [a_i (x) e_i]_{1o}   (tensor product 0e x 1o -> 1o: a_i e_i), a linear sum

    For the standard frame (identity) this is exactly ``relu(v)``; rotating ``v`` and the frame together rotates
    the output: the map is equivariant in ``(v, frame)``. Without such reference vectors no equivariant map
    can do it (see :func:`best_equivariant_fit`).

    Parameters
    ----------
    v : ndarray, shape (..., 3)
    frame : ndarray, shape (..., 3, 3)
        Rows are the reference vectors.

    Returns
    -------
    ndarray, shape (..., 3)
    """
    v = np.asarray(v, dtype=np.float64)
    fr = np.asarray(frame, dtype=np.float64)
    if v.shape[-1:] != (3,) or fr.shape[-2:] != (3, 3):
        raise ValueError(f"v must be (..., 3) and frame (..., 3, 3); got {v.shape} and {fr.shape}")
    out = 0.0
    for i in range(3):
        e = fr[..., i, :]
        _, s = full_tensor_product("1o", v, "1o", e, filter_ir_out=["0e"])
        a = relu(np.sqrt(3.0) * s)
        _, t = full_tensor_product("0e", a, "1o", e, filter_ir_out=["1o"])
        out = out + t
    return np.asarray(out, dtype=np.float64) * np.ones(np.broadcast_shapes(v.shape, fr.shape[:-1]))


def relu_in_frame_steps() -> tuple[tuple[str, str, int], ...]:
    """The blocks :func:`relu_in_frame` stacks, with their multiply-adds (dense Clebsch-Gordan count).

    Returns
    -------
    tuple of (name, irreps signature, multiply-adds)
        Project (3 x 1o (x) 1o -> 0e), activate (3 relu on 0e), re-expand (3 x 0e (x) 1o -> 1o), sum (linear).
        A plain ReLU layer on a 3-vector is one block of 3 operations.
    """
    project = 3 * count_multiply_adds("1o", "1o", filter_ir_out=["0e"])
    expand = 3 * count_multiply_adds("0e", "1o", filter_ir_out=["1o"])
    return (
        ("tensor product: project on each axis", "1o (x) 1o -> 0e, 3 times", project),
        ("scalar nonlinearity (gate)", "relu on 3 x 0e", 3),
        ("tensor product: scale each axis", "0e (x) 1o -> 1o, 3 times", expand),
        ("equivariant linear: sum", "3 x 1o -> 1o", 6),
    )


def best_equivariant_fit(
    f: Callable[[Array], ArrayLike], directions: Optional[ArrayLike] = None
) -> tuple[float, float, float]:
    """Best *equivariant* imitation of a map ``f`` of one 3-vector on the unit sphere.

    Every O(3)- (and SO(3)-) equivariant map of a single vector is ``g(|v|) v``; on the unit sphere that is
    ``g v`` with one number ``g``. The least-squares ``g = mean(f(v) . v)`` and the RMS residual are returned.

    Returns
    -------
    gain : float
        For ReLU: 1/2.
    rms_residual : float
        ``sqrt(mean |f(v) - g v|^2)``; for ReLU: 1/2 (it cannot be reduced by any depth without a frame).
    rms_f : float
        ``sqrt(mean |f(v)|^2)``; for ReLU: sqrt(1/2).
    """
    d = fibonacci_sphere(20_000) if directions is None else np.asarray(directions, dtype=np.float64)
    d = d / np.linalg.norm(d, axis=-1, keepdims=True)
    fv = np.asarray(f(d), dtype=np.float64)
    g = float(np.mean(np.sum(fv * d, axis=-1)))
    res = float(np.sqrt(np.mean(np.sum((fv - g * d) ** 2, axis=-1))))
    rms = float(np.sqrt(np.mean(np.sum(fv * fv, axis=-1))))
    return g, res, rms


# ----------------------------------------------------------------------------------------------
# ready-made experiments for the lesson page (tested; the page only displays them)
# ----------------------------------------------------------------------------------------------
@dataclass(frozen=True, eq=False)
class RotationCheck:
    """One input vector, one O(3) element: ``f(R v)`` against ``R f(v)`` for ReLU and a norm nonlinearity.

    Attributes
    ----------
    v, Rv : ndarray (3,)
    relu_of_Rv, R_relu_v, norm_of_Rv, R_norm_v : ndarray (3,)
    relu_error, norm_error : EquivarianceError
        From :func:`equivariance_error` at this single (input, element) pair. ``norm_error.absolute`` is
        ~1e-16 (rounding), ``relu_error.absolute`` is O(|v|) for a generic rotation.
    """

    v: Array
    R: Array
    Rv: Array
    relu_of_Rv: Array
    R_relu_v: Array
    norm_of_Rv: Array
    R_norm_v: Array
    relu_error: EquivarianceError
    norm_error: EquivarianceError


def rotation_check(
    v: ArrayLike, R: ArrayLike, sigma: Union[str, Activation] = "relu", bias: float = -1.0
) -> RotationCheck:
    """Compare ``f(R v)`` with ``R f(v)`` for componentwise ReLU and ``norm_nonlinearity(sigma, bias)``.

    Raises
    ------
    ValueError
        If ``v`` is not 3 finite numbers or ``R`` is not orthogonal.
    """
    v = np.asarray(v, dtype=np.float64)
    if v.shape != (3,) or not np.all(np.isfinite(v)):
        raise ValueError(f"v must be 3 finite numbers, got {v!r}")
    R = np.asarray(R, dtype=np.float64)
    if R.shape != (3, 3) or not np.all(np.isfinite(R)) or np.abs(R @ R.T - np.eye(3)).max() > 1e-9:
        raise ValueError("R must be an orthogonal 3x3 matrix")
    f_norm = lambda x: norm_nonlinearity(x, "1x1o", sigma, bias)  # noqa: E731
    irreps = Irreps("1x1o")
    D = np.asarray(irreps.D_from_matrix(R))
    Rv = D @ v
    return RotationCheck(
        v=_readonly(v), R=_readonly(R), Rv=_readonly(Rv),
        relu_of_Rv=_readonly(relu(Rv)), R_relu_v=_readonly(D @ relu(v)),
        norm_of_Rv=_readonly(f_norm(Rv)), R_norm_v=_readonly(D @ f_norm(v)),
        relu_error=equivariance_error(relu, irreps, irreps, x=v, group_elements=R),
        norm_error=equivariance_error(f_norm, irreps, irreps, x=v, group_elements=R),
    )


@dataclass(frozen=True)
class ParityTrapRow:
    """One activation applied pointwise to pseudo-scalars (``0o``), tested as a map ``0o -> 0o``.

    ``so3_error`` (rotations only) is exactly 0 for every function: a pseudo-scalar does not change under
    rotations. ``o3_error`` (with inversions) is ~0 only for odd functions. ``output_irrep`` is what
    :func:`scalar_activation_output` allows (``'0o'``, ``'0e'`` for even functions, ``'illegal'``).
    """

    act: str
    parity: int
    so3_error: float
    o3_error: float
    output_irrep: str


def parity_trap(acts: Sequence[str] = ("relu", "softplus", "tanh", "abs"), n: int = 16, rng: RngLike = 0) -> tuple[ParityTrapRow, ...]:
    """The parity trap, measured: each activation on ``4x0o`` under SO(3) and under O(3).

    Returns
    -------
    tuple of ParityTrapRow
        relu / softplus: ``so3_error == 0`` and ``o3_error`` O(1): the trap. tanh: both ~0. abs: O(3) error as
        a ``0o -> 0o`` map, but legal as ``0o -> 0e``.
    """
    irreps = Irreps("4x0o")
    rows = []
    for a in acts:
        layer = Componentwise(irreps, a)
        so3 = equivariance_error(layer, irreps, irreps, n=n, parity=False, rng=rng).absolute
        o3 = equivariance_error(layer, irreps, irreps, n=n, parity=True, rng=rng).absolute
        try:
            out = str(scalar_activation_output("0o", a))
        except ValueError:
            out = "illegal"
        rows.append(ParityTrapRow(a, activation_parity(a), so3, o3, out))
    return tuple(rows)
