"""Page start and links between lessons: the deep-link guard (once, for every page) and ``st.page_link``."""

from __future__ import annotations

import runpy
from pathlib import Path

import streamlit as st
from streamlit.errors import StreamlitAPIException
from streamlit.runtime.scriptrunner import get_script_run_ctx

APP = Path(__file__).resolve().parents[1] / "app.py"


def legacy_discovery() -> bool:
    """True when Streamlit runs a page through its legacy ``pages/`` discovery instead of ``app.py``'s navigation.

    On a fresh server a first deep link (``/truncation``) may reach a page before ``app.py`` ran ``st.navigation``;
    Streamlit then lists ``app.py`` itself among the session's pages. The check reads this session's own pages
    manager, so it is race-free between sessions. Outside a script run (plain Python) it is False.
    """
    ctx = get_script_run_ctx()
    if ctx is None:
        return False
    return any(Path(p["script_path"]).name == "app.py" for p in ctx.pages_manager.get_pages().values())


def page_setup(title: str | None = None) -> None:
    """Every page's first call: route a legacy deep link through ``app.py``, then draw the page title.

    Parameters
    ----------
    title : str, optional
        The page's ``st.title``; None draws none.

    Notes
    -----
    A deep link that reached the page through legacy discovery runs ``app.py`` (page config, sidebar, navigation,
    which then runs this page properly) and stops this run, so the page never renders twice.
    """
    if legacy_discovery():
        runpy.run_path(str(APP))
        st.stop()
    if title is not None:
        st.title(title)


def lesson_link(page: str, label: str, icon: str | None = None, *, fallback: str | None = None) -> None:
    """A link to another lesson (``st.page_link``); outside ``app.py``'s navigation a caption instead.

    Parameters
    ----------
    page : str
        The page file, e.g. ``"pages/truncation.py"``.
    label, icon : str
        The link's text and icon.
    fallback : str, optional
        Markdown shown when the page is unknown (a page run alone, as in a test); default
        ``"→ {label} (see the sidebar)"``.
    """
    try:
        st.page_link(page, label=label, icon=icon)
    except StreamlitAPIException:  # the target is unknown without app.py's st.navigation
        st.caption(fallback if fallback is not None else f"→ {label} (see the sidebar)")
