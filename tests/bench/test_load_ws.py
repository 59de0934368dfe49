"""The websocket load harness (bench/load_ws.py) in a small version: a few sessions on one server, widget changes,
and a fresh page while a live training job runs through the job pool (slow: starts its own server)."""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path

import pytest

HARNESS = Path(__file__).resolve().parents[2] / "bench" / "load_ws.py"


def _harness():
    spec = importlib.util.spec_from_file_location("load_ws", HARNESS)
    module = importlib.util.module_from_spec(spec)
    sys.modules["load_ws"] = module  # dataclasses look their module up while the file runs
    spec.loader.exec_module(module)
    return module


@pytest.mark.slow
def test_small_load_holds_every_session(tmp_path):
    out = tmp_path / "load.json"
    rc = _harness().main(
        [
            "--sessions",
            "4",
            "--rounds",
            "2",
            "--pages",
            "home,truncation,nonlinearity",
            "--jobs",
            "1",
            "--json",
            str(out),
        ]
    )
    report = json.loads(out.read_text())
    level = report["levels"][0]
    assert rc == 0 and level["held"] == 4 and level["errors"] == 0
    assert level["reruns"] >= 4  # truncation and nonlinearity have sliders; home may have none
    assert level["server_peak_rss_mb"] > 0 and level["client_cpu_s"] >= 0
    jobs = report["jobs"]
    assert jobs["jobs_started"] == 1 and jobs["workers"] >= 1
    assert jobs["workers_cpu_s_during"] > 0  # the job really ran in a worker process, not in the server
    assert jobs["while_jobs_run"]["first_median_s"] > 0


def test_format_table_has_a_row_per_level():
    h = _harness()
    row = {
        "sessions": 2,
        "held": 2,
        "errors": 0,
        "reruns": 4,
        "median_s": 0.1,
        "p95_s": 0.2,
        "max_s": 0.3,
        "first_page_median_s": 1.0,
        "server_rss_mb": 100,
        "server_peak_rss_mb": 120,
        "server_cpu_s": 1.0,
        "client_cpu_s": 0.1,
    }
    table = h.format_table([row, dict(row, sessions=4)])
    assert table.count("\n") == 3 and "| 4 |" in table
