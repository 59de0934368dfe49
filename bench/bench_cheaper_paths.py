"""Benchmark for the lesson "Cheaper paths": Cartesian 3x3 products and the even + odd grid product vs full CG.

Two tables, each measured in one run on the same random inputs (best of ``--repeat`` after a warm-up call):

1. **Cartesian vs CG on ``0e + 1e + 2e``** (batch ``--batch``): numpy ``X @ Y`` on ``(B, 3, 3)``; the Lab's full CG
   product (:func:`equi_core.full_tensor_product`, 19 paths, a numpy einsum per path); the same full product as one
   fused dense contraction ``einsum('bi,bj,ijk->bk')`` with a precomputed 9 x 9 x 81 coupling tensor; the matrix
   product rebuilt from its 15 CG paths (:func:`equi_core.o3.cartesian.matrix_product_via_paths`); and, when torch
   and e3nn are installed, ``torch.bmm`` and e3nn's ``FullTensorProduct`` (float64, CPU) as outside references.
2. **Grid (even + odd) vs full CG product** of ``0e + 1o + ... + L`` with itself into every irrep ``l <= L``
   (batch ``--grid-batch``): :func:`equi_core.grid_full_product` (Gaunt + gradient cross product, every path, fixed
   constants), :func:`equi_core.gaunt_product` (even paths only), the Lab's ``cg_full_product`` end to end (L <= 16,
   where its Clebsch-Gordan cache holds every tensor) and the CG contraction alone, path by path with every CG tensor
   built outside the timer (one pass; to ``--cg-max`` = 32 by default, ~1e9 multiply-adds per pair there). Exponents
   are least-squares fits of ``log t`` against ``log L`` for ``L >= 8``.

Run: ``PYTHONPATH=. OMP_NUM_THREADS=1 nice -n 10 python bench/bench_cheaper_paths.py --json equi_core/lessons/data/cheaper_paths_bench.json``
(``--quick`` for a smoke run). Prints markdown tables; ``--json`` writes what the lesson page shows.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from equi_core import (
    cartesian_to_irreps,
    cg_full_product,
    clebsch_gordan,
    count_cg_operations,
    fit_power_law,
    full_tensor_product,
    gaunt_product,
    grid_full_product,
)
from equi_core.o3.cartesian import matrix_product_via_paths, matrix_vs_cg_costs
from equi_core.o3.vsh import count_grid_operations

IRREPS_012 = "0e + 1e + 2e"


def _best(fn: Callable[[], object], repeat: int) -> float:
    fn()
    best = math.inf
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t0)
    return best


def _fused_cg_tensor() -> np.ndarray:
    """``W[i, j, :]``: the 19 full-CG paths of ``0e+1e+2e`` as one dense 9 x 9 x 81 tensor (same output layout)."""
    eye = np.eye(9)
    _, out = full_tensor_product(IRREPS_012, eye[:, None, :], IRREPS_012, eye[None, :, :])
    return np.ascontiguousarray(out)


def cartesian_table(batch: int, repeat: int, seed: int = 0) -> dict:
    rng = np.random.default_rng(seed)
    X, Y = rng.standard_normal((2, batch, 3, 3))
    x, y = cartesian_to_irreps(X), cartesian_to_irreps(Y)
    W = _fused_cg_tensor()
    rows = {
        "numpy X @ Y (B,3,3)": _best(lambda: np.matmul(X, Y), repeat),
        "CG paths of X @ Y (15 paths, einsum each)": _best(lambda: matrix_product_via_paths(x, y), repeat),
        "full CG, Lab full_tensor_product (19 paths)": _best(
            lambda: full_tensor_product(IRREPS_012, x, IRREPS_012, y), repeat
        ),
        "full CG, one fused dense einsum (9x9x81)": _best(
            lambda: np.einsum("bi,bj,ijk->bk", x, y, W, optimize=True), repeat
        ),
    }
    # the fused tensor is the full product (checked here, in the run that times it)
    _, ref = full_tensor_product(IRREPS_012, x[:4], IRREPS_012, y[:4])
    assert np.max(np.abs(np.einsum("bi,bj,ijk->bk", x[:4], y[:4], W) - ref)) < 1e-12
    try:
        import torch
        from e3nn import o3

        torch.set_default_dtype(torch.float64)
        Xt, Yt = torch.tensor(X), torch.tensor(Y)
        xt, yt = torch.tensor(x), torch.tensor(y)
        tp = o3.FullTensorProduct(IRREPS_012, IRREPS_012)
        with torch.no_grad():
            rows["torch.bmm (B,3,3), float64"] = _best(lambda: torch.bmm(Xt, Yt), repeat)
            rows["e3nn FullTensorProduct (19 paths), float64"] = _best(lambda: tp(xt, yt), repeat)
    except ImportError:  # pragma: no cover - dev requirements
        pass
    costs = {c.name: c.multiply_adds for c in matrix_vs_cg_costs()}
    return {"batch": batch, "seconds": rows, "multiply_adds": costs}


def _cg_contraction_seconds(L: int, x1: np.ndarray, x2: np.ndarray) -> tuple[float, float]:
    """One pass of every CG path into ``l <= L`` (both parities arise from the paths), timing only the einsums.

    Returns ``(contraction seconds, seconds spent building CG tensors)``.
    """
    t_con = t_gen = 0.0
    for l1 in range(L + 1):
        a = x1[:, l1 * l1 : (l1 + 1) ** 2]
        for l2 in range(L + 1):
            b = x2[:, l2 * l2 : (l2 + 1) ** 2]
            for l3 in range(abs(l1 - l2), min(l1 + l2, L) + 1):
                t0 = time.perf_counter()
                C = clebsch_gordan(l1, l2, l3) * math.sqrt(2 * l3 + 1)
                t1 = time.perf_counter()
                np.einsum("bi,bj,ijk->bk", a, b, C, optimize=True)
                t2 = time.perf_counter()
                t_gen += t1 - t0
                t_con += t2 - t1
    return t_con, t_gen


def grid_table(Ls: list[int], batch: int, repeat: int, cg_max: int, e2e_max: int, seed: int = 0) -> dict:
    rows = []
    for L in Ls:
        rng = np.random.default_rng(seed + L)
        x1, x2 = rng.standard_normal((2, batch, (L + 1) ** 2))
        row: dict = {"L": L, "cg_multiply_adds": count_cg_operations(L), "grid_operations": count_grid_operations(L)}
        row["grid_s"] = _best(lambda: grid_full_product(x1, x2, L), repeat)
        row["gaunt_s"] = _best(lambda: gaunt_product(x1, x2, L), repeat)
        row["cg_end_to_end_s"] = _best(lambda: cg_full_product(x1, x2, L), repeat) if L <= e2e_max else None  # noqa: SIM300
        if L <= cg_max:  # noqa: SIM300
            con, gen = _cg_contraction_seconds(L, x1, x2)
            row["cg_contraction_s"], row["cg_tensor_build_s"] = con, gen
        else:
            row["cg_contraction_s"] = row["cg_tensor_build_s"] = None
        rows.append(row)
        print(f"  L={L}: grid {row['grid_s']:.4g} s, CG contraction {row['cg_contraction_s']}", flush=True)
    fits = {}
    for key in ("grid_s", "gaunt_s", "cg_end_to_end_s", "cg_contraction_s", "cg_multiply_adds", "grid_operations"):
        pts = [(r["L"], r[key]) for r in rows if r["L"] >= 8 and r[key] is not None]
        if len(pts) >= 2:
            fits[key] = fit_power_law([p[0] for p in pts], [p[1] for p in pts])[0]
    return {"batch": batch, "rows": rows, "exponents": fits}


def _fmt(v: float | None) -> str:
    if v is None:
        return "--"
    return f"{v * 1e3:.3g} ms" if v < 1 else f"{v:.3g} s"


def print_tables(result: dict) -> None:
    cart = result["cartesian"]
    print(f"\n### Cartesian 3x3 products vs the full CG product on 0e+1e+2e (batch {cart['batch']}, float64)\n")
    base = cart["seconds"]["numpy X @ Y (B,3,3)"]
    print("| product | time per batch | time / numpy matmul |")
    print("|---|---:|---:|")
    for name, t in cart["seconds"].items():
        print(f"| {name} | {_fmt(t)} | {t / base:.1f}x |")
    print("\n| operation count (one pair) | multiply-adds |")
    print("|---|---:|")
    for name, n in cart["multiply_adds"].items():
        print(f"| {name} | {n} |")
    grid = result["grid"]
    print(f"\n### Grid product (even + odd) vs full CG, 0e+1o+...+L into l <= L (batch {grid['batch']})\n")
    print(
        "| L | full CG multiply-adds | grid ops | grid (even+odd) | Gaunt (even) | CG end-to-end | CG contraction only |"
    )
    print("|---:|---:|---:|---:|---:|---:|---:|")
    for r in grid["rows"]:
        print(
            f"| {r['L']} | {r['cg_multiply_adds']:.3g} | {r['grid_operations']:.3g} | {_fmt(r['grid_s'])} | "
            f"{_fmt(r['gaunt_s'])} | {_fmt(r['cg_end_to_end_s'])} | {_fmt(r['cg_contraction_s'])} |"
        )
    ex = grid["exponents"]
    print("\nFitted exponents (t ~ L^a, L >= 8): " + ", ".join(f"{k}: {v:.2f}" for k, v in ex.items()))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--batch", type=int, default=4096)
    ap.add_argument("--grid-batch", type=int, default=8)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--Ls", type=str, default="2,4,6,8,12,16,24,32,48,64")
    ap.add_argument("--cg-max", type=int, default=32)
    ap.add_argument("--e2e-max", type=int, default=16)
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--json", type=str, default=None)
    args = ap.parse_args()
    if args.quick:
        args.batch, args.repeat, args.Ls, args.cg_max, args.e2e_max = 256, 1, "2,4,8,12", 8, 8
    Ls = [int(v) for v in args.Ls.split(",")]
    t0 = time.time()
    result: dict[str, Any] = {
        "command": "PYTHONPATH=. OMP_NUM_THREADS=1 nice -n 10 python bench/bench_cheaper_paths.py"
        + (" --quick" if args.quick else "")
        + (f" --json {args.json}" if args.json else ""),
        "machine": f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores, {platform.python_version()}",
        "date_utc": time.strftime("%Y-%m-%d %H:%M", time.gmtime()),
        "cartesian": cartesian_table(args.batch, args.repeat),
        "grid": grid_table(Ls, args.grid_batch, args.repeat, args.cg_max, args.e2e_max),
    }
    result["wall_s"] = time.time() - t0
    print_tables(result)
    print(f"\n({result['machine']}; {result['date_utc']} UTC; {result['wall_s']:.0f} s)")
    if args.json:
        Path(args.json).parent.mkdir(parents=True, exist_ok=True)
        Path(args.json).write_text(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
