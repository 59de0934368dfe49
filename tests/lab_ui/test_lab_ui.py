"""AppTest of lab_ui's helpers on tiny scripts: URL state and the widget-default rule, choice correction, quizzes,
show-the-code, charts and downloads, links, and messages that keep user text inert."""

from __future__ import annotations

import re

import pytest
from streamlit.testing.v1 import AppTest

TIMEOUT = 60
PAYLOADS = [
    "[x](http://evil)",
    "![i](http://evil/x.png)",
    "<img src=x onerror=alert(1)>",
    "$\\color{red}{X}$",
    "`a` [b](http://evil) `c`",
    "``` [x](http://evil)",
]


def _run(at: AppTest) -> AppTest:
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    return at


def _outside_code(markdown: str) -> str:
    """The Markdown source without its code spans, read as CommonMark does (an escaped backtick opens no span)."""
    out, k = [], 0
    while k < len(markdown):
        ch = markdown[k]
        if ch == "\\":
            out.append(markdown[k : k + 2])
            k += 2
            continue
        if ch == "`" and (end := markdown.find("`", k + 1)) != -1:
            k = end + 1
            continue
        out.append(ch)
        k += 1
    return "".join(out)


def active_markup(markdown: str) -> list[str]:
    """Unescaped starts of a link, an image, an HTML tag, LaTeX or an autolink outside the code spans.

    A character preceded by an odd number of backslashes is escaped (CommonMark) and renders as itself.
    """
    outside = _outside_code(markdown)
    found = []
    for m in re.finditer(r"\]\(|!\[|<[A-Za-z/!]|\$|https?:|www\.|`", outside):
        slashes = len(outside[: m.start()]) - len(outside[: m.start()].rstrip("\\"))
        if slashes % 2 == 0:
            found.append(m.group())
    return found


def _state_script() -> None:
    import streamlit as st

    import lab_ui
    from equi_core.lessons.classroom import Param

    spec = {
        "l": Param("int", 2, min=0, max=6),
        "sigma": Param("choice", "relu", choices=("relu", "tanh")),
        "text": Param("str", "1, 0, 0", max_len=20),
        "x": Param("float", 0.5, min=0.0, max=1.0),
        "n": Param("int", 3, min=0, max=9),
    }
    lab_ui.page_setup("State")
    state = lab_ui.url_state(spec)
    l = state.slider("l", "l")
    sigma = state.selectbox("sigma", "sigma")
    text = state.text_input("text", "text")
    x = state.slider("x", "x", step=0.1)
    n = state.number_input("n", "n")
    st.markdown(f"values: {l} {sigma} {text} {x} {n}")
    state.sync()


def test_url_state_reads_defaults_the_url_and_writes_back():
    at = _run(AppTest.from_function(_state_script, default_timeout=TIMEOUT))
    assert at.title[0].value == "State"
    assert at.markdown[0].value == "values: 2 relu 1, 0, 0 0.5 3"
    assert dict(at.query_params) == {"l": "2", "sigma": "relu", "text": "1, 0, 0", "x": "0.5", "n": "3"}
    assert at.text_input(key="text").proto.max_chars == 20
    assert (at.slider(key="l").min, at.slider(key="l").max) == (0, 6)

    shared = AppTest.from_function(_state_script, default_timeout=TIMEOUT)
    shared.query_params.update({"l": "5", "sigma": "tanh", "text": "0, 1, 0", "x": "0.25", "n": "7"})
    _run(shared)
    assert shared.markdown[0].value == "values: 5 tanh 0, 1, 0 0.25 7"
    assert not shared.warning


def test_bad_url_values_give_inert_notices_and_defaults():
    at = AppTest.from_function(_state_script, default_timeout=TIMEOUT)
    at.query_params.update({"l": "99", "sigma": "[x](http://evil)", "text": "x" * 30})
    _run(at)
    notices = [w.value for w in at.warning]
    assert len(notices) == 3
    assert all(m.startswith("The link's `") for m in notices)
    assert "`l` = `99` was ignored (out of range)" in notices[0]
    assert "](" not in _outside_code(notices[1]) and "`[x](http://evil)`" in notices[1]
    assert at.markdown[0].value == "values: 2 relu 1, 0, 0 0.5 3"
    assert dict(at.query_params)["l"] == "2"


def test_widgets_are_created_with_their_live_value_and_the_url_follows():
    at = _run(AppTest.from_function(_state_script, default_timeout=TIMEOUT))
    at.slider(key="l").set_value(4)
    at.text_input(key="text").set_value("3, 0, 4")
    at.selectbox(key="sigma").set_value("tanh")
    at.slider(key="x").set_value(0.1 + 0.2)  # 0.30000000000000004
    _run(at)
    _run(at)  # a second run: the defaults now carry the live values
    assert dict(at.query_params)["x"] == "0.3"
    assert list(at.slider(key="l").proto.default) == [4.0]
    assert at.text_input(key="text").proto.default == "3, 0, 4"
    sel = at.selectbox(key="sigma")
    assert sel.options[sel.proto.default] == "tanh"
    assert dict(at.query_params)["l"] == "4" and dict(at.query_params)["text"] == "3, 0, 4"
    at.text_input(key="text").set_value("")  # a box the user emptied stays empty (the live value wins)
    _run(at)
    assert at.text_input(key="text").value == "" and at.markdown[0].value.startswith("values: 4 tanh  ")


def _choice_script() -> None:
    import streamlit as st

    import lab_ui
    from equi_core.lessons.classroom import Param

    state = lab_ui.url_state({"a": Param("int", 1, min=0, max=3), "b": Param("int", 1, min=0, max=6)})
    a = state.slider("a", "a")
    allowed = list(range(a, 2 * a + 1))
    index, rejected = state.choice_index("b", allowed)
    if rejected is not None:
        lab_ui.info("b = {} is not allowed; showing {}.", rejected, allowed[0])
    b = st.radio("b", allowed, index=index, key="b")
    st.markdown(f"b = {b}")
    state.sync()


def test_choice_index_corrects_a_value_that_is_no_longer_an_option():
    at = _run(AppTest.from_function(_choice_script, default_timeout=TIMEOUT))
    assert at.radio(key="b").value == 1 and not at.info
    at.slider(key="a").set_value(3)  # options 3..6: b = 1 is gone
    _run(at)
    assert at.radio(key="b").value == 3 and "b = `1` is not allowed" in at.info[0].value
    assert dict(at.query_params)["b"] == "3"
    at.radio(key="b").set_value(5)
    _run(at)
    assert at.radio(key="b").value == 5 and not at.info
    url = AppTest.from_function(_choice_script, default_timeout=TIMEOUT)
    url.query_params.update({"a": "2", "b": "6"})  # valid for its Param, impossible for a = 2
    _run(url)
    assert url.radio(key="b").value == 2 and url.info


def _blocks_script() -> None:
    import plotly.graph_objects as go
    import streamlit as st

    import lab_ui
    from equi_core.lessons.classroom import Quiz, parse_vector

    fig = go.Figure(go.Scatter(x=[0, 1], y=[1, 2]))
    lab_ui.chart(
        fig,
        "fig",
        downloads=[
            lab_ui.csv_download("Numbers (CSV)", {"x": [0, 1]}, "n.csv", "dl_csv"),
            lab_ui.html_download("Figure (HTML)", fig, "f.html", "dl_html"),
        ],
    )
    lab_ui.quiz_section([Quiz("2 + 2?", (3, 4, 5), 4, "four"), Quiz("red?", ("yes", "no"), "no", "blue")])
    lab_ui.quiz_section({"q_named": Quiz("1 + 1?", (1, 2), 2, "two")}, header=None)
    lab_ui.show_code(parse_vector, caption="The parser.")
    lab_ui.lesson_link("pages/truncation.py", "Truncation at L")
    st.markdown("end")


def test_blocks_render_quizzes_code_charts_downloads_and_links():
    at = _run(AppTest.from_function(_blocks_script, default_timeout=TIMEOUT))
    assert len(at.get("plotly_chart")) == 1
    buttons = at.get("download_button")
    assert [b.proto.label for b in buttons] == ["Numbers (CSV)", "Figure (HTML)"]
    assert [h.value for h in at.header] == ["Quiz"]
    assert not at.success and not at.error  # nothing chosen yet
    at.radio(key="quiz_0").set_value(4)
    at.radio(key="quiz_1").set_value("yes")
    at.radio(key="q_named").set_value(2)
    _run(at)
    assert [s.value for s in at.success] == ["Right. four", "Right. two"]
    assert [e.value for e in at.error] == ["Not quite. blue"]
    code = next(e for e in at.expander if e.label == "Show the code")
    assert code.code[0].value.startswith("# equi_core.lessons.classroom.parse_vector\ndef parse_vector(")
    assert code.caption[0].value == "The parser."
    assert "→ Truncation at L (see the sidebar)" in [c.value for c in at.caption]  # no navigation in a test


def _message_script() -> None:
    import streamlit as st

    import lab_ui

    text = st.text_input("text", "", key="text")
    if text:
        lab_ui.error("You typed {}.", text)
        lab_ui.warning("As an exception: {}", ValueError(f"cannot read {text!r}; write e.g. `1x1o`"))
        lab_ui.info("Plain {}", text)
        lab_ui.success("Plain {}", text)


@pytest.mark.parametrize("payload", PAYLOADS)
def test_messages_keep_user_text_inert(payload):
    at = _run(AppTest.from_function(_message_script, default_timeout=TIMEOUT))
    at.text_input(key="text").set_value(payload)
    _run(at)
    shown = [at.error[0].value, at.warning[0].value, at.info[0].value, at.success[0].value]
    for markdown in shown:
        assert not active_markup(markdown), (payload, markdown)
    if "`" not in payload:  # the core's own code span survives (a user's backtick may pair with it: still inert)
        assert at.warning[0].value.endswith("write e\\.g\\. `1x1o`")
    assert "`" not in at.error[0].value[len("You typed `") : -2]  # one code span, nothing broke out of it


class _Pages:
    def __init__(self, paths: list[str]) -> None:
        self._pages = {str(i): {"script_path": p} for i, p in enumerate(paths)}

    def get_pages(self) -> dict:
        return self._pages


class _Ctx:
    def __init__(self, paths: list[str]) -> None:
        self.pages_manager = _Pages(paths)


def test_the_deep_link_guard_recognises_legacy_discovery(monkeypatch):
    from lab_ui import page

    assert page.APP.name == "app.py" and page.APP.is_file()
    monkeypatch.setattr(page, "get_script_run_ctx", lambda: None)
    assert not page.legacy_discovery()  # plain Python: no script run
    monkeypatch.setattr(page, "get_script_run_ctx", lambda: _Ctx(["/srv/lab/pages/home.py", "/srv/lab/pages/x.py"]))
    assert not page.legacy_discovery()  # app.py's st.navigation: only pages
    monkeypatch.setattr(page, "get_script_run_ctx", lambda: _Ctx(["/srv/lab/app.py", "/srv/lab/pages/home.py"]))
    assert page.legacy_discovery()  # Streamlit's pages/ discovery lists the main script itself
    ran = []
    monkeypatch.setattr(page.runpy, "run_path", lambda path: ran.append(path))
    monkeypatch.setattr(page.st, "stop", lambda: ran.append("stop"))
    page.page_setup("never drawn")
    assert ran == [str(page.APP), "stop"]  # the request goes through app.py, this run stops
