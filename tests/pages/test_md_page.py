"""AppTest of the page "Molecular dynamics with a learned potential": shipped runs show at once with the core's
numbers, the k slider and the URL state work, a live run finishes and a stopped one keeps what it computed."""

from __future__ import annotations

import time
from collections.abc import Callable

import pytest
from streamlit.testing.v1 import AppTest

from equi_core.lessons import molecular_dynamics as md


def _ok(at: AppTest) -> AppTest:
    at.run()
    assert not at.exception, at.exception[0].message if at.exception else ""
    return at


def _metrics(at: AppTest) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def _text(s: md.Statement | None) -> str:
    assert s is not None
    return s.text


def _infos(at: AppTest) -> list[str]:
    return [i.value for i in at.info]


@pytest.fixture(scope="module")
def page(app_test: Callable[..., AppTest]) -> AppTest:
    return _ok(app_test("molecular_dynamics"))


@pytest.fixture(scope="module")
def study() -> md.Study:
    return md.load_shipped(md.shipped_molecules()[0])["nve"]


def test_default_molecule_is_ethanol_then_the_rest_sorted(page: AppTest) -> None:
    names = md.shipped_molecules()
    assert names[0] == "ethanol" and list(names[1:]) == sorted(names[1:])
    assert page.selectbox(key="molecule").value == "ethanol"


def test_shipped_numbers_show_at_once(page: AppTest, study: md.Study) -> None:
    m = _metrics(page)
    for r in study.runs:
        if r.is_reference or r.model in ("nequip", "transformer", "transformer-direct"):
            name = md.display_name(r.model)
            assert m[f"{name}: drift, eV/atom/ps"] == f"{r.drift_eV_per_atom_per_ps:.1e}"
            expected = "survived" if r.survived else f"failed at {r.time_to_failure_ps:.2f} ps"
            assert m[f"{name}: stability"] == expected
    # the MD study's "transformer" is the augmented one: never shown under the Training lab's plain name
    assert "unconstrained transformer (+ rotation augmentation): drift, eV/atom/ps" in m
    assert not any(label.startswith("transformer") for label in m)
    captions = [c.value for c in page.caption]
    for kind in ("nequip", "transformer", "transformer-direct"):
        cap = md.record_caption(study.molecule, kind)
        assert cap is not None and cap in captions, kind
        rec = md.model_records(study.molecule)[kind]
        assert cap.startswith(md.BUDGET_NOTE) is rec.budget_limited
    limited = any(r.budget_limited for r in md.model_records(study.molecule).values())
    infos = _infos(page)
    seed_runs = md.load_seed_runs(study.molecule)
    assert _text(md.survival_statement(seed_runs, "nve", study.molecule)) in infos
    horizon = min(r.horizon_ps for r in seed_runs if r.ensemble == "nve")
    assert horizon == md.common_horizon(seed_runs, "nve")
    col = f"failed by {horizon:.1f} ps"
    assert page.dataframe[1].value[col].tolist() == md.survival_columns(seed_runs, "nve")[col]
    for s in md.lesson_statements(study, seed_runs=seed_runs):
        assert s.text in infos, s.topic
        assert ("budget-limited" in s.text) is limited, s.topic
    assert _text(md.averaging_statement(study.averaging, 8, study)) in infos
    headers = [h.value for h in page.header]
    assert headers[0] == "1. The molecule moving" and "Quiz" in headers
    assert len(page.get("plotly_chart")) >= 5


def test_k_slider_updates_the_averaging_sentence(app_test: Callable[..., AppTest], study: md.Study) -> None:
    at = _ok(app_test("molecular_dynamics"))
    at.slider(key="k").set_value(32)
    _ok(at)
    assert _text(md.averaging_statement(study.averaging, 32, study)) in _infos(at)
    assert at.query_params["k"] in ("32", ["32"])


def test_url_state_and_bad_values(app_test: Callable[..., AppTest]) -> None:
    at = _ok(app_test("molecular_dynamics", {"ensemble": "nvt", "models": "tensornet", "k": "99"}))
    assert at.radio(key="ensemble").value == "nvt"
    assert at.multiselect(key="models_pick").value == ["tensornet"]
    assert any("`k`" in w.value for w in at.warning)
    assert "n/a (NVT)" in _metrics(at)["tensornet: drift, eV/atom/ps"]  # display name = key for tensornet


def _wait(at: AppTest, done: Callable[[AppTest], bool], timeout: float = 240.0) -> None:
    deadline = time.monotonic() + timeout
    while not done(at):
        assert time.monotonic() < deadline, "the live run did not finish in time"
        time.sleep(0.5)
        _ok(at)


def _live_caption(at: AppTest) -> str:
    return next((c.value for c in at.caption if c.value.startswith("Live run")), "")


def test_live_run_default_finishes(app_test: Callable[..., AppTest]) -> None:
    at = _ok(app_test("molecular_dynamics", {"models": "nequip,transformer-direct", "steps": "100"}))
    at.button(key="_job_start_md").click()
    _ok(at)
    _wait(at, lambda a: "(done)" in _live_caption(a))
    assert "nequip" in _live_caption(at) and "100 steps" in _live_caption(at)
    assert "nequip: drift, eV/atom/ps" in _metrics(at)


def test_live_run_stop_keeps_what_it_computed(app_test: Callable[..., AppTest]) -> None:
    at = _ok(app_test("molecular_dynamics", {"models": "nequip,tensornet,transformer", "steps": "4000"}))
    at.button(key="_job_start_md").click()
    _ok(at)
    # wait until the first run (the reference) has been published, then stop
    _wait(at, lambda a: _live_caption(a) != "")
    at.button(key="_job_stop_md").click()
    _ok(at)
    _wait(at, lambda a: "(stopped)" in _live_caption(a))
    assert _live_caption(at).startswith("Live run (stopped)")


@pytest.mark.parametrize("molecule", [m for m in md.shipped_molecules() if m != "ethanol"])
def test_every_shipped_molecule_renders_its_own_runs(app_test: Callable[..., AppTest], molecule: str) -> None:
    at = _ok(app_test("molecular_dynamics", query={"molecule": molecule}))
    study = md.load_shipped(molecule)["nve"]
    infos = _infos(at)
    for s in md.lesson_statements(study, seed_runs=md.load_seed_runs(molecule)):
        assert s.text in infos, (molecule, s.topic)
