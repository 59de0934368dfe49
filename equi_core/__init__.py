"""equi_core: the math behind Equivariance Lab, in numpy/sympy (no Streamlit here).

One module per concept, names that mirror the math:

* :mod:`~equi_core.rotations` -- rotation matrices, Y-X-Y Euler angles, axis-angle, quaternions, Haar sampling
* :mod:`~equi_core.spherical_harmonics` -- real spherical harmonics of any degree (e3nn basis)
* :mod:`~equi_core.wigner` -- real Wigner D matrices, ``wigner_D(1, R) == R``
* :mod:`~equi_core.clebsch_gordan` -- real Clebsch-Gordan tensors, accurate to l = 100
* :mod:`~equi_core.irreps` -- ``Irrep``/``Irreps`` value objects and their O(3) matrices
* :mod:`~equi_core.conventions` -- the conventions text and conversions to textbook/complex bases
* :mod:`~equi_core.equivariance` -- the commuting square ``Y(R x) = D(R) Y(x)`` and deliberately wrong ``D``
* :mod:`~equi_core.molecules` -- the molecules (atom positions, labels, bonds) every page and signal uses
* :mod:`~equi_core.sphere`, :mod:`~equi_core.nets`, :mod:`~equi_core.tensor_product`, :mod:`~equi_core.gaunt` --
  truncation at L, small equivariant networks, Clebsch-Gordan and Gaunt tensor products
"""
from .clebsch_gordan import (
    change_basis_real_to_complex,
    clebsch_gordan,
    clebsch_gordan_exact,
    clebsch_gordan_invariance_error,
    selection_rule,
)
from .irreps import IRREPS_GRAMMAR, Irrep, Irreps, MulIr
from .rotations import (
    INVERSION,
    angles_to_matrix,
    axis_angle_to_matrix,
    check_rotation,
    matrix_to_angles,
    matrix_to_axis_angle,
    matrix_to_quaternion,
    matrix_to_zyz_angles,
    matrix_x,
    matrix_y,
    matrix_z,
    quaternion_to_matrix,
    random_rotation,
    zyz_angles_to_matrix,
)
from .spherical_harmonics import spherical_harmonics
from .wigner import so3_generators, sphere_quadrature, wigner_D, wigner_D_from_angles

__all__ = [
    "INVERSION",
    "IRREPS_GRAMMAR",
    "Irrep",
    "Irreps",
    "MulIr",
    "angles_to_matrix",
    "axis_angle_to_matrix",
    "change_basis_real_to_complex",
    "check_rotation",
    "clebsch_gordan",
    "clebsch_gordan_exact",
    "clebsch_gordan_invariance_error",
    "matrix_to_angles",
    "matrix_to_axis_angle",
    "matrix_to_quaternion",
    "matrix_to_zyz_angles",
    "matrix_x",
    "matrix_y",
    "matrix_z",
    "quaternion_to_matrix",
    "random_rotation",
    "selection_rule",
    "so3_generators",
    "sphere_quadrature",
    "spherical_harmonics",
    "wigner_D",
    "wigner_D_from_angles",
    "zyz_angles_to_matrix",
]
