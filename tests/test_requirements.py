"""Production installs the app's requirements only; the test, browser and fuzzing tools come with `make test`."""
import ast
import re
import subprocess
from importlib.metadata import packages_distributions
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TOOLS = {"pytest", "pytest-xdist", "hypothesis", "playwright", "axe-playwright-python", "schemathesis", "moto"}


def _pinned(path: Path) -> set[str]:
    names = set()
    for line in path.read_text(encoding="utf-8").splitlines():
        match = re.match(r"([A-Za-z0-9_.-]+)(\[[^]]*\])?==", line)
        if match:
            names.add(match.group(1).lower().replace("_", "-"))
    return names


def _imported_roots(paths) -> set[str]:
    roots = set()
    for path in paths:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                roots.update(alias.name.split(".")[0] for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                roots.add(node.module.split(".")[0])
    return roots


def test_the_app_requirements_pin_no_test_browser_or_fuzzing_tool():
    assert _pinned(ROOT / "requirements.txt") & TOOLS == set()
    assert TOOLS <= _pinned(ROOT / "requirements-dev.txt")


def test_the_dev_requirements_add_to_the_app_ones_without_pinning_anything_twice():
    dev = (ROOT / "requirements-dev.txt").read_text(encoding="utf-8")
    assert "-r requirements.txt" in dev.splitlines()
    assert _pinned(ROOT / "requirements.txt") & _pinned(ROOT / "requirements-dev.txt") == set()


def test_no_app_module_imports_a_package_only_the_dev_requirements_install():
    dev_only = _pinned(ROOT / "requirements-dev.txt")
    module_of = packages_distributions()
    sources = [ROOT / "wsgi.py", *(ROOT / "backend").rglob("*.py"), *(ROOT / "dialogs").rglob("*.py")]
    offenders = {root: dists for root in _imported_roots(sources)
                 if (dists := {d.lower().replace("_", "-") for d in module_of.get(root, [])} & dev_only)}
    assert offenders == {}


def _make_dry_run(target: str) -> str:
    # -B: print every step as on a fresh clone, whatever stamps this checkout already has.
    return subprocess.run(["make", "-n", "-B", target], cwd=ROOT, capture_output=True, text=True, check=True).stdout


def test_make_run_installs_the_app_requirements_only():
    steps = _make_dry_run("run")
    assert "-r requirements.txt" in steps
    assert "requirements-dev.txt" not in steps


def test_make_test_installs_the_dev_requirements_too():
    steps = _make_dry_run("test")
    assert "-r requirements.txt" in steps and "-r requirements-dev.txt" in steps
    assert steps.index("-r requirements-dev.txt") < steps.index("pytest")
