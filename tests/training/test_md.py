"""Molecular dynamics core (:mod:`equi_core.training.md`): integrator, metrics, invariance, averaging, jobs, CLI.

Tolerances stated here are the ones the page and the docs quote:

* GFN2-xTB NVE at dt = 0.5 fs over 0.2 ps from a 500 K dataset frame: |drift| < 2e-3 eV/atom/ps and fluctuation
  < 4e-4 eV/atom (measured 2.6e-4, under 0.5 % of the kinetic energy per atom); halving dt divides the fluctuation
  by 3 to 5 (velocity Verlet is second order: 4 expected, 4.0 measured).
* A conservative model (float64): |drift| < 2e-3 eV/atom/ps over 0.1 ps.
* Work around a closed loop (float64, 64-point trapezoid): |W| < 1e-9 eV for conservative models, > 1e-4 eV for the
  direct-force head.
* Rotating a frame changes a constrained model's energy by < 1e-10 eV (float64).
"""

from __future__ import annotations

import math
from types import SimpleNamespace
from typing import Any

import numpy as np
import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("ase")

from equi_core.training import md  # noqa: E402
from equi_core.training.molecular import make_model  # noqa: E402

needs_tblite = pytest.mark.skipif(not md.tblite_available(), reason="tblite (GFN2-xTB) is not installed")


def _dataset() -> Any:
    """The shipped ethanol dataset, or (before it ships) ASE's ethanol geometry as a one-frame stand-in."""
    try:
        from equi_core.training.molecular import load_dataset

        return load_dataset("ethanol")
    except ValueError:
        from ase.build import molecule

        a = molecule("CH3CH2OH")
        return SimpleNamespace(numbers=a.numbers, positions=a.positions[None], metadata={"temperature_K": 300.0})


@pytest.fixture(scope="module")
def dataset() -> Any:
    return _dataset()


def _model(kind: str, numbers: np.ndarray, **hyper: Any) -> Any:
    small = {
        "nequip": {"lmax": 1, "channels": 8, "layers": 2},
        "tensornet": {"channels": 8, "layers": 1},
        "transformer": {"width": 16, "layers": 1, "heads": 2},
        "transformer-direct": {"width": 16, "layers": 1, "heads": 2},
    }[kind]
    return make_model(kind, sorted({int(z) for z in numbers}), **{**small, **hyper}).double()


# ------------------------------------------------------------------------------------------- integrator


@needs_tblite
def test_xtb_nve_conserves_energy_and_verlet_is_second_order(dataset: Any) -> None:
    cfg = md.MDConfig(steps=400, dt_fs=0.5, temperature_K=300.0, sample_every=10)
    start = md.initial_state(cfg, dataset)
    fluct = {}
    for dt in (0.5, 1.0):
        c = md.MDConfig(steps=round(200 / dt), dt_fs=dt, temperature_K=300.0, sample_every=10)
        traj = md.run_dynamics(md._xtb_calculator(), start, c, name="xtb")
        assert traj.failure is None and traj.steps_done == c.steps
        drift, fl = md.drift_and_fluctuation(traj.time_ps, traj.total, len(start.numbers))
        if dt == 0.5:
            assert abs(drift) < 2e-3, drift
            assert fl < 4e-4, fl
            # the kinetic energy really moves (a frozen run would conserve energy trivially)
            assert np.ptp(traj.kinetic) > 0.1
        fluct[dt] = fl
    assert 3.0 < fluct[1.0] / fluct[0.5] < 5.0, fluct


def test_initial_state_is_seeded_and_has_zero_momentum(dataset: Any) -> None:
    cfg = md.MDConfig(temperature_K=400.0, seed=3)
    a, b = md.initial_state(cfg, dataset), md.initial_state(cfg, dataset)
    np.testing.assert_array_equal(a.momenta, b.momenta)
    assert np.abs(a.momenta.sum(0)).max() < 1e-12
    c = md.initial_state(md.MDConfig(temperature_K=400.0, seed=4), dataset)
    assert np.abs(a.momenta - c.momenta).max() > 1e-3
    assert md.initial_state(md.MDConfig(), dataset).temperature_K == float(dataset.metadata["temperature_K"])


def _shipped(kind: str) -> Any:
    from equi_core.training.molecular import load_model

    path = md.model_path("ethanol", kind)
    if not path.exists():
        pytest.skip(f"{path.name} is not shipped yet")
    return load_model(path).double()


def test_conservative_model_drift_is_small(dataset: Any) -> None:
    """A trained conservative model (an untrained one tears the molecule apart within ~50 steps)."""
    cfg = md.MDConfig(steps=200, dt_fs=0.5, temperature_K=300.0)
    start = md.initial_state(cfg, dataset)
    from equi_core.training.molecular import LabCalculator

    model = _shipped("nequip")
    traj = md.run_dynamics(LabCalculator(model), start, cfg, name="nequip")
    drift, _ = md.drift_and_fluctuation(traj.time_ps, traj.total, len(start.numbers))
    assert traj.steps_done == 200
    assert abs(drift) < 2e-3, drift
    assert np.ptp(traj.kinetic) > 1e-3  # it moved


def test_failure_is_detected_and_stops_the_run(dataset: Any) -> None:
    class Exploding:  # E = -sum r_ij^2: every pair is pushed apart
        conservative = True

        def energy_and_forces(self, numbers: np.ndarray, positions: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
            c = positions - positions.mean(axis=1, keepdims=True)
            n = positions.shape[1]
            return -n * (c**2).sum(axis=(1, 2)), 2 * n * c

    cfg = md.MDConfig(steps=2000, temperature_K=300.0)
    start = md.initial_state(cfg, dataset)
    traj = md.run_dynamics(md.PotentialCalculator(Exploding()), start, cfg, name="exploding")
    assert traj.failure is not None and traj.steps_done < 2000
    assert "bond" in traj.failure["reason"]
    assert md.time_to_failure(traj) == pytest.approx(traj.steps_done * 0.5e-3)


def test_langevin_thermalises_and_is_seeded(dataset: Any) -> None:
    cfg = md.MDConfig(steps=60, ensemble="nvt", temperature_K=300.0)
    start = md.initial_state(cfg, dataset)
    model = _model("tensornet", start.numbers)
    pot = md.ModelPotential(model)
    a = md.run_dynamics(md.PotentialCalculator(pot), start, cfg)
    b = md.run_dynamics(md.PotentialCalculator(pot), start, cfg)
    np.testing.assert_array_equal(a.frames, b.frames)
    c = md.run_dynamics(
        md.PotentialCalculator(pot), start, md.MDConfig(steps=60, ensemble="nvt", temperature_K=300.0, seed=5)
    )
    assert np.abs(a.frames[-1] - c.frames[-1]).max() > 1e-6


# ----------------------------------------------------------------------------------- conservative or not


def _loop(numbers: np.ndarray, x0: np.ndarray, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    return 0.05 * rng.standard_normal(x0.shape), 0.05 * rng.standard_normal(x0.shape)


@pytest.mark.parametrize("kind", ["nequip", "tensornet", "transformer"])
def test_conservative_work_around_a_closed_loop_vanishes(dataset: Any, kind: str) -> None:
    x0 = np.asarray(dataset.positions[-1], dtype=float)
    u, v = _loop(dataset.numbers, x0)
    pot = md.ModelPotential(_model(kind, dataset.numbers))
    assert pot.conservative
    assert abs(md.loop_work(pot, dataset.numbers, x0, u, v)) < 1e-9


def test_direct_force_work_around_a_closed_loop_is_not_zero(dataset: Any) -> None:
    x0 = np.asarray(dataset.positions[-1], dtype=float)
    u, v = _loop(dataset.numbers, x0)
    pot = md.ModelPotential(_model("transformer-direct", dataset.numbers))
    assert not pot.conservative
    works = [md.loop_work(pot, dataset.numbers, x0, u, v, points=p) for p in (64, 128)]
    assert abs(works[0]) > 1e-4, works
    assert abs(works[0] - works[1]) < 1e-3 * abs(works[0])  # converged quadrature: the work is real, not noise


def test_trained_models_loop_work(dataset: Any) -> None:
    """The shipped (trained) models in float64: the conservative ones do no work around a loop, the direct head does."""
    x0 = np.asarray(dataset.positions[-1], dtype=float)
    u, v = _loop(dataset.numbers, x0, seed=1)
    works = {
        k: md.loop_work(md.ModelPotential(_shipped(k)), dataset.numbers, x0, u, v)
        for k in ("nequip", "transformer", "transformer-direct")
    }
    assert abs(works["nequip"]) < 1e-9 and abs(works["transformer"]) < 1e-9, works
    assert abs(works["transformer-direct"]) > 1e-4, works


def test_loop_work_of_an_exact_gradient_is_rounding() -> None:
    class Quadratic:
        conservative = True

        def energy_and_forces(self, numbers: np.ndarray, positions: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
            return (positions**2).sum(axis=(1, 2)), -2 * positions

    class Curl:  # F = omega x r: work around a loop in the plane is 2 * omega * area != 0
        conservative = False

        def energy_and_forces(self, numbers: np.ndarray, positions: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
            f = np.zeros_like(positions)
            f[..., 0], f[..., 1] = -positions[..., 1], positions[..., 0]
            return np.zeros(positions.shape[0]), f

    x0 = np.zeros((1, 3))
    u, v = np.array([[1.0, 0, 0]]), np.array([[0, 1.0, 0]])
    assert abs(md.loop_work(Quadratic(), np.array([1]), x0, u, v)) < 1e-13
    assert md.loop_work(Curl(), np.array([1]), x0, u, v) == pytest.approx(2 * math.pi, rel=1e-12)


# -------------------------------------------------------------------------------------------- rotations


@pytest.mark.parametrize("kind", ["nequip", "tensornet"])
def test_constrained_model_energy_is_rotation_invariant(dataset: Any, kind: str) -> None:
    pot = md.ModelPotential(_model(kind, dataset.numbers))
    frames = np.asarray(dataset.positions[-2:], dtype=float)
    rs = md.rotation_sensitivity(pot, dataset.numbers, frames, 4, np.random.default_rng(0))
    assert rs["energy_eV"] < 1e-10, rs
    assert rs["force_eV_per_A"] < 1e-10, rs


def test_unconstrained_model_is_not_invariant_and_averaging_reduces_it(dataset: Any) -> None:
    pot = md.ModelPotential(_model("transformer", dataset.numbers))
    frames = np.asarray(dataset.positions[-2:], dtype=float)
    bare = md.rotation_sensitivity(pot, dataset.numbers, frames, 4, np.random.default_rng(0))
    assert bare["energy_eV"] > 1e-4, bare
    errs = {
        k: md.rotation_sensitivity(
            md.RotationallyAveraged(pot, k, seed=1), dataset.numbers, frames, 4, np.random.default_rng(0)
        )["energy_eV"]
        for k in (1, 32)
    }
    assert errs[32] < 0.5 * bare["energy_eV"], (bare, errs)
    assert errs[32] < 0.5 * errs[1], errs
    ico = md.rotation_sensitivity(
        md.RotationallyAveraged(pot, rotations="icosahedral"), dataset.numbers, frames, 4, np.random.default_rng(0)
    )["energy_eV"]
    assert ico < 0.5 * bare["energy_eV"], (bare, ico)


class _Degree5:
    """A deliberately non-invariant potential whose orientation dependence has degree exactly 5."""

    conservative = True

    def __init__(self, seed: int = 0) -> None:
        self.a = np.random.default_rng(seed).standard_normal(3)

    def energy_and_forces(self, numbers: np.ndarray, positions: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        c = positions - positions.mean(axis=1, keepdims=True)
        s = c @ self.a  # (B, n)
        e = (s**5).sum(-1) + (c**2).sum(axis=(1, 2))
        g = 5 * s[..., None] ** 4 * self.a + 2 * c
        g = g - g.mean(axis=1, keepdims=True)
        return e, -g


def test_icosahedral_quadrature_is_exact_through_degree_5() -> None:
    rng = np.random.default_rng(0)
    frames = rng.standard_normal((3, 5, 3))
    pot = _Degree5()
    numbers = np.ones(5, dtype=np.int64)
    bare = md.rotation_sensitivity(pot, numbers, frames, 6, np.random.default_rng(1))
    ico = md.rotation_sensitivity(
        md.RotationallyAveraged(pot, rotations="icosahedral"), numbers, frames, 6, np.random.default_rng(1)
    )
    rand = md.rotation_sensitivity(
        md.RotationallyAveraged(pot, 60, seed=0), numbers, frames, 6, np.random.default_rng(1)
    )
    assert bare["energy_eV"] > 1e-1
    assert ico["energy_eV"] < 1e-12 and ico["force_eV_per_A"] < 1e-12, ico
    assert rand["energy_eV"] > 1e-3, rand  # 60 random rotations are not a quadrature


def test_icosahedral_group_is_a_group() -> None:
    g = md.icosahedral_rotations()
    assert g.shape == (60, 3, 3)
    assert np.abs(np.linalg.det(g) - 1).max() < 1e-12
    prod = np.einsum("aij,bjk->abik", g, g).reshape(-1, 9)
    flat = g.reshape(60, 9)
    assert np.abs(prod[:, None] - flat[None]).max(axis=-1).min(axis=1).max() < 1e-12  # closed


def test_averaged_forces_are_minus_the_gradient_of_the_averaged_energy(dataset: Any) -> None:
    pot = md.RotationallyAveraged(md.ModelPotential(_model("transformer", dataset.numbers)), 3, seed=2)
    x = np.asarray(dataset.positions[-1:], dtype=float)
    _, f = pot.energy_and_forces(dataset.numbers, x)
    h = 1e-5
    for atom, axis in [(0, 0), (3, 2)]:
        xp, xm = x.copy(), x.copy()
        xp[0, atom, axis] += h
        xm[0, atom, axis] -= h
        fd = -(pot.energy_and_forces(dataset.numbers, xp)[0] - pot.energy_and_forces(dataset.numbers, xm)[0]) / (2 * h)
        assert abs(fd[0] - f[0, atom, axis]) < 1e-6


def test_averaging_study_rows(dataset: Any) -> None:
    pot = md.ModelPotential(_model("transformer", dataset.numbers))
    frames = np.asarray(dataset.positions[-2:], dtype=float)
    rows = md.averaging_study(
        pot, dataset.numbers, frames, ks=(1, 8), n_rotations=3, repeats=1, reference_energy=np.zeros(2)
    )
    assert [(r["k"], r["rotations"]) for r in rows] == [(1, "none"), (1, "random"), (8, "random"), (60, "icosahedral")]
    assert all(r["ms_per_call"] > 0 and r["energy_mae_eV"] >= 0 for r in rows)


# -------------------------------------------------------------------------------------------- metrics


def test_distances() -> None:
    a = np.random.default_rng(0).normal(1.0, 0.05, 4000)
    assert md.wasserstein_1(a, a) == 0.0
    assert md.wasserstein_1(a, a + 0.1) == pytest.approx(0.1, rel=1e-9)
    assert md.jensen_shannon(a, a, md.BOND_BINS) == 0.0
    assert md.jensen_shannon(a, a + 0.5, md.BOND_BINS) > 0.9


def test_bond_topology_of_ethanol(dataset: Any) -> None:
    bonds, angles = md.bond_topology(dataset.numbers, np.asarray(dataset.positions[-1], dtype=float))
    assert len(bonds) == 8  # C-C, C-O, O-H, 5 C-H
    assert len(angles) == 13  # 6 + 6 around the carbons, 1 around O


def test_config_validation() -> None:
    for bad in ({"ensemble": "npt"}, {"steps": -1}, {"dt_fs": 0.0}, {"temperature_K": -5.0}, {"frames": 0}):
        with pytest.raises(ValueError):
            md.MDConfig(**bad)
    with pytest.raises(ValueError, match="unknown MD config keys"):
        md.MDConfig.from_dict({"stepz": 3})
    with pytest.raises(ValueError):
        md.RotationallyAveraged(md.CalculatorPotential(lambda: None), 0)


# --------------------------------------------------------------------------------------- jobs and files


class _Control:
    def __init__(self, stop_after: int | None = None) -> None:
        self.calls = 0
        self.stop_after = stop_after
        self.published: list[dict[str, Any]] = []

    def check(self, fraction: float = 0.0, message: str = "", force: bool = False) -> None:
        self.calls += 1
        if self.stop_after is not None and self.calls > self.stop_after:
            raise md.StopRequested()

    def publish(self, partial: dict[str, Any]) -> None:
        import copy

        self.published.append(copy.deepcopy(partial))


def _ship_models(tmp_path: Any, monkeypatch: Any, numbers: np.ndarray, kinds: tuple[str, ...]) -> None:
    from equi_core.training.molecular import save_model

    for kind in kinds:
        save_model(_model(kind, numbers), tmp_path / f"ethanol-{kind}.pt")
    monkeypatch.setattr(md, "model_path", lambda molecule, kind: tmp_path / f"{molecule}-{kind}.pt")


def test_study_runs_every_model_from_one_start_and_writes_extxyz(dataset: Any, tmp_path: Any, monkeypatch: Any) -> None:
    _ship_models(tmp_path, monkeypatch, dataset.numbers, ("nequip", "transformer-direct"))
    monkeypatch.setattr(md, "initial_state", lambda cfg, ds=None, _f=md.initial_state: _f(cfg, dataset))
    cfg = md.MDConfig(steps=40, temperature_K=300.0, frames=5, log_every=10, rotation_frames=2, rotation_samples=2)
    control = _Control()
    study = md.run_md_study(
        cfg,
        ["nequip", "transformer-direct"],
        control=control,
        out_dir=tmp_path,
        averaging={"model": "transformer-direct", "ks": [2], "frames": 2},
    )
    names = [r["model"] for r in study["runs"]]
    assert names[-2:] == ["nequip", "transformer-direct"]
    assert (names[0] == "xtb") == md.tblite_available()
    assert study["complete"] and len(control.published) == len(names)
    for r in study["runs"]:
        # an untrained model may tear the molecule apart within 40 steps: the run then ends at its failure
        assert r["steps_done"] == 40 or r["failure"]["step"] == r["steps_done"]
        if r["failure"] is None:
            assert len(r["frames"]) == 5 and len(r["t_ps"]) == 5
        assert r["conservative"] == (r["model"] != "transformer-direct")
        from ase.io import read

        images = read(tmp_path / r["trajectory_file"], index=":")
        assert len(images) == len(r["frames"]) and images[-1].info["step"] == r["steps_done"]
        np.testing.assert_allclose(images[-1].positions, np.asarray(r["frames"][-1]), atol=1e-4)
    assert study["averaging"]["rows"][0]["rotations"] == "none"
    by = {r["model"]: r for r in study["runs"]}
    assert by["nequip"]["rotation_energy_f64_eV"] < 1e-10
    assert by["transformer-direct"]["rotation_energy_f64_eV"] > 1e-6


def test_md_job_stop_keeps_what_it_computed(dataset: Any, tmp_path: Any, monkeypatch: Any) -> None:
    _ship_models(tmp_path, monkeypatch, dataset.numbers, ("transformer",))
    monkeypatch.setattr(md, "initial_state", lambda cfg, ds=None, _f=md.initial_state: _f(cfg, dataset))
    control = _Control(stop_after=3)
    with pytest.raises(md.StopRequested):
        md.md_job({"models": ["transformer"], "steps": 400, "temperature_K": 300.0}, control)
    last = control.published[-1]
    assert last.get("stopped") and last["runs"] and last["runs"][-1]["stopped"]
    assert 0 < last["runs"][-1]["steps_done"] < 400


def test_md_job_rejects_bad_config() -> None:
    with pytest.raises(ValueError):
        md.md_job({"models": []}, _Control())
    with pytest.raises(ValueError):
        md.md_job({"models": ["nequip"], "ensemble": "npt"}, _Control())
