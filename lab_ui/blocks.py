"""The classroom blocks every lesson shows: quizzes, show-the-code, figures with their downloads.

One place for the plotly chart options (:data:`CHART_CONFIG`, full width) and for download buttons (a download
never reruns the page: ``on_click="ignore"``; a figure's standalone HTML, ~4.5 MB with plotly.js inlined, is built
only when clicked).
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import PurePath
from typing import Any

import streamlit as st

from equi_core.lessons.classroom import Quiz, figure_to_html, source_of, table_to_csv

#: plotly options of every chart in the Lab (no plotly logo; the mode bar's own download stays a PNG).
CHART_CONFIG: dict[str, Any] = {"displaylogo": False}

_MIME = {".csv": "text/csv", ".html": "text/html", ".json": "application/json", ".txt": "text/plain"}


@dataclass(frozen=True)
class Download:
    """One download button: its label, its data (text, bytes, or a callable run only on click), file name, key."""

    label: str
    data: str | bytes | Callable[[], str | bytes]
    file_name: str
    key: str

    @property
    def mime(self) -> str:
        """The MIME type from the file name's suffix (``application/octet-stream`` when unknown)."""
        return _MIME.get(PurePath(self.file_name).suffix.lower(), "application/octet-stream")


def csv_download(label: str, columns: Mapping[str, Any], file_name: str, key: str) -> Download:
    """A CSV download of equally long columns (:func:`~equi_core.lessons.classroom.table_to_csv`)."""
    return Download(label, table_to_csv(columns), file_name, key)


def html_download(label: str, fig: Any, file_name: str, key: str, *, title: str | None = None) -> Download:
    """A standalone-HTML download of a plotly figure, built only when the button is clicked (works offline)."""
    return Download(label, lambda: figure_to_html(fig, title=title), file_name, key)


def download_buttons(downloads: Sequence[Download], *, columns: int | None = None) -> None:
    """The buttons side by side (``columns`` per row, default all in one row); none of them reruns the page."""
    items = list(downloads)
    if not items:
        return
    per_row = columns or len(items)
    for start in range(0, len(items), per_row):
        row = items[start : start + per_row]
        for col, d in zip(st.columns(per_row), row):
            col.download_button(d.label, d.data, file_name=d.file_name, mime=d.mime, key=d.key, on_click="ignore")


def chart(fig: Any, key: str, *, downloads: Sequence[Download] = ()) -> None:
    """A plotly figure at full width with the Lab's options, and optionally its download buttons under it."""
    st.plotly_chart(fig, key=key, width="stretch", config=CHART_CONFIG)
    download_buttons(downloads)


def quiz_section(quizzes: Mapping[str, Quiz] | Sequence[Quiz], *, header: str | None = "Quiz") -> None:
    """Each quiz as a radio with no preselection; after a choice its verdict (:meth:`Quiz.feedback`).

    Parameters
    ----------
    quizzes : Mapping[str, Quiz] or Sequence[Quiz]
        Keyed quizzes (the radio keys), or a sequence (keys ``quiz_0``, ``quiz_1``, ...).
    header : str, optional
        The section header (None: none).
    """
    keyed = dict(quizzes) if isinstance(quizzes, Mapping) else {f"quiz_{i}": q for i, q in enumerate(quizzes)}
    if header:
        st.header(header)
    for key, quiz in keyed.items():
        verdict = quiz.feedback(st.radio(quiz.question, quiz.options, index=None, key=key))
        if verdict is not None:
            (st.success if verdict[0] else st.error)(verdict[1])


@functools.lru_cache(maxsize=32)
def _source(objects: tuple[Any, ...]) -> str:
    return source_of(*objects)


def show_code(*objects: Any, caption: str | None = None, label: str = "Show the code") -> None:
    """An expander with the source of ``objects`` read from their modules (this *is* the implementation).

    Parameters
    ----------
    *objects : function, class or module
        What to show (decorated functions unwrapped); read once per process (bounded cache).
    caption : str, optional
        A line above the code (trusted Markdown).
    label : str
        The expander's label.
    """
    with st.expander(label, icon=":material/code:"):
        if caption:
            st.caption(caption)
        st.code(_source(tuple(objects)), language="python")
