"""The Tetris page in AppTest: defaults render with the core's numbers, bad URL and form input give messages (no
exception), a live run finishes and shows its result, and Stop stops a long one keeping what it finished."""

from __future__ import annotations

import time

from equi_core.lessons import tetris as lesson

LIVE_TIMEOUT_S = 240


def _button(at, label: str):
    return next(b for b in at.button if b.label == label)


def _texts(at) -> str:
    return " ".join(str(m.value) for m in at.markdown) + " " + " ".join(str(c.value) for c in at.caption)


def test_defaults_render_with_the_cores_numbers(app_test) -> None:
    at = app_test("tetris", run=True)
    assert not at.exception
    assert not at.error
    assert len(at.get("plotly_chart")) >= 4  # pieces, allowed outputs, projector, accuracy (shipped run)
    metrics = {m.label: m.value for m in at.metric}
    view = lesson.projector_view("corner", "1o", 0)
    assert metrics["fixed dimension of 1o for the corner (C3v)"] == f"{view.fixed_dim} of 3"
    assert metrics["|y − P y| of the model's output y"] == f"{view.residual:.1e}"
    demo = lesson.chirality_demo(0)
    assert metrics["invariant model: max |f(chiral 1) − f(R · chiral 2)|"] == f"{demo.invariant_difference:.1e}"
    assert metrics["0o output: chiral 1 / chiral 2"] == f"{demo.pseudo_outputs[0]:+.4f} / {demo.pseudo_outputs[1]:+.4f}"
    assert "0 rotations" in _texts(at) and "2 reflections" in _texts(at)
    assert _button(at, "Train live").disabled is False
    assert at.query_params["piece"] in ("corner", ["corner"])
    assert len(at.radio) >= 4  # irrep choice, three quizzes


def test_selecting_a_piece_and_irrep_updates_the_view(app_test) -> None:
    at = app_test("tetris", {"piece": "square", "irrep": "2e"}, run=True)
    assert not at.exception
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["fixed dimension of 2e for the square (D4h)"] == "1 of 5"
    at.radio(key="irrep").set_value("1e").run()
    assert {m.label: m.value for m in at.metric}["fixed dimension of 1e for the square (D4h)"] == "0 of 3"


def test_bad_input_gives_messages_not_exceptions(app_test) -> None:
    at = app_test("tetris", {"piece": "hexagon", "seeds": "99", "copies": "lots"}, run=True)
    assert not at.exception
    warnings = " ".join(w.value for w in at.warning)
    assert "piece" in warnings and "seeds" in warnings
    assert any("whole numbers" in e.value for e in at.error)
    assert _button(at, "Train live").disabled
    at.text_input(key="copies").set_value("0, 5000")
    _button(at, "Apply settings").click().run()
    assert not at.exception and any("0 to 1024" in e.value for e in at.error)


def _wait(at, statuses: tuple[str, ...]) -> None:
    deadline = time.monotonic() + LIVE_TIMEOUT_S
    while True:
        at.run()
        text = _texts(at)
        if any(s in text for s in statuses):
            return
        assert time.monotonic() < deadline, text[-500:]
        time.sleep(0.5)


def _show_radio(at):
    return next(r for r in at.radio if r.label == "Show")


def test_live_run_shows_progress_and_stop_keeps_finished_runs(app_test) -> None:
    """A long live run (5 seeds, the MLP with 1024 copies and 5000 steps: minutes): its finished runs show up while
    it trains; Stop ends it and the finished runs stay."""
    at = app_test("tetris", {"seeds": "5", "copies": "0, 1024", "eqsteps": "10", "mlpsteps": "5000"}, run=True)
    assert _show_radio(at).options == ["shipped: chiral 1 held out (e3nn)", "shipped: all 8 pieces trained"]
    _button(at, "Train live").click().run()
    assert not at.exception
    _wait(at, (" of 15 runs finished",))
    assert _show_radio(at).options[:2] == ["live run", "shipped: chiral 1 held out (e3nn)"]
    assert _show_radio(at).value == "live run"
    assert "Budget: 10 Adam steps (equivariant), 5000 (MLP" in _texts(at)
    _button(at, "Stop (keep finished runs)").click().run()
    _wait(at, ("Stopped: the points finished before the stop are kept.",))
    assert not at.exception
    text = _texts(at)
    assert "of 15 runs finished" in text and "15 of 15" not in text
    assert _show_radio(at).value == "live run"
    assert not _button(at, "Train live").disabled  # a new run can start
