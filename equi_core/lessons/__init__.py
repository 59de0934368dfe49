"""What each lesson page shows, computed without Streamlit: one module per page, typed (frozen dataclass) results.

* :mod:`~equi_core.lessons.irreps_rotations` -- the commuting square ``Y(R x) = D(R) Y(x)`` and deliberately wrong D
* :mod:`~equi_core.lessons.molecules` -- the molecules (atom positions, labels, bonds) every page and signal uses
* :mod:`~equi_core.lessons.nonlinearity` -- ReLU vs norm nonlinearity, directions, the depth argument, parity trap
* :mod:`~equi_core.lessons.tensor_products` -- ``1 (x) 1 = 0 + 1 + 2``, the path census, timings and fits
* :mod:`~equi_core.lessons.truncation` -- exact signals, truncation at L, the L-fold blind spot
"""

from .irreps_rotations import (
    BUGS,
    CommutingSquare,
    commuting_square_data,
    wrong_D,
)
from .molecules import (
    MOLECULES,
    POINT_CLOUDS,
    Molecule,
    bond_directions,
    molecule,
    point_cloud_preset,
)
from .nonlinearity import (
    PairComparison,
    ParityTrapRow,
    RotationCheck,
    bend_angles,
    best_equivariant_fit,
    compare_pair,
    direction_map_in_plane,
    fibonacci_sphere,
    parity_trap,
    relu_in_frame,
    relu_in_frame_steps,
    rotation_check,
)
from .tensor_products import (
    PathCensus,
    ProductTiming,
    VectorCouplingRow,
    couple_two_vectors,
    fit_power_law,
    path_census,
    time_products,
)
from .truncation import (
    TARGET_KINDS,
    TARGET_MOLECULES,
    BandLimited,
    BlindSpot,
    BondDensity,
    SphericalCap,
    SphericalSignal,
    TruncationStudy,
    blind_spot,
    make_target,
    molecule_directions,
    random_band_limited,
    reconstruct,
    star_directions,
    star_features,
    star_needs_degree,
    truncation_study,
)

__all__ = [
    "BandLimited",
    "bend_angles",
    "best_equivariant_fit",
    "blind_spot",
    "BlindSpot",
    "bond_directions",
    "BondDensity",
    "BUGS",
    "commuting_square_data",
    "CommutingSquare",
    "compare_pair",
    "couple_two_vectors",
    "direction_map_in_plane",
    "fibonacci_sphere",
    "fit_power_law",
    "make_target",
    "Molecule",
    "molecule",
    "molecule_directions",
    "MOLECULES",
    "PairComparison",
    "parity_trap",
    "ParityTrapRow",
    "path_census",
    "PathCensus",
    "point_cloud_preset",
    "POINT_CLOUDS",
    "ProductTiming",
    "random_band_limited",
    "reconstruct",
    "relu_in_frame",
    "relu_in_frame_steps",
    "rotation_check",
    "RotationCheck",
    "SphericalCap",
    "SphericalSignal",
    "star_directions",
    "star_features",
    "star_needs_degree",
    "TARGET_KINDS",
    "TARGET_MOLECULES",
    "time_products",
    "truncation_study",
    "TruncationStudy",
    "VectorCouplingRow",
    "wrong_D",
]
