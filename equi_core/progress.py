"""The progress / stop protocol of long jobs, and the worker side of the live-job pool.

A long job is a plain importable function::

    def job(config: dict, control: Control) -> dict: ...

living in :mod:`equi_core` (no streamlit). It calls :meth:`Control.check` often (that is where a stop request
raises :class:`StopRequested`) and may call :meth:`Control.publish` after every finished point, so that a stop
keeps the finished points. Its result (and every published partial) is JSON-able: dicts, lists, str, int,
float, bool, None.

**Determinism.** A job's numbers must depend on its ``config`` only: it seeds its own generators from the config
(``numpy.random.default_rng(seed)``, ``torch.Generator().manual_seed(seed)``, ``random.Random(seed)``) and never
draws from a process-wide generator that another thread could reseed. As a second line of defence,
:func:`run_target` resets the process-wide generators of :mod:`random`, :mod:`numpy` and (if loaded)
:mod:`torch` to fixed seeds before every job, so even a job that draws from them gives the same numbers in a
worker process that runs one job at a time.

This module is torch-free and streamlit-free; the streamlit side of the pool is ``lab_ui.jobs``.

Example
-------
>>> seen = []
>>> control = Control(on_progress=lambda f, m: seen.append(round(f, 2)), min_interval=0.0)
>>> result = count_job({"steps": 4, "seed": 1}, control)
>>> result["steps"], seen[-1], control.partial["done"]
(4, 1.0, 4)
"""

from __future__ import annotations

import importlib
import math
import os
import random
import re
import sys
import time
import traceback
from collections.abc import Callable, Mapping
from typing import Any

__all__ = [
    "Control",
    "JobFunction",
    "StopRequested",
    "count_job",
    "failure_message",
    "reset_global_generators",
    "resolve_target",
    "run_target",
    "worker_loop",
]

JobFunction = Callable[[dict, "Control"], dict]


class StopRequested(Exception):
    """Raised by :meth:`Control.check` when the user asked to stop."""


class Control:
    """Stop hook, throttled progress callback and partial-result hook of one job.

    Parameters
    ----------
    should_stop
        Called by :meth:`check`; returning true makes :meth:`check` raise :class:`StopRequested` (the running
        point is dropped, every published point is kept).
    on_progress
        ``on_progress(fraction in [0, 1], message)``; called at most every ``min_interval`` seconds (the first
        call, ``force=True`` and ``fraction >= 1`` always pass), so a UI progress bar is throttled for free. The point's own fraction
        is clipped to [0, 1] (NaN counts as 0), so the reported value stays inside the :meth:`scoped` interval.
    min_interval
        Seconds between two progress calls.
    on_partial
        ``on_partial(partial)``; called by every :meth:`publish` (unthrottled: one call per finished point).

    Notes
    -----
    Guarantees: :meth:`check` raises only :class:`StopRequested`; the reported fraction is clipped to [0, 1]
    and mapped into the current :meth:`scoped` interval; :attr:`partial` is the last published object.
    """

    def __init__(
        self,
        should_stop: Callable[[], bool] | None = None,
        on_progress: Callable[[float, str], None] | None = None,
        min_interval: float = 0.25,
        on_partial: Callable[[Any], None] | None = None,
    ) -> None:
        self.should_stop = should_stop or (lambda: False)
        self.on_progress = on_progress
        self.on_partial = on_partial
        self.min_interval = min_interval
        self._last = -math.inf
        self.base, self.span = 0.0, 1.0
        self.label = ""
        self.partial: Any = None

    def scoped(self, index: int, total: int, label: str) -> None:
        """Map the next point's own progress 0..1 into ``[index/total, (index+1)/total]``."""
        self.base, self.span, self.label = index / max(total, 1), 1.0 / max(total, 1), label

    def check(self, fraction: float = 0.0, message: str = "", force: bool = False) -> None:
        """Raise :class:`StopRequested` if a stop was requested; report progress (throttled)."""
        if self.should_stop():
            raise StopRequested()
        if self.on_progress is None:
            return
        now = time.monotonic()
        if force or now - self._last >= self.min_interval or fraction >= 1.0:
            self._last = now
            f = min(max(fraction, 0.0), 1.0) if math.isfinite(fraction) else 0.0
            overall = min(max(self.base + self.span * f, 0.0), 1.0)
            text = f"{self.label} {message}".strip()
            self.on_progress(overall, text)

    def publish(self, partial: Any) -> None:
        """Keep ``partial`` (a JSON-able result of the points finished so far) and pass it to ``on_partial``.

        A stopped job hands back the last published partial, so call this after every finished point.
        """
        self.partial = partial
        if self.on_partial is not None:
            self.on_partial(partial)


def resolve_target(target: str) -> JobFunction:
    """Import ``"package.module:function"`` and return the function.

    Raises
    ------
    ValueError
        If ``target`` is not of the form ``module:function`` or does not name a callable.
    """
    module_name, sep, attr = target.partition(":")
    if not sep or not module_name or not attr:
        raise ValueError(f"a job target is 'package.module:function', got {target!r}")
    fn = getattr(importlib.import_module(module_name), attr, None)
    if not callable(fn):
        raise ValueError(f"{target!r} does not name a function")
    return fn


def reset_global_generators(seed: int = 0) -> None:
    """Seed the process-wide generators of ``random``, ``numpy`` and (if imported) ``torch`` with ``seed``.

    numpy is imported here (its global generator is seeded from the operating system at import). torch is seeded
    only if it is already imported: :func:`run_target` calls this after importing the job's module, so a job
    module that imports torch at its top (as every job of the lab does) sees the same torch stream whatever ran
    before it in the same process.
    """
    random.seed(seed)
    import numpy as np

    np.random.seed(seed)  # noqa: NPY002 - the point is to reset the legacy global generator
    torch = sys.modules.get("torch")
    if torch is not None:
        torch.manual_seed(seed)


def run_target(target: str, config: Mapping[str, Any], control: Control) -> tuple[str, Any]:
    """Run one job to its end; never raises.

    Returns
    -------
    (status, payload)
        ``("done", result)``, ``("stopped", last partial or None)`` or ``("failed", one-line message)``. The
        message names the exception type and text only (no traceback, no server paths).
    """
    try:
        fn = resolve_target(target)
        reset_global_generators(0)
        result = fn(dict(config), control)
        return "done", result
    except StopRequested:
        return "stopped", control.partial
    except Exception as exc:  # noqa: BLE001 - a failing job is reported to its learner, never raised
        return "failed", failure_message(exc)


_PATH = re.compile(r"(?:[A-Za-z]:)?(?:[\\/][^\s'\"()\\/]+)+[\\/]([^\s'\"()\\/]+)")


def failure_message(exc: BaseException) -> str:
    """``"TypeName: first line of the message"`` (at most 300 characters), with every file-system path cut to its
    last part, so no traceback and no server path reaches a learner.

    >>> failure_message(ImportError("cannot import name 'x' from 'm' (/srv/app/equi_core/m.py)"))
    "ImportError: cannot import name 'x' from 'm' (m.py)"
    """
    lines = str(exc).strip().splitlines()
    text = _PATH.sub(r"\1", lines[0]) if lines else ""
    out = f"{type(exc).__name__}: {text}" if text else type(exc).__name__
    return out[:300]


def worker_loop(worker_id: int, tasks: Any, events: Any, stop: Any, threads: int = 1) -> None:
    """Body of one pool worker process: run the tasks of ``tasks`` one at a time, report through ``events``.

    ``tasks`` yields ``(job_id, target, config)`` (``None`` ends the loop); ``events`` receives
    ``(kind, worker_id, job_id, payload)`` with kind in ``"started"``, ``"progress"`` (payload
    ``(fraction, message)``), ``"partial"``, ``"done"``, ``"stopped"``, ``"failed"``. ``stop`` is a
    ``multiprocessing.Event`` that the server sets to stop the running job (cleared before each job).
    """
    os.environ.setdefault("OMP_NUM_THREADS", str(threads))
    os.environ.setdefault("MKL_NUM_THREADS", str(threads))
    while True:
        task = tasks.get()
        if task is None:
            return
        job_id, target, config = task
        torch = sys.modules.get("torch")
        if torch is not None:
            torch.set_num_threads(threads)
        events.put(("started", worker_id, job_id, None))

        def progress(fraction: float, message: str, j: int = job_id) -> None:
            events.put(("progress", worker_id, j, (float(fraction), str(message)[:300])))

        def partial(obj: Any, j: int = job_id) -> None:
            events.put(("partial", worker_id, j, obj))

        control = Control(should_stop=stop.is_set, on_progress=progress, on_partial=partial)
        try:
            status, payload = run_target(target, config, control)
            events.put((status, worker_id, job_id, payload))
        except Exception:  # noqa: BLE001  # pragma: no cover - e.g. an unpicklable result
            events.put(
                (
                    "failed",
                    worker_id,
                    job_id,
                    "the job's result could not be sent back: "
                    + traceback.format_exc(limit=0).strip().splitlines()[-1][:300],
                )
            )


def count_job(config: dict, control: Control) -> dict:
    """A small reference job: ``steps`` points, each a seeded random number (``random.Random(seed + i)``).

    ``config``: ``steps`` (int, 0..100000, default 10), ``seed`` (int, default 0), ``delay`` (seconds per
    point, 0..10, default 0), ``fail_at`` (raise ``ValueError`` at that point; default never). Publishes
    ``{"done": i, "values": [...]}`` after each point and returns ``{"steps": n, "values": [...], "sum": s}``.
    The values depend on ``seed`` only.
    """
    steps = int(config.get("steps", 10))
    seed = int(config.get("seed", 0))
    delay = float(config.get("delay", 0.0))
    if not 0 <= steps <= 100_000:
        raise ValueError(f"steps must be in 0..100000, got {steps}")
    if not (math.isfinite(delay) and 0.0 <= delay <= 10.0):
        raise ValueError(f"delay must be in [0, 10] seconds, got {delay}")
    fail_at = config.get("fail_at")
    values: list[float] = []
    for i in range(steps):
        control.check(i / max(steps, 1), f"point {i + 1}/{steps}")
        if fail_at is not None and i == int(fail_at):
            raise ValueError(f"count_job was asked to fail at point {i}")
        if delay:
            time.sleep(delay)
        values.append(random.Random(seed * 1_000_003 + i).random())
        control.publish({"done": i + 1, "values": list(values)})
    control.check(1.0, "done")
    return {"steps": steps, "values": values, "sum": math.fsum(values)}
