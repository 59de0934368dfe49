"""The shipped molecular datasets as a reader sees them: what each one is and how it was made, read from its own
metadata record at render time, and the distribution of the force labels the models learn.

Numpy only (the datasets are ``.npz`` files in ``equi_core/training/datasets/``); nothing is recomputed with
GFN2-xTB here, so this works without ``tblite``.

Example
-------
>>> s = {d.name: d for d in dataset_summaries()}["ethanol"]
>>> s.n_atoms, s.n_frames >= 2000, s.sample_spacing_fs >= 2 * max(s.tau_energy_fs, s.tau_distances_fs)
(9, True, True)
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import numpy as np

from ..training.molecular_data import MOLECULES, load_dataset, shipped_datasets

__all__ = ["DatasetSummary", "dataset_summaries", "dataset_columns", "force_histograms", "dataset_text"]


@dataclass(frozen=True)
class DatasetSummary:
    """One shipped dataset: its size, how its frames were sampled and the spread of its labels.

    ``sample_spacing_fs`` is the time between two stored frames (``stride * timestep_fs``); the stride was chosen
    so that it is at least twice the larger integrated autocorrelation time (``tau_energy_fs``, ``tau_distances_fs``),
    the spacing at which successive samples are effectively independent (NaN, shown "n/a", when a dataset was made
    with a given stride and so has no pilot run). ``energy_std_meV_per_atom`` is the
    standard deviation of the potential energy over the frames divided by the number of atoms (the scale of the
    energy labels); ``mean_abs_force`` is the mean force-component magnitude (eV/Å), which is also the force MAE
    of predicting zero forces.
    """

    name: str
    formula: str
    n_atoms: int
    n_frames: int
    temperature_K: float
    timestep_fs: float
    stride: int
    sample_spacing_fs: float
    tau_energy_fs: float
    tau_distances_fs: float
    energy_std_meV_per_atom: float
    mean_abs_force: float
    method: str
    versions: str
    geometry: str
    command: str
    wall_time_s: float

    def record(self) -> dict[str, Any]:
        """The row the page's dataset table shows (numbers rounded for reading; "n/a" where unknown).

        Example
        -------
        >>> row = dataset_summaries()[0].record()
        >>> row["molecule"], row["atoms"], row["T (K)"]
        ('ethanol', 9, 500.0)
        """
        return {
            "molecule": self.name.replace("_", " "),
            "formula": self.formula,
            "atoms": self.n_atoms,
            "frames": self.n_frames,
            "T (K)": self.temperature_K,
            "frame spacing (fs)": self.sample_spacing_fs,
            "τ_int energy (fs)": _shown(self.tau_energy_fs, 1),
            "τ_int distances (fs)": _shown(self.tau_distances_fs, 1),
            "σ(E) (meV/atom)": round(self.energy_std_meV_per_atom, 2),
            "mean |F component| (eV/Å)": round(self.mean_abs_force, 3),
            "starting geometry": self.geometry,
            "versions": self.versions,
            "made in (s)": _shown(self.wall_time_s, 0),
            "command": self.command,
        }


def _num(meta: dict[str, Any], key: str, scale: float = 1.0) -> float:
    """A metadata number (times ``scale``), NaN when missing or None (a dataset made with a given stride has no
    autocorrelation times)."""
    v = meta.get(key)
    return float(v) * scale if isinstance(v, (int, float)) and not isinstance(v, bool) else float("nan")


def _shown(x: float, digits: int) -> float | str:
    return round(x, digits) if np.isfinite(x) else "n/a"


def _summary(name: str) -> DatasetSummary:
    ds = load_dataset(name)
    meta = ds.metadata
    dt = float(meta["timestep_fs"])
    stride = int(meta["stride"])
    return DatasetSummary(
        name=name,
        formula=str(meta.get("formula", "")),
        n_atoms=ds.n_atoms,
        n_frames=len(ds),
        temperature_K=float(meta["temperature_K"]),
        timestep_fs=dt,
        stride=stride,
        sample_spacing_fs=stride * dt,
        tau_energy_fs=_num(meta, "tau_int_energy_steps", dt),
        tau_distances_fs=_num(meta, "tau_int_distances_steps", dt),
        energy_std_meV_per_atom=float(np.std(ds.energy) / ds.n_atoms * 1000.0),
        mean_abs_force=float(np.mean(np.abs(ds.forces.astype(np.float64)))),
        method=str(meta["method"]),
        versions=", ".join(f"{k} {v}" for k, v in sorted(meta.get("versions", {}).items())),
        geometry=str(meta.get("geometry", MOLECULES.get(name, ("", ""))[1])),
        command=str(meta["command"]),
        wall_time_s=_num(meta, "wall_time_s"),
    )


@lru_cache(maxsize=1)
def dataset_summaries() -> tuple[DatasetSummary, ...]:
    """Every shipped dataset (in :data:`~equi_core.training.molecular_data.MOLECULES` order), read from its file."""
    return tuple(_summary(name) for name in shipped_datasets())


def dataset_columns() -> dict[str, list[Any]]:
    """The dataset table as equally long columns (the page's table and its CSV download).

    Example
    -------
    >>> cols = dataset_columns()
    >>> len(cols["molecule"]) == len(dataset_summaries()) and "frames" in cols
    True
    """
    rows = [d.record() for d in dataset_summaries()]
    return {k: [r[k] for r in rows] for k in rows[0]} if rows else {}


@lru_cache(maxsize=1)
def force_histograms(n_bins: int = 40) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Per shipped dataset, the probability density of the per-atom force magnitude ``|F_i|`` (eV/Å) on a common
    grid: ``name -> (bin centres, density)``; each density integrates to 1 over the grid.

    Example
    -------
    >>> centres, density = force_histograms()["ethanol"]
    >>> bool(abs(float(np.sum(density) * (centres[1] - centres[0])) - 1.0) < 1e-9)
    True
    """
    if n_bins < 2:
        raise ValueError(f"n_bins must be at least 2, got {n_bins}")
    mags = {n: np.linalg.norm(load_dataset(n).forces.astype(np.float64), axis=-1).ravel() for n in shipped_datasets()}
    if not mags:
        return {}
    top = max(float(m.max()) for m in mags.values())
    edges = np.linspace(0.0, top, n_bins + 1)
    centres = 0.5 * (edges[1:] + edges[:-1])
    return {n: (centres, np.histogram(m, bins=edges, density=True)[0]) for n, m in mags.items()}


def dataset_text() -> str:
    """How every shipped dataset was made, in one paragraph whose numbers are read from the files.

    Example
    -------
    >>> "ethanol (9 atoms, 2,000 frames 110 fs apart)" in dataset_text()
    True
    """
    sums = dataset_summaries()
    if not sums:
        return "No molecular dataset is shipped."
    methods = sorted({s.method for s in sums})
    temps = sorted({s.temperature_K for s in sums})
    steps = sorted({s.timestep_fs for s in sums})
    parts = ", ".join(
        f"{s.name.replace('_', ' ')} ({s.n_atoms} atoms, {s.n_frames:,} frames {s.sample_spacing_fs:g} fs apart)"
        for s in sums
    )
    return (
        f"Datasets: {parts}. Each is Langevin dynamics at {' / '.join(f'{t:g}' for t in temps)} K with a "
        f"{' / '.join(f'{t:g}' for t in steps)} fs time step, labelled with {'; '.join(methods)}. After "
        "equilibration, a pilot run measures the integrated autocorrelation times of the potential energy and of the "
        "interatomic distances, and frames are stored at least twice the larger one apart, so successive frames are "
        "effectively independent samples. Positions are in Å, energies in eV, forces in eV/Å; the exact command, "
        "versions and seed of each file are in its metadata."
    )
