"""The baseline: a scalar activation applied to every component, ignoring the irreps (NOT equivariant for l > 0)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import ArrayLike

from ..o3.irreps import Irreps, as_irreps, check_features
from ._common import Activation, Array, IrrepsLike
from .activations import as_activation

__all__ = ["Componentwise", "componentwise"]


def componentwise(x: ArrayLike, act: str | Activation = "relu") -> Array:
    """Apply a scalar activation to every component, ignoring the irrep structure (the baseline).

    Not equivariant: ``relu(R v) != R relu(v)`` for generic rotations ``R``.

    Examples
    --------
    >>> from equi_core import componentwise, equivariance_error
    >>> componentwise([[1.0, -2.0, 3.0], [-1.0, 2.0, 3.0]])  # the seed's example: lengths sqrt(10) and sqrt(13)
    array([[1., 0., 3.],
           [0., 2., 3.]])
    >>> equivariance_error(componentwise, "1o", "1o", rng=0).absolute > 0.1  # not equivariant
    True
    """
    return np.asarray(as_activation(act)(np.asarray(x, dtype=np.float64)), dtype=np.float64)


@dataclass(frozen=True)
class Componentwise:
    """Layer form of :func:`componentwise`: ``irreps_out == irreps_in``; a non-equivariant baseline.

    Examples
    --------
    >>> from equi_core import Componentwise
    >>> Componentwise("1x1o")([1.0, -2.0, 3.0])
    array([1., 0., 3.])
    """

    irreps_in: Irreps
    act: str = "relu"

    if TYPE_CHECKING:  # the constructor also takes irreps strings; __post_init__ converts them

        def __init__(self, irreps_in: IrrepsLike, act: str = "relu") -> None: ...

    def __post_init__(self) -> None:
        object.__setattr__(self, "irreps_in", as_irreps(self.irreps_in))
        as_activation(self.act)

    @property
    def irreps_out(self) -> Irreps:
        return self.irreps_in

    def __call__(self, x: ArrayLike) -> Array:
        return componentwise(check_features(x, self.irreps_in), self.act)
