"""The live-job runner: long jobs in a bounded pool of worker processes, with queue, progress, stop and results.

A page calls::

    state = lab_ui.jobs.live_job(key="tetris", target="equi_core.lessons.tetris:train_job",
                                 config={...}, start_label="Train live")

which renders the Start / Stop buttons, the learner's place in the queue and a progress bar, and returns a
:class:`JobState` (``status`` in ``"idle" | "queued" | "running" | "done" | "stopped" | "failed"``,
``position``, ``fraction``, ``message``, ``partial``, ``result``, ``error``). The target is a plain function
``job(config: dict, control: equi_core.progress.Control) -> dict`` (see :mod:`equi_core.progress`).

Guarantees
----------
* **Bounded pool of processes.** Jobs never run in a script thread: at most ``EQUILAB_JOB_WORKERS`` (default: one
  per CPU core) worker processes, started with the ``spawn`` context (forking a threaded Streamlit server is
  unsafe), each running one job at a time with ``EQUILAB_JOB_THREADS`` (default 1) torch/BLAS threads. Further
  jobs wait in one FIFO queue; a queued job's ``position`` is its place in it (1 = next), a running one's is 0.
* **One job per session.** A session (see below) has at most one queued-or-running job, over all pages; starting
  another while one is active is refused with a message naming the active one.
* **Stop keeps finished points.** Stop sets the worker's ``multiprocessing.Event`` that the job's
  ``Control.should_stop`` reads; the job's next ``control.check`` raises ``StopRequested`` and the last
  ``control.publish``-ed partial comes back as ``state.partial`` (status ``"stopped"``). A queued job is simply
  removed. A job past ``EQUILAB_JOB_TIMEOUT_S`` (default 900 s) is stopped the same way; one that ignores the
  stop for 15 s more is ended (its worker process is replaced).
* **Failures are messages.** An exception in a job gives ``status == "failed"`` and ``state.error`` a one-line
  ``"ValueError: ..."`` (never a traceback or a server path); a worker that dies (e.g. out of memory) fails its
  job and is replaced.
* **Results per session, surviving a reload.** A session is named by a random token kept in
  ``st.session_state`` and in the URL query parameter ``session`` (so a browser reload finds its results).
  Bounds: at most ``EQUILAB_JOB_RESULTS`` (default 256) kept job records, each finished record kept at most
  ``EQUILAB_JOB_RESULT_TTL_S`` (default 3 h), each result or partial at most ``EQUILAB_JOB_RESULT_MB`` (default
  4 MB, pickled size; a larger one fails the job) and all kept results together at most ``EQUILAB_JOB_TOTAL_MB``
  (default 64 MB); the oldest finished records are evicted first. Queued and running jobs are never evicted.
  Anyone holding a URL with a ``session`` value sees that session's job results; the value is random
  (48 bits) and says nothing else.
* **Deterministic.** A job receives only its config (the pool adds nothing); it seeds its own generators from
  it, and the worker resets the process-wide ``random``/``numpy``/``torch`` generators before each job, so the
  same config gives the same numbers alone or beside other jobs (tested).
* **Polling only while active.** The progress display is an ``st.fragment(run_every=...)`` defined with a timer
  only while the session's job is queued or running; it reruns the whole page when the job ends or publishes a
  new partial.

Example
-------
>>> pool = JobPool(workers=1)
>>> pool.submit("t0", "demo", "equi_core.progress:count_job", {"steps": 3}).status in ("queued", "running")
True
>>> pool.wait("t0", "demo", timeout=120).result["steps"]
3
>>> pool.shutdown()
"""

from __future__ import annotations

import contextlib
import itertools
import math
import multiprocessing as mp
import os
import pickle
import queue
import secrets
import string
import threading
import time
from collections import OrderedDict, deque
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import streamlit as st

from equi_core.progress import worker_loop

__all__ = ["JobPool", "JobState", "get_pool", "live_job", "session_token", "settings"]

STATUSES = ("idle", "queued", "running", "done", "stopped", "failed")
ACTIVE = ("queued", "running")
TOKEN_PARAM = "session"
POLL_S = 0.5
STOP_GRACE_S = 15.0


def _env_number(name: str, default: float, lo: float, hi: float) -> float:
    """A positive number from the environment, clipped to [lo, hi]; the default when unset or unreadable."""
    raw = os.environ.get(name, "").strip()
    try:
        value = float(raw) if raw else default
    except ValueError:
        value = default
    if not math.isfinite(value):
        value = default
    return min(max(value, lo), hi)


def settings() -> dict[str, float]:
    """The pool's bounds as read from the environment (documented in the module docstring and the README)."""
    cores = os.cpu_count() or 1
    return {
        "workers": int(_env_number("EQUILAB_JOB_WORKERS", cores, 1, 64)),
        "threads": int(_env_number("EQUILAB_JOB_THREADS", 1, 1, 64)),
        "timeout_s": _env_number("EQUILAB_JOB_TIMEOUT_S", 900.0, 1.0, 86_400.0),
        "max_records": int(_env_number("EQUILAB_JOB_RESULTS", 256, 1, 100_000)),
        "ttl_s": _env_number("EQUILAB_JOB_RESULT_TTL_S", 3 * 3600.0, 1.0, 30 * 86_400.0),
        "max_result_bytes": int(_env_number("EQUILAB_JOB_RESULT_MB", 4.0, 0.001, 1024.0) * 2**20),
        "max_total_bytes": int(_env_number("EQUILAB_JOB_TOTAL_MB", 64.0, 0.001, 65_536.0) * 2**20),
    }


@dataclass(frozen=True)
class JobState:
    """What a page sees of its session's job for one ``key`` (a snapshot; never changes after it is made).

    ``position``: 0 while running, the place in the FIFO queue (1 = next) while queued, None otherwise.
    ``fraction`` in [0, 1]. ``partial``: the last published partial (kept on stop). ``result``: the final
    dict (status ``"done"`` only). ``error``: a one-line message (status ``"failed"`` only).
    """

    status: str = "idle"
    position: int | None = None
    fraction: float = 0.0
    message: str = ""
    partial: Any = None
    result: Any = None
    error: str | None = None
    key: str = ""
    config: dict | None = None
    job_id: int | None = None
    elapsed_s: float = 0.0

    @property
    def active(self) -> bool:
        """True while queued or running."""
        return self.status in ACTIVE


@dataclass
class _Job:
    job_id: int
    token: str
    key: str
    target: str
    config: dict
    submitted: float
    status: str = "queued"
    fraction: float = 0.0
    message: str = ""
    partial: Any = None
    result: Any = None
    error: str | None = None
    worker: int | None = None
    started: float | None = None
    finished: float | None = None
    stop_requested: bool = False
    partial_count: int = 0
    size: int = 0


@dataclass
class _Worker:
    index: int
    process: Any
    tasks: Any
    stop: Any
    job_id: int | None = None
    kill_at: float | None = None


@dataclass
class _Stats:
    submitted: int = 0
    finished: dict[str, int] = field(default_factory=dict)
    max_running: int = 0
    restarts: int = 0


def _size(obj: Any) -> int:
    try:
        return len(pickle.dumps(obj, protocol=pickle.HIGHEST_PROTOCOL))
    except Exception:  # noqa: BLE001 - an unpicklable object cannot come back from a worker anyway
        return 0


class JobPool:
    """A bounded pool of worker processes with a FIFO queue and per-(token, key) job records.

    Thread-safe: every public method may be called from any script thread. Workers start on the first
    :meth:`submit` (spawn context; the first job in a worker pays the interpreter start and its imports).

    Parameters
    ----------
    workers, threads, timeout_s, max_records, ttl_s, max_result_bytes, max_total_bytes
        The bounds of :func:`settings` (defaults from the environment).
    """

    def __init__(
        self,
        workers: int | None = None,
        *,
        threads: int | None = None,
        timeout_s: float | None = None,
        max_records: int | None = None,
        ttl_s: float | None = None,
        max_result_bytes: int | None = None,
        max_total_bytes: int | None = None,
    ) -> None:
        env = settings()
        self.n_workers = int(workers if workers is not None else env["workers"])
        if self.n_workers < 1:
            raise ValueError(f"workers must be >= 1, got {self.n_workers}")
        self.threads = int(threads if threads is not None else env["threads"])
        self.timeout_s = float(timeout_s if timeout_s is not None else env["timeout_s"])
        self.max_records = int(max_records if max_records is not None else env["max_records"])
        self.ttl_s = float(ttl_s if ttl_s is not None else env["ttl_s"])
        self.max_result_bytes = int(max_result_bytes if max_result_bytes is not None else env["max_result_bytes"])
        self.max_total_bytes = int(max_total_bytes if max_total_bytes is not None else env["max_total_bytes"])
        self._ctx = mp.get_context("spawn")
        self._lock = threading.RLock()
        self._ids = itertools.count(1)
        self._jobs: dict[int, _Job] = {}
        self._records: OrderedDict[tuple[str, str], int] = OrderedDict()  # (token, key) -> job id, oldest first
        self._queue: deque[int] = deque()
        self._workers: list[_Worker] = []
        self._events: Any = None
        self._collector: threading.Thread | None = None
        self._closed = False
        self.stats = _Stats()

    # ----------------------------------------------------------------------------------------------- workers
    def _start_worker(self, index: int) -> _Worker:
        tasks = self._ctx.Queue()
        stop = self._ctx.Event()
        proc = self._ctx.Process(
            target=worker_loop,
            args=(index, tasks, self._events, stop, self.threads),
            name=f"equilab-job-worker-{index}",
            daemon=True,
        )
        proc.start()
        return _Worker(index, proc, tasks, stop)

    def _ensure_started(self) -> None:
        if self._events is not None:
            return
        self._events = self._ctx.Queue()
        self._workers = [self._start_worker(i) for i in range(self.n_workers)]
        self._collector = threading.Thread(target=self._collect, name="equilab-job-collector", daemon=True)
        self._collector.start()

    # ----------------------------------------------------------------------------------------------- public
    def submit(self, token: str, key: str, target: str, config: Mapping[str, Any]) -> JobState:
        """Queue ``target(config)`` for session ``token`` under ``key``; the new job's state.

        Raises
        ------
        ValueError
            If the session already has a queued or running job (under any key), if ``target`` is not
            ``module:function``, or if ``config`` cannot be sent to a worker (it must be picklable).
        """
        if ":" not in target:
            raise ValueError(f"a job target is 'package.module:function', got {target!r}")
        cfg = dict(config)
        try:
            pickle.dumps(cfg)
        except Exception as exc:  # noqa: BLE001 - any pickling failure means the same thing
            raise ValueError(f"a job's config must be picklable (plain numbers, text, lists, dicts): {exc}") from None
        with self._lock:
            if self._closed:
                raise ValueError("the job pool is shut down")
            active = self.active_key(token)
            if active is not None:
                raise ValueError(f"this session already has a job running or queued ({active!r}); stop it first")
            self._ensure_started()
            job = _Job(next(self._ids), token, key, target, cfg, time.monotonic())
            self._jobs[job.job_id] = job
            self._records.pop((token, key), None)
            self._records[(token, key)] = job.job_id
            self._queue.append(job.job_id)
            self.stats.submitted += 1
            self._dispatch()
            self._evict()
            return self._state(job)

    def stop(self, token: str, key: str) -> JobState:
        """Stop the session's job under ``key``: a queued one leaves the queue, a running one gets its stop event."""
        with self._lock:
            job = self._job_of(token, key)
            if job is None or job.status not in ACTIVE:
                return self.state(token, key)
            if job.status == "queued":
                self._queue.remove(job.job_id)
                self._finish(job, "stopped", None)
            elif not job.stop_requested:
                job.stop_requested = True
                job.message = "stopping after the current step..."
                worker = self._worker_of(job)
                if worker is not None:
                    worker.stop.set()
                    worker.kill_at = time.monotonic() + STOP_GRACE_S
            return self._state(job)

    def state(self, token: str, key: str) -> JobState:
        """The session's job under ``key`` (``status == "idle"`` when it has none)."""
        with self._lock:
            job = self._job_of(token, key)
            return JobState(key=key) if job is None else self._state(job)

    def active_key(self, token: str) -> str | None:
        """The key of the session's queued or running job, or None."""
        with self._lock:
            for (tok, key), job_id in self._records.items():
                if tok == token and self._jobs[job_id].status in ACTIVE:
                    return key
            return None

    def partial_count(self, token: str, key: str) -> int:
        """How many partials the session's job under ``key`` has published (0 without a job)."""
        with self._lock:
            job = self._job_of(token, key)
            return 0 if job is None else job.partial_count

    def wait(self, token: str, key: str, timeout: float = 60.0) -> JobState:
        """Block until the job under ``key`` is no longer active (or ``timeout`` seconds passed)."""
        deadline = time.monotonic() + timeout
        while True:
            st_ = self.state(token, key)
            if not st_.active or time.monotonic() > deadline:
                return st_
            time.sleep(0.02)

    def snapshot(self) -> dict[str, Any]:
        """Counters for tests and the load harness: running, queued, records, kept bytes, worker pids."""
        with self._lock:
            running = sum(1 for j in self._jobs.values() if j.status == "running")
            return {
                "running": running,
                "queued": len(self._queue),
                "records": len(self._records),
                "kept_bytes": sum(j.size for j in self._jobs.values()),
                "workers": [w.process.pid for w in self._workers],
                "max_running": self.stats.max_running,
                "submitted": self.stats.submitted,
                "restarts": self.stats.restarts,
            }

    def shutdown(self) -> None:
        """Stop every worker process (queued jobs are dropped)."""
        with self._lock:
            self._closed = True
            workers, self._workers = self._workers, []
        for w in workers:
            with contextlib.suppress(Exception):
                w.tasks.put(None)
        for w in workers:
            w.process.join(timeout=5)
            if w.process.is_alive():
                w.process.terminate()
                w.process.join(timeout=5)

    # ----------------------------------------------------------------------------------------------- internals
    def _job_of(self, token: str, key: str) -> _Job | None:
        job_id = self._records.get((token, key))
        return None if job_id is None else self._jobs.get(job_id)

    def _worker_of(self, job: _Job) -> _Worker | None:
        if job.worker is None:
            return None
        for w in self._workers:
            if w.index == job.worker and w.job_id == job.job_id:
                return w
        return None

    def _state(self, job: _Job) -> JobState:
        if job.status == "queued":
            position: int | None = list(self._queue).index(job.job_id) + 1
        elif job.status == "running":
            position = 0
        else:
            position = None
        end = job.finished if job.finished is not None else time.monotonic()
        return JobState(
            status=job.status,
            position=position,
            fraction=job.fraction,
            message=job.message,
            partial=job.partial,
            result=job.result,
            error=job.error,
            key=job.key,
            config=dict(job.config),
            job_id=job.job_id,
            elapsed_s=(end - job.started) if job.started is not None else 0.0,
        )

    def _dispatch(self) -> None:
        if self._closed:
            return
        for w in self._workers:
            if not self._queue:
                return
            if w.job_id is None and w.process.is_alive():
                job = self._jobs[self._queue.popleft()]
                w.stop.clear()
                w.job_id, w.kill_at = job.job_id, None
                job.worker, job.status, job.started, job.message = w.index, "running", time.monotonic(), "starting..."
                w.tasks.put((job.job_id, job.target, job.config))
        self.stats.max_running = max(self.stats.max_running, sum(1 for w in self._workers if w.job_id is not None))

    def _finish(self, job: _Job, status: str, payload: Any) -> None:
        job.status, job.finished = status, time.monotonic()
        if status == "done":
            job.result, job.fraction, job.message = payload, 1.0, "done"
        elif status == "stopped":
            if payload is not None:
                job.partial = payload
            job.message = "stopped"
        else:
            job.error = str(payload)
        job.size = _size(job.result) + _size(job.partial)
        if job.size > self.max_result_bytes:
            job.status, job.result, job.partial = "failed", None, None
            job.error = (
                f"the job's result is larger than the {self.max_result_bytes / 2**20:g} MB a result may "
                "keep on this server"
            )
            job.size = 0
        self.stats.finished[job.status] = self.stats.finished.get(job.status, 0) + 1

    def _evict(self) -> None:
        now = time.monotonic()
        total = sum(j.size for j in self._jobs.values())
        for rec, job_id in list(self._records.items()):
            job = self._jobs[job_id]
            too_many = len(self._records) > self.max_records
            too_old = job.finished is not None and now - job.finished > self.ttl_s
            too_big = total > self.max_total_bytes
            if job.status not in ACTIVE and (too_many or too_old or too_big):
                del self._records[rec]
                del self._jobs[job_id]
                total -= job.size
        # jobs replaced under the same (token, key) are no longer reachable
        live = set(self._records.values())
        for job_id in [j for j, job in self._jobs.items() if j not in live and job.status not in ACTIVE]:
            del self._jobs[job_id]

    def _replace_worker(self, w: _Worker, reason: str) -> None:
        job = self._jobs.get(w.job_id) if w.job_id is not None else None
        with contextlib.suppress(Exception):
            w.process.terminate()
            w.process.join(timeout=5)
        if job is not None and job.status == "running":
            if job.stop_requested:
                self._finish(job, "stopped", None)
            else:
                self._finish(job, "failed", reason)
        self.stats.restarts += 1
        if not self._closed:
            self._workers[self._workers.index(w)] = self._start_worker(w.index)

    def _handle(self, kind: str, worker_index: int, job_id: int, payload: Any) -> None:
        job = self._jobs.get(job_id)
        if kind in ("done", "stopped", "failed"):
            for w in self._workers:
                if w.index == worker_index and w.job_id == job_id:
                    w.job_id, w.kill_at = None, None
        if job is None or job.status != "running":
            return
        if kind == "progress":
            fraction, message = payload
            job.fraction = min(max(float(fraction), 0.0), 1.0) if math.isfinite(fraction) else job.fraction
            if not job.stop_requested:
                job.message = message
        elif kind == "partial":
            if _size(payload) <= self.max_result_bytes:
                job.partial = payload
                job.partial_count += 1
        elif kind in ("done", "stopped", "failed"):
            self._finish(job, kind, payload)
            self._evict()

    def _collect(self) -> None:
        last_check = 0.0
        while True:
            with self._lock:
                if self._closed and not self._workers:
                    return
                events = self._events
            try:
                item = events.get(timeout=0.25)
            except queue.Empty:
                item = None
            except (EOFError, OSError):  # pragma: no cover - interpreter shutdown
                return
            with self._lock:
                if item is not None:
                    self._handle(*item)
                now = time.monotonic()
                if item is None or now - last_check > 0.5:
                    last_check = now
                    self._watch(now)
                self._dispatch()

    def _watch(self, now: float) -> None:
        for w in list(self._workers):
            job = self._jobs.get(w.job_id) if w.job_id is not None else None
            if not w.process.is_alive():
                self._replace_worker(
                    w, f"the worker process ended unexpectedly (exit code {w.process.exitcode}; out of memory?)"
                )
                continue
            if job is None or job.status != "running" or job.started is None:
                continue
            if not job.stop_requested and now - job.started > self.timeout_s:
                job.stop_requested = True
                job.message = f"stopping: the {self.timeout_s:g} s time limit per job was reached"
                w.stop.set()
                w.kill_at = now + STOP_GRACE_S
            elif w.kill_at is not None and now > w.kill_at:
                self._replace_worker(w, "the job did not stop")


_POOL: JobPool | None = None
_POOL_LOCK = threading.Lock()


def get_pool() -> JobPool:
    """The process-wide pool (created on first use with the bounds of :func:`settings`)."""
    global _POOL
    with _POOL_LOCK:
        if _POOL is None:
            _POOL = JobPool()
        return _POOL


# ------------------------------------------------------------------------------------------------- streamlit
def session_token() -> str:
    """This browser session's job token: from session state, else the URL's ``session`` value, else new.

    The token is written back to the URL so a reload finds the session's results. A URL value that is not a
    token this module could have made (12 URL-safe characters) is ignored.
    """
    token = st.session_state.get("_equilab_job_token")
    if not token:
        raw = st.query_params.get(TOKEN_PARAM, "")
        token = raw if _valid_token(raw) else secrets.token_urlsafe(9)
        st.session_state["_equilab_job_token"] = token
    if st.query_params.get(TOKEN_PARAM) != token:
        st.query_params[TOKEN_PARAM] = token
    return token


def _valid_token(raw: object) -> bool:
    return isinstance(raw, str) and len(raw) == 12 and all(c.isalnum() or c in "-_" for c in raw)


def _start(token: str, key: str, target: str, config: Mapping[str, Any]) -> None:
    try:
        get_pool().submit(token, key, target, config)
    except ValueError as exc:
        st.session_state[f"_equilab_job_msg_{key}"] = str(exc)


def _stop(token: str, key: str) -> None:
    get_pool().stop(token, key)


def _progress_panel(token: str, key: str, seen_partials: int) -> None:
    state = get_pool().state(token, key)
    count = get_pool().partial_count(token, key)  # rerun the page when a new point arrived
    if state.status == "queued":
        st.progress(0.0, text=f"Waiting in the queue: place {state.position} (jobs run one per core)")
    elif state.status == "running":
        st.progress(state.fraction, text=state.message or "running...")
    if not state.active or count != seen_partials:
        st.rerun(scope="app")


def live_job(
    key: str,
    target: str,
    config: Mapping[str, Any],
    start_label: str = "Run live",
    stop_label: str = "Stop",
    disabled: bool = False,
    help: str | None = None,
) -> JobState:
    """Render the Start/Stop buttons, queue place and progress bar of this session's job ``key``; its state.

    Parameters
    ----------
    key
        Names the job within the session (one per page or per live panel); also the widget-key prefix.
    target
        ``"package.module:function"`` of a job ``function(config, control) -> dict``.
    config
        Everything the job needs (picklable; JSON-able recommended). Start sends the config as it is at the
        moment of the click; the result stays tied to that config (``state.config``).
    start_label, stop_label, disabled, help
        Button texts; ``disabled`` greys out Start (e.g. while the page's form has an error).

    Returns
    -------
    JobState
        ``status``, ``position``, ``fraction``, ``message``, ``partial``, ``result``, ``error``, ``config``.
    """
    if ":" not in target:
        raise ValueError(f"a job target is 'package.module:function', got {target!r}")
    token = session_token()
    pool = get_pool()
    state = pool.state(token, key)
    other = pool.active_key(token)
    cols = st.columns([1, 1, 4])
    with cols[0]:
        st.button(
            start_label,
            key=f"_job_start_{key}",
            type="primary",
            help=help,
            disabled=disabled or state.active or (other is not None and other != key),
            on_click=_start,
            args=(token, key, target, dict(config)),
        )
    with cols[1]:
        st.button(stop_label, key=f"_job_stop_{key}", disabled=not state.active, on_click=_stop, args=(token, key))
    drawn_active = state.active
    state = pool.state(token, key)
    if drawn_active and not state.active:
        # the job ended between drawing the buttons and now: draw them again, or Start stays greyed out with no
        # polling fragment left to rerun the page (seen under load as "Stopped" beside a disabled Run live)
        st.rerun()
    msg = st.session_state.pop(f"_equilab_job_msg_{key}", None)
    with cols[2]:
        if msg:
            st.caption(_plain(msg))
        elif other is not None and other != key:
            st.caption(f"Your job on {_plain(other)} is still running; stop it or wait for it to finish.")
        elif state.status == "stopped":
            st.caption("Stopped: the points finished before the stop are kept.")
        elif state.status == "failed":
            st.caption("The run failed: " + _plain(state.error or "unknown error"))
        elif state.status == "done":
            st.caption(f"Finished in {state.elapsed_s:.1f} s.")
    if state.active:
        seen = pool.partial_count(token, key)
        st.fragment(run_every=POLL_S)(_progress_panel)(token, key, seen)
    return state


def _plain(text: str) -> str:
    """Text safe to pass to ``st.caption``: every ASCII punctuation character backslash-escaped (no link, image,
    HTML, LaTeX, emphasis or directive can start), line breaks as spaces, at most 500 characters."""
    out = []
    for ch in str(text)[:500]:
        if ch in string.punctuation:
            out.append("\\" + ch)
        elif ch in "\r\n":
            out.append(" ")
        else:
            out.append(ch)
    return "".join(out)
