"""Rotations act on irrep blocks: choose R, choose a feature type, watch D(R) turn every block."""
from __future__ import annotations

import runpy
from pathlib import Path

import numpy as np
import streamlit as st
from streamlit.runtime.scriptrunner import get_script_run_ctx
from streamlit.errors import StreamlitAPIException

from equi_core import (
    INVERSION,
    IRREPS_GRAMMAR,
    Irreps,
    angles_to_matrix,
    axis_angle_to_matrix,
    check_rotation,
    matrix_to_angles,
    matrix_to_axis_angle,
    matrix_to_zyz_angles,
    random_rotation,
    spherical_harmonics,
    wigner_D,
)
from equi_core.classroom import (
    Param,
    Quiz,
    encode_query_params,
    figure_to_html,
    parse_vector,
    read_query_params,
    source_of,
    table_to_csv,
)
from equi_core.lessons.irreps_rotations import BUGS, commuting_square_data
from equi_core.lessons.molecules import POINT_CLOUDS, point_cloud_preset
from equi_core.viz import rotations as vr

# On a fresh server Streamlit may run this file through its legacy pages/ discovery (app.py is then one of the
# session's pages): hand the request to app.py's navigation so the page gets its config, sidebar and layout.
if any(Path(p["script_path"]).name == "app.py" for p in get_script_run_ctx().pages_manager.get_pages().values()):
    runpy.run_path(str(Path(__file__).resolve().parents[1] / "app.py"))
    st.stop()

MODES = ("Euler angles (Y-X-Y)", "Axis and angle", "Random (seeded)", "Preset")
PRESETS = ("identity", "90° about x", "90° about y", "90° about z", "180° about z", "inversion −I",
           "rotoinversion −Rz(90°)")
MAX_L = 8  # largest degree this page draws
MAX_DIM = 64  # largest total dimension of the D(R) heat-map
MAX_BLOCKS = 6  # blocks drawn in 3D
BUG_NAMES = tuple(name for name, _ in BUGS)
ANIMATION_STEP_DEG = 15

SPEC = {
    "mode": Param("choice", MODES[0], choices=MODES),
    "alpha": Param("int", 30, min=-180, max=180),
    "beta": Param("int", 60, min=0, max=180),
    "gamma": Param("int", -45, min=-180, max=180),
    "axis": Param("str", "1, 1, 0", max_len=100),
    "angle": Param("int", 90, min=-360, max=360),
    "seed": Param("int", 0, min=0, max=2**31 - 1),
    "preset": Param("choice", PRESETS[1], choices=PRESETS),
    "irreps": Param("str", "1x0e + 1x1o + 1x2e", max_len=200),
    "fseed": Param("int", 6, min=0, max=2**31 - 1),
    "cloud": Param("choice", POINT_CLOUDS[0], choices=POINT_CLOUDS),
    "lmax": Param("int", 2, min=0, max=4),
    "bug": Param("choice", BUG_NAMES[0], choices=BUG_NAMES),
}


# ----------------------------------------------------------------------------------------- cached pure work
@st.cache_data(max_entries=32, show_spinner=False)
def preset_matrix(name: str) -> np.ndarray:
    """The matrix of a named preset (proper rotations and the two improper ones)."""
    quarter = np.pi / 2
    table = {
        "identity": lambda: np.eye(3),
        "90° about x": lambda: axis_angle_to_matrix([1.0, 0.0, 0.0], quarter),
        "90° about y": lambda: axis_angle_to_matrix([0.0, 1.0, 0.0], quarter),
        "90° about z": lambda: axis_angle_to_matrix([0.0, 0.0, 1.0], quarter),
        "180° about z": lambda: axis_angle_to_matrix([0.0, 0.0, 1.0], np.pi),
        "inversion −I": lambda: np.array(INVERSION),
        "rotoinversion −Rz(90°)": lambda: -axis_angle_to_matrix([0.0, 0.0, 1.0], quarter),
    }
    return table[name]()


def animation_figure(irreps_text: str, fseed: int, axis: tuple[float, float, float], mark_deg: float):
    """The full-turn animation: frames every 15 degrees about ``axis``, the first 4 blocks."""
    irreps = Irreps(irreps_text)
    labels, ls, x = feature_blocks(irreps_text, fseed)
    shown = list(range(min(len(labels), 4)))
    sub = Irreps([(1, irreps_block_irrep(irreps, i)) for i in shown])
    angles = np.arange(0, 360, ANIMATION_STEP_DEG, dtype=np.float64)
    Rs = axis_angle_to_matrix(np.broadcast_to(np.asarray(axis), (len(angles), 3)), np.deg2rad(angles))
    Ds = sub.D_from_matrix(Rs)  # (frames, dim, dim)
    x_sub = np.concatenate([x[i] for i in shown])
    frames = []
    for D in Ds:
        turned = D @ x_sub
        blocks, pos = [], 0
        for i in shown:
            d = 2 * ls[i] + 1
            blocks.append(vr.FeatureBlock(labels[i], ls[i], x[i], turned[pos:pos + d]))
            pos += d
        frames.append(blocks)
    return vr.rotation_animation(frames, angles.tolist(), axis=axis, mark_angle_deg=mark_deg, height=430)


def irreps_block_irrep(irreps: Irreps, index: int):
    """The Irrep of the ``index``-th block when multiplicities are expanded (2x1o -> 1o, 1o)."""
    k = 0
    for mul, ir in irreps:
        for _ in range(mul):
            if k == index:
                return ir
            k += 1
    raise IndexError(index)


@st.cache_data(max_entries=32, show_spinner=False)
def feature_blocks(irreps_text: str, fseed: int) -> tuple[list[str], list[int], list[np.ndarray]]:
    """Labels, degrees and Gaussian coefficients of every block (multiplicities expanded)."""
    irreps = Irreps(irreps_text)
    x = irreps.randn(rng=int(fseed))
    labels, ls, parts = [], [], []
    for (mul, ir), sl in zip(irreps, irreps.slices()):
        for k in range(mul):
            start = sl.start + k * ir.dim
            labels.append(f"{ir}" + (f" #{k + 1}" if mul > 1 else ""))
            ls.append(ir.l)
            parts.append(x[start:start + ir.dim])
    return labels, ls, parts


def fmt_angles(a: float, b: float, g: float) -> str:
    return f"({np.degrees(a):.1f}°, {np.degrees(b):.1f}°, {np.degrees(g):.1f}°)"


# ----------------------------------------------------------------------------------------------- the page
values, notices = read_query_params(st.query_params.to_dict(), SPEC)
for notice in notices:
    st.warning(notice)

st.title("Rotations act on irrep blocks")
st.markdown(
    "An equivariant network stores each feature as **blocks** of *irreducible representations* (irreps). "
    "When the molecule turns by $R$, every block of degree $l$ turns with its own "
    "$(2l+1)\\times(2l+1)$ Wigner matrix $D^l(R)$: scalars stay, vectors turn with $R$ itself, "
    "and higher degrees turn with bigger, exactly determined matrices. That is the theorem:"
)
st.latex(r"f(R\,x) \;=\; D(R)\, f(x), \qquad D(R) = \bigoplus_{\text{blocks}} D^{l}(R), \qquad D^1(R) = R .")

# ---------------------------------------------------------------------------------------- 1. the rotation
st.header("1 · Choose a rotation $R$")
left, right = st.columns([1.1, 1], gap="large")
rotation_error = None
with left:
    mode = st.radio("How to give R", MODES, index=MODES.index(values["mode"]), horizontal=True, key="mode")
    if mode == MODES[0]:
        st.caption("e3nn's convention: $R = R_y(\\alpha)\\,R_x(\\beta)\\,R_y(\\gamma)$ (γ is applied first).")
        alpha = st.slider("α (about y, applied last)", -180, 180, values["alpha"], 1, format="%d°", key="alpha")
        beta = st.slider("β (about x)", 0, 180, values["beta"], 1, format="%d°", key="beta")
        gamma = st.slider("γ (about y, applied first)", -180, 180, values["gamma"], 1, format="%d°", key="gamma")
        R = angles_to_matrix(*np.deg2rad([alpha, beta, gamma]))
    elif mode == MODES[1]:
        axis_text = st.text_input("Axis (x, y, z)", values["axis"], key="axis",
                                  help="Three numbers, any length but not zero, e.g. `1, 1, 0`.")
        angle = st.slider("Angle (right-hand rule)", -360, 360, values["angle"], 5, format="%d°", key="angle")
        try:
            axis_vec = parse_vector(axis_text, 3, 1e6, allow_zero=False, name="axis")
            R = axis_angle_to_matrix(axis_vec, np.deg2rad(angle))
        except ValueError as exc:
            rotation_error = str(exc)
            R = np.eye(3)
    elif mode == MODES[2]:
        seed = st.number_input("Seed", 0, 2**31 - 1, values["seed"], 1, key="seed",
                               help="The same seed always gives the same Haar-random rotation.")
        R = random_rotation(rng=int(seed))
    else:
        preset = st.selectbox("Preset", PRESETS, index=PRESETS.index(values["preset"]), key="preset")
        R = preset_matrix(preset)
    if rotation_error:
        st.error(f"{rotation_error} Showing the identity instead.")

R = check_rotation(R, allow_improper=True)
det = float(np.linalg.det(R))
proper = R if det > 0 else -R
alpha_r, beta_r, gamma_r = (float(v) for v in matrix_to_angles(proper))
za, zb, zg = (float(v) for v in matrix_to_zyz_angles(proper))
axis_r, angle_r = matrix_to_axis_angle(proper)
axis_r = np.asarray(axis_r, dtype=np.float64)
angle_deg = float(np.degrees(angle_r))

with right:
    st.latex(r"R = " + vr.matrix_latex(R, 3))
    c1, c2 = st.columns(2)
    c1.metric("det R", f"{det:+.0f}", help="+1: a rotation (SO(3)); −1: an improper rotation (O(3), contains −I).")
    c2.metric("turn angle", f"{angle_deg:.1f}°", help="Angle of the proper part R·det R about its axis.")
    prefix = "" if det > 0 else "−R: "
    st.markdown(
        f"| convention | (α, β, γ) of {'R' if det > 0 else '−R'} |\n|---|---|\n"
        f"| **Y-X-Y** (e3nn, this Lab) | {fmt_angles(alpha_r, beta_r, gamma_r)} |\n"
        f"| **Z-Y-Z** (textbook), same matrix | {fmt_angles(za, zb, zg)} |\n"
        f"| axis, angle | ({axis_r[0]:.3f}, {axis_r[1]:.3f}, {axis_r[2]:.3f}), {angle_deg:.1f}° |"
    )
    if det < 0:
        st.info("det R = −1: this is an **improper** rotation, R = −(a proper rotation). Irreps now need a "
                "parity: an odd block (`1o`, a polar vector) flips with −I, an even block (`1e`) does not.")
    st.caption(f"{prefix}the *same numbers* (α, β, γ) in Y-X-Y are the Z-Y-Z angles of this turn written in "
               "textbook axes (the axes relabelled, (x, y, z) → (z, x, y)).")
    try:
        st.page_link("pages/conventions.py", label="Conventions: the dictionary between the bases",
                     icon=":material/swap_horiz:")
    except StreamlitAPIException:  # outside app.py's navigation (a page tested alone)
        st.caption("See **Conventions** in the sidebar for the dictionary.")

# -------------------------------------------------------------------------------------- 2. the irreps
st.header("2 · Choose the feature's irreps")
irreps_text = st.text_input("Irreps", values["irreps"], key="irreps",
                            help='Sum of terms like "2x0e + 1x1o + 3x2e". ' + IRREPS_GRAMMAR)
irreps = None
try:
    parsed = Irreps(irreps_text)
    if parsed.dim == 0:
        raise ValueError("these irreps are empty (dimension 0); write at least one term, e.g. `1x1o`.")
    if parsed.lmax > MAX_L or parsed.dim > MAX_DIM:
        raise ValueError(f"this page draws at most l = {MAX_L} and {MAX_DIM} components in total; "
                         f"these irreps have l max = {parsed.lmax} and {parsed.dim} components.")
    irreps = parsed
except ValueError as exc:
    st.error(f"Cannot use these irreps: {exc}")
    with st.expander("How to write irreps", expanded=True):
        st.markdown(
            "`irreps := term (+ term)*`, `term := [multiplicity x] degree parity`\n\n"
            "* **multiplicity**: how many copies (default 1), e.g. `3x`\n"
            "* **degree** $l \\ge 0$: a block of $2l+1$ numbers\n"
            "* **parity**: `e` (even: unchanged by −I) or `o` (odd: flips sign under −I)\n\n"
            "Examples: `1o` (a vector), `4x0e` (four scalars), `1x0e + 1x1o + 1x2e`."
        )
fseed = int(values["fseed"])
if irreps is not None:
    cols = st.columns([3, 1])
    cols[0].markdown(
        f"**{irreps}**: {irreps.num_irreps} block(s), **{irreps.dim}** numbers, "
        f"degrees {sorted(set(irreps.ls))}. A feature $x$ of this type is drawn at random (seeded)."
    )
    fseed = cols[1].number_input("Feature seed", 0, 2**31 - 1, values["fseed"], 1, key="fseed")

# -------------------------------------------------------------------------------------- 3. D(R)
D = None
if irreps is not None:
    st.header("3 · $D(R)$ is block diagonal")
    D = irreps.D_from_matrix(R)
    blocks = []
    for (mul, ir), sl in zip(irreps, irreps.slices()):
        for k in range(mul):
            start = sl.start + k * ir.dim
            blocks.append((f"{ir}", slice(start, start + ir.dim)))
    dcol, bcol = st.columns([0.9, 1.1], gap="large")
    with dcol:
        fig_D = vr.block_diagonal_heatmap(D, blocks, height=min(560, 200 + 24 * irreps.dim))
        st.plotly_chart(fig_D, key="fig_D", config={"displaylogo": False})
        off_block = D.copy()
        for _, sl in blocks:
            off_block[sl, sl] = 0.0
        st.caption(f"Outside the diagonal blocks every entry is exactly zero (max |entry| = "
                   f"{np.abs(off_block).max():.1e}): rotations never mix blocks.")
    with bcol:
        distinct = []
        for mul, ir in irreps:
            if ir not in distinct:
                distinct.append(ir)
        st.markdown("**One block per irrep type** (copies of the same type share the same matrix):")
        wide = []
        for ir in distinct[:4]:
            block = Irreps([(1, ir)]).D_from_matrix(R)
            label = f"D^{{{ir.l}}}" if det > 0 or ir.p > 0 else f"-D^{{{ir.l}}}(-R)"
            if ir.dim <= 5:
                st.latex(rf"\texttt{{{ir}}}:\quad {label} = " + vr.matrix_latex(block, 2))
            else:
                wide.append((f"{ir}: D<sup>{ir.l}</sup>", block))
        if wide:
            st.plotly_chart(vr.matrices_row(wide, zmax=1.0, height=300), key="fig_blocks",
                            config={"displaylogo": False})
        d1_err = float(np.abs(wigner_D(1, proper) - proper).max())
        st.metric("max |D¹(R) − R|", f"{d1_err:.1e}",
                  help="D¹ computed by the general Wigner-D code, compared with R itself (proper part).")
        orth = float(np.abs(D @ D.T - np.eye(irreps.dim)).max())
        st.caption(f"D¹(R) **is** R. Every block is orthogonal: max |D Dᵀ − I| = {orth:.1e}. "
                   "For det R = −1 a block of parity p gets p·D^l(−R).")

# -------------------------------------------------------------------------------------- 4. the feature in 3D
if irreps is not None and D is not None:
    st.header("4 · The feature, before and after")
    labels, ls, parts = feature_blocks(str(irreps), int(fseed))
    x = np.concatenate(parts)
    x_rot = D @ x
    shown = list(range(min(len(labels), MAX_BLOCKS)))
    feature = []
    for i in shown:
        sl = slice(sum(2 * ll + 1 for ll in ls[:i]), sum(2 * ll + 1 for ll in ls[: i + 1]))
        feature.append(vr.FeatureBlock(labels[i], ls[i], x[sl], x_rot[sl]))
    fig_feature = vr.feature_scene(feature, rotation_label="D(R)", height=560)
    st.plotly_chart(fig_feature, key="fig_feature", config={"displaylogo": False})
    st.caption(
        "Top row: the feature x; bottom row: D(R) x. **l = 0**: a sphere coloured by the scalar (red +, blue −); "
        "**l = 1**: an arrow; **l ≥ 2**: the function f(n) = Σₘ cₘ Yₗₘ(n) drawn with radius |f| and colour sign f. "
        "The bottom shapes are the top shapes turned by R (y, the polar axis, points up). Drag to orbit."
        + (f" Showing the first {MAX_BLOCKS} of {len(labels)} blocks." if len(labels) > MAX_BLOCKS else "")
    )
    norms_before = [float(np.linalg.norm(p)) for p in parts]
    norms_after = [float(np.linalg.norm(x_rot[sum(2 * ll + 1 for ll in ls[:i]):][: 2 * ls[i] + 1]))
                   for i in range(len(parts))]
    st.markdown(
        "The norm of every block is an **invariant**: "
        + ", ".join(f"|{labels[i]}| = {norms_before[i]:.4f} → {norms_after[i]:.4f}" for i in shown)
        + " (this is what a norm nonlinearity is allowed to look at)."
    )

# -------------------------------------------------------------------------------------- 5. commuting square
st.header("5 · The commuting square, live")
st.markdown(
    "Take the atoms' relative positions $x_i$. **Path A** rotates the points, then computes the spherical-harmonic "
    "features $Y(R x_i)$. **Path B** computes $Y(x_i)$ first and then applies $D(R)$. Equivariance says both "
    "paths meet. A wrong $D$ (a conventions bug that still looks like a rotation matrix) does not."
)
SQUARE_KEYS = ("cloud", "lmax", "bug")


@st.fragment
def commuting_square_section(R: np.ndarray, fseed: int, start: dict) -> None:
    """Section 5 as a fragment: its own widgets rerun only this part (R and the seed come from the full run)."""
    sq1, sq2, sq3 = st.columns(3)
    cloud = sq1.selectbox("Point cloud", POINT_CLOUDS, index=POINT_CLOUDS.index(start["cloud"]), key="cloud")
    lmax = sq2.slider("Degrees l = 0 … l_max", 0, 4, start["lmax"], 1, key="lmax")
    bug = sq3.selectbox("Deliberate bug", BUG_NAMES, index=BUG_NAMES.index(start["bug"]), key="bug",
                        help="; ".join(f"{n}: {d}" for n, d in BUGS))
    points, atom_labels, bonds = point_cloud_preset(cloud, seed=int(fseed))
    square = commuting_square_data(points, R, int(lmax), bug)
    m1, m2, m3 = st.columns(3)
    m1.metric("max |A − B| (correct D)", f"{square.error:.1e}", help="Float64 round-off: the square commutes.")
    m2.metric(f"max |A − B| ({bug})", f"{square.wrong_error:.2f}", help=dict(BUGS)[bug])
    m3.metric("ratio", f"{square.wrong_error / max(square.error, 1e-300):.0e}×")
    pc_col, sq_col = st.columns([1, 2.4], gap="medium")
    row_labels = [lbl for lbl, p in zip(atom_labels, points) if np.linalg.norm(p) > 1e-12]
    with pc_col:
        fig_cloud = vr.point_cloud_scene(points, points @ R.T, labels=atom_labels, bonds=bonds, height=380)
        st.plotly_chart(fig_cloud, key="fig_cloud", config={"displaylogo": False})
        st.caption("Grey: x; coloured: R x.")
    with sq_col:
        fig_square = vr.commuting_square_figure(square.path_a, square.path_b, square.wrong,
                                                column_labels=square.column_labels, row_labels=row_labels,
                                                wrong_label=bug, height=max(220, 120 + 45 * len(row_labels)))
        st.plotly_chart(fig_square, key="fig_square", config={"displaylogo": False})
        st.caption(f"Columns: feature components `l:k`. The bug: {dict(BUGS)[bug]}.")
        csv_cols: dict[str, list] = {"point": row_labels}
        for j, name in enumerate(square.column_labels):
            csv_cols[f"A {name}"] = square.path_a[:, j].tolist()
            csv_cols[f"B {name}"] = square.path_b[:, j].tolist()
            csv_cols[f"wrong {name}"] = square.wrong[:, j].tolist()
        d1, d2 = st.columns(2)
        d1.download_button("Commuting square as CSV", table_to_csv(csv_cols), file_name="commuting_square.csv",
                           mime="text/csv", key="dl_square_csv", on_click="ignore")
        d2.download_button("Commuting square as HTML",
                           lambda: figure_to_html(fig_square, title="Commuting square"),
                           file_name="commuting_square.html", mime="text/html", key="dl_square_html",
                           on_click="ignore")
    # this fragment's share of the URL state (a fragment rerun does not reach the end of the script)
    st.query_params.update(encode_query_params({"cloud": cloud, "lmax": int(lmax), "bug": bug},
                                               {k: SPEC[k] for k in SQUARE_KEYS}))


commuting_square_section(R, int(fseed), {k: values[k] for k in SQUARE_KEYS})

# -------------------------------------------------------------------------------------- 6. a full turn
if irreps is not None:
    st.header("6 · Scrub a full turn")
    spin_axis = tuple(float(round(v, 6)) for v in axis_r)
    mark = round(angle_deg / ANIMATION_STEP_DEG) * ANIMATION_STEP_DEG % 360
    st.markdown(
        f"The same feature turning about the axis of your rotation, "
        f"({spin_axis[0]:.2f}, {spin_axis[1]:.2f}, {spin_axis[2]:.2f}), in steps of {ANIMATION_STEP_DEG}°. "
        f"Every frame is D(R(t)) x, precomputed: press ▶ or drag the slider, no server round trip. "
        f"★ marks the frame nearest to your R ({angle_deg:.0f}°)" + (" (proper part)." if det < 0 else ".")
    )
    st.plotly_chart(animation_figure(str(irreps), int(fseed), spin_axis, float(mark)), key="fig_turn",
                    config={"displaylogo": False})

# -------------------------------------------------------------------------------------- URL state
current = {
    "mode": mode,
    "alpha": int(st.session_state.get("alpha", values["alpha"])),
    "beta": int(st.session_state.get("beta", values["beta"])),
    "gamma": int(st.session_state.get("gamma", values["gamma"])),
    "axis": str(st.session_state.get("axis", values["axis"])),
    "angle": int(st.session_state.get("angle", values["angle"])),
    "seed": int(st.session_state.get("seed", values["seed"])),
    "preset": str(st.session_state.get("preset", values["preset"])),
    "irreps": irreps_text,
    "fseed": int(fseed),
}
st.query_params.update(encode_query_params(current, {k: v for k, v in SPEC.items() if k not in SQUARE_KEYS}))

# -------------------------------------------------------------------------------------- code, quiz, downloads
st.divider()
with st.expander("Show the code", icon=":material/code:"):
    st.markdown("The functions behind these figures, read from the library (this *is* the implementation):")
    st.code(source_of(wigner_D, Irreps.D_from_matrix, spherical_harmonics, commuting_square_data), language="python")

st.header("Quiz")
dim_text = "2x1o + 3x2e"
dim_answer = Irreps(dim_text).dim
inv = -np.eye(3)
flips = {name: bool(np.allclose(Irreps(name).D_from_matrix(inv), -np.eye(Irreps(name).dim))) for name in ("1o", "1e")}
inversion_options = ("both flip", "1o flips, 1e stays", "1e flips, 1o stays", "neither flips")
inversion_answer = {(True, True): inversion_options[0], (True, False): inversion_options[1],
                    (False, True): inversion_options[2], (False, False): inversion_options[3]}[(flips["1o"], flips["1e"])]
trace_answer = int(round(float(np.trace(wigner_D(2, axis_angle_to_matrix([1.0, 2.0, 2.0], np.pi / 2))))))
quizzes = [
    Quiz.with_distractors(f"How many numbers does a feature of type `{dim_text}` hold?", dim_answer,
                          [5, 9, 13, 25], f"dim = Σ mul·(2l+1) = 2·3 + 3·5 = {dim_answer}."),
    Quiz(f"Under the inversion x → −x (R = −I), what happens to a `1o` block and a `1e` block?",
         inversion_options, inversion_answer,
         "For det R = −1 a block of parity p turns with p·D^l(−R) = p·I here: `1o` (a polar vector, like a force) "
         "flips, `1e` (an axial vector, like a cross product or angular momentum) stays."),
    Quiz.with_distractors("What is the trace of D²(R) for a 90° turn (about the axis (1, 2, 2))?", trace_answer,
                          [0, 1, 5, -5],
                          "The trace (the character) depends only on the angle θ, not on the axis: "
                          "χ_l(θ) = sin((l+½)θ)/sin(θ/2), so χ₂(90°) = sin(225°)/sin(45°) = −1."),
]
for qi, quiz in enumerate(quizzes):
    verdict = quiz.feedback(st.radio(quiz.question, quiz.options, index=None, key=f"quiz_{qi}"))
    if verdict is not None:
        (st.success if verdict[0] else st.error)(verdict[1])

st.subheader("Downloads")
st.caption("The commuting square's numbers and figure are downloaded from section 5.")
dl = st.columns(3)
if D is not None:
    n = D.shape[0]
    rows, cols_ = np.divmod(np.arange(n * n), n)
    dl[0].download_button("D(R) as CSV", table_to_csv({"row": rows.tolist(), "column": cols_.tolist(),
                                                        "value": D.ravel().tolist()}),
                          file_name="wigner_D.csv", mime="text/csv", key="dl_D_csv", on_click="ignore")
    dl[1].download_button("D(R) heat-map as HTML", lambda: figure_to_html(fig_D, title="D(R)"),
                          file_name="wigner_D.html", mime="text/html", key="dl_D_html", on_click="ignore")
