"""Benchmark of the math core against e3nn, measured in the same run, single-threaded.

    python bench/bench_core.py

Prints one table: wigner_D at l = 1, 4, 16, 64 (one rotation matrix; e3nn from the same Euler angles),
clebsch_gordan cold (every cache cleared) at l1 = l2 = l3 = 4, 12, 32, and spherical_harmonics of 100,000 points
at lmax = 2, 8, 12 ('component' normalization, float64 on both sides). Ratio = e3nn time / ours (> 1: we are faster).
"""

from __future__ import annotations

import os
import statistics
import time

# One thread for numpy and torch: set before they are imported (hence the E402 imports below).
os.environ.setdefault("OMP_NUM_THREADS", "1")

import numpy as np

from equi_core import matrix_to_angles, random_rotation, spherical_harmonics, wigner_D
from equi_core.o3.clebsch_gordan import clear_cache, clebsch_gordan


def _time(fn, repeat: int, number: int = 1) -> float:
    """Median seconds per call over ``repeat`` rounds of ``number`` calls."""
    rounds = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        for _ in range(number):
            fn()
        rounds.append((time.perf_counter() - t0) / number)
    return statistics.median(rounds)


def main() -> None:
    import torch
    from e3nn import o3

    torch.set_num_threads(1)
    torch.set_default_dtype(torch.float64)
    rows: list[tuple[str, str, float, float]] = []
    R = random_rotation(None, 0)
    angles = [torch.tensor(a) for a in matrix_to_angles(R)]
    for l in (1, 4, 16, 64):
        number = 200 if l < 64 else 10
        wigner_D(l, R)  # warm our per-l cache (built once per process)
        o3.wigner_D(l, *angles)
        ours = _time(lambda: wigner_D(l, R), 5, number)
        ref = _time(lambda: o3.wigner_D(l, *angles), 5, max(number // 10, 2))
        rows.append(("wigner_D", f"l={l}", ours, ref))
    for l in (4, 12, 32):

        def ours_cold() -> None:
            clear_cache()
            clebsch_gordan(l, l, l)

        def ref_cold() -> None:
            for name in ("_so3_clebsch_gordan", "_su2_clebsch_gordan", "_su2_clebsch_gordan_coeff"):
                fn = getattr(o3._wigner, name, None)
                if hasattr(fn, "cache_clear"):
                    fn.cache_clear()
            o3.wigner_3j(l, l, l, dtype=torch.float64)

        repeat = 3 if l == 32 else 5
        rows.append(("clebsch_gordan cold", f"l1=l2=l3={l}", _time(ours_cold, repeat), _time(ref_cold, repeat)))
    x = np.random.default_rng(0).standard_normal((100_000, 3))
    xt = torch.tensor(x)
    for lmax in (2, 8, 12):
        ls = list(range(lmax + 1))
        ours = _time(lambda: spherical_harmonics(ls, x), 5)
        ref = _time(lambda: o3.spherical_harmonics(ls, xt, True, normalization="component"), 5)
        rows.append(("spherical_harmonics 100k pts", f"lmax={lmax}", ours, ref))

    print(
        f"equi_core vs e3nn {getattr(__import__('e3nn'), '__version__', '?')} (torch {torch.__version__}), "
        "1 thread, float64, median"
    )
    print(f"| {'function':<30} | {'size':<14} | {'ours':>10} | {'e3nn':>10} | {'ratio':>7} |")
    print(f"|{'-' * 32}|{'-' * 16}|{'-' * 12}|{'-' * 12}|{'-' * 9}|")
    for name, size, ours, ref in rows:
        print(f"| {name:<30} | {size:<14} | {_fmt(ours):>10} | {_fmt(ref):>10} | {ref / ours:>6.1f}x |")


def _fmt(seconds: float) -> str:
    if seconds < 1e-3:
        return f"{seconds * 1e6:.1f} us"
    if seconds < 1:
        return f"{seconds * 1e3:.2f} ms"
    return f"{seconds:.2f} s"


if __name__ == "__main__":
    main()
