"""Lesson: tensor products, the price (issue 5); widgets via lab_ui, numbers from equi_core.lessons.tensor_products."""

from __future__ import annotations

import streamlit as st

import lab_ui
from equi_core import SphericalFFT, count_gaunt_operations, full_tensor_product, gaunt_product
from equi_core.lessons import tensor_products as lesson
from equi_core.lessons.classroom import Param, format_vector, parse_vector
from equi_core.viz import tensor_products as vt

L_IN, L_TIME = lesson.L_IN_MAX, lesson.L_TIME_MAX
SPEC = {
    "l1": Param("int", 1, min=0, max=L_IN),
    "p1": Param("choice", "o", choices=tuple(lesson.PARITIES)),
    "l2": Param("int", 1, min=0, max=L_IN),
    "p2": Param("choice", "o", choices=tuple(lesson.PARITIES)),
    "l3": Param("int", 1, min=0, max=2 * L_IN),
    "u": Param("str", lesson.DEFAULT_U, max_len=80),
    "v": Param("str", lesson.DEFAULT_V, max_len=80),
    "seed": Param("int", 0, min=0, max=9999),
    "Lc": Param("int", 32, min=4, max=lesson.L_COUNT_MAX),
    "Lt": Param("int", 6, min=2, max=L_TIME),
}
CODE = (full_tensor_product, gaunt_product, SphericalFFT, lesson.couple_two_vectors, count_gaunt_operations)
cg_block = st.cache_data(max_entries=32, show_spinner=False)(lesson.cg_block)
vector_coupling = st.cache_data(max_entries=32, show_spinner=False)(lesson.vector_coupling)
all_counts = st.cache_data(max_entries=2, show_spinner=False)(lesson.all_operation_counts)
time_products = st.cache_data(max_entries=16, show_spinner=False)(lesson.time_products)
path_census = st.cache_data(max_entries=4, show_spinner=False)(lesson.path_census)
quizzes = st.cache_data(max_entries=1, show_spinner=False)(lesson.quizzes)  # ~10 ms of operation counts
PARITY_NAMES = {"e": "even (e)", "o": "odd (o)"}

lab_ui.page_setup("Tensor products: the price")
state = lab_ui.url_state(SPEC)
st.markdown(
    "**The theorem.** Two irreps multiply into a sum of irreps, and the Clebsch–Gordan (CG) tensor is the only "
    "bilinear map that does it equivariantly: for every rotation $R$, $z(D^{l_1}x, D^{l_2}y) = D^{l_3} z(x, y)$. "
    "Under inversion the parities multiply.  \n"
    "**The cost.** Coupling every pair of degrees up to $L$ into every degree up to $L$ takes $O(L^6)$ "
    "multiply-adds. Cheaper products exist, and each one pays in what it can compute.  \n"
    "**The numbers** below are computed live by `equi_core` (operation counts, equivariance errors, and "
    "times measured on this server)."
)
st.latex(
    r"D^{l_1}\otimes D^{l_2} \;=\; \bigoplus_{l_3=|l_1-l_2|}^{l_1+l_2} D^{l_3},\qquad "
    r"z_k = \sum_{ij} C^{l_1 l_2 l_3}_{ijk}\, x_i\, y_j,\qquad p_3 = p_1 p_2"
)

# ------------------------------------------------------------------------------------------- 1. CG explorer
st.header("1. The Clebsch–Gordan explorer")
c1, c2, c3, c4 = st.columns(4)
l1 = state.slider("l₁", "l1", where=c1)
p1 = state.radio("parity of x", "p1", where=c2, horizontal=True, format_func=PARITY_NAMES.get)
l2 = state.slider("l₂", "l2", where=c3)
p2 = state.radio("parity of y", "p2", where=c4, horizontal=True, format_func=PARITY_NAMES.get)
ir1, ir2, outputs = lesson.product_outputs(l1, p1, l2, p2)
st.markdown(
    f"**{ir1} ⊗ {ir2} = " + " ⊕ ".join(str(ir) for ir in outputs) + "**: "
    f"{ir1.dim} × {ir2.dim} = {ir1.dim * ir2.dim} = "
    + " + ".join(str(ir.dim) for ir in outputs)
    + " numbers (nothing lost, nothing added)."
)
out_parity = {ir.l: str(ir) for ir in outputs}
l3 = state.radio("output degree l₃", "l3", [ir.l for ir in outputs], horizontal=True, format_func=out_parity.get)
if (rejected := state.rejected.get("l3")) is not None:  # l1 or l2 changed, or the URL asked for an impossible l3
    lab_ui.info(f"l₃ = {{}} is not in {ir1} ⊗ {ir2}; showing l₃ = {l3}.", rejected)
block = cg_block(l1, l2, l3, int(state["seed"]))
k1, k2, k3 = st.columns(3)
k1.metric("nonzero CG coefficients", f"{block.nonzero} of {block.size}")
k2.metric("invariance error  max|C·(D¹⊗D²⊗D³) − C|", f"{block.invariance_error:.1e}")
if block.gaunt_keeps:
    k3.metric("Gaunt keeps this path: Gaunt = κ · CG", f"κ = {block.gaunt_constant:.4f}")
else:
    k3.metric(f"Gaunt loses this path: l₁ + l₂ + l₃ = {l1 + l2 + l3} is odd", "κ = 0")
cg_title = f"C({l1}, {l2}, {l3}): one panel per output component k,  z_k = xᵀ C[:, :, k] y"
cg_fig = vt.cg_block_heatmaps(block.C, l1=l1, l2=l2, l3=l3, max_cols=7, title=cg_title)
lab_ui.chart(cg_fig, "cg_chart")
st.caption(
    "Rows m₁ and columns m₂ in e3nn's order (−l … l); red positive, blue negative, white zero. "
    "Each tensor has unit Frobenius norm and is equal to e3nn's `o3.wigner_3j`."
)

# ------------------------------------------------------------------------------------------- 2. 1 x 1
st.header("2. 1 ⊗ 1 = 0 ⊕ 1 ⊕ 2 on two vectors")
st.markdown(
    "Two vectors $u, v$ (irreps `1o`) give nine products $u_i v_j$. The CG tensors split them into a "
    "scalar (the dot product), a **pseudovector** (the cross product: it does not flip under inversion, hence `1e`) "
    "and five numbers of a symmetric traceless matrix."
)
v1c, v2c, v3c = st.columns([1.2, 1.2, 1])
tu = state.text_input("vector u", "u", where=v1c, help="three numbers, each at most 1e6 in size")
tv = state.text_input("vector v", "v", where=v2c)
seed = state.number_input("rotation seed (for the check)", "seed", where=v3c)
parsed, invalid = [], False
for label, text, default in (("vector u", tu, lesson.DEFAULT_U), ("vector v", tv, lesson.DEFAULT_V)):
    try:
        parsed.append(parse_vector(text, name=label))
    except ValueError as exc:
        lab_ui.error("{}", exc)
        parsed.append(parse_vector(default, name=label))
        invalid = True
if invalid:
    st.caption(f"Using the defaults u = ({lesson.DEFAULT_U}), v = ({lesson.DEFAULT_V}) until both vectors are valid.")
coupling = vector_coupling(parsed[0], parsed[1], int(seed))
rows = coupling.rows
table = {
    "output": [r.irrep for r in rows],
    "what it is": [r.name for r in rows],
    "CG: Σ C_ijk u_i v_j": [format_vector(r.cg) for r in rows],
    "textbook formula": [format_vector(r.cartesian) for r in rows],
    "equivariance error": [r.equivariance_error for r in rows],
    "Gaunt product": [format_vector(r.gaunt) for r in rows],
    "Gaunt / CG": [f"{r.gaunt_constant:.4f}" if r.gaunt_constant else "0 (lost)" for r in rows],
}
err_format = {"equivariance error": st.column_config.NumberColumn(format="%.1e")}
st.dataframe(table, width="stretch", hide_index=True, column_config=err_format)
st.caption(
    "Textbook formulas: u·v/√3, (u×v)/√6, and the l = 2 part of (uvᵀ + vuᵀ)/2 − (u·v/3) I. The equivariance "
    "error is max|z(Ru, Rv) − D^l(R) z(u, v)| for a random rotation R (seed above)."
)
names = [f"{r.irrep}: {r.name.split(' (')[0]}" for r in rows]
vec_title = "The same products through CG (blue) and Gaunt (orange)"
vec_fig = vt.vector_coupling_figure(names, [r.cg for r in rows], [r.gaunt for r in rows], title=vec_title)
lab_ui.chart(vec_fig, "vec_chart")
st.markdown(
    f"The cross product u × v = {format_vector(coupling.cross)} is "
    f"{'zero (parallel vectors)' if coupling.cross_is_zero else 'not zero'}, yet the Gaunt product's `1` output is "
    f"{format_vector(coupling.gaunt_cross)}: **the Gaunt product cannot make a cross product**. "
    "It multiplies two functions on the sphere, a symmetric operation, while u × v = −v × u is antisymmetric."
)

# ------------------------------------------------------------------------------------------- 3. cost
st.header("3. What it costs")
st.markdown(
    "**Full CG product.** A feature with one copy of every degree up to $L$, coupled with itself into every "
    "degree up to $L$: every path $l_1\\otimes l_2\\to l_3$ costs $(2l_1+1)(2l_2+1)(2l_3+1)$ multiply-adds, "
    "$O(L^6)$ in all.  \n"
    "**Gaunt product** (Luo, Chen & Krishnapriyan, ICLR 2024, arXiv:2401.10216). Read both features as functions "
    "on the sphere, multiply them on a grid, project back. With a Gauss–Legendre grid in $\\cos\\theta$ and an "
    "FFT in $\\varphi$ this is $O(L^3)$; equi_core's version is exact (the quadrature integrates the product "
    "exactly)."
)
Lc = state.slider("count up to L", "Lc")
counts = all_counts().up_to(Lc)
cost_title = "Operations per product (log-log); dashed guides of slope 6 and 3"
cost_fig = vt.cost_figure(counts.Ls, counts.cg, counts.gaunt, cg_even_counts=counts.cg_even, title=cost_title)
lab_ui.chart(cost_fig, "cost_chart")
q1c, q2c, q3c = st.columns(3)
q1c.metric(f"full CG multiply-adds at L = {Lc}", f"{counts.cg[-1]:.3g}")
q2c.metric(f"Gaunt operations at L = {Lc} ({counts.ratio:.0f}× fewer)", f"{counts.gaunt[-1]:.3g}")
q3c.metric(
    f"fitted slopes over L = {counts.fit_from}…{Lc}", f"CG {counts.slope_cg:.2f},  Gaunt {counts.slope_gaunt:.2f}"
)
st.caption(
    "Gaunt count: the Legendre sums 2·n_θ·(L+1)² per transform (three transforms) plus three real FFTs per "
    "polar node (estimated as N log₂N each) and the pointwise product. Its local slope approaches 3 from "
    "below as the FFT's L² log L term fades."
)
st.subheader("Measured on this server")
Lt = state.slider(f"measure up to L (at most {L_TIME}, a few seconds on a shared server)", "Lt")
st.caption(
    f"Batch of {lesson.TIME_BATCH} random pairs, best of 3; full CG = `equi_core.o3.gaunt.cg_full_product` "
    "(every path into l ≤ L), Gaunt = `equi_core.o3.gaunt.gaunt_product` (batched matmul + numpy FFT). "
    "Results are cached for everyone on this server; they depend on its load. "
    f"The bound L ≤ {L_TIME} keeps one press to about 2 s on a 2-core server (the full CG product "
    "takes ~0.1 s per batch at L = 12 and grows like L⁶); the counts above go to L = 64."
)
measured = st.session_state.get("timings")
if st.button("Measure the times", key="measure"):
    bar = st.progress(0.0, text="measuring…")
    timings = []
    for L in range(1, Lt + 1):
        timings.append(time_products(L, batch=lesson.TIME_BATCH, repeat=3, rng=0))
        bar.progress(L / Lt, text=f"measured L = {L} of {Lt}")
    bar.empty()
    measured = {
        "L": [t.L for t in timings],
        "cg": [t.cg_seconds for t in timings],
        "gaunt": [t.gaunt_seconds for t in timings],
    }
    st.session_state["timings"] = measured
if measured:
    time_title = f"Wall time per batch of {lesson.TIME_BATCH} products (log-log)"
    lab_ui.chart(vt.timing_figure(measured["L"], measured["cg"], measured["gaunt"], title=time_title), "time_chart")
    if (fit := lesson.timing_summary(measured["L"], measured["cg"], measured["gaunt"])) is not None:
        st.markdown(
            f"Measured exponents over L = {fit.fit_from}…{fit.L_max}: full CG **{fit.exponent_cg:.2f}**, Gaunt "
            f"**{fit.exponent_gaunt:.2f}**; at L = {fit.L_max} the Gaunt product is **{fit.speedup:.0f}×** faster. "
            "At small L fixed per-call overheads flatten both curves: the asymptotic exponents (6 and 3) show in the "
            "counts above."
        )
else:
    st.info("Press **Measure the times** to time both products on this server (a few seconds).")

# ------------------------------------------------------------------------------------------- 4. what Gaunt loses
st.header("4. What the Gaunt product loses")
census = path_census(min(Lt, 8))
st.markdown(
    f"A product of two functions is symmetric, and a Gaunt coefficient $\\int Y_{{l_1}} Y_{{l_2}} Y_{{l_3}}$ is "
    f"zero unless $l_1 + l_2 + l_3$ is even. Of the **{census.total}** paths with degrees ≤ {census.L}, the Gaunt "
    f"product computes **{census.even}** and loses **{census.odd}** ({100 * census.odd / census.total:.0f} %), "
    "among them 1 ⊗ 1 → 1, the cross product. In O(3) language: from two natural-parity features it can only "
    "produce natural-parity outputs (0e, 1o, 2e, …), never a pseudovector."
)
lost_title = f"Paths lost by Gaunt, degrees ≤ {census.L} (count of l₃ per pair)"
lab_ui.chart(vt.lost_paths_figure(census.L, census.lost, title=lost_title), "lost_chart")

# ------------------------------------------------------------------------------------------- 5. the field
st.header("5. Where the field is heading")
st.markdown(
    "- **Cartesian tensors.** TensorNet (Simeon & De Fabritiis, NeurIPS 2023, arXiv:2306.06482) keeps features as "
    "3 × 3 matrices split into scalar, antisymmetric and symmetric traceless parts (exactly the 0 ⊕ 1 ⊕ 2 of "
    "section 2) and couples them with matrix products, which GPUs do well; it stops at rank 2.\n"
    "- **Fast and complete.** Xie, Daigavane, Kotak & Smidt (arXiv:2602.21466, 2026) generalise the Gaunt idea "
    "to vector spherical harmonics, recovering the antisymmetric paths Gaunt misses, and bring the full CG "
    "product from $O(L^6)$ to $O(L^4 \\log^2 L)$, close to the $O(L^4)$ lower bound.\n"
    "- **Learned equivariance.** Instead of building the symmetry in, penalise its violation during training "
    "(Orb-v3's *Equigrad*, Rhodes et al., arXiv:2504.06231) or drop the constraint and train on far more data "
    "(Bigi et al., arXiv:2601.16195): cheap layers, approximate symmetry.\n\n"
    "Sources: the essay's references 11, 12, 13, 14 and Luo et al. (ICLR 2024) for the Gaunt product."
)
state.sync()

# ------------------------------------------------------------------------------------------- code, quiz, downloads
lab_ui.show_code(*CODE, caption="The functions behind the figures, read from `equi_core.o3` and `equi_core.lessons`.")
lab_ui.quiz_section(quizzes())
st.header("Downloads")
downloads = [
    lab_ui.csv_download("Operation counts (CSV)", counts.columns(), "tensor_product_counts.csv", "dl_counts_csv"),
    lab_ui.csv_download(
        f"CG block {l1}⊗{l2}→{l3} (CSV)", lesson.block_columns(block.C), f"cg_{l1}_{l2}_{l3}.csv", "dl_block_csv"
    ),
    lab_ui.csv_download("1 ⊗ 1 table (CSV)", coupling.columns(), "one_times_one.csv", "dl_vec_csv"),
    lab_ui.html_download("Cost figure (HTML)", cost_fig, "tensor_product_cost.html", "dl_cost_html"),
    lab_ui.html_download("CG heat-maps (HTML)", cg_fig, f"cg_{l1}_{l2}_{l3}.html", "dl_cg_html"),
]
if measured:
    times = {"L": measured["L"], "cg_seconds": measured["cg"], "gaunt_seconds": measured["gaunt"]}
    downloads.append(lab_ui.csv_download("Measured times (CSV)", times, "tensor_product_times.csv", "dl_times_csv"))
lab_ui.download_buttons(downloads, columns=5)
