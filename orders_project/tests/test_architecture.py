"""The structure rules that import-linter cannot see (README "Architecture").

`make lint` checks the layers and cycles with import-linter (.importlinter). What
it cannot see: an import of another app hidden inside a function (a cycle dodged
at run time) and modules grown past what a reader can hold.
"""

import ast
from pathlib import Path

from .processes import PROJECT_DIR

# The project's own top-level packages, bottom layer first.
PACKAGES = [
    "shared",
    "customers",
    "orders",
    "fulfillment",
    "notifications",
    "webhooks",
    "reports",
    "privacy",
    "api",
    "dashboard",
    "tracking",
    "backoffice",
    "orders_project",
]
LEFT_OUT = {"tests", "migrations", "__pycache__"}
MAX_LINES = 700
# Registering handlers and guards once the apps are loaded is what ready() is for; a
# management command's handle() is an entry point of its own.
MAY_IMPORT_INSIDE = {"ready", "handle"}


def _modules() -> list[Path]:
    found = []
    for package in PACKAGES:
        for path in sorted((PROJECT_DIR / package).rglob("*.py")):
            if not LEFT_OUT & set(path.relative_to(PROJECT_DIR).parts):
                found.append(path)
    return found


def _imported_package(node: ast.AST, module: Path) -> str | None:
    if isinstance(node, ast.Import):
        return node.names[0].name.split(".")[0]
    if isinstance(node, ast.ImportFrom):
        if node.level:  # relative: inside its own package
            return module.relative_to(PROJECT_DIR).parts[0]
        return (node.module or "").split(".")[0]
    return None


def test_the_packages_of_the_layers_all_exist():
    assert [p for p in PACKAGES if not (PROJECT_DIR / p / "__init__.py").exists()] == []


def test_no_module_imports_another_app_inside_a_function():
    hidden = []
    for path in _modules():
        own = path.relative_to(PROJECT_DIR).parts[0]
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for function in ast.walk(tree):
            if not isinstance(function, ast.FunctionDef | ast.AsyncFunctionDef):
                continue
            if function.name in MAY_IMPORT_INSIDE:
                continue
            for node in ast.walk(function):
                package = _imported_package(node, path)
                if package in PACKAGES and package != own:
                    hidden.append(f"{path.relative_to(PROJECT_DIR)}:{node.lineno} {package}")

    assert hidden == []


def test_no_module_is_longer_than_a_reader_can_hold():
    long = {
        str(path.relative_to(PROJECT_DIR)): lines
        for path in _modules()
        for lines in [path.read_text(encoding="utf-8").count("\n") + 1]
        if lines > MAX_LINES
    }

    assert long == {}
