"""The home page's number: four maps measured for equivariance, three exact and one not at all.

The maps are the Lab's whole argument in one chart: the spherical harmonics ``Y^0..Y^3`` of a vector, the
Clebsch-Gordan product ``1o (x) 1o -> 1e`` (the cross product), the norm nonlinearity ``sigma(|v| - 1) v/|v|`` and
ReLU applied to each component. Each is measured by :func:`equi_core.testing.equivariance_error` over random inputs
and random O(3) elements (every other one improper).

Invariants (tested)
-------------------
* The three equivariant maps have errors below 1e-12 for every seed (float64 round-off).
* Componentwise ReLU has an error above 0.1 (of the order of the input itself) for every seed.
* The same seed gives the same numbers.

Examples
--------
>>> maps = equivariance_maps(0)
>>> maps.worst_equivariant < 1e-12 < 0.1 < maps.relu_error
True
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from .._checks import check_int
from ..nn.componentwise import componentwise
from ..nn.norm_activation import norm_nonlinearity
from ..o3.clebsch_gordan import clebsch_gordan
from ..o3.irreps import Irreps
from ..o3.spherical_harmonics import spherical_harmonics
from ..testing import equivariance_error

__all__ = ["SAMPLES", "EquivarianceMaps", "equivariance_maps"]

#: Random (input, O(3) element) pairs per measured map.
SAMPLES = 16


@dataclass(frozen=True)
class EquivarianceMaps:
    """The measured error ``max |f(g x) - D_out(g) f(x)|`` of each map.

    Attributes
    ----------
    labels : tuple of str
        The maps' names as the chart shows them (``<br>`` breaks a label).
    errors : tuple of float
        One error per map, same order.
    equivariant : tuple of bool
        Whether the map is equivariant by construction (True for all but componentwise ReLU).
    seed, samples : int
        The draw and its size.
    """

    labels: tuple[str, ...]
    errors: tuple[float, ...]
    equivariant: tuple[bool, ...]
    seed: int
    samples: int

    @property
    def worst_equivariant(self) -> float:
        """The largest error among the equivariant maps (float64 round-off)."""
        return max(e for e, ok in zip(self.errors, self.equivariant) if ok)

    @property
    def relu_error(self) -> float:
        """The error of componentwise ReLU (of the order of the input)."""
        return next(e for e, ok in zip(self.errors, self.equivariant) if not ok)


def equivariance_maps(seed: int, samples: int = SAMPLES) -> EquivarianceMaps:
    """Measure the four maps on ``samples`` random inputs and O(3) elements drawn from ``seed``.

    Raises
    ------
    ValueError
        ``seed`` not an integer in [0, 2**31 - 1] or ``samples`` not in [1, 1024].
    """
    seed = check_int(seed, "seed", 0, 2**31 - 1)
    samples = check_int(samples, "samples", 1, 1024)
    C111 = np.asarray(clebsch_gordan(1, 1, 1))

    def harmonics(x: np.ndarray) -> np.ndarray:
        return np.asarray(spherical_harmonics([0, 1, 2, 3], x, normalization="component"))

    def cross(x: np.ndarray) -> np.ndarray:
        return np.einsum("ijk,ni,nj->nk", C111, x[:, :3], x[:, 3:])

    maps: list[tuple[str, Callable[[np.ndarray], np.ndarray], str, Irreps | str, bool]] = [
        ("harmonics<br>Y⁰…Y³", harmonics, "1x1o", Irreps.spherical_harmonics(3), True),
        ("CG product<br>1o⊗1o→1e", cross, "2x1o", "1x1e", True),
        ("norm<br>nonlinearity", lambda x: norm_nonlinearity(x, "1x1o"), "1x1o", "1x1o", True),
        ("ReLU on<br>components", lambda x: componentwise(x, "relu"), "1x1o", "1x1o", False),
    ]
    errors = tuple(
        float(equivariance_error(f, irreps_in, irreps_out, n=samples, rng=seed).absolute)
        for _, f, irreps_in, irreps_out, _ in maps
    )
    return EquivarianceMaps(
        labels=tuple(m[0] for m in maps),
        errors=errors,
        equivariant=tuple(m[4] for m in maps),
        seed=seed,
        samples=samples,
    )
