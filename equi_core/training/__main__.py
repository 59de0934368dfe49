"""Command line: ``python -m equi_core.training <experiment> [--quick] [--device auto|cpu|cuda] [--out file.json]``.

Runs one experiment of :mod:`equi_core.training.experiments`, prints its table and headline numbers,
and writes the JSON result (config, seed, device, torch version, wall time, per-point rows).
Ctrl-C stops after keeping the finished points.

``python -m equi_core.training dataset --molecule ethanol --temperature 500 --frames 2000 --out F.npz`` makes a
GFN2-xTB Langevin dataset (:mod:`equi_core.training.molecular_data`; needs tblite).

``python -m equi_core.training md --model all --molecule ethanol --ensemble nve --steps S --dt 0.5 [--out DIR]``
runs molecular dynamics with the shipped models and the GFN2-xTB reference (:mod:`equi_core.training.md_cli`).

``python -m equi_core.training tetris [--quick] --out F.json`` runs the Tetris lesson's comparison
(:mod:`equi_core.training.tetris_cli`).
"""
from __future__ import annotations

import argparse
import json
import shlex
import sys

from .experiments import EXPERIMENTS, experiment_key, format_table, run_experiment, save_result
from .train import Control


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv and argv[0] == "dataset":
        from .molecular_cli import dataset_main

        return dataset_main(argv[1:])
    if argv and argv[0] == "md":
        from .md_cli import md_main

        return md_main(argv[1:])
    if argv and argv[0] == "tetris":
        from .tetris_cli import tetris_main

        return tetris_main(argv[1:])
    parser = argparse.ArgumentParser(prog="python -m equi_core.training", description=__doc__.splitlines()[0])
    parser.add_argument("experiment", help=f"one of {list(EXPERIMENTS)} or 1..5")
    parser.add_argument("--quick", action="store_true", help="tiny settings (tests)")
    parser.add_argument("--device", default="auto", choices=["auto", "cpu", "cuda"])
    parser.add_argument("--out", default=None, help="write the JSON result here")
    parser.add_argument("--threads", type=int, default=1, help="torch threads (default 1)")
    parser.add_argument("--set", action="append", default=[], metavar="KEY=JSON",
                        help='override a config knob, e.g. --set n_train=[32,128] --set order=6')
    args = parser.parse_args(argv)
    try:
        key = experiment_key(args.experiment)
        overrides = {}
        for item in args.set:
            k, sep, v = item.partition("=")
            if not sep:
                raise ValueError(f"--set needs KEY=VALUE, got {item!r}")
            try:
                overrides[k] = json.loads(v)
            except json.JSONDecodeError:
                overrides[k] = v
        stop = {"flag": False}

        def progress(frac: float, msg: str) -> None:
            print(f"\r[{frac * 100:5.1f}%] {msg[:70]:<70}", end="", file=sys.stderr, flush=True)

        control = Control(should_stop=lambda: stop["flag"], on_progress=progress if sys.stderr.isatty() else None)
        command = "python -m equi_core.training " + " ".join(shlex.quote(a) for a in argv)
        try:
            result = run_experiment(key, overrides, quick=args.quick, device=args.device, control=control,
                                    threads=args.threads, command=command)
        except KeyboardInterrupt:  # pragma: no cover - interactive
            print("\ninterrupted", file=sys.stderr)
            return 130
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if sys.stderr.isatty():
        print(file=sys.stderr)
    print(f"# {result['number']}. {result['title']}  [{result['device']} {result['device_name']}, torch "
          f"{result['torch_version']}, {result['threads']} thread(s), load {result['load_average_at_start']}, "
          f"{result['wall_time_s']:.1f} s{'' if result['complete'] else ', STOPPED'}]")
    print(format_table(result))
    print("summary:", json.dumps(result["summary"], default=float))
    if args.out:
        p = save_result(result, args.out)
        print(f"wrote {p}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
