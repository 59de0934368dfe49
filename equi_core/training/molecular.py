"""The molecular training lab: datasets, models, training and an ASE calculator (public entry points).

* Data (:mod:`.molecular_data`): :func:`load_dataset`, :func:`split_dataset`, :func:`generate_dataset`.
* Models (:mod:`.molecular_models`): :func:`make_model` with kinds ``"nequip"`` (``lmax = 0`` is the invariant
  SchNet-like ablation), ``"tensornet"``, ``"transformer"``, ``"transformer-direct"``.
* :func:`energy_and_forces` -- ``(E (B,), F (B, n, 3))``; ``F = -dE/dx`` for conservative models, the direct head
  otherwise.
* :func:`fit` -- energy + force loss, Adam with a plateau (or cosine) schedule, early stopping on validation,
  optional rotation augmentation and a rotation-consistency penalty (a finite-rotation loss, not Equigrad's
  gradient term); every random draw comes from a
  ``torch.Generator`` seeded by the ``seed`` argument.
* :func:`save_model` / :func:`load_model`, :func:`count_parameters`, :class:`LabCalculator` (an ASE calculator).

Example
-------
>>> ds = load_dataset("ethanol")
>>> train, val, test = split_dataset(ds, seed=0, n_train=32, n_val=16, n_test=16)
>>> model = make_model("nequip", ds.numbers, lmax=1, channels=4, layers=1)
>>> hist = fit(model, train, val, lr=5e-3, max_steps=4, eval_every=2, seed=0)
>>> E, F = energy_and_forces(model, ds.numbers, test.positions[:2])
>>> tuple(E.shape), tuple(F.shape), hist["best_step"] in hist["steps"]
((2,), (2, 9, 3), True)
"""

from __future__ import annotations

import copy
import io
import json
import math
import time
from pathlib import Path
from typing import Any, cast

import numpy as np
import torch

from .data import quaternion_to_matrix_torch
from .molecular_data import (
    DATASET_DIR,
    MOLECULES,
    MolecularDataset,
    generate_dataset,
    integrated_autocorrelation_time,
    load_dataset,
    save_dataset,
    shipped_datasets,
    split_dataset,
    tblite_available,
)
from .molecular_models import (
    KINDS,
    MolecularModel,
    NequIPModel,
    TensorNetModel,
    TransformerModel,
    make_model,
)

try:  # engineer F's shared protocol; the training module re-exports the same names
    from equi_core.progress import Control, StopRequested
except ImportError:  # pragma: no cover
    from .train import Control, StopRequested

__all__ = [
    "DATASET_DIR",
    "MOLECULES",
    "KINDS",
    "MODEL_DIR",
    "MolecularDataset",
    "MolecularModel",
    "NequIPModel",
    "TensorNetModel",
    "TransformerModel",
    "Control",
    "StopRequested",
    "load_dataset",
    "split_dataset",
    "generate_dataset",
    "save_dataset",
    "shipped_datasets",
    "integrated_autocorrelation_time",
    "tblite_available",
    "make_model",
    "energy_and_forces",
    "evaluate",
    "count_parameters",
    "random_rotations",
    "fit",
    "save_model",
    "load_model",
    "load_shipped_model",
    "LabCalculator",
]

MODEL_DIR = Path(__file__).resolve().parent / "models"


def _param(model: torch.nn.Module) -> torch.Tensor:
    return next(iter(model.parameters()))


def _as_positions(model: torch.nn.Module, positions: Any) -> torch.Tensor:
    p = _param(model)
    x = torch.as_tensor(np.asarray(positions) if not isinstance(positions, torch.Tensor) else positions)
    x = x.to(dtype=p.dtype, device=p.device)
    if x.ndim == 2:
        x = x.unsqueeze(0)
    if x.ndim != 3 or x.shape[-1] != 3:
        raise ValueError(f"positions must have shape (B, n, 3) or (n, 3), got {tuple(x.shape)}")
    return x


def energy_and_forces(
    model: MolecularModel, numbers: Any, positions: Any, create_graph: bool = False, batch_size: int | None = None
) -> tuple[torch.Tensor, torch.Tensor]:
    """Energies (B,) in eV and forces (B, n, 3) in eV/Å of a batch of frames of one molecule.

    ``F = -dE/dx`` (autograd) when ``model.conservative``; the direct force head otherwise. ``positions`` may be a
    numpy array or a tensor of shape (B, n, 3) or (n, 3); the outputs have the model's dtype. With
    ``create_graph=False`` the outputs are detached (inference); ``batch_size`` evaluates in chunks.

    Example
    -------
    >>> m = make_model("tensornet", [1, 8], channels=4, layers=1).double()
    >>> E, F = energy_and_forces(m, [8, 1, 1], [[0.0, 0.0, 0.0], [0.96, 0.0, 0.0], [-0.24, 0.93, 0.0]])
    >>> tuple(F.shape), bool(torch.allclose(F.sum(1), torch.zeros(1, 3, dtype=F.dtype), atol=1e-12))
    ((1, 3, 3), True)
    """
    x = _as_positions(model, positions)
    if batch_size is not None and x.shape[0] > batch_size and not create_graph:
        parts = [energy_and_forces(model, numbers, x[i : i + batch_size]) for i in range(0, x.shape[0], batch_size)]
        return torch.cat([p[0] for p in parts]), torch.cat([p[1] for p in parts])
    if not model.conservative:
        idx = model.species_index(numbers)
        with torch.set_grad_enabled(create_graph):
            e_raw, f_raw = cast(TransformerModel, model).energy_and_raw_forces(idx, x)
            e = model.energy_scale * e_raw.sum(-1) + model.energy_shift[idx].sum()
            f = model.energy_scale * f_raw
        return (e, f) if create_graph else (e.detach(), f.detach())
    with torch.enable_grad():
        if not (create_graph and x.requires_grad):  # keep a caller's graph (Jacobians of the forces)
            x = x.detach().requires_grad_(True)
        e = model.energy(numbers, x)
        (g,) = torch.autograd.grad(e.sum(), x, create_graph=create_graph)
    return (e, -g) if create_graph else (e.detach(), -g.detach())


def count_parameters(model: torch.nn.Module) -> int:
    """Number of trainable scalars."""
    return int(sum(p.numel() for p in model.parameters() if p.requires_grad))


def random_rotations(n: int, generator: torch.Generator, dtype: torch.dtype = torch.float64) -> torch.Tensor:
    """``n`` Haar-random proper rotations (n, 3, 3) from unit quaternions of normal draws of ``generator``."""
    q = torch.randn(n, 4, generator=generator, dtype=torch.float64)
    return quaternion_to_matrix_torch(q).to(dtype)


def evaluate(model: MolecularModel, ds: MolecularDataset, batch_size: int = 64) -> dict[str, float]:
    """Energy MAE/RMSE (eV per molecule and meV/atom) and force-component MAE/RMSE (eV/Å) on ``ds``."""
    e, f = energy_and_forces(model, ds.numbers, ds.positions, batch_size=batch_size)
    de = e.double().cpu().numpy() - ds.energy
    df = f.double().cpu().numpy() - ds.forces.astype(np.float64)
    return {
        "energy_mae": float(np.mean(np.abs(de))),
        "energy_rmse": float(np.sqrt(np.mean(de**2))),
        "energy_mae_mev_per_atom": float(np.mean(np.abs(de)) / ds.n_atoms * 1e3),
        "force_mae": float(np.mean(np.abs(df))),
        "force_rmse": float(np.sqrt(np.mean(df**2))),
        "frames": len(ds),
    }


def fit(
    model: MolecularModel,
    train: MolecularDataset,
    val: MolecularDataset,
    *,
    lr: float = 5e-3,
    max_steps: int = 2000,
    batch_size: int = 16,
    energy_weight: float = 1.0,
    force_weight: float = 10.0,
    patience: int = 10,
    eval_every: int = 50,
    schedule: str = "plateau",
    lr_factor: float = 0.5,
    lr_patience: int = 3,
    min_lr_fraction: float = 1e-2,
    seed: int = 0,
    control: Control | None = None,
    augment_rotations: bool = False,
    rotation_penalty: float = 0.0,
    train_eval_frames: int = 200,
    set_reference: bool = True,
    min_delta: float = 0.0,
    refit_reference: bool = False,
    grad_clip: float | None = None,
    warmup_steps: int = 0,
) -> dict[str, Any]:
    """Train ``model`` on energies and forces with early stopping on the validation split.

    Loss per batch (dimensionless, ``s`` = RMS training force component in eV/Å, ``n`` atoms)::

        L = energy_weight * mean((dE / n)^2) / s^2 + force_weight * mean(dF^2) / s^2
            [+ rotation_penalty * (mean((E(Rx) - E(x))^2 / n^2) + mean((F(Rx) - R F(x))^2)) / s^2]

    Every ``eval_every`` steps the validation loss (the same weights, whole split) is computed; the best state is
    kept and restored at the end. ``schedule="plateau"``: learning rate times ``lr_factor`` after ``lr_patience``
    evaluations without improvement (not below ``min_lr_fraction * lr``); ``"cosine"``: cosine decay over
    ``max_steps`` to ``min_lr_fraction * lr``. Stops early after ``patience`` evaluations without improvement; with
    ``min_delta > 0`` only a relative improvement of the validation loss by more than ``min_delta`` (over the last
    such improvement) counts as one, so a run whose loss creeps down by less than that is converged (the best
    weights are still the lowest-loss ones). ``refit_reference`` refits the per-species energy shift in closed
    form on the training residuals of the restored best model (a constant per species: forces are unchanged).
    ``grad_clip`` rescales each step's gradient to at most that Euclidean norm (of the dimensionless loss);
    ``warmup_steps`` ramps the learning rate linearly from ``lr / warmup_steps`` to ``lr`` over the first steps
    (the plateau schedule takes over after them).
    Minibatches, augmentation rotations and penalty rotations come from ``torch.Generator().manual_seed(seed)``
    (no global RNG). ``augment_rotations`` rotates every training frame (and its forces) by a fresh random proper
    rotation. The per-species energy reference and the scale are fitted on ``train`` first (``set_reference``).

    Returns
    -------
    dict
        ``steps`` and, per evaluation, ``train_energy_mae``/``train_force_mae`` (on up to ``train_eval_frames``
        fixed training frames), ``val_energy_mae``/``val_force_mae`` (eV, eV/Å), ``val_loss``, ``lr``;
        ``best_step``, ``best`` (the metrics at the best step), ``stopped`` ("early_stopping", "max_steps" or
        "user"), ``wall_time_s``, ``cpu_time_s``, ``steps_per_s``, ``n_parameters``, ``loss`` (the formula and
        weights), ``config``.
    """
    if schedule not in ("plateau", "cosine"):
        raise ValueError(f"schedule must be 'plateau' or 'cosine', got {schedule!r}")
    for name, v in (
        ("lr", lr),
        ("energy_weight", energy_weight),
        ("force_weight", force_weight),
        ("rotation_penalty", rotation_penalty),
    ):
        if not math.isfinite(v) or v < 0:
            raise ValueError(f"{name} must be finite and >= 0, got {v!r}")
    if warmup_steps < 0 or warmup_steps > max_steps:
        raise ValueError(f"warmup_steps must be in 0..max_steps, got {warmup_steps!r}")
    if grad_clip is not None and not (math.isfinite(grad_clip) and grad_clip > 0):
        raise ValueError(f"grad_clip must be None or finite and > 0, got {grad_clip!r}")
    if not 0.0 <= min_delta < 1.0:
        raise ValueError(f"min_delta must be in [0, 1), got {min_delta!r}")
    if lr <= 0 or max_steps < 1 or batch_size < 1 or eval_every < 1 or patience < 1:
        raise ValueError("lr > 0, max_steps >= 1, batch_size >= 1, eval_every >= 1 and patience >= 1 are required")
    if len(train) == 0 or len(val) == 0:
        raise ValueError("train and val must be non-empty")
    control = control or Control()
    config = dict(
        lr=lr,
        max_steps=max_steps,
        batch_size=batch_size,
        energy_weight=energy_weight,
        force_weight=force_weight,
        patience=patience,
        eval_every=eval_every,
        min_delta=min_delta,
        refit_reference=refit_reference,
        grad_clip=grad_clip,
        warmup_steps=warmup_steps,
        schedule=schedule,
        lr_factor=lr_factor,
        lr_patience=lr_patience,
        min_lr_fraction=min_lr_fraction,
        seed=seed,
        augment_rotations=augment_rotations,
        rotation_penalty=rotation_penalty,
        n_train=len(train),
        n_val=len(val),
    )
    t0, c0 = time.perf_counter(), time.process_time()
    p = _param(model)
    dtype, dev = p.dtype, p.device
    if set_reference:
        model.set_energy_reference(train.numbers, train.energy, train.forces)
    numbers = train.numbers
    n_atoms = train.n_atoms
    x_all = torch.as_tensor(train.positions, dtype=dtype, device=dev)
    e_all = torch.as_tensor(train.energy, dtype=torch.float64, device=dev)
    f_all = torch.as_tensor(train.forces, dtype=dtype, device=dev)
    s = float(np.sqrt(np.mean(train.forces.astype(np.float64) ** 2))) or 1.0
    e_ref = model.energy_shift[model.species_index(numbers)].sum().double()
    gen = torch.Generator().manual_seed(int(seed))
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    min_lr = lr * min_lr_fraction
    train_eval = train[np.arange(min(train_eval_frames, len(train)))]

    def batch_loss(x: torch.Tensor, e: torch.Tensor, f: torch.Tensor) -> torch.Tensor:
        pe, pf = energy_and_forces(model, numbers, x, create_graph=True)
        de = ((pe.double() - e) / n_atoms).to(dtype)
        loss = energy_weight * (de**2).mean() / s**2 + force_weight * ((pf - f) ** 2).mean() / s**2
        if rotation_penalty > 0:
            r = random_rotations(x.shape[0], gen, dtype).to(dev)
            re, rf = energy_and_forces(model, numbers, x @ r.transpose(-1, -2), create_graph=True)
            pen = ((re - pe) / n_atoms) ** 2
            pen = pen.mean() + ((rf - pf @ r.transpose(-1, -2)) ** 2).mean()
            loss = loss + rotation_penalty * pen / s**2
        return loss

    def val_metrics() -> tuple[float, dict[str, float], dict[str, float]]:
        mv = evaluate(model, val)
        mt = evaluate(model, train_eval)
        vloss = (energy_weight * mv["energy_rmse"] ** 2 / n_atoms**2 + force_weight * mv["force_rmse"] ** 2) / s**2
        return vloss, mv, mt

    hist: dict[str, Any] = {
        k: []
        for k in (
            "steps",
            "train_energy_mae",
            "train_force_mae",
            "val_energy_mae",
            "val_force_mae",
            "val_loss",
            "lr",
            "train_loss",
        )
    }
    best_loss, best_state, best_step, best = math.inf, copy.deepcopy(model.state_dict()), 0, {}
    bad = bad_lr = 0
    mark = math.inf  # the validation loss at the last improvement that counted (min_delta)
    stopped = "max_steps"
    running, n_running = 0.0, 0
    step = 0
    n = len(train)
    bs = min(batch_size, n)
    try:
        for step in range(1, max_steps + 1):
            if step % 5 == 1:
                control.check(step / max_steps, f"{model.kind} step {step}/{max_steps}")
            idx = torch.randperm(n, generator=gen)[:bs].to(dev) if bs < n else torch.arange(n, device=dev)
            x, e, f = x_all[idx], e_all[idx], f_all[idx]
            if augment_rotations:
                r = random_rotations(bs, gen, dtype).to(dev)
                x = x @ r.transpose(-1, -2)
                f = f @ r.transpose(-1, -2)
            if step <= warmup_steps:
                for g in opt.param_groups:
                    g["lr"] = lr * step / warmup_steps
            elif schedule == "cosine":
                for g in opt.param_groups:
                    g["lr"] = min_lr + 0.5 * (lr - min_lr) * (1 + math.cos(math.pi * (step - 1) / max_steps))
            opt.zero_grad(set_to_none=True)
            loss = batch_loss(x, e, f)
            loss.backward()
            if grad_clip is not None:
                torch.nn.utils.clip_grad_norm_(model.parameters(), grad_clip)
            opt.step()
            running += float(loss.detach())
            n_running += 1
            if step % eval_every == 0 or step == max_steps:
                vloss, mv, mt = val_metrics()
                hist["steps"].append(step)
                hist["train_energy_mae"].append(mt["energy_mae"])
                hist["train_force_mae"].append(mt["force_mae"])
                hist["val_energy_mae"].append(mv["energy_mae"])
                hist["val_force_mae"].append(mv["force_mae"])
                hist["val_loss"].append(vloss)
                hist["train_loss"].append(running / max(n_running, 1))
                hist["lr"].append(opt.param_groups[0]["lr"])
                running, n_running = 0.0, 0
                if not math.isfinite(vloss):
                    stopped = "diverged"
                    break
                if vloss < best_loss:
                    best_loss, best_step = vloss, step
                    best_state = copy.deepcopy(model.state_dict())
                    best = {"val": mv, "train": mt}
                if vloss < mark * (1.0 - min_delta):
                    mark, bad, bad_lr = vloss, 0, 0
                else:
                    bad += 1
                    bad_lr += 1
                    if schedule == "plateau" and bad_lr >= lr_patience:
                        for g in opt.param_groups:
                            g["lr"] = max(g["lr"] * lr_factor, min_lr)
                        bad_lr = 0
                    if bad >= patience:
                        stopped = "early_stopping"
                        break
    except StopRequested:
        stopped = "user"
    model.load_state_dict(best_state)
    shift_change = 0.0
    if refit_reference:
        e_fit, _ = energy_and_forces(model, numbers, train.positions, batch_size=64)
        resid = np.asarray(train.energy, dtype=np.float64) - e_fit.double().cpu().numpy()
        counts = np.array([[np.sum(np.asarray(numbers) == z) for z in model.species]], dtype=np.float64)
        delta, *_ = np.linalg.lstsq(np.repeat(counts, len(resid), axis=0), resid, rcond=None)
        with torch.no_grad():
            model.energy_shift.add_(torch.as_tensor(delta, dtype=model.energy_shift.dtype))
        shift_change = float(counts[0] @ delta)
    wall = time.perf_counter() - t0
    hist.update(
        best_step=best_step,
        best_val_loss=best_loss,
        best=best,
        stopped=stopped,
        steps_run=step,
        wall_time_s=wall,
        cpu_time_s=time.process_time() - c0,
        steps_per_s=step / wall if wall > 0 else float("nan"),
        n_parameters=count_parameters(model),
        kind=model.kind,
        hyper=dict(model.hyper),
        loss={
            "formula": "energy_weight*mean((dE/n)^2)/s^2 + force_weight*mean(dF^2)/s^2"
            + (
                " + rotation_penalty*(mean((E(Rx)-E(x))^2/n^2)+mean((F(Rx)-R F(x))^2))/s^2"
                if rotation_penalty > 0
                else ""
            ),
            "energy_weight": energy_weight,
            "force_weight": force_weight,
            "rotation_penalty": rotation_penalty,
            "s_eV_per_A": s,
        },
        config=config,
        energy_reference_eV=float(e_ref),
        energy_reference_refit_eV=shift_change,
    )
    return hist


def save_model(model: MolecularModel, path: str | Path, record: dict[str, Any] | None = None) -> Path:
    """Save kind, species, hyperparameters, state dict (energy reference included) and an optional JSON ``record``
    (training command, errors, times) in one ``torch.save`` file; ``<path>.json`` gets the record too."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    state = {k: v.detach().cpu() for k, v in model.state_dict().items()}
    blob = {
        "kind": model.kind,
        "species": list(model.species),
        "hyper": dict(model.hyper),
        "dtype": str(_param(model).dtype).replace("torch.", ""),
        "state_dict": state,
        "record": json.dumps(record or {}),
    }
    torch.save(blob, path)
    if record is not None:
        path.with_suffix(".json").write_text(json.dumps(record, indent=1, default=float))
    return path


def load_model(path: str | Path) -> MolecularModel:
    """Rebuild a model saved by :func:`save_model` (its record, if any, in ``model.record``)."""
    path = Path(path)
    if not path.exists():
        raise ValueError(f"no model file at {path}")
    blob = torch.load(io.BytesIO(path.read_bytes()), map_location="cpu", weights_only=True)
    hyper = dict(blob["hyper"])
    model = make_model(blob["kind"], blob["species"], **hyper)
    if blob.get("dtype") == "float64":
        model = model.double()
    model.load_state_dict(blob["state_dict"])
    model.record = json.loads(blob.get("record") or "{}")
    model.eval()
    return model


def load_shipped_model(molecule: str, kind: str) -> MolecularModel:
    """A shipped trained model ``models/<molecule>-<kind>.pt`` (``ValueError`` listing what is shipped)."""
    path = MODEL_DIR / f"{molecule}-{kind}.pt"
    if not path.exists():
        shipped = sorted(p.stem for p in MODEL_DIR.glob("*.pt"))
        raise ValueError(f"no shipped model {molecule}-{kind}; shipped: {shipped}")
    return load_model(path)


try:
    from ase.calculators.calculator import Calculator, all_changes
except ImportError:  # pragma: no cover - ase is a dependency of the lab
    Calculator = object  # type: ignore[assignment,misc]
    all_changes = []


class LabCalculator(Calculator):
    """An ASE calculator for any :class:`MolecularModel`: ``energy``, ``free_energy`` (eV) and ``forces`` (eV/Å).

    Works with every ASE tool (MD integrators, optimizers, vibrations). Positions are evaluated in the model's
    dtype; results are float64 numpy. ``atoms`` must have the species the model was trained on.

    Example
    -------
    >>> from ase.build import molecule
    >>> atoms = molecule("H2O")
    >>> atoms.calc = LabCalculator(make_model("nequip", [1, 8], lmax=1, channels=4, layers=1))
    >>> atoms.get_forces().shape
    (3, 3)
    """

    implemented_properties = ["energy", "free_energy", "forces"]  # noqa: RUF012 - ASE declares it a list

    def __init__(self, model: MolecularModel, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.model = model
        self.model.eval()

    def calculate(self, atoms: Any = None, properties: Any = ("energy",), system_changes: Any = all_changes) -> None:
        super().calculate(atoms, properties, system_changes)
        assert self.atoms is not None
        e, f = energy_and_forces(self.model, self.atoms.get_atomic_numbers(), self.atoms.get_positions())
        energy = float(e[0])
        self.results = {"energy": energy, "free_energy": energy, "forces": f[0].double().cpu().numpy()}
