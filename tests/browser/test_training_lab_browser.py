"""Training lab in a real headless Chromium: the shipped result beside the essay's words, a live run through the job
pool finishes at least one run and shows it, and no request leaves the server (marker ``browser``).

Uses the shared fixtures of ``tests/browser/conftest.py`` (one playwright instance per test session). The stop path
of the job pool is tested in ``tests/lab_ui/test_jobs.py``.
"""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.browser


def test_live_run_shows_its_result_offline(streamlit_server: str, page) -> None:
    hosts: set[str] = set()
    page.on("request", lambda req: hosts.add(req.url.split("/")[2]))
    page.goto(f"{streamlit_server}/training_lab?exp=truncation", timeout=120_000)
    page.wait_for_selector('[data-testid="stPlotlyChart"]', timeout=120_000)
    assert page.get_by_text("The essay says").count() >= 1
    assert page.get_by_text("The seed's claim").count() == 0
    page.get_by_text("Run it live").first.click()
    page.get_by_role("button", name="Run live").click()
    # at least one run finished: the live result becomes selectable beside the shipped one
    page.get_by_text("live run", exact=True).first.wait_for(timeout=240_000)
    assert page.locator('[data-testid="stException"]').count() == 0
    assert hosts == {streamlit_server.split("/")[2]}  # offline: only our own server was contacted
