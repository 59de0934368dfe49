"""Offline: the app talks only to its own server (issue 7), recorded request by request in a real Chromium.

Every request of every page (and of the first "... HTML" figure download it offers) (documents, scripts, styles, fonts, images, XHR/fetch, workers, frames) goes through
a context-wide route: requests to the app's own host continue, anything else is *recorded and aborted*, so the test
also proves the pages render without the outside world. WebSocket URLs are recorded separately. Each page is loaded,
its expanders opened (lazy content) and scrolled to the bottom before the record is checked.

A second test opens a downloaded figure (``figure_to_html``) with *all* network blocked and checks that plotly
draws it: the HTML download works offline.

Fixtures ``streamlit_server`` (base URL) and ``browser`` (playwright Browser) come from ``tests/browser/conftest.py``.
"""

from __future__ import annotations

import contextlib
import re
from pathlib import Path
from urllib.parse import urlparse

import plotly.graph_objects as go
import pytest

from equi_core.lessons.classroom import figure_to_html
from tests.browser.test_pages_browser import PAGES, wait_for_app_idle

pytestmark = pytest.mark.browser

EXCEPTION = '[data-testid="stException"]'


def _open_everything(page) -> None:
    """Open collapsed expanders and scroll the main area to the bottom, so lazily loaded content is requested."""
    summaries = page.locator('[data-testid="stMain"] [data-testid="stExpander"] details:not([open]) > summary')
    for i in range(min(summaries.count(), 10)):
        with contextlib.suppress(Exception):  # an expander that re-rendered meanwhile is fine to skip
            summaries.nth(i).click(timeout=5_000)
    page.evaluate(
        """() => {
            const m = document.querySelector('[data-testid="stMain"]');
            if (m) m.scrollTo(0, m.scrollHeight);
            window.scrollTo(0, document.body.scrollHeight);
        }"""
    )


@pytest.mark.parametrize(("name", "url_path"), PAGES, ids=[p[0] for p in PAGES])
def test_page_requests_only_its_own_server(streamlit_server: str, browser, name: str, url_path: str) -> None:
    own = urlparse(streamlit_server)
    context = browser.new_context(viewport={"width": 1440, "height": 900}, service_workers="block")
    foreign: list[str] = []
    own_requests: list[str] = []
    broken: list[str] = []
    websockets: list[str] = []
    downloads: list[str] = []

    def route(r) -> None:
        parsed = urlparse(r.request.url)
        if parsed.scheme in ("data", "blob", "about"):
            r.continue_()
        elif parsed.hostname == own.hostname and parsed.port == own.port:
            own_requests.append(r.request.url)
            r.continue_()
        else:
            foreign.append(f"{r.request.resource_type} {r.request.url}")
            r.abort()

    def response(resp) -> None:
        parsed = urlparse(resp.url)
        # Streamlit's frontend finds its base path by probing <page>/_stcore/health and host-config first;
        # those 404s are by design. Any other error status from our server is a broken asset or media file.
        probe = resp.status == 404 and parsed.path.endswith(("/_stcore/health", "/_stcore/host-config"))
        if resp.status >= 400 and parsed.netloc == own.netloc and not probe:
            broken.append(f"{resp.status} {resp.url}")

    try:
        context.route("**/*", route)
        page = context.new_page()
        page.on("websocket", lambda ws: websockets.append(ws.url))
        page.on("response", response)
        page.goto(streamlit_server + url_path)
        wait_for_app_idle(page)
        _open_everything(page)
        page.wait_for_timeout(1_000)
        wait_for_app_idle(page)
        assert page.locator(EXCEPTION).count() == 0, f"{name}: stException shown"
        html_buttons = page.locator('[data-testid="stDownloadButton"] button', has_text="HTML")
        if url_path != "/":  # lesson pages offer downloads; they render a moment after the script is idle
            with contextlib.suppress(Exception):  # playwright TimeoutError: no HTML download (checked by AppTest)
                html_buttons.first.wait_for(state="attached", timeout=60_000)
        if html_buttons.count():  # the figure download (deferred figure_to_html) arrives and is standalone
            with page.expect_download(timeout=120_000) as info:
                html_buttons.first.click()
            download = info.value
            text = Path(download.path()).read_text(encoding="utf-8")
            assert download.suggested_filename.endswith(".html"), download.suggested_filename
            assert "Plotly.newPlot" in text and len(text) > 1_000_000, f"{name}: the HTML download lacks plotly.js"
            assert not re.search(r"<script[^>]+src=", text, re.IGNORECASE), f"{name}: the HTML download loads a script"
            wait_for_app_idle(page)
            assert page.locator(EXCEPTION).count() == 0, f"{name}: stException after the download"
            downloads.append(download.suggested_filename)
    finally:
        context.close()

    assert own_requests, f"{name}: no request reached the app's server at all"
    assert not foreign, f"{name}: requests to hosts other than {own.netloc}: {sorted(set(foreign))}"
    assert websockets, f"{name}: no websocket to the app's server was opened"
    bad_ws = [u for u in websockets if urlparse(u).netloc != own.netloc]
    assert not bad_ws, f"{name}: websockets to other hosts: {bad_ws}"
    assert not broken, f"{name}: the app's own server answered with errors: {broken}"
    print(f"{name}: {len(own_requests)} requests, all to {own.netloc}; HTML download checked: {downloads}")


def test_downloaded_figure_html_renders_offline(browser, tmp_path) -> None:
    """The HTML download (plotly.js inlined) draws its figure with every network request blocked."""
    fig = go.Figure(go.Scatter3d(x=[0, 1], y=[0, 1], z=[0, 1], mode="lines+markers"), layout_title_text="offline")
    path = tmp_path / "figure.html"
    path.write_text(figure_to_html(fig), encoding="utf-8")
    context = browser.new_context(service_workers="block")
    requested: list[str] = []

    def route(r) -> None:
        if urlparse(r.request.url).scheme in ("file", "data", "blob", "about"):
            r.continue_()
        else:
            requested.append(r.request.url)
            r.abort()

    try:
        context.route("**/*", route)
        page = context.new_page()
        page.goto(path.as_uri())
        page.wait_for_selector(".js-plotly-plot .main-svg", state="attached", timeout=30_000)
        assert page.evaluate("typeof window.Plotly") == "object"
        assert page.title() == "offline"
    finally:
        context.close()
    assert not requested, f"the downloaded figure tried to fetch {requested}"
