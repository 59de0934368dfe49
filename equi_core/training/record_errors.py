"""Recompute a shipped model's train/validation/test errors and write them (with budget flags) into its records.

Run ``python -m equi_core.training.record_errors ethanol`` to evaluate every shipped ``models/ethanol-*.pt`` on the
split its record states (``split_dataset`` with the recorded seed and sizes), with :func:`evaluate` (energy MAE in
meV/atom, force-component MAE in eV/Å). The errors, the command that computed them, and ``budget_limited`` (true
when training stopped at its step budget with the best validation step in the last 10 % of it, or the chosen LR at
the top of its sweep) go into both the ``.json`` sidecar and the record embedded in the ``.pt``; the two stay equal.
"""

from __future__ import annotations

import io
import json
import sys
from pathlib import Path
from typing import Any, cast

import torch

from equi_core.training.molecular import MODEL_DIR, evaluate, load_model
from equi_core.training.molecular_data import load_dataset, split_dataset


def budget_flags(record: dict[str, Any]) -> tuple[bool, str]:
    """``(budget_limited, reason)`` from a training record's stop reason, best step and LR sweep.

    Example
    -------
    >>> budget_flags({"stopped": "max_steps", "best_step": 2900, "steps_run": 3000, "lr": 0.01,
    ...               "lr_sweep": [{"lr": 0.001}, {"lr": 0.01}]})[0]
    True
    """
    reasons = []
    steps = int(record.get("steps_run", 0))
    if record.get("stopped") == "max_steps" and steps and int(record.get("best_step", 0)) >= 0.9 * steps:
        reasons.append(f"best validation step {record['best_step']} at the end of the {steps}-step budget")
    lrs = [float(s["lr"]) for s in record.get("lr_sweep", [])]
    if lrs and float(record.get("lr", 0.0)) >= max(lrs):
        reasons.append(f"chosen LR {record['lr']:g} at the top of the sweep {sorted(lrs)}")
    return bool(reasons), "; ".join(reasons)


def record_errors(path: Path, command: str) -> dict[str, Any]:
    """Evaluate the model at ``path`` on its recorded split and write errors and budget flags into its records."""
    model = load_model(path)
    record: dict[str, Any] = dict(cast(dict[str, Any], model.record))
    split = record["split"]
    ds = load_dataset(record["molecule"])
    parts = split_dataset(
        ds, seed=split["seed"], n_train=split["n_train"], n_val=split["n_val"], n_test=split["n_test"]
    )
    record["errors"] = {name: evaluate(model, part) for name, part in zip(("train", "val", "test"), parts, strict=True)}
    record["errors_command"] = command
    record["budget_limited"], record["budget_limited_reason"] = budget_flags(record)
    blob = torch.load(io.BytesIO(path.read_bytes()), map_location="cpu", weights_only=True)
    blob["record"] = json.dumps(record, default=float)
    torch.save(blob, path)
    path.with_suffix(".json").write_text(json.dumps(record, indent=1, default=float))
    return record


def main(argv: list[str]) -> None:
    molecule = argv[0] if argv else "ethanol"
    command = f"python -m equi_core.training.record_errors {molecule}"
    for path in sorted(MODEL_DIR.glob(f"{molecule}-*.pt")):
        old = json.loads(path.with_suffix(".json").read_text()).get("errors", {})
        rec = record_errors(path, command)
        for name, err in rec["errors"].items():
            was = old.get(name, {})
            print(
                f"{path.stem:28s} {name:5s} E {err['energy_mae_mev_per_atom']:.4f} meV/atom "
                f"F {err['force_mae']:.5f} eV/A  (stored before: {was.get('energy_mae_mev_per_atom')}, "
                f"{was.get('force_mae')})"
            )
        print(f"{path.stem:28s} budget_limited={rec['budget_limited']}: {rec['budget_limited_reason']}")


if __name__ == "__main__":
    main(sys.argv[1:])
