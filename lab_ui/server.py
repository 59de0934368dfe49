"""Start and stop the Lab's own Streamlit server as a child process (browser tests and the load benchmarks).

One place for the command line the README and CI use (``streamlit run app.py --server.headless true
--server.address 127.0.0.1``), a free port, and the health check ``/_stcore/health``. The module itself needs only
the standard library, but importing it runs ``lab_ui/__init__``, which imports Streamlit.

Example
-------
>>> 1024 <= free_port() <= 65535
True
>>> health_ok("http://127.0.0.1:9")  # nothing listens on the discard port
False
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Mapping
from pathlib import Path

__all__ = ["REPO_ROOT", "free_port", "health_ok", "server_command", "start_server", "stop_server"]

REPO_ROOT = Path(__file__).resolve().parents[1]


def free_port() -> int:
    """A TCP port on 127.0.0.1 that is free right now (the OS picks it)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def health_ok(base_url: str) -> bool:
    """True when ``base_url/_stcore/health`` answers ``ok`` within 2 s."""
    try:
        with urllib.request.urlopen(f"{base_url}/_stcore/health", timeout=2) as resp:
            return bool(resp.status == 200 and resp.read().strip() == b"ok")
    except (urllib.error.URLError, ConnectionError, OSError):
        return False


def server_command(port: int, *extra: str) -> list[str]:
    """The ``streamlit run app.py`` command line, headless on 127.0.0.1:``port``, no file watcher, no usage stats.

    Example
    -------
    >>> server_command(8501)[:4] == [sys.executable, "-m", "streamlit", "run"]
    True
    """
    return [
        sys.executable,
        "-m",
        "streamlit",
        "run",
        "app.py",
        "--server.headless",
        "true",
        "--server.address",
        "127.0.0.1",
        "--server.port",
        str(port),
        "--browser.gatherUsageStats",
        "false",
        "--server.fileWatcherType",
        "none",
        *extra,
    ]


def start_server(
    port: int,
    log_path: Path | None = None,
    *,
    timeout_s: float = 90.0,
    app_dir: Path = REPO_ROOT,
    env_extra: Mapping[str, str] | None = None,
    extra_args: tuple[str, ...] = (),
) -> subprocess.Popen[bytes]:
    """Start the server (``OMP_NUM_THREADS=1`` unless ``env_extra`` says otherwise, unbuffered output into
    ``log_path`` or nowhere) and return once it is healthy.

    Raises
    ------
    RuntimeError
        When the process exits or is not healthy within ``timeout_s``; the message carries the log's tail.
    """
    env = {**os.environ, "OMP_NUM_THREADS": "1", "PYTHONUNBUFFERED": "1", **dict(env_extra or {})}
    if log_path is not None:
        with open(log_path, "wb") as log:  # the child keeps its own descriptor
            proc = subprocess.Popen(
                server_command(port, *extra_args), cwd=app_dir, stdout=log, stderr=subprocess.STDOUT, env=env
            )
    else:
        proc = subprocess.Popen(
            server_command(port, *extra_args),
            cwd=app_dir,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            env=env,
        )
    deadline = time.monotonic() + timeout_s
    while not health_ok(f"http://127.0.0.1:{port}"):
        if proc.poll() is not None or time.monotonic() > deadline:
            exited = proc.poll() is not None
            stop_server(proc)
            tail = log_path.read_text(errors="replace")[-3000:] if log_path is not None else "(no log kept)"
            why = f"exited with {proc.returncode}" if exited else f"not healthy after {timeout_s:g} s"
            raise RuntimeError(f"streamlit {why}:\n{tail}")
        time.sleep(0.25)
    return proc


def stop_server(proc: subprocess.Popen[bytes]) -> None:
    """Terminate the server, killing it if it has not exited 15 s later."""
    proc.terminate()
    try:
        proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=15)
