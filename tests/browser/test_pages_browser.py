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

REPO_ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.browser

EXPECTED_PAGE_COUNT = 10
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


def runs_finished(page) -> int:
    """Script runs finished since the document loaded (counted by conftest's init script; -1 if not installed)."""
    return int(page.evaluate("typeof window.__stRuns === 'number' ? window.__stRuns : -1"))


def wait_for_app_idle(page, timeout_ms: int = RUN_TIMEOUT_MS, settle_ms: int = 600, min_runs: int = 1) -> None:
    """Wait until at least ``min_runs`` script runs have finished since the page loaded, the script is not
    running and nothing is stale, and that has held for ``settle_ms``.

    ``min_runs`` counts from the document load (see ``RUN_COUNTER_JS`` in conftest); after a widget change pass
    ``runs_finished(page) + 1`` measured before the change.
    """
    deadline = time.monotonic() + timeout_ms / 1000
    page.wait_for_selector('[data-testid="stApp"]', timeout=timeout_ms)
    idle_since: float | None = None
    state: dict = {}
    while time.monotonic() < deadline:
        state = page.evaluate(
            """() => {
                const app = document.querySelector('[data-testid="stApp"]');
                const s = app ? app.getAttribute('data-test-script-state') : null;
                const main = document.querySelector('[data-testid="stMainBlockContainer"]');
                const stale = document.querySelectorAll('[data-stale="true"]').length;
                const runs = typeof window.__stRuns === 'number' ? window.__stRuns : null;
                return {state: s, children: main ? main.querySelectorAll('[data-testid]').length : 0,
                        stale: stale, runs: runs};
            }"""
        )
        enough_runs = state["runs"] is None or state["runs"] >= min_runs
        idle = state["state"] == "notRunning" and state["children"] > 0 and state["stale"] == 0 and enough_runs
        now = time.monotonic()
        if idle:
            idle_since = idle_since or now
            if (now - idle_since) * 1000 >= settle_ms:
                return
        else:
            idle_since = None
        page.wait_for_timeout(100)
    raise AssertionError(f"the app did not finish running within {timeout_ms} ms (last state {state})")


def change_one_widget(page) -> str:
    """Change the first slider (keyboard), else number input, checkbox, radio or select box; describe the change.

    Widgets inside an ``st.form`` are skipped: they only rerun the script when the form is submitted. So are widgets
    that are not visible (inside a collapsed expander or an inactive tab): a learner cannot click them either.
    """
    main = '[data-testid="stMain"] '

    def outside_forms(test_id: str) -> str:
        return f'[data-testid="{test_id}"]:not([data-testid="stForm"] [data-testid="{test_id}"])'

    slider = page.locator(main + outside_forms("stSlider") + ' input[type="range"]').filter(visible=True)
    if slider.count():
        thumb = slider.first
        before = thumb.input_value()
        thumb.focus()
        page.keyboard.press("ArrowRight")
        page.wait_for_timeout(150)
        if thumb.input_value() == before:  # at the maximum: go the other way
            page.keyboard.press("ArrowLeft")
            page.wait_for_timeout(150)
        return f"slider {before} -> {thumb.input_value()}"
    for test_id in ("stNumberInputStepUp", "stNumberInputStepDown"):
        button = page.locator(
            main + outside_forms("stNumberInput") + f' button[data-testid="{test_id}"]:not([disabled])'
        ).filter(visible=True)
        if button.count():
            button.first.click()
            return f"number input {test_id}"
    checkbox = page.locator(main + outside_forms("stCheckbox") + " label").filter(visible=True)
    if checkbox.count():
        checkbox.first.click()
        return "checkbox toggled"
    option = page.locator(main + outside_forms("stRadio") + ' label:has(input[type="radio"]:not(:checked))').filter(
        visible=True
    )
    if option.count():
        text = option.first.inner_text()
        option.first.click()
        return f"radio option {text!r}"
    select = page.locator(main + outside_forms("stSelectbox")).filter(visible=True)
    if select.count():
        select.first.click()
        page.keyboard.press("ArrowDown")
        page.keyboard.press("Enter")
        return "select box next option"
    raise AssertionError("no slider, number input, checkbox, radio or select box outside a form on the page")


def assert_no_exception(page, where: str) -> None:
    exceptions = page.locator(EXCEPTION)
    if exceptions.count():
        raise AssertionError(f"{where}: stException shown:\n{exceptions.first.inner_text()[:2000]}")


def assert_plotly_rendered(page, where: str) -> None:
    """At least one plotly figure with drawn SVG; every 3D scene has a WebGL canvas (no 'WebGL not supported')."""
    try:  # the plotly element is loaded lazily (a separate JS chunk), after the script run has finished
        page.wait_for_selector('[data-testid="stPlotlyChart"]', timeout=PLOTLY_TIMEOUT_MS, state="attached")
    except Exception:  # noqa: BLE001 - playwright TimeoutError
        raise AssertionError(f"{where}: no st.plotly_chart appeared within {PLOTLY_TIMEOUT_MS} ms") from None
    try:
        page.wait_for_selector(f"{PLOTLY} .main-svg", timeout=PLOTLY_TIMEOUT_MS, state="attached")
    except Exception as exc:  # noqa: BLE001 - playwright TimeoutError
        raise AssertionError(f"{where}: st.plotly_chart present but no plotly figure drawn: {exc}") from None
    page.wait_for_timeout(500)  # let the remaining figures of the page draw
    info = page.evaluate(
        """() => Array.from(document.querySelectorAll('.js-plotly-plot')).map(p => ({
                scenes: p._fullLayout ? Object.keys(p._fullLayout).filter(k => /^scene\\d*$/.test(k)).length : 0,
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
    page.screenshot(path=str(path), full_page=True, timeout=120_000)
    page.set_viewport_size({"width": width, "height": 900})


def test_app_registers_every_page() -> None:
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

    before = runs_finished(page)
    what = change_one_widget(page)
    try:
        wait_for_app_idle(page, min_runs=before + 1)
    except AssertionError as exc:
        raise AssertionError(f"{name}: changing a widget ({what}) did not rerun the script: {exc}") from None
    assert_no_exception(page, f"{name} (after {what})")
    assert_plotly_rendered(page, f"{name} (after {what})")
    screenshot(page, screenshot_dir / f"{name}.png")


@pytest.mark.parametrize(
    ("name", "url_path"), [p for p in PAGES if p[1] != "/"], ids=[p[0] for p in PAGES if p[1] != "/"]
)
def test_deep_link_on_a_fresh_server_runs_the_app(fresh_streamlit_server: str, page, name: str, url_path: str) -> None:
    """A shared link to a lesson is often the *first* request a server sees (a teacher restarts it, then sends the
    link). It must run through ``app.py`` (page config, navigation, sidebar), not as a bare file from ``pages/``.

    Streamlit falls back to its old multipage mode (every file of ``pages/`` listed, ``app.py`` skipped) until
    ``st.navigation`` has run once in the server process, if a directory named ``pages/`` sits next to the entry
    point. Each page guards against it (``PagesManager.uses_pages_directory`` -> run ``app.py``).
    """
    page.goto(fresh_streamlit_server + url_path)
    wait_for_app_idle(page)
    assert_no_exception(page, f"{name} opened by a deep link")
    links = page.eval_on_selector_all(
        '[data-testid="stSidebarNav"] a[data-testid="stSidebarNavLink"]', "els => els.map(e => e.href)"
    )
    paths = sorted((urlparse(h).path or "/") for h in links)
    assert paths == sorted(url for _, url in PAGES), (
        f"deep link {url_path} on a fresh server shows the navigation {paths}, not app.py's: Streamlit ran the file "
        "from pages/ without app.py (the page needs the PagesManager.uses_pages_directory guard)"
    )


def test_rotation_animation_plays_in_the_browser_without_the_server(streamlit_server: str, page) -> None:
    """The full-turn animation on "Rotations act on irrep blocks" is client-side: ▶ advances the plotly frames
    (24 of them, every 15 degrees) while the Streamlit script does not run again."""
    page.goto(streamlit_server + "/irreps_rotations")
    wait_for_app_idle(page)
    page.wait_for_selector(".js-plotly-plot .updatemenu-button", timeout=PLOTLY_TIMEOUT_MS)
    probe = """() => {
        const a = Array.from(document.querySelectorAll('.js-plotly-plot'))
            .find(p => p.layout && p.layout.sliders && p.layout.sliders.length);
        return a ? {frames: ((a._transitionData || {})._frames || []).length,
                    active: a._fullLayout.sliders[0].active} : null;
    }"""
    before = page.evaluate(probe)
    assert before == {"frames": 24, "active": 0}, before
    runs = runs_finished(page)
    play = page.locator(".js-plotly-plot .updatemenu-button").first
    play.scroll_into_view_if_needed()
    play.click()
    page.wait_for_timeout(1500)
    after = page.evaluate(probe)
    assert after["active"] > 0, f"the animation did not advance: {after}"
    assert runs_finished(page) == runs, "playing the animation reran the Streamlit script (it must be client-side)"
