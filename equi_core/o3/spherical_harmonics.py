"""Real spherical harmonics in the Lab's (e3nn's) basis, for any degree.

Conventions (see :mod:`equi_core.conventions` for the full table):

* **y is the polar axis** (the m = 0 harmonic of degree 1 is proportional to y), and the degree-1 harmonics are
  ``(x, y, z)`` in that order, so that degree 1 turns with the rotation matrix itself: ``wigner_D(1, R) == R``.
* Component ``i`` of degree ``l`` (``i = 0..2l``, "m = i - l") is the textbook real harmonic ``Y_{l,m}``
  (Wikipedia sign table, no Condon-Shortley sign) evaluated at the relabelled point ``(z, x, y)``.
* Normalizations: ``'integral'`` (orthonormal on the unit sphere), ``'component'`` (``|Y^l(x)|^2 = 2l + 1`` on the
  unit sphere, each component has unit mean square; what tensor products assume) and ``'norm'`` (``|Y^l(x)| = 1``).

The values come from the stable three-term recursion of the fully normalised associated Legendre functions,
so any degree is available (tested to l = 100); nothing is a hard-coded polynomial.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache
from typing import Any, Literal, cast

import numpy as np
from numpy.typing import ArrayLike, NDArray

__all__ = ["spherical_harmonics", "NORMALIZATIONS", "MAX_L"]

Normalization = Literal["component", "norm", "integral"]
#: The normalizations understood by :func:`spherical_harmonics`.
NORMALIZATIONS: tuple[str, ...] = ("component", "norm", "integral")
#: The largest degree accepted (memory grows as l^2 per point).
MAX_L: int = 1000


def _check_ls(l: int | Sequence[int]) -> list[int]:
    ls: list[Any] = [l] if np.isscalar(l) else list(cast(Sequence[int], l))
    if len(ls) == 0:
        raise ValueError("give at least one degree l")
    out: list[int] = []
    for v in ls:
        if isinstance(v, (bool, np.bool_)) or int(v) != v:
            raise ValueError(f"a degree l must be a non-negative integer, got {v!r}")
        v = int(v)
        if v < 0 or v > MAX_L:
            raise ValueError(f"a degree l must be an integer in 0..{MAX_L}, got {v}")
        out.append(v)
    return out


@lru_cache(maxsize=64)
def _legendre_coefficients(lmax: int) -> tuple[NDArray[np.float64], ...]:
    """Recursion constants: the diagonal Q_m^m / Q_0^0, then for each l >= 2 the arrays a_lm, a_lm b_lm (m <= l-2)."""
    diag = np.empty(lmax + 1)
    diag[0] = 1.0  # the caller multiplies by Y^0 (1 / sqrt(4 pi) orthonormal, exactly 1 otherwise)
    for m in range(1, lmax + 1):
        diag[m] = diag[m - 1] * np.sqrt((2.0 * m + 1.0) / (2.0 * m))
    coeffs = [diag]
    for l in range(2, lmax + 1):
        ms = np.arange(l - 1, dtype=np.float64)
        a = np.sqrt((4.0 * l * l - 1.0) / (l * l - ms * ms))
        b = np.sqrt(((l - 1.0) ** 2 - ms * ms) / (4.0 * (l - 1.0) ** 2 - 1.0))
        coeffs.append(a[:, None])
        coeffs.append((a * b)[:, None])
    for arr in coeffs:
        arr.setflags(write=False)
    return tuple(coeffs)


def spherical_harmonics(
    l: int | Sequence[int],
    xyz: ArrayLike,
    normalization: Normalization = "component",
    normalize: bool = True,
) -> NDArray[np.float64]:
    r"""Real spherical harmonics :math:`Y^l(x)` in e3nn's basis.

    Parameters
    ----------
    l
        A degree, or a sequence of degrees whose blocks are concatenated in the given order.
    xyz
        Points, shape ``(..., 3)``.
    normalization
        ``'component'`` (default), ``'norm'`` or ``'integral'`` (see the module docstring).
    normalize
        If True, the points are first projected on the unit sphere; if False the result is the solid harmonic
        ``|x|^l Y^l(x / |x|)`` (a homogeneous polynomial of degree l).

    Returns
    -------
    ndarray, shape ``(..., sum(2 l + 1))``

    Guarantees
    ----------
    * Equivariance: ``spherical_harmonics(l, x @ R.T) == spherical_harmonics(l, x) @ wigner_D(l, R).T``.
    * Degree 1 (``'component'``, unit x) is ``sqrt(3) * (x, y, z)``; degree 0 is 1.
    * Parity: ``Y^l(-x) = (-1)^l Y^l(x)``.

    Raises
    ------
    ValueError
        For a negative or non-integer degree, an unknown normalization, a shape not ending in 3, NaN/infinite
        coordinates, or a zero vector when ``normalize=True`` (its direction is undefined).

    Examples
    --------
    >>> from equi_core import spherical_harmonics
    >>> spherical_harmonics(1, [0.0, 0.0, 1.0])  # degree 1 is sqrt(3) (x, y, z) for a unit x
    array([0.        , 0.        , 1.73205081])
    >>> spherical_harmonics([0, 1, 2], [[1.0, 2.0, 2.0]]).shape  # 1 + 3 + 5 components
    (1, 9)
    >>> x = np.array([[0.3, -1.2, 0.5]])
    >>> bool(np.allclose(spherical_harmonics(3, -x), -spherical_harmonics(3, x)))  # parity (-1)^l
    True
    """
    ls = _check_ls(l)
    if normalization not in NORMALIZATIONS:
        raise ValueError(f"normalization must be one of {NORMALIZATIONS}, got {normalization!r}")
    x = np.asarray(xyz, dtype=np.float64)
    if x.ndim == 0 or x.shape[-1] != 3:
        raise ValueError(f"points must have shape (..., 3), got {x.shape}")
    if not np.all(np.isfinite(x)):
        raise ValueError("points must be finite (got NaN or infinity)")
    batch = x.shape[:-1]
    pts = x.reshape(-1, 3)
    n = pts.shape[0]
    r = np.sqrt(np.einsum("ni,ni->n", pts, pts))
    zero = r == 0.0
    if normalize and np.any(zero):
        raise ValueError("the zero vector has no direction: spherical harmonics need a nonzero vector")
    r_safe = np.where(zero, 1.0, r)
    # textbook coordinates: polar axis z_s = y, x_s = z, y_s = x (e3nn's relabelling)
    inv = 1.0 / r_safe
    zs = pts[:, 1] * inv
    xs = pts[:, 2] * inv
    ys = pts[:, 0] * inv

    lmax = max(ls)
    offsets: dict[int, int] = {}
    total = 0
    for v in ls:
        if v not in offsets:
            offsets[v] = total
        total += 2 * v + 1
    out = np.empty((total, n))
    coeffs = _legendre_coefficients(max(lmax, 1))
    scale = 1.0 / np.sqrt(4.0 * np.pi) if normalization == "integral" else 1.0  # the value of Y^0
    for start in range(0, n, _CHUNK):
        stop = min(n, start + _CHUNK)
        _fill_chunk(lmax, offsets, coeffs, scale, xs[start:stop], ys[start:stop], zs[start:stop], out[:, start:stop])
    if normalization == "norm":
        for v, off in offsets.items():
            out[off : off + 2 * v + 1] *= 1.0 / np.sqrt(2 * v + 1)
    if not normalize:
        for v, off in offsets.items():
            if v > 0:
                out[off : off + 2 * v + 1] *= r**v
    # repeated degrees in ``ls`` were computed once; copy them to their other positions
    pos = 0
    for v in ls:
        if pos != offsets[v]:
            out[pos : pos + 2 * v + 1] = out[offsets[v] : offsets[v] + 2 * v + 1]
        pos += 2 * v + 1
    return out.T.reshape(batch + (total,))


_CHUNK = 4096  # points per block: keeps the recursion's working set in cache


def _fill_chunk(
    lmax: int,
    offsets: dict[int, int],
    coeffs: tuple[NDArray[np.float64], ...],
    scale: float,
    xs: NDArray[np.float64],
    ys: NDArray[np.float64],
    zs: NDArray[np.float64],
    out: NDArray[np.float64],
) -> None:
    """Write the harmonics of the degrees in ``offsets`` for one chunk of unit points (textbook axes)."""
    n = xs.shape[0]
    diag = coeffs[0] * scale
    sqrt2 = np.sqrt(2.0)
    # C_m + i S_m = sqrt(2) (x_s + i y_s)^m for m >= 1: the sqrt(2) of the real harmonics is folded in
    C = np.empty((lmax + 1, n))
    S = np.empty((lmax + 1, n))
    C[0] = 1.0
    S[0] = 0.0
    if lmax >= 1:
        np.multiply(xs, sqrt2, out=C[1])
        np.multiply(ys, sqrt2, out=S[1])
    tmp = np.empty(n)
    for m in range(2, lmax + 1):
        np.multiply(xs, C[m - 1], out=C[m])
        np.multiply(ys, S[m - 1], out=tmp)
        C[m] -= tmp
        np.multiply(xs, S[m - 1], out=S[m])
        np.multiply(ys, C[m - 1], out=tmp)
        S[m] += tmp
    q_prev2 = np.empty((0, n))
    q_prev = np.full((1, n), diag[0])
    work = np.empty((max(lmax - 1, 1), n))
    for l in range(lmax + 1):
        if l == 0:
            q = q_prev
        elif l == 1:
            q = np.empty((2, n))
            np.multiply(zs, np.sqrt(3.0) * diag[0], out=q[0])
            q[1] = diag[1]
        else:
            q = np.empty((l + 1, n))
            np.multiply(q_prev[: l - 1], zs, out=q[: l - 1])
            q[: l - 1] *= coeffs[1 + 2 * (l - 2)]
            np.multiply(coeffs[2 + 2 * (l - 2)], q_prev2[: l - 1], out=work[: l - 1])
            q[: l - 1] -= work[: l - 1]
            np.multiply(zs, np.sqrt(2.0 * l + 1.0) * q_prev[l - 1], out=q[l - 1])
            q[l] = diag[l]
        off = offsets.get(l)
        if off is not None:
            y = out[off : off + 2 * l + 1]
            y[l] = q[0]
            if l > 0:
                np.multiply(q[1:], C[1 : l + 1], out=y[l + 1 :])
                np.multiply(q[:0:-1], S[l:0:-1], out=y[:l])
        q_prev2, q_prev = q_prev, q
