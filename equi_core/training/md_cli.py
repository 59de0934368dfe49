"""``python -m equi_core.training md``: molecular dynamics with learned potentials (:mod:`equi_core.training.md`).

Example (the shipped ethanol runs are made this way; the exact command is recorded in the JSON)::

    python -m equi_core.training md --model all --molecule ethanol --ensemble nve --ensemble nvt \\
        --steps 4000 --dt 0.5 --averaging transformer --out equi_core/training/results/md

``--model`` takes a kind (``nequip``, ``tensornet``, ``transformer``, ``transformer-direct``), ``kind@avgK`` (that
model averaged over K fixed random rotations), a ``.pt`` file, ``xtb`` or ``all`` (every shipped model of the
molecule); repeat it for several. The GFN2-xTB reference runs first whenever tblite is installed. Writes
``<out>/<molecule>.json`` (one study per ensemble) and one extended-XYZ trajectory per run.
"""

from __future__ import annotations

import argparse
import shlex
import sys
import time
from pathlib import Path
from typing import Any

from . import md

__all__ = ["md_main", "build_record"]

KINDS = ("nequip", "tensornet", "transformer", "transformer-direct")


def _models(specs: list[str], molecule: str) -> list[str]:
    out: list[str] = []
    for spec in specs:
        for s in spec.split(","):
            s = s.strip()
            if s == "all":
                out += [k for k in KINDS if md.model_path(molecule, k).exists()]
            elif s:
                out.append(s)
    if not out:
        raise ValueError(f"no model to run (no shipped model for {molecule!r}?)")
    return list(dict.fromkeys(out))


def build_record(
    molecule: str,
    models: list[str],
    ensembles: list[str],
    config: dict[str, Any],
    averaging: dict[str, Any] | None,
    out_dir: Path | None,
    command: str,
    control: Any | None = None,
) -> dict[str, Any]:
    """One study per ensemble (the averaging table with the first), as the JSON the page reads."""
    record: dict[str, Any] = {"molecule": molecule, "command": command, "created_unix": time.time(), "studies": []}
    for i, ensemble in enumerate(ensembles):
        cfg = md.MDConfig.from_dict({**config, "molecule": molecule, "ensemble": ensemble})
        study = md.run_md_study(
            cfg, models, control=control, averaging=averaging if i == 0 else None, out_dir=out_dir, command=command
        )
        record["studies"].append(study)
    return record


#: What a summary-only (extra-seed) run keeps of each model's run: the measured numbers, no series or frames.
SUMMARY_KEYS = (
    "model",
    "conservative",
    "constrained",
    "steps_done",
    "time_ps",
    "drift_eV_per_atom_per_ps",
    "fluctuation_eV_per_atom",
    "time_to_failure_ps",
    "failure",
    "stopped",
    "mean_temperature_K",
    "ms_per_step",
    "cpu_ms_per_step",
    "bond_w1_A",
    "angle_w1_deg",
    "rotation_energy_eV",
    "rotation_energy_f64_eV",
)


def build_seed_record(
    molecule: str,
    models: list[str],
    ensembles: list[str],
    config: dict[str, Any],
    seeds: list[int],
    command: str,
    control: Any | None = None,
) -> dict[str, Any]:
    """Summary-only studies for more starts (``seed`` draws the velocities and the Langevin noise): per seed and
    ensemble, each model's measured numbers without series, frames or trajectory files."""
    record: dict[str, Any] = {
        "molecule": molecule,
        "command": command,
        "created_unix": time.time(),
        "seeds": seeds,
        "studies": [],
    }
    for seed in seeds:
        for ensemble in ensembles:
            cfg = md.MDConfig.from_dict({**config, "molecule": molecule, "ensemble": ensemble, "seed": seed})
            study = md.run_md_study(cfg, models, control=control, command=command)
            runs = [{k: r.get(k) for k in SUMMARY_KEYS} for r in study["runs"]]
            record["studies"].append(
                {
                    "seed": seed,
                    "ensemble": ensemble,
                    "config": study["config"],
                    "start": study["start"],
                    "wall_time_s": study["wall_time_s"],
                    "runs": runs,
                }
            )
    return record


def md_main(argv: list[str]) -> int:
    """The ``md`` subcommand (see the module docstring)."""
    parser = argparse.ArgumentParser(
        prog="python -m equi_core.training md", description="MD with learned potentials vs the GFN2-xTB reference"
    )
    parser.add_argument("--model", action="append", default=[], help="kind, kind@avgK, file.pt, xtb or all")
    parser.add_argument("--molecule", default="ethanol")
    parser.add_argument("--ensemble", action="append", choices=list(md.ENSEMBLES), default=[])
    parser.add_argument("--steps", type=int, default=2000)
    parser.add_argument("--dt", type=float, default=0.5, help="time step in fs (default 0.5)")
    parser.add_argument("--temperature", type=float, default=None, help="K (default: the dataset's)")
    parser.add_argument("--friction", type=float, default=0.01, help="Langevin friction, 1/fs (default 0.01)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--frames", type=int, default=50, help="frames kept per trajectory file (default 50)")
    parser.add_argument(
        "--log-every", type=int, default=0, help="energies saved every N steps (default: steps // 400, at least 1)"
    )
    parser.add_argument("--averaging", default=None, help="kind whose rotational averaging is measured")
    parser.add_argument("--averaging-ks", default="1,2,4,8,16,32")
    parser.add_argument("--out", default=None, help="folder for <molecule>.json and the .extxyz trajectories")
    parser.add_argument(
        "--seeds", default=None, help="summary-only runs for these seeds (e.g. 1,2) -> <out>/<molecule>-seeds.json"
    )
    args = parser.parse_args(argv)
    command = "python -m equi_core.training md " + " ".join(shlex.quote(a) for a in argv)
    try:
        models = _models(args.model or ["all"], args.molecule)
        config = {
            "steps": args.steps,
            "dt_fs": args.dt,
            "temperature_K": args.temperature,
            "friction": args.friction,
            "seed": args.seed,
            "frames": args.frames,
            "log_every": args.log_every or max(1, args.steps // 400),
        }
        averaging = None
        if args.averaging:
            ks = [int(k) for k in args.averaging_ks.split(",") if k.strip()]
            averaging = {"model": args.averaging, "ks": ks, "frames": 8}
        out_dir = Path(args.out) if args.out else None

        def progress(frac: float, msg: str) -> None:
            print(f"\r[{frac * 100:5.1f}%] {msg[:70]:<70}", end="", file=sys.stderr, flush=True)

        from .md import StopRequested

        try:
            from equi_core.progress import Control
        except ImportError:  # pragma: no cover
            from .train import Control
        control = Control(on_progress=progress if sys.stderr.isatty() else None)
        try:
            if args.seeds:
                seeds = [int(x) for x in args.seeds.split(",") if x.strip()]
                record = build_seed_record(
                    args.molecule, models, args.ensemble or ["nve"], config, seeds, command, control
                )
            else:
                record = build_record(
                    args.molecule, models, args.ensemble or ["nve"], config, averaging, out_dir, command, control
                )
        except (KeyboardInterrupt, StopRequested):  # pragma: no cover - interactive
            print("\ninterrupted", file=sys.stderr)
            return 130
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if sys.stderr.isatty():
        print(file=sys.stderr)
    if args.seeds:
        for study in record["studies"]:
            fails = "; ".join(
                f"{r['model']} " + ("survived" if r["time_to_failure_ps"] is None else f"{r['time_to_failure_ps']} ps")
                for r in study["runs"]
            )
            print(f"# seed {study['seed']} {study['ensemble'].upper()}: {fails}")
        if out_dir is not None:
            print(f"wrote {md.save_study(record, out_dir / f'{args.molecule}-seeds.json')}")
        return 0
    for study in record["studies"]:
        print(
            f"# {args.molecule} {study['config']['ensemble'].upper()} {study['config']['steps']} steps x "
            f"{study['config']['dt_fs']} fs from {study['start']['source']} at {study['start']['temperature_K']} K"
        )
        print(format_table(study))
        if study.get("averaging"):
            print(format_averaging(study["averaging"]))
    if out_dir is not None:
        path = md.save_study(record, out_dir / f"{args.molecule}.json")
        print(f"wrote {path}")
    return 0


def _fmt(v: Any, spec: str) -> str:
    width = int("".join(ch for ch in spec.split(".")[0] if ch.isdigit()) or 0)
    return "-".rjust(width) if v is None else format(v, spec)


def format_table(study: dict[str, Any]) -> str:
    """The per-model table of one study (plain text)."""
    head = (
        f"{'model':<22}{'drift eV/at/ps':>15}{'fluct eV/at':>12}{'fails at ps':>12}{'bond W1 Å':>11}"
        f"{'angle W1°':>10}{'rot dE eV':>11}{'ms/step':>9}{'cpu ms':>8}"
    )
    lines = [head]
    for r in study["runs"]:
        fail = r["time_to_failure_ps"]
        fails = f"{fail:12.3f}" if fail is not None else (">" + format(r["time_ps"], ".2f")).rjust(12)
        lines.append(
            f"{r['model']:<22}{_fmt(r['drift_eV_per_atom_per_ps'], '15.2e')}{_fmt(r['fluctuation_eV_per_atom'], '12.2e')}"
            f"{fails}"
            f"{_fmt(r.get('bond_w1_A'), '11.4f')}{_fmt(r.get('angle_w1_deg'), '10.2f')}"
            f"{_fmt(r.get('rotation_energy_eV'), '11.2e')}{r['ms_per_step']:9.2f}{r['cpu_ms_per_step']:8.2f}"
        )
    return "\n".join(lines)


def format_averaging(avg: dict[str, Any]) -> str:
    """The rotational-averaging table (plain text)."""
    lines = [
        f"rotational averaging of {avg['model']} ({avg['frames']} frames)",
        f"{'k':>4} {'rotations':<12}{'max|dE| eV':>12}{'max|dF| eV/Å':>14}{'ms/call':>9}{'MAE eV':>9}",
    ]
    for r in avg["rows"]:
        lines.append(
            f"{r['k']:>4} {r['rotations']:<12}{r['energy_error_eV']:12.2e}{r['force_error_eV_per_A']:14.2e}"
            f"{r['ms_per_call']:9.2f}{_fmt(r.get('energy_mae_eV'), '9.4f')}"
        )
    return "\n".join(lines)
