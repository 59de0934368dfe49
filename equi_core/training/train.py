"""Training loop, evaluation and the stop/progress hooks shared by the experiments.

* :class:`Control` -- a stop flag and a progress callback (defined in :mod:`equi_core.progress`, re-exported
  here). Experiments call :meth:`Control.check`
  between training steps and between points; when ``should_stop()`` turns true it raises
  :class:`StopRequested`, the running point is dropped and every finished point is kept.
* :func:`train_model` -- Adam + cosine learning rate on standardized targets. With cached features
  (energy-only, no augmentation, no penalty) the parameter-free featurization runs once; otherwise
  positions go through the whole model every step (random rotations for augmentation, autograd forces
  for force training, the net-torque penalty).
* The **net-torque penalty** (Equigrad-style): an infinitesimal rotation ``delta r_j = omega x r_j``
  changes the energy by ``dE = -omega . tau`` with ``tau = sum_j r_j x F_j``, so ``E`` is rotation
  invariant iff ``tau = 0`` for every configuration. The penalty is ``mean |tau|^2 / (rms F * r_c)^2``.
* :func:`resolve_device` -- ``"auto"`` is CUDA when available, else CPU.
"""

from __future__ import annotations

import math
import time
from collections.abc import Iterable
from dataclasses import asdict, dataclass

import torch

from ..progress import Control, StopRequested
from .data import EnvironmentData, random_rotations
from .models import EnvModel

__all__ = [
    "Control",
    "StopRequested",
    "TrainConfig",
    "make_adam",
    "net_torque",
    "predict",
    "predict_with_forces",
    "relative_rmse",
    "resolve_device",
    "train_model",
]


@dataclass(frozen=True)
class TrainConfig:
    """Hyper-parameters of one training run (validated: positive steps/batch/lr, non-negative weights)."""

    steps: int = 1500
    batch_size: int = 64
    lr: float = 3e-3
    lr_final_fraction: float = 0.02
    weight_decay: float = 0.0
    force_weight: float = 0.0
    penalty_weight: float = 0.0
    augment: bool = False
    seed: int = 0

    def __post_init__(self) -> None:
        if self.steps < 0 or self.batch_size < 1:
            raise ValueError(f"steps must be >= 0 and batch_size >= 1, got {self.steps}, {self.batch_size}")
        for name in ("lr", "lr_final_fraction", "weight_decay", "force_weight", "penalty_weight"):
            v = getattr(self, name)
            if not math.isfinite(v) or v < 0:
                raise ValueError(f"{name} must be finite and >= 0, got {v!r}")

    def as_dict(self) -> dict:
        return asdict(self)


def resolve_device(device: str = "auto") -> torch.device:
    """``"auto"`` -> CUDA if available else CPU; ``"cpu"``; ``"cuda"`` (ValueError without CUDA)."""
    if device == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if device == "cpu":
        return torch.device("cpu")
    if device == "cuda":
        if not torch.cuda.is_available():
            raise ValueError("--device cuda was requested but torch sees no CUDA device; use auto or cpu")
        return torch.device("cuda")
    raise ValueError(f"device must be 'auto', 'cpu' or 'cuda', got {device!r}")


def _targets(model: EnvModel, data: EnvironmentData) -> torch.Tensor:
    return data.energy if model.output == "energy" else data.center_force


def net_torque(pos: torch.Tensor, forces: torch.Tensor) -> torch.Tensor:
    """``tau = sum_j r_j x F_j`` (B, 3): zero for every configuration iff the energy is rotation invariant."""
    return torch.linalg.cross(pos, forces, dim=-1).sum(-2)


def _energy_and_forces(model: EnvModel, pos: torch.Tensor, create_graph: bool) -> tuple[torch.Tensor, torch.Tensor]:
    p = pos if pos.requires_grad else pos.detach().requires_grad_(True)
    e = model(p)
    (g,) = torch.autograd.grad(e.sum(), p, create_graph=create_graph)
    return e, -g


def make_adam(params: Iterable[torch.nn.Parameter], lr: float, weight_decay: float = 0.0) -> torch.optim.Optimizer:
    """Adam with the fused kernel where torch has one for the parameters' device (CPU and CUDA since
    torch 2.4): on the small models of the lab the per-tensor Python loop of the default Adam was
    about 15% of a training step. Falls back to the default implementation otherwise."""
    params = [p for p in params if p.requires_grad]
    try:
        return torch.optim.Adam(params, lr=lr, weight_decay=weight_decay, fused=True)
    except (RuntimeError, TypeError, ValueError):  # pragma: no cover - older torch / other devices
        return torch.optim.Adam(params, lr=lr, weight_decay=weight_decay)


def train_model(
    model: EnvModel,
    train: EnvironmentData,
    config: TrainConfig,
    control: Control | None = None,
    progress_label: str = "",
) -> dict:
    """Fit ``model`` to ``train`` (energies, or centre forces for vector models); returns a history dict
    (``final_loss``, ``seconds``, ``steps``, ``cached``, ``loss_curve`` subsampled to <= 50 points).

    The loss is the mean squared error of standardized targets, plus ``force_weight`` times the force
    MSE / rms(F)^2, plus ``penalty_weight`` times the net-torque penalty; all on the training set only.
    """
    control = control or Control()
    dev = train.pos.device
    n = len(train)
    if n == 0:
        raise ValueError("empty training set")
    y_all = _targets(model, train)
    model.set_target_scale(y_all)
    cached = not (config.augment or config.force_weight or config.penalty_weight)
    with torch.no_grad():
        feats = model.featurize(train.pos)
    model.fit_input_normalization(*feats)
    if not cached:
        feats = ()
    gen = torch.Generator(device="cpu").manual_seed(config.seed)
    t0 = time.perf_counter()
    history: list[float] = []
    if getattr(model, "linear", False) and cached:
        model.fit_linear(feats[0], y_all)  # type: ignore[operator]  # PowerSpectrumModel(linear=True) has it
        with torch.no_grad():
            final = float(((model.from_features(*feats) - y_all) / model.target_scale).pow(2).mean())
        return {
            "final_loss": final,
            "seconds": time.perf_counter() - t0,
            "steps": 0,
            "cached": True,
            "loss_curve": [final],
        }
    opt = make_adam(model.parameters(), lr=config.lr, weight_decay=config.weight_decay)
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(
        opt, max(config.steps, 1), eta_min=config.lr * config.lr_final_fraction
    )
    scale = model.target_scale
    f_scale = float(train.forces.pow(2).mean().sqrt()) or 1.0
    r_c = float(getattr(model, "cutoff", 1.0))
    bs = min(config.batch_size, n)
    every = max(config.steps // 50, 1)
    running = 0.0
    check_every = 10
    for step in range(config.steps):
        if step % check_every == 0:
            control.check(step / max(config.steps, 1), f"{progress_label} step {step}/{config.steps}")
        idx = torch.randint(0, n, (bs,), generator=gen).to(dev) if bs < n else torch.arange(n, device=dev)
        y = y_all[idx]
        if cached:
            pred = model.from_features(*(f[idx] for f in feats))
            loss = ((pred - y) / scale).pow(2).mean()
        else:
            pos = train.pos[idx]
            forces = train.forces[idx]
            if config.augment:
                rot = random_rotations(bs, gen, dtype=pos.dtype).to(dev)
                pos = pos @ rot.transpose(-1, -2)
                forces = forces @ rot.transpose(-1, -2)
                if model.output == "vector":
                    y = (y.unsqueeze(1) @ rot.transpose(-1, -2)).squeeze(1)
            need_grad = model.output == "energy" and (config.force_weight or config.penalty_weight)
            if need_grad:
                pos = pos.detach().requires_grad_(True)
                pred, f_pred = _energy_and_forces(model, pos, create_graph=True)
            else:
                pred = model(pos)
            loss = ((pred - y) / scale).pow(2).mean()
            if need_grad and config.force_weight:
                loss = loss + config.force_weight * ((f_pred - forces) / f_scale).pow(2).mean()
            if need_grad and config.penalty_weight:
                tau = net_torque(pos, f_pred)
                loss = loss + config.penalty_weight * (tau / (f_scale * r_c)).pow(2).sum(-1).mean()
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        sched.step()
        running += float(loss.detach())
        if (step + 1) % every == 0:
            history.append(running / every)
            running = 0.0
    control.check(1.0, f"{progress_label} done")
    return {
        "final_loss": history[-1] if history else float("nan"),
        "seconds": time.perf_counter() - t0,
        "steps": config.steps,
        "cached": cached,
        "loss_curve": history,
    }


def predict(model: EnvModel, pos: torch.Tensor, batch: int = 4096) -> torch.Tensor:
    """Predictions without gradients, in chunks of ``batch``."""
    with torch.no_grad():
        return (
            torch.cat([model(pos[i : i + batch]) for i in range(0, len(pos), batch)]) if len(pos) else pos.new_zeros(0)
        )


def predict_with_forces(model: EnvModel, pos: torch.Tensor, batch: int = 2048) -> tuple[torch.Tensor, torch.Tensor]:
    """Energies and forces ``-dE/dpos`` of an energy model (autograd), in chunks."""
    es, fs = [], []
    for i in range(0, len(pos), batch):
        e, f = _energy_and_forces(model, pos[i : i + batch].detach(), create_graph=False)
        es.append(e.detach())
        fs.append(f.detach())
    return torch.cat(es), torch.cat(fs)


def relative_rmse(pred: torch.Tensor, target: torch.Tensor, reference: torch.Tensor | None = None) -> float:
    """RMSE of ``pred - target`` divided by the target's spread.

    Energies (1-D): divided by ``std(reference)`` (default: ``target``). Vectors (..., 3): RMS norm of the
    difference divided by the RMS norm of ``reference`` (no centring: a mean vector would not be
    equivariant).
    """
    ref = target if reference is None else reference
    if target.dim() == 1:
        return float((pred - target).pow(2).mean().sqrt() / ref.std())
    return float((pred - target).pow(2).sum(-1).mean().sqrt() / ref.pow(2).sum(-1).mean().sqrt())
