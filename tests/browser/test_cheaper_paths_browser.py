"""Cheaper paths in a real headless Chromium (marker ``browser``): the page loads through ``app.py``'s navigation,
its plotly figures render, a slider change reruns it, and there is no exception element. Uses the shared fixtures."""

from __future__ import annotations

from typing import Any

import pytest

pytestmark = pytest.mark.browser

EXCEPTION = '[data-testid="stException"]'
PLOTLY = '[data-testid="stPlotlyChart"] .js-plotly-plot'


def _settled(page: Any, timeout_ms: int = 120_000) -> None:
    page.wait_for_function(
        "() => window.__stState !== null && window.__stState !== 'running' && window.__stRuns >= 1",
        timeout=timeout_ms,
    )


def test_cheaper_paths_loads_renders_and_reruns(streamlit_server: str, page: Any) -> None:
    page.goto(f"{streamlit_server}/cheaper_paths", timeout=120_000)
    page.get_by_text("1. Cartesian tensors (TensorNet)").wait_for(timeout=120_000)
    _settled(page)
    page.locator(PLOTLY).first.wait_for(timeout=60_000)
    assert page.locator(PLOTLY).count() >= 5
    assert page.locator(EXCEPTION).count() == 0
    # the navigation of app.py is there (the page ran inside it, not alone)
    assert page.locator('[data-testid="stSidebarNav"] a[href$="/cheaper_paths"]').count() == 1
    # a bad matrix gets a message in the page, not a traceback
    box = page.get_by_label("X (9 numbers, row by row)")
    runs = page.evaluate("window.__stRuns")
    box.fill("1, 2, 3")
    box.press("Enter")
    page.wait_for_function(f"() => window.__stRuns > {runs} && window.__stState !== 'running'", timeout=60_000)
    page.get_by_text("Cannot read the matrices").first.wait_for(timeout=30_000)
    assert page.locator(EXCEPTION).count() == 0
