"""Small molecules as point clouds: atom positions, element labels and bonds (the Lab's one source of geometry).

Every molecule is written once here, from its experimental bond length and bond angle, in the Lab's axes (e3nn's:
y is the polar axis, so a molecule's symmetry axis points along +y):

* ``water`` (H2O): O-H 0.9572 Å, H-O-H 104.52°, in the x-y plane, the bisector of the two bonds along +y.
* ``ammonia`` (NH3): N-H 1.012 Å, H-N-H 106.7°, a pyramid whose 3-fold axis is +y (the H atoms above N).
* ``methane`` (CH4): C-H 1.09 Å, the four H atoms on the vertices ``(±1, ±1, ±1) / sqrt(3)`` of a regular
  tetrahedron with an even number of minus signs (H-C-H 109.47°).

The central atom is atom 0, at the origin, and every bond joins it to another atom, so the bond *vectors* are the
other atoms' positions and :func:`bond_directions` (their unit vectors) is what :mod:`equi_core.lessons.truncation` turns into
a spherical signal. :func:`point_cloud_preset` serves the point clouds the rotation pages rotate (the molecules plus
a seeded random cloud).

Invariants
----------
* ``positions[0] == 0``; ``|positions[j]|`` is the bond length for every bonded ``j`` (tested to 1e-12); the angle
  between any two bonds is the molecule's bond angle (tested to 0.01 degree, the precision it is given with).
* Arrays held here are read-only; the functions return fresh, writable copies.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

import numpy as np
from numpy.typing import NDArray

__all__ = [
    "Molecule",
    "MOLECULES",
    "molecule",
    "bond_directions",
    "POINT_CLOUDS",
    "point_cloud_preset",
]

Array = NDArray[np.float64]


@dataclass(frozen=True)
class Molecule:
    """One molecule: ``positions`` (Å, central atom first, at the origin), ``labels`` and ``bonds``.

    Attributes
    ----------
    name : str
        ``'water'``, ``'ammonia'`` or ``'methane'``.
    description : str
        One line for a learner (formula, bond length, bond angle, orientation).
    positions : ndarray, shape (n, 3)
        Read-only atom positions in Å; ``positions[0]`` is the central atom at the origin.
    labels : tuple of str
        Element symbol per atom, numbered when repeated (``'H1'``, ``'H2'``).
    bonds : tuple of (int, int)
        Index pairs ``(0, j)``: every bond starts at the central atom.
    bond_length : float
        The (single) bond length in Å.
    bond_angle_deg : float
        The angle between two bonds in degrees.
    """

    name: str
    description: str
    positions: Array
    labels: tuple[str, ...]
    bonds: tuple[tuple[int, int], ...]
    bond_length: float
    bond_angle_deg: float

    def bond_vectors(self) -> Array:
        """``positions[j] - positions[i]`` for every bond ``(i, j)``, shape ``(n_bonds, 3)`` (a new array)."""
        i, j = np.array(self.bonds).T
        return self.positions[j] - self.positions[i]

    def bond_directions(self) -> Array:
        """The unit bond vectors, shape ``(n_bonds, 3)`` (a new array)."""
        v = self.bond_vectors()
        return v / np.linalg.norm(v, axis=-1, keepdims=True)


def _central(name: str, description: str, center: str, directions: Array, length: float, angle_deg: float) -> Molecule:
    """A molecule whose central atom sits at the origin and whose H atoms lie at ``length * directions``."""
    directions = np.asarray(directions, dtype=np.float64)
    positions = np.vstack([np.zeros(3), length * directions])
    positions.setflags(write=False)
    n = len(directions)
    return Molecule(
        name=name,
        description=description,
        positions=positions,
        labels=(center,) + tuple(f"H{k}" for k in range(1, n + 1)),
        bonds=tuple((0, k) for k in range(1, n + 1)),
        bond_length=length,
        bond_angle_deg=angle_deg,
    )


def _water(length: float = 0.9572, angle_deg: float = 104.52) -> Molecule:
    half = math.radians(angle_deg) / 2.0
    s, c = math.sin(half), math.cos(half)
    return _central(
        "water",
        f"H2O: two O-H bonds of {length} Å, {angle_deg} degrees apart",
        "O",
        np.array([[s, c, 0.0], [-s, c, 0.0]]),
        length,
        angle_deg,
    )


def _ammonia(length: float = 1.012, angle_deg: float = 106.7) -> Molecule:
    # three N-H bonds at the angle beta from the +y axis; H-N-H = angle_deg:  cos(HNH) = (3 cos^2 beta - 1) / 2
    cos_b = math.sqrt((1.0 + 2.0 * math.cos(math.radians(angle_deg))) / 3.0)
    sin_b = math.sqrt(1.0 - cos_b**2)
    phi = 2.0 * np.pi * np.arange(3) / 3
    u = np.stack([sin_b * np.sin(phi), np.full(3, cos_b), sin_b * np.cos(phi)], axis=-1)
    return _central(
        "ammonia",
        f"NH3: three N-H bonds, H-N-H {angle_deg} degrees (pyramid, 3-fold axis along y)",
        "N",
        u,
        length,
        angle_deg,
    )


def _methane(length: float = 1.09) -> Molecule:
    u = np.array([[1.0, 1.0, 1.0], [1.0, -1.0, -1.0], [-1.0, 1.0, -1.0], [-1.0, -1.0, 1.0]]) / math.sqrt(3.0)
    angle = math.degrees(math.acos(-1.0 / 3.0))
    return _central("methane", "CH4: four C-H bonds of a regular tetrahedron", "C", u, length, angle)


#: The molecules, by name (read-only mapping).
MOLECULES: Mapping[str, Molecule] = MappingProxyType({m.name: m for m in (_water(), _ammonia(), _methane())})


def molecule(name: str) -> Molecule:
    """The :class:`Molecule` called ``name`` (``'water'``, ``'ammonia'`` or ``'methane'``).

    Raises
    ------
    ValueError
        For an unknown name (the message lists the known ones).
    """
    if name not in MOLECULES:
        raise ValueError(f"unknown molecule {name!r}; choose one of {', '.join(MOLECULES)}")
    return MOLECULES[name]


def bond_directions(name: str) -> Array:
    """Unit bond directions of a molecule, shape ``(n_bonds, 3)``: its H atoms as seen from the central atom."""
    return molecule(name).bond_directions()


#: Names of the point clouds :func:`point_cloud_preset` knows.
POINT_CLOUDS: tuple[str, ...] = ("water", "methane", "random cloud")


def point_cloud_preset(name: str, seed: int = 0) -> tuple[Array, list[str], list[tuple[int, int]]]:
    """A small point cloud centred on its first point: ``(positions (n, 3), labels, bonds)``.

    ``'water'`` and ``'methane'``: the :data:`MOLECULES` of that name (positions in Å, central atom at the origin).
    ``'random cloud'``: 6 Gaussian points (seeded by ``seed``), centred on their mean, no bonds.
    The positions are relative vectors ``x_i`` (never zero, except the central atom of a molecule, which
    :func:`equi_core.equivariance.commuting_square_data` drops because a zero vector has no direction).

    Returns
    -------
    positions : ndarray, shape (n, 3)
        A new, writable array.
    labels : list of str
    bonds : list of (int, int)

    Raises
    ------
    ValueError
        For an unknown name.
    """
    if name == "random cloud":
        rng = np.random.default_rng(int(seed))
        X = rng.standard_normal((6, 3))
        X -= X.mean(axis=0)
        return X, [f"P{k + 1}" for k in range(6)], []
    if name not in POINT_CLOUDS:
        raise ValueError(f"unknown point cloud {name!r}; choose one of {', '.join(POINT_CLOUDS)}")
    m = MOLECULES[name]
    return np.array(m.positions), list(m.labels), list(m.bonds)
