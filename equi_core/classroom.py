"""Moved: the pure classroom logic lives in :mod:`equi_core.lessons.classroom`, the Streamlit side in :mod:`lab_ui`.

This module only re-exports the pure names for old imports; new code imports ``equi_core.lessons.classroom``.
"""

from __future__ import annotations

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

__all__ = [
    "Param",
    "Quiz",
    "display_value",
    "encode_query_params",
    "figure_to_html",
    "inert_markdown",
    "parse_vector",
    "read_query_params",
    "safe_message",
    "source_of",
    "table_to_csv",
]


def widget_value(state, key, url_values):  # type: ignore[no-untyped-def]  # removed with the last old-style page
    """Old pages' widget default (live value, else the URL's); now ``lab_ui.UrlState.__getitem__``."""
    return state[key] if key in state else url_values[key]
