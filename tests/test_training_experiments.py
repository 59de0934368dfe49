"""The five experiments in quick mode: each must show its effect with a robust margin, write the
documented JSON fields, and keep finished points when stopped. Also the CLI and the shipped results."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
import torch

from equi_core.training.experiments import (
    EXPERIMENTS,
    RESULTS_DIR,
    default_config,
    experiment_key,
    format_table,
    load_result,
    plan_points,
    run_experiment,
    samples_to_reach,
    validate_config,
)
from equi_core.training.train import Control

ROOT = Path(__file__).resolve().parents[1]
FIELDS = {"experiment", "config", "seed", "device", "device_name", "torch_version", "threads", "wall_time_s",
          "rows", "summary", "complete", "load_average_at_start", "cpu_time_s", "process_cpu_time_s"}


def _by(rows, **match):
    return [r for r in rows if all(r.get(k) == v for k, v in match.items())]


@pytest.fixture(scope="module")
def results():
    """Each quick experiment run once for the module (a few seconds each on a quiet core)."""
    return {}


def _run(results, key):
    if key not in results:
        results[key] = run_experiment(key, quick=True, device="cpu")
    return results[key]


def test_sample_efficiency_equivariant_beats_unconstrained(results):
    res = _run(results, "sample-efficiency")
    assert FIELDS <= set(res) and res["complete"] and res["device"] == "cpu"
    assert res["torch_version"] == torch.__version__
    assert 0 < res["cpu_time_s"] <= res["process_cpu_time_s"]
    at128 = {r["model"]: r["test_error"] for r in _by(res["rows"], n_train=128)}
    # the claim: the equivariant model needs fewer samples -> at N = 128 its error is >= 2x lower
    assert min(at128["invariant-mlp"], at128["invariant-linear"]) * 2 <= at128["transformer"]
    assert at128["invariant-mlp"] * 1.3 <= at128["transformer"]
    # the linear readout on complete invariants is (nearly) exact once N exceeds its features
    assert at128["invariant-linear"] < 0.03
    # invariant models: rotated test copies give the same error (to float32 round-off)
    for r in res["rows"]:
        if r["model"].startswith("invariant"):
            assert abs(r["rotated_test_error"] - r["test_error"]) < 1e-4
    assert "invariant-linear" in format_table(res)


def test_equivariance_error_exact_vs_learned(results):
    res = _run(results, "equivariance")
    for r in res["rows"]:
        if r["angle_deg"] == 0:
            assert r["energy_error"] < 1e-6 and r["force_error"] < 1e-6
            continue
        if r["model"] in ("invariant-mlp", "irreps-gate"):
            assert r["energy_error"] < 1e-5 and r["force_error"] < 1e-5  # float32 round-off
        else:
            assert r["energy_error"] > 1e-2 and r["force_error"] > 1e-2
    summ = res["summary"]
    assert summ["max_energy_error"]["transformer"] > 1000 * summ["max_energy_error"]["invariant-mlp"]


def test_truncation_cliff_at_L_equals_K(results):
    res = _run(results, "truncation")
    k = res["config"]["order"]
    below = [r["test_error"] for r in res["rows"] if r["L"] < k]
    above = [r["test_error"] for r in res["rows"] if r["L"] >= k]
    assert below and above
    assert min(below) >= 5 * max(above)
    assert res["summary"]["cliff_ratio"] >= 5


def test_depth_scalar_nonlinearity_beats_norm_at_equal_depth(results):
    res = _run(results, "depth")
    err = {(r["model"], r["depth"]): r["test_error"] for r in res["rows"]}
    for d in res["config"]["depths"]:
        assert err[("scalar-silu", d)] < err[("norm", d)]
    # one norm layer cannot fit the vector target
    assert err[("norm", 1)] > 0.3


def test_large_data_body_order_limit(results):
    res = _run(results, "large-data")
    lin = sorted((r["n_train"], r["test_error"]) for r in res["rows"] if r["model"] == "invariant-linear")
    # a four-body term is outside the span of the body-order-3 invariants: the linear model plateaus
    assert lin[-1][1] > 0.05
    unc = sorted((r["n_train"], r["test_error"]) for r in res["rows"] if r["model"] == "transformer")
    assert unc[-1][1] < unc[0][1]  # the unconstrained model keeps learning with more data


def test_stop_keeps_finished_points():
    calls = {"points": 0}

    def on_point(point, rows):
        calls["points"] += 1

    control = Control(should_stop=lambda: calls["points"] >= 1)
    res = run_experiment("truncation", {"lmax_values": [1, 2, 3]}, quick=True, device="cpu", control=control,
                         on_point=on_point)
    assert not res["complete"]
    assert [r["L"] for r in res["rows"]] == [1]


def test_config_validation_and_keys():
    assert experiment_key("3") == "truncation" and experiment_key("large_data") == "large-data"
    with pytest.raises(ValueError):
        experiment_key("nope")
    for bad in ({"n_train": []}, {"models": ["gate"]}, {"steps": -1}, {"seed": "x"}, {"bogus": 1}):
        with pytest.raises(ValueError):
            validate_config("sample-efficiency", bad)
    with pytest.raises(ValueError):
        validate_config("truncation", {"lmax_values": [9]})
    for key in EXPERIMENTS:
        cfg = validate_config(key, default_config(key))
        assert plan_points(key, cfg)
        assert default_config(key, device="cuda") != default_config(key)  # larger GPU defaults


def test_samples_to_reach_interpolates_log_log():
    assert samples_to_reach([10, 100], [0.1, 0.01], 0.05) == pytest.approx(10 ** 1.30103, rel=1e-3)
    assert samples_to_reach([10, 100], [0.2, 0.1], 0.05) is None
    assert samples_to_reach([10, 100], [0.01, 0.001], 0.05) == 10


def test_cli_main_in_process(tmp_path, capsys):
    from equi_core.training.__main__ import main

    out = tmp_path / "t.json"
    assert main(["truncation", "--quick", "--device", "cpu", "--out", str(out), "--set", "lmax_values=[3,4]"]) == 0
    printed = capsys.readouterr().out
    assert "test_error" in printed and "cliff_ratio" in printed
    data = json.loads(out.read_text())
    assert FIELDS <= set(data) and [r["L"] for r in data["rows"]] == [3, 4]
    assert main(["nope"]) == 2 and "unknown experiment" in capsys.readouterr().err
    assert main(["truncation", "--quick", "--set", "steps=-5"]) == 2


@pytest.mark.slow
def test_cli_writes_json(tmp_path):
    out = tmp_path / "t.json"
    proc = subprocess.run([sys.executable, "-m", "equi_core.training", "truncation", "--quick", "--device", "cpu",
                           "--out", str(out), "--set", "lmax_values=[3,4]"],
                          cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    assert "test_error" in proc.stdout
    data = json.loads(out.read_text())
    assert FIELDS <= set(data) and [r["L"] for r in data["rows"]] == [3, 4]
    assert data["command"].startswith("python -m equi_core.training truncation")
    bad = subprocess.run([sys.executable, "-m", "equi_core.training", "nope"], cwd=ROOT, capture_output=True,
                         text=True, timeout=120)
    assert bad.returncode == 2 and "unknown experiment" in bad.stderr


@pytest.mark.parametrize("key", list(EXPERIMENTS))
def test_shipped_results_are_complete_and_recorded(key):
    res = load_result(key)
    assert res is not None, f"missing {RESULTS_DIR / (key + '.json')}"
    assert FIELDS <= set(res) and res["complete"] and res["rows"]
    assert res["command"].startswith("python -m equi_core.training")
    assert validate_config(key, res["config"])  # still a valid configuration
