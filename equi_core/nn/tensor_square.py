"""Tensor square: a weighted Clebsch-Gordan product of a feature with itself (mixes degrees)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import ArrayLike

from ..o3.irreps import Irreps, as_irreps, check_features
from ..o3.tensor_product import FullyConnectedTensorProduct
from ._common import Array, IrrepsLike, RngLike, readonly

__all__ = ["TensorSquare"]


@dataclass(frozen=True, eq=False)
class TensorSquare:
    """``x -> tp(x, x, weight)`` (``+ x`` if ``residual``) with a :class:`FullyConnectedTensorProduct`.

    Mixes degrees (e.g. ``1o (x) 1o -> 0e + 1e + 2e``); equivariant under O(3) for every weight. The residual
    form needs ``irreps_out == irreps_in``.

    Examples
    --------
    >>> from equi_core import TensorSquare, equivariance_error
    >>> sq = TensorSquare.random("1x1o", "1x0e + 1x2e", rng=0)  # 1o (x) 1o -> 0e + 2e: mixes degrees
    >>> equivariance_error(sq, sq.irreps_in, sq.irreps_out, rng=0).absolute < 1e-13
    True
    """

    irreps_in: Irreps
    irreps_out: Irreps
    weight: Array
    residual: bool = False
    tp: FullyConnectedTensorProduct = field(init=False, repr=False)

    if TYPE_CHECKING:  # the constructor also takes irreps strings; __post_init__ converts them

        def __init__(
            self, irreps_in: IrrepsLike, irreps_out: IrrepsLike, weight: ArrayLike, residual: bool = False
        ) -> None: ...

    def __post_init__(self) -> None:
        irreps_in = as_irreps(self.irreps_in, "irreps_in")
        irreps_out = as_irreps(self.irreps_out, "irreps_out")
        tp = FullyConnectedTensorProduct(irreps_in, irreps_in, irreps_out)
        w = readonly(np.ravel(self.weight))
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
    ) -> TensorSquare:
        """Standard-normal weights, seeded by ``rng``."""
        rng = np.random.default_rng(rng)
        ir_in, ir_out = as_irreps(irreps_in, "irreps_in"), as_irreps(irreps_out, "irreps_out")
        n = FullyConnectedTensorProduct(ir_in, ir_in, ir_out).weight_numel
        return cls(ir_in, ir_out, rng.standard_normal(n), residual)

    def __call__(self, x: ArrayLike) -> Array:
        x = check_features(x, self.irreps_in)
        y = self.tp(x, x, self.weight)
        return x + y if self.residual else y
