"""Training lab in a real headless Chromium: the shipped result beside the essay's words, a live run through the job
pool finishes at least one run and shows it, and no request leaves the server (marker ``browser``).

Uses the shared fixtures of ``tests/browser/conftest.py`` (one playwright instance per test session). The stop path
of the job pool is tested in ``tests/lab_ui/test_jobs.py``.
"""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.browser

PANEL_BUTTONS = "[...document.querySelectorAll('[data-testid=stExpanderDetails] button')]"


def _panel_button_enabled(name: str) -> str:
    return f"() => {PANEL_BUTTONS}.some(b => b.innerText.trim() === '{name}' && !b.disabled)"


END_TEXTS = ("Finished in", "The run failed", "Stopped:")
ENDED_JS = (
    "() => { const t = document.body.innerText; return " + " || ".join(f"t.includes('{t}')" for t in END_TEXTS) + "; }"
)


def start_job(page, attempts: int = 3) -> None:
    """Click Run live until the job is visibly queued or running (Stop enabled) or has already ended. A click that
    lands while the script is mid-rerun can be dropped by the browser; a second click then starts the job (never
    two jobs: the pool refuses a second job of one session)."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    for _ in range(attempts):
        page.get_by_role("button", name="Run live").click()
        try:
            page.wait_for_function(f"() => ({_panel_button_enabled('Stop')})() || ({ENDED_JS})()", timeout=60_000)
            return
        except PlaywrightTimeout:
            continue


def wait_for_job_end(page, timeout_ms: int) -> str:
    """Wait until the job panel says the job finished, failed or stopped; return "done", or the page's text (for
    the assertion message) when the job did not finish or did not end in time."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    try:
        page.wait_for_function(ENDED_JS, timeout=timeout_ms)
    except PlaywrightTimeout:
        return "the job did not end in time; the page says: " + page.inner_text("body")[-3000:]
    if page.get_by_text("Finished in").count():
        return "done"
    return page.inner_text("body")[-3000:]


def test_live_run_shows_its_result_offline(streamlit_server: str, page) -> None:
    hosts: set[str] = set()
    page.on("request", lambda req: hosts.add(req.url.split("/")[2]))
    page.goto(f"{streamlit_server}/training_lab?exp=truncation", timeout=120_000)
    # the first chart in the page sits in the collapsed datasets expander: wait for a visible one
    page.wait_for_selector('[data-testid="stPlotlyChart"] >> visible=true', timeout=120_000)
    assert page.get_by_text("The essay says").count() >= 1
    assert page.get_by_text("The seed's claim").count() == 0
    page.get_by_text("Run it live").first.click()
    start_job(page)
    # the job ends (or says why not), then the live result becomes selectable beside the shipped one
    outcome = wait_for_job_end(page, timeout_ms=480_000)
    assert outcome == "done", outcome
    page.get_by_text("live run", exact=True).first.wait_for(timeout=60_000)
    assert page.locator('[data-testid="stException"]').count() == 0
    assert hosts == {streamlit_server.split("/")[2]}  # offline: only our own server was contacted


def test_stop_keeps_the_finished_runs(streamlit_server: str, page) -> None:
    page.goto(f"{streamlit_server}/training_lab?exp=sample-efficiency", timeout=120_000)
    # the first chart in the page sits in the collapsed datasets expander: wait for a visible one
    page.wait_for_selector('[data-testid="stPlotlyChart"] >> visible=true', timeout=120_000)
    page.get_by_text("Run it live").first.click()
    # a long budget, so the job cannot finish before Stop is pressed (a race that made this test flaky)
    steps = page.get_by_label("Largest step budget per run")
    steps.fill("3000")
    steps.press("Enter")
    page.wait_for_function(
        "() => [...document.querySelectorAll('input')].some(i => i.value === '3000')", timeout=60_000
    )
    page.get_by_role("button", name="Run live").click()
    panel = page.get_by_test_id("stExpanderDetails")
    stop = panel.get_by_role("button", name="Stop", exact=True)  # not Streamlit's own header Stop
    page.wait_for_function(_panel_button_enabled("Stop"), timeout=120_000)
    stop.click()
    page.get_by_text("Stopped: the points finished before the stop are kept.").wait_for(timeout=180_000)
    assert page.locator('[data-testid="stException"]').count() == 0
    # the job is over: Run live is offered again
    page.wait_for_function(_panel_button_enabled("Run live"), timeout=60_000)
