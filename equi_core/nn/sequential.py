"""A chain of layers whose irreps are checked to match at construction."""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

from ..o3.irreps import Irreps
from ._common import Array

__all__ = ["Sequential"]


@dataclass(frozen=True, eq=False)
class Sequential:
    """A chain of layers; checks at construction that each layer's ``irreps_out`` is the next one's ``irreps_in``.

    Examples
    --------
    >>> from equi_core import EquivariantLinear, NormActivation, Sequential
    >>> net = Sequential((EquivariantLinear.random("1o", "2x1o", rng=0), NormActivation("2x1o")))
    >>> str(net.irreps_in), str(net.irreps_out)
    ('1x1o', '2x1o')
    >>> Sequential((NormActivation("1o"), NormActivation("2x1o")))
    Traceback (most recent call last):
    ...
    ValueError: layer output 1x1o does not match next input 2x1o
    """

    layers: tuple

    def __post_init__(self) -> None:
        layers = tuple(self.layers)
        if not layers:
            raise ValueError("Sequential needs at least one layer")
        for a, b in itertools.pairwise(layers):
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
