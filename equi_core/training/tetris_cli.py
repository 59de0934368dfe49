"""``python -m equi_core.training tetris [--quick] [--out FILE.json] [--set KEY=JSON ...]``: the Tetris lesson's run.

Without ``--quick`` it runs the full configuration (:func:`equi_core.lessons.tetris.default_train_config` with
``full=True``: 3 seeds, 6 augmentation sizes, learning rates chosen on validation) that the page shows instantly
from ``equi_core/training/results/tetris.json``; ``--quick`` runs the page's live default.
"""

from __future__ import annotations

import argparse
import json
import shlex
import sys

__all__ = ["tetris_main", "format_summary"]


def format_summary(result: dict) -> str:
    """The accuracy table: model, augmented copies, test accuracy over random rotations (mean ± std, min..max)."""
    lines = [
        f"{'model':<12} {'copies':>6} {'seeds':>5} {'test acc (8 pieces)':>22} {'min..max':>13} "
        f"{'trained pieces':>18} {'mirror piece':>12} {'train acc min':>13}"
    ]
    for s in result["summary"]:
        lines.append(
            f"{s['model']:<12} {s['copies']:>6} {s['n_seeds']:>5} {s['mean']:>13.3f} ± {s['std']:.3f} "
            f"{s['min']:>6.3f}..{s['max']:.3f} {s['mean_trained_pieces']:>10.3f} ± "
            f"{s['std_trained_pieces']:.3f} {s['mirror_piece_mean']:>12.3f} {s['train_accuracy_min']:>13.3f}"
        )
    return "\n".join(lines)


def tetris_main(argv: list[str]) -> int:
    """Entry point of the ``tetris`` subcommand (returns the exit status)."""
    from equi_core.lessons.tetris import default_train_config, train_job, validate_train_config
    from equi_core.progress import Control

    parser = argparse.ArgumentParser(prog="python -m equi_core.training tetris", description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="the page's live default instead of the full run")
    parser.add_argument("--out", default=None, help="write the JSON result here")
    parser.add_argument("--set", action="append", default=[], metavar="KEY=JSON", help="override a config key")
    args = parser.parse_args(argv)
    cfg = default_train_config(full=not args.quick)
    try:
        for item in args.set:
            k, sep, v = item.partition("=")
            if not sep:
                raise ValueError(f"--set needs KEY=VALUE, got {item!r}")
            cfg[k] = json.loads(v)
        cfg = validate_train_config(cfg)
    except (ValueError, json.JSONDecodeError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2

    def progress(frac: float, msg: str) -> None:
        print(f"\r[{frac * 100:5.1f}%] {msg[:70]:<70}", end="", file=sys.stderr, flush=True)

    result = train_job(cfg, Control(on_progress=progress if sys.stderr.isatty() else None))
    result["command"] = "python -m equi_core.training tetris " + " ".join(shlex.quote(a) for a in argv)
    print(
        f"# tetris [{result['device']}, torch {result['torch_version']}, wall {result['wall_time_s']:.1f} s, "
        f"CPU {result['cpu_time_s']:.1f} s]"
    )
    print(format_summary(result))
    if args.out:
        with open(args.out, "w") as fh:
            json.dump(result, fh, indent=1)
        print(f"wrote {args.out}")
    return 0
