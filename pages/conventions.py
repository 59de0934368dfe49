"""Conventions: the Lab (e3nn) basis versus the textbook real basis versus sympy's complex basis, side by side."""

from __future__ import annotations

import streamlit as st

import lab_ui
from equi_core import change_basis_real_to_complex
from equi_core.lessons import conventions as lesson
from equi_core.lessons.classroom import Param
from equi_core.o3.conventions import (
    CONVENTIONS_MARKDOWN,
    clebsch_gordan_from_complex,
    wigner_D_complex,
    wigner_D_textbook,
)
from equi_core.viz import conventions as vc
from equi_core.viz.rotations import matrix_latex

SPEC = {
    "l": Param("int", 2, min=0, max=lesson.MAX_L),
    "alpha": Param("int", 30, min=-180, max=180),
    "beta": Param("int", 60, min=0, max=180),
    "gamma": Param("int", -45, min=-180, max=180),
    "l1": Param("int", 1, min=0, max=lesson.MAX_CG_L),
    "l2": Param("int", 1, min=0, max=lesson.MAX_CG_L),
    "l3": Param("int", 1, min=0, max=2 * lesson.MAX_CG_L),
}
three_bases = st.cache_data(max_entries=32, show_spinner=False)(lesson.three_bases)
cg_report = st.cache_data(max_entries=32, show_spinner=False)(lesson.cg_report)
sympy_wigner_error = st.cache_data(max_entries=32, show_spinner=False)(lesson.sympy_wigner_error)

lab_ui.page_setup("Conventions")
state = lab_ui.url_state(SPEC)
st.markdown(
    "Three dialects describe the same rotations. **The Lab speaks e3nn's**: real basis, $y$ is the polar axis, "
    "degree 1 is $(x, y, z)$ so that $D^1(R) = R$, Euler angles Y-X-Y. Textbooks and Wikipedia use real harmonics "
    "with $z$ polar, degree 1 ordered $(y, z, x)$ and Z-Y-Z angles; quantum mechanics (sympy, scipy) uses the "
    "complex Condon-Shortley basis. A model is only equivariant if every matrix is written in the basis of the "
    "features it multiplies: mixing dialects is the classic silent bug (see it on *Rotations act on irrep blocks*)."
)

# ------------------------------------------------------------------------------ 1. one rotation, three bases
st.header("1 · One rotation, three bases")
c0, c1, c2, c3 = st.columns([0.8, 1, 1, 1])
l = state.slider("Degree l", "l", step=1, where=c0)
alpha = state.slider("α", "alpha", step=1, format="%d°", where=c1)
beta = state.slider("β", "beta", step=1, format="%d°", where=c2)
gamma = state.slider("γ", "gamma", step=1, format="%d°", where=c3)
rep = three_bases(int(l), alpha, beta, gamma)
za, zb, zg = rep.zyz_deg
st.markdown(
    f"One rotation $R = R_y({alpha}°)\\,R_x({beta}°)\\,R_y({gamma}°)$, one set of axes, three bases of the same "
    f"$2l+1 = {2 * l + 1}$ harmonics. Each basis has its own matrix for $R$; they are related by fixed changes of "
    "basis (section 2), and each turns *its own* harmonics exactly. sympy's formula needs the **Z-Y-Z** angles of "
    f"$R$: $({za:.1f}°, {zb:.1f}°, {zg:.1f}°)$. Curiosity: the Y-X-Y numbers "
    f"$({alpha}°, {beta}°, {gamma}°)$ are the Z-Y-Z angles of $P R P^\\top$, the same turn after relabelling "
    "the axes, which is why e3nn and the textbook share formulas."
)
fig_bases = vc.three_bases_figure(
    l, rep.D_lab, rep.D_textbook, rep.D_complex, textbook_labels=list(rep.textbook_labels), height=320
)
lab_ui.chart(fig_bases, "fig_bases")
st.markdown("**Each matrix turns the harmonics of its own basis** (8 random points $v$), and only those:")
e1, e2, e3, e4 = st.columns(4)
e1.metric("Lab: |Y(Rv) − D_Lab Y(v)|", f"{rep.err_lab:.1e}")
e2.metric("textbook: |Y(Rv) − D_tb Y(v)|", f"{rep.err_textbook:.1e}")
qm_help = "The QM matrix is defined by Y(R⁻¹v) = D_QMᵀ Y(v), i.e. Y(Rv) = conj(D_QM) Y(v)."
e3.metric("complex: |Y(Rv) − conj(D_QM) Y(v)|", f"{rep.err_complex:.1e}", help=qm_help)
mixed_help = "The textbook matrix applied to Lab-basis features: a silent, O(1) bug (l = 0 is immune)."
e4.metric(
    "mixed up: D_tb on Lab features", f"{rep.err_mixed:.2f}" if l > 0 else f"{rep.err_mixed:.1e}", help=mixed_help
)
f1, f2, f3 = st.columns(3)
f1.metric("max |D_tb − B D_Lab Bᵀ|", f"{rep.err_B:.1e}")
imag_help = f"Imaginary part of the right-hand side: {rep.imag_Q:.1e}: the complex matrix is the real one in disguise."
f2.metric("max |D_tb − Qᴴ conj(D_QM) Q|", f"{rep.err_Q:.1e}", help=imag_help)
diff_help = "The same rotation has different matrices in different bases (equal only for l = 0)."
f3.metric("max |D_Lab − D_tb| (different bases)", f"{rep.lab_vs_textbook:.2f}", help=diff_help)
if st.button("Check against sympy's exact wigner_d", key="sympy_check"):
    st.success(
        f"max |sympy.physics.wigner.wigner_d({l}, α', β', γ') − D_QM| = {sympy_wigner_error(rep):.1e} "
        "(sympy computes it symbolically, independently of this Lab's real matrices)."
    )

# ------------------------------------------------------------------------------ 2. change of basis
st.header("2 · The change-of-basis matrices")
st.latex(r"""\begin{aligned}
Y_{\mathrm{textbook}}(v) &= B_l\,Y_{\mathrm{Lab}}(v), & B_l &= D^l_{\mathrm{Lab}}(P^\top), \\
Y_{\mathrm{complex}}(v) &= i^{\,l}\,Q_l\,Y_{\mathrm{textbook}}(v), &
D_{\mathrm{textbook}} &= B_l\,D_{\mathrm{Lab}}\,B_l^\top = Q_l^\dagger\,\overline{D_{\mathrm{QM}}}\,Q_l .
\end{aligned}""")
fig_basis = vc.change_of_basis_figure(rep.B, rep.Q, l, textbook_labels=list(rep.textbook_labels), height=340)
lab_ui.chart(fig_basis, "fig_basis")
left, right = st.columns([2.2, 1], gap="large")
with left:
    st.latex(r"P = " + matrix_latex(rep.P, 0) + r":\quad (x, y, z) \mapsto (z, x, y)")
    st.caption(
        "P relabels the axes: it is the 120° turn about (1, 1, 1), so the real change of basis B_l is just "
        "its Wigner matrix (for l = 1 the permutation to (y, z, x)). Q_l = `change_basis_real_to_complex(l)` "
        "is e3nn's unitary matrix: the Wikipedia real-to-complex matrix times the phase (−i)^l, which cancels "
        "in every D and makes every Clebsch-Gordan tensor real."
    )
with right:
    st.metric(f"max |Q Qᴴ − I| and |B Bᵀ − I| (l = {l})", f"{rep.unitarity:.1e}")

# ------------------------------------------------------------------------------ 3. Clebsch-Gordan
st.header("3 · Clebsch-Gordan: sympy's exact values next to our real tensor")
k1, k2, k3 = st.columns(3)
l1 = state.selectbox("l₁", "l1", list(range(lesson.MAX_CG_L + 1)), where=k1)
l2 = state.selectbox("l₂", "l2", list(range(lesson.MAX_CG_L + 1)), where=k2)
allowed = lesson.allowed_l3(l1, l2)
l3 = state.selectbox("l₃ (allowed: |l₁ − l₂| … l₁ + l₂)", "l3", allowed, where=k3)
if (rejected := state.rejected.get("l3")) is not None:
    lab_ui.info(
        f"l₃ = {{}} is not allowed for l₁ = {l1}, l₂ = {l2} (selection rule |l₁ − l₂| ≤ l₃ ≤ l₁ + l₂); "
        f"showing l₃ = {l3}.",
        rejected,
    )
cg = cg_report(l1, l2, l3)
tcol, fcol = st.columns([1, 1.8], gap="large")
with tcol:
    st.markdown(
        f"**sympy**, exact: $\\langle {l1}\\, m_1\\; {l2}\\, m_2 \\mid {l3}\\, m_3 \\rangle$ ({len(cg.rows)} nonzero)"
    )
    table = cg.columns()
    shown_table = {"m₁": table["m1"], "m₂": table["m2"], "m₃": table["m3"], "exact": table["exact"]}
    shown_table["value"] = [round(v, 6) for v in table["value"]]
    st.dataframe(shown_table, hide_index=True, height=min(420, 38 + 35 * len(cg.rows)))
with fcol:
    st.markdown(
        f"**The Lab's real tensor** $C^{{{l1}{l2}{l3}}}$ (unit Frobenius norm), one panel per output component:"
    )
    lab_ui.chart(vc.cg_slices_figure(cg.C, height=260 if l1 <= 1 else 320), "fig_cg")
n1, n2, n3 = st.columns(3)
from_help = "C_jkn = Re Σ Q1_aj Q2_bk conj(Q3_cn) ⟨…⟩_abc / √(2l₃+1), from the exact table on the left."
n1.metric("max |C − C from sympy via Q|", f"{cg.from_exact_error:.1e}", help=from_help)
n2.metric("invariance max |C(D¹,D²,D³) − C|", f"{cg.invariance_error:.1e}")
n3.metric("Frobenius norm of C", f"{cg.frobenius:.15f}")

# ------------------------------------------------------------------------------ 4. the dictionary
st.header("4 · The dictionary")
st.markdown(CONVENTIONS_MARKDOWN)
state.sync()

# ------------------------------------------------------------------------------ code, quiz, downloads
st.divider()
lab_ui.show_code(
    wigner_D_textbook,
    wigner_D_complex,
    change_basis_real_to_complex,
    clebsch_gordan_from_complex,
    caption="The conversions behind these figures, read from `equi_core.o3.conventions` and `clebsch_gordan`:",
)
lab_ui.quiz_section(lesson.quizzes())
st.subheader("Downloads")
stem = f"wigner_D_l{l}_three_bases"
lab_ui.download_buttons(
    [
        lab_ui.csv_download("D in three bases as CSV", rep.columns(), f"{stem}.csv", "dl_csv"),
        lab_ui.csv_download("Exact CG table as CSV", cg.columns(), f"clebsch_gordan_{l1}{l2}{l3}.csv", "dl_cg_csv"),
        lab_ui.html_download(
            "Three-bases figure as HTML", fig_bases, f"{stem}.html", "dl_html", title=f"D^{l} in three bases"
        ),
    ]
)
