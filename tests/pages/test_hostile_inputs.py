"""Hostile-input sweep over every page with Streamlit's AppTest (issues 7 and 15: "no input breaks a page").

Generic on purpose (the pages are written by several people, and new pages join by appearing in ``pages/``). For
each page it discovers, from a run at defaults,

* the page's URL parameters *with their specs* (the ``Param`` objects the page hands to ``lab_ui.url_state``,
  recorded by a transparent wrapper), so URL values are built **at and beyond every bound**: each numeric
  parameter at its min and max, one step outside, half-integers, NaN/inf/huge; every string parameter at its length
  limit and one past it, with Markdown links, images, raw HTML, LaTeX and control characters; choices in the wrong
  case; and **combinations**, all parameters at their maxima (or minima) at once, where a *derived* quantity (a
  cost, a sum of degrees, an output size) crosses its own bound although each value is allowed;
* every widget a learner can touch: sliders and select-sliders (ends, all at max / all at min together), number
  inputs (bounds; NaN/inf/huge where unbounded), select boxes and radios (every option, capped), multiselects
  (empty, everything), checkboxes and toggles (flipped), text inputs and areas (hostile text), plain buttons (pressed;
  live-job Start buttons excluded: they are tested in ``tests/lab_ui/test_jobs.py``).

Asserted for every case: the script finishes (no time-out) without an uncaught exception, the test process's peak
memory stays bounded, a URL or text value that can never be valid gets a *new* ``st.error``/``st.warning``, and no
Markdown-rendering element carries the payload as live markup (the payload's host or LaTeX command outside a code
span and unescaped).

The default run takes a bounded sample per page (the combinations, every bound of every URL parameter, the payload
strings, the first and last option of every widget; about 90 s of CPU over all pages); ``-m slow`` runs the whole
sweep (every option, every single parameter alone at each hostile value, every pair of parameters at their ends).

It also checks that every lesson page carries the classroom features (URL state, "Show the code", a quiz, CSV +
HTML downloads).
"""

from __future__ import annotations

import itertools
import math
import re
import resource
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from typing import Any

import pytest
from streamlit.testing.v1 import AppTest
from streamlit.testing.v1.element_tree import TESTING_KEY

import lab_ui
import lab_ui.state
from tests.conftest import PAGES as PAGES_DIR
from tests.conftest import new_app_test

PAGES = sorted(p.stem for p in PAGES_DIR.glob("*.py") if not p.name.startswith("_"))
LESSONS = [p for p in PAGES if p != "home"]
#: A hostile value may not raise the peak memory of the test process by more than this (memory stays bounded).
MAX_PEAK_GROWTH_MB = 1500
#: In the default run, at most this many widget cases per page (the URL cases all run).
DEFAULT_WIDGET_CASES = 14

EVIL_HOST = "evil.example"
PAYLOADS = [
    f"[click me](http://{EVIL_HOST}/a)",
    f"![img](http://{EVIL_HOST}/i.png)",
    f'<img src="http://{EVIL_HOST}/x.png" onerror="alert(1)">',
    f"<a href='http://{EVIL_HOST}'>x</a><script>alert(1)</script>",
    "$\\color{red}{\\text{HACKED}}$",
    f"`x` [y](http://{EVIL_HOST}/b) `z`",
    f"``` [x](http://{EVIL_HOST}/c)",
    f"http://{EVIL_HOST}/autolink",
]
#: A code span (renders literally); an escaped backtick opens none.
CODE_SPAN = re.compile(r"(?<!\\)`[^`\n]*`")
#: What a payload leaves behind if it reached Markdown unescaped (outside a code span).
LIVE_MARKUP = re.compile(r"(?<!\\)(?:" + re.escape(EVIL_HOST) + r"|\\color\{red\}|<img|<script|<a href)")

LONG = "x" * 10_000
HOSTILE_TEXT = [
    "",
    " ",
    "-1",
    "0, 0, 0",
    "1e308",
    "1e308, 1e308, 1e308",
    "-1e308",
    "NaN",
    "nan, nan, nan",
    "inf, 0, 0",
    "1x1000000e",
    "1000000000x0e",
    "99999999999999999999x0e",
    "1x99999999999999999999o",
    "2x1q",
    "1o" * 2000,
    "9" * 5000,
    LONG,
    "🙂" * 10,
    "٣, ٤, ٥",
    "\x00\x1b[31m",
    "\u202e\u200b",
    "0x10, 1_000, 1e-400",
    *PAYLOADS,
]
#: Text no page can accept (not an irreps string, not a vector, not a number): a message must appear.
MUST_REJECT_TEXT = {"NaN", "nan, nan, nan", "2x1q", LONG, "🙂" * 10, "\x00\x1b[31m", *PAYLOADS[:5]}
#: Text inputs whose every value is legitimate (a free label); the "must show a message" check skips them.
FREE_TEXT_KEYS: set[str] = set()

#: URL parameters that are not the page's own state: ``session`` names the learner's live-job results
#: (``lab_ui.jobs``; a bad value is ignored and replaced without a notice, tested in tests/lab_ui/test_jobs.py).
NOT_PAGE_PARAMS = {"session"}
GENERIC_QUERY = [
    "",
    "-1",
    "NaN",
    "inf",
    "-inf",
    "1e308",
    "-1e308",
    "9" * 5000,
    LONG,
    "🙂",
    "\x00",
    "true",
    "0.5",
    "1e-400",
    " 1 ",
    "0x10",
]


# ----------------------------------------------------------------------------- discovering a page's URL spec
_SPECS: dict[str, dict[str, Any]] = {}
_CURRENT: list[str] = [""]
_original_url_state = lab_ui.state.url_state


def _recording_url_state(spec, *args, **kwargs):
    if _CURRENT[0]:
        _SPECS.setdefault(_CURRENT[0], {}).update(dict(spec))
    return _original_url_state(spec, *args, **kwargs)


@pytest.fixture(autouse=True, scope="module")
def _record_specs():
    saved = (lab_ui.url_state, lab_ui.state.url_state)
    lab_ui.url_state = lab_ui.state.url_state = _recording_url_state
    yield
    lab_ui.url_state, lab_ui.state.url_state = saved


# ----------------------------------------------------------------------------- running
def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def _short(value: object, n: int = 50) -> str:
    text = repr(value)
    return text if len(text) <= n else text[:n] + f"...({len(text)} chars)"


def _messages(at: AppTest) -> set[str]:
    return {e.value for e in at.error} | {w.value for w in at.warning}


def _markdown_bodies(at: AppTest) -> Iterator[str]:
    for group in (
        at.markdown,
        at.caption,
        at.error,
        at.warning,
        at.info,
        at.success,
        at.title,
        at.header,
        at.subheader,
    ):
        for el in group:
            yield str(el.value)


def _live_markup(at: AppTest) -> list[str]:
    found = []
    for body in _markdown_bodies(at):
        outside = CODE_SPAN.sub("", body)  # code spans render literally
        m = LIVE_MARKUP.search(outside)
        if m:
            found.append(body[max(0, m.start() - 40) : m.end() + 40])
    return found


def _run(at: AppTest, where: str) -> AppTest:
    """Run (or rerun) and fail with a readable message on any exception, time-out or live payload markup."""
    before = _peak_mb()
    try:
        at.run()
    except Exception as exc:  # noqa: BLE001 - AppTest raises on time-out; a page must never time out
        pytest.fail(f"{where}: the run did not finish: {type(exc).__name__}: {exc}", pytrace=False)
    if at.exception:
        first = at.exception[0]
        pytest.fail(
            f"{where}: uncaught exception ({first.message[:200]})\n{''.join(first.stack_trace)[-1500:]}", pytrace=False
        )
    grew = _peak_mb() - before
    assert grew < MAX_PEAK_GROWTH_MB, f"{where}: peak memory grew by {grew:.0f} MB"
    live = _live_markup(at)
    assert not live, f"{where}: user text reached Markdown as live markup: {live[:3]}"
    return at


def _new(page: str, query: dict[str, str] | None = None) -> AppTest:
    _CURRENT[0] = page
    return new_app_test(page, query)


@dataclass(frozen=True)
class Baseline:
    messages: frozenset[str]
    query: dict[str, str]
    spec: dict[str, Any]
    widgets: tuple[tuple, ...]  # (kind, key, label, detail)
    expanders: tuple[str, ...]


def _disabled(widget) -> bool:
    return bool(getattr(widget, "disabled", False) or getattr(getattr(widget, "proto", None), "disabled", False))


WIDGET_KINDS = (
    "slider",
    "select_slider",
    "number_input",
    "selectbox",
    "radio",
    "multiselect",
    "checkbox",
    "toggle",
    "text_input",
    "text_area",
    "button",
)


def _group(at: AppTest, kind: str):
    return getattr(at, kind)


@cache
def _baseline(page: str) -> Baseline:
    at = _run(_new(page), f"{page} at defaults")
    widgets = []
    for kind in WIDGET_KINDS:
        for i, w in enumerate(_group(at, kind)):
            if _disabled(w):
                continue
            key = getattr(w, "key", None)
            if kind == "button" and (str(key).startswith("_job_") or getattr(w.proto, "is_form_submitter", False)):
                continue
            detail: Any = None
            if kind == "slider":
                detail = (w.min, w.max)
            elif kind in ("select_slider", "selectbox", "radio", "multiselect"):
                detail = tuple(w.options)
            elif kind == "number_input":
                lo = w.min if w.min is not None and math.isfinite(w.min) else None
                hi = w.max if w.max is not None and math.isfinite(w.max) else None
                detail = (lo, hi, getattr(w.proto, "data_type", 1) == 0)
            widgets.append((kind, key, w.label, i, detail))
    query = {k: v for k, v in at.query_params.items() if k not in NOT_PAGE_PARAMS}
    return Baseline(
        frozenset(_messages(at)),
        query,
        dict(_SPECS.get(page, {})),
        tuple(widgets),
        tuple(e.label for e in at.expander),
    )


# ----------------------------------------------------------------------------- URL cases
@dataclass(frozen=True)
class UrlCase:
    name: str
    query: dict[str, str]
    must_reject: tuple[str, ...] = ()  # parameters whose value can never be valid: a notice must name them
    core: bool = False  # part of the bounded default run


def _num_text(v: float, is_int: bool) -> str:
    return str(int(v)) if is_int and float(v).is_integer() else repr(float(v))


def _bound_values(p) -> list[tuple[str, bool]]:
    """(URL text, must be rejected) at and beyond the bounds of one Param."""
    out: list[tuple[str, bool]] = []
    if p.kind in ("int", "float"):
        is_int = p.kind == "int"
        if p.min is not None:
            out += [(_num_text(p.min, is_int), False), (_num_text(p.min - 1, is_int), True)]
        if p.max is not None:
            out += [(_num_text(p.max, is_int), False), (_num_text(p.max + 1, is_int), True)]
        if is_int:
            out += [(_num_text(p.default, True) + ".5", True), ("1e3", False)]
        out += [("NaN", True), ("inf", True), ("-1e308", is_int or p.min is not None), ("9" * 400, p.max is not None)]
    elif p.kind == "str":
        out += [
            ("a" * p.max_len, False),
            ("a" * (p.max_len + 1), True),
            (PAYLOADS[0], False),
            (PAYLOADS[2], False),
            (PAYLOADS[4], False),
            ("\x00", False),
        ]
    elif p.kind == "choice":
        first = str(p.choices[0])
        out += [(first.upper() if first.upper() != first else first + "X", False), ("", False), (PAYLOADS[1], True)]
    elif p.kind == "bool":
        out += [("maybe", True), ("1", False), ("", False)]
    return out


def _extremes(spec: dict[str, Any], end: str) -> dict[str, str]:
    """Every numeric parameter at its ``end`` ("max" or "min"); strings at their length limit."""
    q = {}
    for k, p in spec.items():
        if p.kind in ("int", "float") and getattr(p, end) is not None:
            q[k] = _num_text(getattr(p, end), p.kind == "int")
        elif p.kind == "str":
            q[k] = "1" * p.max_len
        elif p.kind == "choice":
            q[k] = str(p.choices[-1] if end == "max" else p.choices[0])
    return q


def _beyond(spec: dict[str, Any], end: str) -> dict[str, str]:
    """Every numeric parameter one step beyond its ``end``; every string one character past its limit."""
    q = {}
    for k, p in spec.items():
        if p.kind in ("int", "float") and getattr(p, end) is not None:
            q[k] = _num_text(getattr(p, end) + (1 if end == "max" else -1), p.kind == "int")
        elif p.kind == "str":
            q[k] = "a" * (p.max_len + 1)
    return q


def url_cases(page: str, full: bool) -> list[UrlCase]:
    """The URL cases of a page; ``core`` ones form the bounded default run (combined: several parameters hostile at
    once, each one's notice still required), the rest join in the full sweep (one parameter at a time, pairs)."""
    base = _baseline(page)
    spec = base.spec
    if not spec and not base.query:
        return []
    cases = [
        UrlCase("all numbers at max, strings at their length limit", _extremes(spec, "max"), core=True),
        UrlCase("all numbers at min", _extremes(spec, "min"), core=True),
    ]
    for end in ("max", "min"):
        q = _beyond(spec, end)
        if q:
            cases.append(
                UrlCase(
                    f"every bounded parameter one step beyond its {end}", dict(base.query, **q), tuple(q), core=True
                )
            )
    for value in GENERIC_QUERY:
        cases.append(
            UrlCase(
                f"every parameter = {_short(value)}",
                dict.fromkeys(base.query, value),
                tuple(base.query) if value in (LONG, "\x00") else (),
                core=value in (LONG, "NaN"),
            )
        )
    for p_text in PAYLOADS:
        cases.append(
            UrlCase(
                f"every parameter = {_short(p_text)}",
                dict.fromkeys(base.query, p_text),
                core=p_text in PAYLOADS[:3] or p_text == PAYLOADS[4],
            )
        )
    for key, p in spec.items():
        for text, reject in _bound_values(p):
            q = dict(base.query, **{key: text})
            cases.append(UrlCase(f"{key}={_short(text)}", q, (key,) if reject else ()))
        if full:
            for value in GENERIC_QUERY:
                cases.append(UrlCase(f"{key}={_short(value)} alone", dict(base.query, **{key: value})))
    if full:
        numeric = [k for k, p in spec.items() if p.kind in ("int", "float") and p.min is not None and p.max is not None]
        for a, b in itertools.combinations(numeric, 2):
            for ea, eb in itertools.product(("min", "max"), repeat=2):
                q = dict(base.query)
                q[a] = _num_text(getattr(spec[a], ea), spec[a].kind == "int")
                q[b] = _num_text(getattr(spec[b], eb), spec[b].kind == "int")
                cases.append(UrlCase(f"{a} at {ea}, {b} at {eb}", q))
    return cases


def _check_url_case(page: str, case: UrlCase) -> list[str]:
    base = _baseline(page)
    where = f"{page}: URL {case.name}"
    at = _run(_new(page, case.query), where)
    failures = []
    if case.must_reject:
        shown = _messages(at) - base.messages
        missing = [k for k in case.must_reject if not any(f"`{k}`" in m or k in m for m in shown)]
        if missing:
            failures.append(f"{where}: no notice names the invalid parameter(s) {missing}")
        kept = [k for k in case.must_reject if at.query_params.get(k) == case.query[k]]
        if kept:
            failures.append(f"{where}: the invalid value stays in the URL for {kept}")
    return failures


# ----------------------------------------------------------------------------- widget cases
@dataclass(frozen=True)
class WidgetCase:
    name: str
    actions: tuple[tuple[str, str | None, str, int, Any], ...]  # (kind, key, label, index, value or "click")
    must_message: bool = False
    core: bool = False


def _pick(at: AppTest, kind: str, key: str | None, label: str, index: int):
    group = _group(at, kind)
    if key:
        try:
            return group(key=key)
        except KeyError:
            return None
    matching = [w for w in group if w.label == label]
    return matching[0] if matching else (group[index] if index < len(group) else None)


def _number_values(lo, hi, is_int) -> list[float]:
    vals: list[float] = [v for v in (lo, hi) if v is not None]
    extra = [-1, 0, 10**6, -(10**6), 2**53] if is_int else [-1.0, 0.0, 1e308, -1e308, 5e-324, math.nan, math.inf]
    for v in extra:
        if isinstance(v, float) and not math.isfinite(v) and (lo is not None or hi is not None):
            continue  # the browser cannot send NaN/inf to a bounded input
        if (lo is None or v >= lo) and (hi is None or v <= hi):
            vals.append(int(v) if is_int else v)
    return vals


def widget_cases(page: str, full: bool) -> list[WidgetCase]:
    base = _baseline(page)
    cases: list[WidgetCase] = []
    sliders = [w for w in base.widgets if w[0] == "slider"]
    if sliders:
        for end in (1, 0):
            acts = tuple((k, key, lab, i, det[end]) for k, key, lab, i, det in sliders)
            cases.append(WidgetCase(f"all sliders at {'max' if end else 'min'}", acts, core=True))
    for kind, key, label, i, det in base.widgets:
        ref = (kind, key, label, i)
        name = f"{kind} {key or label!r}"
        if kind == "slider":
            lo, hi = det
            cases += [WidgetCase(f"{name} = {v!r}", ((*ref, v),)) for v in (lo, hi)]
        elif kind == "select_slider":
            idx = range(len(det)) if full else (0, len(det) - 1)
            cases += [WidgetCase(f"{name} = option {j}", ((*ref, ("option", j)),), core=j == len(det) - 1) for j in idx]
        elif kind in ("selectbox", "radio"):
            idx = range(min(len(det), 12)) if full else (len(det) - 1,)
            cases += [WidgetCase(f"{name} = option {j}", ((*ref, ("option", j)),), core=True) for j in idx]
        elif kind == "multiselect":
            cases += [
                WidgetCase(f"{name} = []", ((*ref, ("options", ())),), core=True),
                WidgetCase(f"{name} = all", ((*ref, ("options", "all")),)),
            ]
        elif kind in ("checkbox", "toggle"):
            cases.append(WidgetCase(f"{name} flipped", ((*ref, "flip"),), core=True))
        elif kind == "number_input":
            lo, hi, is_int = det
            vals = _number_values(lo, hi, is_int)
            cases += [WidgetCase(f"{name} = {v!r}", ((*ref, v),), core=j < 2) for j, v in enumerate(vals)]
        elif kind in ("text_input", "text_area"):
            texts = HOSTILE_TEXT if full else [LONG, "NaN", "", PAYLOADS[0], PAYLOADS[4], "1e308, 1e308, 1e308"]
            for t in texts:
                cases.append(
                    WidgetCase(
                        f"{name} = {_short(t)}",
                        ((*ref, t),),
                        must_message=t in MUST_REJECT_TEXT and key not in FREE_TEXT_KEYS,
                        core=t in (LONG, PAYLOADS[0]),
                    )
                )
        elif kind == "button":
            cases.append(WidgetCase(f"{name} pressed", ((*ref, "click"),), core=True))
    return cases


def _submit_forms(at: AppTest, actions) -> None:
    """A value typed into a form reaches the script only with the form's submit button: press it."""
    forms = set()
    for kind, key, label, index, _value in actions:
        w = _pick(at, kind, key, label, index)
        form_id = getattr(getattr(w, "proto", None), "form_id", "") if w is not None else ""
        if form_id and kind != "button":
            forms.add(form_id)
    for form_id in forms:
        for b in at.button:
            if getattr(b.proto, "is_form_submitter", False) and b.proto.form_id == form_id and not _disabled(b):
                b.click()
                break


def _identity(value: Any) -> Any:
    return value


def _apply(at: AppTest, action) -> bool:
    kind, key, label, index, value = action
    w = _pick(at, kind, key, label, index)
    if w is None or _disabled(w):
        return False
    if value == "click":
        w.click()
    elif value == "flip":
        w.set_value(not w.value)
    elif kind in ("selectbox", "radio", "multiselect", "select_slider"):
        # options are resolved now (they may depend on the other widgets), as the browser sees them (formatted
        # text); the browser sends that text back, so the widget's formatter is the identity for this change
        opts = list(w.options)
        if not opts:
            return False
        tag, which = value
        chosen = (opts if which == "all" else list(which)) if tag == "options" else opts[which % len(opts)]
        w.root.session_state[TESTING_KEY][w.id] = _identity
        w.set_value(chosen)
    elif kind == "slider" and isinstance(w.value, tuple) and not isinstance(value, tuple):
        w.set_value((value, value))  # a range slider: both thumbs at the end
    else:
        w.set_value(value)
    return True


def _check_widget_cases(page: str, cases: list[WidgetCase]) -> list[str]:
    """Run the cases on one session per page (a learner clicking on), a fresh one after each text case."""
    base = _baseline(page)
    failures = []
    at = _run(_new(page), f"{page} at defaults")
    for case in cases:
        if case.must_message:
            at = _run(_new(page), f"{page} at defaults")
        applied = [_apply(at, a) for a in case.actions]
        if not any(applied):
            continue
        _submit_forms(at, case.actions)
        _run(at, f"{page}: {case.name}")
        if case.must_message and not (_messages(at) - base.messages):
            failures.append(f"{page}: {case.name}: no st.error/st.warning explains the invalid value")
        for kind, key, label, index, _value in case.actions:
            w = _pick(at, kind, key, label, index)
            now = getattr(w, "value", None) if w is not None else None
            if (
                kind == "number_input"
                and isinstance(now, float)
                and not math.isfinite(now)
                and not (_messages(at) - base.messages)
            ):
                failures.append(f"{page}: {case.name}: a non-finite number was accepted without a message")
    return failures


def _select(cases: list, full: bool, cap: int | None = None) -> list:
    if full:
        return cases
    core = [c for c in cases if c.core]
    return core[:cap] if cap is not None else core


# ----------------------------------------------------------------------------- the tests
@pytest.mark.parametrize("page", PAGES)
def test_page_runs_at_defaults(page):
    _baseline(page)


@pytest.mark.parametrize("page", PAGES)
def test_hostile_urls(page):
    cases = _select(url_cases(page, full=False), full=False)
    if not cases:
        pytest.skip(f"{page} keeps no state in the URL")
    failures = [f for case in cases for f in _check_url_case(page, case)]
    assert not failures, "\n".join(failures)


@pytest.mark.parametrize("page", PAGES)
def test_hostile_widgets(page):
    cases = _select(widget_cases(page, full=False), full=False, cap=DEFAULT_WIDGET_CASES)
    if not cases:
        pytest.skip(f"{page} has no widget")
    failures = _check_widget_cases(page, cases)
    assert not failures, "\n".join(failures)


@pytest.mark.slow
@pytest.mark.parametrize("page", PAGES)
def test_hostile_urls_full(page):
    cases = url_cases(page, full=True)
    if not cases:
        pytest.skip(f"{page} keeps no state in the URL")
    failures = [f for case in cases for f in _check_url_case(page, case)]
    assert not failures, "\n".join(failures)


@pytest.mark.slow
@pytest.mark.parametrize("page", PAGES)
def test_hostile_widgets_full(page):
    cases = widget_cases(page, full=True)
    if not cases:
        pytest.skip(f"{page} has no widget")
    failures = _check_widget_cases(page, cases)
    assert not failures, "\n".join(failures)


def count_cases() -> dict[str, dict[str, int]]:
    """Cases per page in the default and the full sweep (for the issue's report)."""
    out = {}
    for page in PAGES:
        out[page] = {
            "url_default": len(_select(url_cases(page, False), False)),
            "widget_default": len(_select(widget_cases(page, False), False, DEFAULT_WIDGET_CASES)),
            "url_full": len(url_cases(page, True)),
            "widget_full": len(widget_cases(page, True)),
        }
    return out


@pytest.mark.parametrize("page", PAGES)
def test_url_state_round_trips(page):
    """Opening the page with the URL it wrote gives the same URL back and no notice."""
    base = _baseline(page)
    if not base.query:
        pytest.skip(f"{page} keeps no state in the URL")
    at = _run(_new(page, base.query), f"{page} opened from its own URL")
    assert {k: v for k, v in at.query_params.items() if k not in NOT_PAGE_PARAMS} == base.query
    new = _messages(at) - set(base.messages)
    notices = [m for m in new if any(f"`{k}`" in m for k in base.query)]
    assert not notices, f"{page}: its own URL gives notices {notices}"


def test_every_page_with_url_state_hands_its_spec_to_url_state():
    """The sweep builds its bound cases from the recorded specs: a page with URL state but no recorded spec
    would silently get only the generic cases."""
    missing = [p for p in PAGES if _baseline(p).query and not _baseline(p).spec]
    assert not missing, f"pages with URL state whose Param spec was not seen through lab_ui.url_state: {missing}"


def test_live_markup_detector_sees_payloads():
    """The markup check can fail: raw payloads are caught, code spans and escaped forms are not."""
    assert LIVE_MARKUP.search(PAYLOADS[0]) and LIVE_MARKUP.search(PAYLOADS[4]) and LIVE_MARKUP.search(PAYLOADS[2])
    assert not LIVE_MARKUP.search(CODE_SPAN.sub("", f"`{PAYLOADS[0]}`"))
    assert not LIVE_MARKUP.search(CODE_SPAN.sub("", "\\`\\`\\`\\[x\\]\\(`http://evil.example/c)'.`"))
    assert LIVE_MARKUP.search(CODE_SPAN.sub("", "\\` [x](http://evil.example/c)"))
    assert not LIVE_MARKUP.search("\\[click me\\]\\(http\\://evil\\.example/a\\)")
    assert not LIVE_MARKUP.search("\\<img src\\=x\\> \\$\\\\color\\{red\\}")


# ----------------------------------------------------------------------------- classroom features (issue 7)
@pytest.mark.parametrize("page", LESSONS)
def test_lesson_has_classroom_features(page):
    """URL state, a 'Show the code' expander with code, a quiz, and CSV + HTML downloads."""
    base = _baseline(page)
    at = _run(_new(page), f"{page} at defaults")
    missing = []
    if not base.query:
        missing.append("URL state (st.query_params is empty after a run at defaults)")
    code_expanders = [e for e in at.expander if "code" in e.label.lower()]
    if not code_expanders or not any(len(e.code) for e in code_expanders):
        missing.append(f"a 'Show the code' expander holding st.code (expanders: {list(base.expanders)})")
    headings = [h.value for h in list(at.header) + list(at.subheader) + list(at.title)] + [m.value for m in at.markdown]
    if not any("quiz" in str(h).lower() for h in headings):
        missing.append("a 'Quiz' section")
    labels = [b.label.lower() for b in at.download_button]
    if not any("csv" in lab for lab in labels):
        missing.append(f"a CSV download button (download buttons: {labels})")
    if not any("html" in lab for lab in labels):
        missing.append(f"an HTML download button (download buttons: {labels})")
    assert not missing, f"{page} lacks: " + "; ".join(missing)
