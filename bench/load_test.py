"""Load test: many concurrent browser sessions against ONE Streamlit server (issue 7).

Starts ``streamlit run app.py`` (or uses ``--url``), opens ``--sessions`` browser contexts in one headless Chromium
(Debian's ``/usr/bin/chromium``, driven by pip playwright), spreads them over the app's pages (session i opens page
i mod 7), and in every session changes widgets ``--rounds`` times (slider thumbs by keyboard, else number-input
steps, else checkboxes/radios) while all sessions stay connected. After every change it waits until the script is
idle and checks for error elements (``stException``: an uncaught exception, or a lost-connection badge);
``st.error`` messages the pages show on purpose are listed in the report, not counted as failures.

Reports: sessions held (connected and error-free to the end), errors, wall time, widget changes and the reruns
they caused, rerun latency per change (median, p95, max, measured in the browser: change -> script idle, so it
includes the 0.4 s idle-settle wait and browser rendering under load), the server's memory before the sessions and its peak
(``VmHWM`` of the server process from ``/proc``; with ``psutil`` when installed, RSS sampled as well).

    python bench/load_test.py --sessions 10 --rounds 4 [--json artifacts/load.json]

Exit status 0 only if every session was held without errors.
"""

from __future__ import annotations

import argparse
import ast
import asyncio
import json
import statistics
import sys
import threading
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parents[1]
if str(REPO_ROOT) not in sys.path:  # `python bench/<script>.py` from a checkout that is not pip-installed
    sys.path.insert(0, str(REPO_ROOT))
from lab_ui.server import free_port, start_server, stop_server

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]
ERROR_SELECTORS = {
    "exception": '[data-testid="stException"]',  # an uncaught exception (traceback) in the script
    "connection": '[data-testid="stConnectionStatus"]',  # the session lost its server
}
#: st.error messages a page shows (bad input, e.g. an empty vector box) are reported, not failures.
ALERT_JS = """() => Array.from(document.querySelectorAll('[data-testid="stAlertContentError"]'))
    .filter(e => !e.closest('[data-testid="stException"]'))
    .map(e => e.innerText.slice(0, 200).replace(/\\s+/g, ' '))"""


# ----------------------------------------------------------------------------- pages and server


def app_pages(app_file: Path = REPO_ROOT / "app.py") -> list[tuple[str, str]]:
    """``(name, url_path)`` of every ``st.Page("pages/x.py", ...)`` in app.py (``/`` for the default page)."""
    tree = ast.parse(app_file.read_text(encoding="utf-8"))
    out = []
    for node in sorted((n for n in ast.walk(tree) if isinstance(n, ast.Call)), key=lambda n: (n.lineno, n.col_offset)):
        if getattr(node.func, "attr", getattr(node.func, "id", None)) != "Page" or not node.args:
            continue
        first = node.args[0]
        if not (isinstance(first, ast.Constant) and isinstance(first.value, str)):
            continue
        kws = {k.arg: k.value for k in node.keywords}
        default = isinstance(kws.get("default"), ast.Constant) and kws["default"].value is True
        url = kws["url_path"].value if isinstance(kws.get("url_path"), ast.Constant) else Path(first.value).stem
        out.append((Path(first.value).stem, "/" if default else f"/{url}"))
    return out


def app_title(app_file: Path = REPO_ROOT / "app.py") -> str | None:
    """The ``page_title`` given to ``st.set_page_config`` in app.py (None if there is none)."""
    for node in ast.walk(ast.parse(app_file.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Call) and getattr(node.func, "attr", None) == "set_page_config":
            for kw in node.keywords:
                if kw.arg == "page_title" and isinstance(kw.value, ast.Constant):
                    return str(kw.value.value)
    return None


# ----------------------------------------------------------------------------- memory


def _proc_status_kb(pid: int, field_name: str) -> int | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(field_name + ":"):
                return int(line.split()[1])
    except OSError:
        return None
    return None


class MemoryMonitor:
    """Samples a process's RSS every ``interval`` s (psutil if installed, else /proc); ``peak_mb`` uses VmHWM too."""

    def __init__(self, pid: int, interval: float = 0.2) -> None:
        self.pid = pid
        self.interval = interval
        self.samples_mb: list[float] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        try:
            import psutil  # type: ignore[import-not-found]

            self._ps = psutil.Process(pid)
            self.method = "psutil RSS samples + /proc VmHWM"
        except Exception:  # noqa: BLE001 - psutil missing or process gone
            self._ps = None
            self.method = "/proc VmRSS samples + VmHWM"

    def rss_mb(self) -> float | None:
        if self._ps is not None:
            try:
                return self._ps.memory_info().rss / 2**20
            except Exception:  # noqa: BLE001 - the process is gone: no sample, not a crash of the harness
                return None
        kb = _proc_status_kb(self.pid, "VmRSS")
        return kb / 1024 if kb is not None else None

    def hwm_mb(self) -> float | None:
        kb = _proc_status_kb(self.pid, "VmHWM")
        return kb / 1024 if kb is not None else None

    def _run(self) -> None:
        while not self._stop.is_set():
            v = self.rss_mb()
            if v is not None:
                self.samples_mb.append(v)
            self._stop.wait(self.interval)

    def __enter__(self) -> MemoryMonitor:
        self._thread.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self._stop.set()
        self._thread.join(timeout=5)

    def peak_mb(self) -> float:
        candidates = [max(self.samples_mb, default=0.0), self.hwm_mb() or 0.0]
        return max(candidates)


# ----------------------------------------------------------------------------- one browser session


IDLE_JS = """() => {
    const app = document.querySelector('[data-testid="stApp"]');
    const main = document.querySelector('[data-testid="stMainBlockContainer"]');
    return {state: app ? app.getAttribute('data-test-script-state') : null,
            children: main ? main.querySelectorAll('[data-testid]').length : 0,
            stale: document.querySelectorAll('[data-stale="true"]').length};
}"""


PROBE_JS = """() => {
    window.__sawRunning = false;
    const app = document.querySelector('[data-testid="stApp"]');
    if (window.__probe) window.__probe.disconnect();
    window.__probe = new MutationObserver((records) => {
        // records are batched: a short run can go running -> notRunning before the callback, so read oldValue too
        if (app.getAttribute('data-test-script-state') === 'running'
            || records.some(r => r.oldValue === 'running')) window.__sawRunning = true;
    });
    window.__probe.observe(app, {attributes: true, attributeOldValue: true,
                                 attributeFilter: ['data-test-script-state']});
}"""


async def wait_idle(page, timeout_s: float = 180.0, settle_s: float = 0.4) -> None:
    deadline = time.monotonic() + timeout_s
    await page.wait_for_selector('[data-testid="stApp"]', timeout=timeout_s * 1000)
    since = None
    while time.monotonic() < deadline:
        s = await page.evaluate(IDLE_JS)
        if s["state"] == "notRunning" and s["children"] > 0 and s["stale"] == 0:
            since = since or time.monotonic()
            if time.monotonic() - since >= settle_s:
                return
        else:
            since = None
        await asyncio.sleep(0.1)
    raise TimeoutError(f"script not idle after {timeout_s} s")


async def errors_on(page) -> list[str]:
    found = []
    for what, sel in ERROR_SELECTORS.items():
        loc = page.locator(sel)
        n = await loc.count()
        if n and (what != "connection" or await loc.first.is_visible()):
            text = (await loc.first.inner_text())[:300].replace("\n", " ")
            found.append(f"{what}: {text}")
    return found


WIDGETS = ", ".join(
    f'[data-testid="stMain"] [data-testid="{t}"]' for t in ("stSlider", "stNumberInput", "stCheckbox", "stRadio")
)


async def change_widget(page, round_no: int) -> str:
    """Move a slider (round-robin over the page's sliders), else step a number input, else toggle a checkbox."""
    try:  # under load the widgets can appear a little after the script is idle
        await page.wait_for_selector(WIDGETS, state="attached", timeout=120_000)
    except Exception:  # noqa: BLE001 - playwright TimeoutError: the page has no such widget
        return "nothing to change"
    # Streamlit >= 1.5x renders a react-aria slider (a hidden <input type="range">); older ones role="slider".
    sliders = page.locator(
        '[data-testid="stMain"] [data-testid="stSlider"] input[type="range"], '
        '[data-testid="stMain"] [data-testid="stSlider"] [role="slider"]'
    )
    n = await sliders.count()
    for attempt in range(3):  # a rerun can re-create the sliders between count() and use: look again
        if not n:
            break
        thumb = sliders.nth(round_no % n)

        async def now() -> str | None:
            return await thumb.get_attribute("aria-valuetext", timeout=15_000) or await thumb.get_attribute(
                "aria-valuenow", timeout=15_000
            )

        try:
            before = await now()
            await thumb.focus(timeout=15_000)
            key = "ArrowRight" if (round_no // max(n, 1)) % 2 == 0 else "ArrowLeft"
            await page.keyboard.press(key)
            if await now() == before:  # at the end of its range: go the other way
                await page.keyboard.press("ArrowLeft" if key == "ArrowRight" else "ArrowRight")
            return f"slider {round_no % n}: {before} -> {await now()}"
        except Exception:  # playwright TimeoutError: the element went away during a rerun (re-raised on the last try)
            if attempt == 2:
                raise
            await wait_idle(page)
            n = await sliders.count()
    steps = page.locator('[data-testid="stMain"] [data-testid="stNumberInputStepUp"]')
    if await steps.count():
        await steps.nth(round_no % await steps.count()).click()
        return "number input step"
    boxes = page.locator('[data-testid="stMain"] [data-testid="stCheckbox"] label')
    if await boxes.count():
        await boxes.nth(round_no % await boxes.count()).click()
        return "checkbox"
    radios = page.locator('[data-testid="stMain"] [data-testid="stRadio"] label')
    if await radios.count() > 1:
        await radios.nth(1 + round_no % (await radios.count() - 1)).click()
        return "radio"
    return "nothing to change"


@dataclass
class SessionResult:
    session: int
    page: str
    changes: list[str] = field(default_factory=list)
    latencies_s: list[float] = field(default_factory=list)
    no_rerun: int = 0
    error_messages: list[str] = field(default_factory=list)
    title: str = ""
    errors: list[str] = field(default_factory=list)
    held: bool = False


async def run_session(
    browser,
    base: str,
    i: int,
    name: str,
    url_path: str,
    rounds: int,
    all_loaded: asyncio.Barrier,
    done: asyncio.Barrier,
    expected_title: str | None = None,
) -> SessionResult:
    res = SessionResult(session=i, page=name)
    context = await browser.new_context(viewport={"width": 1280, "height": 800})
    try:
        page = await context.new_page()
        frames = {"sent": 0, "received": 0}

        def on_ws(ws) -> None:
            ws.on("framesent", lambda _payload: frames.__setitem__("sent", frames["sent"] + 1))
            ws.on("framereceived", lambda _payload: frames.__setitem__("received", frames["received"] + 1))

        page.on("websocket", on_ws)
        try:
            await page.goto(base + url_path, timeout=180_000)
            await wait_idle(page)
            res.errors += [f"load: {e}" for e in await errors_on(page)]
            res.title = await page.title()
            if expected_title and expected_title not in res.title:
                # Streamlit's multipage-v1 fallback: with a pages/ folder, a session that starts before the
                # first st.navigation call of the server runs the page WITHOUT app.py (no page config, no nav)
                res.errors.append(
                    f"load: the page ran without app.py (title {res.title!r}, "
                    f"expected {expected_title!r}): Streamlit's pages/-folder (MPA v1) fallback"
                )
        except Exception as exc:  # noqa: BLE001 - recorded, the other sessions go on
            res.errors.append(f"load: {type(exc).__name__}: {exc}")
        await all_loaded.wait()  # every session is connected before anyone starts changing widgets
        for r in range(rounds):
            if res.errors:
                break
            try:
                await page.evaluate(PROBE_JS)
                sent0, received0 = frames["sent"], frames["received"]
                t0 = time.monotonic()
                what = await change_widget(page, r + i)
                if what == "nothing to change":
                    res.changes.append(what)
                    break
                await asyncio.sleep(0.15)
                await wait_idle(page)
                for _ in range(30):  # a debounced widget may send its value a little later
                    if await page.evaluate("window.__sawRunning") or frames["sent"] > sent0:
                        break
                    await asyncio.sleep(0.1)
                await wait_idle(page)
                elapsed = time.monotonic() - t0
                res.changes.append(what)
                # the rerun request went to the server (a websocket frame) and the server answered; the DOM's
                # 'running' state alone can be skipped when React batches a fast run
                if frames["sent"] > sent0 and frames["received"] > received0:
                    res.latencies_s.append(elapsed)
                else:
                    res.no_rerun += 1
                res.errors += [f"after {what}: {e}" for e in await errors_on(page)]
            except Exception as exc:  # noqa: BLE001 - a failed round is a measured error; the session goes on
                res.errors.append(f"round {r}: {type(exc).__name__}: {exc}")
        await done.wait()  # hold the session open until every session has finished its rounds
        res.error_messages = sorted(set(await page.evaluate(ALERT_JS)))
        res.errors += [f"end: {e}" for e in await errors_on(page)]
        res.held = not res.errors
    finally:
        await context.close()
    return res


async def drive(
    base: str, sessions: int, rounds: int, pages: list[tuple[str, str]], expected_title: str | None = None
) -> list[SessionResult]:
    from playwright.async_api import async_playwright

    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            all_loaded, done = asyncio.Barrier(sessions), asyncio.Barrier(sessions)
            tasks = [
                run_session(browser, base, i, *pages[i % len(pages)], rounds, all_loaded, done, expected_title)
                for i in range(sessions)
            ]
            return list(await asyncio.gather(*tasks))
        finally:
            await browser.close()


# ----------------------------------------------------------------------------- the whole run


def run_load(
    sessions: int = 10,
    rounds: int = 4,
    url: str | None = None,
    log_dir: Path | None = None,
    app_dir: Path = REPO_ROOT,
) -> dict:
    """Run the load test; returns the report (a dict, JSON-serialisable)."""
    if sessions < 1 or rounds < 0:
        raise ValueError("sessions must be >= 1 and rounds >= 0")
    pages = app_pages(app_dir / "app.py")
    title = app_title(app_dir / "app.py")
    log_dir = log_dir or (REPO_ROOT / "artifacts")
    log_dir.mkdir(parents=True, exist_ok=True)
    proc = None
    if url is None:
        port = free_port()
        proc = start_server(port, log_dir / "load_test_server.log", app_dir=app_dir)
        base = f"http://127.0.0.1:{port}"
    else:
        base = url.rstrip("/")
    try:
        monitor = MemoryMonitor(proc.pid) if proc else None
        before_mb = monitor.rss_mb() if monitor else None
        t0 = time.monotonic()
        if monitor:
            with monitor:
                results = asyncio.run(drive(base, sessions, rounds, pages, title))
        else:
            results = asyncio.run(drive(base, sessions, rounds, pages, title))
        wall = time.monotonic() - t0
        peak_mb = monitor.peak_mb() if monitor else None
    finally:
        if proc:
            stop_server(proc)
    lat = sorted(x for r in results for x in r.latencies_s)
    report = {
        "sessions": sessions,
        "rounds_per_session": rounds,
        "sessions_held": sum(r.held for r in results),
        "pages": sorted({r.page for r in results}),
        "wall_time_s": round(wall, 2),
        "widget_changes": sum(c != "nothing to change" for r in results for c in r.changes),
        "sessions_without_widgets": sorted({r.page for r in results if "nothing to change" in r.changes}),
        "reruns_observed": len(lat),
        "changes_without_rerun": sum(r.no_rerun for r in results),
        "latency_s": {
            "median": round(statistics.median(lat), 3) if lat else None,
            "p95": round(lat[min(len(lat) - 1, int(0.95 * len(lat)))], 3) if lat else None,
            "max": round(lat[-1], 3) if lat else None,
        },
        "server_rss_before_mb": round(before_mb, 1) if before_mb else None,
        "server_peak_mb": round(peak_mb, 1) if peak_mb else None,
        "memory_method": monitor.method if monitor else "not measured (external --url)",
        "errors": [f"session {r.session} ({r.page}): {e}" for r in results for e in r.errors],
        "st_error_messages_shown": sorted({f"{r.page}: {m}" for r in results for m in r.error_messages}),
        "per_session": [asdict(r) for r in results],
    }
    return report


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sessions", type=int, default=10)
    ap.add_argument("--rounds", type=int, default=4, help="widget changes per session")
    ap.add_argument("--url", default=None, help="use a running server instead of starting one (no memory numbers)")
    ap.add_argument("--app-dir", type=Path, default=REPO_ROOT, help="directory holding app.py (default: the repo)")
    ap.add_argument("--json", type=Path, default=None, help="write the full report here")
    args = ap.parse_args(argv)
    report = run_load(args.sessions, args.rounds, args.url, app_dir=args.app_dir)
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(report, indent=2))
    short = {k: v for k, v in report.items() if k != "per_session"}
    print(json.dumps(short, indent=2))
    return 0 if report["sessions_held"] == report["sessions"] and not report["errors"] else 1


if __name__ == "__main__":
    raise SystemExit(main())
