"""Argument checks shared by the core's modules: one wording for "what is allowed", one place to change it.

Every public function of ``equi_core`` validates its numbers through these, so a bad value always raises
``ValueError`` with the name of the argument, the allowed range and the value received.
"""

from __future__ import annotations

import math

import numpy as np

__all__ = ["check_int", "check_float"]


def check_int(value: object, name: str, lo: int, hi: int) -> int:
    """``value`` as an ``int`` if it is an integer (Python or numpy, not a bool) with ``lo <= value <= hi``.

    Raises
    ------
    ValueError
        ``"<name> must be an integer from <lo> to <hi>, got <value>"`` otherwise (floats such as ``3.0`` included).
    """
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer)):
        raise ValueError(f"{name} must be an integer from {lo} to {hi}, got {value!r}")
    v = int(value)
    if not lo <= v <= hi:
        raise ValueError(f"{name} must be an integer from {lo} to {hi}, got {v}")
    return v


def check_float(value: object, name: str, lo: float, hi: float) -> float:
    """``value`` as a ``float`` if it is a finite real number (not a bool) with ``lo <= value <= hi``.

    Raises
    ------
    ValueError
        ``"<name> must be a (finite) number from <lo> to <hi>, got <value>"`` otherwise (NaN and infinities included).
    """
    if isinstance(value, (bool, np.bool_)):
        raise ValueError(f"{name} must be a number from {lo} to {hi}, got {value!r}")
    try:
        v = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be a number from {lo} to {hi}, got {value!r}") from None
    if not math.isfinite(v) or not lo <= v <= hi:
        raise ValueError(f"{name} must be a finite number from {lo} to {hi}, got {value!r}")
    return v
