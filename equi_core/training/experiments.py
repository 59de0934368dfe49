"""The five experiments of the training lab, each a list of independent *points*.

Every experiment is described by an :class:`ExperimentInfo` (title, the seed's claim it measures,
axis names) and runs as ``prepare`` (data sets, once) followed by ``run_point`` for each point of
``plan_points`` (one trained model, or one truncation degree...). :func:`run_experiment` drives the
loop, checks the stop hook between points and steps, and returns a JSON-ready result: config, seed,
device, torch version, threads, load average, wall time, ``rows`` (flat per-point numbers) and a
``summary``. A stopped run keeps every finished point (``complete = False``).

1. ``sample-efficiency`` -- test error vs training-set size N for the invariant/equivariant models and
   the unconstrained transformer (plain, with rotation augmentation).
2. ``equivariance`` -- energy change and force error on rotated copies vs rotation angle.
3. ``truncation`` -- target ``cos(K theta)``, model degree ``L = 0..8``: a cliff at ``L = K``.
4. ``depth`` -- a vector target (force on the central atom): gate / norm irreps nets, a
   scalar-invariant net with ReLU/SiLU, an unconstrained MLP, depth 1..8.
5. ``large-data`` -- a four-body term the body-order-3 invariant model cannot represent: it plateaus,
   the unconstrained model keeps improving with data.
"""
from __future__ import annotations

import copy
import datetime as _dt
import json
import math
import os
import platform
import time
import zlib
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import Any, Callable, Mapping

import torch

from .data import EnvironmentData, TargetSpec, make_splits, random_unit_vectors, rotations_about_axes
from .models import (
    CartesianTransformer,
    DeepSetsModel,
    EnvModel,
    IrrepsNet,
    PowerSpectrumModel,
    ScalarVectorNet,
    count_parameters,
)
from .train import (
    Control,
    StopRequested,
    TrainConfig,
    predict,
    predict_with_forces,
    relative_rmse,
    resolve_device,
    train_model,
)

__all__ = [
    "ExperimentInfo",
    "EXPERIMENTS",
    "MODEL_LABELS",
    "experiment_key",
    "default_config",
    "validate_config",
    "plan_points",
    "prepare",
    "run_point",
    "run_experiment",
    "summarize",
    "format_table",
    "samples_to_reach",
    "RESULTS_DIR",
    "load_result",
    "save_result",
    "make_result",
    "load_average",
    "process_cpu_time",
]

RESULTS_DIR = Path(__file__).resolve().parent / "results"


@dataclass(frozen=True)
class ExperimentInfo:
    """What an experiment measures: ``claim`` is the seed's claim with the prototype's numbers."""

    key: str
    number: int
    title: str
    claim: str
    x: str
    y: str


EXPERIMENTS: Mapping[str, ExperimentInfo] = MappingProxyType({
    "sample-efficiency": ExperimentInfo(
        "sample-efficiency", 1, "Sample efficiency: test error vs training-set size",
        "Equivariant models (NequIP, MACE) reach a given accuracy with an order of magnitude fewer training "
        "structures. Prototype: 5% relative RMSE needed about 290 samples with the equivariant model and about "
        "5,550 with the unconstrained one (19x). Nuance: augmentation helps the unconstrained model, and a linear "
        "readout on complete invariants (ACE/MACE style) is exact as soon as the data fix its coefficients.",
        "n_train", "test_error"),
    "equivariance": ExperimentInfo(
        "equivariance", 2, "Equivariance error vs rotation angle",
        "An equivariant model is exactly invariant (energy) and equivariant (forces) at every angle, up to float "
        "round-off; an unconstrained model is not, augmentation only reduces the error, and a rotation penalty "
        "(Equigrad-style) reduces it further at a price in accuracy. Prototype (N=256): equivariant 4e-7 (float32); "
        "unconstrained 34% of std(E) in energy, 92% in forces; augmented 3.6% / 9.4%; augmented + penalty 1.8% / 4.3%.",
        "angle_deg", "energy_error"),
    "truncation": ExperimentInfo(
        "truncation", 3, "Hypothesis 1: truncation at degree L",
        "If the target has angular structure of order K, a model truncated at L < K cannot represent it, however much "
        "data it sees: a cliff at L = K. Prototype: cos 4θ 0.63 at L=2, 0.53 at L=3, 0.031 at L=4; cos 6θ 0.48 at "
        "L=5, 0.037 at L=6.",
        "L", "test_error"),
    "depth": ExperimentInfo(
        "depth", 4, "Hypothesis 2: depth vs nonlinearity",
        "Norm nonlinearities cannot tell 'up' from 'sideways', so a norm network needs more layers to match what an "
        "ordinary activation on invariants does in one. Prototype (vector target): one norm layer stuck at 0.58 (width "
        "32 and 128); the scalar net reaches 0.29 at depth 1 and 0.15 at depth 2; the norm net needs depth 8 for 0.17.",
        "depth", "test_error"),
    "large-data": ExperimentInfo(
        "large-data", 5, "Large-data regime: the unconstrained model catches up",
        "With enough data, unconstrained models match equivariant ones (Bigi et al.). With a four-body term that the "
        "body-order-3 invariant model cannot represent, it plateaus (prototype 0.081) while the unconstrained model "
        "matches it near 8k structures and reaches 0.048 at 32k.",
        "n_train", "test_error"),
})

ALIASES = MappingProxyType({
    "1": "sample-efficiency", "2": "equivariance", "3": "truncation", "4": "depth", "5": "large-data",
    "sample_efficiency": "sample-efficiency", "large_data": "large-data",
})

MODEL_LABELS: Mapping[str, str] = MappingProxyType({
    "invariant-mlp": "equivariant: power spectrum + MLP",
    "invariant-linear": "equivariant: power spectrum + linear (ACE-style)",
    "irreps-gate": "equivariant: irreps net (gate)",
    "transformer": "unconstrained transformer",
    "transformer+aug": "unconstrained + rotation augmentation",
    "transformer+aug+penalty": "unconstrained + augmentation + torque penalty",
    "gate": "irreps net, gate nonlinearity",
    "norm": "irreps net, norm nonlinearity",
    "scalar-silu": "invariant scalars + SiLU MLP",
    "scalar-relu": "invariant scalars + ReLU MLP",
    "mlp": "unconstrained MLP (Deep Sets)",
})

MODELS_BY_EXPERIMENT: Mapping[str, tuple[str, ...]] = MappingProxyType({
    "sample-efficiency": ("invariant-mlp", "invariant-linear", "irreps-gate", "transformer", "transformer+aug"),
    "equivariance": ("invariant-mlp", "irreps-gate", "transformer", "transformer+aug", "transformer+aug+penalty"),
    "truncation": ("invariant-mlp", "invariant-linear"),
    "depth": ("gate", "norm", "scalar-silu", "scalar-relu", "mlp"),
    "large-data": ("invariant-mlp", "invariant-linear", "transformer"),
})


def experiment_key(name: str) -> str:
    """Canonical key from a key, a number ``1..5`` or an underscore spelling; ValueError otherwise."""
    key = ALIASES.get(str(name), str(name))
    if key not in EXPERIMENTS:
        raise ValueError(f"unknown experiment {name!r}; choose one of {list(EXPERIMENTS)} or 1..5")
    return key


# ------------------------------------------------------------------------------------------------
# configuration
# ------------------------------------------------------------------------------------------------
def default_config(name: str, quick: bool = False, device: str = "cpu") -> dict[str, Any]:
    """Default knobs of an experiment.

    * CPU defaults: each experiment costs well under 20 s of CPU time on one thread (import and data
      included; measured with ``/usr/bin/time`` and recorded in the shipped results). The unconstrained
      transformer costs ~2.5 ms per step against ~0.5 ms for the power-spectrum MLP, so it gets a
      *smaller* step budget (``unconstrained_steps``): at these defaults its learning curve is limited by
      that budget as much as by the data; the ``--set`` flags and the GPU defaults give it more.
    * ``device="cuda"`` (and ``--device auto`` on a GPU machine): larger N, widths and step budgets.
    * ``quick``: the tests (a few seconds each).
    """
    key = experiment_key(name)
    gpu = str(device).startswith("cuda") and not quick
    common: dict[str, Any] = {"seed": 0, "n_test": 1000, "n_neighbors": 8, "n_radial": 4, "dtype": "float32"}
    if key == "sample-efficiency":
        cfg = dict(common, angular="sw", order=4, lmax=2, n_train=[32, 128, 512, 2048, 8192],
                   models=["invariant-mlp", "invariant-linear", "transformer", "transformer+aug"],
                   steps=800, unconstrained_steps=350, width=32, force_weight=0.0)
        if gpu:
            cfg.update(n_train=[32, 64, 128, 256, 512, 1024, 2048, 4096, 8192, 16384, 32768],
                       models=list(MODELS_BY_EXPERIMENT[key]), steps=4000, unconstrained_steps=8000,
                       width=128, force_weight=1.0)
        if quick:
            cfg.update(n_train=[32, 128], n_test=300, models=["invariant-mlp", "invariant-linear", "transformer"],
                       steps=500, unconstrained_steps=300, width=32)
    elif key == "equivariance":
        cfg = dict(common, angular="sw", order=4, lmax=2, n_train=256, steps=600, width=32,
                   models=list(MODELS_BY_EXPERIMENT[key]), penalty_weight=1.0,
                   angles_deg=[0, 1, 3, 10, 30, 60, 90, 135, 180], n_test=500)
        if gpu:
            cfg.update(steps=4000, width=128, n_test=2000)
        if quick:
            cfg.update(models=["invariant-mlp", "irreps-gate", "transformer"], steps=100, n_train=128, n_test=100,
                       width=32, angles_deg=[0, 30, 90])
    elif key == "truncation":
        cfg = dict(common, angular="cos", order=4, lmax_values=list(range(0, 9)), n_train=1024, steps=1500,
                   readout="mlp")
        if gpu:
            cfg.update(n_train=4096, steps=4000)
        if quick:
            cfg.update(order=4, lmax_values=[2, 3, 4, 5], n_train=512, n_test=300, steps=400, readout="linear")
    elif key == "depth":
        cfg = dict(common, angular="sw", order=4, lmax=2, width=16, depths=[1, 2, 3], n_train=4096,
                   steps=400, models=["gate", "norm", "scalar-silu", "mlp"], n_test=500)
        if gpu:
            cfg.update(depths=[1, 2, 3, 4, 6, 8], n_train=16384, steps=3000, width=64,
                       models=list(MODELS_BY_EXPERIMENT[key]))
        if quick:
            cfg.update(depths=[1, 2], n_train=512, n_test=200, steps=150, width=16, models=["norm", "scalar-silu"])
    else:  # large-data
        cfg = dict(common, angular="sw", order=4, lmax=4, four_body_weight=1.0, n_train=[512, 2048, 8192],
                   models=["invariant-mlp", "invariant-linear", "transformer"], steps=1000, unconstrained_steps=1000,
                   width=32)
        if gpu:
            cfg.update(n_train=[512, 2048, 8192, 32768, 131072], steps=4000, unconstrained_steps=20000, width=128)
        if quick:
            cfg.update(n_train=[256, 1024], n_test=300, steps=300, unconstrained_steps=300, width=32,
                       models=["invariant-linear", "transformer"])
    return cfg


_LIMITS = MappingProxyType({
    "n_train_max": 262_144, "n_test": (10, 20_000), "steps": (0, 100_000), "width": (4, 512), "lmax": (0, 8),
    "depth": (1, 12), "order": (1, 8),
})


def validate_config(name: str, config: Mapping[str, Any]) -> dict[str, Any]:
    """Defaults filled in and every knob checked; ValueError naming the knob and its allowed range."""
    key = experiment_key(name)
    cfg = default_config(key)
    unknown = set(config) - set(cfg)
    if unknown:
        raise ValueError(f"unknown config keys for {key}: {sorted(unknown)}; allowed: {sorted(cfg)}")
    cfg.update(copy.deepcopy(dict(config)))

    def _int(name_: str, lo: int, hi: int, value: Any = None) -> None:
        v = cfg[name_] if value is None else value
        if isinstance(v, bool) or not isinstance(v, int) or not lo <= v <= hi:
            raise ValueError(f"{name_} must be an integer in {lo}..{hi}, got {v!r}")

    _int("seed", 0, 2**31 - 1)
    _int("n_test", *_LIMITS["n_test"])
    _int("n_neighbors", 2, 32)
    _int("n_radial", 1, 16)
    if cfg["dtype"] not in ("float32", "float64"):
        raise ValueError(f"dtype must be 'float32' or 'float64', got {cfg['dtype']!r}")
    if cfg.get("angular") not in ("sw", "cos"):
        raise ValueError(f"angular must be 'sw' or 'cos', got {cfg.get('angular')!r}")
    _int("order", *_LIMITS["order"])
    for k in ("steps", "unconstrained_steps"):
        if k in cfg:
            v = cfg[k]
            if k == "unconstrained_steps" and isinstance(v, list):
                if not isinstance(cfg["n_train"], list) or len(v) != len(cfg["n_train"]):
                    raise ValueError("a list of unconstrained_steps needs one entry per n_train value")
                for x in v:
                    _int(k, *_LIMITS["steps"], x)
            else:
                _int(k, *_LIMITS["steps"])
    if "width" in cfg:
        _int("width", *_LIMITS["width"])
    if "lmax" in cfg:
        _int("lmax", 1 if key in ("depth",) else 0, _LIMITS["lmax"][1])
    ns = cfg["n_train"] if isinstance(cfg["n_train"], list) else [cfg["n_train"]]
    if not ns:
        raise ValueError("n_train must not be empty")
    for n in ns:
        _int("n_train", 2, _LIMITS["n_train_max"], n)
    if "models" in cfg:
        allowed = MODELS_BY_EXPERIMENT[key]
        if not cfg["models"] or any(m not in allowed for m in cfg["models"]):
            raise ValueError(f"models must be a non-empty subset of {list(allowed)}, got {cfg['models']!r}")
    if key == "truncation":
        if not cfg["lmax_values"]:
            raise ValueError("lmax_values must not be empty")
        for l in cfg["lmax_values"]:
            _int("lmax_values", 0, 8, l)
        if cfg["readout"] not in ("mlp", "linear"):
            raise ValueError(f"readout must be 'mlp' or 'linear', got {cfg['readout']!r}")
    if key == "depth":
        if not cfg["depths"]:
            raise ValueError("depths must not be empty")
        for d in cfg["depths"]:
            _int("depths", *_LIMITS["depth"], d)
    if key == "equivariance":
        for a in cfg["angles_deg"]:
            if not isinstance(a, (int, float)) or not 0 <= a <= 360:
                raise ValueError(f"angles_deg must lie in 0..360, got {a!r}")
    for k in ("penalty_weight", "force_weight", "four_body_weight"):
        if k in cfg and (not isinstance(cfg[k], (int, float)) or not math.isfinite(cfg[k]) or not 0 <= cfg[k] <= 1e4):
            raise ValueError(f"{k} must be a number in 0..1e4, got {cfg[k]!r}")
    return cfg


def _target(cfg: Mapping[str, Any]) -> TargetSpec:
    return TargetSpec(angular=cfg["angular"], order=cfg["order"], n_neighbors=cfg["n_neighbors"],
                      four_body_weight=float(cfg.get("four_body_weight", 0.0)))


# ------------------------------------------------------------------------------------------------
# points
# ------------------------------------------------------------------------------------------------
def plan_points(name: str, config: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The independent units of work, in run order (cheap ones first within each sweep)."""
    key = experiment_key(name)
    cfg = config
    if key in ("sample-efficiency", "large-data"):
        return [{"model": m, "n_train": n} for n in cfg["n_train"] for m in cfg["models"]]
    if key == "equivariance":
        return [{"model": m} for m in cfg["models"]]
    if key == "truncation":
        return [{"lmax": l} for l in cfg["lmax_values"]]
    return [{"model": m, "depth": d} for d in cfg["depths"] for m in cfg["models"]]


def prepare(name: str, config: Mapping[str, Any], device: torch.device | str = "cpu") -> dict[str, Any]:
    """Data sets of the experiment (train pool of the largest N, test set, rotated test copy)."""
    key = experiment_key(name)
    dtype = torch.float64 if config["dtype"] == "float64" else torch.float32
    n_max = max(config["n_train"]) if isinstance(config["n_train"], list) else config["n_train"]
    train, test, test_rot = make_splits(n_max, config["n_test"], _target(config), config["seed"], dtype, device)
    return {"key": key, "train": train, "test": test, "test_rot": test_rot, "spec": _target(config)}


def _build(model: str, cfg: Mapping[str, Any], *, lmax: int | None = None, depth: int | None = None,
           linear: bool = False) -> EnvModel:
    L = cfg.get("lmax", 4) if lmax is None else lmax
    width = cfg.get("width", 64)
    if model in ("invariant-mlp", "invariant-linear"):
        return PowerSpectrumModel(lmax=L, n_radial=cfg["n_radial"], hidden=64, depth=2,
                                  linear=linear or model == "invariant-linear")
    if model == "irreps-gate":
        return IrrepsNet(lmax=min(L, 3), channels=max(width // 4, 8), depth=2, nonlinearity="gate",
                         residual=True, n_radial=cfg["n_radial"])
    if model.startswith("transformer"):
        return CartesianTransformer(width=width, layers=1, heads=4)
    d = 1 if depth is None else depth
    if model in ("gate", "norm"):
        return IrrepsNet(lmax=L, channels=width, depth=d, nonlinearity=model, residual=(model == "gate"),
                         output="vector", n_radial=cfg["n_radial"], normalize=True)
    if model.startswith("scalar-"):
        return ScalarVectorNet(lmax=L, n_radial=cfg["n_radial"], hidden=width, depth=d, activation=model.split("-")[1])
    if model == "mlp":
        return DeepSetsModel(hidden=width * 2, depth=d, output="vector")
    raise ValueError(f"unknown model {model!r}")


def _train_config(model: str, cfg: Mapping[str, Any], n: int) -> TrainConfig:
    steps = cfg["steps"]
    if model.startswith("transformer") or model == "mlp":
        steps = cfg.get("unconstrained_steps", steps)
        if isinstance(steps, list):  # one per training-set size
            steps = steps[list(cfg["n_train"]).index(n)]
    return TrainConfig(steps=steps, batch_size=64, seed=cfg["seed"],
                       augment="+aug" in model,
                       penalty_weight=float(cfg.get("penalty_weight", 0.0)) if "+penalty" in model else 0.0,
                       force_weight=float(cfg.get("force_weight", 0.0)) if model != "invariant-linear" else 0.0)


def _seeded(seed: int, *parts: object) -> int:
    """A deterministic per-point seed (independent of Python's hash randomization)."""
    return (seed * 1_000_003 + zlib.crc32("|".join(map(str, parts)).encode())) % (2**31 - 1)


def _fit(model_name: str, cfg: Mapping[str, Any], train: EnvironmentData, control: Control, label: str,
         **build: Any) -> tuple[EnvModel, dict]:
    torch.manual_seed(_seeded(cfg["seed"], model_name, len(train), build.get("lmax"), build.get("depth")))
    model = _build(model_name, cfg, **build).to(device=train.pos.device, dtype=train.pos.dtype)
    hist = train_model(model, train, _train_config(model_name, cfg, len(train)), control, label)
    return model, hist


def run_point(name: str, point: Mapping[str, Any], context: Mapping[str, Any], config: Mapping[str, Any],
              control: Control | None = None) -> list[dict[str, Any]]:
    """Train and evaluate one point; returns its rows (flat dicts of numbers and labels)."""
    key = experiment_key(name)
    control = control or Control()
    cfg = config
    train_all: EnvironmentData = context["train"]
    test: EnvironmentData = context["test"]
    test_rot: EnvironmentData = context["test_rot"]
    t0 = time.perf_counter()
    if key in ("sample-efficiency", "large-data"):
        n = point["n_train"]
        m = point["model"]
        model, hist = _fit(m, cfg, train_all.subset(slice(0, n)), control, f"{m} N={n}")
        row = {"model": m, "n_train": n,
               "test_error": relative_rmse(predict(model, test.pos), test.energy),
               "rotated_test_error": relative_rmse(predict(model, test_rot.pos), test_rot.energy),
               "train_error": relative_rmse(predict(model, train_all.pos[:n]), train_all.energy[:n],
                                            reference=test.energy),
               "params": count_parameters(model), "steps": hist["steps"]}
        if cfg.get("force_weight"):
            _, f = predict_with_forces(model, test.pos)
            row["test_force_error"] = relative_rmse(f, test.forces)
        row["seconds"] = time.perf_counter() - t0
        return [row]
    if key == "equivariance":
        m = point["model"]
        train = train_all.subset(slice(0, cfg["n_train"]))
        model, hist = _fit(m, cfg, train, control, m)
        control.check(1.0, f"{m}: rotating the test set")
        e0, f0 = predict_with_forces(model, test.pos)
        e_std = float(test.energy.std())
        f_rms = float(test.forces.pow(2).sum(-1).mean().sqrt())
        g = torch.Generator().manual_seed(cfg["seed"] + 17)
        axes = random_unit_vectors(len(test), g).to(device=test.pos.device, dtype=test.pos.dtype)
        base = {"model": m, "test_error": relative_rmse(e0, test.energy),
                "test_force_error": relative_rmse(f0, test.forces), "params": count_parameters(model)}
        rows = []
        for angle in cfg["angles_deg"]:
            rot = rotations_about_axes(axes, math.radians(angle))
            e1, f1 = predict_with_forces(model, test.pos @ rot.transpose(-1, -2))
            f0_rot = f0 @ rot.transpose(-1, -2)
            rows.append(dict(base, angle_deg=float(angle),
                             energy_error=float((e1 - e0).pow(2).mean().sqrt()) / e_std,
                             force_error=float((f1 - f0_rot).pow(2).sum(-1).mean().sqrt()) / f_rms))
        for r in rows:
            r["seconds"] = time.perf_counter() - t0
        return rows
    if key == "truncation":
        L = point["lmax"]
        name_ = "invariant-linear" if cfg["readout"] == "linear" else "invariant-mlp"
        model, hist = _fit(name_, cfg, train_all, control, f"L={L}", lmax=L)
        return [{"L": L, "K": cfg["order"], "readout": cfg["readout"],
                 "test_error": relative_rmse(predict(model, test.pos), test.energy),
                 "train_error": relative_rmse(predict(model, train_all.pos), train_all.energy, reference=test.energy),
                 "params": count_parameters(model), "seconds": time.perf_counter() - t0}]
    # depth
    m, d = point["model"], point["depth"]
    model, hist = _fit(m, cfg, train_all, control, f"{m} depth {d}", depth=d)
    return [{"model": m, "depth": d,
             "test_error": relative_rmse(predict(model, test.pos), test.center_force),
             "rotated_test_error": relative_rmse(predict(model, test_rot.pos), test_rot.center_force),
             "train_error": relative_rmse(predict(model, train_all.pos), train_all.center_force,
                                          reference=test.center_force),
             "params": count_parameters(model), "seconds": time.perf_counter() - t0}]


# ------------------------------------------------------------------------------------------------
# summaries, tables, the whole run
# ------------------------------------------------------------------------------------------------
def samples_to_reach(ns: list[float], errors: list[float], threshold: float = 0.05) -> float | None:
    """Smallest N where the log-log interpolated learning curve first crosses ``threshold``
    (the first N if already below; None if never reached)."""
    pts = sorted(zip(ns, errors))
    for i, (n, e) in enumerate(pts):
        if e <= threshold:
            if i == 0:
                return float(n)
            n0, e0 = pts[i - 1]
            t = (math.log(threshold) - math.log(e0)) / (math.log(e) - math.log(e0))
            return float(math.exp(math.log(n0) + t * (math.log(n) - math.log(n0))))
    return None


def summarize(name: str, rows: list[dict[str, Any]], config: Mapping[str, Any]) -> dict[str, Any]:
    """Headline numbers computed from the rows (e.g. samples needed for 5% error per model)."""
    key = experiment_key(name)
    out: dict[str, Any] = {}
    if key in ("sample-efficiency", "large-data"):
        by: dict[str, list[tuple[int, float]]] = {}
        for r in rows:
            by.setdefault(r["model"], []).append((r["n_train"], r["test_error"]))
        out["samples_to_5pct"] = {m: samples_to_reach([n for n, _ in v], [e for _, e in v]) for m, v in by.items()}
        out["best_error"] = {m: min(e for _, e in v) for m, v in by.items()}
    elif key == "equivariance":
        out["max_energy_error"] = {}
        out["max_force_error"] = {}
        out["test_error"] = {}
        for r in rows:
            m = r["model"]
            out["max_energy_error"][m] = max(out["max_energy_error"].get(m, 0.0), r["energy_error"])
            out["max_force_error"][m] = max(out["max_force_error"].get(m, 0.0), r["force_error"])
            out["test_error"][m] = r["test_error"]
    elif key == "truncation":
        k = config["order"]
        below = [r["test_error"] for r in rows if r["L"] < k]
        above = [r["test_error"] for r in rows if r["L"] >= k]
        out["K"] = k
        out["min_error_below_K"] = min(below) if below else None
        out["max_error_at_or_above_K"] = max(above) if above else None
        if below and above:
            out["cliff_ratio"] = min(below) / max(max(above), 1e-300)
    else:
        out["best_depth"] = {}
        for r in rows:
            m = r["model"]
            cur = out["best_depth"].get(m)
            if cur is None or r["test_error"] < cur[1]:
                out["best_depth"][m] = (r["depth"], r["test_error"])
    return out


def _columns(key: str) -> list[str]:
    return {
        "sample-efficiency": ["model", "n_train", "test_error", "rotated_test_error", "train_error", "seconds"],
        "large-data": ["model", "n_train", "test_error", "rotated_test_error", "train_error", "seconds"],
        "equivariance": ["model", "angle_deg", "energy_error", "force_error", "test_error", "test_force_error"],
        "truncation": ["L", "K", "readout", "test_error", "train_error", "seconds"],
        "depth": ["model", "depth", "test_error", "train_error", "params", "seconds"],
    }[key]


def _fmt(v: Any) -> str:
    if isinstance(v, float):
        if v == 0.0:
            return "0"
        return f"{v:.3g}" if 1e-3 <= abs(v) < 1e5 else f"{v:.2e}"
    return str(v)


def format_table(result: Mapping[str, Any]) -> str:
    """Plain-text table of a result's rows (what the CLI prints)."""
    key = experiment_key(result["experiment"])
    cols = [c for c in _columns(key) if any(c in r for r in result["rows"])]
    cells = [[_fmt(r.get(c, "")) for c in cols] for r in result["rows"]]
    widths = [max([len(c)] + [len(row[i]) for row in cells]) for i, c in enumerate(cols)]
    lines = ["  ".join(c.ljust(w) for c, w in zip(cols, widths)), "  ".join("-" * w for w in widths)]
    lines += ["  ".join(v.ljust(w) for v, w in zip(row, widths)) for row in cells]
    return "\n".join(lines)


def _device_name(dev: torch.device) -> str:
    if dev.type == "cuda":
        return torch.cuda.get_device_name(dev)
    return platform.processor() or platform.machine() or "cpu"


def run_experiment(name: str, config: Mapping[str, Any] | None = None, *, quick: bool = False, device: str = "auto",
                   control: Control | None = None, threads: int | None = 1, command: str | None = None,
                   on_point: Callable[[dict[str, Any], list[dict[str, Any]]], None] | None = None) -> dict[str, Any]:
    """Run every point of an experiment; returns the JSON-ready result.

    Parameters
    ----------
    config
        Overrides of :func:`default_config` (validated).
    quick
        Start from the quick defaults (tests).
    device
        ``auto`` | ``cpu`` | ``cuda``; the defaults grow on CUDA.
    control
        Stop hook / progress callback; a stop keeps the finished points (``complete = False``).
    threads
        ``torch.set_num_threads`` for the run (1 by default: small models on busy cores run fastest
        single-threaded); None leaves torch's setting alone.
    on_point
        Called after each finished point with ``(point, rows)``.
    """
    key = experiment_key(name)
    dev = resolve_device(device)
    base = default_config(key, quick=quick, device=dev.type)
    cfg = validate_config(key, {**base, **(dict(config) if config else {})})
    if threads is not None:
        torch.set_num_threads(int(threads))
    control = control or Control()
    t0 = time.perf_counter()
    c0 = time.process_time()
    load0 = load_average()
    rows: list[dict[str, Any]] = []
    points = plan_points(key, cfg)
    complete = True
    try:
        control.scoped(0, len(points), "preparing data")
        control.check(0.0, "", force=True)
        context = prepare(key, cfg, dev)
        for i, point in enumerate(points):
            control.scoped(i, len(points), _point_label(point))
            control.check(0.0, "starting")
            new = run_point(key, point, context, cfg, control)
            rows.extend(new)
            if on_point is not None:
                on_point(dict(point), new)
    except StopRequested:
        complete = False
    return make_result(key, cfg, rows, dev, time.perf_counter() - t0, complete, quick=quick, command=command,
                       threads=torch.get_num_threads(), load=load0, cpu=time.process_time() - c0)


def _point_label(point: Mapping[str, Any]) -> str:
    return ", ".join(f"{k}={v}" for k, v in point.items())


def load_average() -> list[float] | None:
    """``os.getloadavg()`` rounded (None where unavailable): recorded with every result."""
    try:
        return [round(x, 2) for x in os.getloadavg()]
    except OSError:  # pragma: no cover - not on every platform
        return None


def process_cpu_time() -> float:
    """CPU time (user + system, all threads) this process has used since it started, in seconds."""
    try:
        import resource
    except ImportError:  # pragma: no cover - not on every platform
        return time.process_time()
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def make_result(key: str, cfg: Mapping[str, Any], rows: list[dict[str, Any]], dev: torch.device | str, wall: float,
                complete: bool, *, quick: bool = False, command: str | None = None, threads: int | None = None,
                load: list[float] | None = None, cpu: float | None = None) -> dict[str, Any]:
    """Assemble the JSON-ready result dict (also used by the page, which runs points one by one).

    ``wall_time_s`` and ``cpu_time_s`` (user + system CPU time of the run, all threads) cover the run
    itself; ``process_cpu_time_s`` is the whole process's CPU time at the end (for the CLI: Python and
    torch start-up included). On a shared machine the wall time grows with the load, the CPU time much
    less: with one thread it is what the run costs on an idle core.
    """
    dev = torch.device(dev)
    info = EXPERIMENTS[key]
    return {
        "experiment": key,
        "number": info.number,
        "title": info.title,
        "claim": info.claim,
        "config": dict(cfg),
        "quick": quick,
        "seed": cfg["seed"],
        "device": dev.type,
        "device_name": _device_name(dev),
        "torch_version": torch.__version__,
        "threads": threads if threads is not None else torch.get_num_threads(),
        "cpu_count": os.cpu_count(),
        "load_average_at_start": load,
        "wall_time_s": round(wall, 3),
        "cpu_time_s": None if cpu is None else round(cpu, 3),
        "process_cpu_time_s": round(process_cpu_time(), 3),
        "complete": complete,
        "command": command,
        "created": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
        "rows": rows,
        "summary": summarize(key, rows, cfg),
    }


def save_result(result: Mapping[str, Any], path: str | Path) -> Path:
    """Write ``result`` as indented JSON (floats kept at full precision)."""
    p = Path(path)
    p.parent.mkdir(parents=True, exist_ok=True)
    p.write_text(json.dumps(result, indent=1, default=float) + "\n", encoding="utf-8")
    return p


def load_result(name: str, directory: str | Path | None = None) -> dict[str, Any] | None:
    """The shipped precomputed result of an experiment (``results/<key>.json``), or None."""
    key = experiment_key(name)
    p = Path(directory or RESULTS_DIR) / f"{key}.json"
    if not p.is_file():
        return None
    return json.loads(p.read_text(encoding="utf-8"))
