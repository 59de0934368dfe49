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
