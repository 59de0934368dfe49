"""The training-lab protocol: runs seeded from their configuration only, executors that give identical numbers,
early stopping, the learning-rate sweep, train/val/test errors, the underfitting flag, stop keeping finished runs,
the CLI record, and the molecular runs on a tiny stand-in dataset (the shipped one is E1a's)."""

from __future__ import annotations

import json
import math
import os
from pathlib import Path

import numpy as np
import pytest

from equi_core.progress import Control
from equi_core.training import catalog
from equi_core.training.executors import InProcessExecutor, ProcessExecutor, RayExecutor, make_executor
from equi_core.training.experiment_cli import experiment_main
from equi_core.training.experiments import main_points, run_experiment, sweep_points, train_job, validate_config

TIMING = ("wall_s", "cpu_s", "steps_per_s")


def _numbers(result: dict) -> list[dict]:
    return [{k: v for k, v in r.items() if k not in TIMING} for r in result["rows"]]


@pytest.fixture(scope="module")
def tiny_molecule(tmp_path_factory: pytest.TempPathFactory) -> str:
    """60 frames of ethanol displaced around its G2 geometry with a harmonic energy (a stand-in, not chemistry)."""
    from ase.build import molecule

    from equi_core.training.molecular_data import MolecularDataset, save_dataset

    at = molecule("CH3CH2OH")
    rng = np.random.default_rng(0)
    d = 0.08 * rng.normal(size=(60, len(at), 3))
    ds = MolecularDataset(
        at.numbers,
        (at.positions + d).astype(np.float32),
        5.0 * (d**2).sum((1, 2)) - 100.0,
        (-10.0 * d).astype(np.float32),
        {"molecule": "tiny"},
        "tiny",
    )
    return str(save_dataset(ds, tmp_path_factory.mktemp("mol") / "tiny.npz"))


# ------------------------------------------------------------------------------------------------ configuration
def test_validate_config_names_the_knob() -> None:
    with pytest.raises(ValueError, match="unknown config keys"):
        validate_config("depth", {"width": 3})
    with pytest.raises(ValueError, match="models must be a non-empty subset"):
        validate_config("sample-efficiency", {"models": []})
    with pytest.raises(ValueError, match="lr_grid"):
        validate_config("truncation", {"lr_grid": [0.0]})
    with pytest.raises(ValueError, match="seeds must be distinct"):
        validate_config("depth", {"seeds": [1, 1]})
    with pytest.raises(ValueError, match="min_steps"):
        validate_config("sample-efficiency", {"min_steps": 500, "max_steps": 100}, tier="live")
    with pytest.raises(ValueError, match="molecule must be one of"):
        validate_config("sample-efficiency", {"molecule": "[x](http://evil)"})


def test_every_tier_is_valid_and_full_runs_three_seeds() -> None:
    for key in catalog.EXPERIMENTS:
        for tier in catalog.TIERS:
            validate_config(key, tier=tier)
        assert len(catalog.default_config(key)["seeds"]) == 3


def test_budget_grows_with_n() -> None:
    cfg = catalog.default_config("sample-efficiency")
    steps = [catalog.budget(cfg, n) for n in cfg["n_train"]]
    assert steps == sorted(steps)  # never shrinks with N ...
    # ... and never gives a frame fewer steps than the rule (the per-frame budget does not fall as N grows)
    assert all(b >= cfg["steps_per_frame"] * n for b, n in zip(steps, cfg["n_train"]))
    large = catalog.default_config("large-data")
    big = [catalog.budget(large, n) for n in large["n_train"]]
    assert min(big) >= steps[-1]
    assert all(b >= large["steps_per_frame"] * n for b, n in zip(big, large["n_train"]))
    assert catalog.budget(cfg, 10_000) == cfg["max_steps"]  # the clip


def test_sweep_then_main_points() -> None:
    cfg = validate_config("depth", tier="quick")
    sweep = sweep_points("depth", cfg)
    assert len(sweep) == len(cfg["nonlinearities"]) * len(cfg["lr_grid"])
    main = main_points("depth", cfg, {"norm": 1e-3, "tp": 1e-2})
    assert len(main) == len(cfg["seeds"]) * len(cfg["depths"]) * len(cfg["residual"]) * len(cfg["nonlinearities"])


# ------------------------------------------------------------------------------------------------ synthetic runs
def test_truncation_quick_records_the_protocol() -> None:
    res = run_experiment("truncation", tier="quick")
    cfg = res["config"]
    assert res["complete"] and res["chosen_lr"]["irreps"] in cfg["lr_grid"]
    assert len(res["rows"]) == len(cfg["seeds"]) * len(cfg["lmax_values"]) * len(cfg["models"])
    for r in res["rows"]:
        for split in ("train", "val", "test"):
            assert math.isfinite(r[f"{split}_rmse"]) and r[f"{split}_rmse"] >= 0
        assert r["params"] > 0 and isinstance(r["underfit"], bool)
        assert r["steps_run"] <= cfg["max_steps"]
    lin = [r for r in res["rows"] if r["model"] == "ps-linear" and r["L"] >= cfg["order"]]
    assert lin and all(r["test_rmse"] < 0.05 for r in lin)  # closed-form linear readout resolves cos(3 theta)
    rec = next(t for t in res["table"] if t["model"] == "irreps")
    vals = [r["test_rmse"] for r in res["rows"] if r["model"] == "irreps" and r["L"] == rec["L"]]
    assert rec["n_seeds"] == len(cfg["seeds"]) and rec["test_rmse_mean"] == pytest.approx(np.mean(vals))
    assert rec["test_rmse_std"] == pytest.approx(np.std(vals, ddof=1))
    for k in ("command", "versions", "wall_time_s", "cpu_time_s", "device", "executor", "lr_sweep"):
        assert k in res


def test_runs_depend_only_on_their_configuration() -> None:
    import torch

    cfg = {"residual": [False], "depths": [2], "max_steps": 20}
    a = run_experiment("depth", cfg, tier="quick")
    torch.manual_seed(1234)  # another job reseeding the process-wide generator changes nothing
    torch.rand(10)
    b = run_experiment("depth", cfg, tier="quick")
    assert _numbers(a) == _numbers(b)
    assert a["chosen_lr"] == b["chosen_lr"]


def test_process_pool_gives_identical_numbers() -> None:
    cfg = {"seeds": [0, 1], "lmax_values": [1], "models": ["irreps"], "max_steps": 20}
    a = run_experiment("truncation", cfg, tier="quick")
    b = run_experiment("truncation", cfg, tier="quick", executor=ProcessExecutor(1))
    assert _numbers(a) == _numbers(b) and "process pool (1 worker)" in b["executor"]
    assert a["rows"][0]["test_rmse"] != a["rows"][1]["test_rmse"]  # the seeds differ, and each is reproduced


def test_depth_parameter_counts_are_matched() -> None:
    res = run_experiment(
        "depth", {"lr_grid": [3e-3], "residual": [True], "target_params": 1500, "max_steps": 10}, tier="quick"
    )
    for d in res["config"]["depths"]:
        counts = [r["params"] for r in res["rows"] if r["depth"] == d]
        assert max(counts) / min(counts) < 1.15


def test_stop_keeps_finished_runs() -> None:
    seen: list[dict] = []
    control = Control(should_stop=lambda: len(seen) >= 2)
    control.publish = seen.append  # type: ignore[method-assign]
    res = run_experiment("truncation", {"lr_grid": [3e-3]}, tier="quick", control=control)
    assert not res["complete"] and 1 <= len(res["rows"]) < 8
    assert seen[-1]["complete"] is False


def test_executors() -> None:
    assert make_executor().map("math:sqrt", [4.0, 9.0]) == [2.0, 3.0]
    assert isinstance(make_executor(), InProcessExecutor) and isinstance(make_executor(2), ProcessExecutor)
    with pytest.raises(ValueError, match="workers"):
        ProcessExecutor(0)
    try:
        import ray  # noqa: F401
    except ImportError:
        with pytest.raises(RuntimeError, match="pip install"):
            RayExecutor("auto")


# ------------------------------------------------------------------------------------------------ molecular runs
def test_sample_efficiency_on_a_stand_in_molecule(tiny_molecule: str) -> None:
    res = run_experiment("sample-efficiency", {"molecule": tiny_molecule}, tier="quick")
    cfg = res["config"]
    assert set(res["chosen_lr"]) == set(cfg["models"])
    assert len(res["lr_sweep"]) == len(cfg["models"]) * len(cfg["lr_grid"])
    assert len(res["rows"]) == len(cfg["seeds"]) * len(cfg["n_train"]) * len(cfg["models"])
    for r in res["rows"]:
        for split in ("train", "val", "test"):
            assert r[f"{split}_energy_mae"] >= 0 and r[f"{split}_force_mae"] > 0
        assert r["n_atoms"] == 9 and r["max_steps"] == catalog.budget(cfg, r["n_train"])


def test_equivariance_constrained_exact_unconstrained_not(tiny_molecule: str) -> None:
    res = run_experiment("equivariance", {"molecule": tiny_molecule, "dtype": "float64"}, tier="quick")
    worst = {}
    for r in res["rows"]:
        worst[r["model"]] = max(worst.get(r["model"], 0.0), r["energy_change"])
    assert worst["nequip-l1"] < 1e-9  # float64: exact up to round-off
    assert worst["transformer"] > 1e-4  # nothing forces E(Rx) = E(x)
    zero = [r for r in res["rows"] if r["angle_deg"] == 0]
    assert zero and all(r["energy_change"] < 1e-9 and r["force_error"] < 1e-9 for r in zero)  # the identity


def test_train_job_is_the_live_tier() -> None:
    out = train_job({"experiment": "truncation", "models": ["ps-linear"], "lmax_values": [2, 3]}, Control())
    assert out["tier"] == "live" and out["complete"] and len(out["rows"]) == 2


def test_cli_writes_the_record(tmp_path) -> None:
    out = tmp_path / "t.json"
    code = experiment_main(["truncation", "--quick", "--set", 'models=["ps-linear"]', "--out", str(out)])
    assert code == 0
    res = json.loads(out.read_text())
    assert res["command"].startswith("python -m equi_core.training experiment truncation --quick")
    assert res["versions"]["torch"] and res["tier"] == "quick"
    assert experiment_main(["nope"]) == 2


def test_kept_models_reproduce_their_errors_and_promote_to_shipped_kinds(tiny_molecule: str, tmp_path) -> None:
    from equi_core.training.molecular import load_model
    from equi_core.training.record_errors import PROMOTED, promote

    keep = tmp_path / "kept"
    cfg = {"molecule": tiny_molecule, "models": list(PROMOTED), "n_train": [8, 16], "seeds": [0, 1]}
    res = run_experiment("sample-efficiency", {**cfg, "save_models_dir": str(keep), "lr_grid": [3e-3]}, tier="quick")
    # only the first seed at the largest N keeps its model
    assert sorted(p.name for p in keep.glob("*.pt")) == sorted(f"tiny-{m}.pt" for m in PROMOTED)
    out = tmp_path / "res.json"
    out.write_text(json.dumps(dict(res, command="python -m equi_core.training experiment sample-efficiency ...")))
    dest = tmp_path / "models"
    dest.mkdir()
    paths = promote(keep, out, tiny_molecule, dest)
    assert sorted(p.name for p in paths) == sorted(f"tiny-{k}.pt" for k in PROMOTED.values())
    for key, kind in PROMOTED.items():
        rec = json.loads((dest / f"tiny-{kind}.json").read_text())
        row = next(r for r in res["rows"] if r["model"] == key and r["n_train"] == 16 and r["seed"] == 0)
        # the recomputed errors on the recorded split are the experiment's own numbers for that run
        assert rec["errors"]["test"]["force_mae"] == pytest.approx(row["test_force_mae"], rel=1e-6)
        assert rec["errors"]["train"]["force_mae"] == pytest.approx(row["train_force_mae"], rel=1e-6)
        assert rec["command"].startswith("python -m equi_core.training experiment") and rec["model"] == key
        assert load_model(dest / f"tiny-{kind}.pt").record["errors"] == rec["errors"]
    with pytest.raises(ValueError, match="not"):
        promote(keep, out, "ethanol", dest)


def test_a_stopped_live_job_ends_stopped_with_its_finished_runs() -> None:
    from equi_core.progress import StopRequested

    seen: list[dict] = []

    def stop() -> bool:  # stop once the first run has been published
        return bool(seen)

    control = Control(should_stop=stop, on_partial=seen.append)
    cfg = {"experiment": "truncation", "models": ["ps-linear"], "lmax_values": [1, 2, 3]}
    with pytest.raises(StopRequested):
        train_job(cfg, control)
    kept = control.partial
    assert kept is not None and kept["complete"] is False
    assert 1 <= len(kept["rows"]) < 3  # the finished run is kept, the rest never ran


# ------------------------------------------------------------------------------------------------ resume and retry
def _quick_se(molecule: str, **over) -> dict:
    cfg = {"molecule": molecule, "models": ["nequip-l0"], "n_train": [8], "seeds": [0], "lr_grid": [1e-3, 1e-2]}
    return {**cfg, **over}


def test_resume_trains_only_the_missing_runs(tiny_molecule: str) -> None:
    first = run_experiment("sample-efficiency", _quick_se(tiny_molecule), tier="quick")
    more = run_experiment("sample-efficiency", _quick_se(tiny_molecule, seeds=[0, 1]), tier="quick", resume=first)
    assert more["complete"] and more["resumed_from"]["created"] == first["created"]
    assert more["chosen_lr"] == first["chosen_lr"] and more["lr_sweep"] == first["lr_sweep"]  # no new sweep
    kept = [r for r in more["rows"] if r["seed"] == 0]
    assert kept == first["rows"]  # the same run, wall time included: not retrained
    assert [r["seed"] for r in more["rows"]].count(1) == 1
    # a grid that shrank keeps only its own runs
    fewer = run_experiment("sample-efficiency", _quick_se(tiny_molecule), tier="quick", resume=more)
    assert fewer["rows"] == first["rows"] and all(t["n_seeds"] == 1 for t in fewer["table"])
    # nothing missing: nothing trained
    again = run_experiment("sample-efficiency", _quick_se(tiny_molecule, seeds=[0, 1]), tier="quick", resume=more)
    assert again["rows"] == more["rows"]
    with pytest.raises(ValueError, match="max_steps"):
        run_experiment("sample-efficiency", _quick_se(tiny_molecule, max_steps=30), tier="quick", resume=first)
    with pytest.raises(ValueError, match="needs a large-data result"):
        run_experiment("large-data", {"molecule": tiny_molecule}, tier="quick", resume=first)


def test_a_failed_run_is_retried_once_at_the_next_lower_rate(tiny_molecule: str) -> None:
    from equi_core.training.failures import stalled

    first = run_experiment("sample-efficiency", _quick_se(tiny_molecule), tier="quick")
    (row,) = first["rows"]
    # pretend the run stalled at the higher grid rate: best step at 0, train error as high as validation
    bad = dict(row, lr=1e-2, best_step=0, train_force_mae=row["val_force_mae"])
    assert stalled(bad)
    prior = dict(first, rows=[bad], chosen_lr={"nequip-l0": 1e-2})
    res = run_experiment("sample-efficiency", _quick_se(tiny_molecule), tier="quick", resume=prior)
    (retry,) = res["rows"]
    assert retry["lr"] == 1e-3 and retry["retry_of_lr"] == 1e-2  # the next-lower rate of the grid
    assert res["replaced_runs"] == [bad]  # the failed run is kept on record
    # a retried run is never retried again, even if it fails too
    worse = dict(retry, best_step=0, train_force_mae=retry["val_force_mae"])
    res2 = run_experiment("sample-efficiency", _quick_se(tiny_molecule), tier="quick", resume=dict(res, rows=[worse]))
    assert res2["rows"] == [worse] and res2["replaced_runs"] == [bad]
    off = run_experiment("sample-efficiency", _quick_se(tiny_molecule, retry_failed=False), tier="quick", resume=prior)
    assert off["rows"] == [bad] and off["replaced_runs"] == []


def test_rates_taken_from_another_result_run_no_sweep(tiny_molecule: str) -> None:
    # lr_from names the shipped experiment 1: its chosen rate is used and no sweep is trained (a fresh run with
    # lr_from used to sweep anyway, then ignore the sweep)
    res = run_experiment("sample-efficiency", _quick_se(tiny_molecule, lr_from="sample-efficiency"), tier="quick")
    shipped = catalog.load_lr_source("sample-efficiency")
    assert shipped is not None
    assert res["lr_sweep"] == [] and res["chosen_lr"] == {"nequip-l0": shipped["chosen_lr"]["nequip-l0"]}
    assert [r["lr"] for r in res["rows"]] == [shipped["chosen_lr"]["nequip-l0"]]


def _read(path: str) -> bytes:
    try:
        return Path(path).read_bytes()
    except OSError:
        return b""


def _children(pid: int) -> list[str]:
    """The live child processes of ``pid`` (from /proc: no pgrep needed)."""
    out = []
    for d in Path("/proc").iterdir():
        stat = _read(f"/proc/{d.name}/stat").decode(errors="replace") if d.name.isdigit() else ""
        fields = stat.rsplit(")", 1)[-1].split()
        if len(fields) > 1 and fields[1] == str(pid) and fields[0] != "Z":
            out.append(d.name)
    return out


@pytest.mark.skipif(not Path("/proc").is_dir(), reason="reads /proc (Linux)")
def test_process_workers_exit_when_their_parent_is_killed() -> None:
    # a killed (not stopped) experiment must not leave its workers training on alone
    import signal
    import subprocess
    import sys
    import time

    code = (
        'from equi_core.training.executors import ProcessExecutor\nProcessExecutor(2).map("time:sleep", [60.0, 60.0])'
    )
    parent = subprocess.Popen([sys.executable, "-c", code])
    try:
        deadline = time.monotonic() + 60
        workers: list[str] = []
        while time.monotonic() < deadline and len(workers) < 2:
            time.sleep(0.5)
            workers = [k for k in _children(parent.pid) if b"multiprocessing.spawn" in _read(f"/proc/{k}/cmdline")]
        assert len(workers) == 2
    finally:
        os.kill(parent.pid, signal.SIGKILL)
        parent.wait()

    def alive(pid: str) -> bool:
        fields = _read(f"/proc/{pid}/stat").decode(errors="replace").rsplit(")", 1)[-1].split()
        return bool(fields) and fields[0] != "Z"

    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and any(alive(w) for w in workers):
        time.sleep(0.5)
    assert not any(alive(w) for w in workers)
