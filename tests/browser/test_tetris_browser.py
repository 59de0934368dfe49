"""The Tetris page in a real headless Chromium (marker ``browser``): the 3D pieces and the shipped accuracy figure
render, a short live training runs in the job pool and its result replaces the shipped one, no exception, and no
request leaves the server. Uses the shared fixtures of ``tests/browser/conftest.py``."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.browser

EXCEPTION = '[data-testid="stException"]'


def test_pieces_render_and_a_live_run_finishes(streamlit_server: str, page, screenshot_dir) -> None:
    hosts: set[str] = set()
    page.on("request", lambda req: hosts.add(req.url.split("/")[2]))
    page.goto(f"{streamlit_server}/tetris?seeds=1&copies=0&eqsteps=10&mlpsteps=10", timeout=120_000)
    page.get_by_text("Orthogonal maps of").first.wait_for(timeout=120_000)
    page.wait_for_selector('[data-testid="stPlotlyChart"] .js-plotly-plot', timeout=60_000)
    page.wait_for_selector('[data-testid="stPlotlyChart"] canvas', timeout=60_000)  # the 3D scenes are WebGL
    assert page.get_by_text("Fixed-subspace dimension").count() >= 1
    assert page.get_by_text("Budget:").count() >= 1  # a shipped run is shown before any live run
    page.get_by_role("button", name="Train live").click()
    page.get_by_text("Finished in").wait_for(timeout=180_000)
    page.get_by_text("live run", exact=True).first.wait_for(timeout=60_000)
    page.get_by_text("Budget: 10 Adam steps (equivariant), 10 (MLP").first.wait_for(timeout=60_000)
    assert page.locator(EXCEPTION).count() == 0
    page.screenshot(path=str(screenshot_dir / "tetris-live.png"), full_page=True)
    assert hosts == {streamlit_server.split("/")[2]}  # offline: only our own server was contacted
