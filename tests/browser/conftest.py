"""Fixtures for the real-browser tests (marker ``browser``).

* ``streamlit_server``: one ``streamlit run app.py`` per test session on 127.0.0.1 and a free port; the
  fixture yields the base URL once ``/_stcore/health`` answers ``ok`` and stops the server afterwards.
* ``browser``: a headless Chromium launched from Debian's ``/usr/bin/chromium`` by the pip ``playwright`` package
  (``playwright install`` is never needed).

If chromium (or playwright) is missing the browser tests *skip*, except when the environment variable ``CI`` is
set to a true value: then they *fail*, so a CI run can never be green without having driven a real browser.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from lab_ui.server import free_port, start_server, stop_server

REPO_ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SCREENSHOT_DIR = REPO_ROOT / "artifacts" / "screenshots"
#: Installed in every page before Streamlit's own scripts: counts finished script runs in ``window.__stRuns``
#: (transitions of ``data-test-script-state`` away from "running"), so tests can wait for a run to *finish*.
RUN_COUNTER_JS = """
(() => {
  window.__stRuns = 0;
  window.__stState = null;
  const seen = (el) => {
    const s = el.getAttribute('data-test-script-state');
    if (s === window.__stState) return;
    if (window.__stState === 'running') window.__stRuns += 1;
    window.__stState = s;
  };
  const start = () => new MutationObserver((records) => {
    for (const r of records) if (r.target.getAttribute) seen(r.target);
  }).observe(document.documentElement, {subtree: true, attributes: true,
                                          attributeFilter: ['data-test-script-state']});
  if (document.documentElement) start(); else document.addEventListener('DOMContentLoaded', start);
})();
"""
SERVER_START_TIMEOUT_S = 90.0


def in_ci() -> bool:
    """True when the ``CI`` environment variable is set to anything but an empty/false value."""
    return os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")


def _unavailable(reason: str) -> None:
    """Skip locally, fail in CI (a CI run must drive a real browser)."""
    if in_ci():
        pytest.fail(f"browser tests cannot run in CI: {reason}", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="session")
def chromium_executable() -> str:
    """Path of Debian's chromium; skips (or fails under CI) when it or playwright is missing."""
    if not CHROMIUM.exists():
        _unavailable(f"{CHROMIUM} not found (apt-get install -y chromium)")
    try:
        import playwright.sync_api  # noqa: F401 - imported only to learn whether it is available
    except ImportError as exc:  # pragma: no cover - depends on the environment
        _unavailable(f"playwright is not importable: {exc}")
    return str(CHROMIUM)


@contextlib.contextmanager
def run_streamlit_server(log_dir: Path) -> Iterator[str]:
    """Start ``streamlit run app.py`` headless on 127.0.0.1 and a free port (:mod:`lab_ui.server`); yield its base
    URL; stop it."""
    port = free_port()
    try:
        proc = start_server(port, log_dir / f"streamlit-{port}.log", timeout_s=SERVER_START_TIMEOUT_S)
    except RuntimeError as exc:
        pytest.fail(str(exc))
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        stop_server(proc)


@pytest.fixture(scope="session")
def streamlit_server(chromium_executable: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """One ``streamlit run app.py`` shared by the whole test session (base URL)."""
    with run_streamlit_server(tmp_path_factory.mktemp("streamlit")) as base_url:
        yield base_url


@pytest.fixture
def fresh_streamlit_server(chromium_executable: str, tmp_path: Path) -> Iterator[str]:
    """A server of its own that no browser has visited yet (for first-request behaviour such as deep links)."""
    with run_streamlit_server(tmp_path) as base_url:
        yield base_url


@pytest.fixture(scope="session")
def browser(chromium_executable: str) -> Iterator[object]:
    """A headless playwright Chromium (Debian's binary, never a downloaded one)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=chromium_executable, args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture
def page(browser: object) -> Iterator[object]:
    """A fresh browser context and page (projector-sized viewport), closed after the test."""
    context = browser.new_context(viewport={"width": 1440, "height": 900})
    context.add_init_script(RUN_COUNTER_JS)
    pg = context.new_page()
    try:
        yield pg
    finally:
        context.close()


@pytest.fixture(scope="session")
def screenshot_dir() -> Path:
    """``artifacts/screenshots`` (gitignored), created on demand."""
    SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
    return SCREENSHOT_DIR
