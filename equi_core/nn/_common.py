"""Type aliases and the read-only array helper shared by the numpy layers."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from numpy.typing import ArrayLike, NDArray

from ..o3.irreps import Irreps

__all__ = ["Array", "IrrepsLike", "RngLike", "Activation", "readonly"]


Array = NDArray[np.float64]


IrrepsLike = Irreps | str


RngLike = int | np.random.Generator | None


Activation = Callable[[np.ndarray], np.ndarray]


def readonly(a: ArrayLike) -> Array:
    """A float64 copy of ``a`` that cannot be written to (stored weights stay as given)."""
    a = np.array(a, dtype=np.float64, copy=True)
    a.setflags(write=False)
    return a
