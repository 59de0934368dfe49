"""AppTest of the page "ReLU versus norm nonlinearity": no exception, and the widgets change the shown numbers."""

from __future__ import annotations

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from equi_core import angles_to_matrix, compare_pair, rotation_check
from tests.conftest import new_app_test

PAGE = "nonlinearity"


def _run(at: AppTest) -> AppTest:
    at.run()
    assert not at.exception, at.exception[0].message if at.exception else ""
    return at


def _set(at: AppTest, kind: str, key: str, value) -> AppTest:
    getattr(at, kind)(key=key).set_value(value)
    return _run(at)


@pytest.fixture
def at() -> AppTest:
    return _run(new_app_test(PAGE))


def _metric(at: AppTest, label: str):
    hits = [m for m in at.metric if m.label == label]
    assert hits, [m.label for m in at.metric]
    return hits[0]


def _num(text: str) -> float:
    """A shown error: '0 (exact)' or a number."""
    return 0.0 if text == "0 (exact)" else float(text)


def _messages(at: AppTest) -> list[str]:
    return [e.value for e in at.error] + [w.value for w in at.warning]


def test_defaults_show_the_seed_example(at):
    assert _metric(at, "Does ReLU tell them apart?").value == "yes"
    assert _metric(at, "Does the norm nonlinearity?").value == "no"
    assert "3.1623 vs 3.6056" in _metric(at, "Does ReLU tell them apart?").delta
    assert "2.7417 vs 2.7417" in _metric(at, "Does the norm nonlinearity?").delta  # sqrt(14) - 1
    table = at.dataframe[0].value
    assert list(table["ReLU(v)"]) == ["(1, 0, 3)", "(0, 2, 3)"]
    np.testing.assert_allclose(table["|ReLU(v)|"], [np.sqrt(10), np.sqrt(13)])
    np.testing.assert_allclose(table["|v|"], [np.sqrt(14), np.sqrt(14)])
    assert not _messages(at)


def test_rotation_sliders_change_the_live_errors(at):
    def shown():
        return float(_metric(at, "ReLU error").value), _num(_metric(at, "norm nonlinearity error").value)

    relu0, norm0 = shown()
    expected = rotation_check([1, -2, 3], angles_to_matrix(*np.radians([240, 85, 330])))
    assert relu0 == pytest.approx(expected.relu_error.absolute, rel=1e-3)
    assert norm0 == pytest.approx(expected.norm_error.absolute, rel=1e-2)
    assert relu0 > 0.1 and norm0 < 1e-14
    _set(at, "slider", "beta", 30)
    relu1, norm1 = shown()
    expected = rotation_check([1, -2, 3], angles_to_matrix(*np.radians([240, 30, 330])))
    assert relu1 == pytest.approx(expected.relu_error.absolute, rel=1e-3)
    assert relu1 != relu0 and norm1 < 1e-14
    assert at.query_params["beta"] == "30"
    # no rotation at all: both errors vanish
    _set(at, "slider", "alpha", 0)
    _set(at, "slider", "beta", 0)
    _set(at, "slider", "gamma", 0)
    assert max(shown()) < 1e-15  # the identity, up to rounding of the rotation matrix


def test_typed_vectors_and_norm_parameters_change_the_table(at):
    at.text_input(key="v1").set_value("3, 0, 4")
    at.text_input(key="v2").set_value("0, -5, 0")
    at.selectbox(key="sigma").set_value("tanh")
    _set(at, "slider", "bias", 0.5)
    pair = compare_pair((3, 0, 4), (0, -5, 0), "tanh", 0.5)
    table = at.dataframe[0].value
    np.testing.assert_allclose(table["|ReLU(v)|"], [5.0, 0.0])
    np.testing.assert_allclose(table["|norm(v)|"], pair.norm_norms)
    assert pair.norm_norms[0] == pytest.approx(np.tanh(5.5))
    assert _metric(at, "Does the norm nonlinearity?").value == "no"
    assert _metric(at, "Does ReLU tell them apart?").value == "yes"
    assert at.query_params["v1"] == "3, 0, 4" and at.query_params["sigma"] == "tanh"


def test_zero_vector_and_nan_give_messages_not_tracebacks(at):
    _set(at, "text_input", "v1", "0, 0, 0")
    assert any("zero vector" in m for m in _messages(at))
    table = at.dataframe[0].value
    assert next(iter(table["norm(v), σ=relu, b=-1"])) == "(0, 0, 0)"
    assert _num(_metric(at, "norm nonlinearity error").value) == 0.0
    _set(at, "text_input", "v2", "nan, 1, 2")
    assert any("finite" in e.value for e in at.error)
    _set(at, "text_input", "v1", "1, 2")
    assert any("Too few numbers" in e.value for e in at.error)
    # the rotation section falls back to the default vector and still shows numbers
    assert float(_metric(at, "ReLU error").value) > 0.1


def test_sphere_axis_and_gate_widgets(at):
    assert _metric(at, "directions sent to 0").value.startswith("20 of 160")
    _set(at, "radio", "sphere", "norm nonlinearity")
    assert _metric(at, "largest bend of a direction").value == "0.0°"
    assert _metric(at, "directions sent to 0").value == "0 of 160"
    # gain of relu(|v| - 1) at |v| = |v1| = sqrt(14): (sqrt(14) - 1) / sqrt(14), the same for every direction
    g = (np.sqrt(14) - 1) / np.sqrt(14)
    assert _metric(at, "gain |f(v)|/|v| ranges over").value == f"{g:.3f} – {g:.3f}"
    before = next(c.value for c in at.caption if c.value.startswith("Largest ReLU error"))
    _set(at, "radio", "axis", "(1,1,1)")
    after = next(c.value for c in at.caption if c.value.startswith("Largest ReLU error"))
    assert before != after
    assert any("illegal on a pseudo-scalar" in i.value for i in at.info)
    _set(at, "selectbox", "gate_act", "tanh")
    assert any("`tanh` on `0o` is legal: it gives `0o`" in s.value for s in at.success)
    _set(at, "selectbox", "gate_act", "abs")
    assert any("gives `0e`" in s.value for s in at.success)


def test_block_table_errors_small_and_baselines_large(at):
    frames = [d.value for d in at.dataframe if "block" in d.value.columns]
    assert frames
    t = frames[0].set_index("block")
    for name in (
        "equivariant linear",
        "norm nonlinearity",
        "gate",
        "tensor square (CG paths)",
        "tiny net (2 gated layers)",
    ):
        assert t.loc[name, "O(3) error (abs)"] < 1e-12, name
    assert t.loc["componentwise ReLU (baseline)", "O(3) error (abs)"] > 0.1
    parity = next(d.value for d in at.dataframe if "activation on 4x0o" in d.value.columns).set_index(
        "activation on 4x0o"
    )
    assert parity.loc["relu", "SO(3) error"] == 0.0 and parity.loc["relu", "O(3) error (as 0o → 0o)"] > 0.1
    assert parity.loc["tanh", "O(3) error (as 0o → 0o)"] < 1e-12


def test_quiz_feedback(at):
    _set(at, "radio", "q_parity", "tanh")
    assert any(s.value.startswith("Right.") for s in at.success)
    _set(at, "radio", "q_abs", "0o")
    assert any(e.value.startswith("Not quite.") for e in at.error)
    _set(at, "radio", "q_depth", "ReLU(v) exactly, with enough layers")
    assert sum(e.value.startswith("Not quite.") for e in at.error) == 2


def test_url_state_opens_the_shared_view_and_rejects_bad_values():
    at = new_app_test(PAGE)
    at.query_params["beta"] = "30"
    at.query_params["sigma"] = "tanh"
    at.query_params["v1"] = "3, 0, 4"
    _run(at)
    assert at.slider(key="beta").value == 30 and at.selectbox(key="sigma").value == "tanh"
    assert at.text_input(key="v1").value == "3, 0, 4"
    expected = rotation_check([3, 0, 4], angles_to_matrix(*np.radians([240, 30, 330])), "tanh", -1.0)
    assert float(_metric(at, "ReLU error").value) == pytest.approx(expected.relu_error.absolute, rel=1e-3)

    bad = new_app_test(PAGE)
    bad.query_params["beta"] = "999"
    bad.query_params["axis"] = "w"
    _run(bad)
    warnings = " ".join(w.value for w in bad.warning)
    assert "beta" in warnings and "axis" in warnings
    assert bad.slider(key="beta").value == 85 and bad.query_params["beta"] == "85"


def test_classroom_features_present(at):
    labels = [b.label for b in at.download_button]
    assert any("CSV" in lab for lab in labels) and any("HTML" in lab for lab in labels)
    code = next(e for e in at.expander if "code" in e.label.lower())
    src = code.code[0].value
    assert "def norm_nonlinearity" in src and "def equivariance_error" in src


def test_widgets_tell_the_browser_their_live_value_every_run(at):
    """A browser that (re)mounts a widget shows the widget's proto default (Streamlit's one-shot set_value can be
    dropped with an interrupted run's unsent messages). Seeded only through session state, the text boxes carried
    the default "" and came back empty under load; now every run's default is the live value."""
    _set(at, "text_input", "v1", "3, 0, 4")
    _set(at, "slider", "beta", 30)
    _set(at, "selectbox", "sigma", "tanh")
    assert at.text_input(key="v1").proto.default == "3, 0, 4" == at.text_input(key="v1").value
    assert at.text_input(key="v2").proto.default == "-1, 2, 3" == at.text_input(key="v2").value
    assert list(at.slider(key="beta").proto.default) == [30.0]
    assert list(at.slider(key="alpha").proto.default) == [float(at.slider(key="alpha").value)] == [240.0]
    sigma = at.selectbox(key="sigma")
    assert sigma.options[sigma.proto.default] == "tanh" == sigma.value
