"""Rotations act on irrep blocks: choose R, choose a feature type, watch D(R) turn every block."""

from __future__ import annotations

import streamlit as st

import lab_ui
from equi_core import IRREPS_GRAMMAR, Irreps, spherical_harmonics, wigner_D
from equi_core.lessons import irreps_rotations as lesson
from equi_core.lessons.classroom import Param, matrix_columns
from equi_core.lessons.molecules import POINT_CLOUDS
from equi_core.viz import rotations as vr

BUG_NAMES = tuple(name for name, _ in lesson.BUGS)
SQUARE_KEYS = ("cloud", "lmax", "bug")
SPEC = {
    "mode": Param("choice", lesson.MODES[0], choices=lesson.MODES),
    "alpha": Param("int", 30, min=-180, max=180),
    "beta": Param("int", 60, min=0, max=180),
    "gamma": Param("int", -45, min=-180, max=180),
    "axis": Param("str", "1, 1, 0", max_len=100),
    "angle": Param("int", 90, min=-360, max=360),
    "seed": Param("int", 0, min=0, max=2**31 - 1),
    "preset": Param("choice", lesson.PRESETS[1], choices=lesson.PRESETS),
    "irreps": Param("str", "1x0e + 1x1o + 1x2e", max_len=200),
    "fseed": Param("int", 6, min=0, max=2**31 - 1),
    "cloud": Param("choice", POINT_CLOUDS[0], choices=POINT_CLOUDS),
    "lmax": Param("int", 2, min=0, max=4),
    "bug": Param("choice", BUG_NAMES[0], choices=BUG_NAMES),
}
cached = st.cache_data(max_entries=32, show_spinner=False)
feature_report, turn_animation = cached(lesson.feature_report), cached(lesson.turn_animation)
square_view = cached(lesson.commuting_square_view)


def fmt_angles(angles: tuple[float, float, float]) -> str:
    return "(" + ", ".join(f"{a:.1f}°" for a in angles) + ")"


lab_ui.page_setup("Rotations act on irrep blocks")
state = lab_ui.url_state(SPEC)
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
with left:
    mode = state.radio("How to give R", "mode", horizontal=True)
    if mode == lesson.MODES[0]:
        st.caption("e3nn's convention: $R = R_y(\\alpha)\\,R_x(\\beta)\\,R_y(\\gamma)$ (γ is applied first).")
        R = lesson.rotation_from_euler(
            state.slider("α (about y, applied last)", "alpha", step=1, format="%d°"),
            state.slider("β (about x)", "beta", step=1, format="%d°"),
            state.slider("γ (about y, applied first)", "gamma", step=1, format="%d°"),
        )
    elif mode == lesson.MODES[1]:
        axis_text = state.text_input("Axis (x, y, z)", "axis", help="Three numbers, not all zero, e.g. `1, 1, 0`.")
        angle = state.slider("Angle (right-hand rule)", "angle", step=5, format="%d°")
        try:
            R = lesson.rotation_from_axis(axis_text, angle)
        except ValueError as exc:
            lab_ui.error("{} Showing the identity instead.", exc)
            R = lesson.preset_matrix("identity")
    elif mode == lesson.MODES[2]:
        seed = state.number_input("Seed", "seed", help="The same seed always gives the same Haar-random rotation.")
        R = lesson.rotation_from_seed(int(seed))
    else:
        R = lesson.preset_matrix(state.selectbox("Preset", "preset"))
rot = lesson.describe_rotation(R)

with right:
    st.latex(r"R = " + vr.matrix_latex(rot.R, 3))
    c1, c2 = st.columns(2)
    c1.metric("det R", f"{rot.det:+.0f}", help="+1: a rotation (SO(3)); −1: an improper rotation (O(3), contains −I).")
    c2.metric("turn angle", f"{rot.angle_deg:.1f}°", help="Angle of the proper part R·det R about its axis.")
    ax = rot.axis
    st.markdown(
        f"| convention | (α, β, γ) of {'−R' if rot.improper else 'R'} |\n|---|---|\n"
        f"| **Y-X-Y** (e3nn, this Lab) | {fmt_angles(rot.yxy_deg)} |\n"
        f"| **Z-Y-Z** (textbook), same matrix | {fmt_angles(rot.zyz_deg)} |\n"
        f"| axis, angle | ({ax[0]:.3f}, {ax[1]:.3f}, {ax[2]:.3f}), {rot.angle_deg:.1f}° |"
    )
    if rot.improper:
        st.info(
            "det R = −1: this is an **improper** rotation, R = −(a proper rotation). Irreps now need a "
            "parity: an odd block (`1o`, a polar vector) flips with −I, an even block (`1e`) does not."
        )
    st.caption(
        f"{'−R: ' if rot.improper else ''}the *same numbers* (α, β, γ) in Y-X-Y are the Z-Y-Z angles of this turn "
        "written in textbook axes (the axes relabelled, (x, y, z) → (z, x, y))."
    )
    lab_ui.lesson_link("pages/conventions.py", "Conventions: the dictionary between the bases", ":material/swap_horiz:")

# -------------------------------------------------------------------------------------- 2. the irreps
st.header("2 · Choose the feature's irreps")
irreps_text = state.text_input("Irreps", "irreps", help='Sum of terms like "2x0e + 1x1o + 3x2e". ' + IRREPS_GRAMMAR)
fseed = int(state["fseed"])
report = None
try:
    lesson.parse_feature_irreps(irreps_text)
except ValueError as exc:
    lab_ui.error("Cannot use these irreps: {}", exc)
    with st.expander("How to write irreps", expanded=True):
        st.markdown(
            "`irreps := term (+ term)*`, `term := [multiplicity x] degree parity`\n\n"
            "* **multiplicity**: how many copies (default 1), e.g. `3x`\n"
            "* **degree** $l \\ge 0$: a block of $2l+1$ numbers\n"
            "* **parity**: `e` (even: unchanged by −I) or `o` (odd: flips sign under −I)\n\n"
            "Examples: `1o` (a vector), `4x0e` (four scalars), `1x0e + 1x1o + 1x2e`."
        )
else:
    cols = st.columns([3, 1])
    fseed = int(state.number_input("Feature seed", "fseed", where=cols[1]))
    report = feature_report(irreps_text, rot.R, fseed)
    cols[0].markdown(
        f"**{report.irreps}**: {report.num_irreps} block(s), **{report.dim}** numbers, "
        f"degrees {list(report.degrees)}. A feature $x$ of this type is drawn at random (seeded)."
    )

# -------------------------------------------------------------------------------------- 3. D(R)
if report is not None:
    st.header("3 · $D(R)$ is block diagonal")
    dcol, bcol = st.columns([0.9, 1.1], gap="large")
    with dcol:
        fig_D = vr.block_diagonal_heatmap(report.D, report.slices, height=min(560, 200 + 24 * report.dim))
        D_csv = lab_ui.csv_download("D(R) as CSV", matrix_columns({"value": report.D}), "wigner_D.csv", "dl_D_csv")
        D_html = lab_ui.html_download("D(R) heat-map as HTML", fig_D, "wigner_D.html", "dl_D_html", title="D(R)")
        lab_ui.chart(fig_D, "fig_D", downloads=[D_csv, D_html])
        st.caption(
            f"Outside the diagonal blocks every entry is exactly zero (max |entry| = "
            f"{report.off_block_max:.1e}): rotations never mix blocks."
        )
    with bcol:
        st.markdown("**One block per irrep type** (copies of the same type share the same matrix):")
        wide = [(f"{t.irrep}: D<sup>{t.l}</sup>", t.matrix) for t in report.types if t.matrix.shape[0] > 5]
        for t in report.types:
            if t.matrix.shape[0] <= 5:
                st.latex(rf"\texttt{{{t.irrep}}}:\quad {t.label} = " + vr.matrix_latex(t.matrix, 2))
        if wide:
            lab_ui.chart(vr.matrices_row(wide, zmax=1.0, height=300), "fig_blocks")
        d1_help = "D¹ computed by the general Wigner-D code, compared with R itself (proper part)."
        st.metric("max |D¹(R) − R|", f"{rot.d1_error:.1e}", help=d1_help)
        st.caption(
            f"D¹(R) **is** R. Every block is orthogonal: max |D Dᵀ − I| = {report.orthogonality_error:.1e}. "
            "For det R = −1 a block of parity p gets p·D^l(−R)."
        )

    # ---------------------------------------------------------------------------------- 4. the feature in 3D
    st.header("4 · The feature, before and after")
    shown = report.blocks[: lesson.MAX_BLOCKS]
    feature = [vr.FeatureBlock(b.label, b.l, b.before, b.after) for b in shown]
    lab_ui.chart(vr.feature_scene(feature, rotation_label="D(R)", height=560), "fig_feature")
    st.caption(
        "Top row: the feature x; bottom row: D(R) x. **l = 0**: a sphere coloured by the scalar (red +, blue −); "
        "**l = 1**: an arrow; **l ≥ 2**: the function f(n) = Σₘ cₘ Yₗₘ(n) drawn with radius |f| and colour sign f. "
        "The bottom shapes are the top shapes turned by R (y, the polar axis, points up). Drag to orbit."
        + (
            f" Showing the first {len(shown)} of {len(report.blocks)} blocks."
            if len(shown) < len(report.blocks)
            else ""
        )
    )
    norms = zip(shown, report.norms_before, report.norms_after)
    st.markdown(
        "The norm of every block is an **invariant**: "
        + ", ".join(f"|{b.label}| = {before:.4f} → {after:.4f}" for b, before, after in norms)
        + " (this is what a norm nonlinearity is allowed to look at)."
    )

# -------------------------------------------------------------------------------------- 5. commuting square
st.header("5 · The commuting square, live")
st.markdown(
    "Take the atoms' relative positions $x_i$. **Path A** rotates the points, then computes the spherical-harmonic "
    "features $Y(R x_i)$. **Path B** computes $Y(x_i)$ first and then applies $D(R)$. Equivariance says both "
    "paths meet. A wrong $D$ (a conventions bug that still looks like a rotation matrix) does not."
)


@st.fragment
def commuting_square_section(rot: lesson.RotationReport, fseed: int) -> None:
    """Section 5 as a fragment: its own widgets rerun only this part (R and the seed come from the full run)."""
    sq1, sq2, sq3 = st.columns(3)
    cloud = state.selectbox("Point cloud", "cloud", where=sq1)
    lmax = state.slider("Degrees l = 0 … l_max", "lmax", step=1, where=sq2)
    bug = state.selectbox("Deliberate bug", "bug", where=sq3, help="; ".join(f"{n}: {d}" for n, d in lesson.BUGS))
    view = square_view(cloud, rot.R, int(lmax), bug, int(fseed))
    m1, m2, m3 = st.columns(3)
    m1.metric("max |A − B| (correct D)", f"{view.square.error:.1e}", help="Float64 round-off: the square commutes.")
    m2.metric(f"max |A − B| ({bug})", f"{view.square.wrong_error:.2f}", help=dict(lesson.BUGS)[bug])
    m3.metric("ratio", f"{view.ratio:.0e}×")
    pc_col, sq_col = st.columns([1, 2.4], gap="medium")
    with pc_col:
        cloud_fig = vr.point_cloud_scene(
            view.points, view.rotated, labels=list(view.atom_labels), bonds=list(view.bonds), height=380
        )
        lab_ui.chart(cloud_fig, "fig_cloud")
        st.caption("Grey: x; coloured: R x.")
    with sq_col:
        s = view.square
        fig_square = vr.commuting_square_figure(
            s.path_a,
            s.path_b,
            s.wrong,
            column_labels=s.column_labels,
            row_labels=list(view.row_labels),
            wrong_label=bug,
            height=max(220, 120 + 45 * len(view.row_labels)),
        )
        name, title = "commuting_square", "Commuting square"
        csv = lab_ui.csv_download(f"{title} as CSV", view.columns(), f"{name}.csv", "dl_square_csv")
        html = lab_ui.html_download(f"{title} as HTML", fig_square, f"{name}.html", "dl_square_html", title=title)
        lab_ui.chart(fig_square, "fig_square", downloads=[csv, html])
        st.caption(f"Columns: feature components `l:k`. The bug: {dict(lesson.BUGS)[bug]}.")
    state.sync(SQUARE_KEYS)  # this fragment's share of the URL (a fragment rerun does not reach the script's end)


commuting_square_section(rot, fseed)

# -------------------------------------------------------------------------------------- 6. a full turn
if report is not None:
    st.header("6 · Scrub a full turn")
    turn = turn_animation(irreps_text, fseed, rot.axis, rot.angle_deg)
    ax = turn.axis
    st.markdown(
        f"The same feature turning about the axis of your rotation, ({ax[0]:.2f}, {ax[1]:.2f}, {ax[2]:.2f}), in "
        f"steps of {turn.step_deg}°. Every frame is D(R(t)) x, precomputed: press ▶ or drag the slider, no server "
        f"round trip. ★ marks the frame nearest to your R ({rot.angle_deg:.0f}°)"
        + (" (proper part)." if rot.improper else ".")
    )
    frames = [[vr.FeatureBlock(b.label, b.l, b.before, b.after) for b in frame] for frame in turn.frames]
    fig_turn = vr.rotation_animation(frames, list(turn.angles_deg), axis=ax, mark_angle_deg=turn.mark_deg, height=430)
    lab_ui.chart(fig_turn, "fig_turn")

state.sync([k for k in SPEC if k not in SQUARE_KEYS])

# -------------------------------------------------------------------------------------- code, quiz, downloads
st.divider()
CODE = (wigner_D, Irreps.D_from_matrix, spherical_harmonics, lesson.commuting_square_data)
lab_ui.show_code(
    *CODE, caption="The functions behind these figures, read from the library (this *is* the implementation):"
)
lab_ui.quiz_section(lesson.quizzes())
