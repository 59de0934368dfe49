"""The five experiments of the training lab, run under one protocol (:mod:`equi_core.training.protocol`).

Every experiment is a list of independent *runs* (one trained model at one setting and one seed). A sweep has two
phases, each run point by point through an executor (:mod:`equi_core.training.executors`):

1. **learning-rate sweep** (when ``lr_grid`` has more than one value): every model kind at one setting
   (``lr_sweep_n`` frames, or ``lr_sweep_lmax`` / ``lr_sweep_depth``), seed ``seeds[0]``; the rate with the lowest
   validation error is kept per model kind (``chosen_lr`` in the result, the sweep in ``lr_sweep``);
2. **main runs**: every point of the grid times every seed in ``seeds``, at the chosen rates.

Each run records train, validation and test errors, the best step, the steps run, whether early stopping fired,
the underfitting flag (:func:`equi_core.training.catalog.underfitting`), parameters, steps/s, wall and CPU time.
``table`` aggregates the seeds (mean, standard deviation, min, max). The definitions (what is plain data) live in
:mod:`equi_core.training.catalog`; the molecular models and data in :mod:`equi_core.training.molecular`.

Experiments (``python -m equi_core.training experiment NAME [--quick] [--workers K] [--ray ADDR] [--out F]``):

1. ``sample-efficiency`` -- energy and force MAE vs N on ethanol: NequIP-style lmax 0/1/2, TensorNet-style,
   transformer, transformer + augmentation.
2. ``equivariance`` -- energy change and force error of rotated test molecules vs angle, for every model, plus
   the transformer with a rotation penalty and with a direct force head; the accuracy each one pays.
3. ``truncation`` -- synthetic ``cos K theta`` three-body target, model degree L: the irreps network and the
   power-spectrum descriptors (MLP, linear).
4. ``depth`` -- synthetic vector target; one irreps network with the nonlinearity swapped (norm, gate, tensor
   product), residual on/off, parameter counts matched, depth 1..8.
5. ``large-data`` -- the molecular learning curve at larger N with step budgets that grow with N (runs stop on a validation plateau), every model.
"""

from __future__ import annotations

import copy
import datetime as _dt
import json
import math
import os
import platform
from collections.abc import Callable, Mapping
from functools import lru_cache
from importlib import metadata as _metadata
from pathlib import Path
from typing import Any

import numpy as np
import torch

from ..progress import Control, StopRequested
from .catalog import (
    EXPERIMENTS,
    MODEL_LABELS,
    MODELS_BY_EXPERIMENT,
    RESULTS_DIR,
    aggregate,
    default_config,
    experiment_key,
    load_lr_source,
    load_result,
    sweep_words,
    underfitting,
    validate_config,
)
from .data import EnvironmentData, TargetSpec, make_dataset
from .depth_net import NonlinearityNet, matched_channels
from .executors import Executor, InProcessExecutor, SweepStopped
from .failures import flag_failed, next_lower_lr
from .models import IrrepsNet, PowerSpectrumModel, count_parameters
from .protocol import Timer, fit_cached, pick_lr, rmse, run_seed, seeded_build

__all__ = [
    "EXPERIMENTS",
    "MODEL_LABELS",
    "MODELS_BY_EXPERIMENT",
    "RESULTS_DIR",
    "experiment_key",
    "default_config",
    "validate_config",
    "sweep_points",
    "main_points",
    "run_point",
    "run_task",
    "run_experiment",
    "train_job",
    "format_table",
    "load_result",
    "save_result",
    "versions",
    "TABLE_METRICS",
]

_CURVE_METRICS = (
    "train_energy_mae",
    "val_energy_mae",
    "test_energy_mae",
    "train_force_mae",
    "val_force_mae",
    "test_force_mae",
    "wall_s",
    "cpu_s",
    "steps_run",
    "best_step",
    "steps_per_s",
    "params",
)
#: metrics aggregated over seeds in ``table`` (per experiment)
TABLE_METRICS: Mapping[str, tuple[str, ...]] = {
    "sample-efficiency": _CURVE_METRICS,
    "large-data": _CURVE_METRICS,
    "equivariance": (
        "energy_change",
        "force_error",
        "relative_force_error",
        "test_energy_mae",
        "test_force_mae",
        "train_force_mae",
        "val_force_mae",
        "params",
    ),
    "truncation": ("train_rmse", "val_rmse", "test_rmse", "wall_s", "cpu_s", "steps_run", "best_step", "params"),
    "depth": (
        "train_rmse",
        "val_rmse",
        "test_rmse",
        "wall_s",
        "cpu_s",
        "steps_run",
        "best_step",
        "params",
        "steps_per_s",
    ),
}
_GROUP_BY: Mapping[str, tuple[str, ...]] = {
    "sample-efficiency": ("model", "n_train"),
    "large-data": ("model", "n_train"),
    "equivariance": ("model", "angle_deg"),
    "truncation": ("model", "L"),
    "depth": ("nonlinearity", "residual", "depth"),
}

from .catalog import MOLECULAR as _MOLECULAR  # noqa: E402


# ------------------------------------------------------------------------------------------------ points
def _models_of(key: str, cfg: Mapping[str, Any]) -> list[str]:
    if key == "depth":
        return list(cfg["nonlinearities"])
    return list(cfg["models"])


def sweep_points(name: str, cfg: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The learning-rate sweep (empty when ``lr_grid`` has one value): every model kind at the sweep setting,
    seed ``seeds[0]``, every rate."""
    key = experiment_key(name)
    if len(cfg["lr_grid"]) < 2:
        return []
    s = cfg["seeds"][0]
    pts: list[dict[str, Any]] = []
    for m in _models_of(key, cfg):
        if m == "ps-linear":  # fitted in closed form: no learning rate
            continue
        for lr in cfg["lr_grid"]:
            if key in ("sample-efficiency", "large-data"):
                pts.append({"model": m, "n_train": cfg["lr_sweep_n"], "seed": s, "lr": lr, "sweep": True})
            elif key == "equivariance":
                pts.append({"model": m, "n_train": cfg["n_train"], "seed": s, "lr": lr, "angles": False, "sweep": True})
            elif key == "truncation":
                pts.append({"model": m, "L": cfg["lr_sweep_lmax"], "seed": s, "lr": lr})
            else:
                pts.append(
                    {
                        "nonlinearity": m,
                        "residual": bool(cfg["residual"][0]),
                        "depth": cfg["lr_sweep_depth"],
                        "seed": s,
                        "lr": lr,
                    }
                )
    return pts


def main_points(name: str, cfg: Mapping[str, Any], lrs: Mapping[str, float]) -> list[dict[str, Any]]:
    """Every grid point times every seed at the chosen rates (cheap ones first)."""
    key = experiment_key(name)
    pts: list[dict[str, Any]] = []
    for s in cfg["seeds"]:
        if key in ("sample-efficiency", "large-data"):
            pts += [{"model": m, "n_train": n, "seed": s, "lr": lrs[m]} for n in cfg["n_train"] for m in cfg["models"]]
        elif key == "equivariance":
            pts += [
                {"model": m, "n_train": cfg["n_train"], "seed": s, "lr": lrs[m], "angles": True} for m in cfg["models"]
            ]
        elif key == "truncation":
            pts += [{"model": m, "L": L, "seed": s, "lr": lrs[m]} for L in cfg["lmax_values"] for m in cfg["models"]]
        else:
            pts += [
                {"nonlinearity": nl, "residual": r, "depth": d, "seed": s, "lr": lrs[nl]}
                for d in cfg["depths"]
                for r in cfg["residual"]
                for nl in cfg["nonlinearities"]
            ]
    return pts


# ------------------------------------------------------------------------------------------------ synthetic
@lru_cache(maxsize=1)
def _synthetic_sets(
    key: str, order: int, n_train: int, n_val: int, n_test: int, data_seed: int, dtype_name: str
) -> tuple[EnvironmentData, EnvironmentData, EnvironmentData]:
    """The experiment's train / validation / test environments (one set cached per process: a worker runs the
    points of one experiment)."""
    dtype = torch.float64 if dtype_name == "float64" else torch.float32
    spec = TargetSpec(angular="cos", order=order) if key == "truncation" else TargetSpec(angular="sw")
    s = int(data_seed)
    return (
        make_dataset(n_train, spec, 3 * s, dtype),
        make_dataset(n_val, spec, 3 * s + 1, dtype),
        make_dataset(n_test, spec, 3 * s + 2, dtype),
    )


def _synthetic_data(key: str, cfg: Mapping[str, Any]) -> dict[str, EnvironmentData]:
    tr, va, te = _synthetic_sets(
        key, int(cfg.get("order", 0)), cfg["n_train"], cfg["n_val"], cfg["n_test"], cfg["data_seed"], cfg["dtype"]
    )
    return {"train": tr, "val": va, "test": te}


def _synthetic_run(key: str, cfg: Mapping[str, Any], point: Mapping[str, Any], control: Control) -> dict[str, Any]:
    data = _synthetic_data(key, cfg)
    seed = run_seed(point["seed"], key, *sorted((k, v) for k, v in point.items() if k not in ("seed",)))
    extra: dict[str, Any] = {}
    if key == "truncation":
        m, L = point["model"], int(point["L"])
        if m == "irreps":

            def factory() -> Any:
                return IrrepsNet(
                    lmax=L,
                    channels=cfg["channels"],
                    depth=2,
                    nonlinearity="gate",
                    residual=True,
                    n_radial=cfg["n_radial"],
                )
        else:

            def factory() -> Any:
                return PowerSpectrumModel(lmax=L, n_radial=cfg["n_radial"], hidden=32, depth=2, linear=m == "ps-linear")

        target = "energy"
    else:
        nl, d, res = point["nonlinearity"], int(point["depth"]), bool(point["residual"])
        ref_c = matched_channels("norm", d, cfg["target_params"] * d, lmax=cfg["lmax"], n_radial=cfg["n_radial"])
        c, _ = matched_channels(nl, d, ref_c[1], lmax=cfg["lmax"], n_radial=cfg["n_radial"])
        extra = {"channels": c, "reference_params": ref_c[1]}

        def factory() -> Any:
            return NonlinearityNet(nl, d, c, cfg["lmax"], res, cfg["n_radial"])

        target = "center_force"
    model = seeded_build(seed, factory)
    dtype = data["train"].pos.dtype
    model = model.to(dtype=dtype)
    feats = {s: model.featurize(data[s].pos) for s in ("train", "val", "test")}
    y = {s: getattr(data[s], target) for s in ("train", "val", "test")}
    hist = fit_cached(
        model,
        feats["train"],
        y["train"],
        feats["val"],
        y["val"],
        lr=float(point["lr"]),
        max_steps=cfg["max_steps"],
        batch_size=cfg["batch_size"],
        eval_every=cfg["eval_every"],
        patience=cfg["patience"],
        seed=seed + 1,
        control=control,
        label=", ".join(f"{k}={v}" for k, v in point.items()),
        lr_patience=cfg.get("lr_patience"),
    )
    with torch.no_grad():
        err = {s: rmse(model.from_features(*feats[s]), y[s]) for s in ("train", "val", "test")}
    if target == "energy":
        ref = float(y["test"].std())
    else:
        ref = float(y["test"].pow(2).sum(-1).mean().sqrt())
    row = dict(point, **extra)
    row.update({f"{s}_rmse": err[s] / ref for s in ("train", "val", "test")})
    row.update(
        params=count_parameters(model),
        best_step=hist["best_step"],
        steps_run=hist["steps_run"],
        stopped_early=hist["stopped_early"],
        wall_s=hist["wall_s"],
        cpu_s=hist["cpu_s"],
        steps_per_s=hist["steps_per_s"],
        val_curve=[[s, v / ref] for s, v in hist["val_curve"]],
        budget_limited=bool(hist["steps_run"] >= cfg["max_steps"] and not hist["stopped_early"]),
    )
    row["underfit"] = (
        underfitting(row["train_rmse"], row["test_rmse"], hist["best_step"], hist["steps_run"], cfg["max_steps"])
        if hist["steps_run"]
        else False
    )
    if key == "truncation":
        row["K"] = cfg["order"]
    return row


# ------------------------------------------------------------------------------------------------ molecular
def _molecular_run(key: str, cfg: Mapping[str, Any], point: Mapping[str, Any], control: Control) -> list[dict]:
    from . import molecular_runs  # the adapter to equi_core.training.molecular (E1a's API)

    return molecular_runs.run(key, cfg, point, control)


# ------------------------------------------------------------------------------------------------ runs
def run_point(
    name: str, cfg: Mapping[str, Any], point: Mapping[str, Any], control: Control | None = None
) -> list[dict[str, Any]]:
    """Train and evaluate one run; returns its rows (one, or one per angle for ``equivariance``)."""
    key = experiment_key(name)
    control = control or Control()
    torch.set_num_threads(1)
    if key in _MOLECULAR:
        return _molecular_run(key, cfg, point, control)
    return [_synthetic_run(key, cfg, point, control)]


def run_task(task: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The executor's target: ``{"experiment", "config", "point"}`` -> rows (``run_point``)."""
    return run_point(task["experiment"], task["config"], task["point"])


def versions() -> dict[str, str | None]:
    """Versions of python, torch, numpy, ase and tblite (None where absent)."""
    out: dict[str, str | None] = {
        "python": platform.python_version(),
        "torch": torch.__version__,
        "numpy": np.__version__,
    }
    for pkg in ("ase", "tblite"):
        try:
            out[pkg] = _metadata.version(pkg)
        except _metadata.PackageNotFoundError:
            out[pkg] = None
    return out


_LR_FALLBACK = {"transformer+aug+penalty": "transformer+aug", "transformer-direct": "transformer+aug"}


def _lr_of_result(cfg: Mapping[str, Any]) -> tuple[dict[str, float], str]:
    """Learning rates chosen by the shipped ``lr_from`` result's own sweep (a variant without one takes its base
    model's), else ``lr_grid[0]``; and a sentence saying where they came from."""
    prior = load_lr_source(cfg["lr_from"])
    chosen = (prior or {}).get("chosen_lr", {})
    lrs: dict[str, float] = {}
    for m in cfg["models"]:
        lr = chosen.get(m, chosen.get(_LR_FALLBACK.get(m, ""), None))
        lrs[m] = float(lr) if lr is not None else float(cfg["lr_grid"][0])
    source = (
        f"chosen on validation by {sweep_words(prior or {})}, taken from the shipped {cfg['lr_from']} result"
        if chosen
        else f"lr_grid[0] = {cfg['lr_grid'][0]:g} (no shipped {cfg['lr_from']} result)"
    )
    return lrs, source


def _lr_of_sweep(key: str, cfg: Mapping[str, Any], sweep_rows: list[dict[str, Any]]) -> dict[str, float]:
    field = "model" if key != "depth" else "nonlinearity"
    metric = "val_force_mae" if key in _MOLECULAR else "val_rmse"
    lrs: dict[str, float] = {}
    for m in _models_of(key, cfg):
        by = {float(r["lr"]): float(r.get(metric, math.nan)) for r in sweep_rows if r.get(field) == m}
        lrs[m] = pick_lr(by) if by else float(cfg["lr_grid"][0])
    return lrs


def _run_keys(key: str) -> tuple[str, ...]:
    """The keys that name one run apart from its learning rate (a retried run keeps them)."""
    return tuple(k for k in _point_keys(key) if k not in ("lr", "angles"))


def _run_id(key: str, r: Mapping[str, Any]) -> str:
    return json.dumps({k: r.get(k) for k in _run_keys(key)}, sort_keys=True)


def _retry_grid(cfg: Mapping[str, Any]) -> list[float]:
    """The learning-rate grid a failed run steps down in: the run's own ``lr_grid`` when it swept, else the grid of
    the shipped result its rates came from (``lr_from``, followed up to three hops)."""
    grid = [float(x) for x in cfg["lr_grid"]]
    source: Mapping[str, Any] | None = cfg
    for _ in range(3):
        if len(grid) > 1 or not source or not source.get("lr_from"):
            break
        prior = load_lr_source(str(source["lr_from"]))
        source = (prior or {}).get("config")
        if source:
            grid = [float(x) for x in source.get("lr_grid", grid)]
    return grid


def retry_points(key: str, cfg: Mapping[str, Any], rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The retry of every failed run (:func:`equi_core.training.failures.flag_failed`, judged on copies of
    ``rows``) at the next-lower rate of :func:`_retry_grid`: its point with the lower ``lr`` and ``retry_of_lr``
    (the failed rate). Runs that are already retries, or have no lower rate, get none."""
    if not cfg.get("retry_failed") or key not in _MOLECULAR:
        return []
    grid = _retry_grid(cfg)
    out: dict[str, dict[str, Any]] = {}
    for r in flag_failed([dict(r) for r in rows]):
        lower = next_lower_lr(float(r["lr"]), grid)
        if r.get("retry_of_lr") is not None or lower is None:
            continue
        p: dict[str, Any] = {k: r.get(k) for k in _run_keys(key)}
        p["lr"] = lower
        if key == "equivariance":
            p["angles"] = True
        p["retry_of_lr"] = float(r["lr"])
        out.setdefault(_run_id(key, r), p)
    return list(out.values())


#: Config keys a resumed run may differ in from the result it resumes: ``retry_failed`` does not change what a run
#: computes, and the grid axes only add or drop runs (kept runs of the earlier result that the new grid lacks are
#: dropped; a run is the same run when its model, size, seed and rate are).
RESUME_FREE_KEYS = ("retry_failed", "n_train", "seeds", "models")


def _check_resume(key: str, cfg: Mapping[str, Any], prior: Mapping[str, Any]) -> None:
    if experiment_key(str(prior.get("experiment", ""))) != key:
        raise ValueError(f"--resume needs a {key} result, got one of {prior.get('experiment')!r}")

    def same(c: Mapping[str, Any]) -> dict[str, Any]:
        return {k: v for k, v in c.items() if k not in RESUME_FREE_KEYS}

    if not cfg.get("retry_failed") and any(r.get("retry_of_lr") is not None for r in prior.get("rows", [])):
        raise ValueError("--resume with retry_failed=false needs a result without retried runs")
    a, b = same(cfg), same(prior.get("config", {}))
    if a != b:
        diff = sorted(k for k in set(a) | set(b) if a.get(k) != b.get(k))
        raise ValueError(f"--resume needs the same configuration; these keys differ: {diff}")


def run_experiment(
    name: str,
    config: Mapping[str, Any] | None = None,
    *,
    tier: str = "full",
    device: str = "cpu",
    executor: Executor | None = None,
    control: Control | None = None,
    command: str | None = None,
    on_partial: Callable[[dict[str, Any]], None] | None = None,
    resume: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """Run the whole experiment (sweep, main runs, then one retry of each failed run) and return the JSON-ready
    result.

    ``device`` is recorded; the definition of the experiment does not change with it (the lab's models are small
    enough that the CPU is the reference device). A stop keeps the finished runs (``complete = False``).
    ``on_partial(result)`` is called after each finished run with the result so far.

    Failed runs (:mod:`equi_core.training.failures`: stalled, or much worse than at a smaller N) of a molecular
    experiment with ``retry_failed`` are retrained once at the next-lower grid rate; the retrained run (its rows
    carry ``retry_of_lr``) replaces the failed one in ``rows`` and the failed one moves to ``replaced_runs``.

    ``resume``: an earlier result of the same experiment and configuration (a stopped one, say); its sweep, rates
    and finished runs are kept and only the missing runs (and retries) are trained. ``resumed_from`` records it
    and the wall time adds up.
    """
    key = experiment_key(name)
    cfg = validate_config(key, config, tier)
    if device not in ("cpu", "cuda", "auto"):
        raise ValueError(f"device must be 'cpu', 'cuda' or 'auto', got {device!r}")
    dev = "cuda" if device in ("cuda", "auto") and torch.cuda.is_available() else "cpu"
    if device == "cuda" and dev != "cuda":
        raise ValueError("--device cuda was requested but torch sees no CUDA device; use auto or cpu")
    executor = executor or InProcessExecutor()
    control = control or Control()
    timer = Timer()
    started = _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds")
    load0 = _load_average()
    sweep_rows: list[dict[str, Any]] = []
    rows: list[dict[str, Any]] = []
    retry_rows: list[dict[str, Any]] = []
    lrs: dict[str, float] = {}
    complete = True
    wall0 = 0.0
    if resume is not None:
        _check_resume(key, cfg, resume)
        sweep_rows = [dict(r) for r in resume.get("lr_sweep", [])]
        rows = [dict(r) for r in resume.get("rows", []) if r.get("retry_of_lr") is None]
        rows += [dict(r) for r in resume.get("replaced_runs", [])]
        retry_rows = [dict(r) for r in resume.get("rows", []) if r.get("retry_of_lr") is not None]
        lrs = {str(k): float(v) for k, v in resume.get("chosen_lr", {}).items()}
        wall0 = float(resume.get("wall_time_s") or 0.0)

    def _composed() -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        """(rows with every retried run's rows in place of the failed ones', the replaced rows)."""
        retried = {_run_id(key, r) for r in retry_rows}
        kept = [r for r in rows if _run_id(key, r) not in retried]
        replaced = [r for r in rows if _run_id(key, r) in retried]
        plan = main_points(key, cfg, lrs) if lrs else []
        order = {_run_id(key, p): i for i, p in enumerate(plan)}
        return sorted(kept + retry_rows, key=lambda r: order.get(_run_id(key, r), len(order))), replaced

    def _result() -> dict[str, Any]:
        final, replaced = _composed()
        res = make_result(
            key,
            cfg,
            final,
            sweep_rows,
            lrs,
            complete=complete,
            tier=tier,
            device=dev,
            executor=executor.describe(),
            wall=wall0 + timer.wall,
            command=command,
            started=started,
            load=load0,
            replaced=replaced,
        )
        res["lr_source"] = lr_source
        if resume is not None:
            res["resumed_from"] = {
                k: resume.get(k)
                for k in ("command", "created", "wall_time_s", "complete", "device", "executor", "resumed_from")
            }
        return res

    def _stop() -> bool:
        try:
            control.check(0.0, "")
        except StopRequested:
            return True
        return False

    def _run_point_of(p: Mapping[str, Any]) -> dict[str, Any]:
        return {k: v for k, v in p.items() if k != "retry_of_lr"}

    def _tasks(points: list[dict[str, Any]]) -> list[dict[str, Any]]:
        return [{"experiment": key, "config": cfg, "point": _run_point_of(p)} for p in points]

    lr_source = "chosen on validation by this run's sweep" if len(cfg["lr_grid"]) > 1 else "fixed (lr_grid)"
    sweep: list[dict[str, Any]] = []
    if cfg.get("lr_from"):
        chosen, lr_source = _lr_of_result(cfg)
        if resume is not None and any(lrs.get(m, v) != v for m, v in chosen.items()):
            raise ValueError(
                f"--resume: the learning rates of {cfg['lr_from']} changed since that result was made "
                f"({lrs} then, {chosen} now)"
            )
        lrs = chosen
    elif resume is not None:
        lr_source = str(resume.get("lr_source", lr_source))
        missing = [m for m in _models_of(key, cfg) if m not in lrs and m != "ps-linear"]
        if missing:
            raise ValueError(f"--resume: the earlier result chose no learning rate for {missing}; run them afresh")
        lrs = {m: v for m, v in lrs.items() if m in _models_of(key, cfg)}
    else:  # neither rates from another result nor an earlier run's: this run sweeps
        sweep = sweep_points(key, cfg)
    if resume is not None:  # a grid that shrank: drop the earlier runs the new grid lacks
        planned = {_run_id(key, p) for p in main_points(key, cfg, lrs)}
        rows = [r for r in rows if _run_id(key, r) in planned]
        retry_rows = [r for r in retry_rows if _run_id(key, r) in planned]

    def _todo() -> list[dict[str, Any]]:
        have = {(_run_id(key, r), float(r["lr"])) for r in rows}
        return [p for p in main_points(key, cfg, lrs) if (_run_id(key, p), float(p["lr"])) not in have]

    total = len(sweep) + len(cfg["seeds"]) * max(
        len(main_points(key, dict(cfg, seeds=[0]), dict.fromkeys(_models_of(key, cfg), 0.0))), 1
    )
    done = [len(main_points(key, cfg, lrs)) - len(_todo())] if resume is not None else [0]

    def _collect(
        target: list[dict[str, Any]], points: list[dict[str, Any]] | None = None
    ) -> Callable[[int, Any], None]:
        def on_result(i: int, new: list[dict[str, Any]]) -> None:
            if points is not None:  # a retry: its rows say which rate failed
                new = [dict(r, retry_of_lr=points[i]["retry_of_lr"]) for r in new]
            target.extend(new)
            done[0] += 1
            control.scoped(done[0], total, f"{done[0]} of {total} runs")
            partial = dict(_result(), complete=False, in_progress=True)
            control.publish(partial)
            if on_partial is not None:
                on_partial(partial)

        return on_result

    def _run(points: list[dict[str, Any]], target: list[dict[str, Any]], retry: bool = False) -> None:
        collect = _collect(target, points if retry else None)
        if isinstance(executor, InProcessExecutor):
            # in-process: a stop interrupts the running point too (the executors' targets take no control)
            for i, p in enumerate(points):
                control.scoped(done[0], total, ", ".join(f"{k}={v}" for k, v in p.items() if k != "angles"))
                control.check(0.0, "starting", force=True)
                collect(i, run_point(key, cfg, _run_point_of(p), control))
        else:
            executor.map("equi_core.training.experiments:run_task", _tasks(points), collect, _stop)

    try:
        _run(sweep, sweep_rows)
        if not lrs:
            lrs = (
                _lr_of_sweep(key, cfg, sweep_rows)
                if sweep
                else {m: float(cfg["lr_grid"][0]) for m in _models_of(key, cfg)}
            )
        _run(_todo(), rows)
        if not _todo():
            retried = {_run_id(key, r) for r in retry_rows}
            retries = [p for p in retry_points(key, cfg, rows) if _run_id(key, p) not in retried]
            total += len(retries)
            _run(retries, retry_rows, retry=True)
    except (StopRequested, SweepStopped):
        complete = False
    complete = complete and bool(lrs) and not _todo()
    return _result()


def _point_keys(key: str) -> tuple[str, ...]:
    if key in ("sample-efficiency", "large-data"):
        return ("model", "n_train", "seed", "lr")
    if key == "equivariance":
        return ("model", "n_train", "seed", "lr", "angles")
    if key == "truncation":
        return ("model", "L", "seed", "lr")
    return ("nonlinearity", "residual", "depth", "seed", "lr")


def _load_average() -> list[float] | None:
    try:
        return [round(x, 2) for x in os.getloadavg()]
    except OSError:  # pragma: no cover
        return None


def make_result(
    key: str,
    cfg: Mapping[str, Any],
    rows: list[dict[str, Any]],
    sweep_rows: list[dict[str, Any]],
    lrs: Mapping[str, float],
    *,
    complete: bool,
    tier: str,
    device: str,
    executor: str,
    wall: float,
    command: str | None,
    started: str,
    load: list[float] | None,
    replaced: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """The JSON-ready result: metadata, ``rows`` (one per run), ``table`` (seed aggregates), ``lr_sweep``, and
    ``replaced_runs`` (failed runs that a retry replaced; their CPU time counts)."""
    replaced = list(replaced or [])
    info = EXPERIMENTS[key]
    table = aggregate(
        [r for r in rows if key != "equivariance" or r.get("angle_deg") is not None], _GROUP_BY[key], TABLE_METRICS[key]
    )
    cpu = sum(
        float(r.get("cpu_s") or 0.0)
        for r in rows + sweep_rows + replaced
        if key != "equivariance" or r.get("angle_deg") in (None, 0, 0.0)
    )
    return {
        "experiment": key,
        "number": info.number,
        "title": info.title,
        "task": info.task,
        "config": copy.deepcopy(dict(cfg)),
        "tier": tier,
        "complete": complete,
        "device": device,
        "device_name": torch.cuda.get_device_name()
        if device == "cuda"
        else (platform.processor() or platform.machine() or "cpu"),
        "versions": versions(),
        "executor": executor,
        "cpu_count": os.cpu_count(),
        "threads_per_run": 1,
        "load_average_at_start": load,
        "started": started,
        "created": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
        "wall_time_s": round(wall, 3),
        "cpu_time_s": round(cpu, 3),
        "command": command,
        "chosen_lr": dict(lrs),
        "lr_sweep": [_strip(r) for r in sweep_rows],
        "rows": rows,
        "table": table,
        "replaced_runs": replaced,
    }


def _strip(r: Mapping[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in r.items() if k not in ("val_curve", "train_curve")}


def train_job(config: dict, control: Control) -> dict:
    """The page's live job: ``{"experiment": key, **overrides}`` at the ``live`` tier, in this process; publishes the
    result after every finished run (a stop keeps them)."""
    cfg = dict(config)
    key = experiment_key(cfg.pop("experiment"))
    result = run_experiment(key, cfg, tier="live", control=control, command="live run on the Training-lab page")
    if not result["complete"]:
        # a stop: hand the finished runs back as the job's partial, so the job ends "stopped", not "done"
        control.publish(result)
        raise StopRequested()
    return result


# ------------------------------------------------------------------------------------------------ output
def _fmt(v: Any) -> str:
    if isinstance(v, bool) or v is None:
        return str(v)
    if isinstance(v, float):
        if v == 0.0:
            return "0"
        return f"{v:.3g}" if 1e-3 <= abs(v) < 1e5 else f"{v:.2e}"
    return str(v)


def format_table(result: Mapping[str, Any]) -> str:
    """Plain-text table of the seed aggregates (mean ± std), train / validation / test."""
    key = experiment_key(result["experiment"])
    by = list(_GROUP_BY[key])
    metrics = [m for m in TABLE_METRICS[key] if m not in ("params", "cpu_s", "best_step", "steps_per_s")]
    cols = by + metrics + ["n_seeds", "underfit"]
    cells = []
    for rec in result.get("table", []):
        line = [_fmt(rec.get(c)) for c in by]
        for m in metrics:
            mean, std = rec.get(f"{m}_mean"), rec.get(f"{m}_std")
            line.append("" if mean is None else f"{_fmt(mean)}±{_fmt(std)}")
        line += [str(rec.get("n_seeds")), str(rec.get("underfit_count", ""))]
        cells.append(line)
    widths = [max([len(c)] + [len(row[i]) for row in cells]) for i, c in enumerate(cols)]
    lines = ["  ".join(c.ljust(w) for c, w in zip(cols, widths)), "  ".join("-" * w for w in widths)]
    lines += ["  ".join(v.ljust(w) for v, w in zip(row, widths)) for row in cells]
    return "\n".join(lines)


def save_result(result: Mapping[str, Any], path: str | Path | None = None) -> Path:
    """Write ``result`` as JSON (default: ``results/molecular/<experiment>.json``), atomically (a temporary file
    renamed into place), so a reader never sees a half-written file."""
    p = Path(path) if path else RESULTS_DIR / f"{result['experiment']}.json"
    p.parent.mkdir(parents=True, exist_ok=True)
    tmp = p.with_name(p.name + ".tmp")
    tmp.write_text(json.dumps(result, indent=1, default=float) + "\n", encoding="utf-8")
    os.replace(tmp, p)
    return p
