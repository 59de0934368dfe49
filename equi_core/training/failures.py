"""Which training runs *failed* (diverged or stalled), and the one retry the protocol gives them (no torch).

A run that failed to train says nothing about its model or its training-set size, only about that run's
optimization. The lab's rule, fixed before the runs it judges and applied the same way to every model:

* **stalled**: the run's best validation step lies in the first :data:`EARLY_FRACTION` of its step budget *and* it
  fits its own training set no better than :data:`STALL_FIT_RATIO` x its validation error (train force MAE at
  least 0.8 x validation force MAE). A healthy run that peaks early is overfitting (train error far below
  validation); a stalled one never fitted the training set at all. Judged on one run alone.
* **worse with more data**: its validation force error is more than :data:`FAILED_RATIO` x the same model and
  seed's error at a smaller training-set size (more data does not make a converged fit that much worse).

Both are judged on the validation error (the test error only where a run has none), never on the test score.
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
    "stalled",
    "flag_failed",
    "next_lower_lr",
]

#: A stalled run's best validation step lies in this first fraction of its step budget.
EARLY_FRACTION = 0.1
#: ... and its train force error is at least this fraction of its validation force error (it never fitted).
STALL_FIT_RATIO = 0.8
#: A run whose validation force error is this many times the same model and seed's error at a smaller N failed.
FAILED_RATIO = 1.5


def _num(r: Mapping[str, Any], key: str) -> float:
    v = r.get(key)
    return float(v) if isinstance(v, (int, float)) and not isinstance(v, bool) else math.nan


def _val(r: Mapping[str, Any]) -> float:
    v = _num(r, "val_force_mae")
    return v if math.isfinite(v) else _num(r, "test_force_mae")


def stalled(r: Mapping[str, Any]) -> bool:
    """True when the run stopped improving in the first :data:`EARLY_FRACTION` of its budget without fitting its
    training set (train force MAE >= :data:`STALL_FIT_RATIO` x validation force MAE); False when a number is
    missing."""
    best, budget, train, val = _num(r, "best_step"), _num(r, "max_steps"), _num(r, "train_force_mae"), _val(r)
    if not all(math.isfinite(x) for x in (best, budget, train, val)) or budget <= 0 or val <= 0:
        return False
    return best <= EARLY_FRACTION * budget and train >= STALL_FIT_RATIO * val


def flag_failed(rows: Sequence[MutableMapping[str, Any]]) -> list[MutableMapping[str, Any]]:
    """Mark (``failed = underfit = True``) the runs that stalled (:func:`stalled`) or are more than
    :data:`FAILED_RATIO` x worse than the same model and seed at a strictly smaller training-set size; return them.

    Rows that repeat one run (the equivariance experiment writes a row per rotation angle) are judged alike.
    """
    failed: list[MutableMapping[str, Any]] = []
    best_below: dict[tuple, list[tuple[int, float]]] = {}
    for r in rows:
        v = _val(r)
        if math.isfinite(v):
            best_below.setdefault((r.get("model"), r.get("seed")), []).append((int(r.get("n_train", 0) or 0), v))
    for r in rows:
        v = _val(r)
        smaller = [
            e for n, e in best_below.get((r.get("model"), r.get("seed")), []) if n < int(r.get("n_train", 0) or 0)
        ]
        worse = math.isfinite(v) and bool(smaller) and v > FAILED_RATIO * min(smaller)
        if stalled(r) or worse:
            r["failed"] = r["underfit"] = True
            failed.append(r)
    return failed


def next_lower_lr(lr: float, grid: Sequence[float]) -> float | None:
    """The largest rate of ``grid`` below ``lr`` (None when there is none)."""
    lower = [float(g) for g in grid if float(g) < float(lr) * (1 - 1e-9)]
    return max(lower) if lower else None
