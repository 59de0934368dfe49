"""The failed-run rule (:mod:`equi_core.training.failures`) on made-up rows and on the shipped experiment 1."""

from __future__ import annotations

import json

from equi_core.training.catalog import RESULTS_DIR
from equi_core.training.failures import flag_failed, next_lower_lr, stalled

HEALTHY = {
    "model": "m",
    "seed": 0,
    "n_train": 25,
    "lr": 0.03,
    "best_step": 3000,
    "max_steps": 6000,
    "train_force_mae": 0.05,
    "val_force_mae": 0.08,
}


def test_stalled_needs_an_early_best_step_and_no_fit() -> None:
    assert not stalled(HEALTHY)
    assert not stalled(dict(HEALTHY, best_step=400))  # early but overfitting: train far below validation
    assert not stalled(dict(HEALTHY, train_force_mae=0.079))  # no fit, but it kept improving
    assert stalled(dict(HEALTHY, best_step=600, train_force_mae=0.079))  # both: 10 % of the budget, 0.99 ratio
    assert not stalled(dict(HEALTHY, best_step=601, train_force_mae=0.079))
    assert not stalled({"model": "m"})  # missing numbers never fail a run


def test_worse_with_more_data_is_judged_per_model_and_seed() -> None:
    rows = [
        dict(HEALTHY),
        dict(HEALTHY, n_train=100, val_force_mae=0.13),  # 1.625 x the N=25 error of the same seed
        dict(HEALTHY, n_train=100, seed=1, val_force_mae=0.13),  # no smaller N for seed 1
        dict(HEALTHY, n_train=400, val_force_mae=0.11),  # 1.375 x the best smaller one
    ]
    failed = flag_failed(rows)
    assert failed == [rows[1]] and rows[1]["failed"] and rows[1]["underfit"]
    assert not any(r.get("failed") for r in (rows[0], rows[2], rows[3]))


def test_a_seed_that_never_fitted_while_the_others_did_fails() -> None:
    cell = [
        dict(HEALTHY, seed=0, train_force_mae=0.09, val_force_mae=0.105),
        dict(HEALTHY, seed=1, train_force_mae=0.39, val_force_mae=0.376),  # 4.3 x seed 0's train error, no fit
        dict(HEALTHY, seed=2, train_force_mae=0.25, val_force_mae=0.60),  # 2.8 x, and it overfits: not a failure
    ]
    assert [r["seed"] for r in flag_failed(cell)] == [1]
    # an overfitting seed far above the others' train error is a poor fit, not a failed one
    overfit = [dict(HEALTHY, seed=0, train_force_mae=0.005), dict(HEALTHY, seed=1, train_force_mae=0.02)]
    assert flag_failed(overfit) == []


def test_next_lower_lr() -> None:
    grid = [1e-3, 3e-3, 1e-2, 3e-2, 1e-1, 3e-1]
    assert next_lower_lr(0.1, grid) == 0.03 and next_lower_lr(0.3, grid) == 0.1
    assert next_lower_lr(1e-3, grid) is None
    assert next_lower_lr(0.05, grid) == 0.03  # a rate off the grid steps to the grid rate below it


def test_the_shipped_experiment_1_fails_exactly_its_stalled_runs() -> None:
    """The three runs of the first shipped pass (before retries) that stalled at their chosen rate: best step in
    the first 10 % of the budget with train error ~ validation error. Every other run of the 63 passes."""
    result = json.loads((RESULTS_DIR / "sample-efficiency.json").read_text())
    first_pass = [r for r in result["rows"] if r.get("retry_of_lr") is None] + result.get("replaced_runs", [])
    failed = flag_failed([dict(r) for r in first_pass])
    assert sorted((r["model"], r["n_train"], r["seed"]) for r in failed) == [
        ("nequip-l1", 100, 0),
        ("transformer", 400, 2),
        ("transformer+aug", 25, 2),
    ]
    assert len(first_pass) == 63
