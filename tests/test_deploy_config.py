"""The classroom deployment: the Streamlit server settings, the Dockerfile and its health check (issue 15).

Docker itself is not run here; the Dockerfile is checked as text (base image, requirements, non-root user, health
check on ``/_stcore/health``, the one command) and that command is checked to be the README's.
"""

from __future__ import annotations

import json
import re
import shlex

import tomllib

from tests.conftest import REPO_ROOT

CONFIG = tomllib.loads((REPO_ROOT / ".streamlit" / "config.toml").read_text())
DOCKERFILE = (REPO_ROOT / "Dockerfile").read_text()


def test_streamlit_config_for_a_classroom():
    assert CONFIG["client"]["showErrorDetails"] == "none"  # no traceback, type or message reaches a learner
    assert CONFIG["server"]["fileWatcherType"] == "none"
    assert CONFIG["server"]["runOnSave"] is False
    assert 1 <= CONFIG["server"]["maxUploadSize"] <= 50
    assert 1 <= CONFIG["server"]["maxMessageSize"] <= 200
    assert CONFIG["browser"]["gatherUsageStats"] is False
    assert CONFIG["client"]["toolbarMode"] == "viewer"


def test_config_options_exist_in_this_streamlit():
    """Every option in config.toml is one the installed Streamlit knows (a typo would be silently ignored)."""
    from streamlit import config

    known = set(config._config_options_template)
    used = {f"{section}.{name}" for section, options in CONFIG.items() for name in options}
    assert used <= known, sorted(used - known)
    allowed = {"full", "stacktrace", "type", "none"}
    assert CONFIG["client"]["showErrorDetails"] in allowed


def _instructions() -> list[tuple[str, str]]:
    text = re.sub(r"\\\n\s*", " ", DOCKERFILE)
    out = []
    for line in text.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            word, _, rest = line.partition(" ")
            out.append((word.upper(), rest.strip()))
    return out


def test_dockerfile_is_a_slim_non_root_image_with_a_health_check():
    ins = _instructions()
    words = [w for w, _ in ins]
    assert ins[0] == ("FROM", "python:3.11-slim")
    runs = " ".join(r for w, r in ins if w == "RUN")
    assert "pip install" in runs and "-r requirements.txt" in runs
    users = [r for w, r in ins if w == "USER"]
    assert users and users[-1] not in ("root", "0")
    assert words.index("USER") < words.index("CMD")
    health = next(r for w, r in ins if w == "HEALTHCHECK")
    assert "/_stcore/health" in health and "CMD" in health
    assert "EXPOSE" in words and next(r for w, r in ins if w == "EXPOSE") == "8501"


def test_dockerfile_command_is_the_readme_command():
    cmd = json.loads(next(r for w, r in _instructions() if w == "CMD"))
    assert cmd[:3] == ["streamlit", "run", "app.py"]
    assert cmd[cmd.index("--server.address") :][:2] == ["--server.address", "0.0.0.0"]
    readme = (REPO_ROOT / "README.md").read_text()
    assert " ".join(shlex.quote(c) for c in cmd) in readme
    assert "docker run" in readme and "/_stcore/health" in readme
