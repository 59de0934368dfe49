"""AppTest of the Training-lab page: the essay's words beside only what the results show, the live form's fixes
(issue 15: the Models box never empty after switching experiments, no model silently dropped, Enter in a number
box starts nothing, bad values give a message), no box of prototype numbers."""

from __future__ import annotations

import pytest

from equi_core.lessons import training_lab as lesson
from equi_core.training import catalog


@pytest.fixture
def at(app_test):
    return app_test("training_lab", run=True)


def _text(at) -> str:
    parts = [m.value for m in at.markdown] + [m.value for m in at.info] + [m.value for m in at.warning]
    parts += [m.value for m in at.success] + [m.value for m in at.error] + [m.value for m in at.caption]
    return "\n".join(parts)


def test_default_page_quotes_the_essay_and_states_the_measurement(at) -> None:
    assert not at.exception
    text = _text(at)
    assert "The seed's claim" not in text and "290" not in text and "5,550" not in text
    for quote in lesson.essay_quotes("sample-efficiency"):
        assert f"> {quote}" in text
    result = lesson.reflag(lesson.shipped("sample-efficiency"))
    assert lesson.finding(result).text in text  # the sentence computed from the result, verbatim


@pytest.mark.parametrize("key", list(catalog.EXPERIMENTS))
def test_every_experiment_renders_its_finding(app_test, key: str) -> None:
    at = app_test("training_lab", query={"exp": key}, run=True)
    assert not at.exception and not at.error
    assert lesson.finding(lesson.shown(key)).text in _text(at)
    for quote in lesson.essay_quotes(key):
        assert quote in _text(at)
    shown = lesson.shown(key)
    frames = [df.value for df in at.dataframe]
    # the table with the retried column, and the sweep the rates came from, as the lesson computes them
    table = next(f for f in frames if "seeds" in f.columns)
    assert table.to_dict("records") == lesson.table_records(shown)
    sweep = lesson.sweep_records(shown)
    if sweep:
        assert any(f.to_dict("records") == sweep for f in frames)
        assert lesson.sweep_text(shown) in _text(at)
    if key in catalog.MOLECULAR:
        assert "retried (rate)" in table.columns
        sens = lesson.retry_sensitivity(shown)
        assert sens is None or sens in _text(at)


def test_switching_experiments_keeps_each_models_box_full(at) -> None:
    order = ["sample-efficiency", "equivariance", "truncation", "depth", "large-data", "sample-efficiency"]
    for key in order:
        at.selectbox(key="exp").set_value(key).run()
        assert not at.exception
        name = "nonlinearities" if key == "depth" else "models"
        box = at.multiselect(key=f"tl_{key}_{name}")
        assert box.value == catalog.default_config(key, "live")[name]  # the experiment's own defaults, all kept
        assert not at.error
        start = at.button(key="_job_start_training_lab")
        assert not start.disabled


def test_a_changed_selection_stays_with_its_experiment(at) -> None:
    at.multiselect(key="tl_sample-efficiency_models").set_value(["nequip-l2"]).run()
    at.selectbox(key="exp").set_value("equivariance").run()
    assert (
        at.multiselect(key="tl_equivariance_models").value == catalog.default_config("equivariance", "live")["models"]
    )
    at.selectbox(key="exp").set_value("sample-efficiency").run()
    assert at.multiselect(key="tl_sample-efficiency_models").value == ["nequip-l2"]


def test_empty_models_gives_a_message_and_no_run(at) -> None:
    at.multiselect(key="tl_sample-efficiency_models").set_value([]).run()
    assert not at.exception
    shown = [e.value.replace("\\", "") for e in at.error]  # the message is escaped Markdown (inert)
    assert any("cannot run" in e and "models must be a non-empty subset" in e for e in shown)
    assert at.button(key="_job_start_training_lab").disabled


def test_a_number_box_starts_nothing(at) -> None:
    # Enter in a number box commits its value (a rerun); there is no form whose submit it could trigger
    at.number_input(key="tl_sample-efficiency_steps").set_value(120).run()
    assert not at.exception
    assert not at.get("form")
    assert at.button(key="_job_stop_training_lab").disabled  # nothing is running, so Stop is greyed out


def test_the_second_molecule_shows_its_own_shipped_result(app_test) -> None:
    mols = lesson.shipped_molecules("sample-efficiency")
    assert mols[0] == "ethanol"
    if len(mols) < 2:
        pytest.skip("only one molecule shipped")
    other = mols[1]
    at = app_test("training_lab", query={"exp": "sample-efficiency", "mol": other}, run=True)
    assert not at.exception and not at.error
    box = next(s for s in at.selectbox if s.label.startswith("Molecule"))
    assert box.value == other
    res = lesson.shipped("sample-efficiency", other)
    assert res is not None and res["config"]["molecule"] == other
    assert lesson.finding(lesson.reflag(res)).text in _text(at)
    # the ethanol result's sentence is not the one shown
    eth = lesson.finding(lesson.reflag(lesson.shipped("sample-efficiency"))).text
    assert eth == lesson.finding(lesson.reflag(res)).text or eth not in _text(at)
    # another experiment has no molecule box
    at2 = app_test("training_lab", query={"exp": "truncation", "mol": other}, run=True)
    assert not at2.exception and not any(s.label.startswith("Molecule") for s in at2.selectbox)


def test_the_datasets_section_shows_every_shipped_dataset(at) -> None:
    assert lesson.dataset_text() in _text(at)
    frames = [df.value for df in at.dataframe]
    table = next(f for f in frames if "frame spacing (fs)" in f.columns)
    cols = lesson.dataset_columns()
    assert list(table["molecule"]) == cols["molecule"] and list(table["frames"]) == cols["frames"]
