"""Figures for the "Conventions" page: one rotation in three bases, the change-of-basis matrices, CG tensors.

Pure builders on top of :func:`equi_core.viz.rotations.matrices_row`: numbers in, ``go.Figure`` out.
Complex matrices are drawn as two real panels (real part, imaginary part) on one shared colour scale.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import plotly.graph_objects as go
from numpy.typing import ArrayLike

from .rotations import matrices_row

__all__ = ["lab_labels", "complex_labels", "three_bases_figure", "change_of_basis_figure", "cg_slices_figure"]


def lab_labels(l: int) -> list[str]:
    """Component names in the Lab's (e3nn's) real basis: ``x, y, z`` for l = 1, ``0 .. 2l`` otherwise."""
    if l < 0:
        raise ValueError(f"l must be >= 0, got {l}")
    return ["x", "y", "z"] if l == 1 else [str(i) for i in range(2 * l + 1)]


def complex_labels(l: int) -> list[str]:
    """``m=-l .. m=l``: the complex (Condon-Shortley) basis order."""
    if l < 0:
        raise ValueError(f"l must be >= 0, got {l}")
    return [f"m={m}" for m in range(-l, l + 1)]


def _short(labels: Sequence[str]) -> list[str]:
    """Column labels without the ``m=`` prefix (``m=-2`` -> ``-2``), so they fit under narrow panels."""
    return [str(lab).replace("m=", "") for lab in labels]


def _square(M: ArrayLike, n: int, name: str, dtype: type = np.float64) -> np.ndarray:
    A: np.ndarray = np.asarray(M, dtype=dtype)
    if A.shape != (n, n) or not np.all(np.isfinite(A)):
        raise ValueError(f"{name} must be a finite ({n}, {n}) matrix, got shape {A.shape}")
    return A


def three_bases_figure(
    l: int,
    D_lab: ArrayLike,
    D_textbook: ArrayLike,
    D_complex: ArrayLike,
    *,
    textbook_labels: Sequence[str],
    height: int = 330,
) -> go.Figure:
    """The same rotation's ``D^l`` in the Lab basis, the textbook real basis and the complex basis (Re, Im).

    Four panels on one colour scale ``[-1, 1]`` (all three matrices are unitary, so every entry has modulus <= 1).
    Rows and columns are labelled by the basis functions: Lab components, textbook ``m`` (``y, z, x`` for l = 1),
    complex ``m``.
    """
    n = 2 * l + 1
    A = _square(D_lab, n, "D_lab")
    B = _square(D_textbook, n, "D_textbook")
    C = _square(D_complex, n, "D_complex", np.complex128)
    items = [
        ("Lab / e3nn basis (y polar)", A),
        ("textbook real basis (z polar)", B),
        ("complex basis: real part", C.real),
        ("complex basis: imaginary part", C.imag),
    ]
    rows = [lab_labels(l), list(textbook_labels), complex_labels(l), complex_labels(l)]
    cols = [lab_labels(l), _short(textbook_labels), _short(complex_labels(l)), _short(complex_labels(l))]
    # numbers in the cells while they stay legible (up to 5 x 5); hover shows every value anyway
    return matrices_row(items, zmax=1.0, height=height, digits=2, row_labels=rows, col_labels=cols, show_values=n <= 5)


def change_of_basis_figure(
    B: ArrayLike,
    Q: ArrayLike,
    l: int,
    *,
    textbook_labels: Sequence[str],
    height: int = 300,
) -> go.Figure:
    """The two fixed changes of basis of degree l: ``B_l`` (Lab real -> textbook real) and ``Q_l`` (real -> complex).

    ``Y_textbook(v) = B_l Y_Lab(v)`` (orthogonal; ``B_l = D_Lab(P^T)``, the Wigner matrix of the axis relabelling) and
    ``Y_complex(v) = i^l Q_l Y_textbook(v)`` (unitary); ``Q_l`` is drawn as its real and imaginary parts.
    """
    n = 2 * l + 1
    Bm = _square(B, n, "B")
    Qm = _square(Q, n, "Q", np.complex128)
    items = [
        (f"B<sub>{l}</sub>: Lab → textbook", np.round(Bm, 12)),
        (f"Q<sub>{l}</sub>: real part", np.round(Qm.real, 12)),
        (f"Q<sub>{l}</sub>: imaginary part", np.round(Qm.imag, 12)),
    ]
    rows = [list(textbook_labels), complex_labels(l), complex_labels(l)]
    cols = [lab_labels(l), _short(textbook_labels), _short(textbook_labels)]
    return matrices_row(items, zmax=1.0, height=height, digits=2, row_labels=rows, col_labels=cols)


def cg_slices_figure(C: ArrayLike, *, height: int = 300, max_panels: int = 7) -> go.Figure:
    """The real Clebsch-Gordan tensor ``C[i, j, k]`` as one ``(2 l1 + 1) x (2 l2 + 1)`` panel per output index k.

    Panel k shows the bilinear form ``z_k = sum_ij C_ijk x_i y_j``. At most ``max_panels`` panels (the first ones).
    """
    T = np.asarray(C, dtype=np.float64)
    if T.ndim != 3 or not np.all(np.isfinite(T)) or any(s % 2 == 0 for s in T.shape):
        raise ValueError(f"C must be a finite (2l1+1, 2l2+1, 2l3+1) tensor, got shape {T.shape}")
    l1, l2, l3 = ((s - 1) // 2 for s in T.shape)
    zmax = float(np.abs(T).max()) or 1.0
    items = [
        (f"z<sub>{lab_labels(l3)[k]}</sub> = Σ C<sub>ij{k}</sub> x<sub>i</sub> y<sub>j</sub>", T[:, :, k])
        for k in range(min(T.shape[2], max_panels))
    ]
    rows = [lab_labels(l1)] * len(items)
    cols = [lab_labels(l2)] * len(items)
    return matrices_row(
        items,
        zmax=zmax,
        height=height,
        digits=3 if T.shape[0] * T.shape[1] <= 9 else 2,
        row_labels=rows,
        col_labels=cols,
    )
