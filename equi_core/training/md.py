"""Molecular dynamics with a learned potential: NVE / Langevin NVT through ASE, and what a run measures.

A run starts from one frame of a shipped GFN2-xTB dataset (:func:`equi_core.training.molecular.load_dataset`),
with velocities drawn from the Maxwell-Boltzmann distribution by a seeded ``numpy`` generator and the total
momentum zeroed (the angular momentum is kept: the molecule tumbles, which is what exposes a model that is not
rotation-invariant). Every model is driven from the *same* start (same positions, same velocities, same Langevin
noise seed), and the GFN2-xTB (``tblite``) run from that start is the reference where ``tblite`` is installed.

What is measured (:func:`analyse_run`):

* **drift**: slope of a least-squares line through the total energy per atom against time, eV/atom/ps (NVE only;
  under a Langevin thermostat the total energy is not conserved and no drift is reported);
* **fluctuation**: standard deviation of the total energy per atom around that line, eV/atom;
* **time to failure**: the first time at which a bond of the starting frame leaves
  ``BOND_WINDOW = (0.7, 1.5)`` times its starting length, two atoms come closer than ``MIN_DISTANCE = 0.5`` Å,
  the total energy leaves its starting value by more than ``ENERGY_EXPLOSION = 0.5`` eV/atom, or an energy or
  force is not finite. A run stops at its failure (``None`` = it survived the whole run);
* **histogram distances** of the bond lengths (Å) and bond angles (degrees) against the reference trajectory:
  Wasserstein-1 distance between the pooled empirical distributions (and the Jensen-Shannon distance of their
  histograms on fixed bins, base 2, in [0, 1]);
* **rotation sensitivity**: ``max |E(R x) - E(x)|`` (eV) over frames of the model's own trajectory and random
  rotations ``R`` (invariance in practice), and the force analogue ``max |F(R x) - R F(x)|`` (eV/Å);
* **cost**: wall-clock and CPU milliseconds per MD step on this machine (integrator, calculator and checks).

:class:`RotationallyAveraged` averages an unconstrained potential over ``k`` rotations at inference (forces rotated
back); :func:`averaging_study` measures its invariance error and cost as ``k`` grows. Random rotations are a fixed
set drawn once from a seeded generator (the averaged model is one fixed function, conservative if the base is);
``rotations="icosahedral"`` is the 60-element rotation group of the icosahedron, which averages *exactly* every
orientation component of degree 1 to 5 away.

Every random draw comes from a generator seeded by the configuration only (never the global RNG), so a run is a
function of its configuration.
"""

from __future__ import annotations

import contextlib
import functools
import json
import math
import os
import platform
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any, ClassVar, Protocol, runtime_checkable

import numpy as np
from numpy.typing import NDArray

try:  # engineer F's shared protocol (equi_core.progress); the training module re-exports the same names
    from equi_core.progress import StopRequested
except ImportError:  # pragma: no cover
    from .train import StopRequested

Array = NDArray[np.float64]

__all__ = [
    "BOND_WINDOW",
    "MIN_DISTANCE",
    "ENERGY_EXPLOSION",
    "ENSEMBLES",
    "REFERENCE",
    "MDConfig",
    "Potential",
    "ModelPotential",
    "CalculatorPotential",
    "RotationallyAveraged",
    "PotentialCalculator",
    "icosahedral_rotations",
    "random_rotations",
    "bond_topology",
    "bond_lengths",
    "bond_angles",
    "StartState",
    "initial_state",
    "Trajectory",
    "run_dynamics",
    "analyse_run",
    "drift_and_fluctuation",
    "time_to_failure",
    "wasserstein_1",
    "jensen_shannon",
    "rotation_sensitivity",
    "loop_work",
    "averaging_study",
    "md_job",
    "run_md_study",
    "save_study",
    "load_study",
    "results_dir",
    "tblite_available",
]

#: A bond of the starting frame "breaks" when its length leaves this window times its starting length.
BOND_WINDOW: tuple[float, float] = (0.7, 1.5)
#: Two atoms closer than this (Å) have collapsed onto each other.
MIN_DISTANCE = 0.5
#: The total energy leaving its starting value by more than this (eV/atom) is an explosion.
ENERGY_EXPLOSION = 0.5
#: Covalent bond: distance below this factor times the sum of covalent radii in the starting frame.
BOND_FACTOR = 1.2
ENSEMBLES = ("nve", "nvt")
#: The name of the GFN2-xTB reference "model".
REFERENCE = "xtb"
BOND_BINS = np.linspace(0.8, 1.8, 101)  # Å, 0.01 Å bins
ANGLE_BINS = np.linspace(80.0, 140.0, 121)  # degrees, 0.5 degree bins


def tblite_available() -> bool:
    """True iff ``tblite`` (GFN2-xTB) can be imported (Linux wheels; the reference runs need it)."""
    try:
        import tblite.ase  # noqa: F401
    except Exception:  # noqa: BLE001 # pragma: no cover - a broken wheel is "not available" too
        return False
    return True


def results_dir() -> Path:
    """The folder of the shipped MD runs: ``equi_core/training/results/md``."""
    return Path(__file__).resolve().parent / "results" / "md"


# --------------------------------------------------------------------------------------------------- config


@dataclass(frozen=True)
class MDConfig:
    """One MD run (validated).

    Parameters
    ----------
    molecule
        A shipped dataset name (``"ethanol"``, ...).
    ensemble
        ``"nve"`` (velocity Verlet) or ``"nvt"`` (Langevin, ``friction`` in 1/fs).
    steps, dt_fs
        Number of steps and time step in fs.
    temperature_K
        Maxwell-Boltzmann temperature of the starting velocities and the thermostat; ``None`` = the dataset's.
    start_frame
        Index of the starting frame in the shipped dataset (default: its last frame, long after the burn-in).
    seed
        Seeds the velocities (``seed``), the Langevin noise (``seed + 1``) and the test rotations (``seed + 2``).
    log_every, frames
        Energies are kept every step, saved every ``log_every`` steps; ``frames`` frames are kept for the
        trajectory file and the animation.
    sample_every
        Geometry (bond and angle) samples every ``sample_every`` steps.
    rotation_frames, rotation_samples
        Frames of the trajectory and random rotations for the rotation sensitivity.
    """

    molecule: str = "ethanol"
    ensemble: str = "nve"
    steps: int = 2000
    dt_fs: float = 0.5
    temperature_K: float | None = None
    friction: float = 0.01
    start_frame: int = -1
    seed: int = 0
    log_every: int = 10
    frames: int = 50
    sample_every: int = 5
    rotation_frames: int = 8
    rotation_samples: int = 8

    def __post_init__(self) -> None:
        if self.ensemble not in ENSEMBLES:
            raise ValueError(f"ensemble must be one of {ENSEMBLES}, got {self.ensemble!r}")
        for name in ("steps", "log_every", "frames", "sample_every", "rotation_frames", "rotation_samples"):
            v = getattr(self, name)
            if not isinstance(v, (int, np.integer)) or isinstance(v, bool) or v < (0 if name == "steps" else 1):
                raise ValueError(f"{name} must be an integer >= {0 if name == 'steps' else 1}, got {v!r}")
        if self.steps > 200_000:
            raise ValueError(f"steps must be <= 200000, got {self.steps}")
        if not (isinstance(self.dt_fs, (int, float)) and math.isfinite(self.dt_fs) and 0 < self.dt_fs <= 5.0):
            raise ValueError(f"dt_fs must be in (0, 5] fs, got {self.dt_fs!r}")
        t = self.temperature_K
        if t is not None and not (isinstance(t, (int, float)) and math.isfinite(t) and 0 < t <= 3000):
            raise ValueError(f"temperature_K must be in (0, 3000] K or None, got {t!r}")
        if not (isinstance(self.friction, (int, float)) and math.isfinite(self.friction) and 0 < self.friction <= 1):
            raise ValueError(f"friction must be in (0, 1] 1/fs, got {self.friction!r}")

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> MDConfig:
        """Build from a (JSON) dict; unknown keys raise ``ValueError``."""
        known = set(cls.__dataclass_fields__)
        bad = sorted(set(d) - known)
        if bad:
            raise ValueError(f"unknown MD config keys {bad}; allowed: {sorted(known)}")
        return cls(**d)


# --------------------------------------------------------------------------------------------- potentials


@runtime_checkable
class Potential(Protocol):
    """Anything that maps a batch of geometries to energies and forces (numpy, float64 out).

    ``energy_and_forces(numbers (n,), positions (B, n, 3) Å) -> (E (B,) eV, F (B, n, 3) eV/Å)``;
    ``conservative`` says whether ``F = -dE/dx``.
    """

    conservative: bool

    def energy_and_forces(self, numbers: NDArray[np.int64], positions: Array) -> tuple[Array, Array]: ...


class ModelPotential:
    """A torch model of :mod:`equi_core.training.molecular` as a :class:`Potential` (batched, one call).

    ``fn`` overrides the evaluation (``fn(model, numbers, positions) -> (E, F)`` torch tensors); by default
    :func:`equi_core.training.molecular.energy_and_forces`. Positions are cast to the model's parameter dtype.
    """

    def __init__(self, model: Any, fn: Callable[..., Any] | None = None) -> None:
        self.model = model
        self.conservative = bool(getattr(model, "conservative", True))
        if fn is None:
            from .molecular import energy_and_forces

            fn = energy_and_forces
        self._fn: Callable[..., Any] = fn

    def energy_and_forces(self, numbers: NDArray[np.int64], positions: Array) -> tuple[Array, Array]:
        import torch

        params = list(self.model.parameters()) if hasattr(self.model, "parameters") else []
        dtype = params[0].dtype if params else torch.float64
        pos = torch.as_tensor(np.asarray(positions), dtype=dtype)
        nums = torch.as_tensor(np.asarray(numbers), dtype=torch.long)
        energy, forces = self._fn(self.model, nums, pos)
        return (
            energy.detach().to(torch.float64).numpy().reshape(-1),
            forces.detach().to(torch.float64).numpy().reshape(pos.shape),
        )


class CalculatorPotential:
    """An ASE calculator (e.g. GFN2-xTB from ``tblite``) as a :class:`Potential` (one call per frame)."""

    def __init__(self, make_calculator: Callable[[], Any], conservative: bool = True) -> None:
        self._make = make_calculator
        self.conservative = conservative
        self._calc: Any = None

    def energy_and_forces(self, numbers: NDArray[np.int64], positions: Array) -> tuple[Array, Array]:
        from ase import Atoms

        if self._calc is None:
            self._calc = self._make()
        limit_openmp()
        positions = np.asarray(positions, dtype=float)
        energies, forces = [], []
        for x in positions:
            atoms = Atoms(numbers=numbers, positions=x)
            atoms.calc = self._calc
            energies.append(atoms.get_potential_energy())
            forces.append(atoms.get_forces())
        return np.asarray(energies, dtype=float), np.asarray(forces, dtype=float)


def random_rotations(k: int, rng: int | np.random.Generator) -> Array:
    """``k`` Haar-uniform proper rotations ``(k, 3, 3)`` from a seeded generator."""
    from equi_core import random_rotation

    return np.asarray(random_rotation(k, rng=rng), dtype=float).reshape(k, 3, 3)


def _axis_angle(axis: Sequence[float], angle: float) -> Array:
    a = np.asarray(axis, dtype=float)
    a = a / np.linalg.norm(a)
    k = np.array([[0, -a[2], a[1]], [a[2], 0, -a[0]], [-a[1], a[0], 0]])
    return np.eye(3) + math.sin(angle) * k + (1 - math.cos(angle)) * (k @ k)


def icosahedral_rotations() -> Array:
    """The 60 proper rotations of the icosahedron ``(60, 3, 3)`` (closure of a 5-fold and a 3-fold rotation).

    Averaging over a finite group G projects ``D^l`` onto its G-invariant subspace; the icosahedral group has no
    invariant vector in degrees 1 to 5, so the average of a function whose orientation dependence has degree <= 5
    is exactly rotation-invariant.

    Examples
    --------
    >>> g = icosahedral_rotations()
    >>> g.shape, bool(np.allclose(np.einsum("gij,gkj->gik", g, g), np.eye(3)))
    ((60, 3, 3), True)
    """
    phi = (1 + math.sqrt(5)) / 2
    gens = [_axis_angle((0.0, 1.0, phi), 2 * math.pi / 5), _axis_angle((1.0, 1.0, 1.0), 2 * math.pi / 3)]
    group = [np.eye(3)]
    frontier = [np.eye(3)]
    while frontier:
        new = []
        for g in frontier:
            for h in gens:
                m = h @ g
                if not any(np.abs(m - q).max() < 1e-9 for q in group):
                    group.append(m)
                    new.append(m)
        frontier = new
    if len(group) != 60:  # pragma: no cover - a wrong generator pair
        raise RuntimeError(f"icosahedral closure gave {len(group)} elements")
    return np.stack(group)


class RotationallyAveraged:
    """Rotational averaging at inference: ``E(x) = mean_r E0(x R_r^T)``, ``F(x) = mean_r F0(x R_r^T) R_r``.

    Positions are rows, so ``x R^T`` rotates every atom by ``R`` about the origin; the forces of the rotated
    geometry are rotated back. With ``rotations="random"`` the ``k`` rotations are drawn once from
    ``numpy.random.default_rng(seed)`` (the averaged model is one fixed function: conservative if the base is,
    since each term is a conservative potential composed with a rotation); ``"icosahedral"`` uses the 60
    rotations of :func:`icosahedral_rotations` (``k`` ignored), optionally turned by one random rotation.
    Geometries are centred on their centroid before rotating, so the average is translation-invariant when the
    base is. One batched call of the base potential per evaluation (``B * k`` geometries).

    Examples
    --------
    >>> class Tilted:  # E = z-coordinate of atom 0 (not invariant): the average over a group is 0
    ...     conservative = True
    ...     def energy_and_forces(self, numbers, positions):
    ...         e = positions[:, 0, 2]
    ...         f = np.zeros_like(positions); f[:, 0, 2] = -1.0
    ...         return e, f
    >>> avg = RotationallyAveraged(Tilted(), rotations="icosahedral")
    >>> e, f = avg.energy_and_forces(np.array([1, 1]), np.array([[[0.0, 0.0, 1.0], [0.0, 0.0, -1.0]]]))
    >>> bool(abs(e[0]) < 1e-12), avg.k
    (True, 60)
    """

    def __init__(self, base: Potential, k: int = 8, rotations: str = "random", seed: int = 0) -> None:
        if rotations not in ("random", "icosahedral"):
            raise ValueError(f"rotations must be 'random' or 'icosahedral', got {rotations!r}")
        if rotations == "random":
            if not isinstance(k, (int, np.integer)) or isinstance(k, bool) or not 1 <= k <= 1024:
                raise ValueError(f"k must be an integer in [1, 1024], got {k!r}")
            self.rotations = random_rotations(int(k), np.random.default_rng(seed))
        else:
            self.rotations = icosahedral_rotations()
        self.base = base
        self.kind = rotations
        self.k = int(self.rotations.shape[0])
        self.conservative = bool(getattr(base, "conservative", True))

    def energy_and_forces(self, numbers: NDArray[np.int64], positions: Array) -> tuple[Array, Array]:
        x = np.asarray(positions, dtype=float)
        if x.ndim == 2:
            x = x[None]
        b, n, _ = x.shape
        centre = x.mean(axis=1, keepdims=True)
        rotated = np.einsum("bni,rji->brnj", x - centre, self.rotations) + centre[:, None]
        e, f = self.base.energy_and_forces(numbers, rotated.reshape(b * self.k, n, 3))
        e = np.asarray(e, dtype=float).reshape(b, self.k)
        f = np.asarray(f, dtype=float).reshape(b, self.k, n, 3)
        f_back = np.einsum("brnj,rji->bni", f, self.rotations) / self.k
        return e.mean(axis=1), f_back


class PotentialCalculator:
    """Factory for an ASE calculator that evaluates a :class:`Potential` (used for averaged models)."""

    def __new__(cls, potential: Potential) -> Any:
        from ase.calculators.calculator import Calculator, all_changes

        class _Calc(Calculator):
            implemented_properties: ClassVar[list[str]] = ["energy", "forces", "free_energy"]  # type: ignore[misc]

            def __init__(self) -> None:
                super().__init__()
                self.potential = potential

            def calculate(
                self, atoms: Any = None, properties: Any = ("energy",), system_changes: Any = all_changes
            ) -> None:
                super().calculate(atoms, properties, system_changes)
                assert self.atoms is not None
                e, f = self.potential.energy_and_forces(self.atoms.numbers, self.atoms.positions[None])
                self.results = {"energy": float(e[0]), "free_energy": float(e[0]), "forces": np.asarray(f[0])}

        return _Calc()


# ------------------------------------------------------------------------------------------------ geometry


def bond_topology(
    numbers: NDArray[np.int64], positions: Array, factor: float = BOND_FACTOR
) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
    """Covalent bonds ``(m, 2)`` (distance < ``factor`` x sum of covalent radii) and angles ``(a, 3)`` (i, j, k)
    with ``j`` the centre, of one frame.

    Examples
    --------
    >>> b, a = bond_topology(np.array([8, 1, 1]), np.array([[0, 0, 0], [0.96, 0, 0], [-0.24, 0.93, 0]]))
    >>> b.tolist(), a.tolist()
    ([[0, 1], [0, 2]], [[1, 0, 2]])
    """
    from ase.data import covalent_radii

    x = np.asarray(positions, dtype=float)
    r = covalent_radii[np.asarray(numbers)]
    d = np.linalg.norm(x[:, None] - x[None], axis=-1)
    i, j = np.nonzero(np.triu(d < factor * (r[:, None] + r[None]), k=1))
    bonds = np.stack([i, j], axis=1).astype(np.int64)
    angles = []
    for c in range(len(x)):
        nb = sorted({int(b) for a_, b in bonds if a_ == c} | {int(a_) for a_, b in bonds if b == c})
        for p in range(len(nb)):
            for q in range(p + 1, len(nb)):
                angles.append((nb[p], c, nb[q]))
    return bonds, np.asarray(angles, dtype=np.int64).reshape(-1, 3)


def bond_lengths(positions: Array, bonds: NDArray[np.int64]) -> Array:
    """Bond lengths ``(..., m)`` of frames ``(..., n, 3)``."""
    x = np.asarray(positions, dtype=float)
    return np.linalg.norm(x[..., bonds[:, 0], :] - x[..., bonds[:, 1], :], axis=-1)


def bond_angles(positions: Array, angles: NDArray[np.int64]) -> Array:
    """Bond angles ``(..., a)`` in degrees of frames ``(..., n, 3)``."""
    x = np.asarray(positions, dtype=float)
    u = x[..., angles[:, 0], :] - x[..., angles[:, 1], :]
    v = x[..., angles[:, 2], :] - x[..., angles[:, 1], :]
    c = (u * v).sum(-1) / (np.linalg.norm(u, axis=-1) * np.linalg.norm(v, axis=-1))
    return np.degrees(np.arccos(np.clip(c, -1.0, 1.0)))


# --------------------------------------------------------------------------------------------- dynamics


@dataclass(frozen=True)
class StartState:
    """The common start of every run: species, positions (Å), velocities (Å/fs... in ASE units), provenance."""

    numbers: NDArray[np.int64]
    positions: Array
    momenta: Array
    temperature_K: float
    frame: int
    source: str


def initial_state(config: MDConfig, dataset: Any | None = None) -> StartState:
    """The starting frame of the shipped dataset and Maxwell-Boltzmann momenta from ``default_rng(config.seed)``
    (total momentum zeroed with ``ase.md.velocitydistribution.Stationary``)."""
    from ase import Atoms
    from ase.md.velocitydistribution import Stationary, thermalize_momenta

    if dataset is None:
        from .molecular import load_dataset

        dataset = load_dataset(config.molecule)
    pos_all = np.asarray(dataset.positions, dtype=float)
    nframes = pos_all.shape[0]
    if not -nframes <= config.start_frame < nframes:
        raise ValueError(f"start_frame must be in [-{nframes}, {nframes - 1}], got {config.start_frame}")
    frame = config.start_frame % nframes
    meta = getattr(dataset, "metadata", {}) or {}
    temperature = (
        config.temperature_K
        if config.temperature_K is not None
        else float(meta.get("temperature_K", meta.get("temperature", 300.0)))
    )
    atoms = Atoms(numbers=np.asarray(dataset.numbers), positions=pos_all[frame])
    thermalize_momenta(atoms, temperature_K=temperature, rng=np.random.default_rng(config.seed))
    Stationary(atoms)
    return StartState(
        np.asarray(dataset.numbers, dtype=np.int64),
        pos_all[frame].copy(),
        atoms.get_momenta(),
        float(temperature),
        int(frame),
        f"{config.molecule} dataset frame {frame}",
    )


@dataclass
class Trajectory:
    """What one run produced (arrays per step, and kept frames); ``failure`` is ``None`` for a clean run."""

    name: str
    numbers: NDArray[np.int64]
    dt_fs: float
    time_ps: Array
    potential: Array
    kinetic: Array
    frames: Array
    frame_steps: NDArray[np.int64]
    bonds_samples: Array
    angle_samples: Array
    steps_done: int
    wall_s: float
    cpu_s: float
    failure: dict[str, Any] | None = None
    stopped: bool = False
    sample_frames: Array = field(default_factory=lambda: np.zeros((0, 0, 3)))

    @property
    def total(self) -> Array:
        return self.potential + self.kinetic


def _failure_reason(
    x: Array, e_total: float, e0: float, n: int, bonds: NDArray[np.int64], l0: Array, forces_ok: bool
) -> str | None:
    if not (np.isfinite(e_total) and forces_ok and np.isfinite(x).all()):
        return "energy or forces not finite"
    ratio = bond_lengths(x, bonds) / l0
    if ratio.size and (ratio.min() < BOND_WINDOW[0] or ratio.max() > BOND_WINDOW[1]):
        b = int(np.argmax(np.maximum(BOND_WINDOW[0] - ratio, ratio - BOND_WINDOW[1])))
        return f"bond {int(bonds[b, 0])}-{int(bonds[b, 1])} at {ratio[b]:.2f} x its starting length"
    d = np.linalg.norm(x[:, None] - x[None], axis=-1)[np.triu_indices(n, 1)]
    if d.size and d.min() < MIN_DISTANCE:
        return f"two atoms {d.min():.2f} Å apart"
    if abs(e_total - e0) / n > ENERGY_EXPLOSION:
        return f"total energy changed by {(e_total - e0) / n:+.2f} eV/atom"
    return None


def run_dynamics(
    calculator: Any,
    start: StartState,
    config: MDConfig,
    name: str = "model",
    control: Any | None = None,
    progress: tuple[float, float] = (0.0, 1.0),
) -> Trajectory:
    """Integrate ``config.steps`` steps from ``start`` with ``calculator`` (any ASE calculator).

    NVE: ``ase.md.verlet.VelocityVerlet``; NVT: ``ase.md.langevin.Langevin`` with ``rng =
    default_rng(config.seed + 1)``. Energies are recorded at every step (step 0 included); the run stops at its
    first failure (see the module docstring) or when ``control.check`` raises (``stopped=True`` is then set on the
    returned trajectory, which keeps what was computed, and the exception propagates only from :func:`md_job`).
    ``progress = (base, span)`` maps this run's fraction into the caller's.
    """
    from ase import Atoms, units
    from ase.md.langevin import Langevin
    from ase.md.verlet import VelocityVerlet

    atoms = Atoms(numbers=start.numbers, positions=start.positions.copy())
    atoms.set_momenta(start.momenta.copy())
    atoms.calc = calculator
    limit_openmp()
    n = len(atoms)
    bonds, angles = bond_topology(start.numbers, start.positions)
    l0 = bond_lengths(start.positions, bonds)
    if config.ensemble == "nve":
        dyn: Any = VelocityVerlet(atoms, timestep=config.dt_fs * units.fs)
    else:
        from ase.constraints import FixCom

        atoms.set_constraint(FixCom())  # the centre of mass stays put (ASE's recommended form of fixcm)
        dyn = Langevin(
            atoms,
            timestep=config.dt_fs * units.fs,
            temperature_K=start.temperature_K,
            friction=config.friction / units.fs,
            fixcm=False,
            rng=np.random.default_rng(config.seed + 1),
        )
    steps = config.steps
    frame_every = max(1, steps // max(config.frames - 1, 1)) if steps else 1
    epot = [float(atoms.get_potential_energy())]
    ekin = [float(atoms.get_kinetic_energy())]
    frames = [atoms.positions.copy()]
    frame_steps = [0]
    geo = [atoms.positions.copy()]
    e0 = epot[0] + ekin[0]
    failure: dict[str, Any] | None = None
    stopped = False
    reason = _failure_reason(atoms.positions, e0, e0, n, bonds, l0, bool(np.isfinite(atoms.get_forces()).all()))
    if reason:
        failure = {"step": 0, "time_ps": 0.0, "reason": reason}
    wall0, cpu0 = time.perf_counter(), time.process_time()
    done = 0
    base, span = progress
    while failure is None and done < steps:
        try:
            if control is not None and done % 20 == 0:
                control.check(base + span * done / max(steps, 1), f"{name}: step {done}/{steps}")
        except StopRequested:
            stopped = True
            break
        with np.errstate(all="ignore"):
            try:
                dyn.run(1)
                e_pot = float(atoms.get_potential_energy())
                forces_ok = bool(np.isfinite(atoms.get_forces()).all())
            except Exception as exc:  # noqa: BLE001 - a model or SCF blowing up is a failure of the run, not of the program
                e_pot, forces_ok = math.nan, False
                failure = {
                    "step": done + 1,
                    "time_ps": (done + 1) * config.dt_fs / 1000,
                    "reason": f"calculator error: {type(exc).__name__}",
                }
        done += 1
        e_kin = float(atoms.get_kinetic_energy())
        epot.append(e_pot)
        ekin.append(e_kin)
        if done % config.sample_every == 0:
            geo.append(atoms.positions.copy())
        if done % frame_every == 0 or done == steps:
            frames.append(atoms.positions.copy())
            frame_steps.append(done)
        if failure is None:
            reason = _failure_reason(atoms.positions, e_pot + e_kin, e0, n, bonds, l0, forces_ok)
            if reason:
                failure = {"step": done, "time_ps": done * config.dt_fs / 1000, "reason": reason}
    if frame_steps[-1] != done:
        frames.append(atoms.positions.copy())
        frame_steps.append(done)
    wall, cpu = time.perf_counter() - wall0, time.process_time() - cpu0
    geo_arr = np.asarray(geo)
    if failure is not None:  # geometry after a failure is not a sample of the model's equilibrium
        keep = max(1, int(failure["step"]) // config.sample_every)
        geo_arr = geo_arr[:keep]
    t = np.arange(len(epot), dtype=float) * (config.dt_fs / 1000.0)
    return Trajectory(
        name=name,
        numbers=start.numbers,
        dt_fs=config.dt_fs,
        time_ps=t,
        potential=np.asarray(epot),
        kinetic=np.asarray(ekin),
        frames=np.asarray(frames),
        frame_steps=np.asarray(frame_steps, dtype=np.int64),
        bonds_samples=bond_lengths(geo_arr, bonds),
        angle_samples=bond_angles(geo_arr, angles),
        steps_done=done,
        wall_s=wall,
        cpu_s=cpu,
        failure=failure,
        stopped=stopped,
        sample_frames=geo_arr,
    )


# ------------------------------------------------------------------------------------------------ metrics


def drift_and_fluctuation(time_ps: Array, total_eV: Array, n_atoms: int) -> tuple[float, float]:
    """Least-squares slope of ``total / n_atoms`` against time (eV/atom/ps) and the standard deviation of the
    residual around that line (eV/atom).

    Examples
    --------
    >>> t = np.linspace(0, 1, 11)
    >>> d, s = drift_and_fluctuation(t, 9 * (2.0 * t + 1.0), 9)
    >>> round(d, 12), round(s, 12)
    (2.0, 0.0)
    """
    t = np.asarray(time_ps, dtype=float)
    e = np.asarray(total_eV, dtype=float) / n_atoms
    ok = np.isfinite(e)
    t, e = t[ok], e[ok]
    if t.size < 2:
        return math.nan, math.nan
    slope, intercept = np.polyfit(t, e, 1)
    return float(slope), float(np.std(e - (slope * t + intercept)))


def time_to_failure(traj: Trajectory) -> float | None:
    """Time (ps) of the first failure, or ``None`` if the run survived."""
    return None if traj.failure is None else float(traj.failure["time_ps"])


def wasserstein_1(a: Array, b: Array) -> float:
    """Wasserstein-1 (earth mover's) distance between two 1D empirical distributions (same unit as the data).

    Examples
    --------
    >>> wasserstein_1(np.array([0.0, 1.0]), np.array([0.5, 1.5]))
    0.5
    """
    from scipy.stats import wasserstein_distance

    a, b = np.ravel(a), np.ravel(b)
    a, b = a[np.isfinite(a)], b[np.isfinite(b)]
    if a.size == 0 or b.size == 0:
        return math.nan
    return float(wasserstein_distance(a, b))


def jensen_shannon(a: Array, b: Array, bins: Array) -> float:
    """Jensen-Shannon *distance* (base 2, in [0, 1]) between the histograms of two samples on ``bins``."""
    from scipy.spatial.distance import jensenshannon

    p, _ = np.histogram(np.ravel(a), bins=bins)
    q, _ = np.histogram(np.ravel(b), bins=bins)
    if p.sum() == 0 or q.sum() == 0:
        return math.nan
    return float(jensenshannon(p, q, base=2))


def rotation_sensitivity(
    potential: Potential, numbers: NDArray[np.int64], frames: Array, n_rotations: int, rng: np.random.Generator
) -> dict[str, float]:
    """``max |E(R x) - E(x)|`` (eV) and ``max |F(R x) - R F(x)|`` (eV/Å) over ``frames`` and ``n_rotations``
    random rotations ``R`` (about the centroid)."""
    x = np.asarray(frames, dtype=float)
    rots = random_rotations(n_rotations, rng)
    centre = x.mean(axis=1, keepdims=True)
    rotated = np.einsum("fni,rji->frnj", x - centre, rots) + centre[:, None]
    f_, n, _ = x.shape
    e0, force0 = potential.energy_and_forces(numbers, x)
    e1, force1 = potential.energy_and_forces(numbers, rotated.reshape(f_ * n_rotations, n, 3))
    e1 = e1.reshape(f_, n_rotations)
    force1 = force1.reshape(f_, n_rotations, n, 3)
    expected = np.einsum("fni,rji->frnj", force0, rots)
    return {
        "energy_eV": float(np.abs(e1 - e0[:, None]).max()),
        "force_eV_per_A": float(np.abs(force1 - expected).max()),
    }


def loop_work(
    potential: Potential, numbers: NDArray[np.int64], x0: Array, u: Array, v: Array, points: int = 64
) -> float:
    """Work ``W = ∮ F · dx`` (eV) around the closed loop ``x(s) = x0 + u cos(2 pi s) + v sin(2 pi s)``.

    The trapezoidal rule on a smooth periodic integrand converges exponentially, so a conservative force field
    (``F = -dE/dx``) gives ``W ~ 0`` to rounding; a direct-force model generally does not.
    """
    s = np.arange(points) / points
    c, sn = np.cos(2 * np.pi * s), np.sin(2 * np.pi * s)
    path = x0[None] + c[:, None, None] * u[None] + sn[:, None, None] * v[None]
    tangent = 2 * np.pi * (-sn[:, None, None] * u[None] + c[:, None, None] * v[None])
    _, f = potential.energy_and_forces(numbers, path)
    return float((np.asarray(f) * tangent).sum() / points)


def analyse_run(
    traj: Trajectory,
    reference: Trajectory | None,
    config: MDConfig,
    potential: Potential | None = None,
    potential_f64: Potential | None = None,
) -> dict[str, Any]:
    """The measured numbers of one run (JSON-able; the module docstring defines each).

    ``potential`` is the model as it ran (float32 for the shipped models); ``potential_f64`` (optional) the same
    model in float64, whose rotation sensitivity (``rotation_energy_f64_eV``) separates the model's symmetry from
    float32 rounding of a ~300 eV total energy.
    """
    n = len(traj.numbers)
    drift, fluct = (math.nan, math.nan)
    cut = len(traj.time_ps) if traj.failure is None else max(int(traj.failure["step"]), 2)
    if config.ensemble == "nve":
        drift, fluct = drift_and_fluctuation(traj.time_ps[:cut], traj.total[:cut], n)
    temps = 2 * traj.kinetic[:cut] / (3 * n * 8.617333262e-5)
    row: dict[str, Any] = {
        "steps_done": traj.steps_done,
        "time_ps": traj.steps_done * config.dt_fs / 1000,
        "drift_eV_per_atom_per_ps": None if math.isnan(drift) else drift,
        "fluctuation_eV_per_atom": None if math.isnan(fluct) else fluct,
        "time_to_failure_ps": time_to_failure(traj),
        "failure": traj.failure,
        "stopped": traj.stopped,
        "mean_temperature_K": float(np.nanmean(temps)) if temps.size else None,
        "ms_per_step": 1000 * traj.wall_s / max(traj.steps_done, 1),
        "cpu_ms_per_step": 1000 * traj.cpu_s / max(traj.steps_done, 1),
        "bond_mean_A": float(np.mean(traj.bonds_samples)) if traj.bonds_samples.size else None,
    }
    if reference is not None:
        row["bond_w1_A"] = wasserstein_1(traj.bonds_samples, reference.bonds_samples)
        row["angle_w1_deg"] = wasserstein_1(traj.angle_samples, reference.angle_samples)
        row["bond_js"] = jensen_shannon(traj.bonds_samples, reference.bonds_samples, BOND_BINS)
        row["angle_js"] = jensen_shannon(traj.angle_samples, reference.angle_samples, ANGLE_BINS)
    if potential is not None and traj.sample_frames.shape[0]:
        idx = (
            np.linspace(0, traj.sample_frames.shape[0] - 1, min(config.rotation_frames, traj.sample_frames.shape[0]))
            .round()
            .astype(int)
        )
        rs = rotation_sensitivity(
            potential,
            traj.numbers,
            traj.sample_frames[idx],
            config.rotation_samples,
            np.random.default_rng(config.seed + 2),
        )
        row["rotation_energy_eV"] = rs["energy_eV"]
        row["rotation_force_eV_per_A"] = rs["force_eV_per_A"]
        if potential_f64 is not None:
            rs64 = rotation_sensitivity(
                potential_f64,
                traj.numbers,
                traj.sample_frames[idx],
                config.rotation_samples,
                np.random.default_rng(config.seed + 2),
            )
            row["rotation_energy_f64_eV"] = rs64["energy_eV"]
            row["rotation_force_f64_eV_per_A"] = rs64["force_eV_per_A"]
    return _clean(row)


def _clean(obj: Any) -> Any:
    """NaN -> None, numpy -> Python (JSON-able)."""
    if isinstance(obj, dict):
        return {k: _clean(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_clean(v) for v in obj]
    if isinstance(obj, np.ndarray):
        return _clean(obj.tolist())
    if isinstance(obj, (np.floating, float)):
        return None if not math.isfinite(float(obj)) else float(obj)
    if isinstance(obj, np.integer):
        return int(obj)
    return obj


def _round(values: Array, digits: int = 6) -> list[float | None]:
    return [None if not math.isfinite(v) else float(f"{v:.{digits}g}") for v in np.asarray(values, dtype=float)]


def averaging_study(
    base: Potential,
    numbers: NDArray[np.int64],
    frames: Array,
    ks: Sequence[int] = (1, 2, 4, 8, 16, 32),
    n_rotations: int = 8,
    seed: int = 0,
    reference_energy: Array | None = None,
    include_quadrature: bool = True,
    repeats: int = 7,
    control: Any | None = None,
) -> list[dict[str, Any]]:
    """Invariance error and cost of :class:`RotationallyAveraged` as ``k`` grows (and the icosahedral quadrature).

    Per row: ``k``, ``rotations``, ``energy_error_eV`` = ``max |E_k(R x) - E_k(x)|`` and ``force_error_eV_per_A``
    over ``frames`` and ``n_rotations`` test rotations (``default_rng(seed + 2)``, the same for every ``k``),
    ``ms_per_call`` (fastest of ``repeats`` wall times of one energy+forces evaluation of one frame: on a shared
    machine the minimum is the least disturbed measurement) and,
    given ``reference_energy`` (one per frame), ``energy_mae_eV`` of the averaged model. ``k = 0`` is the bare
    model.
    """
    rows = []
    x = np.asarray(frames, dtype=float)
    specs: list[tuple[int, str]] = [(0, "none")] + [(int(k), "random") for k in ks]
    if include_quadrature:
        specs.append((60, "icosahedral"))
    for i, (k, kind) in enumerate(specs):
        if control is not None:
            control.check(i / len(specs), f"averaging k={k} ({kind})")
        pot: Potential = base if kind == "none" else RotationallyAveraged(base, k, rotations=kind, seed=seed)
        rs = rotation_sensitivity(pot, numbers, x, n_rotations, np.random.default_rng(seed + 2))
        times = []
        for _ in range(repeats):
            t0 = time.perf_counter()
            pot.energy_and_forces(numbers, x[:1])
            times.append(time.perf_counter() - t0)
        row = {
            "k": k if kind != "none" else 1,
            "rotations": kind,
            "energy_error_eV": rs["energy_eV"],
            "force_error_eV_per_A": rs["force_eV_per_A"],
            "ms_per_call": 1000 * float(np.min(times)),
        }
        if reference_energy is not None:
            e, _ = pot.energy_and_forces(numbers, x)
            row["energy_mae_eV"] = float(np.mean(np.abs(e - np.asarray(reference_energy, dtype=float))))
        rows.append(_clean(row))
    return rows


# ------------------------------------------------------------------------------------------- models, jobs

MODEL_LABELS = {
    "xtb": "GFN2-xTB (reference)",
    "nequip": "NequIP-style equivariant message passing (conservative)",
    "tensornet": "TensorNet-style Cartesian (conservative)",
    "transformer": "unconstrained transformer + rotation augmentation (conservative)",
    "transformer-direct": "unconstrained transformer, direct force head (non-conservative)",
}
#: Exactly invariant by construction (the rest are unconstrained).
CONSTRAINED = {"xtb", "nequip", "tensornet"}


def model_path(molecule: str, kind: str) -> Path:
    """The shipped model file ``equi_core/training/models/<molecule>-<kind>.pt``."""
    return Path(__file__).resolve().parent / "models" / f"{molecule}-{kind}.pt"


def _xtb_calculator() -> Any:
    from tblite.ase import TBLite

    calc = TBLite(method="GFN2-xTB", verbosity=0)
    limit_openmp()
    return calc


@functools.lru_cache(maxsize=1)
def _libgomp() -> Any:
    import ctypes

    try:
        return ctypes.CDLL("libgomp.so.1")  # the runtime tblite links (dlopen returns the loaded copy)
    except OSError:  # pragma: no cover - not glibc/libgomp
        return None


def limit_openmp(threads: int = 1) -> None:
    """Set the OpenMP thread count of the calling thread in libgomp (the runtime tblite's GFN2-xTB uses).

    GFN2-xTB on a 9-atom molecule is ~1 ms per call on one thread; OpenMP's default (all cores) makes it
    ~10-100x slower on a shared, loaded machine. The setting is per thread, so every MD loop calls this.
    No-op where libgomp is absent.
    """
    lib = _libgomp()
    if lib is not None:
        with contextlib.suppress(AttributeError):
            lib.omp_set_num_threads(int(threads))


def resolve_model(spec: str, molecule: str) -> tuple[str, Any, Potential, Any]:
    """``spec`` (``"xtb"``, a kind, ``kind@avgK`` for rotational averaging, or a ``.pt`` path) ->
    ``(name, ase_calculator, potential, model_or_None)``."""
    if spec == REFERENCE:
        if not tblite_available():
            raise ValueError("the GFN2-xTB reference needs tblite (a Linux wheel); it is not installed")
        return REFERENCE, _xtb_calculator(), CalculatorPotential(_xtb_calculator), None
    base_spec, _, avg = spec.partition("@avg")
    path = Path(base_spec)
    if not base_spec.endswith(".pt"):
        path = model_path(molecule, base_spec)
        if not path.exists():
            raise ValueError(
                f"no shipped model {path.name} (kinds: {sorted(set(MODEL_LABELS) - {REFERENCE})}, or give a .pt file)"
            )
    elif not path.exists():
        raise ValueError(f"model file {base_spec!r} not found")
    from .molecular import LabCalculator, load_model

    try:
        model = load_model(path)
    except (RuntimeError, KeyError, TypeError) as exc:  # a file saved by another version of the model code
        raise ValueError(f"model file {path.name} does not load with this code ({type(exc).__name__})") from exc
    model.eval()
    name = base_spec if not base_spec.endswith(".pt") else path.stem
    potential: Potential = ModelPotential(model)
    if avg:
        try:
            k = int(avg)
        except ValueError as exc:
            raise ValueError(f"rotational averaging needs kind@avgK with an integer K, got {spec!r}") from exc
        potential = RotationallyAveraged(potential, k, seed=0)
        return f"{name}@avg{k}", PotentialCalculator(potential), potential, model
    return name, LabCalculator(model), potential, model


def _trajectory_record(traj: Trajectory, config: MDConfig, file: str | None) -> dict[str, Any]:
    stride = config.log_every
    idx = np.arange(0, len(traj.time_ps), stride)
    if idx[-1] != len(traj.time_ps) - 1:
        idx = np.append(idx, len(traj.time_ps) - 1)
    bond_hist, _ = np.histogram(traj.bonds_samples, bins=BOND_BINS)
    angle_hist, _ = np.histogram(traj.angle_samples, bins=ANGLE_BINS)
    return {
        "t_ps": _round(traj.time_ps[idx]),
        "potential_eV": _round(traj.potential[idx], 10),
        "kinetic_eV": _round(traj.kinetic[idx], 8),
        "bond_hist": bond_hist.tolist(),
        "angle_hist": angle_hist.tolist(),
        "frame_steps": traj.frame_steps.tolist(),
        "frames": np.round(traj.frames, 4).tolist(),
        "trajectory_file": file,
    }


def write_extxyz(traj: Trajectory, path: Path | str, energies: bool = True) -> Path:
    """Write the kept frames as extended XYZ (positions, step, time and energies in each frame's info)."""
    from ase import Atoms
    from ase.io import write

    images = []
    for x, step in zip(traj.frames, traj.frame_steps):
        a = Atoms(numbers=traj.numbers, positions=np.round(x, 5))
        a.info["step"] = int(step)
        a.info["time_ps"] = round(float(step * traj.dt_fs / 1000), 6)
        if energies and step < len(traj.potential):
            a.info["energy_eV"] = round(float(traj.potential[step]), 6)
            a.info["kinetic_eV"] = round(float(traj.kinetic[step]), 6)
        a.info["model"] = traj.name
        images.append(a)
    p = Path(path)
    p.parent.mkdir(parents=True, exist_ok=True)
    write(p, images, format="extxyz")
    return p


def _publish(control: Any, obj: dict[str, Any]) -> None:
    pub = getattr(control, "publish", None)
    if callable(pub):
        pub(obj)


def run_md_study(
    config: MDConfig,
    models: Sequence[str],
    control: Any | None = None,
    averaging: dict[str, Any] | None = None,
    out_dir: Path | str | None = None,
    dataset: Any | None = None,
    command: str | None = None,
) -> dict[str, Any]:
    """Run every model in ``models`` (the reference ``"xtb"`` first where tblite is present) from the same start.

    Returns the JSON-able study: config, start, per-run metrics and logs, and (``averaging = {"model": kind,
    "ks": [...], "frames": F}``) the rotational-averaging table on frames of the reference (or first) run.
    ``out_dir`` writes one ``<molecule>-<model>-<ensemble>.extxyz`` per run. A stop (``control.check`` raising)
    keeps the finished runs and the part of the current one (``"stopped": true``) and re-raises after publishing.
    """
    import torch

    torch.set_num_threads(1)
    start = initial_state(config, dataset)
    names = list(dict.fromkeys(models))
    if REFERENCE not in names and tblite_available():
        names.insert(0, REFERENCE)
    elif REFERENCE in names:
        names.remove(REFERENCE)
        names.insert(0, REFERENCE)
    study: dict[str, Any] = {
        "molecule": config.molecule,
        "config": asdict(config),
        "command": command,
        "start": {
            "frame": start.frame,
            "source": start.source,
            "temperature_K": start.temperature_K,
            "numbers": start.numbers.tolist(),
        },
        "criteria": {
            "bond_window": list(BOND_WINDOW),
            "min_distance_A": MIN_DISTANCE,
            "energy_explosion_eV_per_atom": ENERGY_EXPLOSION,
            "bond_factor": BOND_FACTOR,
        },
        "bonds": bond_topology(start.numbers, start.positions)[0].tolist(),
        "bond_bins": BOND_BINS.tolist(),
        "angle_bins": ANGLE_BINS.tolist(),
        "machine": _machine(),
        "runs": [],
        "averaging": None,
        "complete": False,
    }
    t_start = time.perf_counter()
    reference: Trajectory | None = None
    total = len(names) + (1 if averaging else 0)
    try:
        for i, spec in enumerate(names):
            name, calc, potential, model = resolve_model(spec, config.molecule)
            traj = run_dynamics(calc, start, config, name=name, control=control, progress=(i / total, 1 / total))
            if name == REFERENCE:
                reference = traj
            pot64 = _float64_potential(model, potential) if not traj.stopped else None
            metrics = analyse_run(
                traj, reference if name != REFERENCE else None, config, None if traj.stopped else potential, pot64
            )
            file = None
            if out_dir is not None:
                file = f"{config.molecule}-{name.replace('@', '-')}-{config.ensemble}.extxyz"
                write_extxyz(traj, Path(out_dir) / file)
            study["runs"].append(
                {
                    "model": name,
                    "label": _label(name),
                    "conservative": potential.conservative,
                    "constrained": name.split("@")[0] in CONSTRAINED,
                    "training": _training_summary(model),
                    **metrics,
                    **_trajectory_record(traj, config, file),
                }
            )
            _publish(control, study)
            if traj.stopped:
                raise StopRequested()
        if averaging:
            kind = averaging.get("model", "transformer")
            _, _, base, _ = resolve_model(kind, config.molecule)
            src = reference if reference is not None else None
            frames = _averaging_frames(src, start, int(averaging.get("frames", 8)))
            ref_e = None
            if tblite_available():
                ref_e, _ = CalculatorPotential(_xtb_calculator).energy_and_forces(start.numbers, frames)
            rows = averaging_study(
                base,
                start.numbers,
                frames,
                ks=averaging.get("ks", (1, 2, 4, 8, 16, 32)),
                n_rotations=config.rotation_samples,
                seed=config.seed,
                reference_energy=ref_e,
                control=control,
            )
            study["averaging"] = {"model": kind, "label": _label(kind), "frames": len(frames), "rows": rows}
        study["complete"] = True
    except StopRequested:
        study["stopped"] = True
        study["wall_time_s"] = time.perf_counter() - t_start
        _publish(control, study)
        raise
    study["wall_time_s"] = time.perf_counter() - t_start
    return _clean(study)


def _float64_potential(model: Any, potential: Potential) -> Potential | None:
    """A float64 copy of a torch model's potential (wrapped the same way), or ``None`` for a non-torch one."""
    if model is None or not hasattr(model, "double"):
        return None
    import copy

    m64 = copy.deepcopy(model).double()
    base: Potential = ModelPotential(m64)
    if isinstance(potential, RotationallyAveraged):
        avg = RotationallyAveraged(base, 1)
        avg.rotations, avg.k, avg.kind = potential.rotations, potential.k, potential.kind
        return avg
    return base


_TRAINING_KEYS = (
    "kind",
    "n_parameters",
    "lr",
    "best_step",
    "steps_run",
    "stopped",
    "augment_rotations",
    "rotation_penalty",
    "command",
)


def _training_summary(model: Any) -> dict[str, Any]:
    """How a shipped model was trained (from its record): the scalar keys of ``_TRAINING_KEYS`` and its errors."""
    record = getattr(model, "record", None) or {}
    if not isinstance(record, dict):
        return {}
    out: dict[str, Any] = {k: record[k] for k in _TRAINING_KEYS if isinstance(record.get(k), (bool, int, float, str))}
    errors = record.get("errors")
    if isinstance(errors, dict):
        for split, v in errors.items():
            if isinstance(v, dict):
                out.update({f"errors.{split}.{k}": x for k, x in v.items() if isinstance(x, (int, float))})
            elif isinstance(v, (int, float)):
                out[f"errors.{split}"] = v
    return _clean(out)


def _averaging_frames(reference: Trajectory | None, start: StartState, count: int) -> Array:
    if reference is not None and reference.sample_frames.shape[0] >= 2:
        idx = np.linspace(0, reference.sample_frames.shape[0] - 1, count).round().astype(int)
        return reference.sample_frames[idx]
    return start.positions[None].repeat(count, axis=0)


def _label(name: str) -> str:
    base, _, k = name.partition("@avg")
    label = MODEL_LABELS.get(base, base)
    return f"{label}, averaged over {k} rotations" if k else label


def _machine() -> dict[str, Any]:
    import torch

    try:
        import ase

        ase_v = ase.__version__
    except ImportError:  # pragma: no cover
        ase_v = None
    try:
        import tblite

        tb_v = getattr(tblite, "__version__", "installed")
    except ImportError:
        tb_v = None
    return {
        "platform": platform.platform(),
        "processor": platform.processor() or platform.machine(),
        "cpu_count": os.cpu_count(),
        "torch": torch.__version__,
        "torch_threads": torch.get_num_threads(),
        "ase": ase_v,
        "tblite": tb_v,
        "numpy": np.__version__,
        "load_average_at_start": list(os.getloadavg()) if hasattr(os, "getloadavg") else None,
    }


def md_job(config: dict[str, Any], control: Any) -> dict[str, Any]:
    """The page's live run: ``config = {"models": [...], "averaging": {...} | None, **MDConfig fields}``.

    Calls ``control.check(fraction, message)`` every 20 steps and ``control.publish(study)`` after each finished
    model run; returns the study of :func:`run_md_study` (JSON-able).
    """
    cfg = dict(config)
    models = cfg.pop("models", ["nequip"])
    averaging = cfg.pop("averaging", None)
    if not isinstance(models, (list, tuple)) or not all(isinstance(m, str) for m in models) or not models:
        raise ValueError(f"models must be a non-empty list of model names, got {models!r}")
    return run_md_study(MDConfig.from_dict(cfg), models, control=control, averaging=averaging)


def save_study(study: dict[str, Any], path: Path | str) -> Path:
    """Write a study as compact JSON."""
    p = Path(path)
    p.parent.mkdir(parents=True, exist_ok=True)
    p.write_text(json.dumps(_clean(study), separators=(",", ":")))
    return p


def load_study(path: Path | str) -> dict[str, Any]:
    """Read a study written by :func:`save_study`."""
    return json.loads(Path(path).read_text())


def with_steps(config: MDConfig, steps: int) -> MDConfig:
    """``config`` with another step count (convenience for callers)."""
    return replace(config, steps=steps)
