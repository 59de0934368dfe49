"""Scalar activations and their parity: which pointwise functions are legal on which scalar irreps.

A pseudo-scalar ``0o`` flips sign under inversion, so only odd functions keep it ``0o``, even ones map it to
``0e`` and functions with no parity (relu, softplus, sigmoid, silu) are illegal there: the parity trap.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from types import MappingProxyType

import numpy as np
from numpy.typing import ArrayLike

from ..o3.irreps import Irrep
from ._common import Activation, Array

__all__ = [
    "ACTIVATIONS",
    "activation_parity",
    "as_activation",
    "per_block_activations",
    "relu",
    "scalar_activation_output",
]


def relu(x: ArrayLike) -> Array:
    """``max(x, 0)``, elementwise, float64.

    Examples
    --------
    >>> from equi_core import relu
    >>> relu([1.0, -2.0, 3.0])
    array([1., 0., 3.])
    """
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


def as_activation(act: str | Activation) -> Activation:
    """The function named ``act`` in :data:`ACTIVATIONS` (a callable is returned as it is); ``ValueError`` else.

    Examples
    --------
    >>> from equi_core import as_activation
    >>> as_activation("tanh") is np.tanh, as_activation(np.sin) is np.sin
    (True, True)
    >>> as_activation("swish")
    Traceback (most recent call last):
    ...
    ValueError: unknown activation 'swish'; allowed: ...
    """
    if callable(act):
        return act
    if isinstance(act, str) and act in ACTIVATIONS:
        return ACTIVATIONS[act]
    raise ValueError(f"unknown activation {act!r}; allowed: {', '.join(ACTIVATIONS)} (or a callable)")


def activation_parity(act: str | Activation, *, atol: float = 1e-12) -> int:
    """Parity of a scalar function, checked numerically on ``x`` in [-10, 10].

    Returns
    -------
    int
        ``-1`` if odd (``f(-x) = -f(x)``, e.g. tanh, sin, identity), ``+1`` if even (``f(-x) = f(x)``,
        e.g. abs, square), ``0`` if neither (relu, softplus, sigmoid, silu). The zero function counts as odd.

    Examples
    --------
    >>> from equi_core import activation_parity
    >>> activation_parity("tanh"), activation_parity("abs"), activation_parity("relu")
    (-1, 1, 0)
    """
    f = as_activation(act)
    x = np.linspace(0.0, 10.0, 513)
    a, b = np.asarray(f(x), dtype=np.float64), np.asarray(f(-x), dtype=np.float64)
    scale = max(1.0, float(np.max(np.abs(a))))
    if np.max(np.abs(a + b)) <= atol * scale:
        return -1
    if np.max(np.abs(a - b)) <= atol * scale:
        return 1
    return 0


def scalar_activation_output(ir: Irrep | str, act: str | Activation) -> Irrep:
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

    Examples
    --------
    >>> from equi_core import scalar_activation_output
    >>> scalar_activation_output("0o", "tanh"), scalar_activation_output("0o", "abs")
    (0o, 0e)
    >>> scalar_activation_output("0o", "relu")
    Traceback (most recent call last):
    ...
    ValueError: relu is neither odd nor even, so it is illegal on a pseudo-scalar 0o: ...
    """
    ir = ir if isinstance(ir, Irrep) else Irrep(ir)
    as_activation(act)
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


def per_block_activations(acts: str | Sequence[str], n: int, what: str) -> tuple[str, ...]:
    """One activation name per block (a single name is repeated ``n`` times); ``ValueError`` naming ``what``."""
    if isinstance(acts, str):
        acts = (acts,) * n
    acts = tuple(acts)
    if len(acts) != n:
        raise ValueError(f"{what}: need one activation per block ({n}), got {len(acts)}")
    for a in acts:
        as_activation(a)
    return acts
