"""Where the points of a sweep run: in this process, in ``K`` local processes, or on a Ray cluster.

A sweep is a list of JSON-able *tasks* and a *target* named ``"package.module:function"``; every executor calls
``function(task)`` once per task and returns the results **in task order**. Because each task seeds everything it
draws from its own configuration (its own ``torch.Generator``/``numpy`` generators), the numbers do not depend on
the executor, the number of workers, or what else runs beside them (tested: in-process and process pools give
identical results).

* :class:`InProcessExecutor` -- the default; one task after another.
* :class:`ProcessExecutor` -- ``--workers K``: a pool of ``K`` fresh (``spawn``) Python processes, one torch thread each.
* :class:`RayExecutor` -- ``--ray auto|ADDRESS``: an optional extra (``pip install ray``); ``ray`` is imported only here,
  and a clear :class:`RuntimeError` says how to get it when it is missing.

Nothing here imports torch.

Example
-------
>>> ex = make_executor()
>>> ex.map("math:sqrt", [4.0, 9.0])
[2.0, 3.0]
"""

from __future__ import annotations

import importlib
import os
from collections.abc import Callable, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from multiprocessing import get_context
from typing import Any

__all__ = [
    "Executor",
    "InProcessExecutor",
    "ProcessExecutor",
    "RayExecutor",
    "make_executor",
    "resolve_target",
    "SweepStopped",
]


class SweepStopped(Exception):
    """Raised by :meth:`Executor.map` when ``should_stop`` returned true; ``results`` holds the finished ones
    (None where a task did not finish)."""

    def __init__(self, results: list[Any]) -> None:
        super().__init__("sweep stopped")
        self.results = results


def resolve_target(target: str) -> Callable[[Any], Any]:
    """``"pkg.module:function"`` -> the function (ValueError for a malformed name)."""
    module, sep, func = target.partition(":")
    if not sep or not module or not func:
        raise ValueError(f"target must look like 'package.module:function', got {target!r}")
    fn: Callable[[Any], Any] = getattr(importlib.import_module(module), func)
    return fn


def _call(target: str, task: Any) -> Any:
    return resolve_target(target)(task)


def _worker_init(parent: int | None = None) -> None:  # pragma: no cover - runs in the child processes
    for var in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS"):
        os.environ[var] = "1"
    if parent is not None:  # a worker whose parent was killed (not stopped) exits instead of training on alone
        import threading

        threading.Thread(target=_exit_with_parent, args=(parent,), daemon=True).start()


def _exit_with_parent(parent: int, every_s: float = 1.0) -> None:  # pragma: no cover - runs in the children
    import time

    while os.getppid() == parent:
        time.sleep(every_s)
    os._exit(1)


class Executor:
    """Base class: :meth:`map` runs ``target(task)`` for every task; results in task order."""

    name = "base"
    workers = 1

    def map(
        self,
        target: str,
        tasks: Sequence[Any],
        on_result: Callable[[int, Any], None] | None = None,
        should_stop: Callable[[], bool] | None = None,
    ) -> list[Any]:
        """Run every task; ``on_result(index, result)`` after each one finishes (any order for pools);
        ``should_stop()`` checked between tasks (raises :class:`SweepStopped` with the finished results)."""
        raise NotImplementedError

    def describe(self) -> str:
        """A short description for the result record."""
        return f"{self.name} ({self.workers} worker{'s' if self.workers != 1 else ''})"


class InProcessExecutor(Executor):
    """One task after another in this process."""

    name = "in-process"

    def map(
        self,
        target: str,
        tasks: Sequence[Any],
        on_result: Callable[[int, Any], None] | None = None,
        should_stop: Callable[[], bool] | None = None,
    ) -> list[Any]:
        fn = resolve_target(target)
        results: list[Any] = [None] * len(tasks)
        for i, task in enumerate(tasks):
            if should_stop is not None and should_stop():
                raise SweepStopped(results)
            results[i] = fn(task)
            if on_result is not None:
                on_result(i, results[i])
        return results


class ProcessExecutor(Executor):
    """A pool of ``workers`` spawned processes (each with one BLAS/torch thread)."""

    name = "process pool"

    def __init__(self, workers: int) -> None:
        if isinstance(workers, bool) or not isinstance(workers, int) or not 1 <= workers <= 256:
            raise ValueError(f"workers must be an integer in 1..256, got {workers!r}")
        self.workers = workers

    def map(
        self,
        target: str,
        tasks: Sequence[Any],
        on_result: Callable[[int, Any], None] | None = None,
        should_stop: Callable[[], bool] | None = None,
    ) -> list[Any]:
        results: list[Any] = [None] * len(tasks)
        if not tasks:
            return results
        with ProcessPoolExecutor(
            max_workers=min(self.workers, len(tasks)),
            mp_context=get_context("spawn"),
            initializer=_worker_init,
            initargs=(os.getpid(),),
        ) as pool:
            pending: dict[Future[Any], int] = {pool.submit(_call, target, t): i for i, t in enumerate(tasks)}
            while pending:
                done, _ = wait(list(pending), timeout=0.5, return_when=FIRST_COMPLETED)
                for fut in done:
                    i = pending.pop(fut)
                    results[i] = fut.result()
                    if on_result is not None:
                        on_result(i, results[i])
                if should_stop is not None and should_stop():
                    for fut in pending:
                        fut.cancel()
                    raise SweepStopped(results)
        return results


class RayExecutor(Executor):
    """Tasks as Ray remote calls (``address``: ``"auto"`` joins a running cluster, ``"local"`` starts one here,
    anything else is a cluster address)."""

    name = "ray"

    def __init__(self, address: str = "auto") -> None:
        try:
            import ray  # type: ignore[import-not-found]
        except ImportError as exc:
            raise RuntimeError(
                "--ray needs the optional extra 'ray' (pip install 'ray[default]'); without it use "
                "--workers K for local processes"
            ) from exc
        self._ray = ray
        if not ray.is_initialized():
            ray.init(address=None if address == "local" else address, ignore_reinit_error=True)
        self.address = address
        self.workers = int(ray.cluster_resources().get("CPU", 1))

    def map(
        self,
        target: str,
        tasks: Sequence[Any],
        on_result: Callable[[int, Any], None] | None = None,
        should_stop: Callable[[], bool] | None = None,
    ) -> list[Any]:  # pragma: no cover - needs ray
        ray = self._ray
        remote = ray.remote(num_cpus=1)(_call)
        refs = {remote.remote(target, t): i for i, t in enumerate(tasks)}
        results: list[Any] = [None] * len(tasks)
        while refs:
            done, _ = ray.wait(list(refs), num_returns=1, timeout=0.5)
            for ref in done:
                i = refs.pop(ref)
                results[i] = ray.get(ref)
                if on_result is not None:
                    on_result(i, results[i])
            if should_stop is not None and should_stop():
                for ref in refs:
                    ray.cancel(ref)
                raise SweepStopped(results)
        return results


def make_executor(workers: int = 0, ray: str | None = None) -> Executor:
    """``ray`` given -> :class:`RayExecutor`; ``workers >= 1`` -> :class:`ProcessExecutor`; else in-process."""
    if ray:
        return RayExecutor(ray)
    if workers:
        return ProcessExecutor(workers)
    return InProcessExecutor()
