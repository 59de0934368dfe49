"""Shared test fixtures and constants: one AppTest factory for every page test, and the float64 tolerances.

* ``app_test(page, query=None, run=False, timeout=APPTEST_TIMEOUT_S)`` (fixture, session scope, so module-scoped
  fixtures may use it too; :func:`new_app_test` is the same function for module-level code): an
  ``AppTest.from_file`` of ``pages/<page>.py`` (or of any path relative to the repository root, e.g. ``"app.py"``)
  with ``default_timeout`` set once for the whole suite, the URL query set from ``query``, and run if ``run``.
* Tolerances (import them: ``from tests.conftest import TOL_F64``): what "equal up to rounding" means in float64 for
  a computation of a given depth. An error that must be rounding is asserted below one of these; one that must be
  large is asserted large (never "below 1").

Every test directory is a package (``tests/__init__.py``, ``tests/o3/__init__.py``, ...), so test files in different
directories may share a name (``tests/lessons/test_truncation.py`` and ``tests/viz/test_truncation.py``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

REPO_ROOT = Path(__file__).resolve().parents[1]
PAGES = REPO_ROOT / "pages"

#: Seconds an AppTest script run may take before it fails (pages answer in well under a second; the margin is for
#: a loaded CI machine).
APPTEST_TIMEOUT_S = 60

#: Machine epsilon of float64 (about 2.2e-16).
EPS_F64 = float(np.finfo(np.float64).eps)
#: A few float64 operations on numbers of order 1 (a dot product, one rotation).
TOL_ROUNDING = 1e-15
#: A short chain of float64 operations (a Wigner matrix at low degree, one equivariant layer).
TOL_F64 = 1e-13
#: A long chain: high degrees (l >= 10), networks of several layers, quadratures over large grids.
TOL_F64_DEEP = 1e-12
#: float32 arithmetic (torch defaults), relative to order-1 values.
TOL_F32 = 1e-5


def _page_path(page: str | Path) -> Path:
    p = Path(page)
    if p.suffix != ".py":
        p = PAGES / f"{p.name}.py"
    elif not p.is_absolute():
        p = REPO_ROOT / p
    if not p.is_file():
        raise FileNotFoundError(f"no page script at {p}")
    return p


def new_app_test(
    page: str | Path,
    query: Mapping[str, str] | None = None,
    *,
    run: bool = False,
    timeout: float = APPTEST_TIMEOUT_S,
) -> AppTest:
    """An AppTest of a page: ``"home"`` means ``pages/home.py``; a ``.py`` path is taken relative to the repo root.

    ``query`` sets the URL query parameters before the first run (a deep link); ``run=True`` runs the script once.
    """
    at = AppTest.from_file(str(_page_path(page)), default_timeout=timeout)
    for key, value in (query or {}).items():
        at.query_params[key] = value
    if run:
        at.run()
    return at


@pytest.fixture(scope="session")
def app_test() -> Callable[..., AppTest]:
    """The AppTest factory :func:`new_app_test` (``app_test("truncation", {"L": "4"}, run=True)``)."""
    return new_app_test


@pytest.fixture(autouse=True, scope="session")
def _full_error_details_in_tests() -> None:
    """Tests see full exception details in AppTest. The classroom configuration (``.streamlit/config.toml``,
    ``client.showErrorDetails = "none"``) hides them from learners; ``tests/test_deploy_config.py`` checks that file."""
    from streamlit import config

    config.set_option("client.showErrorDetails", "full")
