"""Load harness that separates the server from the client: many sessions through Streamlit's own websocket protocol.

No browser: each session is a websocket to ``/_stcore/stream`` speaking the protobuf messages of ``streamlit.proto``
(the client sends ``BackMsg.rerun_script`` with a ``ClientState``: query string, page name, widget states; the server
answers with ``ForwardMsg`` deltas and ends every run with ``script_finished``). A session opens a page, then changes
one slider (or number input) ``--rounds`` times; the time from sending the change to the ``script_finished`` of that
rerun is the rerun time (the client only parses protobuf, so this is server time plus loopback). The client's own
CPU time is reported beside the server's so a reader can see the load generator did not starve the server.

For each level of ``--sessions`` (default 10, 20, 30, 50), all sessions are held open at once over the lesson pages
(session ``i`` opens page ``i mod len(pages)``) and change their widget concurrently (a random 0.2-1 s pause between
changes). Reported per level: sessions held (connected, no exception element, no timeout), errors, median / p95 /
max rerun time, initial page time, server RSS now and peak (``VmRSS`` / ``VmHWM`` from ``/proc``; the job workers
separately), server CPU seconds and client CPU seconds during the level.

``--jobs K`` then starts K live training runs through the job pool (K sessions press the ``--job-button`` of
``--job-page``) and, while they run, opens fresh sessions on ``--fresh-page`` and times their first page and a widget
change, beside the same measurement before the jobs started.

    nice -n 10 python bench/load_ws.py --sessions 10,20,30,50 --rounds 5 --jobs 5 --json artifacts/load_ws.json

The server it starts runs with ``OMP_NUM_THREADS=1`` (``lab_ui.server.start_server``; earlier reports inherited
the caller's setting); live jobs set their own torch threads (``EQUILAB_JOB_THREADS``).

Exit status 0 only if every level held all its sessions without errors.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import random
import statistics
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parents[1]
if str(REPO_ROOT) not in sys.path:  # `python bench/<script>.py` from a checkout that is not pip-installed
    sys.path.insert(0, str(REPO_ROOT))
from lab_ui.server import free_port, start_server, stop_server

LESSON_PAGES = (
    "home",
    "irreps_rotations",
    "conventions",
    "nonlinearity",
    "truncation",
    "tensor_products",
    "training_lab",
    "molecular_dynamics",
    "cheaper_paths",
    "tetris",
)
TIMEOUT_S = 120.0
CLK_TCK = os.sysconf("SC_CLK_TCK")


# ------------------------------------------------------------------------------------------------ /proc helpers
def _status_kb(pid: int, field_name: str) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(field_name + ":"):
                return int(line.split()[1])
    except (OSError, ValueError):
        pass
    return 0


def _cpu_s(pid: int) -> float:
    try:
        parts = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(parts[11]) + int(parts[12])) / CLK_TCK
    except (OSError, IndexError, ValueError):
        return 0.0


def _children(pid: int) -> list[int]:
    try:
        text = Path(f"/proc/{pid}/task/{pid}/children").read_text()
    except OSError:
        return []
    out = []
    for c in text.split():
        out.append(int(c))
        out.extend(_children(int(c)))
    return out


def _is_job_worker(pid: int) -> bool:
    try:
        return b"spawn_main" in Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return False


def server_figures(pid: int) -> dict[str, float]:
    """RSS now and peak (``VmHWM``) and CPU seconds of the server process; its job workers (``spawn`` children)
    counted, summed and reported separately."""
    kids = [k for k in _children(pid) if _is_job_worker(k)]
    return {
        "rss_mb": _status_kb(pid, "VmRSS") / 1024,
        "peak_rss_mb": _status_kb(pid, "VmHWM") / 1024,
        "cpu_s": _cpu_s(pid),
        "workers": len(kids),
        "workers_rss_mb": sum(_status_kb(k, "VmRSS") for k in kids) / 1024,
        "workers_cpu_s": sum(_cpu_s(k) for k in kids),
    }


# ------------------------------------------------------------------------------------------------ a session
@dataclass
class Widget:
    kind: str
    id: str
    label: str
    value: Any = None
    lo: float = 0.0
    hi: float = 1.0
    step: float = 1.0
    is_int: bool = False


@dataclass
class SessionResult:
    page: str
    ok: bool = True
    error: str = ""
    first_s: float = float("nan")
    reruns_s: list[float] = field(default_factory=list)
    alerts: int = 0


class Session:
    """One websocket session: open a page, find its widgets, change one, time reruns."""

    def __init__(self, url: str, page: str) -> None:
        self.url, self.page = url, page
        self.query = ""
        self.widgets: dict[str, Widget] = {}
        self.states: dict[str, Any] = {}
        self.ws: Any = None
        self.exceptions = 0
        self.alerts = 0

    async def connect(self) -> None:
        import websockets

        ws_url = self.url.replace("http://", "ws://") + "/_stcore/stream"
        self.ws = await websockets.connect(
            ws_url, subprotocols=["streamlit"], max_size=None, open_timeout=60, ping_interval=None
        )

    async def close(self) -> None:
        if self.ws is not None:
            await self.ws.close()

    def _back(self, *, fragment_id: str = "") -> bytes:
        from streamlit.proto.BackMsg_pb2 import BackMsg

        msg = BackMsg()
        cs = msg.rerun_script
        cs.query_string = self.query
        cs.page_name = "" if self.page == "home" else self.page
        if fragment_id:
            cs.fragment_id = fragment_id
        for wid, (kind, value) in self.states.items():
            w = cs.widget_states.widgets.add()
            w.id = wid
            if kind == "double_array":
                w.double_array_value.data.extend(value)
            elif kind == "double":
                w.double_value = value
            elif kind == "int":
                w.int_value = value
            elif kind == "trigger":
                w.trigger_value = value
        return msg.SerializeToString()

    def _note_element(self, el: Any) -> None:
        kind = el.WhichOneof("type")
        if kind == "exception":
            self.exceptions += 1
            return
        if kind == "alert" and el.alert.format == 1:  # ERROR: a message the page shows on purpose
            self.alerts += 1
            return
        if kind not in ("slider", "number_input", "button"):
            return
        proto = getattr(el, kind)
        if kind == "slider":
            if proto.options or proto.data_type not in (0, 1):  # select_slider / dates: not driven here
                return
            vals = list(proto.value) if proto.set_value else list(proto.default)
            self.widgets[proto.id] = Widget(
                kind, proto.id, proto.label, vals, proto.min, proto.max, proto.step or 1, proto.data_type == 0
            )
        elif kind == "number_input":
            value = proto.value if proto.set_value else proto.default
            lo = proto.min if proto.has_min else value - 100
            hi = proto.max if proto.has_max else value + 100
            self.widgets[proto.id] = Widget(
                kind, proto.id, proto.label, value, lo, hi, proto.step or 1, proto.data_type == 0
            )
        else:
            self.widgets[proto.id] = Widget(kind, proto.id, proto.label)

    async def run(self, *, fragment_id: str = "") -> float:
        """Send a rerun with the current widget states; seconds until its script_finished."""
        from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

        t0 = time.perf_counter()
        await self.ws.send(self._back(fragment_id=fragment_id))
        while True:
            raw = await asyncio.wait_for(self.ws.recv(), timeout=TIMEOUT_S)
            msg = ForwardMsg()
            msg.ParseFromString(raw)
            kind = msg.WhichOneof("type")
            if kind == "delta" and msg.delta.WhichOneof("type") == "new_element":
                self._note_element(msg.delta.new_element)
            elif kind == "page_info_changed":
                self.query = msg.page_info_changed.query_string
            elif kind == "script_finished":
                if msg.script_finished in (
                    ForwardMsg.FINISHED_SUCCESSFULLY,
                    ForwardMsg.FINISHED_FRAGMENT_RUN_SUCCESSFULLY,
                ):
                    return time.perf_counter() - t0
                if msg.script_finished == ForwardMsg.FINISHED_WITH_COMPILE_ERROR:
                    raise RuntimeError("script compile error")

    def change(self, rnd: random.Random) -> bool:
        """Move the first slider (else number input) to another allowed value; False if the page has none."""
        for kind in ("slider", "number_input"):
            for w in self.widgets.values():
                if w.kind != kind:
                    continue
                if kind == "slider":
                    cur = list(self.states.get(w.id, ("", w.value))[1])
                    options = [w.lo + k * w.step for k in range(round((w.hi - w.lo) / w.step) + 1)][:40]
                    options = [o for o in options if abs(o - cur[0]) > 1e-9] or options
                    cur[0] = rnd.choice(options)
                    self.states[w.id] = ("double_array", cur)
                else:
                    cur = self.states.get(w.id, ("", w.value))[1]
                    new = cur + w.step if cur + w.step <= w.hi else cur - w.step
                    self.states[w.id] = ("int", int(new)) if w.is_int else ("double", float(new))
                return True
        return False

    def press(self, label: str) -> bool:
        for w in self.widgets.values():
            if w.kind == "button" and w.label == label:
                self.states[w.id] = ("trigger", True)
                return True
        return False

    def release_triggers(self) -> None:
        self.states = {k: v for k, v in self.states.items() if v[0] != "trigger"}


async def drive(
    url: str, page: str, rounds: int, rnd: random.Random, barrier: asyncio.Event | None, ready: list[int] | None = None
) -> SessionResult:
    res = SessionResult(page)
    s = Session(url, page)
    try:
        await s.connect()
        res.first_s = await s.run()
        if ready is not None:
            ready.append(1)
        if barrier is not None:
            await barrier.wait()
        for _ in range(rounds):
            await asyncio.sleep(rnd.uniform(0.2, 1.0))
            if not s.change(rnd):
                break
            res.reruns_s.append(await s.run())
    except Exception as exc:  # noqa: BLE001 - a lost session is a measured error, not a crash of the harness
        res.ok, res.error = False, f"{type(exc).__name__}: {exc}"[:200]
    finally:
        if s.exceptions:
            res.ok, res.error = False, res.error or f"{s.exceptions} exception element(s) on {page}"
        res.alerts = s.alerts
        with contextlib.suppress(Exception):
            await s.close()
    return res


def _pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    v = sorted(values)
    return v[min(len(v) - 1, round(q * (len(v) - 1)))]


async def level(url: str, pid: int, n: int, rounds: int, pages: list[str], seed: int) -> dict[str, Any]:
    rnd = random.Random(seed)
    before = server_figures(pid)
    client0 = os.times()
    t0 = time.perf_counter()
    barrier = asyncio.Event()
    ready: list[int] = []
    tasks = [
        asyncio.create_task(drive(url, pages[i % len(pages)], rounds, random.Random(rnd.random()), barrier, ready))
        for i in range(n)
    ]
    # hold all sessions open: they start changing widgets once every session has its first page (or after 120 s)
    deadline = time.perf_counter() + TIMEOUT_S
    while time.perf_counter() < deadline and len(ready) + sum(1 for t in tasks if t.done()) < n:
        await asyncio.sleep(0.1)
    held_at_once = len(ready)
    barrier.set()
    results = await asyncio.gather(*tasks)
    wall = time.perf_counter() - t0
    client1 = os.times()
    after = server_figures(pid)
    reruns = [r for res in results for r in res.reruns_s]
    firsts = [res.first_s for res in results if res.first_s == res.first_s]
    return {
        "sessions": n,
        "held": sum(r.ok for r in results),
        "open_at_once": held_at_once,
        "errors": sum(not r.ok for r in results),
        "error_samples": sorted({r.error for r in results if r.error})[:5],
        "reruns": len(reruns),
        "median_s": statistics.median(reruns) if reruns else float("nan"),
        "p95_s": _pct(reruns, 0.95),
        "max_s": max(reruns) if reruns else float("nan"),
        "first_page_median_s": statistics.median(firsts) if firsts else float("nan"),
        "first_page_p95_s": _pct(firsts, 0.95),
        "wall_s": wall,
        "server_rss_mb": after["rss_mb"],
        "server_peak_rss_mb": after["peak_rss_mb"],
        "server_cpu_s": after["cpu_s"] - before["cpu_s"],
        "client_cpu_s": (client1.user + client1.system) - (client0.user + client0.system),
        "alerts_shown": sum(r.alerts for r in results),
        "per_page_median_s": {
            page: statistics.median(times)
            for page in sorted({r.page for r in results})
            if (times := [t for r in results if r.page == page for t in r.reruns_s])
        },
    }


async def fresh_pages(url: str, page: str, count: int, seed: int) -> dict[str, float]:
    """``count`` fresh sessions one after another: first page time and one widget change each."""
    firsts, changes = [], []
    for i in range(count):
        s = Session(url, page)
        await s.connect()
        firsts.append(await s.run())
        if s.change(random.Random(seed + i)):
            changes.append(await s.run())
        await s.close()
    return {
        "first_median_s": statistics.median(firsts),
        "first_max_s": max(firsts),
        "change_median_s": statistics.median(changes) if changes else float("nan"),
        "change_max_s": max(changes) if changes else float("nan"),
    }


async def with_jobs(
    url: str, pid: int, k: int, job_page: str, job_button: str, fresh_page: str, seed: int
) -> dict[str, Any]:
    baseline = await fresh_pages(url, fresh_page, 3, seed)
    holders = []
    started = 0
    for _ in range(k):
        s = Session(url, job_page)
        await s.connect()
        await s.run()
        if s.press(job_button):
            await s.run()
            s.release_triggers()
            started += 1
        holders.append(s)
    await asyncio.sleep(3.0)  # let the workers import torch and start training
    busy0 = server_figures(pid)
    during = await fresh_pages(url, fresh_page, 5, seed + 100)
    busy1 = server_figures(pid)
    for s in holders:
        await s.close()
    return {
        "jobs_started": started,
        "job_page": job_page,
        "fresh_page": fresh_page,
        "before_jobs": baseline,
        "while_jobs_run": during,
        "workers": busy1["workers"],
        "workers_cpu_s_during": busy1["workers_cpu_s"] - busy0["workers_cpu_s"],
        "server_cpu_s_during": busy1["cpu_s"] - busy0["cpu_s"],
        "workers_rss_mb": busy1["workers_rss_mb"],
        "server_rss_mb": busy1["rss_mb"],
    }


# ------------------------------------------------------------------------------------------------ server
def available_pages(pages: list[str]) -> list[str]:
    return [p for p in pages if (REPO_ROOT / "pages" / f"{p}.py").is_file()]


def format_table(levels: list[dict[str, Any]]) -> str:
    head = (
        "| sessions | held | errors | reruns | median s | p95 s | max s | first page median s | "
        "server RSS MB (peak) | server CPU s | client CPU s |"
    )
    lines = [head, "|" + "---|" * 11]
    for r in levels:
        lines.append(
            f"| {r['sessions']} | {r['held']} | {r['errors']} | {r['reruns']} | {r['median_s']:.3f} | "
            f"{r['p95_s']:.3f} | {r['max_s']:.3f} | {r['first_page_median_s']:.2f} | "
            f"{r['server_rss_mb']:.0f} ({r['server_peak_rss_mb']:.0f}) | {r['server_cpu_s']:.1f} | "
            f"{r['client_cpu_s']:.1f} |"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--sessions", default="10,20,30,50", help="comma-separated session counts, one level each")
    ap.add_argument("--rounds", type=int, default=5, help="widget changes per session")
    ap.add_argument("--pages", default=",".join(LESSON_PAGES), help="pages the sessions spread over")
    ap.add_argument("--url", default=None, help="use a running server (then server figures need --pid)")
    ap.add_argument("--pid", type=int, default=None)
    ap.add_argument("--jobs", type=int, default=0, help="live jobs to start for the fresh-page measurement")
    ap.add_argument("--job-page", default="training_lab")
    ap.add_argument("--job-button", default="Run live")
    ap.add_argument("--fresh-page", default="truncation")
    ap.add_argument(
        "--job-workers",
        type=int,
        default=None,
        help="EQUILAB_JOB_WORKERS for the server this harness starts (default: one per core)",
    )
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--json", default=None, help="write the report as JSON here")
    args = ap.parse_args(argv)
    pages = available_pages([p.strip() for p in args.pages.split(",") if p.strip()])
    proc = None
    if args.url:
        url, pid = args.url.rstrip("/"), args.pid or 0
    else:
        port = free_port()
        proc = start_server(
            port,
            env_extra={} if args.job_workers is None else {"EQUILAB_JOB_WORKERS": str(args.job_workers)},
            extra_args=("--browser.serverAddress", "localhost"),
        )
        url, pid = f"http://127.0.0.1:{port}", proc.pid
    report: dict[str, Any] = {
        "pages": pages,
        "rounds": args.rounds,
        "cpu_count": os.cpu_count(),
        "fresh_server": server_figures(pid) if pid else {},
        "levels": [],
    }
    try:
        for i, n in enumerate(int(x) for x in args.sessions.split(",") if x.strip()):
            r = asyncio.run(level(url, pid, n, args.rounds, pages, args.seed + i))
            report["levels"].append(r)
            print(
                f"{n} sessions: held {r['held']}, errors {r['errors']}, median {r['median_s']:.3f} s, "
                f"p95 {r['p95_s']:.3f} s, server RSS {r['server_rss_mb']:.0f} MB (peak "
                f"{r['server_peak_rss_mb']:.0f}), server CPU {r['server_cpu_s']:.1f} s, "
                f"client CPU {r['client_cpu_s']:.1f} s",
                flush=True,
            )
            if r["error_samples"]:
                print("   errors:", r["error_samples"], flush=True)
        if args.jobs:
            report["jobs"] = asyncio.run(
                with_jobs(url, pid, args.jobs, args.job_page, args.job_button, args.fresh_page, args.seed)
            )
            print("with jobs:", json.dumps(report["jobs"], indent=1), flush=True)
        report["after"] = server_figures(pid) if pid else {}
    finally:
        if proc is not None:
            stop_server(proc)
    print(format_table(report["levels"]))
    if args.json:
        Path(args.json).parent.mkdir(parents=True, exist_ok=True)
        Path(args.json).write_text(json.dumps(report, indent=1, default=str))
    return 0 if all(r["errors"] == 0 for r in report["levels"]) else 1


if __name__ == "__main__":
    sys.exit(main())
