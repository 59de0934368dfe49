"""Training lab in a real headless Chromium: a live run shows a progress bar, the Stop button really
interrupts it and the finished points stay, and no request leaves the server (marker ``browser``)."""
from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync"]
pytestmark = pytest.mark.browser


def _ci() -> bool:
    return os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")


@pytest.fixture(scope="module")
def server():
    if not CHROMIUM.exists():
        if _ci():
            pytest.fail("chromium missing in CI")
        pytest.skip("no /usr/bin/chromium")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", "app.py", "--server.headless", "true", "--server.address",
         "127.0.0.1", "--server.port", str(port), "--browser.gatherUsageStats", "false",
         "--server.fileWatcherType", "none"],
        cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=dict(os.environ, OMP_NUM_THREADS="1"))
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                with urllib.request.urlopen(base + "/_stcore/health", timeout=2) as r:
                    if r.read().strip() == b"ok":
                        break
            except OSError:
                pass
            if time.monotonic() > deadline or proc.poll() is not None:
                pytest.fail("streamlit did not start")
            time.sleep(0.3)
        yield base
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()


def test_stop_button_interrupts_a_live_run_and_keeps_points(server):
    from playwright.sync_api import sync_playwright

    hosts = set()
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        page = browser.new_page(viewport={"width": 1440, "height": 900})
        page.on("request", lambda req: hosts.add(req.url.split("/")[2]))
        page.goto(f"{server}/training_lab?exp=truncation", timeout=120_000)
        page.wait_for_selector('[data-testid="stPlotlyChart"]', timeout=120_000)
        page.get_by_role("button", name="Run live").click()
        page.get_by_role("button", name="Stop (keep finished points)").wait_for(timeout=60_000)
        # wait until at least one point finished (the live radio appears), then stop
        page.get_by_text("live run", exact=True).first.wait_for(timeout=180_000)
        page.get_by_role("button", name="Stop (keep finished points)").click()
        page.get_by_text("Stopped:").wait_for(timeout=60_000)
        assert page.locator('[data-testid="stException"]').count() == 0
        text = page.get_by_text("Stopped:").inner_text()
        kept = int(text.split("from ")[1].split(" finished")[0])
        assert 1 <= kept < 9  # stopped before the 9 degrees L = 0..8 were all trained
        time.sleep(3)  # nothing keeps training after the stop
        assert page.get_by_text("Stopped:").inner_text() == text
        browser.close()
    assert hosts == {server.split("/")[2]}  # offline: only our own server was contacted
