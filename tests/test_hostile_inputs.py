"""Hostile-input sweep over every page with Streamlit's AppTest (issue 7: "no input breaks it").

Generic on purpose (the pages are written by several people): for each page it discovers

* every ``st.text_input`` / ``st.text_area`` and sets hostile text (empty, huge l, unicode, NaN, ``1e308``,
  control characters, HTML/Markdown/LaTeX, very long strings, negative numbers);
* every ``st.number_input`` and sets the extreme values a browser can send (its min and max; for an unbounded
  float input also ``1e308``, ``-1e308``, NaN and inf);
* the page's URL state (the keys the page writes to ``st.query_params`` at defaults) and opens the page with
  hostile values for all of them at once;

and asserts that the script never raises (no ``st.exception``, no traceback, no time-out, bounded memory) and that
a value that can never be valid produces a *new* ``st.error``/``st.warning`` message.

It also checks that every lesson page carries the classroom features of issue 7 (URL state, "Show the code",
a quiz, CSV + HTML downloads).
"""
from __future__ import annotations

import math
import resource
from functools import lru_cache
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parents[1]
LESSONS = ["irreps_rotations", "conventions", "nonlinearity", "truncation", "tensor_products", "training_lab"]
PAGES = ["home"] + LESSONS
TIMEOUT_S = 120
#: A hostile value may not raise the peak memory of the test process by more than this (memory stays bounded).
MAX_PEAK_GROWTH_MB = 1500

#: Text inputs whose every value is legitimate (a free label); the "must show a message" check skips them.
FREE_TEXT_KEYS: set[str] = set()

LONG = "x" * 10_000
HOSTILE_TEXT = [
    "", " ", "-1", "0, 0, 0", "1e308", "1e308, 1e308, 1e308", "-1e308", "NaN", "nan, nan, nan", "inf, 0, 0",
    "1x1000000e", "1000000000x0e", "99999999999999999999x0e", "1x99999999999999999999o", "2x1q", "1o" * 2000,
    "9" * 5000, LONG, "🙂" * 10, "٣, ٤, ٥", "\x00\x1b[31m", "<script>alert(1)</script>", "$\\frac{1}{0}$ [x](javascript:1)",
]
#: Text no page can accept (not an irreps string, not a vector, not a number): a message must appear.
MUST_REJECT_TEXT = ["NaN", "nan, nan, nan", "2x1q", LONG, "🙂" * 10, "\x00\x1b[31m", "<script>alert(1)</script>"]

HOSTILE_QUERY = [
    "", "-1", "-999999", "100000", "NaN", "inf", "1e308", "-1e308", "9" * 5000, LONG, "🙂", "\x00", "1x1000000e",
    "2x1q", "<script>alert(1)</script>", "true", "0.5",
]
#: Query values no parameter can accept (the classroom helper rejects them for every kind): a notice must appear
#: and the page must write a valid value back to the URL.
MUST_REJECT_QUERY = [LONG, "\x00"]


def _new(page: str) -> AppTest:
    return AppTest.from_file(str(ROOT / "pages" / f"{page}.py"), default_timeout=TIMEOUT_S)


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def _short(value: object, n: int = 40) -> str:
    text = repr(value)
    return text if len(text) <= n else text[:n] + f"...({len(text)} chars)"


def _messages(at: AppTest) -> set[str]:
    return {e.value for e in at.error} | {w.value for w in at.warning}


def _run(at: AppTest, where: str) -> AppTest:
    """Run (or rerun) and fail with a readable message on any exception or time-out."""
    try:
        at.run()
    except Exception as exc:  # noqa: BLE001 - AppTest raises on time-out; a page must never time out
        pytest.fail(f"{where}: the run did not finish: {type(exc).__name__}: {exc}", pytrace=False)
    if at.exception:
        first = at.exception[0]
        pytest.fail(f"{where}: exception shown: {first.message}\n{''.join(first.stack_trace)[-1500:]}", pytrace=False)
    return at


@lru_cache(maxsize=None)
def _baseline(page: str) -> tuple[set[str], dict[str, str], tuple, tuple, tuple]:
    """Messages, query params, text-input keys, number-input specs and labels of the page at defaults."""
    at = _run(_new(page), f"{page} at defaults")
    texts = tuple(
        (w.key, w.label, w.type) for w in list(at.text_input) + list(at.text_area) if not _disabled(w)
    )
    numbers = tuple(
        (
            w.key, w.label,
            w.min if w.min is not None and math.isfinite(w.min) else None,
            w.max if w.max is not None and math.isfinite(w.max) else None,
            isinstance(w.value, int) and not isinstance(w.value, bool) or getattr(w.proto, "data_type", 1) == 0,
        )
        for w in at.number_input
        if not _disabled(w)  # a browser cannot change a disabled widget
    )
    return _messages(at), dict(at.query_params), texts, numbers, tuple(e.label for e in at.expander)


def _disabled(widget) -> bool:
    return bool(getattr(widget, "disabled", False) or getattr(getattr(widget, "proto", None), "disabled", False))


def _widget(at: AppTest, kind: str, key: str | None, label: str, index: int):
    widgets = at.text_input if kind == "text_input" else at.text_area if kind == "text_area" else at.number_input
    if key:
        return widgets(key=key)
    matching = [w for w in widgets if w.label == label]
    return matching[index] if index < len(matching) else widgets[index]


# ----------------------------------------------------------------------------- the pages run at all


@pytest.mark.parametrize("page", PAGES)
def test_page_runs_at_defaults(page):
    _baseline(page)


# ----------------------------------------------------------------------------- text inputs


@pytest.mark.parametrize("page", PAGES)
def test_hostile_text_inputs(page):
    base_msgs, _, texts, _, _ = _baseline(page)
    if not texts:
        pytest.skip(f"{page} has no text input")
    failures = []
    for i, (key, label, kind) in enumerate(texts):
        at = _run(_new(page), f"{page} at defaults")
        for value in HOSTILE_TEXT:
            where = f"{page}: text input {key or label!r} = {_short(value)}"
            before = _peak_mb()
            w = _widget(at, kind, key, label, i)
            if _disabled(w):
                break
            w.set_value(value)
            _run(at, where)
            grew = _peak_mb() - before
            assert grew < MAX_PEAK_GROWTH_MB, f"{where}: peak memory grew by {grew:.0f} MB"
            if value in MUST_REJECT_TEXT and key not in FREE_TEXT_KEYS and not (_messages(at) - base_msgs):
                failures.append(f"{where}: no st.error/st.warning explains the invalid value")
    assert not failures, "\n".join(failures)


# ----------------------------------------------------------------------------- number inputs


def _number_values(lo, hi, is_int) -> list[float]:
    """Extreme values a browser can send to this number input (it enforces min/max itself)."""
    vals: list[float] = []
    if lo is not None:
        vals.append(lo)
    if hi is not None:
        vals.append(hi)
    if is_int:
        extra = [-1, 0, 10**6, -(10**6), 2**53]
    else:
        extra = [-1.0, 0.0, 1e308, -1e308, 5e-324, float("nan"), float("inf"), float("-inf")]
    for v in extra:
        if isinstance(v, float) and not math.isfinite(v) and (lo is not None or hi is not None):
            continue  # the browser cannot send NaN/inf to a bounded input
        if (lo is None or v >= lo) and (hi is None or v <= hi):
            vals.append(int(v) if is_int else v)
    return vals


@pytest.mark.parametrize("page", PAGES)
def test_hostile_number_inputs(page):
    base_msgs, _, _, numbers, _ = _baseline(page)
    if not numbers:
        pytest.skip(f"{page} has no number input")
    failures = []
    for i, (key, label, lo, hi, is_int) in enumerate(numbers):
        at = _run(_new(page), f"{page} at defaults")
        for value in _number_values(lo, hi, is_int):
            where = f"{page}: number input {key or label!r} = {value!r}"
            before = _peak_mb()
            w = _widget(at, "number_input", key, label, i)
            if _disabled(w):
                break
            w.set_value(value)
            _run(at, where)
            grew = _peak_mb() - before
            assert grew < MAX_PEAK_GROWTH_MB, f"{where}: peak memory grew by {grew:.0f} MB"
            now = _widget(at, "number_input", key, label, i).value
            non_finite = isinstance(now, float) and not math.isfinite(now)  # Streamlit may drop NaN itself
            if non_finite and not (_messages(at) - base_msgs):
                failures.append(f"{where}: a non-finite number was accepted without a message")
    assert not failures, "\n".join(failures)


# ----------------------------------------------------------------------------- query parameters


@pytest.mark.parametrize("page", PAGES)
def test_hostile_query_params(page):
    base_msgs, query, _, _, _ = _baseline(page)
    if not query:
        pytest.skip(f"{page} keeps no state in the URL")
    failures = []
    for value in HOSTILE_QUERY:
        where = f"{page}: every URL parameter ({', '.join(sorted(query))}) = {_short(value)}"
        at = _new(page)
        for key in query:
            at.query_params[key] = value
        before = _peak_mb()
        _run(at, where)
        grew = _peak_mb() - before
        assert grew < MAX_PEAK_GROWTH_MB, f"{where}: peak memory grew by {grew:.0f} MB"
        if value in MUST_REJECT_QUERY:
            shown = _messages(at) - base_msgs
            missing = [k for k in query if not any(f"`{k}`" in m or k in m for m in shown)]
            if missing:
                failures.append(f"{where}: no notice names the invalid parameter(s) {missing}")
            kept = [k for k in query if at.query_params.get(k) == value]
            if kept:
                failures.append(f"{where}: the invalid value stays in the URL for {kept}")
    assert not failures, "\n".join(failures)


PER_KEY_QUERY = ["NaN", "1e308", "-1", "100000", "🙂", LONG]


@pytest.mark.slow
@pytest.mark.parametrize("page", PAGES)
def test_hostile_query_params_one_at_a_time(page):
    """Each URL parameter alone hostile (the others valid), so one bad value meets every valid combination path."""
    base_msgs, query, _, _, _ = _baseline(page)
    if not query:
        pytest.skip(f"{page} keeps no state in the URL")
    failures = []
    for key in query:
        for value in PER_KEY_QUERY:
            where = f"{page}: URL parameter {key}={_short(value)}"
            at = _new(page)
            at.query_params.update(query)
            at.query_params[key] = value
            _run(at, where)
            if value == LONG and not (_messages(at) - base_msgs):
                failures.append(f"{where}: no notice for an over-long value")
    assert not failures, "\n".join(failures)


@pytest.mark.parametrize("page", PAGES)
def test_url_state_round_trips(page):
    """Opening the page with the URL it wrote gives the same URL back and no notice."""
    base_msgs, query, _, _, _ = _baseline(page)
    if not query:
        pytest.skip(f"{page} keeps no state in the URL")
    at = _new(page)
    for key, value in query.items():
        at.query_params[key] = value
    _run(at, f"{page} opened from its own URL")
    assert dict(at.query_params) == query
    assert _messages(at) == base_msgs


# ----------------------------------------------------------------------------- classroom features (issue 7)


@pytest.mark.parametrize("page", LESSONS)
def test_lesson_has_classroom_features(page):
    """URL state, a 'Show the code' expander with code, a quiz, and CSV + HTML downloads."""
    _, query, _, _, expanders = _baseline(page)
    at = _run(_new(page), f"{page} at defaults")
    missing = []
    if not query:
        missing.append("URL state (st.query_params is empty after a run at defaults)")
    code_expanders = [e for e in at.expander if "code" in e.label.lower()]
    if not code_expanders or not any(len(e.code) for e in code_expanders):
        missing.append(f"a 'Show the code' expander holding st.code (expanders: {list(expanders)})")
    headings = [h.value for h in list(at.header) + list(at.subheader) + list(at.title)] + [m.value for m in at.markdown]
    if not any("quiz" in str(h).lower() for h in headings):
        missing.append("a 'Quiz' section")
    labels = [b.label.lower() for b in at.download_button]
    if not any("csv" in lab for lab in labels):
        missing.append(f"a CSV download button (download buttons: {labels})")
    if not any("html" in lab for lab in labels):
        missing.append(f"an HTML download button (download buttons: {labels})")
    assert not missing, f"{page} lacks: " + "; ".join(missing)
