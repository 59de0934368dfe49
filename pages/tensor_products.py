"""Lesson: tensor products, the price (issue 5).

Thin page: reads widgets (and the URL), calls ``equi_core.gaunt`` / ``equi_core.tensor_product`` and the builders
in ``equi_core.viz.tensor_products``, lays out numbers and figures. No math here.
"""
from __future__ import annotations

import runpy
from pathlib import Path

import numpy as np
import pandas as pd
import streamlit as st
from streamlit.runtime.scriptrunner import get_script_run_ctx

from equi_core import Irrep, clebsch_gordan, clebsch_gordan_invariance_error, random_rotation
from equi_core.classroom import (
    Param,
    Quiz,
    encode_query_params,
    figure_to_html,
    parse_vector,
    read_query_params,
    source_of,
    table_to_csv,
    widget_value,
)
from equi_core import (
    SphericalFFT,
    count_cg_operations,
    count_gaunt_operations,
    couple_two_vectors,
    fit_power_law,
    gaunt_path_constant,
    gaunt_product,
    path_census,
    time_products,
)
from equi_core.o3.tensor_product import full_tensor_product
from equi_core.viz.tensor_products import (
    cg_block_heatmaps,
    cost_figure,
    lost_paths_figure,
    timing_figure,
    vector_coupling_figure,
)

# On a fresh server Streamlit may run this file through its legacy pages/ discovery (app.py is then one of the
# session's pages): hand the request to app.py's navigation so the page gets its config, sidebar and layout.
if any(Path(p["script_path"]).name == "app.py" for p in get_script_run_ctx().pages_manager.get_pages().values()):
    runpy.run_path(str(Path(__file__).resolve().parents[1] / "app.py"))
    st.stop()

L_IN_MAX = 6  # l1, l2 of the explorer (l3 up to 12: 25 heat-map panels at most)
L_COUNT_MAX = 64  # operation counts are formulas: cheap to any L
# Measured times: the bound keeps one press quick on a shared server. Measured on the 2-core dev machine (cold CG
# cache, batch 16, best of 3): the sweep L = 1..12 takes 2.3 s (full CG at L = 12: 117 ms per batch); 1..16 would
# take 7.8 s. The core keeps every CG tensor of a product up to L ~ 16 cached (two-tier cache), so no thrashing.
L_TIME_MAX = 12
TIME_BATCH = 16
PARITIES = {"e": 1, "o": -1}
DEFAULT_U, DEFAULT_V = "1, -2, 3", "0.5, 1, 2"
MAX_ABS = 1e6

SPEC = {
    "l1": Param("int", 1, min=0, max=L_IN_MAX),
    "p1": Param("choice", "o", choices=tuple(PARITIES)),
    "l2": Param("int", 1, min=0, max=L_IN_MAX),
    "p2": Param("choice", "o", choices=tuple(PARITIES)),
    "l3": Param("int", 1, min=0, max=2 * L_IN_MAX),
    "u": Param("str", DEFAULT_U, max_len=80),
    "v": Param("str", DEFAULT_V, max_len=80),
    "seed": Param("int", 0, min=0, max=9999),
    "Lc": Param("int", 32, min=4, max=L_COUNT_MAX),
    "Lt": Param("int", 6, min=2, max=L_TIME_MAX),
}


# ------------------------------------------------------------------------------------------- cached computations
@st.cache_data(max_entries=32, show_spinner=False)
def _block(l1: int, l2: int, l3: int, seed: int):
    R = random_rotation(rng=seed)
    C = np.array(clebsch_gordan(l1, l2, l3))
    return C, clebsch_gordan_invariance_error(l1, l2, l3, R), gaunt_path_constant(l1, l2, l3)


@st.cache_data(max_entries=32, show_spinner=False)
def _vectors(u: tuple, v: tuple, seed: int):
    return couple_two_vectors(np.array(u), np.array(v), random_rotation(rng=seed))


@st.cache_data(max_entries=2, show_spinner=False)
def _all_counts():
    """Counts for every L up to L_COUNT_MAX once (about 0.4 s, shared by all users); slices are free."""
    Ls = np.arange(1, L_COUNT_MAX + 1)
    cg = np.array([count_cg_operations(int(L)) for L in Ls], dtype=np.float64)
    even = np.array([count_cg_operations(int(L), even_paths_only=True) for L in Ls], dtype=np.float64)
    ga = np.array([count_gaunt_operations(int(L)).total for L in Ls], dtype=np.float64)
    return Ls, cg, even, ga


@st.cache_data(max_entries=16, show_spinner=False)
def _time_one(L: int, batch: int):
    t = time_products(L, batch=batch, repeat=3, rng=0)
    return t.cg_seconds, t.gaunt_seconds


@st.cache_data(max_entries=4, show_spinner=False)
def _census(L: int):
    return path_census(L)


@st.cache_data(max_entries=2, show_spinner=False)
def _code() -> str:
    return source_of(full_tensor_product, gaunt_product, SphericalFFT, couple_two_vectors, count_gaunt_operations)


def _state(key: str):
    """The value to create a keyed widget with (live or from the URL): see ``classroom.widget_value``."""
    return widget_value(st.session_state, key, values)


def _parity_radio(label: str, key: str) -> str:
    return st.radio(label, tuple(PARITIES), index=tuple(PARITIES).index(_state(key)), key=key, horizontal=True,
                    format_func=lambda p: "even (e)" if p == "e" else "odd (o)")


def _vec(a) -> str:
    return "(" + ", ".join(f"{x:.4g}" for x in np.ravel(a)) + ")"


def _ir(l: int, p: int) -> str:
    return f"{l}{'e' if p == 1 else 'o'}"


# ------------------------------------------------------------------------------------------- URL state
values, notices = read_query_params(st.query_params.to_dict(), SPEC)

st.title("Tensor products: the price")
for notice in notices:
    st.warning(notice)

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
with c1:
    l1 = st.slider("l₁", 0, L_IN_MAX, int(_state("l1")), key="l1")
with c2:
    p1 = _parity_radio("parity of x", "p1")
with c3:
    l2 = st.slider("l₂", 0, L_IN_MAX, int(_state("l2")), key="l2")
with c4:
    p2 = _parity_radio("parity of y", "p2")
ir1, ir2 = Irrep(int(l1), PARITIES[p1]), Irrep(int(l2), PARITIES[p2])
outputs = list(ir1 * ir2)
allowed_l3 = [ir.l for ir in outputs]
st.markdown(
    f"**{ir1} ⊗ {ir2} = " + " ⊕ ".join(str(ir) for ir in outputs) + "**: "
    f"{ir1.dim} × {ir2.dim} = {ir1.dim * ir2.dim} = " + " + ".join(str(ir.dim) for ir in outputs)
    + " numbers (nothing lost, nothing added)."
)
l3_now = _state("l3")
corrected = l3_now not in allowed_l3
if corrected:  # l1 or l2 changed, or the URL asked for an impossible l3: set the state (Streamlit sends it to the
    # browser this run) and give the widget no competing default index
    if l3_now is not None:
        st.info(f"l₃ = {l3_now} is not in {ir1} ⊗ {ir2}; showing l₃ = {allowed_l3[0]}.")
    st.session_state["l3"] = allowed_l3[0]
l3 = st.radio("output degree l₃", allowed_l3, index=None if corrected else allowed_l3.index(l3_now), key="l3",
              horizontal=True, format_func=lambda l: _ir(l, ir1.p * ir2.p))
C, inv_err, kappa = _block(int(l1), int(l2), int(l3), int(_state("seed")))
k1, k2, k3 = st.columns(3)
k1.metric("nonzero CG coefficients", f"{int(np.count_nonzero(np.abs(C) > 1e-14))} of {C.size}")
k2.metric("invariance error  max|C·(D¹⊗D²⊗D³) − C|", f"{inv_err:.1e}")
if abs(kappa) > 1e-12:
    k3.metric("Gaunt keeps this path: Gaunt = κ · CG", f"κ = {kappa:.4f}")
else:
    k3.metric(f"Gaunt loses this path: l₁ + l₂ + l₃ = {l1 + l2 + l3} is odd", "κ = 0")
cg_fig = cg_block_heatmaps(C, l1=int(l1), l2=int(l2), l3=int(l3), max_cols=7,
                           title=f"C({l1}, {l2}, {l3}): one panel per output component k,  z_k = xᵀ C[:, :, k] y")
st.plotly_chart(cg_fig, width="stretch", key="cg_chart")
st.caption("Rows m₁ and columns m₂ in e3nn's order (−l … l); red positive, blue negative, white zero. "
           "Each tensor has unit Frobenius norm and is equal to e3nn's `o3.wigner_3j`.")

# ------------------------------------------------------------------------------------------- 2. 1 x 1
st.header("2. 1 ⊗ 1 = 0 ⊕ 1 ⊕ 2 on two vectors")
st.markdown(
    "Two vectors $u, v$ (irreps `1o`) give nine products $u_i v_j$. The CG tensors split them into a "
    "scalar (the dot product), a **pseudovector** (the cross product: it does not flip under inversion, hence `1e`) "
    "and five numbers of a symmetric traceless matrix."
)
v1c, v2c, v3c = st.columns([1.2, 1.2, 1])
with v1c:
    tu = st.text_input("vector u", _state("u"), key="u", max_chars=SPEC["u"].max_len,
                       help="three numbers, each at most 1e6 in size")
with v2c:
    tv = st.text_input("vector v", _state("v"), key="v", max_chars=SPEC["v"].max_len)
with v3c:
    seed = st.number_input("rotation seed (for the check)", 0, 9999, int(_state("seed")), step=1, key="seed")
parsed = []
for label, text in (("vector u", tu), ("vector v", tv)):
    try:
        parsed.append(parse_vector(text, dim=3, max_abs=MAX_ABS, name=label))
    except ValueError as exc:
        st.error(f"{exc}")
        parsed.append(None)
u, v = parsed
if u is None or v is None:
    st.caption(f"Using the defaults u = ({DEFAULT_U}), v = ({DEFAULT_V}) until both vectors are valid.")
    u = u if u is not None else parse_vector(DEFAULT_U)
    v = v if v is not None else parse_vector(DEFAULT_V)
rows = _vectors(tuple(u), tuple(v), int(seed))
table = pd.DataFrame({
    "output": [r.irrep for r in rows],
    "what it is": [r.name for r in rows],
    "CG: Σ C_ijk u_i v_j": [_vec(r.cg) for r in rows],
    "textbook formula": [_vec(r.cartesian) for r in rows],
    "equivariance error": [r.equivariance_error for r in rows],
    "Gaunt product": [_vec(r.gaunt) for r in rows],
    "Gaunt / CG": [f"{r.gaunt_constant:.4f}" if r.gaunt_constant else "0 (lost)" for r in rows],
})
st.dataframe(table, width="stretch", hide_index=True,
             column_config={"equivariance error": st.column_config.NumberColumn(format="%.1e")})
st.caption(
    "Textbook formulas: u·v/√3, (u×v)/√6, and the l = 2 part of (uvᵀ + vuᵀ)/2 − (u·v/3) I. The equivariance "
    "error is max|z(Ru, Rv) − D^l(R) z(u, v)| for a random rotation R (seed above)."
)
vec_fig = vector_coupling_figure([f"{r.irrep}: {r.name.split(' (')[0]}" for r in rows], [r.cg for r in rows],
                                 [r.gaunt for r in rows], title="The same products through CG (blue) and Gaunt (orange)")
st.plotly_chart(vec_fig, width="stretch", key="vec_chart")
cross = rows[1]
st.markdown(
    f"The cross product u × v = {_vec(np.cross(u, v))} is {'zero (parallel vectors)' if not np.any(np.cross(u, v)) else 'not zero'}, "
    f"yet the Gaunt product's `1` output is {_vec(cross.gaunt)}: **the Gaunt product cannot make a cross product**. "
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
Lc = st.slider("count up to L", 4, L_COUNT_MAX, int(_state("Lc")), key="Lc")
Ls, cg_counts, even_counts, gaunt_counts = (a[: int(Lc)] for a in _all_counts())
half = Ls >= max(2, Lc // 2)
slope_cg, _ = fit_power_law(Ls[half], cg_counts[half])
slope_g, _ = fit_power_law(Ls[half], gaunt_counts[half])
cost_fig = cost_figure(Ls, cg_counts, gaunt_counts, cg_even_counts=even_counts,
                       title="Operations per product (log-log); dashed guides of slope 6 and 3")
st.plotly_chart(cost_fig, width="stretch", key="cost_chart")
q1c, q2c, q3c = st.columns(3)
q1c.metric(f"full CG multiply-adds at L = {Lc}", f"{cg_counts[-1]:.3g}")
q2c.metric(f"Gaunt operations at L = {Lc} ({cg_counts[-1] / gaunt_counts[-1]:.0f}× fewer)", f"{gaunt_counts[-1]:.3g}")
q3c.metric(f"fitted slopes over L = {int(Ls[half][0])}…{Lc}", f"CG {slope_cg:.2f},  Gaunt {slope_g:.2f}")
st.caption("Gaunt count: the Legendre sums 2·n_θ·(L+1)² per transform (three transforms) plus three real FFTs per "
           "polar node (estimated as N log₂N each) and the pointwise product. Its local slope approaches 3 from "
           "below as the FFT's L² log L term fades.")

st.subheader("Measured on this server")
Lt = st.slider(f"measure up to L (at most {L_TIME_MAX}, a few seconds on a shared server)", 2, L_TIME_MAX,
               int(_state("Lt")), key="Lt")
st.caption(f"Batch of {TIME_BATCH} random pairs, best of 3; full CG = `equi_core.tensor_product.full_tensor_product` "
           "(every path, numpy einsum per path), Gaunt = `equi_core.gaunt.gaunt_product` (batched matmul + numpy FFT). "
           "Results are cached for everyone on this server; they depend on its load. "
           f"The bound L ≤ {L_TIME_MAX} keeps one press to about 2 s on a 2-core server (the full CG product "
           "takes ~0.1 s per batch at L = 12 and grows like L⁶); the counts above go to L = 64.")
measured = st.session_state.get("timings")
if st.button("Measure the times", key="measure"):
    bar = st.progress(0.0, text="measuring…")
    cg_t, ga_t = [], []
    for i, L in enumerate(range(1, int(Lt) + 1)):
        a, b = _time_one(L, TIME_BATCH)
        cg_t.append(a)
        ga_t.append(b)
        bar.progress((i + 1) / int(Lt), text=f"measured L = {L} of {Lt}")
    bar.empty()
    measured = {"L": list(range(1, int(Lt) + 1)), "cg": cg_t, "gaunt": ga_t}
    st.session_state["timings"] = measured
time_fig = None
if measured:
    time_fig = timing_figure(measured["L"], measured["cg"], measured["gaunt"],
                             title=f"Wall time per batch of {TIME_BATCH} products (log-log)")
    st.plotly_chart(time_fig, width="stretch", key="time_chart")
    Lm = np.array(measured["L"])
    upper = Lm >= max(2, int(Lm.max()) // 2)
    if upper.sum() >= 2:
        e_cg, _ = fit_power_law(Lm[upper], np.array(measured["cg"])[upper])
        e_g, _ = fit_power_law(Lm[upper], np.array(measured["gaunt"])[upper])
        st.markdown(
            f"Measured exponents over L = {int(Lm[upper][0])}…{int(Lm.max())}: full CG **{e_cg:.2f}**, Gaunt "
            f"**{e_g:.2f}**; at L = {int(Lm.max())} the Gaunt product is "
            f"**{measured['cg'][-1] / measured['gaunt'][-1]:.0f}×** faster. At small L fixed per-call overheads "
            "flatten both curves: the asymptotic exponents (6 and 3) show in the counts above."
        )
else:
    st.info("Press **Measure the times** to time both products on this server (a few seconds).")

# ------------------------------------------------------------------------------------------- 4. what Gaunt loses
st.header("4. What the Gaunt product loses")
census = _census(int(min(Lt, 8)))
st.markdown(
    f"A product of two functions is symmetric, and a Gaunt coefficient $\\int Y_{{l_1}} Y_{{l_2}} Y_{{l_3}}$ is "
    f"zero unless $l_1 + l_2 + l_3$ is even. Of the **{census.total}** paths with degrees ≤ {census.L}, the Gaunt "
    f"product computes **{census.even}** and loses **{census.odd}** ({100 * census.odd / census.total:.0f} %), "
    "among them 1 ⊗ 1 → 1, the cross product. In O(3) language: from two natural-parity features it can only "
    "produce natural-parity outputs (0e, 1o, 2e, …), never a pseudovector."
)
lost_fig = lost_paths_figure(census.L, census.lost, title=f"Paths lost by Gaunt, degrees ≤ {census.L} (count of l₃ per pair)")
st.plotly_chart(lost_fig, width="stretch", key="lost_chart")

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

# ------------------------------------------------------------------------------------------- URL write-back
current = {
    "l1": int(l1), "p1": p1, "l2": int(l2), "p2": p2, "l3": int(l3),
    "u": tu if SPEC["u"].validate(tu)[0] else DEFAULT_U, "v": tv if SPEC["v"].validate(tv)[0] else DEFAULT_V,
    "seed": int(seed), "Lc": int(Lc), "Lt": int(Lt),
}
st.query_params.update(encode_query_params(current, SPEC))

# ------------------------------------------------------------------------------------------- code, quiz, downloads
with st.expander("Show the code"):
    st.caption("The functions behind the figures, read from `equi_core/tensor_product.py` and `equi_core/gaunt.py`.")
    st.code(_code(), language="python")

st.header("Quiz")
ls_23 = ", ".join(str(ir.l) for ir in Irrep("2e") * Irrep("3e"))
q_23 = Quiz(
    "Which output degrees l₃ does the product of a degree-2 and a degree-3 feature contain?",
    tuple(sorted({ls_23, "1, 3, 5", "5", "0, 1, 2, 3, 4, 5, 6", "2, 3"})),
    ls_23,
    "The triangle rule |l₁ − l₂| ≤ l₃ ≤ l₁ + l₂ gives 1 … 5: five blocks of sizes 3 + 5 + 7 + 9 + 11 = 35 = 5 × 7.",
)
lost_names = [f"{r.irrep} ({r.name.split(' (')[0]})" for r in _vectors((1.0, -2.0, 3.0), (0.5, 1.0, 2.0), 0)]
lost_answer = [nm for nm, r in zip(lost_names, _vectors((1.0, -2.0, 3.0), (0.5, 1.0, 2.0), 0)) if r.gaunt_constant == 0]
q_lost = Quiz(
    "Which output of 1o ⊗ 1o does the Gaunt product lose?",
    tuple(lost_names + ["none of them"]),
    lost_answer[0] if lost_answer else "none of them",
    "Gaunt coefficients vanish when l₁ + l₂ + l₃ is odd: 1 + 1 + 1 = 3. The cross product is antisymmetric in u, v; "
    "a product of two functions on the sphere is symmetric.",
)
ratio = count_cg_operations(32) / count_cg_operations(16)
ratio_g = count_gaunt_operations(32).total / count_gaunt_operations(16).total
right = f"about {ratio:.0f}×"
q_cost = Quiz(
    "Going from L = 16 to L = 32, by how much does the full CG product's multiply-add count grow?",
    tuple(sorted({right, f"about {ratio_g:.0f}×", "about 2×", "about 4×"}, key=lambda s: float(s.split()[1][:-1]))),
    right,
    f"Computed: {count_cg_operations(16):.3g} → {count_cg_operations(32):.3g}, {ratio:.1f}× (2⁶ = 64 asymptotically). "
    f"The Gaunt product grows {ratio_g:.1f}× (2³ = 8).",
)
for qkey, quiz in (("q_23", q_23), ("q_lost", q_lost), ("q_cost", q_cost)):
    verdict = quiz.feedback(st.radio(quiz.question, quiz.options, index=None, key=qkey))
    if verdict is not None:
        (st.success if verdict[0] else st.error)(verdict[1])

st.header("Downloads")
counts_csv = table_to_csv({"L": Ls, "cg_multiply_adds_all_paths": cg_counts, "cg_multiply_adds_even_paths": even_counts,
                           "gaunt_operations": gaunt_counts})
ii, jj, kk = np.indices(C.shape)
block_csv = table_to_csv({"i (m1 + l1)": ii.ravel(), "j (m2 + l2)": jj.ravel(), "k (m3 + l3)": kk.ravel(),
                          "C": C.ravel()})
vec_csv = table_to_csv({"output": [r.irrep for r in rows], "cg": [_vec(r.cg) for r in rows],
                        "gaunt": [_vec(r.gaunt) for r in rows], "equivariance_error": [r.equivariance_error for r in rows]})
d1, d2, d3, d4, d5 = st.columns(5)
d1.download_button("Operation counts (CSV)", counts_csv, file_name="tensor_product_counts.csv", mime="text/csv",
                   key="dl_counts_csv", on_click="ignore")
d2.download_button(f"CG block {l1}⊗{l2}→{l3} (CSV)", block_csv, file_name=f"cg_{l1}_{l2}_{l3}.csv", mime="text/csv",
                   key="dl_block_csv", on_click="ignore")
d3.download_button("1 ⊗ 1 table (CSV)", vec_csv, file_name="one_times_one.csv", mime="text/csv", key="dl_vec_csv",
                   on_click="ignore")
d4.download_button("Cost figure (HTML)", lambda: figure_to_html(cost_fig), file_name="tensor_product_cost.html",
                   mime="text/html", key="dl_cost_html", on_click="ignore")
d5.download_button("CG heat-maps (HTML)", lambda: figure_to_html(cg_fig), file_name=f"cg_{l1}_{l2}_{l3}.html",
                   mime="text/html", key="dl_cg_html", on_click="ignore")
if measured:
    st.download_button("Measured times (CSV)", table_to_csv({"L": measured["L"], "cg_seconds": measured["cg"],
                                                             "gaunt_seconds": measured["gaunt"]}),
                       file_name="tensor_product_times.csv", mime="text/csv", key="dl_times_csv", on_click="ignore")
