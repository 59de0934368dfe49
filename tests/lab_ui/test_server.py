"""``lab_ui.server``: the one launcher of the Lab's Streamlit server (browser tests and load benchmarks)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from lab_ui import server


def test_command_is_the_readme_one() -> None:
    cmd = server.server_command(8123)
    assert cmd[:5] == [sys.executable, "-m", "streamlit", "run", "app.py"]
    flags = dict(zip(cmd[5::2], cmd[6::2]))
    assert flags["--server.headless"] == "true" and flags["--server.address"] == "127.0.0.1"
    assert flags["--server.port"] == "8123"


def test_a_port_is_free_and_nothing_answers_on_it() -> None:
    import socket

    port = server.free_port()
    assert not server.health_ok(f"http://127.0.0.1:{port}")
    with socket.socket() as sock:  # the port can be bound: it was free
        sock.bind(("127.0.0.1", port))


def test_env_extra_may_override_the_thread_setting(tmp_path: Path) -> None:
    # no TypeError for a key the launcher also sets; the server fails (no app.py) with its own message
    with pytest.raises(RuntimeError, match="streamlit exited"):
        server.start_server(
            server.free_port(), tmp_path / "s.log", app_dir=tmp_path, timeout_s=60, env_extra={"OMP_NUM_THREADS": "2"}
        )


def test_a_server_that_cannot_start_raises_with_its_log(tmp_path: Path) -> None:
    log = tmp_path / "server.log"
    # no app.py in tmp_path: streamlit exits at once and the error carries its own message
    with pytest.raises(RuntimeError, match="streamlit exited with") as err:
        server.start_server(server.free_port(), log, app_dir=tmp_path, timeout_s=60)
    assert "app.py" in str(err.value)
