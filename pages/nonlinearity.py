"""Lesson: ReLU versus norm nonlinearity; widgets via lab_ui, numbers from equi_core.lessons.nonlinearity."""

from __future__ import annotations

import pandas as pd
import streamlit as st

import lab_ui
from equi_core import Gate, equivariance_error, norm_nonlinearity, scalar_activation_output
from equi_core.lessons import nonlinearity as lesson
from equi_core.lessons.classroom import Param, format_vector, parse_vector
from equi_core.viz import nonlinearity as vn

DEFAULT_V1, DEFAULT_V2 = "1, -2, 3", "-1, 2, 3"
SPEC = {
    "v1": Param("str", DEFAULT_V1, max_len=80),
    "v2": Param("str", DEFAULT_V2, max_len=80),
    "sigma": Param("choice", "relu", choices=lesson.SIGMAS),
    "bias": Param("float", -1.0, min=-3.0, max=3.0),
    "alpha": Param("int", 240, min=0, max=360),
    "beta": Param("int", 85, min=0, max=180),
    "gamma": Param("int", 330, min=0, max=360),
    "axis": Param("choice", "z", choices=tuple(lesson.AXES)),
    "sphere": Param("choice", "ReLU", choices=lesson.SPHERE_MAPS),
    "gate_act": Param("choice", "relu", choices=lesson.GATE_ACTS),
}
CODE = (norm_nonlinearity, lesson.compare_pair, lesson.rotation_check, equivariance_error, scalar_activation_output)
cache, fixed = st.cache_data(max_entries=32, show_spinner=False), st.cache_data(max_entries=4, show_spinner=False)
compare_pair, rotation_check = cache(lesson.compare_pair), cache(lesson.rotation_check_deg)
error_curve, sphere_map = (
    cache(lesson.error_curve),
    st.cache_data(max_entries=16, show_spinner=False)(lesson.sphere_map),
)
block_errors, parity_trap = fixed(lesson.block_errors), fixed(lesson.parity_trap)
depth_argument, quizzes = fixed(lesson.depth_argument), fixed(lesson.quizzes)
YES_NO = {True: "yes", False: "no"}
QUIET: dict = {"delta_color": "off", "delta_arrow": "off", "border": True}

lab_ui.page_setup("ReLU versus norm nonlinearity")
state = lab_ui.url_state(SPEC)
st.markdown(
    "**The theorem.** An equivariant layer must commute with every rotation (and inversion): "
    "$f(Rv) = R\\,f(v)$. For a single vector feature that forces $f(v) = g(|v|)\\,v$: "
    "the only legal nonlinearities act on **norms**.  \n"
    "**The cost.** Such a layer cannot respond differently to *up* and *sideways*. "
    "Componentwise ReLU can, and that is exactly why it breaks equivariance.  \n"
    "**The numbers** below are computed live by `equi_core`."
)
st.latex(r"\mathrm{ReLU}(v)_i = \max(v_i, 0) \qquad\qquad \text{norm}(v) = \sigma\big(|v| + b\big)\,\frac{v}{|v|}")

# ------------------------------------------------------------------------------------------- 1. the pair
st.header("1. Two vectors, one norm")
c1, c2, c3, c4 = st.columns([1.2, 1.2, 1, 1])
t1 = state.text_input("first vector v₁", "v1", where=c1, help="three numbers separated by commas, each at most 1e6")
t2 = state.text_input("second vector v₂", "v2", where=c2)
sigma = state.selectbox("σ of the norm nonlinearity", "sigma", where=c3)
bias = float(state.slider("bias b", "bias", step=0.1, where=c4))
vecs: list = []
for label, text in (("first vector v₁", t1), ("second vector v₂", t2)):
    try:
        vecs.append(parse_vector(text, name=label))
    except ValueError as exc:
        lab_ui.error("{}", exc)
        vecs.append(None)
v1, v2 = vecs
if v1 is not None and v2 is not None:
    pair = compare_pair(v1, v2, sigma, bias)
    for label, length in zip(("v₁", "v₂"), pair.input_norms):
        if length == 0:
            st.warning(
                f"{label} is the zero vector: it has no direction. ReLU(0) = 0, and the norm nonlinearity returns 0 "
                "as well (a safe ε replaces |v| = 0 in v/|v|: no NaN)."
            )
    table = {
        "input v": [format_vector(pair.v1), format_vector(pair.v2)],
        "|v|": list(pair.input_norms),
        "ReLU(v)": [format_vector(pair.relu1), format_vector(pair.relu2)],
        "|ReLU(v)|": list(pair.relu_norms),
        f"norm(v), σ={sigma}, b={bias:g}": [format_vector(pair.norm1), format_vector(pair.norm2)],
        "|norm(v)|": list(pair.norm_norms),
    }
    six = {c: st.column_config.NumberColumn(format="%.6f") for c in ("|v|", "|ReLU(v)|", "|norm(v)|")}
    st.dataframe(pd.DataFrame(table, index=["v₁", "v₂"]), width="stretch", column_config=six)
    answers = (
        ("Does ReLU tell them apart?", pair.relu_tells_apart, "|ReLU(v)|", pair.relu_norms),
        ("Does the norm nonlinearity?", pair.norm_tells_apart, "|norm(v)|", pair.norm_norms),
        ("Same input length?", pair.same_length, "|v|", pair.input_norms),
    )
    for col, (question, yes, what, n) in zip(st.columns(3), answers):
        col.metric(question, YES_NO[yes], f"{what}: {n[0]:.4f} vs {n[1]:.4f}", **QUIET)
    if pair.same_length and not pair.norm_tells_apart:
        st.info(
            "Same length in, same response out: the norm nonlinearity only sees |v|, so it scales both vectors by "
            f"the same gain {lesson.norm_gain(pair):.4f}. ReLU's response depends on which components are negative."
        )
    elif not pair.same_length:
        st.caption(
            "The inputs have different lengths, so even the norm nonlinearity sees a difference. "
            "Try two vectors of equal length pointing in different directions."
        )

# ------------------------------------------------------------------------------------------- 2. rotating input
st.header("2. Rotate the input")
st.markdown(
    "Turn $v_1$ by $R = R_y(\\alpha) R_x(\\beta) R_y(\\gamma)$ and compare the narrow arrow $f(Rv)$ with the wide, "
    "light arrow $R f(v)$. Where the narrow arrow sits inside the wide one, $f$ is equivariant."
)
v_rot = v1 if v1 is not None else parse_vector(DEFAULT_V1, name="v₁")
if v1 is None:
    st.caption(f"(v₁ is invalid, so this section uses the default {DEFAULT_V1}.)")
left, right = st.columns([1, 2.6])
with left:
    angles = (
        state.slider("α (degrees)", "alpha"),
        state.slider("β (degrees)", "beta"),
        state.slider("γ (degrees)", "gamma"),
    )
    check = rotation_check(v_rot, *angles, sigma, bias)
    err_help = "max over components of |f(Rv) − R f(v)|"
    relu_err, norm_err = check.relu_error, check.norm_error
    st.metric("ReLU error", f"{relu_err.absolute:.4g}", f"relative {relu_err.relative:.3g}", help=err_help, **QUIET)
    norm_text = "0 (exact)" if norm_err.absolute == 0.0 else f"{norm_err.absolute:.2e}"
    st.metric("norm nonlinearity error", norm_text, f"relative {norm_err.relative:.2e}", help=err_help, **QUIET)
    st.caption("float64 rounding is about 1e-16: the norm nonlinearity is exact, ReLU is not.")
with right:
    arrows_fig = vn.rotation_arrows_figure(check, title="f(R v) (narrow) against R f(v) (wide)")
    lab_ui.chart(arrows_fig, "arrows_chart")
axis = state.radio("error against the angle of a rotation about the axis", "axis", horizontal=True)
curve = error_curve(v_rot, axis, sigma, bias)
curves = {
    "ReLU, v₁": curve.relu_v,
    "ReLU, mean over 200 directions": curve.relu_mean,
    "norm nonlinearity, v₁": curve.norm_v,
    "norm nonlinearity, mean over 200 directions": curve.norm_mean,
}
curve_title = f"Equivariance error vs rotation angle about {axis}"
curve_fig = vn.error_vs_angle_figure(curve.angles_deg, curves, title=curve_title)
lab_ui.chart(curve_fig, "curve_chart")
st.caption(
    f"Largest ReLU error on this curve: {curve.relu_v.max():.4g} (v₁), {curve.relu_mean.max():.4g} (mean over "
    f"directions); largest norm-nonlinearity error: {curve.norm_max:.2e}."
)

# ------------------------------------------------------------------------------------------- 3. the sphere
st.header("3. The whole sphere at once")
radius = lesson.sphere_radius(v_rot)
st.markdown(
    f"Every direction $v$ with the length of $v_1$ ($|v| = {radius:.4g}$), coloured by the gain $|f(v)|/|v|$, "
    "with an arrow showing where $f(v)$ points. An equivariant map treats all directions alike: one colour, "
    "radial arrows."
)
which = state.radio("map", "sphere", horizontal=True)
smap = sphere_map(which, sigma, bias, radius)
s_left, s_right = st.columns([2.6, 1])
with s_right:
    st.metric("gain |f(v)|/|v| ranges over", f"{smap.gain_min:.3f} – {smap.gain_max:.3f}", border=True)
    bend = "—" if smap.max_bend_deg is None else f"{smap.max_bend_deg:.1f}°"
    st.metric("largest bend of a direction", bend, border=True)
    st.metric("directions sent to 0", f"{smap.lost} of {smap.total}", border=True)
    st.caption(
        "ReLU bends every direction with a negative component toward the positive octant and deletes the "
        "negative octant. The norm nonlinearity never bends (0°) and has one gain σ(|v| + b)/|v| for all "
        "directions (all zero if σ(|v| + b) = 0)."
    )
with s_left:
    sphere_title = f"{which}: every direction, at |v| = {radius:.4g}"
    sphere_fig = vn.sphere_map_figure(smap.data, name="ReLU" if which == "ReLU" else "norm", title=sphere_title)
    lab_ui.chart(sphere_fig, "sphere_chart")

# ------------------------------------------------------------------------------------------- 4. gates and parity
st.header("4. Gates, and the parity trap")
st.markdown(
    "Pointwise activations are legal on **scalars**. A true scalar `0e` never changes; a *pseudo-scalar* `0o` "
    "(a signed volume, $u \\cdot (v \\times w)$) flips sign under inversion $x \\to -x$. "
    "A **gate** multiplies each vector block by an activated scalar: $\\sigma(s_i)\\,v_i$, equivariant because "
    "$s_i$ is invariant."
)
st.latex(r"s \xrightarrow{\text{inversion}} -s \quad\Rightarrow\quad f(-s) \overset{!}{=} -f(s)\ \ (\text{odd } f)")
rows = parity_trap(("relu", "softplus", "tanh", "abs"), n=16, rng=0)
lab_ui.chart(
    vn.parity_trap_figure(rows, title="ReLU on a pseudo-scalar passes every SO(3) test and fails O(3)"), "parity_chart"
)
parity_names = {-1: "odd", 1: "even", 0: "neither"}
parity_table = {
    "activation on 4x0o": [r.act for r in rows],
    "parity": [parity_names[r.parity] for r in rows],
    "SO(3) error": [r.so3_error for r in rows],
    "O(3) error (as 0o → 0o)": [r.o3_error for r in rows],
    "allowed output": [r.output_irrep for r in rows],
}
st.dataframe(parity_table, width="stretch", hide_index=True)
g1, g2 = st.columns([1, 2])
gate_act = state.selectbox("activation on a 0o scalar in a gate", "gate_act", where=g1)
verdict = lesson.gate_verdict(gate_act)
with g2:
    if verdict.output is None:
        st.info(f"Rejected by the library: {verdict.reason}.")  # a fixed choice: no user text in it
    else:
        sign = " (odd: the sign survives)." if verdict.keeps_sign else " (even: the sign is lost)."
        st.success(f"`{gate_act}` on `0o` is legal: it gives `{verdict.output}`" + sign)

st.subheader("Every block of the library, measured")
blocks = block_errors()
block_table = {
    "block": [b.name for b in blocks],
    "O(3) error (abs)": [b.absolute for b in blocks],
    "relative": [b.relative for b in blocks],
    "irreps in": [b.irreps_in for b in blocks],
    "irreps out": [b.irreps_out for b in blocks],
}
sci = st.column_config.NumberColumn(format="%.2e")
st.dataframe(block_table, width="stretch", hide_index=True, column_config={"O(3) error (abs)": sci, "relative": sci})
st.caption("Max over 32 random O(3) elements (half of them improper) and random float64 inputs, degrees up to 4.")

# ------------------------------------------------------------------------------------------- 5. depth
st.header("5. The depth argument")
depth = depth_argument()
fit = depth.fit
st.markdown(
    "One ReLU layer does something very specific to a direction: it flattens whole quadrants onto the axes "
    "(left). An equivariant network **has no axes of its own**. With only $v$ as input, the best it can do "
    f"is ${fit[0]:.2f}\\,v$, RMS error {fit[1]:.2f} out of {fit[2]:.2f}, whatever its depth. Given reference "
    "directions as extra features (bonds, neighbours), it *can* rebuild ReLU, but it takes a stack: a tensor "
    "product to project onto each axis, a gate, another tensor product to rebuild the vector, and a linear sum "
    f"(right; this construction is equivariant to {depth.frame_error:.1e}). This is the essay's *Hypothesis 2*: "
    "weaker nonlinearities need more layers, and deep equivariant nets are hard to train."
)
lab_ui.chart(vn.depth_figure(depth.t, depth.relu_map, depth.norm_map, depth.steps, fit=fit), "depth_chart")
lab_ui.lesson_link("pages/training_lab.py", "Measure the trade-off in the Training lab →")
state.sync()

# ------------------------------------------------------------------------------------------- code, quiz, downloads
lab_ui.show_code(
    *CODE, Gate, lesson.relu_in_frame, caption="The library functions behind this page, read from `equi_core`."
)
lab_ui.quiz_section(quizzes())
st.header("Downloads")
lab_ui.download_buttons(
    [
        lab_ui.csv_download(
            "Arrows: numbers (CSV)", lesson.rotation_columns(check), "relu_vs_norm_rotation.csv", "dl_rot_csv"
        ),
        lab_ui.csv_download("Error curve (CSV)", curve.columns(), "relu_vs_norm_error_curve.csv", "dl_curve_csv"),
        lab_ui.html_download("Arrows figure (HTML)", arrows_fig, "relu_vs_norm_arrows.html", "dl_arrows_html"),
        lab_ui.html_download("Error curve figure (HTML)", curve_fig, "relu_vs_norm_error_curve.html", "dl_curve_html"),
    ]
)
