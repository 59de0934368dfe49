"""Molecular datasets: GFN2-xTB Langevin dynamics made with ASE + tblite, shipped as compressed ``.npz``.

* :func:`generate_dataset` -- Langevin MD (``ase.md.langevin.Langevin``, 0.5 fs steps, friction stated) on the
  GFN2-xTB potential energy surface (``tblite.ase.TBLite``). An equilibration period is discarded; a pilot run
  measures the integrated autocorrelation times of the potential energy and of the interatomic distances, and frames
  are then sampled every ``stride`` steps with ``stride >= 2 tau_int`` (the spacing at which successive samples are
  effectively independent), unless a stride is given.
* :func:`load_dataset` / :func:`save_dataset` -- the ``.npz`` schema: ``numbers`` (n,) int, ``positions`` (F, n, 3)
  float32 in Å, ``energy`` (F,) float64 in eV, ``forces`` (F, n, 3) float32 in eV/Å, ``metadata`` a JSON string.
* :func:`split_dataset` -- train / validation / test fixed by a seed; the test split depends only on the seed and
  ``n_test`` (it is the same for every ``n_train``), and the three splits are disjoint.

Shipped datasets live in ``equi_core/training/datasets/<name>.npz`` (:data:`MOLECULES`). Loading needs numpy only;
making new data needs ``tblite`` (a Linux wheel).
"""

from __future__ import annotations

import contextlib
import ctypes
import json
import math
import os
import platform
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from importlib import metadata as _metadata
from pathlib import Path
from typing import Any

import numpy as np

__all__ = [
    "MOLECULES",
    "DATASET_DIR",
    "MolecularDataset",
    "tblite_available",
    "starting_geometry",
    "integrated_autocorrelation_time",
    "generate_dataset",
    "save_dataset",
    "shipped_datasets",
    "load_dataset",
    "split_dataset",
]

DATASET_DIR = Path(__file__).resolve().parent / "datasets"

#: Lab name -> (ASE ``molecule()`` name, how the starting geometry is made).
MOLECULES: dict[str, tuple[str, str]] = {
    "ethanol": ("CH3CH2OH", "ASE G2 collection ase.build.molecule('CH3CH2OH')"),
    "benzene": ("C6H6", "ASE G2 collection ase.build.molecule('C6H6')"),
    "acetic_acid": ("CH3COOH", "ASE G2 collection ase.build.molecule('CH3COOH')"),
    "pyridine": ("C5H5N", "ASE G2 collection ase.build.molecule('C5H5N')"),
    "biphenyl": (
        "biphenyl",
        "ASE extra collection ase.build.molecule('biphenyl') (C12H10, 22 atoms), "
        "relaxed with GFN2-xTB (BFGS, fmax 0.01 eV/A) before the dynamics",
    ),
}


@dataclass(frozen=True)
class MolecularDataset:
    """Frames of one molecule: ``numbers`` (n,), ``positions`` (F, n, 3) Å, ``energy`` (F,) eV, ``forces`` (F, n, 3)
    eV/Å, ``metadata`` (how it was made). ``len(ds)`` is the number of frames; ``ds[idx]`` selects frames.

    Example
    -------
    >>> ds = load_dataset("ethanol")
    >>> ds.positions.shape[1:] == (len(ds.numbers), 3) and ds.energy.dtype == np.float64
    True
    """

    numbers: np.ndarray
    positions: np.ndarray
    energy: np.ndarray
    forces: np.ndarray
    metadata: dict[str, Any] = field(default_factory=dict)
    name: str = ""

    def __len__(self) -> int:
        return int(self.energy.shape[0])

    def __getitem__(self, idx: Any) -> MolecularDataset:
        idx = np.asarray(idx)
        return MolecularDataset(
            self.numbers, self.positions[idx], self.energy[idx], self.forces[idx], self.metadata, self.name
        )

    @property
    def n_atoms(self) -> int:
        return int(self.numbers.shape[0])


def tblite_available() -> bool:
    """True when ``tblite.ase`` imports (GFN2-xTB calculator; Linux wheels only)."""
    try:
        import tblite.ase  # noqa: F401
    except Exception:  # noqa: BLE001 - any failure to load the compiled wheel means "not available"  # pragma: no cover
        return False
    return True


def _xtb_calculator() -> Any:
    if not tblite_available():  # pragma: no cover - depends on the platform
        raise RuntimeError(
            "making a dataset needs tblite (GFN2-xTB; `pip install tblite`, Linux wheels only); "
            "the shipped datasets load without it"
        )
    from tblite.ase import TBLite

    return TBLite(method="GFN2-xTB", verbosity=0)


def starting_geometry(name: str, relax: bool | None = None) -> Any:
    """The ``ase.Atoms`` a dataset starts from (see :data:`MOLECULES`); ``biphenyl`` is relaxed with GFN2-xTB."""
    from ase.build import molecule

    if name not in MOLECULES:
        raise ValueError(f"unknown molecule {name!r}; allowed: {sorted(MOLECULES)}")
    atoms = molecule(MOLECULES[name][0])
    if relax if relax is not None else name == "biphenyl":
        from ase.optimize import BFGS

        atoms.calc = _xtb_calculator()
        BFGS(atoms, logfile=None).run(fmax=0.01, steps=500)
        atoms.calc = None
    return atoms


def integrated_autocorrelation_time(x: np.ndarray, window_factor: float = 5.0) -> float:
    """Integrated autocorrelation time ``tau = 1/2 + sum_{t=1}^{M} rho(t)`` (in samples) of a series ``x`` (T,) or
    the mean over the columns of ``x`` (T, k), with Sokal's self-consistent window (smallest ``M >= c tau``).

    ``N / (2 tau)`` samples of a length-``N`` series are effectively independent, so samples ``2 tau`` apart are
    decorrelated. White noise gives ``tau = 1/2``.

    Example
    -------
    >>> bool(abs(integrated_autocorrelation_time(np.random.default_rng(0).normal(size=20000)) - 0.5) < 0.05)
    True
    """
    x = np.asarray(x, dtype=np.float64)
    if x.ndim == 1:
        x = x[:, None]
    n = x.shape[0]
    if n < 16:
        raise ValueError(f"need at least 16 samples, got {n}")
    x = x - x.mean(axis=0)
    f = np.fft.rfft(x, 2 * n, axis=0)
    c = np.fft.irfft(f * np.conj(f), axis=0)[:n]
    var = c[0]
    ok = var > 0
    rho = (c[:, ok] / var[ok]).mean(axis=1)
    tau = 0.5
    for m in range(1, n):
        tau += rho[m]
        if m >= window_factor * tau:
            break
    return float(tau)


@contextlib.contextmanager
def _openmp_threads(n: int) -> Iterator[None]:
    """Limit OpenMP (libgomp, which tblite uses) to ``n`` threads inside the block: on a shared machine tblite's
    default of one thread per core is ~8x slower per step than one thread. No-op where libgomp is absent."""
    try:
        gomp = ctypes.CDLL("libgomp.so.1")
        before = int(gomp.omp_get_max_threads())
    except (OSError, AttributeError):  # pragma: no cover - not glibc/libgomp
        yield
        return
    gomp.omp_set_num_threads(int(n))
    try:
        yield
    finally:
        gomp.omp_set_num_threads(before)


def _versions() -> dict[str, str]:
    out = {}
    for pkg in ("tblite", "ase", "numpy"):
        try:
            out[pkg] = _metadata.version(pkg)
        except _metadata.PackageNotFoundError:  # pragma: no cover
            out[pkg] = "missing"
    return out


def generate_dataset(
    molecule: str,
    temperature: float = 500.0,
    frames: int = 1000,
    *,
    timestep_fs: float = 0.5,
    friction_per_fs: float = 0.01,
    equilibration_steps: int = 2000,
    pilot_steps: int = 8000,
    stride: int | None = None,
    seed: int = 0,
    command: str = "",
    progress: Callable[[float, str], None] | None = None,
    threads: int = 1,
) -> MolecularDataset:
    """Langevin MD on GFN2-xTB and ``frames`` decorrelated samples of (positions, energy, forces).

    Parameters
    ----------
    molecule
        A key of :data:`MOLECULES`.
    temperature
        Thermostat temperature in K (initial velocities Maxwell-Boltzmann at this temperature).
    frames
        Frames to keep (after equilibration).
    timestep_fs, friction_per_fs
        Integrator step (fs) and Langevin friction (1/fs). Centre of mass fixed (``ase.constraints.FixCom``).
    equilibration_steps
        Steps discarded before the pilot run and the sampling.
    pilot_steps
        Length of the pilot run whose autocorrelation times choose the stride (when ``stride`` is None):
        ``stride = max(10, ceil(2 * max(tau_E, tau_d)) rounded up to a multiple of 10)``.
    stride
        Steps between kept frames; None: chosen from the pilot run as above.
    seed
        Seeds the velocities and the Langevin noise (``numpy.random.default_rng(seed)``).
    threads
        OpenMP threads for tblite (default 1: on a shared machine more threads are slower).

    Returns
    -------
    MolecularDataset
        With metadata: method, versions, temperature, time step, friction, stride and why, autocorrelation times,
        seed, command, wall time, ms per xTB step.
    """
    from ase import units
    from ase.constraints import FixCom
    from ase.md.langevin import Langevin
    from ase.md.velocitydistribution import thermalize_momenta

    with _openmp_threads(threads):
        if frames < 1 or temperature <= 0 or timestep_fs <= 0:
            raise ValueError("frames >= 1, temperature > 0 and timestep_fs > 0 are required")
        t0 = time.perf_counter()
        cpu0 = time.process_time()
        atoms = starting_geometry(molecule)
        atoms.calc = _xtb_calculator()
        atoms.set_constraint(FixCom())
        rng = np.random.default_rng(seed)
        thermalize_momenta(atoms, temperature_K=temperature, rng=rng)
        dyn = Langevin(
            atoms,
            timestep_fs * units.fs,
            temperature_K=temperature,
            friction=friction_per_fs / units.fs,
            fixcm=False,
            rng=rng,
        )
        say = progress or (lambda f, m: None)
        say(0.0, "equilibrating")
        dyn.run(equilibration_steps)
        tau_e = tau_d = float("nan")
        if stride is None:
            energies, dists = [], []
            iu = np.triu_indices(len(atoms), 1)

            def record() -> None:
                energies.append(atoms.get_potential_energy())
                p = atoms.get_positions()
                dists.append(np.linalg.norm(p[iu[0]] - p[iu[1]], axis=-1))

            dyn.attach(record, interval=1)
            say(0.05, "pilot run (autocorrelation)")
            dyn.run(pilot_steps)
            dyn.observers.clear()
            tau_e = integrated_autocorrelation_time(np.array(energies))
            tau_d = integrated_autocorrelation_time(np.array(dists))
            stride = max(10, math.ceil(2.0 * max(tau_e, tau_d) / 10.0) * 10)
            stride_reason = (
                f"stride >= 2 tau_int measured on a {pilot_steps}-step pilot run after equilibration: "
                f"tau_int(potential energy) = {tau_e:.1f} steps, tau_int(interatomic distances, mean) = "
                f"{tau_d:.1f} steps; stride = 2 max(tau) rounded up to a multiple of 10"
            )
        else:
            if stride < 1:
                raise ValueError(f"stride must be >= 1, got {stride}")
            stride_reason = "given on the command line"
        pos = np.empty((frames, len(atoms), 3), np.float32)
        frc = np.empty((frames, len(atoms), 3), np.float32)
        ene = np.empty(frames, np.float64)
        t_md = time.perf_counter()
        for i in range(frames):
            dyn.run(stride)
            pos[i] = atoms.get_positions()
            ene[i] = atoms.get_potential_energy()
            frc[i] = atoms.get_forces(apply_constraint=False)
            if i % 20 == 0:
                say(0.1 + 0.9 * i / frames, f"frame {i}/{frames}")
        ms_step = (time.perf_counter() - t_md) / (frames * stride) * 1e3
        meta = {
            "molecule": molecule,
            "formula": atoms.get_chemical_formula(),
            "geometry": MOLECULES[molecule][1],
            "method": "GFN2-xTB (tblite ASE calculator, accuracy 1.0, electronic temperature 300 K)",
            "versions": _versions(),
            "dynamics": "Langevin (ase.md.langevin.Langevin, fixcm=False + FixCom constraint)",
            "temperature_K": temperature,
            "timestep_fs": timestep_fs,
            "friction_per_fs": friction_per_fs,
            "equilibration_steps_discarded": equilibration_steps,
            "pilot_steps": pilot_steps if not math.isnan(tau_e) else 0,
            "tau_int_energy_steps": None if math.isnan(tau_e) else round(tau_e, 2),
            "tau_int_distances_steps": None if math.isnan(tau_d) else round(tau_d, 2),
            "stride": stride,
            "stride_reason": stride_reason,
            "frames": frames,
            "seed": seed,
            "command": command,
            "wall_time_s": round(time.perf_counter() - t0, 1),
            "cpu_time_s": round(time.process_time() - cpu0, 1),
            "ms_per_md_step": round(ms_step, 3),
            "machine": f"{platform.machine()} {platform.system()}, {os.cpu_count()} cpu(s), OMP_NUM_THREADS="
            f"{os.environ.get('OMP_NUM_THREADS', 'unset')}",
            "units": {"positions": "Angstrom", "energy": "eV", "forces": "eV/Angstrom"},
        }
        say(1.0, "done")
        return MolecularDataset(atoms.get_atomic_numbers().astype(np.int64), pos, ene, frc, meta, molecule)


def save_dataset(ds: MolecularDataset, path: str | Path) -> Path:
    """Write the compressed ``.npz`` (schema in the module docstring)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(
        path,
        numbers=ds.numbers.astype(np.int64),
        positions=ds.positions.astype(np.float32),
        energy=ds.energy.astype(np.float64),
        forces=ds.forces.astype(np.float32),
        metadata=np.array(json.dumps(ds.metadata)),
    )
    return path


def shipped_datasets() -> list[str]:
    """Names of :data:`MOLECULES` whose ``.npz`` is shipped in :data:`DATASET_DIR` (a molecule listed but not
    shipped can be made with the ``dataset`` command)."""
    return [name for name in MOLECULES if (DATASET_DIR / f"{name}.npz").exists()]


def load_dataset(name: str | Path) -> MolecularDataset:
    """A shipped dataset by name (a key of :data:`MOLECULES`) or an ``.npz`` path.

    Raises ``ValueError`` naming the shipped datasets when ``name`` is neither.

    Example
    -------
    >>> ds = load_dataset("ethanol")
    >>> ds.metadata["temperature_K"], len(ds) >= 2000
    (500.0, True)
    """
    path = Path(name)
    if not (path.suffix == ".npz" and path.exists()):
        if str(name) not in MOLECULES:
            raise ValueError(f"unknown dataset {name!r}; shipped: {sorted(MOLECULES)} (or give an .npz path)")
        path = DATASET_DIR / f"{name}.npz"
        if not path.exists():
            raise ValueError(
                f"dataset {name!r} is not shipped ({path.name} missing); make it with `python -m equi_core.training "
                f"dataset --molecule {name} --frames 1000 --out {path}` (needs tblite)"
            )
    with np.load(path, allow_pickle=False) as z:
        meta = json.loads(str(z["metadata"]))
        return MolecularDataset(
            z["numbers"].astype(np.int64),
            z["positions"],
            z["energy"].astype(np.float64),
            z["forces"],
            meta,
            meta.get("molecule", path.stem),
        )


def split_dataset(
    ds: MolecularDataset, seed: int = 0, n_train: int = 1000, n_val: int = 100, n_test: int = 500
) -> tuple[MolecularDataset, MolecularDataset, MolecularDataset]:
    """Train / validation / test splits fixed by ``seed``.

    One permutation of the frames (``numpy.random.default_rng(seed)``): the test split is its first ``n_test``
    frames and the validation split the next ``n_val``, so both are the same for every ``n_train``; the training
    split is the first ``n_train`` of the rest (nested: a smaller N is a subset of a larger one). Disjoint.

    Example
    -------
    >>> ds = load_dataset("ethanol")
    >>> tr, va, te = split_dataset(ds, seed=0, n_train=50, n_val=20, n_test=30)
    >>> len(tr), len(va), len(te)
    (50, 20, 30)
    """
    for k, v in (("n_train", n_train), ("n_val", n_val), ("n_test", n_test)):
        if int(v) != v or v < 0:
            raise ValueError(f"{k} must be a non-negative integer, got {v!r}")
    if n_train + n_val + n_test > len(ds):
        raise ValueError(f"n_train + n_val + n_test = {n_train + n_val + n_test} exceeds the {len(ds)} frames")
    perm = np.random.default_rng(seed).permutation(len(ds))
    test = np.sort(perm[:n_test])
    val = np.sort(perm[n_test : n_test + n_val])
    train = perm[n_test + n_val : n_test + n_val + n_train]
    return ds[train], ds[val], ds[test]
