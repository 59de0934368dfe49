"""The live-job runner: a bounded pool of processes, FIFO queue places, one job per session, stop keeping the
finished points, failures as one-line messages, bounded result keeping, reload survival through the URL token,
and numbers that depend only on the config (alone, beside other jobs, after a job that reseeds torch)."""

from __future__ import annotations

import os
import time

import pytest
import torch  # at the top, as in every job module of the lab: the worker then resets torch's global generator
from streamlit.testing.v1 import AppTest

from lab_ui.jobs import JobPool, _plain, _valid_token, settings

COUNT = "equi_core.progress:count_job"
HERE = __name__  # the worker imports this module by name for the targets below (it shares our sys.path)


# ---------------------------------------------------------------------------------------------- job targets
def torch_fit_job(config: dict, control) -> dict:
    """A small torch training: an MLP (layers initialised by torch's own defaults) fitted with Adam on data and
    minibatches drawn from its own ``torch.Generator``; returns its final losses."""
    gen = torch.Generator().manual_seed(int(config["seed"]))
    x = torch.randn(256, 8, generator=gen)
    y = torch.sin(x.sum(-1, keepdim=True))
    net = torch.nn.Sequential(torch.nn.Linear(8, 32), torch.nn.SiLU(), torch.nn.Linear(32, 1))
    opt = torch.optim.Adam(net.parameters(), lr=1e-2)
    for step in range(int(config["steps"])):
        control.check(step / int(config["steps"]), f"step {step}")
        idx = torch.randint(0, 256, (32,), generator=gen)
        loss = (net(x[idx]) - y[idx]).pow(2).mean()
        opt.zero_grad()
        loss.backward()
        opt.step()
    with torch.no_grad():
        return {"loss": float((net(x) - y).pow(2).mean()), "w0": float(net[0].weight[0, 0])}


def rng_polluter_job(config: dict, control) -> dict:
    """Reseeds and draws from every process-wide generator (what a careless job might do)."""
    import random

    import numpy as np

    time.sleep(float(config.get("delay", 0.0)))
    torch.manual_seed(int(config["seed"]))
    np.random.seed(int(config["seed"]))  # noqa: NPY002 - a careless job, on purpose
    random.seed(int(config["seed"]))
    return {"draw": float(torch.rand(()).item() + np.random.rand() + random.random())}  # noqa: NPY002


def global_draw_job(config: dict, control) -> dict:
    """Draws from torch's process-wide generator without seeding it (the worker's reset makes this repeatable)."""
    return {"draw": float(torch.rand(()).item())}


def crash_job(config: dict, control) -> dict:
    """Ends its worker process (as an out-of-memory kill would)."""
    os._exit(3)


def big_job(config: dict, control) -> dict:
    return {"blob": "x" * int(config["n"])}


# ---------------------------------------------------------------------------------------------- fixtures
@pytest.fixture(scope="module")
def pool():
    p = JobPool(workers=2, timeout_s=120)
    yield p
    p.shutdown()


def _wait_for(predicate, timeout: float = 120.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.02)


# ---------------------------------------------------------------------------------------------- the pool
def test_settings_defaults_and_environment(monkeypatch):
    monkeypatch.delenv("EQUILAB_JOB_WORKERS", raising=False)
    assert settings()["workers"] == (os.cpu_count() or 1)
    monkeypatch.setenv("EQUILAB_JOB_WORKERS", "3")
    monkeypatch.setenv("EQUILAB_JOB_TOTAL_MB", "nan")
    s = settings()
    assert s["workers"] == 3 and s["max_total_bytes"] == 64 * 2**20
    monkeypatch.setenv("EQUILAB_JOB_WORKERS", "0")
    assert settings()["workers"] == 1
    with pytest.raises(ValueError, match="workers must be >= 1"):
        JobPool(workers=0)


def test_pool_is_bounded_and_queue_is_fifo(pool):
    slow = {"steps": 40, "delay": 0.05}
    tokens = [f"fifo{i}" for i in range(4)]
    for t in tokens:
        pool.submit(t, "k", COUNT, slow)
    states = [pool.state(t, "k") for t in tokens]
    assert [s.status for s in states[2:]] == ["queued", "queued"]
    assert [s.position for s in states[2:]] == [1, 2]
    assert all(s.position == 0 for s in states[:2] if s.status == "running")
    # a queued job that is stopped leaves the queue; the one behind it moves up
    assert pool.stop(tokens[2], "k").status == "stopped"
    assert pool.state(tokens[3], "k").position == 1
    for t in tokens:
        pool.wait(t, "k", timeout=120)
    assert pool.state(tokens[3], "k").status == "done"
    assert pool.snapshot()["max_running"] <= 2
    assert len(set(pool.snapshot()["workers"])) == 2


def test_one_job_per_session(pool):
    pool.submit("solo", "a", COUNT, {"steps": 30, "delay": 0.05})
    with pytest.raises(ValueError, match="already has a job running or queued"):
        pool.submit("solo", "b", COUNT, {"steps": 1})
    assert pool.active_key("solo") == "a"
    pool.stop("solo", "a")
    pool.wait("solo", "a")
    assert pool.active_key("solo") is None
    assert pool.submit("solo", "b", COUNT, {"steps": 1}).status in ("queued", "running")
    assert pool.wait("solo", "b").status == "done"


def test_stop_keeps_the_finished_points(pool):
    full = pool.submit("stopfull", "k", COUNT, {"steps": 20, "seed": 5}) and pool.wait("stopfull", "k")
    pool.submit("stopper", "k", COUNT, {"steps": 400, "seed": 5, "delay": 0.02})
    _wait_for(lambda: (pool.state("stopper", "k").partial or {}).get("done", 0) >= 3)
    pool.stop("stopper", "k")
    state = pool.wait("stopper", "k")
    assert state.status == "stopped" and state.result is None
    done = state.partial["done"]
    assert 3 <= done < 400
    assert state.partial["values"] == full.result["values"][:done] if done <= 20 else True
    assert state.partial["values"][:3] == full.result["values"][:3]


def test_a_failing_job_gives_a_one_line_error(pool):
    pool.submit("fail", "k", COUNT, {"steps": 5, "fail_at": 2})
    state = pool.wait("fail", "k")
    assert state.status == "failed"
    assert state.error == "ValueError: count_job was asked to fail at point 2"
    assert state.partial["done"] == 2
    pool.submit("fail", "k", "no_such_module_xyz:job", {})
    state = pool.wait("fail", "k")
    assert state.status == "failed" and state.error.startswith("ModuleNotFoundError")
    assert "Traceback" not in state.error and "/" not in state.error
    with pytest.raises(ValueError, match="module:function"):
        pool.submit("fail", "k", "no colon", {})
    with pytest.raises(ValueError, match="picklable"):
        pool.submit("fail", "k", COUNT, {"f": lambda: 1})


def test_a_dead_worker_fails_its_job_and_is_replaced(pool):
    pool.submit("crash", "k", f"{HERE}:crash_job", {})
    state = pool.wait("crash", "k", timeout=120)
    assert state.status == "failed" and "ended unexpectedly" in state.error
    pool.submit("crash", "k", COUNT, {"steps": 2})
    assert pool.wait("crash", "k").status == "done"
    assert pool.snapshot()["restarts"] >= 1


def test_results_are_bounded():
    p = JobPool(workers=1, max_records=2, max_result_bytes=10_000)
    try:
        for t in ("r1", "r2", "r3"):
            p.submit(t, "k", COUNT, {"steps": 1})
            p.wait(t, "k")
        assert p.state("r1", "k").status == "idle"  # oldest evicted
        assert p.state("r3", "k").status == "done"
        assert p.snapshot()["records"] == 2
        p.submit("r4", "k", f"{HERE}:big_job", {"n": 50_000})
        state = p.wait("r4", "k", timeout=120)
        assert state.status == "failed" and "larger than" in state.error and state.result is None
    finally:
        p.shutdown()


def test_results_expire_after_their_age_bound():
    p = JobPool(workers=1, ttl_s=0.2)
    try:
        p.submit("old", "k", COUNT, {"steps": 1})
        assert p.wait("old", "k").status == "done"
        time.sleep(0.3)
        p.submit("new", "k", COUNT, {"steps": 1})  # eviction runs on submit and on every finish
        p.wait("new", "k")
        assert p.state("old", "k").status == "idle"
    finally:
        p.shutdown()


def test_same_numbers_alone_beside_others_and_after_a_reseeding_job():
    """The determinism figure: a torch training run alone and beside two other trainings gives bit-identical
    numbers; a job drawing from torch's global generator draws the same after jobs that reseeded every global
    generator in the same workers."""
    p = JobPool(workers=3, timeout_s=300)
    job = f"{HERE}:torch_fit_job"
    cfg = {"steps": 200, "seed": 3}
    try:
        p.submit("alone", "k", job, cfg)
        alone = p.wait("alone", "k", timeout=300)
        assert alone.status == "done", alone.error
        p.submit("other1", "k", job, {"steps": 300, "seed": 11})
        p.submit("beside", "k", job, cfg)
        p.submit("other2", "k", job, {"steps": 300, "seed": 12})
        for t in ("other1", "beside", "other2"):
            assert p.wait(t, "k", timeout=300).status == "done"
        assert p.snapshot()["max_running"] == 3
        assert p.state("beside", "k").result == alone.result
        assert p.state("other1", "k").result != alone.result
        p.submit("draw", "k", f"{HERE}:global_draw_job", {})
        first = p.wait("draw", "k", timeout=120).result
        for i in range(3):  # one reseeding job in each worker
            p.submit(f"pollute{i}", "k", f"{HERE}:rng_polluter_job", {"seed": 99 + i, "delay": 0.5})
        for i in range(3):
            p.wait(f"pollute{i}", "k", timeout=120)
        p.submit("draw", "k", f"{HERE}:global_draw_job", {})
        assert p.wait("draw", "k", timeout=120).result == first
    finally:
        p.shutdown()


# ---------------------------------------------------------------------------------------------- streamlit side
SCRIPT = """
import streamlit as st
from lab_ui.jobs import live_job
state = live_job("demo", "equi_core.progress:count_job", {"steps": 3, "seed": 2}, start_label="Go")
st.text(f"status={state.status} result={state.result and state.result['steps']}")
"""


def _status(at: AppTest) -> str:
    return at.text[-1].value


def test_live_job_buttons_results_and_reload_survival():
    at = AppTest.from_string(SCRIPT, default_timeout=60).run()
    assert not at.exception
    assert "status=idle" in _status(at)
    token = at.query_params["session"]
    token = token[-1] if isinstance(token, list) else token
    assert _valid_token(token)
    start, stop = at.button
    assert start.label == "Go" and not start.disabled and stop.disabled
    start.click().run()
    assert not at.exception
    deadline = time.monotonic() + 120
    while "status=done" not in _status(at):
        assert time.monotonic() < deadline
        time.sleep(0.2)
        at.run()
    assert "result=3" in _status(at)
    # a browser reload: a new session with the same URL finds the result
    again = AppTest.from_string(SCRIPT, default_timeout=60)
    again.query_params["session"] = token
    again.run()
    assert "status=done result=3" in _status(again)
    # a fresh session (no token) does not
    fresh = AppTest.from_string(SCRIPT, default_timeout=60).run()
    assert "status=idle" in _status(fresh)
    # a forged token value is ignored (a new one replaces it)
    forged = AppTest.from_string(SCRIPT, default_timeout=60)
    forged.query_params["session"] = "[x](http://evil)"
    forged.run()
    assert "status=idle" in _status(forged)
    assert _valid_token(
        forged.query_params["session"][-1]
        if isinstance(forged.query_params["session"], list)
        else forged.query_params["session"]
    )


def test_plain_leaves_no_markup():
    out = _plain("[x](http://e) ![i](u) <b> $x$ `c`\nnext")
    assert "\n" not in out
    for ch in "[]()!<>$`":
        assert all(out[i - 1] == "\\" for i, c in enumerate(out) if c == ch)


SLOW_SCRIPT = """
import streamlit as st
from lab_ui.jobs import live_job
state = live_job("slow", "equi_core.progress:count_job", {"steps": 600, "seed": 1, "delay": 0.05}, start_label="Go")
st.text(f"status={state.status}")
"""


def test_a_running_job_blocks_no_other_session():
    """Session A's job runs in a worker process: session B's reruns finish while it still runs, and B's own job
    gives the numbers it gives alone."""
    a = AppTest.from_string(SLOW_SCRIPT, default_timeout=60).run()
    a.button[0].click().run()
    assert "status=running" in _status(a) or "status=queued" in _status(a)
    b = AppTest.from_string(SCRIPT, default_timeout=60).run()
    for _ in range(3):
        b.run()
    assert "status=idle" in _status(b)
    b.button[0].click().run()
    deadline = time.monotonic() + 120
    while "status=done" not in _status(b):
        assert time.monotonic() < deadline
        time.sleep(0.2)
        b.run()
    a.run()
    assert "status=running" in _status(a)  # A's 30 s job still runs: B never waited for it
    from equi_core.progress import Control, count_job
    from lab_ui.jobs import get_pool

    token_b = b.query_params["session"]
    token_b = token_b[-1] if isinstance(token_b, list) else token_b
    beside = get_pool().state(token_b, "demo").result
    assert beside == count_job({"steps": 3, "seed": 2}, Control())  # the same numbers as the job run alone
    a.button[1].click().run()  # Stop
    assert "status=stopped" in _status(a) or "status=running" in _status(a)
