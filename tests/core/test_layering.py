"""app/core and app/mail import no domain, not even inside a function: that is what keeps
the benchmarks and the worker free of import cycles (mail → auth → mail)."""

import ast
from pathlib import Path

import pytest

APP = Path(__file__).resolve().parents[2] / "app"
DOMAINS = {
    p.name
    for p in APP.iterdir()
    if p.is_dir() and p.name not in {"core", "mail", "static", "templates"}
} - {"__pycache__"}


def _imported_packages(path: Path, package: str) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom):
            if node.level == 0 and node.module and node.module.startswith("app."):
                found.add(node.module.split(".")[1])
            elif node.level >= 2:
                # relative to app/<package>/…: level 2 from a module directly in the package
                depth = len(path.relative_to(APP / package).parts)  # 1 = directly inside
                if node.level == depth + 1 and node.module:
                    found.add(node.module.split(".")[0])
                elif node.level == depth + 1:
                    found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.Import):
            found.update(
                alias.name.split(".")[1] for alias in node.names if alias.name.startswith("app.")
            )
    return found


@pytest.mark.parametrize("package", ["core", "mail"])
def test_package_imports_no_domain(package):
    offending = {
        str(path.relative_to(APP)): sorted(_imported_packages(path, package) & DOMAINS)
        for path in (APP / package).rglob("*.py")
    }
    assert {k: v for k, v in offending.items() if v} == {}
