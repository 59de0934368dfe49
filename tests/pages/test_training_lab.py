"""AppTest of the training-lab page: shipped results instantly, URL state, a live run, stop keeps the
finished points, quizzes checked against the core, downloads."""
from __future__ import annotations

from streamlit.testing.v1 import AppTest

import equi_core.training.experiments as experiments
from tests.conftest import new_app_test

PAGE = "training_lab"
#: A live training run inside one script run takes longer than the suite's default AppTest time-out.
LIVE_RUN_TIMEOUT_S = 180


def _app(**query) -> AppTest:
    at = new_app_test(PAGE, timeout=LIVE_RUN_TIMEOUT_S)
    for k, v in query.items():
        at.query_params[k] = v
    return at.run()


def _markdown(at: AppTest) -> str:
    return "\n".join(m.value for m in at.markdown)


def test_shipped_result_shown_instantly_with_device_and_metrics():
    at = _app()
    assert not at.exception
    assert at.selectbox(key="tl_exp").value == "sample-efficiency"
    shipped = experiments.load_result("sample-efficiency")
    text = _markdown(at)
    assert "Ran on" in text and f"`{shipped['device']}`" in text
    assert len(at.get("plotly_chart")) == 1
    # the metrics show the shipped summary's numbers
    need = shipped["summary"]["samples_to_5pct"]["invariant-mlp"]
    values = [m.value for m in at.metric]
    assert ("not reached" if need is None else f"N ≈ {need:,.0f}") in values
    assert any(b.label == "Numbers (CSV)" for b in at.get("download_button"))


def test_every_experiment_renders_its_shipped_result():
    at = _app()
    for key in ["equivariance", "truncation", "depth", "large-data"]:
        at.selectbox(key="tl_exp").set_value(key).run()
        assert not at.exception
        shipped = experiments.load_result(key)
        assert f"wall time {shipped['wall_time_s']:.1f} s" in _markdown(at)
        assert f"CPU time {shipped['cpu_time_s']:.1f} s" in _markdown(at)
        assert len(at.get("plotly_chart")) == 1
        # a shipped run longer than the CPU defaults says so, naming the knobs that differ
        changed = [k for k, v in shipped["config"].items() if experiments.default_config(key).get(k) != v]
        captions = "\n".join(c.value for c in at.caption)
        assert ("not** the CPU default run" in captions) == bool(changed)
        for k in changed:
            assert f"`{k}=" in captions


def test_url_state_round_trip_and_bad_values():
    at = _app(exp="truncation", K="6", readout="linear")
    assert not at.exception
    assert at.slider(key="tl_K").value == 6
    assert at.radio(key="tl_readout").value == "linear"
    assert at.query_params["exp"] == ["truncation"] or at.query_params["exp"] == "truncation"
    bad = _app(exp="bogus", K="99", penalty="nan")
    assert not bad.exception
    assert bad.selectbox(key="tl_exp").value == "sample-efficiency"
    assert len(bad.warning) >= 2  # one notice per invalid value


def test_live_run_then_stop_keeps_finished_points(monkeypatch):
    at = _app(exp="truncation")
    at.slider(key="tl_Lmax").set_value(3)
    at.radio(key="tl_readout").set_value("linear")
    at.select_slider(key="tl_ntrain").set_value(256)
    at.button(key="tl_run").click().run()
    assert not at.exception
    job = at.session_state["tl_job"]
    assert job["status"] == "done" and [r["L"] for r in job["rows"]] == [0, 1, 2, 3]
    assert any("Live run finished: 4 points" in s.value for s in at.success)
    assert at.radio(key="tl_show_truncation").value == "live run"
    # the live cliff: L = 3 < K = 4 misses the degree-4 term
    errs = {r["L"]: r["test_error"] for r in job["rows"]}
    assert errs[3] > 0.3

    # now a run that the user stops after its first point (what the Stop button's callback does)
    real = experiments.run_point

    def run_then_click_stop(*args, **kwargs):
        rows = real(*args, **kwargs)
        import streamlit as st

        st.session_state["tl_stop"] = True
        return rows

    monkeypatch.setattr(experiments, "run_point", run_then_click_stop)
    at.slider(key="tl_Lmax").set_value(5)
    at.button(key="tl_run").click().run()
    assert not at.exception
    job = at.session_state["tl_job"]
    assert job["status"] == "stopped" and [r["L"] for r in job["rows"]] == [0]
    assert any("Stopped: 1 rows from 1 finished points kept" in w.value for w in at.warning)
    at.run()  # nothing more is trained after a stop
    assert [r["L"] for r in at.session_state["tl_job"]["rows"]] == [0]
    assert not at.exception


def test_quizzes_are_checked_against_the_core():
    at = _app(exp="truncation", K="5")
    need = 5  # cos(5 theta) = T_5(cos theta), a degree-5 polynomial in cos theta: its Legendre series ends at l = 5
    at.radio(key="tl_q_L").set_value(need).run()
    assert any(s.value.startswith("Right.") for s in at.success)
    n_rad = experiments.default_config("truncation")["n_radial"]
    # counted, not taken from the code under test: n_rad two-body sums, then one p[k, k', l] per pair k <= k', l = 0..4
    n_invariants = n_rad + 5 * sum(1 for k in range(n_rad) for k2 in range(k, n_rad))
    at.radio(key="tl_q_ps").set_value(n_invariants).run()
    assert sum(s.value.startswith("Right.") for s in at.success) == 2
    at.radio(key="tl_q_tau").set_value("the total force").run()
    assert any(e.value.startswith("Not quite.") for e in at.error)
    assert not at.exception
