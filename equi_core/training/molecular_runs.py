"""One molecular run of the training-lab protocol, on :mod:`equi_core.training.molecular` (datasets, models, fit).

:func:`run` trains one model (a key of :data:`equi_core.training.catalog.MODEL_LABELS`) at one training-set size
and seed, and measures train / validation / test errors: energy MAE in meV/atom and force-component MAE in eV/Å.
For the ``equivariance`` experiment it also rotates ``n_rotated`` test molecules about their centroid by every
angle of ``angles_deg`` (random axes from the configuration's seed) and reports the mean energy change
``|E(Rx) - E(x)|`` (meV/atom) and the force error ``|F(Rx) - R F(x)|`` (eV/Å, component MAE).

Model keys -> (kind, options): ``nequip-lK`` (NequIP-style, ``lmax = K``), ``tensornet``, ``transformer``
(``+aug``: random-rotation augmentation, ``+penalty``: the rotation penalty of :func:`fit`), ``transformer-direct``
(direct force head, trained with augmentation).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from ..progress import Control, StopRequested
from .catalog import underfitting
from .molecular import count_parameters, energy_and_forces, evaluate, fit, load_dataset, make_model, split_dataset
from .protocol import run_seed

__all__ = ["model_spec", "run", "splits", "rotation_errors", "rotations_about_axes"]


def model_spec(key: str, cfg: Mapping[str, Any]) -> tuple[str, dict[str, Any], dict[str, Any]]:
    """``(kind, hyper, fit options)`` of a model key under ``cfg["hyper"]`` (``channels``, ``layers``, ``cutoff``;
    the transformer gets ``width = 2 * channels``, ``heads = 2``)."""
    h = cfg["hyper"]
    if key.startswith("nequip-l"):
        return (
            "nequip",
            {"lmax": int(key[-1]), "channels": h["channels"], "layers": h["layers"], "cutoff": h["cutoff"]},
            {},
        )
    if key == "tensornet":
        return "tensornet", {"channels": h["channels"], "layers": h["layers"], "cutoff": h["cutoff"]}, {}
    tr = {"width": 2 * h["channels"], "layers": h["layers"], "heads": 2}
    if key == "transformer-direct":
        return "transformer-direct", tr, {"augment_rotations": True}
    if key.startswith("transformer"):
        opts: dict[str, Any] = {"augment_rotations": "+aug" in key}
        if "+penalty" in key:
            opts["rotation_penalty"] = float(cfg.get("penalty_weight", 1.0))
        return "transformer", tr, opts
    raise ValueError(f"unknown model {key!r}")


def splits(cfg: Mapping[str, Any], n_train: int) -> tuple[Any, Any, Any]:
    """Train (the first ``n_train`` of the largest training split: nested), validation and test splits, fixed by
    ``split_seed`` (cached per process)."""
    n_max = max(cfg["n_train"]) if isinstance(cfg["n_train"], list) else int(cfg["n_train"])
    if isinstance(cfg["n_train"], list):
        n_max = max(n_max, int(cfg.get("lr_sweep_n", 0)))
    n_max = max(n_max, n_train)
    tr, va, te = _splits(cfg["molecule"], cfg["split_seed"], n_max, cfg["n_val"], cfg["n_test"])
    return tr[np.arange(n_train)], va, te


@lru_cache(maxsize=1)
def _splits(molecule: str, split_seed: int, n_max: int, n_val: int, n_test: int) -> tuple[Any, Any, Any]:
    return split_dataset(load_dataset(molecule), seed=split_seed, n_train=n_max, n_val=n_val, n_test=n_test)


def rotations_about_axes(axes: np.ndarray, angle_rad: float) -> np.ndarray:
    """Rodrigues: rotations (k, 3, 3) by ``angle_rad`` about unit ``axes`` (k, 3)."""
    k = np.zeros((len(axes), 3, 3))
    x, y, z = axes[:, 0], axes[:, 1], axes[:, 2]
    k[:, 0, 1], k[:, 0, 2], k[:, 1, 0], k[:, 1, 2], k[:, 2, 0], k[:, 2, 1] = -z, y, z, -x, -y, x
    eye = np.eye(3)[None]
    return eye + math.sin(angle_rad) * k + (1 - math.cos(angle_rad)) * (k @ k)


def rotation_errors(
    model: Any, numbers: np.ndarray, positions: np.ndarray, angles_deg: list[float], seed: int
) -> list[dict[str, float]]:
    """Per angle: mean ``|E(Rx) - E(x)|`` (meV/atom) and force-component MAE of ``F(Rx) - R F(x)`` (eV/Å), rotating
    every frame about its centroid around its own random axis (``numpy.random.default_rng(seed)``)."""
    rng = np.random.default_rng(seed)
    axes = rng.normal(size=(len(positions), 3))
    axes /= np.linalg.norm(axes, axis=1, keepdims=True)
    x = positions.astype(np.float64)
    c = x.mean(axis=1, keepdims=True)
    e0, f0 = energy_and_forces(model, numbers, x, batch_size=64)
    e0n, f0n = e0.double().numpy(), f0.double().numpy()
    n_atoms = positions.shape[1]
    out = []
    for a in angles_deg:
        r = rotations_about_axes(axes, math.radians(float(a)))
        xr = np.einsum("bij,bnj->bni", r, x - c) + c
        e1, f1 = energy_and_forces(model, numbers, xr, batch_size=64)
        f0r = np.einsum("bij,bnj->bni", r, f0n)
        out.append(
            {
                "angle_deg": float(a),
                "energy_change": float(np.mean(np.abs(e1.double().numpy() - e0n)) / n_atoms * 1e3),
                "force_error": float(np.mean(np.abs(f1.double().numpy() - f0r))),
            }
        )
    return out


def run(key: str, cfg: Mapping[str, Any], point: Mapping[str, Any], control: Control) -> list[dict[str, Any]]:
    """Train and evaluate one run; a list of rows (one, or one per angle for ``equivariance`` main runs)."""
    m, n, s, lr = point["model"], int(point["n_train"]), int(point["seed"]), float(point["lr"])
    train, val, test = splits(cfg, n)
    kind, hyper, opts = model_spec(m, cfg)
    seed = run_seed(s, key, m, n)
    model = make_model(kind, train.numbers, seed=seed, **hyper)
    if cfg["dtype"] == "float64":
        model = model.double()
    steps = _budget(cfg, n)
    if point.get("sweep") and cfg.get("sweep_max_steps"):
        steps = int(cfg["sweep_max_steps"])  # the learning-rate sweep's own (shorter) budget, stated in the config
    hist = fit(
        model,
        train,
        val,
        lr=lr,
        max_steps=steps,
        batch_size=cfg["batch_size"],
        energy_weight=cfg["energy_weight"],
        force_weight=cfg["force_weight"],
        patience=cfg["patience"],
        eval_every=cfg["eval_every"],
        seed=seed + 1,
        control=control,
        train_eval_frames=min(50, len(train)),
        min_delta=float(cfg.get("min_delta", 0.0)),
        lr_patience=int(cfg.get("lr_patience", 3)),
        refit_reference=bool(cfg.get("refit_reference", False)),
        warmup_steps=min(int(cfg.get("warmup_steps", 0)), steps // 10),  # at most a tenth of the budget
        **opts,
    )
    if hist["stopped"] == "user":
        raise StopRequested()
    ev = {name: evaluate(model, ds) for name, ds in (("train", train), ("val", val), ("test", test))}
    row: dict[str, Any] = {k: v for k, v in point.items() if k != "angles"}
    for name, e in ev.items():
        row[f"{name}_energy_mae"] = e["energy_mae_mev_per_atom"]
        row[f"{name}_force_mae"] = e["force_mae"]
    row.update(
        n_atoms=len(train.numbers),
        kind=kind,
        hyper=hyper,
        params=count_parameters(model),
        max_steps=steps,
        best_step=hist["best_step"],
        steps_run=hist["steps_run"],
        stopped=hist["stopped"],
        wall_s=hist["wall_time_s"],
        cpu_s=hist["cpu_time_s"],
        steps_per_s=hist["steps_per_s"],
        val_curve=[[int(a), float(b)] for a, b in zip(hist["steps"], hist["val_force_mae"])],
        budget_limited=hist["stopped"] == "max_steps",
    )
    row["underfit"] = underfitting(
        row["train_force_mae"], row["test_force_mae"], hist["best_step"], hist["steps_run"], steps
    )
    if _saves(key, cfg, n, s):
        _save(model, m, cfg, n, hist, ev, row)
    if key != "equivariance" or not point.get("angles"):
        return [row]
    k = int(cfg["n_rotated"])
    errs = rotation_errors(
        model, test.numbers, test.positions[:k], list(cfg["angles_deg"]), run_seed(s, "rotation-axes")
    )
    out = []
    for e in errs:
        r = dict(row, **e)
        r["relative_force_error"] = e["force_error"] / row["test_force_mae"] if row["test_force_mae"] else None
        if e["angle_deg"] != errs[0]["angle_deg"]:
            r.pop("val_curve", None)
        out.append(r)
    return out


def _saves(key: str, cfg: Mapping[str, Any], n: int, seed: int) -> bool:
    """Whether this run keeps its trained model: ``save_models_dir`` set, the largest N, the first seed."""
    if not cfg.get("save_models_dir") or key not in ("sample-efficiency", "large-data"):
        return False
    return n == max(cfg["n_train"]) and seed == cfg["seeds"][0]


def _save(
    model: Any,
    m: str,
    cfg: Mapping[str, Any],
    n: int,
    hist: Mapping[str, Any],
    ev: Mapping[str, Any],
    row: Mapping[str, Any],
) -> None:
    """``<save_models_dir>/<molecule>-<model key>.pt`` with a record that reproduces its split and errors."""
    from .molecular import save_model

    n_max = max(max(cfg["n_train"]), int(cfg.get("lr_sweep_n", 0)))
    record = {
        "molecule": cfg["molecule"],
        "model": m,
        "kind": row["kind"],
        "hyper": dict(row["hyper"]),
        "n_parameters": row["params"],
        "split": {"seed": cfg["split_seed"], "n_train": n_max, "n_val": cfg["n_val"], "n_test": cfg["n_test"]},
        "n_train_used": n,
        "lr": float(row["lr"]),
        "loss": hist["loss"],
        "best_step": hist["best_step"],
        "steps_run": hist["steps_run"],
        "max_steps": row["max_steps"],
        "stopped": hist["stopped"],
        "train_wall_time_s": hist["wall_time_s"],
        "train_cpu_time_s": hist["cpu_time_s"],
        "steps_per_s": hist["steps_per_s"],
        "errors": {k: dict(v) for k, v in ev.items()},
        "underfit": row["underfit"],
        "augment_rotations": bool(model_spec(m, cfg)[2].get("augment_rotations", False)),
        "rotation_penalty": float(model_spec(m, cfg)[2].get("rotation_penalty", 0.0)),
        "curves": {"steps": list(hist["steps"]), "val_force_mae": list(hist["val_force_mae"])},
        "trained_by": "the training-lab protocol (sample-efficiency run, first seed, largest N)",
    }
    save_model(model, Path(cfg["save_models_dir"]) / f"{molecule_stem(cfg['molecule'])}-{m}.pt", record)


def molecule_stem(molecule: str) -> str:
    """The file-name stem of a molecule key or ``.npz`` path (``ethanol`` -> ``ethanol``, ``/d/x.npz`` -> ``x``)."""
    return Path(molecule).stem if str(molecule).endswith(".npz") else str(molecule)


def _budget(cfg: Mapping[str, Any], n: int) -> int:
    return int(min(max(round(cfg["steps_per_frame"] * n), cfg["min_steps"]), cfg["max_steps"]))
