"""Benchmark for the Tetris lesson: how long the page's live default training takes, and where the time goes.

Runs :func:`equi_core.lessons.tetris.train_job` with the live default config in this process (one torch thread,
as a job-pool worker does) and prints wall and CPU time in total and per point (equivariant net per seed, MLP per
augmentation size and seed), plus the machine's load average at start, so a slow run on a busy machine reads as
such. Also the best time of one float32 training step (forward + backward) of the equivariant net on 7 pieces.

Run: ``PYTHONPATH=. OMP_NUM_THREADS=1 nice -n 10 python bench/bench_tetris.py`` (``--json FILE`` to keep the numbers).
"""

from __future__ import annotations

import argparse
import json
import os
import time

import torch

from equi_core.lessons import tetris as lesson
from equi_core.progress import Control
from equi_core.training.tetris import make_model


def _step_time(repeat: int) -> float:
    net = make_model("equivariant", torch.Generator().manual_seed(0))
    X = torch.as_tensor(lesson.piece_points()[1:], dtype=torch.float32)
    Y = torch.as_tensor(lesson.LABELS[1:], dtype=torch.float32)
    best = float("inf")
    for _ in range(repeat):
        t = time.perf_counter()
        (net(X) - Y).pow(2).mean().backward()
        best = min(best, time.perf_counter() - t)
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", default=None)
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args()
    torch.set_num_threads(1)
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else None
    step = _step_time(args.repeat)
    t0, c0 = time.perf_counter(), time.process_time()
    result = lesson.train_job(lesson.default_train_config(), Control())
    wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    print(f"load average at start: {load}; torch threads: 1")
    print(
        f"equivariant net, one training step (7 pieces, forward + backward, best of {args.repeat}): {step * 1e3:.1f} ms"
    )
    print(f"live default train_job: wall {wall:.1f} s, CPU {cpu:.1f} s, {len(result['rows'])} points")
    print("| model | copies | seed | wall (s) | CPU (s) | test accuracy |\n|---|---|---|---|---|---|")
    for r in result["rows"]:
        print(
            f"| {r['model']} | {r['copies']} | {r['seed']} | {r['wall_time_s']:.2f} | {r['cpu_time_s']:.2f} | "
            f"{r['test_accuracy']:.3f} |"
        )
    if args.json:
        with open(args.json, "w") as fh:
            json.dump(
                {
                    "load_average": load,
                    "step_s": step,
                    "wall_s": wall,
                    "cpu_s": cpu,
                    "rows": [
                        {k: r[k] for k in ("model", "copies", "seed", "wall_time_s", "cpu_time_s")}
                        for r in result["rows"]
                    ],
                },
                fh,
                indent=1,
            )


if __name__ == "__main__":
    main()
