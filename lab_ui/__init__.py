"""lab_ui: the Streamlit side of every lesson page, written once.

``equi_core`` never imports Streamlit; this package (with ``app.py`` and ``pages/``) is the only other place that
does. A page reads its widgets through :func:`url_state`, calls one ``equi_core.lessons.<page>`` module and the
``equi_core.viz`` builders, and lays out with the helpers here:

* :func:`page_setup` -- the deep-link guard and the page title (every page's first call)
* :func:`url_state` -- URL state: read, notices, widget defaults (live value, else the URL's), write back
* :func:`quiz_section`, :func:`show_code`, :func:`chart`, :func:`download_buttons`, :func:`lesson_link`
* :func:`error`, :func:`warning`, :func:`info`, :func:`success` -- messages that echo user text only inertly

``lab_ui.jobs`` (the live-job runner) is imported on its own by the pages that run long jobs.
"""

from __future__ import annotations

from lab_ui.blocks import (
    CHART_CONFIG,
    Download,
    chart,
    csv_download,
    download_buttons,
    html_download,
    quiz_section,
    show_code,
)
from lab_ui.messages import error, info, success, warning
from lab_ui.page import lesson_link, page_setup
from lab_ui.state import UrlState, url_state

__all__ = [
    "CHART_CONFIG",
    "Download",
    "UrlState",
    "chart",
    "csv_download",
    "download_buttons",
    "error",
    "html_download",
    "info",
    "lesson_link",
    "page_setup",
    "quiz_section",
    "show_code",
    "success",
    "url_state",
    "warning",
]
