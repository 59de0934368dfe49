"""Lesson: cheaper paths (issue 13). Cartesian tensors, the complete product on a grid, learned symmetry, measured.

Thin page: widgets through ``lab_ui``, numbers from ``equi_core.lessons.cheaper_paths``, figures from
``equi_core.viz.cheaper_paths``.
"""

from __future__ import annotations

from typing import Any

import pandas as pd
import streamlit as st

import lab_ui
from equi_core.lessons import cheaper_paths as cp
from equi_core.lessons.classroom import Param
from equi_core.viz import cheaper_paths as vz

SPEC = {
    "X": Param("str", cp.DEFAULT_X, max_len=200),
    "Y": Param("str", cp.DEFAULT_Y, max_len=200),
    "seed": Param("int", 0, min=0, max=9999),
    "u": Param("str", "1, -2, 3", max_len=80),
    "v": Param("str", "0.5, 1, 2", max_len=80),
    "L": Param("int", 3, min=1, max=cp.L_PATHS_MAX),
    "Lc": Param("int", 3, min=1, max=cp.L_CHECK_MAX),
}


cache = st.cache_data(max_entries=32, show_spinner=False)
decomposition_report, matrix_product_report = cache(cp.decomposition_report), cache(cp.matrix_product_report)
cross, constants, completeness = cache(cp.cross_product_report), cache(cp.odd_constants), cache(cp.completeness_report)
shipped_evidence = st.cache_data(ttl=300, max_entries=1, show_spinner=False)(cp.learned_symmetry_evidence)


def quote(key: str) -> None:
    st.markdown(f"> *{cp.ESSAY[key]}* (the essay)")


def show(fig: Any, key: str, table: cp.Columns | None = None, *, frame: bool = True) -> None:
    """The figure, its CSV and HTML downloads, and (``frame``) its table under it."""
    downloads = [lab_ui.html_download("Figure (HTML)", fig, f"{key}.html", f"dl_{key}_html")]
    if table is not None:
        downloads.insert(0, lab_ui.csv_download("Data (CSV)", table, f"{key}.csv", f"dl_{key}_csv"))
    lab_ui.chart(fig, key, downloads=downloads)
    if table is not None and frame:
        st.dataframe(pd.DataFrame(table), hide_index=True)


def metrics(pairs: list[tuple[str, Any]]) -> None:
    for col, (label, value) in zip(st.columns(len(pairs)), pairs):
        col.metric(label, f"{value:.1e}" if isinstance(value, float) else value)


lab_ui.page_setup("Cheaper paths: Cartesian tensors, the complete product on a grid, learned symmetry")
state = lab_ui.url_state(SPEC)
quote("ideal")
st.markdown(cp.TEXT["intro"])

# ------------------------------------------------------------------------------------------------ 1
st.header("1. Cartesian tensors (TensorNet)")
quote("tensornet")
st.caption(cp.TEXT["tensornet_source"])
c1, c2, c3 = st.columns([2, 2, 1])
X_text = state.text_input("X (9 numbers, row by row)", "X", where=c1)
Y_text = state.text_input("Y (9 numbers, row by row)", "Y", where=c2)
seed = state.number_input("rotation #", "seed", where=c3)
dec: cp.DecompositionReport | None
prod: cp.ProductReport | None
try:
    dec, prod = decomposition_report(X_text, int(seed)), matrix_product_report(X_text, Y_text)
except ValueError as exc:
    lab_ui.error("Cannot read the matrices: {}", exc)
    dec = prod = None
if dec is not None and prod is not None:
    st.latex(cp.LATEX["decomposition"])
    fig = vz.tensor_parts_figure(
        dec.X, dec.trace_part, dec.antisymmetric, dec.symmetric_traceless, title="X and its three parts"
    )
    show(fig, "cartesian_parts", cp.coefficients_table(dec), frame=False)
    st.dataframe(pd.DataFrame(cp.coefficients_table(dec)).set_index("component").T)
    metrics(
        [
            ("parts sum to X, error", dec.parts_error),
            ("round trip, error", dec.round_trip_error),
            ("closed forms of 1e, 2e, error", dec.closed_form_error),
            ("x(R X Rᵀ) − D(R) x, error", dec.equivariance_error),
        ]
    )
    st.markdown(
        "In this basis $X \\mapsto R X R^T$ *is* $D^0(R) \\oplus D^1(R) \\oplus D^2(R)$ (the Lab's, e3nn's, "
        "Wigner matrices):"
    )
    show(vz.rotation_matrix_figure(dec.M, title="X ↦ R X Rᵀ in the 0e + 1e + 2e basis"), "rotation_blocks")
    metrics([(f"block {i} − D^{i}(R)", dec.block_errors[i]) for i in range(3)] + [("outside", dec.off_block)])

    st.subheader("The matrix product X Y as Clebsch-Gordan paths")
    st.latex(cp.LATEX["product"])
    rows = [(p.l1, p.l2, p.l3, p.constant, p.exact) for p in prod.paths]
    show(
        vz.product_paths_figure(rows, prod.missing, title="The constant c of every path of X Y"),
        "matrix_product_paths",
        cp.paths_table(prod),
    )
    metrics(
        [
            ("paths with a non-zero constant", len(prod.paths)),
            ("largest residual against CG", prod.max_residual),
            ("X Y rebuilt from the paths, error", prod.rebuild_error),
        ]
    )
    cannot = ", ".join(f"${a}\\otimes{b}\\to{c}$" for a, b, c in prod.missing)
    st.markdown(
        f"All {len(prod.paths)} paths with $l_3 \\le 2$ are there, each with **one fixed constant**. It "
        f"cannot produce {cannot}: a 3x3 matrix has no $l = 3, 4$ part, and there is no weight per path."
    )

st.subheader("The price, and the wall")
st.dataframe(pd.DataFrame(cp.costs_table()), hide_index=True)
bench = cp.load_bench()
if bench is None:
    st.info("The shipped benchmark is missing (run `bench/bench_cheaper_paths.py --json`); measure it now below.")
else:
    fig = vz.seconds_bar_figure(bench.cartesian, title=f"Time per batch of {bench.cartesian_batch} pairs (shipped)")
    show(fig, "cartesian_timings", cp.seconds_table(bench.cartesian), frame=False)
    st.markdown(cp.cartesian_summary(bench))
    st.caption(f"Measured by `{bench.command}` on {bench.machine}, {bench.date_utc} UTC.")
if st.button("Measure the Cartesian products now (≈0.2 s, batch 2048)", key="live_cart"):
    st.dataframe(pd.DataFrame(cp.seconds_table(cp.live_cartesian_timing())), hide_index=True)
ranks = cp.rank_rows()
fig = vz.rank_figure(
    [r.L for r in ranks],
    [r.cartesian for r in ranks],
    [r.irrep for r in ranks],
    [r.redundant_share for r in ranks],
    title="A rank-L Cartesian tensor against one irrep",
)
show(fig, "cartesian_rank", cp.rank_table(ranks))

# ------------------------------------------------------------------------------------------------ 2
st.header("2. The complete product on a grid")
quote("xie")
st.markdown(cp.TEXT["gaunt_odd"])
st.latex(cp.LATEX["odd"])
c1, c2 = st.columns(2)
u_text, v_text = state.text_input("u", "u", where=c1), state.text_input("v", "v", where=c2)
cr: cp.CrossProductReport | None
try:
    cr = cross(u_text, v_text)
except ValueError as exc:
    lab_ui.error("Cannot read the vectors: {}", exc)
    cr = None
if cr is not None:
    fig = vz.cross_product_figure(cr.odd, cr.expected, cr.gaunt_1e, title="The cross product, recovered on the grid")
    show(fig, "cross_product", cp.cross_table(cr), frame=False)
    metrics(
        [
            ("grid − √(3/4π) u × v", cr.odd_error),
            ("grid − λ(1,1,1) C(u, v)", cr.cg_error),
            ("Gaunt's degree-1 output, largest", float(abs(cr.gaunt_1e).max())),
        ]
    )
L = int(state.slider("Degrees up to L (path constants)", "L"))
rows2 = constants(L)
fig = vz.path_constants_figure(
    [(r.l1, r.l2, r.l3, r.kind, r.constant) for r in rows2],
    title=f"Every path up to L = {L} and its fixed grid constant",
)
show(fig, "grid_path_constants", cp.constants_table(rows2))
Lc = int(state.slider("Check even + odd = every CG path up to L", "Lc"))
comp = completeness(Lc)
metrics(
    [
        ("paths", comp.n_paths),
        ("even (Gaunt) / odd (gradients)", f"{comp.n_even} / {comp.n_odd}"),
        ("smallest |constant|", f"{comp.min_constant:.3f}"),
        ("each path from the grid, error", comp.path_error),
        ("grid = Σ constant · CG path, error", comp.sum_error),
    ]
)
if bench is not None:
    cols = cp.grid_timing_columns(bench)
    series = {k: v for k, v in cols.items() if k != "L"}
    show(
        vz.grid_timing_figure(cols["L"], series, title=f"Measured, batch {bench.grid_batch} (shipped)"),
        "grid_timings",
        cols,
        frame=False,
    )
    st.markdown(cp.grid_summary(bench))
    st.dataframe(pd.DataFrame(cp.exponent_table(bench)), hide_index=True)
    st.caption(
        f"Measured by `{bench.command}` on {bench.machine}, {bench.date_utc} UTC. 'Contraction only' builds "
        "every CG tensor outside the timer; 'end to end' is the Lab's product with its CG cache (L ≤ 16)."
    )
if st.button("Measure grid vs CG now at L = 2..8 (≈1 s)", key="live_grid"):
    st.dataframe(pd.DataFrame(cp.live_grid_timing()), hide_index=True)
sizes = cp.output_size_rows()
show(
    vz.output_size_figure(
        [s[0] for s in sizes],
        [s[1] for s in sizes],
        [s[2] for s in sizes],
        title="How many numbers each product returns",
    ),
    "output_sizes",
)
st.markdown(cp.grid_limits_text())

# ------------------------------------------------------------------------------------------------ 3
st.header("3. Learned symmetry, and none")
quote("equigrad")
quote("bigi")
evidence = shipped_evidence()
for ev in evidence:
    if ev.text is None:
        st.info(f"**{ev.topic.capitalize()}**: not shipped yet (`{ev.source}`).")
    else:
        st.markdown(f"**{ev.topic.capitalize()}** (read from `{ev.source}`): {ev.text}")
labels, values = cp.evidence_bars(evidence)
if labels:
    show(
        vz.results_figure(labels, values, unit="eV", title="Energy change under rotation (shipped MD results)"),
        "rotation_sensitivity",
        {"quantity": labels, "eV": values},
        frame=False,
    )
lab_ui.lesson_link("pages/molecular_dynamics.py", "Molecular dynamics: exact versus learned symmetry, measured")
lab_ui.lesson_link("pages/training_lab.py", "Training lab: augmentation, penalty and large data, measured")

lab_ui.quiz_section(cp.quizzes())
lab_ui.show_code(*cp.CODE)
state.sync()
