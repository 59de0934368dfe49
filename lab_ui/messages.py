"""Messages that may echo what a learner typed or a shared link carried, with that text kept inert.

Each helper takes a *trusted* Markdown template written in the page and the untrusted values, one per ``{}``:
a value is shown through :func:`equi_core.lessons.classroom.display_value` (a short code span), an exception
through :func:`~equi_core.lessons.classroom.inert_markdown` of its message (code spans kept, everything else
escaped). No link, image, HTML, LaTeX or Streamlit directive from a user can reach the page::

    lab_ui.error("Cannot use these irreps: {}", exc)
    lab_ui.warning("The axis {} has no direction.", text)
"""

from __future__ import annotations

from typing import Any

import streamlit as st

from equi_core.lessons.classroom import safe_message


def error(template: str, *user_values: object, **kwargs: Any) -> None:
    """``st.error`` of :func:`~equi_core.lessons.classroom.safe_message` ``(template, *user_values)``."""
    st.error(safe_message(template, *user_values), **kwargs)


def warning(template: str, *user_values: object, **kwargs: Any) -> None:
    """``st.warning`` of :func:`~equi_core.lessons.classroom.safe_message` ``(template, *user_values)``."""
    st.warning(safe_message(template, *user_values), **kwargs)


def info(template: str, *user_values: object, **kwargs: Any) -> None:
    """``st.info`` of :func:`~equi_core.lessons.classroom.safe_message` ``(template, *user_values)``."""
    st.info(safe_message(template, *user_values), **kwargs)


def success(template: str, *user_values: object, **kwargs: Any) -> None:
    """``st.success`` of :func:`~equi_core.lessons.classroom.safe_message` ``(template, *user_values)``."""
    st.success(safe_message(template, *user_values), **kwargs)
