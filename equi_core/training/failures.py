"""Which training runs *failed* (diverged or stalled), and the one retry the protocol gives them (no torch).

A run that failed to train says nothing about its model or its training-set size, only about that run's
optimization. The lab's rule, applied the same way to every model (it was written, and revised once, after seeing
failed runs of experiment 1 and of experiment 2's first pass; its thresholds are the constants below):

* **did not fit**: the run fits its own training set no better than :data:`STALL_FIT_RATIO` x its validation error
  (train force MAE at least 0.8 x validation force MAE) *and* either its best validation step lies in the first
  :data:`EARLY_FRACTION` of its step budget (it **stalled**: :func:`stalled`, judged on the run alone), or its
  train error is more than :data:`OUTLIER_RATIO` x the lowest train error of the other seeds of its cell (same
  model and N: the same model on the same data did fit). A healthy run that peaks early is overfitting (train
  error far below validation); a failed one never fitted the training set.
* **worse with more data**: its validation force error is more than :data:`FAILED_RATIO` x the same model and
  seed's error at a smaller training-set size (more data does not make a converged fit that much worse).

Both are judged on the validation and train errors (the test error only for a row that has no validation error;
every shipped molecular run has one).
The experiment runner retrains every failed run once at the next-lower rate of the learning-rate grid
(:func:`next_lower_lr`; same seed, data and budget); the retrained run replaces the failed one and the failed one
is kept in the result's ``replaced_runs``. A retrained run that fails again stays failed and the lesson leaves
it out of its cell's statistics.

Example
-------
>>> healthy = {"model": "m", "seed": 0, "n_train": 25, "best_step": 400, "max_steps": 6000,
...            "train_force_mae": 0.14, "val_force_mae": 0.37}
>>> stalled({**healthy, "train_force_mae": 0.36})
True
>>> stalled(healthy)
False
>>> next_lower_lr(0.03, [1e-3, 3e-3, 1e-2, 3e-2, 1e-1])
0.01
>>> next_lower_lr(1e-3, [1e-3, 3e-3]) is None
True
"""

from __future__ import annotations

import math
from collections.abc import Mapping, MutableMapping, Sequence
from typing import Any

__all__ = [
    "EARLY_FRACTION",
    "STALL_FIT_RATIO",
    "FAILED_RATIO",
    "OUTLIER_RATIO",
    "stalled",
    "flag_failed",
    "rule_words",
    "next_lower_lr",
]

#: A stalled run's best validation step lies in this first fraction of its step budget.
EARLY_FRACTION = 0.1
#: ... and its train force error is at least this fraction of its validation force error (it never fitted).
STALL_FIT_RATIO = 0.8
#: A run whose validation force error is this many times the same model and seed's error at a smaller N failed.
FAILED_RATIO = 1.5
#: A run that did not fit, with a train force error this many times the lowest of its cell's other seeds, failed.
OUTLIER_RATIO = 3.0


def _num(r: Mapping[str, Any], key: str) -> float:
    v = r.get(key)
    return float(v) if isinstance(v, (int, float)) and not isinstance(v, bool) else math.nan


def _val(r: Mapping[str, Any]) -> float:
    v = _num(r, "val_force_mae")
    return v if math.isfinite(v) else _num(r, "test_force_mae")


def _no_fit(r: Mapping[str, Any]) -> bool:
    train, val = _num(r, "train_force_mae"), _val(r)
    return math.isfinite(train) and math.isfinite(val) and val > 0 and train >= STALL_FIT_RATIO * val


def stalled(r: Mapping[str, Any]) -> bool:
    """True when the run stopped improving in the first :data:`EARLY_FRACTION` of its budget without fitting its
    training set (train force MAE >= :data:`STALL_FIT_RATIO` x validation force MAE); False when a number is
    missing."""
    best, budget = _num(r, "best_step"), _num(r, "max_steps")
    if not (math.isfinite(best) and math.isfinite(budget)) or budget <= 0:
        return False
    return best <= EARLY_FRACTION * budget and _no_fit(r)


def flag_failed(rows: Sequence[MutableMapping[str, Any]]) -> list[MutableMapping[str, Any]]:
    """Mark (``failed = underfit = True``) the runs that did not fit (stalled, or an outlier of their cell: see the
    module docstring) or are more than :data:`FAILED_RATIO` x worse than the same model and seed at a strictly
    smaller training-set size; return them.

    Rows that repeat one run (the equivariance experiment writes a row per rotation angle) are judged alike.
    """
    failed: list[MutableMapping[str, Any]] = []
    best_below: dict[tuple, list[tuple[int, float]]] = {}
    train_of: dict[tuple, dict[Any, float]] = {}
    for r in rows:
        v, t = _val(r), _num(r, "train_force_mae")
        if math.isfinite(v):
            best_below.setdefault((r.get("model"), r.get("seed")), []).append((int(r.get("n_train", 0) or 0), v))
        if math.isfinite(t):
            train_of.setdefault((r.get("model"), r.get("n_train")), {})[r.get("seed")] = t
    for r in rows:
        v = _val(r)
        n = int(r.get("n_train", 0) or 0)
        smaller = [e for m, e in best_below.get((r.get("model"), r.get("seed")), []) if m < n]
        worse = math.isfinite(v) and bool(smaller) and v > FAILED_RATIO * min(smaller)
        others = [t for s, t in train_of.get((r.get("model"), r.get("n_train")), {}).items() if s != r.get("seed")]
        outlier = _no_fit(r) and bool(others) and _num(r, "train_force_mae") > OUTLIER_RATIO * min(others)
        if stalled(r) or outlier or worse:
            r["failed"] = r["underfit"] = True
            failed.append(r)
    return failed


def rule_words() -> str:
    """The rule in words (for pages and notes), with the module's thresholds.

    Example
    -------
    >>> rule_words().startswith("train error at least 0.8 × validation error")
    True
    """
    return (
        f"train error at least {STALL_FIT_RATIO:g} × validation error (it never fitted its training set) with its "
        f"best validation step in the first {EARLY_FRACTION:.0%} of its budget or a train error over "
        f"{OUTLIER_RATIO:g}× the lowest of its cell's other seeds; or a validation error over {FAILED_RATIO:g}× "
        "the same model and seed's at a smaller N"
    )


def next_lower_lr(lr: float, grid: Sequence[float]) -> float | None:
    """The largest rate of ``grid`` below ``lr`` (None when there is none)."""
    lower = [float(g) for g in grid if float(g) < float(lr) * (1 - 1e-9)]
    return max(lower) if lower else None
