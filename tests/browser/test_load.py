"""Load: 10 concurrent browser sessions against one server, each changing widgets on a different page (issue 7).

Slow (about a minute on 2 cores); run with ``python -m pytest tests/browser/test_load.py -m "slow and browser"``.
The numbers (sessions held, peak server memory, wall time, rerun latency) are printed and written to
``artifacts/load_test.json``; ``python bench/load_test.py`` runs the same measurement from the command line.
"""

from __future__ import annotations

import json

import pytest

from bench.load_test import REPO_ROOT, run_load

pytestmark = [pytest.mark.slow, pytest.mark.browser]

SESSIONS = 10
ROUNDS = 3
#: A sanity bound on the server's peak RSS with SESSIONS users (caches are bounded; torch alone is ~0.5 GB).
MAX_SERVER_PEAK_MB = 4096


def test_ten_concurrent_sessions(chromium_executable: str) -> None:
    report = run_load(sessions=SESSIONS, rounds=ROUNDS)
    out = REPO_ROOT / "artifacts" / "load_test.json"
    out.write_text(json.dumps(report, indent=2))
    print(json.dumps({k: v for k, v in report.items() if k != "per_session"}, indent=2))

    assert not report["errors"], "\n".join(report["errors"])
    assert report["sessions_held"] == SESSIONS
    assert len(report["pages"]) == min(SESSIONS, 7)
    assert report["widget_changes"] > 0, "no session found a widget to change"
    assert report["reruns_observed"] >= report["widget_changes"] // 2, report
    assert report["server_peak_mb"] is not None and report["server_peak_mb"] < MAX_SERVER_PEAK_MB, report
