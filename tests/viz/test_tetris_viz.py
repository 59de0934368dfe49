"""Tetris figure builders: traces, labels and data come straight from the core's results."""

from __future__ import annotations

import plotly.graph_objects as go

from equi_core.lessons import tetris as lesson
from equi_core.viz import tetris as vt


def test_pieces_figure_one_scene_per_piece_chiral_marked() -> None:
    meshes = [lesson.piece_mesh(n, 2) for n in lesson.PIECE_NAMES]
    fig = vt.pieces_figure(meshes, lesson.PIECE_NAMES, [p.chiral for p in lesson.PIECES])
    assert isinstance(fig, go.Figure) and len(fig.data) == 8
    assert all(isinstance(t, go.Mesh3d) for t in fig.data)
    titles = [a.text for a in fig.layout.annotations]
    assert titles[:2] == ["chiral 1 (chiral)", "chiral 2 (chiral)"] and titles[2] == "square"
    assert fig.data[0].color == vt.RED and fig.data[2].color == vt.BLUE
    assert list(fig.data[3].x) == list(meshes[3]["vertices"][:, 0])


def test_accuracy_figure_error_bars_from_the_summary() -> None:
    summary = [
        {"model": "equivariant", "copies": 0, "n_seeds": 3, "mean": 1.0, "std": 0.0},
        {
            "model": "mlp",
            "copies": 8,
            "n_seeds": 3,
            "mean": 0.3,
            "std": 0.02,
            "mean_other_pieces": 0.35,
            "std_other_pieces": 0.03,
        },
        {
            "model": "mlp",
            "copies": 0,
            "n_seeds": 3,
            "mean": 0.06,
            "std": 0.01,
            "mean_other_pieces": 0.07,
            "std_other_pieces": 0.01,
        },
    ]
    fig = vt.accuracy_figure(summary)
    mlp, seen, eq = fig.data
    assert list(mlp.x) == [1, 9] and list(mlp.y) == [0.06, 0.3] and list(mlp.error_y.array) == [0.01, 0.02]
    assert list(seen.y) == [0.07, 0.35] and list(eq.y) == [1.0, 1.0]
    assert fig.layout.xaxis.type == "log"


def test_allowed_and_projector_figures() -> None:
    t = lesson.allowed_output_table(2)
    fig = vt.allowed_figure(t.pieces, t.groups, t.irreps, t.dims.tolist(), t.irrep_dims)
    hm = fig.data[0]
    assert list(hm.x) == list(t.irreps) and hm.y[2] == "square (D4h)"
    assert hm.text[4][2] == "1/3"  # the corner's one polar vector out of three
    v = lesson.projector_view("L", "1o")
    fig = vt.projector_figure(v.P.tolist(), v.labels, title="P")
    assert list(fig.data[0].x) == ["x", "y", "z"] and fig.data[0].z[0][0] == float(v.P[0, 0])


def test_accuracy_figure_seven_eighths_line_only_when_chiral_1_is_held_out() -> None:
    summary = [{"model": "equivariant", "copies": 0, "n_seeds": 1, "mean": 1.0, "std": 0.0}]
    assert len(vt.accuracy_figure(summary).layout.shapes) == 1
    assert len(vt.accuracy_figure(summary, held_out=False).layout.shapes) == 0
