"""What the lesson "Cheaper paths" shows: Cartesian tensors, the complete product on a grid, learned symmetry.

Everything is computed here from :mod:`equi_core.o3.cartesian` and :mod:`equi_core.o3.vsh` (and the shipped
results of the training lab and molecular dynamics for section 3) as frozen dataclasses; the page only lays them
out. Defaults answer in a few milliseconds; the timings the page shows by default are the shipped benchmark
(:data:`BENCH_FILE`, written by ``bench/bench_cheaper_paths.py``, whose command line it records); a small live
re-measurement (:func:`live_cartesian_timing`, :func:`live_grid_timing`) runs only on request.

Example
-------
>>> report = decomposition_report("1, 2, 0, -1, 3, 1, 0.5, 0, 2", seed=0)
>>> report.max_error < 1e-13
True
"""

from __future__ import annotations

import json
import math
import time
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from .._checks import check_int
from ..o3 import vsh as _vsh
from ..o3.cartesian import (
    CartesianRankRow,
    CostRow,
    MatrixProductPath,
    antisymmetric_to_1e,
    cartesian_rank_table,
    cartesian_to_irreps,
    decompose_cartesian,
    exact_sqrt_string,
    irreps_to_cartesian,
    matrix_product_paths,
    matrix_product_via_paths,
    matrix_vs_cg_costs,
    missing_matrix_product_paths,
    rotation_block_check,
    symmetric_traceless_to_2e,
)
from ..o3.clebsch_gordan import clebsch_gordan
from ..o3.gaunt import count_cg_operations
from ..o3.rotations import random_rotation
from ..o3.tensor_product import full_tensor_product
from ..o3.vsh import (
    GridPathRow,
    cg_path_from_grid,
    count_grid_operations,
    grid_full_product,
    grid_path_constant,
    grid_path_table,
    odd_path_constant,
)
from ..o3.wigner import wigner_D
from .classroom import Quiz, parse_vector

__all__ = [
    "BENCH_FILE",
    "ESSAY",
    "L_PATHS_MAX",
    "L_CHECK_MAX",
    "RANK_MAX",
    "DEFAULT_X",
    "DEFAULT_Y",
    "DecompositionReport",
    "decomposition_report",
    "ProductReport",
    "matrix_product_report",
    "parse_matrix",
    "rank_rows",
    "CrossProductReport",
    "cross_product_report",
    "odd_constants",
    "CompletenessReport",
    "completeness_report",
    "output_size_rows",
    "BenchTables",
    "load_bench",
    "live_cartesian_timing",
    "live_grid_timing",
    "quizzes",
    "Columns",
    "IRREP_LABELS",
    "coefficients_table",
    "paths_table",
    "costs_table",
    "rank_table",
    "cross_table",
    "constants_table",
    "grid_timing_columns",
    "seconds_table",
    "grid_limits_text",
    "EXPONENT_NAMES",
    "RESULTS_ROOT",
    "Evidence",
    "learned_symmetry_evidence",
    "EVIDENCE_BARS",
    "evidence_bars",
    "exponent_table",
    "cartesian_summary",
    "grid_summary",
    "LATEX",
    "TEXT",
    "CODE",
]

Array = NDArray[np.float64]

#: The shipped benchmark the page shows (``bench/bench_cheaper_paths.py --json``).
BENCH_FILE = Path(__file__).resolve().parent / "data" / "cheaper_paths_bench.json"
#: Highest degree of the path-constant table on the page (dense quadrature per path; L = 6 takes ~0.1 s once).
L_PATHS_MAX = 6
#: Highest degree of the "even + odd = every path" check (one grid product per path).
L_CHECK_MAX = 4
#: Cartesian rank table goes to this rank.
RANK_MAX = 8
#: Default matrices (typed by a learner as 9 numbers, row by row).
DEFAULT_X = "1, 2, 0, -1, 3, 1, 0.5, 0, 2"
DEFAULT_Y = "0, 1, -2, 1, 0.5, 0, 2, 1, -1"
MAX_ABS_ENTRY = 1e6

#: The essay's own words for each claim the page measures (quoted verbatim from the essay's "Where the field is
#: heading"; a test checks each one is in the essay text).
ESSAY = {
    "tensornet": (
        "TensorNet 11 sidesteps the spherical harmonics machinery entirely, using Cartesian tensor representations "
        "that map more naturally to standard matrix operations on GPUs."
    ),
    "xie": (
        "Xie et al. 12 recently reduced the complexity of Clebsch-Gordan tensor products from $O(L^6)$ to "
        "$O(L^4 \\log^2 L)$, bringing higher-$L$ models closer to practical reach."
    ),
    "equigrad": (
        "Equigrad 13 penalizes equivariance violations during training rather than enforcing them architecturally, "
        "though it is only applicable to conservative models and requires careful tuning."
    ),
    "bigi": (
        "Bigi et al. 14 showed that fully unconstrained architectures can match equivariant models when trained on "
        "large enough datasets, evidence that the implementation cost has grown large enough for flexible models "
        "to compete in the large-data regime."
    ),
    "ideal": (
        "The ideal would be an architecture that is exactly equivariant, fully expressive, and efficient on modern "
        "hardware."
    ),
}


#: The page's formulas (LaTeX).
LATEX = {
    "decomposition": (
        r"X=\tfrac{\operatorname{tr}X}{3}I+A+S,\qquad x^l_m=\langle B^l_m, X\rangle,\quad "
        r"B^l_m=\sqrt{2l+1}\,C^{(1,1,l)}_{\cdot\cdot m}\ \Rightarrow\ x\in 0e\oplus 1e\oplus 2e"
    ),
    "product": r"(XY)_{l_3}=\sum_{l_1,l_2}c(l_1,l_2,l_3)\sum_{ij}C^{(l_1,l_2,l_3)}_{ijk}\,x_{l_1,i}\,y_{l_2,j}",
    "odd": (
        r"h=\hat r\cdot(\nabla f\times\nabla g),\quad \int h\,Y_{l_3}=\lambda\,C^{(l_1,l_2,l_3)}(x_{l_1},y_{l_2}),"
        r"\quad |\lambda|=\sqrt{\tfrac{(2l_1+1)(2l_2+1)(2l_3+1)}{4\pi}}\sqrt{l_1(l_1+1)l_2(l_2+1)}"
        r"\left|\begin{pmatrix}l_1&l_2&l_3\\1&-1&0\end{pmatrix}\right|"
    ),
}

#: The page's prose that quotes other sources (each quote sourced; numbers are filled in at render time).
TEXT = {
    "intro": (
        "Three ways the field is trying to get closer, each computed here and priced beside the full "
        "Clebsch-Gordan (CG) product it replaces."
    ),
    "tensornet_source": (
        "TensorNet (Simeon & De Fabritiis, arXiv:2306.06482) uses 'Cartesian rank-2 tensors, represented as 3x3 "
        "matrices'. What a 3x3 matrix is in the Lab's irreps, and what its matrix product computes:"
    ),
    "gaunt_odd": (
        "The Gaunt product multiplies two functions on the sphere and so keeps only the paths with "
        "$l_1+l_2+l_3$ even (the cross product is lost). The product of their surface gradients keeps "
        "exactly the odd ones, on the same Gauss-Legendre × FFT grid (exact quadrature):"
    ),
    "grid_limits": (
        "**What the grid does not give.** One *fixed* constant per path (κ for even, λ for odd paths, above), summed "
        "over all input pairs into each output degree: no independent weight per path. Xie, Daigavane, Kotak & "
        "Smidt (arXiv:2602.21466) write in their abstract: 'For full CGTP, our algorithm brings runtime complexity "
        "from the naive O(L^6) to O(L^4 log^2 L), close to the lower bound of O(L^4)'; they generalize 'from scalar "
        "signals to irrep valued signals' and show 'we only need up to vector valued signals to recover the missing "
        "interactions of Gaunt tensor product'. The full CG output keeps every path apart: {cg} numbers at L = {L} "
        "against {grid} for the grid. (The same gradient pairing appears as the 'spherical Poisson bracket' in "
        "Bochkarev, Lysogorskiy & Drautz, arXiv:2605.15073.)"
    ),
}


# ------------------------------------------------------------------------------------------------ section 1
def parse_matrix(text: str, name: str = "X") -> Array:
    """Nine numbers typed row by row -> a 3x3 matrix; ``ValueError`` (a plain sentence) for anything else."""
    return parse_vector(text, dim=9, max_abs=MAX_ABS_ENTRY, name=name).reshape(3, 3)


@dataclass(frozen=True)
class DecompositionReport:
    """``X = (tr X / 3) I + A + S`` and its coefficients in ``0e + 1e + 2e``, with every check the page shows.

    Attributes
    ----------
    X, trace_part, antisymmetric, symmetric_traceless : ndarray (3, 3)
    x : ndarray (9,)
        :func:`~equi_core.cartesian_to_irreps` of ``X``.
    R : ndarray (3, 3)
        The rotation of the checks (from ``seed``).
    parts_error : float
        ``max |trace + A + S - X|``.
    round_trip_error : float
        ``max |irreps_to_cartesian(x) - X|``.
    closed_form_error : float
        ``max`` over the closed forms of the ``1e`` (``sqrt 2 * axial(A)``) and ``2e`` blocks against ``x``.
    equivariance_error : float
        ``max |cartesian_to_irreps(R X R^T) - (D^0 + D^1 + D^2)(R) x|``.
    block_errors : tuple of 3 floats
        ``max |M_ll - D^l(R)|`` of the 9x9 matrix ``M`` of ``X -> R X R^T`` in the irrep basis.
    off_block : float
        Largest entry of ``M`` outside the blocks.
    M : ndarray (9, 9)
    """

    X: Array
    trace_part: Array
    antisymmetric: Array
    symmetric_traceless: Array
    x: Array
    R: Array
    parts_error: float
    round_trip_error: float
    closed_form_error: float
    equivariance_error: float
    block_errors: tuple[float, float, float]
    off_block: float
    M: Array

    @property
    def max_error(self) -> float:
        """The largest of every error above (relative to ``max(1, |X|)``): ~1e-15."""
        scale = max(1.0, float(np.abs(self.X).max()))
        raw = max(self.parts_error, self.round_trip_error, self.closed_form_error, self.equivariance_error)
        return max(raw / scale, *self.block_errors, self.off_block)


def decomposition_report(X: str | Array, seed: int = 0) -> DecompositionReport:
    """Decompose ``X`` (nine numbers as text, or a 3x3 array) and run the checks with the rotation of ``seed``."""
    Xm = parse_matrix(X) if isinstance(X, str) else np.asarray(X, dtype=np.float64)
    seed = check_int(seed, "seed", 0, 10**6)
    R = random_rotation(rng=seed)
    parts = decompose_cartesian(Xm)
    x = cartesian_to_irreps(Xm)
    block = rotation_block_check(R)
    Dtrue = np.zeros((9, 9))
    for l, s in ((0, slice(0, 1)), (1, slice(1, 4)), (2, slice(4, 9))):
        Dtrue[s, s] = wigner_D(l, R)
    closed = max(
        float(np.max(np.abs(antisymmetric_to_1e(parts.antisymmetric) - x[1:4]))),
        float(np.max(np.abs(symmetric_traceless_to_2e(parts.symmetric_traceless) - x[4:9]))),
    )
    return DecompositionReport(
        X=Xm,
        trace_part=parts.trace_part,
        antisymmetric=parts.antisymmetric,
        symmetric_traceless=parts.symmetric_traceless,
        x=x,
        R=R,
        parts_error=float(np.max(np.abs(parts.trace_part + parts.antisymmetric + parts.symmetric_traceless - Xm))),
        round_trip_error=float(np.max(np.abs(irreps_to_cartesian(x) - Xm))),
        closed_form_error=closed,
        equivariance_error=float(np.max(np.abs(cartesian_to_irreps(R @ Xm @ R.T) - Dtrue @ x))),
        block_errors=block.block_errors,
        off_block=block.off_block,
        M=block.matrix,
    )


@dataclass(frozen=True)
class ProductReport:
    """``X Y`` as Clebsch-Gordan paths: the 15 path constants, the 4 paths it cannot make, the rebuild error."""

    paths: tuple[MatrixProductPath, ...]
    missing: tuple[tuple[int, int, int], ...]
    rebuild_error: float
    z: Array
    max_residual: float
    costs: tuple[CostRow, ...]


def matrix_product_report(X: str | Array, Y: str | Array) -> ProductReport:
    """The path table of the matrix product and ``max |paths(x, y) - cartesian_to_irreps(X Y)|`` for these X, Y."""
    Xm = parse_matrix(X, "X") if isinstance(X, str) else np.asarray(X, dtype=np.float64)
    Ym = parse_matrix(Y, "Y") if isinstance(Y, str) else np.asarray(Y, dtype=np.float64)
    x, y = cartesian_to_irreps(Xm), cartesian_to_irreps(Ym)
    z = cartesian_to_irreps(Xm @ Ym)
    scale = max(1.0, float(np.abs(z).max()))
    paths = matrix_product_paths()
    return ProductReport(
        paths=paths,
        missing=missing_matrix_product_paths(),
        rebuild_error=float(np.max(np.abs(matrix_product_via_paths(x, y) - z))) / scale,
        z=z,
        max_residual=max(p.residual for p in paths),
        costs=matrix_vs_cg_costs(),
    )


def rank_rows(L_max: int = RANK_MAX) -> tuple[CartesianRankRow, ...]:
    """The ``3^L`` vs ``2L + 1`` table for ``L = 0..L_max`` (``L_max <= RANK_MAX``)."""
    L_max = check_int(L_max, "L_max", 0, RANK_MAX)
    return cartesian_rank_table(L_max)


# ------------------------------------------------------------------------------------------------ section 2
@dataclass(frozen=True)
class CrossProductReport:
    """Two vectors as degree-1 functions; the grid products' degree-1 outputs beside ``u x v``.

    ``odd`` = ``odd_product(...)[1:4]``; ``expected`` = ``sqrt(3 / 4 pi) (u x v)``; ``odd_error`` their distance;
    ``gaunt_1e`` the Gaunt product's degree-1 output (zero: the cross product is lost there); ``constant`` =
    ``lambda(1, 1, 1)``; ``cg_error`` = ``max |odd - lambda * einsum(C(1,1,1), u, v)|``.
    """

    u: Array
    v: Array
    cross: Array
    odd: Array
    expected: Array
    odd_error: float
    gaunt_1e: Array
    constant: float
    cg_error: float


def cross_product_report(u: str | Array, v: str | Array) -> CrossProductReport:
    """The cross product recovered on the grid (u, v as text "1, 2, 3" or arrays)."""
    uu = parse_vector(u, 3, 1e6, name="u") if isinstance(u, str) else np.asarray(u, dtype=np.float64)
    vv = parse_vector(v, 3, 1e6, name="v") if isinstance(v, str) else np.asarray(v, dtype=np.float64)
    f, g = np.r_[0.0, uu], np.r_[0.0, vv]
    prod = grid_full_product(f, g, L_out=2)
    odd = prod.odd[1:4]
    cross = np.cross(uu, vv)
    expected = math.sqrt(3.0 / (4.0 * math.pi)) * cross
    lam = odd_path_constant(1, 1, 1)
    cg = lam * np.einsum("ijk,i,j->k", clebsch_gordan(1, 1, 1), uu, vv)
    scale = max(1.0, float(np.abs(cross).max()))
    return CrossProductReport(
        u=uu,
        v=vv,
        cross=cross,
        odd=odd,
        expected=expected,
        odd_error=float(np.max(np.abs(odd - expected))) / scale,
        gaunt_1e=prod.even[1:4],
        constant=lam,
        cg_error=float(np.max(np.abs(odd - cg))) / scale,
    )


def odd_constants(L: int) -> tuple[GridPathRow, ...]:
    """Every path with degrees ``<= L`` (``L <= L_PATHS_MAX``) and its grid constant (even: Gaunt, odd: gradients)."""
    L = check_int(L, "L", 0, L_PATHS_MAX)
    return grid_path_table(L)


@dataclass(frozen=True)
class CompletenessReport:
    """Even + odd on the grid against the full CG product, for random inputs of degree ``L``.

    Attributes
    ----------
    L : int
    n_paths, n_even, n_odd : int
        Paths with ``l1, l2, l3 <= L``; how many of them each grid product carries.
    min_constant : float
        The smallest ``|constant|`` over all paths (non-zero: no path is lost).
    path_error : float
        ``max`` over all paths of ``|cg_path_from_grid - einsum(C, x, y)|`` (each path recovered on the grid).
    sum_error : float
        ``max |grid_full_product - sum_paths constant * CG path|`` (the grid's output is the fixed-weight sum).
    """

    L: int
    n_paths: int
    n_even: int
    n_odd: int
    min_constant: float
    path_error: float
    sum_error: float


def completeness_report(L: int = 3, seed: int = 0) -> CompletenessReport:
    """Check "even + odd = every path" at degree ``L <= L_CHECK_MAX`` on random inputs (``seed``)."""
    L = check_int(L, "L", 1, L_CHECK_MAX)
    seed = check_int(seed, "seed", 0, 10**6)
    rng = np.random.default_rng(seed)
    path_err, n_even, n_odd, min_c = 0.0, 0, 0, math.inf
    x1, x2 = rng.standard_normal((2, (L + 1) ** 2))
    grid = grid_full_product(x1, x2, L_out=L)
    even = np.zeros_like(grid.even)
    odd = np.zeros_like(grid.odd)
    for l1 in range(L + 1):
        for l2 in range(L + 1):
            a, b = x1[l1 * l1 : (l1 + 1) ** 2], x2[l2 * l2 : (l2 + 1) ** 2]
            for l3 in range(abs(l1 - l2), min(l1 + l2, L) + 1):
                ref = np.einsum("ijk,i,j->k", clebsch_gordan(l1, l2, l3), a, b)
                path_err = max(path_err, float(np.max(np.abs(cg_path_from_grid(l1, a, l2, b, l3) - ref))))
                c = grid_path_constant(l1, l2, l3)
                min_c = min(min_c, abs(c))
                if (l1 + l2 + l3) % 2 == 0:
                    n_even += 1
                    even[l3 * l3 : (l3 + 1) ** 2] += c * ref
                else:
                    n_odd += 1
                    odd[l3 * l3 : (l3 + 1) ** 2] += c * ref
    sum_err = max(float(np.max(np.abs(grid.even - even))), float(np.max(np.abs(grid.odd - odd))))
    return CompletenessReport(L, n_even + n_odd, n_even, n_odd, min_c, path_err, sum_err)


def grid_limits_text() -> str:
    """:data:`TEXT` ``['grid_limits']`` with the output sizes at L = 32 filled in (from :func:`output_size_rows`)."""
    L, cg, grid, _, _ = output_size_rows((32,))[0]
    return TEXT["grid_limits"].format(cg=f"{cg:,}", L=L, grid=f"{grid:,}")


@lru_cache(maxsize=8)
def output_size_rows(Ls: tuple[int, ...] = (2, 4, 8, 16, 32, 64)) -> tuple[tuple[int, int, int, int, int], ...]:
    """``(L, full-CG output numbers, grid output numbers, full CG multiply-adds, grid operations)`` per ``L``.

    The full CG product keeps every path apart: ``sum_paths (2 l3 + 1)`` numbers (grows like ``L^4``, the lower
    bound Xie et al. name); the grid product returns ``2 (L + 1)^2`` (both parities of every degree ``<= L``).
    """
    rows = []
    for L in Ls:
        L = check_int(L, "L", 0, 200)
        out = sum(
            2 * l3 + 1 for l1 in range(L + 1) for l2 in range(L + 1) for l3 in range(abs(l1 - l2), min(l1 + l2, L) + 1)
        )
        rows.append((L, out, 2 * (L + 1) ** 2, count_cg_operations(L), count_grid_operations(L)))
    return tuple(rows)


# ------------------------------------------------------------------------------------------------ timings
@dataclass(frozen=True)
class BenchTables:
    """The shipped benchmark: ``cartesian`` (name -> seconds per batch), ``multiply_adds``, ``grid`` rows (dicts
    with ``L``, ``grid_s``, ``gaunt_s``, ``cg_end_to_end_s``, ``cg_contraction_s``, counts), fitted ``exponents``,
    and where it came from (``command``, ``machine``, ``date_utc``). ``None`` when the file is missing."""

    cartesian_batch: int
    cartesian: dict[str, float]
    multiply_adds: dict[str, int]
    grid_batch: int
    grid: tuple[dict[str, Any], ...]
    exponents: dict[str, float]
    command: str
    machine: str
    date_utc: str


def load_bench(path: Path | str | None = None) -> BenchTables | None:
    """Read the shipped benchmark JSON (default :data:`BENCH_FILE`); ``None`` if it is absent or unreadable."""
    p = Path(path) if path is not None else BENCH_FILE
    try:
        raw = json.loads(p.read_text())
        return BenchTables(
            cartesian_batch=int(raw["cartesian"]["batch"]),
            cartesian={str(k): float(v) for k, v in raw["cartesian"]["seconds"].items()},
            multiply_adds={str(k): int(v) for k, v in raw["cartesian"]["multiply_adds"].items()},
            grid_batch=int(raw["grid"]["batch"]),
            grid=tuple(dict(r) for r in raw["grid"]["rows"]),
            exponents={str(k): float(v) for k, v in raw["grid"]["exponents"].items()},
            command=str(raw["command"]),
            machine=str(raw["machine"]),
            date_utc=str(raw["date_utc"]),
        )
    except (OSError, ValueError, KeyError, TypeError):
        return None


#: Readable names of the fitted exponents in the shipped benchmark.
EXPONENT_NAMES = {
    "grid_s": "grid product (even + odd), measured",
    "gaunt_s": "Gaunt product (even only), measured",
    "cg_end_to_end_s": "full CG, Lab end to end (L <= 16), measured",
    "cg_contraction_s": "full CG, contraction only, measured",
    "cg_multiply_adds": "full CG, multiply-adds counted",
    "grid_operations": "grid product, operations counted",
}


def exponent_table(bench: BenchTables) -> Columns:
    """The fitted exponents ``a`` of ``t ~ L^a`` (``L >= 8``) with readable names."""
    keys = [k for k in EXPONENT_NAMES if k in bench.exponents]
    return {"quantity": [EXPONENT_NAMES[k] for k in keys], "exponent a": [bench.exponents[k] for k in keys]}


def cartesian_summary(bench: BenchTables) -> str:
    """One sentence of what the shipped Cartesian timings show (ratios against ``X @ Y`` in the same run)."""
    c = bench.cartesian
    base = c["numpy X @ Y (B,3,3)"]
    full = c["full CG, Lab full_tensor_product (19 paths)"]
    fused = c["full CG, one fused dense einsum (9x9x81)"]
    text = (
        f"Measured here (batch {bench.cartesian_batch}, float64, CPU): X Y takes {1e3 * base:.3g} ms; the full CG "
        f"product of the same 0e + 1e + 2e parts takes {1e3 * full:.3g} ms path by path ({full / base:.0f}x) and "
        f"{1e3 * fused:.3g} ms as one fused contraction ({fused / base:.0f}x)"
    )
    e3nn = c.get("e3nn FullTensorProduct (19 paths), float64")
    if e3nn is not None:
        text += f"; e3nn's FullTensorProduct takes {1e3 * e3nn:.3g} ms ({e3nn / base:.0f}x)"
    return text + "."


def grid_summary(bench: BenchTables) -> str:
    """One sentence of what the shipped grid-vs-CG timings show at the largest L where both were measured."""
    both = [r for r in bench.grid if r.get("cg_contraction_s") and r.get("grid_s")]
    if not both:
        return "The shipped benchmark has no L where both products were measured."
    r = max(both, key=lambda row: row["L"])
    lo = min(both, key=lambda row: abs(row["L"] - 8))
    ex = bench.exponents

    def rate(row: dict[str, Any]) -> float:  # multiply-adds per second of the CG contraction
        return float(row["cg_multiply_adds"]) * bench.grid_batch / float(row["cg_contraction_s"])

    nan = float("nan")
    return (
        f"Measured here (batch {bench.grid_batch}): at L = {r['L']} the grid product (every path, fixed constants) "
        f"takes {1e3 * r['grid_s']:.3g} ms, the CG contraction alone {r['cg_contraction_s']:.3g} s "
        f"({r['cg_contraction_s'] / r['grid_s']:.0f}x). Fitted over L >= 8: grid t ~ L^{ex.get('grid_s', nan):.2f}; "
        f"CG t ~ L^{ex.get('cg_contraction_s', nan):.2f} measured, while its multiply-adds grow like "
        f"L^{ex.get('cg_multiply_adds', nan):.2f}: its arithmetic rate rises from {rate(lo) / 1e6:.0f} million "
        f"multiply-adds per second at L = {lo['L']} (many small numpy calls) to {rate(r) / 1e6:.0f} million at "
        f"L = {r['L']}, so over this range the measured exponent stays below the count's."
    )


def _best(fn: Any, repeat: int) -> float:
    fn()
    best = math.inf
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t0)
    return best


def live_cartesian_timing(batch: int = 2048, repeat: int = 3, seed: int = 0) -> dict[str, float]:
    """Seconds per batch, measured now: ``X @ Y``, its 15 CG paths, and the Lab's full CG product (19 paths).

    ``batch`` in 1..16384. About 0.1 s in all at the default. A measurement under this machine's load.
    """
    batch = check_int(batch, "batch", 1, 16384)
    repeat = check_int(repeat, "repeat", 1, 20)
    rng = np.random.default_rng(seed)
    X, Y = rng.standard_normal((2, batch, 3, 3))
    x, y = cartesian_to_irreps(X), cartesian_to_irreps(Y)
    irreps = "0e + 1e + 2e"
    return {
        "numpy X @ Y (B,3,3)": _best(lambda: np.matmul(X, Y), repeat),
        "CG paths of X @ Y (15 paths, einsum each)": _best(lambda: matrix_product_via_paths(x, y), repeat),
        "full CG, Lab full_tensor_product (19 paths)": _best(lambda: full_tensor_product(irreps, x, irreps, y), repeat),
    }


def live_grid_timing(Ls: tuple[int, ...] = (2, 4, 6, 8), batch: int = 8, repeat: int = 2) -> tuple[dict, ...]:
    """Grid (even + odd) vs the Lab's full CG product, measured now at small ``L`` (each ``<= 10``; ~0.5 s in all)."""
    from ..o3.gaunt import cg_full_product

    batch = check_int(batch, "batch", 1, 64)
    repeat = check_int(repeat, "repeat", 1, 10)
    rows = []
    for L in Ls:
        L = check_int(L, "L", 1, 10)
        rng = np.random.default_rng(L)
        x1, x2 = rng.standard_normal((2, batch, (L + 1) ** 2))
        rows.append(
            {
                "L": L,
                "grid_s": _best(lambda a=x1, b=x2, n=L: grid_full_product(a, b, n), repeat),
                "cg_end_to_end_s": _best(lambda a=x1, b=x2, n=L: cg_full_product(a, b, n), repeat),
            }
        )
    return tuple(rows)


# ------------------------------------------------------------------------------------------------ section 3
#: Where the other lessons ship their measured results (read here, never restated by hand).
RESULTS_ROOT = Path(__file__).resolve().parents[1] / "training" / "results"


@dataclass(frozen=True)
class Evidence:
    """One measured result of the Lab that section 3 links into the argument.

    Attributes
    ----------
    topic : str
        'penalty', 'augmentation', 'large data', 'rotational averaging', 'exact vs learned invariance',
        'conservation'.
    essay : str
        Key of :data:`ESSAY` whose claim it speaks to.
    text : str or None
        The sentence computed by the owning lesson module from its shipped file; ``None``: not shipped yet.
    values : dict
        The numbers the sentence rests on (as the owner's module reports them).
    source : str
        The shipped file (relative to the repository) it was read from, or the one it will be read from.
    page : str
        The lesson page that shows it in full.
    """

    topic: str
    essay: str
    text: str | None
    values: dict[str, float | None]
    source: str
    page: str


def _rel(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(RESULTS_ROOT.parents[2]))
    except ValueError:
        return str(path)


def _md_evidence(results_dir: Path | None) -> list[Evidence]:
    """Exact vs learned invariance, rotational averaging and conservation, from the shipped MD results."""
    md_dir = (results_dir or RESULTS_ROOT) / "md"
    page = "pages/molecular_dynamics.py"
    topics = (
        ("exact vs learned invariance", "invariance", "bigi"),
        ("rotational averaging", "averaging", "bigi"),
        ("conservation", "conservation", "equigrad"),
    )
    missing = [Evidence(t, e, None, {}, _rel(md_dir / "<molecule>.json"), page) for t, _, e in topics]
    try:
        from . import molecular_dynamics as md

        molecules = md.shipped_molecules(md_dir)
        if not molecules:
            return missing
        studies = md.load_shipped(molecules[0], md_dir)
        study = studies.get("nve") or next(iter(studies.values()))
        found = {st.topic: st for st in md.lesson_statements(study)}
    except Exception:  # a results file being rebuilt must not break this page  # noqa: BLE001
        return missing
    out = []
    for topic, key, essay in topics:
        st = found.get(key)
        src = _rel(md_dir / f"{molecules[0]}.json")
        out.append(
            Evidence(topic, essay, None if st is None else st.text, {} if st is None else dict(st.values), src, page)
        )
    return out


def _training_evidence(results_dir: Path | None) -> list[Evidence]:
    """Augmentation and the rotation penalty, and large data, from the training lab's shipped results (its own
    verdicts and sentences, :func:`equi_core.lessons.training_lab.finding`)."""
    mol_dir = (results_dir or RESULTS_ROOT) / "molecular"
    page = "pages/training_lab.py"
    items = (("augmentation and a rotation penalty", "equivariance", "equigrad"), ("large data", "large-data", "bigi"))
    out = []
    for topic, name, essay in items:
        src = _rel(mol_dir / f"{name}.json")
        text = None
        try:
            from . import training_lab as tl

            found = tl.finding(tl.shown(name, mol_dir))  # as the training lab shows it
            if found.verdict != "no result":
                text = (
                    f"{found.text} The training lab's verdict on the essay's symmetry sentence: {found.verdict}; the "
                    "Equigrad sentence quoted beside it is not tested there."
                    if name == "equivariance"
                    else f"{found.text} (The training lab's verdict on the essay's claim: {found.verdict}.)"
                )
        except Exception:  # a result being rebuilt must not break this page  # noqa: BLE001
            text = None
        out.append(Evidence(topic, essay, text, {}, src, page))
    return out


def learned_symmetry_evidence(results_dir: Path | None = None) -> tuple[Evidence, ...]:
    """Every measured result section 3 links, read from the shipped files now (missing ones marked ``text=None``).

    ``results_dir`` (default :data:`RESULTS_ROOT`) holds ``md/<molecule>.json`` and ``molecular/<experiment>.json``.
    Never raises: a missing or unreadable file gives its items with ``text=None`` ("not shipped yet").
    """
    return tuple(_training_evidence(results_dir) + _md_evidence(results_dir))


#: The rotation-sensitivity numbers section 3 draws (topic, value key, bar label).
EVIDENCE_BARS = (
    ("exact vs learned invariance", "worst_constrained_eV", "exactly invariant models, worst (eV)"),
    ("exact vs learned invariance", "best_unconstrained_eV", "unconstrained models, best (eV)"),
    ("rotational averaging", "bare_error_eV", "unconstrained, one orientation (eV)"),
    ("rotational averaging", "error_eV", "unconstrained, averaged over k rotations (eV)"),
)


def evidence_bars(evidence: tuple[Evidence, ...]) -> tuple[list[str], list[float]]:
    """Labels and values (eV) of the energy change under rotation that the shipped results report (those present)."""
    by = {e.topic: e for e in evidence}
    labels, values = [], []
    for topic, key, label in EVIDENCE_BARS:
        v = by[topic].values.get(key) if topic in by else None
        if v is not None and math.isfinite(v):
            labels.append(label)
            values.append(float(v))
    return labels, values


# ------------------------------------------------------------------------------------------------ quizzes
def quizzes() -> dict[str, Quiz]:
    """The page's quizzes; every answer computed by the core."""
    x_of_A = cartesian_to_irreps(np.array([[0.0, 1.0, 0.0], [-1.0, 0.0, 0.0], [0.0, 0.0, 0.0]]))
    nonzero = tuple(i for i in range(9) if abs(x_of_A[i]) > 1e-12)
    block = "1e" if nonzero and all(1 <= i < 4 for i in nonzero) else ("0e" if nonzero == (0,) else "2e")
    missing = missing_matrix_product_paths()
    present = {(p.l1, p.l2, p.l3) for p in matrix_product_paths()}
    option_paths = [(1, 1, 1), (2, 2, 1), (2, 2, 4), (0, 2, 2)]
    cannot = next(p for p in option_paths if p in missing)
    assert all(p in present for p in option_paths if p != cannot)
    gaunt_111 = float(np.abs(grid_full_product(np.r_[0.0, 1, 0, 0], np.r_[0.0, 0, 1, 0], L_out=1).even[1:4]).max())
    odd_111 = abs(odd_path_constant(1, 1, 1))
    which = "the gradient product r·(∇f × ∇g)" if odd_111 > 1e-12 and gaunt_111 < 1e-12 else "the Gaunt product f·g"
    r8 = cartesian_rank_table(8)[8]
    share = f"{100 * r8.redundant_share:.1f}%"
    return {
        "q_axial": Quiz(
            "An antisymmetric 3x3 matrix lands in which block of 0e + 1e + 2e?",
            ("0e", "1e", "2e"),
            block,
            "Its three numbers are an axial vector: the 1e block (even under inversion, as X -> (-I) X (-I) = X).",
        ),
        "q_missing": Quiz(
            "Which path of the full product of 0e + 1e + 2e can the matrix product X Y not produce?",
            tuple(f"{a} ⊗ {b} → {c}" for a, b, c in option_paths),
            f"{cannot[0]} ⊗ {cannot[1]} → {cannot[2]}",
            "A 3x3 matrix holds only l = 0, 1, 2; the paths into l = 3, 4 are out of its reach.",
        ),
        "q_cross": Quiz(
            "Which grid product recovers the cross product (1 ⊗ 1 → 1)?",
            ("the Gaunt product f·g", "the gradient product r·(∇f × ∇g)"),
            which,
            "f g is symmetric in f and g, the cross product antisymmetric: only the gradient product has it.",
        ),
        "q_share": Quiz(
            "What share of a rank-8 Cartesian tensor is not its single l = 8 irrep?",
            ("50.0%", "88.9%", share),
            share,
            f"3^8 = {r8.cartesian} numbers against 2·8 + 1 = {r8.irrep}.",
        ),
    }


# ------------------------------------------------------------------------------------------------ tables
Columns = dict[str, list[Any]]
IRREP_LABELS = ("0e", "1e:x", "1e:y", "1e:z", "2e:-2", "2e:-1", "2e:0", "2e:1", "2e:2")


def coefficients_table(report: DecompositionReport) -> Columns:
    """The nine coefficients of ``X`` with their irrep labels (for the page's table and CSV)."""
    return {"component": list(IRREP_LABELS), "x": [float(v) for v in report.x]}


def paths_table(report: ProductReport) -> Columns:
    """The 15 paths of ``X Y``: degrees, constant, exact form, e3nn weight, residual against CG."""
    p = report.paths
    return {
        "l1": [r.l1 for r in p],
        "l2": [r.l2 for r in p],
        "l3": [r.l3 for r in p],
        "c": [r.constant for r in p],
        "exact": [r.exact for r in p],
        "c / sqrt(2 l3 + 1) (e3nn weight)": [r.e3nn_weight for r in p],
        "residual vs CG": [r.residual for r in p],
    }


def costs_table() -> Columns:
    """Multiply-adds, paths and output numbers of the matrix product and of the full CG product (one pair)."""
    c = matrix_vs_cg_costs()
    return {
        "product (one pair)": [r.name for r in c],
        "multiply-adds": [r.multiply_adds for r in c],
        "paths": [r.paths for r in c],
        "output numbers": [r.outputs for r in c],
    }


def rank_table(rows: tuple[CartesianRankRow, ...]) -> Columns:
    """``L``, ``3^L``, ``2L + 1``, the redundant share and the copies of each degree."""
    return {
        "L": [r.L for r in rows],
        "3^L": [r.cartesian for r in rows],
        "2L+1": [r.irrep for r in rows],
        "redundant share": [r.redundant_share for r in rows],
        "copies of l = 0..L": [" ".join(map(str, r.multiplicities)) for r in rows],
    }


def cross_table(report: CrossProductReport) -> Columns:
    """Components x, y, z of the grid's degree-1 output, ``sqrt(3/4 pi) u x v`` and Gaunt's degree-1 output."""
    return {
        "component": ["x", "y", "z"],
        "grid odd product": report.odd.tolist(),
        "sqrt(3/4pi) u x v": report.expected.tolist(),
        "Gaunt product": report.gaunt_1e.tolist(),
    }


def constants_table(rows: tuple[GridPathRow, ...]) -> Columns:
    """Every path: degrees, kind (even/odd), grid constant, closed form of its magnitude, residual against CG."""
    return {
        "l1": [r.l1 for r in rows],
        "l2": [r.l2 for r in rows],
        "l3": [r.l3 for r in rows],
        "kind": [r.kind for r in rows],
        "constant": [r.constant for r in rows],
        "exact": [f"{exact_sqrt_string(r.constant * math.sqrt(math.pi), 10_000)} / sqrt(pi)" for r in rows],
        "closed form |.|": [r.formula for r in rows],
        "residual vs CG": [r.residual for r in rows],
    }


def grid_timing_columns(bench: BenchTables) -> Columns:
    """The shipped grid-vs-CG timings as columns (seconds per batch; None where not measured)."""
    g = bench.grid
    return {
        "L": [r["L"] for r in g],
        "grid, even + odd": [r["grid_s"] for r in g],
        "Gaunt (even only)": [r["gaunt_s"] for r in g],
        "full CG, Lab end to end": [r["cg_end_to_end_s"] for r in g],
        "full CG, contraction only": [r["cg_contraction_s"] for r in g],
    }


def seconds_table(seconds: dict[str, float]) -> Columns:
    """``{name: seconds}`` as two columns."""
    return {"product": list(seconds), "seconds per batch": [float(v) for v in seconds.values()]}


#: What the page's "show the code" expander shows (the implementation itself).
CODE = (
    cartesian_to_irreps,
    matrix_product_paths,
    _vsh.odd_product,
    _vsh._grid_products,
    _vsh.odd_path_constant_formula,
)
