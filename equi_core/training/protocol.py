"""The training protocol shared by every experiment (what makes a curve honest).

* **Seeds from the configuration only.** :func:`run_seed` turns (experiment seed, point labels) into an integer;
  :func:`seeded_build` builds a model's initial weights from it and training draws its batches from its own
  ``torch.Generator``: a run's numbers depend on nothing else (not on the executor, the worker, or other runs).
* **Early stopping on a validation split.** :func:`fit_cached` (for models with parameter-free cached features,
  the synthetic tasks) trains with Adam at a constant learning rate, evaluates the validation error every
  ``eval_every`` steps, stops after ``patience`` evaluations without improvement, and restores the best weights;
  the molecular models use :func:`equi_core.training.molecular.fit`, which does the same.
* **Learning rate chosen on validation** (:func:`pick_lr`) from a small grid, per model kind, at one setting.
* **Timing.** Every run records wall time, its own CPU time (``time.thread_time``: the run's thread, so parallel
  workers do not count each other), steps and steps per second.

Example
-------
>>> run_seed(0, "nequip-l1", 100) == run_seed(0, "nequip-l1", 100)
True
>>> pick_lr({1e-3: 0.5, 3e-3: 0.2, 1e-2: float("nan")})
0.003
"""

from __future__ import annotations

import copy
import math
import threading
import time
import zlib
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any, TypeVar

import torch
from torch import nn

from .train import Control, make_adam

__all__ = ["run_seed", "seeded_build", "fit_cached", "pick_lr", "Timer", "rmse", "mae"]

M = TypeVar("M", bound=nn.Module)
_BUILD_LOCK = threading.Lock()


def run_seed(seed: int, *parts: object) -> int:
    """A deterministic seed from the experiment seed and the point's labels (independent of Python's hash
    randomization and of the order in which points run)."""
    return (int(seed) * 1_000_003 + zlib.crc32("|".join(map(str, parts)).encode())) % (2**31 - 1)


def seeded_build(seed: int, factory: Callable[[], M]) -> M:
    """``factory()`` with its initial weights drawn from ``seed`` alone.

    Module constructors draw from torch's process-wide generator; this builds under a lock with that generator
    forked (saved, seeded, restored), so the weights depend only on ``seed`` and the caller's RNG state is left
    untouched. Jobs run in their own processes (executors, the page's job pool), where nothing else draws.
    """
    with _BUILD_LOCK, torch.random.fork_rng(devices=[]):
        torch.manual_seed(int(seed))
        return factory()


@contextmanager
def _eval_mode(model: nn.Module) -> Iterator[None]:
    was = model.training
    model.eval()
    try:
        yield
    finally:
        model.train(was)


def rmse(pred: torch.Tensor, target: torch.Tensor) -> float:
    """Root mean square of ``pred - target`` (vectors: RMS of the Euclidean norm of the difference)."""
    d = pred - target
    return float(d.pow(2).sum(-1).mean().sqrt()) if d.dim() > 1 else float(d.pow(2).mean().sqrt())


def mae(pred: torch.Tensor, target: torch.Tensor) -> float:
    """Mean absolute error over every component."""
    return float((pred - target).abs().mean())


class Timer:
    """Wall time and this thread's CPU time since construction (``.wall``, ``.cpu``)."""

    def __init__(self) -> None:
        self.t0, self.c0 = time.perf_counter(), time.thread_time()

    @property
    def wall(self) -> float:
        return time.perf_counter() - self.t0

    @property
    def cpu(self) -> float:
        return time.thread_time() - self.c0


def fit_cached(
    model: Any,
    feats_train: Sequence[torch.Tensor],
    y_train: torch.Tensor,
    feats_val: Sequence[torch.Tensor],
    y_val: torch.Tensor,
    *,
    lr: float,
    max_steps: int,
    batch_size: int,
    eval_every: int,
    patience: int,
    seed: int,
    control: Control | None = None,
    label: str = "",
    lr_patience: int | None = None,
) -> dict[str, Any]:
    """Train ``model.from_features`` on cached features with early stopping on the validation RMSE.

    Loss: mean squared error of targets divided by the model's ``target_scale`` (set from the training targets).
    Returns ``best_step``, ``steps_run``, ``stopped_early``, ``val_curve`` [(step, val RMSE)], ``train_curve``
    [(step, running train RMSE)], ``wall_s``, ``cpu_s``, ``steps_per_s``; the model holds the best weights.
    A model with ``linear = True`` is fitted in closed form (``fit_linear``; 0 steps). With ``lr_patience`` the
    learning rate is halved after that many evaluations without improvement (down to ``lr / 32``), so that early
    stopping fires on a converged model rather than on a noisy plateau.
    """
    control = control or Control()
    if max_steps < 1 or batch_size < 1 or eval_every < 1 or patience < 1 or not (lr > 0 and math.isfinite(lr)):
        raise ValueError("max_steps, batch_size, eval_every, patience must be >= 1 and lr finite and > 0")
    timer = Timer()
    model.set_target_scale(y_train)
    model.fit_input_normalization(*feats_train)
    if getattr(model, "linear", False):
        model.fit_linear(feats_train[0], y_train)
        with torch.no_grad(), _eval_mode(model):
            v = rmse(model.from_features(*feats_val), y_val)
        return {
            "best_step": 0,
            "steps_run": 0,
            "stopped_early": False,
            "val_curve": [(0, v)],
            "train_curve": [],
            "wall_s": timer.wall,
            "cpu_s": timer.cpu,
            "steps_per_s": None,
        }
    gen = torch.Generator(device="cpu").manual_seed(int(seed))
    opt = make_adam(model.parameters(), lr=lr)
    scale = model.target_scale
    n = len(y_train)
    bs = min(batch_size, n)
    best = (math.inf, 0, copy.deepcopy(model.state_dict()))
    bad = 0
    val_curve: list[tuple[int, float]] = []
    train_curve: list[tuple[int, float]] = []
    running, count = 0.0, 0
    step = 0
    stopped_early = False
    for step in range(1, max_steps + 1):
        if step % 10 == 1:
            control.check(step / max_steps, f"{label} step {step}/{max_steps}")
        idx = torch.randint(0, n, (bs,), generator=gen) if bs < n else torch.arange(n)
        pred = model.from_features(*(f[idx] for f in feats_train))
        loss = (
            ((pred - y_train[idx]) / scale).pow(2).sum(-1).mean()
            if pred.dim() > 1
            else ((pred - y_train[idx]) / scale).pow(2).mean()
        )
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        running += float(loss.detach())
        count += 1
        if step % eval_every == 0 or step == max_steps:
            with torch.no_grad(), _eval_mode(model):
                v = rmse(model.from_features(*feats_val), y_val)
            val_curve.append((step, v))
            train_curve.append((step, math.sqrt(running / max(count, 1)) * float(scale)))
            running, count = 0.0, 0
            if not math.isfinite(v):
                break
            if v < best[0]:
                best = (v, step, copy.deepcopy(model.state_dict()))
                bad = 0
            else:
                bad += 1
                if lr_patience and bad % lr_patience == 0:
                    for g in opt.param_groups:
                        g["lr"] = max(g["lr"] * 0.5, lr / 32)
                if bad >= patience:
                    stopped_early = True
                    break
    model.load_state_dict(best[2])
    wall = timer.wall
    return {
        "best_step": best[1],
        "steps_run": step,
        "stopped_early": stopped_early,
        "val_curve": val_curve,
        "train_curve": train_curve,
        "wall_s": wall,
        "cpu_s": timer.cpu,
        "steps_per_s": step / wall if wall > 0 else None,
    }


def pick_lr(val_by_lr: Mapping[float, float]) -> float:
    """The learning rate with the lowest finite validation error (ties: the smaller rate); ValueError if none."""
    finite = [(v, lr) for lr, v in val_by_lr.items() if isinstance(v, (int, float)) and math.isfinite(v)]
    if not finite:
        raise ValueError("no learning rate gave a finite validation error")
    return float(min(finite)[1])
