"""equi_core.progress: the stop/progress/partial protocol, target resolution, failure messages, and the worker
loop run in this process through plain queues."""

from __future__ import annotations

import queue
import threading

import pytest

from equi_core import progress
from equi_core.progress import (
    Control,
    StopRequested,
    count_job,
    failure_message,
    reset_global_generators,
    resolve_target,
    run_target,
    worker_loop,
)


def test_training_reexports_the_same_classes():
    from equi_core.training import train

    assert train.Control is Control and train.StopRequested is StopRequested


def test_check_raises_on_stop_and_throttles_progress():
    seen: list[tuple[float, str]] = []
    c = Control(on_progress=lambda f, m: seen.append((f, m)), min_interval=3600)
    c.check(0.1, "a")
    c.check(0.2, "b")  # throttled
    c.check(0.3, "c", force=True)
    c.check(1.0, "end")
    assert [m for _, m in seen] == ["a", "c", "end"]
    stop = {"now": False}
    c2 = Control(should_stop=lambda: stop["now"])
    c2.check(0.5)
    stop["now"] = True
    with pytest.raises(StopRequested):
        c2.check(0.6)


def test_scoped_maps_and_clips_fractions():
    seen: list[float] = []
    c = Control(on_progress=lambda f, m: seen.append(f), min_interval=0.0)
    c.scoped(1, 4, "p2")
    c.check(0.5)
    c.check(float("nan"))
    c.check(7.0)
    assert seen == [0.375, 0.25, 0.5]


def test_publish_keeps_the_last_partial_and_calls_the_hook():
    got: list[object] = []
    c = Control(on_partial=got.append)
    c.publish({"done": 1})
    c.publish({"done": 2})
    assert c.partial == {"done": 2} and got == [{"done": 1}, {"done": 2}]


def test_count_job_depends_on_its_seed_only():
    a = count_job({"steps": 5, "seed": 3}, Control())
    b = count_job({"steps": 5, "seed": 3}, Control())
    c = count_job({"steps": 5, "seed": 4}, Control())
    assert a == b and a["values"] != c["values"] and len(a["values"]) == 5
    for bad in ({"steps": -1}, {"steps": 100_001}, {"delay": float("nan")}, {"delay": 11}):
        with pytest.raises(ValueError, match="must be in"):
            count_job(bad, Control())


def test_resolve_target_rejects_what_is_not_module_function():
    assert resolve_target("equi_core.progress:count_job") is count_job
    for bad in ("count_job", ":f", "m:", "equi_core.progress:__doc__"):
        with pytest.raises(ValueError):
            resolve_target(bad)


def test_run_target_never_raises():
    stopped = Control(should_stop=lambda: True)
    assert run_target("equi_core.progress:count_job", {"steps": 3}, stopped) == ("stopped", None)
    status, msg = run_target("equi_core.progress:count_job", {"steps": 4, "fail_at": 1}, Control())
    assert (status, msg) == ("failed", "ValueError: count_job was asked to fail at point 1")
    status, msg = run_target("no_such_mod_abc:f", {}, Control())
    assert status == "failed" and msg.startswith("ModuleNotFoundError")
    assert run_target("equi_core.progress:count_job", {"steps": 2}, Control())[0] == "done"


def test_failure_message_hides_paths_and_tracebacks():
    msg = failure_message(OSError("no file at /home/srv/app/data/x.npz or C:\\a\\b.txt\nsecond line"))
    assert msg == "OSError: no file at x.npz or b.txt"
    assert failure_message(KeyError()) == "KeyError"
    assert len(failure_message(ValueError("x" * 1000))) == 300


def test_reset_global_generators_makes_global_draws_repeatable():
    import random

    import numpy as np
    import torch

    reset_global_generators(0)
    first = (random.random(), np.random.rand(), float(torch.rand(())))  # noqa: NPY002
    torch.manual_seed(123)
    np.random.seed(5)  # noqa: NPY002
    reset_global_generators(0)
    assert (random.random(), np.random.rand(), float(torch.rand(()))) == first  # noqa: NPY002


def test_worker_loop_in_process():
    tasks: queue.Queue = queue.Queue()
    events: queue.Queue = queue.Queue()
    stop = threading.Event()
    tasks.put((1, "equi_core.progress:count_job", {"steps": 3, "seed": 1}))
    tasks.put((2, "equi_core.progress:count_job", {"steps": 2, "fail_at": 0}))
    tasks.put(None)
    worker_loop(0, tasks, events, stop)
    got = []
    while not events.empty():
        got.append(events.get())
    kinds = [(k, j) for k, _, j, _ in got]
    assert kinds[0] == ("started", 1) and ("done", 1) in kinds and ("failed", 2) in kinds
    partials = [p for k, _, j, p in got if k == "partial" and j == 1]
    assert [p["done"] for p in partials] == [1, 2, 3]
    done = next(p for k, _, j, p in got if k == "done")
    assert done == count_job({"steps": 3, "seed": 1}, Control())
    assert progress.__all__  # the module documents its public names
