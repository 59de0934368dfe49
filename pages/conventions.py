"""Conventions: the Lab (e3nn) basis versus the textbook real basis versus sympy's complex basis, side by side."""
from __future__ import annotations

import runpy
from pathlib import Path

import numpy as np
import streamlit as st
from streamlit.runtime.scriptrunner import get_script_run_ctx

from equi_core import (
    angles_to_matrix,
    change_basis_real_to_complex,
    clebsch_gordan,
    clebsch_gordan_exact,
    clebsch_gordan_invariance_error,
    selection_rule,
    matrix_to_zyz_angles,
    spherical_harmonics,
    wigner_D,
)
from equi_core.classroom import (
    Param,
    Quiz,
    encode_query_params,
    figure_to_html,
    read_query_params,
    source_of,
    table_to_csv,
)
from equi_core.o3.conventions import (
    CONVENTIONS_MARKDOWN,
    clebsch_gordan_from_complex,
    e3nn_to_textbook_axes,
    spherical_harmonics_complex,
    spherical_harmonics_textbook,
    textbook_m_order,
    wigner_D_complex,
    wigner_D_textbook,
)
from equi_core.viz import conventions as vc
from equi_core.viz.rotations import matrix_latex

# On a fresh server Streamlit may run this file through its legacy pages/ discovery (app.py is then one of the
# session's pages): hand the request to app.py's navigation so the page gets its config, sidebar and layout.
if any(Path(p["script_path"]).name == "app.py" for p in get_script_run_ctx().pages_manager.get_pages().values()):
    runpy.run_path(str(Path(__file__).resolve().parents[1] / "app.py"))
    st.stop()

MAX_L = 4  # degrees shown side by side
MAX_CG_L = 3  # degrees of the exact (sympy) Clebsch-Gordan table

SPEC = {
    "l": Param("int", 2, min=0, max=MAX_L),
    "alpha": Param("int", 30, min=-180, max=180),
    "beta": Param("int", 60, min=0, max=180),
    "gamma": Param("int", -45, min=-180, max=180),
    "l1": Param("int", 1, min=0, max=MAX_CG_L),
    "l2": Param("int", 1, min=0, max=MAX_CG_L),
    "l3": Param("int", 1, min=0, max=2 * MAX_CG_L),
}


@st.cache_data(max_entries=32, show_spinner=False)
def exact_cg_table(l1: int, l2: int, l3: int) -> list[tuple[int, int, int, str, float]]:
    """Every nonzero ``<l1 m1 l2 m2 | l3 m3>`` as (m1, m2, m3, exact sympy text, float)."""
    rows = []
    for m1 in range(-l1, l1 + 1):
        for m2 in range(-l2, l2 + 1):
            m3 = m1 + m2
            if abs(m3) > l3:
                continue
            value = clebsch_gordan_exact(l1, m1, l2, m2, l3, m3)
            if value != 0:
                rows.append((m1, m2, m3, str(value), float(value)))
    return rows


@st.cache_data(max_entries=32, show_spinner=False)
def sympy_wigner_d(l: int, alpha: float, beta: float, gamma: float) -> np.ndarray:
    """sympy's own ``wigner_d`` (exact, then evaluated): an independent check of the complex matrix."""
    from sympy.physics.wigner import wigner_d

    return np.array(wigner_d(l, alpha, beta, gamma).evalf(), dtype=np.complex128)


values, notices = read_query_params(st.query_params.to_dict(), SPEC)
for notice in notices:
    st.warning(notice)

st.title("Conventions")
st.markdown(
    "Three dialects describe the same rotations. **The Lab speaks e3nn's**: real basis, $y$ is the polar axis, "
    "degree 1 is $(x, y, z)$ so that $D^1(R) = R$, Euler angles Y-X-Y. Textbooks and Wikipedia use real harmonics "
    "with $z$ polar, degree 1 ordered $(y, z, x)$ and Z-Y-Z angles; quantum mechanics (sympy, scipy) uses the "
    "complex Condon-Shortley basis. A model is only equivariant if every matrix is written in the basis of the "
    "features it multiplies: mixing dialects is the classic silent bug (see it on *Rotations act on irrep blocks*)."
)

# ------------------------------------------------------------------------------ controls
st.header("1 · One rotation, three bases")
c0, c1, c2, c3 = st.columns([0.8, 1, 1, 1])
l = c0.slider("Degree l", 0, MAX_L, values["l"], 1, key="l")
alpha = c1.slider("α", -180, 180, values["alpha"], 1, format="%d°", key="alpha")
beta = c2.slider("β", 0, 180, values["beta"], 1, format="%d°", key="beta")
gamma = c3.slider("γ", -180, 180, values["gamma"], 1, format="%d°", key="gamma")
a, b, g = np.deg2rad([alpha, beta, gamma])

R = angles_to_matrix(a, b, g)  # one physical rotation, written in the Lab's axes
za, zb, zg = (float(t) for t in matrix_to_zyz_angles(R))  # its Z-Y-Z angles in the same axes
P = e3nn_to_textbook_axes()
B = wigner_D(l, P.T)  # Y_textbook(v) = B Y_Lab(v): the change of basis is itself a Wigner matrix
Q = change_basis_real_to_complex(l)
D_lab = wigner_D(l, R)
D_tb = wigner_D_textbook(l, R)
D_qm = wigner_D_complex(l, za, zb, zg)

st.markdown(
    f"One rotation $R = R_y({alpha}°)\\,R_x({beta}°)\\,R_y({gamma}°)$, one set of axes, three bases of the same "
    f"$2l+1 = {2 * l + 1}$ harmonics. Each basis has its own matrix for $R$; they are related by fixed changes of "
    "basis (section 2), and each turns *its own* harmonics exactly. sympy's formula needs the **Z-Y-Z** angles of "
    f"$R$: $({np.degrees(za):.1f}°, {np.degrees(zb):.1f}°, {np.degrees(zg):.1f}°)$. Curiosity: the Y-X-Y numbers "
    f"$({alpha}°, {beta}°, {gamma}°)$ are the Z-Y-Z angles of $P R P^\\top$, the same turn after relabelling "
    "the axes, which is why e3nn and the textbook share formulas."
)
fig_bases = vc.three_bases_figure(l, D_lab, D_tb, D_qm, textbook_labels=textbook_m_order(l), height=320)
st.plotly_chart(fig_bases, key="fig_bases", config={"displaylogo": False})

rng = np.random.default_rng(0)
v = rng.standard_normal((8, 3))
err_lab = np.abs(spherical_harmonics(l, v @ R.T) - spherical_harmonics(l, v) @ D_lab.T).max()
err_tb = np.abs(spherical_harmonics_textbook(l, v @ R.T) - spherical_harmonics_textbook(l, v) @ D_tb.T).max()
err_qm = np.abs(spherical_harmonics_complex(l, v @ R.T) - spherical_harmonics_complex(l, v) @ D_qm.conj().T).max()
err_wrong = np.abs(spherical_harmonics(l, v @ R.T) - spherical_harmonics(l, v) @ D_tb.T).max()
st.markdown("**Each matrix turns the harmonics of its own basis** (8 random points $v$), and only those:")
e1, e2, e3, e4 = st.columns(4)
e1.metric("Lab: |Y(Rv) − D_Lab Y(v)|", f"{err_lab:.1e}")
e2.metric("textbook: |Y(Rv) − D_tb Y(v)|", f"{err_tb:.1e}")
e3.metric("complex: |Y(Rv) − conj(D_QM) Y(v)|", f"{err_qm:.1e}",
          help="The QM matrix is defined by Y(R⁻¹v) = D_QMᵀ Y(v), i.e. Y(Rv) = conj(D_QM) Y(v).")
e4.metric("mixed up: D_tb on Lab features", f"{err_wrong:.2f}" if l > 0 else f"{err_wrong:.1e}",
          help="The textbook matrix applied to Lab-basis features: a silent, O(1) bug (l = 0 is immune).")
lab_from_tb = B.T @ D_tb @ B
tb_from_qm = Q.conj().T @ D_qm.conj() @ Q
f1, f2, f3 = st.columns(3)
f1.metric("max |D_tb − B D_Lab Bᵀ|", f"{np.abs(D_tb - B @ D_lab @ B.T).max():.1e}")
f2.metric("max |D_tb − Qᴴ conj(D_QM) Q|", f"{np.abs(D_tb - tb_from_qm).max():.1e}",
          help=f"Imaginary part of the right-hand side: {np.abs(tb_from_qm.imag).max():.1e}: the complex matrix "
               "is the real one in disguise.")
f3.metric("max |D_Lab − D_tb| (different bases)", f"{np.abs(D_lab - D_tb).max():.2f}",
          help="The same rotation has different matrices in different bases (equal only for l = 0).")

if st.button("Check against sympy's exact wigner_d", key="sympy_check"):
    W = sympy_wigner_d(l, za, zb, zg)
    st.success(f"max |sympy.physics.wigner.wigner_d({l}, α', β', γ') − D_QM| = {np.abs(W - D_qm).max():.1e} "
               "(sympy computes it symbolically, independently of this Lab's real matrices).")

# ------------------------------------------------------------------------------ change of basis
st.header("2 · The change-of-basis matrices")
st.latex(r"""\begin{aligned}
Y_{\mathrm{textbook}}(v) &= B_l\,Y_{\mathrm{Lab}}(v), & B_l &= D^l_{\mathrm{Lab}}(P^\top), \\
Y_{\mathrm{complex}}(v) &= i^{\,l}\,Q_l\,Y_{\mathrm{textbook}}(v), &
D_{\mathrm{textbook}} &= B_l\,D_{\mathrm{Lab}}\,B_l^\top = Q_l^\dagger\,\overline{D_{\mathrm{QM}}}\,Q_l .
\end{aligned}""")
fig_basis = vc.change_of_basis_figure(B, Q, l, textbook_labels=textbook_m_order(l), height=340)
st.plotly_chart(fig_basis, key="fig_basis", config={"displaylogo": False})
left, right = st.columns([2.2, 1], gap="large")
with left:
    st.latex(r"P = " + matrix_latex(P, 0) + r":\quad (x, y, z) \mapsto (z, x, y)")
    st.caption("P relabels the axes: it is the 120° turn about (1, 1, 1), so the real change of basis B_l is just "
               "its Wigner matrix (for l = 1 the permutation to (y, z, x)). Q_l = `change_basis_real_to_complex(l)` "
               "is e3nn's unitary matrix: the Wikipedia real-to-complex matrix times the phase (−i)^l, which cancels "
               "in every D and makes every Clebsch-Gordan tensor real.")
with right:
    unitary = np.abs(Q @ Q.conj().T - np.eye(2 * l + 1)).max()
    st.metric(f"max |Q Qᴴ − I| and |B Bᵀ − I| (l = {l})",
              f"{max(unitary, np.abs(B @ B.T - np.eye(2 * l + 1)).max()):.1e}")

# ------------------------------------------------------------------------------ Clebsch-Gordan
st.header("3 · Clebsch-Gordan: sympy's exact values next to our real tensor")
k1, k2, k3 = st.columns(3)
l1 = k1.selectbox("l₁", list(range(MAX_CG_L + 1)), index=values["l1"], key="l1")
l2 = k2.selectbox("l₂", list(range(MAX_CG_L + 1)), index=values["l2"], key="l2")
allowed = [j for j in range(abs(l1 - l2), l1 + l2 + 1) if selection_rule(l1, l2, j)]
if "l3" in st.session_state and st.session_state["l3"] not in allowed:
    del st.session_state["l3"]  # l1 or l2 changed: the old l3 is no longer allowed
l3_default = values["l3"] if values["l3"] in allowed else allowed[0]
l3 = k3.selectbox("l₃ (allowed: |l₁ − l₂| … l₁ + l₂)", allowed, index=allowed.index(l3_default), key="l3")
if values["l3"] not in allowed:
    st.info(f"l₃ = {values['l3']} is not allowed for l₁ = {l1}, l₂ = {l2} (selection rule "
            f"|l₁ − l₂| ≤ l₃ ≤ l₁ + l₂); showing l₃ = {l3}.")

C = np.asarray(clebsch_gordan(l1, l2, l3))
C_from_exact = clebsch_gordan_from_complex(l1, l2, l3)
rows = exact_cg_table(l1, l2, l3)
tcol, fcol = st.columns([1, 1.8], gap="large")
with tcol:
    st.markdown(f"**sympy**, exact: $\\langle {l1}\\, m_1\\; {l2}\\, m_2 \\mid {l3}\\, m_3 \\rangle$ "
                f"({len(rows)} nonzero)")
    st.dataframe(
        {"m₁": [r[0] for r in rows], "m₂": [r[1] for r in rows], "m₃": [r[2] for r in rows],
         "exact": [r[3] for r in rows], "value": [round(r[4], 6) for r in rows]},
        hide_index=True, height=min(420, 38 + 35 * len(rows)),
    )
with fcol:
    st.markdown(f"**The Lab's real tensor** $C^{{{l1}{l2}{l3}}}$ (unit Frobenius norm), one panel per output "
                "component:")
    fig_cg = vc.cg_slices_figure(C, height=260 if l1 <= 1 else 320)
    st.plotly_chart(fig_cg, key="fig_cg", config={"displaylogo": False})
invariance = clebsch_gordan_invariance_error(l1, l2, l3, angles_to_matrix(0.3, 1.1, -0.7))
n1, n2, n3 = st.columns(3)
n1.metric("max |C − C from sympy via Q|", f"{np.abs(C - C_from_exact).max():.1e}",
          help="C_jkn = Re Σ Q1_aj Q2_bk conj(Q3_cn) ⟨…⟩_abc / √(2l₃+1), from the exact table on the left.")
n2.metric("invariance max |C(D¹,D²,D³) − C|", f"{invariance:.1e}")
n3.metric("Frobenius norm of C", f"{np.linalg.norm(C):.15f}")

# ------------------------------------------------------------------------------ the dictionary
st.header("4 · The dictionary")
st.markdown(CONVENTIONS_MARKDOWN)

# ------------------------------------------------------------------------------ URL state
st.query_params.update(encode_query_params(
    {"l": int(l), "alpha": int(alpha), "beta": int(beta), "gamma": int(gamma), "l1": int(l1), "l2": int(l2),
     "l3": int(l3)}, SPEC))

# ------------------------------------------------------------------------------ code, quiz, downloads
st.divider()
with st.expander("Show the code", icon=":material/code:"):
    st.markdown("The conversions behind these figures, read from `equi_core.conventions` and `clebsch_gordan`:")
    st.code(source_of(wigner_D_textbook, wigner_D_complex, change_basis_real_to_complex, clebsch_gordan_from_complex),
            language="python")

st.header("Quiz")
axes = {"x": np.array([1.0, 0.0, 0.0]), "y": np.array([0.0, 1.0, 0.0]), "z": np.array([0.0, 0.0, 1.0])}
# the polar axis is where the m = 0 harmonic of degree 2 (the middle component) is largest
polar = max(axes, key=lambda k: float(spherical_harmonics(2, axes[k])[2]))
# component i of degree 1 is the coordinate along the axis where it is largest
order_l1 = [max(axes, key=lambda k: float(spherical_harmonics(1, axes[k])[i])) for i in range(3)]
cg_value = str(clebsch_gordan_exact(1, 0, 1, 0, 2, 0))
quizzes = [
    Quiz("Which axis is the polar (m = 0) axis of the Lab's (e3nn's) spherical harmonics?", ("x", "y", "z"), polar,
         "In e3nn (and here) y is the polar axis, which is why degree 1 comes out as (x, y, z) and D¹(R) = R. "
         "The textbook's polar axis is z."),
    Quiz("In what order does the Lab store the three components of degree 1?",
         ("(x, y, z)", "(y, z, x)", "(z, x, y)"), "(" + ", ".join(order_l1) + ")",
         "(x, y, z): spherical_harmonics(1, e_x) is √3·(1, 0, 0). The textbook order m = −1, 0, 1 is (y, z, x)."),
    Quiz.with_distractors("What is the exact Clebsch-Gordan coefficient ⟨1 0; 1 0 | 2 0⟩ (sympy)?", cg_value,
                          ["sqrt(2)/2", "sqrt(3)/3", "1/2", "0"],
                          f"sympy: clebsch_gordan(1, 1, 2, 0, 0, 0) = {cg_value} ≈ {float(clebsch_gordan_exact(1, 0, 1, 0, 2, 0)):.4f}.",
                          sort=True),
]
for qi, quiz in enumerate(quizzes):
    verdict = quiz.feedback(st.radio(quiz.question, quiz.options, index=None, key=f"quiz_{qi}"))
    if verdict is not None:
        (st.success if verdict[0] else st.error)(verdict[1])

st.subheader("Downloads")
n = 2 * l + 1
ii, jj = np.divmod(np.arange(n * n), n)
csv = table_to_csv({
    "row": ii.tolist(), "column": jj.tolist(),
    "D_lab": D_lab.ravel().tolist(), "D_textbook": D_tb.ravel().tolist(),
    "D_complex_re": D_qm.real.ravel().tolist(), "D_complex_im": D_qm.imag.ravel().tolist(),
})
d1, d2, d3 = st.columns(3)
d1.download_button("D in three bases as CSV", csv, file_name=f"wigner_D_l{l}_three_bases.csv", mime="text/csv",
                   key="dl_csv", on_click="ignore")
d2.download_button("Exact CG table as CSV", table_to_csv({
    "m1": [r[0] for r in rows], "m2": [r[1] for r in rows], "m3": [r[2] for r in rows],
    "exact": [r[3] for r in rows], "value": [r[4] for r in rows]}),
    file_name=f"clebsch_gordan_{l1}{l2}{l3}.csv", mime="text/csv", key="dl_cg_csv", on_click="ignore")
d3.download_button("Three-bases figure as HTML", lambda: figure_to_html(fig_bases, title=f"D^{l} in three bases"),
                   file_name=f"wigner_D_l{l}_three_bases.html", mime="text/html", key="dl_html", on_click="ignore")
