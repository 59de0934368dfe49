"""Lesson: truncation at L (issue 5, Hypothesis 1 of the essay).

Thin page: reads widgets (and the URL), calls ``equi_core.sphere`` and the builders in
``equi_core.viz.truncation``, lays out numbers and figures. No math here.
"""
from __future__ import annotations

import runpy
from pathlib import Path

import numpy as np
import pandas as pd
import streamlit as st
from streamlit.runtime.scriptrunner import get_script_run_ctx

from equi_core.classroom import (
    Param,
    Quiz,
    encode_query_params,
    figure_to_html,
    read_query_params,
    source_of,
    table_to_csv,
    widget_value,
)
from equi_core import (
    TARGET_MOLECULES,
    BondDensity,
    blind_spot,
    latlong_grid,
    make_target,
    num_coefficients,
    power_spectrum,
    project,
    reconstruct,
    star_features,
    star_needs_degree,
    truncation_study,
)
from equi_core.viz.truncation import (
    blind_spot_figure,
    error_vs_degree_figure,
    power_spectrum_figure,
    sphere_comparison_figure,
    star_pair_figure,
)

# On a fresh server Streamlit may run this file through its legacy pages/ discovery (app.py is then one of the
# session's pages): hand the request to app.py's navigation so the page gets its config, sidebar and layout.
if any(Path(p["script_path"]).name == "app.py" for p in get_script_run_ctx().pages_manager.get_pages().values()):
    runpy.run_path(str(Path(__file__).resolve().parents[1] / "app.py"))
    st.stop()

L_MAX = 20  # the slider's bound (stated on the page); the error curves are computed up to it
GRID = (49, 97)  # drawing / max-error mesh: 49 x 97 nodes (3.75 degree steps)
TARGETS = {
    "water": "water (H₂O)",
    "ammonia": "ammonia (NH₃)",
    "methane": "methane (CH₄)",
    "benzene": "benzene-like ring (6-fold)",
    "star": "n-fold star",
    "cap": "sharp cap",
    "random": "random band-limited",
}
BONDS = ("water", "ammonia", "methane", "benzene", "star")

SPEC = {
    "target": Param("choice", "water", choices=tuple(TARGETS)),
    "L": Param("int", 4, min=0, max=L_MAX),
    "kappa": Param("int", 25, min=2, max=200),
    "n": Param("int", 5, min=2, max=16),
    "cap": Param("int", 30, min=5, max=120),
    "band": Param("int", 8, min=1, max=L_MAX),
    "seed": Param("int", 0, min=0, max=9999),
}


# ------------------------------------------------------------------------------------------- cached computations
def _key(target: str, kappa: int, n: int, cap: int, band: int, seed: int) -> tuple:
    """Only the parameters the target uses, so that moving an unrelated slider costs nothing."""
    return (
        target,
        kappa if target in BONDS else 0,
        n if target == "star" else 0,
        cap if target == "cap" else 0,
        band if target == "random" else 0,
        seed if target == "random" else 0,
    )


def _target(key: tuple):
    target, kappa, n, cap, band, seed = key
    return make_target(target, n=max(n, 1), kappa=float(max(kappa, 1)), cap_angle_deg=float(max(cap, 1)),
                       band=band, seed=seed)


@st.cache_data(max_entries=32, show_spinner=False)
def _study(key: tuple):
    signal = _target(key)
    grid = latlong_grid(*GRID)
    study = truncation_study(signal, L_MAX, grid)
    original = signal.values(grid.flat_points).reshape(grid.n_theta, grid.n_phi)
    directions = signal.directions if isinstance(signal, BondDensity) else None
    return study, original, directions, signal.name


@st.cache_data(max_entries=32, show_spinner=False)
def _reconstruction(key: tuple, L: int):
    study = _study(key)[0]
    return reconstruct(study.coefficients, L, latlong_grid(*GRID))


@st.cache_data(max_entries=32, show_spinner=False)
def _blind(n: int):
    return blind_spot(n, L_MAX)


@st.cache_data(max_entries=8, show_spinner=False)
def _degree_table(kappa: int, n: int):
    """L needed for 10% and 1% L2 error, for every bond preset at this kappa."""
    rows = []
    for name in BONDS:
        study = truncation_study(make_target(name, n=n, kappa=float(kappa)), L_MAX, latlong_grid(5, 9))
        rows.append((study.name, study.degree_for(0.10), study.degree_for(0.01), float(study.rel_l2_error[4])))
    return rows


@st.cache_data(max_entries=2, show_spinner=False)
def _code() -> str:
    return source_of(project, power_spectrum, BondDensity, truncation_study, star_features, blind_spot)


def _state(key: str):
    """The value to create a keyed widget with (live or from the URL): see ``classroom.widget_value``."""
    return widget_value(st.session_state, key, values)


def _fmt_L(v) -> str:
    return f"L = {v}" if v is not None else f"more than {L_MAX}"


# ------------------------------------------------------------------------------------------- URL state
values, notices = read_query_params(st.query_params.to_dict(), SPEC)

st.title("Truncation at L")
for notice in notices:
    st.warning(notice)

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
with c1:
    target = st.selectbox("target signal", tuple(TARGETS), index=tuple(TARGETS).index(_state("target")),
                          format_func=lambda k: TARGETS[k], key="target")
with c2:
    L = st.slider(f"maximum degree L (0 to {L_MAX})", 0, L_MAX, int(_state("L")), key="L",
                  help="the highest degree the (imaginary) network keeps: (L+1)² numbers")
p1, p2, p3, p4, p5 = st.columns(5)
with p1:
    kappa = st.slider("bond sharpness κ", 2, 200, int(_state("kappa")), key="kappa", disabled=target not in BONDS,
                      help="each bond is a bump exp(κ(x·u − 1)), about 1/√κ rad wide")
with p2:
    n = st.slider("star arms n", 2, 16, int(_state("n")), key="n",
                  help="for the n-fold star target and the blind-spot section")
with p3:
    cap = st.slider("cap half-angle (°)", 5, 120, int(_state("cap")), key="cap", disabled=target != "cap")
with p4:
    band = st.slider("random: band limit", 1, L_MAX, int(_state("band")), key="band", disabled=target != "random")
with p5:
    seed = st.number_input("random: seed", 0, 9999, int(_state("seed")), step=1, key="seed",
                           disabled=target != "random")

key = _key(target, int(kappa), int(n), int(cap), int(band), int(seed))
try:
    study, original, directions, signal_name = _study(key)
    recon = _reconstruction(key, int(L))
except ValueError as exc:  # the widgets bound every value; this is a last line of defence
    st.error(f"Cannot build this target: {exc}")
    st.stop()

# ------------------------------------------------------------------------------------------- 1. sphere + errors
st.header("1. The signal and what survives truncation")
if target in TARGET_MOLECULES:
    st.caption(TARGET_MOLECULES[target][0] + f"; each bond a bump of sharpness κ = {kappa}.")
err_l2 = float(study.rel_l2_error[L])
err_max = float(study.rel_max_error[L])
m1, m2, m3, m4 = st.columns(4)
m1.metric(f"relative L2 error at L = {L}", f"{err_l2:.3e}" if err_l2 else "0 (exact)")
m2.metric(f"relative max error at L = {L}", f"{err_max:.3e}")
m3.metric("numbers per feature, (L+1)²", f"{num_coefficients(L)}")
m4.metric("energy kept", f"{100 * (1 - err_l2**2):.4f} %")

sphere_fig = sphere_comparison_figure(
    latlong_grid(*GRID).points, original, recon, L=int(L), directions=directions,
    title=f"{signal_name}: original (left) and degrees ≤ {L} (right), same colour scale",
)
st.plotly_chart(sphere_fig, width="stretch", key="sphere_chart")
st.caption("Radius and colour show the value. Drag to turn both together. A truncated non-negative density "
           "rings below zero: blue dents. The power spectrum P_l is the rotation-invariant energy per degree.")

g1, g2 = st.columns(2)
with g1:
    err_fig = error_vs_degree_figure(study.ls, study.rel_l2_error, study.rel_max_error, current_L=int(L),
                                     title="Error against L")
    st.plotly_chart(err_fig, width="stretch", key="error_chart")
with g2:
    spec_fig = power_spectrum_figure(study.ls, study.energy_fraction, L=int(L), title="Power spectrum P_l / ‖f‖²")
    st.plotly_chart(spec_fig, width="stretch", key="spectrum_chart")
need10, need1 = study.degree_for(0.10), study.degree_for(0.01)
st.markdown(
    f"**{signal_name}** needs {_fmt_L(need10)} for a 10 % L2 error and {_fmt_L(need1)} for 1 %. "
    "The L2 error can only fall as L grows (Parseval: each degree adds its own energy). The max error is "
    f"measured on the {GRID[0]} × {GRID[1]} drawing mesh"
    + (" and, for the discontinuous cap, never falls below about 1/2: at the rim the truncated series converges "
       "to the midpoint (the Gibbs phenomenon)." if target == "cap" else ".")
)
silent = [int(l) for l in study.ls if study.energy_fraction[l] < 1e-12]
if silent and target != "random":
    shown = ", ".join(str(l) for l in silent[:10]) + (" …" if len(silent) > 10 else "")
    st.caption(
        f"No energy at l = {shown}: the signal's symmetry cancels these degrees (flat steps in the error curve). "
        "A methane-like tetrahedron has nothing at l = 1 and 2; a ring with a centre of inversion nothing at odd l."
    )
with st.expander("Every bond preset at this κ (L needed for 10 % and 1 % L2 error)"):
    st.dataframe(
        pd.DataFrame(_degree_table(int(kappa), int(n)),
                     columns=["signal", "L for 10 %", "L for 1 %", "L2 error at L = 4"]),
        width="stretch", hide_index=True,
        column_config={"L2 error at L = 4": st.column_config.NumberColumn(format="%.3e")},
    )
    st.caption(f"κ = {kappa}: sharper bonds (larger κ) need more degrees, roughly L ∝ √κ. "
               "A model with L = 3 sees a blurred version of every one of these neighbourhoods.")

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
blind = _blind(int(n))
b1, b2 = st.columns([2, 1])
with b1:
    blind_fig = blind_spot_figure(blind.ls, blind.difference, blind.feature_norm, n=int(n), L=int(L),
                                  title=f"{n}-fold star against its copy turned by π/{n}")
    st.plotly_chart(blind_fig, width="stretch", key="blind_chart")
with b2:
    st.plotly_chart(star_pair_figure(blind.star, blind.turned, title="seen down the y axis"), width="stretch",
                    key="stars_chart")
seen = blind.difference[: int(L) + 1]
max_seen = float(seen.max())
if blind.first_visible is not None and blind.first_visible <= L:
    st.success(
        f"With L = {L} ≥ n = {n} the model **can** tell the orientations apart: the degree-{blind.first_visible} "
        f"features differ by {blind.difference[blind.first_visible]:.3f} (feature norm "
        f"{blind.feature_norm[blind.first_visible]:.3f})."
    )
else:  # the lesson's point, not a failure: a warning (st.error is kept for bad input)
    st.warning(
        f"With L = {L} < n = {n} the model is **blind** to the turn: the largest feature difference over "
        f"l ≤ {L} is {max_seen:.1e} (rounding). Raise L to {blind.first_visible} to see it."
    )
st.caption(
    "The invariants (the norms ‖hˡ‖, the power spectrum) agree at every degree, largest difference "
    f"{blind.spectrum_difference.max():.1e}: the two stars are rotations of each other. Only the equivariant "
    "features at l ≥ n carry the orientation."
)

# ------------------------------------------------------------------------------------------- URL write-back
current = {"target": target, "L": int(L), "kappa": int(kappa), "n": int(n), "cap": int(cap), "band": int(band),
           "seed": int(seed)}
st.query_params.update(encode_query_params(current, SPEC))

# ------------------------------------------------------------------------------------------- code, quiz, downloads
with st.expander("Show the code"):
    st.caption("The functions behind the figures, read from `equi_core/sphere.py`.")
    st.code(_code(), language="python")

st.header("Quiz")
needs = star_needs_degree(int(n))
q_star = Quiz.with_distractors(
    f"A network sees the {n}-fold star through features of degree ≤ L. What is the smallest L that can tell "
    f"the star from its copy turned by π/{n}?",
    needs, [max(needs - 1, 0), needs + 1, 2 * needs, 1, 3],
    f"Below degree n = {n} the features of both orientations are identical; the degree-{n} features "
    f"(components m = ±{n}) flip sign under the turn. Computed by `star_needs_degree({n})` = {needs}.",
)
n_coeff = num_coefficients(int(L))
q_count = Quiz.with_distractors(
    f"How many numbers does one feature carry if it keeps every degree l = 0 … {L} (one copy of each)?",
    n_coeff, [int(L) + 1, 2 * int(L) + 1, max(int(L) ** 2, 2), (int(L) + 1) ** 3],
    f"Degree l has 2l + 1 components, and 1 + 3 + 5 + … + (2L + 1) = (L + 1)² = {n_coeff}.",
)
truth = "it never increases"
q_mono = Quiz(
    "As L grows, what does the L2 error of the truncated expansion do?",
    (truth, "it can go up or down", "it halves at every step", "it is zero once L ≥ 3"),
    truth if bool(np.all(np.diff(study.rel_l2_error) <= 0)) else "it can go up or down",
    "Each degree is orthogonal to the others, so adding degree L + 1 removes exactly its energy P_{L+1} from the "
    "error (Parseval). The max error is different: for a discontinuous signal it need not fall at all.",
)
for qkey, quiz in (("q_star", q_star), ("q_count", q_count), ("q_mono", q_mono)):
    verdict = quiz.feedback(st.radio(quiz.question, quiz.options, index=None, key=qkey))
    if verdict is not None:
        (st.success if verdict[0] else st.error)(verdict[1])

st.header("Downloads")
errors_csv = table_to_csv({
    "L": study.ls, "numbers_per_feature": study.n_coefficients, "relative_l2_error": study.rel_l2_error,
    "relative_max_error": study.rel_max_error, "P_l_over_norm2": study.energy_fraction,
})
blind_csv = table_to_csv({"l": blind.ls, "feature_difference": blind.difference, "feature_norm": blind.feature_norm})
d1, d2, d3, d4, d5 = st.columns(5)
d1.download_button("Errors and spectrum (CSV)", errors_csv, file_name=f"truncation_{target}.csv", mime="text/csv",
                   key="dl_errors_csv", on_click="ignore")
d2.download_button("Blind spot (CSV)", blind_csv, file_name=f"blind_spot_{n}_fold.csv", mime="text/csv",
                   key="dl_blind_csv", on_click="ignore")
d3.download_button("Spheres figure (HTML)", lambda: figure_to_html(sphere_fig), file_name=f"truncation_{target}_L{L}.html",
                   mime="text/html", key="dl_sphere_html", on_click="ignore")
d4.download_button("Error figure (HTML)", lambda: figure_to_html(err_fig), file_name=f"truncation_error_{target}.html",
                   mime="text/html", key="dl_error_html", on_click="ignore")
d5.download_button("Blind-spot figure (HTML)", lambda: figure_to_html(blind_fig), file_name=f"blind_spot_{n}.html",
                   mime="text/html", key="dl_blind_html", on_click="ignore")
