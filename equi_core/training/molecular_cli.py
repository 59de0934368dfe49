"""Command-line entry points of the molecular lab (dispatched from ``python -m equi_core.training``).

``python -m equi_core.training dataset --molecule ethanol --temperature 500 --frames 2000 --out F.npz``
"""

from __future__ import annotations

import argparse
import shlex
import sys

from .molecular_data import MOLECULES, generate_dataset, save_dataset, tblite_available

__all__ = ["dataset_main"]


def dataset_main(argv: list[str]) -> int:
    """``dataset`` subcommand: GFN2-xTB Langevin MD -> compressed ``.npz`` (see :func:`generate_dataset`)."""
    parser = argparse.ArgumentParser(
        prog="python -m equi_core.training dataset", description="GFN2-xTB (tblite) Langevin MD dataset of one molecule"
    )
    parser.add_argument("--molecule", required=True, choices=sorted(MOLECULES))
    parser.add_argument("--temperature", type=float, default=500.0, help="K (default 500)")
    parser.add_argument("--frames", type=int, default=1000)
    parser.add_argument("--out", required=True, help="output .npz")
    parser.add_argument("--timestep", type=float, default=0.5, help="fs (default 0.5)")
    parser.add_argument("--friction", type=float, default=0.01, help="1/fs (default 0.01)")
    parser.add_argument("--equilibration", type=int, default=2000, help="steps discarded (default 2000)")
    parser.add_argument("--pilot", type=int, default=8000, help="pilot steps that choose the stride (default 8000)")
    parser.add_argument("--stride", type=int, default=None, help="steps between frames (default: from the pilot)")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    if not tblite_available():
        print(
            "error: the dataset command needs tblite (GFN2-xTB), a Linux-only wheel: pip install tblite. "
            "The shipped datasets load without it.",
            file=sys.stderr,
        )
        return 2
    command = "python -m equi_core.training dataset " + " ".join(shlex.quote(a) for a in argv)

    def progress(frac: float, msg: str) -> None:
        print(f"[{frac * 100:5.1f}%] {msg}", file=sys.stderr, flush=True)

    try:
        ds = generate_dataset(
            args.molecule,
            args.temperature,
            args.frames,
            timestep_fs=args.timestep,
            friction_per_fs=args.friction,
            equilibration_steps=args.equilibration,
            pilot_steps=args.pilot,
            stride=args.stride,
            seed=args.seed,
            command=command,
            progress=progress,
        )
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    path = save_dataset(ds, args.out)
    m = ds.metadata
    print(
        f"wrote {path}: {len(ds)} frames of {m['formula']} at {m['temperature_K']} K, stride {m['stride']} "
        f"({m['stride_reason']}); {m['ms_per_md_step']} ms/step, wall {m['wall_time_s']} s"
    )
    return 0


def train_main(argv: list[str]) -> int:
    """``train`` subcommand: one model kind on one shipped dataset, learning rate chosen on validation.

    Each learning rate of ``--lrs`` gets a short run (``--sweep-steps``); the one with the lowest validation loss
    is trained again from the same initialization with the full budget (``--max-steps``, early stopping on
    validation). The model is saved with its record (command, sweep, train/val/test errors, steps, times).
    """
    import json
    import platform
    import time

    import torch

    from .molecular import evaluate, fit, load_dataset, make_model, save_model, split_dataset

    parser = argparse.ArgumentParser(
        prog="python -m equi_core.training train", description="train one molecular model (LR sweep on validation)"
    )
    parser.add_argument("--molecule", required=True, choices=sorted(MOLECULES))
    parser.add_argument("--kind", required=True)
    parser.add_argument("--hyper", default="{}", help="JSON model hyperparameters, e.g. '{\"lmax\": 1}'")
    parser.add_argument("--n-train", type=int, default=1000)
    parser.add_argument("--n-val", type=int, default=100)
    parser.add_argument("--n-test", type=int, default=500)
    parser.add_argument("--lrs", default="2e-3,5e-3,1e-2", help="comma-separated learning rates to sweep")
    parser.add_argument("--sweep-steps", type=int, default=500)
    parser.add_argument("--max-steps", type=int, default=3000)
    parser.add_argument("--eval-every", type=int, default=50)
    parser.add_argument("--patience", type=int, default=10)
    parser.add_argument("--force-weight", type=float, default=10.0)
    parser.add_argument("--augment", action="store_true", help="random-rotation augmentation")
    parser.add_argument("--rotation-penalty", type=float, default=0.0)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--out", required=True, help="output .pt (a .json record is written beside it)")
    args = parser.parse_args(argv)
    command = "python -m equi_core.training train " + " ".join(shlex.quote(a) for a in argv)
    try:
        hyper = json.loads(args.hyper)
        lrs = [float(v) for v in args.lrs.split(",") if v.strip()]
        if not lrs:
            raise ValueError("--lrs needs at least one learning rate")
        torch.set_num_threads(args.threads)
        t0 = time.perf_counter()
        ds = load_dataset(args.molecule)
        train, val, test = split_dataset(ds, seed=args.seed, n_train=args.n_train, n_val=args.n_val, n_test=args.n_test)
        common = dict(
            eval_every=args.eval_every,
            patience=args.patience,
            force_weight=args.force_weight,
            augment_rotations=args.augment,
            rotation_penalty=args.rotation_penalty,
            seed=args.seed,
            train_eval_frames=100,
        )
        sweep = []
        for lr in lrs:
            model = make_model(args.kind, ds.numbers, seed=args.seed, **hyper)
            h = fit(model, train, val, lr=lr, max_steps=args.sweep_steps, **common)
            sweep.append(
                {
                    "lr": lr,
                    "best_val_loss": h["best_val_loss"],
                    "val_force_mae": h["best"]["val"]["force_mae"],
                    "val_energy_mae": h["best"]["val"]["energy_mae"],
                    "steps": h["steps_run"],
                    "wall_time_s": h["wall_time_s"],
                }
            )
            print(
                f"sweep lr={lr:g}: val loss {h['best_val_loss']:.4g}, force MAE {sweep[-1]['val_force_mae']:.4f} "
                f"eV/A ({h['wall_time_s']:.0f} s)",
                flush=True,
            )
        best_lr = min(sweep, key=lambda r: r["best_val_loss"])["lr"]
        model = make_model(args.kind, ds.numbers, seed=args.seed, **hyper)
        h = fit(model, train, val, lr=best_lr, max_steps=args.max_steps, **common)
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    errors = {"train": evaluate(model, train), "val": evaluate(model, val), "test": evaluate(model, test)}
    curves = {
        k: h[k] for k in ("steps", "train_energy_mae", "train_force_mae", "val_energy_mae", "val_force_mae", "lr")
    }
    record = {
        "command": command,
        "molecule": args.molecule,
        "kind": model.kind,
        "hyper": model.hyper,
        "n_parameters": h["n_parameters"],
        "split": {"seed": args.seed, "n_train": args.n_train, "n_val": args.n_val, "n_test": args.n_test},
        "lr_sweep": sweep,
        "lr": best_lr,
        "loss": h["loss"],
        "best_step": h["best_step"],
        "steps_run": h["steps_run"],
        "stopped": h["stopped"],
        "train_wall_time_s": h["wall_time_s"],
        "train_cpu_time_s": h["cpu_time_s"],
        "steps_per_s": h["steps_per_s"],
        "total_wall_time_s": time.perf_counter() - t0,
        "errors": errors,
        "curves": curves,
        "augment_rotations": args.augment,
        "rotation_penalty": args.rotation_penalty,
        "threads": args.threads,
        "torch_version": torch.__version__,
        "machine": platform.platform(),
        "dataset_metadata": {k: ds.metadata.get(k) for k in ("method", "temperature_K", "stride", "command")},
    }
    save_model(model, args.out, record=record)
    te = errors["test"]
    print(
        f"wrote {args.out}: lr {best_lr:g}, best step {h['best_step']}/{h['steps_run']} ({h['stopped']}), test "
        f"energy MAE {te['energy_mae'] * 1e3:.1f} meV, force MAE {te['force_mae'] * 1e3:.1f} meV/A, "
        f"{h['wall_time_s']:.0f} s",
        flush=True,
    )
    return 0
