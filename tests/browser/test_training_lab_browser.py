"""Training lab in a real headless Chromium: the shipped result with the essay's words, a live run through the job
pool shows progress, Stop keeps the finished runs, and no request leaves the server (marker ``browser``).

Uses the shared fixtures of ``tests/browser/conftest.py`` (one playwright instance per test session).
"""
from __future__ import annotations

import time

import pytest

pytestmark = pytest.mark.browser


def test_live_run_stops_and_keeps_finished_runs(streamlit_server: str, page) -> None:
    hosts: set[str] = set()
    page.on("request", lambda req: hosts.add(req.url.split("/")[2]))
    page.goto(f"{streamlit_server}/training_lab?exp=truncation", timeout=120_000)
    page.wait_for_selector('[data-testid="stPlotlyChart"]', timeout=120_000)
    assert page.get_by_text("The essay says").count() >= 1
    assert page.get_by_text("The seed's claim").count() == 0
    page.get_by_text("Run it live").first.click()
    page.get_by_role("button", name="Run live").click()
    # wait until at least one run finished (the live result becomes selectable), then stop
    page.get_by_text("live run", exact=True).first.wait_for(timeout=240_000)
    page.get_by_role("button", name="Stop").click()
    page.get_by_text("Stopped: the points finished before the stop are kept.").wait_for(timeout=60_000)
    assert page.locator('[data-testid="stException"]').count() == 0
    time.sleep(3)  # nothing keeps training after the stop: the page still offers the live result
    assert page.get_by_text("live run", exact=True).count() >= 1
    assert hosts == {streamlit_server.split("/")[2]}  # offline: only our own server was contacted
