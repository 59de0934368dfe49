"""Static checks of the house rules (DEVELOPERS.md, issue 7) over the app's own code.

* ``equi_core`` never imports streamlit.
* No ``unsafe_allow_html`` anywhere in the app (pages show user-typed text; none may become HTML).
* Every ``st.cache_data`` is bounded (``max_entries``); every ``functools.lru_cache`` has a finite ``maxsize``.
* No page imports another page.
* No CDN / third-party asset URL in the app's code (the app works offline).
* No ``st.cache_resource`` (a shared, mutable object across users) and no module-level container in
  ``equi_core`` that is mutated at run time (state shared by every user of the server).
* One house (issue 10): only ``app.py``, ``pages/`` and ``lab_ui/`` import streamlit; ``import equi_core`` and
  every ``equi_core.viz`` module import no torch (drawing a figure must not load the training stack) and
  ``import equi_core`` no streamlit or plotly; every page is a thin file under 250 lines.
"""

from __future__ import annotations

import ast
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
CORE = sorted((ROOT / "equi_core").rglob("*.py"))
PAGES = sorted((ROOT / "pages").glob("*.py"))
APP = [ROOT / "app.py"]
LAB_UI = sorted((ROOT / "lab_ui").rglob("*.py"))
STREAMLIT_CONFIG = sorted((ROOT / ".streamlit").glob("*.toml")) if (ROOT / ".streamlit").is_dir() else []
APP_CODE = APP + PAGES + CORE + LAB_UI


def _rel(path: Path) -> str:
    return str(path.relative_to(ROOT))


def _tree(path: Path) -> ast.Module:
    return ast.parse(path.read_text(encoding="utf-8"), filename=str(path))


def _dotted(node: ast.AST) -> str:
    """'st.cache_data' for an Attribute/Name chain (calls unwrapped), '' otherwise."""
    if isinstance(node, ast.Call):
        node = node.func
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        parts.append(node.id)
        return ".".join(reversed(parts))
    return ""


def test_there_is_code_to_check():
    assert PAGES and CORE, "pages/ and equi_core/ must exist"


@pytest.mark.parametrize("path", CORE, ids=_rel)
def test_core_never_imports_streamlit(path):
    for node in ast.walk(_tree(path)):
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            names = [node.module or ""]
        elif isinstance(node, ast.Call) and _dotted(node.func) in ("__import__", "importlib.import_module"):
            names = [a.value for a in node.args if isinstance(a, ast.Constant) and isinstance(a.value, str)]
        else:
            continue
        bad = [n for n in names if n == "streamlit" or n.startswith("streamlit.")]
        assert not bad, f"{_rel(path)}:{node.lineno} imports {bad}: equi_core must stay streamlit-free"


@pytest.mark.parametrize("path", APP_CODE, ids=_rel)
def test_no_unsafe_allow_html(path):
    hits = [i for i, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1) if "unsafe_allow_html" in line]
    hits += [
        node.lineno for node in ast.walk(_tree(path)) if isinstance(node, ast.Call) and _dotted(node.func) == "st.html"
    ]
    assert not hits, f"{_rel(path)} lines {hits}: unsafe_allow_html / st.html is not allowed (user text must stay text)"


def _cache_decorators(tree: ast.Module):
    for node in ast.walk(tree):
        targets = []
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            targets = node.decorator_list
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Call):  # st.cache_data(...)(f)
            targets = [node.func]
        yield from targets


@pytest.mark.parametrize("path", APP_CODE, ids=_rel)
def test_caches_are_bounded(path):
    problems = []
    for dec in _cache_decorators(_tree(path)):
        name = _dotted(dec)
        kwargs = {k.arg: k.value for k in dec.keywords} if isinstance(dec, ast.Call) else {}
        if name.endswith("cache_data"):
            entries = kwargs.get("max_entries")
            if entries is None or (isinstance(entries, ast.Constant) and entries.value is None):
                problems.append(f"line {dec.lineno}: st.cache_data without max_entries")
        elif name in ("lru_cache", "functools.lru_cache"):
            args = dec.args if isinstance(dec, ast.Call) else []
            size = kwargs.get("maxsize", args[0] if args else None)
            if not isinstance(dec, ast.Call):
                continue  # bare @lru_cache is maxsize=128
            if isinstance(size, ast.Constant) and size.value is None:
                problems.append(f"line {dec.lineno}: lru_cache(maxsize=None) is unbounded")
        elif name in ("cache", "functools.cache"):
            problems.append(f"line {dec.lineno}: functools.cache is unbounded; use lru_cache(maxsize=N)")
    assert not problems, f"{_rel(path)}: " + "; ".join(problems)


@pytest.mark.parametrize("path", PAGES, ids=_rel)
def test_no_page_imports_another_page(path):
    page_names = {p.stem for p in PAGES}
    for node in ast.walk(_tree(path)):
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            names = [node.module or ""] + [f"{node.module}.{a.name}" for a in node.names]
        elif isinstance(node, ast.Call) and _dotted(node.func) in ("runpy.run_path", "exec", "importlib.import_module"):
            names = [str(a.value) for a in node.args if isinstance(a, ast.Constant)]
        else:
            continue
        for n in names:
            head = n.split(".")[0].replace("/", ".")
            assert head != "pages" and head not in page_names and "pages/" not in n, (
                f"{_rel(path)}:{node.lineno} imports another page ({n}); shared code belongs in equi_core"
            )


CDN = re.compile(
    r"(?:https?:)?//[^\s'\"]*(?:cdn\.|cdnjs|unpkg|jsdelivr|googleapis|gstatic|bootstrapcdn|cloudflare|"
    r"fontawesome|mathjax|polyfill\.io)",
    re.IGNORECASE,
)
CDN_OPTIONS = re.compile(
    r"include_(?:plotlyjs|mathjax)\s*=\s*['\"](?:cdn|directory|require)['\"]|https?://[^'\"]*\.js\b"
)


@pytest.mark.parametrize("path", APP_CODE + STREAMLIT_CONFIG, ids=_rel)
def test_no_cdn_in_app_code(path):
    text = path.read_text(encoding="utf-8")
    hits = [
        (i, m.group(0))
        for i, line in enumerate(text.splitlines(), 1)
        for m in (CDN.search(line), CDN_OPTIONS.search(line))
        if m
    ]
    assert not hits, f"{_rel(path)}: CDN / remote asset references {hits}; the app must work offline"


@pytest.mark.parametrize("path", APP_CODE, ids=_rel)
def test_no_cache_resource(path):
    hits = sorted({node.lineno for node in ast.walk(_tree(path)) if _dotted(node).endswith("cache_resource")})
    assert not hits, (
        f"{_rel(path)} lines {hits}: st.cache_resource shares one mutable object between all users; "
        "use st.cache_data(max_entries=...) (copies) or st.session_state"
    )


MUTATORS = {
    "append",
    "extend",
    "insert",
    "update",
    "setdefault",
    "add",
    "pop",
    "popitem",
    "clear",
    "remove",
    "discard",
    "__setitem__",
}


def _module_containers(tree: ast.Module) -> dict[str, int]:
    out = {}
    for node in tree.body:
        value, targets = None, []
        if isinstance(node, ast.Assign):
            value, targets = node.value, node.targets
        elif isinstance(node, ast.AnnAssign) and node.value is not None:
            value, targets = node.value, [node.target]
        if value is None:
            continue
        mutable = isinstance(value, (ast.Dict, ast.List, ast.Set, ast.DictComp, ast.ListComp, ast.SetComp)) or (
            isinstance(value, ast.Call)
            and _dotted(value.func).split(".")[-1]
            in ("dict", "list", "set", "defaultdict", "OrderedDict", "deque", "Counter")
        )
        if mutable:
            for t in targets:
                if isinstance(t, ast.Name) and t.id != "__all__":
                    out[t.id] = node.lineno
    return out


@pytest.mark.parametrize("path", CORE, ids=_rel)
def test_core_has_no_mutated_module_state(path):
    """Best effort: a module-level dict/list/set in equi_core that some function mutates is shared by all users."""
    tree = _tree(path)
    containers = _module_containers(tree)
    problems = []
    for func in [n for n in ast.walk(tree) if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))]:
        local = {a.arg for a in func.args.args + func.args.kwonlyargs}
        for node in ast.walk(func):
            if isinstance(node, ast.Global):
                problems += [f"line {node.lineno}: `global {n}`" for n in node.names]
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in MUTATORS:
                base = node.func.value
                if isinstance(base, ast.Name) and base.id in containers and base.id not in local:
                    problems.append(f"line {node.lineno}: {base.id}.{node.func.attr}(...) mutates module state")
            if isinstance(node, (ast.Assign, ast.AugAssign, ast.Delete)):
                tgts = node.targets if isinstance(node, (ast.Assign, ast.Delete)) else [node.target]
                for t in tgts:
                    if (
                        isinstance(t, ast.Subscript)
                        and isinstance(t.value, ast.Name)
                        and t.value.id in containers
                        and t.value.id not in local
                    ):
                        problems.append(f"line {node.lineno}: {t.value.id}[...] assignment mutates module state")
    assert not problems, f"{_rel(path)}: " + "; ".join(problems) + " (shared by every user of the server)"


@pytest.mark.parametrize("path", PAGES, ids=_rel)
def test_pages_never_set_page_config(path):
    hits = [
        node.lineno
        for node in ast.walk(_tree(path))
        if isinstance(node, ast.Call) and _dotted(node.func) == "st.set_page_config"
    ]
    assert not hits, f"{_rel(path)} lines {hits}: only app.py calls st.set_page_config"


@pytest.mark.parametrize("path", APP + PAGES, ids=_rel)
def test_favicon_is_not_fetched_from_google(path):
    """``st.set_page_config(page_icon=":material/...:")`` makes the browser fetch the favicon from
    fonts.gstatic.com (Streamlit's frontend builds that URL); an emoji or a local image stays offline.
    (Material icons in ``st.Page(icon=...)`` / the sidebar use the bundled font and are fine.)"""
    hits = []
    for node in ast.walk(_tree(path)):
        if isinstance(node, ast.Call) and _dotted(node.func) == "st.set_page_config":
            for kw in node.keywords:
                if (
                    kw.arg == "page_icon"
                    and isinstance(kw.value, ast.Constant)
                    and str(kw.value.value).startswith(":material")
                ):
                    hits.append(f"line {node.lineno}: page_icon={kw.value.value!r}")
    assert not hits, f"{_rel(path)}: {hits}: the favicon would come from fonts.gstatic.com; use an emoji (e.g. '🌀')"


# ----------------------------------------------------------------------------------------------------- one house
#: Where the app's and library's Python lives (tests/ and bench/ drive the app with streamlit.testing: not app code).
PACKAGE_CODE = sorted(
    p
    for p in ROOT.rglob("*.py")
    if p.relative_to(ROOT).parts[0] not in ("tests", "bench", "artifacts", "build", ".ci", ".git", ".venv", "venv")
)
STREAMLIT_HOME = ("app.py", "pages", "lab_ui")
#: A page reads widgets through lab_ui, calls one lessons module and the viz builders, lays out: a thin file.
MAX_PAGE_LINES = 250


def _imported_modules(path: Path) -> list[tuple[int, str]]:
    out = []
    for node in ast.walk(_tree(path)):
        if isinstance(node, ast.Import):
            out += [(node.lineno, a.name) for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            out.append((node.lineno, node.module))
        elif isinstance(node, ast.Call) and _dotted(node.func) in ("__import__", "importlib.import_module"):
            out += [
                (node.lineno, a.value) for a in node.args if isinstance(a, ast.Constant) and isinstance(a.value, str)
            ]
    return out


def test_package_code_is_found():
    assert ROOT / "app.py" in PACKAGE_CODE and any(p.parts[-2] == "o3" for p in PACKAGE_CODE)


@pytest.mark.parametrize("path", PACKAGE_CODE, ids=_rel)
def test_only_app_pages_and_lab_ui_import_streamlit(path):
    if _rel(path).split("/")[0] in STREAMLIT_HOME:
        return
    bad = [(line, m) for line, m in _imported_modules(path) if m == "streamlit" or m.startswith("streamlit.")]
    assert not bad, f"{_rel(path)} imports streamlit at {bad}: only app.py, pages/ and lab_ui/ may"


def _fresh_python(code: str) -> subprocess.CompletedProcess:
    """Run ``code`` in a new interpreter (nothing imported yet) from the repository root."""
    return subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120)


def test_import_equi_core_viz_does_not_import_torch():
    """The issue's check, verbatim: ``python -c "import equi_core.viz"`` loads no torch."""
    run = _fresh_python("import sys, equi_core.viz; print('torch' in sys.modules)")
    assert run.returncode == 0, run.stderr
    assert run.stdout.strip() == "False"


VIZ_MODULES = sorted(p.stem for p in (ROOT / "equi_core" / "viz").glob("*.py") if p.stem != "__init__")


@pytest.mark.parametrize("module", VIZ_MODULES)
def test_every_viz_module_imports_without_torch(module):
    """Drawing a figure must not load the training stack: each builder module imports without torch."""
    run = _fresh_python(f"import sys, equi_core.viz.{module}; print(sorted(m for m in ('torch',) if m in sys.modules))")
    assert run.returncode == 0, run.stderr
    assert run.stdout.strip() == "[]", f"equi_core.viz.{module} imports torch"


def test_import_equi_core_loads_no_torch_streamlit_or_plotly():
    run = _fresh_python(
        "import sys, equi_core; print(sorted(m for m in ('torch', 'streamlit', 'plotly') if m in sys.modules))"
    )
    assert run.returncode == 0, run.stderr
    assert run.stdout.strip() == "[]"


@pytest.mark.parametrize("path", PAGES, ids=_rel)
def test_every_page_is_thin(path):
    n = len(path.read_text(encoding="utf-8").splitlines())
    assert n < MAX_PAGE_LINES, (
        f"{_rel(path)} has {n} lines (a page must stay under {MAX_PAGE_LINES}: move work to lab_ui/lessons)"
    )


def test_every_shipped_data_file_is_package_data():
    """``pip install .`` must carry every shipped result, dataset and model (pyproject's package-data globs)."""
    tomllib = pytest.importorskip("tomllib")  # Python >= 3.11
    patterns = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["package-data"]["equi_core"]
    package = ROOT / "equi_core"
    covered = {p for pattern in patterns for p in package.glob(pattern)}
    shipped = {
        p
        for sub in ("training/datasets", "training/models", "training/results")
        for p in (package / sub).rglob("*")
        if p.is_file() and p.suffix != ".py" and "__pycache__" not in p.parts
    }
    missing = sorted(_rel(p) for p in shipped - covered)
    assert not missing, f"not in [tool.setuptools.package-data]: {missing}"
