"""Issue 15 on the six lesson pages: text a learner typed or a shared link carried reaches the page only as inert
text. Markdown, HTML, LaTeX, link and image payloads go through every string URL parameter, a numeric and a choice
parameter, and every text box; outside code spans no link, image, HTML tag, LaTeX or URL from the payload may
appear in any rendered Markdown (messages, captions, markdown), and the page never raises. The real-browser
version (no element, no request) is in ``tests/browser``."""

from __future__ import annotations

import re

import pytest
from streamlit.testing.v1 import AppTest

from equi_core.lessons.classroom import display_value
from tests.conftest import new_app_test

PAYLOADS = [
    "[x](http://evil)",
    "![i](http://evil/x.png)",
    "<img src=x onerror=alert(1)>",
    "$\\color{red}{X}$",
    "` [x](http://evil) `",
    "``` ![i](http://evil/x.png)",
    "1, 2, [x](http://evil)",
]
#: All the constructs at once (at most 80 characters, the shortest text box): the default suite's payload.
COMBINED = "`[x](http://evil) ![i](http://evil/i) <img src=x onerror=alert(1)> $\\color{red}{X}$"
#: Every payload alone on every page and box is the slow sweep.
SWEEP = [pytest.param(COMBINED)] + [pytest.param(p, marks=pytest.mark.slow) for p in PAYLOADS]
#: What would be live markup if any of the payloads escaped: a link or image target, an HTML tag, red LaTeX, a URL.
ACTIVE = ("](", "![", "<img", "$\\color", "http://evil")

#: page -> (URL parameters that take text or a value a notice echoes, text boxes by key, a mode to reach them)
PAGES = {
    "home": (["seed"], [], {}),
    "irreps_rotations": (["irreps", "axis", "alpha", "mode"], ["irreps", "axis"], {"mode": "Axis and angle"}),
    "conventions": (["l", "l3", "alpha"], [], {}),
    "nonlinearity": (["v1", "v2", "sigma", "bias"], ["v1", "v2"], {}),
    "truncation": (["target", "L", "kappa"], [], {}),
    "tensor_products": (["u", "v", "l1", "p1"], ["u", "v"], {}),
}


def _outside_code(markdown: str) -> str:
    """The Markdown source without its code spans, read as CommonMark does: a backslash escapes the next character
    (an escaped backtick opens no code span), an unescaped backtick opens a span that the next backtick closes."""
    out, i = [], 0
    while i < len(markdown):
        ch = markdown[i]
        if ch == "\\":
            out.append(markdown[i : i + 2])
            i += 2
            continue
        if ch == "`":
            end = markdown.find("`", i + 1)
            if end != -1:
                i = end + 1
                continue
        out.append(ch)
        i += 1
    return "".join(out)


def _live(outside: str, construct: str) -> bool:
    """True when ``construct`` occurs with its first character unescaped (an even number of backslashes before)."""
    for m in re.finditer(re.escape(construct), outside):
        before = outside[: m.start()]
        if (len(before) - len(before.rstrip("\\"))) % 2 == 0:
            return True
    return False


def _rendered(at: AppTest) -> list[str]:
    """Every piece of Markdown the run rendered (messages, markdown, captions) and the metric texts."""
    texts = [
        e.value for kind in ("error", "warning", "info", "success", "markdown", "caption") for e in getattr(at, kind)
    ]
    texts += [m.label for m in at.metric] + [str(m.value) for m in at.metric]
    return texts


def _assert_inert(at: AppTest, payload: str) -> None:
    assert not at.exception, [e.message for e in at.exception]
    for text in _rendered(at):
        outside = _outside_code(text)
        leaked = [a for a in ACTIVE if _live(outside, a)]
        assert not leaked, f"{payload!r} leaked {leaked} into {text!r}"


@pytest.mark.parametrize("page", list(PAGES))
@pytest.mark.parametrize("payload", SWEEP)
def test_url_payloads_are_inert(page, payload):
    params, _, mode = PAGES[page]
    query = dict.fromkeys(params, payload) | ({} if "mode" in params else mode)
    at = new_app_test(page, query, run=True)
    _assert_inert(at, payload)
    shown = " ".join(w.value for w in at.warning)
    assert display_value(payload) in shown, "the link's bad value is named (as an inert code span)"


@pytest.mark.parametrize(("page", "key"), [(p, k) for p, (_, keys, _) in PAGES.items() for k in keys])
@pytest.mark.parametrize("payload", SWEEP)
def test_typed_payloads_are_inert(page, key, payload):
    _, _, mode = PAGES[page]
    at = new_app_test(page, mode, run=True)
    at.text_input(key=key).set_value(payload).run()
    _assert_inert(at, payload)
    assert at.error, f"no message for {key} = {payload!r}"
