"""The layout rules of STYLE.md that a test can hold."""
import ast
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FORBIDDEN = {"flask", "sqlalchemy", "wechatpy", "flask_sqlalchemy", "backend"}


def _imported_roots(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    roots = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            roots.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            roots.add(node.module.split(".")[0])
    return roots


def test_no_dialogs_module_imports_flask_sqlalchemy_wechatpy_or_the_backend():
    offenders = {
        str(p.relative_to(ROOT)): sorted(_imported_roots(p) & FORBIDDEN)
        for p in (ROOT / "dialogs").rglob("*.py")
        if _imported_roots(p) & FORBIDDEN
    }
    assert offenders == {}


def test_importing_dialogs_loads_none_of_them_at_run_time():
    code = (
        "import sys, importlib, pkgutil, dialogs\n"
        "for m in pkgutil.walk_packages(dialogs.__path__, 'dialogs.'):\n"
        "    importlib.import_module(m.name)\n"
        f"bad = sorted(n for n in sys.modules if n.split('.')[0] in {sorted(FORBIDDEN)!r})\n"
        "print(','.join(bad))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""


def test_the_rules_package_does_no_io_or_framework_imports():
    banned = {"flask", "flask_sqlalchemy", "sqlalchemy", "requests", "redis", "wechatpy"}
    for path in (ROOT / "backend" / "rules").rglob("*.py"):
        assert not (_imported_roots(path) & banned), path
