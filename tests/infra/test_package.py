"""The function app's package holds what function_app.py needs and nothing else.

azd (from 1.18.0) builds the package of a function app from the project folder on disk, leaving out what `.funcignore`
lists in gitignore syntax, and always leaving out local.settings.json (Azure/azure-dev#5383). The package is built
here the same way, from this checkout's folder, and compared with what the app needs: function_app.py, host.json,
requirements.txt (the remote build installs it), every module of this project that function_app.py imports,
directly or not, and the files that live inside those modules' packages (the review page's static files).
"""

import ast
import re
from pathlib import Path

import pathspec
import pytest
import yaml

from tests.infra.bicep import ROOT

ALWAYS_LEFT_OUT = {"local.settings.json"}
RUNTIME_FILES = {"function_app.py", "host.json", "requirements.txt"}


def funcignore() -> pathspec.GitIgnoreSpec:
    return pathspec.GitIgnoreSpec.from_lines((ROOT / ".funcignore").read_text().splitlines())


def package(project: Path, ignore: pathspec.GitIgnoreSpec, folder: Path | None = None) -> set[str]:
    """The files azd would zip from `project`: ignored directories are not entered, ignored files not taken."""
    found: set[str] = set()
    for path in sorted((folder or project).iterdir()):
        relative = path.relative_to(project).as_posix()
        if path.is_dir():
            if not ignore.match_file(relative + "/"):
                found |= package(project, ignore, path)
        elif not ignore.match_file(relative) and relative not in ALWAYS_LEFT_OUT:
            found.add(relative)
    return found


def module_file(name: str) -> Path | None:
    """This project's file of a dotted module name, or None for a module from elsewhere."""
    base = ROOT.joinpath(*name.split("."))
    for candidate in (base.with_suffix(".py"), base / "__init__.py"):
        if candidate.is_file():
            return candidate
    return None


def imported_names(path: Path) -> set[str]:
    """Every module `path` imports, as absolute dotted names (relative imports resolved, `from a import b` as a.b)."""
    package_parts = path.relative_to(ROOT).parts[:-1]
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            parts = list(package_parts[: len(package_parts) - node.level + 1]) if node.level else []
            base = ".".join([*parts, *(node.module.split(".") if node.module else [])])
            names.add(base)
            names |= {f"{base}.{alias.name}" for alias in node.names}
    return names


def needed_modules() -> set[Path]:
    """function_app.py and this project's modules it imports, transitively, with their packages' __init__.py."""
    seen: set[Path] = set()
    todo = [ROOT / "function_app.py"]
    while todo:
        path = todo.pop()
        if path in seen:
            continue
        seen.add(path)
        for name in imported_names(path):
            parts = name.split(".")
            for depth in range(1, len(parts) + 1):
                found = module_file(".".join(parts[:depth]))
                if found is not None:
                    todo.append(found)
    return seen


def needed() -> set[str]:
    modules = needed_modules()
    packages = {p.parent for p in modules if p.name == "__init__.py"}
    data = {
        p
        for folder in packages
        for p in folder.rglob("*")
        if p.is_file() and p.suffix not in {".py", ".pyc"} and "__pycache__" not in p.parts
    }
    return {p.relative_to(ROOT).as_posix() for p in modules | data} | RUNTIME_FILES


def test_azd_is_one_that_honours_funcignore() -> None:
    required = yaml.safe_load((ROOT / "azure.yaml").read_text())["requiredVersions"]["azd"]
    match = re.fullmatch(r">=\s*(\d+)\.(\d+)\.(\d+)", required)
    assert match, required
    assert tuple(int(part) for part in match.groups()) >= (1, 18, 0)


def test_the_package_holds_only_what_function_app_imports() -> None:
    built = package(ROOT, funcignore())
    assert built - needed() == set(), "packaged but not needed by function_app.py"
    assert needed() - built == set(), "needed by function_app.py but left out of the package"


def test_the_imports_are_followed_through_the_shared_package() -> None:
    reached = {p.relative_to(ROOT).as_posix() for p in needed_modules()}
    assert {"function_app.py", "shared/__init__.py", "shared/bootstrap.py", "shared/config.py"} <= reached
    assert not any(name.startswith(("local/", "tests/", "bench/", "chaos/", "tools/")) for name in reached)


def test_the_package_is_built_as_azd_builds_it(tmp_path: Path) -> None:
    for name in ("function_app.py", "notes.txt", "local.settings.json", "node_modules/azurite/x.js", "shared/a.py"):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("")
    (tmp_path / "shared" / "__pycache__").mkdir()
    (tmp_path / "shared" / "__pycache__" / "a.cpython-313.pyc").write_text("")
    assert package(tmp_path, funcignore()) == {"function_app.py", "notes.txt", "shared/a.py"}


@pytest.mark.parametrize(
    "heavy_or_private",
    [
        "node_modules/azurite/package.json",
        "tests/e2e/test_readme.py",
        "local.settings.json.example",
        ".venv/bin/python",
    ],
)
def test_funcignore_leaves_out_what_azd_once_shipped(heavy_or_private: str) -> None:
    assert funcignore().match_file(heavy_or_private)
