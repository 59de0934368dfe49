"""The Lab's conventions, written once, and the conversions to the textbook and complex conventions.

:data:`CONVENTIONS_MARKDOWN` is the text the app shows to learners; every statement in it is checked by
``tests/test_conventions.py`` against sympy, scipy and e3nn.

Three conventions meet here:

``e3nn`` (the Lab's)
    real basis, y is the polar axis, degree 1 is (x, y, z), Euler angles Y-X-Y, ``wigner_D(1, R) == R``.
``textbook`` (real)
    Wikipedia/sphericart real harmonics: z is the polar axis, degree 1 is (y, z, x) (m = -1, 0, 1), Z-Y-Z angles.
``complex``
    Condon-Shortley complex harmonics and Wigner D of quantum mechanics (sympy, scipy), Z-Y-Z angles.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

from .clebsch_gordan import (
    change_basis_real_to_complex,
    clebsch_gordan_complex,
    clebsch_gordan_exact,
)
from .rotations import check_rotation, zyz_angles_to_matrix
from .spherical_harmonics import spherical_harmonics
from .wigner import wigner_D

__all__ = [
    "CONVENTIONS_MARKDOWN",
    "e3nn_to_textbook_axes",
    "spherical_harmonics_textbook",
    "spherical_harmonics_complex",
    "wigner_D_textbook",
    "wigner_D_complex",
    "clebsch_gordan_from_complex",
    "change_basis_real_to_complex",
    "clebsch_gordan_exact",
    "textbook_m_order",
]

Array = NDArray[np.float64]

CONVENTIONS_MARKDOWN = r"""
### The Lab's conventions (the same as e3nn, so what you learn here carries into real models)

| | **the Lab / e3nn** | **textbook real** (Wikipedia, sphericart) | **complex** (quantum mechanics: sympy, scipy) |
|---|---|---|---|
| basis | real | real | complex, Condon-Shortley phase |
| polar axis (the m = 0 direction) | **y** | z | z |
| degree-1 components, in order | **(x, y, z)** | (y, z, x) for m = -1, 0, 1 | $Y_1^{-1}, Y_1^0, Y_1^1$ |
| $D^1(R)$ | **R itself** | $P_1 S P_1^\top$ (a permutation of R) | complex 3x3 |
| Euler angles | **Y-X-Y**: $R = R_y(\alpha) R_x(\beta) R_y(\gamma)$ | Z-Y-Z: $R_z(\alpha) R_y(\beta) R_z(\gamma)$ | Z-Y-Z |
| spherical harmonics normalization | named: `component` (default), `norm`, `integral` | orthonormal (`integral`) | orthonormal |

**Rotations act on column vectors**, $x \mapsto R x$; a batch of row vectors turns as `X @ R.T`.
Euler angles apply $\gamma$ first. The *same three numbers* $(\alpha, \beta, \gamma)$ describe the same turn in
both Euler conventions once the axes are relabelled: $P\,R_{YXY}(\alpha,\beta,\gamma)\,P^\top = R_{ZYZ}(\alpha,\beta,\gamma)$
with $P\,(x, y, z) = (z, x, y)$ (the Lab's y is the textbook z, the Lab's x is the textbook y, the Lab's z is the
textbook x).

**Equivariance, the one equation everything rests on.** For every rotation $R$ and degree $l$:

$$Y^l(R\,x) = D^l(R)\,Y^l(x), \qquad D^l(R_1 R_2) = D^l(R_1)\,D^l(R_2), \qquad D^1(R) = R .$$

**Normalizations.** On the unit sphere: `component` has $\lVert Y^l(x)\rVert^2 = 2l+1$ (each component has mean
square 1: the scale tensor products assume), `norm` has $\lVert Y^l(x) \rVert = 1$, `integral` is orthonormal,
$\int_{S^2} Y^l_i Y^{l'}_j \,d\Omega = \delta_{ll'}\delta_{ij}$. Beware: e3nn's own default is `integral`;
the Lab always names it.

**From the Lab to the textbook (real).** Component $i$ of degree $l$ is the textbook harmonic with
$m = i - l$ evaluated at the relabelled point: $Y^l_{\mathrm{Lab}}(x, y, z) = Y^l_{\mathrm{textbook}}(z, x, y)$.
The Wigner matrices follow: $D^l_{\mathrm{textbook}}(S) = D^l_{\mathrm{Lab}}(P^\top S P)$.

**From real to complex.** $Y^m_{l,\mathrm{complex}} = i^l \sum_r Q_{mr}\, Y^l_{r,\mathrm{textbook}}$ with the unitary
$Q$ = `change_basis_real_to_complex(l)` (e3nn's matrix: the Wikipedia real-to-complex matrix times the phase
$(-i)^l$, which cancels in every $D$ and makes every Clebsch-Gordan tensor real). The quantum-mechanics Wigner
matrix $D_{m'm} = \langle l m' | e^{-i\alpha J_z} e^{-i\beta J_y} e^{-i\gamma J_z} | l m\rangle$ and ours are
related by $D_{\mathrm{Lab}}(\alpha,\beta,\gamma) = Q^\dagger\, \overline{D_{\mathrm{QM}}(\alpha,\beta,\gamma)}\, Q$
(real to 1e-15).

**Clebsch-Gordan.** The Lab's real tensor $C^{l_1 l_2 l_3}$ (`clebsch_gordan`) has unit Frobenius norm and is
invariant: $\sum_{ijk} C_{ijk} D^{l_1}_{ia} D^{l_2}_{jb} D^{l_3}_{kc} = C_{abc}$, so
$z_k = \sum_{ij} C_{ijk}\, x_i y_j$ turns as degree $l_3$. It comes from the exact Condon-Shortley coefficients
$\langle l_1 m_1\, l_2 m_2 | l_3 m_3 \rangle$ (sympy's `clebsch_gordan(l1, l2, l3, m1, m2, m3)`):
$C_{jkn} = \mathrm{Re}\sum Q^{l_1}_{aj} Q^{l_2}_{bk} \overline{Q^{l_3}_{cn}}\, \langle\cdot\rangle_{abc} / \sqrt{2 l_3 + 1}$.
The same real tensor serves both real conventions (only the meaning of index $i$ changes).
Examples: $C^{110} = \delta_{ij}/\sqrt 3$ (the dot product), $C^{111} = \varepsilon_{ijk}/\sqrt 6$ (the cross product).

**Parity (O(3)).** An irrep `le` is even, `lo` odd under the inversion $-I$: a polar vector is `1o`, an axial vector
(a cross product of two polar vectors) is `1e`. For an improper $R$ ($\det R = -1$) an irrep of parity $p$ turns
with $p\,D^l(-R)$. The spherical harmonics of a polar vector are `0e + 1o + 2e + 3o + ...`.

**What the Lab does better than its anchors:** spherical harmonics and Wigner D of any degree (e3nn caps its
harmonics at l = 12), Clebsch-Gordan tensors correct to 1e-13 up to l = 100 (e3nn's silently become zeros from
l = 62 on), everything in float64, and a refusal (`ValueError`) instead of a silent zero where a coupling is
forbidden.
"""

_P = np.array([[0.0, 0.0, 1.0], [1.0, 0.0, 0.0], [0.0, 1.0, 0.0]])
_P.setflags(write=False)


def e3nn_to_textbook_axes() -> Array:
    """The permutation P with ``P @ (x, y, z) = (z, x, y)``: Lab coordinates to textbook coordinates.

    ``P @ angles_to_matrix(a, b, g) @ P.T == zyz_angles_to_matrix(a, b, g)``.

    Examples
    --------
    >>> from equi_core import angles_to_matrix, zyz_angles_to_matrix
    >>> from equi_core.o3.conventions import e3nn_to_textbook_axes
    >>> P = e3nn_to_textbook_axes()
    >>> bool(np.allclose(P @ angles_to_matrix(0.3, 1.1, -0.4) @ P.T, zyz_angles_to_matrix(0.3, 1.1, -0.4)))
    True
    """
    return _P.copy()


def textbook_m_order(l: int) -> list[str]:
    """Labels of the real components in order, e.g. ``['y', 'z', 'x']`` for l = 1, ``m=-2 .. m=2`` otherwise.

    Examples
    --------
    >>> from equi_core.o3.conventions import textbook_m_order
    >>> textbook_m_order(1), textbook_m_order(2)
    (['y', 'z', 'x'], ['m=-2', 'm=-1', 'm=0', 'm=1', 'm=2'])
    """
    if l == 1:
        return ["y", "z", "x"]
    return [f"m={m}" for m in range(-l, l + 1)]


def spherical_harmonics_textbook(l: int, xyz: ArrayLike, normalization: str = "integral") -> Array:
    """Textbook real spherical harmonics (z polar axis, Wikipedia signs, m = -l..l), orthonormal by default.

    Equal to sphericart's ``SphericalHarmonics`` and to scipy's complex harmonics made real.

    Examples
    --------
    >>> from equi_core.o3.conventions import spherical_harmonics_textbook
    >>> np.round(spherical_harmonics_textbook(1, [0.0, 0.0, 1.0]), 12)  # z is the polar axis: only m = 0 (the z entry)
    array([0.        , 0.48860251, 0.        ])
    """
    x = np.asarray(xyz, dtype=np.float64)
    return spherical_harmonics(l, x[..., [1, 2, 0]], normalization=normalization)  # type: ignore[arg-type]


def spherical_harmonics_complex(l: int, xyz: ArrayLike) -> NDArray[np.complex128]:
    """Complex orthonormal harmonics ``Y_l^m`` (Condon-Shortley), m = -l..l: scipy's ``sph_harm_y(l, m, theta, phi)``.

    ``theta`` is measured from the textbook z axis (the Lab's z coordinate here is the textbook's z).

    Examples
    --------
    >>> from scipy.special import sph_harm_y
    >>> from equi_core.o3.conventions import spherical_harmonics_complex
    >>> x = np.array([0.3, -1.2, 0.5]) / np.linalg.norm([0.3, -1.2, 0.5])
    >>> theta, phi = np.arccos(x[2]), np.arctan2(x[1], x[0])
    >>> scipy = np.array([sph_harm_y(2, m, theta, phi) for m in range(-2, 3)])
    >>> bool(np.allclose(spherical_harmonics_complex(2, x), scipy))
    True
    """
    Q = change_basis_real_to_complex(l)
    return (1j) ** l * (spherical_harmonics_textbook(l, xyz) @ Q.T)


def wigner_D_textbook(l: int, S: ArrayLike) -> Array:
    """Real Wigner D in the textbook real basis for a rotation S written in textbook coordinates.

    ``spherical_harmonics_textbook(l, v @ S.T) == spherical_harmonics_textbook(l, v) @ wigner_D_textbook(l, S).T``;
    ``wigner_D_textbook(1, S) == P1 S P1.T`` (order y, z, x).

    Examples
    --------
    >>> from equi_core import random_rotation
    >>> from equi_core.o3.conventions import spherical_harmonics_textbook, wigner_D_textbook
    >>> S, v = random_rotation(rng=0), np.array([[0.3, -1.2, 0.5]])
    >>> D = wigner_D_textbook(2, S)
    >>> float(np.abs(spherical_harmonics_textbook(2, v @ S.T) - spherical_harmonics_textbook(2, v) @ D.T).max()) < 1e-13
    True
    """
    M = check_rotation(S)
    return wigner_D(l, _P.T @ M @ _P)


def wigner_D_complex(l: int, alpha: ArrayLike, beta: ArrayLike, gamma: ArrayLike) -> NDArray[np.complex128]:
    """Quantum-mechanics Wigner D of Z-Y-Z angles: ``<l m'| exp(-i a Jz) exp(-i b Jy) exp(-i g Jz) |l m>``.

    Equal to ``sympy.physics.wigner.wigner_d(l, alpha, beta, gamma)`` (rows m', columns m, from -l).
    Built from the Lab's real matrix: ``conj(Q D_Lab Q^H)``.
    """
    S = zyz_angles_to_matrix(alpha, beta, gamma)
    D = wigner_D(l, _P.T @ S @ _P)
    Q = change_basis_real_to_complex(l)
    return np.conj(Q @ D @ Q.conj().T)


def clebsch_gordan_from_complex(l1: int, l2: int, l3: int) -> Array:
    """The real tensor rebuilt from the complex Condon-Shortley coefficients by the explicit change of basis.

    ``C[j,k,n] = Re(sum Q1[a,j] Q2[b,k] conj(Q3[c,n]) CG[a,b,c]) / sqrt(2 l3 + 1)`` with dense matrices: the
    slow, transparent formula the app shows; equal to :func:`clebsch_gordan`.

    Examples
    --------
    >>> from equi_core import clebsch_gordan
    >>> from equi_core.o3.conventions import clebsch_gordan_from_complex
    >>> float(np.abs(clebsch_gordan_from_complex(2, 2, 3) - clebsch_gordan(2, 2, 3)).max()) < 1e-13
    True
    """
    cg = clebsch_gordan_complex(l1, l2, l3)
    Q1, Q2, Q3 = (change_basis_real_to_complex(l) for l in (l1, l2, l3))
    t = np.einsum("aj,bk,cn,abc->jkn", Q1, Q2, Q3.conj(), cg)
    return t.real / np.sqrt(2 * l3 + 1)
