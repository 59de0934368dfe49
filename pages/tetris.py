"""Tetris: shape, chirality and symmetry in, symmetry out (e3nn's 3D Tetris, its point groups, trained live)."""

from __future__ import annotations

import pandas as pd
import streamlit as st

import lab_ui
import lab_ui.jobs
from equi_core.lessons import tetris as lesson
from equi_core.lessons.classroom import Param
from equi_core.o3.point_groups import congruences, point_group, projector
from equi_core.training.tetris import IrrepsGate, TetrisNetwork
from equi_core.viz import tetris as vt

IRREPS = ("0e", "0o", "1o", "1e", "2e", "2o")
SPEC = {
    "seed": Param("int", 0, min=0, max=2**31 - 1),
    "piece": Param("choice", "corner", choices=lesson.PIECE_NAMES),
    "irrep": Param("choice", "1o", choices=IRREPS),
    "mseed": Param("int", 0, min=0, max=10**6),
    "seeds": Param("int", 3, min=1, max=5),
    "copies": Param("str", "0, 16, 128", max_len=60),
    "eqsteps": Param("int", 150, min=10, max=2000),
    "mlpsteps": Param("int", 300, min=10, max=5000),
}
cached = st.cache_data(max_entries=16, show_spinner=False)
allowed, curie = cached(lesson.allowed_output_table), cached(lesson.curie_check)
chirality, pview = cached(lesson.chirality_demo), cached(lesson.projector_view)
shipped, quizzes, sym_table = cached(lesson.load_shipped), cached(lesson.quizzes), cached(lesson.symmetry_columns)
highlights = cached(lesson.vector_highlights)


@cached
def meshes_of(seed: int) -> list[dict]:
    return [lesson.piece_mesh(name, seed) for name in lesson.PIECE_NAMES]


lab_ui.page_setup("Tetris: symmetry in, symmetry out")
state = lab_ui.url_state(SPEC)
st.markdown(
    "e3nn's classic example: eight 3D pieces of four cubes, one **chiral pair** (mirror images). The essay: "
    "*“By restricting the hypothesis class to equivariant functions, you remove every physically impossible function "
    "without losing any you actually want.”* Here we show which functions are impossible, piece by piece, and what "
    "an unconstrained model pays to learn the symmetry from data."
)

# ---------------------------------------------------------------------------------------------- 1. the pieces
st.header("1 · The pieces")
seed = state.number_input("Rotation seed (every piece turned by the same seeded random rotation)", "seed")
fig_pieces = vt.pieces_figure(meshes_of(int(seed)), lesson.PIECE_NAMES, [p.chiral for p in lesson.PIECES])
lab_ui.chart(
    fig_pieces,
    "tt_pieces",
    downloads=[lab_ui.html_download("Pieces (HTML)", fig_pieces, "tetris_pieces.html", "tt_dl_pieces")],
)
st.caption("Drag to turn a piece. Red: the chiral pair; “chiral 2” is “chiral 1” seen in a mirror (y → −y).")

# ---------------------------------------------------------------------------------------------- 2. symmetry
st.header("2 · Symmetry in, symmetry out (Curie's principle)")
st.markdown(
    "The **point group** $G$ of a piece: every rotation *and reflection* $g$ with $gX = X$ (about its "
    "centroid). For an equivariant $f$ and $g \\in G$:"
)
st.latex(
    r"f(X) = f(gX) = D(g)\,f(X)\ \ \forall g\in G \;\Longrightarrow\; f(X) = P f(X),\qquad "
    r"P = \frac{1}{|G|}\sum_{g\in G} D(g)\quad(P^2 = P = P^\top)."
)
st.markdown(
    "So each output irrep can only live in the subspace $P$ keeps: **dimension 0 means every equivariant "
    "model outputs exactly zero there, trained or not.**"
)
table = allowed(2)
fig_allowed = vt.allowed_figure(table.pieces, table.groups, table.irreps, table.dims.tolist(), table.irrep_dims)
lab_ui.chart(
    fig_allowed,
    "tt_allowed",
    downloads=[
        lab_ui.csv_download("Allowed outputs (CSV)", table.columns(), "tetris_allowed_outputs.csv", "tt_dl_allowed"),
        lab_ui.html_download("Figure (HTML)", fig_allowed, "tetris_allowed_outputs.html", "tt_dl_allowed_html"),
    ],
)
st.dataframe(pd.DataFrame(sym_table(2)), hide_index=True)
st.caption(
    "Computed by `point_group` (frames matched point by point; proper and improper) and `projector`. The line "
    "is symmetric under every rotation about its axis (D∞h); D24h has the same fixed subspaces for l ≤ 23."
)

c1, c2 = st.columns([1, 1.2], gap="large")
with c1:
    piece = state.selectbox("Piece", "piece")
    irrep = state.radio("Output irrep", "irrep", horizontal=True)
    mseed = state.number_input("Seed of the random equivariant model", "mseed")
    view = pview(piece, irrep, int(mseed))
    st.metric(f"fixed dimension of {irrep} for the {piece} ({view.group})", f"{view.fixed_dim} of {len(view.labels)}")
    st.metric(
        "|y − P y| of the model's output y",
        f"{view.residual:.1e}",
        f"|y| = {float((view.output**2).sum()) ** 0.5:.3g}",
        delta_color="off",
    )
    st.caption(f"Checks: max|P² − P| = {view.idempotence_error:.1e}, max|P − Pᵀ| = {view.symmetry_error:.1e}.")
    if irrep in ("1o", "1e") and view.fixed_dim:
        st.markdown(
            "Allowed directions: " + "; ".join("(" + ", ".join(f"{v:+.3f}" for v in b) + ")" for b in view.basis)
        )
with c2:
    fig_p = vt.projector_figure(view.P.tolist(), view.labels, title=f"P for {irrep} over {view.group}")
    lab_ui.chart(fig_p, "tt_projector")

with st.expander("Where can a vector output point? (all pieces)"):
    st.markdown("\n".join(f"- {line}" for line in highlights()))
rows = curie(int(mseed))
st.markdown(
    f"A random equivariant network (`TetrisNetwork`, float64, seed {int(mseed)}) with output "
    f"`{lesson.CURIE_IRREPS}`, on every piece: the norm of each block and the largest distance from the "
    "allowed subspace. Blocks whose fixed dimension is 0 come out as rounding."
)
curie_cols = lesson.curie_columns(rows)
st.dataframe(
    pd.DataFrame(curie_cols).style.format("{:.1e}", subset=list(curie_cols)[2:]), hide_index=True, width="stretch"
)
st.caption(f"Largest |y − P y| over all pieces and blocks: {max(r.max_residual for r in rows):.1e}.")

# ---------------------------------------------------------------------------------------------- 3. chirality
st.header("3 · Chirality and parity")
demo = chirality(int(mseed))
st.markdown(
    f"Orthogonal maps of “chiral 1” onto “chiral 2”: **{demo.n_proper_maps} rotations**, "
    f"**{demo.n_improper_maps} reflections** (found by `congruences`). No rotation turns one into the "
    "other; a mirror does. An O(3)-invariant model (only `0e` outputs) sees the same numbers for both:"
)
c1, c2, c3 = st.columns(3)
c1.metric("invariant model: max |f(chiral 1) − f(R · chiral 2)|", f"{demo.invariant_difference:.1e}")
c2.metric(
    "0o output: chiral 1 / chiral 2",
    f"{demo.pseudo_outputs[0]:+.4f} / {demo.pseudo_outputs[1]:+.4f}",
    f"sum {demo.pseudo_sum:.1e}",
    delta_color="off",
)
c3.metric("its 6×0e part: max difference", f"{demo.scalar_difference:.1e}")
st.latex(r"f_{0o}(\sigma X) = \det(\sigma)\, f_{0o}(X) = -f_{0o}(X)")
st.caption(
    "A pseudoscalar flips sign under a mirror, so it tells mirror images apart; that is why e3nn's example "
    "outputs 0o + 6×0e, and why it never needs to see “chiral 1” in training."
)

# ---------------------------------------------------------------------------------------------- 4. training
st.header("4 · Train it: equivariance vs augmentation")
st.markdown(
    "The essay: *“The equivariance constraint itself costs nothing: the function class is correct, symmetry is "
    "exact, and sample efficiency genuinely improves.”* "
    "The equivariant network trains on the 7 pieces e3nn uses (all but “chiral 1”), **one orientation "
    "each**. The MLP on the 12 centred coordinates trains on the same pieces plus *k* randomly rotated "
    "copies of each. Both are tested on all 8 pieces in many random orientations (a piece counts as right "
    "when all 7 rounded outputs equal e3nn's labels). Learning rates chosen on validation rotations."
)
ship = {label: shipped(str(path)) for label, path in lesson.SHIPPED_RUNS.items()}
with st.form("tt_form"):
    f1, f2 = st.columns(2)
    n_seeds = state.slider("Seeds", "seeds", where=f1)
    copies_text = state.text_input(
        "Augmented copies per piece (MLP)",
        "copies",
        where=f2,
        help="Up to 6 whole numbers from 0 to 1024, e.g. 0, 16, 128.",
    )
    eq_steps = state.number_input("Steps (equivariant net)", "eqsteps", where=f1)
    mlp_steps = state.number_input("Steps (MLP)", "mlpsteps", where=f2)
    st.form_submit_button("Apply settings")
try:
    cfg = lesson.live_config(int(n_seeds), copies_text, int(eq_steps), int(mlp_steps))
except ValueError as exc:
    lab_ui.error("{}", exc)
    cfg = None
job = lab_ui.jobs.live_job(
    key="tetris",
    target="equi_core.lessons.tetris:train_job",
    config=cfg or {},
    start_label="Train live",
    stop_label="Stop (keep finished runs)",
    disabled=cfg is None,
)
live = job.result if job.status == "done" else (job.partial if job.status in ("stopped", "running") else None)
sources = [s for s, r in [("live run", live), *ship.items()] if r]
result = None
if sources:
    show_key = f"tt_show_{job.job_id if live else 'shipped'}"  # a new live result is shown first
    choice = st.radio("Show", sources, horizontal=True, key=show_key) if len(sources) > 1 else sources[0]
    result = live if choice == "live run" else ship[choice]
if result is not None:
    fig_acc = vt.accuracy_figure(lesson.summarize(result["rows"]), held_out=bool(result.get("held_out")))
    lab_ui.chart(
        fig_acc,
        "tt_acc",
        downloads=[
            lab_ui.csv_download("Runs (CSV)", lesson.result_columns(result), "tetris_runs.csv", "tt_dl_runs"),
            lab_ui.html_download("Figure (HTML)", fig_acc, "tetris_accuracy.html", "tt_dl_acc"),
        ],
    )
    summary = pd.DataFrame(lesson.summary_columns(result))
    st.dataframe(
        summary.style.format("{:.3f}", subset=[c for c in lesson.SUMMARY_FLOAT_COLUMNS if c in summary]),
        hide_index=True,
    )
    notes = lesson.result_notes(result)
    if notes.curie:
        st.markdown(notes.curie)
    if notes.underfit:
        lab_ui.warning(notes.underfit)
    st.caption(notes.budget)
else:
    st.info("No result yet: press **Train live**.")
state.sync()

lab_ui.show_code(point_group, congruences, projector, TetrisNetwork, IrrepsGate, lesson.train_job)
lab_ui.quiz_section(quizzes())
lab_ui.lesson_link("pages/training_lab.py", "Next: the training lab (sample efficiency on atom environments)")
