"""Pointwise activations on scalar blocks, parity-checked (relu on ``0o`` is refused at construction)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import ArrayLike

from ..o3.irreps import Irreps, as_irreps, check_features
from ._common import Array, IrrepsLike
from .activations import as_activation, per_block_activations, scalar_activation_output

__all__ = ["ScalarActivation"]


@dataclass(frozen=True)
class ScalarActivation:
    """Pointwise activations on scalar blocks, one name per block (or one for all), parity-checked.

    ``irreps_out`` follows :func:`scalar_activation_output`: ``0e -> 0e``; on ``0o`` odd -> ``0o``,
    even -> ``0e``; anything else raises ``ValueError`` at construction (e.g. relu on ``0o``).

    Examples
    --------
    >>> from equi_core import ScalarActivation
    >>> str(ScalarActivation("2x0e + 1x0o", ("relu", "abs")).irreps_out)  # abs makes a pseudo-scalar even
    '2x0e + 1x0e'
    >>> ScalarActivation("1x0o", "relu")
    Traceback (most recent call last):
    ...
    ValueError: relu is neither odd nor even, ...
    """

    irreps_in: Irreps
    acts: str | tuple[str, ...] = "tanh"
    irreps_out: Irreps = field(init=False)

    if TYPE_CHECKING:  # the constructor also takes irreps strings; __post_init__ converts them

        def __init__(self, irreps_in: IrrepsLike, acts: str | tuple[str, ...] = "tanh") -> None: ...

    def __post_init__(self) -> None:
        irreps = as_irreps(self.irreps_in)
        object.__setattr__(self, "irreps_in", irreps)
        acts = per_block_activations(self.acts, len(irreps), "ScalarActivation")
        object.__setattr__(self, "acts", acts)
        out = [(m.mul, scalar_activation_output(m.ir, a)) for m, a in zip(irreps, acts)]
        object.__setattr__(self, "irreps_out", Irreps(out).remove_zero_multiplicities())

    def __call__(self, x: ArrayLike) -> Array:
        x = check_features(x, self.irreps_in)
        out = np.empty_like(x)
        for sl, a in zip(self.irreps_in.slices(), self.acts):
            out[..., sl] = as_activation(a)(x[..., sl])
        return out
