"""Moved: the pure classroom logic lives in :mod:`equi_core.lessons.classroom`, the Streamlit side in :mod:`lab_ui`.

This module only re-exports the pure names for old imports (one test still uses it); new code imports
``equi_core.lessons.classroom``. Delete it once nothing imports ``equi_core.classroom``.
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

