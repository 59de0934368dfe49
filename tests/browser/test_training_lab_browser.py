"""Training lab in a real headless Chromium: a live run shows a progress bar, the Stop button really
interrupts it and the finished points stay, and no request leaves the server (marker ``browser``).

Uses the shared fixtures of ``tests/browser/conftest.py`` (one playwright instance per test session: a second
``sync_playwright()`` inside the same process is refused by playwright).
"""
from __future__ import annotations

import time

import pytest

pytestmark = pytest.mark.browser


def test_stop_button_interrupts_a_live_run_and_keeps_points(streamlit_server: str, page) -> None:
    hosts: set[str] = set()
    page.on("request", lambda req: hosts.add(req.url.split("/")[2]))
    page.goto(f"{streamlit_server}/training_lab?exp=truncation", timeout=120_000)
    page.wait_for_selector('[data-testid="stPlotlyChart"]', timeout=120_000)
    page.get_by_role("button", name="Run live").click()
    stop = page.get_by_role("button", name="Stop (keep finished points)")
    stop.wait_for(timeout=60_000)
    # wait until at least one point finished (the live radio appears), then stop
    page.get_by_text("live run", exact=True).first.wait_for(timeout=180_000)
    stop.click()
    page.get_by_text("Stopped:").wait_for(timeout=60_000)
    assert page.locator('[data-testid="stException"]').count() == 0
    text = page.get_by_text("Stopped:").inner_text()
    kept = int(text.split("from ")[1].split(" finished")[0])
    assert 1 <= kept < 9  # stopped before the 9 degrees L = 0..8 were all trained
    time.sleep(3)  # nothing keeps training after the stop
    assert page.get_by_text("Stopped:").inner_text() == text
    assert hosts == {streamlit_server.split("/")[2]}  # offline: only our own server was contacted
