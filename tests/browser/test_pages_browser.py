"""Every page of the app in a real headless Chromium (``pytest -m browser``).

For each page registered in ``app.py`` (found by parsing ``st.Page(...)`` calls, and cross-checked against the
sidebar links in the DOM): load it, wait until the script has finished, assert a plotly figure rendered (a canvas
for 3D scenes), no ``stException`` element, change one widget with the keyboard/mouse and check that the page
reran without exception. Screenshots go to ``artifacts/screenshots/<page>.png`` (gitignored).

The tests are generic: a page that other developers are still writing is covered as soon as it lands.
"""
from __future__ import annotations

import ast
import time
from pathlib import Path
from urllib.parse import urlparse

import pytest

from tests.browser.conftest import REPO_ROOT

pytestmark = pytest.mark.browser

EXPECTED_PAGE_COUNT = 7
RUN_TIMEOUT_MS = 120_000
PLOTLY_TIMEOUT_MS = 30_000
EXCEPTION = '[data-testid="stException"]'
PLOTLY = '[data-testid="stPlotlyChart"] .js-plotly-plot'


def app_pages(app_file: Path = REPO_ROOT / "app.py") -> list[tuple[str, str]]:
    """``(name, url_path)`` for every ``st.Page("pages/<name>.py", ...)`` in ``app.py``, in order.

    Streamlit derives the URL path of a file page from its file stem; the ``default=True`` page is served at ``/``.
    """
    tree = ast.parse(app_file.read_text())
    pages: list[tuple[str, str]] = []
    calls = sorted((n for n in ast.walk(tree) if isinstance(n, ast.Call)), key=lambda n: (n.lineno, n.col_offset))
    for node in calls:  # in source order = navigation order
        if not (isinstance(node, ast.Call) and getattr(node.func, "attr", getattr(node.func, "id", None)) == "Page"):
            continue
        if not node.args or not isinstance(node.args[0], ast.Constant) or not isinstance(node.args[0].value, str):
            continue
        name = Path(node.args[0].value).stem
        default = any(
            kw.arg == "default" and isinstance(kw.value, ast.Constant) and kw.value.value is True
            for kw in node.keywords
        )
        url_path = ""
        for kw in node.keywords:
            if kw.arg == "url_path" and isinstance(kw.value, ast.Constant):
                url_path = str(kw.value.value)
        pages.append((name, "/" if default else "/" + (url_path or name)))
    return pages


PAGES = app_pages()


def wait_for_app_idle(page, timeout_ms: int = RUN_TIMEOUT_MS, settle_ms: int = 600) -> None:
    """Wait until the Streamlit script is not running and has stayed so for ``settle_ms``."""
    deadline = time.monotonic() + timeout_ms / 1000
    page.wait_for_selector('[data-testid="stApp"]', timeout=timeout_ms)
    idle_since: float | None = None
    while time.monotonic() < deadline:
        state = page.evaluate(
            """() => {
                const app = document.querySelector('[data-testid="stApp"]');
                const s = app ? app.getAttribute('data-test-script-state') : null;
                const main = document.querySelector('[data-testid="stMainBlockContainer"]');
                const stale = document.querySelectorAll('[data-stale="true"]').length;
                return {state: s, children: main ? main.querySelectorAll('[data-testid]').length : 0, stale: stale};
            }"""
        )
        idle = state["state"] == "notRunning" and state["children"] > 0 and state["stale"] == 0
        now = time.monotonic()
        if idle:
            idle_since = idle_since or now
            if (now - idle_since) * 1000 >= settle_ms:
                return
        else:
            idle_since = None
        page.wait_for_timeout(100)
    raise AssertionError(f"the app did not finish running within {timeout_ms} ms")


def install_rerun_probe(page) -> None:
    """Record in ``window.__sawRunning`` whether the script state becomes 'running' from now on."""
    page.evaluate(
        """() => {
            window.__sawRunning = false;
            const app = document.querySelector('[data-testid="stApp"]');
            if (window.__rerunObserver) window.__rerunObserver.disconnect();
            window.__rerunObserver = new MutationObserver(() => {
                if (app.getAttribute('data-test-script-state') === 'running') window.__sawRunning = true;
            });
            window.__rerunObserver.observe(app, {attributes: true, attributeFilter: ['data-test-script-state']});
        }"""
    )


def change_one_widget(page) -> str:
    """Change the first slider (keyboard), else number input, select box, checkbox or radio; describe it."""
    slider = page.locator('[data-testid="stMain"] [data-testid="stSlider"] [role="slider"]')
    if slider.count():
        thumb = slider.first
        before = thumb.get_attribute("aria-valuenow")
        thumb.focus()
        page.keyboard.press("ArrowRight")
        page.wait_for_timeout(100)
        if thumb.get_attribute("aria-valuenow") == before:  # at the maximum: go the other way
            page.keyboard.press("ArrowLeft")
            page.keyboard.press("ArrowLeft")
        return f"slider {before} -> {thumb.get_attribute('aria-valuenow')}"
    number = page.locator('[data-testid="stMain"] [data-testid="stNumberInput"] button[data-testid="stNumberInputStepUp"]')
    if number.count():
        number.first.click()
        return "number input step up"
    checkbox = page.locator('[data-testid="stMain"] [data-testid="stCheckbox"] label')
    if checkbox.count():
        checkbox.first.click()
        return "checkbox toggled"
    radio = page.locator('[data-testid="stMain"] [data-testid="stRadio"] label')
    if radio.count() > 1:
        radio.nth(1).click()
        return "radio second option"
    select = page.locator('[data-testid="stMain"] [data-testid="stSelectbox"]')
    if select.count():
        select.first.click()
        page.keyboard.press("ArrowDown")
        page.keyboard.press("Enter")
        return "select box next option"
    raise AssertionError("no slider, number input, checkbox, radio or select box on the page")


def assert_no_exception(page, where: str) -> None:
    exceptions = page.locator(EXCEPTION)
    if exceptions.count():
        raise AssertionError(f"{where}: stException shown:\n{exceptions.first.inner_text()[:2000]}")


def assert_plotly_rendered(page, where: str) -> None:
    """At least one plotly figure with drawn SVG; every 3D scene has a WebGL canvas (no 'WebGL not supported')."""
    charts = page.locator('[data-testid="stPlotlyChart"]').count()
    assert charts > 0, f"{where}: the page finished running without any st.plotly_chart"
    try:  # the plotly component is loaded lazily: give it time to draw
        page.wait_for_selector(f"{PLOTLY} .main-svg", timeout=PLOTLY_TIMEOUT_MS, state="attached")
    except Exception as exc:  # playwright TimeoutError
        raise AssertionError(f"{where}: st.plotly_chart present but no plotly figure drawn: {exc}") from None
    info = page.evaluate(
        """() => Array.from(document.querySelectorAll('.js-plotly-plot')).map(p => ({
                scenes: p.querySelectorAll('.gl-container').length,
                canvases: p.querySelectorAll('.gl-container canvas').length,
                noWebgl: p.querySelectorAll('.no-webgl').length,
                svgs: p.querySelectorAll('.main-svg').length,
            }))"""
    )
    assert info, f"{where}: no plotly figure"
    for i, fig in enumerate(info):
        assert fig["svgs"] > 0, f"{where}: plotly figure {i} has no SVG layer"
        if fig["scenes"]:
            assert fig["noWebgl"] == 0, f"{where}: plotly figure {i} says WebGL is not supported"
            assert fig["canvases"] > 0, f"{where}: 3D figure {i} has no canvas"


def screenshot(page, path: Path) -> None:
    """A full-height screenshot of the app (the main area scrolls inside the app, so grow the viewport)."""
    height = page.evaluate(
        """() => {
            const m = document.querySelector('[data-testid="stMain"]');
            const b = document.querySelector('[data-testid="stMainBlockContainer"]');
            return Math.max(m ? m.scrollHeight : 0, b ? b.scrollHeight + 200 : 0, document.body.scrollHeight);
        }"""
    )
    width = page.viewport_size["width"] if page.viewport_size else 1440
    page.set_viewport_size({"width": width, "height": int(min(max(900, height), 12000))})
    page.wait_for_timeout(800)  # let plotly relayout to the new size
    page.screenshot(path=str(path), full_page=True)
    page.set_viewport_size({"width": width, "height": 900})


def test_app_registers_seven_pages() -> None:
    assert len(PAGES) == EXPECTED_PAGE_COUNT, PAGES
    assert sum(1 for _, url in PAGES if url == "/") == 1, "exactly one default page"


def test_sidebar_lists_every_page(streamlit_server: str, page) -> None:
    """The sidebar navigation (the DOM) links exactly the pages parsed from app.py."""
    page.goto(streamlit_server + "/")
    wait_for_app_idle(page)
    hrefs = page.eval_on_selector_all(
        '[data-testid="stSidebarNav"] a[data-testid="stSidebarNavLink"]', "els => els.map(e => e.href)"
    )
    paths = sorted((urlparse(h).path or "/") for h in hrefs)
    assert len(paths) == EXPECTED_PAGE_COUNT, paths
    assert paths == sorted(url for _, url in PAGES)


@pytest.mark.parametrize(("name", "url_path"), PAGES, ids=[p[0] for p in PAGES])
def test_page_renders_and_reruns(streamlit_server: str, page, screenshot_dir: Path, name: str, url_path: str) -> None:
    page.goto(streamlit_server + url_path)
    wait_for_app_idle(page)
    assert_no_exception(page, f"{name} (first run)")
    assert_plotly_rendered(page, name)

    install_rerun_probe(page)
    what = change_one_widget(page)
    page.wait_for_timeout(400)
    wait_for_app_idle(page)
    assert page.evaluate("window.__sawRunning"), f"{name}: changing a widget ({what}) did not rerun the script"
    assert_no_exception(page, f"{name} (after {what})")
    assert_plotly_rendered(page, f"{name} (after {what})")
    screenshot(page, screenshot_dir / f"{name}.png")


def test_app_requests_only_its_own_server(streamlit_server: str, page) -> None:
    """Offline-ready: loading every page makes no request to any host but the app's own server (no CDN)."""
    own = urlparse(streamlit_server).netloc
    foreign: list[str] = []

    def record(request) -> None:
        parsed = urlparse(request.url)
        if parsed.scheme in ("http", "https", "ws", "wss") and parsed.netloc != own:
            foreign.append(request.url)

    page.on("request", record)
    for name, url_path in PAGES:
        page.goto(streamlit_server + url_path)
        wait_for_app_idle(page)
        page.wait_for_timeout(300)
    assert not foreign, f"requests to other hosts: {sorted(set(foreign))}"
