"""Small equivariant networks in numpy: the layers and their non-equivariant baseline.

A feature is an array ``x`` of shape ``(..., irreps.dim)`` described by an :class:`~equi_core.Irreps`; a group
element ``g`` of O(3) acts on it by ``x -> x @ irreps.D_from_matrix(g).T``. A map ``f`` is *equivariant* when
``f(D_in(g) x) = D_out(g) f(x)`` for every ``g``. One module per concept, each layer equivariant by construction:

* :mod:`~equi_core.nn.activations` -- named scalar activations, their parity, which irrep a pointwise function
  makes of a scalar (relu on a pseudo-scalar ``0o`` is illegal: the *parity trap*)
* :mod:`~equi_core.nn.linear` -- :class:`EquivariantLinear`: mixes copies of each irrep, bias only on ``0e``
* :mod:`~equi_core.nn.norm_activation` -- :class:`NormActivation`: ``sigma(|v| + b) v / |v|`` (no NaN at 0)
* :mod:`~equi_core.nn.scalar_activation` -- :class:`ScalarActivation`: parity-checked pointwise scalars
* :mod:`~equi_core.nn.gate` -- :class:`Gate`: activated scalars gate the higher-degree blocks
* :mod:`~equi_core.nn.tensor_square` -- :class:`TensorSquare`: a weighted CG product of a feature with itself
* :mod:`~equi_core.nn.sequential` -- :class:`Sequential`: a chain with irreps checked at construction
* :mod:`~equi_core.nn.tiny_net` -- :func:`tiny_equivariant_net`: a seeded network of the blocks above
* :mod:`~equi_core.nn.componentwise` -- the baseline :class:`Componentwise` (relu of every number): not equivariant

:func:`equi_core.testing.equivariance_error` measures ``max |f(D_in x) - D_out f(x)|`` over random O(3) elements.
All arithmetic is numpy float64. Configurations are immutable (frozen dataclasses; stored weights are read-only).
"""

from .activations import ACTIVATIONS, activation_parity, as_activation, relu, scalar_activation_output
from .componentwise import Componentwise, componentwise
from .gate import Gate
from .linear import EquivariantLinear
from .norm_activation import NormActivation, norm_nonlinearity
from .scalar_activation import ScalarActivation
from .sequential import Sequential
from .tensor_square import TensorSquare
from .tiny_net import tiny_equivariant_net

__all__ = [
    "ACTIVATIONS",
    "Componentwise",
    "EquivariantLinear",
    "Gate",
    "NormActivation",
    "ScalarActivation",
    "Sequential",
    "TensorSquare",
    "activation_parity",
    "as_activation",
    "componentwise",
    "norm_nonlinearity",
    "relu",
    "scalar_activation_output",
    "tiny_equivariant_net",
]
