"""Classroom logic shared by every lesson: URL state, show-the-code, downloads, quizzes, safe parsing and echoing.

Pure Python (no Streamlit import), so it is tested directly and fuzzed with hypothesis. The Streamlit side (reading
``st.query_params``, the widget-default rule, rendering quizzes, messages and download buttons) is :mod:`lab_ui`,
which calls these functions::

    SPEC = {"l": Param("int", 2, min=0, max=6), "irreps": Param("str", "1x0e + 1x1o", max_len=120)}
    values, notices = read_query_params({"l": "9"}, SPEC)     # what the URL carried
    ...                                                        # the page's widgets
    encode_query_params({"l": 3, "irreps": "1x1o"}, SPEC)      # what goes back into the URL

Invariants
----------
* ``read_query_params`` never raises for any mapping of strings (or lists of strings) and returns a value for
  every name in the spec; a value is either the parsed URL value (valid for its :class:`Param`) or the default.
* Nothing is clamped or coerced silently: an out-of-range, non-finite, over-long or malformed value is rejected,
  the default is used and one human-readable notice names the parameter, the (sanitised, truncated) bad value
  and what is allowed.
* ``read_query_params(encode_query_params(v, spec), spec) == (v, [])`` for every valid ``v`` (round trip).
* Every message that may contain user-typed text shows it through :func:`display_value` (a short inert code
  span); text that may hold user text *somewhere* (an exception's message) goes through :func:`inert_markdown`,
  which keeps code spans and backslash-escapes everything else, so it renders as literal text (no links, no
  images, no LaTeX, no HTML, no Streamlit directives).

Examples
--------
>>> values, notices = read_query_params({"l": "9"}, {"l": Param("int", 2, min=0, max=6)})
>>> values
{'l': 2}
>>> notices[0].startswith("The link's `l` = `9` was ignored (out of range)")
True
>>> encode_query_params({"l": 3}, {"l": Param("int", 2, min=0, max=6)})
{'l': '3'}
"""

from __future__ import annotations

import contextlib
import csv
import inspect
import io
import math
import numbers
import re
import textwrap
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

__all__ = [
    "Param",
    "Quiz",
    "display_value",
    "encode_query_params",
    "figure_to_html",
    "format_vector",
    "inert_markdown",
    "matrix_columns",
    "parse_vector",
    "read_query_params",
    "safe_message",
    "source_of",
    "table_to_csv",
]

KINDS = ("int", "float", "str", "bool", "choice")

#: Longest raw text accepted for a number (int or float) from a URL or a text box.
MAX_NUMBER_CHARS = 40

_INT_RE = re.compile(r"[+-]?[0-9]+\Z")
_FLOAT_RE = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?\Z")
_TRUE = frozenset({"true", "1", "yes", "on"})
_FALSE = frozenset({"false", "0", "no", "off"})


def display_value(value: object, limit: int = 40) -> str:
    """Render an untrusted value as a short, inert Markdown code span.

    Parameters
    ----------
    value : object
        Anything (usually a string a user typed or put in a URL).
    limit : int
        Keep at most this many characters of the value (an ellipsis marks the cut).

    Returns
    -------
    str
        ```text``` with control/format/surrogate characters escaped as ``\\uXXXX``, backticks replaced by
        ``'`` and the empty string shown as ``(empty)``. Inside a code span Markdown renders the text
        literally: no links, no LaTeX (``$``), no HTML.
    """
    text = value if isinstance(value, str) else repr(value)
    if text == "":
        return "(empty)"
    cut = len(text) > limit
    text = text[:limit]
    out = []
    for ch in text:
        cat = unicodedata.category(ch)
        if ch == "`":
            out.append("'")
        elif cat in ("Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"):
            out.append(f"\\u{ord(ch):04x}")
        else:
            out.append(ch)
    shown = "".join(out)
    if cut:
        shown += "…"
    return f"`{shown}`" if shown.strip() else f"`{shown!r}`"


_MARKDOWN_PUNCTUATION = frozenset("!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~")
_CODE_SPAN = re.compile(r"`([^`\n]+)`")


#: What GitHub-flavoured Markdown turns into a link by itself ("autolink literals": http(s)://, www., e-mail
#: addresses, mailto:/xmpp:). Escapes do not stop it: Streamlit's renderer finds these in the text *after* the
#: escapes are resolved (seen in a real browser: an escaped ``http\\://evil`` became a link), so
#: :func:`inert_markdown` shows them as code spans instead.
_AUTOLINK = re.compile(r"(?:https?://|www\.|(?:mailto|xmpp):)[^\s<]*|[-.\w+]+@[-\w]+(?:\.[-\w]+)+", re.IGNORECASE)


def _escape_plain(text: str) -> str:
    """Backslash-escape every ASCII punctuation character (CommonMark allows it for all of them)."""
    out = []
    for ch in text:
        if ch in _MARKDOWN_PUNCTUATION:
            out.append("\\" + ch)
        elif ch != "\n" and unicodedata.category(ch) in ("Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"):
            out.append(f"\\\\u{ord(ch):04x}")
        else:
            out.append(ch)
    return "".join(out)


def inert_markdown(text: object, limit: int = 2000) -> str:
    r"""Markdown source that renders ``text`` literally: code spans stay code spans, everything else is escaped.

    For text that may hold user input somewhere inside, such as an exception's message (the core often quotes
    the offending value with ``repr``). Every ASCII punctuation character outside a code span is backslash-escaped,
    so no link, image, LaTeX (``\$``), HTML tag, emphasis, heading or Streamlit directive can start; what Markdown
    would link by itself (``http://...``, ``www.x``, ``a@b.c``: escapes do not stop those) becomes a code span; each
    code span is re-emitted through :func:`display_value` (no backticks inside),
    so none can be broken out of.

    Parameters
    ----------
    text : object
        The text (``str(text)`` for anything else, e.g. an exception).
    limit : int
        Keep at most this many characters (an ellipsis marks the cut).

    Returns
    -------
    str
        Markdown whose rendering shows the characters of ``text`` (code spans as code).

    Examples
    --------
    >>> inert_markdown("cannot read '[x](http://evil)'; try `1o`")
    "cannot read \\'\\[x\\]\\(`http://evil)';` try `1o`"
    """
    s = text if isinstance(text, str) else str(text)
    cut = len(s) > limit
    s = s[:limit]
    out: list[str] = []
    pos = 0
    for match in _CODE_SPAN.finditer(s):
        out.append(_plain_part(s[pos : match.start()]))
        inner = match.group(1)
        out.append(display_value(inner, limit=len(inner)))
        pos = match.end()
    out.append(_plain_part(s[pos:]))
    return "".join(out) + ("…" if cut else "")


def _plain_part(text: str) -> str:
    """Text outside code spans: autolink literals as code spans, everything else escaped."""
    out: list[str] = []
    pos = 0
    for match in _AUTOLINK.finditer(text):
        out.append(_escape_plain(text[pos : match.start()]))
        out.append(display_value(match.group(0), limit=len(match.group(0))))
        pos = match.end()
    out.append(_escape_plain(text[pos:]))
    return "".join(out)


def safe_message(template: str, *user_values: object) -> str:
    r"""A message with untrusted values put in: each ``{}`` of the trusted Markdown ``template`` gets one value.

    A plain value is shown through :func:`display_value` (a short inert code span); an exception through
    :func:`inert_markdown` of its message (the whole message, code spans kept). Only the exact two characters ``{}``
    are placeholders, so LaTeX braces in the template are left alone.

    Raises
    ------
    ValueError
        If the number of ``{}`` differs from the number of values (a programming error).

    Examples
    --------
    >>> safe_message("The axis {} is zero.", "0, 0, 0")
    'The axis `0, 0, 0` is zero.'
    >>> safe_message("Cannot use these irreps: {}", ValueError("cannot read '<img src=x>'"))
    "Cannot use these irreps: cannot read \\'\\<img src\\=x\\>\\'"
    """
    parts = template.split("{}")
    if len(parts) - 1 != len(user_values):
        raise ValueError(f"the template has {len(parts) - 1} placeholders '{{}}' for {len(user_values)} values")
    out = [parts[0]]
    for value, rest in zip(user_values, parts[1:]):
        out.append(inert_markdown(value) if isinstance(value, BaseException) else display_value(value))
        out.append(rest)
    return "".join(out)


def _has_bad_chars(text: str) -> bool:
    """True when ``text`` holds control characters or lone surrogates (never valid in a parameter)."""
    return any(unicodedata.category(ch) in ("Cc", "Cs") for ch in text)


@dataclass(frozen=True)
class Param:
    """Specification of one URL (query) parameter.

    Parameters
    ----------
    kind : {'int', 'float', 'str', 'bool', 'choice'}
        How the URL text is parsed.
    default : Any
        The value used when the parameter is missing or invalid; must itself be valid for this spec.
    min, max : float or int, optional
        Inclusive bounds for 'int' and 'float' (ignored otherwise). Values outside are rejected, not clamped.
    choices : sequence, optional
        The allowed values of a 'choice' parameter (required for it); compared through ``str(choice)``.
    max_len : int
        Longest accepted string for 'str' (default 200).

    Raises
    ------
    ValueError
        Unknown kind, a 'choice' without choices (or with duplicate ``str`` forms), bounds in the wrong
        order, or a default that this spec would reject.
    """

    kind: str
    default: Any
    min: float | None = None
    max: float | None = None
    choices: tuple | None = None
    max_len: int = 200

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"Param kind must be one of {KINDS}, got {self.kind!r}")
        if self.choices is not None:
            object.__setattr__(self, "choices", tuple(self.choices))
        if self.kind == "choice":
            if not self.choices:
                raise ValueError("Param(kind='choice') needs a non-empty `choices`")
            names = [str(c) for c in self.choices]
            if len(set(names)) != len(names):
                raise ValueError(f"choices must have distinct str() forms, got {names}")
        if self.min is not None and self.max is not None and self.min > self.max:
            raise ValueError(f"Param min ({self.min}) must be <= max ({self.max})")
        if self.max_len < 0:
            raise ValueError("max_len must be >= 0")
        ok, why = self.validate(self.default)
        if not ok:
            raise ValueError(f"Param default {self.default!r} is invalid for its own spec: {why}")

    # ------------------------------------------------------------------ description
    def allowed(self) -> str:
        """Human description of what this parameter accepts (used in notices and errors)."""
        if self.kind in ("int", "float"):
            noun = "an integer" if self.kind == "int" else "a finite number"
            if self.min is not None and self.max is not None:
                return f"{noun} from {self.min} to {self.max}"
            if self.min is not None:
                return f"{noun} >= {self.min}"
            if self.max is not None:
                return f"{noun} <= {self.max}"
            return noun
        if self.kind == "bool":
            return "true or false"
        if self.kind == "choice":
            assert self.choices is not None
            return "one of " + ", ".join(str(c) for c in self.choices)
        return f"text of at most {self.max_len} characters without control characters"

    # ------------------------------------------------------------------ python values
    def validate(self, value: Any) -> tuple[bool, str]:
        """Check a Python value against this spec; returns ``(ok, reason)``."""
        k = self.kind
        if k == "int":
            if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Integral):
                return False, f"expected an int, got {type(value).__name__}"
            if len(str(abs(int(value)))) >= MAX_NUMBER_CHARS:
                return False, f"more than {MAX_NUMBER_CHARS - 1} digits"
            return self._in_range(int(value))
        if k == "float":
            if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real):
                return False, f"expected a number, got {type(value).__name__}"
            v = float(value)
            if not math.isfinite(v):
                return False, "not finite"
            return self._in_range(v)
        if k == "bool":
            if not isinstance(value, (bool, np.bool_)):
                return False, f"expected a bool, got {type(value).__name__}"
            return True, ""
        if k == "choice":
            assert self.choices is not None
            if any(_same(value, c) for c in self.choices):
                return True, ""
            return False, "not an allowed choice"
        if not isinstance(value, str):
            return False, f"expected a str, got {type(value).__name__}"
        if len(value) > self.max_len:
            return False, f"longer than {self.max_len} characters"
        if _has_bad_chars(value):
            return False, "contains control characters"
        return True, ""

    def _in_range(self, v: float) -> tuple[bool, str]:
        if (self.min is not None and v < self.min) or (self.max is not None and v > self.max):
            return False, "out of range"
        return True, ""

    # ------------------------------------------------------------------ URL text
    def parse(self, text: str) -> Any:
        """Parse URL text into a value valid for this spec.

        Raises
        ------
        ValueError
            If the text is malformed, out of range, non-finite, too long or not an allowed choice.
            Nothing is clamped.
        """
        k = self.kind
        if k == "str":
            ok, why = self.validate(text)
            if not ok:
                raise ValueError(why)
            return text
        s = text.strip()
        if k == "choice":
            assert self.choices is not None
            for c in self.choices:
                if str(c) == s:
                    return c
            raise ValueError("not an allowed choice")
        if k == "bool":
            low = s.lower()
            if low in _TRUE:
                return True
            if low in _FALSE:
                return False
            raise ValueError("not true/false")
        if len(s) > MAX_NUMBER_CHARS:
            raise ValueError(f"longer than {MAX_NUMBER_CHARS} characters")
        if k == "int":
            if not _INT_RE.match(s):
                raise ValueError("not an integer")
            value: Any = int(s)
        else:
            if not _FLOAT_RE.match(s):
                raise ValueError("not a decimal number")
            value = float(s)
            if not math.isfinite(value):
                raise ValueError("not finite")
        ok, why = self.validate(value)
        if not ok:
            raise ValueError(why)
        return value

    def encode(self, value: Any) -> str:
        """URL text for a valid value; ``self.parse(self.encode(v)) == v``."""
        ok, why = self.validate(value)
        if not ok:
            raise ValueError(why)
        k = self.kind
        if k == "int":
            return str(int(value))
        if k == "float":
            return repr(float(value))
        if k == "bool":
            return "true" if value else "false"
        return str(value)


def _same(a: Any, b: Any) -> bool:
    """``a == b`` as a plain bool; exotic comparisons (arrays, errors) count as different."""
    try:
        result = a == b
    except Exception:  # noqa: BLE001 - an __eq__ that raises means "not the same"
        return False
    return bool(result) if isinstance(result, (bool, np.bool_)) else False


def _raw_text(raw: Any) -> str | None:
    """The single text value of one raw query entry (last of a list, as ``st.query_params``), or None."""
    if isinstance(raw, (list, tuple)):
        if not raw:
            return None
        raw = raw[-1]
    if raw is None:
        return None
    if isinstance(raw, bytes):
        return raw.decode("utf-8", errors="replace")
    return raw if isinstance(raw, str) else str(raw)


def read_query_params(raw: Mapping[str, Any], spec: Mapping[str, Param]) -> tuple[dict[str, Any], list[str]]:
    """Read a page's controls from the URL.

    Parameters
    ----------
    raw : Mapping[str, str | list[str]]
        What ``st.query_params.to_dict()`` returns. Keys not in ``spec`` are ignored (other pages' state).
        A list counts as its last element (as ``st.query_params`` does).
    spec : Mapping[str, Param]
        The page's parameters.

    Returns
    -------
    values : dict
        One entry per name in ``spec``: the parsed value, or the default when missing or invalid.
    notices : list[str]
        One Markdown sentence per invalid value (none for missing ones), naming the parameter, the
        sanitised bad value and what is allowed (``lab_ui.url_state`` shows them as warnings).

    Notes
    -----
    Never raises for string input: invalid values are rejected, never clamped or coerced.
    """
    values: dict[str, Any] = {}
    notices: list[str] = []
    for name, param in spec.items():
        text = _raw_text(raw.get(name)) if name in raw else None
        if text is None:
            values[name] = param.default
            continue
        try:
            values[name] = param.parse(text)
        except ValueError as exc:
            values[name] = param.default
            notices.append(
                f"The link's `{name}` = {display_value(text)} was ignored ({exc}); allowed: {param.allowed()}. "
                f"Using the default {display_value(param.encode(param.default))}."
            )
    return values, notices


def encode_query_params(
    values: Mapping[str, Any], spec: Mapping[str, Param], *, strict: bool = False
) -> dict[str, str]:
    """Encode a page's current controls as URL text (``st.query_params.update(...)``).

    Parameters
    ----------
    values : Mapping[str, Any]
        Current values; names must be in ``spec`` (names of ``spec`` missing here are left out).
    spec : Mapping[str, Param]
        The page's parameters.
    strict : bool
        If True an invalid value raises ``ValueError``; by default it is encoded as the parameter's default
        (a page's own state never breaks the page: e.g. an over-long text box value is not put in the URL).

    Returns
    -------
    dict[str, str]
        ``read_query_params(encode_query_params(v, spec), spec) == (v, [])`` for valid ``v``.

    Raises
    ------
    ValueError
        A name not in ``spec`` (a programming error), or an invalid value when ``strict``.
    """
    out: dict[str, str] = {}
    for name, value in values.items():
        if name not in spec:
            raise ValueError(f"{name!r} is not a parameter of this page; known: {sorted(spec)}")
        param = spec[name]
        try:
            out[name] = param.encode(value)
        except ValueError as exc:
            if strict:
                raise ValueError(f"parameter {name!r}: {exc}; allowed is {param.allowed()}") from exc
            out[name] = param.encode(param.default)
    return out


def source_of(*objects: Any) -> str:
    """Source code of functions / classes / modules, read from their modules (not a copy).

    Decorated functions are unwrapped (``__wrapped__``). Each block starts with a comment naming
    ``module.qualname``; blocks are separated by a blank line.

    Raises
    ------
    ValueError
        No objects, or an object whose source cannot be found (a builtin, a lambda typed in a REPL).
    """
    if not objects:
        raise ValueError("source_of needs at least one function, class or module")
    blocks = []
    for obj in objects:
        target = inspect.unwrap(obj) if callable(obj) else obj
        try:
            src = inspect.getsource(target)
        except (OSError, TypeError) as exc:
            raise ValueError(f"no source available for {obj!r}: {exc}") from exc
        module = getattr(target, "__module__", None) or getattr(target, "__name__", "")
        qual = getattr(target, "__qualname__", None)
        header = f"# {module}.{qual}" if qual and not inspect.ismodule(target) else f"# {module}"
        blocks.append(header + "\n" + textwrap.dedent(src).rstrip() + "\n")
    return "\n\n".join(blocks)


def figure_to_html(fig: Any, *, title: str | None = None) -> str:
    """A standalone HTML document of a plotly figure with plotly.js inlined (works offline, no CDN).

    Parameters
    ----------
    fig : plotly.graph_objects.Figure
        The figure (anything with ``to_html``).
    title : str, optional
        The document title (HTML-escaped); default from the figure's layout title or "Equivariance Lab figure".

    Notes
    -----
    The result is about 4-5 MB (plotly.js); ``lab_ui.html_download`` builds it only when the button is clicked.
    """
    import html as _html

    html = fig.to_html(
        include_plotlyjs=True,
        include_mathjax=False,
        full_html=True,
        config={"displaylogo": False},
    )
    if title is None:
        try:
            title = fig.layout.title.text
        except AttributeError:
            title = None
    title = title or "Equivariance Lab figure"
    return html.replace("<head>", f"<head><title>{_html.escape(str(title))}</title>", 1)


_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _csv_cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, (bool, np.bool_)):
        return "true" if value else "false"
    if isinstance(value, numbers.Integral):
        return str(int(value))
    if isinstance(value, numbers.Real):
        return repr(float(value))
    if isinstance(value, numbers.Complex):
        return repr(complex(value))
    text = str(value)
    # spreadsheet formula injection: text (not a number) starting with = + - @ is prefixed with '
    if text.startswith(_FORMULA_START) and not _FLOAT_RE.match(text.strip()):
        text = "'" + text
    return text


def table_to_csv(columns: Mapping[str, Sequence[Any] | np.ndarray]) -> str:
    """CSV text (header + rows, RFC 4180 ``\\r\\n`` line ends) of equally long columns.

    Floats are written with ``repr`` (shortest text that round-trips exactly), ints exactly, text cells that
    would start a spreadsheet formula are prefixed with ``'``.

    Raises
    ------
    ValueError
        No columns, columns of different lengths, or a column that is not 1-D.
    """
    if not columns:
        raise ValueError("table_to_csv needs at least one column")
    cols: dict[str, list[Any]] = {}
    for name, col in columns.items():
        if isinstance(col, np.ndarray):
            if col.ndim != 1:
                raise ValueError(f"column {name!r} must be 1-D, got shape {col.shape}")
            col = col.tolist()
        elif isinstance(col, (str, bytes)):
            raise ValueError(f"column {name!r} must be a sequence of cells, not a string")
        cols[str(name)] = list(col)
    lengths = {name: len(c) for name, c in cols.items()}
    if len(set(lengths.values())) > 1:
        raise ValueError(f"columns must have equal lengths, got {lengths}")
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")  # RFC 4180; cells with \r or \n get quoted
    writer.writerow([_csv_cell(n) for n in cols])
    for row in zip(*cols.values()):
        writer.writerow([_csv_cell(v) for v in row])
    return buf.getvalue()


def format_vector(v: Any, digits: int = 4) -> str:
    """``(x, y, z)`` with ``digits`` significant digits per entry, as the pages print vectors.

    Examples
    --------
    >>> format_vector([1.0, -0.0, 1 / 3])
    '(1, -0, 0.3333)'
    """
    return "(" + ", ".join(f"{x:.{digits}g}" for x in np.ravel(np.asarray(v, dtype=np.float64))) + ")"


def matrix_columns(matrices: Mapping[str, Any]) -> dict[str, list[Any]]:
    """Columns ``row``, ``column`` and one per matrix (entries in row-major order) for :func:`table_to_csv`.

    Raises
    ------
    ValueError
        No matrices, a matrix that is not 2-D, or matrices of different shapes.

    Examples
    --------
    >>> matrix_columns({"D": [[1.0, 0.0], [0.0, -1.0]]})
    {'row': [0, 0, 1, 1], 'column': [0, 1, 0, 1], 'D': [1.0, 0.0, 0.0, -1.0]}
    """
    arrays = {name: np.asarray(m) for name, m in matrices.items()}
    if not arrays:
        raise ValueError("matrix_columns needs at least one matrix")
    shapes = {a.shape for a in arrays.values()}
    if len(shapes) != 1 or len(next(iter(shapes))) != 2:
        raise ValueError(f"the matrices must be 2-D and of one shape, got {sorted(map(str, shapes))}")
    n_rows, n_cols = next(iter(shapes))
    rows, cols = np.divmod(np.arange(n_rows * n_cols), n_cols)
    out: dict[str, list[Any]] = {"row": rows.tolist(), "column": cols.tolist()}
    out.update({name: a.ravel().tolist() for name, a in arrays.items()})
    return out


@dataclass(frozen=True)
class Quiz:
    """An auto-checked multiple-choice question.

    Parameters
    ----------
    question : str
        Markdown text of the question.
    options : sequence
        The choices shown (e.g. in ``st.radio``); stored as a tuple. Distinct.
    answer : Any
        The correct option (compute it with ``equi_core``, never type it in); must be in ``options``.
    explanation : str
        Shown after answering (right or wrong).

    Raises
    ------
    ValueError
        Fewer than two options, duplicate options, or an answer that is not an option.
    """

    question: str
    options: tuple
    answer: Any
    explanation: str

    def __post_init__(self) -> None:
        object.__setattr__(self, "options", tuple(self.options))
        if len(self.options) < 2:
            raise ValueError("a quiz needs at least two options")
        if len({str(o) for o in self.options}) != len(self.options):
            raise ValueError(f"quiz options must be distinct, got {list(self.options)}")
        if not any(_same(self.answer, o) for o in self.options):
            raise ValueError(f"the answer {self.answer!r} is not among the options {list(self.options)}")

    def check(self, choice: Any) -> bool:
        """True iff ``choice`` is the answer (None, i.e. nothing chosen, is False)."""
        if choice is None:
            return False
        return _same(choice, self.answer)

    def feedback(self, choice: Any) -> tuple[bool, str] | None:
        """What the page shows after a choice: ``None`` before any, else ``(correct, "Right. ..." or "Not quite. ...")``
        with the explanation (the page shows it as success or error)."""
        if choice is None:
            return None
        correct = self.check(choice)
        return correct, ("Right. " if correct else "Not quite. ") + self.explanation

    @classmethod
    def with_distractors(
        cls,
        question: str,
        answer: Any,
        distractors: Sequence[Any],
        explanation: str,
        *,
        sort: bool = True,
    ) -> Quiz:
        """Build a quiz from the computed answer and plausible wrong values.

        Distractors equal to the answer or to each other are dropped; options are sorted when ``sort`` and
        the values are comparable (so the answer's position does not give it away).
        """
        options: list[Any] = [answer]
        for d in distractors:
            if not any(_same(d, o) for o in options):
                options.append(d)
        if sort:
            with contextlib.suppress(TypeError):
                options = sorted(options)
        return cls(question, tuple(options), answer, explanation)


_VECTOR_SPLIT = re.compile(r"[\s,;]+")


def parse_vector(
    text: str,
    dim: int | None = 3,
    max_abs: float = 1e6,
    *,
    max_len: int = 200,
    allow_zero: bool = True,
    name: str = "vector",
) -> np.ndarray:
    """Parse numbers a learner typed, e.g. ``"1, 0, -2.5"``, ``"(1 0 0)"`` or ``"[1e-3; 2; 3]"``.

    Parameters
    ----------
    text : str
        Numbers separated by commas, semicolons or spaces, optionally inside one pair of () or [].
        Plain decimal notation only (ASCII digits, optional exponent): no nan/inf, no hex, no unicode digits.
    dim : int or None
        Exactly this many numbers (None: any count from 1 to 64).
    max_abs : float
        Largest allowed absolute value of each number (inclusive).
    max_len : int
        Longest accepted text.
    allow_zero : bool
        If False the all-zero vector is rejected (e.g. a direction).
    name : str
        What the value is called in messages.

    Returns
    -------
    numpy.ndarray
        float64, shape ``(dim,)``, all finite, ``|x_i| <= max_abs``.

    Raises
    ------
    ValueError
        With a message that says what is wrong and what is allowed (user text shown via :func:`display_value`).
    """
    count = f"{dim} numbers" if dim is not None else "numbers"
    example = ", ".join(["1", "0", "0", "0"][: dim or 3] + ["0"] * max(0, (dim or 3) - 4))
    grammar = f"enter {count} separated by commas, e.g. `{example}`"
    if not isinstance(text, str):
        raise ValueError(f"The {name} must be text: {grammar}.")
    if len(text) > max_len:
        raise ValueError(f"The {name} is too long ({len(text)} characters, at most {max_len}): {grammar}.")
    s = text.strip()
    if len(s) >= 2 and (s[0], s[-1]) in (("(", ")"), ("[", "]")):
        s = s[1:-1].strip()
    if not s:
        raise ValueError(f"The {name} is empty: {grammar}.")
    tokens = [t for t in _VECTOR_SPLIT.split(s) if t]
    if not tokens:
        raise ValueError(f"The {name} holds no numbers: {grammar}.")
    values = []
    for tok in tokens:
        if len(tok) > MAX_NUMBER_CHARS or not _FLOAT_RE.match(tok):
            low = tok.lower().lstrip("+-")
            if low in ("nan", "inf", "infinity"):
                raise ValueError(f"The {name} contains {display_value(tok)}: only finite numbers are allowed.")
            raise ValueError(f"{display_value(tok)} is not a number: {grammar}.")
        v = float(tok)
        if not math.isfinite(v) or abs(v) > max_abs:
            raise ValueError(
                f"The {name} contains {display_value(tok)}: each number must be at most {max_abs:g} in size."
            )
        values.append(v)
    if dim is not None and len(values) != dim:
        few = "few" if len(values) < dim else "many"
        raise ValueError(f"Too {few} numbers in the {name} ({len(values)}): {grammar}.")
    if dim is None and len(values) > 64:
        raise ValueError(f"Too many numbers in the {name} ({len(values)}, at most 64).")
    arr = np.asarray(values, dtype=np.float64)
    if not allow_zero and not np.any(arr):
        raise ValueError(f"The {name} must not be zero (it gives a direction): {grammar}.")
    return arr
