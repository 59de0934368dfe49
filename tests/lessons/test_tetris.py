"""Every number the Tetris page shows: point groups, the allowed-output table (checked against e3nn's own D
matrices), the Curie residuals, the chirality demo, the projector view, quizzes, the shipped 3-seed result, and
the live job (deterministic, publishes each point, stops keeping finished points)."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from equi_core.lessons import tetris as lesson
from equi_core.progress import Control, StopRequested

GROUPS = {
    "chiral 1": ("C2", 2, 0),
    "chiral 2": ("C2", 2, 0),
    "square": ("D4h", 16, 8),
    "line": ("D∞h", 96, 48),
    "corner": ("C3v", 6, 3),
    "L": ("Cs", 2, 1),
    "T": ("C2v", 4, 2),
    "zigzag": ("C2h", 4, 2),
}


def test_pieces_are_e3nns() -> None:
    assert lesson.PIECE_NAMES == ("chiral 1", "chiral 2", "square", "line", "corner", "L", "T", "zigzag")
    assert [p.chiral for p in lesson.PIECES] == [True, True] + [False] * 6
    assert lesson.LABELS.shape == (8, 7)
    assert list(lesson.LABELS[:, 0]) == [1, -1, 0, 0, 0, 0, 0, 0]
    assert np.array_equal(lesson.LABELS[2:, 1:], np.eye(6))
    assert np.abs(lesson.piece_points().mean(axis=1)).max() < 1e-15  # centred
    assert lesson.mirror_maps_pair()


def test_point_groups_of_the_pieces() -> None:
    for s in lesson.piece_symmetries(2):
        assert (s.group, s.order, s.n_improper) == GROUPS[s.name]
        assert s.chiral == (s.name in lesson.CHIRAL_PAIR)
        assert s.infinite == (s.name == "line")


def test_allowed_output_table_against_e3nn() -> None:
    """The fixed dimension = trace of the group average of e3nn's own D matrices (independent Wigner code)."""
    from e3nn import o3

    from equi_core.o3.point_groups import point_group

    table = lesson.allowed_output_table(2)
    assert table.irreps == ("0e", "0o", "1o", "1e", "2e", "2o")
    assert table.irrep_dims == (1, 1, 3, 3, 5, 5)
    for i, name in enumerate(table.pieces):
        G = torch.as_tensor(point_group(lesson.piece_points(name)).elements)
        for j, ir in enumerate(table.irreps):
            expected = float(o3.Irrep(ir).D_from_matrix(G).mean(dim=0).trace())
            # e3nn goes through Y-X-Y Euler angles; for axis-aligned elements (beta = 0 or pi) its angle
            # extraction loses ~1e-8, so the oracle is compared at 1e-6 (our own traces are integers to 1e-12)
            assert abs(table.dims[i, j] - expected) < 1e-6, (name, ir)
    by = {n: dict(zip(table.irreps, map(int, row))) for n, row in zip(table.pieces, table.dims)}
    assert by["square"] == {"0e": 1, "0o": 0, "1o": 0, "1e": 0, "2e": 1, "2o": 0}
    assert by["corner"]["1o"] == 1 and by["L"]["1o"] == 2 and by["T"]["1o"] == 1 and by["zigzag"]["1o"] == 0
    assert [by[n]["0o"] for n in table.pieces] == [1, 1, 0, 0, 0, 0, 0, 0]
    cols = table.columns()
    assert cols["piece"][0] == "chiral 1" and cols["1o"] == [1, 1, 0, 0, 1, 2, 1, 0]


def test_forbidden_lists() -> None:
    sym = {s.name: s for s in lesson.piece_symmetries(2)}
    assert sym["square"].forbidden == ["0o", "1o", "1e", "2o"]
    assert sym["chiral 1"].forbidden == []
    assert "2 improper" in lesson.piece_summary_text("zigzag")


@pytest.mark.parametrize("seed", [0, 3])
def test_curie_check_outputs_lie_in_the_fixed_subspace(seed: int) -> None:
    rows = lesson.curie_check(seed)
    assert [r.name for r in rows] == list(lesson.PIECE_NAMES)
    nonzero_allowed = 0
    for r in rows:
        assert r.max_residual < 1e-12
        for norm, fixed in zip(r.norms, r.fixed):
            if fixed == 0:
                assert norm < 1e-12  # an impossible output is zero
            elif norm > 1e-4:
                nonzero_allowed += 1
    assert nonzero_allowed >= 20  # the allowed blocks are genuinely used
    cols = lesson.curie_columns(rows)
    assert list(cols)[:2] == ["piece", "point group"] and cols["max |y - P y|"] == [r.max_residual for r in rows]


def test_chirality_demo() -> None:
    d = lesson.chirality_demo(0)
    assert (d.n_proper_maps, d.n_improper_maps) == (0, 2)
    assert d.mirror == ((1.0, 0.0, 0.0), (0.0, -1.0, 0.0), (0.0, 0.0, 1.0))
    assert d.invariant_difference < 1e-12
    assert np.abs(np.asarray(d.invariant_outputs[0])).max() > 1e-3  # the invariant outputs are not zero
    assert d.pseudo_sum < 1e-12 and abs(d.pseudo_outputs[0]) > 1e-3
    assert d.scalar_difference < 1e-12
    with pytest.raises(ValueError):
        lesson.chirality_demo(-1)


def test_projector_view_corner_vector_along_the_three_fold_axis() -> None:
    v = lesson.projector_view("corner", "1o", 0)
    assert v.group == "C3v" and v.fixed_dim == 1 and v.labels == ("x", "y", "z")
    assert v.idempotence_error < 1e-13 and v.symmetry_error < 1e-13 and v.residual < 1e-12
    axis = np.ones(3) / np.sqrt(3)
    assert abs(abs(float(v.basis[0] @ axis)) - 1) < 1e-12
    assert abs(abs(float(v.output @ axis)) - np.linalg.norm(v.output)) < 1e-12 and np.linalg.norm(v.output) > 1e-4
    sq = lesson.projector_view("square", "1e", 0)
    assert sq.fixed_dim == 0 and np.linalg.norm(sq.output) < 1e-12 and np.abs(sq.P).max() < 1e-12
    with pytest.raises(ValueError):
        lesson.projector_view("hexagon", "1o")
    with pytest.raises(ValueError):
        lesson.component_labels("1x")


def test_piece_mesh() -> None:
    m0, m1, m1b = lesson.piece_mesh("L"), lesson.piece_mesh("L", 1), lesson.piece_mesh("L", 1)
    assert m0["vertices"].shape == (32, 3) and m0["faces"].shape == (48, 3) and m0["faces"].max() == 31
    assert np.array_equal(m1["vertices"], m1b["vertices"])
    d0 = np.linalg.norm(m0["centres"][:, None] - m0["centres"][None], axis=-1)
    d1 = np.linalg.norm(m1["centres"][:, None] - m1["centres"][None], axis=-1)
    assert np.abs(d0 - d1).max() < 1e-12 and np.abs(m0["vertices"] - m1["vertices"]).max() > 0.1
    with pytest.raises(ValueError):
        lesson.piece_mesh("L", -3)


def test_quizzes_answers_come_from_the_core() -> None:
    q = lesson.quizzes()
    assert q["tt_q_pseudo"].answer == "chiral 1 and chiral 2"
    assert q["tt_q_order"].answer == 16
    assert q["tt_q_vec"].answer == 2
    assert q["tt_q_vec"].check(2) and not q["tt_q_vec"].check(3)


def test_config_parsing_and_validation() -> None:
    assert lesson.parse_copies("128, 0 16") == [0, 16, 128]
    for bad in ("", "a, b", "1.5", "-1", "2000", "1 2 3 4 5 6 7"):
        with pytest.raises(ValueError, match=r"copies|numbers"):
            lesson.parse_copies(bad)
    cfg = lesson.live_config(2, "0, 8", 20, 30)
    assert cfg["seeds"] == [0, 1] and cfg["copies"] == [0, 8] and cfg["eq_steps"] == 20
    with pytest.raises(ValueError):
        lesson.live_config(0, "0", 20, 30)
    for bad in (
        {"nope": 1},
        {"eq_steps": 0},
        {"seeds": []},
        {"eq_lrs": [2.0]},
        {"hold_out_mirror": 1},
        {"mlp_batch": True},
    ):
        with pytest.raises(ValueError):
            lesson.validate_train_config(bad)


TINY = {"seeds": [0], "copies": [0, 4], "eq_steps": 20, "mlp_steps": 20, "n_test_rotations": 4, "n_val_rotations": 2}


def test_train_job_is_deterministic_and_publishes_every_point() -> None:
    published: list[dict] = []
    r1 = lesson.train_job(dict(TINY), Control(on_partial=published.append))
    r2 = lesson.train_job(dict(TINY), Control())
    assert r1["complete"] and len(r1["rows"]) == 3 and len(published) == 3
    assert [len(p["rows"]) for p in published] == [1, 2, 3]
    strip = ("wall_time_s", "cpu_time_s")
    assert [{k: v for k, v in a.items() if k not in strip} for a in r1["rows"]] == [
        {k: v for k, v in b.items() if k not in strip} for b in r2["rows"]
    ]
    eq = r1["rows"][0]
    assert eq["model"] == "equivariant" and eq["achiral_pseudoscalar_max"] < 1e-12
    assert abs(eq["chiral_pseudoscalars"][0] + eq["chiral_pseudoscalars"][1]) < 1e-12
    assert [s["model"] for s in r1["summary"]] == ["equivariant", "mlp", "mlp"]
    cols = lesson.result_columns(r1)
    assert len(cols["model"]) == 3 and "acc chiral 1" in cols
    assert lesson.summary_columns(r1)["augmented copies"] == [0, 0, 4]


def test_stop_keeps_finished_points() -> None:
    published: list[dict] = []
    control = Control(should_stop=lambda: len(published) >= 1, on_partial=published.append)
    with pytest.raises(StopRequested):
        lesson.train_job(dict(TINY), control)
    assert len(control.partial["rows"]) == 1 and not control.partial["complete"]


def test_shipped_result_is_the_full_three_seed_run() -> None:
    r = lesson.load_shipped()
    assert r is not None and r["complete"]
    full = lesson.default_train_config(full=True)
    assert r["config"] == lesson.validate_train_config(full)
    derived = lesson.summarize(r["rows"])  # what the page shows, derived from the rows at render time
    assert [{k: x[k] for k in stored} for x, stored in zip(derived, r["summary"])] == r["summary"]
    s = {(x["model"], x["copies"]): x for x in derived}
    assert all(x["n_seeds"] == 3 for x in r["summary"])
    assert s[("equivariant", 0)]["mean"] == 1.0 and s[("equivariant", 0)]["mirror_piece_mean"] == 1.0
    assert s[("mlp", 0)]["mean"] < 0.2  # one orientation: the MLP fails on rotated pieces
    assert s[("mlp", 512)]["mean_other_pieces"] > 0.95  # enough augmentation learns the rotations...
    assert all(x["mirror_piece_mean"] == 0.0 for k, x in s.items() if k[0] == "mlp" and k[1] > 0)  # ...not a mirror
    assert max(x["achiral_pseudoscalar_max"] for x in r["rows"] if x["model"] == "equivariant") < 1e-12
    assert r["command"].startswith("python -m equi_core.training tetris")
    assert lesson.load_shipped("/nonexistent/tetris.json") is None


def test_symmetry_columns_and_result_notes() -> None:
    cols = lesson.symmetry_columns(2)
    assert cols["point group"] == [GROUPS[n][0] for n in lesson.PIECE_NAMES]
    assert cols["|G|"][3] == "96 (D24h stand-in for D∞h)" and cols["chiral"][:3] == ["yes", "yes", "no"]
    assert cols["impossible outputs (l ≤ 2)"][2] == "0o, 1o, 1e, 2o"
    r = lesson.train_job(dict(TINY, copies=[0]), Control())
    notes = lesson.result_notes(r)
    eq = r["rows"][0]
    assert f"**{eq['achiral_pseudoscalar_max']:.1e}**" in notes.curie
    assert notes.budget.startswith("Budget: 20 Adam steps (equivariant), 20 (MLP, batch 256)")
    assert (notes.underfit is None) == all(not s["underfit_seeds"] for s in r["summary"])
    cols = lesson.summary_columns(r)
    assert "chiral 1 (never trained)" in cols  # TINY holds chiral 1 out, as e3nn does
    assert {k for k, v in cols.items() if isinstance(v[0], float)} <= set(lesson.SUMMARY_FLOAT_COLUMNS)


def test_vector_highlights() -> None:
    lines = lesson.vector_highlights()
    assert lines[0] == "**square** (D4h): no polar (1o) and no axial (1e) vector: the output must be exactly zero."
    assert "**corner** (C3v): 1o only along (0.577, 0.577, 0.577); no 1e vector." in lines
    assert "**L** (Cs): 1o only in a plane (2 of 3 directions); 1e only along (1.000, 0.000, 0.000)." in lines
    assert all("-0.000" not in line for line in lines)


def test_shipped_all_pieces_run() -> None:
    """The companion run with "chiral 1" trained too: the MLP learns all 8 with enough rotated copies."""
    r = lesson.load_shipped(lesson.SHIPPED_RUNS["shipped: all 8 pieces trained"])
    assert r is not None and r["complete"] and r["held_out"] is None
    assert r["config"] == lesson.validate_train_config(
        dict(lesson.default_train_config(full=True), hold_out_mirror=False)
    )
    s = {(x["model"], x["copies"]): x for x in lesson.summarize(r["rows"])}
    assert s[("equivariant", 0)]["mean"] == 1.0
    assert s[("mlp", 0)]["mean"] < 0.2 and s[("mlp", 512)]["mean"] > 0.95
    assert s[("mlp", 512)]["mirror_piece_mean"] > 0.95
    assert "hold_out_mirror=false" in r["command"]
    cols = lesson.summary_columns(r)
    assert "chiral 1" in cols and "chiral 1 (never trained)" not in cols
