"""``python -m equi_core.training experiment NAME [--quick|--live] [--workers K | --ray auto|ADDRESS]
[--device auto|cpu|cuda] [--set KEY=JSON ...] [--resume F] [--out F]``.

Runs one experiment of :mod:`equi_core.training.experiments` (the shipped ``full`` definition unless ``--quick`` or
``--live``), prints the seed-aggregated table (train / validation / test) and writes the JSON result (command,
device, versions, executor, wall and CPU times, every run, the table, the learning-rate sweep). Without ``--out``
the result goes to ``equi_core/training/results/molecular/<experiment>.json`` only for the full definition.
Ctrl-C stops after keeping the finished runs; ``--resume F`` (F: that stopped result, or any result of the same
experiment and configuration) trains only the runs F lacks, and the retries of its failed runs.
"""

from __future__ import annotations

import argparse
import json
import shlex
import sys

from ..progress import Control
from .catalog import EXPERIMENTS, experiment_key
from .executors import make_executor

__all__ = ["experiment_main", "build_parser"]


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of the ``experiment`` sub-command."""
    p = argparse.ArgumentParser(
        prog="python -m equi_core.training experiment",
        description="Run one training-lab experiment under the lab's protocol.",
    )
    p.add_argument("name", help=f"one of {list(EXPERIMENTS)} or 1..5")
    tier = p.add_mutually_exclusive_group()
    tier.add_argument("--quick", action="store_true", help="tiny settings (tests)")
    tier.add_argument("--live", action="store_true", help="the page's live-run settings (< 30 s)")
    p.add_argument("--workers", type=int, default=0, help="run the points in K local processes (default: in-process)")
    p.add_argument("--ray", default=None, metavar="auto|ADDRESS", help="run the points on a Ray cluster (optional)")
    p.add_argument(
        "--device",
        default="cpu",
        choices=["auto", "cpu", "cuda"],
        help="recorded; the experiment's definition does not change with it",
    )
    p.add_argument("--out", default=None, help="write the JSON result here")
    p.add_argument(
        "--resume",
        default=None,
        metavar="F",
        help="keep the runs of the result F (same experiment and configuration); train only what it lacks",
    )
    p.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="KEY=JSON",
        help="override a config knob, e.g. --set 'n_train=[25,50]' --set 'seeds=[0]'",
    )
    return p


def experiment_main(argv: list[str]) -> int:
    """Entry point; returns the exit status (2 with a one-line message for bad arguments)."""
    args = build_parser().parse_args(argv)
    from .experiments import format_table, run_experiment, save_result  # torch loads here

    try:
        key = experiment_key(args.name)
        overrides: dict[str, object] = {}
        for item in args.set:
            k, sep, v = item.partition("=")
            if not sep:
                raise ValueError(f"--set needs KEY=VALUE, got {item!r}")
            try:
                overrides[k] = json.loads(v)
            except json.JSONDecodeError:
                overrides[k] = v
        tier = "quick" if args.quick else "live" if args.live else "full"
        prior = None
        if args.resume:
            try:
                with open(args.resume, encoding="utf-8") as fh:
                    prior = json.load(fh)
            except (OSError, json.JSONDecodeError) as exc:
                raise ValueError(f"--resume: cannot read {args.resume!r} as a JSON result ({exc})") from exc
        executor = make_executor(workers=args.workers, ray=args.ray)
    except (ValueError, RuntimeError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2

    def progress(frac: float, msg: str) -> None:
        print(f"\r[{frac * 100:5.1f}%] {msg[:90]:<90}", end="", file=sys.stderr, flush=True)

    control = Control(on_progress=progress if sys.stderr.isatty() else None)
    command = "python -m equi_core.training experiment " + " ".join(shlex.quote(a) for a in argv)
    out = args.out if (args.out or tier != "full") else None

    def on_partial(partial: dict) -> None:  # a killed run keeps its finished runs on disk
        if out is not None or tier == "full":
            save_result(partial, out)
        if not sys.stderr.isatty():
            print(
                f"[{partial['wall_time_s']:.0f} s] sweep runs {len(partial['lr_sweep'])}, main rows "
                f"{len(partial['rows'])}",
                file=sys.stderr,
                flush=True,
            )

    try:
        result = run_experiment(
            key,
            overrides,
            tier=tier,
            device=args.device,
            executor=executor,
            control=control,
            command=command,
            on_partial=on_partial,
            resume=prior,
        )
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:  # pragma: no cover - interactive
        print("\ninterrupted", file=sys.stderr)
        return 130
    print(
        f"# {result['number']}. {result['title']}  [{result['device']}, {result['executor']}, "
        f"wall {result['wall_time_s']:.1f} s, CPU {result['cpu_time_s']:.1f} s"
        f"{'' if result['complete'] else ', STOPPED'}]"
    )
    print(f"chosen learning rates: {result['chosen_lr']}")
    print(format_table(result))
    if args.out or tier == "full":
        print(f"wrote {save_result(result, args.out)}")
    return 0
