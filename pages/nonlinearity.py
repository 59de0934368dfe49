"""Lesson: ReLU versus norm nonlinearity (issue 4).

Thin page: reads widgets (and the URL), calls ``equi_core.nets`` and the builders in
``equi_core.viz.nonlinearity``, lays out the numbers and figures. No math here.
"""
from __future__ import annotations

import runpy
from pathlib import Path

import numpy as np
import pandas as pd
import streamlit as st
from streamlit.runtime.scriptrunner import get_script_run_ctx

from equi_core import angles_to_matrix
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
    EquivariantLinear,
    Gate,
    NormActivation,
    TensorSquare,
    best_equivariant_fit,
    compare_pair,
    componentwise,
    direction_map_in_plane,
    equivariance_error,
    fibonacci_sphere,
    norm_nonlinearity,
    parity_trap,
    relu,
    relu_in_frame,
    relu_in_frame_steps,
    rotation_check,
    rotation_error_curve,
    scalar_activation_output,
    tiny_equivariant_net,
)
from equi_core.viz.nonlinearity import (
    depth_figure,
    error_vs_angle_figure,
    parity_trap_figure,
    rotation_arrows_figure,
    sphere_map_data,
    sphere_map_figure,
)

# On a fresh server Streamlit may run this file through its legacy pages/ discovery (app.py is then one of the
# session's pages): hand the request to app.py's navigation so the page gets its config, sidebar and layout.
if any(Path(p["script_path"]).name == "app.py" for p in get_script_run_ctx().pages_manager.get_pages().values()):
    runpy.run_path(str(Path(__file__).resolve().parents[1] / "app.py"))
    st.stop()

SIGMAS = ("relu", "tanh", "softplus", "sigmoid")
AXES = {"z": (0.0, 0.0, 1.0), "x": (1.0, 0.0, 0.0), "y": (0.0, 1.0, 0.0), "(1,1,1)": (1.0, 1.0, 1.0)}
SPHERE_MAPS = ("ReLU", "norm nonlinearity")
GATE_ACTS = ("relu", "softplus", "sigmoid", "tanh", "abs", "square")
DEFAULT_V1, DEFAULT_V2 = "1, -2, 3", "-1, 2, 3"
MAX_ABS = 1e6

SPEC = {
    "v1": Param("str", DEFAULT_V1, max_len=80),
    "v2": Param("str", DEFAULT_V2, max_len=80),
    "sigma": Param("choice", "relu", choices=SIGMAS),
    "bias": Param("float", -1.0, min=-3.0, max=3.0),
    "alpha": Param("int", 240, min=0, max=360),
    "beta": Param("int", 85, min=0, max=180),
    "gamma": Param("int", 330, min=0, max=360),
    "axis": Param("choice", "z", choices=tuple(AXES)),
    "sphere": Param("choice", "ReLU", choices=SPHERE_MAPS),
    "gate_act": Param("choice", "relu", choices=GATE_ACTS),
}


# ------------------------------------------------------------------------------------------- cached computations
@st.cache_data(max_entries=32, show_spinner=False)
def _pair(v1: tuple, v2: tuple, sigma: str, bias: float):
    return compare_pair(np.array(v1), np.array(v2), sigma, bias)


@st.cache_data(max_entries=32, show_spinner=False)
def _rotation(v: tuple, alpha: int, beta: int, gamma: int, sigma: str, bias: float):
    R = angles_to_matrix(np.radians(alpha), np.radians(beta), np.radians(gamma))
    return rotation_check(np.array(v), R, sigma, bias)


@st.cache_data(max_entries=32, show_spinner=False)
def _curve(v: tuple, axis: str, sigma: str, bias: float):
    angles = np.linspace(0.0, 360.0, 145)
    pts = fibonacci_sphere(200)
    f_norm = lambda x: norm_nonlinearity(x, "1x1o", sigma, bias)  # noqa: E731
    vv = np.array(v)[None, :]
    rv = rotation_error_curve(relu, vv, AXES[axis], np.radians(angles))[:, 0]
    nv = rotation_error_curve(f_norm, vv, AXES[axis], np.radians(angles))[:, 0]
    rm = rotation_error_curve(relu, pts, AXES[axis], np.radians(angles)).mean(axis=1)
    nm = rotation_error_curve(f_norm, pts, AXES[axis], np.radians(angles)).mean(axis=1)
    return angles, rv, nv, rm, nm


@st.cache_data(max_entries=16, show_spinner=False)
def _sphere(which: str, sigma: str, bias: float, radius: float):
    f = relu if which == "ReLU" else (lambda x: norm_nonlinearity(x, "1x1o", sigma, bias))
    return sphere_map_data(f, radius=radius)


@st.cache_data(max_entries=4, show_spinner=False)
def _block_errors():
    """O(3) equivariance errors of every block of the library, and of the baselines (seeded)."""
    rng = np.random.default_rng(0)
    irr = "2x0e + 1x0o + 2x1o + 1x1e + 1x2e + 1x3o + 1x4e"
    gate = Gate("2x0e + 1x0o", ("silu", "tanh"), "5x0e + 1x0o", ("sigmoid", "tanh"),
                "2x1o + 1x1e + 1x2e + 1x3o + 1x4e")
    net = tiny_equivariant_net("1x0e + 1x1o + 1x2e", "1x0e + 1x1o", seed=0)
    blocks = [
        ("equivariant linear", EquivariantLinear.random(irr, "3x0e + 2x1o + 2x2e + 1x4e", rng)),
        ("norm nonlinearity", NormActivation(irr, "relu", -1.0)),
        ("gate", gate),
        ("tensor square (CG paths)", TensorSquare.random("1x0e + 1x1o + 1x2e", "2x0e + 2x1o + 1x1e + 2x2e + 1x3o", rng)),
        ("tiny net (2 gated layers)", net),
        ("componentwise ReLU (baseline)", None),
        ("componentwise tanh (baseline)", None),
    ]
    rows = []
    for name, layer in blocks:
        if layer is None:
            act = "relu" if "ReLU" in name else "tanh"
            e = equivariance_error(lambda x, a=act: componentwise(x, a), irr, irr, n=32, rng=1)
            rows.append((name, irr, irr, e.absolute, e.relative))
        else:
            e = equivariance_error(layer, layer.irreps_in, layer.irreps_out, n=32, rng=1)
            rows.append((name, str(layer.irreps_in), str(layer.irreps_out), e.absolute, e.relative))
    return rows


@st.cache_data(max_entries=4, show_spinner=False)
def _parity_rows():
    return parity_trap(("relu", "softplus", "tanh", "abs"), n=16, rng=0)


@st.cache_data(max_entries=4, show_spinner=False)
def _depth():
    t, a = direction_map_in_plane(relu)
    _, b = direction_map_in_plane(lambda v: norm_nonlinearity(v, "1x1o", "tanh", 0.0))
    fit = best_equivariant_fit(relu)
    frame_err = equivariance_error(
        lambda x: relu_in_frame(x[:, :3], x[:, 3:].reshape(-1, 3, 3)), "4x1o", "1x1o", n=32, rng=2
    ).absolute
    return t, a, b, relu_in_frame_steps(), fit, frame_err


@st.cache_data(max_entries=4, show_spinner=False)
def _quizzes():
    legal = [a for a in ("relu", "softplus", "sigmoid", "tanh") if _legal_odd(a)]
    q1 = Quiz(
        "A pseudo-scalar `0o` (think: a signed volume) flips sign under inversion. Which activation may act on it "
        "pointwise and keep the layer O(3)-equivariant with output `0o`?",
        ("relu", "softplus", "sigmoid", "tanh"),
        legal[0],
        "Under inversion s -> -s, so the activation must satisfy f(-s) = -f(s): an **odd** function. Only tanh is odd; "
        "relu, softplus and sigmoid have no parity and fail every test that includes an inversion.",
    )
    abs_out = str(scalar_activation_output("0o", "abs"))
    q2 = Quiz(
        "`abs` is applied to a pseudo-scalar `0o`. What irrep comes out?",
        ("0o", "0e", "1o", "illegal"),
        abs_out,
        "abs is even: |-s| = |s|, so the output no longer changes sign under inversion: it is a true scalar 0e.",
    )
    gain, res, _ = best_equivariant_fit(relu)
    answer = f"{gain:.1f} v, with RMS error {res:.1f} at any depth"
    q3 = Quiz(
        "A network sees only ONE vector v (no other features). What is the best O(3)-equivariant imitation of "
        "ReLU(v) on unit vectors?",
        (answer, "ReLU(v) exactly, with enough layers", "v itself, error 0", "0, error 0"),
        answer,
        "An equivariant map of a single vector must be g(|v|) v: it cannot prefer any axis. The least-squares g is "
        "1/2 and the error cannot shrink, however deep the net. ReLU needs reference directions (other features) "
        "and tensor products to be imitated: that is the depth argument.",
    )
    return (("q_parity", q1), ("q_abs", q2), ("q_depth", q3))


@st.cache_data(max_entries=1, show_spinner=False)
def _code() -> str:
    return source_of(norm_nonlinearity, compare_pair, rotation_check, equivariance_error, scalar_activation_output,
                     Gate, relu_in_frame)


def _legal_odd(act: str) -> bool:
    try:
        return str(scalar_activation_output("0o", act)) == "0o"
    except ValueError:
        return False


def _fmt_err(e: float) -> str:
    return "0 (exact)" if e == 0.0 else f"{e:.2e}"


def _fmt_vec(v) -> str:
    return "(" + ", ".join(f"{x:.4g}" for x in np.asarray(v)) + ")"


def _state(key: str):
    """The value to create a keyed widget with (live or from the URL): see ``classroom.widget_value``."""
    return widget_value(st.session_state, key, values)


# ------------------------------------------------------------------------------------------- URL state
values, notices = read_query_params(st.query_params.to_dict(), SPEC)

st.title("ReLU versus norm nonlinearity")
for notice in notices:
    st.warning(notice)

st.markdown(
    "**The theorem.** An equivariant layer must commute with every rotation (and inversion): "
    "$f(Rv) = R\\,f(v)$. For a single vector feature that forces $f(v) = g(|v|)\\,v$: "
    "the only legal nonlinearities act on **norms**.  \n"
    "**The cost.** Such a layer cannot respond differently to *up* and *sideways*. "
    "Componentwise ReLU can, and that is exactly why it breaks equivariance.  \n"
    "**The numbers** below are computed live by `equi_core.nets`."
)
st.latex(r"\mathrm{ReLU}(v)_i = \max(v_i, 0) \qquad\qquad \text{norm}(v) = \sigma\big(|v| + b\big)\,\frac{v}{|v|}")

# ------------------------------------------------------------------------------------------- 1. the pair
st.header("1. Two vectors, one norm")
c1, c2, c3, c4 = st.columns([1.2, 1.2, 1, 1])
with c1:
    t1 = st.text_input("first vector v₁", _state("v1"), key="v1", max_chars=SPEC["v1"].max_len,
                       help="three numbers separated by commas, each at most 1e6 in size")
with c2:
    t2 = st.text_input("second vector v₂", _state("v2"), key="v2", max_chars=SPEC["v2"].max_len)
with c3:
    sigma = st.selectbox("σ of the norm nonlinearity", SIGMAS, index=SIGMAS.index(_state("sigma")), key="sigma")
with c4:
    bias = st.slider("bias b", -3.0, 3.0, float(_state("bias")), step=0.1, key="bias")

vecs = []
for label, text in (("first vector v₁", t1), ("second vector v₂", t2)):
    try:
        vecs.append(parse_vector(text, dim=3, max_abs=MAX_ABS, name=label))
    except ValueError as exc:
        st.error(f"{exc}")
        vecs.append(None)
v1, v2 = vecs
valid_pair = v1 is not None and v2 is not None

if valid_pair:
    for label, v in (("v₁", v1), ("v₂", v2)):
        if not np.any(v):
            st.warning(
                f"{label} is the zero vector: it has no direction. ReLU(0) = 0, and the norm nonlinearity returns 0 "
                "as well (a safe ε replaces |v| = 0 in v/|v|: no NaN)."
            )
    pair = _pair(tuple(v1), tuple(v2), sigma, float(bias))
    table = pd.DataFrame(
        {
            "input v": [_fmt_vec(pair.v1), _fmt_vec(pair.v2)],
            "|v|": [pair.input_norms[0], pair.input_norms[1]],
            "ReLU(v)": [_fmt_vec(pair.relu1), _fmt_vec(pair.relu2)],
            "|ReLU(v)|": [pair.relu_norms[0], pair.relu_norms[1]],
            f"norm(v), σ={sigma}, b={bias:g}": [_fmt_vec(pair.norm1), _fmt_vec(pair.norm2)],
            "|norm(v)|": [pair.norm_norms[0], pair.norm_norms[1]],
        },
        index=["v₁", "v₂"],
    )
    st.dataframe(table, width="stretch", column_config={
        c: st.column_config.NumberColumn(format="%.6f") for c in ("|v|", "|ReLU(v)|", "|norm(v)|")
    })
    m1, m2, m3 = st.columns(3)
    m1.metric("Does ReLU tell them apart?", "yes" if pair.relu_tells_apart else "no",
              f"|ReLU(v)|: {pair.relu_norms[0]:.4f} vs {pair.relu_norms[1]:.4f}", delta_color="off", delta_arrow="off",
              border=True)
    m2.metric("Does the norm nonlinearity?", "yes" if pair.norm_tells_apart else "no",
              f"|norm(v)|: {pair.norm_norms[0]:.4f} vs {pair.norm_norms[1]:.4f}", delta_color="off", delta_arrow="off",
              border=True)
    m3.metric("Same input length?", "yes" if pair.same_length else "no",
              f"|v|: {pair.input_norms[0]:.4f} vs {pair.input_norms[1]:.4f}", delta_color="off", delta_arrow="off",
              border=True)
    if pair.same_length and not pair.norm_tells_apart:
        st.info(
            "Same length in, same response out: the norm nonlinearity only sees |v|, so it scales both vectors by "
            f"the same gain {pair.norm_norms[0] / max(pair.input_norms[0], 1e-300):.4f}. ReLU's response depends on "
            "which components are negative."
        )
    elif not pair.same_length:
        st.caption("The inputs have different lengths, so even the norm nonlinearity sees a difference. "
                   "Try two vectors of equal length pointing in different directions.")
else:
    pair = None

# ------------------------------------------------------------------------------------------- 2. rotating input
st.header("2. Rotate the input")
st.markdown(
    "Turn $v_1$ by $R = R_y(\\alpha) R_x(\\beta) R_y(\\gamma)$ and compare the narrow arrow $f(Rv)$ with the wide, "
    "light arrow $R f(v)$. Where the narrow arrow sits inside the wide one, $f$ is equivariant."
)
v_rot = v1 if v1 is not None else parse_vector(DEFAULT_V1)
if v1 is None:
    st.caption(f"(v₁ is invalid, so this section uses the default {DEFAULT_V1}.)")
left, right = st.columns([1, 2.6])
with left:
    alpha = st.slider("α (degrees)", 0, 360, int(_state("alpha")), key="alpha")
    beta = st.slider("β (degrees)", 0, 180, int(_state("beta")), key="beta")
    gamma = st.slider("γ (degrees)", 0, 360, int(_state("gamma")), key="gamma")
    check = _rotation(tuple(v_rot), int(alpha), int(beta), int(gamma), sigma, float(bias))
    st.metric("ReLU error", f"{check.relu_error.absolute:.4g}", f"relative {check.relu_error.relative:.3g}",
              delta_color="off", delta_arrow="off", border=True, help="max over components of |f(Rv) − R f(v)|")
    st.metric("norm nonlinearity error", _fmt_err(check.norm_error.absolute),
              f"relative {check.norm_error.relative:.2e}", delta_color="off", delta_arrow="off", border=True,
              help="max over components of |f(Rv) − R f(v)|")
    st.caption("float64 rounding is about 1e-16: the norm nonlinearity is exact, ReLU is not.")
with right:
    arrows_fig = rotation_arrows_figure(check, title="f(R v) (narrow) against R f(v) (wide)")
    st.plotly_chart(arrows_fig, width="stretch", key="arrows_chart")

axis = st.radio("error against the angle of a rotation about the axis", tuple(AXES),
                index=tuple(AXES).index(_state("axis")), key="axis", horizontal=True)
angles, err_relu_v, err_norm_v, err_relu_mean, err_norm_mean = _curve(tuple(v_rot), axis, sigma, float(bias))
curve_fig = error_vs_angle_figure(
    angles,
    {
        "ReLU, v₁": err_relu_v,
        "ReLU, mean over 200 directions": err_relu_mean,
        "norm nonlinearity, v₁": err_norm_v,
        "norm nonlinearity, mean over 200 directions": err_norm_mean,
    },
    title=f"Equivariance error vs rotation angle about {axis}",
)
st.plotly_chart(curve_fig, width="stretch", key="curve_chart")
st.caption(
    f"Largest ReLU error on this curve: {err_relu_v.max():.4g} (v₁), {err_relu_mean.max():.4g} (mean over directions); "
    f"largest norm-nonlinearity error: {max(err_norm_v.max(), err_norm_mean.max()):.2e}."
)

# ------------------------------------------------------------------------------------------- 3. the sphere
st.header("3. The whole sphere at once")
radius = float(np.linalg.norm(v_rot)) or 1.0
st.markdown(
    f"Every direction $v$ with the length of $v_1$ ($|v| = {radius:.4g}$), coloured by the gain $|f(v)|/|v|$, "
    "with an arrow showing where $f(v)$ points. An equivariant map treats all directions alike: one colour, "
    "radial arrows."
)
which = st.radio("map", SPHERE_MAPS, index=SPHERE_MAPS.index(_state("sphere")), key="sphere", horizontal=True)
sdata = _sphere(which, sigma, float(bias), radius)
s_left, s_right = st.columns([2.6, 1])
with s_right:
    gain = sdata["gain"]
    bend = sdata["bend_deg"]
    lost = int(np.sum(np.isnan(bend)))
    st.metric("gain |f(v)|/|v| ranges over", f"{gain.min():.3f} – {gain.max():.3f}", border=True)
    st.metric("largest bend of a direction", f"{np.nanmax(bend):.1f}°" if np.any(~np.isnan(bend)) else "—",
              border=True)
    st.metric("directions sent to 0", f"{lost} of {gain.size}", border=True)
    st.caption(
        "ReLU bends every direction with a negative component toward the positive octant and deletes the "
        "negative octant. The norm nonlinearity never bends (0°) and has one gain σ(|v| + b)/|v| for all "
        "directions (all zero if σ(|v| + b) = 0)."
    )
with s_left:
    st.plotly_chart(sphere_map_figure(sdata, name="ReLU" if which == "ReLU" else "norm",
                                      title=f"{which}: every direction, at |v| = {radius:.4g}"),
                    width="stretch", key="sphere_chart")

# ------------------------------------------------------------------------------------------- 4. gates and parity
st.header("4. Gates, and the parity trap")
st.markdown(
    "Pointwise activations are legal on **scalars**. A true scalar `0e` never changes; a *pseudo-scalar* `0o` "
    "(a signed volume, $u \\cdot (v \\times w)$) flips sign under inversion $x \\to -x$. "
    "A **gate** multiplies each vector block by an activated scalar: $\\sigma(s_i)\\,v_i$, equivariant because "
    "$s_i$ is invariant."
)
st.latex(r"s \xrightarrow{\text{inversion}} -s \quad\Rightarrow\quad f(-s) \overset{!}{=} -f(s)\ \ (\text{odd } f)")
rows = _parity_rows()
st.plotly_chart(parity_trap_figure(rows, title="ReLU on a pseudo-scalar passes every SO(3) test and fails O(3)"),
                width="stretch", key="parity_chart")
st.dataframe(
    pd.DataFrame(
        {
            "activation on 4x0o": [r.act for r in rows],
            "parity": [{-1: "odd", 1: "even", 0: "neither"}[r.parity] for r in rows],
            "SO(3) error": [r.so3_error for r in rows],
            "O(3) error (as 0o → 0o)": [r.o3_error for r in rows],
            "allowed output": [r.output_irrep for r in rows],
        }
    ),
    width="stretch", hide_index=True,
)
g1, g2 = st.columns([1, 2])
with g1:
    gate_act = st.selectbox("activation on a 0o scalar in a gate", GATE_ACTS, index=GATE_ACTS.index(_state("gate_act")),
                            key="gate_act")
with g2:
    try:
        out_ir = scalar_activation_output("0o", gate_act)
        st.success(f"`{gate_act}` on `0o` is legal: it gives `{out_ir}`"
                   + (" (odd: the sign survives)." if str(out_ir) == "0o" else " (even: the sign is lost)."))
    except ValueError as exc:
        st.info(f"Rejected by the library: {exc}.")

st.subheader("Every block of the library, measured")
block_rows = _block_errors()
st.dataframe(
    pd.DataFrame(block_rows, columns=["block", "irreps in", "irreps out", "O(3) error (abs)", "relative"])[
        ["block", "O(3) error (abs)", "relative", "irreps in", "irreps out"]],
    width="stretch", hide_index=True,
    column_config={"O(3) error (abs)": st.column_config.NumberColumn(format="%.2e"),
                   "relative": st.column_config.NumberColumn(format="%.2e")},
)
st.caption("Max over 32 random O(3) elements (half of them improper) and random float64 inputs, degrees up to 4.")

# ------------------------------------------------------------------------------------------- 5. depth
st.header("5. The depth argument")
t_in, t_relu, t_norm, steps, fit, frame_err = _depth()
st.markdown(
    "One ReLU layer does something very specific to a direction: it flattens whole quadrants onto the axes "
    "(left). An equivariant network **has no axes of its own**. With only $v$ as input, the best it can do "
    f"is ${fit[0]:.2f}\\,v$, RMS error {fit[1]:.2f} out of {fit[2]:.2f}, whatever its depth. Given reference "
    "directions as extra features (bonds, neighbours), it *can* rebuild ReLU, but it takes a stack: a tensor "
    "product to project onto each axis, a gate, another tensor product to rebuild the vector, and a linear sum "
    f"(right; this construction is equivariant to {frame_err:.1e}). This is the essay's *Hypothesis 2*: weaker "
    "nonlinearities need more layers, and deep equivariant nets are hard to train."
)
st.plotly_chart(depth_figure(t_in, t_relu, t_norm, steps, fit=fit), width="stretch", key="depth_chart")
try:
    st.page_link("pages/training_lab.py", label="Measure the trade-off in the Training lab →")
except Exception:  # noqa: BLE001 - outside st.navigation (tests) the link target is unknown
    st.caption("Measure the trade-off in the **Training lab** (see the sidebar).")

# ------------------------------------------------------------------------------------------- URL write-back
current = {
    "v1": t1 if SPEC["v1"].validate(t1)[0] else DEFAULT_V1,
    "v2": t2 if SPEC["v2"].validate(t2)[0] else DEFAULT_V2,
    "sigma": sigma, "bias": float(round(bias, 1)), "alpha": int(alpha), "beta": int(beta), "gamma": int(gamma),
    "axis": axis, "sphere": which, "gate_act": gate_act,
}
st.query_params.update(encode_query_params(current, SPEC))

# ------------------------------------------------------------------------------------------- code, quiz, downloads
with st.expander("Show the code"):
    st.caption("The library functions behind this page's numbers and figures, read from `equi_core/nets.py`.")
    st.code(_code(), language="python")

st.header("Quiz")
for key, quiz in _quizzes():
    verdict = quiz.feedback(st.radio(quiz.question, quiz.options, index=None, key=key))
    if verdict is not None:
        (st.success if verdict[0] else st.error)(verdict[1])

st.header("Downloads")
rot_csv = table_to_csv(
    {
        "quantity": ["v", "R v", "ReLU(R v)", "R ReLU(v)", "norm(R v)", "R norm(v)"],
        "x": [float(a[0]) for a in (check.v, check.Rv, check.relu_of_Rv, check.R_relu_v, check.norm_of_Rv, check.R_norm_v)],
        "y": [float(a[1]) for a in (check.v, check.Rv, check.relu_of_Rv, check.R_relu_v, check.norm_of_Rv, check.R_norm_v)],
        "z": [float(a[2]) for a in (check.v, check.Rv, check.relu_of_Rv, check.R_relu_v, check.norm_of_Rv, check.R_norm_v)],
        "error of this map": ["", "", check.relu_error.absolute, "", check.norm_error.absolute, ""],
    }
)
curve_csv = table_to_csv(
    {
        "angle_deg": angles, "relu_error_v1": err_relu_v, "norm_error_v1": err_norm_v,
        "relu_error_mean": err_relu_mean, "norm_error_mean": err_norm_mean,
    }
)
d1, d2, d3, d4 = st.columns(4)
d1.download_button("Arrows: numbers (CSV)", rot_csv, file_name="relu_vs_norm_rotation.csv", mime="text/csv",
                   key="dl_rot_csv", on_click="ignore")
d2.download_button("Error curve (CSV)", curve_csv, file_name="relu_vs_norm_error_curve.csv", mime="text/csv",
                   key="dl_curve_csv", on_click="ignore")
d3.download_button("Arrows figure (HTML)", lambda: figure_to_html(arrows_fig), file_name="relu_vs_norm_arrows.html",
                   mime="text/html", key="dl_arrows_html", on_click="ignore")
d4.download_button("Error curve figure (HTML)", lambda: figure_to_html(curve_fig),
                   file_name="relu_vs_norm_error_curve.html", mime="text/html", key="dl_curve_html",
                   on_click="ignore")
