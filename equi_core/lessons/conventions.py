"""The conventions page: one rotation in three bases (Lab = e3nn, textbook real, complex Condon-Shortley), the
changes of basis between them, and sympy's exact Clebsch-Gordan coefficients next to the Lab's real tensors.

Invariants (tested)
-------------------
* Each basis's matrix turns its own harmonics: ``err_lab``, ``err_textbook``, ``err_complex`` < 1e-13 for
  l <= 4; the textbook matrix on Lab features (``err_mixed``) is O(1) for l >= 1 and 0 for l = 0.
* The changes of basis are exact: ``D_tb = B D_Lab B^T = Q^H conj(D_QM) Q`` to 1e-13; ``B`` and ``Q`` are
  orthogonal / unitary to 1e-13.
* The Lab's CG tensor equals the one built from sympy's exact table to 1e-14, is invariant to 1e-13 and has unit
  Frobenius norm.

Examples
--------
>>> report = three_bases(2, 30, 60, -45)
>>> max(report.err_lab, report.err_textbook, report.err_complex) < 1e-13 < 0.1 < report.err_mixed
True
>>> allowed_l3(2, 1)
[1, 2, 3]
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from .._checks import check_int
from ..o3.clebsch_gordan import (
    change_basis_real_to_complex,
    clebsch_gordan,
    clebsch_gordan_exact,
    clebsch_gordan_invariance_error,
    selection_rule,
)
from ..o3.conventions import (
    clebsch_gordan_from_complex,
    e3nn_to_textbook_axes,
    spherical_harmonics_complex,
    spherical_harmonics_textbook,
    textbook_m_order,
    wigner_D_complex,
    wigner_D_textbook,
)
from ..o3.rotations import angles_to_matrix, matrix_to_zyz_angles
from ..o3.spherical_harmonics import spherical_harmonics
from ..o3.wigner import wigner_D
from .classroom import Quiz, matrix_columns

__all__ = [
    "MAX_CG_L",
    "MAX_L",
    "CGReport",
    "ThreeBases",
    "allowed_l3",
    "cg_report",
    "quizzes",
    "sympy_wigner_error",
    "three_bases",
]

Array = NDArray[np.float64]
MAX_L = 4  #: degrees shown side by side
MAX_CG_L = 3  #: degrees of the exact (sympy) Clebsch-Gordan table
#: The rotation the CG invariance is checked with (a generic one).
CHECK_ROTATION_ANGLES = (0.3, 1.1, -0.7)


def _max_abs(a: object) -> float:
    return float(np.abs(np.asarray(a)).max())


@dataclass(frozen=True)
class ThreeBases:
    """One rotation ``R = R_y(alpha) R_x(beta) R_y(gamma)`` of degree ``l`` in the three bases, and the checks.

    Attributes
    ----------
    l : int
        The degree.
    R : ndarray (3, 3)
        The rotation in the Lab's axes.
    zyz_deg : tuple of float
        Its Z-Y-Z angles (degrees), what sympy's formula needs.
    textbook_labels : list of str
        The textbook basis's component names (m order).
    P, B : ndarray
        The axes relabelling ``(x, y, z) -> (z, x, y)`` and the real change of basis ``B_l = D^l_Lab(P^T)``.
    Q : ndarray (complex)
        ``change_basis_real_to_complex(l)``.
    D_lab, D_textbook : ndarray
        The real matrices of ``R``; ``D_complex`` the complex (QM) one.
    err_lab, err_textbook, err_complex : float
        ``max |Y(R v) - D Y(v)|`` over 8 random points, each basis with its own matrix (rounding).
    err_mixed : float
        The textbook matrix applied to Lab features: O(1) for l >= 1 (the silent bug), 0 for l = 0.
    err_B, err_Q : float
        ``max |D_tb - B D_Lab B^T|`` and ``max |D_tb - Q^H conj(D_QM) Q|`` (rounding).
    imag_Q : float
        ``max |Im(Q^H conj(D_QM) Q)|``: the complex matrix is the real one in disguise (rounding).
    lab_vs_textbook : float
        ``max |D_Lab - D_tb|``: different bases, different matrices (0 only for l = 0).
    unitarity : float
        ``max(|Q Q^H - I|, |B B^T - I|)`` (rounding).
    """

    l: int
    R: Array
    zyz_deg: tuple[float, float, float]
    textbook_labels: tuple[str, ...]
    P: Array
    B: Array
    Q: NDArray[np.complex128]
    D_lab: Array
    D_textbook: Array
    D_complex: NDArray[np.complex128]
    err_lab: float
    err_textbook: float
    err_complex: float
    err_mixed: float
    err_B: float
    err_Q: float
    imag_Q: float
    lab_vs_textbook: float
    unitarity: float

    def columns(self) -> dict[str, list]:
        """The download table: the three matrices entry by entry (the complex one as real and imaginary parts)."""
        return matrix_columns(
            {
                "D_lab": self.D_lab,
                "D_textbook": self.D_textbook,
                "D_complex_re": self.D_complex.real,
                "D_complex_im": self.D_complex.imag,
            }
        )


def three_bases(l: int, alpha_deg: float, beta_deg: float, gamma_deg: float) -> ThreeBases:
    """Compute :class:`ThreeBases` for degree ``l`` (0..:data:`MAX_L`) and Y-X-Y angles in degrees.

    Raises
    ------
    ValueError
        ``l`` outside 0..MAX_L or a non-finite angle.
    """
    l = check_int(l, "l", 0, MAX_L)
    angles = np.deg2rad(np.array([alpha_deg, beta_deg, gamma_deg], dtype=np.float64))
    if not np.all(np.isfinite(angles)):
        raise ValueError("the Euler angles must be finite numbers (degrees)")
    R = np.asarray(angles_to_matrix(*angles), dtype=np.float64)
    za, zb, zg = (float(t) for t in matrix_to_zyz_angles(R))
    P = np.asarray(e3nn_to_textbook_axes(), dtype=np.float64)
    B = np.asarray(wigner_D(l, P.T), dtype=np.float64)
    Q = np.asarray(change_basis_real_to_complex(l))
    D_lab = np.asarray(wigner_D(l, R), dtype=np.float64)
    D_tb = np.asarray(wigner_D_textbook(l, R), dtype=np.float64)
    D_qm = np.asarray(wigner_D_complex(l, za, zb, zg))
    v = np.random.default_rng(0).standard_normal((8, 3))
    Rv = v @ R.T
    tb_from_qm = Q.conj().T @ D_qm.conj() @ Q
    eye = np.eye(2 * l + 1)
    return ThreeBases(
        l=l,
        R=R,
        zyz_deg=(float(np.degrees(za)), float(np.degrees(zb)), float(np.degrees(zg))),
        textbook_labels=tuple(textbook_m_order(l)),
        P=P,
        B=B,
        Q=Q,
        D_lab=D_lab,
        D_textbook=D_tb,
        D_complex=D_qm,
        err_lab=_max_abs(spherical_harmonics(l, Rv) - spherical_harmonics(l, v) @ D_lab.T),
        err_textbook=_max_abs(spherical_harmonics_textbook(l, Rv) - spherical_harmonics_textbook(l, v) @ D_tb.T),
        err_complex=_max_abs(spherical_harmonics_complex(l, Rv) - spherical_harmonics_complex(l, v) @ D_qm.conj().T),
        err_mixed=_max_abs(spherical_harmonics(l, Rv) - spherical_harmonics(l, v) @ D_tb.T),
        err_B=_max_abs(D_tb - B @ D_lab @ B.T),
        err_Q=_max_abs(D_tb - tb_from_qm),
        imag_Q=_max_abs(tb_from_qm.imag),
        lab_vs_textbook=_max_abs(D_lab - D_tb),
        unitarity=max(_max_abs(Q @ Q.conj().T - eye), _max_abs(B @ B.T - eye)),
    )


def sympy_wigner_error(report: ThreeBases) -> float:
    """``max |sympy.physics.wigner.wigner_d(l, zyz angles) - D_QM|``: sympy's symbolic matrix, independently."""
    from sympy.physics.wigner import wigner_d

    za, zb, zg = np.deg2rad(report.zyz_deg)
    W = np.array(wigner_d(report.l, float(za), float(zb), float(zg)).evalf(), dtype=np.complex128)
    return _max_abs(W - report.D_complex)


def allowed_l3(l1: int, l2: int) -> list[int]:
    """The output degrees of ``l1 (x) l2``: ``|l1 - l2| .. l1 + l2`` (the selection rule)."""
    return [j for j in range(abs(l1 - l2), l1 + l2 + 1) if selection_rule(l1, l2, j)]


@dataclass(frozen=True)
class CGReport:
    """sympy's exact ``<l1 m1 l2 m2 | l3 m3>`` next to the Lab's real tensor ``C^{l1 l2 l3}``.

    Attributes
    ----------
    rows : tuple of (m1, m2, m3, exact text, value)
        Every nonzero exact coefficient.
    C : ndarray (2 l1 + 1, 2 l2 + 1, 2 l3 + 1)
        The Lab's real tensor (unit Frobenius norm).
    from_exact_error : float
        ``max |C - C built from the exact table via Q|`` (rounding).
    invariance_error : float
        ``max |C(D1, D2, D3) - C|`` for a generic rotation (rounding).
    frobenius : float
        ``|C|_F`` (1 up to rounding).
    """

    l1: int
    l2: int
    l3: int
    rows: tuple[tuple[int, int, int, str, float], ...]
    C: Array
    from_exact_error: float
    invariance_error: float
    frobenius: float

    def columns(self) -> dict[str, list]:
        """The exact table as download columns ``m1, m2, m3, exact, value``."""
        names = ("m1", "m2", "m3", "exact", "value")
        return {name: [r[i] for r in self.rows] for i, name in enumerate(names)}


def cg_report(l1: int, l2: int, l3: int) -> CGReport:
    """Compute :class:`CGReport` for ``l1, l2`` in 0..:data:`MAX_CG_L` and an allowed ``l3``.

    Raises
    ------
    ValueError
        Degrees out of range, or ``l3`` not in :func:`allowed_l3` ``(l1, l2)``.
    """
    l1, l2 = check_int(l1, "l1", 0, MAX_CG_L), check_int(l2, "l2", 0, MAX_CG_L)
    l3 = check_int(l3, "l3", 0, 2 * MAX_CG_L)
    if l3 not in allowed_l3(l1, l2):
        raise ValueError(f"l3 = {l3} is not allowed for l1 = {l1}, l2 = {l2}; allowed: {allowed_l3(l1, l2)}")
    rows = []
    for m1 in range(-l1, l1 + 1):
        for m2 in range(-l2, l2 + 1):
            m3 = m1 + m2
            if abs(m3) <= l3:
                value = clebsch_gordan_exact(l1, m1, l2, m2, l3, m3)
                if value != 0:
                    rows.append((m1, m2, m3, str(value), float(value)))
    C = np.asarray(clebsch_gordan(l1, l2, l3), dtype=np.float64)
    R = angles_to_matrix(*CHECK_ROTATION_ANGLES)
    return CGReport(
        l1=l1,
        l2=l2,
        l3=l3,
        rows=tuple(rows),
        C=C,
        from_exact_error=_max_abs(C - clebsch_gordan_from_complex(l1, l2, l3)),
        invariance_error=float(clebsch_gordan_invariance_error(l1, l2, l3, R)),
        frobenius=float(np.linalg.norm(C)),
    )


def quizzes() -> dict[str, Quiz]:
    """The page's three questions; the answers are read off the library (polar axis, l = 1 order, a sympy CG)."""
    axes = {"x": np.array([1.0, 0.0, 0.0]), "y": np.array([0.0, 1.0, 0.0]), "z": np.array([0.0, 0.0, 1.0])}
    # the polar axis is where the m = 0 harmonic of degree 2 (the middle component) is largest
    polar = max(axes, key=lambda k: float(spherical_harmonics(2, axes[k])[2]))
    # component i of degree 1 is the coordinate along the axis where it is largest
    degree_one = {k: np.asarray(spherical_harmonics(1, axes[k]), dtype=np.float64) for k in axes}
    order_l1 = [max(degree_one, key=lambda k: float(degree_one[k][i])) for i in range(3)]
    cg = clebsch_gordan_exact(1, 0, 1, 0, 2, 0)
    return {
        "quiz_0": Quiz(
            "Which axis is the polar (m = 0) axis of the Lab's (e3nn's) spherical harmonics?",
            ("x", "y", "z"),
            polar,
            "In e3nn (and here) y is the polar axis, which is why degree 1 comes out as (x, y, z) and D¹(R) = R. "
            "The textbook's polar axis is z.",
        ),
        "quiz_1": Quiz(
            "In what order does the Lab store the three components of degree 1?",
            ("(x, y, z)", "(y, z, x)", "(z, x, y)"),
            "(" + ", ".join(order_l1) + ")",
            "(x, y, z): spherical_harmonics(1, e_x) is √3·(1, 0, 0). The textbook order m = −1, 0, 1 is (y, z, x).",
        ),
        "quiz_2": Quiz.with_distractors(
            "What is the exact Clebsch-Gordan coefficient ⟨1 0; 1 0 | 2 0⟩ (sympy)?",
            str(cg),
            ["sqrt(2)/2", "sqrt(3)/3", "1/2", "0"],
            f"sympy: clebsch_gordan(1, 1, 2, 0, 0, 0) = {cg} ≈ {float(cg):.4f}.",
            sort=True,
        ),
    }
