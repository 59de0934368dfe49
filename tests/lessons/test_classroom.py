"""Tests and hypothesis fuzzing of equi_core.lessons.classroom (and of the core's Irreps parser).

Every parser that sees text a learner typed or put in a URL is fuzzed with at least 1,000 cases
(``FUZZ = settings(max_examples=1000)``); the only exception a parser may raise is ``ValueError``.
"""

from __future__ import annotations

import csv
import dataclasses
import functools
import io
import math
import re
import unicodedata
from pathlib import Path

import numpy as np
import plotly.graph_objects as go
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from equi_core.lessons import classroom
from equi_core.lessons.classroom import (
    Param,
    Quiz,
    display_value,
    encode_query_params,
    figure_to_html,
    inert_markdown,
    parse_vector,
    read_query_params,
    safe_message,
    source_of,
    table_to_csv,
)

FUZZ = settings(max_examples=1000, deadline=None, suppress_health_check=[HealthCheck.too_slow])

SPEC = {
    "l": Param("int", 2, min=0, max=6),
    "angle": Param("float", 0.5, min=-3.15, max=3.15),
    "irreps": Param("str", "1x0e + 1x1o + 1x2e", max_len=120),
    "parity": Param("bool", True),
    "norm": Param("choice", "component", choices=("component", "norm", "integral")),
}

# Text that hostile users put in URLs and text boxes, mixed with arbitrary unicode.
HOSTILE = [
    "",
    " ",
    "nan",
    "NaN",
    "-nan",
    "inf",
    "-inf",
    "Infinity",
    "1e308",
    "-1e308",
    "1e309",
    "1e-400",
    "9" * 5000,
    "-1",
    "-0",
    "+3",
    "0x10",
    "1_000",
    "٣",
    "３",
    "1.5",
    "1,5",
    "true",
    "TRUE",
    "None",
    "null",
    "[]",
    "{}",
    "\x00",
    "\n",
    "\u202e",
    "\ud800",
    "🙂",
    "`$x$`",
    "<script>alert(1)</script>",
    "[a](javascript:x)",
    "x" * 10_000,
    "2x1q",
    "1x1000000e",
    "99999999999999999999x0e",
    "1o" * 300,
]
hostile_text = st.one_of(
    st.sampled_from(HOSTILE),
    st.text(max_size=60),
    st.text(alphabet="0123456789+-.eEnaif xX", max_size=30),
    st.integers(min_value=-(10**60), max_value=10**60).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.text(max_size=600),
)


# ----------------------------------------------------------------------------- Param


def test_param_rejects_bad_specs():
    with pytest.raises(ValueError, match="kind"):
        Param("complex", 1)
    with pytest.raises(ValueError, match="choices"):
        Param("choice", "a")
    with pytest.raises(ValueError, match="default"):
        Param("int", 9, min=0, max=6)
    with pytest.raises(ValueError, match="default"):
        Param("float", math.nan)
    with pytest.raises(ValueError, match="min"):
        Param("int", 0, min=3, max=1)
    with pytest.raises(ValueError, match="default"):
        Param("str", "x" * 10, max_len=5)
    with pytest.raises(ValueError, match="distinct"):
        Param("choice", 1, choices=(1, "1"))


def test_param_is_frozen_and_choices_become_a_tuple():
    p = Param("choice", "a", choices=["a", "b"])
    assert p.choices == ("a", "b")
    with pytest.raises(dataclasses.FrozenInstanceError):
        p.default = "b"  # type: ignore[misc]
    assert hash(p) == hash(Param("choice", "a", choices=("a", "b")))


# ----------------------------------------------------------------------------- read_query_params


def test_missing_values_give_defaults_silently():
    values, notices = read_query_params({}, SPEC)
    assert values == {k: p.default for k, p in SPEC.items()}
    assert notices == []


def test_valid_values_are_parsed():
    raw = {"l": "4", "angle": "-1.25", "irreps": "2x1o", "parity": "false", "norm": "integral", "other_page": "x"}
    values, notices = read_query_params(raw, SPEC)
    assert values == {"l": 4, "angle": -1.25, "irreps": "2x1o", "parity": False, "norm": "integral"}
    assert notices == []
    assert type(values["l"]) is int and type(values["angle"]) is float


@pytest.mark.parametrize(
    "name, bad",
    [
        ("l", "7"),
        ("l", "-1"),
        ("l", "2.0"),
        ("l", "1e308"),
        ("l", "9" * 5000),
        ("l", "٣"),
        ("l", "1_0"),
        ("l", ""),
        ("angle", "nan"),
        ("angle", "inf"),
        ("angle", "1e308"),
        ("angle", "-1e308"),
        ("angle", "3.2"),
        ("angle", "0x1p-2"),
        ("irreps", "x" * 121),
        ("irreps", "1x0e\x00"),
        ("parity", "maybe"),
        ("norm", "Norm"),
        ("norm", "<b>x</b>"),
    ],
)
def test_invalid_values_fall_back_with_a_notice(name, bad):
    values, notices = read_query_params({name: bad}, SPEC)
    assert values[name] == SPEC[name].default  # not clamped, not coerced
    assert len(notices) == 1
    note = notices[0]
    assert f"`{name}`" in note
    assert SPEC[name].allowed() in note
    assert len(note) < 400  # the bad value is truncated


def test_out_of_range_is_not_clamped():
    values, notices = read_query_params({"l": "1000000", "angle": "100"}, SPEC)
    assert values["l"] == 2 and values["angle"] == 0.5
    assert len(notices) == 2


def test_lists_use_the_last_value_like_st_query_params():
    values, notices = read_query_params({"l": ["1", "5"]}, SPEC)
    assert values["l"] == 5 and not notices
    values, notices = read_query_params({"l": []}, SPEC)
    assert values["l"] == 2 and not notices


def test_notice_sanitises_markdown_and_control_characters():
    _, notices = read_query_params({"norm": "`$\\frac{1}{0}$` [x](javascript:alert(1))\n\x00"}, SPEC)
    (note,) = notices
    assert "\x00" not in note and "\n" not in note
    shown = re.search(r"= (`[^`]*`)", note).group(1)  # the value sits in one code span, no backtick inside
    assert "$" in shown and "javascript" in shown


def test_encode_strict_and_forgiving():
    good = {"l": 3, "angle": 1e-5, "irreps": "ü", "parity": False, "norm": "norm"}
    enc = encode_query_params(good, SPEC, strict=True)
    assert enc == {"l": "3", "angle": "1e-05", "irreps": "ü", "parity": "false", "norm": "norm"}
    assert read_query_params(enc, SPEC) == (good, [])
    with pytest.raises(ValueError, match="l"):
        encode_query_params({"l": 99}, SPEC, strict=True)
    assert encode_query_params({"l": 99, "irreps": "y" * 999}, SPEC) == {"l": "2", "irreps": SPEC["irreps"].default}
    with pytest.raises(ValueError, match="not a parameter"):
        encode_query_params({"nope": 1}, SPEC)
    # numpy scalars from sliders / computations encode too
    assert encode_query_params({"l": np.int64(4), "angle": np.float64(0.25), "parity": np.bool_(True)}, SPEC) == {
        "l": "4",
        "angle": "0.25",
        "parity": "true",
    }


# ----------------------------------------------------------------------------- fuzz: read_query_params per kind


def _check_read(param: Param, text: str) -> None:
    values, notices = read_query_params({"p": text}, {"p": param})
    value = values["p"]
    ok, why = param.validate(value)
    assert ok, why
    assert len(notices) <= 1
    if notices:
        assert value == param.default
        assert "`p`" in notices[0] and "\x00" not in notices[0] and len(notices[0]) < 500
    else:  # accepted: it must be what the text says, not a clamp
        assert param.encode(value) == param.encode(param.parse(text))


INT_P = Param("int", 2, min=0, max=12)
FLOAT_P = Param("float", 0.0, min=-1e6, max=1e6)
STR_P = Param("str", "1x0e", max_len=200)
BOOL_P = Param("bool", False)
CHOICE_P = Param("choice", "relu", choices=("relu", "norm", "gate", 3))


@FUZZ
@given(hostile_text)
def test_fuzz_read_int(text):
    _check_read(INT_P, text)


@FUZZ
@given(hostile_text)
def test_fuzz_read_float(text):
    _check_read(FLOAT_P, text)


@FUZZ
@given(hostile_text)
def test_fuzz_read_str(text):
    _check_read(STR_P, text)


@FUZZ
@given(hostile_text)
def test_fuzz_read_bool(text):
    _check_read(BOOL_P, text)


@FUZZ
@given(st.one_of(hostile_text, st.sampled_from(["relu", "norm", "gate", "3", " 3 ", "Relu"])))
def test_fuzz_read_choice(text):
    _check_read(CHOICE_P, text)


@FUZZ
@given(st.integers(min_value=-(10**50), max_value=10**50))
def test_fuzz_int_accepted_iff_in_range(n):
    values, notices = read_query_params({"p": str(n)}, {"p": INT_P})
    if 0 <= n <= 12:
        assert values["p"] == n and not notices
    else:
        assert values["p"] == 2 and len(notices) == 1


@FUZZ
@given(st.floats(allow_nan=True, allow_infinity=True))
def test_fuzz_float_accepted_iff_finite_and_in_range(x):
    values, notices = read_query_params({"p": repr(x)}, {"p": FLOAT_P})
    if math.isfinite(x) and abs(x) <= 1e6:
        assert values["p"] == x and not notices
    else:
        assert values["p"] == 0.0 and len(notices) == 1


@FUZZ
@given(
    st.dictionaries(st.sampled_from(list(SPEC) + ["zzz"]), st.one_of(hostile_text, st.lists(hostile_text, max_size=3)))
)
def test_fuzz_whole_mapping(raw):
    values, notices = read_query_params(raw, SPEC)
    assert set(values) == set(SPEC)
    for name, value in values.items():
        assert SPEC[name].validate(value)[0]
    assert len(notices) <= len(SPEC)


valid_values = st.fixed_dictionaries(
    {
        "l": st.integers(0, 6),
        "angle": st.floats(-3.15, 3.15, allow_nan=False),
        "irreps": st.text(max_size=120).filter(lambda s: SPEC["irreps"].validate(s)[0]),
        "parity": st.booleans(),
        "norm": st.sampled_from(SPEC["norm"].choices),
    }
)


@FUZZ
@given(valid_values)
def test_fuzz_round_trip(values):
    encoded = encode_query_params(values, SPEC, strict=True)
    assert all(isinstance(v, str) for v in encoded.values())
    assert read_query_params(encoded, SPEC) == (values, [])


@FUZZ
@given(st.integers(min_value=-(10**38), max_value=10**38), st.floats(allow_nan=False, allow_infinity=False))
def test_fuzz_round_trip_unbounded_numbers(n, x):
    spec = {"n": Param("int", 0), "x": Param("float", 0.0)}
    assert read_query_params(encode_query_params({"n": n, "x": x}, spec, strict=True), spec) == ({"n": n, "x": x}, [])


# ----------------------------------------------------------------------------- display_value


@FUZZ
@given(st.one_of(hostile_text, st.text(max_size=2000)))
def test_fuzz_display_value_is_inert(text):
    shown = display_value(text)
    if text == "":
        assert shown == "(empty)"
        return
    assert shown.startswith("`") and shown.endswith("`")
    assert "`" not in shown[1:-1]
    assert "\n" not in shown and "\x00" not in shown
    assert len(shown) <= 2 + 40 * 6 + 1 + 4


# ----------------------------------------------------------------------------- parse_vector


def test_parse_vector_accepts_common_spellings():
    for text in ["1, 0, -2.5", "(1 0 -2.5)", "[1;0;-2.5]", "  1,0 ,  -25e-1 ", "+1, 0., -2.50"]:
        np.testing.assert_array_equal(parse_vector(text), [1.0, 0.0, -2.5])
    assert parse_vector("1 2 3 4", dim=None).shape == (4,)
    assert parse_vector("7", dim=1).dtype == np.float64


@pytest.mark.parametrize(
    "text, match",
    [
        ("", "empty"),
        ("   ", "empty"),
        ("()", "empty"),
        ("1, 2", "Too few"),
        ("1,2,3,4", "Too many"),
        ("nan, 1, 2", "finite"),
        ("1, inf, 2", "finite"),
        ("1e308, 0, 0", "at most"),
        ("1e7, 0, 0", "at most"),
        ("a, b, c", "not a number"),
        ("1, 2, 0x3", "not a number"),
        ("١, 2, 3", "not a number"),
        ("1" * 300, "too long"),
        ("[1, 2, 3", "not a number"),
    ],
)
def test_parse_vector_errors_are_clear(text, match):
    with pytest.raises(ValueError, match=match):
        parse_vector(text)


def test_parse_vector_zero_and_bounds():
    with pytest.raises(ValueError, match="zero"):
        parse_vector("0, 0, 0", allow_zero=False)
    np.testing.assert_array_equal(parse_vector("0,0,0"), np.zeros(3))
    np.testing.assert_array_equal(parse_vector("1e6, -1e6, 0"), [1e6, -1e6, 0])
    with pytest.raises(ValueError, match="Too many"):
        parse_vector(" ".join(["1"] * 65), dim=None, max_len=1000)


@FUZZ
@given(st.one_of(hostile_text, st.lists(hostile_text, max_size=4).map(", ".join)))
def test_fuzz_parse_vector_raises_only_value_error(text):
    try:
        v = parse_vector(text)
    except ValueError as exc:
        message = str(exc)
        if not message or "\x00" in message or "\n" in message:
            pytest.fail(f"a ValueError must say what is allowed, on one clean line: {message!r}")
        return
    assert v.shape == (3,) and v.dtype == np.float64
    assert np.all(np.isfinite(v)) and np.all(np.abs(v) <= 1e6)


@FUZZ
@given(st.lists(st.floats(-1e6, 1e6, allow_nan=False), min_size=3, max_size=3), st.sampled_from([", ", " ", ";", ","]))
def test_fuzz_parse_vector_round_trip(xs, sep):
    np.testing.assert_array_equal(parse_vector(sep.join(repr(x) for x in xs)), np.array(xs))


# ----------------------------------------------------------------------------- Irreps parser (the core's)


try:
    from equi_core import Irreps as _Irreps
except ImportError:  # the core's Irreps has not landed yet
    _Irreps = None
needs_irreps = pytest.mark.skipif(_Irreps is None, reason="equi_core.Irreps is not available")


def _irreps_cls():
    if _Irreps is None:
        pytest.skip("equi_core.Irreps is not available")
    return _Irreps


irreps_text = st.one_of(
    hostile_text,
    st.text(alphabet="0123456789xoe+ ,-yp()", max_size=40),
    st.lists(
        st.tuples(st.integers(-2, 10**12), st.integers(-2, 10**12), st.sampled_from("eoyx")).map(
            lambda t: f"{t[0]}x{t[1]}{t[2]}"
        ),
        max_size=5,
    ).map(" + ".join),
)


@needs_irreps
@FUZZ
@given(irreps_text)
def test_fuzz_irreps_parser_raises_only_value_error(text):
    try:
        irreps = _Irreps(text)
    except ValueError as exc:
        if not str(exc):
            pytest.fail("a ValueError must say what is allowed")
        return
    # accepted: it round-trips through its own str, and its numbers are sane
    assert _Irreps(str(irreps)) == irreps
    assert irreps.dim == sum(mul * (2 * ir.l + 1) for mul, ir in irreps)
    assert all(ir.p in (-1, 1) and ir.l >= 0 and mul >= 0 for mul, ir in irreps)


def test_irreps_bad_strings_name_the_token():
    Irreps = _irreps_cls()
    for bad in ["2x1q", "1x-1e", "x0e", "1x0e + + 1o", "🙂"]:
        with pytest.raises(ValueError):
            Irreps(bad)
    with pytest.raises(ValueError, match="1q"):
        Irreps("2x1q")


# ----------------------------------------------------------------------------- source_of


def _decorated(f):
    @functools.wraps(f)
    def wrapper(*a, **k):
        return f(*a, **k)

    return wrapper


@_decorated
def _sample_function(x: int) -> int:
    """A sample."""
    return x + 1


def test_source_of_reads_the_module():
    src = source_of(parse_vector, Quiz)
    assert src.startswith("# equi_core.lessons.classroom.parse_vector\ndef parse_vector(")
    assert "\nclass Quiz:" in src
    # the text is the module's text, not a copy
    module_text = Path(classroom.__file__).read_text(encoding="utf-8")
    body = src.split("\n", 1)[1].split("\n\n# equi_core")[0]
    assert body.rstrip() in module_text
    assert "return x + 1" in source_of(_sample_function)  # decorated functions are unwrapped


def test_source_of_errors():
    with pytest.raises(ValueError):
        source_of()
    with pytest.raises(ValueError, match="no source"):
        source_of(len)


# ----------------------------------------------------------------------------- downloads


def test_figure_to_html_is_standalone():
    fig = go.Figure(go.Scatter(x=[1.0, 2.0], y=[3.0, 4.5], name="trace<1>"), layout_title_text="D(R) <blocks>")
    html = figure_to_html(fig)
    assert html.lstrip().lower().startswith("<!doctype html>") or html.lstrip().startswith("<html")
    assert "<title>D(R) &lt;blocks&gt;</title>" in html
    assert not re.search(r"<script[^>]+src=", html)  # nothing loaded from elsewhere
    assert "Plotly.newPlot" in html and len(html) > 1_000_000  # plotly.js itself is inlined
    assert "4.5" in html


def test_table_to_csv_round_trips_numbers():
    xs = np.array([0.1, 1e-300, -2.5, 1 / 3])
    text = table_to_csv({"l": [0, 1, 2, 3], "err": xs, "label": ["a,b", '"q"', "=SUM(A1)", "-1"]})
    rows = list(csv.reader(io.StringIO(text, newline="")))
    assert rows[0] == ["l", "err", "label"]
    assert [float(r[1]) for r in rows[1:]] == xs.tolist()
    assert [r[2] for r in rows[1:]] == ["a,b", '"q"', "'=SUM(A1)", "-1"]
    with pytest.raises(ValueError, match="equal lengths"):
        table_to_csv({"a": [1, 2], "b": [1]})
    with pytest.raises(ValueError, match="1-D"):
        table_to_csv({"a": np.zeros((2, 2))})
    with pytest.raises(ValueError):
        table_to_csv({})


@FUZZ
@given(st.lists(st.floats(allow_nan=False), max_size=20), st.text(max_size=20))
def test_fuzz_table_to_csv(xs, name):
    assume(name != "i")  # two columns of one name are one column
    text = table_to_csv({name: xs, "i": list(range(len(xs)))})
    rows = list(csv.reader(io.StringIO(text, newline="")))
    assert len(rows) == len(xs) + 1
    assert [float(r[0]) for r in rows[1:]] == xs


# ----------------------------------------------------------------------------- Quiz


def test_quiz():
    q = Quiz("dim of 2x1o + 3x2e?", (9, 21, 13), 21, "2*3 + 3*5")
    assert q.check(21) and not q.check(9) and not q.check(None) and not q.check("21")
    with pytest.raises(ValueError, match="not among"):
        Quiz("?", (1, 2), 3, "")
    with pytest.raises(ValueError, match="two"):
        Quiz("?", (1,), 1, "")
    with pytest.raises(ValueError, match="distinct"):
        Quiz("?", (1, 1), 1, "")
    q2 = Quiz.with_distractors("allowed l3 for 2 x 3?", 5, [1, 5, 6, 1, 7], "|l1-l2| <= l3 <= l1+l2")
    assert q2.options == (1, 5, 6, 7) and q2.check(5)
    q3 = Quiz.with_distractors("which?", "norm", ["relu", 1], "x")  # unsortable: order kept
    assert q3.options == ("norm", "relu", 1)


def test_quiz_feedback_is_none_before_a_choice_then_says_right_or_not():
    quiz = Quiz("dim of 2x1o?", ("3", "6", "9"), "6", "two vectors: 2 x 3 = 6")
    assert quiz.feedback(None) is None
    assert quiz.feedback("6") == (True, "Right. two vectors: 2 x 3 = 6")
    assert quiz.feedback("9") == (False, "Not quite. two vectors: 2 x 3 = 6")


# ----------------------------------------------------------------------------- inert Markdown


def _unescaped_outside_code(markdown: str) -> list[str]:
    """ASCII punctuation outside code spans that no backslash escapes (it could start Markdown syntax)."""
    outside = re.sub(r"`[^`\n]+`", "", markdown)
    bad, i = [], 0
    while i < len(outside):
        ch = outside[i]
        if ch == "\\":
            i += 2  # an escape and the character it escapes
            continue
        if ch in "!\"#$%&'()*+,-./:;<=>?@[]^_`{|}~":
            bad.append(ch)
        i += 1
    return bad


def test_inert_markdown_breaks_autolink_literals():
    """GFM autolink literals are found in the text after escapes are resolved (Streamlit linked an escaped
    ``http\\://``): outside code spans, with escapes resolved, no autolink pattern may remain."""
    for text in (
        "see http://evil.example/a",
        "HTTPS://x.y",
        "www.evil.example",
        "mail a@evil.example",
        "mailto:x@y.z",
        "cannot read the term '[clickme](http://evil.example/a)!'",
    ):
        out = inert_markdown(text)
        rendered = re.sub(r"\\(.)", r"\1", re.sub(r"`[^`\n]+`", "", out))
        assert not re.search(r"https?://|www\.|[-.\w+]+@[-\w]+\.|mailto:", rendered, re.IGNORECASE), (text, out)
        assert "evil" not in rendered or "`" in out


def test_inert_markdown_escapes_everything_but_code_spans():
    assert inert_markdown("read `1x1o` [x](http://evil)") == "read `1x1o` \\[x\\]\\(`http://evil)`"
    assert inert_markdown("$\\color{red}{X}$") == "\\$\\\\color\\{red\\}\\{X\\}\\$"
    assert inert_markdown("<img src=x onerror=alert(1)>").startswith("\\<img src\\=x")
    assert inert_markdown("a\x00b") == "a\\\\u0000b"  # a control character is shown, not sent
    assert inert_markdown("x" * 3000, limit=10) == "x" * 10 + "…"
    assert inert_markdown(ValueError("bad `q`")) == "bad `q`"


def test_safe_message_puts_values_in_code_spans_and_exceptions_through_inert_markdown():
    assert safe_message("The axis {} is zero.", "0, 0, 0") == "The axis `0, 0, 0` is zero."
    assert safe_message("$x^{2}$ {}", 3) == "$x^{2}$ `3`"  # LaTeX braces of the template are not placeholders
    assert safe_message("Error: {}", ValueError("read '[x](y)'")) == "Error: read \\'\\[x\\]\\(y\\)\\'"
    assert safe_message("{} and {}", "`a`", "") == "`'a'` and (empty)"
    with pytest.raises(ValueError, match="placeholders"):
        safe_message("{} {}", 1)


@FUZZ
@given(hostile_text)
def test_fuzz_inert_markdown_leaves_no_active_character(text):
    out = inert_markdown(text)
    assert not _unescaped_outside_code(out), (text, out)
    for span in re.findall(r"`([^`\n]+)`", out):
        assert "`" not in span
    assert not any(unicodedata.category(c) in ("Cc", "Cf", "Cs") for c in out if c != "\n")


@FUZZ
@given(hostile_text, hostile_text)
def test_fuzz_safe_message_values_stay_in_code_spans(a, b):
    out = safe_message("First {} then {}.", a, b)
    # everything a user typed sits in a code span (or is the marker of an empty value): the rest is the template
    assert re.sub(r"`[^`\n]+`", "", out).replace("(empty)", "") == "First  then ."
