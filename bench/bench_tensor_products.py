"""Benchmark: how the full Clebsch-Gordan product and the Gaunt product scale with L, beside e3nn, in one run.

For every L the three products are timed on the same random batch (best of ``--repeat``):

* ``equi_core`` full CG: :func:`equi_core.o3.gaunt.cg_full_product` (= ``tensor_product.full_tensor_product`` of
  ``0e + 1o + ... + L`` with itself into every irrep ``l <= L``, both parities; numpy einsum per path);
* ``equi_core`` Gaunt: :func:`equi_core.o3.gaunt.gaunt_product` into ``l <= L`` (Gauss grid + FFT);
* e3nn ``o3.FullTensorProduct`` with the same irreps and output filter (torch, float64, CPU), constructed
  once per L outside the timing.

The scaling exponent of each is a least-squares fit of ``log t`` against ``log L`` over the upper half of the L
range (small L is dominated by per-call overheads), printed beside the operation-count exponents (6 and 3).
A second sweep times the Gaunt product alone at larger L (``--gaunt-Ls``), where its O(L^3) shows; the full CG
product stops at L = 9 by default (its per-path Python loop and, from L = 10 on, more distinct (l1, l2, l3) triples
than the 512-entry CG caches hold make it slow for reasons unrelated to the L^6 law).
``--pages`` also times a slider change on both lesson pages (CPU time of the page script under AppTest).

Run:  ``OMP_NUM_THREADS=1 python bench/bench_tensor_products.py`` (``--quick`` for a smoke run).
"""

from __future__ import annotations

import argparse
import os
import platform
import time
from pathlib import Path

import numpy as np

from equi_core import (
    all_outputs_up_to,
    cg_full_product,
    count_cg_operations,
    count_gaunt_operations,
    fit_power_law,
    gaunt_product,
)

ROOT = Path(__file__).resolve().parents[1]


def _best(fn, repeat: int) -> float:
    fn()  # warm-up (caches, first-call allocation)
    best = float("inf")
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t0)
    return best


def _e3nn_timer(L: int, x1: np.ndarray, x2: np.ndarray):
    try:
        import torch
        from e3nn import o3
    except ImportError:  # pragma: no cover - e3nn is a dev requirement
        return None
    torch.set_default_dtype(torch.float64)
    irreps = o3.Irreps(" + ".join(f"1x{l}{'e' if l % 2 == 0 else 'o'}" for l in range(L + 1)))
    filt = [o3.Irrep(str(ir)) for ir in all_outputs_up_to(L)]
    tp = o3.FullTensorProduct(irreps, irreps, filter_ir_out=filt)
    a, b = torch.from_numpy(x1), torch.from_numpy(x2)

    def run() -> None:
        with torch.no_grad():
            tp(a, b)

    return run


def bench_products(Ls: list[int], batch: int, repeat: int, with_e3nn: bool) -> list[dict]:
    rows = []
    rng = np.random.default_rng(0)
    for L in Ls:
        x1 = rng.standard_normal((batch, (L + 1) ** 2))
        x2 = rng.standard_normal((batch, (L + 1) ** 2))
        t_cg = _best(lambda: cg_full_product(x1, x2, L), repeat)
        t_g = _best(lambda: gaunt_product(x1, x2, L), repeat)
        t_e = None
        if with_e3nn:
            run = _e3nn_timer(L, x1, x2)
            t_e = _best(run, repeat) if run is not None else None
        rows.append(
            {
                "L": L,
                "cg": t_cg,
                "gaunt": t_g,
                "e3nn": t_e,
                "cg_ops": count_cg_operations(L),
                "gaunt_ops": count_gaunt_operations(L).total,
            }
        )
        e = f"{t_e * 1e3:10.3f}" if t_e is not None else "       n/a"
        print(f"  L = {L:2d}: CG {t_cg * 1e3:9.3f} ms   Gaunt {t_g * 1e3:8.3f} ms   e3nn {e} ms", flush=True)
    return rows


def _upper_half(Ls: np.ndarray) -> np.ndarray:
    """Mask of the larger half of the L values (at least two of them)."""
    order = np.argsort(Ls)
    keep = max(2, (len(Ls) + 1) // 2)
    mask = np.zeros(len(Ls), dtype=bool)
    mask[order[-keep:]] = True
    return mask


def _fit(rows: list[dict], key: str) -> str:
    Ls = np.array([r["L"] for r in rows], dtype=float)
    ts = np.array([r[key] if r[key] is not None else np.nan for r in rows], dtype=float)
    upper = _upper_half(Ls)
    if np.isnan(ts[upper]).any() or upper.sum() < 2:
        return "n/a"
    a, _ = fit_power_law(Ls[upper], ts[upper])
    return f"{a:.2f}"


def bench_pages(reruns: int = 6) -> None:
    """CPU milliseconds of the page script per slider change (AppTest, after warm-up)."""
    import streamlit.runtime.scriptrunner.script_runner as sr
    from streamlit.testing.v1 import AppTest

    original = sr.exec_func_with_error_handling
    cpu: list[float] = []

    def timed(*a, **k):
        c0 = time.thread_time()
        try:
            return original(*a, **k)
        finally:
            cpu.append((time.thread_time() - c0) * 1e3)

    sr.exec_func_with_error_handling = timed
    try:
        for page, key, values in (
            ("truncation", "L", [5, 6, 7, 3, 4, 5, 6, 7]),
            ("tensor_products", "l1", [2, 3, 1, 2, 3, 1, 2, 3]),
        ):
            at = AppTest.from_file(str(ROOT / "pages" / f"{page}.py"), default_timeout=120)
            at.run()
            first = cpu[-1]
            for v in values[:2]:  # warm the caches of the values swept below
                at.slider(key=key).set_value(v).run()
            n0 = len(cpu)
            for v in values[2 : 2 + reruns]:
                at.slider(key=key).set_value(v).run()
                assert not at.exception
            steps = cpu[n0:]
            print(
                f"  {page:16s} first run {first:7.0f} ms CPU; slider '{key}' change: median {np.median(steps):5.1f} ms, "
                f"max {max(steps):5.1f} ms CPU (Python of the page script)"
            )
    finally:
        sr.exec_func_with_error_handling = original


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--Ls", type=int, nargs="+", default=[2, 3, 4, 5, 6, 7, 8, 9])
    parser.add_argument("--batch", type=int, default=64)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--gaunt-Ls", type=int, nargs="*", default=[8, 12, 16, 24, 32, 48])
    parser.add_argument("--no-e3nn", action="store_true")
    parser.add_argument("--pages", action="store_true", help="also time a slider change on both pages")
    parser.add_argument("--quick", action="store_true", help="a smoke run: L = 2..4, batch 8, repeat 2")
    args = parser.parse_args()
    if args.quick:
        args.Ls, args.batch, args.repeat, args.gaunt_Ls = [2, 3, 4], 8, 2, [4, 8]
    try:
        import torch

        torch.set_num_threads(1)
        torch_version = torch.__version__
    except ImportError:  # pragma: no cover
        torch_version = "absent"
    print(
        f"# tensor products: batch {args.batch}, best of {args.repeat}, {platform.processor() or platform.machine()}, "
        f"numpy {np.__version__}, torch {torch_version}, OMP_NUM_THREADS={os.environ.get('OMP_NUM_THREADS', 'unset')}"
    )
    rows = bench_products(args.Ls, args.batch, args.repeat, not args.no_e3nn)
    print()
    print("|  L | full CG (ms) | Gaunt (ms) | e3nn FullTP (ms) | CG / Gaunt | CG multiply-adds | Gaunt ops |")
    print("|---:|-------------:|-----------:|-----------------:|-----------:|-----------------:|----------:|")
    for r in rows:
        e = f"{r['e3nn'] * 1e3:.3f}" if r["e3nn"] is not None else "n/a"
        print(
            f"| {r['L']:2d} | {r['cg'] * 1e3:12.3f} | {r['gaunt'] * 1e3:10.3f} | {e:>16} | {r['cg'] / r['gaunt']:10.1f} "
            f"| {r['cg_ops']:16,d} | {r['gaunt_ops']:9,d} |"
        )
    Ls = np.array([r["L"] for r in rows], dtype=float)
    upper = _upper_half(Ls)
    ops_cg, _ = fit_power_law(Ls[upper], [r["cg_ops"] for r, u in zip(rows, upper) if u])
    ops_g, _ = fit_power_law(Ls[upper], [r["gaunt_ops"] for r, u in zip(rows, upper) if u])
    print()
    print(
        f"measured exponents over L = {int(Ls[upper][0])}..{int(Ls[upper][-1])}: "
        f"full CG {_fit(rows, 'cg')}, Gaunt {_fit(rows, 'gaunt')}, e3nn FullTensorProduct {_fit(rows, 'e3nn')}"
    )
    print(
        f"operation-count exponents over the same L: full CG {ops_cg:.2f}, Gaunt {ops_g:.2f} (asymptotically 6 and 3)"
    )
    if args.gaunt_Ls:
        print()
        print(f"# Gaunt product alone at larger L (batch {args.batch}, best of {args.repeat})")
        rng = np.random.default_rng(1)
        g_rows = []
        for L in args.gaunt_Ls:
            x1 = rng.standard_normal((args.batch, (L + 1) ** 2))
            x2 = rng.standard_normal((args.batch, (L + 1) ** 2))
            t = _best(lambda: gaunt_product(x1, x2, L), args.repeat)
            g_rows.append((L, t, count_gaunt_operations(L).total))
            print(f"|  L = {L:3d} | Gaunt {t * 1e3:9.3f} ms | {count_gaunt_operations(L).total:12,d} ops |", flush=True)
        gl = np.array([r[0] for r in g_rows], dtype=float)
        a_t, _ = fit_power_law(gl, [r[1] for r in g_rows])
        a_o, _ = fit_power_law(gl, [r[2] for r in g_rows])
        print(f"measured Gaunt exponent over L = {int(gl[0])}..{int(gl[-1])}: {a_t:.2f} (operation count: {a_o:.2f})")
    if args.pages:
        print()
        print("# slider change on the lesson pages")
        bench_pages()


if __name__ == "__main__":
    main()
