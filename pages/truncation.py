"""Lesson: truncation at L (issue 5, Hypothesis 1 of the essay); widgets via lab_ui, numbers from
``equi_core.lessons.truncation``, figures from ``equi_core.viz.truncation``."""

from __future__ import annotations

import streamlit as st

import lab_ui
from equi_core import BondDensity, power_spectrum, project, star_features
from equi_core.lessons import truncation as lesson
from equi_core.lessons.classroom import Param
from equi_core.viz import truncation as vt

L_MAX, TARGETS = lesson.L_MAX, lesson.TARGETS
SPEC = {
    "target": Param("choice", "water", choices=tuple(TARGETS)),
    "L": Param("int", 4, min=0, max=L_MAX),
    "kappa": Param("int", 25, min=2, max=200),
    "n": Param("int", 5, min=2, max=16),
    "cap": Param("int", 30, min=5, max=120),
    "band": Param("int", 8, min=1, max=L_MAX),
    "seed": Param("int", 0, min=0, max=9999),
}
CODE = (project, power_spectrum, BondDensity, lesson.truncation_study, star_features, lesson.blind_spot)
truncation_view = st.cache_data(max_entries=32, show_spinner=False)(lesson.truncation_view)
blind_spot = st.cache_data(max_entries=32, show_spinner=False)(lesson.blind_spot)
degree_table = st.cache_data(max_entries=8, show_spinner=False)(lesson.degree_table)
GRID = st.cache_data(max_entries=1, show_spinner=False)(lesson.latlong_grid)(*lesson.GRID)


@st.cache_data(max_entries=32, show_spinner=False)
def reconstruction(key: tuple, L: int):  # the truncated values on GRID
    return lesson.reconstruct(truncation_view(key).study.coefficients, L, GRID)


def fmt_L(v: int | None) -> str:
    return f"L = {v}" if v is not None else f"more than {L_MAX}"


lab_ui.page_setup("Truncation at L")
state = lab_ui.url_state(SPEC)
st.markdown(
    "**The theorem.** Every square-integrable function on the sphere is a sum of spherical harmonics, and "
    "rotations act on each degree $l$ separately, by the $(2l+1)\\times(2l+1)$ matrix $D^l(R)$. "
    "An equivariant network keeps the degrees $l \\le L$: $(L+1)^2$ numbers per feature.  \n"
    "**The cost.** Whatever lives at $l > L$ is invisible to the network. Current models use $L \\le 3$; the "
    "essay's *Hypothesis 1* asks whether that discards angular structure that matters.  \n"
    "**The numbers** below are exact: the coefficients come from closed forms (Funk–Hecke) checked against an "
    "exact Gauss–Legendre quadrature, and the L2 error is the exact energy in the lost degrees."
)
st.latex(
    r"f(\hat x) = \sum_{l=0}^{\infty}\sum_{m=-l}^{l} c_{lm} Y_{lm}(\hat x),\qquad "
    r"\|f - f_L\|_2^2 = \sum_{l > L} P_l,\qquad P_l = \sum_m c_{lm}^2"
)


# ------------------------------------------------------------------------------------------- controls
c1, c2 = st.columns([1, 2])
target = state.selectbox("target signal", "target", format_func=lambda k: TARGETS[k], where=c1)
L = int(
    state.slider(
        f"maximum degree L (0 to {L_MAX})",
        "L",
        where=c2,
        help="the highest degree the (imaginary) network keeps: (L+1)² numbers",
    )
)
p1, p2, p3, p4, p5 = st.columns(5)
kappa = state.slider(
    "bond sharpness κ",
    "kappa",
    where=p1,
    disabled=target not in lesson.BONDS,
    help="each bond is a bump exp(κ(x·u − 1)), about 1/√κ rad wide",
)
n = state.slider("star arms n", "n", where=p2, help="for the n-fold star target and the blind-spot section")
cap = state.slider("cap half-angle (°)", "cap", where=p3, disabled=target != "cap")
band = state.slider("random: band limit", "band", where=p4, disabled=target != "random")
seed = state.number_input("random: seed", "seed", where=p5, disabled=target != "random")
key = lesson.target_key(target, int(kappa), int(n), int(cap), int(band), int(seed))
try:
    view = truncation_view(key)
    recon = reconstruction(key, L)
except ValueError as exc:  # the widgets bound every value; this is a last line of defence
    lab_ui.error("Cannot build this target: {}", exc)
    st.stop()
study = view.study

# ------------------------------------------------------------------------------------------- 1. sphere + errors
st.header("1. The signal and what survives truncation")
if view.description is not None:
    st.caption(view.description + f"; each bond a bump of sharpness κ = {kappa}.")
err_l2, err_max = view.error_at(L)
m1, m2, m3, m4 = st.columns(4)
m1.metric(f"relative L2 error at L = {L}", f"{err_l2:.3e}" if err_l2 else "0 (exact)")
m2.metric(f"relative max error at L = {L}", f"{err_max:.3e}")
m3.metric("numbers per feature, (L+1)²", f"{lesson.num_coefficients(L)}")
m4.metric("energy kept", f"{100 * (1 - err_l2**2):.4f} %")
sphere_title = f"{view.name}: original (left) and degrees ≤ {L} (right), same colour scale"
sphere_fig = vt.sphere_comparison_figure(
    GRID.points, view.original, recon, L=L, directions=view.directions, title=sphere_title
)
lab_ui.chart(sphere_fig, "sphere_chart")
st.caption(
    "Radius and colour show the value. Drag to turn both together. A truncated non-negative density "
    "rings below zero: blue dents. The power spectrum P_l is the rotation-invariant energy per degree."
)
g1, g2 = st.columns(2)
with g1:
    err_fig = vt.error_vs_degree_figure(
        study.ls, study.rel_l2_error, study.rel_max_error, current_L=L, title="Error against L"
    )
    lab_ui.chart(err_fig, "error_chart")
with g2:
    spec_fig = vt.power_spectrum_figure(study.ls, study.energy_fraction, L=L, title="Power spectrum P_l / ‖f‖²")
    lab_ui.chart(spec_fig, "spectrum_chart")
gibbs = (
    " and, for the discontinuous cap, never falls below about 1/2: at the rim the truncated series converges "
    "to the midpoint (the Gibbs phenomenon)."
)
st.markdown(
    f"**{view.name}** needs {fmt_L(study.degree_for(0.10))} for a 10 % L2 error and {fmt_L(study.degree_for(0.01))} "
    "for 1 %. The L2 error can only fall as L grows (Parseval: each degree adds its own energy). The max error is "
    f"measured on the {lesson.GRID[0]} × {lesson.GRID[1]} drawing mesh" + (gibbs if target == "cap" else ".")
)
silent = lesson.silent_degrees(study)
if silent and target != "random":
    shown = ", ".join(str(l) for l in silent[:10]) + (" …" if len(silent) > 10 else "")
    st.caption(
        f"No energy at l = {shown}: the signal's symmetry cancels these degrees (flat steps in the error curve). "
        "A methane-like tetrahedron has nothing at l = 1 and 2; a ring with a centre of inversion nothing at odd l."
    )
with st.expander("Every bond preset at this κ (L needed for 10 % and 1 % L2 error)"):
    rows = degree_table(int(kappa), int(n))
    names = ("signal", "L for 10 %", "L for 1 %", "L2 error at L = 4")
    table = {name: [r[i] for r in rows] for i, name in enumerate(names)}
    sci = st.column_config.NumberColumn(format="%.3e")
    st.dataframe(table, width="stretch", hide_index=True, column_config={"L2 error at L = 4": sci})
    st.caption(
        f"κ = {kappa}: sharper bonds (larger κ) need more degrees, roughly L ∝ √κ. "
        "A model with L = 3 sees a blurred version of every one of these neighbourhoods."
    )

# ------------------------------------------------------------------------------------------- 2. blind spot
st.header("2. The L-fold blind spot")
st.markdown(
    "Take an $n$-fold star of bonds (all in the plane perpendicular to y) and the same star turned by "
    "$\\pi/n$ about its axis. A one-layer equivariant model sees the features "
    "$h^l = \\sum_i Y^l(\\hat u_i)$. For $l < n$ the $n$-fold symmetry leaves only the $m = 0$ component, "
    "which no turn about the axis changes, so **both orientations give identical features below degree n**. "
    "A model truncated at $L < n$ cannot tell them apart; at $l = n$ the components $m = \\pm n$ appear and "
    "flip sign. This is the *rotationally symmetric structures* experiment of Joshi et al., *On the Expressive "
    "Power of Geometric Graph Neural Networks* (ICML 2023, arXiv:2301.09308; the geometric-GNN-dojo code)."
)
blind = blind_spot(int(n), L_MAX)
b1, b2 = st.columns([2, 1])
with b1:
    blind_fig = vt.blind_spot_figure(
        blind.ls,
        blind.difference,
        blind.feature_norm,
        n=int(n),
        L=L,
        title=f"{n}-fold star against its copy turned by π/{n}",
    )
    lab_ui.chart(blind_fig, "blind_chart")
with b2:
    lab_ui.chart(vt.star_pair_figure(blind.star, blind.turned, title="seen down the y axis"), "stars_chart")
first = blind.first_visible
if first is not None and first <= L:
    st.success(
        f"With L = {L} ≥ n = {n} the model **can** tell the orientations apart: the degree-{first} "
        f"features differ by {blind.difference[first]:.3f} (feature norm {blind.feature_norm[first]:.3f})."
    )
else:  # the lesson's point, not a failure: a warning (st.error is kept for bad input)
    st.warning(
        f"With L = {L} < n = {n} the model is **blind** to the turn: the largest feature difference over "
        f"l ≤ {L} is {float(blind.difference[: L + 1].max()):.1e} (rounding). Raise L to {first} to see it."
    )
st.caption(
    "The invariants (the norms ‖hˡ‖, the power spectrum) agree at every degree, largest difference "
    f"{float(blind.spectrum_difference.max()):.1e}: the two stars are rotations of each other. Only the equivariant "
    "features at l ≥ n carry the orientation."
)
state.sync()

# ------------------------------------------------------------------------------------------- code, quiz, downloads
lab_ui.show_code(*CODE, caption="The functions behind the figures, read from `equi_core`.")
lab_ui.quiz_section(lesson.quizzes(int(n), L, study))
st.header("Downloads")
lab_ui.download_buttons(
    [
        lab_ui.csv_download(
            "Errors and spectrum (CSV)", lesson.study_columns(study), f"truncation_{target}.csv", "dl_errors_csv"
        ),
        lab_ui.csv_download(
            "Blind spot (CSV)", lesson.blind_columns(blind), f"blind_spot_{n}_fold.csv", "dl_blind_csv"
        ),
        lab_ui.html_download("Spheres figure (HTML)", sphere_fig, f"truncation_{target}_L{L}.html", "dl_sphere_html"),
        lab_ui.html_download("Error figure (HTML)", err_fig, f"truncation_error_{target}.html", "dl_error_html"),
        lab_ui.html_download("Blind-spot figure (HTML)", blind_fig, f"blind_spot_{n}.html", "dl_blind_html"),
    ]
)
