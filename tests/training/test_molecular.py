"""Molecular lab: datasets (schema, provenance, splits), models (exact symmetries, forces), fit, ASE calculator."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import torch

from equi_core.training import molecular_cli
from equi_core.training.molecular import (
    DATASET_DIR,
    KINDS,
    MOLECULES,
    LabCalculator,
    MolecularDataset,
    MolecularModel,
    count_parameters,
    energy_and_forces,
    evaluate,
    fit,
    integrated_autocorrelation_time,
    load_dataset,
    load_model,
    make_model,
    random_rotations,
    save_model,
    shipped_datasets,
    split_dataset,
    tblite_available,
)

ETHANOL_Z = np.array([6, 6, 8, 1, 1, 1, 1, 1, 1])
SMALL = {
    "nequip": dict(channels=6, layers=2),
    "tensornet": dict(channels=6, layers=2),
    "transformer": dict(width=16, layers=1, heads=2),
    "transformer-direct": dict(width=16, layers=1, heads=2),
}


def _geometry(batch: int = 2, seed: int = 0) -> torch.Tensor:
    from ase.build import molecule

    base = torch.as_tensor(molecule("CH3CH2OH").positions, dtype=torch.float64)
    g = torch.Generator().manual_seed(seed)
    return base + 0.15 * torch.randn(batch, 9, 3, generator=g, dtype=torch.float64)


def _model(kind: str, **extra: object) -> MolecularModel:
    hyper = {**SMALL[kind], **extra}
    m = make_model(kind, [1, 6, 8], seed=1, **hyper).double()
    with torch.no_grad():  # a non-trivial reference, as after fit
        m.energy_shift.copy_(torch.tensor([-10.0, -40.0, -70.0], dtype=torch.float64))
        m.energy_scale.fill_(0.7)
    return m


def _rotations() -> list[torch.Tensor]:
    r = random_rotations(2, torch.Generator().manual_seed(3))
    return [r[0], r[1], -r[0]]  # two proper, one improper (det -1)


@pytest.mark.parametrize(
    "kind,extra", [("nequip", {"lmax": 0}), ("nequip", {"lmax": 1}), ("nequip", {"lmax": 2}), ("tensornet", {})]
)
def test_constrained_models_are_exactly_o3_invariant(kind: str, extra: dict) -> None:
    m = _model(kind, **extra)
    assert m.symmetry == "O(3)" and m.conservative
    x = _geometry()
    e, f = energy_and_forces(m, ETHANOL_Z, x)
    t = torch.tensor([0.3, -1.2, 2.0], dtype=torch.float64)
    for r in _rotations():
        e2, f2 = energy_and_forces(m, ETHANOL_Z, x @ r.T + t)
        assert float((e2 - e).abs().max()) < 1e-10
        assert float((f2 - f @ r.T).abs().max()) < 1e-10
    assert float(f.abs().max()) > 1e-3  # forces are not trivially zero


@pytest.mark.parametrize("kind", KINDS)
def test_permuting_same_species_atoms(kind: str) -> None:
    m = _model(kind)
    x = _geometry()
    perm = torch.tensor([1, 0, 2, 5, 3, 4, 8, 7, 6])  # swap the carbons, cycle the hydrogens
    z = ETHANOL_Z[perm.numpy()]
    assert (z == ETHANOL_Z).all()
    e, f = energy_and_forces(m, ETHANOL_Z, x)
    e2, f2 = energy_and_forces(m, z, x[:, perm])
    assert float((e2 - e).abs().max()) < 1e-10
    assert float((f2 - f[:, perm]).abs().max()) < 1e-10


@pytest.mark.parametrize("kind", ["nequip", "tensornet", "transformer"])
def test_forces_are_minus_the_finite_difference_gradient(kind: str) -> None:
    m = _model(kind)
    x = _geometry(1)
    _, f = energy_and_forces(m, ETHANOL_Z, x)
    h = 1e-5
    steps = h * torch.eye(27, dtype=torch.float64).view(27, 9, 3)  # one batch: every +h and -h displacement
    e, _ = energy_and_forces(m, ETHANOL_Z, torch.cat([x + steps, x - steps]))
    fd = (-(e[:27] - e[27:]) / (2 * h)).view(1, 9, 3)
    assert float((f - fd).abs().max()) < 1e-7
    assert float(f.abs().max()) > 1e-3


def test_transformer_is_not_rotation_invariant_and_translation_invariant() -> None:
    m = _model("transformer")
    assert m.symmetry == "none"
    x = _geometry()
    e, _ = energy_and_forces(m, ETHANOL_Z, x)
    e_t, _ = energy_and_forces(m, ETHANOL_Z, x + torch.tensor([1.0, 2.0, 3.0], dtype=torch.float64))
    assert float((e_t - e).abs().max()) < 1e-10
    r = _rotations()[0]
    e_r, _ = energy_and_forces(m, ETHANOL_Z, x @ r.T)
    assert float((e_r - e).abs().max()) > 1e-3


def _jacobian_asymmetry(m: MolecularModel, x: torch.Tensor) -> float:
    def forces(flat: torch.Tensor) -> torch.Tensor:
        return energy_and_forces(m, ETHANOL_Z, flat.view(1, 9, 3), create_graph=True)[1].reshape(-1)

    jac = torch.autograd.functional.jacobian(forces, x.reshape(-1), vectorize=True)
    return float((jac - jac.T).abs().max() / jac.abs().max())


def test_direct_forces_are_not_a_gradient() -> None:
    """A force field is a gradient iff its Jacobian is symmetric (zero curl): ~1e-16 for the conservative
    transformer, O(1) for the direct head."""
    x = _geometry(1)
    direct = _model("transformer-direct")
    assert not direct.conservative
    assert _jacobian_asymmetry(_model("transformer"), x) < 1e-10
    assert _jacobian_asymmetry(direct, x) > 0.05


def test_lab_calculator_drives_ase_velocity_verlet() -> None:
    from ase import units
    from ase.build import molecule
    from ase.md.verlet import VelocityVerlet

    m = _model("nequip")
    atoms = molecule("CH3CH2OH")
    atoms.calc = LabCalculator(m)
    e0 = atoms.get_potential_energy()
    e_ref, f_ref = energy_and_forces(m, atoms.numbers, atoms.positions)
    assert abs(e0 - float(e_ref[0])) < 1e-12
    assert np.abs(atoms.get_forces() - f_ref[0].numpy()).max() < 1e-12
    assert atoms.calc.get_property("free_energy", atoms) == pytest.approx(e0)
    start = atoms.positions.copy()
    VelocityVerlet(atoms, 0.1 * units.fs).run(5)
    assert np.isfinite(atoms.get_potential_energy())
    assert np.abs(atoms.positions - start).max() > 0


def test_save_and_load_roundtrip(tmp_path: Path) -> None:
    m = _model("transformer-direct")
    path = save_model(m, tmp_path / "m.pt", record={"note": "test"})
    m2 = load_model(path)
    x = _geometry()
    e, f = energy_and_forces(m, ETHANOL_Z, x)
    e2, f2 = energy_and_forces(m2, ETHANOL_Z, x)
    assert m2.kind == "transformer-direct" and not m2.conservative and m2.record == {"note": "test"}
    assert float((e - e2).abs().max()) == 0.0 and float((f - f2).abs().max()) == 0.0
    assert json.loads((tmp_path / "m.json").read_text()) == {"note": "test"}
    assert count_parameters(m2) == count_parameters(m) > 0


def test_bad_input_raises_value_error() -> None:
    with pytest.raises(ValueError, match="unknown model kind"):
        make_model("mace", [1, 6])
    with pytest.raises(ValueError, match="bad hyperparameters"):
        make_model("nequip", [1, 6], wings=3)
    with pytest.raises(ValueError, match="knows species"):
        energy_and_forces(make_model("nequip", [1, 6]), [1, 8], np.zeros((2, 3)) + [[0, 0, 0], [1, 0, 0]])
    with pytest.raises(ValueError, match="unknown dataset"):
        load_dataset("unobtainium")


def test_make_model_leaves_the_global_rng_alone() -> None:
    state = torch.random.get_rng_state()
    a = make_model("nequip", [1, 6, 8], seed=5)
    assert torch.equal(torch.random.get_rng_state(), state)
    b = make_model("nequip", [1, 6, 8], seed=5)
    assert all(torch.equal(p, q) for p, q in zip(a.parameters(), b.parameters()))


# ----------------------------------------------------------------------------------------------- datasets


REQUIRED = ("ethanol", "benzene", "acetic_acid", "pyridine")


def test_the_required_molecules_are_shipped() -> None:
    assert set(REQUIRED) <= set(shipped_datasets()) <= set(MOLECULES)
    assert all(MOLECULES[name][1] for name in MOLECULES)  # every molecule says how its geometry was made


def test_a_larger_molecule_is_shipped_and_says_how_its_geometry_was_made() -> None:
    larger = [n for n in shipped_datasets() if n not in REQUIRED]
    assert larger, "one larger molecule beyond the four G2 ones"
    for name in larger:
        ds = load_dataset(name)
        assert ds.n_atoms > max(load_dataset(r).n_atoms for r in REQUIRED) and ds.n_atoms >= 20
        assert ds.metadata["geometry"] == MOLECULES[name][1] and "relaxed with GFN2-xTB" in ds.metadata["geometry"]


@pytest.mark.parametrize("name", shipped_datasets())
def test_shipped_dataset_schema_and_provenance(name: str) -> None:
    path = DATASET_DIR / f"{name}.npz"
    with np.load(path, allow_pickle=False) as z:
        assert set(z.files) == {"numbers", "positions", "energy", "forces", "metadata"}
        assert z["energy"].dtype == np.float64
        assert z["positions"].dtype == np.float32 and z["forces"].dtype == np.float32
    ds = load_dataset(name)
    n_frames = len(ds)
    assert n_frames >= (2000 if name == "ethanol" else 1000)
    assert ds.positions.shape == ds.forces.shape == (n_frames, ds.n_atoms, 3)
    assert np.isfinite(ds.energy).all() and np.isfinite(ds.forces).all()
    meta = ds.metadata
    for key in (
        "method",
        "versions",
        "temperature_K",
        "timestep_fs",
        "stride",
        "stride_reason",
        "seed",
        "friction_per_fs",
        "command",
        "wall_time_s",
        "geometry",
        "equilibration_steps_discarded",
    ):
        assert key in meta, key
    assert meta["timestep_fs"] == 0.5 and "GFN2-xTB" in meta["method"]
    assert meta["command"].startswith("python -m equi_core.training dataset")
    assert meta["stride"] >= 2 * max(meta["tau_int_energy_steps"], meta["tau_int_distances_steps"])
    # frames are distinct MD samples and the molecule stays bonded (no atom farther than 3 A from every other)
    d = np.linalg.norm(ds.positions[:, :, None] - ds.positions[:, None], axis=-1) + 99 * np.eye(ds.n_atoms)
    assert d.min(-1).max() < 3.0
    assert np.std(ds.energy) > 0


@pytest.mark.skipif(not tblite_available(), reason="tblite (GFN2-xTB) not installed")
@pytest.mark.parametrize("name", shipped_datasets())
def test_shipped_labels_are_gfn2_xtb(name: str) -> None:
    from ase import Atoms
    from tblite.ase import TBLite

    ds = load_dataset(name)
    for i in (0, len(ds) - 1):
        atoms = Atoms(numbers=ds.numbers, positions=ds.positions[i].astype(np.float64))
        atoms.calc = TBLite(method="GFN2-xTB", verbosity=0)
        # positions are stored in float32 (1e-7 A): energies agree to ~1e-5 eV, forces to ~1e-4 eV/A
        assert abs(atoms.get_potential_energy() - ds.energy[i]) < 1e-4
        assert np.abs(atoms.get_forces() - ds.forces[i]).max() < 2e-3


def test_split_is_disjoint_and_the_test_set_does_not_depend_on_n() -> None:
    ds = load_dataset("ethanol")
    key = {tuple(np.round(p[0], 5)) for p in ds.positions}
    assert len(key) == len(ds)  # frames are distinct, so positions identify frames

    def ids(part: MolecularDataset) -> set:
        return {tuple(np.round(p[0], 5)) for p in part.positions}

    tr_s, va_s, te_s = split_dataset(ds, seed=0, n_train=50, n_val=100, n_test=300)
    tr_l, va_l, te_l = split_dataset(ds, seed=0, n_train=1000, n_val=100, n_test=300)
    assert not (ids(tr_l) & ids(va_l)) and not (ids(tr_l) & ids(te_l)) and not (ids(va_l) & ids(te_l))
    assert ids(te_s) == ids(te_l) and ids(va_s) == ids(va_l)
    assert ids(tr_s) <= ids(tr_l)
    assert ids(split_dataset(ds, seed=1, n_train=10, n_val=10, n_test=300)[2]) != ids(te_l)
    with pytest.raises(ValueError, match="exceeds"):
        split_dataset(ds, seed=0, n_train=len(ds), n_val=1, n_test=1)


def test_integrated_autocorrelation_time() -> None:
    rng = np.random.default_rng(0)
    assert abs(integrated_autocorrelation_time(rng.normal(size=20000)) - 0.5) < 0.05
    # AR(1) with coefficient a: tau_int = 1/2 + a/(1-a) = 4.5 for a = 0.8
    a, x = 0.8, np.zeros(100000)
    noise = rng.normal(size=x.size)
    for t in range(1, x.size):
        x[t] = a * x[t - 1] + noise[t]
    assert abs(integrated_autocorrelation_time(x) - 4.5) < 0.4


def test_dataset_command_without_tblite_says_so(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    monkeypatch.setattr(molecular_cli, "tblite_available", lambda: False)
    rc = molecular_cli.dataset_main(["--molecule", "ethanol", "--frames", "5", "--out", str(tmp_path / "x.npz")])
    assert rc == 2
    assert "needs tblite" in capsys.readouterr().err
    assert not (tmp_path / "x.npz").exists()


@pytest.mark.skipif(not tblite_available(), reason="tblite (GFN2-xTB) not installed")
def test_dataset_command_writes_a_loadable_file(tmp_path: Path) -> None:
    out = tmp_path / "w.npz"
    rc = molecular_cli.dataset_main(
        [
            "--molecule",
            "ethanol",
            "--frames",
            "3",
            "--equilibration",
            "20",
            "--pilot",
            "100",
            "--seed",
            "2",
            "--out",
            str(out),
        ]
    )
    assert rc == 0
    ds = load_dataset(out)
    assert len(ds) == 3 and ds.metadata["seed"] == 2 and ds.metadata["pilot_steps"] == 100
    assert "--frames 3" in ds.metadata["command"]


# ----------------------------------------------------------------------------------------------- fit


def test_fit_lowers_validation_error_and_is_deterministic() -> None:
    torch.set_num_threads(1)
    ds = load_dataset("ethanol")
    train, val, _ = split_dataset(ds, seed=0, n_train=64, n_val=32, n_test=32)
    runs = []
    for _ in range(2):
        m = make_model("nequip", ds.numbers, lmax=1, channels=8, layers=1, seed=0)
        runs.append(fit(m, train, val, lr=1e-2, max_steps=60, eval_every=10, patience=10, seed=0))
    h = runs[0]
    assert h["val_force_mae"] == runs[1]["val_force_mae"]
    before = evaluate(make_model("nequip", ds.numbers, lmax=1, channels=8, layers=1, seed=0), val)
    assert min(h["val_force_mae"]) < 0.8 * before["force_mae"]
    assert h["best_step"] in h["steps"] and h["stopped"] in ("max_steps", "early_stopping")
    assert h["loss"]["force_weight"] == 10.0 and h["n_parameters"] == count_parameters(m)
    for key in ("train_energy_mae", "train_force_mae", "val_energy_mae", "wall_time_s", "cpu_time_s", "steps_per_s"):
        assert key in h


def test_fit_with_augmentation_penalty_and_stop() -> None:
    from equi_core.training.molecular import Control, StopRequested

    ds = load_dataset("ethanol")
    train, val, _ = split_dataset(ds, seed=0, n_train=32, n_val=16, n_test=16)
    m = make_model("transformer-direct", ds.numbers, width=16, layers=1, heads=2)
    h = fit(m, train, val, lr=1e-3, max_steps=6, eval_every=3, seed=0, augment_rotations=True, rotation_penalty=1.0)
    assert np.isfinite(h["val_loss"]).all() and "rotation_penalty" in h["loss"]["formula"]
    calls = {"n": 0}

    def stop() -> bool:
        calls["n"] += 1
        return calls["n"] > 2

    h = fit(m, train, val, lr=1e-3, max_steps=100, eval_every=2, seed=0, control=Control(should_stop=stop))
    assert h["stopped"] == "user" and h["steps_run"] < 100
    assert issubclass(StopRequested, Exception)


def test_refit_reference_zeroes_the_mean_train_residual_and_leaves_forces_alone() -> None:
    torch.set_num_threads(1)
    ds = load_dataset("ethanol")
    train, val, test = split_dataset(ds, seed=0, n_train=32, n_val=16, n_test=16)
    kw = dict(lr=1e-2, max_steps=20, eval_every=10, patience=10, seed=0)
    plain = make_model("nequip", ds.numbers, lmax=1, channels=6, layers=2, seed=0)
    h0 = fit(plain, train, val, **kw)
    refit = make_model("nequip", ds.numbers, lmax=1, channels=6, layers=2, seed=0)
    h1 = fit(refit, train, val, refit_reference=True, **kw)
    e0, f0 = energy_and_forces(plain, ds.numbers, test.positions)
    e1, f1 = energy_and_forces(refit, ds.numbers, test.positions)
    assert torch.equal(f0, f1)  # a constant per species: the forces are the same numbers
    assert h0["energy_reference_refit_eV"] == 0.0 and h1["energy_reference_refit_eV"] != 0.0
    e_train, _ = energy_and_forces(refit, ds.numbers, train.positions)
    resid = train.energy - e_train.double().numpy()
    assert abs(resid.mean()) < 1e-4 * np.abs(train.energy).mean()  # float32 model, ~300 eV energies
    # the shift moved the whole energy curve by the same constant
    shift = float((e1.double() - e0.double()).mean())
    assert shift == pytest.approx(h1["energy_reference_refit_eV"], abs=1e-3)


def test_min_delta_stops_a_run_that_only_creeps() -> None:
    torch.set_num_threads(1)
    ds = load_dataset("ethanol")
    train, val, _ = split_dataset(ds, seed=0, n_train=16, n_val=16, n_test=16)
    kw = dict(lr=3e-3, max_steps=400, eval_every=5, patience=4, seed=0, lr_patience=100)
    strict = fit(make_model("tensornet", ds.numbers, channels=4, layers=1, seed=0), train, val, min_delta=0.5, **kw)
    # with a 50 % threshold only the first evaluations count as improvements: the run stops long before its budget
    assert strict["stopped"] == "early_stopping" and strict["steps_run"] < 400
    # the best weights are still the lowest-loss ones, not the last counted improvement
    assert strict["best_val_loss"] == min(strict["val_loss"])
    with pytest.raises(ValueError, match="min_delta"):
        fit(make_model("tensornet", ds.numbers, channels=4, layers=1), train, val, min_delta=1.5, max_steps=2)
