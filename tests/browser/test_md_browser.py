"""The molecular-dynamics animation plays in the browser without the server (``pytest -m browser``).

The trajectory figure carries every frame (plotly ``frames``); ▶ advances the slider's active frame while the
Streamlit script does not run again (the run counter of ``conftest.RUN_COUNTER_JS`` stays put).
"""

from __future__ import annotations

import pytest

from equi_core.lessons import molecular_dynamics as md
from tests.browser.test_pages_browser import PLOTLY_TIMEOUT_MS, assert_no_exception, runs_finished, wait_for_app_idle

pytestmark = pytest.mark.browser

PROBE = """() => {
    const a = Array.from(document.querySelectorAll('.js-plotly-plot'))
        .find(p => p.layout && p.layout.sliders && p.layout.sliders.length && p.layout.scene);
    return a ? {frames: ((a._transitionData || {})._frames || []).length,
                active: a._fullLayout.sliders[0].active,
                scenes: Object.keys(a._fullLayout).filter(k => /^scene\\d*$/.test(k)).length} : null;
}"""


def test_md_animation_plays_client_side(streamlit_server: str, page) -> None:
    study = md.load_shipped(md.shipped_molecules()[0])["nve"]
    models = ("nequip", "transformer", "transformer-direct")
    expected = md.animation_data(study, models)
    page.goto(streamlit_server + "/molecular_dynamics")
    wait_for_app_idle(page)
    assert_no_exception(page, "molecular_dynamics")
    page.wait_for_selector(".js-plotly-plot .updatemenu-button", timeout=PLOTLY_TIMEOUT_MS)
    before = page.evaluate(PROBE)
    assert before == {"frames": len(expected.times_ps), "active": 0, "scenes": len(expected.titles)}, before
    runs = runs_finished(page)
    play = page.locator(".js-plotly-plot .updatemenu-button").first
    play.scroll_into_view_if_needed()
    play.click()
    page.wait_for_timeout(2000)
    after = page.evaluate(PROBE)
    assert after["active"] > 0, f"the animation did not advance: {after}"
    assert runs_finished(page) == runs, "playing the animation reran the Streamlit script (it must be client-side)"
