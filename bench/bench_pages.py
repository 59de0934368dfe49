"""Rerun cost of every page: the Python time of one widget change at default settings (Streamlit AppTest).

For each page registered in ``app.py`` (parsed from its ``st.Page("pages/<name>.py", ...)`` calls) the script
runs the page once at defaults, then moves its first slider (else number input, select box, radio or checkbox)
through ``--repeat`` new values next to the default (each a cache miss) and reports the median wall time of a
rerun, in milliseconds. The target is
< 150 ms at defaults. Usage::

    OMP_NUM_THREADS=1 python bench/bench_pages.py                 # every page, 7 changes each
    OMP_NUM_THREADS=1 python bench/bench_pages.py --pages home irreps_rotations --repeat 15

Numbers depend on the machine and its load; compare pages within one run.
"""

from __future__ import annotations

import argparse
import ast
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]  # the pages import the installed equi_core (pip install -e .)


def app_pages(app_file: Path = ROOT / "app.py") -> list[str]:
    """Names of the page files in ``app.py``'s navigation, in order."""
    tree = ast.parse(app_file.read_text())
    calls = sorted((n for n in ast.walk(tree) if isinstance(n, ast.Call)), key=lambda n: (n.lineno, n.col_offset))
    names = []
    for node in calls:
        func = node.func
        if getattr(func, "attr", getattr(func, "id", None)) != "Page" or not node.args:
            continue
        arg = node.args[0]
        if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
            names.append(Path(arg.value).stem)
    return names


def _steps(v, step, lo, hi, n: int) -> list:
    """``n`` values next to ``v`` on the widget's grid, upwards first, all different from their predecessor."""
    up = [v + k * step for k in range(1, n + 1) if hi is None or v + k * step <= hi]
    down = [v - k * step for k in range(1, n + 1) if lo is None or v - k * step >= lo]
    seq = (up + down)[:n]
    return seq if seq else []


def _pick_widget(at, n: int, only_key: str | None = None):
    """``(description, kind, key, values)``: the first keyed, changeable widget and ``n`` new values for it.

    Numeric widgets get ``n`` *distinct* values (so each rerun is a cache miss, the honest cost of a slider
    drag); select boxes and radios cycle through their options.
    """
    for w in at.slider:
        if w.key is None or isinstance(w.value, (tuple, list)) or (only_key and w.key != only_key):
            continue
        seq = _steps(w.value, w.step or 1, w.min, w.max, n)
        if seq:
            return f"slider {w.key!r}", "slider", w.key, seq
    for w in at.number_input:
        if w.key is None or (only_key and w.key != only_key):
            continue
        seq = _steps(w.value, w.step or 1, w.min, w.max, n)
        if seq:
            return f"number_input {w.key!r}", "number_input", w.key, seq
    for kind in ("selectbox", "radio"):
        for w in getattr(at, kind):
            if (
                w.key is None
                or len(w.options) < 2
                or (only_key and w.key != only_key)
                or (not only_key and w.key.startswith("quiz"))
            ):
                continue
            opts = list(w.options)
            start = opts.index(str(w.value)) if str(w.value) in opts else 0
            seq = [opts[(start + k) % len(opts)] for k in range(1, n + 1)]
            return f"{kind} {w.key!r}", kind, w.key, seq
    for w in at.checkbox:
        if w.key is not None and (not only_key or w.key == only_key):
            return (
                f"checkbox {w.key!r}",
                "checkbox",
                w.key,
                [(not w.value) if k % 2 == 0 else w.value for k in range(n)],
            )
    return None


def bench_page(name: str, repeat: int, timeout: float, widget: str | None = None) -> dict:
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(ROOT / "pages" / f"{name}.py"), default_timeout=timeout)
    t0 = time.perf_counter()
    at.run()
    first_ms = (time.perf_counter() - t0) * 1e3
    row = {
        "page": name,
        "widget": "-",
        "first_ms": first_ms,
        "median_ms": float("nan"),
        "min_ms": float("nan"),
        "max_ms": float("nan"),
        "n": 0,
        "note": "",
    }
    if at.exception:
        row["note"] = "exception at defaults: " + at.exception[0].message[:60]
        return row
    picked = _pick_widget(at, repeat, widget)
    if picked is None:
        row["note"] = f"no widget with key {widget!r}" if widget else "no keyed widget to change"
        return row
    desc, kind, key, seq = picked
    row["widget"] = desc
    times = []
    for value in seq:
        getattr(at, kind)(key=key).set_value(value)
        t = time.perf_counter()
        at.run()
        elapsed = (time.perf_counter() - t) * 1e3
        if at.exception:
            row["note"] = "exception after change: " + at.exception[0].message[:60]
            break
        times.append(elapsed)
    if times:
        row.update(median_ms=statistics.median(times), min_ms=min(times), max_ms=max(times), n=len(times))
    return row


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pages", nargs="*", help="page names (default: every page in app.py)")
    parser.add_argument("--repeat", type=int, default=7, help="widget changes timed per page (default 7)")
    parser.add_argument("--timeout", type=float, default=300.0, help="AppTest timeout per run, seconds")
    parser.add_argument("--widget", help="key of the widget to change (default: the first slider of each page)")
    args = parser.parse_args(argv)
    pages = args.pages or app_pages()
    rows = []
    for name in pages:
        print(f"... {name}", file=sys.stderr, flush=True)
        rows.append(bench_page(name, max(1, args.repeat), args.timeout, args.widget))
    header = (
        f"| {'page':<18} | {'widget changed':<34} | {'first run ms':>12} | {'rerun median ms':>15} | "
        f"{'min':>6} | {'max':>6} | {'n':>2} | note"
    )
    print(header)
    print("|" + "|".join("-" * (len(c) + 0) for c in header.split("|")[1:-1]) + "|------")
    for r in rows:
        print(
            f"| {r['page']:<18} | {r['widget']:<34} | {r['first_ms']:>12.0f} | {r['median_ms']:>15.1f} | "
            f"{r['min_ms']:>6.1f} | {r['max_ms']:>6.1f} | {r['n']:>2} | {r['note']}"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
