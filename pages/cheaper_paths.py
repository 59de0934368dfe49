"""Lesson: cheaper paths (issue 13). Cartesian tensors, the complete product on a grid, learned symmetry, measured.

Thin page: widgets through ``lab_ui``, numbers from ``equi_core.lessons.cheaper_paths``, figures from
``equi_core.viz.cheaper_paths``.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

import lab_ui
from equi_core.lessons import cheaper_paths as cp
from equi_core.lessons.classroom import Param
from equi_core.o3 import cartesian as cart
from equi_core.o3 import vsh
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
IRREP_LABELS = ["0e", "1e:x", "1e:y", "1e:z", "2e:-2", "2e:-1", "2e:0", "2e:1", "2e:2"]


@st.cache_data(max_entries=32, show_spinner=False)
def decomposition(X: str, Y: str, seed: int) -> tuple[cp.DecompositionReport, cp.ProductReport]:
    return cp.decomposition_report(X, seed), cp.matrix_product_report(X, Y)


@st.cache_data(max_entries=32, show_spinner=False)
def cross(u: str, v: str) -> cp.CrossProductReport:
    return cp.cross_product_report(u, v)


@st.cache_data(max_entries=8, show_spinner=False)
def constants(L: int) -> tuple:
    return cp.odd_constants(L)


@st.cache_data(max_entries=8, show_spinner=False)
def completeness(L: int) -> cp.CompletenessReport:
    return cp.completeness_report(L)


def quote(key: str) -> None:
    st.markdown(f"> *{cp.ESSAY[key]}* (the essay)")


def e(v: float) -> str:
    return f"{v:.1e}"


lab_ui.page_setup("Cheaper paths: Cartesian tensors, the complete product on a grid, learned symmetry")
state = lab_ui.url_state(SPEC)
quote("ideal")
st.markdown(
    "This lesson computes three ways the field is trying to get closer, and measures each one's price beside the "
    "full Clebsch-Gordan (CG) product it replaces."
)

# ------------------------------------------------------------------------------------------------ 1
st.header("1. Cartesian tensors (TensorNet)")
quote("tensornet")
st.caption("TensorNet (Simeon & De Fabritiis, arXiv:2306.06482) works with 'Cartesian rank-2 tensors, represented "
           "as 3x3 matrices'. What a 3x3 matrix is, in the Lab's irreps, and what its matrix product computes:")
c1, c2, c3 = st.columns([2, 2, 1])
X_text = state.text_input("X (9 numbers, row by row)", "X", where=c1)
Y_text = state.text_input("Y (9 numbers, row by row)", "Y", where=c2)
seed = state.number_input("rotation #", "seed", where=c3)
try:
    dec, prod = decomposition(X_text, Y_text, int(seed))
except ValueError as exc:
    lab_ui.error("Cannot read the matrices: {}", exc)
    dec = prod = None
if dec is not None and prod is not None:
    st.latex(r"X=\tfrac{\operatorname{tr}X}{3}I+A+S,\qquad x^l_m=\langle B^l_m, X\rangle,\quad "
             r"B^l_m=\sqrt{2l+1}\,C^{(1,1,l)}_{\cdot\cdot m}\ \Rightarrow\ x\in 0e\oplus 1e\oplus 2e")
    fig = vz.tensor_parts_figure(dec.X, dec.trace_part, dec.antisymmetric, dec.symmetric_traceless,
                                 title="X and its three parts")
    lab_ui.chart(fig, "fig_parts", downloads=[
        lab_ui.csv_download("Coefficients (CSV)", {"component": IRREP_LABELS, "x": dec.x.tolist()},
                            "cartesian_irreps.csv", "dl_parts_csv"),
        lab_ui.html_download("Figure (HTML)", fig, "cartesian_parts.html", "dl_parts_html")])
    st.dataframe(pd.DataFrame({"component": IRREP_LABELS, "x": dec.x}), hide_index=True)
    m = st.columns(4)
    m[0].metric("parts sum to X, error", e(dec.parts_error))
    m[1].metric("round trip, error", e(dec.round_trip_error))
    m[2].metric("closed forms of 1e, 2e, error", e(dec.closed_form_error))
    m[3].metric("x(R X Rᵀ) − D(R) x, error", e(dec.equivariance_error))
    st.markdown("In this basis $X \\mapsto R X R^T$ *is* $D^0(R) \\oplus D^1(R) \\oplus D^2(R)$ "
                "(e3nn's $D$, checked against `wigner_D`):")
    fig = vz.rotation_matrix_figure(dec.M, title="X ↦ R X Rᵀ in the 0e + 1e + 2e basis")
    lab_ui.chart(fig, "fig_rot", downloads=[lab_ui.html_download("Figure (HTML)", fig, "rotation_blocks.html",
                                                                 "dl_rot_html")])
    m = st.columns(4)
    for i in range(3):
        m[i].metric(f"block {i} − D^{i}(R)", e(dec.block_errors[i]))
    m[3].metric("outside the blocks", e(dec.off_block))

    st.subheader("The matrix product X Y as Clebsch-Gordan paths")
    st.latex(r"\big(XY\big)_{l_3}=\sum_{l_1,l_2} c(l_1,l_2,l_3)\,\sum_{ij}C^{(l_1,l_2,l_3)}_{ijk}\,x_{l_1,i}\,y_{l_2,j}")
    rows = [(p.l1, p.l2, p.l3, p.constant, p.exact) for p in prod.paths]
    fig = vz.product_paths_figure(rows, prod.missing, title="The constant c of every path of X Y")
    table = {"l1": [r[0] for r in rows], "l2": [r[1] for r in rows], "l3": [r[2] for r in rows],
             "c": [r[3] for r in rows], "exact": [r[4] for r in rows],
             "c / sqrt(2 l3 + 1) (e3nn weight)": [p.e3nn_weight for p in prod.paths],
             "residual vs CG": [p.residual for p in prod.paths]}
    lab_ui.chart(fig, "fig_paths", downloads=[
        lab_ui.csv_download("Paths (CSV)", table, "matrix_product_paths.csv", "dl_paths_csv"),
        lab_ui.html_download("Figure (HTML)", fig, "matrix_product_paths.html", "dl_paths_html")])
    st.dataframe(pd.DataFrame(table), hide_index=True)
    m = st.columns(3)
    m[0].metric("paths with a non-zero constant", len(prod.paths))
    m[1].metric("largest residual against CG", e(prod.max_residual))
    m[2].metric("X Y rebuilt from the paths, error", e(prod.rebuild_error))
    cannot = ", ".join(f"${a}\\otimes{b}\\to{c}$" for a, b, c in prod.missing)
    st.markdown(
        f"All {len(prod.paths)} paths with $l_3 \\le 2$ are there, each with **one fixed constant**. It cannot "
        f"produce {cannot}: a 3x3 matrix has no $l = 3, 4$ part, and no weight per path can be learned inside one "
        "matrix product.")

st.subheader("The price, and the wall")
costs = cart.matrix_vs_cg_costs()
st.dataframe(pd.DataFrame({"product (one pair)": [c.name for c in costs],
                           "multiply-adds": [c.multiply_adds for c in costs], "paths": [c.paths for c in costs],
                           "output numbers": [c.outputs for c in costs]}), hide_index=True)
bench = cp.load_bench()
if bench is None:
    st.info("The shipped benchmark is not there; run `bench/bench_cheaper_paths.py --json` or measure now.")
else:
    fig = vz.seconds_bar_figure(bench.cartesian, title=f"Time per batch of {bench.cartesian_batch} pairs (shipped)")
    lab_ui.chart(fig, "fig_cart_time", downloads=[
        lab_ui.csv_download("Timings (CSV)", {"product": list(bench.cartesian),
                                              "seconds": list(bench.cartesian.values())},
                            "cartesian_timings.csv", "dl_ct_csv")])
    st.caption(f"Measured by `{bench.command}` on {bench.machine}, {bench.date_utc} UTC.")
if st.button("Measure the Cartesian products now (≈0.2 s)", key="live_cart"):
    st.dataframe(pd.DataFrame({"product": list(live := cp.live_cartesian_timing()),
                               "seconds per batch of 2048": list(live.values())}), hide_index=True)
ranks = cp.rank_rows()
fig = vz.rank_figure([r.L for r in ranks], [r.cartesian for r in ranks], [r.irrep for r in ranks],
                     [r.redundant_share for r in ranks], title="A rank-L Cartesian tensor against one irrep")
rank_table = {"L": [r.L for r in ranks], "3^L": [r.cartesian for r in ranks], "2L+1": [r.irrep for r in ranks],
              "redundant share": [r.redundant_share for r in ranks],
              "copies of l = 0..L": [" ".join(map(str, r.multiplicities)) for r in ranks]}
lab_ui.chart(fig, "fig_rank", downloads=[lab_ui.csv_download("Table (CSV)", rank_table, "rank.csv", "dl_rank_csv"),
                                         lab_ui.html_download("Figure (HTML)", fig, "rank.html", "dl_rank_html")])
st.dataframe(pd.DataFrame(rank_table), hide_index=True)

# ------------------------------------------------------------------------------------------------ 2
st.header("2. The complete product on a grid")
quote("xie")
st.markdown("The Gaunt product multiplies two functions on the sphere and so keeps only the paths with "
            "$l_1+l_2+l_3$ even (the cross product is lost). The product of their surface gradients keeps "
            "exactly the odd ones, on the same Gauss-Legendre × FFT grid:")
st.latex(r"h=\hat r\cdot(\nabla f\times\nabla g),\quad \int h\,Y_{l_3}=\lambda\,C^{(l_1,l_2,l_3)}(x_{l_1},y_{l_2}),"
         r"\quad |\lambda|=\sqrt{\tfrac{(2l_1+1)(2l_2+1)(2l_3+1)}{4\pi}}\sqrt{l_1(l_1+1)l_2(l_2+1)}"
         r"\left|\begin{pmatrix}l_1&l_2&l_3\\1&-1&0\end{pmatrix}\right|")
c1, c2 = st.columns(2)
u_text, v_text = state.text_input("u", "u", where=c1), state.text_input("v", "v", where=c2)
try:
    cr = cross(u_text, v_text)
except ValueError as exc:
    lab_ui.error("Cannot read the vectors: {}", exc)
    cr = None
if cr is not None:
    fig = vz.cross_product_figure(cr.odd, cr.expected, cr.gaunt_1e, title="The cross product, recovered on the grid")
    lab_ui.chart(fig, "fig_cross", downloads=[
        lab_ui.csv_download("Values (CSV)", {"component": ["x", "y", "z"], "odd": cr.odd.tolist(),
                                             "sqrt(3/4pi) u x v": cr.expected.tolist(), "gaunt": cr.gaunt_1e.tolist()},
                            "cross.csv", "dl_cross_csv")])
    m = st.columns(3)
    m[0].metric("grid − √(3/4π) u × v", e(cr.odd_error))
    m[1].metric("grid − λ(1,1,1) C(u, v)", e(cr.cg_error))
    m[2].metric("Gaunt's degree-1 output, largest", e(float(abs(cr.gaunt_1e).max())))
L = int(state.slider("Degrees up to L (path constants)", "L"))
rows2 = constants(L)
fig = vz.path_constants_figure([(r.l1, r.l2, r.l3, r.kind, r.constant) for r in rows2],
                               title=f"Every path up to L = {L} and its fixed grid constant")
ptable = {"l1": [r.l1 for r in rows2], "l2": [r.l2 for r in rows2], "l3": [r.l3 for r in rows2],
          "kind": [r.kind for r in rows2], "constant": [r.constant for r in rows2],
          "closed form |.|": [r.formula for r in rows2], "residual vs CG": [r.residual for r in rows2]}
lab_ui.chart(fig, "fig_consts", downloads=[
    lab_ui.csv_download("Constants (CSV)", ptable, "grid_path_constants.csv", "dl_const_csv"),
    lab_ui.html_download("Figure (HTML)", fig, "grid_path_constants.html", "dl_const_html")])
st.dataframe(pd.DataFrame(ptable).query("kind == 'odd'"), hide_index=True)
Lc = int(state.slider("Check even + odd = every CG path up to L", "Lc"))
comp = completeness(Lc)
m = st.columns(5)
m[0].metric("paths", comp.n_paths)
m[1].metric("even (Gaunt) / odd (gradients)", f"{comp.n_even} / {comp.n_odd}")
m[2].metric("smallest |constant|", f"{comp.min_constant:.3f}")
m[3].metric("each path from the grid, error", e(comp.path_error))
m[4].metric("grid = Σ constant · CG path, error", e(comp.sum_error))
if bench is not None:
    Ls = [r["L"] for r in bench.grid]
    series = {"grid, even + odd": [r["grid_s"] for r in bench.grid], "Gaunt (even only)": [r["gaunt_s"] for r in bench.grid],
              "full CG, Lab end to end": [r["cg_end_to_end_s"] for r in bench.grid],
              "full CG, contraction only": [r["cg_contraction_s"] for r in bench.grid]}
    fig = vz.grid_timing_figure(Ls, series, title=f"Measured, batch {bench.grid_batch} (shipped)")
    lab_ui.chart(fig, "fig_grid_time", downloads=[
        lab_ui.csv_download("Timings (CSV)", {"L": Ls, **series}, "grid_timings.csv", "dl_gt_csv"),
        lab_ui.html_download("Figure (HTML)", fig, "grid_timings.html", "dl_gt_html")])
    st.dataframe(pd.DataFrame({"fitted exponent (L ≥ 8)": bench.exponents}))
    st.caption(f"Measured by `{bench.command}` on {bench.machine}, {bench.date_utc} UTC.")
if st.button("Measure grid vs CG now at L = 2..8 (≈1 s)", key="live_grid"):
    st.dataframe(pd.DataFrame(cp.live_grid_timing()), hide_index=True)
sizes = cp.output_size_rows()
fig = vz.output_size_figure([s[0] for s in sizes], [s[1] for s in sizes], [s[2] for s in sizes],
                            title="What each product returns")
lab_ui.chart(fig, "fig_sizes")
st.markdown(
    "**What the grid does not give.** One *fixed* constant per path (κ for even, λ for odd paths, above), summed "
    "over all input pairs into each output degree: no independent weight per path. Xie, Daigavane, Kotak & Smidt "
    "(arXiv:2602.21466) state in their abstract: 'For full CGTP, our algorithm brings runtime complexity from the "
    "naive O(L^6) to O(L^4 log^2 L), close to the lower bound of O(L^4)', generalizing 'from scalar signals to irrep "
    "valued signals' and showing 'we only need up to vector valued signals to recover the missing interactions of "
    f"Gaunt tensor product'. The full CG output keeps every path apart: {sizes[-2][1]:,} numbers at "
    f"L = {sizes[-2][0]} against {sizes[-2][2]:,} for the grid.")

# ------------------------------------------------------------------------------------------------ 3
st.header("3. Learned symmetry, and none")
quote("equigrad")
quote("bigi")
st.info("The lab's measured results for this section are not shipped yet.")

lab_ui.quiz_section(cp.quizzes())
lab_ui.show_code(cart.cartesian_to_irreps, cart.matrix_product_paths, vsh.odd_product, vsh._grid_products,
                 vsh.odd_path_constant_formula)
state.sync()
