"""What the molecular-dynamics lesson shows: shipped (or live) MD runs of learned potentials, read as typed results.

The runs are made by ``python -m equi_core.training md`` (:mod:`equi_core.training.md`) and shipped in
``equi_core/training/results/md/<molecule>.json`` with their extended-XYZ trajectories. This module reads them
(numpy only, no torch: the page loads fast), turns them into frozen dataclasses, and writes the lesson's sentences
*from the numbers*: every sentence names the values it rests on, and says what they show even when that is not
what the essay or the papers lead one to expect.

The claims are quoted, never paraphrased: :data:`ESSAY` holds the essay's own sentences and reference entries
(``equivariance-free-lunch-essay.txt``); the tests check each one verbatim against the essay when it is present.

Example
-------
>>> studies = load_shipped("ethanol")
>>> sorted(studies), studies["nve"].runs[0].model, studies["nve"].reference.survived
(['nve', 'nvt'], 'xtb', True)
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from types import MappingProxyType
from typing import Any

import numpy as np
from numpy.typing import NDArray

from .classroom import Quiz

__all__ = [
    "ESSAY",
    "RESULTS_DIR",
    "REFERENCE",
    "LIVE_MODELS",
    "LIVE_DEFAULTS",
    "LIVE_MAX_STEPS",
    "Run",
    "AveragingRow",
    "Averaging",
    "Study",
    "Statement",
    "shipped_molecules",
    "load_shipped",
    "study_from_dict",
    "record_from_dict",
    "live_config",
    "live_study",
    "lesson_statements",
    "conservation_statement",
    "invariance_statement",
    "averaging_statement",
    "stability_statement",
    "quizzes",
    "summary_columns",
    "energy_columns",
    "averaging_columns",
    "nearest_averaging_row",
    "trajectory_path",
    "AnimationData",
    "animation_data",
    "SeedRun",
    "load_seed_runs",
    "survival_columns",
    "survival_statement",
    "MODELS_DIR",
    "BUDGET_NOTE",
    "ModelRecord",
    "model_records",
    "display_name",
    "drift_resolution",
    "record_caption",
]

Array = NDArray[np.float64]

RESULTS_DIR = Path(__file__).resolve().parents[1] / "training" / "results" / "md"
REFERENCE = "xtb"

#: The essay's own words (verbatim) and the reference entries it cites for this lesson.
ESSAY: Mapping[str, str] = MappingProxyType(
    {
        "invariant": (
            "The potential energy of a molecule is invariant: rotate it and the energy stays the same. The forces "
            "are equivariant: they rotate with the molecule."
        ),
        "impossible": (
            "A machine-learned interatomic potential (MLIP) that violates rotational symmetry predicts a physically "
            "impossible energy surface ."
        ),
        "conservation": "(A related but distinct constraint is energy conservation 2;",
        "dark_side": (
            "Bigi, Langer & Ceriotti, The dark side of the forces: assessing non-conservative force models for "
            "atomistic machine learning, arXiv:2412.11569 (2024)."
        ),
        "unconstrained": (
            "Bigi et al. 14 showed that fully unconstrained architectures can match equivariant models when trained "
            "on large enough datasets, evidence that the implementation cost has grown large enough for flexible "
            "models to compete in the large-data regime."
        ),
        "pushing": (
            "Bigi et al., Pushing the limits of unconstrained machine-learned interatomic potentials, "
            "arXiv:2601.16195 (2026)."
        ),
    }
)

#: Models a live run may drive (the shipped ones of the molecule are offered on the page).
LIVE_MODELS = ("nequip", "tensornet", "transformer", "transformer-direct")
#: The live run's default: finishes in well under 30 s on a 2-core machine (see the page test).
LIVE_DEFAULTS: Mapping[str, Any] = MappingProxyType(
    {"models": ("nequip", "transformer-direct"), "ensemble": "nve", "steps": 400, "temperature_K": 500.0}
)
LIVE_MAX_STEPS = 4000

MODELS_DIR = Path(__file__).resolve().parents[1] / "training" / "models"
#: Said beside every model and appended to every sentence while the shipped models are budget-limited.
BUDGET_NOTE = "budget-limited: best validation step at the end of the budget; LR at the top of the sweep"
#: What each model key of the MD study is (the Training lab's plain "transformer" has no augmentation).
_NAMES: Mapping[str, str] = MappingProxyType(
    {
        "xtb": "GFN2-xTB",
        "transformer": "unconstrained transformer (+ rotation augmentation)",
        "transformer-direct": "unconstrained transformer, direct forces (+ rotation augmentation)",
    }
)


def display_name(model: str) -> str:
    """What to call the model keyed ``model`` on the page (keys stay; ``<key>@avg<k>`` is averaged over k).

    Example
    -------
    >>> display_name("transformer")
    'unconstrained transformer (+ rotation augmentation)'
    >>> display_name("transformer@avg8")
    'unconstrained transformer (+ rotation augmentation), averaged over 8 rotations'
    """
    base, _, avg = model.partition("@avg")
    name = _NAMES.get(base, base)
    return f"{name}, averaged over {avg} rotations" if avg else name


@dataclass(frozen=True)
class ModelRecord:
    """A shipped model's training record (the ``.json`` sidecar of its ``.pt``; the two hold the same record).

    ``errors``: split -> (energy MAE meV/atom, force-component MAE eV/Å) on the recorded split.
    """

    kind: str
    budget_limited: bool
    budget_limited_reason: str
    errors: Mapping[str, tuple[float, float]]
    errors_command: str | None
    best_step: int
    steps_run: int
    lr: float


@lru_cache(maxsize=8)
def model_records(molecule: str, models_dir: Path | None = None) -> Mapping[str, ModelRecord]:
    """The shipped models of ``molecule`` by kind (empty when none is shipped).

    Example
    -------
    >>> recs = model_records("ethanol")
    >>> sorted(recs)[:2], sorted(recs["nequip"].errors)
    (['nequip', 'tensornet'], ['test', 'train', 'val'])
    """
    d = models_dir or MODELS_DIR
    out: dict[str, ModelRecord] = {}
    for path in sorted(d.glob(f"{molecule}-*.json")):
        rec = json.loads(path.read_text())
        kind = str(rec.get("kind", path.stem[len(molecule) + 1 :]))
        errs = {
            k: (float(v["energy_mae_mev_per_atom"]), float(v["force_mae"]))
            for k, v in (rec.get("errors") or {}).items()
        }
        out[kind] = ModelRecord(
            kind,
            bool(rec.get("budget_limited", False)),
            str(rec.get("budget_limited_reason", "")),
            MappingProxyType(errs),
            rec.get("errors_command"),
            int(rec.get("best_step", 0)),
            int(rec.get("steps_run", 0)),
            float(rec.get("lr", math.nan)),
        )
    return MappingProxyType(out)


def record_caption(molecule: str, model: str) -> str | None:
    """What to print beside ``model`` (``<kind>`` or ``<kind>@avg<k>``): the budget flag and its recorded
    train/val/test MAEs (``None`` for the reference or a model without a shipped record).

    Example
    -------
    >>> "Energy, force MAE: train" in record_caption("ethanol", "nequip")
    True
    """
    rec = model_records(molecule).get(model.partition("@avg")[0])
    if rec is None:
        return None
    errs = "; ".join(f"{k} {e:.2f} meV/atom, {f:.3f} eV/Å" for k, (e, f) in rec.errors.items())
    return (f"{BUDGET_NOTE}. " if rec.budget_limited else "") + f"Energy, force MAE: {errs}."


def _budget(molecule: str | None, text: str) -> str:
    """``text`` with the budget caveat appended when any shipped model of ``molecule`` is budget-limited."""
    if molecule is None or not any(r.budget_limited for r in model_records(molecule).values()):
        return text
    return f"{text} (All learned models here are {BUDGET_NOTE}.)"


# ------------------------------------------------------------------------------------------------ results


@dataclass(frozen=True)
class Run:
    """One model's trajectory and what it measured (units in the names; ``None`` = not measured / not defined)."""

    model: str
    label: str
    conservative: bool
    constrained: bool
    steps_done: int
    time_ps: float
    drift_eV_per_atom_per_ps: float | None
    fluctuation_eV_per_atom: float | None
    time_to_failure_ps: float | None
    failure_reason: str | None
    stopped: bool
    mean_temperature_K: float | None
    ms_per_step: float
    cpu_ms_per_step: float
    bond_w1_A: float | None
    angle_w1_deg: float | None
    bond_js: float | None
    angle_js: float | None
    rotation_energy_eV: float | None
    rotation_force_eV_per_A: float | None
    rotation_energy_f64_eV: float | None
    test_force_mae_eV_per_A: float | None
    test_energy_mae_meV_per_atom: float | None
    augmented: bool | None
    t_ps: Array
    potential_eV: Array
    kinetic_eV: Array
    bond_hist: Array
    angle_hist: Array
    frames: Array
    frame_steps: NDArray[np.int64]
    trajectory_file: str | None

    @property
    def total_eV(self) -> Array:
        """Potential + kinetic energy (eV) at the logged steps."""
        return self.potential_eV + self.kinetic_eV

    @property
    def survived(self) -> bool:
        """True iff the run reached its last step without a failure."""
        return self.time_to_failure_ps is None

    @property
    def is_reference(self) -> bool:
        return self.model == REFERENCE


@dataclass(frozen=True)
class AveragingRow:
    """Rotational averaging with ``k`` rotations (``rotations`` = ``"none"`` for the bare model)."""

    k: int
    rotations: str
    energy_error_eV: float
    force_error_eV_per_A: float
    ms_per_call: float
    energy_mae_eV: float | None


@dataclass(frozen=True)
class Averaging:
    """The rotational-averaging table of one unconstrained model."""

    model: str
    label: str
    frames: int
    rows: tuple[AveragingRow, ...]

    @property
    def bare(self) -> AveragingRow:
        return next(r for r in self.rows if r.rotations == "none")

    @property
    def random_rows(self) -> tuple[AveragingRow, ...]:
        return tuple(r for r in self.rows if r.rotations == "random")

    @property
    def quadrature(self) -> AveragingRow | None:
        return next((r for r in self.rows if r.rotations == "icosahedral"), None)


@dataclass(frozen=True)
class Study:
    """Every model run from one start in one ensemble (the reference first when present)."""

    molecule: str
    ensemble: str
    steps: int
    dt_fs: float
    temperature_K: float
    start_source: str
    numbers: NDArray[np.int64]
    bonds: NDArray[np.int64]
    bond_bins: Array
    angle_bins: Array
    runs: tuple[Run, ...]
    averaging: Averaging | None
    criteria: Mapping[str, Any]
    command: str | None
    machine: Mapping[str, Any]
    complete: bool

    @property
    def reference(self) -> Run | None:
        return next((r for r in self.runs if r.is_reference), None)

    @property
    def models(self) -> tuple[Run, ...]:
        """The learned models' runs (the reference excluded)."""
        return tuple(r for r in self.runs if not r.is_reference)

    def run(self, model: str) -> Run:
        for r in self.runs:
            if r.model == model:
                return r
        raise KeyError(f"no run of {model!r}; runs: {[r.model for r in self.runs]}")


def _f(v: Any) -> float | None:
    return None if v is None else float(v)


def _arr(v: Any, dtype: Any = float) -> Any:
    a = np.array([np.nan if x is None else x for x in v] if dtype is float else v, dtype=dtype)
    a.setflags(write=False)
    return a


def _run(d: Mapping[str, Any], dt_fs: float) -> Run:
    failure = d.get("failure") or None
    frames = np.array(d["frames"], dtype=float)
    frames.setflags(write=False)
    return Run(
        model=str(d["model"]),
        label=str(d.get("label", d["model"])),
        conservative=bool(d["conservative"]),
        constrained=bool(d["constrained"]),
        steps_done=int(d["steps_done"]),
        time_ps=int(d["steps_done"]) * dt_fs / 1000.0,
        drift_eV_per_atom_per_ps=_f(d.get("drift_eV_per_atom_per_ps")),
        fluctuation_eV_per_atom=_f(d.get("fluctuation_eV_per_atom")),
        time_to_failure_ps=_f(d.get("time_to_failure_ps")),
        failure_reason=None if failure is None else str(failure.get("reason")),
        stopped=bool(d.get("stopped", False)),
        mean_temperature_K=_f(d.get("mean_temperature_K")),
        ms_per_step=float(d["ms_per_step"]),
        cpu_ms_per_step=float(d["cpu_ms_per_step"]),
        bond_w1_A=_f(d.get("bond_w1_A")),
        angle_w1_deg=_f(d.get("angle_w1_deg")),
        bond_js=_f(d.get("bond_js")),
        angle_js=_f(d.get("angle_js")),
        rotation_energy_eV=_f(d.get("rotation_energy_eV")),
        rotation_force_eV_per_A=_f(d.get("rotation_force_eV_per_A")),
        rotation_energy_f64_eV=_f(d.get("rotation_energy_f64_eV")),
        test_force_mae_eV_per_A=_f((d.get("training") or {}).get("errors.test.force_mae")),
        test_energy_mae_meV_per_atom=_f((d.get("training") or {}).get("errors.test.energy_mae_mev_per_atom")),
        augmented=(d.get("training") or {}).get("augment_rotations"),
        t_ps=_arr(d["t_ps"]),
        potential_eV=_arr(d["potential_eV"]),
        kinetic_eV=_arr(d["kinetic_eV"]),
        bond_hist=_arr(d["bond_hist"]),
        angle_hist=_arr(d["angle_hist"]),
        frames=frames,
        frame_steps=_arr(d["frame_steps"], np.int64),
        trajectory_file=d.get("trajectory_file"),
    )


def study_from_dict(d: Mapping[str, Any]) -> Study:
    """A :class:`Study` from one study dict written by :func:`equi_core.training.md.run_md_study`."""
    cfg = d["config"]
    runs = [_run(r, float(cfg["dt_fs"])) for r in d["runs"]]
    avg = d.get("averaging")
    averaging = None
    if avg:
        rows = tuple(
            AveragingRow(
                k=int(x["k"]),
                rotations=str(x["rotations"]),
                energy_error_eV=float(x["energy_error_eV"]),
                force_error_eV_per_A=float(x["force_error_eV_per_A"]),
                ms_per_call=float(x["ms_per_call"]),
                energy_mae_eV=_f(x.get("energy_mae_eV")),
            )
            for x in avg["rows"]
        )
        averaging = Averaging(str(avg["model"]), str(avg.get("label", avg["model"])), int(avg["frames"]), rows)
    return Study(
        molecule=str(d["molecule"]),
        ensemble=str(cfg["ensemble"]),
        steps=int(cfg["steps"]),
        dt_fs=float(cfg["dt_fs"]),
        temperature_K=float(d["start"]["temperature_K"]),
        start_source=str(d["start"]["source"]),
        numbers=_arr(d["start"]["numbers"], np.int64),
        bonds=_arr(d["bonds"], np.int64).reshape(-1, 2),
        bond_bins=_arr(d["bond_bins"]),
        angle_bins=_arr(d["angle_bins"]),
        runs=tuple(runs),
        averaging=averaging,
        criteria=MappingProxyType(dict(d.get("criteria", {}))),
        command=d.get("command"),
        machine=MappingProxyType(dict(d.get("machine", {}))),
        complete=bool(d.get("complete", False)),
    )


def record_from_dict(record: Mapping[str, Any]) -> dict[str, Study]:
    """``{ensemble: Study}`` from a shipped ``<molecule>.json`` record (``{"studies": [...]}``) or one study."""
    studies = record.get("studies", [record])
    out: dict[str, Study] = {}
    for s in studies:
        st_ = study_from_dict(s)
        out[st_.ensemble] = st_
    return out


def shipped_molecules(results_dir: Path | None = None) -> tuple[str, ...]:
    """Molecules with a shipped results file: ethanol (the lab's main molecule, the page's default) first when
    shipped, then the others sorted.

    Example
    -------
    >>> shipped_molecules()[0]
    'ethanol'
    """
    d = results_dir or RESULTS_DIR
    names = sorted(p.stem for p in d.glob("*.json") if not p.stem.endswith("-seeds")) if d.is_dir() else []
    return tuple(sorted(names, key=lambda m: m != "ethanol"))


@lru_cache(maxsize=8)
def load_shipped(molecule: str, results_dir: Path | None = None) -> dict[str, Study]:
    """The shipped studies of ``molecule`` by ensemble (``ValueError`` naming what is shipped)."""
    d = results_dir or RESULTS_DIR
    path = d / f"{molecule}.json"
    if not path.is_file():
        raise ValueError(f"no shipped MD runs for {molecule!r}; shipped: {list(shipped_molecules(d))}")
    return record_from_dict(json.loads(path.read_text()))


def trajectory_path(run: Run, results_dir: Path | None = None) -> Path | None:
    """The shipped extended-XYZ file of ``run`` (``None`` for a live run or a missing file)."""
    if not run.trajectory_file:
        return None
    p = (results_dir or RESULTS_DIR) / run.trajectory_file
    return p if p.is_file() else None


# --------------------------------------------------------------------------------------------------- live


def live_config(
    models: Sequence[str], ensemble: str, steps: int, temperature_K: float, molecule: str = "ethanol"
) -> dict[str, Any]:
    """The validated config of a live :func:`equi_core.training.md.md_job` (``ValueError`` saying what is allowed).

    Live runs keep few frames and no rotational-averaging table (that is measured in the shipped runs).
    """
    models = [str(m) for m in models]
    if not models:
        raise ValueError("choose at least one model for a live run")
    bad = [m for m in models if m not in LIVE_MODELS]
    if bad:
        raise ValueError(f"unknown model(s) {bad}; allowed: {list(LIVE_MODELS)}")
    if ensemble not in ("nve", "nvt"):
        raise ValueError(f"ensemble must be 'nve' or 'nvt', got {ensemble!r}")
    if not isinstance(steps, (int, np.integer)) or not 20 <= int(steps) <= LIVE_MAX_STEPS:
        raise ValueError(f"a live run has 20 to {LIVE_MAX_STEPS} steps, got {steps!r}")
    if not (isinstance(temperature_K, (int, float)) and math.isfinite(temperature_K) and 50 <= temperature_K <= 1500):
        raise ValueError(f"the temperature must be 50 to 1500 K, got {temperature_K!r}")
    return {
        "models": models,
        "molecule": molecule,
        "ensemble": ensemble,
        "steps": int(steps),
        "temperature_K": float(temperature_K),
        "frames": 40,
        "log_every": max(1, int(steps) // 200),
        "rotation_frames": 4,
        "rotation_samples": 4,
    }


def live_study(result: Mapping[str, Any] | None) -> Study | None:
    """A live job's result (or partial) as a :class:`Study`; ``None`` when there is nothing yet."""
    if not result or not result.get("runs"):
        return None
    return study_from_dict(result)


# -------------------------------------------------------------------------------------------- statements


@dataclass(frozen=True)
class Statement:
    """One sentence of the lesson and the numbers it rests on (``values``: name -> number, shown beside it)."""

    topic: str
    text: str
    values: Mapping[str, float | None]


def _e(v: float | None, digits: int = 1) -> str:
    return "n/a" if v is None else f"{v:.{digits}e}"


def _ps(v: float) -> str:
    return f"{v:.2f} ps"


def conservation_statement(study: Study) -> Statement | None:
    """Conservative vs direct forces: the NVE drifts of the models (``None`` outside NVE or without both kinds)."""
    if study.ensemble != "nve":
        return None
    cons_all = [r for r in study.models if r.conservative and r.drift_eV_per_atom_per_ps is not None]
    # a run that failed has a drift over its short, exploding stretch only: it is named, not compared
    cons = [r for r in cons_all if r.time_to_failure_ps is None]
    failed_cons = [r for r in cons_all if r.time_to_failure_ps is not None]
    direct = [r for r in study.models if not r.conservative and r.drift_eV_per_atom_per_ps is not None]
    if not cons or not direct:
        return None
    worst_cons = max(cons, key=lambda r: abs(r.drift_eV_per_atom_per_ps or 0.0))
    d = direct[0]
    dc, dd = abs(worst_cons.drift_eV_per_atom_per_ps or 0.0), abs(d.drift_eV_per_atom_per_ps or 0.0)
    bound, ref_drift, noise = drift_resolution(study)
    fail = (
        f" It failed after {_ps(d.time_to_failure_ps)} ({d.failure_reason})."
        if d.time_to_failure_ps is not None
        else ""
    )
    duration = _ps(max(r.time_ps for r in cons))
    how = (
        f"|GFN2-xTB drift| {_e(ref_drift)}" + (f" or fluctuation/duration {_e(noise)}" if noise is not None else "")
        if ref_drift is not None
        else f"fluctuation/duration {_e(noise)}"
    )
    if dc < bound and dd > bound:
        text = (
            f"With velocity Verlet at {study.dt_fs} fs, the conservative models' drift (at most {_e(dc)} eV/atom/ps, "
            f"{display_name(worst_cons.model)}) is below what a {duration} run resolves (< {_e(bound)} eV/atom/ps, "
            f"the larger of {how}); the direct-force model drifts by {_e(d.drift_eV_per_atom_per_ps)} eV/atom/ps, "
            f"about {dd / bound:.0f}x that bound.{fail} Forces that are not minus the gradient of one energy do work "
            "around closed loops, so the total energy is not conserved."
        )
    elif dd > bound:
        text = (
            f"With velocity Verlet at {study.dt_fs} fs, the direct-force model drifts by "
            f"{_e(d.drift_eV_per_atom_per_ps)} eV/atom/ps and the conservative models by up to {_e(dc)} "
            f"({display_name(worst_cons.model)}), both above what a {duration} run resolves ({_e(bound)} eV/atom/ps, "
            f"the larger of {how}).{fail}"
        )
    else:
        text = (
            f"In this run the direct-force model's drift ({_e(d.drift_eV_per_atom_per_ps)} eV/atom/ps) is below what "
            f"a {duration} run resolves ({_e(bound)} eV/atom/ps, the larger of {how}), like the conservative models' "
            f"(at most {_e(dc)}): over {_ps(d.time_ps)} the non-conservative part of its forces did not show in the "
            f"total energy.{fail}"
        )
    if failed_cons:
        text += (
            " Not counted among the conservative drifts: "
            + ", ".join(f"{display_name(r.model)} (failed at {_ps(r.time_to_failure_ps or 0.0)})" for r in failed_cons)
            + ", whose run ended before a drift could be measured over the whole time."
        )
    return Statement(
        "conservation",
        _budget(study.molecule, text),
        {
            "direct_drift": d.drift_eV_per_atom_per_ps,
            "worst_conservative_drift": worst_cons.drift_eV_per_atom_per_ps,
            "resolution_eV_per_atom_per_ps": bound,
        },
    )


def drift_resolution(study: Study) -> tuple[float, float | None, float | None]:
    """``(bound, |reference drift|, fluctuation/duration)``: the smallest drift an NVE run of this length resolves.

    A drift below ``bound`` cannot be told apart from the integrator's own (the reference's drift with the same
    integrator) nor from the total energy's fluctuation over the run (largest ``fluctuation / duration`` of the
    reference and the conservative runs that did not fail). ``bound`` is the larger of the two.

    Example
    -------
    >>> bound, ref_drift, _ = drift_resolution(load_shipped("ethanol")["nve"])
    >>> bound >= abs(ref_drift)
    True
    """
    ref = study.reference
    ref_drift = (
        abs(ref.drift_eV_per_atom_per_ps) if ref is not None and ref.drift_eV_per_atom_per_ps is not None else None
    )
    levels = [
        r.fluctuation_eV_per_atom / r.time_ps
        for r in study.runs
        if (r.conservative or r.is_reference)
        and r.fluctuation_eV_per_atom is not None
        and r.time_ps > 0
        and r.time_to_failure_ps is None  # a failed run's fluctuation is its explosion, not noise
    ]
    noise = max(levels) if levels else None
    bound = max(x for x in (ref_drift, noise, 0.0) if x is not None)
    return bound, ref_drift, noise


def invariance_statement(study: Study) -> Statement | None:
    """Exact vs learned invariance: the rotation sensitivity of constrained vs unconstrained models (as they ran,
    and in float64 where measured)."""
    con = [r for r in study.models if r.constrained and r.rotation_energy_eV is not None]
    unc = [r for r in study.models if not r.constrained and r.rotation_energy_eV is not None]
    if not con or not unc:
        return None
    worst_con = max(con, key=lambda r: r.rotation_energy_eV or 0.0)
    best_unc = min(unc, key=lambda r: r.rotation_energy_eV or 0.0)
    a, b = worst_con.rotation_energy_eV or 0.0, best_unc.rotation_energy_eV or 0.0
    f64 = [r.rotation_energy_f64_eV for r in con if r.rotation_energy_f64_eV is not None]
    a64 = max(f64) if len(f64) == len(con) else None
    values: dict[str, float | None] = {
        "worst_constrained_eV": a,
        "best_unconstrained_eV": b,
        "worst_constrained_f64_eV": a64,
    }
    if b > a:
        in64 = f" and by at most {_e(a64)} eV in float64" if a64 is not None else ""
        text = (
            f"Rotating frames of their own trajectories changes the energy of the exactly invariant models by at "
            f"most {_e(a)} eV as they ran (float32 rounding of a total energy of a few hundred eV){in64}; the "
            f"unconstrained ones change by at least {_e(b)} eV ({display_name(best_unc.model)}"
            + (f", {b / a:.0f}x more" if a > 0 else "")
            + "): learned invariance is approximate, built-in invariance is exact up to rounding."
        )
    else:
        text = (
            f"Here the {display_name(best_unc.model)} changed by {_e(b)} eV under rotation, no more than the "
            f"constrained {worst_con.model} ({_e(a)} eV): at this precision, its learned invariance is as good as exact."
        )
    return Statement("invariance", _budget(study.molecule, text), values)


def averaging_statement(avg: Averaging | None, k: int | None = None, study: Study | None = None) -> Statement | None:
    """What rotational averaging buys and costs (at ``k``, default the largest random ``k``); with the NVE ``study``
    (and ``k`` unset), how the averaged model's run ended beside the bare model's."""
    if avg is None or not avg.random_rows:
        return None
    row = nearest_averaging_row(avg, k) if k is not None else avg.random_rows[-1]
    bare = avg.bare
    gain = bare.energy_error_eV / row.energy_error_eV if row.energy_error_eV > 0 else math.inf
    cost = row.ms_per_call / bare.ms_per_call if bare.ms_per_call > 0 else math.nan
    text = (
        f"Averaging the {display_name(avg.model)} over k = {row.k} rotations "
        + (f"({row.rotations} group) " if row.rotations != "random" else "")
        + f"cuts its rotation error from {_e(bare.energy_error_eV)} to {_e(row.energy_error_eV)} eV "
        f"({gain:.1f}x smaller) for {cost:.1f}x the cost of one evaluation ({row.ms_per_call:.1f} ms vs "
        f"{bare.ms_per_call:.1f} ms on this machine)."
    )
    q = avg.quadrature
    if q is not None and k is None:
        text += (
            f" The 60-rotation icosahedral quadrature gives {_e(q.energy_error_eV)} eV: a finite group removes the "
            "orientation dependence only up to a degree, so averaging is never exact for a learned model."
        )
    if study is not None and k is None and study.ensemble == "nve":
        for r in study.models:
            base, _, n = r.model.partition("@avg")
            if base == avg.model and n:
                bare_run = next((x for x in study.models if x.model == base), None)
                ended = (
                    f"failed at {_ps(r.time_to_failure_ps)} ({r.failure_reason})"
                    if r.time_to_failure_ps is not None
                    else f"survived {_ps(r.time_ps)}"
                )
                bare_ended = (
                    ""
                    if bare_run is None
                    else f" while the bare model survived {_ps(bare_run.time_ps)}"
                    if bare_run.survived
                    else f"; the bare model failed at {_ps(bare_run.time_to_failure_ps or 0.0)}"
                )
                text += f" In the NVE run from seed 0 (one trajectory) the k = {n} averaged model {ended}{bare_ended}."
    return Statement(
        "averaging",
        _budget(None if study is None else study.molecule, text),
        {"k": float(row.k), "bare_error_eV": bare.energy_error_eV, "error_eV": row.energy_error_eV, "cost_ratio": cost},
    )


def stability_statement(study: Study, seed_runs: Sequence[SeedRun] = ()) -> Statement | None:
    """Which runs failed and when; the bond-length distance to the reference of those that survived, as the one
    trajectory it is, with its range over the starts in ``seed_runs`` (same ensemble) when given."""
    models = study.models
    if not models:
        return None
    failed = [r for r in models if r.time_to_failure_ps is not None]
    survived = [r for r in models if r.time_to_failure_ps is None and r.bond_w1_A is not None]
    parts = []
    if failed:
        parts.append(
            "Failed: "
            + "; ".join(
                f"{display_name(r.model)} after {_ps(r.time_to_failure_ps or 0.0)} ({r.failure_reason})" for r in failed
            )
            + f". Survived the {_ps(study.steps * study.dt_fs / 1000)}: "
            + (", ".join(display_name(r.model) for r in models if r.time_to_failure_ps is None) or "none")
            + ". One trajectory per model: a failure time is one draw of a chaotic process, not a rate."
        )
    else:
        parts.append(f"Every model survived the {_ps(study.steps * study.dt_fs / 1000)} run.")
    if survived:
        best = min(survived, key=lambda r: r.bond_w1_A or 0.0)
        worst = max(survived, key=lambda r: r.bond_w1_A or 0.0)
        parts.append(
            "Bond-length distributions against GFN2-xTB (Wasserstein-1), in this one trajectory: closest "
            f"{display_name(best.model)} ({(best.bond_w1_A or 0.0) * 1000:.1f} mÅ), furthest "
            f"{display_name(worst.model)} ({(worst.bond_w1_A or 0.0) * 1000:.1f} mÅ)."
        )
        spread = w1_spread(seed_runs, study.ensemble)
        if spread:
            n = max(c for _, _, c in spread.values())
            ranges = ", ".join(
                f"{display_name(m)} {lo * 1000:.1f}-{hi * 1000:.1f}" for m, (lo, hi, _) in spread.items()
            )
            parts.append(
                f"Across the starts (up to {n}) in which each survived {common_horizon(seed_runs, study.ensemble):.1f} ps "
                f"the distances range over (mÅ): {ranges}; the closest and furthest models "
                + (
                    "change from start to start, so this ranking is not a result."
                    if w1_ranking_flips(seed_runs, study.ensemble)
                    else "are the same in every start."
                )
            )
    return Statement(
        "stability",
        _budget(study.molecule, " ".join(parts)),
        {f"{r.model}_failure_ps": r.time_to_failure_ps for r in models},
    )


def lesson_statements(study: Study, k: int | None = None, seed_runs: Sequence[SeedRun] = ()) -> tuple[Statement, ...]:
    """Every statement the study supports (a missing kind of run drops its statement, never invents one)."""
    out = [
        conservation_statement(study),
        invariance_statement(study),
        stability_statement(study, seed_runs),
        averaging_statement(study.averaging, k, study),
    ]
    return tuple(s for s in out if s is not None)


def nearest_averaging_row(avg: Averaging, k: int) -> AveragingRow:
    """The random-rotation row whose ``k`` is closest to ``k`` (ties: the smaller)."""
    rows = avg.random_rows
    if not rows:
        raise ValueError("this averaging table has no random-rotation rows")
    return min(rows, key=lambda r: (abs(math.log2(r.k) - math.log2(max(k, 1))), r.k))


# ------------------------------------------------------------------------------------------------ quizzes


def quizzes(study: Study) -> dict[str, Quiz]:
    """Quizzes whose answers come from the study (only those the study can answer)."""
    out: dict[str, Quiz] = {}
    drifts = [r for r in study.models if r.drift_eV_per_atom_per_ps is not None]
    if len(drifts) >= 2:
        worst = max(drifts, key=lambda r: abs(r.drift_eV_per_atom_per_ps or 0.0))
        out["md_quiz_drift"] = Quiz(
            "Which model's total energy drifted most in the NVE run?",
            tuple(r.model for r in drifts),
            worst.model,
            f"{worst.model}: {_e(worst.drift_eV_per_atom_per_ps)} eV/atom/ps"
            + (" (its forces are not the gradient of an energy)." if not worst.conservative else "."),
        )
    rots = [r for r in study.models if r.rotation_energy_eV is not None]
    if len(rots) >= 2:
        threshold = 1e-4
        exact = tuple(sorted(r.model for r in rots if (r.rotation_energy_eV or 0.0) < threshold))
        options = ("none of them", "only the constrained ones", "only the unconstrained ones", "all of them")
        con = tuple(sorted(r.model for r in rots if r.constrained))
        unc = tuple(sorted(r.model for r in rots if not r.constrained))
        answer = (
            "none of them"
            if not exact
            else "all of them"
            if len(exact) == len(rots)
            else "only the constrained ones"
            if exact == con
            else "only the unconstrained ones"
            if exact == unc
            else None
        )
        if answer is not None:
            out["md_quiz_rotation"] = Quiz(
                "Rotate frames of each model's trajectory: whose energy changes by less than 1e-4 eV?",
                options,
                answer,
                "Measured: " + ", ".join(f"{r.model} {_e(r.rotation_energy_eV)} eV" for r in rots) + ".",
            )
    avg = study.averaging
    if avg is not None and len(avg.random_rows) >= 2:
        row = avg.random_rows[-1]
        factor = row.ms_per_call / avg.bare.ms_per_call
        buckets = ("under 2x", "2x to 8x", "8x to 32x", "more than 32x")
        idx = 0 if factor < 2 else 1 if factor < 8 else 2 if factor < 32 else 3
        out["md_quiz_cost"] = Quiz(
            f"Averaging the {display_name(avg.model)} over k = {row.k} rotations costs how much more per evaluation (measured)?",
            buckets,
            buckets[idx],
            f"{row.ms_per_call:.1f} ms vs {avg.bare.ms_per_call:.1f} ms: {factor:.1f}x (the k rotated copies go "
            "through the model as one batch, so the cost grows more slowly than k at small k).",
        )
    return out


# ---------------------------------------------------------------------------------------------- tables


def summary_columns(study: Study) -> dict[str, list[Any]]:
    """One row per run: the measured numbers (CSV download and the page's table)."""
    cols: dict[str, list[Any]] = {
        k: []
        for k in (
            "model",
            "test force MAE eV/Å",
            "conservative",
            "exactly invariant",
            "drift eV/atom/ps",
            "fluctuation eV/atom",
            "time to failure ps",
            "bond W1 Å",
            "angle W1 deg",
            "bond JS",
            "rotation |dE| eV",
            "rotation |dE| eV (float64)",
            "rotation |dF| eV/Å",
            "ms/step",
            "CPU ms/step",
            "steps",
        )
    }
    for r in study.runs:
        cols["model"].append(r.model)
        cols["test force MAE eV/Å"].append(r.test_force_mae_eV_per_A)
        cols["conservative"].append(r.conservative)
        cols["exactly invariant"].append(r.constrained)
        cols["drift eV/atom/ps"].append(r.drift_eV_per_atom_per_ps)
        cols["fluctuation eV/atom"].append(r.fluctuation_eV_per_atom)
        cols["time to failure ps"].append(r.time_to_failure_ps)
        cols["bond W1 Å"].append(r.bond_w1_A)
        cols["angle W1 deg"].append(r.angle_w1_deg)
        cols["bond JS"].append(r.bond_js)
        cols["rotation |dE| eV"].append(r.rotation_energy_eV)
        cols["rotation |dE| eV (float64)"].append(r.rotation_energy_f64_eV)
        cols["rotation |dF| eV/Å"].append(r.rotation_force_eV_per_A)
        cols["ms/step"].append(round(r.ms_per_step, 3))
        cols["CPU ms/step"].append(round(r.cpu_ms_per_step, 3))
        cols["steps"].append(r.steps_done)
    return cols


def energy_columns(study: Study) -> dict[str, list[Any]]:
    """Long table of the energy series: model, time, potential, kinetic, total (eV)."""
    cols: dict[str, list[Any]] = {"model": [], "time ps": [], "potential eV": [], "kinetic eV": [], "total eV": []}
    for r in study.runs:
        n = len(r.t_ps)
        cols["model"] += [r.model] * n
        cols["time ps"] += r.t_ps.tolist()
        cols["potential eV"] += r.potential_eV.tolist()
        cols["kinetic eV"] += r.kinetic_eV.tolist()
        cols["total eV"] += r.total_eV.tolist()
    return cols


def averaging_columns(avg: Averaging) -> dict[str, list[Any]]:
    """The averaging table as columns."""
    return {
        "k": [r.k for r in avg.rows],
        "rotations": [r.rotations for r in avg.rows],
        "max |dE| eV": [r.energy_error_eV for r in avg.rows],
        "max |dF| eV/Å": [r.force_error_eV_per_A for r in avg.rows],
        "ms per call": [r.ms_per_call for r in avg.rows],
        "energy MAE vs xTB eV": [r.energy_mae_eV for r in avg.rows],
    }


# ------------------------------------------------------------------------------------------------ animation


@dataclass(frozen=True)
class AnimationData:
    """Frames of the chosen runs on one common time grid (a run that failed or stopped early holds its last
    frame), for :func:`equi_core.viz.molecular_dynamics.trajectory_animation`."""

    titles: tuple[str, ...]
    frames: tuple[Array, ...]
    times_ps: Array


def animation_data(study: Study, models: Sequence[str], max_frames: int = 40) -> AnimationData:
    """The reference first (when present), then ``models`` in order, on at most ``max_frames`` common frames."""
    chosen = [r for r in study.runs if r.is_reference] + [study.run(m) for m in models if m != REFERENCE]
    if not chosen:
        raise ValueError("no run to animate")
    longest = max(chosen, key=lambda r: int(r.frame_steps[-1]))
    steps = longest.frame_steps
    if len(steps) > max_frames:
        steps = steps[np.linspace(0, len(steps) - 1, max_frames).round().astype(int)]
    titles, frames = [], []
    for r in chosen:
        idx = np.searchsorted(r.frame_steps, steps, side="right") - 1
        idx = np.clip(idx, 0, len(r.frame_steps) - 1)
        f = r.frames[idx]
        f.setflags(write=False)
        frames.append(f)
        note = f" (failed at {r.time_to_failure_ps:.2f} ps)" if r.time_to_failure_ps is not None else ""
        titles.append(display_name(r.model) + note)
    times = np.asarray(steps, dtype=float) * study.dt_fs / 1000.0
    times.setflags(write=False)
    return AnimationData(tuple(titles), tuple(frames), times)


# ------------------------------------------------------------------------------------------- more starts


@dataclass(frozen=True)
class SeedRun:
    """One model's run from one start (``seed`` draws the velocities and the Langevin noise): did it survive?"""

    seed: int
    ensemble: str
    model: str
    horizon_ps: float
    time_to_failure_ps: float | None
    failure_reason: str | None
    drift_eV_per_atom_per_ps: float | None
    bond_w1_A: float | None = None


def _seed_runs_of(study: Mapping[str, Any], seed: int, ensemble: str) -> list[SeedRun]:
    cfg = study["config"]
    horizon = float(cfg["steps"]) * float(cfg["dt_fs"]) / 1000.0
    out = []
    for r in study["runs"]:
        failure = r.get("failure") or None
        out.append(
            SeedRun(
                seed,
                ensemble,
                str(r["model"]),
                horizon,
                _f(r.get("time_to_failure_ps")),
                None if failure is None else str(failure.get("reason")),
                _f(r.get("drift_eV_per_atom_per_ps")),
                _f(r.get("bond_w1_A")),
            )
        )
    return out


@lru_cache(maxsize=8)
def load_seed_runs(molecule: str, results_dir: Path | None = None) -> tuple[SeedRun, ...]:
    """Every start of ``molecule``: the shipped studies (their seed) and ``<molecule>-seeds.json`` if shipped."""
    d = results_dir or RESULTS_DIR
    out: list[SeedRun] = []
    main = json.loads((d / f"{molecule}.json").read_text())
    for s in main.get("studies", [main]):
        out += _seed_runs_of(s, int(s["config"]["seed"]), str(s["config"]["ensemble"]))
    extra = d / f"{molecule}-seeds.json"
    if extra.is_file():
        for s in json.loads(extra.read_text())["studies"]:
            out += _seed_runs_of(s, int(s["seed"]), str(s["ensemble"]))
    return tuple(out)


def _failed_by(r: SeedRun, horizon: float) -> bool:
    return r.time_to_failure_ps is not None and r.time_to_failure_ps <= horizon


def survival_columns(seed_runs: Sequence[SeedRun], ensemble: str) -> dict[str, list[Any]]:
    """One row per model, one column per start (its own length in the header): ``failed at t ps`` or ``survived
    T ps``; ``failed by H ps`` counts failures up to the common horizon ``H`` (:func:`common_horizon`) only."""
    runs = [r for r in seed_runs if r.ensemble == ensemble]
    seeds = sorted({r.seed for r in runs})
    models = list(dict.fromkeys(r.model for r in runs))
    horizon = common_horizon(seed_runs, ensemble)
    cols: dict[str, list[Any]] = {"model": models}
    for s in seeds:
        col = []
        for m in models:
            r = next((x for x in runs if x.seed == s and x.model == m), None)
            col.append(
                "-"
                if r is None
                else f"survived {r.horizon_ps:.1f} ps"
                if r.time_to_failure_ps is None
                else f"failed at {r.time_to_failure_ps:.2f} ps"
            )
        h = max((x.horizon_ps for x in runs if x.seed == s), default=0.0)
        cols[f"start {s} ({h:.1f} ps)"] = col
    cols[f"failed by {horizon:.1f} ps"] = [
        f"{sum(1 for x in runs if x.model == m and _failed_by(x, horizon))}/{sum(1 for x in runs if x.model == m)}"
        for m in models
    ]
    return cols


def survival_statement(seed_runs: Sequence[SeedRun], ensemble: str, molecule: str | None = None) -> Statement | None:
    """How many starts each learned model failed from within the common horizon (``None`` with a single start);
    failures after it (in the longer starts) are named separately. ``molecule`` adds the budget caveat."""
    runs = [r for r in seed_runs if r.ensemble == ensemble and r.model != REFERENCE]
    seeds = sorted({r.seed for r in runs})
    if len(seeds) < 2:
        return None
    horizon = common_horizon(seed_runs, ensemble)
    models = list(dict.fromkeys(r.model for r in runs))
    counts = {
        m: (
            sum(1 for r in runs if r.model == m and _failed_by(r, horizon)),
            sum(1 for r in runs if r.model == m),
        )
        for m in models
    }
    ref = [r for r in seed_runs if r.ensemble == ensemble and r.model == REFERENCE]
    ref_fail = sum(1 for r in ref if _failed_by(r, horizon))
    never = [display_name(m) for m, (f, _) in counts.items() if f == 0]
    some = [f"{display_name(m)} {f}/{n}" for m, (f, n) in counts.items() if f > 0]
    lengths = ", ".join(f"seed {s} {max(r.horizon_ps for r in runs if r.seed == s):.1f} ps" for s in seeds)
    late = [
        f"{display_name(r.model)} at {_ps(r.time_to_failure_ps or 0.0)} (seed {r.seed})"
        for r in runs
        if r.time_to_failure_ps is not None and not _failed_by(r, horizon)
    ]
    text = (
        f"Over {len(seeds)} starts ({ensemble.upper()}, the same frame, velocities and noise drawn by seeds "
        f"{', '.join(map(str, seeds))}; runs of {lengths}), counting failures before {horizon:.1f} ps, the length "
        "every start reached: "
        + (f"failed from {', '.join(some)} of them" if some else "no learned model failed")
        + (f"; never failed: {', '.join(never)}" if never else "")
        + f". GFN2-xTB failed {ref_fail}/{len(ref)}."
        + (f" After {horizon:.1f} ps (only the longer starts ran on): failed {', '.join(late)}." if late else "")
    )
    return Statement(
        "survival",
        _budget(molecule, text),
        {f"{m}_failed": float(f) for m, (f, _) in counts.items()} | {"horizon_ps": horizon},
    )


def w1_spread(seed_runs: Sequence[SeedRun], ensemble: str) -> dict[str, tuple[float, float, int]]:
    """Learned model -> (min, max, count) of its bond-length W1 (Å) over the starts where it survived the common
    horizon (empty with fewer than two such starts for every model)."""
    horizon = common_horizon(seed_runs, ensemble)
    out: dict[str, tuple[float, float, int]] = {}
    runs = [r for r in seed_runs if r.ensemble == ensemble and r.model != REFERENCE]
    for m in dict.fromkeys(r.model for r in runs):
        w = [
            r.bond_w1_A
            for r in runs
            if r.model == m
            and r.bond_w1_A is not None
            and (r.time_to_failure_ps is None or r.time_to_failure_ps > horizon)
        ]
        if len(w) >= 2:
            out[m] = (min(w), max(w), len(w))
    return out


def w1_ranking_flips(seed_runs: Sequence[SeedRun], ensemble: str) -> bool:
    """True iff the closest or the furthest model (bond W1, among those surviving the common horizon in every
    start) differs between starts."""
    horizon = common_horizon(seed_runs, ensemble)
    runs = [r for r in seed_runs if r.ensemble == ensemble and r.model != REFERENCE]
    seeds = sorted({r.seed for r in runs})
    ok = [
        m
        for m in dict.fromkeys(r.model for r in runs)
        if all(
            any(
                r.seed == s
                and r.model == m
                and r.bond_w1_A is not None
                and (r.time_to_failure_ps is None or r.time_to_failure_ps > horizon)
                for r in runs
            )
            for s in seeds
        )
    ]
    if len(ok) < 2:
        return False
    picks = set()
    for s in seeds:
        w = {r.model: r.bond_w1_A or 0.0 for r in runs if r.seed == s and r.model in ok}
        picks.add((min(w, key=w.__getitem__), max(w, key=w.__getitem__)))
    return len(picks) > 1


def common_horizon(seed_runs: Sequence[SeedRun], ensemble: str) -> float:
    """The shortest run length (ps) over the starts of ``ensemble``: the one horizon the survival counts use."""
    hs = [r.horizon_ps for r in seed_runs if r.ensemble == ensemble]
    return min(hs) if hs else 0.0
