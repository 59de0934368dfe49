"""User text from a shared link stays plain text in a real Chromium (issue 15): no link, image, HTML or LaTeX from
the URL becomes an element, and the page makes no request anywhere but its own server.

For every page of ``app.py``: load it once to learn the URL parameters it writes, then open it with *every*
parameter set to a hostile payload (Markdown link + image, raw HTML ``<img>``/``<a>``/``<script>``, LaTeX in red),
with a context-wide route that lets requests to the app's own 127.0.0.1 server through and records and aborts all
others. Asserted: no request left 127.0.0.1 (documents, images, scripts, XHR: ``page.on("request")`` sees only the
app's host); no ``<a>`` whose ``href`` and no ``<img>`` whose ``src`` carries the payload's host; no KaTeX element
renders the payload's text; no ``stException``. And, so the test can fail for the right reason: on the pages that
echo a bad value back (a notice naming it), the payload's characters are visible as text.

Fixtures ``streamlit_server`` and ``browser`` come from ``tests/browser/conftest.py``.
"""

from __future__ import annotations

from urllib.parse import parse_qsl, quote, urlparse

import pytest

from tests.browser.test_pages_browser import PAGES, wait_for_app_idle

pytestmark = pytest.mark.browser

EVIL = "evil.example"
PAYLOADS = {
    "markdown": f"[click me](http://{EVIL}/a) ![img](http://{EVIL}/i.png) http://{EVIL}/auto",
    "html": f'<img src="http://{EVIL}/x.png" onerror="window.__pwned=1"><a href=\'http://{EVIL}/b\'>x</a>'
    f"<script>window.__pwned=1</script>",
    "latex": "$\\color{red}{\\text{HACKED}}$ $$\\text{HACKED2}$$",
}
EXCEPTION = '[data-testid="stException"]'

PROBE_JS = f"""() => {{
    const hrefs = Array.from(document.querySelectorAll('a[href]')).map(a => a.getAttribute('href'))
        .filter(h => h.includes('{EVIL}'));
    const imgs = Array.from(document.querySelectorAll('img[src], image, source[src]'))
        .map(i => i.getAttribute('src') || i.getAttribute('href') || '').filter(s => s.includes('{EVIL}'));
    const katex = Array.from(document.querySelectorAll('.katex')).map(k => k.innerText)
        .filter(t => t.includes('HACKED'));
    const text = document.querySelector('[data-testid="stMain"]')?.innerText || '';
    return {{hrefs, imgs, katex, pwned: !!window.__pwned, shows_payload: text.includes('{EVIL}')
             || text.includes('HACKED')}};
}}"""


def _url_keys(page, base: str) -> list[str]:
    page.goto(base, wait_until="domcontentloaded")
    wait_for_app_idle(page)
    return [k for k, _ in parse_qsl(urlparse(page.url).query, keep_blank_values=True) if k != "session"]


@pytest.mark.parametrize(("name", "url_path"), PAGES, ids=[p[0] for p in PAGES])
def test_url_payloads_render_as_plain_text(streamlit_server: str, browser, name: str, url_path: str) -> None:
    own = urlparse(streamlit_server)
    context = browser.new_context(viewport={"width": 1280, "height": 900}, service_workers="block")
    foreign: list[str] = []
    requested: list[str] = []

    def route(r) -> None:
        parsed = urlparse(r.request.url)
        if parsed.scheme in ("data", "blob", "about") or (parsed.hostname == own.hostname and parsed.port == own.port):
            r.continue_()
        else:
            foreign.append(r.request.url)
            r.abort()

    context.route("**/*", route)
    page = context.new_page()
    page.on("request", lambda req: requested.append(req.url))
    page.on("websocket", lambda ws: requested.append(ws.url))
    try:
        base = streamlit_server + url_path
        keys = _url_keys(page, base)
        if not keys:
            pytest.skip(f"{name} keeps no state in the URL")
        shown_any = False
        for kind, payload in PAYLOADS.items():
            query = "&".join(f"{k}={quote(payload, safe='')}" for k in keys)
            page.goto(f"{base}?{query}", wait_until="domcontentloaded")
            wait_for_app_idle(page)
            page.wait_for_timeout(300)
            probe = page.evaluate(PROBE_JS)
            assert page.locator(EXCEPTION).count() == 0, f"{name} ({kind}): an exception is shown"
            assert not probe["hrefs"], f"{name} ({kind}): the URL planted links {probe['hrefs']}"
            assert not probe["imgs"], f"{name} ({kind}): the URL planted images {probe['imgs']}"
            assert not probe["katex"], f"{name} ({kind}): the URL's LaTeX was rendered: {probe['katex']}"
            assert not probe["pwned"], f"{name} ({kind}): the URL's script ran"
            shown_any = shown_any or probe["shows_payload"]
        outside = [
            u
            for u in requested
            if (urlparse(u).hostname or "") not in ("127.0.0.1", "")
            and urlparse(u).scheme not in ("data", "blob", "about")
        ]
        assert not foreign and not outside, f"{name}: requests left the app's server: {(foreign + outside)[:5]}"
        # every page reads its URL through the shared helper, which names a rejected value in a notice: the payload
        # must be visible there as text (the page may accept a payload as a free label: then it shows it too)
        assert shown_any, f"{name}: none of the payloads is visible as text (was the URL read at all?)"
    finally:
        context.close()
