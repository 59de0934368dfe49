"""Recompute a shipped model's train/validation/test errors and write them (with budget flags) into its records.

Run ``python -m equi_core.training.record_errors ethanol`` to evaluate every shipped ``models/ethanol-*.pt`` on the
split its record states (``split_dataset`` with the recorded seed and sizes), with :func:`evaluate` (energy MAE in
meV/atom, force-component MAE in eV/Å). The errors, the command that computed them, and ``budget_limited`` (true
when training stopped at its step budget with the best validation step in the last 10 % of it, or the chosen LR at
the top of its sweep) go into both the ``.json`` sidecar and the record embedded in the ``.pt``; the two stay equal.

``python -m equi_core.training.record_errors promote --from DIR --result R.json --molecule ethanol`` makes the
shipped MD models from a sample-efficiency run that kept its models (``--set save_models_dir=DIR``: the first seed
at the largest N, trained by the lab's protocol): :data:`PROMOTED` names which model key becomes which shipped kind;
each record gets the experiment's command, its learning-rate sweep and recomputed errors.
"""

from __future__ import annotations

import io
import json
import shlex
import shutil
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


#: Which model of a sample-efficiency run becomes which shipped MD model (``models/<molecule>-<kind>.pt``).
PROMOTED: dict[str, str] = {
    "nequip-l1": "nequip",
    "tensornet": "tensornet",
    "transformer+aug": "transformer",
    "transformer-direct": "transformer-direct",
}


def promote(source: Path, result_path: Path, molecule: str, dest: Path = MODEL_DIR) -> list[Path]:
    """Copy the kept models of ``molecule`` from ``source`` to ``dest`` as the shipped kinds of :data:`PROMOTED`,
    their records completed from the experiment result at ``result_path`` (command, learning-rate sweep, source)
    and their errors recomputed (:func:`record_errors`)."""
    result = json.loads(Path(result_path).read_text())
    if result.get("config", {}).get("molecule") != molecule:
        raise ValueError(f"{result_path} is a run on {result.get('config', {}).get('molecule')!r}, not {molecule!r}")
    sweep = list(result.get("lr_sweep") or [])
    if not sweep and result.get("config", {}).get("lr_from"):
        from .catalog import load_lr_source

        sweep = list((load_lr_source(result["config"]["lr_from"]) or {}).get("lr_sweep") or [])
    command = "python -m equi_core.training.record_errors promote " + " ".join(
        shlex.quote(a) for a in ("--from", str(source), "--result", str(result_path), "--molecule", molecule)
    )
    out = []
    from .molecular_runs import molecule_stem

    stem = molecule_stem(molecule)
    for key, kind in PROMOTED.items():
        src = Path(source) / f"{stem}-{key}.pt"
        if not src.is_file():
            raise ValueError(f"{src} is missing: run the experiment with --set save_models_dir=...")
        target = Path(dest) / f"{stem}-{kind}.pt"
        shutil.copyfile(src, target)
        blob = torch.load(io.BytesIO(target.read_bytes()), map_location="cpu", weights_only=True)
        record = json.loads(blob.get("record") or "{}")
        record.update(
            command=result.get("command"),
            promoted_by=command,
            experiment=result.get("experiment"),
            lr_source=result.get("lr_source"),
            lr_sweep=[
                {"lr": float(r["lr"]), "val_force_mae": r.get("val_force_mae"), "stopped": r.get("stopped")}
                for r in sweep
                if r.get("model") == key
            ],
            device=result.get("device"),
        )
        blob["record"] = json.dumps(record, default=float)
        torch.save(blob, target)
        target.with_suffix(".json").write_text(json.dumps(record, indent=1, default=float))
        record_errors(target, command)
        out.append(target)
    return out


def main(argv: list[str]) -> None:
    if argv and argv[0] == "promote":
        import argparse

        p = argparse.ArgumentParser(prog="python -m equi_core.training.record_errors promote")
        p.add_argument("--from", dest="source", required=True)
        p.add_argument("--result", required=True)
        p.add_argument("--molecule", required=True)
        a = p.parse_args(argv[1:])
        for path in promote(Path(a.source), Path(a.result), a.molecule):
            rec = json.loads(path.with_suffix(".json").read_text())
            print(
                f"{path.name}: test F {rec['errors']['test']['force_mae']:.4f} eV/A, "
                f"budget_limited={rec['budget_limited']} {rec['budget_limited_reason']}"
            )
        return
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
